/** The compiler's entry point: a Wasm/WAT file in, a static ELF out. */
import { cpus } from 'node:os';
import { extname } from 'node:path';
import { loadModule } from './wasm/load';
import { checkCommandEntry } from './wasm/command';
import { checkImports, translateStaged } from './translate/module';
import { debugBuildFunctions, type SourceFunctions } from './wasm/source-files';
import { buildExecutable, wasmFunctionIndex, type OptLevel } from './backend/pipeline';
import type { Target } from './backend/targets';
import type { HostSet } from './translate/host-imports';
import type { Module } from './wasm/types';

export interface CompileOptions {
  input: string;
  output: string;
  target: Target;
  optLevel: OptLevel;
  emitLlvm: boolean;
  /** explicit bounds checks instead of guard pages */
  boundsChecks: boolean;
  /** checkpoint/restore support (default on; --no-checkpoint turns it off) */
  checkpoint: boolean;
  /** debug build: a migration point at every statement boundary and after every call */
  debugPoints?: boolean;
  /**
   * debug builds of modules with a line table: the functions with statement and after-call points,
   * as wasm/source-files.ts debugBuildFunctions gives them (default: computed here, for the
   * functions whose source is on this machine)
   */
  debugSources?: SourceFunctions;
  llvmBinDir?: string;
  /** host modules besides WASI that imports may bind to (the spec harness plugs in spectest) */
  hosts?: HostSet;
  onPhase?: (phase: string, ms: number) => void;
  /** what the build had to work around (the CLI prints it) */
  onWarning?: (message: string) => void;
  /** LLVM functions compiled with their deopt values in stack slots (llc failed with them in registers) */
  onStackSlotFallback?: (llvmNames: string[]) => void;
}

/**
 * The number of LLVM modules of normal code: large modules are split into one per core and
 * compiled in parallel (opt/llc are single-threaded); small ones stay whole so that LLVM can
 * inline across all their functions. (A C/R build's restore variants go to modules of their own
 * whatever the size: translate/module.ts.)
 */
export function partitionCount(wasmBytes: number): number {
  const forced = Number(process.env.WANCO_PARTITIONS);
  if (Number.isInteger(forced) && forced >= 1) return forced; // for tests and tuning
  const cores = Math.max(1, Math.min(cpus().length, 8));
  return wasmBytes >= 512 * 1024 ? cores : 1;
}

/** A debug build's IR is several times larger per Wasm byte: it is split as if the module were that large. */
const DEBUG_IR_GROWTH = 8;

export async function compileFile(opts: CompileOptions): Promise<void> {
  const t0 = performance.now();
  const { bytes, module } = await loadModule(opts.input);
  opts.onPhase?.('load', performance.now() - t0);
  checkImports(module, opts.input, opts.hosts);
  checkCommandEntry(module, opts.input, extname(opts.input).toLowerCase() === '.wasm');
  const t1 = performance.now();
  const sources = opts.debugPoints && opts.checkpoint ? opts.debugSources ?? debugBuildFunctions(module, bytes, opts.input) : {};
  if (sources.problem) opts.onWarning?.(sources.problem);
  // the restore variants are translated by the back end, alongside opt on the normal code
  const { partitions, restorePartitions, lineTableProblem } = translateStaged(module, bytes,
    { boundsChecks: opts.boundsChecks, checkpoint: opts.checkpoint, debugPoints: opts.debugPoints, debugFunctions: sources.functions, hosts: opts.hosts, partitions: partitionCount(opts.debugPoints ? bytes.length * DEBUG_IR_GROWTH : bytes.length) }, opts.target);
  opts.onPhase?.('translate', performance.now() - t1);
  if (lineTableProblem) opts.onWarning?.(lineTableProblem);
  await buildExecutable(partitions, {
    target: opts.target, optLevel: opts.optLevel, output: opts.output, emitLlvm: opts.emitLlvm,
    checkpoint: opts.checkpoint, debugPoints: opts.debugPoints, restorePartitions,
    llvmBinDir: opts.llvmBinDir, onPhase: opts.onPhase, describeFunction: (n) => describeFunction(module, n),
    onStackSlotFallback: opts.onStackSlotFallback,
  });
}

/**
 * How an error names the Wasm function an LLVM function came from: `wf311` (or its restore
 * variant `wr311`, or a piece LLVM split off it) is `Wasm function 311 "name"` with the name from
 * the name section, else from an export; other LLVM functions (trampolines) as they are.
 */
export function describeFunction(module: Module, llvmName: string): string {
  const i = wasmFunctionIndex(llvmName);
  if (i === undefined) return `LLVM function @${llvmName}`;
  const name = module.names.functions.get(i) ?? module.exports.find((e) => e.kind === 'func' && e.index === i)?.name;
  const variant = llvmName.startsWith('wr') ? ', restore variant' : '';
  return `Wasm function ${i}${name !== undefined ? ` "${name}"` : ''} (LLVM @${llvmName}${variant})`;
}
