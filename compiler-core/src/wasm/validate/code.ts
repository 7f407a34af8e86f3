/**
 * Validation of instruction sequences (function bodies and constant expressions) with the
 * algorithm of the spec's validation appendix: an operand stack of value types where
 * unreachable code pops `Unknown` (0) from an empty stack, and a stack of control frames.
 *
 * The first error ends validation: `fail(offset, reason)` throws. Reasons start with the spec
 * interpreter's wording ("type mismatch", "unknown local 3", "undeclared function reference"...).
 */
import { Op, opName, SIMD_BASE } from '../opcodes';
import type { BlockType, Instr } from '../types';
import {
  isRef, LANE_SIMD, MEM_BYTE, MEM_SIMD, memLaneLog2, SIG_BYTE, SIG_FC, SIG_SIMD, sigInput, sigInputs,
  sigResult, T, typeList, typeName, type MemAccess,
} from './signatures';

/** A function type with value types as codes (see signatures.ts). */
export interface Sig {
  params: number[];
  results: number[];
}

/** What code may refer to: the module's index spaces, as the validator's context C. */
export interface CodeContext {
  types: Sig[];
  /** type index of every function (imports first); indices already checked against `types` */
  funcTypes: number[];
  /** element type code of every table */
  tables: number[];
  numMemories: number;
  /** type code and mutability of every global visible here */
  globalTypes: number[];
  globalMutable: boolean[];
  /** element type code of every element segment */
  elems: number[];
  numDatas: number;
  /** C.refs: functions that ref.func may name (declared outside function bodies) */
  refs: Uint8Array;
  fail(offset: number, reason: string): never;
}

const K_BLOCK = 0, K_LOOP = 1, K_IF = 2, K_ELSE = 3, K_FUNC = 4, K_CONST = 5;
const FRAME_NAMES = ['block', 'loop', 'if', 'else', 'function', 'constant expression'];
const NONE: number[] = [];
const SINGLE: number[][] = [0, 1, 2, 3, 4, 5, 6, 7].map((t) => [t]);

export class CodeValidator {
  private vals = new Uint8Array(64);
  private sp = 0;
  // control frames as parallel arrays
  private kinds: number[] = [];
  private heights: number[] = [];
  private unreachables: boolean[] = [];
  private starts: number[][] = [];
  private ends: number[][] = [];
  private csp = 0;
  /** the instruction being checked (for error messages) */
  private ins!: Instr;
  private locals: Uint8Array = new Uint8Array(0);
  private results: number[] = NONE;
  /** appended to every reason, e.g. " (in function $f)" */
  private where = '';

  constructor(private readonly c: CodeContext) {}

  /** Validates a function body (its final `end` included). `locals` = params then declared locals. */
  validateFunction(body: Instr[], locals: Uint8Array, sig: Sig, where: string): void {
    this.locals = locals;
    this.results = sig.results;
    this.where = where;
    this.sp = 0;
    this.csp = 0;
    this.pushCtrl(K_FUNC, NONE, sig.results);
    this.run(body);
  }

  /**
   * Validates a constant expression given as an instruction sequence (its final `end` included)
   * that must produce one value of type `type`: every instruction must be constant (spec:
   * "constant expression required"), then the sequence must type-check.
   */
  validateConstSequence(instrs: Instr[], type: number, where: string): void {
    this.where = where;
    for (let i = 0; i < instrs.length - 1; i++) {
      const ins = instrs[i];
      switch (ins.op) {
        case Op.i32_const: case Op.i64_const: case Op.f32_const: case Op.f64_const:
        case Op.ref_null: case Op.ref_func:
          break;
        case Op.global_get: {
          const g = ins.index!;
          if (g >= this.c.globalTypes.length) this.fail(ins, `unknown global ${g}`);
          if (this.c.globalMutable[g]) this.fail(ins, 'constant expression required');
          break;
        }
        default:
          if (ins.op === SIMD_BASE + 0x0c) break; // v128.const
          this.fail(ins, `constant expression required: ${opName(ins.op)} is not a constant instruction`);
      }
    }
    this.locals = new Uint8Array(0);
    this.results = SINGLE[type];
    this.sp = 0;
    this.csp = 0;
    this.pushCtrl(K_CONST, NONE, SINGLE[type]);
    this.run(instrs);
  }

