/**
 * Compiling spec modules (once per target, cached by module bytes + compiler
 * build under <cacheRoot>/elf/) and running them in the runtime's driver mode
 * (`ELF --wanco-driver SCRIPT`, runtime/src/driver.c); the action lines and
 * the comparison of a driver report with the command's expectation.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildExecutable, type OptLevel } from '../../src/backend/pipeline';
import { TARGETS, type TargetName } from '../../src/backend/targets';
import { runtimeArchive } from '../../src/backend/toolchain';
import { packageRoot } from '../../src/package-root';
import { translateModule } from '../../src/translate/module';
import type { Module } from '../../src/wasm/types';
import type { CommandResult, Outcome } from './plan';
import { encodeArg, formatSlots, formatValue, slotCount, valueMatches } from './values';
import type { WastAction, WastCommand } from './wast';
import { SPECTEST_HOST } from './spectest-host';

/** The spectest host's functions and the --wanco-driver mode (runtime/spec/), linked into every spec ELF. */
export function spectestArchive(target: TargetName): string {
  return join(packageRoot(), 'runtime', 'build', target, 'libwrt-spec.a');
}

export interface RunOptions {
  targets: TargetName[];
  optLevel: OptLevel;
  checkpoint: boolean;
  jobs: number;
  cacheRoot: string;
  /** per-ELF-run timeout per target */
  timeoutMs?: Partial<Record<TargetName, number>>;
}

let buildIdCache: string | undefined;
/** Hash of the compiler's JavaScript, the spectest host the harness plugs in, and both runtime archives. */
export function compilerBuildId(): string {
  if (buildIdCache) return buildIdCache;
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.js')) h.update(n).update(readFileSync(p));
    }
  };
  walk(join(packageRoot(), 'out', 'compiler-core', 'src'));
  h.update(readFileSync(join(__dirname, 'spectest-host.js')));
  for (const t of Object.keys(TARGETS) as TargetName[]) {
    for (const a of [runtimeArchive(t), spectestArchive(t)]) {
      try { h.update(readFileSync(a)); } catch { /* missing archive: the build fails later */ }
    }
  }
  buildIdCache = h.digest('hex').slice(0, 16);
  return buildIdCache;
}

const inFlight = new Map<string, Promise<string>>();

/** The ELF of a module for a target; compiles once per key even when two jobs ask at the same time. */
export function compileCached(bytes: Uint8Array, module: Module, target: TargetName, opts: RunOptions): Promise<string> {
  const key = createHash('sha256').update(compilerBuildId()).update(`${target} O${opts.optLevel} cr${opts.checkpoint ? 1 : 0}`)
    .update(bytes).digest('hex').slice(0, 32);
  let p = inFlight.get(key);
  if (!p) {
    p = compileUncached(key, bytes, module, target, opts);
    inFlight.set(key, p);
    p.finally(() => inFlight.delete(key)).catch(() => undefined);
  }
  return p;
}

async function compileUncached(key: string, bytes: Uint8Array, module: Module, target: TargetName, opts: RunOptions): Promise<string> {
  const dir = join(opts.cacheRoot, 'elf', target);
  const out = join(dir, `${key}.elf`);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const { partitions } = translateModule(module, bytes,
    { boundsChecks: false, checkpoint: opts.checkpoint, hosts: [SPECTEST_HOST] }, TARGETS[target]);
  await buildExecutable(partitions, {
    target: TARGETS[target], optLevel: opts.optLevel, output: out, emitLlvm: false, checkpoint: opts.checkpoint, extraArchives: [spectestArchive(target)],
  });
  return out;
}

export function hexName(s: string): string {
  return s === '' ? '-' : Buffer.from(s, 'utf8').toString('hex');
}

/** How the driver names export `name` of `kind`: by index (names may contain NUL), else by hex name. */
export function exportRef(module: Module, name: string, kind: 'func' | 'global'): string {
  const i = module.exports.findIndex((e) => e.name === name && e.kind === kind);
  return i >= 0 ? `#${i}` : hexName(name);
}

