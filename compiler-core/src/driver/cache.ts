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
import { decodeModule } from '../wasm/decoder';
import { debugBuildFunctions, type SourceFunctions } from '../wasm/source-files';
import type { Module } from '../wasm/types';

export function cacheDir(): string {
  return process.env.WANCO_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'wanco');
}

/**
 * The cache key covers the input, the options (a debug build's functions with statement points
 * among them), the runtime archive and the compiler itself.
 */
function cacheKey(bytes: Uint8Array, target: Target, optLevel: OptLevel, debugPoints: boolean, debugFunctions?: ReadonlySet<number>): string {
  const h = createHash('sha256');
  h.update(bytes);
  h.update(`${target.name}:${optLevel}${debugPoints ? ':debug-points' : ''}`);
  if (debugFunctions) h.update(`:functions=${[...debugFunctions].sort((a, b) => a - b).join(',')}`);
  h.update(String(statSync(runtimeArchive(target.name)).mtimeMs));
  h.update(String(statSync(join(packageRoot(), 'out', 'compiler-core', 'src', 'compile.js')).mtimeMs));
  return h.digest('hex').slice(0, 32);
}

/**
 * `debugPoints`: the debug build (statement and after-call points), cached apart from the normal
 * one; its statement points go to the functions whose source is on this machine and to those of
 * `keepDebugFunctions` (a snapshot to restore stands at debug points in them).
 */
export async function compileCached(input: string, target: Target, optLevel: OptLevel, debugPoints = false, keepDebugFunctions: Iterable<number> = []): Promise<string> {
  if (!existsSync(input)) throw new WancoError(`${input}: no such file`);
  const dir = cacheDir();
  mkdirSync(dir, { recursive: true });
  const bytes = readFileSync(input);
  let debugSources: SourceFunctions | undefined;
  if (debugPoints && isWasmBinary(bytes)) {
    // text modules carry no DWARF; a binary that does not decode fails in compileFile with its message
    const module = tryDecode(bytes, input);
    if (module) debugSources = debugBuildFunctions(module, bytes, input, keepDebugFunctions);
  }
  const exe = join(dir, `${cacheKey(bytes, target, optLevel, debugPoints, debugSources?.functions)}-${target.name}${debugPoints ? '-debug' : ''}`);
  if (!existsSync(exe)) {
    await compileFile({ input, output: exe, target, optLevel, emitLlvm: false, boundsChecks: false, checkpoint: true, debugPoints, debugSources });
  }
  return exe;
}

function isWasmBinary(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
}

function tryDecode(bytes: Uint8Array, file: string): Module | undefined {
  try {
    return decodeModule(bytes, file);
  } catch (e) {
    if (e instanceof WancoError) return undefined;
    throw e;
  }
}
