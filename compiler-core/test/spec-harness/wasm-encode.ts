/**
 * Just enough of the Wasm binary format to rewrite a decoded module's
 * sections for linking (link-rewrite.ts): LEB128, vectors, sections, and the
 * encodings of value types, limits, constant expressions and import/export
 * descriptors.
 */
import type { ConstExpr, Limits, RefType, ValType } from '../../src/wasm/types';

export class ByteWriter {
  private readonly parts: number[] = [];

  byte(b: number): this { this.parts.push(b & 0xff); return this; }
  bytes(bs: ArrayLike<number>): this { for (let i = 0; i < bs.length; i++) this.parts.push(bs[i]); return this; }

  u32(v: number): this {
    let x = v >>> 0;
    do {
      let b = x & 0x7f;
      x >>>= 7;
      if (x !== 0) b |= 0x80;
      this.parts.push(b);
    } while (x !== 0);
    return this;
  }

  /** Signed LEB128 of any width (i32/i64 values). */
  sleb(v: bigint): this {
    let x = v;
    for (;;) {
      const b = Number(x & 0x7fn);
      x >>= 7n;
      const done = (x === 0n && (b & 0x40) === 0) || (x === -1n && (b & 0x40) !== 0);
      this.parts.push(done ? b : b | 0x80);
      if (done) return this;
    }
  }

  name(s: string): this {
    const b = Buffer.from(s, 'utf8');
    return this.u32(b.length).bytes(b);
  }

  /** A length-prefixed vector of already-encoded items. */
  vec(items: Uint8Array[]): this {
    this.u32(items.length);
    for (const it of items) this.bytes(it);
    return this;
  }

  get length(): number { return this.parts.length; }
  done(): Uint8Array { return Uint8Array.from(this.parts); }
}

export function encode(f: (w: ByteWriter) => void): Uint8Array {
  const w = new ByteWriter();
  f(w);
  return w.done();
}

const VALTYPE: Record<ValType, number> = {
  i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b, funcref: 0x70, externref: 0x6f,
};

export function valType(t: ValType): number { return VALTYPE[t]; }
export function refType(t: RefType): number { return VALTYPE[t]; }

export function limits(w: ByteWriter, l: Limits): void {
  if (l.max === undefined) w.byte(0x00).u32(l.min);
  else w.byte(0x01).u32(l.min).u32(l.max);
}

/** The instructions of a constant expression, without the final `end`. */
export function constInstrs(e: ConstExpr): Uint8Array {
  return encode((w) => {
    switch (e.kind) {
      case 'i32': w.byte(0x41).sleb(BigInt(e.value | 0)); break;
      case 'i64': w.byte(0x42).sleb(BigInt.asIntN(64, e.value)); break;
      case 'f32': { const b = Buffer.alloc(4); b.writeUInt32LE(e.bits >>> 0); w.byte(0x43).bytes(b); break; }
      case 'f64': { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt.asUintN(64, e.bits)); w.byte(0x44).bytes(b); break; }
      case 'v128': w.byte(0xfd).u32(12).bytes(e.bytes); break;
      case 'ref.null': w.byte(0xd0).byte(refType(e.type)); break;
      case 'ref.func': w.byte(0xd2).u32(e.funcIndex); break;
      case 'global.get': w.byte(0x23).u32(e.globalIndex); break;
    }
  });
}

/** A constant expression with its `end`. */
export function constExpr(e: ConstExpr): Uint8Array {
  return encode((w) => w.bytes(constInstrs(e)).byte(0x0b));
}

export interface Section {
  id: number;
  /** the payload (without id and size) */
  payload: Uint8Array;
}

function readU32(bytes: Uint8Array, pos: number): [number, number] {
  let result = 0, shift = 0, p = pos;
  for (;;) {
    if (p >= bytes.length) throw new Error('truncated LEB128');
    const b = bytes[p++];
    result |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result >>> 0, p];
    shift += 7;
    if (shift > 28) throw new Error('LEB128 too long');
  }
}

/** The sections of a module binary, in order (the binary was already validated). */
export function splitSections(bytes: Uint8Array): Section[] {
  const out: Section[] = [];
  let p = 8;
  while (p < bytes.length) {
    const id = bytes[p++];
    const [size, q] = readU32(bytes, p);
    out.push({ id, payload: bytes.subarray(q, q + size) });
    p = q + size;
  }
  return out;
}

/** The entries of a vector section payload after its count: [count, rest]. */
export function vectorPayload(payload: Uint8Array): [number, Uint8Array] {
  const [n, p] = readU32(payload, 0);
  return [n, payload.subarray(p)];
}

/** A module binary from sections. */
export function joinSections(sections: Section[]): Uint8Array {
  const w = new ByteWriter().bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  for (const s of sections) w.byte(s.id).u32(s.payload.length).bytes(s.payload);
  return w.done();
}
