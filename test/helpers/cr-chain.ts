/**
 * Checkpoint/restore chains for the fidelity tests: build a fixture, compile it
 * for both architectures, run it uninterrupted, then run it as a chain of
 * processes (checkpoint at a seeded random moment, restore on the next
 * architecture, ...) and collect what a user would see.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { packageRoot } from '../../compiler-core/src/index';

export const ROOT = packageRoot();
const CACHE = join(ROOT, 'out', 'cr-cache');
const WANCO = join(ROOT, 'bin', 'wanco');

export type Arch = 'x86_64' | 'aarch64';

export { prng } from './random';

function hashOf(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex').slice(0, 20);
}

/** The compiler build identity: cached ELFs are rebuilt when the compiler or runtime changes. */
function compilerStamp(): string {
  const files = [join(ROOT, 'out', 'compiler-core', 'src', 'compile.js'),
    join(ROOT, 'runtime', 'build', 'x86_64', 'libwrt.a'), join(ROOT, 'runtime', 'build', 'aarch64', 'libwrt.a')];
  return files.map((f) => (existsSync(f) ? String(statSync(f).mtimeMs) : 'none')).join(':');
}

/** .wat stays as it is; .c is built with wasi-libc (clang -O2 and `cflags`). Returns the module path. */
export function fixtureModule(source: string, cflags: string[] = []): string {
  const src = join(ROOT, 'test-fixtures', source);
  if (src.endsWith('.wat')) return src;
  // a directory per build keeps the module's own name (compileFor names the ELF after it)
  const dir = join(CACHE, hashOf(readFileSync(src), cflags.join(' ')));
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${basename(src, '.c')}.wasm`);
  // PATH without node_modules/.bin: under `npm test` clang would run binaryen's wasm-opt on its output
  const env = { ...process.env, PATH: (process.env.PATH ?? '').split(':').filter((d) => !d.includes('node_modules')).join(':') };
  if (!existsSync(out)) execFileSync('clang-14', ['--target=wasm32-wasi', '-O2', ...cflags, src, '-o', out, '-lm'], { env });
  return out;
}

/**
 * Compiles for one architecture into a directory of its own; the ELF keeps the module's name on
 * every architecture, so that the program's argv[0] (and so its memory) is the same on both.
 */
export function compileFor(module: string, arch: Arch, extra: string[] = []): string {
  // the compiler's tuning variables change the code it makes
  const env = ['WANCO_PARTITIONS', 'WANCO_RESUMABLE_MIN', 'WANCO_NESTED_TRANSFER_BUDGET', 'WANCO_DEOPT_REGISTERS'].map((k) => `${k}=${process.env[k] ?? ''}`).join(' ');
  const dir = join(CACHE, `${hashOf(readFileSync(module), arch, extra.join(' '), compilerStamp(), env)}-${arch}`);
  const out = join(dir, basename(module).replace(/\.\w+$/, ''));
  mkdirSync(dir, { recursive: true });
  if (!existsSync(out)) execFileSync(process.execPath, [WANCO, 'compile', module, '--target', arch, '-o', out, ...extra], { stdio: 'pipe' });
  return out;
}

export interface RunResult {
  stdout: Buffer;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** ms from spawn to exit */
  ms: number;
}

/** A signal sent `at` ms after spawn. */
export interface TimedSignal { at: number; signal: NodeJS.Signals }

/**
 * Runs an ELF of `arch` (under qemu when foreign), optionally sending SIGUSR1 after `signals` ms
 * (or each listed signal at its time).
 */
export function runElf(exe: string, arch: Arch, args: string[], cwd: string, signals?: number | TimedSignal[], killAfterMs?: number): Promise<RunResult> {
  const native = (process.arch === 'x64' ? 'x86_64' : 'aarch64') === arch;
  const [cmd, pre] = native ? [exe, []] : ['qemu-aarch64-static', [exe]];
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, [...pre, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const timers: NodeJS.Timeout[] = [];
    const timed: TimedSignal[] = signals === undefined ? [] : typeof signals === 'number' ? [{ at: signals, signal: 'SIGUSR1' }] : signals;
    for (const t of timed) timers.push(setTimeout(() => child.kill(t.signal), t.at));
    if (killAfterMs !== undefined) timers.push(setTimeout(() => child.kill('SIGKILL'), killAfterMs));
    timers.push(setTimeout(() => child.kill('SIGKILL'), 120000));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      timers.forEach(clearTimeout);
      resolvePromise({ stdout: Buffer.concat(out), stderr: err, code, signal, ms: performance.now() - t0 });
    });
  });
}

/** Every file below `dir`, relative path -> contents. */
export function dirContents(dir: string): Map<string, string> {
  const m = new Map<string, string>();
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p, join(rel, e.name));
      else if (!e.name.endsWith('.wsnap') && !e.name.includes('.tmp.')) m.set(join(rel, e.name), readFileSync(p).toString('hex'));
    }
  };
  walk(dir, '');
  return m;
}

export interface Program {
  name: string;
  source: string;
  /** clang flags for a .c source (besides --target=wasm32-wasi -O2) */
  cflags?: string[];
  /** program arguments (after the runtime's own options) */
  args: string[];
  /** files to put in the preopened directory, mounted as /data */
  files?: Record<string, Buffer | string>;
}

export function workDir(p: Program): string {
  const d = mkdtempSync(join(tmpdir(), `wanco-cr-${p.name}-`));
  mkdirSync(join(d, 'data'));
  for (const [k, v] of Object.entries(p.files ?? {})) {
    writeFileSync(join(d, 'data', k), v);
  }
  return d;
}

export function copyDir(from: string): string {
  const d = mkdtempSync(join(tmpdir(), 'wanco-cr-copy-'));
  cpSync(from, d, { recursive: true });
  return d;
}
