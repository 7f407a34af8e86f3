/**
 * Migration points placed on the lines of a LineSource (a .wat file or the disassembly), and
 * source breakpoints resolved to points.
 *
 * Kinds: `entry` (the function header line), `loop` (the loop's line), `call` (a caller frame
 * stands there: the call's line), and in debug builds `statement` (before an instruction at
 * which the operand stack is empty) and `after-call` (right after a call returned: the call's
 * line). A statement's instructions run from its point to the next statement or loop point;
 * its line is the smallest line among them (the outermost expression of folded text, the first
 * instruction of flat text), and its span the lines they cover.
 */
import { decodePointId, parsePointIdText, type Module, type PointKindName } from '../../compiler-core/src/index';
import type { LineSource } from './sourceMap';

export interface PointInfo {
  id: string;
  func: number;
  kind: PointKindName;
  /** the locals its state holds, a hex bitmap (bit k: local k); absent: every local */
  live?: string;
}

export interface PlacedPoint {
  id: string;
  func: number;
  kind: PointKindName;
  /** Wasm offset of the instruction (debug tags removed; the body offset for `entry`) */
  offset: number;
  line?: number;
  /** first and last line of a statement's instructions */
  span?: [number, number];
}

/** Kinds at which a breakpoint can stop the program. */
export function stoppable(kind: PointKindName): boolean {
  return kind === 'entry' || kind === 'loop' || kind === 'statement';
}

/** The Wasm offset a point id stands for. */
export function pointOffset(id: string): number {
  return decodePointId(parsePointIdText(id)).offset;
}

export function placePoints(points: PointInfo[], module: Module | undefined, src: LineSource | undefined): Map<string, PlacedPoint> {
  const out = new Map<string, PlacedPoint>();
  const byFunc = new Map<number, PlacedPoint[]>();
  for (const p of points) {
    const pp: PlacedPoint = { id: p.id, func: p.func, kind: p.kind, offset: pointOffset(p.id) };
    out.set(p.id, pp);
    byFunc.set(p.func, [...(byFunc.get(p.func) ?? []), pp]);
  }
  if (!src) return out;
  for (const [func, pts] of byFunc) {
    const body = module?.funcs[func - module.numImportedFuncs]?.body ?? [];
    // where statements end: the next statement or loop point of the function
    const bounds = pts.filter((p) => p.kind === 'statement' || p.kind === 'loop').map((p) => p.offset).sort((a, b) => a - b);
    for (const p of pts) {
      if (p.kind === 'entry') {
        p.line = src.headerLine(func);
      } else if (p.kind === 'statement') {
        const next = bounds.find((o) => o > p.offset) ?? Infinity;
        let lo = Infinity;
        let hi = -Infinity;
        for (const ins of body) {
          if (ins.offset < p.offset || ins.offset >= next) continue;
          const l = src.instrLine(func, ins.offset);
          if (l === undefined) continue;
          lo = Math.min(lo, l);
          hi = Math.max(hi, l);
        }
        if (lo !== Infinity) { p.line = lo; p.span = [lo, hi]; }
      } else {
        p.line = src.instrLine(func, p.offset);
      }
    }
  }
  return out;
}

export type Resolution = { line: number; points: string[]; message?: string } | { reason: string };

/**
 * The points a breakpoint on `line` stands for: the first stoppable point on that line; else the
 * statement whose lines contain it; else the first line after it in the same function that has
 * a stoppable point (the breakpoint moves there). Otherwise the reason.
 */
export function resolveLine(line: number, src: LineSource, placed: Iterable<PlacedPoint>, why?: string): Resolution {
  const r = src.funcAt(line);
  const fname = r ? (r.name ? `$${r.name}` : `function ${r.funcIndex}`) : '';
  if (!r) return { reason: 'not inside a function' };
  if (r.problem) return { reason: `cannot map lines of ${fname}: ${r.problem}` };
  const cands = [...placed].filter((p) => p.func === r.funcIndex && stoppable(p.kind) && p.line !== undefined)
    .sort((a, b) => (a.kind === 'entry' ? -1 : 0) - (b.kind === 'entry' ? -1 : 0) || a.offset - b.offset);
  const exact = cands.find((p) => p.line === line);
  if (exact) return { line, points: [exact.id] };
  const inside = cands.find((p) => p.span && p.span[0] < line && line <= p.span[1]);
  if (inside) return { line: inside.line!, points: [inside.id], message: `moved to the start of its statement (line ${inside.line})` };
  const after = cands.filter((p) => p.line! > line).sort((a, b) => a.line! - b.line! || a.offset - b.offset)[0];
  if (after) return { line: after.line!, points: [after.id], message: `moved to line ${after.line}, the next line with a migration point` };
  const debug = cands.some((p) => p.kind === 'statement');
  return {
    reason: `no migration point at or after this line in ${fname}` + (debug ? ''
      : ' (this build stops only at loops and at the entries of functions that have an entry point; a debug build (--debug-points) stops at every statement)')
      + (why ? ` (${why})` : ''),
  };
}
