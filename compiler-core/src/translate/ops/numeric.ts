/** Constants, integer and float arithmetic, comparisons. */
import type { Instr, ValType } from '../../wasm/types';
import { Op } from '../../wasm/opcodes';
import { f32Const, f64Const, i64Const, llvmType } from '../../llvm/ir';
import type { FunctionTranslator } from '../function';
import { TrapCode } from '../traps';
import { guardScalarOperands, type FloatBinop } from './nan-quieting';

type Int = 'i32' | 'i64';
type Flt = 'f32' | 'f64';

/** Binary operators that map to one LLVM instruction. */
const SIMPLE_BINARY = new Map<number, [ValType, string]>([
  [Op.i32_add, ['i32', 'add']], [Op.i32_sub, ['i32', 'sub']], [Op.i32_mul, ['i32', 'mul']],
  [Op.i32_and, ['i32', 'and']], [Op.i32_or, ['i32', 'or']], [Op.i32_xor, ['i32', 'xor']],
  [Op.i64_add, ['i64', 'add']], [Op.i64_sub, ['i64', 'sub']], [Op.i64_mul, ['i64', 'mul']],
  [Op.i64_and, ['i64', 'and']], [Op.i64_or, ['i64', 'or']], [Op.i64_xor, ['i64', 'xor']],
  [Op.f32_add, ['f32', 'fadd']], [Op.f32_sub, ['f32', 'fsub']], [Op.f32_mul, ['f32', 'fmul']],
  [Op.f32_div, ['f32', 'fdiv']],
  [Op.f64_add, ['f64', 'fadd']], [Op.f64_sub, ['f64', 'fsub']], [Op.f64_mul, ['f64', 'fmul']],
  [Op.f64_div, ['f64', 'fdiv']],
]);

const SHIFTS = new Map<number, [Int, string]>([
  [Op.i32_shl, ['i32', 'shl']], [Op.i32_shr_s, ['i32', 'ashr']], [Op.i32_shr_u, ['i32', 'lshr']],
  [Op.i64_shl, ['i64', 'shl']], [Op.i64_shr_s, ['i64', 'ashr']], [Op.i64_shr_u, ['i64', 'lshr']],
]);

const ROTATES = new Map<number, [Int, string]>([
  [Op.i32_rotl, ['i32', 'fshl']], [Op.i32_rotr, ['i32', 'fshr']],
  [Op.i64_rotl, ['i64', 'fshl']], [Op.i64_rotr, ['i64', 'fshr']],
]);

const COMPARES = new Map<number, [ValType, string]>([
  [Op.i32_eq, ['i32', 'icmp eq']], [Op.i32_ne, ['i32', 'icmp ne']],
  [Op.i32_lt_s, ['i32', 'icmp slt']], [Op.i32_lt_u, ['i32', 'icmp ult']],
  [Op.i32_gt_s, ['i32', 'icmp sgt']], [Op.i32_gt_u, ['i32', 'icmp ugt']],
  [Op.i32_le_s, ['i32', 'icmp sle']], [Op.i32_le_u, ['i32', 'icmp ule']],
  [Op.i32_ge_s, ['i32', 'icmp sge']], [Op.i32_ge_u, ['i32', 'icmp uge']],
  [Op.i64_eq, ['i64', 'icmp eq']], [Op.i64_ne, ['i64', 'icmp ne']],
  [Op.i64_lt_s, ['i64', 'icmp slt']], [Op.i64_lt_u, ['i64', 'icmp ult']],
  [Op.i64_gt_s, ['i64', 'icmp sgt']], [Op.i64_gt_u, ['i64', 'icmp ugt']],
  [Op.i64_le_s, ['i64', 'icmp sle']], [Op.i64_le_u, ['i64', 'icmp ule']],
  [Op.i64_ge_s, ['i64', 'icmp sge']], [Op.i64_ge_u, ['i64', 'icmp uge']],
  [Op.f32_eq, ['f32', 'fcmp oeq']], [Op.f32_ne, ['f32', 'fcmp une']],
  [Op.f32_lt, ['f32', 'fcmp olt']], [Op.f32_gt, ['f32', 'fcmp ogt']],
  [Op.f32_le, ['f32', 'fcmp ole']], [Op.f32_ge, ['f32', 'fcmp oge']],
  [Op.f64_eq, ['f64', 'fcmp oeq']], [Op.f64_ne, ['f64', 'fcmp une']],
  [Op.f64_lt, ['f64', 'fcmp olt']], [Op.f64_gt, ['f64', 'fcmp ogt']],
  [Op.f64_le, ['f64', 'fcmp ole']], [Op.f64_ge, ['f64', 'fcmp oge']],
]);

