/** A compiled program run under the debugger, driven through the runtime's control channel. */
import { RuntimeClient, type RuntimeState, type StopInfo } from './runtimeClient';
import type { CheckpointWritten, DebugTarget, TargetEvents, TargetOperation, TargetPoints } from './debugTarget';

/** How to run the program: the launch configuration, resolved. */
export interface LiveLaunch {
  targetName: string;
  exe: string;
  cwd: string;
  args: string[];
  env?: Record<string, string>;
  dirs?: string[];
  /** where the runtime's own checkpoints (signals, checkpoint breakpoints) go */
  snapshot: string;
  restore?: string;
}

export class LiveTarget implements DebugTarget {
  private readonly rt = new RuntimeClient();

  constructor(private readonly launch: LiveLaunch, events: TargetEvents) {
    this.rt.on('output', (category: string, text: string) => events.output(category, text));
    this.rt.on('stopped', (s: StopInfo) => events.stopped(s));
    this.rt.on('checkpoint', (m: Record<string, unknown>) => events.checkpoint(m));
    this.rt.on('exited', (code: number) => events.exited(code));
  }

  refusal(op: TargetOperation): string | undefined {
    return op === 'run' && !this.rt.running ? 'the program is not running' : undefined;
  }

  async start(): Promise<TargetPoints> {
    const l = this.launch;
    const { runnerFor } = await import('../../compiler-core/src/index');
    const { parseTarget } = await import('../../compiler-core/src/index');
    const [command, commandArgs] = runnerFor(parseTarget(l.targetName), l.exe);
    await this.rt.start({ command, commandArgs, args: l.args, cwd: l.cwd, env: l.env, dirs: l.dirs, snapshot: l.snapshot, restore: l.restore });
    const points = await this.rt.points();
    return { all: points, reported: points };
  }

  async begin(stopOnEntry: boolean): Promise<void> {
    if (stopOnEntry) await this.rt.step();
    else await this.rt.resume();
  }

  state(): Promise<RuntimeState> { return this.rt.state(); }
  async resume(): Promise<void> { await this.rt.resume(); }
  async step(): Promise<void> { await this.rt.step(); }
  async pause(): Promise<void> { await this.rt.pause(); }

  async setBreakpoints(stop: Iterable<string>, checkpoint: Iterable<string>): Promise<void> {
    const points = [...stop];
    await this.rt.request('disable', { all: true });
    if (points.length) await this.rt.request('enable', { points });
    await this.rt.request('checkpoint_at', { points: [...checkpoint] });
  }

  async enablePoints(points: string[]): Promise<void> { await this.rt.request('enable', { points }); }
  async disablePoints(points: string[]): Promise<void> { await this.rt.request('disable', { points }); }

  async readMemory(addr: number, len: number): Promise<Buffer> {
    const r = await this.rt.request<{ data: string }>('read_memory', { addr, len, encoding: 'base64' });
    return Buffer.from(r.data, 'base64');
  }

  async writeMemory(addr: number, data: string): Promise<number> {
    return (await this.rt.request<{ len: number }>('write_memory', { addr, data })).len;
  }

  async setLocal(frame: number, index: number, bits: string): Promise<void> {
    await this.rt.request('set_local', { frame, index, bits });
  }

  async setGlobal(index: number, bits: string): Promise<void> {
    await this.rt.request('set_global', { index, bits });
  }

  checkpoint(path: string): Promise<CheckpointWritten> {
    return this.rt.request<CheckpointWritten>('checkpoint', { path });
  }

  terminate(): Promise<void> { return this.rt.terminate(); }
}
