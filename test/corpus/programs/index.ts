/** The corpus: one recipe per program, each stressing something else. */
import type { Recipe } from '../recipe';
import { bzip2 } from './bzip2';
import { mawk } from './mawk';
import { sqlite3 } from './sqlite3';

export const RECIPES: Recipe[] = [sqlite3, bzip2, mawk];
