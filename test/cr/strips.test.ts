/**
 * Strip-mined checkpoint polls (compiler-core/src/cr/strip-loops.ts): loops of every
 * recognised shape run exactly as many iterations with checkpoint support as without it
 * (x86_64 and aarch64), and a checkpoint requested during a long counted loop without calls
 * is taken inside that loop and restores to the uninterrupted output.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { compileFor, fixtureModule, runElf, workDir, type RunResult } from '../helpers/cr-chain';
import { readSnapshotFile } from '../../compiler-core/src/index';

// iterations * 2^32 + final i of each loop in strips.wat, then the Collatz steps of 837799
// and the checksum of the long part (checked against a build without checkpoint support too)
const STRIPS_OUTPUT = [
  '21474836485000', '35184372092928', '4294967338', '17179869196000', '8594229562299', '12884901888000',
  '4294967296', '26381836615679', '32212254723000', '8589934598', '7541962571773', '4294967303',
  '8589934591', '47244640266', '8589933569', '12887049371648', '17184164149296', '17179869184000',
  '4294967299', '210453397553', '210453397553', '429496730600', '8995500500', '524', '-1684322054811886391',
].map((l) => l + '\n').join('');

const LONG_LOOP_OUTPUT = 'start\nc50dae70f39d0383\n';
const LONG_LOOP_START = 3; // function index of _start in long-loop.wat; local 0 is $i

describe('strip-mined checkpoint polls', function () {
  this.timeout(600000);

  it('every loop shape runs as often as without checkpoint support (x86_64, aarch64)', async () => {
    const module = fixtureModule('cr/strips.wat');
    const dir = workDir({ name: 'strips', source: '', args: [] });
    const builds: [string, 'x86_64' | 'aarch64'][] = [
      [compileFor(module, 'x86_64', ['--no-checkpoint']), 'x86_64'],
      [compileFor(module, 'x86_64'), 'x86_64'],
      [compileFor(module, 'aarch64'), 'aarch64'],
    ];
    for (const [exe, arch] of builds) {
      const r = await runElf(exe, arch, [], dir);
      assert.equal(r.code, 0, `${exe}: exit ${r.code} ${r.signal ?? ''}: ${r.stderr}`);
      assert.equal(r.stdout.toString(), STRIPS_OUTPUT, `${exe} (${arch})`);
    }
  });

  it('a checkpoint during a long counted loop is taken inside the loop and restores to the same output', async () => {
    const exe = compileFor(fixtureModule('cr/long-loop.wat'), 'x86_64');
    const dir = workDir({ name: 'long-loop', source: '', args: [] });
    const snap = join(dir, 'loop.wsnap');
    // The signal must arrive once the loop runs (stdout is buffered, so no "start" to wait
    // for): later tries if a loaded machine had not reached it yet.
    let r: RunResult | undefined;
    let where = '';
    for (const delay of [300, 700, 1200]) {
      r = await runElf(exe, 'x86_64', ['--snapshot', snap], dir, delay);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /checkpoint written/, `no checkpoint: ${r.stderr}`);
      const frames = readSnapshotFile(snap).frames;
      const inner = frames[frames.length - 1];
      const i = inner.locals[0];
      where = `function ${inner.funcIndex}, local 0 = ${i.type} ${'value' in i ? String(i.value) : '?'}`;
      // a checkpoint after the loop would be in $hex (function 2); at the loop's entry $i is its start
      assert.equal(inner.funcIndex, LONG_LOOP_START, `checkpoint not taken in the loop of _start: ${where}`);
      if (i.type === 'i32' && (i.value >>> 0) > 0xc0000000) break;
      r = undefined;
    }
    assert.ok(r, `every checkpoint was taken at the loop's entry: ${where}`);
    const restored = await runElf(exe, 'x86_64', ['--restore', snap], dir);
    assert.equal(restored.code, 0, restored.stderr);
    assert.equal(r.stdout.toString() + restored.stdout.toString(), LONG_LOOP_OUTPUT);
  });
});
