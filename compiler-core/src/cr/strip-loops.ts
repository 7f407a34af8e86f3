/**
 * Strip mining of loop polls. Every loop entry passes the loop's migration point
 * (the flag check); what its back-edges do depends on the loop's shape, so that
 * LLVM optimises an inner loop without the runtime call and its deopt uses
 * (free induction-variable rewriting, no spills around the call). HotSpot does
 * the same for counted loops ("loop strip mining").
 *  - counted: the loop's only back-edge is a final `br_if 0` on cmp(i', bound)
 *    (or on i' alone: i' != 0), where i' is `local.tee $i (i32.add (local.get $i)
 *    (i32.const s))` or a `local.get $i` after the loop's one write of $i, an
 *    increment by a constant that every iteration runs once; the bound is a constant
 *    or a local the loop does not write. Each strip starts at the point with a
 *    strip end E (the bound if the loop ends within POLL_STRIDE iterations,
 *    else the value $i reaches after POLL_STRIDE steps); the back-edge tests
 *    `cmp(i', E)` instead of `cmp(i', bound)`, so the inner loop keeps one
 *    exit test, and the original test runs once per strip to choose between
 *    the next strip and the loop exit. With a constant start and bound and at
 *    most POLL_STRIDE iterations, the strip end is simply the bound.
 *  - flag: any other loop checks the flag at the top of its body (one load and
 *    branch per iteration) and goes back to the point only when it is set.
 *
 * Bounded time to a point still holds: every loop entry passes its point and a
 * recursive function has a point at its entry, so between two points a thread
 * runs at most POLL_STRIDE iterations of one loop, each of which runs no loop
 * and no recursion without passing a point.
 */
import type { Instr } from '../wasm/types';
import { Op } from '../wasm/opcodes';

/** Iterations of a loop between two flag checks. */
export const POLL_STRIDE = 1024;

/** Comparison of i' (left) with the bound (right) that keeps the loop going. */
export type StripPredicate = 'ne' | 'lt_s' | 'lt_u' | 'gt_s' | 'gt_u';

export interface CountedLoop {
  /** the induction-variable local */
  iv: number;
  /** constant step (i32, non-zero) */
  step: number;
  bound: { local: number } | { const: number };
  pred: StripPredicate;
  /** Wasm offset of the back-edge `br_if 0` */
  backEdge: number;
  /** a constant start and bound: at most POLL_STRIDE iterations, the strip end is the bound */
  short: boolean;
}

export type StripPlan = { kind: 'counted'; loop: CountedLoop } | { kind: 'flag' };

const OPENERS = new Set<number>([Op.block, Op.loop, Op.if]);
const BREAKS_PREFIX = new Set<number>([Op.loop, Op.if, Op.else, Op.br, Op.br_if, Op.br_table, Op.return]);

/** lt(a, b) == gt(b, a): the predicate with its operands swapped. */
const SWAPPED: Record<StripPredicate, StripPredicate> = { ne: 'ne', lt_s: 'gt_s', lt_u: 'gt_u', gt_s: 'lt_s', gt_u: 'lt_u' };
const PRED_OF: Partial<Record<number, StripPredicate>> = {
  [Op.i32_ne]: 'ne', [Op.i32_lt_s]: 'lt_s', [Op.i32_lt_u]: 'lt_u', [Op.i32_gt_s]: 'gt_s', [Op.i32_gt_u]: 'gt_u',
};

/** `local.get $i; i32.const s; i32.add; local.tee $i` ending at body[k]: [i, s] */
function teeIncrement(body: Instr[], k: number): [number, number] | undefined {
  const [g, c, a, t] = [body[k - 3], body[k - 2], body[k - 1], body[k]];
  if (g?.op !== Op.local_get || c?.op !== Op.i32_const || a?.op !== Op.i32_add || t?.op !== Op.local_tee) return undefined;
  if (g.index !== t.index || c.i32 === 0) return undefined;
  return [g.index!, c.i32!];
}

