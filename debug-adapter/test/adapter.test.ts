/**
 * The debug adapter over stdio (`wanco debug-adapter`) driven by DebugClient: breakpoints, frames,
 * exact locals, stepping, checkpoints, restore on the other architecture, post-mortem, bad launches.
 */
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../compiler-core/src/index';
import { DEBUG_OPT_LEVEL } from '../src/launchConfig';

const ROOT = packageRoot();
const FIXTURE = join(ROOT, 'debug-adapter', 'test', 'fixtures', 'dbg.wat');
const OTHER = join(ROOT, 'test-fixtures', 'cr', 'loops.wat');
const ADAPTER = join(ROOT, 'out', 'debug-adapter', 'test', 'dapStdio.js');
const ARCHES = ['x86_64', 'aarch64'] as const;
const LOOP_LINE = 29; // (loop $body in $accumulate
const EXPECTED_TAIL = '34\n-9223372036854775803\n';

process.env.WANCO_CACHE_DIR = join(ROOT, 'out', 'dap-cache');

function client(): DebugClient {
  const dc = new DebugClient(process.execPath, ADAPTER, 'wanco', { env: process.env });
  dc.defaultTimeout = 60000;
  return dc;
}

function collectOutput(dc: DebugClient): { stdout: string; console: string } {
  const o = { stdout: '', console: '' };
  dc.on('output', (e: DebugProtocol.OutputEvent) => {
    if (e.body.category === 'stdout') o.stdout += e.body.output;
    else o.console += e.body.output;
  });
  return o;
}

async function variables(dc: DebugClient, frameId: number): Promise<Record<string, Record<string, DebugProtocol.Variable>>> {
  const scopes = await dc.scopesRequest({ frameId });
  const out: Record<string, Record<string, DebugProtocol.Variable>> = {};
  for (const s of scopes.body.scopes) {
    const vs = await dc.variablesRequest({ variablesReference: s.variablesReference });
    out[s.name] = Object.fromEntries(vs.body.variables.map((v) => [v.name, v]));
  }
  return out;
}

