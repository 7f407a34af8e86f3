/**
 * What an expression sees of a stopped Wasm state (the frame, globals, memory), and how a
 * name finds its value. Shared by the console/hover evaluator and the expression language.
 */
import type { RuntimeFrame, RuntimeValue } from './runtimeClient';

export interface EvalContext {
  frame?: RuntimeFrame;
  globals: RuntimeValue[];
  localName(i: number): string | undefined;
  globalName(i: number): string | undefined;
  /** reads linear memory (throws a readable error outside it) */
  readMemory(addr: number, len: number): Promise<Buffer>;
  /** memory size in bytes */
  memorySize: number;
}

export class EvalError extends Error {}

export const MEM_TYPES: Record<string, number> = { i8: 1, u8: 1, i16: 2, u16: 2, i32: 4, u32: 4, i64: 8, u64: 8, f32: 4, f64: 8 };

/** Throws unless `size` bytes at `addr` lie inside the linear memory. */
export function checkMemoryRange(addr: bigint, size: number, ctx: EvalContext): void {
  if (addr < 0n || addr + BigInt(size) > BigInt(ctx.memorySize)) {
    throw new EvalError(`address ${addr} is outside the linear memory (${ctx.memorySize} bytes)`);
  }
}

/** The value a name stands for: local[N]/global[N]/stack[N], else a local's name, else a global's. */
export function lookupValue(ctx: EvalContext, name: string): RuntimeValue {
  const ix = /^(local|global|stack)\s*(?:\[\s*(\d+)\s*\]|\s(\d+))$/.exec(name);
  if (ix) {
    const i = Number(ix[2] ?? ix[3]);
    const list = ix[1] === 'global' ? ctx.globals : ix[1] === 'local' ? ctx.frame?.locals : ctx.frame?.stack;
    const v = list?.[i];
    if (!v) throw new EvalError(`there is no ${ix[1]} ${i}${ix[1] !== 'global' && !ctx.frame ? ' (no frame)' : ''}`);
    return v;
  }
  const bare = name.replace(/^\$/, '');
  const li = ctx.frame?.locals.findIndex((_, i) => ctx.localName(i) === bare) ?? -1;
  if (li >= 0) return ctx.frame!.locals[li];
  const gi = ctx.globals.findIndex((_, i) => ctx.globalName(i) === bare);
  if (gi >= 0) return ctx.globals[gi];
  throw new EvalError(`no local or global named ${name}`);
}

