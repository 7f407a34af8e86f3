/**
 * Plans a .wast script: which commands are decided without running anything
 * (malformed/invalid modules, link errors), which module instances run alone
 * (one ELF per instance), and which instances are linked to each other.
 *
 * Linking: instances connected through imports of each other's exports (after
 * `register`) form a group that runs as one program: their modules merged
 * into one (link-rewrite.ts, link-merge.ts), each instance created by its own
 * `instantiate` step at its place in the script, so that state persists
 * across commands and memories, tables, globals and functions are shared by
 * reference.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModuleFromBytes, parseWat } from '../../src/wasm/load';
import type { Module } from '../../src/wasm/types';
import { resolveImports, type Link, type Requirement, type Resolution, type ScriptInstance } from './link-resolve';
import type { WastAction, WastCommand, WastScript } from './wast';

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

export interface PlannedAction { cmd: WastCommand; action: WastAction }

/** What creating an instance must do: instantiate, trap (assert_trap/assert_uninstantiable) or fail to link. */
export type Expectation = 'instantiate' | 'trap' | 'unlinkable';

/** A module instance that runs alone: one ELF, its actions in order. */
export interface Instance {
  script: string;
  cmd: WastCommand;
  bytes: Uint8Array;
  module: Module;
  /** the command expects instantiation to fail (assert_uninstantiable, assert_trap with a module) */
  expectInitTrap: boolean;
  actions: PlannedAction[];
}

/** An instance of a linked group. */
export interface Member {
  inst: ScriptInstance;
  cmd: WastCommand;
  bytes: Uint8Array;
  expect: Expectation;
  links: Link[];
  requirements: Requirement[];
}

export type GroupStep =
  | { kind: 'instantiate'; member: Member }
  | { kind: 'action'; member: Member; cmd: WastCommand; action: WastAction };

/** Linked instances that run as one program, and the script's commands on them in order. */
export interface LinkedGroup {
  script: string;
  members: Member[];
  steps: GroupStep[];
}

