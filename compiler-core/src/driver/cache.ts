/** Compiling into a content-addressed cache (`wanco run`, the extension's Run, the debugger). */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { compileFile } from '../compile';
import type { Target } from '../backend/targets';
import type { OptLevel } from '../backend/pipeline';
import { runtimeArchive } from '../backend/toolchain';
import { packageRoot } from '../package-root';
import { WancoError } from '../wasm/errors';

export function cacheDir(): string {
  return process.env.WANCO_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'wanco');
}

/** The cache key covers the input, the options, the runtime archive and the compiler itself. */
function cacheKey(input: string, target: Target, optLevel: OptLevel, debugPoints: boolean): string {
  const h = createHash('sha256');
  h.update(readFileSync(input));
  h.update(`${target.name}:${optLevel}${debugPoints ? ':debug-points' : ''}`);
  h.update(String(statSync(runtimeArchive(target.name)).mtimeMs));
  h.update(String(statSync(join(packageRoot(), 'out', 'compiler-core', 'src', 'compile.js')).mtimeMs));
  return h.digest('hex').slice(0, 32);
}

/** `debugPoints`: the debug build (statement and after-call points), cached apart from the normal one. */
export async function compileCached(input: string, target: Target, optLevel: OptLevel, debugPoints = false): Promise<string> {
  if (!existsSync(input)) throw new WancoError(`${input}: no such file`);
  const dir = cacheDir();
  mkdirSync(dir, { recursive: true });
  const exe = join(dir, `${cacheKey(input, target, optLevel, debugPoints)}-${target.name}${debugPoints ? '-debug' : ''}`);
  if (!existsSync(exe)) {
    await compileFile({ input, output: exe, target, optLevel, emitLlvm: false, boundsChecks: false, checkpoint: true, debugPoints });
  }
  return exe;
}
