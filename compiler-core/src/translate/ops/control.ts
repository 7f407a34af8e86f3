/** Structured control flow, branches, calls and returns. */
import type { FuncType, Instr } from '../../wasm/types';
import { Op } from '../../wasm/opcodes';
import { llvmResultType, llvmType } from '../../llvm/ir';
import type { FunctionTranslator, Operand } from '../function';
import { TrapCode } from '../traps';

export function translateControl(t: FunctionTranslator, ins: Instr): boolean {
  switch (ins.op) {
    case Op.unreachable:
      t.trap(TrapCode.Unreachable);
      return true;
    case Op.nop:
      return true;
    case Op.block:
      t.mod.cr?.onFrameEntry(t);
      t.pushFrame('block', t.blockSignature(ins.blockType!), ins.offset, false);
      return true;
    case Op.loop: {
      t.mod.cr?.onFrameEntry(t);
      const frame = t.pushFrame('loop', t.blockSignature(ins.blockType!), ins.offset, false);
      const params = t.popN(frame.params.length);
      t.storeSlots(frame.branchSlots, params);
      if (t.mod.cr) {
        t.mod.cr.enterLoop(t, frame);
      } else {
        t.emit(`br label %${frame.label}`);
        t.startBlock(frame.label);
        t.loadSlots(frame.branchSlots, frame.params);
      }
      return true;
    }
    case Op.if: {
      const cond = t.pop();
      t.mod.cr?.onFrameEntry(t);
      const frame = t.pushFrame('if', t.blockSignature(ins.blockType!), ins.offset, false);
      frame.ifParams = t.stack.slice(frame.height);
      frame.ifBelow = t.stack.slice(0, frame.height);
      frame.elseLabel = t.newLabel('else');
      const then = t.newLabel('then');
      const c = t.value(`icmp ne i32 ${cond.v}, 0`);
      t.emit(`br i1 ${c}, label %${then}, label %${frame.elseLabel}`);
      t.startBlock(then);
      return true;
    }
    case Op.else: {
      const frame = t.frameAt(0);
      if (frame.dead) return true;
      if (t.current !== null) fallThrough(t, frame.resultSlots, frame.results.length, frame);
      t.stack.length = 0;
      t.stack.push(...frame.ifBelow!, ...frame.ifParams!);
      frame.elseSeen = true;
      t.startBlock(frame.elseLabel!);
      return true;
    }
    case Op.end:
      endFrame(t);
      return true;
    case Op.br:
      t.branchTo(ins.index!);
      t.current = null;
      return true;
    case Op.br_if: {
      const cond = t.pop();
      const frame = t.frameAt(ins.index!);
      if (frame.kind === 'loop' && t.mod.cr?.loopBackEdge(t, frame, ins, cond)) return true;
      const arity = frame.kind === 'loop' ? frame.params : frame.results;
      t.storeSlots(frame.branchSlots, t.stack.slice(t.stack.length - arity.length));
      if (frame.kind !== 'loop') frame.mergeReached = true;
      const c = t.value(`icmp ne i32 ${cond.v}, 0`);
      const cont = t.newLabel('brif');
      t.emit(`br i1 ${c}, label %${frame.label}, label %${cont}`);
      t.startBlock(cont);
      return true;
    }
    case Op.br_table:
      brTable(t, ins);
      return true;
    case Op.return:
      t.emitReturn();
      return true;
    case Op.call: {
      const type = t.mod.funcTypeOf(ins.index!);
      const callee = t.mod.callTarget(ins.index!);
      const restoreCallee = t.mod.isImportedFunc(ins.index!) ? undefined : `@${t.mod.restoreSymbol(ins.index!)}`;
      if (!t.mod.cr?.emitCall(t, ins, type, callee, restoreCallee)) emitCall(t, type, callee);
      return true;
    }
    case Op.call_indirect:
      callIndirect(t, ins);
      return true;
    default:
      return false;
  }
}

function fallThrough(t: FunctionTranslator, slots: string[], n: number, frame: { mergeReached: boolean; merge: string }): void {
  const values = t.stack.slice(t.stack.length - n);
  t.storeSlots(slots, values);
  frame.mergeReached = true;
  t.terminate(`br label %${frame.merge}`);
}

