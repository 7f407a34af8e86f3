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
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { Module } from '../../../compiler-core/src/index';
import type { DwarfEngine, SourceLocation } from './engine';
import { stoppable, type PlacedPoint, type Resolution } from '../pointLines';

export type SourcePlaces = Map<string, SourceLocation>;

/**
 * Where each point stands in the source. Points in code without line information have none, and
 * neither have those whose file is not on this machine (Debian's wasi-libc carries DWARF with
 * relative paths of its build): the debugger shows that code as Wasm and steps over it.
 */
export async function placeOnSource(engine: DwarfEngine, placed: Iterable<PlacedPoint>, module: Module): Promise<SourcePlaces> {
  const out: SourcePlaces = new Map();
  const exists = new Map<string, boolean>();
  const here = (path: string) => { if (!exists.has(path)) exists.set(path, isAbsolute(path) && existsSync(path)); return exists.get(path)!; };
  const pts = [...placed];
  const locs = await Promise.all(pts.map((p) => {
    const offset = p.kind === 'entry' ? module.funcs[p.func - module.numImportedFuncs]?.body[0]?.offset ?? p.offset : p.offset;
    return engine.location(offset).catch(() => undefined);
  }));
  pts.forEach((p, i) => { const l = locs[i]; if (l && l.line > 0 && here(l.path)) out.set(p.id, l); });
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
