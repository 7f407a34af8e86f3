/** `wanco snapshot inspect [--json] [--module M] FILE`. */
import { readSnapshotFile } from '../snapshot/reader';
import { snapshotJson, snapshotText, verifyMemory } from '../snapshot/format';
import { loadModule } from '../wasm/load';
import { WancoError } from '../wasm/errors';

export async function inspectCommand(file: string, opts: { json: boolean; module?: string }): Promise<void> {
  const snap = readSnapshotFile(file);
  verifyMemory(snap);
  let funcName: ((i: number) => string | undefined) | undefined;
  if (opts.module) {
    const { bytes, module } = await loadModule(opts.module);
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(bytes).digest('hex');
    if (hash !== Buffer.from(snap.moduleHash).toString('hex')) {
      throw new WancoError(`${file}: taken from another module than ${opts.module} (module hash differs)`);
    }
    const exportNames = new Map(module.exports.filter((e) => e.kind === 'func').map((e) => [e.index, e.name] as const));
    funcName = (i) => module.names.functions.get(i) ?? exportNames.get(i);
  }
  process.stdout.write(opts.json ? JSON.stringify(snapshotJson(snap, { funcName }), null, 2) + '\n' : snapshotText(snap, { funcName }));
}
