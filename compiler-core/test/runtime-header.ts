/** Compiling against the runtime's header (runtime/include/wrt.h): how tests hold the TypeScript side to it. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/package-root';

export const RUNTIME_INCLUDE = join(packageRoot(), 'runtime', 'include');

/** What clang-14 prints compiling `source` (which may include wrt.h) with `args`. */
export function clang(source: string, args: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'wanco-abi-'));
  try {
    const c = join(dir, 'abi.c');
    writeFileSync(c, source);
    return execFileSync('clang-14', ['-I', RUNTIME_INCLUDE, ...args, c], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What a C program (which may include wrt.h) prints, built for and run on this machine. */
export function runC(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'wanco-abi-'));
  try {
    const exe = join(dir, 'abi');
    clang(source, ['-std=c11', '-Wall', '-Werror', '-o', exe]);
    return execFileSync(exe, { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
