/**
 * Fixed-width SIMD (Wasm 2.0) through LLVM vector types. A v128 travels as
 * <2 x i64> and is bitcast to the lane shape an operator works on; LLVM
 * selects SSE4.2 (x86-64-v2) or NEON instructions.
 */
import type { Instr } from '../../wasm/types';
import { Simd } from '../../wasm/opcodes';
import { v128Const } from '../../llvm/ir';
import type { FunctionTranslator } from '../function';
import { effectiveAddress, guardedLoad } from './memory';
import { emitMinMax } from './numeric';
import { guardDemoteOperand, guardVectorOperands, type FloatBinop } from './nan-quieting';

interface Shape { lanes: number; elem: string; bits: number; float: boolean }

const SHAPES = {
  i8x16: { lanes: 16, elem: 'i8', bits: 8, float: false },
  i16x8: { lanes: 8, elem: 'i16', bits: 16, float: false },
  i32x4: { lanes: 4, elem: 'i32', bits: 32, float: false },
  i64x2: { lanes: 2, elem: 'i64', bits: 64, float: false },
  f32x4: { lanes: 4, elem: 'float', bits: 32, float: true },
  f64x2: { lanes: 2, elem: 'double', bits: 64, float: true },
} satisfies Record<string, Shape>;
type ShapeName = keyof typeof SHAPES;

const V = '<2 x i64>';
const vt = (s: Shape) => `<${s.lanes} x ${s.elem}>`;
const intOf = (s: Shape): Shape => (s.float ? { lanes: s.lanes, elem: `i${s.bits}`, bits: s.bits, float: false } : s);
const halfWidth = (s: Shape): Shape => ({ lanes: s.lanes * 2, elem: `i${s.bits / 2}`, bits: s.bits / 2, float: false });
const mangle = (s: Shape) => `v${s.lanes}${s.float ? (s.bits === 32 ? 'f32' : 'f64') : `i${s.bits}`}`;

function cast(t: FunctionTranslator, v: string, s: Shape): string {
  return vt(s) === V ? v : t.value(`bitcast ${V} ${v} to ${vt(s)}`);
}

function uncast(t: FunctionTranslator, v: string, s: Shape): string {
  return vt(s) === V ? v : t.value(`bitcast ${vt(s)} ${v} to ${V}`);
}

function popAs(t: FunctionTranslator, s: Shape): string {
  return cast(t, t.pop().v, s);
}

function pushVec(t: FunctionTranslator, v: string, s: Shape): void {
  t.push('v128', uncast(t, v, s));
}

function intrinsic(t: FunctionTranslator, name: string, ret: string, args: [string, string][]): string {
  t.mod.declare(`declare ${ret} @${name}(${args.map((a) => a[0]).join(', ')})`);
  return t.value(`call ${ret} @${name}(${args.map((a) => `${a[0]} ${a[1]}`).join(', ')})`);
}

function mask(indices: number[]): string {
  return `<${indices.map((i) => `i32 ${i}`).join(', ')}>`;
}

function range(start: number, n: number, step = 1): number[] {
  return Array.from({ length: n }, (_, i) => start + i * step);
}

function splat(t: FunctionTranslator, scalar: string, s: Shape): string {
  const one = t.value(`insertelement ${vt(s)} undef, ${s.elem} ${scalar}, i32 0`);
  return t.value(`shufflevector ${vt(s)} ${one}, ${vt(s)} undef, <${s.lanes} x i32> zeroinitializer`);
}

/** Lanes [start, start+n) of a vector as a narrower vector. */
function slice(t: FunctionTranslator, v: string, s: Shape, start: number, n: number, step = 1): string {
  return t.value(`shufflevector ${vt(s)} ${v}, ${vt(s)} undef, <${n} x i32> ${mask(range(start, n, step))}`);
}

function binary(t: FunctionTranslator, s: Shape, op: string): void {
  const b = popAs(t, s); const a = popAs(t, s);
  pushVec(t, t.value(`${op} ${vt(s)} ${a}, ${b}`), s);
}

/** Lane-wise float arithmetic; a literal operand with an identity lane is hidden (nan-quieting.ts). */
function floatBinary(t: FunctionTranslator, s: Shape, op: FloatBinop): void {
  popGuarded(t, s, op);
  binary(t, s, op);
}

