/** The compiler's entry point: a Wasm/WAT file in, a static ELF out. */
import { loadModule } from './wasm/load';
import { checkImports, translateModule } from './translate/module';
import { buildExecutable, type OptLevel } from './backend/pipeline';
import type { Target } from './backend/targets';
import type { HostSet } from './translate/host-imports';

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
  llvmBinDir?: string;
  /** host modules imports may bind to (the spec runner adds spectest) */
  hosts?: HostSet;
  onPhase?: (phase: string, ms: number) => void;
}

export async function compileFile(opts: CompileOptions): Promise<void> {
  const t0 = performance.now();
  const { bytes, module } = await loadModule(opts.input);
  opts.onPhase?.('load', performance.now() - t0);
  checkImports(module, opts.input, opts.hosts);
  const t1 = performance.now();
  const { ir } = translateModule(module, bytes,
    { boundsChecks: opts.boundsChecks, checkpoint: opts.checkpoint, hosts: opts.hosts }, opts.target);
  opts.onPhase?.('translate', performance.now() - t1);
  await buildExecutable(ir, {
    target: opts.target, optLevel: opts.optLevel, output: opts.output, emitLlvm: opts.emitLlvm,
    checkpoint: opts.checkpoint,
    llvmBinDir: opts.llvmBinDir, onPhase: opts.onPhase,
  });
}
