/**
 * Checkpoint/restore instrumentation (compiled unless --no-checkpoint).
 *
 * Normal variant `wf<i>` of a function that reaches a migration point:
 *  - at each point: `if (volatile wrt_cr_flag) wrt_cr_point(id) ["deopt"(state)]`;
 *    loop points are strip-mined (strip-loops.ts): a loop's back-edges reach its point only
 *    every POLL_STRIDE iterations or when the flag is set;
 *  - each call that can reach a point carries `["deopt"(id, locals, stack below args)]`.
 *  LLVM inlines through the bundles (merging the frames' state) and
 *  rewrite-statepoints-for-gc turns them into statepoint records at the return
 *  addresses, from which the runtime reads the Wasm state.
 * Restore variant `wr<i>` (the same signature; it ignores its params): the same body, entered
 * through a dispatch on the saved point id that reloads locals and operand
 * stack and jumps to the loop header / call / function start it was saved at
 * (where restore variants are compiled apart, a frame saved at the function start is the
 * normal variant's to run: a musttail call with the saved params);
 * at a call it calls the callee's restore variant, which continues the chain.
 * Only restore variants carry those extra edges, so normal code pays only for
 * the flag checks and the deopt values.
 *
 * Resumable functions (see `resumable`): at every loop header the restore variant reaches (a loop
 * point, the back-edge of a loop it resumed in, a loop after a call) it hands the frame to the
 * normal variant, so it is acyclic (where transfers into nested loops would cost too many phis, it
 * does so only at the headers of outermost loops and keeps the nested loops: see
 * NESTED_TRANSFER_BUDGET). The frame's values go to the runtime's transfer buffer
 * (wrt_cr_transfer fills it with the frame's saved locals; the restore variant stores the operand
 * stack and the locals it may have assigned since, see assigned.ts) and a musttail call enters
 * `wf<i>`, replacing the restore variant's frame.
 * `wf<i>`'s entry polls the flag (it is set for the transfer); on its cold path
 * wrt_cr_transfer_take says whether a transfer is pending, and a dispatch reloads the locals and
 * the operand stack and jumps to the loop header. A loop header is a merge block already: the
 * new edge keeps the CFG reducible and costs the normal path one poll per call. So a restored
 * frame runs the restore variant's code only up to its next loop header (of an outermost loop,
 * in functions over the budget) or return, and restore
 * variants are compiled cheaply (backend/pipeline.ts); a restore variant with loops took more opt
 * and llc time than the normal code (sqlite3: every local a phi at every point).
 *
 * Debug builds (--debug-points) add, in every function, a statement point before each
 * instruction at which the Wasm operand stack is empty (except `loop`, whose header point
 * follows at once, and `else`/`end`), and an after-call point right after each call that can
 * reach a point (its results on the stack). They are ordinary resumable points (a snapshot can
 * be taken and restored there); their ids carry a tag in the offset part so that they never
 * equal an entry, loop or call id. Without a line table (`.wat`) every local keeps its value in
 * them; with one (source-level debugging) the state holds the live locals, as in a normal build.
 */
import type { FuncType, Instr, ValType } from '../wasm/types';
import { Op } from '../wasm/opcodes';
import { llvmResultType, llvmType } from '../llvm/ir';
import type { Frame, FunctionTranslator, Operand } from '../translate/function';
import { signatureKey, type CrHooks, type ModuleContext } from '../translate/module-context';
import type { CrAnalysis } from './callgraph';
import { callResults } from '../translate/ops/control';
import { analyzeLiveness, type Liveness } from './liveness';
import { analyzeAssignedSinceRestore } from './assigned';
import { WancoError } from '../wasm/errors';
import { planStrips, POLL_STRIDE, type CountedLoop, type StripPlan } from './strip-loops';
import { AFTER_CALL_TAG, MAX_TAGGED_OFFSET, PointKind, pointId, pointIdLlvm as idText, STATEMENT_TAG } from './points';
import { partitionPoint } from '../partition-point';


export interface PointInfo {
  id: bigint;
  funcIndex: number;
  kind: PointKind;
  localTypes: ValType[];
  stackTypes: ValType[];
  /** bit k set: local k is in the point's deopt state (it is live there); undefined: every local */
  live?: bigint;
}

const RESTORE_FN: Record<ValType, string> = {
  i32: 'wrt_cr_restore_i32', i64: 'wrt_cr_restore_i64', f32: 'wrt_cr_restore_f32',
  f64: 'wrt_cr_restore_f64', v128: '', funcref: 'wrt_cr_restore_ref', externref: 'wrt_cr_restore_ref',
};

/** A loop header of a resumable function's normal variant that a transfer can enter. */
interface ResumeCase {
  id: bigint;
  header: string;
  /** the headers of the loops around this one, outermost first (see finishResumes) */
  outer: string[];
  /** where the header reads the operand-stack values below the loop and the loop params from */
  below: { type: ValType; slot: string }[];
  params: { type: ValType; slot: string }[];
}

/**
 * Functions with fewer instructions keep loops in their restore variants (no transfer): the
 * resume dispatch in the normal variant would count against LLVM's inlining of small functions,
 * and their restore variants are cheap to compile anyway. WANCO_RESUMABLE_MIN overrides it (tests
 * set 1 so that small fixtures exercise transfers; tuning).
 */
export const RESUMABLE_MIN_INSTRUCTIONS = Number(process.env.WANCO_RESUMABLE_MIN ?? 64);

/**
 * A resumable function whose transfers into nested loops would cost more than this keeps its
 * nested loops in its restore variant: transfers enter only its outermost loops. A transfer into
 * a nested loop passes through the headers of the loops around it, so every local live at the
 * nested header and set in the loops around it becomes a phi there, and llc's register coalescer
 * and allocator pay for each across the function. The cost is that product: the locals live at
 * each nested header, summed, times the function's instructions. sqlite3's interpreter loop (72
 * nested loops, 2,086 live locals at their headers, 21,527 instructions: 45 M) had 5,473 phis
 * after opt instead of 871, and llc took 5.96 s on it instead of 3.36 s (the coalescer 1.45 s
 * instead of 0.13 s); the whole C/R build took 129-131 s of CPU instead of 135. No other function
 * of sqlite3, bzip2 or mawk costs more than 15 M, and none of the bench programs' more than 7 M
 * (printf's core).
 * What it costs at run time: a frame restored inside a nested loop of such a function runs
 * restore-variant code up to the next header of an outermost loop (the interpreter's: its next
 * instruction). WANCO_NESTED_TRANSFER_BUDGET overrides it (tests, tuning).
 */
