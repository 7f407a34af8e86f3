// wanco benchmark suite: `npm run bench` (after `npx tsc`: node out/bench/run.js).
//
// Builds every bench/programs/*.c as native (clang-14 -O2), wasm2c (+ clang-14 -O2), Node 20
// node:wasi, wanco --no-checkpoint and wanco (C/R) into out/bench-build/ (cached by content hash),
// runs them interleaved for WANCO_BENCH_ROUNDS rounds (default 5), checks that every variant prints
// the native stdout, measures checkpoint/restore when the runtime supports it, and writes
// bench/results/latest.{json,md,svg}.
//
// Environment:
//   WANCO_BENCH_ROUNDS=N        rounds (default 5)
//   WANCO_BENCH_FILTER=a,b      only these programs (names of bench/programs/*.c without .c)
//   WANCO_BENCH_AARCH64=1       also build the aarch64 wanco variants and check their output under
//                               qemu-aarch64-static (correctness only)
//   WANCO_BENCH_NO_LARGE=1      skip the large-module compile measurement
//   WANCO_BENCH_NO_CORPUS=1     skip the real-program corpus (test/corpus: Debian source packages)
//   WANCO_BENCH_OUT=DIR         results directory (default bench/results)
import { spawn, spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CORPUS_NAMES, measureCorpus } from './corpus';
import { isText, sectionSize } from './elf';
import { CorpusResult, CrFigures, geomean, median, quantile, renderMarkdown, renderSvg, Results, ProgramResult, VariantStats } from './report';
import { packageRoot } from '../compiler-core/src/index';

const ROOT = packageRoot();
const PROGRAMS = path.join(ROOT, 'bench', 'programs');
const BUILD = path.join(ROOT, 'out', 'bench-build');
const WANCO = path.join(ROOT, 'bin', 'wanco');
const NODE_WASI = path.join(__dirname, 'node-wasi.js');
const W2C_MAIN = path.join(ROOT, 'bench', 'wasm2c', 'main.c');
const W2C_RT_DIR = '/usr/share/wabt/wasm2c';
const OUT_DIR = process.env.WANCO_BENCH_OUT ? path.resolve(process.env.WANCO_BENCH_OUT) : path.join(ROOT, 'bench', 'results');

export const VARIANTS = ['native', 'wasm2c', 'node', 'wanco-nocr', 'wanco-cr'] as const;
export type Variant = (typeof VARIANTS)[number];

const log = (s: string): void => { process.stderr.write(s + '\n'); };

// `npm run` puts node_modules/.bin first on PATH; clang-14 --target=wasm32-wasi then runs binaryen's
// JS wasm-opt from there (different output, and it overflows its stack on the large module).
process.env.PATH = (process.env.PATH || '').split(path.delimiter).filter((p) => !p.includes(`node_modules${path.sep}.bin`)).join(path.delimiter);

export function sh(cmd: string, args: string[], opts: { timeoutMs?: number } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20, timeout: opts.timeoutMs ?? 600_000 });
}

export function must(r: SpawnSyncReturns<string>, what: string): void {
  if (r.error || r.status !== 0) {
    const lines = (r.stderr || '').trim().split('\n').filter((l) => l.trim());
    const errs = lines.filter((l) => /error/i.test(l));
    const gist = errs.length ? errs.slice(0, 2).join(' / ') : lines[lines.length - 1] ?? '';
    throw new Error(`${what} failed (${r.error ? r.error.message : 'exit ' + r.status}): ${gist.trim().slice(0, 300)}\n${(r.stderr || '').slice(-2000)}`);
  }
}

export function sha(...parts: (string | Buffer)[]): string {
  const h = crypto.createHash('sha256');
  for (const p of parts) { h.update(p); h.update('\0'); }
  return h.digest('hex').slice(0, 16);
}

function hashTree(dir: string, filter: (f: string) => boolean): string {
  const h = crypto.createHash('sha256');
  const walk = (d: string): void => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (filter(p)) { h.update(path.relative(ROOT, p)); h.update(fs.readFileSync(p)); }
    }
  };
  walk(dir);
  return h.digest('hex').slice(0, 16);
}