export interface Plan {
  /** results decided without running anything (the same on every target) */
  common: CommandResult[];
  instances: Instance[];
  groups: LinkedGroup[];
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The spec's text for a failed link is a prefix of ours ("unknown import (M.F: ...)"). */
export function messageMatches(expected: string | undefined, actual: string): boolean {
  if (!expected) return true;
  return actual.startsWith(expected) || expected.startsWith(actual);
}

interface Def extends Member {
  module: Module;
  resolution: Resolution;
}

const CREATES_INSTANCE = new Set(['module', 'assert_uninstantiable', 'assert_unlinkable', 'assert_trap']);

export async function planScript(script: WastScript): Promise<Plan> {
  const common: CommandResult[] = [];
  const res = (cmd: WastCommand, kind: string, outcome: Outcome, detail?: string) =>
    common.push({ script: script.name, line: cmd.line, kind, outcome, detail });
  const file = (cmd: WastCommand) => join(script.dir, cmd.filename!);

  // Pass 1: load every module, bind its imports to the instances registered at that point.
  const defs = new Map<WastCommand, Def | string>(); // definition, or why the module did not load
  const registry = new Map<string, ScriptInstance>();
  const named = new Map<string, Def | string>();
  let current: Def | string | undefined;
  let nextId = 0;
  for (const cmd of script.commands) {
    if (cmd.type === 'register') {
      const d = cmd.name ? named.get(cmd.name) : current;
      if (d !== undefined && typeof d !== 'string') registry.set(cmd.as!, d.inst);
      continue;
    }
    if (!CREATES_INSTANCE.has(cmd.type) || (cmd.type === 'assert_trap' && cmd.action)) continue;
    let def: Def | string;
    try {
      const bytes = new Uint8Array(readFileSync(file(cmd)));
      const { module } = await loadModuleFromBytes(bytes, cmd.filename!);
      const resolution = resolveImports(module, registry);
      const expect: Expectation = cmd.type === 'module' ? 'instantiate' : cmd.type === 'assert_unlinkable' ? 'unlinkable' : 'trap';
      const inst: ScriptInstance = { id: nextId++, module };
      if (!resolution.ok) inst.unusable = `it does not link: ${resolution.reason}`;
      def = { inst, cmd, bytes, module, expect, resolution, links: resolution.ok ? resolution.links : [],
        requirements: resolution.ok ? resolution.requirements : [] };
    } catch (e) {
      def = `module at line ${cmd.line} did not load: ${errMessage(e)}`;
    }
    defs.set(cmd, def);
    if (cmd.type === 'module') {
      current = def;
      if (cmd.name) named.set(cmd.name, def);
    }
  }

  // Linked groups: instances joined by the links of instances that get created.
  const byInst = new Map<ScriptInstance, Def>();
  for (const d of defs.values()) if (typeof d !== 'string') byInst.set(d.inst, d);
  const parent = new Map<Def, Def>();
  const find = (d: Def): Def => { let r = d; while (parent.get(r) !== r) r = parent.get(r)!; return r; };
  for (const d of byInst.values()) parent.set(d, d);
  for (const d of byInst.values()) {
    const created = d.expect !== 'unlinkable' || d.requirements.length > 0; // limits against current sizes need the running program
    if (!d.resolution.ok || !created) continue;
    for (const l of d.links) parent.set(find(d), find(byInst.get(l.exporter)!));
  }
  const groupOf = new Map<Def, LinkedGroup>();
  const groups: LinkedGroup[] = [];
  const size = new Map<Def, number>();
  for (const d of byInst.values()) size.set(find(d), (size.get(find(d)) ?? 0) + 1);
  for (const d of byInst.values()) {
    if (size.get(find(d))! < 2) continue;
    const root = find(d);
    let g = groupOf.get(root);
    if (!g) { g = { script: script.name, members: [], steps: [] }; groupOf.set(root, g); groups.push(g); }
    groupOf.set(d, g);
  }

  // Pass 2: commands in order.
  const instances: Instance[] = [];
  const standalone = new Map<Def, Instance>();
  const targets = new Map<string, Def | string>();
  let target: Def | string | undefined;
  for (const cmd of script.commands) {
    switch (cmd.type) {
      case 'register':
        break;
      case 'module': case 'assert_uninstantiable': case 'assert_unlinkable': case 'assert_trap': {
        if (cmd.type === 'assert_trap' && cmd.action) { planAction(cmd, cmd.action); break; }
        const d = defs.get(cmd)!;
        if (cmd.type === 'module') { target = d; if (cmd.name) targets.set(cmd.name, d); }
        if (typeof d === 'string') { res(cmd, cmd.type, 'fail', d); break; }
        const g = groupOf.get(d);
        if (g) {
          g.members.push(d);
          g.steps.push({ kind: 'instantiate', member: d });
        } else if (!d.resolution.ok) {
          if (d.expect === 'unlinkable') res(cmd, cmd.type, messageMatches(cmd.text, d.resolution.reason) ? 'pass' : 'fail', d.resolution.reason);
          else res(cmd, cmd.type, 'fail', `does not link: ${d.resolution.reason}`);
        } else if (d.expect === 'unlinkable') {
          res(cmd, cmd.type, 'fail', `links; expected "${cmd.text}"`);
        } else {
          const inst: Instance = { script: script.name, cmd, bytes: d.bytes, module: d.module, expectInitTrap: d.expect === 'trap', actions: [] };
          standalone.set(d, inst);
          instances.push(inst);
        }
        break;
      }
      case 'action': case 'assert_return': case 'assert_exhaustion':
        planAction(cmd, cmd.action!);
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
  return { common, instances, groups };

  function planAction(cmd: WastCommand, action: WastAction): void {
    const d = action.module ? targets.get(action.module) : target;
    if (d === undefined) { res(cmd, cmd.type, 'fail', 'no module to act on'); return; }
    if (typeof d === 'string') { res(cmd, cmd.type, 'fail', d); return; }
    const g = groupOf.get(d);
    if (g) { g.steps.push({ kind: 'action', member: d, cmd, action }); return; }
    const inst = standalone.get(d);
    if (inst) inst.actions.push({ cmd, action });
    else res(cmd, cmd.type, 'fail', `module at line ${d.cmd.line} ${d.inst.unusable ?? 'was not instantiated'}`);
  }
}
