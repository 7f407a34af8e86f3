/**
 * Snapshot fuzzing: the TypeScript reader's side, in a worker thread so that the test can stop it
 * when one snapshot takes too long (a hang). Messages { id, bytes } get { id, verdict, text }:
 * 'ok' with the same summary the C checker prints (runtime/fuzz/snapshot_check.c), 'decode' or
 * 'memory' with the reader's SnapshotError, or 'crash' with any other exception.
 */
import { parentPort } from 'node:worker_threads';
import { crc32 } from 'node:zlib';
import { inflateChunk, parseSnapshot, SnapshotError, type Snapshot, type SnapshotValue } from '../../compiler-core/src/index';

export type Verdict = 'ok' | 'decode' | 'memory' | 'crash' | 'hang';
export interface Judgement { verdict: Verdict; text: string }

const TYPE_CODES: Record<SnapshotValue['type'], number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b, funcref: 0x70, externref: 0x6f };

function valueBytes(v: SnapshotValue): Buffer {
  const b = Buffer.alloc(v.type === 'v128' ? 17 : v.type === 'i64' || v.type === 'f64' ? 9 : 5);
  b[0] = TYPE_CODES[v.type];
  switch (v.type) {
    case 'i32': b.writeInt32LE(v.value, 1); break;
    case 'i64': b.writeBigInt64LE(v.value, 1); break;
    case 'f32': b.writeUInt32LE(v.bits, 1); break;
    case 'f64': b.writeBigUInt64LE(v.bits, 1); break;
    case 'v128': Buffer.from(v.bytes).copy(b, 1); break;
    default: b.writeUInt32LE(v.index ?? 0xffffffff, 1);
  }
  return b;
}

const hex8 = (v: number) => v.toString(16).padStart(8, '0');
const z = (s: string) => Buffer.from(`${s}\0`);

/** The C checker's summary line, from the TypeScript reader's result. */
export function summary(s: Snapshot, memory: Uint8Array[]): string {
  let mem = 0;
  for (const m of memory) mem = crc32(m, mem);
  let c = 0;
  for (const f of s.frames) {
    const h = Buffer.alloc(12);
    h.writeUInt32LE(f.funcIndex, 0);
    h.writeBigUInt64LE(f.pointId, 4);
    c = crc32(h, c);
    for (const v of [...f.locals, ...f.stack]) c = crc32(valueBytes(v), c);
  }
  for (const v of s.globals) c = crc32(valueBytes(v), c);
  for (const t of s.tables) {
    const e = Buffer.alloc(4 * t.elements.length);
    t.elements.forEach((x, i) => e.writeUInt32LE(x ?? 0xffffffff, 4 * i));
    c = crc32(e, c);
  }
  for (const a of s.wasi.args) c = crc32(z(a), c);
  for (const a of s.wasi.env) c = crc32(z(a), c);
  for (const p of s.wasi.preopens) { c = crc32(z(p.guestPath), c); c = crc32(z(p.hostPath), c); }
  for (const f of s.wasi.files) {
    c = crc32(z(f.path), c);
    const o = Buffer.alloc(8);
    o.writeBigUInt64LE(f.offset);
    c = crc32(o, c);
  }
  return `arch=${s.info.arch === 'x86_64' ? 1 : 2} seq=${s.info.sequence} frames=${s.frames.length} globals=${s.globals.length} ` +
    `tables=${s.tables.length} pages=${s.memory.pages} max=${s.memory.maxPages ?? 0xffffffff} chunks=${s.memory.chunks.length} ` +
    `memory=${hex8(mem)} data=${s.segments.dataDropped.length} elem=${s.segments.elemDropped.length} args=${s.wasi.args.length} ` +
    `env=${s.wasi.env.length} preopens=${s.wasi.preopens.length} files=${s.wasi.files.length} native=${s.native?.length ?? 0} contents=${hex8(c)}`;
}

/** Everything `wanco snapshot inspect` checks: parseSnapshot, then every memory chunk. */
export function judge(bytes: Uint8Array, file = 'mutant.wsnap'): Judgement {
  let stage: Verdict = 'decode';
  try {
    const s = parseSnapshot(bytes, file);
    stage = 'memory';
    const memory = s.memory.chunks.map((c) => inflateChunk(s, c));
    return { verdict: 'ok', text: summary(s, memory) };
  } catch (e) {
    if (e instanceof SnapshotError) return { verdict: stage, text: e.message };
    return { verdict: 'crash', text: `${(e as Error).name}: ${(e as Error).message}\n${(e as Error).stack ?? ''}` };
  }
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (m: { id: number; bytes: Uint8Array }) => {
    port.postMessage({ id: m.id, ...judge(m.bytes) });
  });
}