/** Hash of everything that determines wanco's output: compiled compiler, runtime archives, plugin. */
function wancoToolchainHash(): string {
  return sha(
    hashTree(path.join(ROOT, 'out', 'compiler-core'), (f) => f.endsWith('.js')),
    hashTree(path.join(ROOT, 'out', 'cli'), (f) => f.endsWith('.js')),
    hashTree(path.join(ROOT, 'runtime', 'build'), (f) => /\.(a|so|o)$/.test(f) && !f.includes('/test')),
    hashTree(path.join(ROOT, 'compiler-core'), (f) => /\.(cpp|cc|c|so)$/.test(f)),
  );
}

// ---------------------------------------------------------------- build

interface CompileInfo { ms: number; maxRssKb: number | null; cached: boolean }
interface Built {
  name: string;
  wasm: string;
  exe: Partial<Record<Variant, string>>;
  err: Partial<Record<Variant, string>>;
  compile: Partial<Record<'wanco-nocr' | 'wanco-cr', CompileInfo>>;
  textSize: Partial<Record<Variant, number>>;
  wasmSize: number;
  aarch64: { 'wanco-nocr'?: string; 'wanco-cr'?: string; err: Record<string, string> };
}

const HAVE_TIME = fs.existsSync('/usr/bin/time');

/** Runs a command, returns wall ms and the peak RSS of the whole process tree (GNU time's %M). */
function timed(cmd: string, args: string[]): { r: SpawnSyncReturns<string>; ms: number; maxRssKb: number | null } {
  const tf = path.join(os.tmpdir(), `wanco-bench-time-${process.pid}`);
  const t0 = process.hrtime.bigint();
  const r = HAVE_TIME ? sh('/usr/bin/time', ['-f', '%M', '-o', tf, cmd, ...args]) : sh(cmd, args);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  let maxRssKb: number | null = null;
  if (HAVE_TIME) {
    try { maxRssKb = parseInt(fs.readFileSync(tf, 'utf8').trim().split('\n').pop() || '', 10) || null; } catch { /* none */ }
    fs.rmSync(tf, { force: true });
  }
  return { r, ms, maxRssKb };
}

/**
 * One `wanco compile ARGS`, uncached: wall ms and CPU ms (user + sys of it and of every tool it
 * ran, from bash's `times`). `what` names the build in an error.
 */
export function compileTimed(args: string[], what: string, env: NodeJS.ProcessEnv = process.env): { wallMs: number; cpuMs: number } {
  const quoted = ['compile', ...args].map((a) => `'${a}'`).join(' ');
  const t0 = performance.now();
  const r = spawnSync('bash', ['-c', `'${process.execPath}' '${WANCO}' ${quoted} >&2 || exit; times`], { encoding: 'utf8', maxBuffer: 64 << 20, env });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`wanco compile ${args.join(' ')} (${what}): ${r.stderr.slice(-2000)}`);
  // times: the shell's own user/sys, then its children's
  const children = r.stdout.trim().split('\n').pop() ?? '';
  const secs = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (secs.length !== 2) throw new Error(`times printed ${JSON.stringify(r.stdout)}`);
  return { wallMs, cpuMs: (secs[0] + secs[1]) * 1000 };
}

/** Compiles with wanco into `out` unless cached; the compile time is kept in out.meta.json. */
function wancoCompile(wasm: string, out: string, extra: string[]): CompileInfo {
  const meta = out + '.meta.json';
  if (fs.existsSync(out) && fs.existsSync(meta)) return { ...JSON.parse(fs.readFileSync(meta, 'utf8')), cached: true };
  const { r, ms, maxRssKb } = timed(process.execPath, [WANCO, 'compile', wasm, '-o', out + '.tmp', ...extra]);
  must(r, `wanco compile ${path.basename(wasm)} ${extra.join(' ')}`);
  fs.renameSync(out + '.tmp', out);
  const info = { ms, maxRssKb };
  fs.writeFileSync(meta, JSON.stringify(info));
  return { ...info, cached: false };
}

