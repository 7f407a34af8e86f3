/**
 * What a debug session drives: a running program (LiveTarget, through the runtime's control
 * channel) or a snapshot opened read-only (SnapshotTarget). The session maps DAP onto this and
 * never asks which one it has; what a snapshot cannot do, it refuses with the reason.
 */
import type { RuntimePoint, RuntimeState } from './runtimeClient';
import type { PointInfo } from './pointLines';

/** What the program reports while the session runs. */
export interface TargetEvents {
  /** reason: 'start' | 'step' | 'breakpoint' | 'pause' | 'snapshot' (the state a snapshot holds); text: a description */
  stopped(stop: TargetStop): void;
  output(category: string, text: string): void;
  /** a checkpoint breakpoint wrote (or failed to write) a snapshot: the runtime's event as it is */
  checkpoint(event: Record<string, unknown>): void;
  exited(code: number): void;
}

export interface TargetStop {
  reason: string;
  text?: string;
}

export interface TargetPoints {
  /** every migration point of the program, to place on lines */
  all: PointInfo[];
  /** the points a running program reports, with names (none for a snapshot: it runs nothing) */
  reported: RuntimePoint[];
}

export interface CheckpointWritten { path: string; size: number; frames: number; seq: number }

/**
 * What the session asks of a target before an operation: `run` (continue, steps, pause, memory
 * writes, checkpoints), `write` (set a variable), `restart`, `breakpoints`.
 */
export type TargetOperation = 'run' | 'write' | 'restart' | 'breakpoints';

export interface DebugTarget {
  /** Why `op` cannot be done now (the text the user sees), or undefined when it can. */
  refusal(op: TargetOperation): string | undefined;
  /** Starts the program (a live one waits at "start") and tells its points. */
  start(): Promise<TargetPoints>;
  /** Once the client is configured: run, or stop at the first point (stopOnEntry); a snapshot reports its stop. */
  begin(stopOnEntry: boolean): Promise<void>;
  state(): Promise<RuntimeState>;
  resume(): Promise<void>;
  /** runs to the next migration point that is enabled for stepping */
  step(): Promise<void>;
  pause(): Promise<void>;
  /** The user's breakpoints: the points that stop, those that write a checkpoint and go on. */
  setBreakpoints(stop: Iterable<string>, checkpoint: Iterable<string>): Promise<void>;
  enablePoints(points: string[]): Promise<void>;
  disablePoints(points: string[]): Promise<void>;
  readMemory(addr: number, len: number): Promise<Buffer>;
  /** writes base64 `data` at `addr`; resolves to the bytes written */
  writeMemory(addr: number, data: string): Promise<number>;
  /** `index` counts the frame's locals, then its operand stack; the program stops at the same point again */
  /** `bits`: the value in the control socket's wire form (compiler-core values/wire.ts) */
  setLocal(frame: number, index: number, bits: string): Promise<void>;
  setGlobal(index: number, bits: string): Promise<void>;
  checkpoint(path: string): Promise<CheckpointWritten>;
  /** Ends the program; resolves when it is gone. */
  terminate(): Promise<void>;
}
