/**
 * `node out/compiler-core/test/spec-harness/known.js [RESULTS.json...]`: writes test-fixtures/spec/known-failures.json
 * from the last full run's results (out/spec-cache/results-<target>.json), one entry per command that
 * does not pass, with the reason of its bug class.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TargetName } from '../../src/backend/targets';
import type { CommandResult } from './runner';
import { CACHE_ROOT, KNOWN_FAILURES_FILE, type KnownFailure } from './suite';

/** The reason of an entry: what the run reported (all that remain are skips with their cause). */
function reason(r: CommandResult): string {
  return r.detail ?? '';
}

// --from x86_64: only that target's results exist; the classes are target-independent, list them for both.
const from = process.argv[2] === '--from' ? process.argv[3] as TargetName : undefined;
const targets: TargetName[] = from ? [from] : ['x86_64', 'aarch64'];
const entries = new Map<string, KnownFailure>();
for (const t of targets) {
  const rs = JSON.parse(readFileSync(join(CACHE_ROOT, `results-${t}.json`), 'utf8')) as CommandResult[];
  for (const r of rs) {
    if (r.outcome === 'pass') continue;
    const id = `${r.script}:${r.line}`;
    const e = entries.get(id) ?? { id, targets: [], reason: reason(r) };
    if (from) e.targets = ['x86_64', 'aarch64']; else e.targets.push(t);
    entries.set(id, e);
  }
}
const all = [...entries.values()].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
writeFileSync(KNOWN_FAILURES_FILE, JSON.stringify({
  about: 'Spec commands that do not pass (fail or are skipped), per target, with the reason. Used by compiler-core/test/spec/spec.test.ts.',
  entries: all,
}, null, 1) + '\n');
console.log(`wrote ${all.length} entries to ${KNOWN_FAILURES_FILE}`);
