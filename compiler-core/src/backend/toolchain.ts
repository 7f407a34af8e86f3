/**
 * Locates the external tools (Debian's LLVM 14: opt, llc, clang, lld) and the
 * runtime archives, with one clear message saying what to install when missing.
 */
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { packageRoot } from '../package-root';
import { WancoError } from '../wasm/errors';
import type { TargetName } from './targets';

export interface Toolchain {
  opt: string;
  llc: string;
  clang: string;
  objcopy: string;
  /** llvm-dis, llvm-as and llvm-extract: a partition on which llc fails is split after opt */
  dis: string;
  as: string;
  extract: string;
}

const INSTALL_HINT = 'install them with: apt-get install llvm-14 clang-14 lld-14 (or set wanco.llvmBinDir / WANCO_LLVM_BIN_DIR)';

function findExecutable(names: string[], dirs: string[]): string | undefined {
  for (const dir of dirs) {
    for (const n of names) {
      const p = join(dir, n);
      if (existsSync(p)) return p;
    }
  }
  return undefined;
}

let cached: Toolchain | undefined;

export function findToolchain(llvmBinDir = process.env.WANCO_LLVM_BIN_DIR): Toolchain {
  if (cached && !llvmBinDir) return cached;
  const dirs = [
    ...(llvmBinDir ? [llvmBinDir] : []),
    ...(process.env.PATH ?? '').split(delimiter).filter(Boolean),
    '/usr/lib/llvm-14/bin',
  ];
  const opt = findExecutable(['opt-14', 'opt'], dirs);
  const llc = findExecutable(['llc-14', 'llc'], dirs);
  const clang = findExecutable(['clang-14', 'clang'], dirs);
  const lld = findExecutable(['ld.lld-14', 'ld.lld'], dirs);
  const objcopy = findExecutable(['llvm-objcopy-14', 'llvm-objcopy'], dirs);
  const dis = findExecutable(['llvm-dis-14', 'llvm-dis'], dirs);
  const as = findExecutable(['llvm-as-14', 'llvm-as'], dirs);
  const extract = findExecutable(['llvm-extract-14', 'llvm-extract'], dirs);
  const missing = [!opt && 'opt-14', !llc && 'llc-14', !clang && 'clang-14', !lld && 'ld.lld-14',
    !objcopy && 'llvm-objcopy-14', !dis && 'llvm-dis-14', !as && 'llvm-as-14', !extract && 'llvm-extract-14'].filter(Boolean);
  if (missing.length > 0) {
    throw new WancoError(`LLVM 14 tools not found: ${missing.join(', ')}; ${INSTALL_HINT}`);
  }
  const tc = { opt: opt!, llc: llc!, clang: clang!, objcopy: objcopy!, dis: dis!, as: as!, extract: extract! };
  if (!llvmBinDir) cached = tc;
  return tc;
}

export function runtimeArchive(target: TargetName): string {
  const dir = process.env.WANCO_RUNTIME_DIR ?? join(packageRoot(), 'runtime', 'build');
  const lib = join(dir, target, 'libwrt.a');
  if (!existsSync(lib)) {
    throw new WancoError(`runtime archive for ${target} not found at ${lib}; run 'npm run build' (make -C runtime)`);
  }
  return lib;
}
