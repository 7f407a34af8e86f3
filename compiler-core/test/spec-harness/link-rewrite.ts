/**
 * Prepares one instance's module for merging with the instances it links to
 * (link-merge.ts), so that the merged program can create the instances one at
 * a time, in script order, as the spec does:
 *  - exports are renamed `i<id>.<name>` and imports from other instances become
 *    imports of those renamed exports from module `i<exporter id>` (what
 *    wasm-merge resolves); spectest imports stay;
 *  - instantiation becomes an exported function `init<id>`: every active
 *    element and data segment turns passive and init applies it with
 *    table.init/memory.init then drops it, in the spec's order (elements, then
 *    data, then the start function, which is removed as such). A trap stops it
 *    there, with the segments before it applied: Wasm 2.0's partial effects;
 *  - a constant expression that reads an imported global of another instance
 *    (not valid once that global is defined in the same module) gets the
 *    global's value instead: imported globals in constant expressions are
 *    immutable, so the value is the exporter's initializer.
 */
import type { ConstExpr, Limits, Module } from '../../src/wasm/types';
import type { Link } from './link-resolve';
import { ByteWriter, constExpr, constInstrs, encode, joinSections, limits, refType, splitSections, valType, vectorPayload, type Section } from './wasm-encode';

export const exportNameOf = (instanceId: number, name: string) => `i${instanceId}.${name}`;
export const initNameOf = (instanceId: number) => `init${instanceId}`;
export const moduleNameOf = (instanceId: number) => `i${instanceId}`;

export interface LinkInfo {
  /** the imports bound to other instances */
  links: Link[];
  /** the value of imported global `globalIndex` when it is another instance's, else undefined */
  globalValue: (globalIndex: number) => ConstExpr | undefined;
  /**
   * The limits to declare for a linked table/memory import: those of the exporter's own declaration,
   * so that wasm-merge accepts the pair (the real check, against current sizes, is the driver's).
   */
  importLimits: (importIndex: number) => Limits;
}

const SEC = { custom: 0, type: 1, import: 2, func: 3, table: 4, memory: 5, global: 6, export: 7, start: 8, elem: 9, code: 10, data: 11, datacount: 12 };
/** Standard section order (datacount sits between element and code). */
const ORDER = [SEC.type, SEC.import, SEC.func, SEC.table, SEC.memory, SEC.global, SEC.export, SEC.start, SEC.elem, SEC.datacount, SEC.code, SEC.data];

export class LinkRewriteError extends Error {}

