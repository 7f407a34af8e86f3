/**
 * Migration-point identity: the one definition of a point id and of the point kinds, used by the
 * compiler (which places points), the snapshot reader and writer, the debugger and the language
 * server. The runtime's copy is `runtime/include/wrt.h` (WRT_POINT_* and the WRT_POINT_ID_* macros);
 * `compiler-core/test/cr/points.test.ts` compiles that header and fails when the two disagree.
 *
 * An id is `func_index << 32 | tag | offset`: the Wasm function index, and the byte offset in the
 * whole .wasm file of the instruction the point is at (for an entry point, the offset of the
 * function body: its size LEB). DWARF counts from the code section's content instead.
 * Debug builds add statement and after-call points whose offsets carry a tag bit, so that they
 * never equal an entry, loop or call id at the same instruction.
 */

export enum PointKind { FuncEntry = 1, Loop = 2, Call = 3, Statement = 4, AfterCall = 5 }

/** A kind's name in the runtime's control protocol, the debugger and the CLI. */
export type PointKindName = 'entry' | 'loop' | 'call' | 'statement' | 'after-call';

export const POINT_KIND_NAMES: Readonly<Record<PointKind, PointKindName>> = {
  [PointKind.FuncEntry]: 'entry',
  [PointKind.Loop]: 'loop',
  [PointKind.Call]: 'call',
  [PointKind.Statement]: 'statement',
  [PointKind.AfterCall]: 'after-call',
};

export function pointKindName(kind: number): PointKindName | undefined {
  return POINT_KIND_NAMES[kind as PointKind];
}

export function pointKindFromName(name: string): PointKind | undefined {
  for (const [k, n] of Object.entries(POINT_KIND_NAMES)) if (n === name) return Number(k) as PointKind;
  return undefined;
}

/** Offset tags of debug-build point ids (Wasm offsets stay below 2^30). */
export const STATEMENT_TAG = 0x80000000;
export const AFTER_CALL_TAG = 0x40000000;
export const TAG_MASK = 0xc0000000; // STATEMENT_TAG | AFTER_CALL_TAG, as a positive number
export const MAX_TAGGED_OFFSET = 0x3fffffff;

export type PointTag = 'statement' | 'after-call';

export function pointId(funcIndex: number, offset: number, tag = 0): bigint {
  return (BigInt(funcIndex) << 32n) | BigInt(tag >>> 0) | BigInt(offset >>> 0);
}

export interface DecodedPointId {
  funcIndex: number;
  /** the Wasm code offset, without the tag */
  offset: number;
  tag?: PointTag;
}

export function decodePointId(id: bigint): DecodedPointId {
  const low = Number(id & 0xffffffffn);
  const out: DecodedPointId = { funcIndex: Number((id >> 32n) & 0xffffffffn), offset: low & MAX_TAGGED_OFFSET };
  if (low >= STATEMENT_TAG) out.tag = 'statement';
  else if (low >= AFTER_CALL_TAG) out.tag = 'after-call';
  return out;
}

export function pointFunc(id: bigint): number {
  return Number((id >> 32n) & 0xffffffffn);
}

/** Only debug builds place tagged (statement and after-call) points. */
export function isDebugPoint(id: bigint): boolean {
  return (id & BigInt(TAG_MASK)) !== 0n;
}

/**
 * The functions whose debug points (statement, after-call) some of `ids` are: a debug build that
 * restores a snapshot of frames standing there must give those functions their debug points.
 */
export function debugPointFunctions(ids: Iterable<bigint>): Set<number> {
  const out = new Set<number>();
  for (const id of ids) if (isDebugPoint(id)) out.add(pointFunc(id));
  return out;
}

/** The after-call point of the call point `id` (debug builds: where a step out stops). */
export function afterCallPoint(id: bigint): bigint {
  return (id & ~BigInt(TAG_MASK)) | BigInt(AFTER_CALL_TAG);
}

/** The text form of an id in the runtime's control protocol, snapshots' JSON and the debugger: `0x…`. */
export function pointIdText(id: bigint): string {
  return `0x${id.toString(16)}`;
}

export function parsePointIdText(text: string): bigint {
  if (!/^0x[0-9a-fA-F]{1,16}$/.test(text)) throw new Error(`not a point id: ${JSON.stringify(text)}`);
  return BigInt(text);
}

/** LLVM i64 literal of a point id. */
export function pointIdLlvm(id: bigint): string {
  return BigInt.asIntN(64, id).toString();
}
