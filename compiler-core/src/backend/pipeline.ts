/**
 * The back end: LLVM IR text -> opt-14 -> llc-14 -> clang-14/lld static link
 * with the target's runtime archive. The output ELF appears atomically
 * (written beside the destination, then renamed).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rename, rm, writeFile, copyFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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

export async function buildExecutable(ir: string, opts: BackendOptions): Promise<void> {
  const tc = findToolchain(opts.llvmBinDir);
  const lib = runtimeArchive(opts.target.name);
  const work = await mkdtemp(join(tmpdir(), 'wanco-'));
  try {
    const ll = join(work, 'module.ll');
    const bc = join(work, 'module.opt.bc');
    const obj = join(work, 'module.o');
    await writeFile(ll, ir);
    const o = `-O${opts.optLevel}`;
    // C/R: optimise first (inlining merges the frames' deopt state), then make statepoints.
    const passes = `default<O${opts.optLevel}>${opts.checkpoint ? ',rewrite-statepoints-for-gc' : ''}`;
    await timed(opts, 'opt', () => run(tc.opt, [`-passes=${passes}`, ll, '-o', bc]));
    await timed(opts, 'llc', () => run(tc.llc, [o, '-filetype=obj', `-mtriple=${opts.target.triple}`,
      `-mcpu=${opts.target.cpu}`, '-relocation-model=static',
      // keep deopt values in callee-saved registers where possible instead of spilling them
      ...(opts.checkpoint ? ['--use-registers-for-deopt-values'] : []), bc, '-o', obj]));
    if (opts.checkpoint) {
      // The runtime finds the records through this (otherwise local) symbol.
      await run(tc.objcopy, ['--globalize-symbol=__LLVM_StackMaps', obj]);
    }
    const out = resolve(opts.output);
    const partial = join(dirname(out), `.${basename(out)}.${process.pid}.partial`);
    await timed(opts, 'link', () => run(tc.clang, ['-static', '-fuse-ld=lld', `--target=${opts.target.linkTriple}`,
      obj, lib, '-lzstd', '-lz', '-lm', '-o', partial]));
    await chmod(partial, 0o755);
    await rename(partial, out);
    if (opts.emitLlvm) {
      await copyFile(ll, `${out}.ll`);
      await run(tc.opt, ['-S', bc, '-o', `${out}.opt.ll`]);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
