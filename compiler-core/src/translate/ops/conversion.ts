/** Conversions: wrap/extend, trapping and saturating truncation, convert, reinterpret. */
import type { Instr, ValType } from '../../wasm/types';
import { Op } from '../../wasm/opcodes';
import { f64Const, llvmType } from '../../llvm/ir';
import type { FunctionTranslator } from '../function';
import { TrapCode } from '../traps';
import { guardDemoteOperand } from './nan-quieting';

type Int = 'i32' | 'i64';
type Flt = 'f32' | 'f64';

const CASTS = new Map<number, [ValType, ValType, string]>([
  [Op.i32_wrap_i64, ['i64', 'i32', 'trunc']],
  [Op.i64_extend_i32_s, ['i32', 'i64', 'sext']], [Op.i64_extend_i32_u, ['i32', 'i64', 'zext']],
  [Op.f32_convert_i32_s, ['i32', 'f32', 'sitofp']], [Op.f32_convert_i32_u, ['i32', 'f32', 'uitofp']],
  [Op.f32_convert_i64_s, ['i64', 'f32', 'sitofp']], [Op.f32_convert_i64_u, ['i64', 'f32', 'uitofp']],
  [Op.f64_convert_i32_s, ['i32', 'f64', 'sitofp']], [Op.f64_convert_i32_u, ['i32', 'f64', 'uitofp']],
  [Op.f64_convert_i64_s, ['i64', 'f64', 'sitofp']], [Op.f64_convert_i64_u, ['i64', 'f64', 'uitofp']],
  [Op.f32_demote_f64, ['f64', 'f32', 'fptrunc']], [Op.f64_promote_f32, ['f32', 'f64', 'fpext']],
  [Op.i32_reinterpret_f32, ['f32', 'i32', 'bitcast']], [Op.i64_reinterpret_f64, ['f64', 'i64', 'bitcast']],
  [Op.f32_reinterpret_i32, ['i32', 'f32', 'bitcast']], [Op.f64_reinterpret_i64, ['i64', 'f64', 'bitcast']],
]);

/** Sign extension from a narrower width: [type, width]. */
const SIGN_EXTEND = new Map<number, [Int, number]>([
  [Op.i32_extend8_s, ['i32', 8]], [Op.i32_extend16_s, ['i32', 16]],
  [Op.i64_extend8_s, ['i64', 8]], [Op.i64_extend16_s, ['i64', 16]], [Op.i64_extend32_s, ['i64', 32]],
]);

/** Trapping float -> int truncations: [from, to, signed]. */
const TRUNC = new Map<number, [Flt, Int, boolean]>([
  [Op.i32_trunc_f32_s, ['f32', 'i32', true]], [Op.i32_trunc_f32_u, ['f32', 'i32', false]],
  [Op.i32_trunc_f64_s, ['f64', 'i32', true]], [Op.i32_trunc_f64_u, ['f64', 'i32', false]],
  [Op.i64_trunc_f32_s, ['f32', 'i64', true]], [Op.i64_trunc_f32_u, ['f32', 'i64', false]],
  [Op.i64_trunc_f64_s, ['f64', 'i64', true]], [Op.i64_trunc_f64_u, ['f64', 'i64', false]],
]);

const TRUNC_SAT = new Map<number, [Flt, Int, boolean]>([
  [Op.i32_trunc_sat_f32_s, ['f32', 'i32', true]], [Op.i32_trunc_sat_f32_u, ['f32', 'i32', false]],
  [Op.i32_trunc_sat_f64_s, ['f64', 'i32', true]], [Op.i32_trunc_sat_f64_u, ['f64', 'i32', false]],
  [Op.i64_trunc_sat_f32_s, ['f32', 'i64', true]], [Op.i64_trunc_sat_f32_u, ['f32', 'i64', false]],
  [Op.i64_trunc_sat_f64_s, ['f64', 'i64', true]], [Op.i64_trunc_sat_f64_u, ['f64', 'i64', false]],
]);

function num(v: number): string {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, v);
  return f64Const(dv.getBigUint64(0));
}

/**
 * The open interval (lo, hi) of floats whose truncation fits the integer type.
 * All bounds are exact in the source float type.
 */
function truncBounds(from: Flt, to: Int, signed: boolean): [number, number] {
  if (!signed) return [-1, to === 'i32' ? 4294967296 : 18446744073709551616];
  if (to === 'i64') return [from === 'f32' ? -9223373136366403584 : -9223372036854777856, 9223372036854775808];
  return [from === 'f32' ? -2147483904 : -2147483649, 2147483648];
}

export function translateConversion(t: FunctionTranslator, ins: Instr): boolean {
  const cast = CASTS.get(ins.op);
  if (cast) {
    const [from, to, op] = cast;
    const a = t.pop();
    // fptrunc(fpext x) folds to x, which would keep a signalling NaN signalling
    const v = op === 'fptrunc' ? guardDemoteOperand(t, llvmType(from), a.v) : a.v;
    t.push(to, t.value(`${op} ${llvmType(from)} ${v} to ${llvmType(to)}`));
    return true;
  }
  const ext = SIGN_EXTEND.get(ins.op);
  if (ext) {
    const [type, width] = ext;
    const a = t.pop();
    const narrow = t.value(`trunc ${type} ${a.v} to i${width}`);
    t.push(type, t.value(`sext i${width} ${narrow} to ${type}`));
    return true;
  }
  const trunc = TRUNC.get(ins.op);
  if (trunc) {
    const [from, to, signed] = trunc;
    const a = t.pop();
    const ft = llvmType(from);
    t.trapIf(t.value(`fcmp uno ${ft} ${a.v}, ${a.v}`), TrapCode.InvalidConversion);
    const [lo, hi] = truncBounds(from, to, signed);
    const below = t.value(`fcmp ole ${ft} ${a.v}, ${num(lo)}`);
    const above = t.value(`fcmp oge ${ft} ${a.v}, ${num(hi)}`);
    t.trapIf(t.value(`or i1 ${below}, ${above}`), TrapCode.IntOverflow);
    t.push(to, t.value(`${signed ? 'fptosi' : 'fptoui'} ${ft} ${a.v} to ${to}`));
    return true;
  }
  const sat = TRUNC_SAT.get(ins.op);
  if (sat) {
    const [from, to, signed] = sat;
    const a = t.pop();
    const ft = llvmType(from);
    const name = `@llvm.${signed ? 'fptosi' : 'fptoui'}.sat.${to}.${from}`;
    t.mod.declare(`declare ${to} ${name}(${ft})`);
    t.push(to, t.value(`call ${to} ${name}(${ft} ${a.v})`));
    return true;
  }
  return false;
}
