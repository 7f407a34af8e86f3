/** The two targets wanco compiles for, and how LLVM names them. */
export type TargetName = 'x86_64' | 'aarch64';

export interface Target {
  name: TargetName;
  triple: string;
  /** LLVM 14's data layout for the triple (what `clang-14 -S -emit-llvm` writes) */
  dataLayout: string;
  /**
   * CPU baseline. x86_64: the x86-64-v2 features (SSE4.2, SSSE3, POPCNT; every x86_64
   * server since 2009: single-instruction ceil/floor/trunc/nearest, popcnt, byte shuffles)
   * with generic x86-64 tuning — `-mcpu=x86-64-v2`'s tuning turns constant rotates into
   * SHLD, measured 1.7x slower on SHA-256. aarch64: plain ARMv8-A + NEON.
   */
  cpu: string;
  features: string;
  /**
   * Features added when deopt values may live in registers (C/R builds with
   * --use-registers-for-deopt-values). aarch64: reserve x30. LLVM 14 counts LR among the registers
   * a STATEPOINT preserves (it is in the callee-saved list because prologues save it) although the
   * BL it becomes overwrites it, so a value live only in the deopt state could be put in x30 and the
   * stackmap then names x30, which holds the return address by the time the runtime reads it.
   */
  deoptRegisterFeatures: string;
  /**
   * llc options of restore partitions (backend/pipeline.ts: RESTORE_LLC) for this target only.
   * aarch64: SelectionDAG instead of GlobalISel, llc -O0's default there. GlobalISel cannot
   * select statepoints and gave 350 of the 368 functions of one of sqlite3's restore partitions
   * back to SelectionDAG, which then did all the work again: 5.1 s -> 4.4 s user, the object
   * the same size to 12 bytes. (x86_64's -O0 default, FastISel, falls back per block and is the
   * faster there: 4.1 s against 5.4 s for SelectionDAG alone.)
   */
  restoreLlcOptions: string[];
  /** clang --target for linking against the system's (cross) libc */
  linkTriple: string;
}

export const TARGETS: Record<TargetName, Target> = {
  x86_64: {
    name: 'x86_64',
    triple: 'x86_64-unknown-linux-gnu',
    dataLayout: 'e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128',
    cpu: 'x86-64',
    features: '+sse4.2,+sse4.1,+ssse3,+popcnt,+cx16,+sahf',
    deoptRegisterFeatures: '',
    restoreLlcOptions: [],
    linkTriple: 'x86_64-linux-gnu',
  },
  aarch64: {
    name: 'aarch64',
    triple: 'aarch64-unknown-linux-gnu',
    dataLayout: 'e-m:e-i8:8:32-i16:16:32-i64:64-i128:128-n32:64-S128',
    cpu: 'generic',
    features: '+neon',
    deoptRegisterFeatures: '+reserve-x30',
    restoreLlcOptions: ['-global-isel=false', '-fast-isel=false'],
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