/** Replaces the two v128 operands on the stack by their guarded forms. */
function popGuarded(t: FunctionTranslator, s: Shape, op: FloatBinop): void {
  const b = t.pop(); const a = t.pop();
  const [x, y] = guardVectorOperands(t, op, s.bits as 32 | 64, a.v, b.v);
  t.push('v128', x); t.push('v128', y);
}

function binaryIntrinsic(t: FunctionTranslator, s: Shape, name: string): void {
  const b = popAs(t, s); const a = popAs(t, s);
  pushVec(t, intrinsic(t, `llvm.${name}.${mangle(s)}`, vt(s), [[vt(s), a], [vt(s), b]]), s);
}

function unaryIntrinsic(t: FunctionTranslator, s: Shape, name: string, extra = ''): void {
  const a = popAs(t, s);
  const args: [string, string][] = [[vt(s), a]];
  if (extra) args.push(['i1', extra]);
  pushVec(t, intrinsic(t, `llvm.${name}.${mangle(s)}`, vt(s), args), s);
}

function compare(t: FunctionTranslator, s: Shape, pred: string): void {
  const b = popAs(t, s); const a = popAs(t, s);
  const c = t.value(`${s.float ? 'fcmp' : 'icmp'} ${pred} ${vt(s)} ${a}, ${b}`);
  const is = intOf(s);
  pushVec(t, t.value(`sext <${s.lanes} x i1> ${c} to ${vt(is)}`), is);
}

function shift(t: FunctionTranslator, s: Shape, op: string): void {
  const n = t.pop();
  const a = popAs(t, s);
  const m = t.value(`and i32 ${n.v}, ${s.bits - 1}`);
  const sc = s.bits === 32 ? m : t.value(`${s.bits < 32 ? 'trunc' : 'zext'} i32 ${m} to ${s.elem}`);
  pushVec(t, t.value(`${op} ${vt(s)} ${a}, ${splat(t, sc, s)}`), s);
}

/** Wasm fmin/fmax per lane: NaN wins, -0 < +0 (the scalar formula, lane-wise). */
function floatMinMax(t: FunctionTranslator, s: Shape, which: 'min' | 'max'): void {
  popGuarded(t, s, 'fadd'); // the NaN case is an fadd of the operands
  const b = popAs(t, s); const a = popAs(t, s);
  pushVec(t, emitMinMax(t, a, b, vt(s), vt(intOf(s)), `<${s.lanes} x i1>`, which), s);
}

/** pmin: b < a ? b : a; pmax: a < b ? b : a. */
function pseudoMinMax(t: FunctionTranslator, s: Shape, which: 'min' | 'max'): void {
  const b = popAs(t, s); const a = popAs(t, s);
  const ty = vt(s);
  const c = which === 'min' ? t.value(`fcmp olt ${ty} ${b}, ${a}`) : t.value(`fcmp olt ${ty} ${a}, ${b}`);
  pushVec(t, t.value(`select <${s.lanes} x i1> ${c}, ${ty} ${b}, ${ty} ${a}`), s);
}

/** Extends the low or high half of a narrower vector: result shape `to`. */
function extendHalf(t: FunctionTranslator, to: Shape, high: boolean, signed: boolean, v: string): string {
  const from = halfWidth(to);
  const half = slice(t, v, from, high ? to.lanes : 0, to.lanes);
  return t.value(`${signed ? 'sext' : 'zext'} <${to.lanes} x ${from.elem}> ${half} to ${vt(to)}`);
}

function extend(t: FunctionTranslator, to: Shape, high: boolean, signed: boolean): void {
  const v = popAs(t, halfWidth(to));
  pushVec(t, extendHalf(t, to, high, signed, v), to);
}

function extmul(t: FunctionTranslator, to: Shape, high: boolean, signed: boolean): void {
  const from = halfWidth(to);
  const b = popAs(t, from); const a = popAs(t, from);
  const ea = extendHalf(t, to, high, signed, a);
  const eb = extendHalf(t, to, high, signed, b);
  pushVec(t, t.value(`mul ${vt(to)} ${ea}, ${eb}`), to);
}