export const NESTED_TRANSFER_BUDGET = Number(process.env.WANCO_NESTED_TRANSFER_BUDGET ?? 30e6);

/**
 * Bytes per value in the transfer buffer (room for a v128); values at 16 * k, locals first. The
 * runtime writes the saved locals there too (WRT_TRANSFER_SLOT in wrt.h; test/cr/assigned.test.ts
 * holds it to this).
 */
export const TRANSFER_SLOT = 16;

/**
 * The indices of the set bits of `live` below `count`, ascending (undefined: all of them). Read
 * from its binary digits: -O0 C code has functions of thousands of locals and points, few of them live.
 */
export function liveLocals(live: bigint | undefined, count: number): number[] {
  if (live === undefined) return Array.from({ length: count }, (_, i) => i);
  const digits = live.toString(2);
  const out: number[] = [];
  for (let pos = digits.lastIndexOf('1'); pos >= 0; pos = pos > 0 ? digits.lastIndexOf('1', pos - 1) : -1) {
    const i = digits.length - 1 - pos;
    if (i >= count) break;
    out.push(i);
  }
  return out;
}

export class CrInstrumentation implements CrHooks {
  readonly points = new Map<bigint, PointInfo>();
  private readonly liveness = new Map<number, Liveness | undefined>();
  /** resumable functions: per loop header a transfer leaves from, the locals possibly assigned since a restore point (assigned.ts) */
  private readonly assigned = new Map<number, Map<number, bigint> | undefined>();
  private readonly strips = new Map<number, Map<number, StripPlan>>();
  /** counted loops being translated: the strip end E, the point block and the body block */
  private readonly counted = new WeakMap<Frame, { loop: CountedLoop; end: string; header: string; body: string }>();
  private readonly resumableFuncs = new Map<number, boolean>();
  /** resumable functions: whether transfers enter nested loops too (see NESTED_TRANSFER_BUDGET) */
  private readonly nestedTargets = new Map<number, boolean>();
  /** normal variants of resumable functions: the loop headers a transfer can enter */
  private readonly resumes = new Map<FunctionTranslator, ResumeCase[]>();
  /** a loop frame's header label (frame.label may become its back-edge check) */
  private readonly headers = new WeakMap<Frame, string>();
  /** normal variants of resumable functions whose nested loops take transfers: headers of loops around loops (they pass transfers on) */
  private readonly passOn = new Map<FunctionTranslator, string[]>();

  /** debug builds of modules with a DWARF line table: where source lines start (file offsets, ascending) */
  private readonly lineStarts?: number[];
  /** per function being translated: the next line start not passed yet, and whether a passed one still waits for its point */
  private readonly lineState = new WeakMap<FunctionTranslator, { next: number; open: boolean }>();

  /**
   * `lineStarts` (debug builds, modules built with -g): the file offsets of the instructions where
   * the line table starts a statement (wasm/debug-line.ts). Statement points then go only there,
   * and functions without any (the C library, built without -g) get none, nor after-call points:
   * a source-level debugger stops nowhere else. Without it every instruction with an empty operand
   * stack gets one (`.wat` and modules without DWARF, debugged instruction by instruction).
   */
  constructor(private readonly mod: ModuleContext, readonly analysis: CrAnalysis, readonly debugPoints = false, lineStarts?: Iterable<number>) {
    this.lineStarts = debugPoints && lineStarts ? [...lineStarts].sort((a, b) => a - b) : undefined;
  }

  /** the index of the first line start at or after `offset` */
  private firstLineFrom(offset: number): number {
    const starts = this.lineStarts!;
    return partitionPoint(starts.length, (i) => starts[i] < offset);
  }

  private readonly withStatements = new Map<number, boolean>();

  /** Debug builds: whether `t`'s function gets after-call points (one with source lines, or any without a line table). */
  private functionHasStatements(t: FunctionTranslator): boolean {
    if (!this.lineStarts) return true;
    let has = this.withStatements.get(t.index);
    if (has === undefined) {
      const k = this.firstLineFrom(t.func.bodyOffset);
      has = k < this.lineStarts.length && this.lineStarts[k] < t.func.bodyEnd;
      this.withStatements.set(t.index, has);
    }
    return has;
  }

  instrumented(funcIndex: number): boolean {
    return this.analysis.reaches[funcIndex];
  }

  /**
   * A restore variant of this function leaves for the normal variant at loop headers (see the
   * file comment): builds whose restore variants are compiled apart (ModuleContext.restoreApart;
   * not debug builds, whose restore variants stay whole and unoptimised), for instrumented
   * functions with a loop and at least RESUMABLE_MIN_INSTRUCTIONS instructions.
   */
  resumable(t: FunctionTranslator): boolean {
    if (!this.mod.restoreApart || !this.instrumented(t.index)) return false;
    let r = this.resumableFuncs.get(t.index);
    if (r === undefined) {
      r = t.func.body.length >= RESUMABLE_MIN_INSTRUCTIONS && t.func.body.some((ins) => ins.op === Op.loop);
      this.resumableFuncs.set(t.index, r);
    }
    return r;
  }

  /**
   * Whether a transfer can enter the loop at `loopOffset` (a resumable function's loop): every loop,
   * or only the outermost ones where transfers into nested loops would cost more than
   * NESTED_TRANSFER_BUDGET. The restore variant hands over there, and the normal variant takes it.
   */
  private transferTarget(t: FunctionTranslator, loopOffset: number): boolean {
    return this.nestedTransfers(t) || !this.loops(t).nested.includes(loopOffset);
  }

  /** Whether transfers of a resumable function enter its nested loops too. */
  private nestedTransfers(t: FunctionTranslator): boolean {
    let nested = this.nestedTargets.get(t.index);
    if (nested === undefined) {
      let phis = 0;
      for (const offset of this.loops(t).nested) phis += liveLocals(this.liveAt(t, pointId(t.index, offset)), t.localTypes.length).length;
      this.nestedTargets.set(t.index, nested = phis * t.func.body.length <= NESTED_TRANSFER_BUDGET);
    }
    return nested;
  }

