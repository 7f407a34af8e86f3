/**
 * Executes .wast scripts: modules are compiled once per target (cached by
 * module hash + compiler build) and run in the runtime's driver mode
 * (`ELF --wanco-driver SCRIPT`, runtime/src/driver.c), one process per module
 * instance running all of that instance's invocations in order.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { buildExecutable, type OptLevel } from '../backend/pipeline';
import { TARGETS, type TargetName } from '../backend/targets';
import { runtimeArchive } from '../backend/toolchain';
import { checkImports, translateModule } from '../translate/module';
import { loadModuleFromBytes, parseWat } from '../wasm/load';
import type { Module } from '../wasm/types';
import { encodeArg, formatSlots, formatValue, slotCount, valueMatches } from './values';
import { readWast, type WastAction, type WastCommand, type WastScript } from './wast';

export type Outcome = 'pass' | 'fail' | 'skip';

export interface CommandResult {
  script: string;
  line: number;
  /** command type; malformed/invalid get `:binary` or `:text` */
  kind: string;
  outcome: Outcome;
  detail?: string;
  /** assert_malformed / assert_invalid: the message the spec expects */
  expected?: string;
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

export const LINKING_REASON = 'needs cross-module linking';

interface PlannedAction { cmd: WastCommand; action: WastAction }
interface Instance {
  script: string;
  cmd: WastCommand;
  bytes: Uint8Array;
  module: Module;
  /** the command expects instantiation to fail (assert_uninstantiable, assert_trap/unlinkable with a module) */
  expectInitTrap: boolean;
  actions: PlannedAction[];
}

