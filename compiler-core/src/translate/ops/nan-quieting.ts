/**
 * Keeping Wasm's NaN rule under LLVM's default floating-point model.
 *
 * Wasm: add/sub/mul/div, min/max and demote/promote turn a signalling NaN
 * into a quiet (arithmetic) NaN. LLVM assumes signalling NaNs do not occur and
 * folds, without any fast-math flag, x+(-0), x-(+0), x*1 and x/1 to x,
 * (-0)-x, x*(-1) and x/(-1) to fneg x (InstSimplify/InstCombine, and again
 * DAGCombiner), x+(+0) and x-(-0) to x where x cannot be -0, and
 * fptrunc(fpext x) to x — all of which keep the signalling bit.
 *
 * Such a constant operand (and every demote operand) goes through `opaque`: an
 * empty inline asm whose output is its input in the same FP/SIMD register. It
 * emits no instruction, but LLVM no longer sees the constant, so the hardware
 * operation (which quiets) stays. Only these identity constants are hidden, so
 * ordinary float code is compiled as before. (wasm2c, which also ends in an
 * optimising C compiler, quiets demote/promote results explicitly and builds
 * with -frounding-math -fsignaling-nans.) Limit: a constant that LLVM itself
 * derives (through a local, a global or constant arithmetic) is not hidden.
 */
import type { FunctionTranslator } from '../function';

export type FloatBinop = 'fadd' | 'fsub' | 'fmul' | 'fdiv';

/**
 * `v` (of LLVM type `ty`: float, double or a 128-bit vector) behind an empty
 * asm that LLVM cannot look through. readnone/willreturn keep it free to move
 * or delete; gc-leaf-function keeps the statepoint rewriter (checkpoint builds)
 * from treating it as a call.
 */
export function opaque(t: FunctionTranslator, ty: string, v: string): string {
  const reg = t.mod.target.name === 'x86_64' ? 'x' : 'w'; // SSE register / AArch64 FP&SIMD register
  return t.value(`call ${ty} asm "", "=${reg},0"(${ty} ${v}) readnone nounwind willreturn "gc-leaf-function"`);
}

/** The value of a scalar float literal as the translator writes it; undefined for SSA values and NaN bitcasts. */
function literalValue(v: string): number | undefined {
  if (/^0x[0-9a-f]{16}$/i.test(v)) {
    const dv = new DataView(new ArrayBuffer(8));
    dv.setBigUint64(0, BigInt(v));
    return dv.getFloat64(0);
  }
  if (/^-?[0-9]+(\.[0-9]*)?(e[+-]?[0-9]+)?$/i.test(v)) return Number(v);
  return undefined;
}

/** Whether LLVM may fold `a op b` to a (possibly negated) copy of the other operand when this one is `value`. */
function foldsAway(op: FloatBinop, side: 'lhs' | 'rhs', value: number): boolean {
  switch (op) {
    case 'fadd': return value === 0;
    case 'fsub': return value === 0;
    case 'fmul': return Math.abs(value) === 1;
    case 'fdiv': return side === 'rhs' && Math.abs(value) === 1;
  }
}

/** The operands of a scalar `op`, with an identity constant hidden. */
export function guardScalarOperands(t: FunctionTranslator, op: FloatBinop, ty: string, a: string, b: string): [string, string] {
  const guard = (v: string, side: 'lhs' | 'rhs') => {
    const x = literalValue(v);
    return x !== undefined && foldsAway(op, side, x) ? opaque(t, ty, v) : v;
  };
  return [guard(a, 'lhs'), guard(b, 'rhs')];
}

const V128 = '<2 x i64>';

/** The lanes of a v128 literal (`<i64 A, i64 B>` or zeroinitializer) as numbers; undefined otherwise. */
function v128LiteralLanes(v: string, laneBits: 32 | 64): number[] | undefined {
  let lo: bigint, hi: bigint;
  if (v === 'zeroinitializer') { lo = 0n; hi = 0n; } else {
    const m = /^<i64 (-?[0-9]+), i64 (-?[0-9]+)>$/.exec(v);
    if (!m) return undefined;
    lo = BigInt(m[1]); hi = BigInt(m[2]);
  }
  const dv = new DataView(new ArrayBuffer(16));
  dv.setBigUint64(0, BigInt.asUintN(64, lo), true);
  dv.setBigUint64(8, BigInt.asUintN(64, hi), true);
  return laneBits === 32 ? [0, 4, 8, 12].map((o) => dv.getFloat32(o, true)) : [0, 8].map((o) => dv.getFloat64(o, true));
}

/** The v128 operands of a lane-wise `op`, a literal hidden when one of its lanes is an identity constant. */
export function guardVectorOperands(t: FunctionTranslator, op: FloatBinop, laneBits: 32 | 64, a: string, b: string): [string, string] {
  const guard = (v: string, side: 'lhs' | 'rhs') => {
    const lanes = v128LiteralLanes(v, laneBits);
    return lanes && lanes.some((x) => foldsAway(op, side, x)) ? opaque(t, V128, v) : v;
  };
  return [guard(a, 'lhs'), guard(b, 'rhs')];
}

/** A demote's operand: hidden unless it is a literal (LLVM's constant folding quiets correctly). */
export function guardDemoteOperand(t: FunctionTranslator, ty: string, v: string): string {
  return v.startsWith('%') ? opaque(t, ty, v) : v;
}