  functionAttributes(t: FunctionTranslator): string {
    // Debug builds: no inlining (each inlined copy would repeat the callee's points with the
    // caller's state appended; frames stay the Wasm frames), and restore variants are not
    // optimised: a restore block per statement makes every local a phi at every statement, which
    // took opt minutes (nbody: 315 s -> 13 s). Only frames rebuilt by a restore run them.
    //
    // Restore variants of other builds: noimplicitfloat, which keeps LLVM's SLP and loop
    // vectorizers off them (explicit float and v128 code is unchanged). A restore variant reloads
    // every local in one block and merges them into each point's continuation; SLP spent 13 of
    // opt's 45 s on sqlite3's restore variants of one partition. What it costs: a loop that goes on
    // in a frame rebuilt by a restore runs unvectorized until that frame returns.
    const attributes = this.debugPoints ? (t.restoreMode ? ' noinline optnone' : ' noinline') : t.restoreMode ? ' noimplicitfloat' : '';
    return this.instrumented(t.index) ? `${attributes} gc "statepoint-example"` : '';
  }

  /**
   * A restore variant at a loop point: the saved values below the loop and the loop's parameters
   * go into their slots, then the loop header begins with the values below reloaded.
   */
  private restoredLoopHeader(t: FunctionTranslator, id: bigint, frame: Frame, below: Operand[]): void {
    const values = this.restoreBlock(t, id, [...below.map((s) => s.type), ...frame.params]);
    this.storeDepths(t, values.slice(0, below.length).map((v, i) => ({ type: below[i].type, v })));
    t.storeSlots(frame.branchSlots, values.slice(below.length).map((v, i) => ({ type: frame.params[i], v })));
    t.emit(`br label %${frame.label}`);
    t.startBlock(frame.label);
    this.reload(t, below.length);
  }

  private register(t: FunctionTranslator, id: bigint, kind: PointKind, stack: Operand[]): void {
    if (!this.points.has(id)) {
      this.points.set(id, { id, funcIndex: t.index, kind, localTypes: t.localTypes, stackTypes: stack.map((s) => s.type), live: this.liveAt(t, id) });
    }
  }

  /**
   * The locals a point's state holds. Debug builds of modules without a line table (`.wat`, debugged
   * in Wasm terms) hold every local: a debugger shows every local's value. With a line table the
   * debugger shows source variables, and a dead local's value is unknown there as in optimised
   * native code; holding every local at every statement made -O0 C code's debug builds
   * statements x locals in size (bzip2 ran Node out of memory).
   */
  private liveAt(t: FunctionTranslator, id: bigint): bigint | undefined {
    if (this.debugPoints && !this.lineStarts) return undefined;
    if (!this.liveness.has(t.index)) this.liveness.set(t.index, analyzeLiveness(t.func, this.debugPoints));
    return this.liveness.get(t.index)?.at.get(Number(id & BigInt(MAX_TAGGED_OFFSET)));
  }

  /**
   * `[ "deopt"(i64 id, live locals..., stack...) ]`: the locals live at the point, loaded from their
   * allocas. Dead ones are left out (the point's descriptor says which are in: PointInfo.live); the
   * runtime saves them as zero. As constants they took 40 % of sqlite3's 14 MB of stackmaps.
   */
  private bundle(t: FunctionTranslator, id: bigint, stack: Operand[]): string {
    const values = [`i64 ${idText(id)}`];
    const live = this.liveAt(t, id);
    for (const i of liveLocals(live, t.localTypes.length)) {
      const ty = llvmType(t.localTypes[i]);
      values.push(`${ty} ${t.value(`load ${ty}, ${ty}* %l${i}`)}`);
    }
    for (const s of stack) values.push(`${llvmType(s.type)} ${s.v}`);
    return ` [ "deopt"(${values.join(', ')}) ]`;
  }

  /**
   * The flag check and the cold call into the runtime. `strip` (counted loops): the strip end
   * computed before the check, and how the cold path changes it after the call; the value the
   * loop then uses comes back.
   */
  private emitPoint(t: FunctionTranslator, id: bigint, kind: PointKind, strip?: { end: string; afterCall: () => string }): string | undefined {
    this.register(t, id, kind, t.stack);
    const set = this.flagSet(t);
    const cold = t.newLabel('mp');
    const cont = t.newLabel('mpc');
    const from = t.current;
    t.emit(`br i1 ${set}, label %${cold}, label %${cont}, !prof !0`);
    t.startBlock(cold);
    this.pointCall(t, id);
    const coldEnd = strip?.afterCall();
    const coldFrom = t.current;
    t.terminate(`br label %${cont}`);
    t.startBlock(cont);
    return strip ? t.value(`phi i32 [ ${strip.end}, %${from} ], [ ${coldEnd}, %${coldFrom} ]`) : undefined;
  }

  /** The runtime call of a point (its flag check is the caller's). */
  private pointCall(t: FunctionTranslator, id: bigint): void {
    t.emit(`call void @wrt_cr_point(i64 ${idText(id)})${this.bundle(t, id, t.stack)}`);
  }

  private readonly loopNests = new Map<number, LoopNests>();

  /** `t`'s loops that hold other loops and those inside others (once per function: a walk of its whole body) */
  private loops(t: FunctionTranslator): LoopNests {
    let nests = this.loopNests.get(t.index);
    if (!nests) this.loopNests.set(t.index, nests = loopNests(t.func.body));
    return nests;
  }

  private stripPlan(t: FunctionTranslator, offset: number): StripPlan {
    let plans = this.strips.get(t.index);
    if (!plans) {
      plans = planStrips(t.func.body);
      // A transfer enters a loop nested in a counted loop past the counted loop's header, where
      // its strip end is computed: in resumable functions whose nested loops transfers enter, only
      // innermost loops are strip-mined (an outer loop checks the flag once per iteration, next
      // to a whole inner loop).
      if (this.resumable(t) && this.nestedTransfers(t)) for (const outer of this.loops(t).around) plans.delete(outer);
      this.strips.set(t.index, plans);
    }
    return plans.get(offset) ?? { kind: 'flag' };
  }

  /** Reads one saved value of type `type` from the runtime. */
  private restoreValue(t: FunctionTranslator, type: ValType): string {
    if (type === 'v128') {
      const tmp = t.alloca('v128', `rv${t.newLabel('')}`);
      const p = t.value(`bitcast <2 x i64>* ${tmp} to i8*`);
      t.emit(`call void @wrt_cr_restore_v128(i8* ${p})`);
      return t.value(`load <2 x i64>, <2 x i64>* ${tmp}`);
    }
    return t.value(`call ${llvmType(type)} @${RESTORE_FN[type]}()`);
  }

