/**
 * A light index of a .wat text (no binaryen): s-expression scan for module fields with their
 * $names, ranges, signatures and locals, and every `$name` reference. (Migration points come
 * from the compiler: pointLenses.ts.)
 */
import { tokenizeWat, type WatToken as Token } from '../../compiler-core/src/index';

export interface Pos { line: number; character: number }
export interface Range { start: Pos; end: Pos }

export type FieldKind = 'func' | 'global' | 'memory' | 'table' | 'type' | 'export' | 'import' | 'data' | 'elem';

export interface WatLocal { name?: string; type: string; kind: 'param' | 'local'; index: number; range: Range }
export interface WatField {
  kind: FieldKind;
  name?: string;
  index: number;
  range: Range;
  nameRange?: Range;
  /** text of the header, e.g. `(func $f (param i32) (result i64)` */
  signature: string;
  locals: WatLocal[];
  exportName?: string;
}
export interface WatRef { name: string; range: Range; keyword: string }

export interface WatIndex { fields: WatField[]; refs: WatRef[] }

/** The .wat tokens of text being edited (compiler-core's lexer, tolerant of unfinished text). */
function tokenize(text: string): Token[] {
  return tokenizeWat(text, { tolerant: true });
}

export class LineMap {
  private starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.starts.push(i + 1);
  }
  pos(offset: number): Pos {
    let lo = 0; let hi = this.starts.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (this.starts[mid] <= offset) lo = mid; else hi = mid - 1; }
    return { line: lo, character: offset - this.starts[lo] };
  }
  offset(p: Pos): number { return (this.starts[p.line] ?? this.text.length) + p.character; }
  range(s: number, e: number): Range { return { start: this.pos(s), end: this.pos(e) }; }
}

const FIELD_KINDS = new Set<FieldKind>(['func', 'global', 'memory', 'table', 'type', 'export', 'import', 'data', 'elem']);

export function indexWat(text: string): WatIndex {
  const lm = new LineMap(text);
  const toks = tokenize(text);
  const fields: WatField[] = [];
  const refs: WatRef[] = [];
  const counters = new Map<string, number>();
  // find the module's fields: lists at depth 1 (inside `(module`) or depth 0 for a bare field list
  let depth = 0;
  let moduleDepth = -1;
  const stack: { start: number; field?: WatField; head?: string }[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.text === '(') {
      const head = toks[i + 1]?.text ?? '';
      depth++;
      const entry: { start: number; field?: WatField; head?: string } = { start: t.start, head };
      if (head === 'module' && moduleDepth < 0) moduleDepth = depth;
      const fieldDepth = moduleDepth < 0 ? 1 : moduleDepth + 1;
      if (depth === fieldDepth && FIELD_KINDS.has(head as FieldKind)) {
        let kind = head as FieldKind;
        let name: string | undefined;
        let nameRange: Range | undefined;
        let j = i + 2;
        if (kind === 'import') {
          // (import "m" "n" (func $f ...)): the imported entity counts as a func/global/...
          let k = i + 2;
          while (k < toks.length && toks[k].text !== '(' && toks[k].text !== ')') k++;
          const inner = toks[k + 1]?.text;
          if (toks[k]?.text === '(' && inner && FIELD_KINDS.has(inner as FieldKind)) { kind = inner as FieldKind; j = k + 2; }
        }
        if (toks[j]?.text.startsWith('$')) { name = toks[j].text; nameRange = lm.range(toks[j].start, toks[j].end); }
        const index = counters.get(kind) ?? 0;
        counters.set(kind, index + 1);
        entry.field = { kind, name, index, range: lm.range(t.start, t.end), nameRange, signature: '', locals: [] };
        if (kind === 'export' && toks[i + 2]) entry.field.exportName = toks[i + 2].text.replace(/^"|"$/g, '');
        fields.push(entry.field);
      }
      stack.push(entry);
      continue;
    }
    if (t.text === ')') {
      const e = stack.pop();
      if (e?.field) {
        e.field.range = lm.range(e.start, t.end);
        finishField(e.field, text.slice(e.start, t.end), e.start, lm);
      }
      depth--;
      continue;
    }
    if (t.text.startsWith('$')) {
      const prev = toks[i - 1]?.text ?? '';
      const isDecl = prev === '(' ? false : ['func', 'global', 'memory', 'table', 'type', 'param', 'local', 'block', 'loop', 'if', 'elem', 'data'].includes(prev) && toks[i - 2]?.text === '(';
      if (!isDecl) refs.push({ name: t.text, range: lm.range(t.start, t.end), keyword: prev });
    }
  }
  // exports inline: (func $f (export "x") ...)
  return { fields, refs };
}

function finishField(f: WatField, src: string, base: number, lm: LineMap): void {
  const toks = tokenize(src);
  // header = up to the first instruction: keep leading (param)/(result)/(export)/(type)/(local) lists
  let i = 2;
  let header = `(${toks[1]?.text ?? ''}`;
  let depth = 1;
  let localIndex = 0;
  for (; i < toks.length; i++) {
    const t = toks[i];
    if (t.text === '(') {
      const head = toks[i + 1]?.text;
      if (depth === 1 && head && ['param', 'result', 'export', 'type', 'local', 'import', 'mut'].includes(head)) {
        let j = i; let d = 0; const parts: string[] = [];
        do { if (toks[j].text === '(') d++; else if (toks[j].text === ')') d--; parts.push(toks[j].text); j++; } while (d > 0 && j < toks.length);
        const list = parts.join(' ').replace(/\( /g, '(').replace(/ \)/g, ')');
        if (head === 'param' || head === 'local') {
          const inner = toks.slice(i + 2, j - 1);
          if (inner[0]?.text.startsWith('$')) {
            f.locals.push({ name: inner[0].text, type: inner.slice(1).map((x) => x.text).join(' '), kind: head, index: localIndex++, range: lm.range(base + inner[0].start, base + inner[0].end) });
          } else {
            for (const x of inner) f.locals.push({ type: x.text, kind: head, index: localIndex++, range: lm.range(base + x.start, base + x.end) });
          }
        }
        if (head === 'export' && !f.exportName) f.exportName = toks[i + 2]?.text.replace(/^"|"$/g, '');
        if (head !== 'local') header += ` ${list}`;
        i = j - 1;
        continue;
      }
      break;
    }
    if (t.text === ')') break;
    if (depth === 1 && i >= 2 && !t.text.startsWith('(')) {
      if (f.kind !== 'func') header += ` ${t.text}`;
      else if (t.text.startsWith('$')) header += ` ${t.text}`;
      else break;
    }
  }
  f.signature = `${header})`.replace(/\s+/g, ' ');
}

/** The name under `pos`, or undefined. */
export function nameAt(text: string, offset: number): { name: string; start: number; end: number } | undefined {
  let s = offset; let e = offset;
  const ok = (c: string | undefined) => c !== undefined && /[^\s()";]/.test(c);
  while (ok(text[s - 1])) s--;
  while (ok(text[e])) e++;
  const w = text.slice(s, e);
  return w.startsWith('$') ? { name: w, start: s, end: e } : undefined;
}

export function contains(r: Range, p: Pos): boolean {
  const before = (a: Pos, b: Pos) => a.line < b.line || (a.line === b.line && a.character <= b.character);
  return before(r.start, p) && before(p, r.end);
}
