/**
 * Debug builds through the adapter (DebugClient over stdio): a breakpoint on a straight-line
 * statement stops on that line with exact locals (i64 and f64 edge values), next / step in /
 * step out land on the expected lines, watch expressions, values changed in a caller frame reach
 * the program, on x86_64 and on aarch64 (qemu).
 */
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../compiler-core/src/index';
import { DEBUG_OPT_LEVEL } from '../src/launchConfig';

const ROOT = packageRoot();
const FIXTURE = join(ROOT, 'debug-adapter', 'test', 'fixtures', 'steps.wat');
const ADAPTER = join(ROOT, 'out', 'debug-adapter', 'test', 'dapStdio.js');
const ARCHES = ['x86_64', 'aarch64'] as const;

process.env.WANCO_CACHE_DIR = join(ROOT, 'out', 'dap-cache');

function client(): DebugClient {
  const dc = new DebugClient(process.execPath, ADAPTER, 'wanco', { env: process.env });
  dc.defaultTimeout = 60000;
  return dc;
}

async function locals(dc: DebugClient, frameId: number): Promise<Record<string, DebugProtocol.Variable>> {
  const scopes = await dc.scopesRequest({ frameId });
  const vs = await dc.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference });
  return Object.fromEntries(vs.body.variables.map((v) => [v.name, v]));
}

async function where(dc: DebugClient): Promise<[string, number][]> {
  const st = await dc.stackTraceRequest({ threadId: 1 });
  return st.body.stackFrames.map((f) => [f.name.split(' ')[0], f.line]);
}

/** Runs a stepping request and waits for the stop it causes. */
async function step(dc: DebugClient, kind: 'next' | 'stepIn' | 'stepOut'): Promise<[string, number][]> {
  const stopped = dc.waitForEvent('stopped');
  if (kind === 'next') await dc.nextRequest({ threadId: 1 });
  else if (kind === 'stepIn') await dc.stepInRequest({ threadId: 1 });
  else await dc.stepOutRequest({ threadId: 1 });
  await stopped;
  return where(dc);
}

