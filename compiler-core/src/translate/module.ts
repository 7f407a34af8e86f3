/**
 * Translates a decoded module into one LLVM IR module: every function, the
 * globals, tables, segments, the instantiate function and the `wrt_module`
 * descriptor that the runtime reads (layout: runtime/include/wrt.h).
 */
import { createHash } from 'node:crypto';
import { funcTypeText, type ConstExpr, type Instr, type Module } from '../wasm/types';
import { Op } from '../wasm/opcodes';
import { WancoError, WasmDecodeError } from '../wasm/errors';
import { byteString, cStringGlobal, f32Const, f64Const, i64Const, llvmResultType, llvmType, v128Const } from '../llvm/ir';
import { importedGlobalValue, importedMemoryLimits, importedTableLimits, importProblem, type HostSet } from './host-imports';
import { FunctionTranslator } from './function';
import { ModuleContext, type TranslateOptions } from './module-context';
import { parseTarget, type Target } from '../backend/targets';
import type { PartitionText } from '../backend/pipeline';
import { analyzeCallGraph } from '../cr/callgraph';
import { CrInstrumentation, type PointInfo } from '../cr/instrument';
import { statementStarts } from '../wasm/debug-line';
import { pointIdLlvm } from '../cr/points';
import { functionAt } from '../wasm/source-files';

const WRT_ABI_VERSION = 1;
/** partitions of restore variants per partition of normal code (see translateModule) */
const RESTORE_PARTITIONS_PER_PARTITION = 2;
const NO_MAX = 0xffffffff;
const VALTYPE_CODE: Record<string, number> = {
  i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b, funcref: 0x70, externref: 0x6f,
};

export interface TranslateResult {
  /** one LLVM IR module, or several that together form the program (compiled in parallel) */
  partitions: string[];
  /**
   * partitions[k] holds restore variants only (C/R builds in several partitions): the back end
   * compiles them cheaply (backend/pipeline.ts), since a restored frame runs their code only up to
   * its next loop header or return (cr/instrument.ts)
   */
  restorePartitions: boolean[];
  context: ModuleContext;
  /** the migration points placed, sorted by id (empty without checkpoint support) */
  points: PointInfo[];
  /**
   * Debug builds: why the module's DWARF line table was not used (it is malformed: the module is
   * valid all the same, custom sections do not count), so that statement points went to every
   * instruction instead, as without one
   */
  lineTableProblem?: string;
}

/**
 * A translation whose partitions of restore variants are translated when first asked for (each
 * function of them once, on the first call): the back end starts on the normal code before
 * (backend/pipeline.ts), so that the restore variants' translation, single-threaded, overlaps
 * opt on the normal partitions instead of leaving a core idle.
 */
export interface StagedTranslation extends Omit<TranslateResult, 'partitions'> {
  partitions: PartitionText[];
}

/**
 * The migration points a build of `module` places, sorted by id: those of a normal build, or of a
 * debug build (--debug-points). Placement is the same on both targets; no LLVM tool runs.
 */
export function migrationPoints(module: Module, bytes: Uint8Array, debugPoints = false, debugFunctions?: ReadonlySet<number>): PointInfo[] {
  // restore variants place no point of their own: they are not translated
  return translateStaged(module, bytes, { boundsChecks: false, checkpoint: true, debugPoints, debugFunctions }, parseTarget('x86_64')).points;
}

/** Rejects imports the runtime cannot provide, listing all of them. */
export function checkImports(module: Module, fileName: string, hosts: HostSet = []): void {
  const problems: string[] = [];
  for (const imp of module.imports) {
    const problem = importProblem(module, imp, hosts);
    if (problem) problems.push(`${imp.module}.${imp.name} (${imp.desc.kind}): ${problem}`);
  }
  if (problems.length > 0) {
    throw new WancoError(`${fileName}: unsupported imports (only WASI preview1 functions can be imported): ${problems.join('; ')}`);
  }
}

/**
 * The file offsets of the instructions where the module's DWARF line table starts a statement,
 * when it has one (only those in the functions of `only`, when given); a malformed one is reported
 * (`problem`) and not used.
 */
