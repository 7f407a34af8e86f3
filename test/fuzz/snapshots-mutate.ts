/**
 * Structural mutations of snapshots: bytes and bits, header fields, section tags, flags, lengths
 * and order, counts, value types, strings (NUL, invalid UTF-8, env without '='), fds, padding,
 * memory chunk headers and the inside of their zstd frames (descriptor bits, content size, block
 * headers, checksums, hand-made frames). Size-changing edits fix the enclosing lengths, and every
 * mutant but the 'crc' ones gets a body length and both CRC-32s that match, so that the mutation
 * reaches the section parsers of both readers.
 */
import { crc32 } from 'node:zlib';
import { xxh64Low32 } from '../../compiler-core/src/snapshot/zstd';
import { itemSeed, Mulberry32 } from '../helpers/random';
import { layout, type ChunkLoc, type Field, type Layout } from './snapshots-layout';

/** The seeded generator of the snapshot fuzzer (mulberry32, test/helpers/random.ts). */
export class Rand extends Mulberry32 {
  int(n: number): number { return Math.floor(this.next() * n); }
  /** a 32-bit value from two 16-bit draws */
  word32(): number { return (this.int(0x10000) * 0x10000 + this.int(0x10000)) >>> 0; }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]; }
}

/** The seed of mutant i of a run: replayable one by one. */
export const mutantSeed = itemSeed;

export interface Seed { name: string; bytes: Buffer; layout: Layout }

export function seedOf(name: string, bytes: Buffer): Seed {
  return { name, bytes, layout: layout(bytes) };
}

export interface Mutant { kind: string; what: string; bytes: Buffer }

/** A length field to adjust when bytes after it are inserted or removed. */
interface LenField { at: number; size: 4 | 8 }

function splice(b: Buffer, at: number, del: number, ins: Uint8Array, lens: LenField[]): Buffer {
  const out = Buffer.concat([b.subarray(0, at), ins, b.subarray(at + del)]);
  const d = ins.length - del;
  for (const l of lens) {
    if (l.size === 4) out.writeUInt32LE((out.readUInt32LE(l.at) + d) >>> 0, l.at);
    else out.writeBigUInt64LE(BigInt.asUintN(64, out.readBigUInt64LE(l.at) + BigInt(d)), l.at);
  }
  return out;
}

/** Body length and both CRC-32s made to match the bytes. */
export function fixHeader(b: Buffer): Buffer {
  if (b.length < 64) return b;
  b.writeBigUInt64LE(BigInt(b.length - 64), 48);
  b.writeUInt32LE(crc32(b.subarray(64)), 56);
  b.writeUInt32LE(crc32(b.subarray(0, 60)), 60);
  return b;
}

function sectionLen(L: Layout, s: number): LenField { return { at: L.sections[s].at + 8, size: 8 }; }

function interesting(r: Rand, size: number, orig: bigint): bigint {
  if (size === 1) return BigInt(r.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x6f, 0x70, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f, 0x80, 0xfe, 0xff,
    Number((orig + 1n) & 0xffn), Number((orig + 255n) & 0xffn), r.int(256)]));
  if (size === 2) return BigInt(r.pick([0, 1, 0x7fff, 0x8000, 0xffff, Number((orig + 1n) & 0xffffn), r.int(0x10000)]));
  const max = (1n << BigInt(8 * size)) - 1n;
  const common = [0n, 1n, 2n, 3n, orig + 1n, orig - 1n, orig * 2n, orig ^ (1n << BigInt(r.int(8 * size))), max, max - 1n];
  if (size === 4) {
    return BigInt.asUintN(32, r.pick([...common, 7n, 8n, 9n, 10n, 99n, 100n, 101n, 255n, 256n, 0x7fffn, 0xffffn, 0x10000n, 0x10001n,
      1n << 20n, (1n << 20n) + 1n, 0x7fffffffn, 0x80000000n, BigInt(r.word32())]));
  }
  return BigInt.asUintN(64, r.pick([...common, (1n << 63n) - 1n, 1n << 63n, (BigInt(r.word32()) << 32n) | BigInt(r.word32())]));
}

