/**
 * Wasm 2.0 binary decoder. One class, one position index over the Uint8Array; every
 * instruction keeps the byte offset of its opcode (of the prefix byte for 0xFC/0xFD ops).
 *
 * Only the binary format is checked here (structure, LEB128 bounds, section order and sizes,
 * immediates). Typing and index bounds are the validator's job (validate/). Error reasons follow
 * the texts of the spec testsuite's assert_malformed cases where there is one.
 */
import { WasmDecodeError } from './errors';
import {
  BlockType,
  ConstExpr,
  DataSegment,
  ElemSegment,
  Export,
  ExportKind,
  Func,
  FuncType,
  Global,
  GlobalType,
  Import,
  Instr,
  Limits,
  MemArg,
  Module,
  NameSection,
  RefType,
  SegmentMode,
  TableType,
  ValType,
} from './types';

/** Most locals a function may declare (params excluded); V8 uses the same limit. */
export const MAX_LOCALS = 50000;

// Immediate kinds of single-byte opcodes.
const K_ILLEGAL = 0;
const K_NONE = 1;
const K_BLOCK = 2;
const K_INDEX = 3;
const K_BR_TABLE = 4;
const K_CALL_INDIRECT = 5;
const K_SELECT_T = 6;
const K_MEMARG = 7;
const K_MEMZERO = 8;
const K_I32 = 9;
const K_I64 = 10;
const K_F32 = 11;
const K_F64 = 12;
const K_REF_NULL = 13;
const K_FC = 14;
const K_FD = 15;
const K_END = 16;
// SIMD-only kinds
const K_LANE = 17;
const K_MEMARG_LANE = 18;
const K_V128 = 19;
const K_SHUFFLE = 20;

const KIND = new Uint8Array(256);
function setKinds(from: number, to: number, k: number): void {
  for (let i = from; i <= to; i++) KIND[i] = k;
}
setKinds(0x00, 0x01, K_NONE);
setKinds(0x02, 0x04, K_BLOCK);
KIND[0x05] = K_NONE;
KIND[0x0b] = K_END;
setKinds(0x0c, 0x0d, K_INDEX);
KIND[0x0e] = K_BR_TABLE;
KIND[0x0f] = K_NONE;
KIND[0x10] = K_INDEX;
KIND[0x11] = K_CALL_INDIRECT;
setKinds(0x1a, 0x1b, K_NONE);
KIND[0x1c] = K_SELECT_T;
setKinds(0x20, 0x26, K_INDEX);
setKinds(0x28, 0x3e, K_MEMARG);
setKinds(0x3f, 0x40, K_MEMZERO);
KIND[0x41] = K_I32;
KIND[0x42] = K_I64;
KIND[0x43] = K_F32;
KIND[0x44] = K_F64;
setKinds(0x45, 0xc4, K_NONE);
KIND[0xd0] = K_REF_NULL;
KIND[0xd1] = K_NONE;
KIND[0xd2] = K_INDEX;
KIND[0xfc] = K_FC;
KIND[0xfd] = K_FD;

const SIMD_KIND = new Uint8Array(256).fill(K_NONE);
setSimd(0x00, 0x0b, K_MEMARG);
SIMD_KIND[0x0c] = K_V128;
SIMD_KIND[0x0d] = K_SHUFFLE;
setSimd(0x15, 0x22, K_LANE);
setSimd(0x54, 0x5b, K_MEMARG_LANE);
setSimd(0x5c, 0x5d, K_MEMARG);
for (const gap of [0x9a, 0xa2, 0xa5, 0xa6, 0xaf, 0xb0, 0xb2, 0xb3, 0xb4, 0xbb, 0xc2, 0xc5, 0xc6, 0xcf, 0xd0, 0xd2, 0xd3, 0xd4, 0xe2, 0xee]) {
  SIMD_KIND[gap] = K_ILLEGAL;
}
function setSimd(from: number, to: number, k: number): void {
  for (let i = from; i <= to; i++) SIMD_KIND[i] = k;
}

