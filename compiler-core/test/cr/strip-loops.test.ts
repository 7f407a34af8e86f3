import * as assert from 'assert';
import { decodeModule } from '../../src/wasm/decoder';
import { watToBinary } from '../../src/wasm/load';
import { planStrips, POLL_STRIDE, type StripPlan } from '../../src/cr/strip-loops';

/** The plans of the loops of a one-function module, outermost first. */
async function plans(params: string, body: string): Promise<StripPlan[]> {
  const wat = `(module (func ${params} ${body}))`;
  const m = decodeModule(await watToBinary(wat, 'test.wat'), 'test.wat');
  return [...planStrips(m.funcs[0].body).entries()].sort(([a], [b]) => a - b).map(([, p]) => p);
}

const counted = (p: StripPlan) => (p.kind === 'counted' ? p.loop : undefined);

describe('strip mining of loop polls: the plan of each loop', () => {
  it('counts i\' != n (increment tested directly) as a counted loop', async () => {
    const [p] = await plans('(param $i i32) (param $n i32)',
      '(loop $l (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))');
    assert.deepEqual({ ...counted(p), backEdge: 0 }, { iv: 0, step: 1, bound: { local: 1 }, pred: 'ne', backEdge: 0, short: false });
  });

  it('swaps the predicate when the bound is the left operand (n <s i\' is i\' >s n)', async () => {
    const [p] = await plans('(param $i i32) (param $n i32)',
      '(loop $l (br_if $l (i32.lt_s (local.get $n) (local.tee $i (i32.add (local.get $i) (i32.const -1))))))');
    assert.equal(counted(p)?.pred, 'gt_s');
    assert.equal(counted(p)?.step, -1);
  });

  it('takes br_if on i\' itself as i\' != 0', async () => {
    const [p] = await plans('(param $i i32)', '(loop $l (br_if $l (local.tee $i (i32.add (local.get $i) (i32.const -4)))))');
    assert.deepEqual(counted(p)?.bound, { const: 0 });
    assert.equal(counted(p)?.pred, 'ne');
  });

  it('finds the increment earlier in the body when the test reads local.get $i', async () => {
    const [p] = await plans('(param $i i32) (param $n i32) (local $x i32)',
      `(loop $l
         (block $b
           (local.set $i (i32.add (local.get $i) (i32.const 2)))
           (br_if $b (local.get $x))
           (local.set $x (i32.const 1)))
         (br_if $l (i32.lt_u (local.get $i) (local.get $n))))`);
    assert.deepEqual({ ...counted(p), backEdge: 0 }, { iv: 0, step: 2, bound: { local: 1 }, pred: 'lt_u', backEdge: 0, short: false });
  });

  it('checks the flag every iteration when the increment may be skipped', async () => {
    const [p] = await plans('(param $i i32) (param $n i32) (param $x i32)',
      `(loop $l
         (if (local.get $x) (then (local.set $i (i32.add (local.get $i) (i32.const 1)))))
         (br_if $l (i32.lt_u (local.get $i) (local.get $n))))`);
    assert.equal(p.kind, 'flag');
  });

  it('checks the flag every iteration when i or the bound is written elsewhere in the loop', async () => {
    const twice = await plans('(param $i i32) (param $n i32)',
      `(loop $l (local.set $i (i32.mul (local.get $i) (i32.const 3)))
         (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))`);
    const bound = await plans('(param $i i32) (param $n i32)',
      `(loop $l (local.set $n (i32.add (local.get $n) (i32.const 1)))
         (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))`);
    assert.equal(twice[0].kind, 'flag');
    assert.equal(bound[0].kind, 'flag');
  });

  it('checks the flag every iteration when another branch goes back to the loop', async () => {
    const [p] = await plans('(param $i i32) (param $n i32)',
      `(loop $l
         (br_if $l (i32.eqz (local.get $n)))
         (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))`);
    assert.equal(p.kind, 'flag');
  });

  it('checks the flag every iteration on a data-dependent back-edge', async () => {
    const [p] = await plans('(param $x i32)',
      '(loop $l (local.set $x (i32.shr_u (local.get $x) (i32.const 1))) (br_if $l (i32.ne (local.get $x) (i32.const 1))))');
    assert.equal(p.kind, 'flag');
  });

  it('rejects a test that counts away from its bound (i\' <u n with a negative step)', async () => {
    const [p] = await plans('(param $i i32) (param $n i32)',
      '(loop $l (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const -1))) (local.get $n))))');
    assert.equal(p.kind, 'flag');
  });

  it('takes the bound as the strip end when a constant start and bound give at most POLL_STRIDE iterations', async () => {
    const short = await plans('(local $i i32)',
      `(local.set $i (i32.const 500))
       (loop $l (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 5))) (i32.const 1000))))`);
    const long = await plans('(local $i i32)',
      `(local.set $i (i32.const 0))
       (loop $l (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const ${POLL_STRIDE + 1}))))`);
    // 0 -> 3 by 2 never meets 3 exactly: the loop wraps around, so it is strip-mined
    const odd = await plans('(local $i i32)',
      `(local.set $i (i32.const 0))
       (loop $l (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 2))) (i32.const 3))))`);
    assert.equal(counted(short[0])?.short, true);
    assert.equal(counted(long[0])?.short, false);
    assert.equal(counted(odd[0])?.short, false);
  });

  it('does not trust a start value across a merge before the loop', async () => {
    const [p] = await plans('(param $x i32) (local $i i32)',
      `(local.set $i (i32.const 0))
       (if (local.get $x) (then (local.set $i (i32.const -100000))))
       (loop $l (br_if $l (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 10))))`);
    assert.equal(counted(p)?.short, false);
  });

  it('an unsigned test whose last value wraps around is not short', async () => {
    // start 0xfffffff0, i' <u 0xfffffffc by 8: the second i' wraps to 0 and the loop goes on
    const [p] = await plans('(local $i i32)',
      `(local.set $i (i32.const 0xfffffff0))
       (loop $l (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 8))) (i32.const 0xfffffffc))))`);
    assert.equal(counted(p)?.short, false);
  });
});
