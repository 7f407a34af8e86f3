/**
 * Reads a wanco snapshot (docs/snapshot-format.md) into plain objects, checking
 * every field: a damaged file gives a SnapshotError naming the place and what is
 * wrong, never an exception of another kind. Used by `wanco snapshot inspect`
 * and by the debug adapter's post-mortem sessions.
 */
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { decompress } from 'fzstd';
import { WancoError } from '../wasm/errors';
import type { ValType } from '../wasm/types';

export const SNAPSHOT_MAGIC = 'WANCOSNP';
export const SNAPSHOT_VERSION = 1;
const HEADER_SIZE = 64;
const PAGE = 65536;
const NULL_REF = 0xffffffff;

export class SnapshotError extends WancoError {
  constructor(readonly file: string, readonly offset: number | undefined, readonly reason: string) {
    super(offset === undefined ? `${file}: ${reason}` : `${file}:0x${offset.toString(16)}: ${reason}`);
  }
}

export type SnapshotValue =
  | { type: 'i32'; value: number }
  | { type: 'i64'; value: bigint }
  | { type: 'f32'; bits: number }
  | { type: 'f64'; bits: bigint }
  | { type: 'v128'; bytes: Uint8Array }
  | { type: 'funcref' | 'externref'; index: number | null };

export interface SnapshotFrame {
  funcIndex: number;
  pointId: bigint;
  locals: SnapshotValue[];
  stack: SnapshotValue[];
}

export interface SnapshotTable {
  size: number;
  max: number | null;
  elemType: 'funcref' | 'externref';
  elements: (number | null)[];
}

export interface MemoryChunk {
  firstPage: number;
  pageCount: number;
  /** file offset and length of the zstd frame, decompressed on demand */
  offset: number;
  length: number;
}

export interface SnapshotFile {
  fd: number;
  kind: 'file' | 'directory';
  preopenFd: number;
  path: string;
  oflags: number;
  fdflags: number;
  rightsBase: bigint;
  rightsInheriting: bigint;
  offset: bigint;
}

export interface NativeLocation {
  kind: 'register' | 'direct' | 'indirect' | 'constant' | 'constant-index';
  size: number;
  dwarfReg: number;
  offset: number;
}

export interface Snapshot {
  file: string;
  version: number;
  moduleHash: Uint8Array;
  info: { arch: 'x86_64' | 'aarch64'; abiVersion: number; timeNs: bigint; reason: number; sequence: number };
  frames: SnapshotFrame[];
  globals: SnapshotValue[];
  tables: SnapshotTable[];
  memory: { pages: number; maxPages: number | null; chunks: MemoryChunk[] };
  segments: { dataDropped: boolean[]; elemDropped: boolean[] };
  wasi: {
    args: string[];
    env: string[];
    preopens: { fd: number; guestPath: string; hostPath: string }[];
    files: SnapshotFile[];
  };
  native?: { returnAddress: bigint; locations: NativeLocation[] }[];
  /** the raw file, for memory reads */
  bytes: Uint8Array;
}

const TYPE_CODES: Record<number, ValType> = {
  0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref',
};
const REASONS: Record<number, string> = { 1: 'signal', 2: 'control socket', 3: 'checkpoint point', 4: 'exit request' };
const LOCATION_KINDS: NativeLocation['kind'][] = ['register', 'direct', 'indirect', 'constant', 'constant-index'];

export function reasonText(reason: number): string {
  return REASONS[reason] ?? `unknown (${reason})`;
}

/** A bounds-checked little-endian cursor over one region of the file. */
class Cursor {
  private readonly dv: DataView;
  constructor(private readonly file: string, readonly bytes: Uint8Array, public pos: number, readonly end: number,
    private readonly where: string) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(reason: string, at = this.pos): never {
    throw new SnapshotError(this.file, at, `${this.where}: ${reason}`);
  }

