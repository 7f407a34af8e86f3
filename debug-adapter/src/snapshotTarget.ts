/**
 * A snapshot opened read-only (post-mortem): its state is the stop, nothing runs; what would
 * run or change the program is refused with the reason.
 */
import { isDebugPoint, POINT_KIND_NAMES, pointIdText, type Snapshot } from '../../compiler-core/src/index';
import type { RuntimeState } from './runtimeClient';
import type { CheckpointWritten, DebugTarget, TargetEvents, TargetOperation, TargetPoints } from './debugTarget';
import type { ProgramSymbols } from './programSymbols';
import { snapshotState } from './postMortem';
import { UserError } from './userError';

const REFUSALS: Record<TargetOperation, string> = {
  run: 'a post-mortem session does not run (launch with "restore" to continue from the snapshot)',
  write: 'a post-mortem snapshot is read-only',
  restart: 'a post-mortem session cannot be restarted; launch with "restore" instead',
  breakpoints: 'post-mortem session: nothing runs',
};

export class SnapshotTarget implements DebugTarget {
  constructor(private readonly snap: Snapshot, private readonly symbols: ProgramSymbols, private readonly events: TargetEvents) {}

  refusal(op: TargetOperation): string | undefined {
    return REFUSALS[op];
  }

  /** The program's points as the compiler places them (a debug build when the snapshot has debug points). */
  async start(): Promise<TargetPoints> {
    const { module, moduleBytes } = this.symbols;
    if (!module || !moduleBytes) return { all: [], reported: [] };
    const debugPoints = this.snap.frames.some((f) => isDebugPoint(f.pointId));
    const { debugBuildFunctions, debugPointFunctions, migrationPoints } = await import('../../compiler-core/src/index');
    // the points of the debug build the snapshot came from: as a restore would compile it
    const functions = debugPoints && this.symbols.sourcePath
      ? debugBuildFunctions(module, moduleBytes, this.symbols.sourcePath, debugPointFunctions(this.snap.frames.map((f) => f.pointId))).functions : undefined;
    const all = migrationPoints(module, moduleBytes, debugPoints, functions).map((p) => ({
      id: pointIdText(p.id), func: p.funcIndex, kind: POINT_KIND_NAMES[p.kind], live: p.live === undefined ? undefined : `0x${p.live.toString(16)}`,
    }));
    return { all, reported: [] };
  }

  async begin(): Promise<void> {
    this.events.stopped({ reason: 'snapshot', text: `post-mortem: ${this.snap.file}` });
  }

  async state(): Promise<RuntimeState> {
    return snapshotState(this.snap, (i) => this.symbols.funcName(i));
  }

  async readMemory(addr: number, len: number): Promise<Buffer> {
    const { readMemory } = await import('../../compiler-core/src/index');
    return Buffer.from(readMemory(this.snap, addr, len));
  }

  async terminate(): Promise<void> {}

  private refuse(op: TargetOperation): never {
    throw new UserError(REFUSALS[op]);
  }

  async resume(): Promise<void> { this.refuse('run'); }
  async step(): Promise<void> { this.refuse('run'); }
  async pause(): Promise<void> { this.refuse('run'); }
  async setBreakpoints(): Promise<void> { this.refuse('breakpoints'); }
  async enablePoints(): Promise<void> { this.refuse('breakpoints'); }
  async disablePoints(): Promise<void> { this.refuse('breakpoints'); }
  async writeMemory(): Promise<number> { this.refuse('run'); }
  async setLocal(): Promise<void> { this.refuse('write'); }
  async setGlobal(): Promise<void> { this.refuse('write'); }
  async checkpoint(): Promise<CheckpointWritten> { this.refuse('run'); }
}