  // ---------------------------------------------------------------- errors

  private fail(ins: Instr, reason: string): never {
    return this.c.fail(ins.offset, reason + this.where);
  }

  private what(): string {
    const op = this.ins.op;
    if (op === Op.end) return `end of ${FRAME_NAMES[this.kinds[this.csp - 1]]}`;
    if (op === Op.else) return 'end of if branch';
    return opName(op);
  }

  private mismatch(expect: number, actual: number): never {
    const wanted = expect === T.unknown ? 'a value' : typeName(expect);
    const found = actual < 0 ? 'the stack is empty' : `found ${typeName(actual)}`;
    return this.fail(this.ins, `type mismatch: ${this.what()} expects ${wanted} but ${found}`);
  }

  // ---------------------------------------------------------------- operand stack

  private push(t: number): void {
    if (this.sp === this.vals.length) {
      const bigger = new Uint8Array(this.vals.length * 2);
      bigger.set(this.vals);
      this.vals = bigger;
    }
    this.vals[this.sp++] = t;
  }

  /** Pops a value of type `expect` (T.unknown: any type); returns its type (T.unknown when unreachable). */
  private pop(expect: number): number {
    const top = this.csp - 1;
    if (this.sp === this.heights[top]) {
      if (this.unreachables[top]) return T.unknown;
      return this.mismatch(expect, -1);
    }
    const actual = this.vals[--this.sp];
    if (actual !== expect && actual !== T.unknown && expect !== T.unknown) this.mismatch(expect, actual);
    return actual;
  }

  private popVals(types: number[]): void {
    for (let i = types.length - 1; i >= 0; i--) this.pop(types[i]);
  }

  private pushVals(types: number[]): void {
    for (let i = 0; i < types.length; i++) this.push(types[i]);
  }

  /** Pops a fixed signature's inputs and pushes its result. */
  private apply(s: number): void {
    const n = sigInputs(s);
    for (let i = n - 1; i >= 0; i--) this.pop(sigInput(s, i));
    const r = sigResult(s);
    if (r !== 0) this.push(r);
  }

  // ---------------------------------------------------------------- control stack

  private pushCtrl(kind: number, start: number[], end: number[]): void {
    const i = this.csp++;
    this.kinds[i] = kind;
    this.heights[i] = this.sp;
    this.unreachables[i] = false;
    this.starts[i] = start;
    this.ends[i] = end;
    this.pushVals(start);
  }

  /** Checks the frame's results and pops it; returns its index (its data stays readable). */
  private popCtrl(): number {
    const i = this.csp - 1;
    const end = this.ends[i];
    const before = this.sp;
    this.popVals(end);
    if (this.sp !== this.heights[i]) {
      const stack = typeList(this.vals.subarray(this.heights[i], before));
      this.fail(this.ins, `type mismatch: ${this.what()} expects ${typeList(end)} but the stack has ${stack}`);
    }
    this.csp--;
    return i;
  }

  private labelTypes(depth: number): number[] {
    if (depth >= this.csp) this.fail(this.ins, `unknown label ${depth}`);
    const i = this.csp - 1 - depth;
    return this.kinds[i] === K_LOOP ? this.starts[i] : this.ends[i];
  }

  private unreachable(): void {
    const top = this.csp - 1;
    this.sp = this.heights[top];
    this.unreachables[top] = true;
  }

  private blockSig(bt: BlockType): Sig {
    if (bt.kind === 'empty') return EMPTY_SIG;
    if (bt.kind === 'value') return VALUE_SIGS[bt.type];
    const t = this.c.types[bt.typeIndex];
    if (t === undefined) this.fail(this.ins, `unknown type ${bt.typeIndex}`);
    return t;
  }

  // ---------------------------------------------------------------- instructions

