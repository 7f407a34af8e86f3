/**
 * The back end: LLVM IR text -> opt -> llc -> lld static link with the target's runtime archive,
 * with the bundled toolchain or Debian's LLVM 14 (toolchain.ts). The output ELF appears atomically
 * (written beside the destination, then renamed).
 *
 * C/R builds at -O1..-O3 ask llc to keep deopt values in callee-saved registers
 * (--use-registers-for-deopt-values, DEOPT_REGISTERS), a speed choice: on some functions llc-14
 * could then run out of registers or crash. The flag is global to one llc run, so a partition on which llc fails
 * with it is split after opt (llvm-extract, post-optimisation IR: the code does not change) until
 * every piece either compiles with the flag or is a single function, which is compiled with its
 * deopt values in stack slots. When a tool fails for good, every other tool of the build is
 * killed at once and the error names the Wasm function the failing LLVM function came from.
 *
 * Partitions that hold only restore variants (TranslateResult.restorePartitions) get a short
 * pipeline (RESTORE_PASSES, RESTORE_LLC): a restored frame runs their code only briefly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, writeFile, copyFile, chmod } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { WancoError } from '../wasm/errors';
import type { Target } from './targets';
import { renameStackmapSection } from './elf-sections';
import { findToolchain, runtimeArchive, type Tool, type Toolchain } from './toolchain';

export type OptLevel = 0 | 1 | 2 | 3;

export interface BackendOptions {
  target: Target;
  optLevel: OptLevel;
  output: string;
  /** also write <output>.ll (as translated) and <output>.opt.ll (after opt) */
  emitLlvm: boolean;
  /** the IR carries deopt bundles: turn them into statepoint records */
  checkpoint: boolean;
  /** debug build (--debug-points): deopt values go to stack slots (with a point at every statement,
   * keeping them in registers makes llc run out of registers) */
  debugPoints?: boolean;
  /** partitions[k] holds restore variants only (TranslateResult.restorePartitions): compiled cheaply */
  restorePartitions?: boolean[];
  llvmBinDir?: string;
  /** phase timings are reported here */
  onPhase?: (phase: string, ms: number) => void;
  /**
   * Names the Wasm function an LLVM function came from (`wf311` -> `function 311 ($name)`), for
   * error messages; without it the LLVM name is shown as it is.
   */
  describeFunction?: (llvmName: string) => string | undefined;
  /** LLVM functions that llc compiled with their deopt values in stack slots are reported here */
  onStackSlotFallback?: (llvmNames: string[]) => void;
  /**
   * Archives linked whole (every member, so that a weak reference of the runtime's binds too),
   * ahead of the runtime's: a harness's additions, e.g. the spec tests' spectest host and driver.
   */
  extraArchives?: string[];
}

/** A tool that exited with an error (or a signal). */
export class ToolFailure extends Error {
  constructor(readonly tool: Tool, readonly stderr: string, readonly status: number | null, readonly signal: NodeJS.Signals | null) {
    super(`${tool.name} failed`);
  }

  /** the first lines of its diagnostics without the stack dump's addresses */
  detail(): string {
    const lines = this.stderr.split('\n').map((l) => l.trimEnd())
      .filter((l) => l && !/^\s*#\d+ 0x/.test(l) && !/^0x[0-9a-f]+/i.test(l) && !/^PLEASE submit a bug report/.test(l));
    const how = this.signal ? `killed by ${this.signal}` : this.status !== null && this.status > 128 ? `killed by signal ${this.status - 128}` : '';
    const text = lines.slice(0, 8).join('\n');
    return [text, how].filter(Boolean).join('\n') || `exit status ${this.status}`;
  }
}

/**
 * Runs external tools for one build and ends them all at once when the build fails: no tool of
 * a failed build keeps running after its error is reported.
 */
class Tools {
  private readonly children = new Set<ChildProcess>();
  private stopped = false;