function readField(b: Buffer, f: { at: number; size: number }): bigint {
  switch (f.size) {
    case 1: return BigInt(b[f.at]);
    case 2: return BigInt(b.readUInt16LE(f.at));
    case 4: return BigInt(b.readUInt32LE(f.at));
    default: return b.readBigUInt64LE(f.at);
  }
}

function writeField(b: Buffer, f: { at: number; size: number }, v: bigint): void {
  switch (f.size) {
    case 1: b[f.at] = Number(v & 0xffn); break;
    case 2: b.writeUInt16LE(Number(v & 0xffffn), f.at); break;
    case 4: b.writeUInt32LE(Number(BigInt.asUintN(32, v)), f.at); break;
    default: b.writeBigUInt64LE(BigInt.asUintN(64, v), f.at);
  }
}

const STRINGS: [string, Uint8Array][] = [
  ['empty', new Uint8Array(0)],
  ['NUL inside', Buffer.from('ab\0cd')],
  ['NUL only', Uint8Array.of(0)],
  ['overlong /', Uint8Array.of(0x2f, 0xc0, 0xaf)],
  ['overlong NUL', Uint8Array.of(0xc0, 0x80)],
  ['overlong 3-byte', Uint8Array.of(0xe0, 0x80, 0xaf)],
  ['surrogate', Uint8Array.of(0x61, 0xed, 0xa0, 0x80)],
  ['above U+10FFFF', Uint8Array.of(0xf4, 0x90, 0x80, 0x80)],
  ['byte F5', Uint8Array.of(0xf5, 0x80, 0x80, 0x80)],
  ['lone continuation', Uint8Array.of(0x61, 0x80)],
  ['truncated 3-byte', Uint8Array.of(0x61, 0xe2, 0x82)],
  ['byte FF', Uint8Array.of(0xff)],
  ['latin-1', Buffer.from('caf\xe9', 'latin1')],
  ['valid non-ASCII', Buffer.from('héllo 日本 😀=x')],
  ['BOM', Uint8Array.of(0xef, 0xbb, 0xbf, 0x61)],
  ['U+10FFFF', Uint8Array.of(0xf4, 0x8f, 0xbf, 0xbf)],
  ['U+FFFF', Uint8Array.of(0xef, 0xbf, 0xbf)],
  ['no equals sign', Buffer.from('NAME_ONLY')],
  ['equals first', Buffer.from('=value')],
  ['long', Buffer.alloc(3000, 0x41)],
];

const VALUE_TYPES = [0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f];
const VALUE_SIZES: Record<number, number> = { 0x7f: 4, 0x7e: 8, 0x7d: 4, 0x7c: 8, 0x7b: 16, 0x70: 4, 0x6f: 4 };

/** A zstd frame made here: raw or RLE blocks of `content`, content size in the header, XXH64. */
export function handmadeFrame(content: Uint8Array, opts: { rle?: boolean; checksum?: 'good' | 'bad' | 'none'; blockSize?: number; fcs?: number } = {}): Buffer {
  const parts: Buffer[] = [];
  const fhd = 0xa0 | (opts.checksum === 'none' ? 0 : 0x04); // FCS 4 bytes, single segment
  const hdr = Buffer.alloc(9);
  hdr.writeUInt32LE(0xfd2fb528, 0);
  hdr[4] = fhd;
  hdr.writeUInt32LE(opts.fcs ?? content.length, 5);
  parts.push(hdr);
  const bs = opts.blockSize ?? 128 * 1024;
  for (let p = 0; p < content.length || p === 0; p += bs) {
    const n = Math.min(bs, content.length - p);
    const last = p + bs >= content.length ? 1 : 0;
    const bh = Buffer.alloc(3);
    const v = last | ((opts.rle ? 1 : 0) << 1) | (n << 3);
    bh[0] = v & 0xff; bh[1] = (v >> 8) & 0xff; bh[2] = (v >> 16) & 0xff;
    parts.push(bh, opts.rle ? Buffer.of(content[p] ?? 0) : Buffer.from(content.subarray(p, p + n)));
    if (content.length === 0) break;
  }
  if (opts.checksum !== 'none') {
    const c = Buffer.alloc(4);
    c.writeUInt32LE(opts.checksum === 'bad' ? (xxh64Low32(content) ^ 1) >>> 0 : xxh64Low32(content), 0);
    parts.push(c);
  }
  return Buffer.concat(parts);
}

