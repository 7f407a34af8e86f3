/**
 * The lanes of a v128 value as the debugger's children of it: the same 16 bytes read as each
 * SIMD shape (i8x16 … f64x2), lane 0 first, as the spec's `i32x4.extract_lane 0` would give it.
 */
import { floatText } from '../../compiler-core/src/index';

export interface LaneView { shape: string; lanes: string[] }

const SHAPES: { shape: string; size: number; read: (b: Buffer, at: number) => string }[] = [
  { shape: 'i8x16', size: 1, read: (b, at) => String(b.readInt8(at)) },
  { shape: 'i16x8', size: 2, read: (b, at) => String(b.readInt16LE(at)) },
  { shape: 'i32x4', size: 4, read: (b, at) => String(b.readInt32LE(at)) },
  { shape: 'i64x2', size: 8, read: (b, at) => b.readBigInt64LE(at).toString() },
  { shape: 'f32x4', size: 4, read: (b, at) => floatText(b.readFloatLE(at), 32) },
  { shape: 'f64x2', size: 8, read: (b, at) => floatText(b.readDoubleLE(at), 64) },
];

/** `0x` + 32 hex digits, most significant byte first (the runtime's and the Variables view's form). */
export function v128Bytes(text: string): Buffer {
  const m = /^0x([0-9a-f]{32})$/i.exec(text);
  if (!m) throw new Error(`not a v128 value: ${text}`);
  return Buffer.from(m[1], 'hex').reverse(); // little-endian: lane 0 in the low bytes
}

export function laneViews(text: string): LaneView[] {
  const b = v128Bytes(text);
  return SHAPES.map(({ shape, size, read }) => ({
    shape,
    lanes: Array.from({ length: 16 / size }, (_, i) => read(b, i * size)),
  }));
}