/** Unary operators that are one LLVM intrinsic call (`.f32`/`.i32` suffix added). */
const INTRINSIC_UNARY = new Map<number, [ValType, string, string?]>([
  [Op.i32_clz, ['i32', 'ctlz', ', i1 false']], [Op.i32_ctz, ['i32', 'cttz', ', i1 false']],
  [Op.i32_popcnt, ['i32', 'ctpop']],
  [Op.i64_clz, ['i64', 'ctlz', ', i1 false']], [Op.i64_ctz, ['i64', 'cttz', ', i1 false']],
  [Op.i64_popcnt, ['i64', 'ctpop']],
  [Op.f32_abs, ['f32', 'fabs']], [Op.f32_ceil, ['f32', 'ceil']], [Op.f32_floor, ['f32', 'floor']],
  [Op.f32_trunc, ['f32', 'trunc']], [Op.f32_nearest, ['f32', 'roundeven']], [Op.f32_sqrt, ['f32', 'sqrt']],
  [Op.f64_abs, ['f64', 'fabs']], [Op.f64_ceil, ['f64', 'ceil']], [Op.f64_floor, ['f64', 'floor']],
  [Op.f64_trunc, ['f64', 'trunc']], [Op.f64_nearest, ['f64', 'roundeven']], [Op.f64_sqrt, ['f64', 'sqrt']],
]);

export function intrinsicSuffix(t: ValType): string {
  return t === 'f32' ? 'f32' : t === 'f64' ? 'f64' : t;
}

export function translateNumeric(t: FunctionTranslator, ins: Instr): boolean {
  const simple = SIMPLE_BINARY.get(ins.op);
  if (simple) {
    const [type, op] = simple;
    const b = t.pop(); const a = t.pop();
    const [x, y] = type === 'f32' || type === 'f64'
      ? guardScalarOperands(t, op as FloatBinop, llvmType(type), a.v, b.v) : [a.v, b.v];
    t.push(type, t.value(`${op} ${llvmType(type)} ${x}, ${y}`));
    return true;
  }
  const shift = SHIFTS.get(ins.op);
  if (shift) {
    const [type, op] = shift;
    const b = t.pop(); const a = t.pop();
    const n = t.value(`and ${type} ${b.v}, ${type === 'i32' ? 31 : 63}`);
    t.push(type, t.value(`${op} ${type} ${a.v}, ${n}`));
    return true;
  }
  const rot = ROTATES.get(ins.op);
  if (rot) {
    const [type, fn] = rot;
    const b = t.pop(); const a = t.pop();
    t.push(type, t.value(`call ${type} @llvm.${fn}.${type}(${type} ${a.v}, ${type} ${a.v}, ${type} ${b.v})`));
    t.mod.declare(`declare ${type} @llvm.${fn}.${type}(${type}, ${type}, ${type})`);
    return true;
  }
  const cmp = COMPARES.get(ins.op);
  if (cmp) {
    const [type, pred] = cmp;
    const b = t.pop(); const a = t.pop();
    const c = t.value(`${pred} ${llvmType(type)} ${a.v}, ${b.v}`);
    t.push('i32', t.value(`zext i1 ${c} to i32`));
    return true;
  }
  const un = INTRINSIC_UNARY.get(ins.op);
  if (un) {
    const [type, fn, extra] = un;
    const a = t.pop();
    const ty = llvmType(type);
    const name = `@llvm.${fn}.${intrinsicSuffix(type)}`;
    t.mod.declare(`declare ${ty} ${name}(${ty}${extra ? ', i1' : ''})`);
    t.push(type, t.value(`call ${ty} ${name}(${ty} ${a.v}${extra ?? ''})`));
    return true;
  }
  switch (ins.op) {
    case Op.i32_const: t.push('i32', String(ins.i32! | 0)); return true;
    case Op.i64_const: t.push('i64', i64Const(ins.i64!)); return true;
    case Op.f32_const: t.push('f32', f32Const(ins.i32!)); return true;
    case Op.f64_const: t.push('f64', f64Const(ins.i64!)); return true;
    case Op.i32_eqz: case Op.i64_eqz: {
      const a = t.pop();
      const c = t.value(`icmp eq ${llvmType(a.type)} ${a.v}, 0`);
      t.push('i32', t.value(`zext i1 ${c} to i32`));
      return true;
    }
    case Op.i32_div_s: divRem(t, 'i32', 'sdiv'); return true;
    case Op.i32_div_u: divRem(t, 'i32', 'udiv'); return true;
    case Op.i32_rem_s: divRem(t, 'i32', 'srem'); return true;
    case Op.i32_rem_u: divRem(t, 'i32', 'urem'); return true;
    case Op.i64_div_s: divRem(t, 'i64', 'sdiv'); return true;
    case Op.i64_div_u: divRem(t, 'i64', 'udiv'); return true;
    case Op.i64_rem_s: divRem(t, 'i64', 'srem'); return true;
    case Op.i64_rem_u: divRem(t, 'i64', 'urem'); return true;
    case Op.f32_neg: case Op.f64_neg: {
      const a = t.pop();
      t.push(a.type, t.value(`fneg ${llvmType(a.type)} ${a.v}`));
      return true;
    }
    case Op.f32_copysign: case Op.f64_copysign: {
      const b = t.pop(); const a = t.pop();
      const ty = llvmType(a.type);
      const name = `@llvm.copysign.${intrinsicSuffix(a.type)}`;
      t.mod.declare(`declare ${ty} ${name}(${ty}, ${ty})`);
      t.push(a.type, t.value(`call ${ty} ${name}(${ty} ${a.v}, ${ty} ${b.v})`));
      return true;
    }
    case Op.f32_min: minMax(t, 'f32', 'min'); return true;
    case Op.f32_max: minMax(t, 'f32', 'max'); return true;
    case Op.f64_min: minMax(t, 'f64', 'min'); return true;
    case Op.f64_max: minMax(t, 'f64', 'max'); return true;
    default:
      return false;
  }
}