type Op = (r: Rand, s: Seed, others: Seed[]) => Mutant | null;

const body = (s: Seed) => s.bytes.length - 64;

const OPS: Record<string, { weight: number; op: Op }> = {
  bitflip: { weight: 8, op: (r, s) => {
    const b = Buffer.from(s.bytes);
    const n = 1 + r.int(3);
    const at: number[] = [];
    for (let k = 0; k < n; k++) { const p = 64 + r.int(body(s)); b[p] ^= 1 << r.int(8); at.push(p); }
    return { kind: 'bitflip', what: `bits flipped at ${at.map((p) => `0x${p.toString(16)}`).join(', ')}`, bytes: fixHeader(b) };
  } },
  byte: { weight: 5, op: (r, s) => {
    const b = Buffer.from(s.bytes);
    const p = 64 + r.int(body(s));
    b[p] = r.pick([0, 1, 0x7f, 0x80, 0xff, r.int(256)]);
    return { kind: 'byte', what: `byte at 0x${p.toString(16)} set to 0x${b[p].toString(16)}`, bytes: fixHeader(b) };
  } },
  field: { weight: 18, op: (r, s) => {
    const fs = s.layout.fields.filter((f) => !['tag', 'flags', 'section-length', 'version', 'header-size', 'module-hash'].includes(f.kind));
    return setField(r, s, r.pick(fs), 'field');
  } },
  count: { weight: 6, op: (r, s) => setField(r, s, r.pick(s.layout.fields.filter((f) => f.kind === 'count' || f.kind === 'length')), 'count') },
  fd: { weight: 3, op: (r, s) => {
    const fds = s.layout.fields.filter((f) => f.kind === 'fd');
    if (!fds.length) return null;
    const f = r.pick(fds);
    const b = Buffer.from(s.bytes);
    const other = r.pick(fds);
    const v = r.pick([0, 1, 2, 3, 4, 5, 9, 1 << 20, (1 << 20) + 1, 0xffffffff, b.readUInt32LE(other.at)]);
    b.writeUInt32LE(v >>> 0, f.at);
    return { kind: 'fd', what: `${f.label} set to ${v}`, bytes: fixHeader(b) };
  } },
  pad: { weight: 2, op: (r, s) => {
    const f = r.pick(s.layout.fields.filter((x) => x.kind === 'pad'));
    const b = Buffer.from(s.bytes);
    const k = r.int(f.kind === 'pad' && f.label.includes('frame') ? 4 : 3);
    b[f.at + k] = 1 + r.int(255);
    return { kind: 'padding', what: `${f.label} byte ${k} set to 0x${b[f.at + k].toString(16)}`, bytes: fixHeader(b) };
  } },
  tag: { weight: 6, op: (r, s) => {
    const sec = r.pick(s.layout.sections);
    const b = Buffer.from(s.bytes);
    const v = r.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 50, 99, 100, 101, 0x7fffffff, 0xffffffff, sec.tag + 1, sec.tag - 1]) >>> 0;
    b.writeUInt32LE(v, sec.at);
    return { kind: 'tag', what: `section ${sec.tag} at 0x${sec.at.toString(16)} gets tag ${v}`, bytes: fixHeader(b) };
  } },
  'tag-after-native': { weight: 2, op: (r, s) => {
    // the crash of issue 12: a section with tag 9, 10, ... after NATIVE
    const tag = r.pick([9, 10, 11, 12, 13, 16, 42, 99]);
    const payload = r.chance(0.5) ? Buffer.alloc(0) : s.bytes.subarray(s.layout.sections.find((x) => x.tag === 8)?.payload ?? 64, (s.layout.sections.find((x) => x.tag === 8)?.payload ?? 64) + r.int(64));
    const hdr = Buffer.alloc(16);
    hdr.writeUInt32LE(tag, 0);
    hdr.writeBigUInt64LE(BigInt(payload.length), 8);
    return { kind: 'tag-after-native', what: `section ${tag} of ${payload.length} bytes appended`, bytes: fixHeader(Buffer.concat([s.bytes, hdr, payload])) };
  } },
  flags: { weight: 3, op: (r, s) => {
    const sec = r.pick(s.layout.sections);
    const b = Buffer.from(s.bytes);
    const v = r.pick([1, 2, 0x80000000, 0xffffffff, r.word32() | 1]) >>> 0;
    b.writeUInt32LE(v, sec.at + 4);
    return { kind: 'flags', what: `section ${sec.tag} flags 0x${v.toString(16)}`, bytes: fixHeader(b) };
  } },
  'section-length': { weight: 4, op: (r, s) => {
    const sec = r.pick(s.layout.sections);
    return setField(r, s, { at: sec.at + 8, size: 8, kind: 'section-length', label: `section ${sec.tag} length`, section: 0 }, 'section-length');
  } },
  truncate: { weight: 3, op: (r, s) => {
    const n = 64 + r.int(body(s));
    return { kind: 'truncate', what: `cut to ${n} bytes`, bytes: fixHeader(Buffer.from(s.bytes.subarray(0, n))) };
  } },
  'truncate-section': { weight: 3, op: (r, s) => {
    const si = r.int(s.layout.sections.length);
    const sec = s.layout.sections[si];
    if (!sec.length) return null;
    const k = 1 + r.int(Math.min(sec.length, r.chance(0.5) ? 8 : sec.length));
    return { kind: 'truncate-section', what: `section ${sec.tag} shortened by ${k} bytes`, bytes: fixHeader(splice(s.bytes, sec.end - k, k, new Uint8Array(0), [sectionLen(s.layout, si)])) };
  } },
  'drop-section': { weight: 3, op: (r, s) => {
    const sec = r.pick(s.layout.sections);
    return { kind: 'drop-section', what: `section ${sec.tag} removed`, bytes: fixHeader(splice(s.bytes, sec.at, sec.end - sec.at, new Uint8Array(0), [])) };
  } },
  'duplicate-section': { weight: 3, op: (r, s) => {
    const sec = r.pick(s.layout.sections);
    const copy = s.bytes.subarray(sec.at, sec.end);
    const where = r.chance(0.5) ? sec.end : r.pick(s.layout.sections).at;
    return { kind: 'duplicate-section', what: `section ${sec.tag} copied to 0x${where.toString(16)}`, bytes: fixHeader(splice(s.bytes, where, 0, copy, [])) };
  } },
  'swap-sections': { weight: 2, op: (r, s) => {
    const i = r.int(s.layout.sections.length - 1);
    const a = s.layout.sections[i], c = s.layout.sections[i + 1];
    const b = Buffer.concat([s.bytes.subarray(0, a.at), s.bytes.subarray(c.at, c.end), s.bytes.subarray(a.at, a.end), s.bytes.subarray(c.end)]);
    return { kind: 'swap-sections', what: `sections ${a.tag} and ${c.tag} swapped`, bytes: fixHeader(b) };
  } },
  'insert-section': { weight: 3, op: (r, s) => {
    const tag = r.pick([0, 9, 55, 99, 100, 101, 200, 0xffffffff]) >>> 0;
    const payload = Buffer.alloc(r.int(40), r.int(256));
    const hdr = Buffer.alloc(16);
    hdr.writeUInt32LE(tag, 0);
    hdr.writeBigUInt64LE(BigInt(payload.length), 8);
    const where = r.chance(0.3) ? s.bytes.length : r.pick(s.layout.sections).at;
    return { kind: 'insert-section', what: `section ${tag} (${payload.length} bytes) inserted at 0x${where.toString(16)}`, bytes: fixHeader(splice(s.bytes, where, 0, Buffer.concat([hdr, payload]), [])) };
  } },
  append: { weight: 2, op: (r, s) => {
    const extra = Buffer.alloc(1 + r.int(40), r.int(256));
    return { kind: 'append', what: `${extra.length} bytes appended`, bytes: fixHeader(Buffer.concat([s.bytes, extra])) };
  } },
  splice: { weight: 4, op: (r, s, others) => {
    const o = r.pick(others);
    const a = r.pick(s.layout.sections);
    const same = o.layout.sections.find((x) => x.tag === a.tag);
    if (!same) return null;
    return { kind: 'splice', what: `section ${a.tag} replaced by ${o.name}'s`, bytes: fixHeader(splice(s.bytes, a.at, a.end - a.at, o.bytes.subarray(same.at, same.end), [])) };
  } },
  valtype: { weight: 6, op: (r, s) => {
    const v = r.pick(s.layout.values);
    const t = r.pick([...VALUE_TYPES, 0x00, 0x40, 0x6e, 0x71, 0x7a, 0x80, 0xff]);
    const size = VALUE_SIZES[t];
    if (size !== undefined && r.chance(0.7)) {
      // the payload resized to the new type: the structure stays consistent
      const payload = Buffer.alloc(size, t === 0x6f || (t === 0x70 && r.chance(0.5)) ? 0xff : r.int(256));
      const b = splice(s.bytes, v.typeAt, 1 + v.size, Buffer.concat([Buffer.of(t), payload]), [sectionLen(s.layout, v.section)]);
      return { kind: 'valtype', what: `${v.label}: type 0x${v.type.toString(16)} -> 0x${t.toString(16)} (payload resized)`, bytes: fixHeader(b) };
    }
    const b = Buffer.from(s.bytes);
    b[v.typeAt] = t;
    return { kind: 'valtype', what: `${v.label}: type byte 0x${v.type.toString(16)} -> 0x${t.toString(16)}`, bytes: fixHeader(b) };
  } },
  externref: { weight: 3, op: (r, s) => {
    const v = r.pick(s.layout.values);
    const idx = r.pick([0, 1, 5, 0x7fffffff, 0xfffffffe, 0xffffffff]);
    const payload = Buffer.alloc(4);
    payload.writeUInt32LE(idx >>> 0);
    const b = splice(s.bytes, v.typeAt, 1 + v.size, Buffer.concat([Buffer.of(0x6f), payload]), [sectionLen(s.layout, v.section)]);
    return { kind: 'externref', what: `${v.label} -> externref 0x${idx.toString(16)}`, bytes: fixHeader(b) };
  } },
  string: { weight: 8, op: (r, s) => {
    if (!s.layout.strings.length) return null;
    const st = r.pick(s.layout.strings);
    const [name, bytes] = r.pick(STRINGS);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(bytes.length);
    const b = splice(s.bytes, st.lenAt, 4 + st.size, Buffer.concat([len, bytes]), [sectionLen(s.layout, st.section)]);
    return { kind: 'string', what: `${st.label} -> ${name}`, bytes: fixHeader(b) };
  } },
  'chunk-header': { weight: 3, op: (r, s) => {
    if (!s.layout.chunks.length) return null;
    const c = r.pick(s.layout.chunks);
    const k = r.int(3);
    return setField(r, s, { at: c.hdrAt + 4 * k, size: 4, kind: 'u32', label: `chunk at page ${s.bytes.readUInt32LE(c.hdrAt)} ${['first page', 'page count', 'length'][k]}`, section: c.section }, 'chunk-header');
  } },
  'chunk-data': { weight: 6, op: (r, s) => {
    if (!s.layout.chunks.length) return null;
    const c = r.pick(s.layout.chunks);
    const b = Buffer.from(s.bytes);
    const n = 1 + r.int(3);
    const where: string[] = [];
    for (let k = 0; k < n; k++) {
      // mostly inside compressed blocks, sometimes the frame header or the checksum
      const p = r.chance(0.8) ? c.dataAt + c.frameHeaderSize + r.int(c.clen - c.frameHeaderSize) : c.dataAt + r.int(c.clen);
      if (r.chance(0.7)) b[p] ^= 1 << r.int(8); else b[p] = r.int(256);
      where.push(`+${p - c.dataAt}`);
    }
    return { kind: 'chunk-data', what: `chunk at 0x${c.dataAt.toString(16)}: bytes ${where.join(', ')} changed`, bytes: fixHeader(b) };
  } },
  'chunk-frame': { weight: 8, op: (r, s) => chunkFrame(r, s) },
  header: { weight: 3, op: (r, s) => {
    const b = Buffer.from(s.bytes);
    const k = r.int(4);
    let what: string;
    if (k === 0) { const v = r.pick([0, 1, 3, 0xffffffff]); b.writeUInt32LE(v >>> 0, 8); what = `version ${v}`; }
    else if (k === 1) { const v = r.pick([0, 63, 65, 128]); b.writeUInt32LE(v, 12); what = `header size ${v}`; }
    else if (k === 2) { b[16 + r.int(32)] ^= 1 << r.int(8); what = 'module hash changed'; }
    else { b[r.int(8)] ^= 1 << r.int(8); what = 'magic changed'; }
    return { kind: 'header', what, bytes: fixHeader(b) };
  } },
  crc: { weight: 1, op: (r, s) => {
    const b = Buffer.from(s.bytes);
    const k = r.int(3);
    if (k === 0) b[56 + r.int(4)] ^= 1 << r.int(8);
    else if (k === 1) b[60 + r.int(4)] ^= 1 << r.int(8);
    else b[64 + r.int(body(s))] ^= 1 << r.int(8);
    return { kind: 'crc', what: ['body CRC changed', 'header CRC changed', 'a body byte changed, CRCs left'][k], bytes: b };
  } },
};