function lineStarts(module: Module, bytes: Uint8Array, only?: ReadonlySet<number>): { starts?: Set<number>; problem?: string } {
  const section = module.customSections.find((s) => s.name === '.debug_line');
  if (!section || module.codeSectionStart === undefined) return {};
  const code = module.codeSectionStart;
  try {
    const starts = statementStarts(bytes, section.dataOffset, section.offset + section.size - section.dataOffset,
      (at, reason) => { throw new WasmDecodeError(module.fileName ?? 'module', at, `.debug_line (DWARF line table): ${reason}`); });
    const kept = (at: number) => !only || only.has(functionAt(module, at) ?? -1);
    return { starts: new Set([...starts].map((a) => a + code).filter(kept)) };
  } catch (e) {
    if (!(e instanceof WasmDecodeError)) throw e;
    return { problem: `${e.message}; the debug build has a statement point at every instruction instead` };
  }
}

export function translateModule(module: Module, bytes: Uint8Array, options: TranslateOptions, target: Target): TranslateResult {
  const staged = translateStaged(module, bytes, options, target);
  return { ...staged, partitions: staged.partitions.map((p) => (typeof p === 'string' ? p : p())) };
}

/** translateModule, with the partitions of restore variants (if any) translated on demand. */
export function translateStaged(module: Module, bytes: Uint8Array, options: TranslateOptions, target: Target): StagedTranslation {
  const ctx = new ModuleContext(module, options, target);
  if (options.debugPoints && !options.checkpoint) throw new WancoError('--debug-points needs checkpoint support (remove --no-checkpoint)');
  const lines = options.checkpoint && options.debugPoints ? lineStarts(module, bytes, options.debugFunctions) : {};
  const cr = options.checkpoint
    ? new CrInstrumentation(ctx, analyzeCallGraph(module, !!options.debugPoints), !!options.debugPoints, lines.starts) : undefined;
  ctx.cr = cr;
  const out: string[] = [];
  out.push(`target datalayout = "${target.dataLayout}"`);
  out.push(`target triple = "${target.triple}"`);
  out.push('');
  out.push('%wrt_func = type { i8*, i32, i32, i8* }');
  out.push('%wrt_table = type { i32, i32, i8**, i8, [7 x i8] }');
  out.push('%wrt_data_segment = type { i8*, i32 }');
  out.push('%wrt_elem_segment = type { i8**, i32 }');
  out.push('%wrt_global_desc = type { i8*, i8, i8, [6 x i8] }');
  out.push('%wrt_module_info = type { i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i8*, i8*, i8*, i8*, i8*, i8*, i8*, i8*, [32 x i8], i32, i32, i8*, i8*, i32, i32, i8* }');
  out.push('%wrt_cr_point_desc = type { i64, i32, i16, i16, i8*, i32, i32, i8* }');
  out.push('%wrt_export = type { i8*, i32, i32, i8*, i8*, i8*, i32, i32 }');
  out.push('');
  // The program is linked statically: dso_local lets the code address the runtime's globals
  // directly instead of loading their addresses from the GOT (one load less per poll / call).
  out.push('@wrt_mem_base = external dso_local global i8*');
  out.push('@wrt_mem_size = external dso_local global i64');
  out.push('@wrt_stack_limit = external dso_local global i64');
  for (const d of RUNTIME_DECLARATIONS) ctx.declare(d);
  if (cr) {
    out.push('@wrt_cr_flag = external dso_local global i32');
    for (const d of CR_DECLARATIONS) ctx.declare(d);
  }

  const header = out.splice(0, out.length);

  // Functions first: translating them registers the declarations they need. Restore variants
  // compiled apart are translated last, on demand (StagedTranslation).
  const apart = ctx.restoreApart;
  const translators = module.funcs.map((f) => new FunctionTranslator(ctx, f));
  const restoreTranslators = cr ? module.funcs.filter((f) => cr.instrumented(f.index)).map((f) => new FunctionTranslator(ctx, f, true)) : [];
  const translated = (t: FunctionTranslator) => {
    const text = t.translate();
    // a debug build is compiled without optimisation: its cost goes with its size, loops or not
    return { text, declaration: t.declaration(), cost: t.restoreMode || options.debugPoints ? text.length : compileCost(text.length, largestLoopShare(t.func.body)) };
  };
  const bodies = (apart ? translators : [...translators, ...restoreTranslators]).map(translated);
  const numFuncs = module.funcTypeIndices.length;

  // Function descriptors (funcref targets) and names.
  const funcEntries: string[] = [];
  const names: string[] = [];
  const exportNames = new Map<number, string>();
  for (const e of module.exports) if (e.kind === 'func' && !exportNames.has(e.index)) exportNames.set(e.index, e.name);
  for (let i = 0; i < numFuncs; i++) {
    const type = ctx.funcTypeOf(i);
    const fnPtrType = `${llvmResultType(type.results)} (${type.params.map(llvmType).join(', ')})*`;
    ctx.callTarget(i);
    const restore = cr?.instrumented(i)
      ? `i8* bitcast (${fnPtrType} @${ctx.restoreSymbol(i)} to i8*)` : 'i8* null';
    funcEntries.push(`%wrt_func { i8* bitcast (${fnPtrType} @${ctx.funcSymbol(i)} to i8*), i32 ${ctx.typeId(type)}, i32 ${i}, ${restore} }`);
    const name = module.names.functions.get(i) ?? exportNames.get(i);
    names.push(name !== undefined ? `i8* ${cStringGlobal(out, `wn${i}`, name)}` : 'i8* null');
  }
  out.push(numFuncs > 0
    ? `@wrt_funcs = ${ctx.linkage} constant [${numFuncs} x %wrt_func] [${funcEntries.join(', ')}]`
    : `@wrt_funcs = ${ctx.linkage} constant [0 x %wrt_func] zeroinitializer`);
  out.push(`@wrt_func_names = internal constant [${numFuncs} x i8*] [${names.join(', ')}]`);

  // Tables: the runtime allocates their elements at start.
  const tables = module.tables.map((t, i) => {
    const limits = i < module.numImportedTables ? importedTableLimits(module, i, options.hosts) : t.limits;
    return `%wrt_table { i32 ${limits.min}, i32 ${limits.max ?? NO_MAX}, i8** null, i8 ${VALTYPE_CODE[t.elemType]}, [7 x i8] zeroinitializer }`;
  });
  out.push(`@wrt_tables = ${ctx.linkage} global [${tables.length} x %wrt_table] [${tables.join(', ')}]`);

  // Globals.
  const globalDescs: string[] = [];
  module.globals.forEach((g, i) => {
    const init = module.globalInits[i] ?? importedGlobalInit(module, i, options.hosts);
    out.push(`@wg${i} = ${ctx.linkage} global ${llvmType(g.type)} ${constExpr(ctx, init)}`);
    globalDescs.push(`%wrt_global_desc { i8* bitcast (${llvmType(g.type)}* @wg${i} to i8*), i8 ${VALTYPE_CODE[g.type]}, i8 ${g.mutable ? 1 : 0}, [6 x i8] zeroinitializer }`);
  });
  out.push(`@wrt_globals = internal constant [${globalDescs.length} x %wrt_global_desc] [${globalDescs.join(', ')}]`);

  // Data segments.
  const dataDescs = module.datas.map((d, i) => {
    out.push(`@wd${i} = private constant [${d.bytes.length} x i8] ${byteString(d.bytes)}, align 1`);
    return `%wrt_data_segment { i8* getelementptr inbounds ([${d.bytes.length} x i8], [${d.bytes.length} x i8]* @wd${i}, i64 0, i64 0), i32 ${d.bytes.length} }`;
  });
  out.push(`@wrt_data = internal constant [${dataDescs.length} x %wrt_data_segment] [${dataDescs.join(', ')}]`);

  // Element segments.
  const elemDescs = module.elems.map((e, i) => {
    const items = e.items.map((it) => `i8* ${constExpr(ctx, it)}`);
    out.push(`@we${i} = private constant [${items.length} x i8*] [${items.join(', ')}]`);
    return `%wrt_elem_segment { i8** getelementptr inbounds ([${items.length} x i8*], [${items.length} x i8*]* @we${i}, i64 0, i64 0), i32 ${items.length} }`;
  });
  out.push(`@wrt_elem = internal constant [${elemDescs.length} x %wrt_elem_segment] [${elemDescs.join(', ')}]`);

  out.push(instantiateFunction(ctx));

  const entry = module.exports.find((e) => e.kind === 'func' && e.name === '_start');
  if (entry) {
    const t = ctx.funcTypeOf(entry.index);
    if (t.params.length !== 0 || t.results.length !== 0) {
      throw new WancoError(`export _start must have type [] -> [], found ${funcTypeText(t)}`);
    }
  }
  const mem = module.numImportedMemories > 0 ? importedMemoryLimits(module, options.hosts) : module.memories[0];
  const flags = (mem ? 1 : 0) | (options.boundsChecks ? 2 : 0);
  const hash = createHash('sha256').update(bytes).digest();
  const points = cr ? [...cr.points.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) : [];
  // the points of a function share their type codes and often their live bitmaps: one constant each
  const constants = new Map<string, string>();
  const byteConstant = (prefix: string, i: number, bytes: Uint8Array) => {
    const body = `[${bytes.length} x i8] ${byteString(bytes)}`;
    let name = constants.get(body);
    if (!name) {
      constants.set(body, name = `@${prefix}${i}`);
      out.push(`${name} = private constant ${body}`);
    }
    return `i8* getelementptr inbounds ([${bytes.length} x i8], [${bytes.length} x i8]* ${name}, i64 0, i64 0)`;
  };
  const pointDescs = points.map((p, i) => {
    const codes = Uint8Array.from([...p.localTypes, ...p.stackTypes].map((t) => VALTYPE_CODE[t]));
    const types = byteConstant('wpt', i, codes);
    let live = 'i8* null';
    if (p.live !== undefined && p.localTypes.length > 0) {
      // bit k (byte k/8, bit k%8): local k is in the point's deopt state (hex digits from the end, two per byte)
      const hex = p.live.toString(16);
      const bits = Uint8Array.from({ length: Math.ceil(p.localTypes.length / 8) }, (_, b) => {
        const end = hex.length - 2 * b;
        return end <= 0 ? 0 : parseInt(hex.slice(Math.max(0, end - 2), end), 16);
      });
      live = byteConstant('wpl', i, bits);
    }
    return `%wrt_cr_point_desc { i64 ${pointIdLlvm(p.id)}, i32 ${p.funcIndex}, i16 ${p.localTypes.length}, i16 ${p.stackTypes.length}, ` +
      `${types}, i32 ${p.kind}, i32 0, ${live} }`;
  });
  out.push(`@wrt_cr_points = internal constant [${pointDescs.length} x %wrt_cr_point_desc] [${pointDescs.join(', ')}]`);
  const restoreEntry = entry && cr?.instrumented(entry.index) ? `i8* bitcast (void ()* @${ctx.restoreSymbol(entry.index)} to i8*)` : 'i8* null';
  const exports = exportTable(ctx, out);
  out.push(`@wrt_exports = internal constant [${exports.length} x %wrt_export] [${exports.join(', ')}]`);
  const arr = (name: string, n: number, elemType: string) =>
    n === 0 ? 'i8* null' : `i8* bitcast ([${n} x ${elemType}]* ${name} to i8*)`;
  out.push(`@wrt_module = constant %wrt_module_info { ` + [
    `i32 ${WRT_ABI_VERSION}`, `i32 ${flags}`, `i32 ${mem ? mem.min : 0}`, `i32 ${mem?.max ?? NO_MAX}`,
    `i32 ${numFuncs}`, `i32 ${module.tables.length}`, `i32 ${module.globals.length}`,
    `i32 ${module.datas.length}`, `i32 ${module.elems.length}`, 'i32 0',
    arr('@wrt_funcs', numFuncs, '%wrt_func'), arr('@wrt_func_names', numFuncs, 'i8*'),
    arr('@wrt_tables', module.tables.length, '%wrt_table'), arr('@wrt_globals', module.globals.length, '%wrt_global_desc'),
    arr('@wrt_data', module.datas.length, '%wrt_data_segment'), arr('@wrt_elem', module.elems.length, '%wrt_elem_segment'),
    'i8* bitcast (void ()* @wrt_instantiate to i8*)',
    entry ? `i8* bitcast (void ()* @wf${entry.index} to i8*)` : 'i8* null',
    `[32 x i8] ${byteString(hash)}`,
    `i32 ${points.length}`, 'i32 0', arr('@wrt_cr_points', points.length, '%wrt_cr_point_desc'), restoreEntry,
    `i32 ${exports.length}`, 'i32 0', arr('@wrt_exports', exports.length, '%wrt_export'),
  ].join(', ') + ' }');
  const footer = footerLines(ctx);
  const restoreCount = apart ? restoreTranslators.length : 0;
  const n = Math.max(1, Math.min(options.partitions ?? 1, bodies.length));
  // Restore variants of a C/R build (not a debug build's) go to partitions of their own, which the
  // back end compiles with a short pipeline (debug builds' are optnone already) in parallel with
  // the normal code: twice as many as normal partitions, since opt and llc take less time on halves
  // than on wholes (sqlite3, x86_64, one tool at a time: 28.4-30.4 s of CPU for four, 32.0-32.6 s
  // for two), and smaller jobs fill the cores better at the end of the build.
  const restoreParts = Math.min(RESTORE_PARTITIONS_PER_PARTITION * n, restoreCount);
  if (n + restoreParts === 1) {
    return { partitions: [[...header, ...out, '', ...bodies.map((b) => b.text), ...footer].join('\n') + '\n'], restorePartitions: [false], context: ctx, points, lineTableProblem: lines.problem };
  }

  // Several partitions, each balanced by the estimated compile time of its bodies (compileCost:
  // restore variants count their size); partition 0 also holds the module-level data.
  const externs = [
    ...module.globals.map((g, i) => `@wg${i} = external hidden global ${llvmType(g.type)}`),
    `@wrt_funcs = external hidden constant [${numFuncs} x %wrt_func]`,
    `@wrt_tables = external hidden global [${module.tables.length} x %wrt_table]`,
  ];
  const allDeclarations = [...bodies.map((b) => b.declaration), ...(apart ? restoreTranslators.map((t) => t.declaration()) : [])];
  /** the texts of partitions holding `split` (normal code: the module's data in the first), declaring every other function */
  const texts = (split: (typeof bodies)[], restoreVariants: boolean, ending: string[]) => split.map((defined, k) => {
    const own = new Set(defined.map((b) => b.declaration));
    return [...(restoreVariants ? [RESTORE_PARTITION_MARK] : []), ...header, ...(!restoreVariants && k === 0 ? out : externs), '',
      ...defined.map((b) => b.text), ...allDeclarations.filter((d) => !own.has(d)), ...ending].join('\n') + '\n';
  });
  const normal = texts(balance(bodies, n, DATA_COST * out.reduce((a, l) => a + l.length, 0)), false, footer);
  if (restoreParts === 0) return { partitions: normal, restorePartitions: normal.map(() => false), context: ctx, points, lineTableProblem: lines.problem };
  // The restore variants, on demand: partition 0's point table is written already, so their
  // translation must not place a point of its own (it places none: the bodies are the same).
  // (a failure is kept too: a second call throws the same error instead of translating again)
  let restore: { texts: string[] } | { error: unknown } | undefined;
  const restoreText = (k: number) => () => {
    if (!restore) {
      try {
        const count = cr!.points.size;
        const rbodies = restoreTranslators.map(translated);
        if (cr!.points.size !== count) throw new WancoError('internal compiler error: a restore variant placed a migration point of its own');
        restore = { texts: texts(balance(rbodies, restoreParts, 0), true, footerLines(ctx)) };
      } catch (error) {
        restore = { error };
      }
    }
    if ('error' in restore) throw restore.error;
    return restore.texts[k];
  };
  return {
    partitions: [...normal, ...Array.from({ length: restoreParts }, (_, k) => restoreText(k))],
    restorePartitions: [...normal.map(() => false), ...Array.from({ length: restoreParts }, () => true)],
    context: ctx, points, lineTableProblem: lines.problem,
  };
}

