/**
 * WebAssembly 2.0 module validation (spec section 3.4, in the order of the reference
 * interpreter's check_module, so that a module with several errors reports the same first one).
 * Runs on the decoder's Module; errors are WasmValidationError `<file>:0x<offset>: invalid module:
 * <reason>`, with the reason in the spec's wording.
 */
import { WasmValidationError } from '../errors';
import type { ConstExpr, Limits, Module } from '../types';
import { CodeValidator, type CodeContext, type Sig } from './code';
import { T, typeCode, typeName } from './signatures';

/** Most pages a 32-bit memory may have (4 GiB). */
const MAX_PAGES = 0x10000;

export function validateModule(m: Module, fileName: string): void {
  const fail = (offset: number | undefined, reason: string): never => {
    throw new WasmValidationError(fileName, reason, offset);
  };
  const types: Sig[] = m.types.map((t) => ({ params: t.params.map(typeCode), results: t.results.map(typeCode) }));

  // C.funcs: every function's type must exist (imports first, as the index space)
  m.funcTypeIndices.forEach((ti, i) => {
    if (ti >= types.length) fail(m.offsets.funcs[i], `unknown type ${ti}`);
  });
  for (let i = 0; i < m.numImportedTables; i++) checkTableLimits(m.tables[i].limits, m.offsets.tables[i], fail);
  for (let i = 0; i < m.numImportedMemories; i++) checkMemoryLimits(m.memories[i], m.offsets.memories[i], fail);

  const refs = declaredFunctions(m);
  const elemTypes = m.elems.map((e) => typeCode(e.type));
  const context = (numGlobals: number): CodeContext => ({
    types,
    funcTypes: m.funcTypeIndices,
    tables: m.tables.map((t) => typeCode(t.elemType)),
    numMemories: m.memories.length,
    globalTypes: m.globals.slice(0, numGlobals).map((g) => typeCode(g.type)),
    globalMutable: m.globals.slice(0, numGlobals).map((g) => g.mutable),
    elems: elemTypes,
    numDatas: m.dataCount ?? m.datas.length,
    refs,
    fail,
  });
  // constant expressions see the imported globals only (C' in the spec)
  const c1 = context(m.numImportedGlobals);
  const constCheck = new CodeValidator(c1);
  const checkConst = (e: ConstExpr, type: number, fallbackOffset: number, where: string) =>
    validateConst(e, type, e.offset ?? fallbackOffset, where, c1, constCheck);

  for (let i = m.numImportedGlobals; i < m.globals.length; i++) {
    checkConst(m.globalInits[i]!, typeCode(m.globals[i].type), m.offsets.globals[i], ` (initializer of global ${i})`);
  }
  for (let i = m.numImportedTables; i < m.tables.length; i++) checkTableLimits(m.tables[i].limits, m.offsets.tables[i], fail);
  for (let i = m.numImportedMemories; i < m.memories.length; i++) checkMemoryLimits(m.memories[i], m.offsets.memories[i], fail);

  m.elems.forEach((e, i) => {
    const et = typeCode(e.type);
    for (const item of e.items) checkConst(item, et, e.offset, ` (element segment ${i})`);
    if (e.mode.kind === 'active') {
      const tt = c1.tables[e.mode.index];
      if (tt === undefined) fail(e.offset, `unknown table ${e.mode.index}`);
      if (tt !== et) fail(e.offset, `type mismatch: element segment ${i} of ${typeName(et)} for table ${e.mode.index} of ${typeName(tt)}`);
      checkConst(e.mode.offset, T.i32, e.offset, ` (offset of element segment ${i})`);
    }
  });
  m.datas.forEach((d, i) => {
    if (d.mode.kind === 'active') {
      if (d.mode.index >= m.memories.length) fail(d.offset, `unknown memory ${d.mode.index}`);
      checkConst(d.mode.offset, T.i32, d.offset, ` (offset of data segment ${i})`);
    }
  });

  const code = new CodeValidator(context(m.globals.length));
  for (const f of m.funcs) {
    const sig = types[f.typeIndex];
    const locals = new Uint8Array(sig.params.length + f.locals.length);
    locals.set(sig.params);
    for (let i = 0; i < f.locals.length; i++) locals[sig.params.length + i] = T[f.locals[i]];
    const name = m.names.functions.get(f.index);
    code.validateFunction(f.body, locals, sig, ` (in function ${name !== undefined ? `$${name}` : f.index})`);
  }

  if (m.start !== undefined) {
    const ti = m.funcTypeIndices[m.start];
    if (ti === undefined) fail(m.offsets.start, `unknown function ${m.start}`);
    const t = types[ti];
    if (t.params.length !== 0 || t.results.length !== 0) {
      fail(m.offsets.start, `start function must not have parameters or results (function ${m.start})`);
    }
  }

  const names = new Set<string>();
  for (const e of m.exports) {
    const count = { func: m.funcTypeIndices.length, table: m.tables.length, memory: m.memories.length, global: m.globals.length }[e.kind];
    if (e.index >= count) fail(e.offset, `unknown ${e.kind === 'func' ? 'function' : e.kind} ${e.index}`);
    if (names.has(e.name)) fail(e.offset, `duplicate export name "${e.name}"`);
    names.add(e.name);
  }
  if (m.memories.length > 1) fail(m.offsets.memories[1], `multiple memories are not allowed (${m.memories.length} declared)`);
}