  private run(body: Instr[]): void {
    const n = body.length;
    for (let k = 0; k < n; k++) {
      const ins = body[k];
      this.ins = ins;
      const op = ins.op;
      if (op < 256) {
        const s = SIG_BYTE[op];
        if (s !== 0) {
          this.apply(s);
          continue;
        }
        const mem = MEM_BYTE[op];
        if (mem !== undefined) {
          this.memAccess(mem, ins);
          continue;
        }
        this.control(ins, op);
      } else if (op >= SIMD_BASE) {
        this.simd(ins, op - SIMD_BASE);
      } else {
        this.prefixed(ins, op);
      }
      if (this.csp === 0 && k !== n - 1) this.fail(body[k + 1], 'instructions after the end of the body');
    }
    if (this.csp !== 0) this.fail(body[n - 1] ?? this.ins, 'unexpected end of the body: a block is not closed');
  }

  private needMemory(): void {
    if (this.c.numMemories === 0) this.fail(this.ins, 'unknown memory 0');
  }

  private checkAlign(align: number, maxAlign: number): void {
    if (align > maxAlign) {
      this.fail(this.ins, `alignment must not be larger than natural (2^${align} > ${1 << maxAlign} bytes for ${opName(this.ins.op)})`);
    }
  }

  private memAccess(a: MemAccess, ins: Instr): void {
    this.needMemory();
    this.checkAlign(ins.memarg!.align, a.maxAlign);
    if (a.store) {
      this.pop(a.type);
      this.pop(T.i32);
    } else {
      this.pop(T.i32);
      this.push(a.type);
    }
  }

  private table(index: number): number {
    const t = this.c.tables[index];
    if (t === undefined) this.fail(this.ins, `unknown table ${index}`);
    return t;
  }

  private elem(index: number): number {
    const t = this.c.elems[index];
    if (t === undefined) this.fail(this.ins, `unknown elem segment ${index}`);
    return t;
  }

  private data(index: number): void {
    if (index >= this.c.numDatas) this.fail(this.ins, `unknown data segment ${index}`);
  }

  private funcSig(index: number): Sig {
    const ti = this.c.funcTypes[index];
    if (ti === undefined) this.fail(this.ins, `unknown function ${index}`);
    return this.c.types[ti];
  }

  private local(index: number): number {
    if (index >= this.locals.length) this.fail(this.ins, `unknown local ${index}`);
    return this.locals[index];
  }

  private global(index: number): number {
    const t = this.c.globalTypes[index];
    if (t === undefined) this.fail(this.ins, `unknown global ${index}`);
    return t;
  }