/**
 * The first line of a partition of restore variants (TranslateResult.restorePartitions), so that
 * `--emit-llvm`'s `.ll` files say which partitions the back end compiled with the restore pipeline.
 */
const RESTORE_PARTITION_MARK = '; wanco: restore variants only (the back end compiles them with its restore pipeline)';

/** Whether an LLVM IR text (a translated partition, e.g. an `--emit-llvm` `.ll` file) holds restore variants only. */
export function isRestorePartition(ir: string): boolean {
  return ir.startsWith(RESTORE_PARTITION_MARK);
}

/** A module's declarations (those the functions translated so far registered) and attribute groups. */
function footerLines(ctx: ModuleContext): string[] {
  return [
    '', ...ctx.allDeclarations(), '',
    'attributes #0 = { nounwind uwtable }',
    'attributes #1 = { nounwind uwtable "gc-leaf-function" }',
    'attributes #2 = { "gc-leaf-function" }',
    'attributes #3 = { noreturn cold nounwind "gc-leaf-function" }',
    'attributes #4 = { nounwind readnone "gc-leaf-function" }',
    // a restore variant's musttail call into the normal variant (cr/instrument.ts: transfer)
    'attributes #5 = { noinline "gc-leaf-function" }',
    '!0 = !{!"branch_weights", i32 1, i32 2000}',
  ];
}

