/**
 * Translates one Wasm function body into LLVM IR text.
 *
 * Model (after wasmtime's code_translator and WAMR's aot_emit_*):
 *  - an explicit operand stack of SSA operands and an explicit control stack;
 *  - locals, block results and loop parameters live in entry-block allocas that
 *    mem2reg/SROA turn into SSA values and phis;
 *  - code after an unconditional branch is skipped until its enclosing else/end;
 *  - one trap block per trap reason per function.
 * Operator families live in ops/*.ts; each handles its opcodes or returns false.
 */
import type { BlockType, Func, FuncType, Instr, ValType } from '../wasm/types';
import { Op } from '../wasm/opcodes';
import { llvmResultType, llvmType, zeroValue } from '../llvm/ir';
import type { ModuleContext } from './module-context';
import { TrapCode } from './traps';
import { translateControl } from './ops/control';
import { translateVariable } from './ops/variable';
import { translateMemory } from './ops/memory';
import { translateNumeric } from './ops/numeric';
import { translateConversion } from './ops/conversion';
import { translateTable } from './ops/table';
import { translateSimd } from './ops/simd';
import { WancoError } from '../wasm/errors';

export interface Operand {
  type: ValType;
  /** LLVM operand text: %name, a literal or a constant expression */
  v: string;
}

export type FrameKind = 'func' | 'block' | 'loop' | 'if';

export interface Frame {
  kind: FrameKind;
  params: ValType[];
  results: ValType[];
  /** branch target: the merge block, or the loop header (under C/R maybe the flag check on its back-edges) */
  label: string;
  /** block after `end` */
  merge: string;
  /** allocas carrying branch values to `label` (results, or loop params) */
  branchSlots: string[];
  /** allocas carrying values to `merge` (results) */
  resultSlots: string[];
  /** operand-stack height below the frame's params */
  height: number;
  /** some branch or fallthrough reaches `merge` */
  mergeReached: boolean;
  /** `if` only: the else block label, and the param operands to restart it with */
  elseLabel?: string;
  elseSeen?: boolean;
  ifParams?: Operand[];
  /**
   * `if` only: the operands below the params at the `if`, which the else block starts with. The
   * then block may have replaced them (a restore variant reloads them at merges and resume
   * points); those values do not dominate the else block.
   */
  ifBelow?: Operand[];
  /** frame opened inside unreachable code: everything to its end is skipped */
  dead: boolean;
  /** Wasm offset of the opening instruction (migration points, debugger) */
  offset: number;
}

/** lines of a body joined at a time (see FunctionTranslator.lines) */
const BODY_CHUNK = 64;

export class FunctionTranslator {
  readonly type: FuncType;
  readonly localTypes: ValType[];
  private readonly allocas: string[] = [];
  /**
   * The body's last lines, and the chunks of BODY_CHUNK lines joined before them. Kept as lines
   * until the end, a large function's lines survived one young-generation collection after
   * another: sqlite3's C/R translation spent 3.3-4.0 s in scavenges and 0.2-0.9 s in full
   * collections of its 8.5-9.1 s of CPU; joined every 64 lines, 1.0-1.4 s and 0.1-0.2 s of 6.3-6.5 s.
   */
  private lines: string[] = [];
  private readonly chunks: string[] = [];
  private tmpCounter = 0;
  private labelCounter = 0;
  readonly stack: Operand[] = [];
  readonly control: Frame[] = [];
  /** name of the block being filled, or null after a terminator (unreachable code) */
  current: string | null = 'entry';
  private readonly trapBlocks = new Map<TrapCode, string>();
  /** the function's cached linear-memory base (memory never moves) */
  memBase = '';
  /** restore variant: (point id, restore block) pairs for the dispatch */
  readonly restoreCases: [bigint, string][] = [];
  private readonly depthSlots = new Map<string, string>();

  constructor(readonly mod: ModuleContext, readonly func: Func, readonly restoreMode = false) {
    this.type = mod.module.types[func.typeIndex];
    this.localTypes = [...this.type.params, ...func.locals];
  }

  get index(): number { return this.func.index; }

  tmp(): string { return `%t${this.tmpCounter++}`; }
  newLabel(hint: string): string { return `${hint}${this.labelCounter++}`; }

  emit(line: string): void {
    if (this.current !== null) this.line('  ' + line);
  }

  private line(text: string): void {
    this.lines.push(text);
    if (this.lines.length >= BODY_CHUNK) {
      this.chunks.push(this.lines.join('\n'));
      this.lines = [];
    }
  }

  /** Emits an instruction producing a value and returns its name. */
  value(rhs: string): string {
    const t = this.tmp();
    this.emit(`${t} = ${rhs}`);
    return t;
  }

