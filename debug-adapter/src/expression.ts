/**
 * Expressions over a stopped Wasm state, for breakpoint conditions, logpoint messages and the
 * debug console: C-like operators on the values the Variables view shows.
 *   operands   $name / name (a local of the frame, else a global), local[N] global[N] stack[N],
 *              TYPE[ADDR] (a linear-memory read; TYPE i8 u8 i16 u16 i32 u32 i64 u64 f32 f64),
 *              integer literals (decimal, 0x...), float literals (1.5, 1e3, inf, nan)
 *   operators  unary - ! ~; * / %; + -; << >>; < <= > >=; == !=; &; ^; |; &&; ||; ( )
 * Integers are exact (bigint; i32 values as signed, as shown); a float operand makes the
 * operation a float one. Comparisons and logic give 1 or 0. Parsing is separate from evaluation,
 * so a breakpoint's condition is checked when it is set.
 */
import { checkMemoryRange, EvalError, lookupValue, MEM_TYPES, type EvalContext } from './evalContext';
import type { RuntimeValue } from './runtimeClient';
import { f32FromBits, f64FromBits, floatText } from '../../compiler-core/src/index';

export type Value = { kind: 'int'; v: bigint } | { kind: 'float'; v: number };

type Node =
  | { op: 'lit'; value: Value }
  | { op: 'name'; name: string }
  | { op: 'mem'; type: string; addr: Node }
  | { op: 'unary'; sym: string; arg: Node }
  | { op: 'binary'; sym: string; left: Node; right: Node };

const BINARY_LEVELS: string[][] = [
  ['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '<=', '>', '>='], ['<<', '>>'], ['+', '-'], ['*', '/', '%'],
];
const SYMBOLS = ['||', '&&', '==', '!=', '<=', '>=', '<<', '>>', '|', '^', '&', '<', '>', '+', '-', '*', '/', '%', '!', '~', '(', ')', '[', ']'];

interface Token { text: string; at: number; kind: 'num' | 'name' | 'sym' }

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    if (/\s/.test(src[i])) { i++; continue; }
    const num = /^(0x[0-9a-f]+|(\d+\.?\d*|\.\d+)(e[+-]?\d+)?)/i.exec(src.slice(i));
    if (num) { out.push({ text: num[0], at: i, kind: 'num' }); i += num[0].length; continue; }
    const name = /^\$?[A-Za-z_$][\w.$]*|^\$\d[\w.$]*/.exec(src.slice(i));
    if (name) { out.push({ text: name[0], at: i, kind: 'name' }); i += name[0].length; continue; }
    const sym = SYMBOLS.find((s) => src.startsWith(s, i));
    if (!sym) throw new EvalError(`unexpected '${src[i]}' at column ${i + 1}`);
    out.push({ text: sym, at: i, kind: 'sym' });
    i += sym.length;
  }
  return out;
}

/** Parses an expression; throws EvalError naming the column of what is wrong. */
export function parseExpression(src: string): Node {
  const toks = tokenize(src);
  let k = 0;
  const peek = () => toks[k];
  const where = () => (peek() ? `'${peek().text}' at column ${peek().at + 1}` : 'the end');
  const expect = (text: string) => {
    if (peek()?.text !== text) throw new EvalError(`expected '${text}' but found ${where()}`);
    k++;
  };
  const level = (n: number): Node => {
    if (n === BINARY_LEVELS.length) return unary();
    let left = level(n + 1);
    while (peek()?.kind === 'sym' && BINARY_LEVELS[n].includes(peek().text)) {
      const sym = toks[k++].text;
      left = { op: 'binary', sym, left, right: level(n + 1) };
    }
    return left;
  };
  const unary = (): Node => {
    const t = peek();
    if (t?.kind === 'sym' && ['-', '!', '~'].includes(t.text)) { k++; return { op: 'unary', sym: t.text, arg: unary() }; }
    return primary();
  };
  const primary = (): Node => {
    const t = peek();
    if (!t) throw new EvalError('the expression ends too early');
    if (t.text === '(') { k++; const e = level(0); expect(')'); return e; }
    if (t.kind === 'num') { k++; return { op: 'lit', value: literal(t.text) }; }
    if (t.kind === 'name') {
      k++;
      const lower = t.text.toLowerCase();
      if (lower === 'inf' || lower === 'nan') return { op: 'lit', value: { kind: 'float', v: lower === 'inf' ? Infinity : NaN } };
      if (peek()?.text === '[') {
        k++;
        const inner = level(0);
        expect(']');
        if (MEM_TYPES[lower]) return { op: 'mem', type: lower, addr: inner };
        if (/^(local|global|stack)$/.test(t.text)) {
          if (inner.op !== 'lit' || inner.value.kind !== 'int') throw new EvalError(`${t.text}[...] needs a number`);
          return { op: 'name', name: `${t.text}[${inner.value.v}]` };
        }
        throw new EvalError(`unknown memory type ${t.text} (i8 u8 i16 u16 i32 u32 i64 u64 f32 f64)`);
      }
      return { op: 'name', name: t.text };
    }
    throw new EvalError(`unexpected ${where()}`);
  };
  const tree = level(0);
  if (k < toks.length) throw new EvalError(`unexpected ${where()}`);
  return tree;
}

function literal(text: string): Value {
  if (/^0x/i.test(text) || /^\d+$/.test(text)) return { kind: 'int', v: BigInt(text) };
  return { kind: 'float', v: Number(text) };
}