  /** Single-byte opcodes other than numeric ones and memory accesses. */
  private control(ins: Instr, op: number): void {
    switch (op) {
      case Op.unreachable:
        this.unreachable();
        return;
      case Op.nop:
        return;
      case Op.block:
      case Op.loop: {
        const s = this.blockSig(ins.blockType!);
        this.popVals(s.params);
        this.pushCtrl(op === Op.block ? K_BLOCK : K_LOOP, s.params, s.results);
        return;
      }
      case Op.if: {
        const s = this.blockSig(ins.blockType!);
        this.pop(T.i32);
        this.popVals(s.params);
        this.pushCtrl(K_IF, s.params, s.results);
        return;
      }
      case Op.else: {
        if (this.kinds[this.csp - 1] !== K_IF) this.fail(ins, 'else without a matching if');
        const i = this.popCtrl();
        this.pushCtrl(K_ELSE, this.starts[i], this.ends[i]);
        return;
      }
      case Op.end: {
        const i = this.popCtrl();
        if (this.kinds[i] === K_IF && !sameTypes(this.starts[i], this.ends[i])) {
          this.fail(ins, `type mismatch: if without else must leave its inputs ${typeList(this.starts[i])} as its results ${typeList(this.ends[i])}`);
        }
        this.pushVals(this.ends[i]);
        return;
      }
      case Op.br: {
        this.popVals(this.labelTypes(ins.index!));
        this.unreachable();
        return;
      }
      case Op.br_if: {
        const types = this.labelTypes(ins.index!);
        this.pop(T.i32);
        this.popVals(types);
        this.pushVals(types);
        return;
      }
      case Op.br_table: {
        this.pop(T.i32);
        const deflt = this.labelTypes(ins.index!);
        const arity = deflt.length;
        for (const l of ins.labels!) {
          const types = this.labelTypes(l);
          if (types.length !== arity) {
            this.fail(ins, `type mismatch: br_table targets have different arities (label ${l}: ${typeList(types)}, default label ${ins.index}: ${typeList(deflt)})`);
          }
          // pop and restore: the same values are checked against the next target
          const saved = this.sp;
          this.popVals(types);
          this.sp = saved;
        }
        this.popVals(deflt);
        this.unreachable();
        return;
      }
      case Op.return:
        this.popVals(this.results);
        this.unreachable();
        return;
      case Op.call: {
        const s = this.funcSig(ins.index!);
        this.popVals(s.params);
        this.pushVals(s.results);
        return;
      }
      case Op.call_indirect: {
        const t = this.table(ins.index2!);
        const s = this.c.types[ins.index!];
        if (s === undefined) this.fail(ins, `unknown type ${ins.index}`);
        if (t !== T.funcref) this.fail(ins, `type mismatch: call_indirect needs a funcref table, table ${ins.index2} holds ${typeName(t)}`);
        this.pop(T.i32);
        this.popVals(s.params);
        this.pushVals(s.results);
        return;
      }
      case Op.drop:
        this.pop(T.unknown);
        return;
      case Op.select: {
        this.pop(T.i32);
        const t1 = this.pop(T.unknown);
        const t2 = this.pop(T.unknown);
        if (isRef(t1) || isRef(t2)) this.fail(ins, `type mismatch: select without a type needs numeric or vector operands, found ${typeName(isRef(t1) ? t1 : t2)}`);
        if (t1 !== t2 && t1 !== T.unknown && t2 !== T.unknown) this.fail(ins, `type mismatch: select operands differ (${typeName(t2)} and ${typeName(t1)})`);
        this.push(t1 === T.unknown ? t2 : t1);
        return;
      }
      case Op.select_t: {
        const types = ins.types!;
        if (types.length !== 1) this.fail(ins, `invalid result arity: select has ${types.length} types, must have 1`);
        const t = T[types[0]];
        this.pop(T.i32);
        this.pop(t);
        this.pop(t);
        this.push(t);
        return;
      }
      case Op.local_get:
        this.push(this.local(ins.index!));
        return;
      case Op.local_set:
        this.pop(this.local(ins.index!));
        return;
      case Op.local_tee: {
        const t = this.local(ins.index!);
        this.pop(t);
        this.push(t);
        return;
      }
      case Op.global_get:
        this.push(this.global(ins.index!));
        return;
      case Op.global_set: {
        const t = this.global(ins.index!);
        if (!this.c.globalMutable[ins.index!]) this.fail(ins, `global is immutable: global.set ${ins.index}`);
        this.pop(t);
        return;
      }
      case Op.table_get: {
        const t = this.table(ins.index!);
        this.pop(T.i32);
        this.push(t);
        return;
      }
      case Op.table_set: {
        const t = this.table(ins.index!);
        this.pop(t);
        this.pop(T.i32);
        return;
      }
      case Op.memory_size:
        this.needMemory();
        this.push(T.i32);
        return;
      case Op.memory_grow:
        this.needMemory();
        this.pop(T.i32);
        this.push(T.i32);
        return;
      case Op.i32_const: this.push(T.i32); return;
      case Op.i64_const: this.push(T.i64); return;
      case Op.f32_const: this.push(T.f32); return;
      case Op.f64_const: this.push(T.f64); return;
      case Op.ref_null:
        this.push(T[ins.types![0]]);
        return;
      case Op.ref_is_null: {
        const t = this.pop(T.unknown);
        if (t !== T.unknown && !isRef(t)) this.fail(ins, `type mismatch: ref.is_null expects a reference but found ${typeName(t)}`);
        this.push(T.i32);
        return;
      }
      case Op.ref_func: {
        const f = ins.index!;
        this.funcSig(f);
        if (!this.c.refs[f]) this.fail(ins, `undeclared function reference: function ${f} is not in an element segment, export or global initializer`);
        this.push(T.funcref);
        return;
      }
      default:
        this.fail(ins, `illegal opcode ${opName(op)}`);
    }
  }