function setField(r: Rand, s: Seed, f: Field, kind: string): Mutant {
  const b = Buffer.from(s.bytes);
  const orig = readField(b, f);
  const v = interesting(r, f.size, orig);
  writeField(b, f, v);
  return { kind, what: `${f.label} (${f.kind}) ${orig} -> ${readField(b, f)}`, bytes: fixHeader(b) };
}

/** Structural mutations inside one memory chunk's zstd frame (lengths fixed up). */
function chunkFrame(r: Rand, s: Seed): Mutant | null {
  if (!s.layout.chunks.length) return null;
  const c: ChunkLoc = r.pick(s.layout.chunks);
  const lens: LenField[] = [{ at: c.hdrAt + 8, size: 4 }, sectionLen(s.layout, c.section)];
  const name = `chunk at page ${s.bytes.readUInt32LE(c.hdrAt)}`;
  const mut = (what: string, b: Buffer): Mutant => ({ kind: 'chunk-frame', what: `${name}: ${what}`, bytes: fixHeader(b) });
  const b = Buffer.from(s.bytes);
  const content = c.pages * 65536;
  switch (r.int(11)) {
    case 0: { // descriptor bits
      const bit = r.pick([0, 1, 2, 3, 4, 5, 6, 7]);
      b[c.dataAt + 4] ^= 1 << bit;
      return mut(`frame header descriptor bit ${bit} flipped`, b);
    }
    case 1: { // content size field
      if (!c.fcsSize) return null;
      const f = { at: c.fcsAt, size: c.fcsSize };
      writeField(b, f, r.pick([0n, BigInt(content - 1), BigInt(content + 1), BigInt(content * 2), BigInt(content - 65536)]));
      return mut(`content size field set to ${readField(b, f)}`, b);
    }
    case 2: { // window descriptor
      if (c.windowAt < 0) return null;
      b[c.windowAt] = r.pick([0, 0x08, 0x40, 0x48, 0x50, 0xa8, 0xb0, 0xb8, 0xff, r.int(256)]);
      return mut(`window descriptor 0x${b[c.windowAt].toString(16)}`, b);
    }
    case 3: { // a block header field
      const blk = r.pick(c.blocks);
      const h = b[blk.at] | (b[blk.at + 1] << 8) | (b[blk.at + 2] << 16);
      const k = r.int(3);
      let v: number;
      let what: string;
      if (k === 0) { v = h ^ 1; what = 'last-block flag flipped'; }
      else if (k === 1) { const t = r.int(4); v = (h & ~6) | (t << 1); what = `type ${blk.type} -> ${t}`; }
      else {
        const sz = r.pick([0, 1, blk.size - 1, blk.size + 1, 128 * 1024, 128 * 1024 + 1, (1 << 21) - 1, r.int(1 << 21)]) & 0x1fffff;
        v = (h & 7) | (sz << 3);
        what = `size ${blk.size} -> ${sz}`;
      }
      b[blk.at] = v & 0xff; b[blk.at + 1] = (v >> 8) & 0xff; b[blk.at + 2] = (v >> 16) & 0xff;
      return mut(`block at frame offset ${blk.at - c.dataAt}: ${what}`, b);
    }
    case 4: { // checksum
      b[c.checksumAt + r.int(4)] ^= 1 << r.int(8);
      return mut('content checksum changed', b);
    }
    case 5: { // frame truncated
      const k = 1 + r.int(Math.min(c.clen - 1, r.chance(0.5) ? 6 : c.clen - 1));
      return mut(`frame shortened by ${k} bytes`, splice(s.bytes, c.dataAt + c.clen - k, k, new Uint8Array(0), lens));
    }
    case 6: { // bytes after the frame
      const extra = r.chance(0.5) ? Buffer.alloc(1 + r.int(8), r.int(256)) : handmadeFrame(new Uint8Array(r.int(100)));
      return mut(`${extra.length} bytes appended to the frame`, splice(s.bytes, c.dataAt + c.clen, 0, extra, lens));
    }
    case 7: { // checksum removed (and the flag cleared, or not)
      const out = splice(s.bytes, c.checksumAt, 4, new Uint8Array(0), lens);
      const clear = r.chance(0.5);
      if (clear) out[c.dataAt + 4] &= ~0x04;
      return mut(`checksum removed${clear ? ', flag cleared' : ''}`, out);
    }
    case 8: { // last block's last byte(s) removed inside the block (block size adjusted)
      const blk = c.blocks[c.blocks.length - 1];
      if (blk.type !== 2 || blk.size < 2) return null;
      const h = (b[blk.at] | (b[blk.at + 1] << 8) | (b[blk.at + 2] << 16)) - 8;
      b[blk.at] = h & 0xff; b[blk.at + 1] = (h >> 8) & 0xff; b[blk.at + 2] = (h >> 16) & 0xff;
      return mut('last compressed block one byte shorter', splice(b, blk.at + 3 + blk.size - 1, 1, new Uint8Array(0), lens));
    }
    default: { // replaced by a hand-made frame (raw or RLE blocks): valid, or broken in one way
      const data = new Uint8Array(content);
      const fill = r.int(3);
      if (fill === 1) data.fill(r.int(256));
      else if (fill === 2) for (let i = 0; i < content; i++) data[i] = (i * 31 + (i >> 9)) & 0xff;
      const variant = r.pick(['valid', 'valid', 'bad checksum', 'no checksum', 'content size off', 'block too big', 'small blocks'] as const);
      const frame = handmadeFrame(data, {
        rle: fill === 1 && r.chance(0.5),
        checksum: variant === 'bad checksum' ? 'bad' : variant === 'no checksum' ? 'none' : 'good',
        fcs: variant === 'content size off' ? content + 1 : undefined,
        blockSize: variant === 'block too big' ? 128 * 1024 + 1 : variant === 'small blocks' ? 1 + r.int(5000) : undefined,
      });
      return mut(`replaced by a hand-made frame (${['zeros', 'one byte', 'pattern'][fill]}, ${variant})`, splice(s.bytes, c.dataAt, c.clen, frame, lens));
    }
  }
}