/** Results that do not depend on the target, and the instances to run per target. */
interface Plan {
  common: CommandResult[];
  instances: Instance[];
  /** commands that failed before running (module did not load) but are counted per target */
  failedInstanceCmds: CommandResult[];
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function foreignImport(module: Module, registered: Set<string>): string | undefined {
  for (const imp of module.imports) {
    if (imp.module === 'spectest' || imp.module === 'wasi_snapshot_preview1') continue;
    return registered.has(imp.module) ? imp.module : `?${imp.module}`;
  }
  return undefined;
}

export async function planScript(script: WastScript): Promise<Plan> {
  const common: CommandResult[] = [];
  const instances: Instance[] = [];
  const failedInstanceCmds: CommandResult[] = [];
  const named = new Map<string, Instance | string>(); // instance, or the reason it is unavailable
  const registered = new Set<string>();
  const registeredInstances = new Map<string, Instance | string>();
  /** instances whose state a (skipped) linked module would have changed */
  const tainted = new Set<Instance | string>();
  const taint = (module: Module) => {
    for (const imp of module.imports) { const i = registeredInstances.get(imp.module); if (i) tainted.add(i); }
  };
  let current: Instance | string | undefined;
  const res = (cmd: WastCommand, kind: string, outcome: Outcome, detail?: string) =>
    common.push({ script: script.name, line: cmd.line, kind, outcome, detail });
  const file = (cmd: WastCommand) => join(script.dir, cmd.filename!);

  for (const cmd of script.commands) {
    switch (cmd.type) {
      case 'module': {
        let inst: Instance | string;
        try {
          const bytes = new Uint8Array(readFileSync(file(cmd)));
          const { module } = await loadModuleFromBytes(bytes, cmd.filename!);
          const foreign = foreignImport(module, registered);
          if (foreign) {
            inst = LINKING_REASON;
            taint(module);
            res(cmd, 'module', 'skip', `${LINKING_REASON} (imports from ${foreign})`);
          } else {
            checkImports(module, cmd.filename!, 'wasi+spectest');
            inst = { script: script.name, cmd, bytes, module, expectInitTrap: false, actions: [] };
            instances.push(inst);
          }
        } catch (e) {
          inst = `module at line ${cmd.line} did not load`;
          failedInstanceCmds.push({ script: script.name, line: cmd.line, kind: 'module', outcome: 'fail', detail: errMessage(e) });
        }
        current = inst;
        if (cmd.name) named.set(cmd.name, inst);
        break;
      }
      case 'register': {
        registered.add(cmd.as!);
        const r = cmd.name ? named.get(cmd.name) : current;
        if (r !== undefined) registeredInstances.set(cmd.as!, r);
        break;
      }
      case 'action': case 'assert_return': case 'assert_trap': case 'assert_exhaustion': {
        if (!cmd.action) { // assert_trap on a module: instantiation must trap
          await planInitTrap(cmd);
          break;
        }
        const target = cmd.action.module ? named.get(cmd.action.module) : current;
        if (target === undefined) res(cmd, cmd.type, 'fail', 'no module to act on');
        else if (tainted.has(target)) res(cmd, cmd.type, 'skip', `${LINKING_REASON} (a linked module shares this module's state)`);
        else if (typeof target === 'string') {
          if (target === LINKING_REASON) res(cmd, cmd.type, 'skip', LINKING_REASON);
          else failedInstanceCmds.push({ script: script.name, line: cmd.line, kind: cmd.type, outcome: 'fail', detail: target });
        } else target.actions.push({ cmd, action: cmd.action });
        break;
      }
      case 'assert_uninstantiable': case 'assert_unlinkable':
        await planInitTrap(cmd);
        break;
      case 'assert_malformed': case 'assert_invalid': {
        const kind = `${cmd.type}:${cmd.module_type}`;
        try {
          if (cmd.module_type === 'text') await parseWat(readFileSync(file(cmd), 'utf8'), cmd.filename!);
          else await loadModuleFromBytes(new Uint8Array(readFileSync(file(cmd))), cmd.filename!);
          res(cmd, kind, 'fail', `accepted; expected "${cmd.text}"`);
        } catch (e) {
          common.push({ script: script.name, line: cmd.line, kind, outcome: 'pass', detail: errMessage(e), expected: cmd.text });
        }
        break;
      }
      default:
        res(cmd, cmd.type, 'skip', `unknown command ${cmd.type}`);
    }
  }
  return { common, instances, failedInstanceCmds };

  async function planInitTrap(cmd: WastCommand): Promise<void> {
    let bytes: Uint8Array;
    let module: Module;
    try {
      bytes = new Uint8Array(readFileSync(file(cmd)));
      module = (await loadModuleFromBytes(bytes, cmd.filename!)).module;
    } catch (e) {
      res(cmd, cmd.type, 'fail', `module does not load: ${errMessage(e)}`);
      return;
    }
    const foreign = foreignImport(module, registered);
    if (foreign && !foreign.startsWith('?')) { taint(module); res(cmd, cmd.type, 'skip', `${LINKING_REASON} (imports from ${foreign})`); return; }
    try {
      checkImports(module, cmd.filename!, 'wasi+spectest');
    } catch (e) {
      if (cmd.type === 'assert_unlinkable') res(cmd, cmd.type, 'pass', errMessage(e));
      else res(cmd, cmd.type, 'fail', errMessage(e));
      return;
    }
    instances.push({ script: script.name, cmd, bytes, module, expectInitTrap: true, actions: [] });
  }
}

// ---- compilation with a cache ----

let buildIdCache: string | undefined;
/** Hash of the compiler's JavaScript and both runtime archives. */
export function compilerBuildId(): string {
  if (buildIdCache) return buildIdCache;
  const h = createHash('sha256');
  const root = resolve(__dirname, '..');
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (n === 'spec') continue;
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.js')) h.update(n).update(readFileSync(p));
    }
  };
  walk(root);
  for (const t of Object.keys(TARGETS) as TargetName[]) {
    try { h.update(readFileSync(runtimeArchive(t))); } catch { /* missing archive: the build fails later */ }
  }
  buildIdCache = h.digest('hex').slice(0, 16);
  return buildIdCache;
}

const inFlight = new Map<string, Promise<string>>();