export function cached(out: string, build: (tmp: string) => void): void {
  if (fs.existsSync(out)) return;
  build(out + '.tmp');
  fs.renameSync(out + '.tmp', out);
}

/** .text size of an ELF, read from its section headers (ELF64, little-endian). */
export function textSize(file: string): number | null {
  return sectionSize(file, isText);
}

function buildProgram(name: string, wancoHash: string, aarch64: boolean): Built {
  const src = path.join(PROGRAMS, name + '.c');
  const text = fs.readFileSync(src);
  const dir = path.join(BUILD, name);
  fs.mkdirSync(dir, { recursive: true });
  const h = sha(text);
  const b: Built = { name, wasm: '', exe: {}, err: {}, compile: {}, textSize: {}, wasmSize: 0, aarch64: { err: {} } };
  const wrap = (v: Variant, f: () => string): void => {
    try { b.exe[v] = f(); } catch (e) { b.err[v] = (e as Error).message; log(`  ${name}/${v}: BUILD FAILED: ${(e as Error).message.split('\n')[0]}`); }
  };
  wrap('native', () => {
    const out = path.join(dir, `native-${h}`);
    cached(out, (t) => must(sh('clang-14', ['-O2', src, '-o', t, '-lm']), 'clang-14 native'));
    return out;
  });
  b.wasm = path.join(dir, `${name}-${h}.wasm`);
  cached(b.wasm, (t) => must(sh('clang-14', ['--target=wasm32-wasi', '-O2', src, '-o', t, '-lm']), 'clang-14 wasm32-wasi'));
  b.wasmSize = fs.statSync(b.wasm).size;
  wrap('wasm2c', () => {
    const hw = sha(h, fs.readFileSync(W2C_MAIN), fs.readFileSync(path.join(W2C_RT_DIR, 'wasm-rt-impl.c')));
    const out = path.join(dir, `wasm2c-${hw}`);
    cached(out, (t) => {
      const cdir = path.join(dir, `wasm2c-src-${hw}`);
      fs.mkdirSync(cdir, { recursive: true });
      must(sh('wasm2c', ['-n', 'prog', b.wasm, '-o', path.join(cdir, 'prog.c')]), 'wasm2c');
      fs.copyFileSync(W2C_MAIN, path.join(cdir, 'main.c'));
      must(sh('clang-14', ['-O2', '-w', `-I${W2C_RT_DIR}`, `-I${cdir}`, path.join(cdir, 'prog.c'), path.join(cdir, 'main.c'),
        path.join(W2C_RT_DIR, 'wasm-rt-impl.c'), '-o', t, '-lm']), 'clang-14 wasm2c output');
    });
    return out;
  });
  b.exe.node = b.wasm;
  const hx = sha(h, wancoHash);
  for (const [v, extra] of [['wanco-nocr', ['--no-checkpoint']], ['wanco-cr', []]] as const) {
    wrap(v, () => {
      const out = path.join(dir, `${v}-${hx}`);
      const info = wancoCompile(b.wasm, out, [...extra]);
      b.compile[v] = info;
      return out;
    });
  }
  for (const v of VARIANTS) {
    const exe = b.exe[v];
    if (exe && v !== 'node') { const s = textSize(exe); if (s !== null) b.textSize[v] = s; }
  }
  if (aarch64) {
    for (const [v, extra] of [['wanco-nocr', ['--no-checkpoint']], ['wanco-cr', []]] as const) {
      try {
        const out = path.join(dir, `${v}-aarch64-${hx}`);
        wancoCompile(b.wasm, out, ['--target', 'aarch64', ...extra]);
        b.aarch64[v] = out;
      } catch (e) { b.aarch64.err[v] = (e as Error).message; log(`  ${name}/${v}/aarch64: BUILD FAILED`); }
    }
  }
  return b;
}

// ---------------------------------------------------------------- run

// Node 20's WASI functions called through V8's fast API calls from TurboFan code crash at random
// (SIGSEGV or a V8 CHECK after the module's output; about half of the runs of sort here),
// nodejs/node#53087. Ordinary calls are as fast for these programs, which make few WASI calls.
const NODE_FLAGS = ['--no-warnings', '--no-turbo-fast-api-calls'];