function extaddPairwise(t: FunctionTranslator, to: Shape, signed: boolean): void {
  const from = halfWidth(to);
  const v = popAs(t, from);
  const ext = signed ? 'sext' : 'zext';
  const even = t.value(`${ext} <${to.lanes} x ${from.elem}> ${slice(t, v, from, 0, to.lanes, 2)} to ${vt(to)}`);
  const odd = t.value(`${ext} <${to.lanes} x ${from.elem}> ${slice(t, v, from, 1, to.lanes, 2)} to ${vt(to)}`);
  pushVec(t, t.value(`add ${vt(to)} ${even}, ${odd}`), to);
}

/** Saturating narrow of two vectors of shape `from` into one of half the lane width. */
function narrow(t: FunctionTranslator, from: Shape, signed: boolean): void {
  const to = halfWidth(from);
  const b = popAs(t, from); const a = popAs(t, from);
  const lo = signed ? -(2 ** (to.bits - 1)) : 0;
  const hi = signed ? 2 ** (to.bits - 1) - 1 : 2 ** to.bits - 1;
  const clamp = (x: string) => {
    const m1 = intrinsic(t, `llvm.smax.${mangle(from)}`, vt(from), [[vt(from), x], [vt(from), splat(t, String(lo), from)]]);
    const m2 = intrinsic(t, `llvm.smin.${mangle(from)}`, vt(from), [[vt(from), m1], [vt(from), splat(t, String(hi), from)]]);
    return t.value(`trunc ${vt(from)} ${m2} to <${from.lanes} x ${to.elem}>`);
  };
  const ca = clamp(a); const cb = clamp(b);
  pushVec(t, t.value(`shufflevector <${from.lanes} x ${to.elem}> ${ca}, <${from.lanes} x ${to.elem}> ${cb}, <${to.lanes} x i32> ${mask(range(0, to.lanes))}`), to);
}

function allTrue(t: FunctionTranslator, s: Shape): void {
  const a = popAs(t, s);
  const c = t.value(`icmp ne ${vt(s)} ${a}, zeroinitializer`);
  const r = intrinsic(t, `llvm.vector.reduce.and.v${s.lanes}i1`, 'i1', [[`<${s.lanes} x i1>`, c]]);
  t.push('i32', t.value(`zext i1 ${r} to i32`));
}

function bitmask(t: FunctionTranslator, s: Shape): void {
  const a = popAs(t, s);
  const c = t.value(`icmp slt ${vt(s)} ${a}, zeroinitializer`);
  const bits = t.value(`bitcast <${s.lanes} x i1> ${c} to i${s.lanes}`);
  t.push('i32', s.lanes === 32 ? bits : t.value(`zext i${s.lanes} ${bits} to i32`));
}

function loadExtend(t: FunctionTranslator, ins: Instr, to: Shape, signed: boolean): void {
  const from = halfWidth(to);
  const addr = t.pop();
  const memTy = `<${to.lanes} x ${from.elem}>`;
  const p = effectiveAddress(t, addr.v, ins.memarg!.offset, 8, memTy);
  const v = guardedLoad(t, memTy, p);
  pushVec(t, t.value(`${signed ? 'sext' : 'zext'} ${memTy} ${v} to ${vt(to)}`), to);
}

function loadScalar(t: FunctionTranslator, ins: Instr, s: Shape): string {
  const addr = t.pop();
  const p = effectiveAddress(t, addr.v, ins.memarg!.offset, s.bits / 8, s.elem);
  return guardedLoad(t, s.elem, p);
}

function loadLane(t: FunctionTranslator, ins: Instr, s: Shape): void {
  const v = popAs(t, s);
  const x = loadScalar(t, ins, s);
  pushVec(t, t.value(`insertelement ${vt(s)} ${v}, ${s.elem} ${x}, i32 ${ins.index}`), s);
}

function storeLane(t: FunctionTranslator, ins: Instr, s: Shape): void {
  const v = popAs(t, s);
  const addr = t.pop();
  const x = t.value(`extractelement ${vt(s)} ${v}, i32 ${ins.index}`);
  const p = effectiveAddress(t, addr.v, ins.memarg!.offset, s.bits / 8, s.elem);
  t.emit(`store ${s.elem} ${x}, ${s.elem}* ${p}, align 1`);
}