/** `bodies` in `n` groups of about equal cost (largest first, each to the cheapest group; group 0 starts at `first`). */
function balance<B extends { cost: number }>(bodies: B[], n: number, first: number): B[][] {
  const groups = Array.from({ length: n }, (_, k) => ({ cost: k === 0 ? first : 0, bodies: [] as B[] }));
  for (const b of [...bodies].sort((x, y) => y.cost - x.cost)) {
    const g = groups.reduce((best, q) => (q.cost < best.cost ? q : best));
    g.bodies.push(b);
    g.cost += b.cost;
  }
  return groups.map((g) => g.bodies);
}

/**
 * The estimated opt + llc time of a normal function body of `chars` characters of IR, in units
 * of a character of a small function: superlinear in a large function most of whose code is in
 * one loop (LICM, loop unrolling and register allocation over that loop). sqlite3 with C/R (x86_64,
 * opt + llc user time per MB of IR): 1.3-1.8 s for most large functions, 5.2 s for its 2 MB
 * interpreter loop (96 % of the function in one loop; 16 % of the normal code's time), 3.0 s for
 * a 0.5 MB one (97 %). Partitions balanced by size alone took 11 + 10 s and 24 + 20 s.
 * Restore variants (compiled cheaply, mostly acyclic) count their size.
 */
