/**
 * Operand types of the instructions whose typing is fixed (numeric, conversion, SIMD, memory
 * access), as compact tables indexed by opcode.
 *
 * Value types are small integers in the validator (`T`); 0 is the spec algorithm's `Unknown`
 * (the type of a value popped from the polymorphic stack of unreachable code).
 */
import type { ValType } from '../types';

export const T = { unknown: 0, i32: 1, i64: 2, f32: 3, f64: 4, v128: 5, funcref: 6, externref: 7 } as const;

const TYPE_NAMES = ['_', 'i32', 'i64', 'f32', 'f64', 'v128', 'funcref', 'externref'];

export function typeCode(t: ValType): number {
  return T[t];
}

export function typeName(code: number): string {
  return TYPE_NAMES[code];
}

export function typeList(codes: ArrayLike<number>): string {
  return `[${Array.from(codes, typeName).join(' ')}]`;
}

export function isRef(code: number): boolean {
  return code === T.funcref || code === T.externref;
}

/**
 * A fixed signature packed in one integer: bits 0-1 the number of inputs (0-3), bits 2-5 the
 * result type (0: none), then 4 bits per input type, first input first. 0 = not a fixed-signature
 * instruction. SIG_FIXED marks an entry as present even when it has no inputs and no result.
 */
const SIG_FIXED = 1 << 20;

export function sig(ins: number[], out: number): number {
  let s = SIG_FIXED | ins.length | (out << 2);
  ins.forEach((t, i) => { s |= t << (6 + 4 * i); });
  return s;
}
export const sigInputs = (s: number): number => s & 3;
export const sigResult = (s: number): number => (s >> 2) & 15;
export const sigInput = (s: number, i: number): number => (s >> (6 + 4 * i)) & 15;

/** Signatures of single-byte opcodes (0x45..0xc4: numeric and conversions). */
export const SIG_BYTE = new Int32Array(256);
/** Signatures of 0xFC opcodes 0..7 (saturating truncations). */
export const SIG_FC = new Int32Array(8);
/** Signatures of 0xFD (SIMD) sub-opcodes without immediates that affect typing. */
export const SIG_SIMD = new Int32Array(256);

const { i32, i64, f32, f64, v128 } = T;

function fill(table: Int32Array, from: number, to: number, s: number): void {
  for (let i = from; i <= to; i++) table[i] = s;
}

// numeric: test, compare, unary, binary per type
SIG_BYTE[0x45] = sig([i32], i32);
fill(SIG_BYTE, 0x46, 0x4f, sig([i32, i32], i32));
SIG_BYTE[0x50] = sig([i64], i32);
fill(SIG_BYTE, 0x51, 0x5a, sig([i64, i64], i32));
fill(SIG_BYTE, 0x5b, 0x60, sig([f32, f32], i32));
fill(SIG_BYTE, 0x61, 0x66, sig([f64, f64], i32));
fill(SIG_BYTE, 0x67, 0x69, sig([i32], i32));
fill(SIG_BYTE, 0x6a, 0x78, sig([i32, i32], i32));
fill(SIG_BYTE, 0x79, 0x7b, sig([i64], i64));
fill(SIG_BYTE, 0x7c, 0x8a, sig([i64, i64], i64));
fill(SIG_BYTE, 0x8b, 0x91, sig([f32], f32));
fill(SIG_BYTE, 0x92, 0x98, sig([f32, f32], f32));
fill(SIG_BYTE, 0x99, 0x9f, sig([f64], f64));
fill(SIG_BYTE, 0xa0, 0xa6, sig([f64, f64], f64));
// conversions
SIG_BYTE[0xa7] = sig([i64], i32);
fill(SIG_BYTE, 0xa8, 0xa9, sig([f32], i32));
fill(SIG_BYTE, 0xaa, 0xab, sig([f64], i32));
fill(SIG_BYTE, 0xac, 0xad, sig([i32], i64));
fill(SIG_BYTE, 0xae, 0xaf, sig([f32], i64));
fill(SIG_BYTE, 0xb0, 0xb1, sig([f64], i64));
fill(SIG_BYTE, 0xb2, 0xb3, sig([i32], f32));
fill(SIG_BYTE, 0xb4, 0xb5, sig([i64], f32));
SIG_BYTE[0xb6] = sig([f64], f32);
fill(SIG_BYTE, 0xb7, 0xb8, sig([i32], f64));
fill(SIG_BYTE, 0xb9, 0xba, sig([i64], f64));
SIG_BYTE[0xbb] = sig([f32], f64);
SIG_BYTE[0xbc] = sig([f32], i32);
SIG_BYTE[0xbd] = sig([f64], i64);
SIG_BYTE[0xbe] = sig([i32], f32);
SIG_BYTE[0xbf] = sig([i64], f64);
fill(SIG_BYTE, 0xc0, 0xc1, sig([i32], i32));
fill(SIG_BYTE, 0xc2, 0xc4, sig([i64], i64));

