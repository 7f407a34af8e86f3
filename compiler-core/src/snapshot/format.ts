/** Renders snapshots for people (`wanco snapshot inspect`) and as JSON (--json, the debugger). */
import type { Snapshot, SnapshotValue } from './reader';
import { inflateChunk, reasonText } from './reader';
import { decodePointId, pointIdText } from '../cr/points';
import { floatBitsText, valueText } from '../values/text';

/** JSON-safe value: 64-bit integers and bits as strings, so nothing loses precision. */
export function valueJson(v: SnapshotValue): Record<string, unknown> {
  switch (v.type) {
    case 'i32': return { type: v.type, value: v.value };
    case 'i64': return { type: v.type, value: v.value.toString() };
    case 'f32': case 'f64': return { type: v.type, bits: floatBitsText(v), value: valueText(v) };
    case 'v128': return { type: v.type, value: valueText(v) };
    default: return { type: v.type, index: v.index };
  }
}

export interface InspectOptions {
  funcName?: (index: number) => string | undefined;
}

function memoryStats(snap: Snapshot): { storedPages: number; compressedBytes: number } {
  let storedPages = 0;
  let compressedBytes = 0;
  for (const c of snap.memory.chunks) {
    storedPages += c.pageCount;
    compressedBytes += c.length;
  }
  return { storedPages, compressedBytes };
}

export function snapshotJson(snap: Snapshot, opts: InspectOptions = {}): Record<string, unknown> {
  const stats = memoryStats(snap);
  return {
    version: snap.version,
    moduleHash: Buffer.from(snap.moduleHash).toString('hex'),
    arch: snap.info.arch,
    time: new Date(Number(snap.info.timeNs / 1000000n)).toISOString(),
    reason: reasonText(snap.info.reason),
    sequence: snap.info.sequence,
    frames: snap.frames.map((f) => ({
      func: f.funcIndex, name: opts.funcName?.(f.funcIndex) ?? null,
      point: pointIdText(f.pointId), offset: decodePointId(f.pointId).offset,
      locals: f.locals.map(valueJson), stack: f.stack.map(valueJson),
    })),
    globals: snap.globals.map(valueJson),
    tables: snap.tables.map((t) => ({ size: t.size, max: t.max, elemType: t.elemType, elements: t.elements })),
    memory: { pages: snap.memory.pages, maxPages: snap.memory.maxPages, storedPages: stats.storedPages, compressedBytes: stats.compressedBytes },
    segments: snap.segments,
    wasi: {
      args: snap.wasi.args, env: snap.wasi.env, preopens: snap.wasi.preopens,
      files: snap.wasi.files.map((f) => ({ ...f, rightsBase: f.rightsBase.toString(), rightsInheriting: f.rightsInheriting.toString(), offset: f.offset.toString() })),
    },
  };
}

/** Debug builds (--debug-points) place statement and after-call points (tagged ids). */
function debugPointText(id: bigint): string {
  const tag = decodePointId(id).tag;
  return tag === 'statement' ? ' (statement)' : tag === 'after-call' ? ' (after call)' : '';
}

export function snapshotText(snap: Snapshot, opts: InspectOptions = {}): string {
  const out: string[] = [];
  const name = (i: number) => opts.funcName?.(i);
  const stats = memoryStats(snap);
  out.push(`snapshot ${snap.file}`);
  out.push(`  format v${snap.version}, taken on ${snap.info.arch} at ${new Date(Number(snap.info.timeNs / 1000000n)).toISOString()} (${reasonText(snap.info.reason)}, checkpoint #${snap.info.sequence})`);
  out.push(`  module sha256 ${Buffer.from(snap.moduleHash).toString('hex')}`);
  out.push(`frames (${snap.frames.length}, innermost first):`);
  [...snap.frames].reverse().forEach((f, k) => {
    const n = name(f.funcIndex);
    out.push(`  #${k} func ${f.funcIndex}${n ? ` <${n}>` : ''} at 0x${decodePointId(f.pointId).offset.toString(16)}${debugPointText(f.pointId)}`);
    f.locals.forEach((v, i) => out.push(`      local ${i}: ${v.type} = ${valueText(v, name)}`));
    f.stack.forEach((v, i) => out.push(`      stack ${i}: ${v.type} = ${valueText(v, name)}`));
  });
  out.push(`globals (${snap.globals.length}):`);
  snap.globals.forEach((v, i) => out.push(`  ${i}: ${v.type} = ${valueText(v, name)}`));
  snap.tables.forEach((t, i) => {
    const used = t.elements.filter((e) => e !== null).length;
    out.push(`table ${i}: ${t.elemType}, size ${t.size}${t.max !== null ? ` (max ${t.max})` : ''}, ${used} non-null`);
  });
  out.push(`memory: ${snap.memory.pages} pages (${snap.memory.pages * 64} KiB)${snap.memory.maxPages !== null ? `, max ${snap.memory.maxPages}` : ''}; ` +
    `${stats.storedPages} non-zero pages stored in ${snap.memory.chunks.length} chunks, ${stats.compressedBytes} bytes compressed`);
  out.push(`wasi: args ${JSON.stringify(snap.wasi.args)}, ${snap.wasi.env.length} env vars`);
  for (const p of snap.wasi.preopens) out.push(`  preopen fd ${p.fd}: ${p.guestPath} (host ${p.hostPath})`);
  for (const f of snap.wasi.files) out.push(`  fd ${f.fd}: ${f.kind} ${f.path} under fd ${f.preopenFd}, offset ${f.offset}`);
  return out.join('\n') + '\n';
}

/** Checks every memory chunk inflates correctly (inspect validates the whole file). */
export function verifyMemory(snap: Snapshot): void {
  for (const c of snap.memory.chunks) inflateChunk(snap, c);
}
