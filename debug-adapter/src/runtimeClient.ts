/**
 * Client of a compiled program's control channel (runtime/README.md, "Control channel"):
 * spawns the ELF (under qemu when foreign) with `--control SOCKET --pause-on-start --unbuffered`,
 * connects, sends requests by id and emits what the program reports. No DAP here.
 *
 * Events: 'stopped' (StopInfo), 'output' (category 'stdout'|'stderr', text), 'checkpoint' (event
 * object), 'exited' (code number).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  placeFromWire, valueFromWire, type NativeLocation, type PointKindName, type SnapshotValue, type WirePlace, type WireValue,
} from '../../compiler-core/src/index';

/**
 * A Wasm value of the stopped program, raw as a snapshot holds it (values/text.ts gives it its
 * text, the same for the live and the post-mortem debugger), and where it lived natively.
 */
export type RuntimeValue = SnapshotValue & {
  /** a frame's value: the stackmap location it was read from */
  place?: NativeLocation;
  /** a global of the live program: its address */
  address?: string;
};

export interface RuntimeFrame {
  index: number;
  func: number;
  name?: string;
  point: string;
  kind: string;
  return_address?: string;
  locals: RuntimeValue[];
  stack: RuntimeValue[];
}

export interface RuntimeState {
  /** the architecture the values' native places belong to */
  arch: 'x86_64' | 'aarch64';
  frames: RuntimeFrame[];
  globals: RuntimeValue[];
  memory: { pages: number };
}

type WireState = Omit<RuntimeState, 'frames' | 'globals'> & {
  frames: (Omit<RuntimeFrame, 'locals' | 'stack'> & { locals: WireSlot[]; stack: WireSlot[] })[];
  globals: WireSlot[];
};
type WireSlot = WireValue & { loc?: WirePlace; addr?: string };

function fromWire(w: WireSlot): RuntimeValue {
  const v: RuntimeValue = valueFromWire(w);
  if (w.loc) v.place = placeFromWire(w.loc);
  if (w.addr) v.address = w.addr;
  return v;
}

export interface RuntimePoint {
  id: string;
  func: number;
  name?: string;
  kind: PointKindName; // the runtime names kinds as points.ts does (test: compiler-core/test/cr/points.test.ts)
  offset: number;
  enabled: boolean;
  checkpoint: boolean;
  /** the locals its state holds, a hex bitmap (bit k: local k); absent: every local (the others are saved as 0) */
  live?: string;
}

export interface StopInfo {
  reason: string;
  point?: string;
  func?: number;
}

export interface StartOptions {
  /** the command and its leading arguments (qemu + exe, or exe) */
  command: string;
  commandArgs: string[];
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
  dirs?: string[];
  snapshot?: string;
  restore?: string;
}

export class RuntimeError extends Error {}

export class RuntimeClient extends EventEmitter {
  private child?: ChildProcess;
  private socket?: Socket;
  private sockDir?: string;
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  private buf = '';
  private exited = false;
  private exitCode: number | null = null;
  /** terminate() ends the program: its signal is then no news to the user */
  private ending = false;
  private stderrText = '';

  get running(): boolean {
    return !!this.child && !this.exited;
  }