  /**
   * Opens the restore block of a point and reads its operand-stack values. The locals were read
   * before, by the block all restore cases share (finish): a restore block per point that read
   * every local made a restore variant O(points x locals) in size (vfprintf's: 135 points x 42
   * locals, 5,700 runtime calls), which is what opt and llc spent their time on.
   */
  private restoreBlock(t: FunctionTranslator, id: bigint, stackTypes: ValType[]): string[] {
    const label = `restore.${t.newLabel('')}`;
    t.restoreCases.push([id, label]);
    t.startBlock(label);
    return stackTypes.map((st) => this.restoreValue(t, st));
  }

  onFunctionEntry(t: FunctionTranslator): void {
    if (!this.instrumented(t.index)) return;
    const entry = this.analysis.entryPoint[t.index];
    if (t.restoreMode) {
      const body = t.newLabel('body');
      t.terminate('br label %restore.dispatch');
      if (entry) {
        // A frame saved at the function entry: locals back, then start the body. Where restore
        // variants are compiled apart, the normal variant starts it instead (a frame at its entry
        // holds its params only): the restore variant keeps only the code a call point reaches.
        this.restoreBlock(t, pointId(t.index, t.func.bodyOffset), []);
        if (this.mod.restoreApart) {
          this.handOver(t, t.type.params.map((_, i) => CrInstrumentation.loadLocal(t, i)).map((a) => `${llvmType(a.type)} ${a.v}`));
        } else {
          t.emit(`br label %${body}`);
        }
      }
      t.startBlock(body);
    } else if (this.resumable(t)) {
      // The entry poll also takes a transfer from the restore variant (file comment); then the
      // entry point, if there is one.
      this.resumes.set(t, []);
      if (this.nestedTransfers(t)) {
        this.passOn.set(t, []);
        t.alloca('i32', 'cr.xt');
        t.emit('store i32 0, i32* %cr.xt');
      }
      const take = t.newLabel('xtake');
      const enter = t.newLabel('xenter');
      const cont = t.newLabel('xcont');
      t.emit(`br i1 ${this.flagSet(t)}, label %${take}, label %${cont}, !prof !0`);
      t.startBlock(take);
      t.emit(`%cr.xid = call i64 @wrt_cr_transfer_take(i32 ${t.index})`);
      t.emit('%cr.xnone = icmp eq i64 %cr.xid, 0');
      t.terminate(`br i1 %cr.xnone, label %${enter}, label %resume.transfer`);
      t.startBlock(enter);
      if (entry) {
        const id = pointId(t.index, t.func.bodyOffset);
        this.register(t, id, PointKind.FuncEntry, t.stack);
        this.pointCall(t, id);
      }
      t.terminate(`br label %${cont}`);
      t.startBlock(cont);
      return;
    }
    if (entry) this.emitPoint(t, pointId(t.index, t.func.bodyOffset), PointKind.FuncEntry);
  }

  /** Operand-stack values go through per-depth slots around control flow (see onFrameEntry). */
  private usesDepthSlots(t: FunctionTranslator): boolean {
    return this.instrumented(t.index) && (t.restoreMode || this.resumable(t));
  }

  /**
   * Restore variant of a resumable function at a loop header: the frame's values (locals, then the
   * operand stack with the loop params) go to the transfer buffer and the normal variant takes the
   * frame over (a musttail call: no frame of the restore variant stays behind). The call is no
   * statepoint (gc-leaf-function) and is never inlined.
   */
  private transfer(t: FunctionTranslator, id: bigint, loop: Frame): void {
    // The runtime has written the frame's saved locals into the buffer. Of the locals live at the
    // header (the normal variant reads no other slot, see finishResumes), only those assigned
    // since a restore point may differ from them.
    const n = t.localTypes.length;
    const assigned = this.assignedAt(t, loop);
    const stored = liveLocals(this.liveAt(t, id), n).filter((i) => assigned === undefined || (assigned >> BigInt(i)) & 1n);
    const values: { slot: number; value: Operand }[] = [
      ...stored.map((i) => ({ slot: i, value: CrInstrumentation.loadLocal(t, i) })),
      ...t.stack.map((s, j) => ({ slot: n + j, value: s })),
    ];
    const buf = t.value(`call i8* @wrt_cr_transfer(i64 ${idText(id)}, i32 ${TRANSFER_SLOT * (n + t.stack.length)}, i32 %cr.frame)`);
    for (const { slot, value } of values) {
      const ty = llvmType(value.type);
      const p = t.value(`getelementptr inbounds i8, i8* ${buf}, i64 ${TRANSFER_SLOT * slot}`);
      t.emit(`store ${ty} ${value.v}, ${ty}* ${t.value(`bitcast i8* ${p} to ${ty}*`)}, align 8`);
    }
    this.handOver(t, t.type.params.map((p) => `${llvmType(p)} undef`));
  }

  /**
   * Restore variant of a resumable function: the locals possibly assigned since a restore point
   * when it reaches the header of `loop` (undefined: not known, every live local is stored).
   */
  private assignedAt(t: FunctionTranslator, loop: Frame): bigint | undefined {
    if (!this.assigned.has(t.index)) {
      this.assigned.set(t.index, analyzeAssignedSinceRestore(t.func, {
        restoresAfter: (call) => this.callPoint(call),
        transfersAt: (loop) => this.transferTarget(t, loop.offset),
      }));
    }
    // a header the analysis did not see as one (it should see every one) stores every live local
    return this.assigned.get(t.index)?.get(loop.offset);
  }

  /** The value of local `i` (its alloca) at this point of the function. */
  private static loadLocal(t: FunctionTranslator, i: number): Operand {
    const ty = llvmType(t.localTypes[i]);
    return { type: t.localTypes[i], v: t.value(`load ${ty}, ${ty}* %l${i}`) };
  }

  /**
   * Restore variant: ends the block with a musttail call of the normal variant with `args`, which
   * replaces the restore variant's frame. The call is no statepoint (gc-leaf-function) and is
   * never inlined.
   */
  private handOver(t: FunctionTranslator, args: string[]): void {
    const ret = llvmResultType(t.type.results);
    const call = `musttail call ${ret} @${this.mod.funcSymbol(t.index)}(${args.join(', ')}) #5`;
    if (t.type.results.length === 0) {
      t.emit(call);
      t.terminate('ret void');
    } else {
      t.terminate(`ret ${ret} ${t.value(call)}`);
    }
  }

