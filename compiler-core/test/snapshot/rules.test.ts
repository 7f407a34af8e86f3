/**
 * The numbers of the snapshot format have three homes: the C runtime (runtime/src/cr_internal.h,
 * runtime/include/wrt.h, wrt_valtype_size in runtime/src/snapshot_write.c), the TypeScript reader
 * (compiler-core/src/snapshot/rules.ts) and the format document (docs/snapshot-format.md). These
 * tests read the C headers and the document as text and fail when any of them differs from
 * rules.ts. The TypeScript reader's own rules are tested with crafted files in
 * test/fuzz/snapshots.test.ts (next to the C reader's).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as R from '../../src/snapshot/rules';
import { xxh64Low32 } from '../../src/snapshot/zstd';
import { packageRoot } from '../../src/package-root';

const ROOT = packageRoot();
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');

/** Evaluates a C integer constant expression of literals, <<, *, +, - and parentheses. */
function cValue(expr: string, known: Map<string, number>): number {
  const e = expr.replace(/\b([0-9][0-9a-fA-Fx]*)[uUlL]*\b/g, '$1').replace(/\b[A-Za-z_]\w*\b/g, (n) => {
    const v = known.get(n);
    if (v === undefined) throw new Error(`unknown name ${n} in C expression ${expr}`);
    return String(v);
  });
  if (!/^[\s0-9a-fA-Fx()<>*+\-]+$/.test(e)) throw new Error(`not a constant expression: ${expr}`);
  return Number(new Function(`return (${e});`)()) >>> 0;
}

/** Every `#define NAME value` and enumerator of a C header. */
function cConstants(src: string): Map<string, number> {
  const m = new Map<string, number>();
  const text = src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  for (const d of text.matchAll(/^#define\s+(\w+)\s+([^\n]+)$/gm)) {
    try { m.set(d[1], cValue(d[2].trim(), m)); } catch { /* not a number */ }
  }
  for (const e of text.matchAll(/enum\s*\w*\s*\{([^}]*)\}/g)) {
    let next = 0;
    for (const item of e[1].split(',').map((s) => s.trim()).filter(Boolean)) {
      const [name, val] = item.split('=').map((s) => s.trim());
      next = val !== undefined ? cValue(val, m) : next;
      m.set(name, next);
      next++;
    }
  }
  return m;
}

/** The rows of the markdown table whose header starts with `first | second`. */
function docTable(doc: string, first: string, second: string): string[][] {
  const lines = doc.split('\n');
  const at = lines.findIndex((l) => new RegExp(`^\\|\\s*${first}\\s*\\|\\s*${second}\\s*\\|`).test(l));
  if (at < 0) throw new Error(`docs/snapshot-format.md has no table "| ${first} | ${second} |"`);
  const rows: string[][] = [];
  for (let i = at + 2; i < lines.length && lines[i].startsWith('|'); i++) rows.push(lines[i].split('|').slice(1, -1).map((c) => c.trim()));
  return rows;
}