/** Compiles once per key even when two instances (same bytes) ask at the same time. */
function compileCached(inst: Instance, target: TargetName, opts: RunOptions): Promise<string> {
  const key = createHash('sha256').update(compilerBuildId()).update(`${target} O${opts.optLevel} cr${opts.checkpoint ? 1 : 0}`)
    .update(inst.bytes).digest('hex').slice(0, 32);
  let p = inFlight.get(key);
  if (!p) {
    p = compileUncached(inst, target, opts);
    inFlight.set(key, p);
    p.finally(() => inFlight.delete(key)).catch(() => undefined);
  }
  return p;
}

async function compileUncached(inst: Instance, target: TargetName, opts: RunOptions): Promise<string> {
  const key = createHash('sha256').update(compilerBuildId()).update(`${target} O${opts.optLevel} cr${opts.checkpoint ? 1 : 0}`)
    .update(inst.bytes).digest('hex').slice(0, 32);
  const dir = join(opts.cacheRoot, 'elf', target);
  const out = join(dir, `${key}.elf`);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const { partitions } = translateModule(inst.module, inst.bytes,
    { boundsChecks: false, checkpoint: opts.checkpoint, hosts: 'wasi+spectest' }, TARGETS[target]);
  await buildExecutable(partitions, { target: TARGETS[target], optLevel: opts.optLevel, output: out, emitLlvm: false, checkpoint: opts.checkpoint });
  return out;
}

