/** `wanco snapshot inspect [--json] [--module M] FILE`. */
import { inspectSnapshot, type SnapshotInspectOptions } from '../../../compiler-core/src/index';

export async function inspectCommand(file: string, opts: SnapshotInspectOptions): Promise<void> {
  process.stdout.write(await inspectSnapshot(file, opts));
}