  /** Spawns the program and connects; resolves once connected (the program then waits at "start"). */
  async start(o: StartOptions): Promise<void> {
    this.sockDir = mkdtempSync(join(tmpdir(), 'wanco-dap-'));
    const sock = join(this.sockDir, 'control.sock');
    const rt: string[] = ['--control', sock, '--pause-on-start', '--unbuffered'];
    for (const d of o.dirs ?? []) rt.push('--dir', d);
    if (o.snapshot) rt.push('--snapshot', o.snapshot);
    if (o.restore) {
      rt.push('--restore', o.restore);
    } else {
      for (const [k, v] of Object.entries(o.env ?? {})) rt.push('--env', `${k}=${v}`);
    }
    const argv = [...o.commandArgs, ...rt];
    if (!o.restore) argv.push('--', ...o.args);
    const child = spawn(o.command, argv, { cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    // leave nothing running when the adapter itself goes away
    const reap = () => { if (!this.exited) child.kill('SIGKILL'); };
    process.once('exit', reap);
    child.once('close', () => process.removeListener('exit', reap));
    child.stdout!.on('data', (d: Buffer) => this.emit('output', 'stdout', d.toString()));
    child.stderr!.on('data', (d: Buffer) => {
      const t = d.toString();
      if (this.stderrText.length < 4096) this.stderrText += t;
      this.emit('output', 'stderr', t);
    });
    const spawnError = new Promise<never>((_, reject) => child.on('error', (e) => reject(new RuntimeError(`cannot run ${o.command}: ${e.message}`))));
    spawnError.catch(() => undefined);
    child.on('exit', (code, signal) => {
      this.exited = true;
      // a signal's status as a shell shows it (128 + its number)
      this.exitCode = code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1);
      if (signal && !this.ending) this.emit('output', 'stderr', `wanco: the program was ended by ${signal}\n`);
    });
    child.on('close', () => {
      for (const p of this.pending.values()) p.reject(new RuntimeError('the program exited'));
      this.pending.clear();
      this.cleanup();
      this.emit('exited', this.exitCode ?? 1);
    });
    const deadline = Date.now() + 30000;
    for (;;) {
      if (this.exited) {
        throw new RuntimeError(`the program exited (status ${this.exitCode}) before it could be debugged${this.stderrText ? `: ${this.stderrText.trim()}` : ''}`);
      }
      try {
        this.socket = await Promise.race([this.tryConnect(sock), spawnError]);
        break;
      } catch (e) {
        if (e instanceof RuntimeError) throw e;
        if (Date.now() > deadline) throw new RuntimeError('the program did not open its control channel');
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    this.socket.on('data', (d: Buffer) => this.onData(d.toString()));
    this.socket.on('error', () => undefined);
  }

  private tryConnect(path: string): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const s = connect(path);
      s.once('connect', () => { s.removeAllListeners('error'); resolve(s); });
      s.once('error', reject);
    });
  }

  private onData(text: string): void {
    this.buf += text;
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 1);
      if (!line.trim()) continue;
      let m: Record<string, unknown>;
      try {
        m = JSON.parse(line) as Record<string, unknown>;
      } catch {
        // which request it answered cannot be known: fail them all rather than wait forever
        const shown = JSON.stringify(line.length > 200 ? `${line.slice(0, 200)}…` : line);
        for (const p of this.pending.values()) p.reject(new RuntimeError(`the program's control channel sent a line that is not JSON: ${shown}`));
        this.pending.clear();
        continue;
      }
      if (typeof m.event === 'string') {
        if (m.event === 'stopped') this.emit('stopped', { reason: String(m.reason), point: m.point as string | undefined, func: m.func as number | undefined });
        else if (m.event === 'checkpoint') this.emit('checkpoint', m);
        continue;
      }
      const p = this.pending.get(m.id as number);
      if (!p) continue;
      this.pending.delete(m.id as number);
      if (m.ok) p.resolve(m);
      else p.reject(new RuntimeError(String(m.error ?? 'request failed')));
    }
  }

  request<T = Record<string, unknown>>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    if (!this.socket || this.exited) return Promise.reject(new RuntimeError('the program is not running'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: Record<string, unknown>) => void, reject });
      this.socket!.write(JSON.stringify({ id, cmd, ...args }) + '\n');
    });
  }

  points(): Promise<RuntimePoint[]> {
    return this.request<{ points: RuntimePoint[] }>('points').then((r) => r.points);
  }
  async state(): Promise<RuntimeState> {
    const w = await this.request<WireState>('state');
    return {
      arch: w.arch,
      memory: w.memory,
      frames: w.frames.map((f) => ({ ...f, locals: f.locals.map(fromWire), stack: f.stack.map(fromWire) })),
      globals: w.globals.map(fromWire),
    };
  }
  resume(): Promise<unknown> { return this.request('resume'); }
  step(): Promise<unknown> { return this.request('step'); }
  pause(): Promise<unknown> { return this.request('pause'); }

  /** Ends the program: `kill`, then SIGKILL if it is still there after a moment. Resolves at exit. */
  async terminate(): Promise<void> {
    const child = this.child;
    if (!child || this.exited) { this.cleanup(); return; }
    this.ending = true;
    const closed = new Promise<void>((r) => child.once('close', () => r()));
    this.request('kill').catch(() => undefined);
    const t = setTimeout(() => child.kill('SIGKILL'), 1000);
    await closed;
    clearTimeout(t);
  }

  private cleanup(): void {
    this.socket?.destroy();
    this.socket = undefined;
    if (this.sockDir) rmSync(this.sockDir, { recursive: true, force: true });
    this.sockDir = undefined;
  }
}
