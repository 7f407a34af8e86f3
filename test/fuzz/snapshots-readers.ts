/**
 * The two snapshot readers as the fuzzing sees them, each with a time limit per snapshot:
 *  - the C reader: runtime/build/fuzz/snapshot-check --batch (src/snapshot_read.c built with
 *    AddressSanitizer and UBSan), one process fed record after record, started again after a
 *    crash (a signal, a sanitizer report: any exit) or a hang (no answer in time: killed);
 *  - the TypeScript reader: snapshots-worker.ts in a worker thread, replaced after a hang.
 * Both answer 'ok' with the same summary of what they decoded, or 'decode'/'memory' with their
 * error, or 'crash'/'hang'.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Judgement, Verdict } from './snapshots-worker';

export type { Judgement, Verdict };

export class CReader {
  private proc: ChildProcessWithoutNullStreams | null = null;
  private out = '';
  private err = '';
  private waiting: ((line: string | null) => void) | null = null;
  restarts = 0;

  constructor(private readonly exe: string, private readonly timeoutMs: number) {}

  private start(): ChildProcessWithoutNullStreams {
    const p = spawn(this.exe, ['--batch'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:exitcode=86', UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1' },
    });
    this.out = '';
    this.err = '';
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (d: string) => {
      this.out += d;
      const nl = this.out.indexOf('\n');
      if (nl >= 0 && this.waiting) {
        const line = this.out.slice(0, nl);
        this.out = this.out.slice(nl + 1);
        const w = this.waiting;
        this.waiting = null;
        w(line);
      }
    });
    p.stderr.setEncoding('utf8');
    p.stderr.on('data', (d: string) => { this.err += d; });
    p.on('close', () => {
      if (this.proc === p) this.proc = null;
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = null;
        w(null);
      }
    });
    p.stdin.on('error', () => { /* the process died: 'close' reports it */ });
    this.proc = p;
    return p;
  }

  check(bytes: Uint8Array): Promise<Judgement> {
    const p = this.proc ?? this.start();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        p.kill('SIGKILL');
        this.proc = null;
        this.restarts++;
        resolve({ verdict: 'hang', text: `no answer in ${this.timeoutMs} ms` });
      }, this.timeoutMs);
      this.waiting = (line) => {
        clearTimeout(timer);
        if (line === null) {
          this.restarts++;
          // let the stderr of the dead process arrive
          setTimeout(() => resolve({ verdict: 'crash', text: `snapshot-check died (exit ${p.exitCode}, signal ${p.signalCode}):\n${this.err}` }), 50);
          return;
        }
        const sp = line.indexOf(' ');
        const v = sp < 0 ? line : line.slice(0, sp);
        const text = sp < 0 ? '' : line.slice(sp + 1);
        resolve(v === 'ok' || v === 'decode' || v === 'memory' ? { verdict: v, text } : { verdict: 'crash', text: `unexpected answer: ${line}` });
      };
      const len = Buffer.alloc(4);
      len.writeUInt32LE(bytes.length);
      p.stdin.write(len);
      p.stdin.write(bytes);
    });
  }

  close(): void {
    this.proc?.stdin.end();
    this.proc = null;
  }
}

export class TsReader {
  private worker: Worker | null = null;
  private next = 1;
  private pending = new Map<number, (j: Judgement) => void>();
  restarts = 0;

  constructor(private readonly timeoutMs: number) {}

  private start(): Worker {
    const w = new Worker(join(__dirname, 'snapshots-worker.js'));
    w.on('message', (m: { id: number } & Judgement) => {
      const r = this.pending.get(m.id);
      this.pending.delete(m.id);
      r?.({ verdict: m.verdict, text: m.text });
    });
    w.on('error', (e) => {
      for (const r of this.pending.values()) r({ verdict: 'crash', text: `worker error: ${e.stack ?? e.message}` });
      this.pending.clear();
      if (this.worker === w) this.worker = null;
      this.restarts++;
    });
    this.worker = w;
    return w;
  }

  check(bytes: Uint8Array): Promise<Judgement> {
    const w = this.worker ?? this.start();
    const id = this.next++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        if (this.worker === w) this.worker = null;
        this.restarts++;
        void w.terminate();
        resolve({ verdict: 'hang', text: `no answer in ${this.timeoutMs} ms` });
      }, this.timeoutMs);
      this.pending.set(id, (j) => { clearTimeout(timer); resolve(j); });
      w.postMessage({ id, bytes });
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = null;
  }
}