/** The step of a write `local.get $i; [local.tee $j;] i32.const s; i32.add; local.set|tee $i` at body[k]. */
function writeStep(body: Instr[], k: number): number | undefined {
  const [a, c] = [body[k - 1], body[k - 2]];
  const g = body[k - 3]?.op === Op.local_tee ? body[k - 4] : body[k - 3];
  if (a?.op !== Op.i32_add || c?.op !== Op.i32_const || c.i32 === 0) return undefined;
  if (g?.op !== Op.local_get || g.index !== body[k].index) return undefined;
  return c.i32;
}

/**
 * An operand of the back-edge test ending at body[k]: i' (the increment itself, or a
 * `local.get $i` after it), a bound, or nothing recognised. `first` is its first index.
 */
type TestOperand = { first: number } & ({ iv: number; step?: number } | { bound: CountedLoop['bound'] });
function testOperand(body: Instr[], k: number): TestOperand | undefined {
  const inc = teeIncrement(body, k);
  if (inc) return { first: k - 3, iv: inc[0], step: inc[1] };
  const ins = body[k];
  if (ins?.op === Op.local_get) return { first: k, iv: ins.index! }; // i' or a bound: decided by the caller
  if (ins?.op === Op.i32_const) return { first: k, bound: { const: ins.i32! } };
  return undefined;
}

/** The back-edge test `br_if 0` at body[b]: i', the bound and the predicate (step still unknown). */
function backEdgeTest(body: Instr[], b: number): { iv: number; step?: number; bound: CountedLoop['bound']; pred: StripPredicate }[] {
  const x = testOperand(body, b - 1);
  const out: { iv: number; step?: number; bound: CountedLoop['bound']; pred: StripPredicate }[] = [];
  if (x && 'iv' in x) out.push({ iv: x.iv, step: x.step, bound: { const: 0 }, pred: 'ne' }); // br_if on i' itself
  const pred = PRED_OF[body[b - 1].op];
  if (!pred) return out;
  const right = testOperand(body, b - 2);
  const left = right && testOperand(body, right.first - 1);
  if (!left || !right) return out;
  const asBound = (o: TestOperand): CountedLoop['bound'] | undefined =>
    'bound' in o ? o.bound : o.step === undefined ? { local: o.iv } : undefined;
  // i' on the left, or on the right with the predicate swapped; a `local.get` may be either
  if ('iv' in left) { const bd = asBound(right); if (bd) out.push({ iv: left.iv, step: left.step, bound: bd, pred }); }
  if ('iv' in right) { const bd = asBound(left); if (bd) out.push({ iv: right.iv, step: right.step, bound: bd, pred: SWAPPED[pred] }); }
  return out;
}

/** Instructions that end the straight-line code leading into a loop (a merge or a jump). */
const STOPS_ENTRY_SCAN = new Set<number>([Op.loop, Op.else, Op.end, Op.br, Op.br_table, Op.return, Op.unreachable]);

/**
 * The value of local $i when the loop at body[start] is entered, when the straight-line
 * code before it sets $i to a constant (`i32.const X; local.set $i`).
 */
function entryValue(body: Instr[], start: number, iv: number): number | undefined {
  for (let k = start - 1; k > 0; k--) {
    const ins = body[k];
    if (STOPS_ENTRY_SCAN.has(ins.op)) return undefined;
    if ((ins.op === Op.local_set || ins.op === Op.local_tee) && ins.index === iv) {
      return ins.op === Op.local_set && body[k - 1].op === Op.i32_const ? body[k - 1].i32! : undefined;
    }
  }
  return undefined;
}

