/** Locals, globals and the parametric operators (drop, select). */
import type { Instr } from '../../wasm/types';
import { Op } from '../../wasm/opcodes';
import { llvmType } from '../../llvm/ir';
import type { FunctionTranslator } from '../function';

export function translateVariable(t: FunctionTranslator, ins: Instr): boolean {
  switch (ins.op) {
    case Op.local_get: {
      const type = t.localTypes[ins.index!];
      t.push(type, t.value(`load ${llvmType(type)}, ${llvmType(type)}* %l${ins.index}`));
      return true;
    }
    case Op.local_set:
    case Op.local_tee: {
      const v = ins.op === Op.local_tee ? t.peek() : t.pop();
      const type = llvmType(t.localTypes[ins.index!]);
      t.emit(`store ${type} ${v.v}, ${type}* %l${ins.index}`);
      return true;
    }
    case Op.global_get: {
      const g = t.mod.globalRef(ins.index!);
      t.push(g.type, t.value(`load ${llvmType(g.type)}, ${llvmType(g.type)}* ${g.ptr}`));
      return true;
    }
    case Op.global_set: {
      const g = t.mod.globalRef(ins.index!);
      const v = t.pop();
      t.emit(`store ${llvmType(g.type)} ${v.v}, ${llvmType(g.type)}* ${g.ptr}`);
      return true;
    }
    case Op.drop: {
      // A dropped value still has to be computed when computing it can trap: with guard pages
      // a dropped (or dead-code-eliminated) load is what faults. An empty side-effecting asm
      // that "uses" the value keeps it (and so the load) alive; it costs one register at most.
      const v = t.pop();
      if (v.v.startsWith('%')) keepAlive(t, v.type, v.v);
      return true;
    }
    case Op.select:
    case Op.select_t: {
      const c = t.pop();
      const b = t.pop();
      const a = t.pop();
      const cond = t.value(`icmp ne i32 ${c.v}, 0`);
      const ty = llvmType(a.type);
      t.push(a.type, t.value(`select i1 ${cond}, ${ty} ${a.v}, ${ty} ${b.v}`));
      return true;
    }
    default:
      return false;
  }
}

/** An empty `asm sideeffect` that uses `v`, so LLVM cannot delete the computation of v. */
function keepAlive(t: FunctionTranslator, type: string, v: string): void {
  const use = (ty: string, x: string) => t.emit(`call void asm sideeffect "", "r"(${ty} ${x}) #2`); // #2: a leaf for the statepoint rewriter
  switch (type) {
    case 'i32': case 'i64': case 'funcref': case 'externref': use(llvmType(type as 'i32'), v); break;
    case 'f32': use('i32', t.value(`bitcast float ${v} to i32`)); break;
    case 'f64': use('i64', t.value(`bitcast double ${v} to i64`)); break;
    case 'v128':
      use('i64', t.value(`extractelement <2 x i64> ${v}, i32 0`));
      use('i64', t.value(`extractelement <2 x i64> ${v}, i32 1`));
      break;
  }
}
