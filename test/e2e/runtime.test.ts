/**
 * The runtime's own tests (runtime/test/run.sh: WASI, memory, tables, traps,
 * options, the C/R unit tests of the stackmap parser and the snapshot
 * writer/reader) as part of npm test: once as built for the programs (x86_64
 * and aarch64, static), and once on x86_64 with AddressSanitizer and
 * UndefinedBehaviorSanitizer (`make -C runtime test-sanitize`), where any
 * sanitizer report fails the run and is shown here.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, spawnCapture } from '../helpers/oracle';

const RUNTIME = join(ROOT, 'runtime');

/** Runs a make target of the runtime; fails with the failed checks and any sanitizer report. */
async function makeTarget(target: string): Promise<string> {
  const r = await spawnCapture('make', ['-s', '-C', RUNTIME, target], { timeoutMs: 900_000 });
  const out = r.stdout.toString() + r.stderr.toString();
  const summary = /^runtime tests.*: (\d+) ok, (\d+) failed$/m.exec(out);
  if (r.status !== 0 || !summary || summary[2] !== '0') {
    // the failed checks and what follows them (wanted/got lines, sanitizer reports)
    const lines = out.split('\n');
    const shown = lines.filter((l) => !l.startsWith('ok   ')).join('\n');
    assert.fail(`make ${target} exited ${r.status ?? r.signal}${r.timedOut ? ' (timed out)' : ''}:\n${shown.slice(-20_000)}`);
  }
  return summary[0];
}

describe('runtime: C tests (runtime/test/run.sh)', function () {
  this.timeout(900_000);

  it('make -C runtime test (x86_64 and aarch64)', async () => {
    const summary = await makeTarget('test');
    console.log(`      ${summary}`);
  });

  it('make -C runtime test-sanitize (x86_64, AddressSanitizer + UndefinedBehaviorSanitizer)', async () => {
    const summary = await makeTarget('test-sanitize');
    assert.match(summary, /ASan\+UBSan/);
    console.log(`      ${summary}`);
  });
});
