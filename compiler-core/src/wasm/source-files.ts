/**
 * Which code of a module built with `-g` has its source on this machine. Debug builds put their
 * statement and after-call points only in functions that have a line of such a file: a source-level
 * debugger stops nowhere else (it shows the rest, such as Debian's wasi-libc or Rust's std, whose
 * DWARF names files of their build machines, as Wasm and steps over it), and those points were most
 * of a debug build's code (the C fixture's printf_core alone had 411 of them). The debugger applies
 * the same file rule (`sourceFileExists`, debug-adapter/src/dwarf/sourcePoints.ts).
 *
 * A line table's path is resolved as LLDB and the DWARF engine resolve it: a relative name joins
 * its directory, a relative directory the compilation directory, and a path still relative then
 * counts from the module's own folder (the engine resolves it against the module's URL).
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, posix, resolve } from 'node:path';
import { WasmDecodeError } from './errors';
import { fileOf, linePrograms, type DwarfSection, type LineFile, type LineProgram } from './debug-line';
import { compileUnits } from './dwarf-units';
import type { Module } from './types';
import { partitionPoint } from '../partition-point';

/** A source file is on this machine: its (absolute) path exists. */
export function sourceFileExists(path: string): boolean {
  return isAbsolute(path) && existsSync(path);
}

/** The path of a line-table file, relative paths resolved from `compDir`, then from `moduleDir`. */
export function lineFilePath(p: LineProgram, f: LineFile, compDir: string | undefined, moduleDir: string): string {
  let path = f.name;
  if (!posix.isAbsolute(path)) {
    // DWARF 2-4: directory 0 is the compilation directory; DWARF 5 lists it as directories[0]
    const compilation = p.version >= 5 ? p.dirs[0] ?? compDir : compDir;
    let dir = f.dir === 0 ? compilation : p.dirs[p.version >= 5 ? f.dir : f.dir - 1];
    if (dir !== undefined && f.dir !== 0 && !posix.isAbsolute(dir) && compilation !== undefined) dir = posix.join(compilation, dir);
    if (dir !== undefined) path = posix.join(dir, path);
  }
  return resolve(moduleDir, path);
}

/** The defined function (module index) whose body holds file offset `at`, if any. */
export function functionAt(module: Module, at: number): number | undefined {
  const funcs = module.funcs; // in the order of their bodies
  const k = partitionPoint(funcs.length, (i) => funcs[i].bodyEnd <= at);
  return k < funcs.length && funcs[k].bodyOffset <= at ? module.numImportedFuncs + k : undefined;
}

export interface SourceFunctions {
  /**
   * The defined functions (module indices) with a line in a file on this machine; undefined when
   * the module has no line table, or no line of it is in such a file (then every function with
   * lines keeps its points: the debugger shows that code as Wasm).
   */
  functions?: Set<number>;
  /** why the DWARF could not be read (then `functions` is undefined) */
  problem?: string;
}

/** The functions of `module` (read from `moduleFile`) whose source is on this machine. */
export function sourceFunctions(module: Module, bytes: Uint8Array, moduleFile: string, exists: (path: string) => boolean = sourceFileExists): SourceFunctions {
  const code = module.codeSectionStart;
  const lineSection = module.customSections.find((s) => s.name === '.debug_line');
  if (!lineSection || code === undefined) return {};
  const file = module.fileName ?? moduleFile;
  const section = (name: string): DwarfSection | undefined => {
    const s = module.customSections.find((c) => c.name === name);
    if (!s) return undefined;
    const end = s.offset + s.size;
    return { data: bytes.subarray(s.dataOffset, end), fail: (at, reason) => { throw new WasmDecodeError(file, s.dataOffset + at, `${name}: ${reason}`); } };
  };
  try {
    const line = section('.debug_line')!;
    const str = section('.debug_str'), lineStr = section('.debug_line_str');
    const programs = linePrograms(line.data, 0, line.data.length, line.fail, { str, lineStr });
    const info = section('.debug_info'), abbrev = section('.debug_abbrev');
    const compDirs = new Map<number, string | undefined>();
    if (info && abbrev) {
      for (const u of compileUnits({ info, abbrev, str, lineStr, strOffsets: section('.debug_str_offsets') })) {
        if (u.stmtList !== undefined) compDirs.set(u.stmtList, u.compDir);
      }
    }
    const moduleDir = dirname(resolve(moduleFile));
    const functions = new Set<number>();
    for (const p of programs) {
      const present = new Map<number, boolean>();
      for (const r of p.rows) {
        let here = present.get(r.file);
        if (here === undefined) {
          const f = fileOf(p, r.file);
          present.set(r.file, here = f !== undefined && exists(lineFilePath(p, f, compDirs.get(p.offset), moduleDir)));
        }
        if (!here) continue;
        const f = functionAt(module, r.address + code);
        if (f !== undefined) functions.add(f);
      }
    }
    return functions.size > 0 ? { functions } : {};
  } catch (e) {
    if (!(e instanceof WasmDecodeError)) throw e;
    return { problem: `${e.message}; the debug build keeps its points in every function with lines` };
  }
}

/**
 * The functions a debug build gives statement and after-call points: those with source on this
 * machine, and those of `keep` (a snapshot to restore stands at debug points in them, cr/points.ts
 * debugPointFunctions). `functions` undefined: every function with lines.
 */
export function debugBuildFunctions(module: Module, bytes: Uint8Array, moduleFile: string, keep: Iterable<number> = []): SourceFunctions {
  const r = sourceFunctions(module, bytes, moduleFile);
  if (r.functions) for (const f of keep) r.functions.add(f);
  return r;
}
