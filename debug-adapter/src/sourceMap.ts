/**
 * .wat text <-> instruction offsets of the binary the program was compiled from.
 *
 * Every instruction's line comes from binaryen itself: the text is compiled again with a
 * `;;@ w:LINE:COL` annotation before each instruction, and the source map binaryen emits for
 * that binary gives the line of each instruction offset. The annotated binary must equal the
 * compiled one up to the end of its code (it does: annotations are comments); when it does not,
 * only loops, calls and function headers are mapped, by counting them in the text (the Nth
 * loop/call of a function in the text, in binary emission order, is the Nth in its body).
 */
import {
  Op, partitionPoint, pointId, pointIdText, SIMD_NAMES, tokenizeWat as tokenize, type Module,
} from '../../compiler-core/src/index';

export interface FuncRange {
  funcIndex: number;
  /** line of `(func` */
  first: number;
  last: number;
  name?: string;
  /** why lines inside cannot be mapped */
  problem?: string;
}

/** Where a program's instructions are in some text (a .wat file or the generated disassembly). */
export interface LineSource {
  funcAt(line: number): FuncRange | undefined;
  /** line of the function header */
  headerLine(funcIndex: number): number | undefined;
  /** line of the instruction at `offset` */
  instrLine(funcIndex: number, offset: number): number | undefined;
}

export function pointKey(funcIndex: number, offset: number): string {
  return pointIdText(pointId(funcIndex, offset));
}

/** Text name of an Op key: i32_add -> i32.add, local_get -> local.get, br_if stays. */
export function textName(key: string): string {
  return key.replace(/^(i32|i64|f32|f64|v128|i8x16|i16x8|i32x4|i64x2|f32x4|f64x2|local|global|table|memory|ref|elem|data)_/, '$1.');
}

/** Instruction keywords that get a line annotation (`else`/`end` delimit, they are no expressions). */
const INSTRUCTIONS = new Set([...Object.keys(Op).map(textName), ...SIMD_NAMES.values()].filter((n) => n !== 'else' && n !== 'end'));

interface TextFunc {
  header: number;
  /** `(func $f (import "m" "n") ...)`: an import, no body */
  imported?: boolean;
  last: number;
  name?: string;
  /** loops and calls in binary emission order (fallback map) */
  instrs: { line: number; key: number; kind: 'loop' | 'call' }[];
  /** text positions (of the token, or of its `(` when folded) and lines of instruction keywords */
  keywords: { at: number; line: number; col: number }[];
}

/** Scans .wat text (compiler-core's lexer): module-level functions, their headers, loop/call keywords, every instruction keyword. */
function scanWat(text: string): TextFunc[] {
  const funcs: TextFunc[] = [];
  let depth = 0;
  let cur: TextFunc | undefined;
  let funcDepth = -1;
  // stack of open parens: the folded call opened there (index into cur.instrs) or -1
  const open: number[] = [];
  const toks = tokenize(text, { tolerant: true });
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k];
    if (t.kind === '(') { depth++; open.push(-1); continue; }
    if (t.kind === ')') {
      const j = open.pop();
      if (cur && j !== undefined && j >= 0) cur.instrs[j].key = t.start; // folded call: emitted at its end
      depth--;
      if (cur && depth < funcDepth) { cur.last = t.line; cur = undefined; funcDepth = -1; }
      continue;
    }
    if (t.kind !== 'atom') continue;
    // folded: the keyword right after its `(`
    const parenAt = toks[k - 1]?.kind === '(' ? toks[k - 1].start : -1;
    const folded = parenAt >= 0;
    if (t.text === 'func' && folded && depth === 2 && !cur) {
      cur = { header: t.line, last: t.line, instrs: [], keywords: [] };
      funcDepth = depth;
      const rest = text.slice(t.end, t.end + 4096);
      const m = /^\s*(\$[^\s()]+)/.exec(rest);
      if (m) cur.name = m[1].slice(1);
      cur.imported = /^\s*(\$[^\s()]+\s*)?(\(\s*export\s+"[^"]*"\s*\)\s*)*\(\s*import\b/.test(rest);
      funcs.push(cur);
    } else if (cur && INSTRUCTIONS.has(t.text)) {
      cur.keywords.push({ at: folded ? parenAt : t.start, line: t.line, col: t.column });
      if (t.text === 'loop' || t.text === 'call' || t.text === 'call_indirect') {
        const kind = t.text === 'loop' ? 'loop' : 'call';
        cur.instrs.push({ line: t.line, key: t.start, kind });
        if (folded && kind === 'call') open[open.length - 1] = cur.instrs.length - 1;
      }
    }
  }
  for (const f of funcs) f.instrs.sort((a, b) => a.key - b.key);
  return funcs.filter((f) => !f.imported);
}

