import * as assert from 'assert';
import { decodeModule } from '../../src/wasm/decoder';
import { watToBinary } from '../../src/wasm/load';
import { isRestorePartition, translateModule } from '../../src/translate/module';
import { TARGETS } from '../../src/backend/targets';
import { spawnSync } from 'node:child_process';
import { findToolchain, toolArgv } from '../../src/backend/toolchain';
import { PointKind, pointIdLlvm } from '../../src/cr/points';
import { NESTED_TRANSFER_BUDGET, type PointInfo } from '../../src/cr/instrument';

/** The LLVM IR of one function (by symbol) of a C/R build of a WAT module. */
async function functionIr(wat: string, symbol: string, debugPoints = false, parts = 1): Promise<string> {
  const bytes = await watToBinary(wat, 'test.wat');
  const m = decodeModule(bytes, 'test.wat');
  const { partitions } = translateModule(m, bytes, { boundsChecks: false, checkpoint: true, debugPoints, partitions: parts }, TARGETS.x86_64);
  const ir = partitions.join('\n');
  const def = new RegExp(`\\ndefine [^\\n]*@${symbol}\\(`).exec(ir); // not a declaration in another partition
  assert.ok(def, `no @${symbol} in the IR`);
  return ir.slice(def.index, ir.indexOf('\n}', def.index));
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
  it('read the locals once for all points (not once per point), then the point\'s stack values', async () => {
    const wr = await functionIr(WAT, 'wr1');
    // the 40 locals in one call of the shared block, the one stack value below the last call's argument by itself
    assert.equal(count(wr, /call i8\* @wrt_cr_restore_locals\(\)/g), 1, wr);
    assert.equal(count(wr, /call i32 @wrt_cr_restore_i32\(\)/g), 1, wr);
    // each local from its slot in the transfer layout
    assert.match(wr, /%rs39\.p = getelementptr inbounds i8, i8\* %cr\.ls, i64 624\n {2}%rs39\.q = bitcast i8\* %rs39\.p to i32\*\n {2}%rs39 = load i32, i32\* %rs39\.q, align 8\n {2}store i32 %rs39, i32\* %l39\n/);
    // every point id is checked before anything is read: an unknown id traps
    assert.match(wr, /restore\.dispatch:\n {2}%pid = call i64 @wrt_cr_restore_frame\(i32 1\)\n {2}switch i64 %pid, label %restore\.bad \[(i64 -?\d+, label %restore\.locals ?){12}\]/);
    assert.match(wr, /restore\.locals:\n {2}%cr\.ls = call i8\* @wrt_cr_restore_locals\(\)\n( {2}.*\n){160} {2}switch i64 %pid, label %restore\.bad \[(i64 -?\d+, label %restore\.\d+ ?){12}\]$/);
  });

  it('debug builds: statement points resume right after the shared locals block', async () => {
    const wr = await functionIr(WAT, 'wr1', true);
    // the locals once, plus the stack values of the after-call points (one per point: the result)
    assert.equal(count(wr, /call i8\* @wrt_cr_restore_locals\(\)/g), 1, wr);
    assert.ok(count(wr, /call i32 @wrt_cr_restore_i32\(\)/g) <= 2 * 12, wr);
    assert.match(wr, /restore\.locals:\n( {2}.*\n){161} {2}switch i64 %pid, label %restore\.bad \[.*label %dp\d+/);
  });
});

// $work is resumable (a loop, at least RESUMABLE_MIN_INSTRUCTIONS instructions): a counted outer
// loop around an inner loop with a call that reaches a point, a value (7) below the outer loop on
// the operand stack, a loop param. $small has a loop but few instructions.
const pad = Array.from({ length: 24 }, () => '(local.set $s (i32.add (local.get $s) (i32.const 1)))').join('\n');
const RESUMABLE_WAT = `(module
  (func $tick (param $x i32) (result i32)
    (loop $l (br_if $l (local.tee $x (i32.sub (local.get $x) (i32.const 1))))) (local.get $x))
  (func $work (param $n i32) (result i32) (local $i i32) (local $j i32) (local $s i32) (local $t i32) (local $v f64)
    ${pad}
    (i32.add (i32.const 7)
      (loop $outer (result i32)
        (local.set $j (i32.const 0))
        (loop $inner
          (local.set $v (f64.add (local.get $v) (f64.const 0.5)))
          ;; $t is written before it is read: dead at both headers
          (local.set $t (i32.mul (local.get $j) (i32.const 3)))
          (drop (local.get $t))
          (local.set $s (i32.add (local.get $s) (call $tick (local.get $j))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $inner (i32.lt_u (local.get $j) (i32.const 10))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $outer (i32.lt_u (local.get $i) (local.get $n)))
        (local.get $s))))
  (func (export "_start") (drop (call $work (i32.const 3)))))`;

