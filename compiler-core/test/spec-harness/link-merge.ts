/**
 * Merges the rewritten modules of linked instances (link-rewrite.ts) into one
 * module with binaryen's wasm-merge: each module is named `i<id>`, so an
 * import of (`i<id>`, `i<id>.<name>`) becomes a reference to that instance's
 * function, table, memory or global — shared by reference, as linking does.
 * Results are cached by content under <cacheRoot>/merged/.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { moduleNameOf } from './link-rewrite';

const FEATURES = ['--enable-mutable-globals', '--enable-sign-ext', '--enable-nontrapping-float-to-int', '--enable-bulk-memory',
  '--enable-multivalue', '--enable-reference-types', '--enable-simd'];

function wasmMergeScript(): string {
  return join(dirname(require.resolve('binaryen')), 'bin', 'wasm-merge');
}

export async function mergeModules(parts: { id: number; bytes: Uint8Array }[], cacheRoot: string): Promise<Uint8Array> {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${p.id}:${p.bytes.length}:`).update(p.bytes);
  const dir = join(cacheRoot, 'merged');
  const out = join(dir, `${h.digest('hex').slice(0, 32)}.wasm`);
  if (existsSync(out)) return new Uint8Array(readFileSync(out));
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'wanco-merge-'));
  try {
    const args = [wasmMergeScript(), ...FEATURES];
    parts.forEach((p, k) => {
      const f = join(work, `m${k}.wasm`);
      writeFileSync(f, p.bytes);
      args.push(f, moduleNameOf(p.id));
    });
    const tmpOut = join(work, 'merged.wasm');
    args.push('-o', tmpOut);
    await new Promise<void>((resolve, reject) => {
      execFile(process.execPath, args, { maxBuffer: 16 << 20 }, (err, _stdout, stderr) => {
        if (err) reject(new Error(`wasm-merge failed: ${(stderr || err.message).trim().split('\n').slice(0, 3).join(' ')}`));
        else resolve();
      });
    });
    const bytes = readFileSync(tmpOut);
    writeFileSync(`${out}.${process.pid}.tmp`, bytes);
    renameSync(`${out}.${process.pid}.tmp`, out);
    return new Uint8Array(bytes);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