function command(v: Variant, exe: string): [string, string[]] {
  if (v === 'node') return [process.execPath, [...NODE_FLAGS, NODE_WASI, exe]];
  return [exe, []];
}

interface RunOut { ms: number; stdout: string; stderr: string; status: number | null; signal: string | null }

function runOnce(v: Variant, exe: string, timeoutMs: number): RunOut {
  const [cmd, args] = command(v, exe);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: timeoutMs });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, stdout: r.stdout ?? '', stderr: r.stderr ?? '', status: r.status, signal: r.signal ?? (r.error ? r.error.message : null) };
}

function stats(xs: number[]): VariantStats {
  const s = [...xs].sort((a, b) => a - b);
  return { median: median(s), min: s[0], max: s[s.length - 1], q1: quantile(s, 0.25), q3: quantile(s, 0.75), n: s.length, samples: xs };
}

// ---------------------------------------------------------------- checkpoint / restore

export function crSupported(exe: string): { ok: boolean; why: string } {
  const r = sh(exe, ['--help'], { timeoutMs: 10_000 });
  const help = (r.stdout || '') + (r.stderr || '');
  const line = help.split('\n').find((l) => /--snapshot\b/.test(l));
  if (!line) return { ok: false, why: 'no --snapshot option in --help' };
  if (/reserved/i.test(line)) return { ok: false, why: '--snapshot is "(reserved)" in --help' };
  if (!/--restore\b/.test(help)) return { ok: false, why: 'no --restore option in --help' };
  return { ok: true, why: '' };
}

interface CkptResult { latencyMs: number; internalMs?: number; size: number; stdoutBefore: string; exitMs: number }

/** Starts exe with --snapshot snap --cr-stats, sends SIGUSR1 after delayMs, timestamps the
 *  "checkpoint written" line on stderr; the runtime's own figure (signal handler to file synced) too. */
function checkpointRun(exe: string, snap: string, delayMs: number, timeoutMs: number): Promise<CkptResult | { error: string }> {
  fs.rmSync(snap, { force: true });
  return new Promise((resolve) => {
    const child = spawn(exe, ['--snapshot', snap, '--cr-stats'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', sentAt: bigint | null = null, doneAt: bigint | null = null, exitedEarly = false;
    const t0 = process.hrtime.bigint();
    const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const sig = setTimeout(() => {
      if (child.exitCode === null) { sentAt = process.hrtime.bigint(); child.kill('SIGUSR1'); } else exitedEarly = true;
    }, delayMs);
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (sentAt !== null && doneAt === null && /checkpoint written/.test(stderr)) doneAt = process.hrtime.bigint();
    });
    child.on('close', (code, signal) => {
      clearTimeout(kill); clearTimeout(sig);
      const exitMs = Number(process.hrtime.bigint() - t0) / 1e6;
      if (sentAt === null || exitedEarly) { resolve({ error: `program finished before the signal (${exitMs.toFixed(0)} ms)` }); return; }
      if (doneAt === null) { resolve({ error: `no snapshot written (exit ${code ?? signal}): ${stderr.trim().slice(-300)}` }); return; }
      const own = /checkpoint stats: ([0-9.]+) ms from the signal/.exec(stderr);
      resolve({ latencyMs: Number(doneAt - sentAt) / 1e6, internalMs: own ? parseFloat(own[1]) : undefined, size: fs.statSync(snap).size, stdoutBefore: stdout, exitMs });
    });
  });
}

interface RestoreResult { resumedMs: number; internalMs?: number; stdout: string; code: number | null; stderr: string }

/** Runs `exe --restore snap --cr-stats`: the time from spawn to the runtime's "restore stats: resumed"
 *  line (process start, snapshot read and checked, memory inflated, frames rebuilt), and its output. */
