/**
 * The text of a Wasm value, for people: the one formatter that the CLI (`wanco snapshot inspect`),
 * the live debugger and the post-mortem debugger all use, and the parser of what a person types
 * into the Variables view. The runtime sends raw values (type and bits, wire.ts); nothing else
 * renders a value.
 *
 * Floats print as the shortest decimal that reads back to the same bits at their own width (f32
 * 0.1 is `0.1`, not 0.100000001 or 0.10000000149011612); infinities as `inf` / `-inf` and NaNs
 * with their bits, as in the Wasm text format's spirit.
 */
import type { SnapshotValue } from '../snapshot/reader';

const dv = new DataView(new ArrayBuffer(8));

export function f32FromBits(bits: number): number {
  dv.setUint32(0, bits);
  return dv.getFloat32(0);
}

export function f64FromBits(bits: bigint): number {
  dv.setBigUint64(0, bits);
  return dv.getFloat64(0);
}

export function f32Bits(v: number): number {
  dv.setFloat32(0, v);
  return dv.getUint32(0);
}

export function f64Bits(v: number): bigint {
  dv.setFloat64(0, v);
  return dv.getBigUint64(0);
}

/** Shortest decimal of `v` that reads back to the same f32 (`width` 32) or f64. */
export function floatText(v: number, width: 32 | 64 = 64, nanBits?: string): string {
  if (Number.isNaN(v)) return nanBits ? `nan (${nanBits})` : 'nan';
  if (Object.is(v, -0)) return '-0';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (width === 64) return String(v);
  for (let p = 1; p < 9; p++) {
    const s = Number(v.toPrecision(p));
    if (Math.fround(s) === v) return String(s);
  }
  return String(Number(v.toPrecision(9)));
}

export function hexBits(bits: number | bigint, width: 32 | 64): string {
  return `0x${bits.toString(16).padStart(width / 4, '0')}`;
}

/** `funcName`: a function's name (name section), shown after its index. */
export function valueText(v: SnapshotValue, funcName?: (i: number) => string | undefined): string {
  switch (v.type) {
    case 'i32': return String(v.value);
    case 'i64': return v.value.toString();
    case 'f32': return floatText(f32FromBits(v.bits), 32, hexBits(v.bits, 32));
    case 'f64': return floatText(f64FromBits(v.bits), 64, hexBits(v.bits, 64));
    case 'v128': return `0x${Buffer.from(v.bytes).reverse().toString('hex')}`;
    case 'externref': return v.index === null ? 'null' : `extern ${v.index}`;
    default: {
      if (v.index === null) return 'null';
      const n = funcName?.(v.index);
      return n ? `func ${v.index} <${n}>` : `func ${v.index}`;
    }
  }
}

/** The bits of a float value as hex, for the detail a debugger shows next to its text. */
export function floatBitsText(v: SnapshotValue): string | undefined {
  if (v.type === 'f32') return hexBits(v.bits, 32);
  if (v.type === 'f64') return hexBits(v.bits, 64);
  return undefined;
}

export class ValueTextError extends Error {}

/**
 * A value typed by a person: integers in decimal or 0x hex (signed or unsigned range), floats in
 * decimal, `inf`, `-inf`, `nan` or as 0x bits, v128 as 0x and 32 hex digits, references as an
 * index, `func N` / `extern N`, or `null`. Whatever valueText prints reads back to the same value.
 */
export function parseValueText(type: SnapshotValue['type'], input: string): SnapshotValue {
  const text = input.trim();
  const bad = (what = `a valid ${type} value`) => new ValueTextError(`${input} is not ${what}`);
  switch (type) {
    case 'i32': case 'i64': {
      if (!/^-?(0x[0-9a-f]+|\d+)$/i.test(text)) throw bad();
      const n = text.startsWith('-') ? -BigInt(text.slice(1)) : BigInt(text);
      const width = type === 'i32' ? 32 : 64;
      if (n < -(1n << BigInt(width - 1)) || n >= (1n << BigInt(width))) throw bad();
      const v = BigInt.asIntN(width, n);
      return type === 'i32' ? { type, value: Number(v) } : { type, value: v };
    }
    case 'f32': case 'f64': {
      const width = type === 'f32' ? 32 : 64;
      const hex = /^0x([0-9a-f]+)$/i.exec(text);
      if (hex) {
        if (hex[1].length > width / 4) throw bad();
        return type === 'f32' ? { type, bits: Number.parseInt(hex[1], 16) } : { type, bits: BigInt(text) };
      }
      const nan = /^nan \((0x[0-9a-f]+)\)$/i.exec(text);
      if (nan) return parseValueText(type, nan[1]);
      let v: number;
      if (/^[-+]?inf(inity)?$/i.test(text)) v = text.startsWith('-') ? -Infinity : Infinity;
      else if (/^nan$/i.test(text)) v = NaN;
      else if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text)) v = Number(text);
      else throw bad();
      return type === 'f32' ? { type, bits: f32Bits(v) } : { type, bits: f64Bits(v) };
    }
    case 'v128': {
      if (!/^0x[0-9a-f]{32}$/i.test(text)) throw bad('a valid v128 value (0x and 32 hex digits)');
      return { type, bytes: Uint8Array.from(Buffer.from(text.slice(2), 'hex').reverse()) };
    }
    default: {
      const prefix = type === 'funcref' ? 'func' : 'extern';
      const m = new RegExp(`^(?:${prefix}\\s+)?(\\d+|null)(\\s+<[^>]*>)?$`).exec(text);
      if (!m) throw bad(`a valid ${type} (an index or null)`);
      if (m[1] === 'null') return { type, index: null };
      const index = Number(m[1]);
      if (index >= 0xffffffff) throw bad(`a valid ${type} (an index or null)`);
      return { type, index };
    }
  }
}