  need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.end) this.fail(`truncated ${what} (needs ${n} bytes, ${this.end - this.pos} left)`);
  }

  u8(what: string): number { this.need(1, what); return this.bytes[this.pos++]; }
  u16(what: string): number { this.need(2, what); const v = this.dv.getUint16(this.pos, true); this.pos += 2; return v; }
  u32(what: string): number { this.need(4, what); const v = this.dv.getUint32(this.pos, true); this.pos += 4; return v; }
  i32(what: string): number { this.need(4, what); const v = this.dv.getInt32(this.pos, true); this.pos += 4; return v; }
  u64(what: string): bigint { this.need(8, what); const v = this.dv.getBigUint64(this.pos, true); this.pos += 8; return v; }
  take(n: number, what: string): Uint8Array { this.need(n, what); const b = this.bytes.subarray(this.pos, this.pos + n); this.pos += n; return b; }

  /** A count whose items need at least `minItemSize` bytes each: rejects impossible counts early. */
  count(what: string, minItemSize: number): number {
    const at = this.pos;
    const n = this.u32(`${what} count`);
    if (n * minItemSize > this.end - this.pos) this.fail(`${what} count ${n} exceeds the section`, at);
    return n;
  }

  string(what: string): string {
    const n = this.u32(`${what} length`);
    const b = this.take(n, what);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(b);
    } catch {
      return this.fail(`${what} is not valid UTF-8`);
    }
  }

  value(what: string): SnapshotValue {
    const at = this.pos;
    const code = this.u8(`${what} type`);
    const type = TYPE_CODES[code];
    if (!type) this.fail(`${what}: unknown value type 0x${code.toString(16)}`, at);
    switch (type) {
      case 'i32': return { type, value: this.i32(what) };
      case 'i64': return { type, value: BigInt.asIntN(64, this.u64(what)) };
      case 'f32': return { type, bits: this.u32(what) };
      case 'f64': return { type, bits: this.u64(what) };
      case 'v128': return { type, bytes: this.take(16, what).slice() };
      default: {
        const idx = this.u32(what);
        return { type, index: idx === NULL_REF ? null : idx };
      }
    }
  }

  done(): void {
    if (this.pos !== this.end) this.fail(`${this.end - this.pos} unexpected bytes at the end`);
  }
}