/** The driver line of an action on an export whose name in the program is `name`. */
export function actionLine(module: Module, action: WastAction, name: string): string {
  return action.type === 'get'
    ? `get ${exportRef(module, name, 'global')}`
    : ['invoke', exportRef(module, name, 'func'), ...(action.args ?? []).flatMap(encodeArg)].join(' ');
}

export interface DriverRun {
  /** the "@@ " reports, in order (the first one is the program's own instantiation) */
  reports: string[];
  /** why reports end early, if they do */
  crash: string;
}

function runElf(elf: string, target: TargetName, script: string, timeoutMs: number): Promise<{ stdout: string; stderr: string; status: string }> {
  const cmd = target === 'aarch64' && process.arch !== 'arm64' ? 'qemu-aarch64-static' : elf;
  const args = cmd === elf ? ['--wanco-driver', script] : [elf, '--wanco-driver', script];
  return new Promise((resolveP) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { if (stderr.length < 4096) stderr += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (code, sig) => {
      clearTimeout(timer);
      resolveP({ stdout, stderr, status: sig ? `killed by ${sig}${sig === 'SIGKILL' ? ' (timeout?)' : ''}` : `exit ${code}` });
    });
  });
}

/** Runs the driver script `lines` on the ELF. */
export async function runDriver(elf: string, target: TargetName, lines: string[], opts: RunOptions): Promise<DriverRun> {
  const scriptPath = `${elf}.${process.pid}.${Math.random().toString(36).slice(2)}.cmds`;
  writeFileSync(scriptPath, lines.join('\n') + '\n');
  const timeout = opts.timeoutMs?.[target] ?? (target === 'aarch64' ? 300_000 : 60_000);
  const run = await runElf(elf, target, scriptPath, timeout);
  try { unlinkSync(scriptPath); } catch { /* ignore */ }
  const reports = run.stdout.split('\n').filter((l) => l.startsWith('@@ ')).map((l) => l.slice(3));
  return { reports, crash: `driver ended early (${run.status}): ${run.stderr.trim().split('\n')[0] ?? ''}` };
}

export function trapMatches(expected: string | undefined, actual: string): boolean {
  if (!expected) return true;
  return actual.startsWith(expected) || expected.startsWith(actual);
}

/** The outcome of an action command from its driver report. */
export function judgeAction(cmd: WastCommand, rep: string): [Outcome, string?] {
  const trapped = rep.startsWith('trap ') ? rep.slice(5) : undefined;
  switch (cmd.type) {
    case 'action':
      return rep.startsWith('ok') ? ['pass'] : ['fail', rep];
    case 'assert_return': {
      if (!rep.startsWith('ok')) return ['fail', rep];
      const slots = rep.split(' ').slice(1).map((s) => BigInt(`0x${s}`));
      const expected = cmd.expected ?? [];
      let k = 0;
      let ok = slots.length === expected.reduce((n, e) => n + slotCount(e.type), 0);
      for (const e of expected) {
        if (!ok) break;
        ok = valueMatches(e, slots.slice(k, k + slotCount(e.type)));
        k += slotCount(e.type);
      }
      return ok ? ['pass'] : ['fail', `got ${formatSlots(cmd.expected, slots)}, expected ${expected.map(formatValue).join(' ')}`];
    }
    case 'assert_trap':
      return trapped !== undefined && trapMatches(cmd.text, trapped) ? ['pass'] : ['fail', `${rep}; expected trap "${cmd.text}"`];
    case 'assert_exhaustion':
      return trapped === 'call stack exhausted' ? ['pass'] : ['fail', `${rep}; expected exhaustion`];
    default:
      return ['fail', `unexpected command ${cmd.type}`];
  }
}

export function result(script: string, cmd: WastCommand, outcome: Outcome, detail?: string): CommandResult {
  return { script, line: cmd.line, kind: cmd.type, outcome, detail };
}
