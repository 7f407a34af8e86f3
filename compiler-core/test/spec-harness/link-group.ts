/**
 * Runs a group of linked instances (plan.ts) as one program: the members'
 * modules rewritten (link-rewrite.ts) and merged (link-merge.ts) into one,
 * compiled once per target, and driven through the script's steps in order —
 * `instantiate init<id>` where the script creates an instance (after the
 * driver checks the import limits that depend on current sizes), and the
 * actions on the members' renamed exports.
 */
import type { TargetName } from '../../src/backend/targets';
import { SPECTEST_MODULE } from './spectest-host';
import { loadModuleFromBytes } from '../../src/wasm/load';
import type { Module } from '../../src/wasm/types';
import { actionLine, compileCached, judgeAction, result, runDriver, trapMatches, type RunOptions } from './exec';
import { mergeModules } from './link-merge';
import { exportNameOf, initNameOf, rewriteForLinking } from './link-rewrite';
import { LinkTracer } from './link-values';
import { messageMatches, type CommandResult, type LinkedGroup, type Member, type Outcome } from './plan';

export interface PreparedGroup {
  group: LinkedGroup;
  bytes?: Uint8Array;
  module?: Module;
  /** why the group cannot run: all its commands get this outcome */
  problem?: { outcome: Outcome; detail: string };
  /** members left out of the program (their commands are skipped with the reason) */
  left: Map<Member, string>;
}

const MULTI_MEMORY = 'multi-memory in one program, and wanco compiles Wasm 2.0 (one memory per module)';

/**
 * A member that can be left out without changing what the others observe:
 * nothing links to it, it imports only functions from the group and those
 * only read state, and it has no start function (its segments then touch only
 * its own tables and memory).
 */
function separable(group: LinkedGroup, tracer: LinkTracer, d: Member): boolean {
  if (group.members.some((o) => o.links.some((l) => l.exporter === d.inst))) return false;
  if (d.inst.module.start !== undefined) return false;
  return d.links.every((l) => tracer.linkReadsOnly(l));
}

const ownMemories = (d: Member) => {
  const m = d.inst.module;
  return m.memories.length - m.numImportedMemories + m.imports.filter((i) => i.module === SPECTEST_MODULE && i.desc.kind === 'memory').length;
};

/** Merges the group's modules; target-independent, so done once. */
export async function prepareGroup(group: LinkedGroup, cacheRoot: string): Promise<PreparedGroup> {
  const tracer = new LinkTracer(new Map(group.members.map((d) => [d.inst, d.links])));
  const left = new Map<Member, string>();
  // More than one memory: leave out separable members that define one, latest first.
  const total = group.members.reduce((n, d) => n + ownMemories(d), 0);
  let memories = total;
  for (const d of [...group.members].reverse()) {
    if (memories <= 1) break;
    if (ownMemories(d) === 0 || !separable(group, tracer, d)) continue;
    left.set(d, `its own memory beside the memory of the instances it links to needs ${MULTI_MEMORY}; left out of their program (it cannot change their state)`);
    memories -= ownMemories(d);
  }
  if (memories > 1) {
    return { group, left: new Map(), problem: { outcome: 'skip', detail: `linked instances with ${total} memories between them need ${MULTI_MEMORY}` } };
  }
  const kept = group.members.filter((d) => !left.has(d));
  const spectestTables = kept.filter((d) => d.inst.module.imports.some((i) => i.module === SPECTEST_MODULE && i.desc.kind === 'table')).length;
  if (spectestTables > 1) {
    return { group, left, problem: { outcome: 'skip', detail: 'several linked instances import spectest.table, which wanco gives each module as its own copy' } };
  }
  try {
    const parts = kept.map((d) => ({
      id: d.inst.id,
      bytes: rewriteForLinking(d.bytes, d.inst.module, d.inst.id, {
        links: d.links,
        globalValue: (g) => tracer.linkedGlobalValue(d.inst, g),
        importLimits: (i) => tracer.declaredLimits(d.links.find((l) => l.importIndex === i)!),
      }),
    }));
    const bytes = await mergeModules(parts, cacheRoot);
    const { module } = await loadModuleFromBytes(bytes, `${group.script}-linked.wasm`);
    return { group, bytes, module, left };
  } catch (e) {
    return { group, left, problem: { outcome: 'fail', detail: `linking: ${e instanceof Error ? e.message : String(e)}` } };
  }
}

