/** Where the suite and the known-failures list live, and comparing results with that list. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../../src/package-root';
import type { TargetName } from '../../src/backend/targets';
import type { CommandResult } from './runner';

export const PROJECT_ROOT = packageRoot();
export const SUITE_DIR = process.env.WANCO_SPEC_SUITE ?? resolve(PROJECT_ROOT, '../shared/spec-testsuite/core');
export const KNOWN_FAILURES_FILE = join(PROJECT_ROOT, 'test-fixtures/spec/known-failures.json');
export const CACHE_ROOT = join(PROJECT_ROOT, 'out/spec-cache');

export function suiteScripts(names?: string[]): string[] {
  if (!existsSync(SUITE_DIR)) throw new Error(`spec testsuite not found at ${SUITE_DIR}`);
  const all = readdirSync(SUITE_DIR).filter((n) => n.endsWith('.wast')).sort();
  if (!names || names.length === 0) return all.map((n) => join(SUITE_DIR, n));
  return names.map((n) => {
    const f = n.endsWith('.wast') ? n : `${n}.wast`;
    if (!all.includes(f)) throw new Error(`no spec script ${f} in ${SUITE_DIR}`);
    return join(SUITE_DIR, f);
  });
}

/** A command that does not pass (fails or is skipped) on the listed targets, and why. */
export interface KnownFailure {
  /** "script:line" */
  id: string;
  targets: TargetName[];
  reason: string;
}

export function loadKnownFailures(): KnownFailure[] {
  if (!existsSync(KNOWN_FAILURES_FILE)) return [];
  return (JSON.parse(readFileSync(KNOWN_FAILURES_FILE, 'utf8')) as { entries: KnownFailure[] }).entries;
}

/** Regressions (not passing and not listed) and unexpected passes (listed but passing). */
export function compareWithKnown(target: TargetName, results: CommandResult[], known: KnownFailure[]):
  { regressions: CommandResult[]; unexpectedPasses: CommandResult[] } {
  const listed = new Set(known.filter((k) => k.targets.includes(target)).map((k) => k.id));
  const regressions: CommandResult[] = [];
  const unexpectedPasses: CommandResult[] = [];
  for (const r of results) {
    const id = `${r.script}:${r.line}`;
    if (r.outcome === 'pass' && listed.has(id)) unexpectedPasses.push(r);
    if (r.outcome !== 'pass' && !listed.has(id)) regressions.push(r);
  }
  return { regressions, unexpectedPasses };
}