/** 0xFC sub-opcodes 0..17 */
const FC_MAX = 17;

/** Section ids in their required order (data count 12 sits between element 9 and code 10). */
const SECTION_RANK: Record<number, number> = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9, 12: 10, 10: 11, 11: 12 };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }); // ignoreBOM: keep a leading U+FEFF in names

function valTypeOf(b: number): ValType | undefined {
  switch (b) {
    case 0x7f: return 'i32';
    case 0x7e: return 'i64';
    case 0x7d: return 'f32';
    case 0x7c: return 'f64';
    case 0x7b: return 'v128';
    case 0x70: return 'funcref';
    case 0x6f: return 'externref';
    default: return undefined;
  }
}

const EXPORT_KINDS: ExportKind[] = ['func', 'table', 'memory', 'global'];

/**
 * Decodes a Wasm 2.0 binary module. Throws WasmDecodeError (`<file>:0x<offset>: <reason>`)
 * for any malformed input; never another exception.
 */
export function decodeModule(bytes: Uint8Array, fileName: string): Module {
  return new Decoder(bytes, fileName).module();
}

class Decoder {
  private pos = 0;
  /** current read limit: file end, section end or function body end */
  private end: number;
  private inSection = false;
  /** end of the function body being read, or -1 */
  private bodyEnd = -1;
  private readonly view: DataView;
  private usesDataIndex = -1;

  constructor(
    private readonly buf: Uint8Array,
    private readonly file: string,
  ) {
    this.end = buf.length;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  // ---------------------------------------------------------------- errors

  private fail(offset: number, reason: string): never {
    throw new WasmDecodeError(this.file, offset, reason);
  }

  private eof(): never {
    if (this.bodyEnd >= 0 && this.pos >= this.bodyEnd && this.bodyEnd < this.buf.length) {
      this.fail(this.pos, 'END opcode expected');
    }
    this.fail(this.pos, this.inSection ? 'unexpected end of section or function' : 'unexpected end');
  }

  // ---------------------------------------------------------------- primitives

  private byte(): number {
    if (this.pos >= this.end) this.eof();
    return this.buf[this.pos++];
  }

  private u32(): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    if (pos >= end) this.eof();
    let b = buf[pos++];
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    // multi-byte: read up to the file end, so that an over-long integer is reported as such
    // even when it crosses the section end; crossing the section end is an error afterwards
    const fileEnd = buf.length;
    let result = b & 0x7f;
    let shift = 7;
    for (;;) {
      if (pos >= fileEnd) {
        this.pos = pos;
        this.eof();
      }
      b = buf[pos++];
      if (shift === 28) {
        if (b & 0x80) this.fail(pos - 1, 'integer representation too long');
        if (b & 0x70) this.fail(pos - 1, 'integer too large');
        result += b * 0x10000000;
        break;
      }
      result |= (b & 0x7f) << shift;
      shift += 7;
      if (b < 0x80) break;
    }
    if (pos > end) {
      this.pos = end;
      this.eof();
    }
    this.pos = pos;
    return result;
  }

  /** After a LEB128 read bounded by the file end: it must not have crossed the current limit. */
  private lebEnd(): void {
    if (this.pos > this.end) {
      this.pos = this.end;
      this.eof();
    }
  }

  private s32(): number {
    const buf = this.buf;
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      if (this.pos >= this.buf.length) this.eof();
      b = buf[this.pos++];
      if (shift === 28) {
        if (b & 0x80) this.fail(this.pos - 1, 'integer representation too long');
        const ext = b & 0x70;
        if (ext !== (b & 0x08 ? 0x70 : 0)) this.fail(this.pos - 1, 'integer too large');
        this.lebEnd();
        return result | ((b & 0x0f) << 28);
      }
      result |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    this.lebEnd();
    if (b & 0x40) result |= -1 << shift;
    return result;
  }