  run(tool: Tool, args: string[]): Promise<void> {
    if (this.stopped) return Promise.reject(new WancoError('build stopped'));
    return new Promise((resolvePromise, reject) => {
      const child = spawn(tool.file, [...tool.prefix, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      this.children.add(child);
      let stderr = '';
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (d: string) => { if (stderr.length < 1 << 20) stderr += d; });
      child.on('error', (e) => { this.children.delete(child); reject(new ToolFailure(tool, e.message, null, null)); });
      child.on('close', (status, signal) => {
        this.children.delete(child);
        if (status === 0) resolvePromise();
        else reject(new ToolFailure(tool, stderr, status, signal));
      });
    });
  }

  /** Kills every running tool (by its PID) and waits until all have exited. */
  async stopAll(): Promise<void> {
    this.stopped = true;
    const exits = [...this.children].map((c) => new Promise<void>((r) => {
      if (c.exitCode !== null || c.signalCode !== null) { r(); return; }
      c.once('close', () => r());
      try { c.kill('SIGKILL'); } catch { r(); }
    }));
    await Promise.all(exits);
  }
}

async function timed<T>(opts: BackendOptions, phase: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await f();
  opts.onPhase?.(phase, performance.now() - t0);
  return r;
}

/** LLVM function names mentioned by a tool's diagnostics (crash stack dumps name the function). */
export function functionsNamedIn(stderr: string): string[] {
  const names = new Set<string>();
  for (const m of stderr.matchAll(/on function ['"]@?([\w.$-]+)['"]/g)) names.add(m[1]);
  for (const m of stderr.matchAll(/(?:in function|function) @?(w[fr]\d+[\w.$-]*)/g)) names.add(m[1]);
  return [...names];
}

/** The Wasm function index an LLVM function name came from (`wf311`, `wr311`, `wf311.cold.1`). */
export function wasmFunctionIndex(llvmName: string): number | undefined {
  const m = /^w[fr](\d+)(?:\.|$)/.exec(llvmName);
  return m ? Number(m[1]) : undefined;
}

function toolError(f: ToolFailure, functions: string[], opts: BackendOptions, what?: string): WancoError {
  const described = functions.map((n) => opts.describeFunction?.(n) ?? `LLVM function @${n}`);
  const where = described.length ? ` on ${described.join(', ')}` : '';
  return new WancoError(`internal compiler error: ${f.tool.name} failed${where}${what ? ` (${what})` : ''}:\n${f.detail()}`);
}

/** Functions defined in an LLVM IR text. */
function definedFunctions(ir: string): string[] {
  return [...ir.matchAll(/^define [^@\n]*@("?)([^"(\s]+)\1\(/gm)].map((m) => m[2]);
}

/**
 * Makes every local symbol of a module hidden-global so that its functions can be compiled in
 * separate objects that still link to each other (the ELF is static: hidden symbols stay inside it).
 * Names are those of one partition, already unique in the program: wanco's wf/wr/wx/wg/wd... and
 * opt's, which are local to this partition (and global only in the pieces split from it).
 */
function externalize(ir: string): string {
  return ir
    .replace(/^define (?:internal|private) /gm, 'define hidden ')
    .replace(/^(@[^\s=]+) = (?:internal|private) /gm, '$1 = hidden ');
}

/**
 * An LLVM IR module's text, or the function that makes it (once: the caller memoises it). The
 * back end calls such functions once the tools of the partitions before them have started, so
 * that making them (translate/module.ts: the restore variants) overlaps those tools.
 */
export type PartitionText = string | (() => string);

/**
 * Builds the program from one or more IR partitions: each goes through opt and
 * llc on its own (in parallel, one per core), then all objects link together.
 */
export async function buildExecutable(partitions: string | PartitionText[], opts: BackendOptions): Promise<void> {
  const parts = typeof partitions === 'string' ? [partitions] : partitions;
  const textOf = (k: number) => { const p = parts[k]; return typeof p === 'string' ? p : p(); };
  const tc = findToolchain(opts.llvmBinDir);
  const lib = runtimeArchive(opts.target.name);
  const work = await mkdtemp(join(tmpdir(), 'wanco-'));
  const tools = new Tools();
  try {
    const objects: string[][] = parts.map(() => []);
    const times = { opt: 0, llc: 0 };
    const fallback: string[] = [];
    const buildOne = async (k: number) => {
      const ll = join(work, `module${k}.ll`);
      const bc = join(work, `module${k}.opt.bc`);
      const ir = textOf(k);
      // written at once, so that opt starts before this job first yields (see below)
      writeFileSync(ll, ir);
      // C/R: optimise first (inlining merges the frames' deopt state), then make statepoints.
      const restore = restorePipeline(opts, !!opts.restorePartitions?.[k]);
      const passes = `${restore ? RESTORE_PASSES : `default<O${opts.optLevel}>`}${opts.checkpoint ? ',rewrite-statepoints-for-gc' : ''}`;
      let t0 = performance.now();
      try {
        const transfers = opts.checkpoint && !opts.debugPoints && !!opts.restorePartitions?.some(Boolean);
        await tools.run(tc.opt, [`-passes=${passes}`, ...(transfers ? NO_SLP : []), ll, '-o', bc]);
      } catch (e) {
        if (!(e instanceof ToolFailure)) throw e;
        const named = functionsNamedIn(e.stderr);
        throw toolError(e, named, opts, named.length ? undefined : `partition ${k + 1} of ${parts.length}, functions ${describeSome(definedFunctions(ir), opts)}`);
      }
      times.opt = Math.max(times.opt, performance.now() - t0);
      t0 = performance.now();
      objects[k] = await codegen(tools, tc, opts, work, bc, `module${k}`, fallback, restore);
      times.llc = Math.max(times.llc, performance.now() - t0);
    };
    try {
      const running = runPool(parts.map((_, k) => () => buildOne(k)), Math.max(1, cpus().length));
      running.catch(() => undefined); // awaited below, after the texts still to be made
      // The first jobs' tools are running now: the texts still to be made are made meanwhile
      // (single-threaded, it would otherwise leave a core idle before the first opt started).
      const t0 = performance.now();
      let made = false;
      for (const p of parts) if (typeof p !== 'string') { p(); made = true; }
      if (made) opts.onPhase?.('translate restore variants (during opt)', performance.now() - t0);
      await running;
    } catch (e) {
      await tools.stopAll(); // the other partitions' tools end now, before the work directory goes
      throw e;
    }
    if (fallback.length > 0) opts.onStackSlotFallback?.(fallback);
    opts.onPhase?.('opt', times.opt);
    opts.onPhase?.('llc', times.llc);
    const out = resolve(opts.output);
    const partial = join(dirname(out), `.${basename(out)}.${process.pid}.partial`);
    try {
      await timed(opts, 'link', () => tools.run(tc.linker, tc.linkArgs(opts.target.name,
        [...objects.flat(), ...tc.wholeArchives(opts.extraArchives ?? []), lib], partial)).catch((e: unknown) => {
        throw e instanceof ToolFailure ? toolError(e, [], opts, 'link') : e;
      }));
      await chmod(partial, 0o755);
      await rename(partial, out);
    } catch (e) {
      await tools.stopAll();
      await rm(partial, { force: true }); // never leave a half-written executable behind
      throw e;
    }
    if (opts.emitLlvm) {
      for (let k = 0; k < parts.length; k++) {
        const suffix = parts.length === 1 ? '' : `.${k}`;
        await copyFile(join(work, `module${k}.ll`), `${out}${suffix}.ll`);
        await tools.run(tc.opt, ['-S', join(work, `module${k}.opt.bc`), '-o', `${out}${suffix}.opt.ll`]);
      }
    }
  } finally {
    await tools.stopAll();
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Code generation of one optimised module (IR text or bitcode; `restore`: a partition of restore
 * variants) exactly as a build does it: the objects written into `work`, and the functions that
 * llc compiled with their deopt values in stack slots. (Tests run LLVM IR reductions and
 * `--emit-llvm` output through it.)
 */
export async function codegenModule(input: string, work: string, opts: BackendOptions, restore = false): Promise<{ objects: string[]; fallback: string[] }> {
  const tools = new Tools();
  const fallback: string[] = [];
  try {
    const objects = await codegen(tools, findToolchain(opts.llvmBinDir), opts, work, input, basename(input).replace(/\.[^.]*$/, ''), fallback, restorePipeline(opts, restore));
    return { objects, fallback };
  } finally {
    await tools.stopAll();
  }
}

/**
 * llc for one optimised partition: one object, or (C/R with deopt values in registers, when llc
 * fails on some function all the same) several (see split). The functions compiled with stack
 * slots go to `fallback`.
 */
async function codegen(tools: Tools, tc: Toolchain, opts: BackendOptions, work: string, bc: string, stem: string,
  fallback: string[], restore = false): Promise<string[]> {
  // -O0 (llc's fast register allocator): deopt values in stack slots. With the flag, llc -O0 ran
  // out of registers on at least one libc function of each of the 11 bench programs (x86_64), and
  // the split-and-retry cost more compile time than registers can give back in unoptimised code.
  // WANCO_DEOPT_REGISTERS=0: every deopt value in a stack slot (to measure what registers buy).
  const deoptInRegisters = opts.checkpoint && !opts.debugPoints && opts.optLevel > 0 && process.env.WANCO_DEOPT_REGISTERS !== '0';
  const llc = async (input: string, obj: string, registers: boolean) => {
    const features = [opts.target.features, ...(registers && opts.target.deoptRegisterFeatures ? [opts.target.deoptRegisterFeatures] : [])];
    await tools.run(tc.llc, [...(restore ? [...RESTORE_LLC, ...opts.target.restoreLlcOptions] : [`-O${opts.optLevel}`]), '-filetype=obj', `-mtriple=${opts.target.triple}`,
      `-mcpu=${opts.target.cpu}`, `-mattr=${features.join(',')}`, '-relocation-model=static',
      ...(registers ? DEOPT_REGISTERS : []), input, '-o', obj]);
    if (opts.checkpoint) await renameStackmapSection(obj);
  };
  const whole = join(work, `${stem}.o`);
  if (!deoptInRegisters) {
    try {
      await llc(bc, whole, false);
      return [whole];
    } catch (e) {
      throw e instanceof ToolFailure ? toolError(e, functionsNamedIn(e.stderr), opts) : e;
    }
  }
  // deopt values in registers; a piece on which llc fails all the same is split (as text)
  let firstFailure: ToolFailure;
  try {
    await llc(bc, whole, true);
    return [whole];
  } catch (e) {
    if (!(e instanceof ToolFailure) || e.tool !== tc.llc) throw e;
    firstFailure = e;
  }
  try {
    let optimised = bc;
    if (bc.endsWith('.bc')) {
      optimised = join(work, `${stem}.opt.ll`);
      await tools.run(tc.dis, [bc, '-o', optimised]);
    }
    return await split(tools, tc, opts, work, await readFile(optimised, 'utf8'), stem, fallback, llc, firstFailure);
  } catch (e) {
    throw e instanceof ToolFailure ? toolError(e, functionsNamedIn(e.stderr), opts) : e;
  }
}

/**
 * llc's options for deopt values in registers. -restrict-statepoint-remat: the register
 * allocator does not rematerialise a value at a statepoint that takes it as a deopt value (it
 * spills it into the record's stack slot instead). Without it llc-14 ran out of registers, crashed
 * or spun for minutes in its greedy allocator on statepoints with many deopt values, or that
 * pass a deopt value as a call argument too (the reductions in test/e2e/llc-deopt-registers/;
 * copying such arguments through an inline asm avoided some of it, and made sqlite3's @wf317 fail
 * instead: one partition compiled 2.2 times over). sqlite3's code is the same to 0.1 %.
 */
const DEOPT_REGISTERS = ['--use-registers-for-deopt-values', '-restrict-statepoint-remat'];

function describeSome(names: string[], opts: BackendOptions): string {
  const wasm = names.filter((n) => wasmFunctionIndex(n) !== undefined);
  const shown = wasm.slice(0, 6).map((n) => opts.describeFunction?.(n) ?? `@${n}`);
  return shown.join(', ') + (wasm.length > shown.length ? ` and ${wasm.length - shown.length} more` : '');
}

/**
 * The partition's data and declarations in one object, its functions in pieces.
 *
 * llc compiles a module's functions one after another, in module order, and its crash dump
 * names the function it failed on. So a piece on which llc fails splits at that function: the
 * functions before it (they went through llc already) and those after it are compiled again with
 * registers, each as a piece of its own, and the failing function alone with stack slots. No
 * function is compiled more than twice with registers, whatever the number of failing functions
 * (retrying "all but the failing one" recompiled the partition once per failure). A crash that
 * names no function of the piece splits it in halves.
 */
async function split(tools: Tools, tc: Toolchain, opts: BackendOptions, work: string, optimised: string, stem: string,
  fallback: string[], llc: (input: string, obj: string, registers: boolean) => Promise<void>,
  firstFailure: ToolFailure): Promise<string[]> {
  const text = join(work, `${stem}.ext.ll`);
  const ir = externalize(optimised);
  await writeFile(text, ir);
  const whole = join(work, `${stem}.ext.bc`); // llvm-extract reads bitcode several times faster than text
  await tools.run(tc.as, [text, '-o', whole]);
  const objects: string[] = [];
  let n = 0;
  /** `names` taken out of `from` into a module of their own (in module order), or deleted from it */
  const extract = async (from: string, names: string[], del = false): Promise<string> => {
    const piece = join(work, `${stem}.p${n++}.bc`);
    await tools.run(tc.extract, [...(del ? ['--delete'] : []), ...names.map((f) => `--func=${f}`), from, '-o', piece]);
    return piece;
  };
  const objectOf = (p: string) => p.replace(/\.bc$/, '.o');
  const funcs = definedFunctions(ir);
  const data = await extract(whole, funcs, true);
  await llc(data, objectOf(data), false);
  objects.push(objectOf(data));

  const stackSlots = async (names: string[], from: string): Promise<void> => {
    const p = await extract(from, names);
    try {
      await llc(p, objectOf(p), false);
    } catch (e) {
      if (!(e instanceof ToolFailure)) throw e;
      const named = functionsNamedIn(e.stderr).filter((f) => names.includes(f));
      throw toolError(e, named.length > 0 ? named : names, opts);
    }
    fallback.push(...names);
    objects.push(objectOf(p));
  };
  /** compiles `piece` (which defines exactly `names`) with registers, splitting it where llc fails */
  const compile = async (piece: string, names: string[], known?: ToolFailure): Promise<void> => {
    let failure = known;
    if (!failure) {
      try {
        await llc(piece, objectOf(piece), true);
        objects.push(objectOf(piece));
        return;
      } catch (e) {
        if (!(e instanceof ToolFailure) || e.tool !== tc.llc) throw e;
        failure = e;
      }
    }
    if (names.length === 1) { await stackSlots(names, piece); return; }
    const at = names.indexOf(functionsNamedIn(failure.stderr).find((f) => names.includes(f)) ?? '');
    const parts = at >= 0
      ? [names.slice(0, at), names.slice(at + 1)]
      : [names.slice(0, Math.ceil(names.length / 2)), names.slice(Math.ceil(names.length / 2))];
    await Promise.all([
      ...(at >= 0 ? [stackSlots([names[at]], piece)] : []),
      ...parts.filter((p) => p.length > 0).map(async (p) => compile(await extract(piece, p), p)),
    ]);
  };
  await compile(whole, funcs, firstFailure);
  return objects;
}

/**
 * C/R builds with restore partitions (and so with transfers, cr/instrument.ts): no SLP vectorizer. A loop
 * header that a restore's transfer can enter merges every local live there (cr/instrument.ts), and
 * SLP's search over those phis took 5.8 of the 20.7 s of opt on a partition of sqlite3 (0.55 s
 * without transfers). The loop vectorizer stays.
 */
const NO_SLP = ['-vectorize-slp=false'];
/**
 * Restore variants (partitions of their own): a restored frame runs their code only up to its next
 * loop header or return (cr/instrument.ts), so they get SSA form and a CFG clean-up, no inlining,
 * llc's fast instruction selection and its basic register allocator (-O0 -optimize-regalloc
 * -regalloc=basic). Measured on sqlite3's restore variants of one partition (x86_64, user time):
 * default<O2> 8.4 s + llc -O2 13.6 s (stack slots; 9.8 s with registers); then llc -O1
 * -regalloc=basic 12.0 s (.text 2.68 MB), llc -O0 -optimize-regalloc -regalloc=basic 6.0 s
 * (3.20 MB), llc -O0 3.8 s (6.46 MB: every value spilled by the fast allocator). Later, on one
 * partition: opt sroa,early-cse,simplifycfg,instcombine,simplifycfg 5.6 s then llc 7.9 s (object
 * 3.89 MB), sroa,simplifycfg 3.3 s then llc 7.0 s (3.71 MB): the clean-ups did not pay for
 * themselves; without the machine scheduler (-enable-misched=false) llc took 5.9 s instead of
 * 6.4 s for 0.2 % more code. mem2reg instead of sroa (the allocas are scalars): opt 1.97 s
 * instead of 2.32 s on one of four restore partitions, the same object to 0.01 %.
 */
const RESTORE_PASSES = 'function(mem2reg,simplifycfg)';
/** Whether a partition goes through the restore pipeline: one of restore variants, above -O0. */
function restorePipeline(opts: BackendOptions, restorePartition: boolean): boolean {
  return restorePartition && opts.optLevel > 0;
}
const RESTORE_LLC = ['-O0', '-optimize-regalloc', '-regalloc=basic', '-enable-misched=false'];

/**
 * Runs the jobs with at most `limit` at a time; rejects with the first failure, as soon as it
 * happens (jobs not started by then are not started).
 */
async function runPool(jobs: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  let failed = false;
  await new Promise<void>((resolvePromise, reject) => {
    let running = 0;
    const launch = () => {
      if (failed) return;
      if (next >= jobs.length && running === 0) { resolvePromise(); return; }
      while (running < limit && next < jobs.length) {
        const job = jobs[next++];
        running++;
        job().then(() => { running--; launch(); }, (e: unknown) => { failed = true; reject(e); });
      }
    };
    launch();
  });
}
