/**
 * Code lenses from the migration points the compiler really places in a normal build (the
 * translator runs without LLVM: compiler-core's migrationPoints), on the lines the debugger gives
 * them (the debug adapter's .wat source map and point placement). A function gets an entry point
 * only when it can recurse, a call point only when its callee can reach a point, and a function
 * that reaches none gets no point at all; the lenses say so.
 */
import type { CodeLens } from 'vscode-languageserver/node';
import { POINT_KIND_NAMES, pointIdText, type PointKindName } from '../../compiler-core/src/index';
import { instructionLines, placePoints, WatSourceMap } from '../../debug-adapter/src/watLines';

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The summary of a function's points, as its header lens says it. */
export function pointSummary(kinds: PointKindName[]): string {
  if (kinds.length === 0) return 'no migration point (no loop, recursion or call here reaches one)';
  const count = (k: PointKindName) => kinds.filter((x) => x === k).length;
  const parts: string[] = [];
  if (count('entry')) parts.push('entry');
  if (count('loop')) parts.push(plural(count('loop'), 'loop', 'loops'));
  if (count('call')) parts.push(plural(count('call'), 'call', 'calls'));
  return `migration points: ${parts.join(', ')}`;
}

/** Lenses of a .wat text; none when it does not compile (its diagnostics say why). */
export async function pointLenses(text: string, fileName: string): Promise<CodeLens[]> {
  const { parseWat } = await import('../../compiler-core/src/index');
  const { migrationPoints } = await import('../../compiler-core/src/index');
  let loaded;
  try {
    loaded = await parseWat(text, fileName);
  } catch {
    return [];
  }
  const { module, bytes } = loaded;
  const points = migrationPoints(module, bytes).map((p) => ({ id: pointIdText(p.id), func: p.funcIndex, kind: POINT_KIND_NAMES[p.kind] }));
  const src = new WatSourceMap(text, module, await instructionLines(text, bytes, module));
  const placed = [...placePoints(points, module, src).values()];
  const out: CodeLens[] = [];
  const lens = (line1: number, title: string): CodeLens => ({ range: { start: { line: line1 - 1, character: 0 }, end: { line: line1 - 1, character: 0 } }, command: { title, command: '' } });
  for (const f of src.funcRanges) {
    const mine = placed.filter((p) => p.func === f.funcIndex);
    out.push(lens(f.first, pointSummary(mine.map((p) => p.kind))));
    for (const p of mine) if (p.kind === 'loop' && p.line !== undefined) out.push(lens(p.line, 'migration point (loop header)'));
  }
  return out;
}
