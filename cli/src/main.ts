/**
 * `wanco` command line: compile, run, snapshot inspect, restore, doctor, debug-adapter. Argument parsing is commander's; every
 * error a user can cause is printed as one line (no stack trace) with exit 1. The commands are thin: the work is
 * compiler-core's (its index) and the debug adapter's; bin/wanco runs out/cli/src/main.js.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { basename, extname } from 'node:path';
import { compileFile, parseTarget, WancoError, type OptLevel, type Target } from '../../compiler-core/src/index';
import { runCommand } from './commands/run';
import { inspectCommand } from './commands/snapshot';
import { restoreCommand } from './commands/restore';

function targetOption(v: string): Target {
  try {
    return parseTarget(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

function optLevelOption(v: string): OptLevel {
  const n = Number(v);
  if (![0, 1, 2, 3].includes(n) || v.trim() === '') throw new InvalidArgumentError('expected 0, 1, 2 or 3');
  return n as OptLevel;
}

/** Accept -O0..-O3 as spelled by C compilers. */
function normalizeArgs(argv: string[]): string[] {
  return argv.map((a) => (/^-O[0-3]$/.test(a) ? `--opt-level=${a.slice(2)}` : a));
}

export function defaultOutput(input: string): string {
  const base = basename(input, extname(input));
  return base === basename(input) ? `${base}.elf` : base;
}

export function buildProgram(): Command {
  const program = new Command('wanco')
    .description('WebAssembly AOT compiler with cross-architecture checkpoint/restore')
    .enablePositionalOptions()
    .showHelpAfterError();

  program.command('compile')
    .description('compile a .wat/.wasm module into a static Linux ELF')
    .argument('<input>', '.wat or .wasm file')
    .option('-o, --output <file>', 'output executable (default: input name without extension)')
    .addOption(new Option('--target <arch>', 'x86_64 or aarch64').argParser(targetOption).default(parseTarget('x86_64'), 'x86_64'))
    .option('--opt-level <n>', 'optimisation level 0-3 (also -O0..-O3)', optLevelOption, 2 as OptLevel)
    .option('--emit-llvm', 'keep the LLVM IR next to the output (<out>.ll, <out>.opt.ll)', false)
    .option('--bounds-checks', 'explicit bounds checks instead of guard pages', false)
    .option('--no-checkpoint', 'plain code without checkpoint/restore support')
    .option('--debug-points', 'debug build: a migration point at every statement boundary and after every call (precise breakpoints and stepping; slower)', false)
    .option('--time', 'print the time of each phase on stderr', false)
    .option('--llvm-bin-dir <dir>', 'where the LLVM 14 tools are')
    .action(async (input: string, o: { output?: string; target: Target; optLevel: OptLevel; emitLlvm: boolean;
      boundsChecks: boolean; checkpoint: boolean; debugPoints: boolean; time: boolean; llvmBinDir?: string }) => {
      if (o.debugPoints && !o.checkpoint) throw new WancoError('--debug-points needs checkpoint support: remove --no-checkpoint');
      await compileFile({
        input, output: o.output ?? defaultOutput(input), target: o.target, optLevel: o.optLevel,
        emitLlvm: o.emitLlvm, boundsChecks: o.boundsChecks, checkpoint: o.checkpoint, debugPoints: o.debugPoints, llvmBinDir: o.llvmBinDir,
        onPhase: o.time ? (phase, ms) => process.stderr.write(`${phase}: ${ms.toFixed(0)} ms\n`) : undefined,
        onWarning: (message) => process.stderr.write(`wanco: warning: ${message}\n`),
      });
    });

  program.command('run')
    .description('compile into a cache (if needed) and run; arguments after the input go to the program')
    .argument('<input>', '.wat or .wasm file')
    .argument('[args...]', 'program options (--dir, --env) and arguments')
    .addOption(new Option('--target <arch>', 'x86_64 or aarch64 (aarch64 runs under qemu-aarch64-static on other hosts)')
      .argParser(targetOption).default(parseTarget('x86_64'), 'x86_64'))
    .option('--opt-level <n>', 'optimisation level 0-3', optLevelOption, 2 as OptLevel)
    .passThroughOptions()
    .action(async (input: string, args: string[], o: { target: Target; optLevel: OptLevel }) => {
      process.exitCode = await runCommand(input, args, o.target, o.optLevel);
    });

  const snapshot = program.command('snapshot').description('work with checkpoint snapshots (.wsnap)');
  snapshot.command('inspect')
    .description('print a snapshot: frames, locals, globals, tables, memory summary, WASI state')
    .argument('<file>', 'snapshot file')
    .option('--json', 'machine-readable output', false)
    .option('--module <wasm>', 'the module it was taken from (adds function names, checks the hash)')
    .action(async (file: string, o: { json: boolean; module?: string }) => inspectCommand(file, o));

  program.command('restore')
    .description('restore a snapshot on a remote aarch64 machine through OpenSSH (exit status and output are the remote program\'s)')
    .argument('<snapshot>', '.wsnap file')
    .option('--remote <user@host[:port]>', 'the remote machine (ssh config host aliases work)')
    .option('--module <wasm>', 'the module the snapshot was taken from')
    .option('--identity <file>', 'ssh private key')
    .option('--runner <cmd>', 'command prefix on the remote, e.g. qemu-aarch64-static (skips the architecture check)')
    .option('--remote-dir <dir>', 'directory on the remote (default: ~/wanco-remote)')
    .option('--opt-level <n>', 'optimisation level 0-3 of the aarch64 build', optLevelOption, 2 as OptLevel)
    .option('--ssh <path>', 'ssh executable')
    .option('--scp <path>', 'scp executable')
    .option('--ssh-option <opt>', 'extra ssh/scp -o option (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('-q, --quiet', 'no progress lines', false)
    .action(async (snapshot: string, o: Parameters<typeof restoreCommand>[1]) => {
      process.exitCode = await restoreCommand(snapshot, o);
    });

  program.command('doctor')
    .description('list what this machine has of what wanco needs (LLVM 14 tools, link inputs of both targets, qemu, ssh), each missing piece with its fix; exit 1 when compiling cannot work')
    .option('--llvm-bin-dir <dir>', 'where the LLVM 14 tools are')
    .action(async (o: { llvmBinDir?: string }) => {
      const { doctor, doctorText } = await import('../../compiler-core/src/index');
      const checks = await doctor({ llvmBinDir: o.llvmBinDir });
      process.stdout.write(`${doctorText(checks)}\n`);
      if (checks.some((c) => !c.ok && c.for === 'compile')) process.exitCode = 1;
    });

  program.command('debug-adapter')
    .description('serve the wanco debug adapter (DAP) on stdin/stdout')
    .action(async () => {
      const { serveStdio } = await import('../../debug-adapter/src/main');
      serveStdio();
    });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  // `wanco snapshot inspect x | head` closes our stdout early: that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  try {
    await buildProgram().parseAsync(normalizeArgs(argv), { from: 'user' });
  } catch (e) {
    if (e instanceof WancoError) {
      process.stderr.write(`wanco: ${e.message}\n`);
      process.exitCode = 1;
    } else {
      const err = e as Error;
      process.stderr.write(`wanco: internal error: ${err?.message ?? String(e)}\n`);
      if (process.env.WANCO_DEBUG) process.stderr.write(`${err?.stack}\n`);
      process.exitCode = 70;
    }
  }
}
