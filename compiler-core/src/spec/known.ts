/**
 * `node out/compiler-core/src/spec/known.js [RESULTS.json...]`: writes test-fixtures/spec/known-failures.json
 * from the last full run's results (out/spec-cache/results-<target>.json), one entry per command that
 * does not pass, with the reason of its bug class.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TargetName } from '../backend/targets';
import type { CommandResult } from './runner';
import { CACHE_ROOT, KNOWN_FAILURES_FILE, type KnownFailure } from './suite';

function reason(r: CommandResult): string {
  const d = r.detail ?? '';
  if (r.outcome === 'skip') return d;
  if (r.kind === 'assert_malformed:text') return `binaryen's text parser accepts it (${r.script === 'tokens' ? 'tokens without separating whitespace' : 'out-of-range literal'}); expected ${d.replace(/^accepted; expected /, '')}`;
  if (r.kind.startsWith('assert_invalid') && d.startsWith('accepted')) return `binaryen's validator accepts it (does not type-check unreachable code / untyped select of references); expected ${d.replace(/^accepted; expected /, '')}`;
  if (r.script === 'elem' && (r.line === 333 || r.line === 341)) return 'binaryen rejects a valid module (table.init of a declarative element segment): "error in parsing wasm binary"';
  return d;
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
