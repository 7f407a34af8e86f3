/**
 * Values on the runtime's control socket: raw, never text. The runtime (runtime/src/ctl_values.c)
 * sends and takes a value as its type and its bits, and a native place as the stackmap location it
 * was read from; values/text.ts and values/native-place.ts give them their text on this side only.
 *
 *   value: {"type":"f32","bits":"3dcccccd"}   the payload as an unsigned integer of the type's
 *          width in hex, most significant digit first: 8 digits for i32, f32, funcref and externref
 *          (ffffffff: null), 16 for i64 and f64, 32 for v128
 *   place: {"kind":"indirect","size":8,"reg":7,"off":16}   (kind as in snapshot/reader.ts's NativeLocation)
 */
import type { NativeLocation, SnapshotValue } from '../snapshot/reader';

export interface WireValue { type: string; bits: string }
export interface WirePlace { kind: string; size: number; reg: number; off: number }

const NULL_REF = 0xffffffff;
const DIGITS: Record<SnapshotValue['type'], number> = { i32: 8, f32: 8, funcref: 8, externref: 8, i64: 16, f64: 16, v128: 32 };
const PLACE_KINDS: readonly NativeLocation['kind'][] = ['register', 'direct', 'indirect', 'constant', 'constant-index'];

export class WireError extends Error {}

export function valueFromWire(w: WireValue): SnapshotValue {
  const type = w.type as SnapshotValue['type'];
  const digits = DIGITS[type];
  if (digits === undefined) throw new WireError(`the runtime sent a value of unknown type ${JSON.stringify(w.type)}`);
  if (typeof w.bits !== 'string' || w.bits.length !== digits || !/^[0-9a-f]+$/.test(w.bits)) {
    throw new WireError(`the runtime sent ${type} bits ${JSON.stringify(w.bits)} (want ${digits} hex digits)`);
  }
  switch (type) {
    case 'i32': return { type, value: Number.parseInt(w.bits, 16) | 0 };
    case 'i64': return { type, value: BigInt.asIntN(64, BigInt(`0x${w.bits}`)) };
    case 'f32': return { type, bits: Number.parseInt(w.bits, 16) };
    case 'f64': return { type, bits: BigInt(`0x${w.bits}`) };
    case 'v128': return { type, bytes: Uint8Array.from(Buffer.from(w.bits, 'hex').reverse()) };
    default: {
      const index = Number.parseInt(w.bits, 16);
      return { type, index: index === NULL_REF ? null : index };
    }
  }
}

export function valueToWire(v: SnapshotValue): WireValue {
  const hex = (n: number | bigint) => n.toString(16).padStart(DIGITS[v.type], '0');
  switch (v.type) {
    case 'i32': return { type: v.type, bits: hex(v.value >>> 0) };
    case 'i64': return { type: v.type, bits: hex(BigInt.asUintN(64, v.value)) };
    case 'f32': case 'f64': return { type: v.type, bits: hex(v.bits) };
    case 'v128': return { type: v.type, bits: Buffer.from(v.bytes).reverse().toString('hex') };
    default: return { type: v.type, bits: hex(v.index ?? NULL_REF) };
  }
}

export function placeFromWire(p: WirePlace): NativeLocation {
  const kind = p.kind as NativeLocation['kind'];
  if (!PLACE_KINDS.includes(kind)) throw new WireError(`the runtime sent a place of unknown kind ${JSON.stringify(p.kind)}`);
  return { kind, size: p.size, dwarfReg: p.reg, offset: p.off };
}
