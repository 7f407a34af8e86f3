/**
 * The back end: LLVM IR text -> opt-14 -> llc-14 -> clang-14/lld static link
 * with the target's runtime archive. The output ELF appears atomically
 * (written beside the destination, then renamed).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rename, rm, writeFile, copyFile, chmod } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { WancoError } from '../wasm/errors';
import type { Target } from './targets';
import { findToolchain, runtimeArchive } from './toolchain';

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
  llvmBinDir?: string;
  /** phase timings are reported here */
  onPhase?: (phase: string, ms: number) => void;
}

function run(tool: string, args: string[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    execFile(tool, args, { maxBuffer: 64 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (err) {
        const detail = (stderr || err.message).trim().split('\n').slice(0, 8).join('\n');
        reject(new WancoError(`internal compiler error: ${basename(tool)} failed:\n${detail}`));
      } else {
        resolvePromise();
      }
    });
  });
}

async function timed<T>(opts: BackendOptions, phase: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await f();
  opts.onPhase?.(phase, performance.now() - t0);
  return r;
}

/**
 * Builds the program from one or more IR partitions: each goes through opt and
 * llc on its own (in parallel, one per core), then all objects link together.
 */
export async function buildExecutable(partitions: string | string[], opts: BackendOptions): Promise<void> {
  const parts = typeof partitions === 'string' ? [partitions] : partitions;
  const tc = findToolchain(opts.llvmBinDir);
  const lib = runtimeArchive(opts.target.name);
  const work = await mkdtemp(join(tmpdir(), 'wanco-'));
  try {
    const objects = parts.map((_, k) => join(work, `module${k}.o`));
    const times = { opt: 0, llc: 0 };
    const buildOne = async (ir: string, k: number) => {
      const ll = join(work, `module${k}.ll`);
      const bc = join(work, `module${k}.opt.bc`);
      await writeFile(ll, ir);
      // C/R: optimise first (inlining merges the frames' deopt state), then make statepoints.
      const passes = `default<O${opts.optLevel}>${opts.checkpoint ? ',rewrite-statepoints-for-gc' : ''}`;
      let t0 = performance.now();
      await run(tc.opt, [`-passes=${passes}`, ll, '-o', bc]);
      times.opt = Math.max(times.opt, performance.now() - t0);
      t0 = performance.now();
      // keep deopt values in callee-saved registers where possible instead of spilling them
      const deoptInRegisters = opts.checkpoint && !opts.debugPoints;
      const features = [opts.target.features, ...(deoptInRegisters && opts.target.deoptRegisterFeatures ? [opts.target.deoptRegisterFeatures] : [])];
      await run(tc.llc, [`-O${opts.optLevel}`, '-filetype=obj', `-mtriple=${opts.target.triple}`,
        `-mcpu=${opts.target.cpu}`, `-mattr=${features.join(',')}`, '-relocation-model=static',
        ...(deoptInRegisters ? ['--use-registers-for-deopt-values'] : []), bc, '-o', objects[k]]);
      times.llc = Math.max(times.llc, performance.now() - t0);
      if (opts.checkpoint) {
        // A C-identifier section name makes the linker define __start_/__stop_ bounds over all
        // objects' stackmap blobs, which the runtime parses (runtime/src/cr.c).
        await run(tc.objcopy, ['--rename-section=.llvm_stackmaps=wanco_stackmaps', objects[k]]);
      }
    };
    await runPool(parts.map((ir, k) => () => buildOne(ir, k)), Math.max(1, cpus().length));
    opts.onPhase?.('opt', times.opt);
    opts.onPhase?.('llc', times.llc);
    const out = resolve(opts.output);
    const partial = join(dirname(out), `.${basename(out)}.${process.pid}.partial`);
    try {
      await timed(opts, 'link', () => run(tc.clang, ['-static', '-fuse-ld=lld', `--target=${opts.target.linkTriple}`,
        ...objects, lib, '-lzstd', '-lz', '-lm', '-o', partial]));
      await chmod(partial, 0o755);
      await rename(partial, out);
    } catch (e) {
      await rm(partial, { force: true }); // never leave a half-written executable behind
      throw e;
    }
    if (opts.emitLlvm) {
      for (let k = 0; k < parts.length; k++) {
        const suffix = parts.length === 1 ? '' : `.${k}`;
        await copyFile(join(work, `module${k}.ll`), `${out}${suffix}.ll`);
        await run(tc.opt, ['-S', join(work, `module${k}.opt.bc`), '-o', `${out}${suffix}.opt.ll`]);
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Runs the jobs with at most `limit` at a time; rejects with the first failure. */
async function runPool(jobs: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) await jobs[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
}