  alloca(type: ValType, name: string): string {
    const slot = `%${name}`;
    this.allocas.push(`  ${slot} = alloca ${llvmType(type)}`);
    return slot;
  }

  /** An alloca holding operand-stack depth `d` of type `type` (restore variants). */
  depthSlot(d: number, type: ValType): string {
    const key = `${d}.${type}`;
    let slot = this.depthSlots.get(key);
    if (!slot) {
      slot = this.alloca(type, `sd${key}`);
      this.depthSlots.set(key, slot);
    }
    return slot;
  }

  startBlock(label: string): void {
    this.line(`${label}:`);
    this.current = label;
  }

  /** Ends the current block with a terminator; following code is unreachable until a new block. */
  terminate(line: string): void {
    this.emit(line);
    this.current = null;
  }

  push(type: ValType, v: string): void { this.stack.push({ type, v }); }

  pop(): Operand {
    const op = this.stack.pop();
    if (!op) throw new WancoError(`internal error: operand stack underflow in function ${this.index}`);
    return op;
  }

  popN(n: number): Operand[] {
    const out = this.stack.splice(this.stack.length - n, n);
    if (out.length !== n) throw new WancoError(`internal error: operand stack underflow in function ${this.index}`);
    return out;
  }

  peek(): Operand { return this.stack[this.stack.length - 1]; }

  blockSignature(bt: BlockType): FuncType {
    switch (bt.kind) {
      case 'empty': return { params: [], results: [] };
      case 'value': return { params: [], results: [bt.type] };
      case 'func': return this.mod.module.types[bt.typeIndex];
    }
  }

  /** Branches to `trap.<code>` when `cond` (an i1) is true, continuing in a fresh block. */
  trapIf(cond: string, code: TrapCode): void {
    let trap = this.trapBlocks.get(code);
    if (!trap) {
      trap = `trap.${code}`;
      this.trapBlocks.set(code, trap);
    }
    const ok = this.newLabel('ok');
    this.emit(`br i1 ${cond}, label %${trap}, label %${ok}, !prof !0`);
    this.startBlock(ok);
  }

  trap(code: TrapCode): void {
    this.emit(`call void @wrt_trap(i32 ${code}, i32 ${this.index})`);
    this.terminate('unreachable');
  }

  storeSlots(slots: string[], values: Operand[]): void {
    for (let i = 0; i < slots.length; i++) {
      this.emit(`store ${llvmType(values[i].type)} ${values[i].v}, ${llvmType(values[i].type)}* ${slots[i]}`);
    }
  }

  loadSlots(slots: string[], types: ValType[]): void {
    for (let i = 0; i < slots.length; i++) {
      const t = llvmType(types[i]);
      this.push(types[i], this.value(`load ${t}, ${t}* ${slots[i]}`));
    }
  }

  /** Opens a control frame; its values are carried through allocas. */
  pushFrame(kind: FrameKind, sig: FuncType, offset: number, dead: boolean): Frame {
    const id = this.labelCounter++;
    const merge = `${kind}.end${id}`;
    const label = kind === 'loop' ? `loop${id}` : merge;
    const resultSlots = dead ? [] : sig.results.map((t, i) => this.alloca(t, `r${id}.${i}`));
    const branchSlots = kind === 'loop'
      ? (dead ? [] : sig.params.map((t, i) => this.alloca(t, `p${id}.${i}`)))
      : resultSlots;
    const frame: Frame = {
      kind, params: sig.params, results: sig.results, label, merge, branchSlots, resultSlots,
      height: this.stack.length - (dead ? 0 : sig.params.length), mergeReached: false, dead, offset,
    };
    this.control.push(frame);
    return frame;
  }

  /** Branch to the frame `depth` levels out, carrying its branch values from the stack. */
  branchTo(depth: number): void {
    const frame = this.control[this.control.length - 1 - depth];
    const arity = frame.kind === 'loop' ? frame.params : frame.results;
    const values = this.stack.slice(this.stack.length - arity.length);
    this.storeSlots(frame.branchSlots, values);
    if (frame.kind !== 'loop') frame.mergeReached = true;
    this.emit(`br label %${frame.label}`);
  }

  frameAt(depth: number): Frame {
    return this.control[this.control.length - 1 - depth];
  }