  /**
   * Reads value k of type `type` from a buffer in the transfer layout (`buf`: the transfer buffer,
   * or the restored frame's locals) into `name`, in dispatch code emitted by finish.
   */
  private static slotLoad(out: string[], buf: string, name: string, k: number, type: ValType): string {
    const ty = llvmType(type);
    out.push(`  ${name}.p = getelementptr inbounds i8, i8* ${buf}, i64 ${TRANSFER_SLOT * k}`,
      `  ${name}.q = bitcast i8* ${name}.p to ${ty}*`, `  ${name} = load ${ty}, ${ty}* ${name}.q, align 8`);
    return name;
  }

  /**
   * In restore variants the operand stack is kept in per-depth allocas around
   * control flow: a resume point re-defines the values below it, and every path
   * that meets it later (merge blocks) must see one definition. Frame entries
   * spill the stack; resume points and merges reload it; mem2reg removes the rest.
   */
  onFrameEntry(t: FunctionTranslator): void {
    if (!this.usesDepthSlots(t)) return;
    t.stack.forEach((s, d) => t.emit(`store ${llvmType(s.type)} ${s.v}, ${llvmType(s.type)}* ${t.depthSlot(d, s.type)}`));
  }

  /** At a merge block: the values below the frame come back from their slots. */
  onMerge(t: FunctionTranslator, frame: Frame): void {
    if (!this.usesDepthSlots(t)) return;
    this.reload(t, frame.height);
  }

  private reload(t: FunctionTranslator, n: number): void {
    for (let d = 0; d < n; d++) {
      const ty = llvmType(t.stack[d].type);
      t.stack[d] = { type: t.stack[d].type, v: t.value(`load ${ty}, ${ty}* ${t.depthSlot(d, t.stack[d].type)}`) };
    }
  }

  private storeDepths(t: FunctionTranslator, values: Operand[]): void {
    values.forEach((s, d) => t.emit(`store ${llvmType(s.type)} ${s.v}, ${llvmType(s.type)}* ${t.depthSlot(d, s.type)}`));
  }

  /**
   * Emits the branch into a loop header and the header itself (params are in frame.branchSlots).
   * Every loop entry passes the point (strip-loops.ts). Back-edges of a counted loop return to
   * it only at the end of a strip (the strip end is computed at the point); other loops check
   * the flag at the top of the body and leave for the point only when it is set, so that the
   * runtime call is never inside the inner loop LLVM optimises.
   */
  enterLoop(t: FunctionTranslator, frame: Frame): void {
    if (!this.instrumented(t.index)) {
      t.emit(`br label %${frame.label}`);
      t.startBlock(frame.label);
      t.loadSlots(frame.branchSlots, frame.params);
      return;
    }
    const id = pointId(t.index, frame.offset);
    t.emit(`br label %${frame.label}`);
    if (this.resumable(t) && this.transferTarget(t, frame.offset)) {
      const below = t.stack.slice();
      if (t.restoreMode) {
        // A frame saved at this loop point reads its values, then leaves like every other arrival
        // here; the body after the header is reached only from resume points inside the loop.
        this.restoredLoopHeader(t, id, frame, below);
        t.loadSlots(frame.branchSlots, frame.params);
        this.transfer(t, id, frame);
        t.startBlock(t.newLabel('loopbody'));
        t.stack.length -= frame.params.length;
        t.loadSlots(frame.branchSlots, frame.params);
        return; // frame.label stays the header: back-edges leave for the normal variant too
      }
      // The normal variant's header is where a transfer enters: the values below the loop come
      // from their depth slots (the frame entry stored them; a transfer stores restored ones).
      // A transfer into a nested loop enters through the headers of the loops around it (each
      // passes it on at once), so that every loop keeps one entry: the CFG stays reducible.
      t.startBlock(frame.label);
      this.headers.set(frame, frame.label);
      const outer = t.control.filter((f) => f.kind === 'loop' && f !== frame).map((f) => this.headers.get(f)!);
      this.resumes.get(t)!.push({
        id, header: frame.label, outer,
        below: below.map((s, d) => ({ type: s.type, slot: t.depthSlot(d, s.type) })),
        params: frame.params.map((type, i) => ({ type, slot: frame.branchSlots[i] })),
      });
      this.reload(t, below.length);
      if (this.nestedTransfers(t) && this.loops(t).around.has(frame.offset)) {
        this.passOn.get(t)!.push(frame.label);
        t.terminate(`br label %xcheck.${frame.label}`);
        t.startBlock(`xcont.${frame.label}`);
      }
    } else if (t.restoreMode) {
      // The frame entry spilled the values below the loop; the restore path overwrites them.
      const below = t.stack.slice();
      this.restoredLoopHeader(t, id, frame, below);
    } else {
      t.startBlock(frame.label);
    }
    t.loadSlots(frame.branchSlots, frame.params);
    if (this.debugPoints) {
      // Debug builds keep the point on every iteration (their statement points poll on every
      // statement anyway; a strip would only change what a step or a breakpoint sees).
      this.emitPoint(t, id, PointKind.Loop);
      return;
    }
    // Restore variants enter loops from the dispatch, past the points of the loops around
    // them, where no strip end is defined: they check the flag on every iteration.
    const plan: StripPlan = t.restoreMode ? { kind: 'flag' } : this.stripPlan(t, frame.offset);
    const header = frame.label;
    const body = t.newLabel('loopbody');
    if (plan.kind === 'counted') {
      const end = this.emitPoint(t, id, PointKind.Loop, this.stripEnd(t, plan.loop))!;
      t.stack.length -= frame.params.length;
      this.counted.set(frame, { loop: plan.loop, end, header, body });
      t.terminate(`br label %${body}`);
      t.startBlock(body);
    } else {
      this.emitPoint(t, id, PointKind.Loop);
      t.stack.length -= frame.params.length;
      // Back-edges check the flag and leave for the point block when it is set; the entry from
      // the point skips the check (while the runtime keeps the flag set, each visit of the
      // point runs one iteration).
      const go = t.newLabel('loopgo');
      t.terminate(`br label %${go}`);
      t.startBlock(body);
      t.terminate(`br i1 ${this.flagSet(t)}, label %${header}, label %${go}, !prof !0`);
      t.startBlock(go);
      frame.label = body; // Wasm branches to the loop check the flag first
      // Restore variants reach the back-edges from resume points inside the loop, and normal
      // variants of resumable functions from transfers into loops nested in it, past the
      // header's reloads: the values below the loop come back from their slots here too.
      if (this.usesDepthSlots(t)) this.reload(t, t.stack.length);
    }
    t.loadSlots(frame.branchSlots, frame.params);
  }

