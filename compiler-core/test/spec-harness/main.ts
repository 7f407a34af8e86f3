/**
 * `npm run spec -- [--target x86_64|aarch64] [--report] [--verbose] [-O N] [--checkpoint] [--jobs N]
 *                  [--write-known] [NAME...]`
 * Runs the WebAssembly spec testsuite (all scripts or the named ones) on both targets (or one)
 * and ends with one line per target: `x86_64: N passed, N failed, N skipped`.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { OptLevel } from '../../src/backend/pipeline';
import type { TargetName } from '../../src/backend/targets';
import { defaultJobs, runScripts, type CommandResult } from './runner';
import { CACHE_ROOT, KNOWN_FAILURES_FILE, loadKnownFailures, suiteScripts, type KnownFailure } from './suite';

function count(rs: CommandResult[], pred: (r: CommandResult) => boolean = () => true) {
  const c = { passed: 0, failed: 0, skipped: 0 };
  for (const r of rs) if (pred(r)) { if (r.outcome === 'pass') c.passed++; else if (r.outcome === 'fail') c.failed++; else c.skipped++; }
  return c;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const targets: TargetName[] = [];
  let report = false, verbose = false, checkpoint = false, writeKnown = false;
  let optLevel: OptLevel = 1;
  let jobs = defaultJobs();
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--target') {
      const t = argv[++i];
      if (t !== 'x86_64' && t !== 'aarch64') { console.error(`spec: unknown target '${t}'`); return 2; }
      targets.push(t);
    } else if (a === '--report') report = true;
    else if (a === '--verbose' || a === '-v') verbose = true;
    else if (a === '--checkpoint') checkpoint = true;
    else if (a === '--write-known') writeKnown = true;
    else if (a === '-O') optLevel = Number(argv[++i]) as OptLevel;
    else if (a === '--jobs') jobs = Number(argv[++i]);
    else if (a.startsWith('-')) { console.error(`spec: unknown option '${a}'`); return 2; }
    else names.push(a);
  }
  if (targets.length === 0) targets.push('x86_64', 'aarch64');
  let scripts: string[];
  try { scripts = suiteScripts(names); } catch (e) { console.error(`spec: ${(e as Error).message}`); return 2; }

  const { results, seconds } = await runScripts(scripts, { targets, optLevel, checkpoint, jobs, cacheRoot: CACHE_ROOT },
    (target, script, rs) => {
      if (!report) return;
      const c = count(rs);
      console.log(`${target.padEnd(8)} ${script.padEnd(36)} ${String(c.passed).padStart(6)} passed ${String(c.failed).padStart(5)} failed ${String(c.skipped).padStart(4)} skipped`);
    });
  mkdirSync(CACHE_ROOT, { recursive: true });
  for (const t of targets) {
    writeFileSync(join(CACHE_ROOT, `results-${t}.json`), JSON.stringify(results[t], null, 1));
    if (verbose) {
      for (const r of results[t]) if (r.outcome === 'fail') console.log(`${t} FAIL ${r.script}:${r.line} ${r.kind}: ${r.detail ?? ''}`);
    }
  }
  if (writeKnown) {
    const entries = new Map<string, KnownFailure>();
    for (const t of targets) for (const r of results[t]) {
      if (r.outcome === 'pass') continue;
      const id = `${r.script}:${r.line}`;
      const e = entries.get(id) ?? { id, targets: [], reason: r.detail ?? r.kind };
      e.targets.push(t);
      entries.set(id, e);
    }
    const kept = loadKnownFailures().filter((k) => !scripts.some((s) => s.endsWith(`/${k.id.split(':')[0]}.wast`)));
    const all = [...kept, ...entries.values()].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
    writeFileSync(KNOWN_FAILURES_FILE, JSON.stringify({ entries: all }, null, 1) + '\n');
    console.log(`wrote ${all.length} entries to ${KNOWN_FAILURES_FILE}`);
  }
  for (const t of targets) {
    const rs = results[t];
    const kinds = ['assert_malformed:binary', 'assert_malformed:text', 'assert_invalid:binary', 'assert_invalid:text'];
    const parts = kinds.map((k) => {
      const c = count(rs, (r) => r.kind === k);
      // rejected with the spec's message: it contains the expected text (as the reference interpreter's prefix check)
      const same = rs.filter((r) => r.kind === k && r.outcome === 'pass' && r.expected !== undefined && r.detail?.includes(r.expected)).length;
      return `${k} ${c.passed}/${c.passed + c.failed + c.skipped} (${same} with the spec's message)`;
    });
    console.log(`${t} rejected: ${parts.join(', ')}; ${seconds[t].toFixed(0)} s`);
  }
  for (const t of targets) {
    const c = count(results[t]);
    console.log(`${t}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
  }
  return targets.some((t) => count(results[t]).failed > 0) ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (e) => { console.error(e); process.exitCode = 2; });
