/**
 * `wanco snapshot inspect [--json] [--module M] FILE` as a function: a snapshot as text or JSON,
 * with function names from the module it was taken from (whose hash is checked) when given.
 */
import { createHash } from 'node:crypto';
import { readSnapshotFile } from '../snapshot/reader';
import { snapshotJson, snapshotText, verifyMemory } from '../snapshot/format';
import { loadModule } from '../wasm/load';
import { WancoError } from '../wasm/errors';

export interface SnapshotInspectOptions {
  /** machine-readable output */
  json: boolean;
  /** the module the snapshot was taken from (adds function names, checks the hash) */
  module?: string;
}

/** The printed snapshot (ends with a newline). */
export async function inspectSnapshot(file: string, opts: SnapshotInspectOptions): Promise<string> {
  const snap = readSnapshotFile(file);
  verifyMemory(snap);
  let funcName: ((i: number) => string | undefined) | undefined;
  if (opts.module) {
    const { bytes, module } = await loadModule(opts.module);
    const hash = createHash('sha256').update(bytes).digest('hex');
    if (hash !== Buffer.from(snap.moduleHash).toString('hex')) {
      throw new WancoError(`${file}: taken from another module than ${opts.module} (module hash differs)`);
    }
    const exportNames = new Map(module.exports.filter((e) => e.kind === 'func').map((e) => [e.index, e.name] as const));
    funcName = (i) => module.names.functions.get(i) ?? exportNames.get(i);
  }
  return opts.json ? JSON.stringify(snapshotJson(snap, { funcName }), null, 2) + '\n' : snapshotText(snap, { funcName });
}