/** i8x16.swizzle: out[i] = idx[i] < 16 ? a[idx[i]] : 0. */
function swizzle(t: FunctionTranslator): void {
  const s = SHAPES.i8x16;
  const idx = popAs(t, s); const a = popAs(t, s);
  if (t.mod.target.name === 'aarch64') {
    // TBL yields 0 for out-of-range indices, exactly Wasm's rule.
    pushVec(t, intrinsic(t, 'llvm.aarch64.neon.tbl1.v16i8', vt(s), [[vt(s), a], [vt(s), idx]]), s);
  } else {
    // PSHUFB zeroes lanes whose index has the top bit set: saturate indices >= 16 up to it.
    const sat = intrinsic(t, `llvm.uadd.sat.${mangle(s)}`, vt(s), [[vt(s), idx], [vt(s), splat(t, '112', s)]]);
    pushVec(t, intrinsic(t, 'llvm.x86.ssse3.pshuf.b.128', vt(s), [[vt(s), a], [vt(s), sat]]), s);
  }
}

function q15mulr(t: FunctionTranslator): void {
  const s = SHAPES.i16x8;
  const wide: Shape = { lanes: 8, elem: 'i32', bits: 32, float: false };
  const b = popAs(t, s); const a = popAs(t, s);
  const ea = t.value(`sext ${vt(s)} ${a} to ${vt(wide)}`);
  const eb = t.value(`sext ${vt(s)} ${b} to ${vt(wide)}`);
  const m = t.value(`mul ${vt(wide)} ${ea}, ${eb}`);
  const r = t.value(`add ${vt(wide)} ${m}, ${splat(t, '16384', wide)}`);
  const sh = t.value(`ashr ${vt(wide)} ${r}, ${splat(t, '15', wide)}`);
  const c = intrinsic(t, `llvm.smin.${mangle(wide)}`, vt(wide), [[vt(wide), sh], [vt(wide), splat(t, '32767', wide)]]);
  pushVec(t, t.value(`trunc ${vt(wide)} ${c} to ${vt(s)}`), s);
}

function dot(t: FunctionTranslator): void {
  const s = SHAPES.i16x8;
  const wide: Shape = { lanes: 8, elem: 'i32', bits: 32, float: false };
  const b = popAs(t, s); const a = popAs(t, s);
  const m = t.value(`mul ${vt(wide)} ${t.value(`sext ${vt(s)} ${a} to ${vt(wide)}`)}, ${t.value(`sext ${vt(s)} ${b} to ${vt(wide)}`)}`);
  const even = slice(t, m, wide, 0, 4, 2);
  const odd = slice(t, m, wide, 1, 4, 2);
  pushVec(t, t.value(`add <4 x i32> ${even}, ${odd}`), SHAPES.i32x4);
}

function avgr(t: FunctionTranslator, s: Shape): void {
  const wide: Shape = { lanes: s.lanes, elem: `i${s.bits * 2}`, bits: s.bits * 2, float: false };
  const b = popAs(t, s); const a = popAs(t, s);
  const sum = t.value(`add ${vt(wide)} ${t.value(`zext ${vt(s)} ${a} to ${vt(wide)}`)}, ${t.value(`zext ${vt(s)} ${b} to ${vt(wide)}`)}`);
  const r = t.value(`add ${vt(wide)} ${sum}, ${splat(t, '1', wide)}`);
  const h = t.value(`lshr ${vt(wide)} ${r}, ${splat(t, '1', wide)}`);
  pushVec(t, t.value(`trunc ${vt(wide)} ${h} to ${vt(s)}`), s);
}

type Handler = (t: FunctionTranslator, ins: Instr) => void;

