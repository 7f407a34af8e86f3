/**
 * Executes .wast scripts: each script is planned (plan.ts), then its module
 * instances run in the runtime's driver mode, one process per instance
 * running all of that instance's actions in order — or, for instances linked
 * to each other, one process per linked group (link-group.ts). Modules are
 * compiled once per target and cached (exec.ts); all (target, job) pairs of a
 * target share one pool of `jobs` workers.
 */
import { cpus } from 'node:os';
import type { TargetName } from '../../src/backend/targets';
import { actionLine, compileCached, judgeAction, result, runDriver, trapMatches, type RunOptions } from './exec';
import { prepareGroup, runGroup, type PreparedGroup } from './link-group';
import { planScript, type CommandResult, type Instance, type Plan } from './plan';
import { readWast } from './wast';

export type { CommandResult, Outcome } from './plan';
export type { RunOptions } from './exec';

async function runInstance(inst: Instance, target: TargetName, opts: RunOptions): Promise<CommandResult[]> {
  const out: CommandResult[] = [];
  const failAll = (why: string) => {
    out.push(result(inst.script, inst.cmd, 'fail', why));
    for (const a of inst.actions) out.push(result(inst.script, a.cmd, 'fail', why));
    return out;
  };
  let elf: string;
  try {
    elf = await compileCached(inst.bytes, inst.module, target, opts);
  } catch (e) {
    return failAll(`compile: ${e instanceof Error ? e.message : String(e)}`);
  }
  const run = await runDriver(elf, target, inst.actions.map(({ action }) => actionLine(inst.module, action, action.field)), opts);
  const init = run.reports.shift();
  if (init === undefined) return failAll(run.crash);
  if (inst.expectInitTrap) {
    if (init.startsWith('init trap')) {
      const msg = init.slice('init trap '.length);
      if (trapMatches(inst.cmd.text, msg)) out.push(result(inst.script, inst.cmd, 'pass'));
      else out.push(result(inst.script, inst.cmd, 'fail', `trapped with "${msg}", expected "${inst.cmd.text}"`));
    } else out.push(result(inst.script, inst.cmd, 'fail', `instantiated; expected "${inst.cmd.text}"`));
    return out;
  }
  if (init !== 'init ok') return failAll(`instantiation: ${init}`);
  out.push(result(inst.script, inst.cmd, 'pass'));
  for (const { cmd } of inst.actions) {
    const rep = run.reports.shift();
    if (rep === undefined) { out.push(result(inst.script, cmd, 'fail', run.crash)); continue; }
    const [outcome, detail] = judgeAction(cmd, rep);
    out.push(result(inst.script, cmd, outcome, detail));
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
  const plans: { name: string; plan: Plan; groups: PreparedGroup[] }[] = [];
  const planStart = performance.now();
  for (const p of wastPaths) {
    const script = readWast(p, opts.cacheRoot);
    const plan = await planScript(script);
    const groups: PreparedGroup[] = [];
    for (const g of plan.groups) groups.push(await prepareGroup(g, opts.cacheRoot));
    plans.push({ name: script.name, plan, groups });
  }
  const planSeconds = (performance.now() - planStart) / 1000;
  // One pool over all (target, job) pairs; targets one after the other so their times are separate.
  for (const target of opts.targets) {
    const t0 = performance.now();
    const jobs: (() => Promise<void>)[] = [];
    const perScript = new Map<string, CommandResult[]>();
    const pending = new Map<string, number>();
    for (const { name, plan, groups } of plans) {
      perScript.set(name, [...plan.common]);
      const work: (() => Promise<CommandResult[]>)[] = [
        // linked groups first: they are the longest single jobs
        ...groups.map((g) => () => runGroup(g, target, opts)),
        ...plan.instances.map((inst) => () => runInstance(inst, target, opts)),
      ];
      pending.set(name, work.length);
      if (work.length === 0) finish(name);
      for (const w of work) {
        jobs.push(async () => {
          perScript.get(name)!.push(...await w());
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
