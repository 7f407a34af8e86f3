// The debug experience in numbers: `npm run bench:debug` (after `npx tsc`: node out/bench/debug.js).
//
// For the source fixtures (test-fixtures/source: C, 27 KB of code; Rust, 102 KB; built with -g -O0)
// and bzip2 built from its Debian source with -g -O2 (114 KB of code, bench/debugBzip2.ts),
// through the debug adapter over DAP as VS Code drives it, on x86_64. As in VS Code, whose extension
// host runs every session inline, the sessions of a fixture are served by one adapter process
// (debug-adapter/test/dapServer.ts; DebugClient connects to its port), started afresh for each fixture:
//   first stop, cold   launch with a breakpoint -> the stopped event, with an empty compile cache
//                      (the debug build is compiled, the DWARF loaded)
//   first stop, warm   the same again: the compile cache has the ELF (a second F5 on an unchanged
//                      module), and the process kept the first session's DWARF engine
//   step               median latency of `next` (request -> stopped event) over WANCO_BENCH_DEBUG_STEPS steps
//   variables          median latency of scopes + the source Locals' variables at a stop
// Environment: WANCO_BENCH_DEBUG_STEPS=N (default 20), WANCO_BENCH_DEBUG_LANGS=c,rust,bzip2,
//   WANCO_BENCH_OUT=DIR (default bench/results; writes debug.md and debug.json there).
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../compiler-core/src/index';
import { sourceFixture, type SourceFixture, type SourceLang } from '../test/helpers/sourceFixtures';
import { codeSectionSize } from '../test/corpus/build';
import { bzip2WithDwarf } from './debugBzip2';

const ROOT = packageRoot();
const ADAPTER = join(ROOT, 'out', 'debug-adapter', 'test', 'dapStdio.js');
const SERVER = join(ROOT, 'out', 'debug-adapter', 'test', 'dapServer.js');
const STEPS = Number(process.env.WANCO_BENCH_DEBUG_STEPS ?? 20);
const LANGS = (process.env.WANCO_BENCH_DEBUG_LANGS ?? 'c,rust,bzip2').split(',');
const OUT_DIR = process.env.WANCO_BENCH_OUT ? join(process.env.WANCO_BENCH_OUT) : join(ROOT, 'bench', 'results');
/** where each fixture stops: a line in a loop, so that steps keep going */
const STOP: Record<SourceLang, [string, string]> = { c: ['main.c', 'loop-body'], cpp: ['main.cpp', 'method-body'], rust: ['main.rs', 'loop-body'] };

/** A program to debug: its module, where it stops first, how it runs. */
interface Program { name: string; build: string; wasm: string; source: string; line: number; args?: string[]; dirs?: string[] }

async function program(name: string): Promise<Program> {
  if (name === 'bzip2') {
    const b = await bzip2WithDwarf();
    return { name, build: '-O2 -g', wasm: b.wasm, source: b.source, line: b.line, args: ['-k', '-f', '/sandbox/text.dat'], dirs: [`${b.inputs}::/sandbox`] };
  }
  const fx: SourceFixture = await sourceFixture(name as SourceLang, 'O0');
  const [file, label] = STOP[fx.lang];
  return { name, build: '-O0 -g', wasm: fx.wasm, source: join(fx.srcDir, file), line: fx.lineOf(file, label) };
}

interface Row { lang: string; build: string; codeBytes: number; coldMs: number; warmMs: number; stepMs: number; variablesMs: number }

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** An adapter process serving DAP sessions on a port, as an extension host serves them inline. */
async function adapterServer(cache: string): Promise<{ port: number; stop(): void }> {
  const child = spawn(process.execPath, [SERVER], { env: { ...process.env, WANCO_CACHE_DIR: cache }, stdio: ['ignore', 'ignore', 'pipe'] });
  const port = await new Promise<number>((res, rej) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => { err += d; const m = /listening on (\d+)/.exec(err); if (m) res(Number(m[1])); });
    child.on('exit', (code) => rej(new Error(`the adapter server ended (${code}): ${err}`)));
  });
  return { port, stop: () => child.kill() };
}

/** One debug session: launch to the first stop; optionally steps and variables requests. */
async function session(pg: Program, port: number, measure: boolean): Promise<{ firstStopMs: number; steps: number[]; variables: number[] }> {
  const dc = new DebugClient(process.execPath, ADAPTER, 'wanco');
  dc.defaultTimeout = 600_000;
  await dc.start(port);
  try {
    const t0 = performance.now();
    const set = dc.waitForEvent('initialized').then(async () => {
      await dc.setBreakpointsRequest({ source: { path: pg.source }, breakpoints: [{ line: pg.line }] });
      await dc.configurationDoneRequest();
    });
    const stopped = dc.waitForEvent('stopped');
    await dc.initializeRequest();
    await dc.launchRequest({ program: pg.wasm, target: 'x86_64', args: pg.args, dirs: pg.dirs } as DebugProtocol.LaunchRequestArguments);
    await set;
    await stopped;
    const firstStopMs = performance.now() - t0;
    const steps: number[] = [];
    const variables: number[] = [];
    if (measure) {
      for (let i = 0; i < STEPS; i++) {
        const v0 = performance.now();
        const scopes = await dc.scopesRequest({ frameId: 0 });
        await dc.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference });
        variables.push(performance.now() - v0);
        const s0 = performance.now();
        const next = dc.waitForEvent('stopped');
        await dc.nextRequest({ threadId: 1 });
        await next;
        await dc.stackTraceRequest({ threadId: 1 }); // what VS Code asks at each stop
        steps.push(performance.now() - s0);
      }
    }
    await dc.disconnectRequest({});
    return { firstStopMs, steps, variables };
  } finally {
    await dc.stop();
  }
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const lang of LANGS) {
    const pg = await program(lang);
    const cache = mkdtempSync(join(tmpdir(), 'wanco-bench-debug-'));
    const server = await adapterServer(cache);
    try {
      const cold = await session(pg, server.port, false);
      const warm = await session(pg, server.port, true);
      const codeBytes = codeSectionSize(pg.wasm);
      rows.push({ lang, build: pg.build, codeBytes, coldMs: cold.firstStopMs, warmMs: warm.firstStopMs, stepMs: median(warm.steps), variablesMs: median(warm.variables) });
      process.stderr.write(`${lang}: ${JSON.stringify(rows[rows.length - 1])}\n`);
    } finally {
      server.stop();
      rmSync(cache, { recursive: true, force: true });
    }
  }
  const md = [
    `Debug experience (x86_64, debug build at the adapter's default level, sessions served by one adapter process, ${STEPS} steps; ${new Date().toISOString().slice(0, 10)})`, '',
    '| fixture | code | first stop, cold | first stop, warm (cached) | next (median) | variables (median) |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.lang} ${r.build} | ${(r.codeBytes / 1024).toFixed(0)} KB | ${(r.coldMs / 1000).toFixed(2)} s | ${(r.warmMs / 1000).toFixed(2)} s | ${r.stepMs.toFixed(0)} ms | ${r.variablesMs.toFixed(0)} ms |`),
  ].join('\n');
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(join(OUT_DIR, 'debug.md'), `${md}\n`);
  writeFileSync(join(OUT_DIR, 'debug.json'), `${JSON.stringify(rows, null, 2)}\n`);
  process.stdout.write(`${md}\n`);
}

main().catch((e) => { process.stderr.write(`bench:debug: ${(e as Error).message}\n`); process.exit(1); });