export function compileCost(chars: number, loopShare: number): number {
  return chars * (1 + 1.5 * loopShare * (chars / 1e6));
}

/** The share of a body's instructions inside its largest loop. */
export function largestLoopShare(body: readonly Instr[]): number {
  const open: { loop: boolean; at: number }[] = [];
  let largest = 0;
  body.forEach((ins, i) => {
    if (ins.op === Op.block || ins.op === Op.if || ins.op === Op.loop) open.push({ loop: ins.op === Op.loop, at: i });
    else if (ins.op === Op.end) {
      const o = open.pop();
      if (o?.loop) largest = Math.max(largest, i - o.at);
    }
  });
  return body.length > 0 ? largest / body.length : 0;
}

/**
 * Module-level data per character, against compileCost: only parsed and written out (sqlite3's
 * C/R partition 0 holds 7.2 MB of point tables: opt and llc 0.7 s user).
 */
const DATA_COST = 0.1;

/** Runtime entry points; #2 marks them leaves (never a migration point) for the statepoint rewriter. */
const RUNTIME_DECLARATIONS = [
  'declare void @wrt_trap(i32, i32) #3',
  'declare i8* @llvm.stacksave()',
  'declare i32 @wrt_memory_grow(i32) #2',
  'declare void @wrt_memory_init(i32, i32, i32, i32, i32) #2',
  'declare void @wrt_data_drop(i32) #2',
  'declare void @wrt_memory_copy(i32, i32, i32, i32) #2',
  'declare void @wrt_memory_fill(i32, i32, i32, i32) #2',
  'declare i8* @wrt_table_get(i32, i32, i32) #2',
  'declare void @wrt_table_set(i32, i32, i8*, i32) #2',
  'declare i32 @wrt_table_grow(i32, i8*, i32) #2',
  'declare void @wrt_table_fill(i32, i32, i8*, i32, i32) #2',
  'declare void @wrt_table_copy(i32, i32, i32, i32, i32, i32) #2',
  'declare void @wrt_table_init(i32, i32, i32, i32, i32, i32) #2',
  'declare void @wrt_elem_drop(i32) #2',
];

