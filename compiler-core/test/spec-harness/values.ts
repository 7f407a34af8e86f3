/**
 * Values between the .wast JSON and the runtime driver: arguments become
 * 64-bit slots (v128 takes two, low half first; externref N is the pointer
 * N+1 so that `ref.extern 0` is not null), results are compared with the
 * expected values, including nan:canonical / nan:arithmetic and v128 lanes.
 */
import type { WastValue } from './wast';

const MASK64 = (1n << 64n) - 1n;
const LANES: Record<string, { bits: number; n: number }> = {
  i8: { bits: 8, n: 16 }, i16: { bits: 16, n: 8 }, i32: { bits: 32, n: 4 }, i64: { bits: 64, n: 2 },
  f32: { bits: 32, n: 4 }, f64: { bits: 64, n: 2 },
};

export function slotCount(t: string): number {
  return t === 'v128' ? 2 : 1;
}

function v128Bits(v: WastValue): bigint {
  const lane = LANES[v.lane_type ?? 'i32'];
  const values = v.value as string[];
  let x = 0n;
  for (let i = 0; i < lane.n; i++) {
    x |= (BigInt(values[i]) & ((1n << BigInt(lane.bits)) - 1n)) << BigInt(i * lane.bits);
  }
  return x;
}

/** Encodes an argument as hex slots for the driver script. */
export function encodeArg(v: WastValue): string[] {
  switch (v.type) {
    case 'i32': case 'f32': return [(BigInt(v.value as string) & 0xffffffffn).toString(16)];
    case 'i64': case 'f64': return [(BigInt(v.value as string) & MASK64).toString(16)];
    case 'v128': {
      const x = v128Bits(v);
      return [(x & MASK64).toString(16), (x >> 64n).toString(16)];
    }
    case 'funcref': case 'externref':
      if (v.value === undefined || v.value === 'null') return ['0'];
      return [(BigInt(v.value as string) + 1n).toString(16)];
    default:
      throw new Error(`unsupported argument type ${v.type}`);
  }
}

function floatMatches(expected: string, actual: bigint, bits: 32 | 64): boolean {
  const exp = bits === 32 ? 0x7f800000n : 0x7ff0000000000000n;
  const quiet = bits === 32 ? 0x00400000n : 0x0008000000000000n;
  const sign = bits === 32 ? 0x80000000n : 0x8000000000000000n;
  if (expected === 'nan:canonical') return (actual & ~sign) === (exp | quiet);
  if (expected === 'nan:arithmetic') return (actual & (exp | quiet)) === (exp | quiet);
  return BigInt(expected) === actual;
}

function laneMatches(laneType: string, expected: string, actual: bigint): boolean {
  if (laneType === 'f32') return floatMatches(expected, actual, 32);
  if (laneType === 'f64') return floatMatches(expected, actual, 64);
  const bits = BigInt(LANES[laneType].bits);
  return (BigInt(expected) & ((1n << bits) - 1n)) === actual;
}

/** Whether the result slots (already split per value) match the expected value. */
export function valueMatches(e: WastValue, slots: bigint[]): boolean {
  const a = slots[0];
  switch (e.type) {
    case 'i32': return (BigInt(e.value as string) & 0xffffffffn) === (a & 0xffffffffn);
    case 'i64': return (BigInt(e.value as string) & MASK64) === a;
    case 'f32': return floatMatches(e.value as string, a & 0xffffffffn, 32);
    case 'f64': return floatMatches(e.value as string, a, 64);
    case 'v128': {
      const x = slots[0] | (slots[1] << 64n);
      const lane = LANES[e.lane_type ?? 'i32'];
      const values = e.value as string[];
      for (let i = 0; i < lane.n; i++) {
        const lv = (x >> BigInt(i * lane.bits)) & ((1n << BigInt(lane.bits)) - 1n);
        if (!laneMatches(e.lane_type ?? 'i32', values[i], lv)) return false;
      }
      return true;
    }
    case 'funcref': case 'externref':
      if (e.value === undefined) return a !== 0n; // (ref.func) / (ref.extern): any non-null
      if (e.value === 'null') return a === 0n;
      return e.type === 'externref' ? a === BigInt(e.value as string) + 1n : a !== 0n;
    default:
      return false;
  }
}

export function formatValue(e: WastValue): string {
  if (e.type === 'v128') return `v128:${e.lane_type}[${(e.value as string[]).join(' ')}]`;
  return e.value === undefined ? e.type : `${e.type}:${e.value}`;
}

export function formatSlots(expected: WastValue[] | undefined, slots: bigint[]): string {
  if (!expected) return slots.map((s) => s.toString(16)).join(' ');
  const out: string[] = [];
  let k = 0;
  for (const e of expected) {
    if (e.type === 'v128') {
      const x = (slots[k] ?? 0n) | ((slots[k + 1] ?? 0n) << 64n);
      const lane = LANES[e.lane_type ?? 'i32'];
      const lanes: string[] = [];
      for (let i = 0; i < lane.n; i++) lanes.push(((x >> BigInt(i * lane.bits)) & ((1n << BigInt(lane.bits)) - 1n)).toString());
      out.push(`v128:${e.lane_type}[${lanes.join(' ')}]`);
      k += 2;
    } else {
      out.push(`${e.type}:${slots[k++]?.toString() ?? '?'}`);
    }
  }
  return out.join(' ');
}
