/** Linear memory: loads, stores, size/grow and bulk memory. */
import type { Instr, ValType } from '../../wasm/types';
import { Op } from '../../wasm/opcodes';
import { llvmType } from '../../llvm/ir';
import type { FunctionTranslator } from '../function';
import { TrapCode } from '../traps';

interface Access {
  /** value type on the Wasm stack */
  type: ValType;
  /** LLVM type of the memory cell */
  mem: string;
  bytes: number;
  /** extension of a narrow load */
  ext?: 'sext' | 'zext';
}

const LOADS = new Map<number, Access>([
  [Op.i32_load, { type: 'i32', mem: 'i32', bytes: 4 }],
  [Op.i64_load, { type: 'i64', mem: 'i64', bytes: 8 }],
  [Op.f32_load, { type: 'f32', mem: 'float', bytes: 4 }],
  [Op.f64_load, { type: 'f64', mem: 'double', bytes: 8 }],
  [Op.i32_load8_s, { type: 'i32', mem: 'i8', bytes: 1, ext: 'sext' }],
  [Op.i32_load8_u, { type: 'i32', mem: 'i8', bytes: 1, ext: 'zext' }],
  [Op.i32_load16_s, { type: 'i32', mem: 'i16', bytes: 2, ext: 'sext' }],
  [Op.i32_load16_u, { type: 'i32', mem: 'i16', bytes: 2, ext: 'zext' }],
  [Op.i64_load8_s, { type: 'i64', mem: 'i8', bytes: 1, ext: 'sext' }],
  [Op.i64_load8_u, { type: 'i64', mem: 'i8', bytes: 1, ext: 'zext' }],
  [Op.i64_load16_s, { type: 'i64', mem: 'i16', bytes: 2, ext: 'sext' }],
  [Op.i64_load16_u, { type: 'i64', mem: 'i16', bytes: 2, ext: 'zext' }],
  [Op.i64_load32_s, { type: 'i64', mem: 'i32', bytes: 4, ext: 'sext' }],
  [Op.i64_load32_u, { type: 'i64', mem: 'i32', bytes: 4, ext: 'zext' }],
]);

const STORES = new Map<number, Access>([
  [Op.i32_store, { type: 'i32', mem: 'i32', bytes: 4 }],
  [Op.i64_store, { type: 'i64', mem: 'i64', bytes: 8 }],
  [Op.f32_store, { type: 'f32', mem: 'float', bytes: 4 }],
  [Op.f64_store, { type: 'f64', mem: 'double', bytes: 8 }],
  [Op.i32_store8, { type: 'i32', mem: 'i8', bytes: 1 }],
  [Op.i32_store16, { type: 'i32', mem: 'i16', bytes: 2 }],
  [Op.i64_store8, { type: 'i64', mem: 'i8', bytes: 1 }],
  [Op.i64_store16, { type: 'i64', mem: 'i16', bytes: 2 }],
  [Op.i64_store32, { type: 'i64', mem: 'i32', bytes: 4 }],
]);

/**
 * Address of an access of `bytes` at Wasm address `addr` + `offset`, as a typed pointer.
 * With guard pages the 8 GiB reservation covers every u32 + u32 address; in
 * bounds-checked builds the end of the access is compared with the memory size.
 */
export function effectiveAddress(t: FunctionTranslator, addr: string, offset: number, bytes: number, ptrType: string): string {
  const z = t.value(`zext i32 ${addr} to i64`);
  const ea = offset === 0 ? z : t.value(`add i64 ${z}, ${offset}`);
  if (t.mod.options.boundsChecks) {
    const end = t.value(`add i64 ${ea}, ${bytes}`);
    const size = t.value('load i64, i64* @wrt_mem_size');
    t.trapIf(t.value(`icmp ugt i64 ${end}, ${size}`), TrapCode.OobMemory);
  }
  const p = t.value(`getelementptr inbounds i8, i8* ${t.memBase}, i64 ${ea}`);
  return ptrType === 'i8' ? p : t.value(`bitcast i8* ${p} to ${ptrType}*`);
}

