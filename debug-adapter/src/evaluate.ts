/**
 * Watch / hover / debug-console expressions on a stopped Wasm state:
 *   $name            a local of the frame (its name-section name), else a global ($ optional)
 *   local[N] global[N] stack[N]   by index (also `local N` ...)
 *   TYPE[ADDR]       linear memory read, TYPE one of i8 u8 i16 u16 i32 u32 i64 u64 f32 f64,
 *                    ADDR a sum/difference of numbers and values above (i32 values count unsigned)
 *   anything else: an expression (operators, comparisons; see expression.ts)
 */
import type { RuntimeValue } from './runtimeClient';
import { checkMemoryRange, EvalError, lookupValue, MEM_TYPES, type EvalContext } from './evalContext';
import { evaluate, memValue, valueText } from './expression';
import { floatText, hexBits } from '../../compiler-core/src/index';

export { EvalError, type EvalContext } from './evalContext';

export interface EvalResult {
  /** a value of the state, shown like the Variables view shows it */
  value?: RuntimeValue;
  /** else a computed value */
  text?: string;
  type: string;
  memoryReference?: string;
}

/** An integer operand: a literal or a value of the state. */
function integer(ctx: EvalContext, term: string): bigint {
  const t = term.trim();
  if (/^-?(0x[0-9a-f]+|\d+)$/i.test(t)) return t.startsWith('-') ? -BigInt(t.slice(1)) : BigInt(t);
  const v = lookupValue(ctx, t);
  if (v.type === 'i32') return BigInt(v.value >>> 0);
  if (v.type === 'i64') return v.value;
  throw new EvalError(`${t} is ${v.type}, not an integer`);
}

function sum(ctx: EvalContext, expr: string): bigint {
  const parts = expr.replace(/\s+/g, '').split(/(?=[+-])(?<![[(])/);
  if (parts.length === 0 || parts.some((p) => p === '' || p === '+' || p === '-')) throw new EvalError(`cannot read '${expr}'`);
  let total = 0n;
  for (const p of parts) {
    const neg = p.startsWith('-');
    const body = p.replace(/^[+-]/, '');
    const v = integer(ctx, body);
    total += neg ? -v : v;
  }
  return total;
}

/** A memory read as the console shows it: integers in decimal, a NaN with its bits. */
function memText(type: string, b: Buffer): string {
  if (type === 'f32') return floatText(b.readFloatLE(0), 32, hexBits(b.readUInt32LE(0), 32));
  if (type === 'f64') return floatText(b.readDoubleLE(0), 64, hexBits(b.readBigUInt64LE(0), 64));
  return valueText(memValue(type, b));
}

export async function evaluateExpression(expression: string, ctx: EvalContext): Promise<EvalResult> {
  const e = expression.trim();
  if (!e) throw new EvalError('empty expression');
  const mem = /^([iuf](?:8|16|32|64))\s*\[(.+)\]$/i.exec(e);
  if (mem) {
    const type = mem[1].toLowerCase();
    const size = MEM_TYPES[type];
    if (!size) throw new EvalError(`unknown memory type ${mem[1]} (i8 u8 i16 u16 i32 u32 i64 u64 f32 f64)`);
    const addr = sum(ctx, mem[2]);
    checkMemoryRange(addr, size, ctx);
    const b = await ctx.readMemory(Number(addr), size);
    return { text: memText(type, b), type: `${type} at 0x${addr.toString(16)}`, memoryReference: `0x${addr.toString(16)}` };
  }
  // `$name`, or a bare name (a hover over `$acc` may send `acc`)
  // (Wasm names may hold characters such as * or /: `$a*b` is a name if there is one, else an expression)
  if (/^(\$[^\s+-]+|[A-Za-z_][\w.]*|(local|global|stack)\s*(\[\s*\d+\s*\]|\s\d+))$/.test(e)) {
    try {
      const v = lookupValue(ctx, e);
      return { value: v, type: v.type };
    } catch (err) {
      if (!/[*/%<>=!&|^~()]/.test(e)) throw err;
    }
  }
  // anything else: the expression language of conditions (operators, comparisons, floats)
  const x = await evaluate(e, ctx);
  return { text: valueText(x), type: x.kind === 'int' ? 'integer' : 'float' };
}
