/**
 * Reads a wanco snapshot (docs/snapshot-format.md) into plain objects, checking every rule of the
 * format: a damaged file gives a SnapshotError naming the file, the offset and what is wrong, never
 * an exception of another kind. The rules are the same ones the C runtime applies on --restore
 * (runtime/src/snapshot_read.c); test/fuzz/snapshots.test.ts runs both readers on mutated snapshots
 * and fails when they disagree. parseSnapshot checks everything but the contents of the memory
 * chunks' zstd blocks, like the runtime's decoding; verifyMemory (format.ts) or inflateChunk check
 * those, like the runtime's restore. Used by `wanco snapshot inspect` and the debug adapter's
 * post-mortem sessions.
 */
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { WancoError } from '../wasm/errors';
import {
  ARCHS, BLOCK_MAX, EXTERNREF, FILE_KINDS, FUNCREF, HEADER_SIZE, LOCATION_KINDS, MAX_FD, MAX_PAGES, MAX_WINDOW_LOG,
  MIN_FD, NULL_REF, PAGE_SIZE, REASONS, SECTION, SECTION_NAMES, SKIPPED_TAGS, SNAPSHOT_MAGIC, SNAPSHOT_VERSION,
  VALUE_TYPES,
} from './rules';
import { decompressFrame, ZstdError } from './zstd';
import { pointFunc, pointIdText } from '../cr/points';

export { SNAPSHOT_MAGIC, SNAPSHOT_VERSION } from './rules';

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

