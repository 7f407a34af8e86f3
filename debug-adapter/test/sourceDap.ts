/**
 * What the source-level DAP tests share: a client of the adapter's stdio entry, and the questions
 * they ask of a stop in source terms (frames as "function file:line", the Locals scope, a value's
 * members, a watch expression, a request that resumes until the next stop).
 */
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../compiler-core/src/index';
import type { SourceFixture } from '../../test/helpers/sourceFixtures';

const ADAPTER = join(packageRoot(), 'out', 'debug-adapter', 'test', 'dapStdio.js');

/** A client of a new adapter process (the compile cache: out/dap-cache, shared by the DAP tests). */
export function dapClient(timeoutMs = 90000): DebugClient {
  process.env.WANCO_CACHE_DIR = join(packageRoot(), 'out', 'dap-cache');
  const dc = new DebugClient(process.execPath, ADAPTER, 'wanco', { env: process.env });
  dc.defaultTimeout = timeoutMs;
  return dc;
}

/** The top `levels` frames as "function file:line". */
export async function where(dc: DebugClient, levels = 3): Promise<string[]> {
  const st = await dc.stackTraceRequest({ threadId: 1 });
  return st.body.stackFrames.slice(0, levels).map((f) => `${f.name} ${f.source?.name ?? '-'}:${f.line}`);
}

/** The source Locals scope of a frame as name -> variable (the scopes checked: source first, then Wasm). */
export async function locals(dc: DebugClient, frameId = 0): Promise<Record<string, DebugProtocol.Variable>> {
  const scopes = await dc.scopesRequest({ frameId });
  assert.deepEqual(scopes.body.scopes.map((s) => s.name), ['Locals', 'Globals', 'Wasm locals', 'Wasm operand stack', 'Wasm globals']);
  const vs = await dc.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference });
  return Object.fromEntries(vs.body.variables.map((v) => [v.name, v]));
}

/** The members of a value (it must open). */
export async function members(dc: DebugClient, v: DebugProtocol.Variable): Promise<Record<string, DebugProtocol.Variable>> {
  assert.ok(v.variablesReference > 0, `${v.name} = ${v.value} opens`);
  const vs = await dc.variablesRequest({ variablesReference: v.variablesReference });
  return Object.fromEntries(vs.body.variables.map((c) => [c.name, c]));
}

/** name -> value text */
export function values(vs: Record<string, DebugProtocol.Variable>): Record<string, string> {
  return Object.fromEntries(Object.entries(vs).map(([k, v]) => [k, v.value]));
}

export async function evaluate(dc: DebugClient, expression: string, frameId = 0): Promise<string> {
  return (await dc.evaluateRequest({ expression, frameId, context: 'watch' })).body.result;
}

/** Runs a request that resumes the program and waits for the stop it causes; the frames then. */
export async function stopAfter(dc: DebugClient, go: () => Promise<unknown>): Promise<string[]> {
  const stopped = dc.waitForEvent('stopped');
  await go();
  await stopped;
  return where(dc);
}

/** The first line of a fixture's `file` that holds `text`. */
export function lineWith(fx: SourceFixture, file: string, text: string): number {
  const i = readFileSync(join(fx.srcDir, file), 'utf8').split('\n').findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `${text} in ${file}`);
  return i + 1;
}