describe('debug adapter: debug builds (statement points)', function () {
  this.timeout(180000);
  const snapDir = mkdtempSync(join(tmpdir(), 'wanco-dap-steps-'));
  /** a checkpoint taken on x86_64 while stopped at the statement on line 19 */
  let stmtSnapshot = '';

  before(async () => {
    const { compileCached } = await import('../../compiler-core/src/index');
    const { parseTarget } = await import('../../compiler-core/src/index');
    for (const a of ARCHES) await compileCached(FIXTURE, parseTarget(a), DEBUG_OPT_LEVEL, true);
  });

  for (const arch of ARCHES) {
    describe(arch, () => {
      let dc: DebugClient;
      beforeEach(() => { dc = client(); return dc.start(); });
      afterEach(() => dc.stop());

      it('stops on a straight-line statement with exact locals; next, step in, step out land on the expected lines', async () => {
        let stdout = '';
        dc.on('output', (e: DebugProtocol.OutputEvent) => { if (e.body.category === 'stdout') stdout += e.body.output; });
        const bps = dc.waitForEvent('initialized').then(async () => {
          const r = await dc.setBreakpointsRequest({ source: { path: FIXTURE }, breakpoints: [{ line: 19 }, { line: 23 }, { line: 14 }] });
          await dc.configurationDoneRequest();
          return r;
        });
        const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
        await dc.initializeRequest();
        await dc.launchRequest({ program: FIXTURE, target: arch, snapshotDir: snapDir } as DebugProtocol.LaunchRequestArguments);
        const b = (await bps).body.breakpoints;
        // line 19 is exact; 23 is inside the statement that starts on 22; 14 only declares locals
        assert.deepEqual(b.map((x) => [x.verified, x.line]), [[true, 19], [true, 22], [true, 15]]);
        assert.match(b[1].message ?? '', /start of its statement/);
        assert.equal((await stopped).body.reason, 'breakpoint');
        assert.deepEqual(await where(dc), [['edges', 15], ['main', 29]]);
        await dc.setBreakpointsRequest({ source: { path: FIXTURE }, breakpoints: [{ line: 19 }] });

        await Promise.all([dc.waitForEvent('stopped'), dc.continueRequest({ threadId: 1 })]);
        assert.deepEqual(await where(dc), [['edges', 19], ['main', 29]]);
        const st = await dc.stackTraceRequest({ threadId: 1 });
        let v = await locals(dc, st.body.stackFrames[0].id);
        assert.equal(v.$i.value, '-7');
        assert.match(v.$i.type ?? '', /^i32 @ /);
        assert.equal(v.$min.value, '-9223372036854775808');
        assert.equal(v.$negz.value, '-0');
        assert.match(v.$negz.type ?? '', /^f64 bits 0x8000000000000000 @ /);
        assert.equal(v.$nan.value, 'nan (0x7ff8000000000001)');
        assert.equal(v.$inf.value, '0'); // line 19 has not run yet
        assert.equal(v.$len.value, '0');
        if (arch === 'x86_64') stmtSnapshot = (await dc.customRequest('checkpoint', {})).body.path;

        assert.deepEqual(await step(dc, 'next'), [['edges', 20], ['main', 29]]);
        v = await locals(dc, (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0].id);
        assert.equal(v.$inf.value, '-inf');
        assert.match(v.$inf.type ?? '', /^f64 bits 0xfff0000000000000 @ /);
        assert.deepEqual(await step(dc, 'next'), [['edges', 21], ['main', 29]]);
        assert.deepEqual(await step(dc, 'next'), [['edges', 22], ['main', 29]]);
        // step in: the callee's entry (its header line), then its first statement
        assert.deepEqual(await step(dc, 'stepIn'), [['twice', 9], ['edges', 23], ['main', 29]]);
        v = await locals(dc, (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0].id);
        assert.equal(v.$x.value, '21');
        assert.deepEqual(await step(dc, 'next'), [['twice', 10], ['edges', 23], ['main', 29]]);
        // step out: in the caller right after the call returned, the result on the operand stack
        assert.deepEqual(await step(dc, 'stepOut'), [['edges', 23], ['main', 29]]);
        const scopes = await dc.scopesRequest({ frameId: (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0].id });
        const stack = await dc.variablesRequest({ variablesReference: scopes.body.scopes[1].variablesReference });
        assert.deepEqual(stack.body.variables.map((x) => [x.name, x.value]), [['[0]', '42']]);
        assert.deepEqual(await step(dc, 'next'), [['edges', 24], ['main', 29]]);
        v = await locals(dc, (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0].id);
        assert.equal(v.$t.value, '42');
        assert.equal(v.$f.value, '1.5');

        // watch expressions: names, indices, memory reads
        const ev = async (expression: string) => (await dc.evaluateRequest({ expression, context: 'watch' })).body.result;
        assert.equal(await ev('$min'), '-9223372036854775808');
        // local[N] counts the binary's locals (binaryen groups them by type): N is $inf's place in Locals
        assert.equal(await ev(`local[${Object.keys(v).indexOf('$inf')}]`), '-inf');
        assert.equal(await ev('$calls'), '1');
        assert.equal(await ev('u8[16]'), '100'); // "d" of the data segment
        assert.equal(await ev('i32[$len-1]'), '0');
        await assert.rejects(ev('$nosuch'), /no local or global named \$nosuch/);
        await assert.rejects(ev('i32[70000]'), /outside the linear memory/);

        // next over the last statements and out of $edges: back in $main after its call
        assert.deepEqual(await step(dc, 'next'), [['edges', 25], ['main', 29]]);
        assert.deepEqual(await step(dc, 'stepOut'), [['main', 29]]);
        await dc.setBreakpointsRequest({ source: { path: FIXTURE }, breakpoints: [] });
        await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
        assert.equal(stdout, 'done\ndone\n');
      });

      it('a function breakpoint stops at the entry; a value changed in a caller frame reaches the program', async () => {
        let stdout = '';
        dc.on('output', (e: DebugProtocol.OutputEvent) => { if (e.body.category === 'stdout') stdout += e.body.output; });
        dc.once('initialized', async () => {
          await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'twice' }] });
          await dc.configurationDoneRequest();
        });
        await dc.initializeRequest();
        await Promise.all([dc.waitForEvent('stopped'), dc.launchRequest({ program: FIXTURE, target: arch } as DebugProtocol.LaunchRequestArguments)]);
        assert.deepEqual(await where(dc), [['twice', 9], ['edges', 23], ['main', 29]]);
        const st = await dc.stackTraceRequest({ threadId: 1 });
        const callerScopes = await dc.scopesRequest({ frameId: st.body.stackFrames[1].id });
        // $len of $edges (a caller frame) is 5: make it 3, so that fd_write prints "don"
        const r = await dc.setVariableRequest({ variablesReference: callerScopes.body.scopes[0].variablesReference, name: '$len', value: '3' });
        assert.equal(r.body.value, '3');
        const v = await locals(dc, (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[1].id);
        assert.equal(v.$len.value, '3');
        assert.equal(v.$min.value, '-9223372036854775808');
        assert.deepEqual(await where(dc), [['twice', 9], ['edges', 23], ['main', 29]]);
        // and a global
        const g = await dc.setVariableRequest({ variablesReference: callerScopes.body.scopes[2].variablesReference, name: '$calls', value: '41' });
        assert.equal(g.body.value, '41');
        await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
        // the second call of $edges: next over the statement with the call lands on the next line
        await dc.setBreakpointsRequest({ source: { path: FIXTURE }, breakpoints: [{ line: 22 }] });
        await Promise.all([dc.waitForEvent('stopped'), dc.continueRequest({ threadId: 1 })]);
        assert.deepEqual(await where(dc), [['edges', 22], ['main', 30]]);
        await dc.setBreakpointsRequest({ source: { path: FIXTURE }, breakpoints: [] });
        assert.deepEqual(await step(dc, 'next'), [['edges', 24], ['main', 30]]);
        const v2 = await locals(dc, (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0].id);
        assert.equal(v2.$t.value, '42');
        assert.equal((await dc.evaluateRequest({ expression: '$calls', context: 'watch' })).body.result, '43');
        await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
        assert.equal(stdout, 'dondone\n');
      });
    });
  }

  describe('a snapshot taken at a statement', () => {
    let dc: DebugClient;
    beforeEach(() => { dc = client(); return dc.start(); });
    afterEach(() => dc.stop());

    it('restores on aarch64 from the statement on and runs to the same output', async function () {
      assert.ok(stmtSnapshot, 'no snapshot to start from: the x86_64 statement-step test above did not write one (see its failure)');
      let stdout = '';
      dc.on('output', (e: DebugProtocol.OutputEvent) => { if (e.body.category === 'stdout') stdout += e.body.output; });
      dc.once('initialized', async () => {
        await dc.setBreakpointsRequest({ source: { path: FIXTURE }, breakpoints: [{ line: 24 }] });
        await dc.configurationDoneRequest();
      });
      await dc.initializeRequest();
      await Promise.all([dc.waitForEvent('stopped'),
        dc.launchRequest({ program: FIXTURE, target: 'aarch64', restore: stmtSnapshot, snapshotDir: snapDir } as DebugProtocol.LaunchRequestArguments)]);
      assert.deepEqual(await where(dc), [['edges', 24], ['main', 29]]);
      const v = await locals(dc, (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0].id);
      assert.equal(v.$min.value, '-9223372036854775808');
      assert.equal(v.$nan.value, 'nan (0x7ff8000000000001)');
      assert.equal(v.$inf.value, '-inf');
      assert.equal(v.$t.value, '42');
      await dc.setBreakpointsRequest({ source: { path: FIXTURE }, breakpoints: [] });
      await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
      assert.equal(stdout, 'done\ndone\n');
    });

    it('opens post-mortem on the statement\'s line with its locals', async function () {
      assert.ok(stmtSnapshot, 'no snapshot to start from: the x86_64 statement-step test above did not write one (see its failure)');
      dc.once('initialized', () => dc.configurationDoneRequest());
      await dc.initializeRequest();
      await Promise.all([dc.waitForEvent('stopped'), dc.launchRequest({ snapshot: stmtSnapshot, program: FIXTURE } as DebugProtocol.LaunchRequestArguments)]);
      assert.deepEqual(await where(dc), [['edges', 19], ['main', 29]]);
      const v = await locals(dc, (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0].id);
      assert.equal(v.$negz.value, '-0');
      assert.equal(v.$inf.value, '0');
      assert.equal((await dc.evaluateRequest({ expression: 'u8[16]', context: 'watch' })).body.result, '100');
    });
  });
});