const CR_DECLARATIONS = [
  'declare void @wrt_cr_point(i64)',
  'declare i64 @wrt_cr_restore_frame(i32) #2',
  'declare i8* @wrt_cr_restore_locals() #2',
  'declare i32 @wrt_cr_restore_i32() #2',
  'declare i64 @wrt_cr_restore_i64() #2',
  'declare float @wrt_cr_restore_f32() #2',
  'declare double @wrt_cr_restore_f64() #2',
  'declare void @wrt_cr_restore_v128(i8*) #2',
  'declare i8* @wrt_cr_restore_ref() #2',
  'declare i8* @wrt_cr_restore_callee() #2',
  'declare i32 @wrt_cr_restore_frame_index() #2',
  'declare i8* @wrt_cr_transfer(i64, i32, i32) #2',
  'declare i64 @wrt_cr_transfer_take(i32) #2',
  'declare i8* @wrt_cr_transfer_values() #2',
];

/** An imported global's value, as a constant expression (a plugged-in host's globals, e.g. spectest's). */
function importedGlobalInit(module: Module, globalIndex: number, hosts: HostSet | undefined): ConstExpr {
  const imp = module.imports.filter((i) => i.desc.kind === 'global')[globalIndex];
  const v = imp && importedGlobalValue(imp, hosts);
  if (!v) throw new WancoError(`global ${globalIndex} is imported from ${imp?.module}.${imp?.name}, which is not available`);
  switch (v.type.type) {
    case 'i32': return { kind: 'i32', value: Number(v.bits) };
    case 'i64': return { kind: 'i64', value: v.bits };
    case 'f32': return { kind: 'f32', bits: Number(v.bits) };
    default: return { kind: 'f64', bits: v.bits };
  }
}