/** A value of the state as a number: integers exact, floats from their bits. */
export function stateValue(v: RuntimeValue, name: string): Value {
  switch (v.type) {
    case 'i32': case 'i64': return { kind: 'int', v: BigInt(v.value) };
    case 'f32': return { kind: 'float', v: f32FromBits(v.bits) };
    case 'f64': return { kind: 'float', v: f64FromBits(v.bits) };
    case 'funcref': case 'externref':
      return { kind: 'int', v: v.index === null ? -1n : BigInt(v.index) };
    default:
      throw new EvalError(`${name} is ${v.type}: only numbers can be computed with`);
  }
}

const asFloat = (x: Value) => (x.kind === 'float' ? x.v : Number(x.v));
const truthy = (x: Value) => (x.kind === 'int' ? x.v !== 0n : x.v !== 0 && !Number.isNaN(x.v));
const bool = (b: boolean): Value => ({ kind: 'int', v: b ? 1n : 0n });

/** The value of TYPE at the start of b (little-endian, as Wasm stores it). */
export function memValue(type: string, b: Buffer): Value {
  switch (type) {
    case 'i8': return { kind: 'int', v: BigInt(b.readInt8(0)) };
    case 'u8': return { kind: 'int', v: BigInt(b.readUInt8(0)) };
    case 'i16': return { kind: 'int', v: BigInt(b.readInt16LE(0)) };
    case 'u16': return { kind: 'int', v: BigInt(b.readUInt16LE(0)) };
    case 'i32': return { kind: 'int', v: BigInt(b.readInt32LE(0)) };
    case 'u32': return { kind: 'int', v: BigInt(b.readUInt32LE(0)) };
    case 'i64': return { kind: 'int', v: b.readBigInt64LE(0) };
    case 'u64': return { kind: 'int', v: b.readBigUInt64LE(0) };
    case 'f32': return { kind: 'float', v: b.readFloatLE(0) };
    default: return { kind: 'float', v: b.readDoubleLE(0) };
  }
}

export async function evaluateTree(n: Node, ctx: EvalContext): Promise<Value> {
  switch (n.op) {
    case 'lit': return n.value;
    case 'name': return stateValue(lookupValue(ctx, n.name), n.name);
    case 'mem': {
      const a = await evaluateTree(n.addr, ctx);
      if (a.kind !== 'int') throw new EvalError(`${n.type}[...]: the address is not an integer`);
      const addr = BigInt.asUintN(32, a.v); // a Wasm address is an unsigned i32
      const size = MEM_TYPES[n.type];
      checkMemoryRange(addr, size, ctx);
      return memValue(n.type, await ctx.readMemory(Number(addr), size));
    }
    case 'unary': {
      const x = await evaluateTree(n.arg, ctx);
      if (n.sym === '!') return bool(!truthy(x));
      if (n.sym === '-') return x.kind === 'int' ? { kind: 'int', v: -x.v } : { kind: 'float', v: -x.v };
      if (x.kind !== 'int') throw new EvalError('~ needs an integer');
      return { kind: 'int', v: ~x.v };
    }
    case 'binary': {
      const l = await evaluateTree(n.left, ctx);
      if (n.sym === '&&') return truthy(l) ? bool(truthy(await evaluateTree(n.right, ctx))) : bool(false);
      if (n.sym === '||') return truthy(l) ? bool(true) : bool(truthy(await evaluateTree(n.right, ctx)));
      return binary(n.sym, l, await evaluateTree(n.right, ctx));
    }
  }
}

function binary(sym: string, l: Value, r: Value): Value {
  if (l.kind === 'int' && r.kind === 'int') {
    const [a, b] = [l.v, r.v];
    switch (sym) {
      case '+': return { kind: 'int', v: a + b };
      case '-': return { kind: 'int', v: a - b };
      case '*': return { kind: 'int', v: a * b };
      case '/': case '%':
        if (b === 0n) throw new EvalError('division by zero');
        return { kind: 'int', v: sym === '/' ? a / b : a % b };
      case '<<': case '>>':
        // a shift count beyond 64 bits is a typo, and 1 << 1e9 would build a huge number
        if (b < 0n || b > 128n) throw new EvalError(`shift count ${b} (0 to 128)`);
        return { kind: 'int', v: sym === '<<' ? a << b : a >> b };
      case '&': return { kind: 'int', v: a & b };
      case '|': return { kind: 'int', v: a | b };
      case '^': return { kind: 'int', v: a ^ b };
      case '==': return bool(a === b);
      case '!=': return bool(a !== b);
      case '<': return bool(a < b);
      case '<=': return bool(a <= b);
      case '>': return bool(a > b);
      default: return bool(a >= b);
    }
  }
  const [a, b] = [asFloat(l), asFloat(r)];
  switch (sym) {
    case '+': return { kind: 'float', v: a + b };
    case '-': return { kind: 'float', v: a - b };
    case '*': return { kind: 'float', v: a * b };
    case '/': return { kind: 'float', v: a / b };
    case '%': return { kind: 'float', v: a % b };
    case '==': return bool(a === b);
    case '!=': return bool(a !== b);
    case '<': return bool(a < b);
    case '<=': return bool(a <= b);
    case '>': return bool(a > b);
    case '>=': return bool(a >= b);
    default: throw new EvalError(`${sym} needs integers`);
  }
}

/** A computed value as the console shows it (floats as the Variables view does: values/text.ts). */
export function valueText(x: Value): string {
  return x.kind === 'int' ? x.v.toString() : floatText(x.v, 64);
}

export async function evaluate(src: string, ctx: EvalContext): Promise<Value> {
  return evaluateTree(parseExpression(src), ctx);
}

export async function isTrue(src: string, ctx: EvalContext): Promise<boolean> {
  return truthy(await evaluate(src, ctx));
}
