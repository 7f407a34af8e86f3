/** Where the corpus's fixtures and its build cache are. */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../compiler-core/src/index';

export const ROOT = packageRoot();
/** the recipes' headers and workloads */
export const CORPUS_FIXTURES = join(ROOT, 'test-fixtures', 'corpus');
/** the recipes' TypeScript sources (hashed into the cache key) */
export const RECIPE_SOURCES = join(ROOT, 'test', 'corpus', 'programs');

/** Outside the clone: a build survives `git clean` and is shared by every clone on the machine. */
export function corpusCache(): string {
  return process.env.WANCO_CORPUS_CACHE || join(homedir(), '.cache', 'wanco-corpus');
}