const EXPORT_KIND = { func: 0, table: 1, memory: 2, global: 3 } as const;

/**
 * The export table: names, kinds, and for functions a trampoline
 * `void (const uint64_t *args, uint64_t *results)` (v128 takes two slots) that
 * the runtime's test driver and debugger use to call any export.
 */
function exportTable(ctx: ModuleContext, out: string[]): string[] {
  return ctx.module.exports.map((e, k) => {
    const name = cStringGlobal(out, `wxn${k}`, e.name);
    if (e.kind !== 'func') {
      return `%wrt_export { i8* ${name}, i32 ${EXPORT_KIND[e.kind]}, i32 ${e.index}, i8* null, i8* null, i8* null, i32 0, i32 0 }`;
    }
    const type = ctx.funcTypeOf(e.index);
    const typeCodes = (ts: string[], tag: string) => {
      if (ts.length === 0) return 'i8* null';
      const bytes = Uint8Array.from(ts.map((t) => VALTYPE_CODE[t]));
      out.push(`@wx${tag}${k} = private constant [${bytes.length} x i8] ${byteString(bytes)}`);
      return `i8* getelementptr inbounds ([${bytes.length} x i8], [${bytes.length} x i8]* @wx${tag}${k}, i64 0, i64 0)`;
    };
    out.push(trampoline(ctx, `wx${k}`, e.index));
    return `%wrt_export { i8* ${name}, i32 0, i32 ${e.index}, i8* bitcast (void (i64*, i64*)* @wx${k} to i8*), ` +
      `${typeCodes(type.params, 'p')}, ${typeCodes(type.results, 'r')}, i32 ${type.params.length}, i32 ${type.results.length} }`;
  });
}

function trampoline(ctx: ModuleContext, symbol: string, funcIndex: number): string {
  const type = ctx.funcTypeOf(funcIndex);
  const body: string[] = [];
  let n = 0;
  const tmp = () => `%x${n++}`;
  let slot = 0;
  const slotPtr = (base: string) => {
    const p = tmp();
    body.push(`  ${p} = getelementptr inbounds i64, i64* ${base}, i64 ${slot++}`);
    return p;
  };
  const load = (base: string) => {
    const v = tmp();
    body.push(`  ${v} = load i64, i64* ${slotPtr(base)}`);
    return v;
  };
  const fromSlot = (t: string, v: string): string => {
    const r = tmp();
    switch (t) {
      case 'i32': body.push(`  ${r} = trunc i64 ${v} to i32`); return r;
      case 'i64': return v;
      case 'f32': { const i = tmp(); body.push(`  ${i} = trunc i64 ${v} to i32`, `  ${r} = bitcast i32 ${i} to float`); return r; }
      case 'f64': body.push(`  ${r} = bitcast i64 ${v} to double`); return r;
      default: body.push(`  ${r} = inttoptr i64 ${v} to i8*`); return r;
    }
  };
  const args = type.params.map((t) => {
    if (t === 'v128') {
      const lo = load('%args'); const hi = load('%args');
      const a = tmp(); const b = tmp();
      body.push(`  ${a} = insertelement <2 x i64> undef, i64 ${lo}, i32 0`, `  ${b} = insertelement <2 x i64> ${a}, i64 ${hi}, i32 1`);
      return `<2 x i64> ${b}`;
    }
    return `${llvmType(t)} ${fromSlot(t, load('%args'))}`;
  });
  const ret = llvmResultType(type.results);
  const callee = ctx.callTarget(funcIndex);
  let results: { t: string; v: string }[] = [];
  if (type.results.length === 0) {
    body.push(`  call void ${callee}(${args.join(', ')})`);
  } else {
    const r = tmp();
    body.push(`  ${r} = call ${ret} ${callee}(${args.join(', ')})`);
    if (type.results.length === 1) results = [{ t: type.results[0], v: r }];
    else {
      results = type.results.map((t, i) => {
        const x = tmp();
        body.push(`  ${x} = extractvalue ${ret} ${r}, ${i}`);
        return { t, v: x };
      });
    }
  }
  slot = 0;
  const store = (v: string) => body.push(`  store i64 ${v}, i64* ${slotPtr('%res')}`);
  for (const { t, v } of results) {
    const r = tmp();
    switch (t) {
      case 'i32': body.push(`  ${r} = zext i32 ${v} to i64`); store(r); break;
      case 'i64': store(v); break;
      case 'f32': { const i = tmp(); body.push(`  ${i} = bitcast float ${v} to i32`, `  ${r} = zext i32 ${i} to i64`); store(r); break; }
      case 'f64': body.push(`  ${r} = bitcast double ${v} to i64`); store(r); break;
      case 'v128': {
        const lo = tmp(); const hi = tmp();
        body.push(`  ${lo} = extractelement <2 x i64> ${v}, i32 0`, `  ${hi} = extractelement <2 x i64> ${v}, i32 1`);
        store(lo); store(hi);
        break;
      }
      default: body.push(`  ${r} = ptrtoint i8* ${v} to i64`); store(r);
    }
  }
  return [`define internal void @${symbol}(i64* %args, i64* %res) #0 {`, 'entry:', ...body, '  ret void', '}'].join('\n');
}