function exportIndexRef(module: Module, name: string, kind: 'func' | 'table' | 'memory'): string {
  const i = module.exports.findIndex((e) => e.name === name && e.kind === kind);
  return `#${i}`;
}

export async function runGroup(p: PreparedGroup, target: TargetName, opts: RunOptions): Promise<CommandResult[]> {
  const { group } = p;
  const out: CommandResult[] = [];
  const stepCmd = (s: LinkedGroup['steps'][number]) => (s.kind === 'instantiate' ? s.member.cmd : s.cmd);
  for (const s of group.steps) {
    const why = p.left.get(s.member);
    if (why) out.push(result(group.script, stepCmd(s), 'skip', `module at line ${s.member.cmd.line}: ${why}`));
  }
  const steps = group.steps.filter((s) => !p.left.has(s.member));
  const failAll = (outcome: Outcome, why: string) => {
    for (const s of steps) out.push(result(group.script, stepCmd(s), outcome, why));
    return out;
  };
  if (p.problem) return failAll(p.problem.outcome, p.problem.detail);
  const module = p.module!;
  let elf: string;
  try {
    elf = await compileCached(p.bytes!, module, target, opts);
  } catch (e) {
    return failAll('fail', `compile: ${e instanceof Error ? e.message : String(e)}`);
  }
  const lines = steps.map((s) => {
    if (s.kind === 'action') return actionLine(module, s.action, exportNameOf(s.member.inst.id, s.action.field));
    const reqs = s.member.requirements.map((r) =>
      `${r.kind} ${exportIndexRef(module, exportNameOf(r.exporter.id, r.exportName), r.kind)} ${r.limits.min} ${r.limits.max ?? '-'}`);
    return ['instantiate', exportIndexRef(module, initNameOf(s.member.inst.id), 'func'), ...reqs].join(' ');
  });
  const run = await runDriver(elf, target, lines, opts);
  const init = run.reports.shift();
  if (init !== 'init ok') return failAll('fail', init === undefined ? run.crash : `instantiation of the linked program: ${init}`);
  const created = new Set<Member>();
  steps.forEach((s, k) => {
    const rep = run.reports[k];
    const cmd = stepCmd(s);
    if (rep === undefined) { out.push(result(group.script, cmd, 'fail', run.crash)); return; }
    if (s.kind === 'action') {
      if (!created.has(s.member)) out.push(result(group.script, cmd, 'fail', `module at line ${s.member.cmd.line} was not instantiated`));
      else { const [o, d] = judgeAction(cmd, rep); out.push(result(group.script, cmd, o, d)); }
      return;
    }
    switch (s.member.expect) {
      case 'instantiate':
        if (rep === 'ok') { created.add(s.member); out.push(result(group.script, cmd, 'pass')); }
        else out.push(result(group.script, cmd, 'fail', `instantiation: ${rep}`));
        break;
      case 'trap':
        if (rep.startsWith('trap ') && trapMatches(cmd.text, rep.slice(5))) out.push(result(group.script, cmd, 'pass'));
        else out.push(result(group.script, cmd, 'fail', `${rep}; expected trap "${cmd.text}"`));
        break;
      case 'unlinkable':
        if (rep.startsWith('unlinkable ') && messageMatches(cmd.text, rep.slice(11))) out.push(result(group.script, cmd, 'pass'));
        else out.push(result(group.script, cmd, 'fail', `${rep}; expected link error "${cmd.text}"`));
        break;
    }
  });
  return out;
}
