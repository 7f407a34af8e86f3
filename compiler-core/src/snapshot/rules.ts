/**
 * The numbers of the snapshot format (docs/snapshot-format.md) for the TypeScript reader. The C
 * runtime has the same ones in runtime/src/cr_internal.h and runtime/include/wrt.h;
 * compiler-core/test/snapshot/rules.test.ts reads those headers and the format document and fails
 * when any of the three differs from this file.
 */
import type { ValType } from '../wasm/types';

export const SNAPSHOT_MAGIC = 'WANCOSNP';
/** WSNAP_VERSION */
export const SNAPSHOT_VERSION = 2;
/** WSNAP_HEADER */
export const HEADER_SIZE = 64;
/** WRT_PAGE_SIZE */
export const PAGE_SIZE = 65536;
/** SNAP_NULL_REF: null funcref/externref, "no maximum" of a table or memory */
export const NULL_REF = 0xffffffff;
/** SNAP_MAX_PAGES: 4 GiB */
export const MAX_PAGES = 65536;
/** SNAP_MIN_FD..SNAP_MAX_FD: fds of preopens and open files */
export const MIN_FD = 3;
export const MAX_FD = 1 << 20;
/** SNAP_SKIPPED_TAGS: sections with a tag >= this are skipped unread */
export const SKIPPED_TAGS = 100;
/** SNAP_MAX_WINDOW_LOG: memory chunks, largest zstd window */
export const MAX_WINDOW_LOG = 31;
/** SNAP_BLOCK_MAX: zstd Block_Maximum_Size */
export const BLOCK_MAX = 128 * 1024;

/** enum { SNAP_INFO = 1, ... } */
export const SECTION = { INFO: 1, FRAMES: 2, GLOBALS: 3, TABLES: 4, MEMORY: 5, SEGMENTS: 6, WASI: 7, NATIVE: 8 } as const;
export type SectionName = keyof typeof SECTION;
export const SECTION_NAMES: Record<number, SectionName> = Object.fromEntries(
  Object.entries(SECTION).map(([k, v]) => [v, k as SectionName]));

/** enum wrt_valtype */
export const VALUE_TYPES: Record<number, ValType> = {
  0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref',
};
/** payload bytes of each value type (wrt_valtype_size) */
export const VALUE_SIZES: Record<number, number> = { 0x7f: 4, 0x7e: 8, 0x7d: 4, 0x7c: 8, 0x7b: 16, 0x70: 4, 0x6f: 4 };
export const FUNCREF = 0x70;
export const EXTERNREF = 0x6f;

/** enum { SNAP_REASON_SIGNAL = 1, ... } */
export const REASONS: Record<number, string> = { 1: 'signal', 2: 'control socket', 3: 'checkpoint point', 4: 'exit request' };
/** enum { SNAP_ARCH_X86_64 = 1, SNAP_ARCH_AARCH64 = 2 } */
export const ARCHS: Record<number, 'x86_64' | 'aarch64'> = { 1: 'x86_64', 2: 'aarch64' };
/** enum { SNAP_FILE_REGULAR = 1, SNAP_FILE_DIRECTORY = 2 } */
export const FILE_KINDS: Record<number, 'file' | 'directory'> = { 1: 'file', 2: 'directory' };
/** enum { SM_REGISTER = 1, ... SM_CONSTINDEX = 5 } (LLVM stackmap location kinds) */
export const LOCATION_KINDS = { 1: 'register', 2: 'direct', 3: 'indirect', 4: 'constant', 5: 'constant-index' } as const;