/**
 * A load of LLVM type `ty` (a scalar or a vector of 8 or 16 bytes) from `p` (effectiveAddress).
 * With guard pages the load itself is the bounds check, and LLVM may delete a load whose value
 * it finds unneeded (an f32.min with a NaN, x * 0, a value overwritten before use...) or narrow
 * it to the bytes used: the trap would be lost. An empty side-effecting asm that takes the whole
 * value keeps the load as it is (wasm2c's FORCE_READ does the same); the asm is readnone, so
 * LLVM still moves and combines other memory operations around it.
 */
export function guardedLoad(t: FunctionTranslator, ty: string, p: string): string {
  const v = t.value(`load ${ty}, ${ty}* ${p}, align 1`);
  if (t.mod.options.boundsChecks) return v;
  // the value in a register of its own class (no move to another register file): general
  // registers for integers, SSE (x86_64 "x") or FP/SIMD (aarch64 "w") registers for the rest
  const fp = !/^i(8|16|32|64)$/.test(ty);
  const constraint = !fp ? 'r' : t.mod.target.name === 'x86_64' ? 'x' : 'w';
  // (x86_64 has no register class for 64-bit vectors: those go as a double)
  const [ut, uv] = /^<(8 x i8|4 x i16|2 x i32)>$/.test(ty) ? ['double', t.value(`bitcast ${ty} ${v} to double`)] : [ty, v];
  t.emit(`call void asm sideeffect "", "${constraint}"(${ut} ${uv}) #4`);
  return v;
}

export function translateMemory(t: FunctionTranslator, ins: Instr): boolean {
  const load = LOADS.get(ins.op);
  if (load) {
    const addr = t.pop();
    const p = effectiveAddress(t, addr.v, ins.memarg!.offset, load.bytes, load.mem);
    const v = guardedLoad(t, load.mem, p);
    t.push(load.type, load.ext ? t.value(`${load.ext} ${load.mem} ${v} to ${llvmType(load.type)}`) : v);
    return true;
  }
  const store = STORES.get(ins.op);
  if (store) {
    const value = t.pop();
    const addr = t.pop();
    const p = effectiveAddress(t, addr.v, ins.memarg!.offset, store.bytes, store.mem);
    const vt = llvmType(store.type);
    const v = vt === store.mem ? value.v : t.value(`trunc ${vt} ${value.v} to ${store.mem}`);
    t.emit(`store ${store.mem} ${v}, ${store.mem}* ${p}, align 1`);
    return true;
  }
  switch (ins.op) {
    case Op.memory_size: {
      const size = t.value('load i64, i64* @wrt_mem_size');
      const pages = t.value(`lshr i64 ${size}, 16`);
      t.push('i32', t.value(`trunc i64 ${pages} to i32`));
      return true;
    }
    case Op.memory_grow: {
      const delta = t.pop();
      t.push('i32', t.value(`call i32 @wrt_memory_grow(i32 ${delta.v})`));
      return true;
    }
    case Op.memory_init: {
      const [d, s, n] = t.popN(3);
      t.emit(`call void @wrt_memory_init(i32 ${ins.index}, i32 ${d.v}, i32 ${s.v}, i32 ${n.v}, i32 ${t.index})`);
      return true;
    }
    case Op.data_drop:
      t.emit(`call void @wrt_data_drop(i32 ${ins.index})`);
      return true;
    case Op.memory_copy: {
      const [d, s, n] = t.popN(3);
      t.emit(`call void @wrt_memory_copy(i32 ${d.v}, i32 ${s.v}, i32 ${n.v}, i32 ${t.index})`);
      return true;
    }
    case Op.memory_fill: {
      const [d, v, n] = t.popN(3);
      t.emit(`call void @wrt_memory_fill(i32 ${d.v}, i32 ${v.v}, i32 ${n.v}, i32 ${t.index})`);
      return true;
    }
    default:
      return false;
  }
}
