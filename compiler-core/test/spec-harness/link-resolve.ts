/**
 * Import resolution for spec scripts (`register` and modules importing from
 * registered instances), as the reference interpreter links: an import
 * (M, F) names the instance registered as M and its export F; a missing
 * instance or export is "unknown import", a different kind or type is
 * "incompatible import type" (functions: equal signature; globals: equal type
 * and mutability; tables: equal element type). Table and memory limits are
 * checked against the exporter's size at instantiation time, which only the
 * running program knows: they come back as requirements for the runtime
 * driver's `instantiate` command. `spectest` imports bind to the runtime's
 * spectest module (host-imports.ts).
 */
import type { ExportKind, FuncType, Import, Limits, Module } from '../../src/wasm/types';
import { importProblem } from '../../src/translate/host-imports';
import { SPECTEST_GLOBALS, SPECTEST_HOST, SPECTEST_MODULE } from './spectest-host';
import { signatureKey } from '../../src/translate/module-context';

/** A module instance of a script (every module command, and modules of assert_* commands). */
export interface ScriptInstance {
  /** position among the script's instances: names it in merged programs (i<id>.export) */
  id: number;
  module: Module;
  /** undefined while usable; otherwise why it cannot be linked against */
  unusable?: string;
}

/** An import bound to another instance's export. */
export interface Link {
  importIndex: number;
  exporter: ScriptInstance;
  exportName: string;
}

/** An import limit the exporter's current size must satisfy (checked by the driver). */
export interface Requirement {
  kind: 'memory' | 'table';
  exporter: ScriptInstance;
  exportName: string;
  limits: Limits;
}

export type Resolution =
  | { ok: true; links: Link[]; requirements: Requirement[] }
  | { ok: false; reason: string };

const SPECTEST_EXPORTS = new Set(['print', 'print_i32', 'print_i64', 'print_f32', 'print_f64', 'print_i32_f32',
  'print_f64_f64', ...SPECTEST_GLOBALS.keys(), 'table', 'memory']);

function funcTypeOfIndex(m: Module, funcIndex: number): FuncType {
  return m.types[m.funcTypeIndices[funcIndex]];
}

function exportedType(m: Module, kind: ExportKind, index: number): string {
  switch (kind) {
    case 'func': return signatureKey(funcTypeOfIndex(m, index));
    case 'global': { const g = m.globals[index]; return `${g.mutable ? 'mut ' : ''}${g.type}`; }
    case 'table': return m.tables[index].elemType;
    case 'memory': return 'memory';
  }
}

function importedType(m: Module, imp: Import): string {
  const d = imp.desc;
  switch (d.kind) {
    case 'func': return signatureKey(m.types[d.typeIndex]);
    case 'global': return `${d.type.mutable ? 'mut ' : ''}${d.type.type}`;
    case 'table': return d.type.elemType;
    case 'memory': return 'memory';
  }
}

/** Why a spectest import does not link, or undefined. */
function spectestProblem(m: Module, imp: Import): string | undefined {
  if (!SPECTEST_EXPORTS.has(imp.name)) return 'unknown import';
  return importProblem(m, imp, [SPECTEST_HOST]) ? 'incompatible import type' : undefined;
}

/** Binds every import of `m` (registry: registered name -> instance). */
export function resolveImports(m: Module, registry: Map<string, ScriptInstance>): Resolution {
  const links: Link[] = [];
  const requirements: Requirement[] = [];
  for (let i = 0; i < m.imports.length; i++) {
    const imp = m.imports[i];
    if (imp.module === SPECTEST_MODULE) {
      const p = spectestProblem(m, imp);
      if (p) return { ok: false, reason: `${p} (${imp.module}.${imp.name})` };
      continue;
    }
    const exporter = registry.get(imp.module);
    if (!exporter) return { ok: false, reason: `unknown import (${imp.module}.${imp.name}: no module registered as "${imp.module}")` };
    const e = exporter.module.exports.find((x) => x.name === imp.name);
    if (!e) return { ok: false, reason: `unknown import (${imp.module}.${imp.name}: no such export)` };
    if (e.kind !== imp.desc.kind) return { ok: false, reason: `incompatible import type (${imp.module}.${imp.name} is a ${e.kind}, imported as a ${imp.desc.kind})` };
    const have = exportedType(exporter.module, e.kind, e.index), want = importedType(m, imp);
    if (have !== want) return { ok: false, reason: `incompatible import type (${imp.module}.${imp.name} is ${have}, imported as ${want})` };
    if (exporter.unusable) return { ok: false, reason: `${imp.module} cannot be linked: ${exporter.unusable}` };
    links.push({ importIndex: i, exporter, exportName: e.name });
    if (imp.desc.kind === 'table') requirements.push({ kind: 'table', exporter, exportName: e.name, limits: imp.desc.type.limits });
    if (imp.desc.kind === 'memory') requirements.push({ kind: 'memory', exporter, exportName: e.name, limits: imp.desc.limits });
  }
  return { ok: true, links, requirements };
}