fill(SIG_FC, 0, 1, sig([f32], i32));
fill(SIG_FC, 2, 3, sig([f64], i32));
fill(SIG_FC, 4, 5, sig([f32], i64));
fill(SIG_FC, 6, 7, sig([f64], i64));

// SIMD without memory or lane immediates
const vUn = sig([v128], v128);
const vBin = sig([v128, v128], v128);
const vTest = sig([v128], i32);
const vShift = sig([v128, i32], v128);
SIG_SIMD[0x0c] = sig([], v128); // v128.const
SIG_SIMD[0x0d] = vBin; // i8x16.shuffle (lanes checked separately)
SIG_SIMD[0x0e] = vBin; // i8x16.swizzle
fill(SIG_SIMD, 0x0f, 0x11, sig([i32], v128));
SIG_SIMD[0x12] = sig([i64], v128);
SIG_SIMD[0x13] = sig([f32], v128);
SIG_SIMD[0x14] = sig([f64], v128);
fill(SIG_SIMD, 0x23, 0x4c, vBin); // comparisons
SIG_SIMD[0x4d] = vUn; // v128.not
fill(SIG_SIMD, 0x4e, 0x51, vBin); // and, andnot, or, xor
SIG_SIMD[0x52] = sig([v128, v128, v128], v128); // bitselect
SIG_SIMD[0x53] = vTest; // any_true
fill(SIG_SIMD, 0x5e, 0x5f, vUn); // demote, promote
fill(SIG_SIMD, 0x60, 0x62, vUn);
fill(SIG_SIMD, 0x63, 0x64, vTest);
fill(SIG_SIMD, 0x65, 0x66, vBin);
fill(SIG_SIMD, 0x67, 0x6a, vUn);
fill(SIG_SIMD, 0x6b, 0x6d, vShift);
fill(SIG_SIMD, 0x6e, 0x73, vBin);
fill(SIG_SIMD, 0x74, 0x75, vUn);
fill(SIG_SIMD, 0x76, 0x79, vBin);
SIG_SIMD[0x7a] = vUn;
SIG_SIMD[0x7b] = vBin;
fill(SIG_SIMD, 0x7c, 0x81, vUn);
SIG_SIMD[0x82] = vBin;
fill(SIG_SIMD, 0x83, 0x84, vTest);
fill(SIG_SIMD, 0x85, 0x86, vBin);
fill(SIG_SIMD, 0x87, 0x8a, vUn);
fill(SIG_SIMD, 0x8b, 0x8d, vShift);
fill(SIG_SIMD, 0x8e, 0x93, vBin);
SIG_SIMD[0x94] = vUn;
fill(SIG_SIMD, 0x95, 0x99, vBin);
fill(SIG_SIMD, 0x9b, 0x9f, vBin);
fill(SIG_SIMD, 0xa0, 0xa1, vUn);
fill(SIG_SIMD, 0xa3, 0xa4, vTest);
fill(SIG_SIMD, 0xa7, 0xaa, vUn);
fill(SIG_SIMD, 0xab, 0xad, vShift);
SIG_SIMD[0xae] = vBin;
SIG_SIMD[0xb1] = vBin;
fill(SIG_SIMD, 0xb5, 0xba, vBin);
fill(SIG_SIMD, 0xbc, 0xbf, vBin);
fill(SIG_SIMD, 0xc0, 0xc1, vUn);
fill(SIG_SIMD, 0xc3, 0xc4, vTest);
fill(SIG_SIMD, 0xc7, 0xca, vUn);
fill(SIG_SIMD, 0xcb, 0xcd, vShift);
SIG_SIMD[0xce] = vBin;
SIG_SIMD[0xd1] = vBin;
fill(SIG_SIMD, 0xd5, 0xdf, vBin);
fill(SIG_SIMD, 0xe0, 0xe1, vUn);
SIG_SIMD[0xe3] = vUn;
fill(SIG_SIMD, 0xe4, 0xeb, vBin);
fill(SIG_SIMD, 0xec, 0xed, vUn);
SIG_SIMD[0xef] = vUn;
fill(SIG_SIMD, 0xf0, 0xf7, vBin);
fill(SIG_SIMD, 0xf8, 0xff, vUn);