function hexName(s: string): string {
  return s === '' ? '-' : Buffer.from(s, 'utf8').toString('hex');
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

function trapMatches(expected: string | undefined, actual: string): boolean {
  if (!expected) return true;
  return actual.startsWith(expected) || expected.startsWith(actual);
}

async function runInstance(inst: Instance, target: TargetName, opts: RunOptions): Promise<CommandResult[]> {
  const out: CommandResult[] = [];
  const r = (cmd: WastCommand, outcome: Outcome, detail?: string) =>
    out.push({ script: inst.script, line: cmd.line, kind: cmd.type, outcome, detail });
  const failAll = (why: string) => {
    r(inst.cmd, 'fail', why);
    for (const a of inst.actions) r(a.cmd, 'fail', why);
    return out;
  };
  let elf: string;
  try {
    elf = await compileCached(inst, target, opts);
  } catch (e) {
    return failAll(`compile: ${errMessage(e)}`);
  }
  const exportRef = (field: string, kind: 'func' | 'global') => {
    const i = inst.module.exports.findIndex((e) => e.name === field && e.kind === kind);
    return i >= 0 ? `#${i}` : hexName(field);
  };
  const lines = inst.actions.map(({ action }) => action.type === 'get'
    ? `get ${exportRef(action.field, 'global')}`
    : ['invoke', exportRef(action.field, 'func'), ...(action.args ?? []).flatMap(encodeArg)].join(' '));
  const scriptPath = `${elf}.${process.pid}.${Math.random().toString(36).slice(2)}.cmds`;
  writeFileSync(scriptPath, lines.join('\n') + '\n');
  const timeout = opts.timeoutMs?.[target] ?? (target === 'aarch64' ? 300_000 : 60_000);
  const run = await runElf(elf, target, scriptPath, timeout);
  try { (await import('node:fs')).unlinkSync(scriptPath); } catch { /* ignore */ }
  const reports = run.stdout.split('\n').filter((l) => l.startsWith('@@ ')).map((l) => l.slice(3));
  const crash = `driver ended early (${run.status}): ${run.stderr.trim().split('\n')[0] ?? ''}`;
  const init = reports.shift();
  if (init === undefined) return failAll(crash);
  if (inst.expectInitTrap) {
    if (init.startsWith('init trap')) {
      const msg = init.slice('init trap '.length);
      if (inst.cmd.type === 'assert_unlinkable' || trapMatches(inst.cmd.text, msg)) r(inst.cmd, 'pass');
      else r(inst.cmd, 'fail', `trapped with "${msg}", expected "${inst.cmd.text}"`);
    } else r(inst.cmd, 'fail', `instantiated; expected "${inst.cmd.text}"`);
    return out;
  }
  if (init !== 'init ok') return failAll(`instantiation: ${init}`);
  r(inst.cmd, 'pass');
  for (const { cmd } of inst.actions) {
    const rep = reports.shift();
    if (rep === undefined) { r(cmd, 'fail', crash); continue; }
    const trapped = rep.startsWith('trap ') ? rep.slice(5) : undefined;
    switch (cmd.type) {
      case 'action':
        if (rep.startsWith('ok')) r(cmd, 'pass'); else r(cmd, 'fail', rep);
        break;
      case 'assert_return': {
        if (!rep.startsWith('ok')) { r(cmd, 'fail', rep); break; }
        const slots = rep.split(' ').slice(1).map((s) => BigInt(`0x${s}`));
        const expected = cmd.expected ?? [];
        let k = 0;
        let ok = slots.length === expected.reduce((n, e) => n + slotCount(e.type), 0);
        for (const e of expected) {
          if (!ok) break;
          ok = valueMatches(e, slots.slice(k, k + slotCount(e.type)));
          k += slotCount(e.type);
        }
        if (ok) r(cmd, 'pass');
        else r(cmd, 'fail', `got ${formatSlots(cmd.expected, slots)}, expected ${expected.map(formatValue).join(' ')}`);
        break;
      }
      case 'assert_trap':
        if (trapped !== undefined && trapMatches(cmd.text, trapped)) r(cmd, 'pass');
        else r(cmd, 'fail', `${rep}; expected trap "${cmd.text}"`);
        break;
      case 'assert_exhaustion':
        if (trapped === 'call stack exhausted') r(cmd, 'pass');
        else r(cmd, 'fail', `${rep}; expected exhaustion`);
        break;
    }
  }
  return out;
}

/** Runs the scripts on the targets; results per target, in script/line order. */
export async function runScripts(wastPaths: string[], opts: RunOptions,
  onScriptDone?: (target: TargetName, script: string, results: CommandResult[]) => void,
): Promise<{ results: Record<string, CommandResult[]>; seconds: Record<string, number> }> {
  const results: Record<string, CommandResult[]> = {};
  const seconds: Record<string, number> = {};
  for (const t of opts.targets) { results[t] = []; seconds[t] = 0; }
  const plans: { name: string; plan: Plan }[] = [];
  const planStart = performance.now();
  for (const p of wastPaths) {
    const script = readWast(p, opts.cacheRoot);
    plans.push({ name: script.name, plan: await planScript(script) });
  }
  const planSeconds = (performance.now() - planStart) / 1000;
  // One pool over all (target, instance) jobs; targets one after the other so their times are separate.
  for (const target of opts.targets) {
    const t0 = performance.now();
    const jobs: (() => Promise<void>)[] = [];
    const perScript = new Map<string, CommandResult[]>();
    const pending = new Map<string, number>();
    for (const { name, plan } of plans) {
      perScript.set(name, [...plan.common, ...plan.failedInstanceCmds]);
      pending.set(name, plan.instances.length);
      if (plan.instances.length === 0) finish(name);
      for (const inst of plan.instances) {
        jobs.push(async () => {
          const r = await runInstance(inst, target, opts);
          perScript.get(name)!.push(...r);
          pending.set(name, pending.get(name)! - 1);
          if (pending.get(name) === 0) finish(name);
        });
      }
    }
    function finish(name: string) {
      const rs = perScript.get(name)!.sort((a, b) => a.line - b.line);
      results[target].push(...rs);
      onScriptDone?.(target, name, rs);
    }
    let next = 0;
    const worker = async () => { while (next < jobs.length) await jobs[next++](); };
    await Promise.all(Array.from({ length: Math.max(1, opts.jobs) }, worker));
    seconds[target] = (performance.now() - t0) / 1000 + planSeconds / opts.targets.length;
  }
  return { results, seconds };
}

export function defaultJobs(): number {
  return cpus().length + 1;
}