function restoreRun(exe: string, snap: string, timeoutMs: number): Promise<RestoreResult | { error: string }> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(exe, ['--restore', snap, '--cr-stats'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', resumedAt: bigint | null = null;
    const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (resumedAt === null && /restore stats: resumed/.test(stderr)) resumedAt = process.hrtime.bigint();
    });
    child.on('close', (code) => {
      clearTimeout(kill);
      if (resumedAt === null) { resolve({ error: `no "restore stats" line (exit ${code}): ${stderr.trim().slice(-300)}` }); return; }
      const own = /restore stats: resumed ([0-9.]+) ms after start/.exec(stderr);
      resolve({ resumedMs: Number(resumedAt - t0) / 1e6, internalMs: own ? parseFloat(own[1]) : undefined, stdout, code, stderr });
    });
  });
}

export async function measureCr(exe: string, medianMs: number, expected: string, dir: string, reps: number): Promise<CrFigures> {
  const f: CrFigures = {};
  const snap = path.join(dir, 'mid.snap');
  const lat: number[] = [], own: number[] = [];
  let mid: CkptResult | null = null;
  // Half of the run time now, not of the median of the timed rounds: the load of a shared machine
  // changes, and a program that now finishes sooner would end before the signal.
  const t0 = process.hrtime.bigint();
  const plain = spawnSync(exe, [], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: Math.round(medianMs * 10 + 30_000) });
  const nowMs = plain.status === 0 ? Math.min(medianMs, Number(process.hrtime.bigint() - t0) / 1e6) : medianMs;
  let frac = 0.5;
  for (let i = 0; i < reps; i++) {
    let r = await checkpointRun(exe, snap, nowMs * frac, medianMs * 10 + 30_000);
    // finished early all the same (the machine got faster): signal sooner
    while ('error' in r && /finished before the signal/.test(r.error) && frac > 0.1) {
      frac /= 2;
      r = await checkpointRun(exe, snap, nowMs * frac, medianMs * 10 + 30_000);
    }
    if ('error' in r) { f.error = `checkpoint: ${r.error}`; return f; }
    lat.push(r.latencyMs); if (r.internalMs !== undefined) own.push(r.internalMs); mid = r;
  }
  f.checkpointAt = frac;
  f.checkpointMsAll = lat; f.checkpointMs = median([...lat].sort((a, b) => a - b)); f.snapshotBytes = mid!.size;
  if (own.length) f.checkpointInternalMs = median(own.sort((a, b) => a - b));
  // Restore the mid-run snapshot (the last one written): output before + after must equal the native output.
  const times: number[] = [], ownR: number[] = [];
  f.restoreOutputOk = true;
  for (let i = 0; i < reps; i++) {
    const r = await restoreRun(exe, snap, medianMs * 10 + 30_000);
    if ('error' in r) { f.error = `restore: ${r.error}`; return f; }
    times.push(r.resumedMs); if (r.internalMs !== undefined) ownR.push(r.internalMs);
    f.restoreOutputOk &&= r.code === 0 && mid!.stdoutBefore + r.stdout === expected;
  }
  f.restoreMsAll = times; f.restoreMs = median([...times].sort((a, b) => a - b));
  if (ownR.length) f.restoreInternalMs = median(ownR.sort((a, b) => a - b));
  return f;
}

// ---------------------------------------------------------------- large module

export function generateLargeC(nfuncs: number): string {
  const out: string[] = ['#include <stdio.h>', '#include <stdint.h>', '#include <stdlib.h>', 'static volatile uint32_t sink;'];
  for (let i = 0; i < nfuncs; i++) {
    const a = (i * 2654435761) >>> 0;
    out.push(`__attribute__((noinline)) uint32_t f${i}(uint32_t x, uint32_t n) {
  uint32_t acc = ${a}u, t[8] = {${[0, 1, 2, 3, 4, 5, 6, 7].map((k) => (a >>> k) & 255).join(',')}};
  for (uint32_t i = 0; i < n; i++) {
    switch ((x ^ i) & 7) {
      case 0: acc += x * ${(i % 97) + 3}u; break;
      case 1: acc ^= (acc << ${(i % 13) + 1}) | (x >> 3); break;
      case 2: acc = acc * 2654435761u + t[i & 7]; break;
      case 3: t[(acc >> 3) & 7] += acc; break;
      case 4: acc -= (x / (i + 1)) + ${i % 31}u; break;
      case 5: acc = (acc >> 7) | (acc << 25); break;
      case 6: acc += ${i > 0 ? `f${i - 1}(acc, 1)` : '1'}; break;
      default: acc ^= t[x & 7] * ${(i % 7) + 1}u; break;
    }
    x = x * 1103515245u + 12345u;
  }
  return acc + t[acc & 7];
}`);
  }
  out.push('int main(int argc, char **argv) { uint32_t s = 0;');
  for (let i = 0; i < nfuncs; i += 1) out.push(`  s += f${i}(s + ${i}u, 3);`);
  out.push('  printf("%u\\n", s); return 0; }');
  return out.join('\n') + '\n';
}