  /**
   * The strip end E of a counted loop, computed at its point from the induction
   * variable i and the bound: the inner loop continues while pred(i', E) holds,
   * which is pred(i', bound) during the next POLL_STRIDE iterations and false after
   * them. Near the end of the value range (where i + POLL_STRIDE * step would wrap)
   * E stops the strip after one iteration, and so does i + step, used while the
   * runtime keeps the flag set so that breakpoints and steps see every iteration.
   */
  private stripEnd(t: FunctionTranslator, loop: CountedLoop): { end: string; afterCall: () => string } {
    const i0 = t.value(`load i32, i32* %l${loop.iv}`);
    const end = loop.short ? this.bound(t, loop) : this.stripEndOf(t, loop, i0);
    // only after a call into the runtime can the flag stay set
    return { end, afterCall: () => t.value(`select i1 ${this.flagSet(t)}, i32 ${t.value(`add i32 ${i0}, ${loop.step}`)}, i32 ${end}`) };
  }

  /**
   * The poll: is the runtime's flag set? (Volatile: the runtime sets it from a signal handler or
   * another thread. After a point, it stays set while every iteration must stop by.)
   */
  private flagSet(t: FunctionTranslator): string {
    const flag = t.value('load volatile i32, i32* @wrt_cr_flag');
    return t.value(`icmp ne i32 ${flag}, 0`);
  }

  private bound(t: FunctionTranslator, loop: CountedLoop): string {
    return 'local' in loop.bound ? t.value(`load i32, i32* %l${loop.bound.local}`) : String(loop.bound.const);
  }

  /** E when the loop may run longer than a strip (see stripEnd). */
  private stripEndOf(t: FunctionTranslator, loop: CountedLoop, i0: string): string {
    const bound = this.bound(t, loop);
    const span = POLL_STRIDE * Math.abs(loop.step);
    const far = t.value(`add i32 ${i0}, ${POLL_STRIDE * loop.step}`);
    const select = (cond: string, a: string, b: string) => t.value(`select i1 ${cond}, i32 ${a}, i32 ${b}`);
    switch (loop.pred) {
      case 'ne': {
        // the loop ends within the strip when bound - i0 (in the step's direction) is a
        // multiple of |step| in [|step|, span]
        const dist = t.value(loop.step > 0 ? `sub i32 ${bound}, ${i0}` : `sub i32 ${i0}, ${bound}`);
        const distM1 = t.value(`add i32 ${dist}, -1`);
        const near = t.value(`icmp ult i32 ${distM1}, ${span}`);
        const rem = t.value(`urem i32 ${dist}, ${Math.abs(loop.step)}`);
        const exact = t.value(`icmp eq i32 ${rem}, 0`);
        const within = t.value(`and i1 ${near}, ${exact}`);
        return select(within, bound, far);
      }
      case 'lt_u': case 'lt_s': {
        const sgn = loop.pred === 'lt_s' ? 's' : 'u';
        const wraps = t.value(`icmp ${sgn}gt i32 ${i0}, ${(sgn === 's' ? 0x7fffffff : -1) - span}`);
        const lt = t.value(`icmp ${sgn}lt i32 ${bound}, ${far}`);
        const min = select(lt, bound, far);
        return select(wraps, sgn === 's' ? '-2147483648' : '0', min);
      }
      case 'gt_u': case 'gt_s': {
        const sgn = loop.pred === 'gt_s' ? 's' : 'u';
        const wraps = t.value(`icmp ${sgn}lt i32 ${i0}, ${(sgn === 's' ? -0x80000000 : 0) + span}`);
        const gt = t.value(`icmp ${sgn}gt i32 ${bound}, ${far}`);
        const max = select(gt, bound, far);
        return select(wraps, sgn === 's' ? '2147483647' : '-1', max);
      }
    }
  }

  /**
   * The back-edge `br_if 0` of a counted loop (its condition already popped):
   * the inner loop tests i' against the strip end; at the end of a strip the
   * original condition chooses between the point (next strip) and the exit.
   */
  loopBackEdge(t: FunctionTranslator, frame: Frame, ins: Instr, cond: Operand): boolean {
    const strip = this.counted.get(frame);
    if (!strip || strip.loop.backEdge !== ins.offset) return false;
    t.storeSlots(frame.branchSlots, t.stack.slice(t.stack.length - frame.params.length));
    const next = t.value(`load i32, i32* %l${strip.loop.iv}`);
    const icmp = { ne: 'ne', lt_s: 'slt', lt_u: 'ult', gt_s: 'sgt', gt_u: 'ugt' }[strip.loop.pred];
    const inStrip = t.value(`icmp ${icmp} i32 ${next}, ${strip.end}`);
    const stripDone = t.newLabel('stripend');
    t.terminate(`br i1 ${inStrip}, label %${strip.body}, label %${stripDone}`);
    t.startBlock(stripDone);
    const again = t.value(`icmp ne i32 ${cond.v}, 0`);
    const exit = t.newLabel('brif');
    t.terminate(`br i1 ${again}, label %${strip.header}, label %${exit}`);
    t.startBlock(exit);
    return true;
  }

  /** Whether a call (in an instrumented function) can reach a point: a call point, with a restore case. */
  private callPoint(call: Instr): boolean {
    return call.op === Op.call
      ? this.analysis.reaches[call.index!]
      : this.analysis.indirectReaches.has(signatureKey(this.mod.module.types[call.index!]));
  }