function endFrame(t: FunctionTranslator): void {
  const frame = t.control.pop()!;
  if (frame.dead) return;
  if (t.current !== null) fallThrough(t, frame.resultSlots, frame.results.length, frame);
  if (frame.kind === 'if' && !frame.elseSeen) {
    // An `if` without `else` passes its params through as its results.
    t.startBlock(frame.elseLabel!);
    t.storeSlots(frame.resultSlots, frame.ifParams!);
    frame.mergeReached = true;
    t.terminate(`br label %${frame.merge}`);
  }
  t.stack.length = frame.height;
  if (frame.kind === 'func') return; // the translator emits the return block
  if (frame.mergeReached) {
    t.startBlock(frame.merge);
    t.mod.cr?.onMerge(t, frame);
    t.loadSlots(frame.resultSlots, frame.results);
  } else {
    t.current = null;
  }
}

function brTable(t: FunctionTranslator, ins: Instr): void {
  const index = t.pop();
  const depths = [...ins.labels!, ins.index!];
  // Targets that take values go through a stub block that stores them.
  const labelOf = new Map<number, string>();
  const stubs: number[] = [];
  for (const d of depths) {
    if (labelOf.has(d)) continue;
    const frame = t.frameAt(d);
    const arity = frame.kind === 'loop' ? frame.params.length : frame.results.length;
    if (arity === 0) {
      labelOf.set(d, frame.label);
      if (frame.kind !== 'loop') frame.mergeReached = true;
    } else {
      labelOf.set(d, t.newLabel('brt'));
      stubs.push(d);
    }
  }
  const cases = ins.labels!.map((d, i) => `i32 ${i}, label %${labelOf.get(d)}`).join(' ');
  t.terminate(`switch i32 ${index.v}, label %${labelOf.get(ins.index!)} [${cases}]`);
  for (const d of stubs) {
    t.startBlock(labelOf.get(d)!);
    t.branchTo(d);
    t.current = null;
  }
}

/** Calls `callee` (an LLVM function value) with Wasm signature `type`, args from the stack. */
export function emitCall(t: FunctionTranslator, type: FuncType, callee: string): void {
  const args = t.popN(type.params.length).map((a) => `${llvmType(a.type)} ${a.v}`).join(', ');
  for (const r of callResults(t, type, `call ${llvmResultType(type.results)} ${callee}(${args})`)) t.push(r.type, r.v);
}

/** Emits a call instruction and returns its results as operands (a multi-value struct is unpacked). */
export function callResults(t: FunctionTranslator, type: FuncType, call: string): Operand[] {
  if (type.results.length === 0) {
    t.emit(call);
    return [];
  }
  const r = t.value(call);
  if (type.results.length === 1) return [{ type: type.results[0], v: r }];
  const st = llvmResultType(type.results);
  return type.results.map((rt, i) => ({ type: rt, v: t.value(`extractvalue ${st} ${r}, ${i}`) }));
}

function callIndirect(t: FunctionTranslator, ins: Instr): void {
  const type = t.mod.module.types[ins.index!];
  const typeId = t.mod.typeId(type);
  const table = t.mod.tableRef(ins.index2 ?? 0);
  const idx = t.pop();
  const sizePtr = t.value(`getelementptr %wrt_table, %wrt_table* ${table}, i32 0, i32 0`);
  const size = t.value(`load i32, i32* ${sizePtr}`);
  t.trapIf(t.value(`icmp uge i32 ${idx.v}, ${size}`), TrapCode.UndefinedElement);
  const elemsPtr = t.value(`getelementptr %wrt_table, %wrt_table* ${table}, i32 0, i32 2`);
  const elems = t.value(`load i8**, i8*** ${elemsPtr}`);
  const idx64 = t.value(`zext i32 ${idx.v} to i64`);
  const slot = t.value(`getelementptr inbounds i8*, i8** ${elems}, i64 ${idx64}`);
  const ref = t.value(`load i8*, i8** ${slot}`);
  t.trapIf(t.value(`icmp eq i8* ${ref}, null`), TrapCode.UninitializedElement);
  const fn = t.value(`bitcast i8* ${ref} to %wrt_func*`);
  const idPtr = t.value(`getelementptr %wrt_func, %wrt_func* ${fn}, i32 0, i32 1`);
  const id = t.value(`load i32, i32* ${idPtr}`);
  t.trapIf(t.value(`icmp ne i32 ${id}, ${typeId}`), TrapCode.IndirectCallTypeMismatch);
  const codePtr = t.value(`getelementptr %wrt_func, %wrt_func* ${fn}, i32 0, i32 0`);
  const code = t.value(`load i8*, i8** ${codePtr}`);
  const fnType = `${llvmResultType(type.results)} (${type.params.map(llvmType).join(', ')})*`;
  const callee = t.value(`bitcast i8* ${code} to ${fnType}`);
  if (!t.mod.cr?.emitCall(t, ins, type, callee, undefined)) emitCall(t, type, callee);
}