  /** signed 33-bit (block type index); returned as a number */
  private s33(): number {
    const buf = this.buf;
    let result = 0;
    let mul = 1;
    let b: number;
    for (let i = 0; ; i++) {
      if (this.pos >= this.buf.length) this.eof();
      b = buf[this.pos++];
      if (i === 4) {
        if (b & 0x80) this.fail(this.pos - 1, 'integer representation too long');
        const ext = b & 0x60;
        if (ext !== (b & 0x10 ? 0x60 : 0)) this.fail(this.pos - 1, 'integer too large');
        result += (b & 0x1f) * mul;
        if (b & 0x10) result -= 2 ** 33;
        this.lebEnd();
        return result;
      }
      result += (b & 0x7f) * mul;
      mul *= 128;
      if (!(b & 0x80)) break;
    }
    this.lebEnd();
    if (b & 0x40) result -= mul;
    return result;
  }

  private s64(): bigint {
    const buf = this.buf;
    const start = this.pos;
    let result = 0;
    let mul = 1;
    let b: number;
    // fast path: up to 7 bytes (49 bits) are exact in a double
    for (let i = 0; i < 7; i++) {
      if (this.pos >= this.buf.length) this.eof();
      b = buf[this.pos++];
      result += (b & 0x7f) * mul;
      mul *= 128;
      if (!(b & 0x80)) {
        this.lebEnd();
        if (b & 0x40) result -= mul;
        return BigInt(result);
      }
    }
    this.pos = start;
    let big = 0n;
    let shift = 0n;
    for (let i = 0; ; i++) {
      if (this.pos >= this.buf.length) this.eof();
      b = buf[this.pos++];
      if (i === 9) {
        if (b & 0x80) this.fail(this.pos - 1, 'integer representation too long');
        const ext = b & 0x7f;
        if (ext !== 0 && ext !== 0x7f) this.fail(this.pos - 1, 'integer too large');
        big |= BigInt(b & 1) << 63n;
        this.lebEnd();
        return BigInt.asIntN(64, big);
      }
      big |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (!(b & 0x80)) break;
    }
    this.lebEnd();
    if (b & 0x40) big -= 1n << shift;
    return big;
  }

