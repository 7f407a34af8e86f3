/**
 * The decoded form of a Wasm 2.0 module. The decoder (decoder.ts) produces it;
 * the translator and the C/R instrumentation consume it. Every instruction keeps
 * its byte offset in the binary: migration-point ids and the debugger use it.
 */

export type NumType = 'i32' | 'i64' | 'f32' | 'f64';
export type RefType = 'funcref' | 'externref';
export type ValType = NumType | 'v128' | RefType;

export interface FuncType {
  params: ValType[];
  results: ValType[];
}

/** A function type as the spec writes it (and error messages print it): `[i32 i64] -> [f32]`. */
export function funcTypeText(t: FuncType): string {
  return `[${t.params.join(' ')}] -> [${t.results.join(' ')}]`;
}

export interface Limits {
  min: number;
  /** undefined when the limit has no maximum */
  max?: number;
}

export interface TableType {
  elemType: RefType;
  limits: Limits;
}

export interface GlobalType {
  type: ValType;
  mutable: boolean;
}

export type ImportDesc =
  | { kind: 'func'; typeIndex: number }
  | { kind: 'table'; type: TableType }
  | { kind: 'memory'; limits: Limits }
  | { kind: 'global'; type: GlobalType };

export interface Import {
  module: string;
  name: string;
  desc: ImportDesc;
  /** byte offset of the import entry */
  offset: number;
}

export type ExportKind = 'func' | 'table' | 'memory' | 'global';

export interface Export {
  name: string;
  kind: ExportKind;
  index: number;
  /** byte offset of the export entry */
  offset: number;
}

/**
 * A constant expression (global init, segment offsets, element items). A valid one is a single
 * constant instruction (`kind`); `offset` is the byte offset of that instruction. An expression
 * that is anything else (empty, several instructions, a non-constant one) keeps its decoded
 * instructions in `instrs`, for the validator to reject with the spec's reason; its `kind` is
 * then that of its first instruction or i32 0 and must not be used.
 */
export type ConstExpr = ConstValue & { offset?: number; instrs?: Instr[] };

export type ConstValue =
  | { kind: 'i32'; value: number }
  | { kind: 'i64'; value: bigint }
  | { kind: 'f32'; bits: number }
  | { kind: 'f64'; bits: bigint }
  | { kind: 'v128'; bytes: Uint8Array }
  | { kind: 'ref.null'; type: RefType }
  | { kind: 'ref.func'; funcIndex: number }
  | { kind: 'global.get'; globalIndex: number };

export interface Global {
  type: GlobalType;
  init: ConstExpr;
}

export type SegmentMode =
  | { kind: 'active'; index: number; offset: ConstExpr } // index: memory or table
  | { kind: 'passive' }
  | { kind: 'declarative' };

export interface ElemSegment {
  /** byte offset of the segment entry */
  offset: number;
  type: RefType;
  mode: SegmentMode;
  /** each item is ref.func / ref.null / global.get */
  items: ConstExpr[];
}

export interface DataSegment {
  /** byte offset of the segment entry */
  offset: number;
  mode: SegmentMode;
  bytes: Uint8Array;
}

export type BlockType =
  | { kind: 'empty' }
  | { kind: 'value'; type: ValType }
  | { kind: 'func'; typeIndex: number };

export interface MemArg {
  align: number; // log2
  offset: number; // u32, may exceed 2^31
}

/**
 * One instruction. `op` is the opcode: single-byte opcodes as-is, 0xFC-prefixed
 * ones as 0xFC00 | sub, 0xFD-prefixed (SIMD) as 0xFD000 | sub (see opcodes.ts).
 * Only the immediates of the opcode are set.
 */
export interface Instr {
  op: number;
  /** byte offset of the opcode in the module binary */
  offset: number;
  /** local/global/func/type/label/table/data/elem/lane index, or memory index */
  index?: number;
  /** second index: call_indirect table, table.copy/memory.copy source, table.init table */
  index2?: number;
  blockType?: BlockType;
  memarg?: MemArg;
  /** i32.const value (signed), f32.const bits (unsigned 32-bit) */
  i32?: number;
  /** i64.const value (signed), f64.const bits (unsigned 64-bit) */
  i64?: bigint;
  /** v128.const bytes, i8x16.shuffle lanes */
  bytes?: Uint8Array;
  /** br_table targets (without the default, which is `index`) */
  labels?: number[];
  /** select t* / ref.null type */
  types?: ValType[];
}

export interface Func {
  /** Wasm function index (imports come first) */
  index: number;
  typeIndex: number;
  /** declared locals, expanded (params not included) */
  locals: ValType[];
  body: Instr[];
  /** byte offset of the function body (its size field) and of its end */
  bodyOffset: number;
  bodyEnd: number;
}

export interface NameSection {
  module?: string;
  functions: Map<number, string>;
  locals: Map<number, Map<number, string>>;
  globals: Map<number, string>;
}

export interface Module {
  types: FuncType[];
  imports: Import[];
  /** type index of every function, imports included, in index order */
  funcTypeIndices: number[];
  numImportedFuncs: number;
  tables: TableType[]; // imported first
  memories: Limits[]; // imported first
  globals: GlobalType[]; // every global's type, imported first
  globalInits: (ConstExpr | undefined)[]; // undefined for imported globals
  numImportedGlobals: number;
  numImportedTables: number;
  numImportedMemories: number;
  exports: Export[];
  start?: number;
  elems: ElemSegment[];
  datas: DataSegment[];
  dataCount?: number;
  /** defined functions only, in index order (funcs[i].index = numImportedFuncs + i) */
  funcs: Func[];
  names: NameSection;
  /** byte offsets of the entries that declare types, tables, memories, globals (imported ones:
   * their import entry) and of the start section's function index, for validation errors */
  offsets: ModuleOffsets;
  /**
   * byte offset of the code section's content (its function count): DWARF's code addresses count
   * from here, migration points from the start of the file
   */
  codeSectionStart?: number;
  /** the file it was decoded from (error messages name it) */
  fileName?: string;
  /** custom sections other than "name" */
  customSections: { name: string; offset: number; size: number; /** where the contents start, after the name */ dataOffset: number }[];
}

export interface ModuleOffsets {
  types: number[];
  tables: number[];
  memories: number[];
  globals: number[];
  /** functions' type indices (imported ones: their import entry) */
  funcs: number[];
  start?: number;
}
