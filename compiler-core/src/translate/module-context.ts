/**
 * What a function translator needs to know about the module around it:
 * symbols of functions and globals, canonical signature ids, tables, and the
 * set of declarations (intrinsics, runtime entry points) the IR must carry.
 */
import type { FuncType, Instr, Module, ValType } from '../wasm/types';
import { llvmResultType, llvmType } from '../llvm/ir';
import { hostFunctionSymbol, type HostSet } from './host-imports';
import type { Frame, FunctionTranslator, Operand } from './function';
import type { Target } from '../backend/targets';

export interface TranslateOptions {
  /** explicit bounds checks instead of guard pages */
  boundsChecks: boolean;
  /** checkpoint/restore instrumentation (off with --no-checkpoint) */
  checkpoint: boolean;
  /** debug build: statement and after-call migration points (needs checkpoint) */
  debugPoints?: boolean;
  /**
   * debug builds of modules with a line table: the functions that get statement and after-call
   * points (wasm/source-files.ts: those whose source is on this machine); default: every function with lines
   */
  debugFunctions?: ReadonlySet<number>;
  /** host modules besides WASI that imports may come from (default: none) */
  hosts?: HostSet;
  /**
   * number of LLVM modules to split the normal code into (compiled in parallel); default 1.
   * Restore variants of a C/R build go to modules of their own besides (ModuleContext.restoreApart).
   */
  partitions?: number;
}

/** Instrumentation hooks of the checkpoint/restore layer (compiler-core/src/cr). */
export interface CrHooks {
  /** whether the function gets points, deopt state and a restore variant */
  instrumented(funcIndex: number): boolean;
  /** text after the parameter list of `define` (the gc strategy) */
  functionAttributes(t: FunctionTranslator): string;
  /** after the prologue: function-entry point, restore dispatch entry */
  onFunctionEntry(t: FunctionTranslator): void;
  /** before each reachable instruction (debug builds: statement points) */
  beforeInstruction(t: FunctionTranslator, ins: Instr): void;
  /** before a block/loop/if frame opens */
  onFrameEntry(t: FunctionTranslator): void;
  /** at the start of a reached merge block (stack truncated to the frame height) */
  onMerge(t: FunctionTranslator, frame: Frame): void;
  /** branches into a loop header and emits it (params are in frame.branchSlots) */
  enterLoop(t: FunctionTranslator, frame: Frame): void;
  /** a `br_if` to a loop (condition popped): emits it and returns true when it is a strip-mined back-edge */
  loopBackEdge(t: FunctionTranslator, frame: Frame, ins: Instr, cond: Operand): boolean;
  /** emits an instrumented call; false when the call needs no instrumentation */
  emitCall(t: FunctionTranslator, ins: Instr, type: FuncType, callee: string, restoreCallee: string | undefined): boolean;
  /** blocks appended to the function (the restore dispatch) */
  finish(t: FunctionTranslator): string[];
}

export function signatureKey(t: FuncType): string {
  return `${t.params.join(',')}->${t.results.join(',')}`;
}

export class ModuleContext {
  readonly usesMemory: boolean;
  private readonly typeIds = new Map<string, number>();
  private readonly declarations = new Set<string>();
  cr?: CrHooks;
  /**
   * Restore variants go to LLVM modules of their own (every C/R build but a debug build's): the
   * back end compiles them cheaply, and they hand their frame to the normal variant at loop
   * headers (cr/instrument.ts: resumable).
   */
  readonly restoreApart: boolean;
  /** linkage of symbols that other partitions may reference */
  readonly linkage: 'internal' | 'hidden';

  constructor(readonly module: Module, readonly options: TranslateOptions, readonly target: Target) {
    this.usesMemory = module.memories.length > 0;
    this.restoreApart = options.checkpoint && !options.debugPoints;
    this.linkage = (options.partitions ?? 1) > 1 || this.restoreApart ? 'hidden' : 'internal';
  }

  /** Equal Wasm signatures get equal ids: call_indirect compares them. */
  typeId(type: FuncType): number {
    const key = signatureKey(type);
    let id = this.typeIds.get(key);
    if (id === undefined) {
      id = this.typeIds.size;
      this.typeIds.set(key, id);
    }
    return id;
  }

  funcTypeOf(funcIndex: number): FuncType {
    return this.module.types[this.module.funcTypeIndices[funcIndex]];
  }

  isImportedFunc(funcIndex: number): boolean {
    return funcIndex < this.module.numImportedFuncs;
  }

  /** The LLVM symbol (without @) of a function: our translation, or the runtime's WASI binding. */
  funcSymbol(funcIndex: number): string {
    if (this.isImportedFunc(funcIndex)) {
      return hostFunctionSymbol(this.module.imports.filter((i) => i.desc.kind === 'func')[funcIndex], this.options.hosts);
    }
    return `wf${funcIndex}`;
  }

  /** Symbol of a function's restore variant (instrumented functions only). */
  restoreSymbol(funcIndex: number): string {
    return `wr${funcIndex}`;
  }

  callTarget(funcIndex: number): string {
    if (this.isImportedFunc(funcIndex)) {
      const type = this.funcTypeOf(funcIndex);
      this.declare(`declare ${llvmResultType(type.results)} @${this.funcSymbol(funcIndex)}(${type.params.map(llvmType).join(', ')}) #2`);
    }
    return `@${this.funcSymbol(funcIndex)}`;
  }

  /** A funcref constant: the address of the function's descriptor in @wrt_funcs. */
  funcRefConst(funcIndex: number): string {
    const n = this.module.funcTypeIndices.length;
    return `bitcast (%wrt_func* getelementptr inbounds ([${n} x %wrt_func], [${n} x %wrt_func]* @wrt_funcs, i64 0, i64 ${funcIndex}) to i8*)`;
  }

  tableRef(tableIndex: number): string {
    const n = this.module.tables.length;
    return `getelementptr inbounds ([${n} x %wrt_table], [${n} x %wrt_table]* @wrt_tables, i64 0, i64 ${tableIndex})`;
  }

  tableType(tableIndex: number): ValType {
    return this.module.tables[tableIndex].elemType;
  }

  globalRef(globalIndex: number): { ptr: string; type: ValType } {
    return { ptr: `@wg${globalIndex}`, type: this.module.globals[globalIndex].type };
  }

  declare(line: string): void {
    this.declarations.add(line);
  }

  allDeclarations(): string[] {
    return [...this.declarations];
  }
}
