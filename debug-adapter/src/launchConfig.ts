/**
 * The launch configuration of a `wanco` debug session: its checks (each failure is the message
 * the user sees), and what it resolves to: the program to run (compiled when it is a module) or
 * the snapshot to open post-mortem, the module it was built from, where snapshots go.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import type { Snapshot } from '../../compiler-core/src/index';
import type { ProgramSymbols } from './programSymbols';
import type { LiveLaunch } from './liveTarget';
import { UserError } from './userError';

/**
 * wanco's optimisation level of a debug build when the launch does not say: 0, for F5 in seconds.
 * A debug build keeps every Wasm local at every statement (a statepoint each), and llc's -O2 takes
 * long over them: the C source fixture (27 KB of code) compiled in 2.9 s at 0 and 10 s at 2, a Rust
 * program of 102 KB in 9 s at 0 (2 loaded cores). The values shown are exact at any level.
 */
export const DEBUG_OPT_LEVEL = 0;

export interface WancoLaunchArgs extends DebugProtocol.LaunchRequestArguments {
  /** .wat, .wasm (compiled on the fly) or a wanco ELF */
  program?: string;
  /** for an ELF program: the .wat/.wasm it was built from (names, lines) */
  module?: string;
  args?: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** preopened directories, HOST[::GUEST] */
  dirs?: string[];
  target?: string;
  /** wanco's optimisation level (default: DEBUG_OPT_LEVEL for a debug build, else 2) */
  optLevel?: number;
  /** compile .wat/.wasm as a debug build (statement and after-call points; default true) */
  debugPoints?: boolean;
  stopOnEntry?: boolean;
  /** start from this snapshot */
  restore?: string;
  /** where checkpoints go (default: cwd) */
  snapshotDir?: string;
  /** post-mortem: open this snapshot read-only, run nothing */
  snapshot?: string;
}

/**
 * What a launch configuration resolved to. Its fields are set as the checks pass (a relaunch that
 * fails half-way leaves the ones it got to, as the session always did).
 */
export interface LaunchedProgram {
  targetName: string;
  /** the ELF to run */
  exe?: string;
  snapshotDir: string;
  /** the snapshot opened post-mortem */
  postMortem?: Snapshot;
}

export function newLaunchedProgram(): LaunchedProgram {
  return { targetName: 'x86_64', snapshotDir: '' };
}

function launchCwd(args: WancoLaunchArgs): string {
  return args.cwd ? resolve(args.cwd) : process.cwd();
}

/**
 * Checks the configuration, then loads the module (into `symbols`) and the snapshot, and compiles
 * a .wat/.wasm program (`log` says so). Throws UserError with what is wrong.
 */