/**
 * C.refs: the functions named in the module outside function bodies and the start section
 * (element segments, global initializers, exports); only those may be `ref.func` operands.
 */
function declaredFunctions(m: Module): Uint8Array {
  const refs = new Uint8Array(m.funcTypeIndices.length);
  const add = (f: number) => { if (f < refs.length) refs[f] = 1; };
  const addExpr = (e: ConstExpr | undefined) => {
    if (e === undefined) return;
    if (e.instrs) { for (const ins of e.instrs) if (ins.op === 0xd2) add(ins.index!); } else if (e.kind === 'ref.func') add(e.funcIndex);
  };
  for (const e of m.exports) if (e.kind === 'func') add(e.index);
  for (const g of m.globalInits) addExpr(g);
  for (const s of m.elems) {
    for (const it of s.items) addExpr(it);
    if (s.mode.kind === 'active') addExpr(s.mode.offset);
  }
  for (const d of m.datas) if (d.mode.kind === 'active') addExpr(d.mode.offset);
  return refs;
}

function validateConst(e: ConstExpr, type: number, offset: number, where: string, c: CodeContext, seq: CodeValidator): void {
  if (e.instrs) {
    seq.validateConstSequence(e.instrs, type, where);
    return;
  }
  let actual: number;
  switch (e.kind) {
    case 'global.get': {
      const g = e.globalIndex;
      if (g >= c.globalTypes.length) c.fail(offset, `unknown global ${g}${where}`);
      if (c.globalMutable[g]) c.fail(offset, `constant expression required: global ${g} is mutable${where}`);
      actual = c.globalTypes[g];
      break;
    }
    case 'ref.func':
      if (e.funcIndex >= c.funcTypes.length) c.fail(offset, `unknown function ${e.funcIndex}${where}`);
      actual = T.funcref;
      break;
    case 'ref.null':
      actual = typeCode(e.type);
      break;
    default:
      actual = typeCode(e.kind);
  }
  if (actual !== type) c.fail(offset, `type mismatch: constant expression of type ${typeName(actual)}, expected ${typeName(type)}${where}`);
}

type Fail = (offset: number | undefined, reason: string) => never;

function checkTableLimits(l: Limits, offset: number, fail: Fail): void {
  // min and max are u32 by construction (the decoder reads them as such)
  if (l.max !== undefined && l.min > l.max) fail(offset, `size minimum must not be greater than maximum (${l.min} > ${l.max})`);
}

function checkMemoryLimits(l: Limits, offset: number, fail: Fail): void {
  if (l.min > MAX_PAGES || (l.max !== undefined && l.max > MAX_PAGES)) {
    fail(offset, `memory size must be at most 65536 pages (4GiB), got ${l.max !== undefined && l.max > MAX_PAGES ? l.max : l.min}`);
  }
  if (l.max !== undefined && l.min > l.max) fail(offset, `size minimum must not be greater than maximum (${l.min} > ${l.max})`);
}