function buildTable(): Map<number, Handler> {
  const h = new Map<number, Handler>();
  const S = SHAPES;
  h.set(Simd.v128_load, (t, ins) => {
    const addr = t.pop();
    const p = effectiveAddress(t, addr.v, ins.memarg!.offset, 16, V);
    t.push('v128', guardedLoad(t, V, p));
  });
  h.set(Simd.v128_store, (t, ins) => {
    const v = t.pop(); const addr = t.pop();
    const p = effectiveAddress(t, addr.v, ins.memarg!.offset, 16, V);
    t.emit(`store ${V} ${v.v}, ${V}* ${p}, align 1`);
  });
  h.set(Simd.v128_load8x8_s, (t, i) => loadExtend(t, i, S.i16x8, true));
  h.set(Simd.v128_load8x8_u, (t, i) => loadExtend(t, i, S.i16x8, false));
  h.set(Simd.v128_load16x4_s, (t, i) => loadExtend(t, i, S.i32x4, true));
  h.set(Simd.v128_load16x4_u, (t, i) => loadExtend(t, i, S.i32x4, false));
  h.set(Simd.v128_load32x2_s, (t, i) => loadExtend(t, i, S.i64x2, true));
  h.set(Simd.v128_load32x2_u, (t, i) => loadExtend(t, i, S.i64x2, false));
  const splatLoads: [number, ShapeName][] = [[Simd.v128_load8_splat, 'i8x16'], [Simd.v128_load16_splat, 'i16x8'],
    [Simd.v128_load32_splat, 'i32x4'], [Simd.v128_load64_splat, 'i64x2']];
  for (const [op, sh] of splatLoads) h.set(op, (t, i) => pushVec(t, splat(t, loadScalar(t, i, S[sh]), S[sh]), S[sh]));
  h.set(Simd.v128_load32_zero, (t, i) => pushVec(t, t.value(`insertelement <4 x i32> zeroinitializer, i32 ${loadScalar(t, i, S.i32x4)}, i32 0`), S.i32x4));
  h.set(Simd.v128_load64_zero, (t, i) => pushVec(t, t.value(`insertelement <2 x i64> zeroinitializer, i64 ${loadScalar(t, i, S.i64x2)}, i32 0`), S.i64x2));
  const laneMem: [number, number, ShapeName][] = [
    [Simd.v128_load8_lane, Simd.v128_store8_lane, 'i8x16'], [Simd.v128_load16_lane, Simd.v128_store16_lane, 'i16x8'],
    [Simd.v128_load32_lane, Simd.v128_store32_lane, 'i32x4'], [Simd.v128_load64_lane, Simd.v128_store64_lane, 'i64x2']];
  for (const [ld, st, sh] of laneMem) {
    h.set(ld, (t, i) => loadLane(t, i, S[sh]));
    h.set(st, (t, i) => storeLane(t, i, S[sh]));
  }
  h.set(Simd.v128_const, (t, i) => t.push('v128', v128Const(i.bytes!)));
  h.set(Simd.i8x16_shuffle, (t, i) => {
    const b = popAs(t, S.i8x16); const a = popAs(t, S.i8x16);
    pushVec(t, t.value(`shufflevector <16 x i8> ${a}, <16 x i8> ${b}, <16 x i32> ${mask([...i.bytes!])}`), S.i8x16);
  });
  h.set(Simd.i8x16_swizzle, (t) => swizzle(t));

  const scalarOf: Record<ShapeName, string> = { i8x16: 'i32', i16x8: 'i32', i32x4: 'i32', i64x2: 'i64', f32x4: 'f32', f64x2: 'f64' };
  const splats: [number, ShapeName][] = [[Simd.i8x16_splat, 'i8x16'], [Simd.i16x8_splat, 'i16x8'], [Simd.i32x4_splat, 'i32x4'],
    [Simd.i64x2_splat, 'i64x2'], [Simd.f32x4_splat, 'f32x4'], [Simd.f64x2_splat, 'f64x2']];
  for (const [op, sh] of splats) {
    h.set(op, (t) => {
      const x = t.pop();
      const s = S[sh];
      const sc = s.bits < 32 ? t.value(`trunc i32 ${x.v} to ${s.elem}`) : x.v;
      pushVec(t, splat(t, sc, s), s);
    });
  }
  const lanes: [number | undefined, number | undefined, number, ShapeName][] = [
    [Simd.i8x16_extract_lane_s, Simd.i8x16_extract_lane_u, Simd.i8x16_replace_lane, 'i8x16'],
    [Simd.i16x8_extract_lane_s, Simd.i16x8_extract_lane_u, Simd.i16x8_replace_lane, 'i16x8'],
    [Simd.i32x4_extract_lane, undefined, Simd.i32x4_replace_lane, 'i32x4'],
    [Simd.i64x2_extract_lane, undefined, Simd.i64x2_replace_lane, 'i64x2'],
    [Simd.f32x4_extract_lane, undefined, Simd.f32x4_replace_lane, 'f32x4'],
    [Simd.f64x2_extract_lane, undefined, Simd.f64x2_replace_lane, 'f64x2']];
  for (const [exS, exU, rep, sh] of lanes) {
    const s = S[sh];
    const out = scalarOf[sh] as 'i32' | 'i64' | 'f32' | 'f64';
    const extract = (signed: boolean) => (t: FunctionTranslator, i: Instr) => {
      const v = popAs(t, s);
      const x = t.value(`extractelement ${vt(s)} ${v}, i32 ${i.index}`);
      t.push(out, s.bits < 32 ? t.value(`${signed ? 'sext' : 'zext'} ${s.elem} ${x} to i32`) : x);
    };
    if (exS !== undefined) h.set(exS, extract(true));
    if (exU !== undefined) h.set(exU, extract(false));
    h.set(rep, (t, i) => {
      const x = t.pop();
      const v = popAs(t, s);
      const sc = s.bits < 32 ? t.value(`trunc i32 ${x.v} to ${s.elem}`) : x.v;
      pushVec(t, t.value(`insertelement ${vt(s)} ${v}, ${s.elem} ${sc}, i32 ${i.index}`), s);
    });
  }

  // Comparisons.
  const intCmp: [string, string][] = [['eq', 'eq'], ['ne', 'ne'], ['lt_s', 'slt'], ['lt_u', 'ult'], ['gt_s', 'sgt'],
    ['gt_u', 'ugt'], ['le_s', 'sle'], ['le_u', 'ule'], ['ge_s', 'sge'], ['ge_u', 'uge']];
  const fltCmp: [string, string][] = [['eq', 'oeq'], ['ne', 'une'], ['lt', 'olt'], ['gt', 'ogt'], ['le', 'ole'], ['ge', 'oge']];
  const ops = Simd as Record<string, number>;
  for (const sh of ['i8x16', 'i16x8', 'i32x4', 'i64x2'] as ShapeName[]) {
    for (const [n, p] of intCmp) if (ops[`${sh}_${n}`] !== undefined) h.set(ops[`${sh}_${n}`], (t) => compare(t, S[sh], p));
  }
  for (const sh of ['f32x4', 'f64x2'] as ShapeName[]) {
    for (const [n, p] of fltCmp) h.set(ops[`${sh}_${n}`], (t) => compare(t, S[sh], p));
  }

  // Bitwise.
  h.set(Simd.v128_not, (t) => { const a = t.pop(); t.push('v128', t.value(`xor ${V} ${a.v}, <i64 -1, i64 -1>`)); });
  h.set(Simd.v128_and, (t) => binary(t, S.i64x2, 'and'));
  h.set(Simd.v128_or, (t) => binary(t, S.i64x2, 'or'));
  h.set(Simd.v128_xor, (t) => binary(t, S.i64x2, 'xor'));
  h.set(Simd.v128_andnot, (t) => {
    const b = t.pop(); const a = t.pop();
    const nb = t.value(`xor ${V} ${b.v}, <i64 -1, i64 -1>`);
    t.push('v128', t.value(`and ${V} ${a.v}, ${nb}`));
  });
  h.set(Simd.v128_bitselect, (t) => {
    const c = t.pop(); const b = t.pop(); const a = t.pop();
    const x = t.value(`and ${V} ${a.v}, ${c.v}`);
    const nc = t.value(`xor ${V} ${c.v}, <i64 -1, i64 -1>`);
    const y = t.value(`and ${V} ${b.v}, ${nc}`);
    t.push('v128', t.value(`or ${V} ${x}, ${y}`));
  });
  h.set(Simd.v128_any_true, (t) => {
    const a = t.pop();
    const w = t.value(`bitcast ${V} ${a.v} to i128`);
    const c = t.value(`icmp ne i128 ${w}, 0`);
    t.push('i32', t.value(`zext i1 ${c} to i32`));
  });

  // Integer lane arithmetic.
  for (const sh of ['i8x16', 'i16x8', 'i32x4', 'i64x2'] as ShapeName[]) {
    const s = S[sh];
    const set = (n: string, f: Handler) => { if (ops[`${sh}_${n}`] !== undefined) h.set(ops[`${sh}_${n}`], f); };
    set('add', (t) => binary(t, s, 'add'));
    set('sub', (t) => binary(t, s, 'sub'));
    set('mul', (t) => binary(t, s, 'mul'));
    set('neg', (t) => { const a = popAs(t, s); pushVec(t, t.value(`sub ${vt(s)} zeroinitializer, ${a}`), s); });
    set('abs', (t) => unaryIntrinsic(t, s, 'abs', 'false'));
    set('popcnt', (t) => unaryIntrinsic(t, s, 'ctpop'));
    set('add_sat_s', (t) => binaryIntrinsic(t, s, 'sadd.sat'));
    set('add_sat_u', (t) => binaryIntrinsic(t, s, 'uadd.sat'));
    set('sub_sat_s', (t) => binaryIntrinsic(t, s, 'ssub.sat'));
    set('sub_sat_u', (t) => binaryIntrinsic(t, s, 'usub.sat'));
    set('min_s', (t) => binaryIntrinsic(t, s, 'smin'));
    set('min_u', (t) => binaryIntrinsic(t, s, 'umin'));
    set('max_s', (t) => binaryIntrinsic(t, s, 'smax'));
    set('max_u', (t) => binaryIntrinsic(t, s, 'umax'));
    set('avgr_u', (t) => avgr(t, s));
    set('shl', (t) => shift(t, s, 'shl'));
    set('shr_s', (t) => shift(t, s, 'ashr'));
    set('shr_u', (t) => shift(t, s, 'lshr'));
    set('all_true', (t) => allTrue(t, s));
    set('bitmask', (t) => bitmask(t, s));
  }
  h.set(Simd.i8x16_narrow_i16x8_s, (t) => narrow(t, S.i16x8, true));
  h.set(Simd.i8x16_narrow_i16x8_u, (t) => narrow(t, S.i16x8, false));
  h.set(Simd.i16x8_narrow_i32x4_s, (t) => narrow(t, S.i32x4, true));
  h.set(Simd.i16x8_narrow_i32x4_u, (t) => narrow(t, S.i32x4, false));
  for (const [to, from] of [['i16x8', 'i8x16'], ['i32x4', 'i16x8'], ['i64x2', 'i32x4']] as [ShapeName, ShapeName][]) {
    for (const half of ['low', 'high']) {
      for (const sign of ['s', 'u']) {
        const ext = ops[`${to}_extend_${half}_${from}_${sign}`];
        if (ext !== undefined) h.set(ext, (t) => extend(t, S[to], half === 'high', sign === 's'));
        const mul = ops[`${to}_extmul_${half}_${from}_${sign}`];
        if (mul !== undefined) h.set(mul, (t) => extmul(t, S[to], half === 'high', sign === 's'));
      }
    }
  }
  h.set(Simd.i16x8_extadd_pairwise_i8x16_s, (t) => extaddPairwise(t, S.i16x8, true));
  h.set(Simd.i16x8_extadd_pairwise_i8x16_u, (t) => extaddPairwise(t, S.i16x8, false));
  h.set(Simd.i32x4_extadd_pairwise_i16x8_s, (t) => extaddPairwise(t, S.i32x4, true));
  h.set(Simd.i32x4_extadd_pairwise_i16x8_u, (t) => extaddPairwise(t, S.i32x4, false));
  h.set(Simd.i16x8_q15mulr_sat_s, (t) => q15mulr(t));
  h.set(Simd.i32x4_dot_i16x8_s, (t) => dot(t));

  // Float lane arithmetic.
  for (const sh of ['f32x4', 'f64x2'] as ShapeName[]) {
    const s = S[sh];
    const set = (n: string, f: Handler) => h.set(ops[`${sh}_${n}`], f);
    set('add', (t) => floatBinary(t, s, 'fadd'));
    set('sub', (t) => floatBinary(t, s, 'fsub'));
    set('mul', (t) => floatBinary(t, s, 'fmul'));
    set('div', (t) => floatBinary(t, s, 'fdiv'));
    set('neg', (t) => { const a = popAs(t, s); pushVec(t, t.value(`fneg ${vt(s)} ${a}`), s); });
    set('abs', (t) => unaryIntrinsic(t, s, 'fabs'));
    set('sqrt', (t) => unaryIntrinsic(t, s, 'sqrt'));
    set('ceil', (t) => unaryIntrinsic(t, s, 'ceil'));
    set('floor', (t) => unaryIntrinsic(t, s, 'floor'));
    set('trunc', (t) => unaryIntrinsic(t, s, 'trunc'));
    set('nearest', (t) => unaryIntrinsic(t, s, 'roundeven'));
    set('min', (t) => floatMinMax(t, s, 'min'));
    set('max', (t) => floatMinMax(t, s, 'max'));
    set('pmin', (t) => pseudoMinMax(t, s, 'min'));
    set('pmax', (t) => pseudoMinMax(t, s, 'max'));
  }

  // Conversions.
  const satConv = (name: string, from: Shape, to: Shape, zero: boolean): Handler => (t) => {
    const a = popAs(t, from);
    const mid: Shape = { lanes: from.lanes, elem: to.elem, bits: to.bits, float: false };
    const r = intrinsic(t, `llvm.${name}.sat.${mangle(mid)}.${mangle(from)}`, vt(mid), [[vt(from), a]]);
    pushVec(t, zero ? t.value(`shufflevector <2 x i32> ${r}, <2 x i32> zeroinitializer, <4 x i32> <i32 0, i32 1, i32 2, i32 3>`) : r, to);
  };
  h.set(Simd.i32x4_trunc_sat_f32x4_s, satConv('fptosi', S.f32x4, S.i32x4, false));
  h.set(Simd.i32x4_trunc_sat_f32x4_u, satConv('fptoui', S.f32x4, S.i32x4, false));
  h.set(Simd.i32x4_trunc_sat_f64x2_s_zero, satConv('fptosi', S.f64x2, S.i32x4, true));
  h.set(Simd.i32x4_trunc_sat_f64x2_u_zero, satConv('fptoui', S.f64x2, S.i32x4, true));
  h.set(Simd.f32x4_convert_i32x4_s, (t) => { const a = popAs(t, S.i32x4); pushVec(t, t.value(`sitofp <4 x i32> ${a} to <4 x float>`), S.f32x4); });
  h.set(Simd.f32x4_convert_i32x4_u, (t) => { const a = popAs(t, S.i32x4); pushVec(t, t.value(`uitofp <4 x i32> ${a} to <4 x float>`), S.f32x4); });
  h.set(Simd.f64x2_convert_low_i32x4_s, (t) => { const a = popAs(t, S.i32x4); pushVec(t, t.value(`sitofp <2 x i32> ${slice(t, a, S.i32x4, 0, 2)} to <2 x double>`), S.f64x2); });
  h.set(Simd.f64x2_convert_low_i32x4_u, (t) => { const a = popAs(t, S.i32x4); pushVec(t, t.value(`uitofp <2 x i32> ${slice(t, a, S.i32x4, 0, 2)} to <2 x double>`), S.f64x2); });
  h.set(Simd.f32x4_demote_f64x2_zero, (t) => {
    const a = guardDemoteOperand(t, '<2 x double>', popAs(t, S.f64x2));
    const d = t.value(`fptrunc <2 x double> ${a} to <2 x float>`);
    pushVec(t, t.value(`shufflevector <2 x float> ${d}, <2 x float> zeroinitializer, <4 x i32> <i32 0, i32 1, i32 2, i32 3>`), S.f32x4);
  });
  h.set(Simd.f64x2_promote_low_f32x4, (t) => {
    const a = popAs(t, S.f32x4);
    pushVec(t, t.value(`fpext <2 x float> ${slice(t, a, S.f32x4, 0, 2)} to <2 x double>`), S.f64x2);
  });
  return h;
}

let table: Map<number, Handler> | undefined;

export function translateSimd(t: FunctionTranslator, ins: Instr): boolean {
  table ??= buildTable();
  const handler = table.get(ins.op);
  if (!handler) return false;
  handler(t, ins);
  return true;
}
