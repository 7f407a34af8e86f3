/**
 * F5 from a C, C++ or Rust file with no launch.json: the module to debug is the workspace's .wasm
 * that was built from that file with -g. A module's DWARF names its sources (a line-table file
 * entry and the unit's directory), so the file's name and its folder both appear in its bytes.
 * No VS Code API here: the extension asks and shows.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export const SOURCE_LANGUAGE_FILES = /\.(c|h|cc|cpp|cxx|hpp|hh|rs)$/i;

const SKIP_DIRS = new Set(['node_modules', '.git', 'out', 'dist']);
const MAX_MODULES = 200;

/** The .wasm files under `root` (depth-first, at most MAX_MODULES, skipping build and VCS folders). */
export function wasmFilesUnder(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 8 || out.length >= MAX_MODULES) return;
    let entries: string[];
    try { entries = readdirSync(dir); } catch { return; }
    for (const e of entries) {
      const p = join(dir, e);
      let st;
      try { st = statSync(p); } catch { continue; }
      if (st.isDirectory()) { if (!SKIP_DIRS.has(e) && !e.startsWith('.')) walk(p, depth + 1); }
      else if (e.endsWith('.wasm')) out.push(p);
    }
  };
  walk(root, 0);
  return out;
}

/** The modules among `candidates` whose DWARF names `source` (its name and its folder). */
export function modulesBuiltFrom(source: string, candidates: string[]): string[] {
  const name = Buffer.from(basename(source));
  const dir = Buffer.from(dirname(source));
  return candidates.filter((m) => {
    try {
      const bytes = readFileSync(m);
      return bytes.includes('.debug_info') && bytes.includes(name) && bytes.includes(dir);
    } catch {
      return false;
    }
  });
}