/** Division and remainder with Wasm's traps; never a bare sdiv that could fault. */
function divRem(t: FunctionTranslator, type: Int, op: 'sdiv' | 'udiv' | 'srem' | 'urem'): void {
  const b = t.pop(); const a = t.pop();
  t.trapIf(t.value(`icmp eq ${type} ${b.v}, 0`), TrapCode.IntDivByZero);
  const min = type === 'i32' ? '-2147483648' : '-9223372036854775808';
  if (op === 'sdiv') {
    const isMin = t.value(`icmp eq ${type} ${a.v}, ${min}`);
    const isNeg1 = t.value(`icmp eq ${type} ${b.v}, -1`);
    t.trapIf(t.value(`and i1 ${isMin}, ${isNeg1}`), TrapCode.IntOverflow);
    t.push(type, t.value(`sdiv ${type} ${a.v}, ${b.v}`));
  } else if (op === 'srem') {
    // x rem -1 is 0; divide by 1 instead so INT_MIN rem -1 cannot fault.
    const isNeg1 = t.value(`icmp eq ${type} ${b.v}, -1`);
    const d = t.value(`select i1 ${isNeg1}, ${type} 1, ${type} ${b.v}`);
    t.push(type, t.value(`srem ${type} ${a.v}, ${d}`));
  } else {
    t.push(type, t.value(`${op} ${type} ${a.v}, ${b.v}`));
  }
}

/** IEEE 754-2019 minimum/maximum as Wasm defines them: NaN wins, -0 < +0. */
function minMax(t: FunctionTranslator, type: Flt, which: 'min' | 'max'): void {
  const b = t.pop(); const a = t.pop();
  // the NaN case is an fadd of the operands: keep a ±0 constant from folding it away
  const [x, y] = guardScalarOperands(t, 'fadd', llvmType(type), a.v, b.v);
  t.push(type, emitMinMax(t, x, y, llvmType(type), type === 'f32' ? 'i32' : 'i64', 'i1', which));
}

/**
 * The Wasm min/max formula for scalars and, lane-wise, for SIMD vectors:
 * `ty` is the float (vector) type, `ity` the same-width integer type and
 * `cond` the comparison result type (i1 or <N x i1>).
 */
export function emitMinMax(t: FunctionTranslator, a: string, b: string, ty: string, ity: string, cond: string,
  which: 'min' | 'max'): string {
  const uno = t.value(`fcmp uno ${ty} ${a}, ${b}`);
  const nan = t.value(`fadd ${ty} ${a}, ${b}`);
  const less = t.value(`fcmp ${which === 'min' ? 'olt' : 'ogt'} ${ty} ${a}, ${b}`);
  const pick = t.value(`select ${cond} ${less}, ${ty} ${a}, ${ty} ${b}`);
  const eq = t.value(`fcmp oeq ${ty} ${a}, ${b}`);
  const ai = t.value(`bitcast ${ty} ${a} to ${ity}`);
  const bi = t.value(`bitcast ${ty} ${b} to ${ity}`);
  // Equal operands differ at most in the sign of zero: OR prefers -0, AND prefers +0.
  const merged = t.value(`${which === 'min' ? 'or' : 'and'} ${ity} ${ai}, ${bi}`);
  const mergedF = t.value(`bitcast ${ity} ${merged} to ${ty}`);
  const notNan = t.value(`select ${cond} ${eq}, ${ty} ${mergedF}, ${ty} ${pick}`);
  return t.value(`select ${cond} ${uno}, ${ty} ${nan}, ${ty} ${notNan}`);
}
