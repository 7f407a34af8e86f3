/**
 * The bundled toolchain: `toolchain/` beside the package (the repository, the npm package or the
 * extension's folder), built by scripts/build-toolchain.sh. It holds
 *   bin/wanco-llvm       opt, llc, llvm-dis/as/extract and lld's ELF linker in one static
 *                        executable (compiler-core/native/wanco-llvm.cpp); the .vsix holds it
 *                        brotli-compressed (bin/wanco-llvm.br), unpacked on first use;
 *   <target>/            each target's link inputs, copied from Debian's packages: C runtime
 *                        start files, static glibc, libgcc, zstd and zlib;
 *   link.json            the link line of each target (LinkManifest).
 * This file owns that layout: gather-toolchain.ts writes it, toolchain.ts reads it.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { packageRoot } from '../package-root';
import { WancoError } from '../wasm/errors';
import type { TargetName } from './targets';

export const BUNDLED_DRIVER = join('bin', 'wanco-llvm');
export const PACKED_DRIVER = `${BUNDLED_DRIVER}.br`;
export const LINK_MANIFEST = 'link.json';
/**
 * The environment under which wanco-llvm behaves as Debian's LLVM 14 tools do: its
 * CodeGenPrepare patch (compiler-core/native/codegenprepare-ext-uses.patch) turned off through
 * WANCO_LLVM_OPTIONS, which wanco-llvm adds to every tool's options. The toolchain test and
 * bench compare bytes with Debian's tools under it.
 */
export const UPSTREAM_LLVM_ENV: Readonly<Record<string, string>> = { WANCO_LLVM_OPTIONS: '-cgp-rewrite-ext-uses-again' };

/** Placeholders in a manifest's link line. */
export const LINK_INPUTS = '{inputs}';
export const LINK_OUTPUT = '{output}';
/** prefixes a file of the target's folder (`{dir}/crt1.o`) */
export const LINK_DIR = '{dir}/';

export interface LinkManifest {
  format: 1;
  /** the glibc the link inputs (and wanco-llvm) come from, e.g. "2.36" */
  glibc: string;
  /** ld.lld's arguments per target, as clang-14's driver gave them, files made relative */
  targets: Record<TargetName, string[]>;
}

/** The bundled toolchain's folder, when this package has one. */
export function bundledToolchainDir(): string | undefined {
  const dir = process.env.WANCO_TOOLCHAIN_DIR ?? join(packageRoot(), 'toolchain');
  const driver = existsSync(join(dir, BUNDLED_DRIVER)) || existsSync(join(dir, PACKED_DRIVER));
  return driver && existsSync(join(dir, LINK_MANIFEST)) ? dir : undefined;
}

/**
 * wanco-llvm, ready to run: as built, or unpacked from its brotli copy the first time (0.3 s) -
 * beside it, or, where the package's folder is read-only, in the user's cache.
 */
export function bundledDriver(dir: string): string {
  const plain = join(dir, BUNDLED_DRIVER);
  if (existsSync(plain)) return plain;
  const packed = join(dir, PACKED_DRIVER);
  const st = statSync(packed);
  const cached = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'wanco', `wanco-llvm-${st.size}-${Math.floor(st.mtimeMs)}`);
  if (existsSync(cached)) return cached;
  let data: Buffer;
  try {
    data = brotliDecompressSync(readFileSync(packed));
  } catch (e) {
    throw new WancoError(`${packed}: cannot unpack (${(e as Error).message}); reinstall the extension`);
  }
  for (const file of [plain, cached]) {
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(tmp, data, { mode: 0o755 });
      renameSync(tmp, file); // whole or not at all: a build running beside this one never sees a part
      return file;
    } catch {
      rmSync(tmp, { force: true }); // not writable here: the next place
    }
  }
  throw new WancoError(`${packed}: cannot unpack it: neither ${dirname(plain)} nor ${dirname(cached)} is writable`);
}

export function readLinkManifest(dir: string): LinkManifest {
  const file = join(dir, LINK_MANIFEST);
  let m: LinkManifest;
  try {
    m = JSON.parse(readFileSync(file, 'utf8')) as LinkManifest;
  } catch (e) {
    throw new WancoError(`${file}: not a readable link manifest (${(e as Error).message}); run scripts/build-toolchain.sh again`);
  }
  if (m.format !== 1 || typeof m.targets !== 'object' || m.targets === null) {
    throw new WancoError(`${file}: unknown link manifest format ${String(m.format)}; run scripts/build-toolchain.sh again`);
  }
  return m;
}

/** The manifest's link line for `target` with the inputs, the output and the target's folder filled in. */
export function bundledLinkArgs(dir: string, manifest: LinkManifest, target: TargetName, inputs: string[], output: string): string[] {
  const line = manifest.targets[target];
  if (!Array.isArray(line)) throw new WancoError(`${join(dir, LINK_MANIFEST)}: no link line for ${target}; run scripts/build-toolchain.sh again`);
  return line.flatMap((a) => a === LINK_INPUTS ? inputs
    : a === LINK_OUTPUT ? [output]
      : a.startsWith(LINK_DIR) ? [join(dir, target, a.slice(LINK_DIR.length))] : [a]);
}
