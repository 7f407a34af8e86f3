/**
 * The real snapshots the snapshot fuzzing starts from, taken by SIGUSR1 from x86_64 programs:
 *  - recursion: test-fixtures/cr/recursion.c, thousands of frames of every numeric type;
 *  - loops: test-fixtures/cr/loops.wat, globals of several types, a table, v128 values;
 *  - fixture: test/fuzz/snapshots-fixture.c, a few MB of memory of mixed compressibility (zstd
 *    frames with and without a window descriptor), files open under a preopened directory, an
 *    environment variable and non-ASCII arguments.
 * Each comes with the program that took it, to restore mutants with (`--restore`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileFor, fixtureModule, ROOT } from '../helpers/cr-chain';

export interface SeedProgram {
  name: string;
  snapshot: Buffer;
  exe: string;
  /** the runtime options a restore of it needs, given a scratch directory holding `files` */
  restoreArgs: (scratch: string) => string[];
  files: Record<string, string>;
}

const CACHE = join(ROOT, 'out', 'cr-cache');

/** test/fuzz/snapshots-fixture.c built with wasi-libc (cached by contents). */
function fixtureWasm(): string {
  const src = join(ROOT, 'test', 'fuzz', 'snapshots-fixture.c');
  mkdirSync(CACHE, { recursive: true });
  const out = join(CACHE, `snapshots-fixture-${createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 20)}.wasm`);
  if (!existsSync(out)) execFileSync('clang-14', ['--target=wasm32-wasi', '-O2', src, '-o', out]);
  return out;
}

/** Runs exe until it prints "ready" (or for `afterMs`), then sends SIGUSR1; the snapshot it wrote. */
function checkpoint(exe: string, args: string[], cwd: string, snap: string, opts: { ready?: boolean; afterMs?: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(exe, ['--snapshot', snap, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    let sent = false;
    const send = () => { if (!sent) { sent = true; child.kill('SIGUSR1'); } };
    if (!opts.ready) setTimeout(send, opts.afterMs ?? 50);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (opts.ready && out.includes('ready\n')) setTimeout(send, opts.afterMs ?? 30);
    });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      if (!/checkpoint written/.test(err) || !existsSync(snap)) {
        reject(new Error(`${exe}: no checkpoint (exit ${code}, signal ${signal}): ${err.trim()}`));
      } else resolve(readFileSync(snap));
    });
  });
}

/** checkpoint() with a few tries: a loaded machine can start the program late or run it past the
 * moment (the signal then finds it not started yet or already done). */
async function checkpointRetry(exe: string, args: string[], cwd: string, snap: string, delays: number[]): Promise<Buffer> {
  let last: Error | undefined;
  for (const afterMs of delays) {
    try {
      return await checkpoint(exe, args, cwd, snap, { afterMs });
    } catch (e) {
      last = e as Error;
    }
  }
  throw last;
}

export async function makeSeeds(): Promise<SeedProgram[]> {
  const dir = mkdtempSync(join(tmpdir(), 'wanco-fuzz-seeds-'));
  const seeds: SeedProgram[] = [];

  const rec = compileFor(fixtureModule('cr/recursion.c'), 'x86_64');
  seeds.push({ name: 'recursion', exe: rec, files: {}, restoreArgs: () => [],
    snapshot: await checkpointRetry(rec, [], dir, join(dir, 'recursion.wsnap'), [40, 15, 80, 5]) });

  const loops = compileFor(fixtureModule('cr/loops.wat'), 'x86_64');
  seeds.push({ name: 'loops', exe: loops, files: {}, restoreArgs: () => [],
    snapshot: await checkpointRetry(loops, [], dir, join(dir, 'loops.wsnap'), [60, 20, 120, 5]) });

  const fx = compileFor(fixtureWasm(), 'x86_64');
  const data = join(dir, 'data');
  mkdirSync(data);
  const files = { 'in.txt': 'first line\nsecond line, é\nthird\nfourth\n', 'out.txt': '' };
  for (const [k, v] of Object.entries(files)) writeFileSync(join(data, k), v);
  seeds.push({ name: 'fixture', exe: fx, files,
    restoreArgs: (scratch) => ['--dir', `${scratch}::/data`],
    snapshot: await checkpoint(fx, ['--dir', `${data}::/data`, '--env', 'FIXTURE_MODE=fuzz', '--',
      '/data/in.txt', '/data/out.txt', 'héllo', 'wörld', '日本語', 'x=1'], dir, join(dir, 'fixture.wsnap'), { ready: true }) });
  return seeds;
}

/** A directory with the files a seed's program has open, for restoring one of its mutants. */
export function scratchDir(seed: SeedProgram): string {
  const d = mkdtempSync(join(tmpdir(), 'wanco-fuzz-restore-'));
  for (const [k, v] of Object.entries(seed.files)) writeFileSync(join(d, k), v);
  return d;
}

