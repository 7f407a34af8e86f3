/** The two targets wanco compiles for, and how LLVM names them. */
export type TargetName = 'x86_64' | 'aarch64';

export interface Target {
  name: TargetName;
  triple: string;
  /** LLVM 14's data layout for the triple (what `clang-14 -S -emit-llvm` writes) */
  dataLayout: string;
  /**
   * CPU baseline. x86-64-v2 (SSE4.2, POPCNT; every x86_64 server since 2009) gives
   * single-instruction ceil/floor/trunc/nearest and popcnt; aarch64 is plain ARMv8-A + NEON.
   */
  cpu: string;
  /** clang --target for linking against the system's (cross) libc */
  linkTriple: string;
}

export const TARGETS: Record<TargetName, Target> = {
  x86_64: {
    name: 'x86_64',
    triple: 'x86_64-unknown-linux-gnu',
    dataLayout: 'e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128',
    cpu: 'x86-64-v2',
    linkTriple: 'x86_64-linux-gnu',
  },
  aarch64: {
    name: 'aarch64',
    triple: 'aarch64-unknown-linux-gnu',
    dataLayout: 'e-m:e-i8:8:32-i16:16:32-i64:64-i128:128-n32:64-S128',
    cpu: 'generic',
    linkTriple: 'aarch64-linux-gnu',
  },
};

export function hostTarget(): TargetName | undefined {
  if (process.arch === 'x64') return 'x86_64';
  if (process.arch === 'arm64') return 'aarch64';
  return undefined;
}

export function parseTarget(name: string): Target {
  const t = (TARGETS as Record<string, Target | undefined>)[name === 'x86-64' ? 'x86_64' : name === 'arm64' ? 'aarch64' : name];
  if (!t) throw new Error(`unknown target '${name}' (expected x86_64 or aarch64)`);
  return t;
}