  private f32bits(): number {
    if (this.pos + 4 > this.end) {
      this.pos = this.end;
      this.eof();
    }
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  private f64bits(): bigint {
    if (this.pos + 8 > this.end) {
      this.pos = this.end;
      this.eof();
    }
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A section or body size: must not exceed the bytes left in the file. */
  private len32(): number {
    const at = this.pos;
    const n = this.u32();
    if (n > this.buf.length - this.pos) this.fail(at, 'length out of bounds');
    return n;
  }

  /** A byte-vector length: must not exceed the bytes left in the section or body. */
  private byteLen(): number {
    const n = this.u32();
    if (n > this.end - this.pos) {
      this.pos = this.end;
      this.eof();
    }
    return n;
  }

  private bytes(n: number): Uint8Array {
    if (this.pos + n > this.end) {
      this.pos = this.end;
      this.eof();
    }
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private name(): string {
    const n = this.byteLen();
    const start = this.pos;
    if (start + n > this.end) {
      this.pos = this.end;
      this.eof();
    }
    const buf = this.buf;
    const stop = start + n;
    let ascii = true;
    for (let i = start; i < stop; i++) {
      if (buf[i] >= 0x80) {
        ascii = false;
        break;
      }
    }
    this.pos = stop;
    if (ascii) {
      let s = '';
      for (let i = start; i < stop; i += 4096) {
        s += String.fromCharCode.apply(null, buf.subarray(i, Math.min(stop, i + 4096)) as unknown as number[]);
      }
      return s;
    }
    try {
      return utf8.decode(buf.subarray(start, stop));
    } catch {
      return this.fail(start, 'malformed UTF-8 encoding');
    }
  }

  private valType(): ValType {
    const b = this.byte();
    const t = valTypeOf(b);
    if (t === undefined) this.fail(this.pos - 1, 'malformed value type');
    return t;
  }

  private refType(): RefType {
    const b = this.byte();
    if (b === 0x70) return 'funcref';
    if (b === 0x6f) return 'externref';
    return this.fail(this.pos - 1, 'malformed reference type');
  }

  private limits(): Limits {
    const flags = this.byte();
    if (flags & 0x80) this.fail(this.pos - 1, 'integer representation too long');
    if (flags & 0xfe) this.fail(this.pos - 1, 'integer too large');
    const min = this.u32();
    if (flags === 1) return { min, max: this.u32() };
    return { min };
  }

  private tableType(): TableType {
    const elemType = this.refType();
    return { elemType, limits: this.limits() };
  }

  private globalType(): GlobalType {
    const type = this.valType();
    const m = this.byte();
    if (m > 1) this.fail(this.pos - 1, 'malformed mutability');
    return { type, mutable: m === 1 };
  }

  private zeroByte(): void {
    if (this.byte() !== 0) this.fail(this.pos - 1, 'zero byte expected');
  }

  private memarg(): MemArg {
    const align = this.u32();
    return { align, offset: this.u32() };
  }

  // ---------------------------------------------------------------- module

  module(): Module {
    const buf = this.buf;
    if (buf.length < 4) this.fail(buf.length, 'unexpected end');
    if (buf[0] !== 0x00 || buf[1] !== 0x61 || buf[2] !== 0x73 || buf[3] !== 0x6d) {
      this.fail(0, 'magic header not detected');
    }
    if (buf.length < 8) this.fail(buf.length, 'unexpected end');
    if (this.view.getUint32(4, true) !== 1) this.fail(4, 'unknown binary version');
    this.pos = 8;

    const m: Module = {
      types: [],
      imports: [],
      funcTypeIndices: [],
      numImportedFuncs: 0,
      tables: [],
      memories: [],
      globals: [],
      globalInits: [],
      numImportedGlobals: 0,
      numImportedTables: 0,
      numImportedMemories: 0,
      exports: [],
      elems: [],
      datas: [],
      funcs: [],
      names: { functions: new Map(), locals: new Map(), globals: new Map() },
      offsets: { types: [], tables: [], memories: [], globals: [], funcs: [] },
      customSections: [],
      fileName: this.file,
    };
    let lastRank = 0;
    let funcSectionCount: number | undefined;
    let codeCount: number | undefined;
    let dataSectionCount: number | undefined;

    while (this.pos < buf.length) {
      const idOffset = this.pos;
      const id = buf[this.pos++];
      if (id > 12) this.fail(idOffset, 'malformed section id');
      const size = this.len32();
      const start = this.pos;
      const end = start + size;
      this.end = end;
      this.inSection = true;
      if (id !== 0) {
        const rank = SECTION_RANK[id];
        if (rank <= lastRank) this.fail(idOffset, 'unexpected content after last section');
        lastRank = rank;
      }
      switch (id) {
        case 0: this.customSection(m, start, end); break;
        case 1: this.typeSection(m); break;
        case 2: this.importSection(m); break;
        case 3: funcSectionCount = this.functionSection(m); break;
        case 4: this.vec(() => { m.offsets.tables.push(this.pos); m.tables.push(this.tableType()); }); break;
        case 5: this.vec(() => { m.offsets.memories.push(this.pos); m.memories.push(this.limits()); }); break;
        case 6: this.globalSection(m); break;
        case 7: this.exportSection(m); break;
        case 8: m.offsets.start = this.pos; m.start = this.u32(); break;
        case 9: this.vec(() => m.elems.push(this.elemSegment())); break;
        case 12: m.dataCount = this.u32(); break;
        case 10: m.codeSectionStart = start; codeCount = this.codeSection(m, funcSectionCount ?? 0); break;
        case 11: dataSectionCount = this.dataSection(m); break;
      }
      if (this.pos !== end) this.fail(this.pos, 'section size mismatch');
      this.end = buf.length;
      this.inSection = false;
    }

    if ((funcSectionCount ?? 0) !== (codeCount ?? 0)) {
      this.fail(buf.length, 'function and code section have inconsistent lengths');
    }
    if (m.dataCount !== undefined && m.dataCount !== (dataSectionCount ?? 0)) {
      this.fail(buf.length, 'data count and data section have inconsistent lengths');
    }
    return m;
  }

  private vec(f: () => void): number {
    const n = this.u32(); // every element takes at least one byte: the loop ends at the section end
    for (let i = 0; i < n; i++) f();
    return n;
  }

  private customSection(m: Module, start: number, end: number): void {
    const name = this.name();
    if (name === 'name') {
      this.nameSection(m.names, end);
    } else {
      m.customSections.push({ name, offset: start, size: end - start, dataOffset: this.pos });
    }
    this.pos = end;
  }

  /** The name section is informative: a malformed one is ignored from the bad subsection on. */
  private nameSection(names: NameSection, end: number): void {
    try {
      let lastId = -1;
      while (this.pos < end) {
        const id = this.byte();
        const size = this.len32();
        const subEnd = this.pos + size;
        if (subEnd > end) return;
        if (id <= lastId) return;
        lastId = id;
        this.end = subEnd;
        switch (id) {
          case 0: names.module = this.name(); break;
          case 1: this.nameMap(names.functions); break;
          case 2: {
              const n = this.u32();
            for (let i = 0; i < n; i++) {
              const func = this.u32();
              const map = new Map<number, string>();
              this.nameMap(map);
              names.locals.set(func, map);
            }
            break;
          }
          case 7: this.nameMap(names.globals); break;
          default: break;
        }
        this.pos = subEnd;
        this.end = end;
      }
    } catch (e) {
      if (!(e instanceof WasmDecodeError)) throw e;
    } finally {
      this.end = end;
    }
  }

  private nameMap(map: Map<number, string>): void {
    const n = this.u32();
    for (let i = 0; i < n; i++) {
      const idx = this.u32();
      map.set(idx, this.name());
    }
  }

  private typeSection(m: Module): void {
    this.vec(() => {
      m.offsets.types.push(this.pos);
      const form = this.byte();
      if (form & 0x80) this.fail(this.pos - 1, 'integer representation too long');
      if (form !== 0x60) this.fail(this.pos - 1, 'malformed function type');
      const params: ValType[] = [];
      this.vec(() => params.push(this.valType()));
      const results: ValType[] = [];
      this.vec(() => results.push(this.valType()));
      const t: FuncType = { params, results };
      m.types.push(t);
    });
  }

  private importSection(m: Module): void {
    this.vec(() => {
      const offset = this.pos;
      const module = this.name();
      const name = this.name();
      const kind = this.byte();
      let imp: Import;
      switch (kind) {
        case 0: {
          const typeIndex = this.u32();
          imp = { module, name, desc: { kind: 'func', typeIndex }, offset };
          m.funcTypeIndices.push(typeIndex);
          m.offsets.funcs.push(offset);
          m.numImportedFuncs++;
          break;
        }
        case 1: {
          const type = this.tableType();
          imp = { module, name, desc: { kind: 'table', type }, offset };
          m.tables.push(type);
          m.offsets.tables.push(offset);
          m.numImportedTables++;
          break;
        }
        case 2: {
          const limits = this.limits();
          imp = { module, name, desc: { kind: 'memory', limits }, offset };
          m.memories.push(limits);
          m.offsets.memories.push(offset);
          m.numImportedMemories++;
          break;
        }
        case 3: {
          const type = this.globalType();
          imp = { module, name, desc: { kind: 'global', type }, offset };
          m.globals.push(type);
          m.offsets.globals.push(offset);
          m.globalInits.push(undefined);
          m.numImportedGlobals++;
          break;
        }
        default:
          return this.fail(this.pos - 1, 'malformed import kind');
      }
      m.imports.push(imp);
    });
  }

  private functionSection(m: Module): number {
    return this.vec(() => {
      m.offsets.funcs.push(this.pos);
      m.funcTypeIndices.push(this.u32());
    });
  }

  private globalSection(m: Module): void {
    this.vec(() => {
      m.offsets.globals.push(this.pos);
      const type = this.globalType();
      const init = this.constExpr();
      const g: Global = { type, init };
      m.globals.push(g.type);
      m.globalInits.push(g.init);
    });
  }

  private exportSection(m: Module): void {
    this.vec(() => {
      const offset = this.pos;
      const name = this.name();
      const k = this.byte();
      if (k > 3) this.fail(this.pos - 1, 'malformed export kind');
      const e: Export = { name, kind: EXPORT_KINDS[k], index: this.u32(), offset };
      m.exports.push(e);
    });
  }

  private elemKind(): RefType {
    if (this.byte() !== 0x00) this.fail(this.pos - 1, 'malformed elements segment kind');
    return 'funcref';
  }

  private funcIndexItems(): ConstExpr[] {
    const items: ConstExpr[] = [];
    this.vec(() => {
      const offset = this.pos;
      items.push({ kind: 'ref.func', funcIndex: this.u32(), offset });
    });
    return items;
  }

  private exprItems(): ConstExpr[] {
    const items: ConstExpr[] = [];
    this.vec(() => items.push(this.constExpr()));
    return items;
  }

  private elemSegment(): ElemSegment {
    const flagsAt = this.pos;
    const flags = this.u32();
    let mode: SegmentMode;
    let type: RefType = 'funcref';
    let items: ConstExpr[];
    switch (flags) {
      case 0:
        mode = { kind: 'active', index: 0, offset: this.constExpr() };
        items = this.funcIndexItems();
        break;
      case 1:
        mode = { kind: 'passive' };
        type = this.elemKind();
        items = this.funcIndexItems();
        break;
      case 2: {
        const index = this.u32();
        mode = { kind: 'active', index, offset: this.constExpr() };
        type = this.elemKind();
        items = this.funcIndexItems();
        break;
      }
      case 3:
        mode = { kind: 'declarative' };
        type = this.elemKind();
        items = this.funcIndexItems();
        break;
      case 4:
        mode = { kind: 'active', index: 0, offset: this.constExpr() };
        items = this.exprItems();
        break;
      case 5:
        mode = { kind: 'passive' };
        type = this.refType();
        items = this.exprItems();
        break;
      case 6: {
        const index = this.u32();
        mode = { kind: 'active', index, offset: this.constExpr() };
        type = this.refType();
        items = this.exprItems();
        break;
      }
      case 7:
        mode = { kind: 'declarative' };
        type = this.refType();
        items = this.exprItems();
        break;
      default:
        return this.fail(flagsAt, 'malformed elements segment kind');
    }
    return { offset: flagsAt, type, mode, items };
  }

  private dataSection(m: Module): number {
    return this.vec(() => {
      const flagsAt = this.pos;
      const flags = this.u32();
      let mode: SegmentMode;
      switch (flags) {
        case 0:
          mode = { kind: 'active', index: 0, offset: this.constExpr() };
          break;
        case 1:
          mode = { kind: 'passive' };
          break;
        case 2: {
          const index = this.u32();
          mode = { kind: 'active', index, offset: this.constExpr() };
          break;
        }
        default:
          return this.fail(flagsAt, 'malformed data segment kind');
      }
      const n = this.byteLen();
      const seg: DataSegment = { offset: flagsAt, mode, bytes: this.bytes(n) };
      m.datas.push(seg);
    });
  }

  /**
   * A constant expression: normally one constant instruction followed by `end`. Anything else
   * (several instructions, a non-constant one, none) is decoded as an instruction sequence and
   * kept in `instrs`: whether it is constant and well-typed is for the validator to say.
   */
  private constExpr(): ConstExpr {
    const at = this.pos;
    let e: ConstExpr | undefined;
    switch (this.byte()) {
      case 0x41: e = { kind: 'i32', value: this.s32(), offset: at }; break;
      case 0x42: e = { kind: 'i64', value: this.s64(), offset: at }; break;
      case 0x43: e = { kind: 'f32', bits: this.f32bits(), offset: at }; break;
      case 0x44: e = { kind: 'f64', bits: this.f64bits(), offset: at }; break;
      case 0xd0: e = { kind: 'ref.null', type: this.refType(), offset: at }; break;
      case 0xd2: e = { kind: 'ref.func', funcIndex: this.u32(), offset: at }; break;
      case 0x23: e = { kind: 'global.get', globalIndex: this.u32(), offset: at }; break;
      case 0xfd:
        if (this.u32() === 0x0c) e = { kind: 'v128', bytes: this.bytes(16), offset: at };
        break;
    }
    if (e !== undefined && this.pos < this.end && this.buf[this.pos] === 0x0b) {
      this.pos++;
      return e;
    }
    this.pos = at;
    const instrs: Instr[] = [];
    this.code(instrs);
    return { kind: 'i32', value: 0, offset: at, instrs };
  }

  // ---------------------------------------------------------------- code

  private codeSection(m: Module, funcCount: number): number {
    const countAt = this.pos;
    const n = this.u32();
    if (n !== funcCount) this.fail(countAt, 'function and code section have inconsistent lengths');
    const base = m.numImportedFuncs;
    const sectionEnd = this.end;
    for (let i = 0; i < n; i++) {
      const bodyOffset = this.pos;
      const size = this.len32();
      const bodyEnd = this.pos + size;
      if (bodyEnd > sectionEnd) this.fail(bodyOffset, 'unexpected end of section or function');
      this.end = bodyEnd;
      this.bodyEnd = bodyEnd;
      const locals = this.locals();
      const body: Instr[] = [];
      this.code(body);
      if (this.pos !== bodyEnd) this.fail(this.pos, 'section size mismatch');
      this.end = sectionEnd;
      this.bodyEnd = -1;
      const f: Func = {
        index: base + i,
        typeIndex: m.funcTypeIndices[base + i],
        locals,
        body,
        bodyOffset,
        bodyEnd,
      };
      m.funcs.push(f);
    }
    if (this.usesDataIndex >= 0 && m.dataCount === undefined) {
      this.fail(this.usesDataIndex, 'data count section required');
    }
    return n;
  }

  private locals(): ValType[] {
    const n = this.u32();
    let total = 0;
    const groups: number[] = [];
    const types: ValType[] = [];
    for (let i = 0; i < n; i++) {
      const at = this.pos;
      const count = this.u32();
      total += count;
      if (total > MAX_LOCALS) this.fail(at, 'too many locals');
      groups.push(count);
      types.push(this.valType());
    }
    const locals: ValType[] = new Array(total);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const t = types[i];
      for (let j = groups[i]; j > 0; j--) locals[k++] = t;
    }
    return locals;
  }

  /** Reads instructions up to and including the `end` that closes the function body. */
  private code(body: Instr[]): void {
    let depth = 0;
    for (;;) {
      const op = this.instr(body);
      if (op === 0x02 || op === 0x03 || op === 0x04) depth++;
      else if (op === 0x0b) {
        if (depth === 0) return;
        depth--;
      }
    }
  }

  private blockType(): BlockType {
    if (this.pos >= this.end) this.eof();
    const b = this.buf[this.pos];
    if (b === 0x40) {
      this.pos++;
      return { kind: 'empty' };
    }
    const t = valTypeOf(b);
    if (t !== undefined) {
      this.pos++;
      return { kind: 'value', type: t };
    }
    const at = this.pos;
    const idx = this.s33();
    if (idx < 0) this.fail(at, 'malformed block type');
    return { kind: 'func', typeIndex: idx };
  }

  /** Decodes one instruction, appends it to `out`, returns its (combined) opcode. */
  private instr(out: Instr[]): number {
    const offset = this.pos;
    if (offset >= this.end) this.eof();
    const op = this.buf[this.pos++];
    switch (KIND[op]) {
      case K_NONE:
      case K_END:
        out.push({ op, offset });
        return op;
      case K_BLOCK:
        out.push({ op, offset, blockType: this.blockType() });
        return op;
      case K_INDEX:
        out.push({ op, offset, index: this.u32() });
        return op;
      case K_BR_TABLE: {
        const n = this.u32();
        const labels: number[] = [];
        for (let i = 0; i < n; i++) labels.push(this.u32());
        out.push({ op, offset, labels, index: this.u32() });
        return op;
      }
      case K_CALL_INDIRECT: {
        const index = this.u32();
        out.push({ op, offset, index, index2: this.u32() });
        return op;
      }
      case K_SELECT_T: {
        const n = this.u32();
        const types: ValType[] = [];
        for (let i = 0; i < n; i++) types.push(this.valType());
        out.push({ op, offset, types });
        return op;
      }
      case K_MEMARG:
        out.push({ op, offset, memarg: this.memarg() });
        return op;
      case K_MEMZERO:
        this.zeroByte();
        out.push({ op, offset, index: 0 });
        return op;
      case K_I32:
        out.push({ op, offset, i32: this.s32() });
        return op;
      case K_I64:
        out.push({ op, offset, i64: this.s64() });
        return op;
      case K_F32:
        out.push({ op, offset, i32: this.f32bits() });
        return op;
      case K_F64:
        out.push({ op, offset, i64: this.f64bits() });
        return op;
      case K_REF_NULL:
        out.push({ op, offset, types: [this.refType()] });
        return op;
      case K_FC:
        return this.instrFC(out, offset);
      case K_FD:
        return this.instrFD(out, offset);
      default:
        return this.fail(offset, 'illegal opcode');
    }
  }

  private instrFC(out: Instr[], offset: number): number {
    const sub = this.u32();
    if (sub > FC_MAX) this.fail(offset, 'illegal opcode');
    const op = 0xfc00 | sub;
    switch (sub) {
      case 8: { // memory.init dataidx 0x00
        if (this.usesDataIndex < 0) this.usesDataIndex = offset;
        const index = this.u32();
        this.zeroByte();
        out.push({ op, offset, index, index2: 0 });
        break;
      }
      case 9: // data.drop
        if (this.usesDataIndex < 0) this.usesDataIndex = offset;
        out.push({ op, offset, index: this.u32() });
        break;
      case 10: // memory.copy 0x00 0x00
        this.zeroByte();
        this.zeroByte();
        out.push({ op, offset, index: 0, index2: 0 });
        break;
      case 11: // memory.fill 0x00
        this.zeroByte();
        out.push({ op, offset, index: 0 });
        break;
      case 12: // table.init elemidx tableidx
      case 14: { // table.copy dst src
        const index = this.u32();
        out.push({ op, offset, index, index2: this.u32() });
        break;
      }
      case 13: // elem.drop
      case 15: // table.grow
      case 16: // table.size
      case 17: // table.fill
        out.push({ op, offset, index: this.u32() });
        break;
      default: // saturating truncations
        out.push({ op, offset });
    }
    return op;
  }

  private instrFD(out: Instr[], offset: number): number {
    const sub = this.u32();
    const kind = sub < 256 ? SIMD_KIND[sub] : K_ILLEGAL;
    const op = 0xfd000 | sub;
    switch (kind) {
      case K_NONE:
        out.push({ op, offset });
        break;
      case K_MEMARG:
        out.push({ op, offset, memarg: this.memarg() });
        break;
      case K_MEMARG_LANE: {
        const memarg = this.memarg();
        out.push({ op, offset, memarg, index: this.byte() });
        break;
      }
      case K_LANE:
        out.push({ op, offset, index: this.byte() });
        break;
      case K_V128:
      case K_SHUFFLE:
        out.push({ op, offset, bytes: this.bytes(16) });
        break;
      default:
        return this.fail(offset, 'illegal opcode');
    }
    return op;
  }
}
