/**
 * What the items a linked group's instances import turn out to be, following
 * re-exports back to the instance that defines them: the value of an imported
 * global (for constant expressions), the declared limits of an imported
 * table/memory, and whether an imported function can change any state.
 */
import { SPECTEST_GLOBALS, SPECTEST_MODULE } from './spectest-host';
import { Op, Simd } from '../../src/wasm/opcodes';
import type { ConstExpr, ExportKind, Limits, Module } from '../../src/wasm/types';
import type { Link, ScriptInstance } from './link-resolve';

/** Instructions that can change state outside the function (or run code that might). */
const WRITES = new Set<number>([
  Op.call, Op.call_indirect, Op.global_set, Op.table_set, Op.memory_grow,
  Op.i32_store, Op.i64_store, Op.f32_store, Op.f64_store, Op.i32_store8, Op.i32_store16, Op.i64_store8, Op.i64_store16, Op.i64_store32,
  Op.memory_init, Op.data_drop, Op.memory_copy, Op.memory_fill, Op.table_init, Op.elem_drop, Op.table_copy, Op.table_grow, Op.table_fill,
  Simd.v128_store, Simd.v128_store8_lane, Simd.v128_store16_lane, Simd.v128_store32_lane, Simd.v128_store64_lane,
]);

function spectestValue(name: string): ConstExpr {
  const g = SPECTEST_GLOBALS.get(name)!;
  switch (g.type) {
    case 'i32': return { kind: 'i32', value: Number(BigInt.asIntN(32, g.bits)) };
    case 'i64': return { kind: 'i64', value: g.bits };
    case 'f32': return { kind: 'f32', bits: Number(g.bits) };
    default: return { kind: 'f64', bits: g.bits };
  }
}

/** The position in the import section of the `index`-th imported item of `kind`, or -1 when it is defined. */
function importPosition(m: Module, kind: ExportKind, index: number): number {
  let k = -1;
  for (let i = 0; i < m.imports.length; i++) if (m.imports[i].desc.kind === kind && ++k === index) return i;
  return -1;
}

export class LinkTracer {
  /** links: the links of each instance of the group */
  constructor(private readonly links: Map<ScriptInstance, Link[]>) {}

  private linkAt(inst: ScriptInstance, importIndex: number): Link | undefined {
    return this.links.get(inst)?.find((l) => l.importIndex === importIndex);
  }

  private exported(link: Link): { kind: ExportKind; index: number } {
    return link.exporter.module.exports.find((e) => e.name === link.exportName)!;
  }

  /** The value of global `index` of `inst` (an immutable one: constant expressions read only those). */
  globalValue(inst: ScriptInstance, index: number): ConstExpr {
    const m = inst.module;
    const at = importPosition(m, 'global', index);
    if (at < 0) {
      const init = m.globalInits[index]!;
      return init.kind === 'global.get' ? this.globalValue(inst, init.globalIndex) : init;
    }
    const imp = m.imports[at];
    if (imp.module === SPECTEST_MODULE) return spectestValue(imp.name);
    const link = this.linkAt(inst, at)!;
    return this.globalValue(link.exporter, this.exported(link).index);
  }

  /** The value of global `index` of `inst` when it is imported from another instance of the group. */
  linkedGlobalValue(inst: ScriptInstance, index: number): ConstExpr | undefined {
    const at = importPosition(inst.module, 'global', index);
    return at >= 0 && this.linkAt(inst, at) ? this.globalValue(inst, index) : undefined;
  }

  /** The limits the table/memory a link imports is declared with by the instance that defines it. */
  declaredLimits(link: Link): Limits {
    const m = link.exporter.module;
    const e = this.exported(link);
    const at = importPosition(m, e.kind, e.index);
    if (at < 0) return e.kind === 'table' ? m.tables[e.index].limits : m.memories[e.index];
    const next = this.linkAt(link.exporter, at);
    if (next) return this.declaredLimits(next);
    const d = m.imports[at].desc; // a spectest table/memory: its declaration stays in the merged module
    return d.kind === 'table' ? d.type.limits : d.kind === 'memory' ? d.limits : { min: 0 };
  }

  /** Whether function `index` of `inst` only reads state (no stores, sets, bulk operations or calls). */
  readsOnly(inst: ScriptInstance, index: number): boolean {
    const m = inst.module;
    const at = importPosition(m, 'func', index);
    if (at < 0) return m.funcs[index - m.numImportedFuncs].body.every((ins) => !WRITES.has(ins.op));
    const link = this.linkAt(inst, at);
    return link !== undefined && this.readsOnly(link.exporter, this.exported(link).index); // host functions: no
  }

  /** Whether the function a link imports only reads state. */
  linkReadsOnly(link: Link): boolean {
    const e = this.exported(link);
    return e.kind === 'func' && this.readsOnly(link.exporter, e.index);
  }
}