const NAMES = Object.keys(OPS).filter((k) => k !== 'multi');
const TOTAL = NAMES.reduce((a, k) => a + OPS[k].weight, 0);

function pickOp(r: Rand): string {
  let x = r.int(TOTAL);
  for (const k of NAMES) {
    x -= OPS[k].weight;
    if (x < 0) return k;
  }
  return NAMES[0];
}

/** One mutant of `seed` (sometimes two or three mutations in a row: kind 'multi'). */
export function mutate(r: Rand, seed: Seed, others: Seed[]): Mutant {
  const steps = r.chance(0.1) ? 2 + r.int(2) : 1;
  let cur = seed;
  const whats: string[] = [];
  let last: Mutant | null = null;
  for (let k = 0; k < steps; k++) {
    let m: Mutant | null = null;
    for (let tries = 0; !m && tries < 20; tries++) m = OPS[pickOp(r)].op(r, cur, others);
    if (!m) break;
    whats.push(`${m.kind}: ${m.what}`);
    last = m;
    if (k + 1 < steps) {
      try {
        cur = seedOf(seed.name, m.bytes); // a further mutation needs the new layout
      } catch {
        break; // no longer walkable: stop here
      }
    }
  }
  if (!last) throw new Error(`no mutation applies to ${seed.name}`);
  return whats.length > 1 ? { kind: 'multi', what: whats.join('; '), bytes: last.bytes } : last;
}
