/**
 * The LLVM 14 tools the back end runs, and how it links. Two origins, the same command lines:
 *  - the bundled toolchain (bundled-toolchain.ts), the default whenever this package has one;
 *  - Debian's tools (opt-14, llc-14, clang-14 with lld, llvm-dis/as/extract-14) in the folder the
 *    user names (wanco.llvmBinDir, --llvm-bin-dir, WANCO_LLVM_BIN_DIR), or on PATH when there is
 *    no bundled toolchain (a checkout before scripts/build-toolchain.sh).
 * The runtime archives (runtime/build/<target>/libwrt.a) are found here too.
 */
import { existsSync } from 'node:fs';
import { basename, delimiter, join } from 'node:path';
import { packageRoot } from '../package-root';
import { WancoError } from '../wasm/errors';
import { bundledDriver, bundledLinkArgs, bundledToolchainDir, readLinkManifest } from './bundled-toolchain';
import { TARGETS, type TargetName } from './targets';

/** One tool: the file to run, the arguments that select the tool in it, the name errors show. */
export interface Tool {
  file: string;
  prefix: readonly string[];
  name: string;
}

export interface Toolchain {
  /** where the tools come from: "bundled (<dir>)" or the folder of the system's tools */
  origin: string;
  bundled: boolean;
  opt: Tool;
  llc: Tool;
  /** llvm-dis, llvm-as and llvm-extract: a partition on which llc fails is split after opt */
  dis: Tool;
  as: Tool;
  extract: Tool;
  linker: Tool;
  /** the linker's arguments for a static executable of `target` from `inputs` (objects, then archives) */
  linkArgs(target: TargetName, inputs: string[], output: string): string[];
  /** link inputs for `archives` linked whole (every member), in the linker's words */
  wholeArchives(archives: string[]): string[];
}

const whole = (prefix: string) => (archives: string[]): string[] =>
  archives.length ? [`${prefix}--whole-archive`, ...archives, `${prefix}--no-whole-archive`] : [];

/** What the runtime archive needs linked after it (snapshot compression, libm). */
export const RUNTIME_LIBRARIES = ['-lzstd', '-lz', '-lm'];

/** Debian's link: clang-14 as the driver (start files, libc, libgcc), lld as the linker. */
export function systemLinkArgs(target: TargetName, inputs: string[], output: string): string[] {
  return ['-static', '-fuse-ld=lld', `--target=${TARGETS[target].linkTriple}`, ...inputs, ...RUNTIME_LIBRARIES, '-o', output];
}

/** Where Debian's llvm-14 package puts its tools under their plain names. */
export const DEBIAN_LLVM_BIN_DIR = '/usr/lib/llvm-14/bin';

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

function bundled(dir: string): Toolchain {
  const manifest = readLinkManifest(dir);
  const file = bundledDriver(dir);
  const tool = (name: string, sub = name): Tool => ({ file, prefix: [sub], name });
  return {
    origin: `bundled (${dir})`, bundled: true,
    opt: tool('opt'), llc: tool('llc'), dis: tool('llvm-dis', 'dis'), as: tool('llvm-as', 'as'),
    extract: tool('llvm-extract', 'extract'), linker: tool('ld.lld'),
    linkArgs: (target, inputs, output) => bundledLinkArgs(dir, manifest, target, inputs, output),
    wholeArchives: whole(''), // ld.lld's own flags
  };
}

function system(llvmBinDir: string | undefined): Toolchain {
  // the named folder first; a tool it lacks is looked for on PATH
  const dirs = [...(llvmBinDir ? [llvmBinDir] : []), ...(process.env.PATH ?? '').split(delimiter).filter(Boolean), DEBIAN_LLVM_BIN_DIR];
  const wanted: [keyof Omit<Toolchain, 'origin' | 'bundled' | 'linkArgs'> | 'lld', string][] = [
    ['opt', 'opt'], ['llc', 'llc'], ['linker', 'clang'], ['lld', 'ld.lld'], ['dis', 'llvm-dis'], ['as', 'llvm-as'], ['extract', 'llvm-extract'],
  ];
  const found = new Map<string, string>();
  const missing: string[] = [];
  for (const [key, name] of wanted) {
    const p = findExecutable([`${name}-14`, name], dirs);
    if (p) found.set(key, p); else missing.push(`${name}-14`);
  }
  if (missing.length > 0) {
    throw new WancoError(`LLVM 14 tools not found${llvmBinDir ? ` in ${llvmBinDir} or on PATH` : ''}: ${missing.join(', ')}; ${INSTALL_HINT}`);
  }
  const tool = (key: string): Tool => ({ file: found.get(key)!, prefix: [], name: basename(found.get(key)!) });
  return {
    origin: llvmBinDir ?? `the system's LLVM 14 (${found.get('opt')!.replace(/\/[^/]*$/, '')})`, bundled: false,
    opt: tool('opt'), llc: tool('llc'), dis: tool('dis'), as: tool('as'), extract: tool('extract'), linker: tool('linker'),
    linkArgs: systemLinkArgs,
    wholeArchives: whole('-Wl,'), // through clang's driver
  };
}

/** The command line that runs `tool` with `args`: [file, arguments]. */
export function toolArgv(tool: Tool, args: readonly string[]): [string, string[]] {
  return [tool.file, [...tool.prefix, ...args]];
}

let cached: Toolchain | undefined;

/**
 * The toolchain a build uses: the tools in `llvmBinDir` when one is named, else the bundled
 * toolchain, else Debian's tools on PATH.
 */
export function findToolchain(llvmBinDir = process.env.WANCO_LLVM_BIN_DIR || undefined): Toolchain {
  if (llvmBinDir) return system(llvmBinDir);
  if (cached) return cached;
  const dir = bundledToolchainDir();
  cached = dir ? bundled(dir) : system(undefined);
  return cached;
}

export function runtimeArchive(target: TargetName): string {
  const dir = process.env.WANCO_RUNTIME_DIR ?? join(packageRoot(), 'runtime', 'build');
  const lib = join(dir, target, 'libwrt.a');
  if (!existsSync(lib)) {
    throw new WancoError(`runtime archive for ${target} not found at ${lib}; run 'npm run build' (make -C runtime)`);
  }
  return lib;
}
