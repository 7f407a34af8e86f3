/**
 * What the debugger knows of the program's code: its module, the text its lines refer to (the
 * .wat, or a generated disassembly for a .wasm), names of functions, locals and globals, and its
 * migration points placed on lines.
 */
import { Source } from '@vscode/debugadapter';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Module, PointKindName } from '../../compiler-core/src/index';
import type { RuntimePoint } from './runtimeClient';
import { instructionLines, WatSourceMap, type LineSource } from './sourceMap';
import { disassemble, type Disassembly } from './disassembly';
import { placePoints, type PlacedPoint, type PointInfo } from './pointLines';

/** The sourceReference of the generated disassembly. */
const DISASSEMBLY_REF = 1;

export class ProgramSymbols {
  module?: Module;
  moduleBytes?: Uint8Array;
  sourcePath?: string;
  sourceMap?: WatSourceMap;
  disasm?: Disassembly;
  disasmRef = 0;
  /** the points the running program reports (names included): where function breakpoints look */
  reported: RuntimePoint[] = [];
  /** every point with its line and kind */
  placed = new Map<string, PlacedPoint>();
  /** the program has statement points (a debug build) */
  debugBuild = false;

  /** Loads the module the program was built from, and its text (the .wat) or a disassembly (a .wasm). */
  async loadModule(moduleFile: string): Promise<void> {
    const { loadModule } = await import('../../compiler-core/src/index');
    const { bytes, module } = await loadModule(moduleFile);
    this.module = module;
    this.moduleBytes = bytes;
    this.sourcePath = moduleFile;
    if (/\.wa[st]t?$/i.test(moduleFile) && !moduleFile.endsWith('.wasm')) {
      const text = readFileSync(moduleFile, 'utf8');
      this.sourceMap = new WatSourceMap(text, module, await instructionLines(text, bytes, module));
    } else {
      this.disasm = disassemble(module, (i) => this.funcName(i));
      this.disasmRef = DISASSEMBLY_REF;
    }
  }

  /** Knows the program's points: places them on lines. */
  setPoints(points: PointInfo[], reported: RuntimePoint[]): void {
    this.reported = reported;
    this.placed = placePoints(points, this.module, this.lineSource());
    this.debugBuild = points.some((p) => p.kind === 'statement');
  }

  funcName(i: number): string | undefined {
    const m = this.module;
    if (m) {
      const n = m.names.functions.get(i) ?? m.exports.find((e) => e.kind === 'func' && e.index === i)?.name;
      if (n) return n;
    }
    return this.reported.find((p) => p.func === i && p.name)?.name;
  }

  localName(func: number, i: number): string {
    const n = this.module?.names.locals.get(func)?.get(i);
    return n ? `$${n}` : `local ${i}`;
  }

  globalName(i: number): string {
    const n = this.module?.names.globals.get(i) ?? this.module?.exports.find((e) => e.kind === 'global' && e.index === i)?.name;
    return n ? `$${n}` : `global ${i}`;
  }

  /** The text frames and breakpoints refer to. */
  source(): Source | undefined {
    if (this.sourceMap && this.sourcePath) return new Source(basename(this.sourcePath), this.sourcePath);
    if (this.disasm) return new Source(`${basename(this.sourcePath ?? 'module')}.dis.wat`, undefined, this.disasmRef, 'disassembly', 'wanco');
    return undefined;
  }

  lineSource(): LineSource | undefined {
    return this.sourceMap ?? this.disasm;
  }

  /** Line of a point (its id), when the text has it. */
  lineOf(point: string): number | undefined {
    return this.placed.get(point)?.line;
  }

  kindOf(point: string): PointKindName | undefined {
    return this.placed.get(point)?.kind;
  }
}
