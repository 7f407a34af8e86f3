/**
 * .wat line <-> migration points. binaryen turns the text into a binary keeping, within a
 * function, the order of loops and calls; so the Nth loop/call/call_indirect of a function in
 * the text (in binary emission order: a folded call is emitted after its operands, a loop at its
 * start) is the Nth such instruction in the decoded body. The `(func` header line maps to the
 * function-entry point (offset = body offset).
 */
import type { Module } from '../../compiler-core/src/wasm/types';
import { Op } from '../../compiler-core/src/wasm/opcodes';

export interface LineEntry {
  line: number; // 1-based
  funcIndex: number;
  offset: number;
  kind: 'entry' | 'loop' | 'call';
}

interface TextFunc {
  header: number; // line
  last: number; // last line
  name?: string;
  instrs: { line: number; key: number; kind: 'loop' | 'call' }[];
}

export function pointKey(funcIndex: number, offset: number): string {
  return `0x${((BigInt(funcIndex) << 32n) | BigInt(offset)).toString(16)}`;
}

/** Scans .wat text: defined functions (module level `(func`), their loop/call keywords. */
function scanWat(text: string): TextFunc[] {
  const funcs: TextFunc[] = [];
  let line = 1;
  let depth = 0;
  let cur: TextFunc | undefined;
  let funcDepth = -1;
  // stack of open parens: the folded call opened there (index into cur.instrs) or -1
  const open: number[] = [];
  let i = 0;
  let lastTokenWasParen = false;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '\n') { line++; i++; continue; }
    if (c === ';' && text[i + 1] === ';') { while (i < n && text[i] !== '\n') i++; continue; }
    if (c === '(' && text[i + 1] === ';') {
      let d = 1; i += 2;
      while (i < n && d > 0) {
        if (text[i] === '\n') line++;
        if (text[i] === '(' && text[i + 1] === ';') { d++; i += 2; continue; }
        if (text[i] === ';' && text[i + 1] === ')') { d--; i += 2; continue; }
        i++;
      }
      continue;
    }
    if (c === '"') {
      i++;
      while (i < n && text[i] !== '"') { if (text[i] === '\\') i++; else if (text[i] === '\n') line++; i++; }
      i++;
      lastTokenWasParen = false;
      continue;
    }
    if (c === '(') { depth++; open.push(-1); i++; lastTokenWasParen = true; continue; }
    if (c === ')') {
      const k = open.pop();
      if (cur && k !== undefined && k >= 0) cur.instrs[k].key = i; // folded call: emitted at its end
      depth--;
      if (cur && depth < funcDepth) { cur.last = line; cur = undefined; funcDepth = -1; }
      i++; lastTokenWasParen = false;
      continue;
    }
    if (/\s/.test(c)) { i++; continue; }
    let j = i;
    while (j < n && !/[\s()";]/.test(text[j])) j++;
    const tok = text.slice(i, j);
    if (tok === 'func' && lastTokenWasParen && depth === 2 && !cur) {
      cur = { header: line, last: line, instrs: [] };
      funcDepth = depth;
      const m = /^\s*(\$[^\s()]+)/.exec(text.slice(j));
      if (m) cur.name = m[1].slice(1);
      funcs.push(cur);
    } else if (cur && (tok === 'loop' || tok === 'call' || tok === 'call_indirect')) {
      const kind = tok === 'loop' ? 'loop' : 'call';
      cur.instrs.push({ line, key: i, kind });
      if (lastTokenWasParen && kind === 'call') open[open.length - 1] = cur.instrs.length - 1;
    }
    lastTokenWasParen = false;
    i = j;
  }
  // a function whose `(func` is inside `(import` is at depth 3, not counted
  for (const f of funcs) f.instrs.sort((a, b) => a.key - b.key);
  return funcs;
}

export class WatSourceMap {
  /** every mappable line, in line order */
  readonly entries: LineEntry[] = [];
  readonly funcRanges: { funcIndex: number; first: number; last: number; name?: string; problem?: string }[] = [];

  constructor(text: string, module: Module) {
    const tf = scanWat(text);
    tf.forEach((t, k) => {
      const f = module.funcs[k];
      if (!f) return;
      const range: WatSourceMap['funcRanges'][number] = { funcIndex: f.index, first: t.header, last: t.last, name: t.name };
      this.funcRanges.push(range);
      this.entries.push({ line: t.header, funcIndex: f.index, offset: f.bodyOffset, kind: 'entry' });
      const bin = f.body.filter((ins) => ins.op === Op.loop || ins.op === Op.call || ins.op === Op.call_indirect);
      if (bin.length !== t.instrs.length) {
        range.problem = `the text of this function has ${t.instrs.length} loops/calls, its binary ${bin.length}`;
        return;
      }
      t.instrs.forEach((ti, m) => this.entries.push({ line: ti.line, funcIndex: f.index, offset: bin[m].offset, kind: ti.kind }));
    });
    this.entries.sort((a, b) => a.line - b.line || a.offset - b.offset);
  }

  funcAt(line: number): WatSourceMap['funcRanges'][number] | undefined {
    return this.funcRanges.find((r) => line >= r.first && line <= r.last);
  }

  /** line of a point (func, offset), if the text has it */
  lineOf(funcIndex: number, offset: number): number | undefined {
    return this.entries.find((e) => e.funcIndex === funcIndex && e.offset === offset)?.line;
  }

  /**
   * The points a breakpoint on `line` stands for: the entries of the first line at or after it in
   * the same function that has an existing point. Returns the line used, or a reason.
   */
  resolve(line: number, exists: (id: string) => boolean): { line: number; points: string[] } | { reason: string } {
    const r = this.funcAt(line);
    if (!r) return { reason: 'not inside a function' };
    if (r.problem) return { reason: `cannot map lines of ${r.name ? `$${r.name}` : `function ${r.funcIndex}`}: ${r.problem}` };
    const cands = this.entries.filter((e) => e.funcIndex === r.funcIndex && e.line >= line && exists(pointKey(e.funcIndex, e.offset)));
    if (cands.length === 0) {
      return { reason: `no migration point at or after this line in ${r.name ? `$${r.name}` : `function ${r.funcIndex}`} (the program stops only at loops and at the entries of functions that have an entry point)` };
    }
    const l = cands[0].line;
    return { line: l, points: cands.filter((e) => e.line === l).map((e) => pointKey(e.funcIndex, e.offset)) };
  }
}