/**
 * Memory access: value type moved (0 for none: the address only), log2 of the natural alignment,
 * and whether it stores. Index: single-byte opcode 0x28..0x3e.
 */
export interface MemAccess { type: number; maxAlign: number; store: boolean }

export const MEM_BYTE: (MemAccess | undefined)[] = [];
const access = (type: number, maxAlign: number, store = false): MemAccess => ({ type, maxAlign, store });
[
  access(i32, 2), access(i64, 3), access(f32, 2), access(f64, 3), // 0x28..0x2b
  access(i32, 0), access(i32, 0), access(i32, 1), access(i32, 1), // i32.load8/16
  access(i64, 0), access(i64, 0), access(i64, 1), access(i64, 1), access(i64, 2), access(i64, 2), // i64.load8/16/32
  access(i32, 2, true), access(i64, 3, true), access(f32, 2, true), access(f64, 3, true), // 0x36..0x39
  access(i32, 0, true), access(i32, 1, true), access(i64, 0, true), access(i64, 1, true), access(i64, 2, true),
].forEach((a, i) => { MEM_BYTE[0x28 + i] = a; });

/** SIMD loads/stores (sub-opcode 0x00..0x0b, 0x5c, 0x5d): natural alignment and direction. */
export const MEM_SIMD: (MemAccess | undefined)[] = [];
MEM_SIMD[0x00] = access(v128, 4);
for (let s = 0x01; s <= 0x06; s++) MEM_SIMD[s] = access(v128, 3);
MEM_SIMD[0x07] = access(v128, 0);
MEM_SIMD[0x08] = access(v128, 1);
MEM_SIMD[0x09] = access(v128, 2);
MEM_SIMD[0x0a] = access(v128, 3);
MEM_SIMD[0x0b] = access(v128, 4, true);
MEM_SIMD[0x5c] = access(v128, 2);
MEM_SIMD[0x5d] = access(v128, 3);

/** Lane instructions (sub-opcode 0x15..0x22): lane count, the scalar type, and the direction. */
export interface LaneOp { lanes: number; scalar: number; replace: boolean }
export const LANE_SIMD: (LaneOp | undefined)[] = [];
const lane = (lanes: number, scalar: number, replace = false): LaneOp => ({ lanes, scalar, replace });
[
  lane(16, i32), lane(16, i32), lane(16, i32, true),
  lane(8, i32), lane(8, i32), lane(8, i32, true),
  lane(4, i32), lane(4, i32, true),
  lane(2, i64), lane(2, i64, true),
  lane(4, f32), lane(4, f32, true),
  lane(2, f64), lane(2, f64, true),
].forEach((l, i) => { LANE_SIMD[0x15 + i] = l; });

/** v128.load*_lane / store*_lane (sub-opcode 0x54..0x5b): log2 of the lane size = natural alignment. */
export function memLaneLog2(sub: number): number {
  return (sub - 0x54) & 3;
}