export function reasonText(reason: number): string {
  return REASONS[reason] ?? `unknown (${reason})`;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A bounds-checked little-endian cursor over one section of the file. */
class Cursor {
  private readonly dv: DataView;
  constructor(private readonly file: string, readonly bytes: Uint8Array, public pos: number, readonly end: number,
    private readonly where: string) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** "<SECTION> section: <what is wrong>" at file offset `at` (where the bad item starts) */
  fail(reason: string, at = this.pos): never {
    throw new SnapshotError(this.file, at, `${this.where} section: ${reason}`);
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

  /** n bytes of padding, which must be zero */
  pad(n: number, what: string): void {
    const at = this.pos;
    const b = this.take(n, what);
    const i = b.findIndex((x) => x !== 0);
    if (i >= 0) this.fail(`${what}: padding byte ${i} is 0x${b[i].toString(16).padStart(2, '0')}, must be 0`, at);
  }

  /** A count whose items need at least `minItemSize` bytes each: rejects impossible counts early. */
  count(what: string, minItemSize: number): number {
    const at = this.pos;
    const n = this.u32(what);
    if (n * minItemSize > this.end - this.pos) this.fail(`${what} ${n} exceeds the remaining ${this.end - this.pos} bytes`, at);
    return n;
  }

  /** u32 length + UTF-8 without NUL */
  string(what: string): string {
    const at = this.pos;
    const n = this.u32(`${what} length`);
    if (n > this.end - this.pos) this.fail(`${what} length ${n} exceeds the remaining ${this.end - this.pos} bytes`, at);
    const b = this.take(n, what);
    if (b.includes(0)) this.fail(`${what} contains a NUL byte`, at);
    try {
      return utf8.decode(b);
    } catch {
      return this.fail(`${what} is not valid UTF-8`, at);
    }
  }

  value(what: string): SnapshotValue {
    const at = this.pos;
    const code = this.u8(`${what} type`);
    const type = VALUE_TYPES[code];
    if (!type) this.fail(`${what} has unknown value type 0x${code.toString(16).padStart(2, '0')}`, at);
    switch (type) {
      case 'i32': return { type, value: this.i32(what) };
      case 'i64': return { type, value: BigInt.asIntN(64, this.u64(what)) };
      case 'f32': return { type, bits: this.u32(what) };
      case 'f64': return { type, bits: this.u64(what) };
      case 'v128': return { type, bytes: this.take(16, what).slice() };
      default: {
        const idx = this.u32(what);
        if (type === 'externref' && idx !== NULL_REF) this.fail(`${what} is a non-null externref (0x${idx.toString(16)}), which cannot be saved`, at);
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
    throw new SnapshotError(file, 48, `file is ${bytes.length} bytes but the header says ${BigInt(HEADER_SIZE) + bodyLength} (truncated or extended)`);
  }
  if (crc32(bytes.subarray(HEADER_SIZE)) !== bodyCrc) throw new SnapshotError(file, 56, 'body checksum mismatch (the file is corrupted)');

  const body = new Cursor(file, bytes, HEADER_SIZE, bytes.length, 'body');
  const sections = new Map<number, Cursor>();
  let last = 0; // the last known section; the next one must be last + 1
  while (body.pos < body.end) {
    const at = body.pos;
    const tag = body.u32('section header');
    const flags = body.u32('section header');
    const len = body.u64('section header');
    if (len > BigInt(body.end - body.pos)) body.fail(`section ${tag} length ${len} exceeds the remaining ${body.end - body.pos} bytes`, at);
    if (flags !== 0) body.fail(`section ${tag} has flags 0x${flags.toString(16)} (must be 0)`, at);
    const start = body.pos;
    body.pos += Number(len);
    if (tag >= SKIPPED_TAGS) continue;
    if (tag < SECTION.INFO || tag > SECTION.NATIVE) body.fail(`unknown section tag ${tag}`, at);
    if (tag !== last + 1) {
      if (last === SECTION.NATIVE) body.fail(`section ${SECTION_NAMES[tag]} (${tag}) after NATIVE, the last section`, at);
      else if (tag <= last) body.fail(`section ${SECTION_NAMES[tag]} (${tag}) repeated or out of order (after ${SECTION_NAMES[last]})`, at);
      else body.fail(`section ${SECTION_NAMES[tag]} (${tag}) where ${SECTION_NAMES[last + 1]} (${last + 1}) was expected`, at);
    }
    last = tag;
    sections.set(tag, new Cursor(file, bytes, start, start + Number(len), SECTION_NAMES[tag]));
  }
  if (last < SECTION.WASI) throw new SnapshotError(file, undefined, `section ${SECTION_NAMES[last + 1]} (${last + 1}) is missing`);
  const frames = readFrames(sections.get(SECTION.FRAMES)!);
  const snap: Snapshot = {
    file, version, moduleHash, bytes,
    info: readInfo(sections.get(SECTION.INFO)!),
    frames,
    globals: readValues(sections.get(SECTION.GLOBALS)!, 'global'),
    tables: readTables(sections.get(SECTION.TABLES)!),
    memory: readMemorySection(sections.get(SECTION.MEMORY)!),
    segments: readSegments(sections.get(SECTION.SEGMENTS)!),
    wasi: readWasi(sections.get(SECTION.WASI)!),
    native: sections.has(SECTION.NATIVE) ? readNative(sections.get(SECTION.NATIVE)!, frames) : undefined,
  };
  return snap;
}

function readInfo(c: Cursor): Snapshot['info'] {
  const at = c.pos;
  const archCode = c.u8('arch');
  c.pad(3, 'arch');
  const info = {
    arch: ARCHS[archCode],
    abiVersion: c.u32('ABI version'),
    timeNs: c.u64('time'),
    reason: c.u32('reason'),
    sequence: c.u32('sequence number'),
  };
  if (!info.arch) c.fail(`unknown source architecture ${archCode}`, at);
  if (!REASONS[info.reason]) c.fail(`unknown reason ${info.reason}`, at + 16);
  if (info.sequence === 0) c.fail('sequence number 0 (the first checkpoint of a run is 1)', at + 20);
  c.done();
  return info;
}

function readFrames(c: Cursor): SnapshotFrame[] {
  const n = c.count('frame count', 24);
  if (n === 0) c.fail('no frames (there is at least the entry function\'s)', c.pos - 4);
  const frames: SnapshotFrame[] = [];
  for (let i = 0; i < n; i++) {
    const at = c.pos;
    const funcIndex = c.u32(`frame ${i}`);
    c.pad(4, `frame ${i}`);
    const pointId = c.u64(`frame ${i}`);
    const nl = c.u32(`frame ${i}`);
    const ns = c.u32(`frame ${i}`);
    if ((nl + ns) * 5 > c.end - c.pos) c.fail(`frame ${i}: ${nl + ns} values exceed the remaining ${c.end - c.pos} bytes`, at);
    if (pointFunc(pointId) !== funcIndex) c.fail(`frame ${i}: point ${pointIdText(pointId)} does not belong to function ${funcIndex}`, at);
    const locals = Array.from({ length: nl }, (_, k) => c.value(`frame ${i} local ${k}`));
    const stack = Array.from({ length: ns }, (_, k) => c.value(`frame ${i} stack value ${k}`));
    frames.push({ funcIndex, pointId, locals, stack });
  }
  c.done();
  return frames;
}

function readValues(c: Cursor, what: string): SnapshotValue[] {
  const n = c.count(`${what} count`, 5);
  const values = Array.from({ length: n }, (_, i) => c.value(`${what} ${i}`));
  c.done();
  return values;
}

function readTables(c: Cursor): SnapshotTable[] {
  const n = c.count('table count', 12);
  const tables: SnapshotTable[] = [];
  for (let i = 0; i < n; i++) {
    const at = c.pos;
    const size = c.u32(`table ${i}`);
    const max = c.u32(`table ${i}`);
    const code = c.u8(`table ${i}`);
    c.pad(3, `table ${i}`);
    if (code !== FUNCREF && code !== EXTERNREF) c.fail(`table ${i} has element type 0x${code.toString(16).padStart(2, '0')}`, at);
    if (max !== NULL_REF && size > max) c.fail(`table ${i}: size ${size} > max ${max}`, at);
    if (size * 4 > c.end - c.pos) c.fail(`table ${i}: ${size} entries exceed the remaining ${c.end - c.pos} bytes`, at);
    const elements = Array.from({ length: size }, (_, k) => {
      const v = c.u32(`table ${i}`);
      if (code === EXTERNREF && v !== NULL_REF) c.fail(`table ${i} element ${k} is a non-null externref (0x${v.toString(16)}), which cannot be saved`, c.pos - 4);
      return v === NULL_REF ? null : v;
    });
    tables.push({ size, max: max === NULL_REF ? null : max, elemType: code === FUNCREF ? 'funcref' : 'externref', elements });
  }
  c.done();
  return tables;
}

function le(b: Uint8Array, p: number, n: number): bigint {
  let v = 0n;
  for (let i = n; i-- > 0;) v = (v << 8n) | BigInt(b[p + i]);
  return v;
}

/**
 * The frame rules of a memory chunk that need no decompression (docs/snapshot-format.md, MEMORY):
 * the frame header, the block headers and the trailing checksum. null when they hold, else what is
 * wrong. The same function as chunk_frame_problem in runtime/src/snapshot_read.c.
 */
function chunkFrameProblem(p: Uint8Array, n: number, content: number): string | null {
  if (n < 5 || le(p, 0, 4) !== 0xfd2fb528n) return 'not a zstd frame (no frame magic 28 b5 2f fd)';
  const fhd = p[4];
  const fcsFlag = fhd >> 6, single = (fhd >> 5) & 1, checksum = (fhd >> 2) & 1, dict = fhd & 3;
  if (fhd & 0x18) return `frame header descriptor 0x${fhd.toString(16).padStart(2, '0')} has its unused or reserved bit set`;
  if (!checksum) return 'frame has no content checksum';
  if (dict) return 'frame names a dictionary';
  const fcsSize = fcsFlag ? 1 << fcsFlag : single;
  if (!fcsSize) return 'frame does not state its content size';
  const hsize = 5 + (single ? 0 : 1) + fcsSize;
  if (n < hsize) return `frame header truncated (${n} of ${hsize} bytes)`;
  let window = 0;
  if (!single) {
    const exp = p[5] >> 3, mant = p[5] & 7, wlog = 10 + exp;
    if (wlog > MAX_WINDOW_LOG) return `window of 2^${wlog} bytes is larger than 2^${MAX_WINDOW_LOG}`;
    window = 2 ** wlog + (2 ** wlog / 8) * mant;
  }
  const fcs = le(p, 5 + (single ? 0 : 1), fcsSize) + (fcsSize === 2 ? 256n : 0n);
  if (single) window = Number(fcs);
  if (fcs !== BigInt(content)) return `frame content size ${fcs}, expected ${content}`;
  const blockMax = Math.min(window, BLOCK_MAX);
  let bound = 0;
  let pos = hsize;
  for (let b = 0; ; b++) {
    if (n - pos < 3) return `block ${b} header truncated at frame offset ${pos}`;
    const hdr = p[pos] | (p[pos + 1] << 8) | (p[pos + 2] << 16);
    const type = (hdr >> 1) & 3, size = hdr >>> 3;
    if (type === 3) return `block ${b} at frame offset ${pos} has the reserved block type`;
    if (size > blockMax) return `block ${b} at frame offset ${pos}: size ${size} exceeds the block maximum ${blockMax}`;
    const payload = type === 1 ? 1 : size;
    if (n - pos - 3 < payload) return `block ${b} at frame offset ${pos}: ${payload} payload bytes, ${n - pos - 3} left`;
    bound += type === 2 ? BLOCK_MAX : size;
    pos += 3 + payload;
    if (hdr & 1) break;
  }
  if (n - pos !== 4) return `${n - pos} bytes after the last block, expected the 4-byte content checksum`;
  if (bound < content) return `blocks can hold at most ${bound} bytes, fewer than the content size`;
  return null;
}

function readMemorySection(c: Cursor): Snapshot['memory'] {
  let at = c.pos;
  const pages = c.u32('page count');
  const max = c.u32('max pages');
  const n = c.count('chunk count', 12);
  if (pages > MAX_PAGES) c.fail(`${pages} pages exceed 4 GiB`, at);
  if (max !== NULL_REF && max > MAX_PAGES) c.fail(`maximum of ${max} pages exceeds 4 GiB`, at);
  if (max !== NULL_REF && pages > max) c.fail(`${pages} pages exceed the maximum ${max}`, at);
  const chunks: MemoryChunk[] = [];
  let nextPage = 0;
  for (let i = 0; i < n; i++) {
    at = c.pos;
    const firstPage = c.u32(`chunk ${i}`);
    const pageCount = c.u32(`chunk ${i}`);
    const length = c.u32(`chunk ${i}`);
    if (pageCount === 0) c.fail(`chunk ${i} is empty`, at);
    if (firstPage < nextPage) c.fail(`chunk ${i} (page ${firstPage}) overlaps or is out of order`, at);
    if (firstPage + pageCount > pages) c.fail(`chunk ${i} (pages ${firstPage}..${firstPage + pageCount - 1}) beyond the memory size of ${pages} pages`, at);
    if (length > c.end - c.pos) c.fail(`chunk ${i}: ${length} compressed bytes exceed the remaining ${c.end - c.pos}`, at);
    const offset = c.pos;
    const frame = c.take(length, `chunk ${i}`);
    const bad = chunkFrameProblem(frame, length, pageCount * PAGE_SIZE);
    if (bad) c.fail(`chunk ${i} (pages ${firstPage}..${firstPage + pageCount - 1}): ${bad}`, offset);
    nextPage = firstPage + pageCount;
    chunks.push({ firstPage, pageCount, offset, length });
  }
  c.done();
  return { pages, maxPages: max === NULL_REF ? null : max, chunks };
}

function readSegments(c: Cursor): Snapshot['segments'] {
  const flags = (what: string) => {
    const n = c.count(`${what} count`, 1);
    return Array.from({ length: n }, (_, i) => {
      const b = c.u8(`${what} flags`);
      if (b > 1) c.fail(`${what} ${i} flag ${b}`, c.pos - 1);
      return b === 1;
    });
  };
  const dataDropped = flags('data segment');
  const elemDropped = flags('element segment');
  c.done();
  return { dataDropped, elemDropped };
}

function readWasi(c: Cursor): Snapshot['wasi'] {
  const fdOk = (fd: number) => fd >= MIN_FD && fd <= MAX_FD;
  const args = Array.from({ length: c.count('argument count', 4) }, (_, i) => c.string(`argument ${i}`));
  const env = Array.from({ length: c.count('environment count', 4) }, (_, i) => {
    const at = c.pos;
    const s = c.string(`environment variable ${i}`);
    if (!s.includes('=')) c.fail(`environment variable ${i} has no '='`, at);
    return s;
  });
  const preopens = Array.from({ length: c.count('preopen count', 12) }, (_, i) => {
    const at = c.pos;
    const p = { fd: c.u32(`preopen ${i}`), guestPath: c.string(`preopen ${i} guest path`), hostPath: c.string(`preopen ${i} host path`) };
    if (!fdOk(p.fd)) c.fail(`preopen ${i} has fd ${p.fd} (not ${MIN_FD}..${MAX_FD})`, at);
    return p;
  });
  const files = Array.from({ length: c.count('open file count', 48) }, (_, i): SnapshotFile => {
    const at = c.pos;
    const fd = c.u32(`file ${i}`);
    const kind = c.u8(`file ${i}`);
    c.pad(3, `file ${i}`);
    const preopenFd = c.u32(`file ${i}`);
    const path = c.string(`file ${i} path`);
    const f: SnapshotFile = {
      fd, kind: FILE_KINDS[kind], preopenFd, path,
      oflags: c.u32(`file ${i}`), fdflags: c.u32(`file ${i}`), rightsBase: c.u64(`file ${i}`),
      rightsInheriting: c.u64(`file ${i}`), offset: c.u64(`file ${i}`),
    };
    if (!f.kind) c.fail(`file ${i} has kind ${kind}`, at);
    if (!fdOk(fd)) c.fail(`file ${i} has fd ${fd} (not ${MIN_FD}..${MAX_FD})`, at);
    if (!preopens.some((p) => p.fd === preopenFd)) c.fail(`file ${i} refers to preopen fd ${preopenFd}, which is not listed`, at);
    if (f.offset > 0x7fffffffffffffffn) c.fail(`file ${i} offset ${f.offset} exceeds 2^63-1`, at);
    return f;
  });
  const seen = new Set<number>();
  for (const fd of [...preopens.map((p) => p.fd), ...files.map((f) => f.fd)]) {
    if (seen.has(fd)) c.fail(`fd ${fd} is listed twice`, c.end);
    seen.add(fd);
  }
  c.done();
  return { args, env, preopens, files };
}

function readNative(c: Cursor, frames: SnapshotFrame[]): Snapshot['native'] {
  const at = c.pos;
  const n = c.count('native frame count', 12);
  if (n !== frames.length) c.fail(`${n} native frames for ${frames.length} frames`, at);
  const native = Array.from({ length: n }, (_, i) => {
    const fat = c.pos;
    const returnAddress = c.u64('native frame');
    const nv = c.count('native value count', 8);
    const want = frames[i].locals.length + frames[i].stack.length;
    if (nv !== want) c.fail(`native frame ${i} has ${nv} values, frame ${i} has ${want}`, fat);
    const locations = Array.from({ length: nv }, (_, k): NativeLocation => {
      const lat = c.pos;
      const kind = c.u8('location');
      const l = { kind: LOCATION_KINDS[kind as keyof typeof LOCATION_KINDS], size: c.u8('location'), dwarfReg: c.u16('location'), offset: c.i32('location') };
      if (!l.kind) c.fail(`native frame ${i} value ${k} has location kind ${kind}`, lat);
      return l;
    });
    return { returnAddress, locations };
  });
  c.done();
  return native;
}

/** Decompresses one memory chunk, checking its zstd frame the way the runtime's restore does. */
export function inflateChunk(snap: Snapshot, chunk: MemoryChunk): Uint8Array {
  const out = new Uint8Array(chunk.pageCount * PAGE_SIZE);
  try {
    decompressFrame(snap.bytes, chunk.offset, chunk.offset + chunk.length, out);
  } catch (e) {
    if (!(e instanceof ZstdError)) throw e;
    throw new SnapshotError(snap.file, chunk.offset, `MEMORY section: chunk at pages ${chunk.firstPage}..${chunk.firstPage + chunk.pageCount - 1} does not decompress: ${e.message}`);
  }
  return out;
}

/** Reads `length` bytes of linear memory at `address` (pages not stored are zero). */
export function readMemory(snap: Snapshot, address: number, length: number): Uint8Array {
  const out = new Uint8Array(Math.max(0, Math.min(length, snap.memory.pages * PAGE_SIZE - address)));
  for (const chunk of snap.memory.chunks) {
    const start = chunk.firstPage * PAGE_SIZE;
    const end = start + chunk.pageCount * PAGE_SIZE;
    if (end <= address || start >= address + out.length) continue;
    const data = inflateChunk(snap, chunk);
    const from = Math.max(address, start);
    const to = Math.min(address + out.length, end);
    out.set(data.subarray(from - start, to - start), from - address);
  }
  return out;
}