describe('snapshot format: one set of numbers in C, TypeScript and the format document', () => {
  const c = new Map([...cConstants(read('runtime/include/wrt.h')), ...cConstants(read('runtime/src/cr_internal.h'))]);
  const doc = read('docs/snapshot-format.md');
  const get = (n: string) => {
    const v = c.get(n);
    assert.ok(v !== undefined, `${n} is not defined in runtime/src/cr_internal.h or runtime/include/wrt.h`);
    return v;
  };

  it('version, sizes and limits', () => {
    assert.strictEqual(get('WSNAP_VERSION'), R.SNAPSHOT_VERSION, 'format version');
    assert.strictEqual(get('WSNAP_HEADER'), R.HEADER_SIZE, 'header size');
    assert.strictEqual(get('WRT_PAGE_SIZE'), R.PAGE_SIZE, 'page size');
    assert.strictEqual(get('SNAP_NULL_REF'), R.NULL_REF, 'null reference');
    assert.strictEqual(get('WRT_NO_MAX'), R.NULL_REF, 'no maximum');
    assert.strictEqual(get('SNAP_MAX_PAGES'), R.MAX_PAGES, 'maximum pages');
    assert.strictEqual(get('SNAP_MIN_FD'), R.MIN_FD, 'smallest fd');
    assert.strictEqual(get('SNAP_MAX_FD'), R.MAX_FD, 'largest fd');
    assert.strictEqual(get('SNAP_SKIPPED_TAGS'), R.SKIPPED_TAGS, 'first skipped tag');
    assert.strictEqual(get('SNAP_MAX_WINDOW_LOG'), R.MAX_WINDOW_LOG, 'zstd window log');
    assert.strictEqual(get('SNAP_BLOCK_MAX'), R.BLOCK_MAX, 'zstd block maximum');
    assert.match(doc, new RegExp(`^# wanco snapshot format, version ${R.SNAPSHOT_VERSION}$`, 'm'));
    assert.match(doc, new RegExp(`\\| 8 \\| 4 \\| format version \\(${R.SNAPSHOT_VERSION}\\) \\|`));
    assert.match(doc, new RegExp(`\\| 12 \\| 4 \\| header size \\(${R.HEADER_SIZE}\\) \\|`));
    assert.match(doc, new RegExp(`magic \`${R.SNAPSHOT_MAGIC}\``));
    assert.match(doc, new RegExp(`Tags ≥ ${R.SKIPPED_TAGS}\\*\\* are skipped`));
    assert.match(doc, new RegExp(`in 3\\.\\.${R.MAX_FD} \\(2\\^20\\)`));
    assert.ok(R.MIN_FD === 3 && R.MAX_FD === 2 ** 20 && R.MAX_WINDOW_LOG === 31 && R.MAX_PAGES === 65536);
    assert.match(read('runtime/src/snapshot_read.c'), /"WANCOSNP"/);
  });

  it('section tags', () => {
    const cTags = ['SNAP_INFO', 'SNAP_FRAMES', 'SNAP_GLOBALS', 'SNAP_TABLES', 'SNAP_MEMORY', 'SNAP_SEGMENTS', 'SNAP_WASI', 'SNAP_NATIVE'];
    assert.deepStrictEqual(Object.fromEntries(cTags.map((n) => [n.slice(5), get(n)])), R.SECTION);
    assert.deepStrictEqual(Object.fromEntries(docTable(doc, 'tag', 'section').map(([t, n]) => [n, Number(t)])), R.SECTION);
    for (const [tag, name] of Object.entries(R.SECTION_NAMES)) assert.match(doc, new RegExp(`^### ${tag} ${name}\\b`, 'm'));
    // the C reader's section names, indexed by tag
    const names = /sect_names\[SNAP_NATIVE \+ 1\] = \{ "\?", ([^}]*)\}/.exec(read('runtime/src/snapshot_read.c'));
    assert.ok(names, 'sect_names not found in runtime/src/snapshot_read.c');
    assert.deepStrictEqual(names[1].split(',').map((s) => s.trim().replace(/"/g, '')).filter(Boolean), Object.keys(R.SECTION));
  });

  it('value types and their payload sizes', () => {
    const cTypes: Record<string, string> = { WRT_I32: 'i32', WRT_I64: 'i64', WRT_F32: 'f32', WRT_F64: 'f64', WRT_V128: 'v128', WRT_FUNCREF: 'funcref', WRT_EXTERNREF: 'externref' };
    assert.deepStrictEqual(Object.fromEntries(Object.entries(cTypes).map(([n, t]) => [get(n), t])), R.VALUE_TYPES);
    assert.strictEqual(get('WRT_FUNCREF'), R.FUNCREF);
    assert.strictEqual(get('WRT_EXTERNREF'), R.EXTERNREF);
    // wrt_valtype_size(): `case A: case B: return N;`
    const fn = /size_t wrt_valtype_size\(uint8_t t\) \{([\s\S]*?)\n\}/.exec(read('runtime/src/snapshot_write.c'));
    assert.ok(fn, 'wrt_valtype_size not found in runtime/src/snapshot_write.c');
    const sizes: Record<number, number> = {};
    for (const m of fn[1].matchAll(/((?:case \w+:\s*)+)return (\d+);/g)) {
      for (const n of m[1].matchAll(/case (\w+):/g)) sizes[get(n[1])] = Number(m[2]);
    }
    assert.deepStrictEqual(sizes, R.VALUE_SIZES);
    const rows = docTable(doc, 'code', 'type');
    assert.deepStrictEqual(Object.fromEntries(rows.map(([code, type]) => [Number(code), type])), R.VALUE_TYPES);
    assert.deepStrictEqual(Object.fromEntries(rows.map(([code, , payload]) => [Number(code), Number(/^(\d+) bytes|u32/.exec(payload)?.[1] ?? 4)])), R.VALUE_SIZES);
  });

  it('architectures, reasons, file kinds and location kinds', () => {
    assert.deepStrictEqual({ 1: get('SNAP_ARCH_X86_64') === 1 ? 'x86_64' : '?', 2: get('SNAP_ARCH_AARCH64') === 2 ? 'aarch64' : '?' }, R.ARCHS);
    assert.deepStrictEqual(Object.fromEntries(docTable(doc, 'arch', '').map(([k, v]) => [Number(k), v])), R.ARCHS);
    const reasons = ['SNAP_REASON_SIGNAL', 'SNAP_REASON_CONTROL', 'SNAP_REASON_POINT', 'SNAP_REASON_EXIT'];
    assert.deepStrictEqual(reasons.map(get), Object.keys(R.REASONS).map(Number));
    assert.deepStrictEqual(Object.fromEntries(docTable(doc, 'reason', '').map(([k, v]) => [Number(k), v])), R.REASONS);
    assert.deepStrictEqual([get('SNAP_FILE_REGULAR'), get('SNAP_FILE_DIRECTORY')], Object.keys(R.FILE_KINDS).map(Number));
    assert.deepStrictEqual(docTable(doc, 'kind', '').map(([k]) => Number(k)), Object.keys(R.FILE_KINDS).map(Number));
    const sm = ['SM_REGISTER', 'SM_DIRECT', 'SM_INDIRECT', 'SM_CONSTANT', 'SM_CONSTINDEX'];
    assert.deepStrictEqual(sm.map(get), Object.keys(R.LOCATION_KINDS).map(Number));
    assert.deepStrictEqual(docTable(doc, 'kind', 'location').map(([k]) => Number(k)), Object.keys(R.LOCATION_KINDS).map(Number));
  });

  it('XXH64 (the zstd content checksum) gives the reference values', () => {
    // the low 32 bits of XXH64(seed 0), as `zstd --check` writes them (and for '', the published value)
    assert.strictEqual(xxh64Low32(new Uint8Array(0)), 0x51d8e999);
    assert.strictEqual(xxh64Low32(Buffer.from('a')), 0xa98c6e5b);
    assert.strictEqual(xxh64Low32(Buffer.from('abc')), 0xad770999);
    assert.strictEqual(xxh64Low32(Buffer.from('Nobody inspects the spammish repetition')), 0x8a378bf1);
    assert.strictEqual(xxh64Low32(Buffer.from(Array.from({ length: 1000 }, (_, i) => String.fromCharCode(65 + (i % 26))).join(''))), 0x9b517dec);
  });
});