  /**
   * Emits a call. `callee` is the normal target; `restoreCallee` the restore
   * variant's symbol, or undefined for call_indirect (the runtime names it).
   */
  emitCall(t: FunctionTranslator, ins: Instr, type: FuncType, callee: string, restoreCallee: string | undefined): boolean {
    if (!this.instrumented(t.index) || !this.callPoint(ins)) return false;
    const id = pointId(t.index, ins.offset);
    const args = t.popN(type.params.length);
    const below = t.stack.slice();
    this.register(t, id, PointKind.Call, below);
    const ret = llvmResultType(type.results);
    const argText = args.map((a) => `${llvmType(a.type)} ${a.v}`).join(', ');
    if (!t.restoreMode) {
      const call = `call ${ret} ${callee}(${argText})${this.bundle(t, id, below)}`;
      for (const r of callResults(t, type, call)) t.push(r.type, r.v);
      this.afterCall(t, ins);
      return true;
    }
    // Restore variants compiled apart: one call for both ways in (sharedCall); a debug build's
    // restore variant keeps a direct call for each.
    if (this.mod.restoreApart) {
      this.sharedCall(t, ins, type, id, callee, restoreCallee, args, below);
      return true;
    }
    const rslots = type.results.map((r, i) => t.alloca(r, `cr${ins.offset}.${i}`));
    const after = t.newLabel('after');
    this.storeDepths(t, below);
    const r1 = callResults(t, type, `call ${ret} ${callee}(${argText})${this.bundle(t, id, below)}`);
    t.storeSlots(rslots, r1);
    t.emit(`br label %${after}`);
    // Restore path: reload this frame, then let the callee's restore variant rebuild its own.
    const values = this.restoreBlock(t, id, below.map((s) => s.type));
    const restored = values.map((v, i) => ({ type: below[i].type, v }));
    this.storeDepths(t, restored);
    let target = restoreCallee;
    if (!target) {
      const p = t.value('call i8* @wrt_cr_restore_callee()');
      target = t.value(`bitcast i8* ${p} to ${ret} (${type.params.map(llvmType).join(', ')})*`);
    }
    // a restore variant ignores its params (it reads its frame from the snapshot)
    const undefArgs = type.params.map((p) => `${llvmType(p)} undef`).join(', ');
    const r2 = callResults(t, type, `call ${ret} ${target}(${undefArgs})${this.bundle(t, id, restored)}`);
    t.storeSlots(rslots, r2);
    t.emit(`br label %${after}`);
    t.startBlock(after);
    this.reload(t, below.length);
    t.loadSlots(rslots, type.results);
    this.afterCall(t, ins);
    return true;
  }

  /**
   * A call point of a restore variant (not a debug build's): one call instruction for both ways
   * in, so one statepoint record. Code reaching it calls `callee` with its args; the restore
   * dispatch reaches it with the frame reloaded and calls the callee's restore variant (args
   * undef: it ignores them). Two calls, one per way, made restore variants' stackmaps larger than
   * the normal code's (sqlite3: 24,764 records against 17,988).
   */
  private sharedCall(t: FunctionTranslator, ins: Instr, type: FuncType, id: bigint, callee: string,
    restoreCallee: string | undefined, args: Operand[], below: Operand[]): void {
    const ret = llvmResultType(type.results);
    const fnType = `${ret} (${type.params.map(llvmType).join(', ')})*`;
    const targetSlot = t.alloca('funcref', `ct${ins.offset}`);
    const argSlots = args.map((a, i) => t.alloca(a.type, `ca${ins.offset}.${i}`));
    const site = t.newLabel('callsite');
    this.storeDepths(t, below);
    t.storeSlots(argSlots, args);
    t.emit(`store i8* ${t.value(`bitcast ${fnType} ${callee} to i8*`)}, i8** ${targetSlot}`);
    t.emit(`br label %${site}`);
    // restore path: this frame reloaded; the callee's restore variant rebuilds its own frame
    const values = this.restoreBlock(t, id, below.map((s) => s.type));
    this.storeDepths(t, values.map((v, i) => ({ type: below[i].type, v })));
    const target = restoreCallee ? t.value(`bitcast ${fnType} ${restoreCallee} to i8*`) : t.value('call i8* @wrt_cr_restore_callee()');
    t.emit(`store i8* ${target}, i8** ${targetSlot}`);
    t.emit(`br label %${site}`);
    t.startBlock(site);
    this.reload(t, below.length);
    const argText = argSlots.map((slot, i) => {
      const ty = llvmType(args[i].type);
      return `${ty} ${t.value(`load ${ty}, ${ty}* ${slot}`)}`;
    }).join(', ');
    const fn = t.value(`bitcast i8* ${t.value(`load i8*, i8** ${targetSlot}`)} to ${fnType}`);
    for (const r of callResults(t, type, `call ${ret} ${fn}(${argText})${this.bundle(t, id, t.stack)}`)) t.push(r.type, r.v);
    this.afterCall(t, ins);
  }

  /**
   * Debug builds: a statement point before `ins` when the operand stack is empty. With a line
   * table, a point where each line starts instead, whatever the operand stack holds (optimised
   * code starts lines inside expressions; the point saves the stack as a call point does), or at
   * the next instruction that can have one (a function's first line starts at its body, before
   * its first instruction; not at `loop`, `else`, `end` or in unreachable code).
   */
  beforeInstruction(t: FunctionTranslator, ins: Instr): void {
    if (!this.debugPoints || !this.instrumented(t.index)) return;
    let line: { next: number; open: boolean } | undefined;
    if (this.lineStarts) {
      line = this.lineState.get(t);
      if (!line) this.lineState.set(t, line = { next: this.firstLineFrom(t.func.bodyOffset), open: false });
      while (line.next < this.lineStarts.length && this.lineStarts[line.next] <= ins.offset) { line.open = true; line.next++; }
      if (!line.open) return;
    } else if (t.stack.length !== 0) return;
    if (t.current === null) return;
    if (ins.op === Op.loop || ins.op === Op.else || ins.op === Op.end) return;
    if (line) line.open = false;
    this.resumablePoint(t, this.taggedId(t, ins.offset, STATEMENT_TAG), PointKind.Statement);
  }

  /** Debug builds: the point right after a call returned (step out stops here). */
  private afterCall(t: FunctionTranslator, ins: Instr): void {
    if (this.debugPoints && this.functionHasStatements(t)) this.resumablePoint(t, this.taggedId(t, ins.offset, AFTER_CALL_TAG), PointKind.AfterCall);
  }

  private taggedId(t: FunctionTranslator, offset: number, tag: number): bigint {
    if (offset > MAX_TAGGED_OFFSET) {
      throw new WancoError(`function ${t.index}: code offset 0x${offset.toString(16)} is too large for --debug-points (limit 1 GiB)`);
    }
    return pointId(t.index, offset, tag);
  }