function constExpr(ctx: ModuleContext, e: ConstExpr): string {
  switch (e.kind) {
    case 'i32': return String(e.value | 0);
    case 'i64': return i64Const(e.value);
    case 'f32': return f32Const(e.bits);
    case 'f64': return f64Const(e.bits);
    case 'v128': return v128Const(e.bytes);
    case 'ref.null': return 'null';
    case 'ref.func': return ctx.funcRefConst(e.funcIndex);
    case 'global.get':
      // Constant expressions may only read imported globals; those with a known host value
      // (a plugged-in host's, e.g. spectest's) are constants.
      if (e.globalIndex < ctx.module.numImportedGlobals) return constExpr(ctx, importedGlobalInit(ctx.module, e.globalIndex, ctx.options.hosts));
      throw new WancoError(`constant expression global.get ${e.globalIndex} refers to an imported global, which is not supported`);
  }
}

/** Segment offsets are constants or (imported) globals; evaluate them as IR operands. */
function offsetOperand(ctx: ModuleContext, e: ConstExpr, body: string[], tmp: () => string): string {
  if (e.kind === 'global.get') {
    const g = ctx.globalRef(e.globalIndex);
    const t = tmp();
    body.push(`  ${t} = load i32, i32* ${g.ptr}`);
    return t;
  }
  return constExpr(ctx, e);
}

/** Active element segments, then active data segments, then the start function. */
function instantiateFunction(ctx: ModuleContext): string {
  const m = ctx.module;
  const body: string[] = [];
  let n = 0;
  const tmp = () => `%i${n++}`;
  m.elems.forEach((e, i) => {
    if (e.mode.kind === 'active') {
      const off = offsetOperand(ctx, e.mode.offset, body, tmp);
      body.push(`  call void @wrt_table_init(i32 ${e.mode.index}, i32 ${i}, i32 ${off}, i32 0, i32 ${e.items.length}, i32 -1)`);
    }
    if (e.mode.kind !== 'passive') body.push(`  call void @wrt_elem_drop(i32 ${i})`);
  });
  m.datas.forEach((d, i) => {
    if (d.mode.kind === 'active') {
      const off = offsetOperand(ctx, d.mode.offset, body, tmp);
      body.push(`  call void @wrt_memory_init(i32 ${i}, i32 ${off}, i32 0, i32 ${d.bytes.length}, i32 -1)`);
      body.push(`  call void @wrt_data_drop(i32 ${i})`);
    }
  });
  if (m.start !== undefined) {
    body.push(`  call void ${ctx.callTarget(m.start)}()`);
  }
  return ['define internal void @wrt_instantiate() #0 {', 'entry:', ...body, '  ret void', '}'].join('\n');
}
