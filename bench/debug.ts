// The debug experience in numbers: `npm run bench:debug` (after `npx tsc`: node out/bench/debug.js).
//
// For the source fixtures (test-fixtures/source: C, 27 KB of code; Rust, 102 KB; built with -g -O0),
// through the debug adapter over DAP as VS Code drives it, on x86_64. As in VS Code, whose extension
// host runs every session inline, the sessions of a fixture are served by one adapter process
// (`--server`), started afresh for each fixture:
//   first stop, cold   launch with a breakpoint -> the stopped event, with an empty compile cache
//                      (the debug build is compiled, the DWARF loaded)
//   first stop, warm   the same again: the compile cache has the ELF (a second F5 on an unchanged
//                      module), and the process kept the first session's DWARF engine
//   step               median latency of `next` (request -> stopped event) over WANCO_BENCH_DEBUG_STEPS steps
//   variables          median latency of scopes + the source Locals' variables at a stop
// Environment: WANCO_BENCH_DEBUG_STEPS=N (default 20), WANCO_BENCH_DEBUG_LANGS=c,rust,
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

const ROOT = packageRoot();
const ADAPTER = join(ROOT, 'out', 'debug-adapter', 'test', 'dapStdio.js');
const SERVER = join(ROOT, 'out', 'debug-adapter', 'test', 'dapServer.js');
const STEPS = Number(process.env.WANCO_BENCH_DEBUG_STEPS ?? 20);
const LANGS = (process.env.WANCO_BENCH_DEBUG_LANGS ?? 'c,rust').split(',') as SourceLang[];
const OUT_DIR = process.env.WANCO_BENCH_OUT ? join(process.env.WANCO_BENCH_OUT) : join(ROOT, 'bench', 'results');
/** where each fixture stops: a line in a loop, so that steps keep going */
const STOP: Record<SourceLang, [string, string]> = { c: ['main.c', 'loop-body'], cpp: ['main.cpp', 'method-body'], rust: ['main.rs', 'loop-body'] };

interface Row { lang: string; codeBytes: number; coldMs: number; warmMs: number; stepMs: number; variablesMs: number }

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
async function session(fx: SourceFixture, port: number, measure: boolean): Promise<{ firstStopMs: number; steps: number[]; variables: number[] }> {
  const dc = new DebugClient(process.execPath, ADAPTER, 'wanco');
  dc.defaultTimeout = 600_000;
  await dc.start(port);
  try {
    const [file, name] = STOP[fx.lang];
    const t0 = performance.now();
    const set = dc.waitForEvent('initialized').then(async () => {
      await dc.setBreakpointsRequest({ source: { path: join(fx.srcDir, file) }, breakpoints: [{ line: fx.lineOf(file, name) }] });
      await dc.configurationDoneRequest();
    });
    const stopped = dc.waitForEvent('stopped');
    await dc.initializeRequest();
    await dc.launchRequest({ program: fx.wasm, target: 'x86_64' } as DebugProtocol.LaunchRequestArguments);
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
    const fx = await sourceFixture(lang, 'O0');
    const cache = mkdtempSync(join(tmpdir(), 'wanco-bench-debug-'));
    const server = await adapterServer(cache);
    try {
      const cold = await session(fx, server.port, false);
      const warm = await session(fx, server.port, true);
      const codeBytes = codeSectionSize(fx.wasm);
      rows.push({ lang, codeBytes, coldMs: cold.firstStopMs, warmMs: warm.firstStopMs, stepMs: median(warm.steps), variablesMs: median(warm.variables) });
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
    ...rows.map((r) => `| ${r.lang} -O0 -g | ${(r.codeBytes / 1024).toFixed(0)} KB | ${(r.coldMs / 1000).toFixed(2)} s | ${(r.warmMs / 1000).toFixed(2)} s | ${r.stepMs.toFixed(0)} ms | ${r.variablesMs.toFixed(0)} ms |`),
  ].join('\n');
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(join(OUT_DIR, 'debug.md'), `${md}\n`);
  writeFileSync(join(OUT_DIR, 'debug.json'), `${JSON.stringify(rows, null, 2)}\n`);
  process.stdout.write(`${md}\n`);
}

main().catch((e) => { process.stderr.write(`bench:debug: ${(e as Error).message}\n`); process.exit(1); });
