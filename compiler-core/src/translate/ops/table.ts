/** Tables and reference types. */
import type { Instr } from '../../wasm/types';
import { Op } from '../../wasm/opcodes';
import type { FunctionTranslator } from '../function';

export function translateTable(t: FunctionTranslator, ins: Instr): boolean {
  const fi = t.index;
  switch (ins.op) {
    case Op.ref_null:
      t.push(ins.types![0], 'null');
      return true;
    case Op.ref_is_null: {
      const r = t.pop();
      const c = t.value(`icmp eq i8* ${r.v}, null`);
      t.push('i32', t.value(`zext i1 ${c} to i32`));
      return true;
    }
    case Op.ref_func:
      t.push('funcref', t.mod.funcRefConst(ins.index!));
      return true;
    case Op.table_get: {
      const i = t.pop();
      t.push(t.mod.tableType(ins.index!), t.value(`call i8* @wrt_table_get(i32 ${ins.index}, i32 ${i.v}, i32 ${fi})`));
      return true;
    }
    case Op.table_set: {
      const r = t.pop(); const i = t.pop();
      t.emit(`call void @wrt_table_set(i32 ${ins.index}, i32 ${i.v}, i8* ${r.v}, i32 ${fi})`);
      return true;
    }
    case Op.table_size: {
      const table = t.mod.tableRef(ins.index!);
      const p = t.value(`getelementptr %wrt_table, %wrt_table* ${table}, i32 0, i32 0`);
      t.push('i32', t.value(`load i32, i32* ${p}`));
      return true;
    }
    case Op.table_grow: {
      const n = t.pop(); const r = t.pop();
      t.push('i32', t.value(`call i32 @wrt_table_grow(i32 ${ins.index}, i8* ${r.v}, i32 ${n.v})`));
      return true;
    }
    case Op.table_fill: {
      const [i, r, n] = t.popN(3);
      t.emit(`call void @wrt_table_fill(i32 ${ins.index}, i32 ${i.v}, i8* ${r.v}, i32 ${n.v}, i32 ${fi})`);
      return true;
    }
    case Op.table_copy: {
      const [d, s, n] = t.popN(3);
      t.emit(`call void @wrt_table_copy(i32 ${ins.index}, i32 ${ins.index2}, i32 ${d.v}, i32 ${s.v}, i32 ${n.v}, i32 ${fi})`);
      return true;
    }
    case Op.table_init: {
      const [d, s, n] = t.popN(3);
      // index: element segment, index2: table
      t.emit(`call void @wrt_table_init(i32 ${ins.index2}, i32 ${ins.index}, i32 ${d.v}, i32 ${s.v}, i32 ${n.v}, i32 ${fi})`);
      return true;
    }
    case Op.elem_drop:
      t.emit(`call void @wrt_elem_drop(i32 ${ins.index})`);
      return true;
    default:
      return false;
  }
}
