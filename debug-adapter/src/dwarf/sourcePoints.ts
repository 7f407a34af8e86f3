/**
 * Migration points placed on the lines of the program's own source files (C, C++, Rust) through
 * its DWARF line table, and source breakpoints resolved to points. A point stands at the line of
 * the Wasm instruction it is before (an entry point: the function's first instruction; a call or
 * after-call point: the call's line).
 *
 * A breakpoint on a line stops where the line's code begins, each time it begins: at every
 * stoppable point of that line whose predecessor in its function (by offset) is on another line.
 * So `for (i = 0; i < n; i++)` stops at its start and again at each test of the condition, as in
 * gdb and LLDB, while a line of several statements stops once per visit.
 */
import { partitionPoint, sourceFileExists, type Module } from '../../../compiler-core/src/index';
import type { DwarfEngine, SourceLocation } from './engine';
import { stoppable, type PlacedPoint, type Resolution } from '../pointLines';

export type SourcePlaces = Map<string, SourceLocation>;

/**
 * Where each point stands in the source: the line whose line-table rows hold its offset (an entry
 * point: its function's first instruction). Points in code without line information have none,
 * and neither have those whose file is not on this machine (Debian's wasi-libc and Rust's std
 * carry DWARF with paths of their build machine): the debugger shows that code as Wasm and steps
 * over it. Asked file by file and line by line (the lines of this machine's files that have code,
 * then their code ranges), not point by point: a few hundred requests to the engine instead of
 * one per point (8,400 for the Rust fixture). The column is the line's first (a stop shows the
 * engine's exact column, stopView.ts).
 */
export async function placeOnSource(engine: DwarfEngine, placed: Iterable<PlacedPoint>, module: Module): Promise<SourcePlaces> {
  const out: SourcePlaces = new Map();
  const offsetOf = (p: PlacedPoint) => p.kind === 'entry' ? module.funcs[p.func - module.numImportedFuncs]?.body[0]?.offset ?? p.offset : p.offset;
  const pts = [...placed].map((p) => ({ p, at: offsetOf(p) })).sort((a, b) => a.at - b.at);
  const files = engine.sourceFiles.filter(sourceFileExists); // the rule debug builds place their points by
  await Promise.all(files.map(async (path) => {
    const lines = await engine.mappedLines(path).catch(() => [] as number[]);
    await Promise.all(lines.map(async (line) => {
      for (const [start, end] of await engine.lineRanges(path, line).catch(() => [] as [number, number][])) {
        for (let k = partitionPoint(pts.length, (i) => pts[i].at < start); k < pts.length && pts[k].at < end; k++) out.set(pts[k].p.id, { path, line, column: 1 });
      }
    }));
  }));
  return out;
}

/** The points a breakpoint on `line` of source `path` stands for, or the reason there are none. */
export function resolveSourceLine(path: string, line: number, places: SourcePlaces, placed: Map<string, PlacedPoint>): Resolution {
  const inFile = [...placed.values()].filter((p) => places.get(p.id)?.path === path);
  if (inFile.length === 0) return { reason: `no code of the debugged module comes from ${path}` };
  const stops = inFile.filter((p) => stoppable(p.kind));
  const lineOf = (p: PlacedPoint) => places.get(p.id)!.line;
  const starts = lineStarts(stops, lineOf);
  const exact = starts.filter((p) => lineOf(p) === line);
  if (exact.length > 0) return { line, points: exact.map((p) => p.id) };
  const later = starts.filter((p) => lineOf(p) > line);
  if (later.length > 0) {
    const next = Math.min(...later.map(lineOf));
    const debug = stops.some((p) => p.kind === 'statement');
    return {
      line: next, points: later.filter((p) => lineOf(p) === next).map((p) => p.id),
      message: `moved to line ${next}, the next line where the program can stop` + (debug ? '' : ' (this build stops only at loops and function entries; a debug build stops at every statement)'),
    };
  }
  return { reason: `no code at or after line ${line} in ${path}` };
}

/** Stoppable points that begin a run of their line within their function (in code order). */
function lineStarts(points: PlacedPoint[], lineOf: (p: PlacedPoint) => number): PlacedPoint[] {
  const byFunc = new Map<number, PlacedPoint[]>();
  for (const p of points) byFunc.set(p.func, [...(byFunc.get(p.func) ?? []), p]);
  const out: PlacedPoint[] = [];
  for (const list of byFunc.values()) {
    // an entry point comes before the statement at the same offset
    list.sort((a, b) => a.offset - b.offset || (a.kind === 'entry' ? -1 : b.kind === 'entry' ? 1 : 0));
    list.forEach((p, i) => { if (i === 0 || lineOf(list[i - 1]) !== lineOf(p)) out.push(p); });
  }
  return out;
}