async function launchError(dc: DebugClient, args: Record<string, unknown>): Promise<string> {
  await dc.initializeRequest();
  try {
    await dc.launchRequest(args as DebugProtocol.LaunchRequestArguments);
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

describe('debug adapter (DAP over stdio)', function () {
  this.timeout(180000);
  const snapDir = mkdtempSync(join(tmpdir(), 'wanco-dap-test-'));
  let x86Snapshot = '';

  before(async () => {
    // compile the fixture once per target into the cache the adapter uses
    const { compileCached } = await import('../../compiler-core/src/index');
    const { parseTarget } = await import('../../compiler-core/src/index');
    for (const a of ARCHES) await compileCached(FIXTURE, parseTarget(a), DEBUG_OPT_LEVEL, true);
  });

  for (const arch of ARCHES) {
    describe(arch, () => {
      let dc: DebugClient;
      beforeEach(() => { dc = client(); return dc.start(); });
      afterEach(() => dc.stop());

      it('stops at a line breakpoint with Wasm frames and exact locals, steps, writes a checkpoint', async () => {
        const out = collectOutput(dc);
        const bpDone = dc.waitForEvent('initialized').then(() => dc.setBreakpointsRequest({
          source: { path: FIXTURE }, breakpoints: [{ line: LOOP_LINE }, { line: 28 }, { line: 31 }, { line: 38 }, { line: 36 }],
        })).then(async (r) => { await dc.configurationDoneRequest(); return r; });
        const firstStop = dc.waitForEvent('stopped');
        await dc.initializeRequest();
        await dc.launchRequest({ program: FIXTURE, target: arch, snapshotDir: snapDir } as DebugProtocol.LaunchRequestArguments);
        const bps = (await bpDone).body.breakpoints;
        // a debug build: every statement line is a place to stop; line 28 (locals) moves to the loop
        assert.deepEqual(bps.map((b) => [b.verified, b.line]), [[true, LOOP_LINE], [true, LOOP_LINE], [true, 31], [true, 38], [false, 36]]);
        assert.match(bps[1].message ?? '', /moved/);
        assert.match(bps[4].message ?? '', /not inside a function/);

        const ev = await firstStop as DebugProtocol.StoppedEvent;
        assert.equal(ev.body.reason, 'breakpoint');
        assert.deepEqual((await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames.map((f) => [f.name.split(' ')[0], f.line]), [['main', 38]]);
        await dc.setBreakpointsRequest({ source: { path: FIXTURE }, breakpoints: [{ line: LOOP_LINE }, { line: 31 }] });
        await Promise.all([dc.waitForEvent('stopped'), dc.continueRequest({ threadId: 1 })]);
        let st = await dc.stackTraceRequest({ threadId: 1 });
        assert.deepEqual(st.body.stackFrames.map((f) => [f.name.split(' ')[0], f.line]), [['accumulate', LOOP_LINE], ['main', 41]]);
        assert.equal(st.body.stackFrames[0].source?.path, FIXTURE);
        let v = await variables(dc, st.body.stackFrames[0].id);
        assert.deepEqual(Object.keys(v), ['Locals', 'Operand stack', 'Globals']);
        assert.equal(v.Locals.$n.value, '5');
        assert.equal(v.Locals.$big.value, '9223372036854775807');
        assert.match(v.Locals.$big.type ?? '', /^i64 @ /);
        assert.equal(v.Locals.$d.value, '-1.7976931348623157e+308');
        assert.match(v.Locals.$d.type ?? '', /^f64 bits 0xffefffffffffffff @ /);
        assert.equal(v.Locals.$i.value, '0');
        assert.equal(v.Locals.$acc.value, '0');
        assert.equal(v.Globals.$count.value, '-9223372036854775808');

        // step over: the loop body's first statement; then the breakpoint on line 31, then the loop again
        await Promise.all([dc.waitForEvent('stopped'), dc.nextRequest({ threadId: 1 })]);
        st = await dc.stackTraceRequest({ threadId: 1 });
        assert.deepEqual(st.body.stackFrames.map((f) => [f.name.split(' ')[0], f.line]), [['accumulate', 30], ['main', 41]]);
        await Promise.all([dc.waitForEvent('stopped'), dc.continueRequest({ threadId: 1 })]);
        st = await dc.stackTraceRequest({ threadId: 1 });
        assert.equal(st.body.stackFrames[0].line, 31);
        v = await variables(dc, st.body.stackFrames[0].id);
        assert.equal(v.Locals.$acc.value, '7');
        assert.equal(v.Globals.$count.value, '-9223372036854775808');
        assert.match(v.Globals.$count.type ?? '', /^i64 @ \[0x[0-9a-f]+\]$/); // a global's native place: its address
        await Promise.all([dc.waitForEvent('stopped'), dc.continueRequest({ threadId: 1 })]);
        st = await dc.stackTraceRequest({ threadId: 1 });
        assert.equal(st.body.stackFrames[0].line, LOOP_LINE);
        v = await variables(dc, st.body.stackFrames[0].id);
        assert.equal(v.Locals.$i.value, '1');
        assert.equal(v.Locals.$acc.value, '7');
        assert.equal(v.Globals.$count.value, '-9223372036854775807');

        // memory: the "start\n" data segment
        const mem = await dc.customRequest('readMemory', { memoryReference: '0x7d0', count: 6 }) as DebugProtocol.ReadMemoryResponse;
        assert.equal(Buffer.from(mem.body!.data!, 'base64').toString(), 'start\n');

        const ck = await dc.customRequest('checkpoint', {});
        assert.ok(existsSync(ck.body.path), ck.body.path);
        assert.equal(ck.body.frames, 2);
        if (arch === 'x86_64') x86Snapshot = ck.body.path;

        // a pause/continue round trip, then run to the end without breakpoints
        await dc.setBreakpointsRequest({ source: { path: FIXTURE }, breakpoints: [] });
        await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
        assert.equal(out.stdout, `start\n${EXPECTED_TAIL}`);
      });

      it('function breakpoints, step in / out, checkpoint breakpoints (one snapshot per hit)', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'wanco-dap-ckbp-'));
        // an earlier session's snapshot: a new session must not overwrite it
        writeFileSync(join(dir, 'dbg.1.wsnap'), 'earlier session');
        const out = collectOutput(dc);
        dc.once('initialized', async () => {
          const f = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'accumulate' }, { name: 'nosuch' }] });
          assert.deepEqual(f.body.breakpoints.map((b) => b.verified), [true, false]);
          await dc.setBreakpointsRequest({ source: { path: FIXTURE }, breakpoints: [{ line: 15, logMessage: 'checkpoint' }] });
          await dc.configurationDoneRequest();
        });
        await dc.initializeRequest();
        await Promise.all([dc.waitForEvent('stopped'), dc.launchRequest({ program: FIXTURE, target: arch, snapshotDir: dir } as DebugProtocol.LaunchRequestArguments)]);
        let st = await dc.stackTraceRequest({ threadId: 1 });
        // a function breakpoint: the entry, on the header line
        assert.deepEqual(st.body.stackFrames.map((f) => [f.name.split(' ')[0], f.line]), [['accumulate', 27], ['main', 41]]);
        // step out: in $main right after the call, its result on the operand stack
        await Promise.all([dc.waitForEvent('stopped'), dc.stepOutRequest({ threadId: 1 })]);
        st = await dc.stackTraceRequest({ threadId: 1 });
        assert.deepEqual(st.body.stackFrames.map((f) => [f.name.split(' ')[0], f.line]), [['main', 41]]);
        let v = await variables(dc, st.body.stackFrames[0].id);
        assert.deepEqual(Object.values(v['Operand stack']).map((x) => x.value), ['34']);
        await Promise.all([dc.waitForEvent('stopped'), dc.stepInRequest({ threadId: 1 })]);
        st = await dc.stackTraceRequest({ threadId: 1 });
        assert.deepEqual(st.body.stackFrames.map((f) => [f.name.split(' ')[0], f.line]), [['main', 42]]);
        await Promise.all([dc.waitForEvent('stopped'), dc.stepInRequest({ threadId: 1 })]);
        st = await dc.stackTraceRequest({ threadId: 1 });
        assert.deepEqual(st.body.stackFrames.map((f) => [f.name.split(' ')[0], f.line]), [['print_i64', 10], ['main', 42]]);
        v = await variables(dc, st.body.stackFrames[0].id);
        assert.equal(v.Locals.$v.value, '34');
        await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
        await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
        assert.equal(out.stdout, `start\n${EXPECTED_TAIL}`);
        // print_i64 loop runs 2 + 19 times: one snapshot per hit (the stepped ones included)
        const snaps = readdirSync(dir).filter((f) => f.endsWith('.wsnap'));
        assert.ok(snaps.length >= 20, snaps.join(' '));
        assert.equal(readFileSync(join(dir, 'dbg.1.wsnap'), 'utf8'), 'earlier session');
        assert.match(out.console, /checkpoint \d+ written to/);
      });
    });
  }

  describe('restore and post-mortem', () => {
    let dc: DebugClient;
    beforeEach(() => { dc = client(); return dc.start(); });
    afterEach(() => dc.stop());

    it('restores an x86_64 checkpoint on aarch64 and runs to the expected output', async function () {
      assert.ok(x86Snapshot, 'no snapshot to start from: the x86_64 breakpoint test above did not write one (see its failure)');
      const out = collectOutput(dc);
      await Promise.all([
        dc.configurationSequence(),
        dc.launch({ program: FIXTURE, target: 'aarch64', restore: x86Snapshot, snapshotDir: snapDir } as DebugProtocol.LaunchRequestArguments),
        dc.waitForEvent('terminated'),
      ]);
      assert.equal(out.stdout, EXPECTED_TAIL);
    });

    it('custom restore request restarts the session from a snapshot on the other architecture', async function () {
      assert.ok(x86Snapshot, 'no snapshot to start from: the x86_64 breakpoint test above did not write one (see its failure)');
      const out = collectOutput(dc);
      dc.once('initialized', async () => {
        await dc.setBreakpointsRequest({ source: { path: FIXTURE }, breakpoints: [{ line: 15 }] });
        await dc.configurationDoneRequest();
      });
      await dc.initializeRequest();
      await Promise.all([dc.waitForEvent('stopped'), dc.launchRequest({ program: FIXTURE, target: 'x86_64', stopOnEntry: true } as DebugProtocol.LaunchRequestArguments)]);
      await Promise.all([dc.waitForEvent('stopped'), dc.customRequest('restore', { snapshot: x86Snapshot, target: 'aarch64' })]); // the breakpoint in $print_i64, after the restored loop
      const st = await dc.stackTraceRequest({ threadId: 1 });
      assert.deepEqual(st.body.stackFrames.map((f) => [f.name.split(' ')[0], f.line]), [['print_i64', 15], ['main', 42]]);
      const v = await variables(dc, st.body.stackFrames[0].id);
      assert.equal(v.Locals.$v.value, '34');
      await dc.setBreakpointsRequest({ source: { path: FIXTURE }, breakpoints: [] });
      await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
      assert.equal(out.stdout, EXPECTED_TAIL); // the first run stopped at $main's entry, before its output
    });

    it('opens a snapshot post-mortem: frames, locals, globals, memory; nothing runs', async function () {
      assert.ok(x86Snapshot, 'no snapshot to start from: the x86_64 breakpoint test above did not write one (see its failure)');
      dc.once('initialized', () => dc.configurationDoneRequest());
      await dc.initializeRequest();
      const [ev] = await Promise.all([dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>,
        dc.launchRequest({ snapshot: x86Snapshot, program: FIXTURE } as DebugProtocol.LaunchRequestArguments)]);
      assert.equal(ev.body.reason, 'snapshot');
      const st = await dc.stackTraceRequest({ threadId: 1 });
      assert.deepEqual(st.body.stackFrames.map((f) => [f.name.split(' ')[0], f.line]), [['accumulate', LOOP_LINE], ['main', 41]]);
      const v = await variables(dc, st.body.stackFrames[0].id);
      assert.equal(v.Locals.$big.value, '9223372036854775807');
      assert.equal(v.Locals.$d.value, '-1.7976931348623157e+308');
      assert.equal(v.Locals.$acc.value, '7');
      assert.equal(v.Globals.$count.value, '-9223372036854775807');
      const mem = await dc.customRequest('readMemory', { memoryReference: '2000', count: 6 }) as DebugProtocol.ReadMemoryResponse;
      assert.equal(Buffer.from(mem.body!.data!, 'base64').toString(), 'start\n');
      await assert.rejects(dc.continueRequest({ threadId: 1 }), /post-mortem/);
    });
  });

  describe('conditions, hit counts, logpoints, expressions', () => {
    let dc: DebugClient;
    beforeEach(() => { dc = client(); return dc.start(); });
    afterEach(() => dc.stop());

    it('stops only where the condition and hit count say; logpoints log and go on', async () => {
      const out = collectOutput(dc);
      let bps: DebugProtocol.Breakpoint[] = [];
      dc.once('initialized', async () => {
        bps = (await dc.setBreakpointsRequest({
          source: { path: FIXTURE }, breakpoints: [
            { line: 30, logMessage: 'i={$i} acc={$acc} big>>60={$big >> 60} d<0={$d < 0} {nosuch}' },
            { line: 31, hitCondition: '% 2' },
            { line: 32, condition: '$i == 3 && $count > -9223372036854775808' },
            { line: 33, condition: '$i +' },
            { line: 34, hitCondition: 'often' },
          ],
        })).body.breakpoints;
        await dc.configurationDoneRequest();
      });
      await dc.initializeRequest();
      const stopAt = async () => {
        const st = await dc.stackTraceRequest({ threadId: 1 });
        const v = await variables(dc, st.body.stackFrames[0].id);
        return [st.body.stackFrames[0].line, v.Locals.$i.value];
      };
      await Promise.all([dc.waitForEvent('stopped'), dc.launchRequest({ program: FIXTURE, target: 'x86_64' } as DebugProtocol.LaunchRequestArguments)]);
      assert.deepEqual(bps.map((b) => b.verified), [true, true, true, false, false]);
      assert.match(bps[3].message ?? '', /^condition "\$i \+": the expression ends too early$/);
      assert.match(bps[4].message ?? '', /^hit count "often": expected N, >= N/);
      // line 31 on its 2nd and 4th hit ($i = 1, 3), line 32 once ($i = 3)
      assert.deepEqual(await stopAt(), [31, '1']);
      await Promise.all([dc.waitForEvent('stopped'), dc.continueRequest({ threadId: 1 })]);
      assert.deepEqual(await stopAt(), [31, '3']);
      await Promise.all([dc.waitForEvent('stopped'), dc.continueRequest({ threadId: 1 })]);
      assert.deepEqual(await stopAt(), [32, '3']);

      // the debug console: operators over locals, globals and memory
      const ev = async (expression: string) => (await dc.evaluateRequest({ expression, context: 'repl' })).body.result;
      assert.equal(await ev('$acc * 2 + ($i << 4)'), String(7 * 4 * 2 + (3 << 4))); // line 30 ran 4 times
      assert.equal(await ev('$d < -1e308 && $big == 0x7fffffffffffffff'), '1');
      assert.equal(await ev('$count - -9223372036854775808'), '4');
      assert.equal(await ev('u8[2000] == 115 && i32[1004] > 0'), '1');
      assert.equal(await ev('$scale * 10'), '1');
      await assert.rejects(ev('($i'), /expected '\)' but found the end/);
      await assert.rejects(ev('$i / 0'), /division by zero/);

      await Promise.all([dc.waitForEvent('terminated'), dc.continueRequest({ threadId: 1 })]);
      assert.equal(out.stdout, `start\n${EXPECTED_TAIL}`);
      const logs = out.console.split('\n').filter((l) => l.startsWith('i='));
      assert.deepEqual(logs, [0, 1, 2, 3, 4].map((i) => `i=${i} acc=${7 * i} big>>60=7 d<0=1 {nosuch: no local or global named nosuch}`));
    });
  });

  describe('writeMemory', () => {
    let dc: DebugClient;
    beforeEach(() => { dc = client(); return dc.start(); });
    afterEach(() => dc.stop());

    it('changes linear memory of the stopped program; the program prints it; bad ranges are refused', async () => {
      const out = collectOutput(dc);
      dc.once('initialized', async () => {
        await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'main' }] });
        await dc.configurationDoneRequest();
      });
      await dc.initializeRequest();
      await Promise.all([dc.waitForEvent('stopped'), dc.launchRequest({ program: FIXTURE, target: 'aarch64' } as DebugProtocol.LaunchRequestArguments)]);
      // the "start\n" data segment at 2000, before $main writes it out
      const w = await dc.customRequest('writeMemory', { memoryReference: '0x7d0', offset: 0, data: Buffer.from('START').toString('base64') }) as DebugProtocol.WriteMemoryResponse;
      assert.equal(w.body?.bytesWritten, 5);
      const mem = await dc.customRequest('readMemory', { memoryReference: '0x7d0', count: 6 }) as DebugProtocol.ReadMemoryResponse;
      assert.equal(Buffer.from(mem.body!.data!, 'base64').toString(), 'START\n');
      await assert.rejects(dc.customRequest('writeMemory', { memoryReference: '0xfffe', data: Buffer.from('abc').toString('base64') }),
        /range 0xfffe\+3 is outside the memory \(65536 bytes\)/);
      await assert.rejects(dc.customRequest('writeMemory', { memoryReference: '0x10', data: '@@@' }), /data is not base64/);
      await Promise.all([dc.waitForEvent('terminated'), dc.continueRequest({ threadId: 1 })]);
      assert.equal(out.stdout, `START\n${EXPECTED_TAIL}`);
    });
  });

  describe('v128 values', () => {
    let dc: DebugClient;
    beforeEach(() => { dc = client(); return dc.start(); });
    afterEach(() => dc.stop());

    for (const arch of ARCHES) {
      it(`a v128 local opens into its lanes in every shape (${arch})`, async () => {
        const simd = join(ROOT, 'debug-adapter', 'test', 'fixtures', 'simd.wat');
        dc.once('initialized', async () => {
          await dc.setBreakpointsRequest({ source: { path: simd }, breakpoints: [{ line: 5 }, { line: 7 }] });
          await dc.configurationDoneRequest();
        });
        await dc.initializeRequest();
        await Promise.all([dc.waitForEvent('stopped'), dc.launchRequest({ program: simd, target: arch } as DebugProtocol.LaunchRequestArguments)]);
        const lanes = async () => {
          const st = await dc.stackTraceRequest({ threadId: 1 });
          const v = (await variables(dc, st.body.stackFrames[0].id)).Locals.$v;
          assert.ok(v.variablesReference > 0, 'a v128 has children');
          const kids = (await dc.variablesRequest({ variablesReference: v.variablesReference })).body.variables;
          return { value: v.value, kids: Object.fromEntries(kids.map((k) => [k.name, k.value])) };
        };
        let l = await lanes();
        assert.equal(l.value, '0x800000007fffffff fffffffe00000001'.replace(' ', ''));
        assert.deepEqual(l.kids, {
          i8x16: '[1, 0, 0, 0, -2, -1, -1, -1, -1, -1, -1, 127, 0, 0, 0, -128]',
          i16x8: '[1, 0, -2, -1, -1, 32767, 0, -32768]',
          i32x4: '[1, -2, 2147483647, -2147483648]',
          i64x2: '[-8589934591, -9223372034707292161]',
          f32x4: '[1e-45, nan, nan, -0]',
          f64x2: '[nan, -1.060997895e-314]',
        });
        await Promise.all([dc.waitForEvent('stopped'), dc.continueRequest({ threadId: 1 })]);
        l = await lanes();
        assert.equal(l.kids.f64x2, '[-0, 1.5]');
        await Promise.all([dc.waitForEvent('terminated'), dc.continueRequest({ threadId: 1 })]);
      });
    }
  });

  describe('.wasm, set variable, pause, restart', () => {
    let dc: DebugClient;
    beforeEach(() => { dc = client(); return dc.start(); });
    afterEach(() => dc.stop());

    it('a .wasm shows a generated disassembly; frames point into it', async () => {
      const { watToBinary } = await import('../../compiler-core/src/index');
      const { readFileSync, writeFileSync } = await import('node:fs');
      const wasm = join(snapDir, 'dbg.wasm');
      writeFileSync(wasm, await watToBinary(readFileSync(FIXTURE, 'utf8'), FIXTURE));
      dc.once('initialized', async () => {
        await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: '$accumulate' }] });
        await dc.configurationDoneRequest();
      });
      await dc.initializeRequest();
      await Promise.all([dc.waitForEvent('stopped'), dc.launchRequest({ program: wasm, target: 'x86_64' } as DebugProtocol.LaunchRequestArguments)]);
      const st = await dc.stackTraceRequest({ threadId: 1 });
      const src = st.body.stackFrames[0].source!;
      assert.ok(src.sourceReference! > 0);
      const text = (await dc.sourceRequest({ sourceReference: src.sourceReference!, source: src })).body.content.split('\n');
      assert.match(text[st.body.stackFrames[0].line - 1], /^\(func \$accumulate\b.*@0x/);
      assert.match(text[st.body.stackFrames[1].line - 1], /^\s*call \$accumulate/);
      // a breakpoint on a disassembly line: each instruction that starts a statement is a place to stop
      const loopLine = text.findIndex((l) => /^\s*loop\b/.test(l)) + 1;
      const bp = await dc.setBreakpointsRequest({ source: src, breakpoints: [{ line: loopLine }, { line: loopLine + 2 }] });
      assert.deepEqual(bp.body.breakpoints.map((b) => [b.verified, b.line]), [[true, loopLine], [true, loopLine + 1]]);
      await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
      await Promise.all([dc.waitForEvent('stopped'), dc.continueRequest({ threadId: 1 })]);
      const st2 = await dc.stackTraceRequest({ threadId: 1 });
      assert.equal(st2.body.stackFrames[0].line, loopLine);
      await dc.terminateRequest();
    });

    it('setVariable changes a local and a global of the running program; restart runs again', async () => {
      let stdout = '';
      dc.on('output', (e: DebugProtocol.OutputEvent) => { if (e.body.category === 'stdout') stdout += e.body.output; });
      dc.once('initialized', async () => {
        await dc.setBreakpointsRequest({ source: { path: FIXTURE }, breakpoints: [{ line: LOOP_LINE }] });
        await dc.configurationDoneRequest();
      });
      await dc.initializeRequest();
      await Promise.all([dc.waitForEvent('stopped'), dc.launchRequest({ program: FIXTURE, target: 'x86_64' } as DebugProtocol.LaunchRequestArguments)]);
      // restart: a new run, stopped at the breakpoint's first hit again (after one more step in the old run)
      await Promise.all([dc.waitForEvent('stopped'), dc.nextRequest({ threadId: 1 })]);
      await Promise.all([dc.waitForEvent('stopped'), dc.restartRequest({})]);
      const st = await dc.stackTraceRequest({ threadId: 1 });
      assert.equal(st.body.stackFrames[0].line, LOOP_LINE);
      const scopes = await dc.scopesRequest({ frameId: st.body.stackFrames[0].id });
      const locals = scopes.body.scopes[0].variablesReference;
      assert.equal((await variables(dc, st.body.stackFrames[0].id)).Locals.$i.value, '0');
      // acc = 100 before the 5 iterations that add 7 each: the result is 135 + MAX + MIN = 134
      const r = await dc.setVariableRequest({ variablesReference: locals, name: '$acc', value: '100' });
      assert.equal(r.body.value, '100');
      const g = await dc.setVariableRequest({ variablesReference: scopes.body.scopes[2].variablesReference, name: '$count', value: '0' });
      assert.equal(g.body.value, '0');
      await assert.rejects(dc.setVariableRequest({ variablesReference: locals, name: '$acc', value: 'abc' }), /not a valid i64/);
      await dc.setBreakpointsRequest({ source: { path: FIXTURE }, breakpoints: [] });
      await Promise.all([dc.waitForEvent('terminated'), dc.continueRequest({ threadId: 1 })]);
      assert.equal(stdout, 'start\nstart\n134\n5\n'); // "start" of the first run, then the second run
    });

    it('pause stops a running program at its next migration point; disconnect leaves nothing running', async () => {
      const { compileCached } = await import('../../compiler-core/src/index');
      const { parseTarget } = await import('../../compiler-core/src/index');
      const exe = await compileCached(OTHER, parseTarget('x86_64'), DEBUG_OPT_LEVEL, true); // the ELF the adapter runs
      const running = () => { try { return execFileSync('pgrep', ['-f', exe]).toString().trim(); } catch { return ''; } };
      dc.once('initialized', () => dc.configurationDoneRequest());
      await dc.initializeRequest();
      await dc.launchRequest({ program: OTHER, target: 'x86_64' } as DebugProtocol.LaunchRequestArguments);
      await new Promise((r) => setTimeout(r, 20));
      const [ev] = await Promise.all([dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>, dc.pauseRequest({ threadId: 1 })]);
      assert.equal(ev.body.reason, 'pause');
      const st = await dc.stackTraceRequest({ threadId: 1 });
      assert.ok(st.body.stackFrames.length >= 1);
      assert.notEqual(running(), '', 'the program runs while paused');
      await dc.disconnectRequest({ terminateDebuggee: true });
      assert.equal(running(), '', 'nothing left running after disconnect');
    });
  });

  describe('a normal build (debugPoints: false)', () => {
    let dc: DebugClient;
    beforeEach(() => { dc = client(); return dc.start(); });
    afterEach(() => dc.stop());

    it('stops only at loops and recursive entries; other lines are unverified with the reason; next goes by points', async () => {
      const bpDone = dc.waitForEvent('initialized').then(() => dc.setBreakpointsRequest({
        source: { path: FIXTURE }, breakpoints: [{ line: LOOP_LINE }, { line: 31 }, { line: 38 }],
      })).then(async (r) => { await dc.configurationDoneRequest(); return r; });
      await dc.initializeRequest();
      await Promise.all([dc.waitForEvent('stopped'),
        dc.launchRequest({ program: FIXTURE, target: 'x86_64', debugPoints: false } as DebugProtocol.LaunchRequestArguments)]);
      const bps = (await bpDone).body.breakpoints;
      assert.deepEqual(bps.map((b) => [b.verified, b.line]), [[true, LOOP_LINE], [false, 31], [false, 38]]);
      assert.match(bps[1].message ?? '', /no migration point .*--debug-points/);
      let st = await dc.stackTraceRequest({ threadId: 1 });
      assert.deepEqual(st.body.stackFrames.map((f) => [f.name.split(' ')[0], f.line]), [['accumulate', LOOP_LINE], ['main', 41]]);
      await Promise.all([dc.waitForEvent('stopped'), dc.nextRequest({ threadId: 1 })]);
      st = await dc.stackTraceRequest({ threadId: 1 });
      assert.equal(st.body.stackFrames[0].line, LOOP_LINE);
      assert.equal((await variables(dc, st.body.stackFrames[0].id)).Locals.$i.value, '1');
      await Promise.all([dc.waitForEvent('terminated'), dc.terminateRequest()]);
    });
  });

  describe('bad launch configurations', () => {
    let dc: DebugClient;
    beforeEach(() => { dc = client(); return dc.start(); });
    afterEach(() => dc.stop());
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['no program', {}, /"program".*required/],
      ['missing program', { program: '/nonexistent/x.wat' }, /does not exist/],
      ['unknown target', { program: FIXTURE, target: 'riscv' }, /unknown target 'riscv'/],
      ['not a module', { program: join(ROOT, 'package.json') }, /neither a \.wat\/\.wasm module nor an ELF/],
      ['snapshot of another module', { program: OTHER, snapshot: '@SNAP' }, /another module/],
      ['debugPoints not a boolean', { program: FIXTURE, debugPoints: 'yes' }, /"debugPoints" must be true or false/],
      ['args with restore', { program: FIXTURE, restore: '@SNAP', args: ['x'] }, /saved arguments/],
    ];
    for (const [name, args, re] of cases) {
      it(name, async function () {
        if (JSON.stringify(args).includes('@SNAP')) {
          assert.ok(x86Snapshot, 'no snapshot to start from: the x86_64 breakpoint test above did not write one (see its failure)');
          for (const k of Object.keys(args)) if (args[k] === '@SNAP') args[k] = x86Snapshot;
        }
        assert.match(await launchError(dc, args), re);
      });
    }
  });
});