export function rewriteForLinking(bytes: Uint8Array, m: Module, instanceId: number, info: LinkInfo): Uint8Array {
  const linkByImport = new Map(info.links.map((l) => [l.importIndex, l]));
  const constant = (e: ConstExpr): ConstExpr => {
    if (e.kind !== 'global.get') return e;
    const v = info.globalValue(e.globalIndex);
    if (v === undefined) return e;
    if (v.kind === 'ref.func' || v.kind === 'global.get') {
      throw new LinkRewriteError(`a constant expression reads imported global ${e.globalIndex}, whose value (${v.kind}) cannot be copied into this module`);
    }
    return v;
  };

  const sections = splitSections(bytes);
  const byId = new Map<number, Section>();
  for (const s of sections) if (s.id !== SEC.custom) byId.set(s.id, s);
  const numFuncs = m.funcTypeIndices.length;
  const numTypes = m.types.length;

  // init: segments in order, then the start function.
  const init = new ByteWriter().u32(0); // no locals
  m.elems.forEach((seg, i) => {
    if (seg.mode.kind !== 'active') return;
    init.bytes(constInstrs(seg.mode.offset)).byte(0x41).sleb(0n).byte(0x41).sleb(BigInt(seg.items.length))
      .byte(0xfc).u32(12).u32(i).u32(seg.mode.index) // table.init seg table
      .byte(0xfc).u32(13).u32(i); // elem.drop
  });
  m.datas.forEach((seg, i) => {
    if (seg.mode.kind !== 'active') return;
    init.bytes(constInstrs(seg.mode.offset)).byte(0x41).sleb(0n).byte(0x41).sleb(BigInt(seg.bytes.length))
      .byte(0xfc).u32(8).u32(i).byte(seg.mode.index) // memory.init seg mem
      .byte(0xfc).u32(9).u32(i); // data.drop
  });
  if (m.start !== undefined) init.byte(0x10).u32(m.start);
  init.byte(0x0b);
  const initBody = init.done();

  const appendToVector = (id: number, item: Uint8Array): Uint8Array => {
    const s = byId.get(id);
    const [n, rest] = s ? vectorPayload(s.payload) : [0, new Uint8Array()];
    return encode((w) => w.u32(n + 1).bytes(rest).bytes(item));
  };

  const rebuilt = new Map<number, Uint8Array | null>();
  rebuilt.set(SEC.type, appendToVector(SEC.type, Uint8Array.from([0x60, 0x00, 0x00])));
  rebuilt.set(SEC.func, appendToVector(SEC.func, encode((w) => w.u32(numTypes))));
  rebuilt.set(SEC.code, appendToVector(SEC.code, encode((w) => w.u32(initBody.length).bytes(initBody))));
  rebuilt.set(SEC.start, null);
  if (m.imports.length) {
    rebuilt.set(SEC.import, encode((w) => w.vec(m.imports.map((imp, i) => encode((x) => {
      const link = linkByImport.get(i);
      if (link) x.name(moduleNameOf(link.exporter.id)).name(exportNameOf(link.exporter.id, link.exportName));
      else x.name(imp.module).name(imp.name);
      const d = imp.desc;
      switch (d.kind) {
        case 'func': x.byte(0x00).u32(d.typeIndex); break;
        case 'table': x.byte(0x01).byte(refType(d.type.elemType)); limits(x, link ? info.importLimits(i) : d.type.limits); break;
        case 'memory': x.byte(0x02); limits(x, link ? info.importLimits(i) : d.limits); break;
        case 'global': x.byte(0x03).byte(valType(d.type.type)).byte(d.type.mutable ? 1 : 0); break;
      }
    })))));
  }
  const definedGlobals = m.globals.slice(m.numImportedGlobals);
  if (definedGlobals.length) {
    rebuilt.set(SEC.global, encode((w) => w.vec(definedGlobals.map((g, k) => encode((x) => {
      x.byte(valType(g.type)).byte(g.mutable ? 1 : 0).bytes(constExpr(constant(m.globalInits[m.numImportedGlobals + k]!)));
    })))));
  }
  const kindCode = { func: 0, table: 1, memory: 2, global: 3 } as const;
  rebuilt.set(SEC.export, encode((w) => w.vec([
    ...m.exports.map((e) => encode((x) => x.name(exportNameOf(instanceId, e.name)).byte(kindCode[e.kind]).u32(e.index))),
    encode((x) => x.name(initNameOf(instanceId)).byte(0).u32(numFuncs)),
  ])));
  if (m.elems.length) {
    rebuilt.set(SEC.elem, encode((w) => w.vec(m.elems.map((seg) => encode((x) => {
      x.u32(seg.mode.kind === 'declarative' ? 7 : 5).byte(refType(seg.type));
      x.vec(seg.items.map((it) => constExpr(constant(it))));
    })))));
  }
  if (m.datas.length) {
    rebuilt.set(SEC.data, encode((w) => w.vec(m.datas.map((seg) => encode((x) => x.byte(1).u32(seg.bytes.length).bytes(seg.bytes))))));
    rebuilt.set(SEC.datacount, encode((w) => w.u32(m.datas.length)));
  }

  // Known sections in standard order; custom sections (names) after them.
  const out: Section[] = [];
  for (const id of ORDER) {
    const r = rebuilt.get(id);
    if (r === null) continue;
    if (r !== undefined) out.push({ id, payload: r });
    else { const s = byId.get(id); if (s) out.push(s); }
  }
  for (const s of sections) if (s.id === SEC.custom) out.push(s);
  return joinSections(out);
}
