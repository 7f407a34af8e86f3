/**
 * cr/assigned.ts: the locals a restore variant may have assigned since a restore point, at each loop
 * header where it hands its frame over (the runtime supplies every other local), and the layout the
 * runtime writes them in (WRT_TRANSFER_SLOT in wrt.h = instrument.ts's TRANSFER_SLOT).
 */
import assert from 'node:assert/strict';
import { decodeModule } from '../../src/wasm/decoder';
import { watToBinary } from '../../src/wasm/load';
import { Op } from '../../src/wasm/opcodes';
import type { Func, Instr } from '../../src/wasm/types';
import { analyzeAssignedSinceRestore } from '../../src/cr/assigned';
import { TRANSFER_SLOT } from '../../src/cr/instrument';
import { runC } from '../runtime-header';

/**
 * Function 1 of a module whose function 0 is `$p` (a call point: calls to it restore) and whose
 * other callee `$q` (index 2) is not.
 */
async function funcOf(body: string, locals = 6): Promise<Func> {
  const decl = Array.from({ length: locals }, (_, i) => `(local $l${i} i32)`).join(' ');
  const wat = `(module
    (type $t (func (result i32)))
    (table 1 funcref)
    (func $p (result i32) (i32.const 1))
    (func $f ${decl} ${body})
    (func $q (result i32) (i32.const 2)))`;
  const bytes = await watToBinary(wat, 'assigned.wat');
  return decodeModule(bytes, 'assigned.wat').funcs[1];
}

/** The analysis with calls to $p and call_indirect as call points; `kept`: loops (by their order in the body) it keeps. */
function analyze(f: Func, kept: number[] = []): { loops: Instr[]; at: Map<number, bigint> | undefined } {
  const loops = f.body.filter((i) => i.op === Op.loop);
  const at = analyzeAssignedSinceRestore(f, {
    restoresAfter: (call) => call.op === Op.call_indirect || call.index === 0,
    transfersAt: (loop) => !kept.includes(loops.indexOf(loop)),
  });
  return { loops, at };
}

/** The locals (numbers) in a bitset. */
const set = (bits: bigint | undefined) => [...(bits ?? 0n).toString(2)].reverse().flatMap((b, i) => (b === '1' ? [i] : []));

describe('C/R transfers: locals assigned since a restore point (cr/assigned.ts)', () => {
  it('nothing is assigned at a loop header reached only from its own loop point', async () => {
    const f = await funcOf(`(local.set $l0 (i32.const 1)) (loop $a (local.set $l1 (i32.const 2)) (br_if $a (local.get $l1)))`);
    const { loops, at } = analyze(f);
    // the function start is the normal variant's; in the loop nothing restores, so its back-edge is never taken
    assert.deepEqual(set(at!.get(loops[0].offset)), []);
  });

  it('a local set after a call point and before the back-edge is assigned; one set before the call is not', async () => {
    const f = await funcOf(`(loop $a
      (local.set $l0 (i32.const 1))
      (drop (call $p))
      (local.set $l1 (i32.const 2))
      (local.tee $l2 (i32.const 3))
      (br_if $a))`);
    const { loops, at } = analyze(f);
    assert.deepEqual(set(at!.get(loops[0].offset)), [1, 2]);
  });

  it('a call that is no call point does not restore', async () => {
    const f = await funcOf(`(loop $a (drop (call $q)) (local.set $l1 (i32.const 2)) (br_if $a (i32.const 1)))`);
    const { loops, at } = analyze(f);
    assert.deepEqual(set(at!.get(loops[0].offset)), [], 'the back-edge is unreachable from a restore point');
  });

  it('branches: both arms of an if, a br out of a block, a br_table; return and unreachable end a path', async () => {
    const f = await funcOf(`
      (loop $a
        (drop (call_indirect (type $t) (i32.const 0)))
        (block $b
          (if (local.get $l5)
            (then (local.set $l0 (i32.const 1)) (br $b))
            (else (local.set $l1 (i32.const 1))))
          (local.set $l2 (i32.const 1))
          (br_table $a $b (i32.const 0)))
        ;; reached from the block's end and from br $b: $l0 or $l1, and $l2
        (if (local.get $l5) (then (local.set $l3 (i32.const 1)) (return)))
        (if (local.get $l5) (then (local.set $l4 (i32.const 1)) (unreachable)))
        (br $a))`);
    const { loops, at } = analyze(f);
    // the br_table reaches $a with $l1 and $l2 set; the final br with $l0, $l1 and $l2 (not $l3, $l4)
    assert.deepEqual(set(at!.get(loops[0].offset)), [0, 1, 2]);
  });

  it('nested loops that hand over: the inner header sees what flows from the inner call point, the outer one what leaves the inner loop', async () => {
    const f = await funcOf(`
      (loop $outer
        (local.set $l0 (i32.const 0))
        (loop $inner
          (drop (call $p))
          (local.set $l1 (i32.const 1))
          (br_if $inner (local.get $l1)))
        (local.set $l2 (i32.const 2))
        (br_if $outer (local.get $l2)))`);
    const { loops, at } = analyze(f);
    assert.deepEqual(set(at!.get(loops[0].offset)), [1, 2], 'outer: $l0 is set only before the inner loop, past the outer header');
    assert.deepEqual(set(at!.get(loops[1].offset)), [1], 'inner');
  });

  it('a loop the restore variant keeps is iterated to a fixed point: what its later iterations set reaches the outer header', async () => {
    const f = await funcOf(`
      (loop $outer
        (loop $inner
          (local.set $l3 (local.get $l2))
          (local.set $l2 (local.get $l1))
          (drop (call $p))
          (local.set $l1 (i32.const 1))
          (br_if $inner (local.get $l1)))
        (br_if $outer (i32.const 1)))`);
    const { loops, at } = analyze(f, [1]);
    assert.deepEqual(set(at!.get(loops[0].offset)), [1, 2, 3], 'the second and third rounds of the inner loop set $l2 and $l3');
    assert.equal(at!.has(loops[1].offset), false, 'no transfer at the kept loop');
  });

  it('the runtime writes the saved locals in the layout the compiled code reads (WRT_TRANSFER_SLOT = TRANSFER_SLOT)', () => {
    const out = runC('#include <stdio.h>\n#include "wrt.h"\nint main(void) { printf("%u\\n", WRT_TRANSFER_SLOT); return 0; }\n');
    assert.equal(Number(out.trim()), TRANSFER_SLOT);
  });
});