export function readSnapshotFile(path: string): Snapshot {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new SnapshotError(path, undefined, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseSnapshot(bytes, path);
}

export function parseSnapshot(bytes: Uint8Array, file: string): Snapshot {
  if (bytes.length < HEADER_SIZE) throw new SnapshotError(file, undefined, `not a wanco snapshot: ${bytes.length} bytes, shorter than the 64-byte header`);
  const h = new Cursor(file, bytes, 0, HEADER_SIZE, 'header');
  const magic = Buffer.from(h.take(8, 'magic')).toString('latin1');
  if (magic !== SNAPSHOT_MAGIC) throw new SnapshotError(file, 0, 'not a wanco snapshot (bad magic)');
  const headerCrc = new DataView(bytes.buffer, bytes.byteOffset).getUint32(60, true);
  if (crc32(bytes.subarray(0, 60)) !== headerCrc) throw new SnapshotError(file, 60, 'header checksum mismatch (the header is corrupted)');
  const version = h.u32('version');
  if (version !== SNAPSHOT_VERSION) throw new SnapshotError(file, 8, `unsupported snapshot format version ${version} (this wanco reads version ${SNAPSHOT_VERSION})`);
  const headerSize = h.u32('header size');
  if (headerSize !== HEADER_SIZE) throw new SnapshotError(file, 12, `bad header size ${headerSize}`);
  const moduleHash = h.take(32, 'module hash').slice();
  const bodyLength = h.u64('body length');
  const bodyCrc = h.u32('body checksum');
  if (BigInt(bytes.length - HEADER_SIZE) !== bodyLength) {
    throw new SnapshotError(file, 48, `file is ${bytes.length} bytes but the header says ${HEADER_SIZE + Number(bodyLength)} (truncated or extended)`);
  }
  if (crc32(bytes.subarray(HEADER_SIZE)) !== bodyCrc) throw new SnapshotError(file, 56, 'body checksum mismatch (the file is corrupted)');

  const body = new Cursor(file, bytes, HEADER_SIZE, bytes.length, 'body');
  const sections = new Map<number, Cursor>();
  let lastTag = 0;
  while (body.pos < body.end) {
    const at = body.pos;
    const tag = body.u32('section tag');
    body.u32('section flags');
    const len = body.u64('section length');
    if (len > BigInt(body.end - body.pos)) body.fail(`section ${tag} length ${len} exceeds the file`, at);
    const start = body.pos;
    body.pos += Number(len);
    if (tag >= 100) continue;
    if (tag < 1 || tag > 8) body.fail(`unknown section tag ${tag}`, at);
    if (tag <= lastTag) body.fail(`section ${tag} out of order or repeated`, at);
    lastTag = tag;
    sections.set(tag, new Cursor(file, bytes, start, start + Number(len), SECTION_NAMES[tag]));
  }
  for (let tag = 1; tag <= 7; tag++) {
    if (!sections.has(tag)) throw new SnapshotError(file, undefined, `missing ${SECTION_NAMES[tag]} section`);
  }
  const snap: Snapshot = {
    file, version, moduleHash, bytes,
    info: readInfo(sections.get(1)!),
    frames: readFrames(sections.get(2)!),
    globals: readValues(sections.get(3)!, 'global'),
    tables: readTables(sections.get(4)!),
    memory: readMemorySection(sections.get(5)!),
    segments: readSegments(sections.get(6)!),
    wasi: readWasi(sections.get(7)!),
    native: sections.has(8) ? readNative(sections.get(8)!) : undefined,
  };
  return snap;
}

const SECTION_NAMES: Record<number, string> = {
  1: 'INFO', 2: 'FRAMES', 3: 'GLOBALS', 4: 'TABLES', 5: 'MEMORY', 6: 'SEGMENTS', 7: 'WASI', 8: 'NATIVE',
};

function readInfo(c: Cursor): Snapshot['info'] {
  const archCode = c.u8('arch');
  if (archCode !== 1 && archCode !== 2) c.fail(`unknown source architecture ${archCode}`);
  c.take(3, 'padding');
  const info = {
    arch: archCode === 1 ? 'x86_64' as const : 'aarch64' as const,
    abiVersion: c.u32('ABI version'),
    timeNs: c.u64('time'),
    reason: c.u32('reason'),
    sequence: c.u32('sequence number'),
  };
  c.done();
  return info;
}

function readFrames(c: Cursor): SnapshotFrame[] {
  const n = c.count('frame', 24);
  const frames: SnapshotFrame[] = [];
  for (let i = 0; i < n; i++) {
    const funcIndex = c.u32(`frame ${i} function`);
    c.u32(`frame ${i} padding`);
    const pointId = c.u64(`frame ${i} point`);
    if (Number(pointId >> 32n) !== funcIndex) c.fail(`frame ${i}: point 0x${pointId.toString(16)} is not in function ${funcIndex}`);
    const nl = c.count(`frame ${i} local`, 5);
    const ns = c.count(`frame ${i} stack value`, 5);
    const locals = Array.from({ length: nl }, (_, k) => c.value(`frame ${i} local ${k}`));
    const stack = Array.from({ length: ns }, (_, k) => c.value(`frame ${i} stack value ${k}`));
    frames.push({ funcIndex, pointId, locals, stack });
  }
  c.done();
  return frames;
}

function readValues(c: Cursor, what: string): SnapshotValue[] {
  const n = c.count(what, 5);
  const values = Array.from({ length: n }, (_, i) => c.value(`${what} ${i}`));
  c.done();
  return values;
}

function readTables(c: Cursor): SnapshotTable[] {
  const n = c.count('table', 12);
  const tables: SnapshotTable[] = [];
  for (let i = 0; i < n; i++) {
    const size = c.u32(`table ${i} size`);
    const max = c.u32(`table ${i} max`);
    const code = c.u8(`table ${i} element type`);
    if (code !== 0x70 && code !== 0x6f) c.fail(`table ${i}: bad element type 0x${code.toString(16)}`);
    c.take(3, 'padding');
    if (max !== NULL_REF && size > max) c.fail(`table ${i}: size ${size} above its maximum ${max}`);
    c.need(size * 4, `table ${i} elements`);
    const elements = Array.from({ length: size }, () => {
      const v = c.u32('element');
      return v === NULL_REF ? null : v;
    });
    tables.push({ size, max: max === NULL_REF ? null : max, elemType: code === 0x70 ? 'funcref' : 'externref', elements });
  }
  c.done();
  return tables;
}

function readMemorySection(c: Cursor): Snapshot['memory'] {
  const pages = c.u32('page count');
  const max = c.u32('max pages');
  if (pages > 65536) c.fail(`page count ${pages} above 65536`);
  if (max !== NULL_REF && pages > max) c.fail(`page count ${pages} above the maximum ${max}`);
  const n = c.count('chunk', 12);
  const chunks: MemoryChunk[] = [];
  let nextPage = 0;
  for (let i = 0; i < n; i++) {
    const firstPage = c.u32(`chunk ${i} first page`);
    const pageCount = c.u32(`chunk ${i} page count`);
    const length = c.u32(`chunk ${i} length`);
    if (pageCount === 0 || firstPage < nextPage || firstPage + pageCount > pages) {
      c.fail(`chunk ${i}: pages ${firstPage}..${firstPage + pageCount} overlap, are out of order or beyond the memory`);
    }
    nextPage = firstPage + pageCount;
    const offset = c.pos;
    c.take(length, `chunk ${i} data`);
    chunks.push({ firstPage, pageCount, offset, length });
  }
  c.done();
  return { pages, maxPages: max === NULL_REF ? null : max, chunks };
}

function readSegments(c: Cursor): Snapshot['segments'] {
  const flags = (what: string) => {
    const n = c.count(what, 1);
    return Array.from({ length: n }, () => {
      const b = c.u8(what);
      if (b > 1) c.fail(`${what}: bad dropped flag ${b}`);
      return b === 1;
    });
  };
  const dataDropped = flags('data segment');
  const elemDropped = flags('element segment');
  c.done();
  return { dataDropped, elemDropped };
}

function readWasi(c: Cursor): Snapshot['wasi'] {
  const strings = (what: string) => Array.from({ length: c.count(what, 4) }, (_, i) => c.string(`${what} ${i}`));
  const args = strings('argument');
  const env = strings('environment variable');
  const preopens = Array.from({ length: c.count('preopen', 12) }, (_, i) => ({
    fd: c.u32(`preopen ${i} fd`), guestPath: c.string(`preopen ${i} guest path`), hostPath: c.string(`preopen ${i} host path`),
  }));
  const files = Array.from({ length: c.count('open file', 48) }, (_, i): SnapshotFile => {
    const fd = c.u32(`file ${i} fd`);
    const kind = c.u8(`file ${i} kind`);
    if (kind !== 1 && kind !== 2) c.fail(`file ${i}: bad kind ${kind}`);
    c.take(3, 'padding');
    return {
      fd, kind: kind === 1 ? 'file' : 'directory', preopenFd: c.u32(`file ${i} preopen`), path: c.string(`file ${i} path`),
      oflags: c.u32(`file ${i} oflags`), fdflags: c.u32(`file ${i} fdflags`), rightsBase: c.u64(`file ${i} rights`),
      rightsInheriting: c.u64(`file ${i} inheriting rights`), offset: c.u64(`file ${i} offset`),
    };
  });
  c.done();
  return { args, env, preopens, files };
}

function readNative(c: Cursor): Snapshot['native'] {
  const frames = Array.from({ length: c.count('native frame', 12) }, () => {
    const returnAddress = c.u64('return address');
    const locations = Array.from({ length: c.count('location', 8) }, (): NativeLocation => {
      const k = c.u8('location kind');
      if (k < 1 || k > 5) c.fail(`bad location kind ${k}`);
      return { kind: LOCATION_KINDS[k - 1], size: c.u8('size'), dwarfReg: c.u16('register'), offset: c.i32('offset') };
    });
    return { returnAddress, locations };
  });
  c.done();
  return frames;
}

/** Decompresses one memory chunk, a zstd frame (validated: exactly pageCount pages). */
export function inflateChunk(snap: Snapshot, chunk: MemoryChunk): Uint8Array {
  let out: Uint8Array;
  try {
    // fzstd (pure JS): Node 20's zlib has no zstd.
    out = decompress(snap.bytes.subarray(chunk.offset, chunk.offset + chunk.length), new Uint8Array(chunk.pageCount * PAGE));
  } catch (e) {
    throw new SnapshotError(snap.file, chunk.offset, `memory chunk at page ${chunk.firstPage} does not decompress: ${(e as Error).message}`);
  }
  if (out.length !== chunk.pageCount * PAGE) {
    throw new SnapshotError(snap.file, chunk.offset, `memory chunk at page ${chunk.firstPage} decompresses to ${out.length} bytes, expected ${chunk.pageCount * PAGE}`);
  }
  return out;
}

/** Reads `length` bytes of linear memory at `address` (pages not stored are zero). */
export function readMemory(snap: Snapshot, address: number, length: number): Uint8Array {
  const out = new Uint8Array(Math.max(0, Math.min(length, snap.memory.pages * PAGE - address)));
  for (const chunk of snap.memory.chunks) {
    const start = chunk.firstPage * PAGE;
    const end = start + chunk.pageCount * PAGE;
    if (end <= address || start >= address + out.length) continue;
    const data = inflateChunk(snap, chunk);
    const from = Math.max(address, start);
    const to = Math.min(address + out.length, end);
    out.set(data.subarray(from - start, to - start), from - address);
  }
  return out;
}