export async function prepareLaunch(args: WancoLaunchArgs, into: LaunchedProgram, symbols: ProgramSymbols, log: (text: string) => void): Promise<void> {
  const cwd = launchCwd(args);
  if (args.cwd && !existsSync(cwd)) throw new UserError(`cwd ${args.cwd} does not exist`);
  const abs = (p: string) => resolve(cwd, p);
  const { parseTarget, hostTarget } = await import('../../compiler-core/src/index');
  let target;
  try {
    target = parseTarget(args.target ?? hostTarget() ?? 'x86_64');
  } catch (e) {
    throw new UserError(`launch: ${(e as Error).message}`);
  }
  into.targetName = target.name;
  if (args.optLevel !== undefined && ![0, 1, 2, 3].includes(args.optLevel)) throw new UserError('launch: optLevel must be 0, 1, 2 or 3');
  if (!args.program && !args.snapshot) throw new UserError('launch: "program" (a .wat, .wasm or wanco ELF) or "snapshot" (post-mortem) is required');
  if (args.snapshot && args.restore) throw new UserError('launch: give "snapshot" (post-mortem, read-only) or "restore" (run from it), not both');
  const program = args.program ? abs(args.program) : undefined;
  if (program && (!existsSync(program) || !statSync(program).isFile())) throw new UserError(`launch: program ${program} does not exist`);
  let moduleFile = args.module ? abs(args.module) : undefined;
  if (moduleFile && !existsSync(moduleFile)) throw new UserError(`launch: module ${moduleFile} does not exist`);
  let isElf = false;
  if (program) {
    const ext = extname(program).toLowerCase();
    const head = readFileSync(program).subarray(0, 4);
    isElf = head.length === 4 && head[0] === 0x7f && head.toString('latin1', 1, 4) === 'ELF';
    if (!isElf && !['.wat', '.wast', '.wasm'].includes(ext)) {
      throw new UserError(`launch: program ${program} is neither a .wat/.wasm module nor an ELF`);
    }
    if (!isElf) moduleFile = program;
  }
  if (moduleFile) await symbols.loadModule(moduleFile);
  /** functions a restored snapshot stands at debug points in: the debug build keeps their points */
  let keepDebugFunctions: number[] = [];
  for (const f of [args.snapshot, args.restore]) {
    if (!f) continue;
    const p = abs(f);
    if (!existsSync(p)) throw new UserError(`launch: snapshot ${p} does not exist`);
    const { readSnapshotFile, debugPointFunctions } = await import('../../compiler-core/src/index');
    const snap = readSnapshotFile(p);
    if (symbols.moduleBytes) {
      const h = createHash('sha256').update(symbols.moduleBytes).digest('hex');
      if (h !== Buffer.from(snap.moduleHash).toString('hex')) {
        throw new UserError(`launch: snapshot ${p} was taken from another module than ${moduleFile} (module hash differs)`);
      }
    }
    if (f === args.snapshot) into.postMortem = snap;
    else keepDebugFunctions = [...debugPointFunctions(snap.frames.map((fr) => fr.pointId))];
  }
  if (into.postMortem) return;
  if (!program) throw new UserError('launch: "program" is required');
  if (args.args && (!Array.isArray(args.args) || args.args.some((a) => typeof a !== 'string'))) throw new UserError('launch: "args" must be an array of strings');
  if (args.restore && ((args.args?.length ?? 0) > 0 || Object.keys(args.env ?? {}).length > 0)) {
    throw new UserError('launch: a restored program keeps its saved arguments and environment; remove "args"/"env"');
  }
  if (isElf) {
    into.exe = program;
  } else {
    const { compileCached } = await import('../../compiler-core/src/index');
    log(`wanco: compiling ${basename(program)} for ${target.name}\n`);
    const debug = args.debugPoints ?? true;
    if (typeof debug !== 'boolean') throw new UserError('launch: "debugPoints" must be true or false');
    into.exe = await compileCached(program, target, (args.optLevel ?? (debug ? DEBUG_OPT_LEVEL : 2)) as 0 | 1 | 2 | 3, debug, keepDebugFunctions);
  }
  into.snapshotDir = args.snapshotDir ? abs(args.snapshotDir) : cwd;
  mkdirSync(into.snapshotDir, { recursive: true });
}

/** The name snapshots of this program start with: its module's (or ELF's) file name without extension. */
export function snapshotStem(symbols: ProgramSymbols, launched: LaunchedProgram): string {
  return basename(symbols.sourcePath ?? launched.exe!).replace(/\.\w+$/, '');
}

/** How to run a prepared program, from the start or from the snapshot `restore`. */
export function liveLaunch(args: WancoLaunchArgs, launched: LaunchedProgram, symbols: ProgramSymbols, restore: string | undefined): LiveLaunch {
  const cwd = launchCwd(args);
  return {
    targetName: launched.targetName, exe: launched.exe!, cwd, args: args.args ?? [], env: args.env, dirs: args.dirs,
    snapshot: join(launched.snapshotDir, `${snapshotStem(symbols, launched)}.wsnap`), restore: restore ? resolve(cwd, restore) : undefined,
  };
}

/**
 * Where a checkpoint the user asks for goes: `path` (relative to the snapshot directory), else the
 * next `STEM.dapN.wsnap` there (`nextSeq`) that does not exist yet.
 */
export function checkpointPath(path: unknown, launched: LaunchedProgram, symbols: ProgramSymbols, nextSeq: () => number): string {
  const stem = snapshotStem(symbols, launched);
  if (typeof path === 'string') return resolve(launched.snapshotDir, path);
  let out: string;
  // a new session numbers from 1 again: never overwrite an earlier session's snapshot
  do out = join(launched.snapshotDir, `${stem}.dap${nextSeq()}.wsnap`); while (existsSync(out));
  return out;
}