/** The text with `;;@ w:LINE:COL` before every instruction keyword of every function. */
export function annotateWat(text: string): string {
  const marks = scanWat(text).flatMap((f) => f.keywords).sort((a, b) => a.at - b.at);
  let out = '';
  let from = 0;
  for (const m of marks) {
    out += `${text.slice(from, m.at)}\n;;@ w:${m.line}:${m.col}\n`;
    from = m.at;
  }
  return out + text.slice(from);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Binary offset -> 1-based source line from a Wasm source map's `mappings` (Base64 VLQ; one
 * generated line whose columns are byte offsets; segments of 1 field have no source position).
 */
export function decodeMappings(mappings: string): Map<number, number> {
  const out = new Map<number, number>();
  let offset = 0;
  let line = 0;
  for (const seg of mappings.split(',')) {
    if (!seg) continue;
    const fields: number[] = [];
    let value = 0;
    let shift = 0;
    for (const ch of seg) {
      const d = B64.indexOf(ch);
      if (d < 0) throw new Error(`bad source map character '${ch}'`);
      value += (d & 31) << shift;
      if (d & 32) { shift += 5; continue; }
      fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
    offset += fields[0];
    if (fields.length >= 4) {
      line += fields[2];
      out.set(offset, line + 1);
    }
  }
  return out;
}

/**
 * Line of every instruction offset of `bytes` (the binary compiled from `text`), or the reason
 * why they cannot be known.
 */
export async function instructionLines(text: string, bytes: Uint8Array, module: Module): Promise<Map<number, number> | string> {
  const { getBinaryen, wasm2Features } = await import('../../compiler-core/src/index');
  const b = await getBinaryen();
  const latin1 = Buffer.from(annotateWat(text), 'utf8').toString('latin1');
  let mod;
  try {
    mod = (b.parseText as (t: string, f?: number) => ReturnType<typeof b.parseText>)(latin1, wasm2Features(b));
  } catch (e) {
    return `binaryen rejected the annotated text: ${(e as { message?: string })?.message ?? String(e)}`;
  }
  try {
    mod.setFeatures(wasm2Features(b));
    const prev = b.getDebugInfo();
    b.setDebugInfo(true);
    let out;
    try {
      out = mod.emitBinary('w.map');
    } finally {
      b.setDebugInfo(prev);
    }
    const codeEnd = module.funcs.length ? module.funcs[module.funcs.length - 1].bodyEnd : 0;
    const same = out.binary.length >= codeEnd && Buffer.from(out.binary.subarray(0, codeEnd)).equals(Buffer.from(bytes.subarray(0, codeEnd)));
    if (!same) return 'the annotated text compiles to different code';
    return decodeMappings((JSON.parse(out.sourceMap ?? '{}') as { mappings?: string }).mappings ?? '');
  } finally {
    mod.dispose();
  }
}

export class WatSourceMap implements LineSource {
  readonly funcRanges: FuncRange[] = [];
  /** fallback without instruction lines: loop/call offset -> line, per function */
  private readonly counted = new Map<number, Map<number, number>>();
  private readonly headers = new Map<number, number>();
  /** per function: sorted instruction offsets and their lines */
  private readonly perFunc = new Map<number, { offsets: number[]; lines: number[] }>();
  /** why only loops and calls have lines */
  readonly instrProblem?: string;

  /** `lines`: instructionLines() of the text, or the reason it is missing */
  constructor(text: string, module: Module, lines?: Map<number, number> | string) {
    if (typeof lines === 'string') this.instrProblem = lines;
    const tf = scanWat(text);
    tf.forEach((t, k) => {
      const f = module.funcs[k];
      if (!f) return;
      const range: FuncRange = { funcIndex: f.index, first: t.header, last: t.last, name: t.name };
      this.funcRanges.push(range);
      this.headers.set(f.index, t.header);
      if (lines instanceof Map) {
        const offsets: number[] = [];
        const ls: number[] = [];
        for (const ins of f.body) {
          const l = lines.get(ins.offset);
          if (l !== undefined) { offsets.push(ins.offset); ls.push(l); }
        }
        this.perFunc.set(f.index, { offsets, lines: ls });
        return;
      }
      const bin = f.body.filter((ins) => ins.op === Op.loop || ins.op === Op.call || ins.op === Op.call_indirect);
      if (bin.length !== t.instrs.length) {
        range.problem = `the text of this function has ${t.instrs.length} loops/calls, its binary ${bin.length}`;
        return;
      }
      this.counted.set(f.index, new Map(t.instrs.map((ti, m) => [bin[m].offset, ti.line])));
    });
  }

  funcAt(line: number): FuncRange | undefined {
    return this.funcRanges.find((r) => line >= r.first && line <= r.last);
  }

  headerLine(funcIndex: number): number | undefined {
    return this.headers.get(funcIndex);
  }

  /** An instruction without a line of its own (`end`, `else`) has the line of the one before it. */
  instrLine(funcIndex: number, offset: number): number | undefined {
    const pf = this.perFunc.get(funcIndex);
    if (!pf) return this.counted.get(funcIndex)?.get(offset);
    const after = partitionPoint(pf.offsets.length, (i) => pf.offsets[i] <= offset);
    return after > 0 ? pf.lines[after - 1] : undefined;
  }
}