/** The loops LLVM finds in each function after SSA construction: their depths (opt's print<loops>). */
function loopsPerFunction(partitions: string[]): Map<string, number[]> {
  const opt = findToolchain().opt;
  const loops = new Map<string, number[]>();
  for (const ir of partitions) {
    const r = spawnSync(...toolArgv(opt, ['-passes=function(sroa,simplifycfg,print<loops>)', '-disable-output', '-debug-pass-manager']), { input: ir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    let fn = '';
    for (const line of r.stderr.split('\n')) {
      const m = /^Running pass: LoopPrinterPass on (\S+)/.exec(line);
      const d = /^\s*Loop at depth (\d+)/.exec(line);
      if (m) { fn = m[1]; loops.set(fn, []); } else if (d) loops.get(fn)!.push(Number(d[1]));
    }
  }
  return loops;
}

/** A C/R build whose normal code is in two partitions. */
async function moduleIr(wat: string, debugPoints = false): Promise<{ partitions: string[]; ir: string; points: PointInfo[] }> {
  const bytes = await watToBinary(wat, 'test.wat');
  const m = decodeModule(bytes, 'test.wat');
  const { partitions, points } = translateModule(m, bytes, { boundsChecks: false, checkpoint: true, debugPoints, partitions: 2 }, TARGETS.x86_64);
  return { partitions, ir: partitions.join('\n'), points };
}

describe('C/R restore variants of resumable functions: acyclic, they leave for the normal variant at loop headers', () => {
  it('the restore variant has no loop, the normal variant keeps both', async () => {
    const { partitions } = await moduleIr(RESUMABLE_WAT);
    const loops = loopsPerFunction(partitions);
    assert.deepEqual(loops.get('wr1'), [], 'wr1 (resumable) is acyclic');
    // the outer loop, the inner one, and the inner one's strip: a transfer into the inner loop
    // enters through the outer header, so the outer loop stays a loop (reducible)
    assert.deepEqual(loops.get('wf1'), [1, 2, 3], 'wf1 keeps its loops, nested');
    assert.ok(loops.get('wr0')!.length > 0, 'wr0 ($tick, few instructions) keeps its loop');
  });

  it('every loop point is a transfer from wr and a resume case in wf, with the same buffer layout', async () => {
    const { ir, points } = await moduleIr(RESUMABLE_WAT);
    const loopIds = points.filter((p) => p.funcIndex === 1 && p.kind === PointKind.Loop).map((p) => pointIdLlvm(p.id)).sort();
    assert.equal(loopIds.length, 2);
    const wr = await functionIr(RESUMABLE_WAT, 'wr1', false, 2);
    const wf = await functionIr(RESUMABLE_WAT, 'wf1', false, 2);
    // transfers: 6 locals, then the operand stack (the 7 below the outer loop; the inner loop has it too)
    const transfers = [...wr.matchAll(/call i8\* @wrt_cr_transfer\(i64 (-?\d+), i32 (\d+), i32 %cr\.frame\)/g)];
    assert.deepEqual([...new Set(transfers.map((m) => m[1]))].sort(), loopIds, 'a transfer at each loop header');
    for (const m of transfers) assert.equal(Number(m[2]), 16 * 7, 'locals and the value below the loops, 16 bytes each');
    assert.match(wr, /musttail call i32 @wf1\(i32 undef\) #5\n {2}ret i32 %t\d+/);
    assert.doesNotMatch(wr, /call i32 @wr1\(/, 'no recursion into itself');
    // wf: the entry poll takes a transfer; the dispatch has a case per loop point
    assert.match(wf, /%cr\.xid = call i64 @wrt_cr_transfer_take\(i32 1\)/);
    const cases = /switch i64 %cr\.xid, label %resume\.bad \[([^\]]*)\]/.exec(wf);
    assert.ok(cases, wf);
    assert.deepEqual([...cases[1].matchAll(/i64 (-?\d+)/g)].map((m) => m[1]).sort(), loopIds);
    // the transfers name the frame the restore variant rebuilt, whose saved locals the runtime writes
    assert.match(wr, /restore\.dispatch:\n {2}%pid = call i64 @wrt_cr_restore_frame\(i32 1\)\n {2}%cr\.frame = call i32 @wrt_cr_restore_frame_index\(\)\n/);
    // the restore variant stores the live locals it may have assigned since a restore point (after
    // the call: $s and $j at the inner header, $s and $i at the outer one) and the operand stack (the 7, at 96)
    const stored = transfers.map((m) => {
      const block = wr.slice(m.index, wr.indexOf('musttail', m.index));
      return [...block.matchAll(/getelementptr inbounds i8, i8\* %t\d+, i64 (\d+)\n/g)].map((g) => Number(g[1]));
    });
    const header = (id: string) => stored[transfers.findIndex((m) => m[1] === id)];
    const [outerId, innerId] = loopIds.map(String).sort((a, b) => Number(BigInt(a) - BigInt(b)));
    assert.deepEqual(header(outerId), [16, 48, 96], 'outer header: $i, $s, the value below');
    assert.deepEqual(header(innerId), [32, 48, 96], 'inner header: $j, $s, the value below');
    // $v (local 5, f64) is live at both headers but never assigned after the call: the runtime's
    // copy is what the normal variant reads, from the same slot
    assert.ok(stored.every((slots) => !slots.includes(80)), '$v is not stored by the restore variant');
    assert.match(wf, /%cr\.xl5\.p = getelementptr inbounds i8, i8\* %cr\.xv, i64 80\n {2}%cr\.xl5\.q = bitcast i8\* %cr\.xl5\.p to double\*/);
    // $t (local 4, slot at 64) is dead at both headers: the normal variant does not read it
    assert.doesNotMatch(wf, /%cr\.xl4\b/, 'the dead local is not read by the normal variant');
    assert.match(wf, /%cr\.xl2\.p = getelementptr inbounds i8, i8\* %cr\.xv, i64 32/);
  });

  it('only innermost loops of a resumable function are strip-mined (a transfer enters inner loops past outer headers)', async () => {
    const wf = await functionIr(RESUMABLE_WAT, 'wf1', false, 2);
    assert.equal(count(wf, /^stripend\d+:/gm), 1, 'the inner loop is counted, the outer one is not');
    // a transfer into the inner loop passes the outer header's check on to the inner header
    assert.match(wf, /xcheck\.loop\d+:\n {2}%cr\.xt\.loop\d+ = load i32, i32\* %cr\.xt\n {2}switch i32 %cr\.xt\.loop\d+, label %xcont\.loop\d+ \[i32 2, label %xgo\.1\]/);
  });

  it('each partition says whether it holds restore variants only, as the flags the back end reads do', async () => {
    const bytes = await watToBinary(RESUMABLE_WAT, 'test.wat');
    const m = decodeModule(bytes, 'test.wat');
    const { partitions, restorePartitions } = translateModule(m, bytes, { boundsChecks: false, checkpoint: true, partitions: 2 }, TARGETS.x86_64);
    assert.ok(restorePartitions.length > 2 && restorePartitions.every((r, k) => r === k >= 2), `${restorePartitions}`);
    assert.deepEqual(partitions.map(isRestorePartition), restorePartitions);
    partitions.forEach((ir, k) => assert.equal(/^define [^@\n]*@wr\d/m.test(ir) && !/^define [^@\n]*@wf\d/m.test(ir), restorePartitions[k], `partition ${k}`));
    const one = translateModule(m, bytes, { boundsChecks: false, checkpoint: true }, TARGETS.x86_64);
    assert.deepEqual(one.partitions.map(isRestorePartition), one.restorePartitions);
    assert.ok(!one.restorePartitions[0] && one.restorePartitions.slice(1).every(Boolean), 'one partition of normal code, then restore variants');
  });

  it('a build whose normal code is one partition hands over at loop headers too; debug builds keep whole restore variants (no transfer)', async () => {
    assert.match(await functionIr(RESUMABLE_WAT, 'wr1'), /call i8\* @wrt_cr_transfer\(/);
    const { ir } = await moduleIr(RESUMABLE_WAT, true);
    assert.doesNotMatch(ir, /call i8\* @wrt_cr_transfer\(/);
    assert.doesNotMatch(ir, /musttail/);
  });

  it('a frame saved at the function entry is handed to the normal variant, with its params', async () => {
    // a recursive function: its entry is a migration point (cr/callgraph.ts)
    const rec = `(module
      (func $rec (param $n i32) (param $m i64) (result i32)
        (if (result i32) (i32.eqz (local.get $n)) (then (i32.wrap_i64 (local.get $m)))
          (else (i32.add (local.get $n) (call $rec (i32.sub (local.get $n) (i32.const 1)) (local.get $m))))))
      (func (export "_start") (drop (call $rec (i32.const 5) (i64.const 2)))))`;
    for (const parts of [1, 2]) {
      const wr = await functionIr(rec, 'wr0', false, parts);
      // the entry case: the params as the shared locals block stored them, then wf0 takes the frame
      assert.match(wr, /\nrestore\.\d+:\n {2}(%t\d+) = load i32, i32\* %l0\n {2}(%t\d+) = load i64, i64\* %l1\n {2}(%t\d+) = musttail call i32 @wf0\(i32 \1, i64 \2\) #5\n {2}ret i32 \3\n/, wr);
    }
    // a debug build's restore variant starts the body itself
    assert.doesNotMatch(await functionIr(rec, 'wr0', true), /musttail/);
  });
});

// $nest is resumable: an outer counted loop around `nested` loops, in each of which all 40 $y
// locals are live (the last statements read them all).
function nestedWat(nested: number): string {
  const nestLocals = Array.from({ length: 40 }, (_, i) => `(local $y${i} i32)`).join(' ');
  const innerLoops = Array.from({ length: nested }, (_, k) => `
        (local.set $j (i32.const 0))
        (loop $in${k}
          (local.set $y${k % 40} (i32.add (local.get $y${k % 40}) (call $tick (local.get $j))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $in${k} (i32.lt_u (local.get $j) (i32.const 4))))`).join('');
  const sumAll = Array.from({ length: 40 }, (_, i) => `(local.set $i (i32.add (local.get $i) (local.get $y${i})))`).join('\n');
  return `(module
  (func $tick (param $x i32) (result i32)
    (loop $l (br_if $l (local.tee $x (i32.sub (local.get $x) (i32.const 1))))) (local.get $x))
  (func $nest (param $n i32) (result i32) (local $i i32) (local $j i32) ${nestLocals}
    (loop $outer ${innerLoops}
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $outer (i32.lt_u (local.get $i) (local.get $n))))
    ${sumAll}
    (local.get $i))
  (func (export "_start") (drop (call $nest (i32.const 3)))))`;
}

/** The fewest nested loops (doubling) with which $nest's transfers into them would cost more than the budget. */
async function overBudget(): Promise<{ nested: number; wat: string }> {
  for (let nested = 1; ; nested *= 2) {
    const wat = nestedWat(nested);
    const bytes = await watToBinary(wat, 'test.wat');
    // at least the 40 $y are live at each nested header
    if (40 * nested * decodeModule(bytes, 'test.wat').funcs[1].body.length > NESTED_TRANSFER_BUDGET) return { nested, wat };
  }
}

describe('C/R restore variants of resumable functions whose nested loops would cost too many phis', () => {
  it('transfers enter only the outermost loop: the restore variant keeps the nested loops, the outer loop is strip-mined', async () => {
    const { nested: NESTED, wat: NESTED_WAT } = await overBudget();
    // below the budget, transfers enter the nested loops too
    assert.match(await functionIr(nestedWat(2), 'wf1', false, 2), /xcheck/);
    const { partitions, ir, points } = await moduleIr(NESTED_WAT);
    const ids = points.filter((p) => p.funcIndex === 1 && p.kind === PointKind.Loop);
    assert.equal(ids.length, NESTED + 1, 'a point at every loop header all the same');
    const outerId = pointIdLlvm(ids.reduce((a, b) => (a.id < b.id ? a : b)).id);
    // wf1: the outer loop and its strip, each nested loop and its strip
    assert.deepEqual(loopsPerFunction(partitions).get('wf1'), [1, 2, ...Array(NESTED).fill([3, 4]).flat()]);
    const wr = await functionIr(NESTED_WAT, 'wr1', false, 2);
    const wf = await functionIr(NESTED_WAT, 'wf1', false, 2);
    // wr1 keeps the nested loops: each checks the flag on its back-edge and goes back to its header
    // (irreducible loops, which LLVM's LoopInfo does not list: a restore enters them at their calls too)
    assert.equal(count(wr, /br i1 %t\d+, label %loop\d+, label %loopgo\d+/g), NESTED, wr);
    assert.deepEqual([...new Set([...wr.matchAll(/call i8\* @wrt_cr_transfer\(i64 (-?\d+)/g)].map((m) => m[1]))], [outerId], 'a transfer at the outer header only');
    const cases = /switch i64 %cr\.xid, label %resume\.bad \[([^\]]*)\]/.exec(wf);
    assert.ok(cases, wf);
    assert.deepEqual([...cases[1].matchAll(/i64 (-?\d+)/g)].map((m) => m[1]), [outerId], 'one resume case');
    assert.doesNotMatch(ir, /xcheck|%cr\.xt/, 'no pass-on through the outer header');
    // a transfer enters only at the outer header, before its point: the outer loop is counted too
    assert.equal(count(wf, /^stripend\d+:/gm), NESTED + 1, 'every loop is strip-mined');
  });
});