interface LargeResult { wasmBytes: number; nocr?: CompileInfo; cr?: CompileInfo; error?: string; functions: number }

function measureLarge(wancoHash: string): LargeResult {
  const nfuncs = 2200; // about 1 MB of .wasm
  const dir = path.join(BUILD, '_large');
  fs.mkdirSync(dir, { recursive: true });
  const c = generateLargeC(nfuncs);
  const h = sha(c);
  const src = path.join(dir, `large-${h}.c`);
  const wasm = path.join(dir, `large-${h}.wasm`);
  if (!fs.existsSync(src)) fs.writeFileSync(src, c);
  cached(wasm, (t) => must(sh('clang-14', ['--target=wasm32-wasi', '-O1', src, '-o', t]), 'clang-14 large module'));
  const res: LargeResult = { wasmBytes: fs.statSync(wasm).size, functions: nfuncs };
  const hx = sha(h, wancoHash);
  try {
    res.nocr = wancoCompile(wasm, path.join(dir, `nocr-${hx}`), ['--no-checkpoint']);
    res.cr = wancoCompile(wasm, path.join(dir, `cr-${hx}`), []);
  } catch (e) { res.error = (e as Error).message.split('\n').slice(0, 3).join(' '); }
  return res;
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const rounds = Math.max(1, parseInt(process.env.WANCO_BENCH_ROUNDS || '5', 10) || 5);
  const filter = (process.env.WANCO_BENCH_FILTER || '').split(',').map((s) => s.trim()).filter(Boolean);
  const aarch64 = process.env.WANCO_BENCH_AARCH64 === '1';
  let names = fs.readdirSync(PROGRAMS).filter((f) => f.endsWith('.c')).map((f) => f.slice(0, -2)).sort();
  let corpusNames = process.env.WANCO_BENCH_NO_CORPUS === '1' ? [] : CORPUS_NAMES;
  if (filter.length) {
    const unknown = filter.filter((f) => !names.includes(f) && !CORPUS_NAMES.includes(f));
    if (unknown.length) { log(`bench: unknown program(s) in WANCO_BENCH_FILTER: ${unknown.join(', ')} (have: ${[...names, ...CORPUS_NAMES].join(', ')})`); return 2; }
    names = names.filter((n) => filter.includes(n));
    corpusNames = corpusNames.filter((n) => filter.includes(n));
  }
  fs.mkdirSync(BUILD, { recursive: true });
  const wancoHash = wancoToolchainHash();
  const failures: string[] = [];
  const notes: string[] = [];

  log(`bench: building ${names.length} programs into ${path.relative(ROOT, BUILD)}/`);
  const tb = Date.now();
  const built: Built[] = [];
  for (const n of names) {
    log(`  build ${n}`);
    const b = buildProgram(n, wancoHash, aarch64);
    for (const [v, e] of Object.entries(b.err)) failures.push(`${n}/${v}: build failed: ${e.split('\n')[0]}`);
    built.push(b);
  }
  log(`bench: builds done in ${((Date.now() - tb) / 1000).toFixed(1)} s`);

  // Interleaved rounds: every round runs every program once per variant, rotating the variant order.
  const samples = new Map<string, number[]>();
  const outputs = new Map<string, string>();
  const broken = new Set<string>();
  const key = (n: string, v: Variant): string => `${n}/${v}`;
  for (let r = 0; r < rounds; r++) {
    log(`bench: round ${r + 1}/${rounds}`);
    for (const b of built) {
      const order = VARIANTS.map((_, i) => VARIANTS[(i + r) % VARIANTS.length]);
      for (const v of order) {
        const exe = b.exe[v];
        const k = key(b.name, v);
        if (!exe || broken.has(k)) continue;
        let o = runOnce(v, exe, 300_000);
        if (o.status === null && o.signal) {
          // Killed by a signal: retry once, keep a note.
          const again = runOnce(v, exe, 300_000);
          notes.push(`${k}: round ${r + 1}: ${o.signal}, retried: ${again.status === 0 ? 'ok' : `exit ${again.status ?? again.signal}`}`);
          o = again;
        }
        if (o.status !== 0) {
          broken.add(k);
          failures.push(`${k}: exit ${o.status ?? o.signal}: ${o.stderr.trim().split('\n').slice(-2).join(' | ')}`);
          continue;
        }
        if (!outputs.has(k)) outputs.set(k, o.stdout);
        else if (outputs.get(k) !== o.stdout) { broken.add(k); failures.push(`${k}: stdout differs between rounds`); continue; }
        (samples.get(k) ?? samples.set(k, []).get(k)!).push(o.ms);
      }
    }
  }
  // Output check against native.
  for (const b of built) {
    const ref = outputs.get(key(b.name, 'native'));
    for (const v of VARIANTS) {
      const k = key(b.name, v);
      const o = outputs.get(k);
      if (v === 'native' || o === undefined || ref === undefined) continue;
      if (o !== ref) {
        broken.add(k);
        failures.push(`${k}: stdout differs from native (got ${JSON.stringify(o.slice(0, 120))}, want ${JSON.stringify(ref.slice(0, 120))})`);
      }
    }
  }

  // aarch64 correctness.
  const aarch64Results: Record<string, Record<string, string>> = {};
  if (aarch64) {
    log('bench: aarch64 output check under qemu-aarch64-static');
    for (const b of built) {
      const ref = outputs.get(key(b.name, 'native'));
      aarch64Results[b.name] = {};
      for (const v of ['wanco-nocr', 'wanco-cr'] as const) {
        const exe = b.aarch64[v];
        if (!exe) { aarch64Results[b.name][v] = 'build failed'; failures.push(`${b.name}/${v}/aarch64: build failed: ${(b.aarch64.err[v] || '').split('\n')[0]}`); continue; }
        const r = spawnSync('qemu-aarch64-static', [exe], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 600_000 });
        const ok = r.status === 0 && r.stdout === ref;
        aarch64Results[b.name][v] = ok ? 'ok' : r.status !== 0 ? `exit ${r.status ?? r.signal}` : 'output differs';
        if (!ok) failures.push(`${b.name}/${v}/aarch64: ${aarch64Results[b.name][v]}`);
        log(`  ${b.name}/${v}/aarch64: ${aarch64Results[b.name][v]}`);
      }
    }
  }

  // Checkpoint / restore.
  let crStatus = 'C/R runtime not available';
  const crByProg: Record<string, CrFigures> = {};
  const anyCr = built.find((b) => b.exe['wanco-cr']);
  if (anyCr) {
    const s = crSupported(anyCr.exe['wanco-cr']!);
    if (!s.ok) crStatus = `C/R runtime not available (${s.why})`;
    else {
      crStatus = 'available';
      log('bench: checkpoint/restore');
      for (const b of built) {
        const exe = b.exe['wanco-cr'];
        const k = key(b.name, 'wanco-cr');
        if (!exe || broken.has(k) || !samples.get(k)) continue;
        const med = median([...samples.get(k)!].sort((a, c) => a - c));
        const f = await measureCr(exe, med, outputs.get(key(b.name, 'native')) ?? '', path.dirname(exe), 3);
        crByProg[b.name] = f;
        if (f.error) failures.push(`${b.name}: C/R: ${f.error}`);
        else if (!f.restoreOutputOk) failures.push(`${b.name}: C/R: output of checkpoint + restore differs from native`);
        log(`  ${b.name}: ${f.error ?? `checkpoint ${f.checkpointMs?.toFixed(2)} ms, snapshot ${f.snapshotBytes} B, restore ${f.restoreMs?.toFixed(2)} ms`}`);
      }
    }
  } else crStatus = 'C/R runtime not available (wanco-cr variant did not build)';
  log(`bench: C/R: ${crStatus}`);

  let large: LargeResult | undefined;
  if (process.env.WANCO_BENCH_NO_LARGE !== '1') {
    log('bench: compiling the large module');
    try { large = measureLarge(wancoHash); } catch (e) { large = { wasmBytes: 0, functions: 0, error: (e as Error).message.split('\n')[0] }; }
    if (large.error) failures.push(`large module: ${large.error}`);
  }

  let corpus: CorpusResult[] | null = null;
  if (corpusNames.length) {
    log(`bench: real-program corpus (${corpusNames.join(', ')})`);
    const c = await measureCorpus(corpusNames, rounds, BUILD, wancoHash, wancoCompile);
    corpus = c.results;
    failures.push(...c.failures);
  }

  // Assemble results.
  const programs: ProgramResult[] = built.map((b) => {
    const st: Partial<Record<Variant, VariantStats>> = {};
    const ratio: Partial<Record<Variant, number>> = {};
    const nat = samples.get(key(b.name, 'native'));
    for (const v of VARIANTS) {
      const xs = samples.get(key(b.name, v));
      if (!xs || !xs.length || broken.has(key(b.name, v))) continue;
      st[v] = stats(xs);
      if (nat && nat.length) ratio[v] = st[v]!.median / stats(nat).median;
    }
    const compile: Record<string, number> = {};
    for (const [v, c] of Object.entries(b.compile)) if (c) compile[v] = c.ms;
    return { name: b.name, stats: st, ratio, textSize: b.textSize, compileMs: compile, wasmSize: b.wasmSize, cr: crByProg[b.name] ?? null, aarch64: aarch64Results[b.name] ?? null };
  });
  const geo: Record<string, number> = {};
  for (const v of VARIANTS) {
    const rs = programs.map((p) => p.ratio[v]).filter((x): x is number => x !== undefined);
    if (rs.length === programs.length && rs.length) geo[v] = geomean(rs);
  }
  const crVsNocr = programs.map((p) => (p.stats['wanco-cr'] && p.stats['wanco-nocr'] ? p.stats['wanco-cr'].median / p.stats['wanco-nocr'].median : undefined));
  const sizeRatio = programs.map((p) => (p.textSize['wanco-cr'] && p.textSize['wanco-nocr'] ? p.textSize['wanco-cr'] / p.textSize['wanco-nocr'] : undefined));
  const allDefined = (xs: (number | undefined)[]): number[] | null => (xs.every((x) => x !== undefined) && xs.length ? (xs as number[]) : null);
  const results: Results = {
    date: new Date().toISOString(),
    host: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '', node: process.version, kernel: os.release(), loadavg: os.loadavg() },
    rounds,
    variants: [...VARIANTS],
    programs,
    geomean: geo,
    geomeanCrVsNocr: allDefined(crVsNocr) ? geomean(allDefined(crVsNocr)!) : null,
    geomeanTextSizeCrVsNocr: allDefined(sizeRatio) ? geomean(allDefined(sizeRatio)!) : null,
    crStatus,
    corpus,
    large: large ?? null,
    aarch64: aarch64,
    failures,
    notes,
  };
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(path.join(OUT_DIR, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
  const md = renderMarkdown(results);
  fs.writeFileSync(path.join(OUT_DIR, 'latest.md'), md);
  fs.writeFileSync(path.join(OUT_DIR, 'latest.svg'), renderSvg(results));
  process.stdout.write(md);
  log(`bench: wrote ${path.relative(ROOT, OUT_DIR)}/latest.{json,md,svg}`);
  if (failures.length) {
    log(`bench: FAILED (${failures.length}):\n  ${failures.join('\n  ')}`);
    return 1;
  }
  return 0;
}

if (require.main === module) {
  main().then((c) => { process.exitCode = c; }, (e) => { log(`bench: ${e instanceof Error ? e.stack : String(e)}`); process.exitCode = 1; });
}