  translate(): string {
    const f = this.func;
    const sig = this.type;
    // a restore variant has the same params (a transfer is a musttail call), which it ignores
    const params = sig.params.map((t, i) => `${llvmType(t)} %a${i}`).join(', ');
    const ret = llvmResultType(sig.results);

    // Locals: params are copied into allocas so that local.set works uniformly.
    for (let i = 0; i < this.localTypes.length; i++) {
      const t = this.localTypes[i];
      this.alloca(t, `l${i}`);
      const init = i < sig.params.length && !this.restoreMode ? `%a${i}` : zeroValue(t);
      this.emit(`store ${llvmType(t)} ${init}, ${llvmType(t)}* %l${i}`);
    }
    if (this.mod.usesMemory) {
      this.memBase = this.value('load i8*, i8** @wrt_mem_base');
    }
    this.emitStackCheck();
    this.mod.cr?.onFunctionEntry(this);

    const fn = this.pushFrame('func', { params: [], results: sig.results }, f.bodyOffset, false);
    for (const ins of f.body) this.translateInstr(ins);
    if (this.control.length !== 0) {
      throw new WancoError(`function ${this.index}: body does not end with 'end'`);
    }
    // The function frame's merge block returns its results.
    if (fn.mergeReached) {
      this.startBlock(fn.merge);
      this.loadSlots(fn.resultSlots, fn.results);
      this.emitReturn();
    }

    const out: string[] = [];
    const cr = this.mod.cr;
    const symbol = this.restoreMode ? this.mod.restoreSymbol(f.index) : this.mod.funcSymbol(f.index);
    // Functions that cannot reach a migration point are leaves for rewrite-statepoints-for-gc.
    out.push(`define ${this.mod.linkage} ${ret} @${symbol}(${params}) ${this.attributeGroup()}${cr?.functionAttributes(this) ?? ''} {`);
    out.push('entry:');
    // (no spread: a debug build's body can have more lines than the call stack holds arguments)
    for (const line of this.allocas) out.push(line);
    for (const chunk of this.chunks) out.push(chunk);
    for (const line of this.lines) out.push(line);
    for (const [code, label] of this.trapBlocks) {
      out.push(`${label}:`);
      out.push(`  call void @wrt_trap(i32 ${code}, i32 ${this.index})`);
      out.push('  unreachable');
    }
    if (cr) out.push(...cr.finish(this));
    out.push('}');
    return out.join('\n');
  }

  /** #1 marks functions that cannot reach a migration point: leaves for rewrite-statepoints-for-gc. */
  attributeGroup(): string {
    const cr = this.mod.cr;
    return !cr || cr.instrumented(this.index) ? '#0' : '#1';
  }

  /** A declaration of this function for other partitions of the module. */
  declaration(): string {
    const params = this.type.params.map(llvmType).join(', ');
    const symbol = this.restoreMode ? this.mod.restoreSymbol(this.index) : this.mod.funcSymbol(this.index);
    return `declare hidden ${llvmResultType(this.type.results)} @${symbol}(${params}) ${this.attributeGroup()}`;
  }

  /** Call-stack exhaustion is a trap: compare the stack pointer with the runtime's limit. */
  private emitStackCheck(): void {
    const sp = this.value('call i8* @llvm.stacksave()');
    const spInt = this.value(`ptrtoint i8* ${sp} to i64`);
    const limit = this.value('load i64, i64* @wrt_stack_limit');
    const below = this.value(`icmp ult i64 ${spInt}, ${limit}`);
    this.trapIf(below, TrapCode.StackExhausted);
  }

  emitReturn(): void {
    const results = this.type.results;
    const values = this.popN(results.length);
    if (results.length === 0) {
      this.terminate('ret void');
    } else if (results.length === 1) {
      this.terminate(`ret ${llvmType(results[0])} ${values[0].v}`);
    } else {
      const st = llvmResultType(results);
      let agg = 'undef';
      values.forEach((v, i) => {
        agg = this.value(`insertvalue ${st} ${agg}, ${llvmType(v.type)} ${v.v}, ${i}`);
      });
      this.terminate(`ret ${st} ${agg}`);
    }
  }

  private translateInstr(ins: Instr): void {
    if (this.current === null) {
      this.skipUnreachable(ins);
      return;
    }
    this.mod.cr?.beforeInstruction(this, ins);
    if (translateControl(this, ins)) return;
    if (translateVariable(this, ins)) return;
    if (translateMemory(this, ins)) return;
    if (translateNumeric(this, ins)) return;
    if (translateConversion(this, ins)) return;
    if (translateTable(this, ins)) return;
    if (translateSimd(this, ins)) return;
    throw new WancoError(
      `function ${this.index} at 0x${ins.offset.toString(16)}: unsupported instruction 0x${ins.op.toString(16)}`);
  }

  /** In unreachable code only the control structure is tracked. */
  private skipUnreachable(ins: Instr): void {
    switch (ins.op) {
      case Op.block: case Op.loop: case Op.if:
        this.pushFrame(ins.op === Op.loop ? 'loop' : ins.op === Op.if ? 'if' : 'block',
          this.blockSignature(ins.blockType!), ins.offset, true);
        return;
      case Op.else: case Op.end:
        translateControl(this, ins);
        return;
      default:
        return;
    }
  }
}
