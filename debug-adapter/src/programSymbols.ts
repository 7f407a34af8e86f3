/**
 * What the debugger knows of the program's code: its module, the text its lines refer to (the
 * .wat, or a generated disassembly for a .wasm), names of functions, locals and globals, and its
 * migration points placed on lines. A module with DWARF (built with -g) also places its points on
 * the lines of its own source files (C, C++, Rust), through the DWARF engine.
 */
import { Source } from '@vscode/debugadapter';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Module, PointKindName } from '../../compiler-core/src/index';
import type { RuntimePoint } from './runtimeClient';
import { instructionLines, WatSourceMap, type LineSource } from './sourceMap';
import { disassemble, type Disassembly } from './disassembly';
import { placePoints, type PlacedPoint, type PointInfo } from './pointLines';
import type { DwarfEngine } from './dwarf/engine';
import { enginePool } from './dwarf/enginePool';
import { placeOnSource, type SourcePlaces } from './dwarf/sourcePoints';

/** Where a point stands: a line of a source file, the .wat or the disassembly. */
export interface Place { source: Source; line: number; column: number }

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
  /** the module's DWARF (a module built with -g), and its points on the source lines */
  dwarf?: DwarfEngine;
  /** the DWARF engine loading (it runs while the program compiles) */
  private dwarfLoading?: Promise<DwarfEngine | undefined>;
  sourcePlaces: SourcePlaces = new Map();
  /**
   * Per point, the locals its state holds (the build's point table says: a dead local is left out
   * and saved as 0, which is not its value); a point absent holds every local.
   */
  private liveLocals = new Map<string, bigint>();

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
      if (module.customSections.some((c) => c.name === '.debug_info') && module.codeSectionStart !== undefined) {
        await this.dispose();
        // first: the engine's worker loads the DWARF while this thread goes on (disassembly, build, start)
        this.dwarfLoading = enginePool.load(bytes, moduleFile, module.codeSectionStart);
        this.dwarfLoading.catch(() => undefined); // setPoints says why
      }
      this.disasm = disassemble(module, (i) => this.funcName(i));
      this.disasmRef = DISASSEMBLY_REF;
    }
  }

  /** Knows the program's points: places them on lines (and on source lines through DWARF). */
  async setPoints(points: PointInfo[], reported: RuntimePoint[]): Promise<void> {
    this.reported = reported;
    this.placed = placePoints(points, this.module, this.lineSource());
    this.debugBuild = points.some((p) => p.kind === 'statement');
    if (this.dwarfLoading) {
      const loading = this.dwarfLoading;
      this.dwarfLoading = undefined;
      this.dwarf = await loading;
    }
    this.sourcePlaces = this.dwarf && this.module ? await placeOnSource(this.dwarf, this.placed.values(), this.module) : new Map();
    this.liveLocals = new Map();
    for (const p of points) if (p.live !== undefined && /^0x[0-9a-f]+$/i.test(p.live)) this.liveLocals.set(p.id, BigInt(p.live));
  }

  /** Where a point stands: its source line when DWARF has one, else its line in the .wat or the disassembly. */
  placeOf(point: string): Place | undefined {
    const s = this.sourcePlaces.get(point);
    if (s) return { source: sourceOf(s.path), line: s.line, column: s.column };
    const line = this.lineOf(point);
    const source = this.source();
    return line !== undefined && source ? { source, line, column: 1 } : undefined;
  }

  /** The locals of a frame at `point` whose saved value is not theirs (dead there, saved as 0). */
  deadLocals(point: string, count: number): Set<number> | undefined {
    const live = this.liveLocals.get(point);
    if (live === undefined) return undefined;
    const dead = new Set<number>();
    for (let i = 0; i < count; i++) if ((live & (1n << BigInt(i))) === 0n) dead.add(i);
    return dead;
  }

  /** Where a point stands for stepping: file and line. */
  positionOf(point: string): string | undefined {
    const p = this.placeOf(point);
    return p ? `${p.source.path ?? p.source.sourceReference}:${p.line}` : undefined;
  }

  /** Points stand on lines of the program's own source (a module with DWARF). */
  get sourceLevel(): boolean {
    return this.sourcePlaces.size > 0;
  }

  hasSource(point: string): boolean {
    return this.sourcePlaces.has(point);
  }

  async dispose(): Promise<void> {
    const loading = this.dwarfLoading;
    this.dwarfLoading = undefined;
    const engine = this.dwarf ?? await loading?.catch(() => undefined);
    this.dwarf = undefined;
    if (engine) enginePool.release(engine); // the next session of this process may take it (enginePool.ts)
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

  /** Line of a point (its id) in the .wat or the disassembly, when the text has it. */
  lineOf(point: string): number | undefined {
    return this.placed.get(point)?.line;
  }

  kindOf(point: string): PointKindName | undefined {
    return this.placed.get(point)?.kind;
  }
}

/** A source file as DAP names it. */
export function sourceOf(path: string): Source {
  return new Source(basename(path), path);
}
