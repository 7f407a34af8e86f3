/**
 * The bundled toolchain: `toolchain/` beside the package (the repository, the npm package or the
 * extension's folder), built by scripts/build-toolchain.sh. It holds
 *   bin/wanco-llvm       opt, llc, llvm-dis/as/extract and lld's ELF linker in one static
 *                        executable (compiler-core/native/wanco-llvm.cpp);
 *   <target>/            each target's link inputs, copied from Debian's packages: C runtime
 *                        start files, static glibc, libgcc, zstd and zlib;
 *   link.json            the link line of each target (LinkManifest).
 * This file owns that layout: gather-toolchain.ts writes it, toolchain.ts reads it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root';
import { WancoError } from '../wasm/errors';
import type { TargetName } from './targets';

export const BUNDLED_DRIVER = join('bin', 'wanco-llvm');
export const LINK_MANIFEST = 'link.json';

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
  return existsSync(join(dir, BUNDLED_DRIVER)) && existsSync(join(dir, LINK_MANIFEST)) ? dir : undefined;
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
