/**
 * The Wasm-level state a snapshot holds, in a form two snapshots can be compared by: frames with
 * their values, globals, tables, memory (as a digest), segments and WASI state. What depends on
 * the machine that took it (architecture, time, native return addresses and value locations) is
 * left out, so that snapshots of the same moment taken on x86_64 and on aarch64 compare equal.
 */
import { createHash } from 'node:crypto';
import { inflateChunk, readSnapshotFile, type Snapshot, type SnapshotValue } from '../../compiler-core/src/index';

export interface WasmState {
  frames: string[];
  globals: string;
  tables: string;
  memory: string;
  segments: string;
  wasi: string;
}

function valueKey(v: SnapshotValue): string {
  switch (v.type) {
    case 'i32': case 'i64': return `${v.type}:${v.value}`;
    case 'f32': case 'f64': return `${v.type}:0x${v.bits.toString(16)}`;
    case 'v128': return `v128:${Buffer.from(v.bytes).toString('hex')}`;
    default: return `${v.type}:${v.index}`;
  }
}

function json(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

export function wasmState(snap: Snapshot): WasmState {
  const mem = createHash('sha256');
  let page = 0;
  for (const c of snap.memory.chunks) {
    // pages between chunks are zero; the digest covers where each chunk lies, not only its bytes
    mem.update(`@${c.firstPage}:${c.firstPage - page}`);
    mem.update(inflateChunk(snap, c));
    page = c.firstPage + c.pageCount;
  }
  return {
    frames: snap.frames.map((f) =>
      `func ${f.funcIndex} point 0x${f.pointId.toString(16)} locals [${f.locals.map(valueKey).join(', ')}] stack [${f.stack.map(valueKey).join(', ')}]`),
    globals: snap.globals.map(valueKey).join(', '),
    tables: json(snap.tables),
    memory: `${snap.memory.pages} pages (max ${snap.memory.maxPages}) sha256 ${mem.digest('hex')}`,
    segments: json(snap.segments),
    wasi: json(snap.wasi),
  };
}

export function wasmStateOf(file: string): WasmState {
  return wasmState(readSnapshotFile(file));
}

/** Where two states differ, one line each (empty: the same state). */
export function stateDifferences(a: WasmState, b: WasmState, names: [string, string]): string[] {
  const out: string[] = [];
  if (a.frames.length !== b.frames.length) out.push(`${a.frames.length} frames on ${names[0]}, ${b.frames.length} on ${names[1]}`);
  for (let i = 0; i < Math.min(a.frames.length, b.frames.length); i++) {
    if (a.frames[i] !== b.frames[i]) out.push(`frame ${i} (outermost first):\n    ${names[0]}: ${a.frames[i]}\n    ${names[1]}: ${b.frames[i]}`);
  }
  for (const k of ['globals', 'tables', 'memory', 'segments', 'wasi'] as const) {
    if (a[k] !== b[k]) out.push(`${k}:\n    ${names[0]}: ${a[k].slice(0, 400)}\n    ${names[1]}: ${b[k].slice(0, 400)}`);
  }
  return out;
}
