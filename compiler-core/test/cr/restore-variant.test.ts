import * as assert from 'assert';
import { decodeModule } from '../../src/wasm/decoder';
import { watToBinary } from '../../src/wasm/load';
import { translateModule } from '../../src/translate/module';
import { TARGETS } from '../../src/backend/targets';

/** The LLVM IR of one function (by symbol) of a C/R build of a WAT module. */
async function functionIr(wat: string, symbol: string, debugPoints = false): Promise<string> {
  const bytes = await watToBinary(wat, 'test.wat');
  const m = decodeModule(bytes, 'test.wat');
  const { partitions } = translateModule(m, bytes, { boundsChecks: false, checkpoint: true, debugPoints, partitions: 1 }, TARGETS.x86_64);
  const ir = partitions.join('\n');
  const start = ir.indexOf(`@${symbol}(`);
  assert.ok(start >= 0, `no @${symbol} in the IR`);
  return ir.slice(ir.lastIndexOf('\ndefine ', start), ir.indexOf('\n}', start));
}

const count = (s: string, re: RegExp) => [...s.matchAll(re)].length;

// $f has 40 i32 locals and 12 calls to $loop (which reaches a migration point), one of them
// with a value below its argument on the operand stack.
const locals = Array.from({ length: 40 }, (_, i) => `(local $x${i} i32)`).join(' ');
const calls = Array.from({ length: 11 }, (_, i) => `(local.set $x${i} (call $loop (local.get $x${i + 1})))`).join('\n');
const WAT = `(module
  (func $loop (param $n i32) (result i32)
    (loop $l (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))) (local.get $n))
  (func $f (result i32) ${locals}
    ${calls}
    (i32.add (local.get $x39) (call $loop (local.get $x38))))
  (func (export "_start") (drop (call $f))))`;

describe('C/R restore variants', () => {
  it('read each local once for all points (not once per point), then the point\'s stack values', async () => {
    const wr = await functionIr(WAT, 'wr1');
    const reads = count(wr, /call i32 @wrt_cr_restore_i32\(\)/g);
    // 40 locals in the shared block + the one stack value below the last call's argument
    assert.equal(reads, 41, wr);
    // every point id is checked before anything is read: an unknown id traps
    assert.match(wr, /restore\.dispatch:\n {2}%pid = call i64 @wrt_cr_restore_frame\(i32 1\)\n {2}switch i64 %pid, label %restore\.bad \[(i64 -?\d+, label %restore\.locals ?){12}\]/);
    assert.match(wr, /restore\.locals:\n( {2}.*\n){80} {2}switch i64 %pid, label %restore\.bad \[(i64 -?\d+, label %restore\.\d+ ?){12}\]$/);
  });

  it('debug builds: statement points resume right after the shared locals block', async () => {
    const wr = await functionIr(WAT, 'wr1', true);
    // 40 locals once, plus the stack values of the after-call points (one per point: the result)
    assert.ok(count(wr, /call i32 @wrt_cr_restore_i32\(\)/g) <= 40 + 2 * 12, wr);
    assert.match(wr, /restore\.locals:\n( {2}.*\n){80} {2}switch i64 %pid, label %restore\.bad \[.*label %dp\d+/);
  });
});