/** Iterations of a counted loop entered with i = start (undefined: unknown or not small). */
function tripCount(start: number | undefined, step: number, bound: number, pred: StripPredicate): number | undefined {
  if (start === undefined) return undefined;
  const signed = pred === 'lt_s' || pred === 'gt_s';
  const norm = (v: number) => (signed ? v | 0 : v >>> 0);
  const x = norm(start);
  const c = norm(bound);
  switch (pred) {
    case 'ne': {
      const dist = (step > 0 ? c - x : x - c) >>> 0;
      return dist !== 0 && dist % Math.abs(step) === 0 ? dist / Math.abs(step) : undefined;
    }
    case 'lt_s': case 'lt_u': case 'gt_s': case 'gt_u': {
      const m = Math.max(1, Math.ceil((step > 0 ? c - x : x - c) / Math.abs(step)));
      // the value that fails the test must not have wrapped around (then the loop goes on)
      const last = x + m * step;
      return last === norm(last) ? m : undefined;
    }
  }
}

/** The stride times the step must stay below 2^31 so that strip ends never wrap onto i. */
function stepFits(step: number): boolean {
  return Math.abs(step) * POLL_STRIDE < 2 ** 31;
}

function directionFits(pred: StripPredicate, step: number): boolean {
  if (pred === 'lt_s' || pred === 'lt_u') return step > 0;
  if (pred === 'gt_s' || pred === 'gt_u') return step < 0;
  return true;
}

/**
 * The strip plan of the loop opened at body[start]: counted when its only branch back is a
 * final `br_if 0` testing i' against a bound, $i is written once per iteration (the
 * increment, at the loop's top level or before any branch, if or loop in its body, so
 * every iteration that reaches the test runs it exactly once) and the bound is not written
 * in the loop; flag otherwise.
 */
function planLoop(body: Instr[], start: number): StripPlan {
  let depth = 0;
  let end = -1;
  const backEdges: number[] = [];
  const writes = new Map<number, { at: number; once: boolean }[]>();
  // the straight-line start of the body: no branch, if or loop before it (blocks are fine)
  let prefix = true;
  for (let k = start + 1; k < body.length; k++) {
    const ins = body[k];
    if (BREAKS_PREFIX.has(ins.op)) prefix = false;
    if (OPENERS.has(ins.op)) depth++;
    else if (ins.op === Op.end) {
      if (depth === 0) { end = k; break; }
      depth--;
    } else if (ins.op === Op.br || ins.op === Op.br_if) {
      if (ins.index === depth) backEdges.push(k);
    } else if (ins.op === Op.br_table) {
      if ([...ins.labels!, ins.index!].includes(depth)) backEdges.push(k);
    } else if (ins.op === Op.local_set || ins.op === Op.local_tee) {
      // a write at the top level or in the straight-line start runs once in every iteration
      writes.set(ins.index!, [...(writes.get(ins.index!) ?? []), { at: k, once: depth === 0 || prefix }]);
    }
  }
  if (end < 0) return { kind: 'flag' };
  const stepOf = (iv: number, step: number | undefined): number | undefined => {
    const w = writes.get(iv) ?? [];
    return w.length === 1 && w[0].once ? step ?? writeStep(body, w[0].at) : undefined;
  };
  const b = end - 1;
  if (backEdges.length !== 1 || backEdges[0] !== b || body[b].op !== Op.br_if) return { kind: 'flag' };
  for (const test of backEdgeTest(body, b)) {
    const step = stepOf(test.iv, test.step);
    if (step === undefined) continue;
    if ('local' in test.bound && (test.bound.local === test.iv || writes.has(test.bound.local))) continue;
    if (!stepFits(step) || !directionFits(test.pred, step)) continue;
    const trips = 'const' in test.bound ? tripCount(entryValue(body, start, test.iv), step, test.bound.const, test.pred) : undefined;
    const short = trips !== undefined && trips <= POLL_STRIDE;
    return { kind: 'counted', loop: { iv: test.iv, step, bound: test.bound, pred: test.pred, backEdge: body[b].offset, short } };
  }
  return { kind: 'flag' };
}

/** Strip plans of every loop of a function body, by the loop's Wasm offset. */
export function planStrips(body: Instr[]): Map<number, StripPlan> {
  const plans = new Map<number, StripPlan>();
  body.forEach((ins, k) => { if (ins.op === Op.loop) plans.set(ins.offset, planLoop(body, k)); });
  return plans;
}
