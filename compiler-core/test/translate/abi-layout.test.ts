/**
 * The runtime ABI (runtime/include/wrt.h) and the structs the translator emits for it
 * (translate/module.ts: `%wrt_* = type {...}`) must lay out alike: the same size and the same
 * offset for every field, on both targets. clang-14 lays out the header (-fdump-record-layouts);
 * the translator's types are laid out by LLVM's rules for these field types (natural alignment).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModuleFromBytes, watToBinary } from '../../src/wasm/load';
import { translateModule } from '../../src/translate/module';
import { TARGETS } from '../../src/backend/targets';
import { TrapCode } from '../../src/translate/traps';
import { clang, RUNTIME_INCLUDE as INCLUDE } from '../runtime-header';

interface Layout { size: number; offsets: number[] }

/** Size, alignment and field offsets of an LLVM type (the subset the translator uses). */
function llvmLayout(type: string, named: Map<string, string>): Layout & { align: number } {
  type = type.trim();
  if (type.endsWith('*')) return { size: 8, align: 8, offsets: [] };
  const int = /^i(\d+)$/.exec(type);
  if (int) { const n = Number(int[1]) / 8; return { size: n, align: n, offsets: [] }; }
  const arr = /^\[(\d+) x (.+)\]$/.exec(type);
  if (arr) { const e = llvmLayout(arr[2], named); return { size: Number(arr[1]) * e.size, align: e.align, offsets: [] }; }
  if (type.startsWith('%')) return llvmLayout(named.get(type)!, named);
  const body = /^\{(.*)\}$/.exec(type);
  assert.ok(body, `unexpected LLVM type ${type}`);
  const fields: string[] = [];
  let depth = 0, start = 0;
  for (let i = 0; i < body[1].length; i++) {
    const c = body[1][i];
    if (c === '[' || c === '{' || c === '(') depth++;
    else if (c === ']' || c === '}' || c === ')') depth--;
    else if (c === ',' && depth === 0) { fields.push(body[1].slice(start, i)); start = i + 1; }
  }
  fields.push(body[1].slice(start));
  let size = 0, align = 1;
  const offsets: number[] = [];
  for (const f of fields) {
    const l = llvmLayout(f, named);
    size = Math.ceil(size / l.align) * l.align;
    offsets.push(size);
    size += l.size;
    align = Math.max(align, l.align);
  }
  return { size: Math.ceil(size / align) * align, align, offsets };
}

/** Each struct of wrt.h laid out by clang for `triple`: its size and top-level field offsets. */
function headerLayouts(triple: string, names: string[]): Map<string, Layout> {
  const dump = clang(`#include "wrt.h"\n${names.map((n, i) => `${n} v${i};`).join('\n')}\n`,
    [`--target=${triple}`, '-Xclang', '-fdump-record-layouts', '-S', '-emit-llvm', '-o', '/dev/null']);
  const layouts = new Map<string, Layout>();
  let current: Layout | undefined;
  for (const line of dump.split('\n')) {
    const head = /^\s+0 \| struct (\w+)$/.exec(line);
    if (head) { current = { size: -1, offsets: [] }; layouts.set(head[1], current); continue; }
    const field = /^\s+(\d+) \|   \S/.exec(line); // top-level fields only (nested ones are indented further)
    if (current && field && !/^\s+\d+ \|    /.test(line)) current.offsets.push(Number(field[1]));
    const size = /sizeof=(\d+)/.exec(line);
    if (current && size) { current.size = Number(size[1]); current = undefined; }
  }
  return layouts;
}

describe('runtime ABI: translator structs = wrt.h', () => {
  it('every %wrt_* struct the translator emits has the size and field offsets of its wrt.h struct, on both targets', async () => {
    const bytes = await watToBinary('(module (memory 1) (func (export "_start") (loop (br 0))))', 'abi.wat');
    const loaded = await loadModuleFromBytes(bytes, 'abi.wat');
    for (const target of Object.values(TARGETS)) {
      const ir = translateModule(loaded.module, bytes, { boundsChecks: false, checkpoint: true, partitions: 1 }, target).partitions[0];
      const named = new Map([...ir.matchAll(/^(%wrt_\w+) = type (\{.*\})$/gm)].map((m) => [m[1], m[2]] as [string, string]));
      assert.ok(named.has('%wrt_cr_point_desc') && named.has('%wrt_module_info'), 'the translator emits the ABI structs');
      const header = headerLayouts(target.triple, [...named.keys()].map((n) => n.slice(1)));
      for (const [name, type] of named) {
        const c = header.get(name.slice(1));
        assert.ok(c, `${name}: no struct ${name.slice(1)} in wrt.h`);
        const { size, offsets } = llvmLayout(type, named);
        assert.deepEqual({ size, offsets }, c, `${target.name} ${name}: translator { size, field offsets } vs wrt.h`);
      }
    }
  });

  it('the translator\'s trap codes are enum wrt_trap_code\'s, name for name and value for value', () => {
    const header = readFileSync(join(INCLUDE, 'wrt.h'), 'utf8');
    const body = /enum wrt_trap_code \{([^}]*)\}/.exec(header);
    assert.ok(body, 'wrt.h declares enum wrt_trap_code');
    const cNames = [...body[1].matchAll(/\b(WRT_TRAP_\w+)/g)].map((m) => m[1]);
    const ts = Object.entries(TrapCode).filter(([, v]) => typeof v === 'number') as [string, number][];
    const cName = (camel: string) => `WRT_TRAP_${camel.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;
    assert.deepEqual(ts.map(([n]) => cName(n)).sort(), [...cNames].sort(), 'the same trap reasons on both sides');
    // the values as clang evaluates them
    const ir = clang(`#include "wrt.h"\n${cNames.map((n) => `int v_${n} = ${n};`).join('\n')}\n`, ['-S', '-emit-llvm', '-o', '-']);
    const values = new Map([...ir.matchAll(/^@v_(\w+) = (?:dso_local )?global i32 (\d+)/gm)].map((m) => [m[1], Number(m[2])]));
    for (const [name, value] of ts) assert.equal(values.get(cName(name)), value, `TrapCode.${name}`);
  });
});