  /** 0xFC-prefixed: saturating truncations, bulk memory, table instructions. */
  private prefixed(ins: Instr, op: number): void {
    const sub = op & 0xff;
    if (sub < 8) {
      this.apply(SIG_FC[sub]);
      return;
    }
    switch (op) {
      case Op.memory_init:
        this.needMemory();
        this.data(ins.index!);
        this.pop(T.i32); this.pop(T.i32); this.pop(T.i32);
        return;
      case Op.data_drop:
        this.data(ins.index!);
        return;
      case Op.memory_copy:
      case Op.memory_fill:
        this.needMemory();
        this.pop(T.i32); this.pop(T.i32); this.pop(T.i32);
        return;
      case Op.table_init: {
        const t = this.table(ins.index2!);
        const e = this.elem(ins.index!);
        if (t !== e) this.fail(ins, `type mismatch: table.init of ${typeName(e)} elements into a ${typeName(t)} table`);
        this.pop(T.i32); this.pop(T.i32); this.pop(T.i32);
        return;
      }
      case Op.elem_drop:
        this.elem(ins.index!);
        return;
      case Op.table_copy: {
        const dst = this.table(ins.index!);
        const src = this.table(ins.index2!);
        if (dst !== src) this.fail(ins, `type mismatch: table.copy from a ${typeName(src)} table into a ${typeName(dst)} table`);
        this.pop(T.i32); this.pop(T.i32); this.pop(T.i32);
        return;
      }
      case Op.table_grow: {
        const t = this.table(ins.index!);
        this.pop(T.i32);
        this.pop(t);
        this.push(T.i32);
        return;
      }
      case Op.table_size:
        this.table(ins.index!);
        this.push(T.i32);
        return;
      case Op.table_fill: {
        const t = this.table(ins.index!);
        this.pop(T.i32);
        this.pop(t);
        this.pop(T.i32);
        return;
      }
      default:
        this.fail(ins, `illegal opcode 0xfc ${sub}`);
    }
  }

  private simd(ins: Instr, sub: number): void {
    const mem = MEM_SIMD[sub];
    if (mem !== undefined) {
      this.memAccess(mem, ins);
      return;
    }
    const lane = LANE_SIMD[sub];
    if (lane !== undefined) {
      if (ins.index! >= lane.lanes) this.fail(ins, `invalid lane index ${ins.index} (${opName(ins.op)} has ${lane.lanes} lanes)`);
      if (lane.replace) {
        this.pop(lane.scalar);
        this.pop(T.v128);
        this.push(T.v128);
      } else {
        this.pop(T.v128);
        this.push(lane.scalar);
      }
      return;
    }
    if (sub >= 0x54 && sub <= 0x5b) { // v128.loadN_lane / storeN_lane
      const log2 = memLaneLog2(sub);
      this.needMemory();
      this.checkAlign(ins.memarg!.align, log2);
      const lanes = 16 >> log2;
      if (ins.index! >= lanes) this.fail(ins, `invalid lane index ${ins.index} (${opName(ins.op)} has ${lanes} lanes)`);
      this.pop(T.v128);
      this.pop(T.i32);
      if (sub < 0x58) this.push(T.v128);
      return;
    }
    if (sub === 0x0d) { // i8x16.shuffle
      const lanes = ins.bytes!;
      for (let i = 0; i < 16; i++) {
        if (lanes[i] >= 32) this.fail(ins, `invalid lane index ${lanes[i]} (i8x16.shuffle selects from 32 lanes)`);
      }
    }
    const s = SIG_SIMD[sub];
    if (s === 0) this.fail(ins, `illegal opcode ${opName(ins.op)}`);
    this.apply(s);
  }
}

const EMPTY_SIG: Sig = { params: NONE, results: NONE };
const VALUE_SIGS: Record<string, Sig> = {
  i32: { params: NONE, results: SINGLE[T.i32] },
  i64: { params: NONE, results: SINGLE[T.i64] },
  f32: { params: NONE, results: SINGLE[T.f32] },
  f64: { params: NONE, results: SINGLE[T.f64] },
  v128: { params: NONE, results: SINGLE[T.v128] },
  funcref: { params: NONE, results: SINGLE[T.funcref] },
  externref: { params: NONE, results: SINGLE[T.externref] },
};

function sameTypes(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