  /**
   * A point in the middle of a body. In the restore variant its restore block reloads the locals
   * and the operand stack, which reach the point through the per-depth slots.
   */
  private resumablePoint(t: FunctionTranslator, id: bigint, kind: PointKind): void {
    if (t.restoreMode && kind === PointKind.Statement && t.stack.length === 0) {
      // the stack is empty: after the shared block has reloaded the locals, resume right here
      const join = t.newLabel('dp');
      t.emit(`br label %${join}`);
      t.restoreCases.push([id, join]);
      t.startBlock(join);
    } else if (t.restoreMode) {
      const stack = t.stack.slice();
      const join = t.newLabel('dp');
      this.storeDepths(t, stack);
      t.emit(`br label %${join}`);
      const values = this.restoreBlock(t, id, stack.map((s) => s.type));
      this.storeDepths(t, values.map((v, i) => ({ type: stack[i].type, v })));
      t.emit(`br label %${join}`);
      t.startBlock(join);
      this.reload(t, stack.length);
    }
    this.emitPoint(t, id, kind);
  }

  /**
   * The restore variant's dispatch on the saved point id: an unknown id traps; otherwise the
   * locals are read back (the same for every point of the function), then the point's restore
   * block reads its operand stack (or, at a statement point, execution resumes at once).
   */
  finish(t: FunctionTranslator): string[] {
    if (!t.restoreMode) return this.finishResumes(t);
    const cases = (target?: string) => t.restoreCases.map(([id, label]) => `i64 ${idText(id)}, label %${target ?? label}`).join(' ');
    const out = [
      'restore.dispatch:',
      `  %pid = call i64 @wrt_cr_restore_frame(i32 ${t.index})`,
      // a resumable function's transfers name the frame whose saved locals the runtime hands over
      ...(this.resumable(t) ? ['  %cr.frame = call i32 @wrt_cr_restore_frame_index()'] : []),
      `  switch i64 %pid, label %restore.bad [${cases('restore.locals')}]`,
      'restore.bad:',
      `  call void @wrt_trap(i32 1, i32 ${t.index})`,
      '  unreachable',
      'restore.locals:',
    ];
    // the locals in one runtime call, as loads (a call per local made restore variants' dispatch
    // blocks calls x locals for llc, each call clobbering the registers of the values before it)
    if (t.localTypes.length > 0) out.push('  %cr.ls = call i8* @wrt_cr_restore_locals()');
    t.localTypes.forEach((lt, i) => {
      const v = CrInstrumentation.slotLoad(out, '%cr.ls', `%rs${i}`, i, lt);
      out.push(`  store ${llvmType(lt)} ${v}, ${llvmType(lt)}* %l${i}`);
    });
    out.push(`  switch i64 %pid, label %restore.bad [${cases()}]`);
    return out;
  }

  /**
   * Normal variant of a resumable function: the dispatch a transfer enters (from the entry poll):
   * locals back from the transfer buffer, then the loop's operand-stack values and params into
   * the slots its header reads, then the header. An id of no loop header here traps.
   */
  private finishResumes(t: FunctionTranslator): string[] {
    const cases = this.resumes.get(t);
    if (!cases) return [];
    this.resumes.delete(t);
    const n = t.localTypes.length;
    const out = ['resume.transfer:', '  %cr.xv = call i8* @wrt_cr_transfer_values()'];
    // the locals live at some header a transfer enters (a transfer holds those live at its own; a
    // local dead there is written before it is read, so whatever its slot holds is never used)
    let live: bigint | undefined = 0n;
    for (const c of cases) {
      const l = this.liveAt(t, c.id);
      live = l === undefined || live === undefined ? undefined : live | l;
    }
    for (const i of liveLocals(live, n)) {
      const lt = t.localTypes[i];
      const v = CrInstrumentation.slotLoad(out, '%cr.xv', `%cr.xl${i}`, i, lt);
      out.push(`  store ${llvmType(lt)} ${v}, ${llvmType(lt)}* %l${i}`);
    }
    out.push(`  switch i64 %cr.xid, label %resume.bad [${cases.map((c, k) => `i64 ${idText(c.id)}, label %resume.${k}`).join(' ')}]`,
      'resume.bad:', `  call void @wrt_trap(i32 1, i32 ${t.index})`, '  unreachable');
    cases.forEach((c, k) => {
      out.push(`resume.${k}:`);
      [...c.below, ...c.params].forEach((s, j) => {
        const v = CrInstrumentation.slotLoad(out, '%cr.xv', `%cr.x${k}.${j}`, n + j, s.type);
        out.push(`  store ${llvmType(s.type)} ${v}, ${llvmType(s.type)}* ${s.slot}`);
      });
      if (c.outer.length === 0) {
        out.push(`  br label %${c.header}`);
      } else {
        // %cr.xt = k + 1 while the transfer passes through the loops around this one
        out.push(`  store i32 ${k + 1}, i32* %cr.xt`, `  br label %${c.outer[0]}`, `xgo.${k}:`, '  store i32 0, i32* %cr.xt', `  br label %${c.header}`);
      }
    });
    // At the header of a loop around loops: a pending transfer goes on to the next header on its way.
    for (const h of this.passOn.get(t) ?? []) {
      const next = cases.flatMap((c, k) => {
        const at = c.outer.indexOf(h);
        if (at < 0) return [];
        return [`i32 ${k + 1}, label %${at + 1 < c.outer.length ? c.outer[at + 1] : `xgo.${k}`}`];
      });
      out.push(`xcheck.${h}:`, `  %cr.xt.${h} = load i32, i32* %cr.xt`, `  switch i32 %cr.xt.${h}, label %xcont.${h} [${next.join(' ')}]`);
    }
    this.passOn.delete(t);
    return out;
  }
}

/** The offsets of a body's loops that contain another loop (`around`) and of those inside another (`nested`). */
interface LoopNests {
  around: Set<number>;
  nested: number[];
}

function loopNests(body: Instr[]): LoopNests {
  const open: Instr[] = [];
  const nests: LoopNests = { around: new Set(), nested: [] };
  for (const ins of body) {
    if (ins.op === Op.block || ins.op === Op.if) open.push(ins);
    else if (ins.op === Op.loop) {
      for (const o of open) if (o.op === Op.loop) nests.around.add(o.offset);
      if (open.some((o) => o.op === Op.loop)) nests.nested.push(ins.offset);
      open.push(ins);
    } else if (ins.op === Op.end) open.pop();
  }
  return nests;
}
