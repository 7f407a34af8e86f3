/**
 * Source-level debugging through the adapter (DebugClient over stdio) of the C fixture
 * (test-fixtures/source/c, clang -g -O0, built at test time), on x86_64 and aarch64 (qemu):
 * breakpoints in two .c files (exact, moved, refused), the call stack in source functions with
 * file:line, variables by their C names and types (a struct's fields, an array, a pointer
 * followed), C expressions in watch and conditions, logpoints, next / step in / step out by
 * source line, setting a C variable, a checkpoint opened post-mortem in source terms and restored
 * on aarch64 under the debugger.
 */
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseTarget } from '../../compiler-core/src/index';
import { requireToolchain, sourceFixture, type SourceFixture } from '../../test/helpers/sourceFixtures';
import { DEBUG_OPT_LEVEL } from '../src/launchConfig';
import { dapClient, evaluate, lineWith, locals, members, stopAfter, values, where } from './sourceDap';

const ARCHES = ['x86_64', 'aarch64'] as const;

describe('debug adapter: C at source level (DWARF)', function () {
  this.timeout(600000);
  let fx: SourceFixture;
  const snapDir = mkdtempSync(join(tmpdir(), 'wanco-dap-source-'));
  /** the checkpoint the post-mortem test takes on x86_64 */
  let xSnapshot = '';

  before(async function () {
    await requireToolchain(this, 'c');
    fx = await sourceFixture('c', 'O0');
    const { compileCached } = await import('../../compiler-core/src/index');
    for (const a of ARCHES) await compileCached(fx.wasm, parseTarget(a), DEBUG_OPT_LEVEL, true);
  });

  for (const arch of ARCHES) {
    describe(arch, () => {
      let dc: DebugClient;
      let stdout = '';
      const console_: string[] = [];
      beforeEach(() => {
        dc = dapClient();
        stdout = '';
        console_.length = 0;
        dc.on('output', (e: DebugProtocol.OutputEvent) => {
          if (e.body.category === 'stdout') stdout += e.body.output;
          else console_.push(e.body.output);
        });
        return dc.start();
      });
      afterEach(() => dc.stop());

      /** Launches with these breakpoints per file; resolves to their answers once the first stop came. */
      async function launch(bps: Record<string, DebugProtocol.SourceBreakpoint[]>, extra: Record<string, unknown> = {}): Promise<Record<string, DebugProtocol.Breakpoint[]>> {
        const answers: Record<string, DebugProtocol.Breakpoint[]> = {};
        const set = dc.waitForEvent('initialized').then(async () => {
          for (const [file, list] of Object.entries(bps)) {
            answers[file] = (await dc.setBreakpointsRequest({ source: { path: join(fx.srcDir, file) }, breakpoints: list })).body.breakpoints;
          }
          await dc.configurationDoneRequest();
        });
        const stopped = dc.waitForEvent('stopped');
        await dc.initializeRequest();
        await dc.launchRequest({ program: fx.wasm, target: arch, snapshotDir: snapDir, ...extra } as DebugProtocol.LaunchRequestArguments);
        await set;
        await stopped;
        return answers;
      }

      it('breakpoints in two .c files; the stack, locals, a pointer followed and C expressions at a stop in a loop', async () => {
        const loopBody = fx.lineOf('main.c', 'loop-body');
        const blankBefore = lineWith(fx, 'main.c', '/* The loop of the fixture'); // a comment: moves to the function's first line with code
        const answers = await launch({
          'main.c': [{ line: loopBody }, { line: blankBefore }],
          'list.c': [{ line: fx.lineOf('list.c', 'list-sum-body'), condition: 'p->value == 30' }],
          'list.h': [{ line: 1 }],
        });
        assert.deepEqual(answers['main.c'].map((b) => [b.verified, b.line]), [[true, loopBody], [true, lineWith(fx, 'main.c', 'NOINLINE int sum_squares')]]);
        assert.match(answers['main.c'][1].message ?? '', /moved to line \d+, the next line where the program can stop/);
        assert.deepEqual(answers['list.c'].map((b) => b.verified), [true]);
        assert.deepEqual(answers['list.h'].map((b) => [b.verified, b.message]), [[false, `no code of the debugged module comes from ${join(fx.srcDir, 'list.h')}`]]);

        // the moved breakpoint first (sum_squares is called before list_sum), then the loop body
        assert.deepEqual((await where(dc))[0], `sum_squares main.c:${lineWith(fx, 'main.c', 'NOINLINE int sum_squares')}`);
        const stack = await stopAfter(dc, () => dc.continueRequest({ threadId: 1 }));
        assert.deepEqual(stack.slice(0, 2), [`sum_squares main.c:${loopBody}`, `main main.c:${lineWith(fx, 'main.c', 'sum_squares(primes, 5)')}`]);
        const v = await locals(dc);
        const addr = Number(await evaluate(dc, '(unsigned)values')).toString(16);
        assert.deepEqual(Object.fromEntries(Object.entries(v).map(([k, x]) => [k, `${x.value} : ${x.type}`])), {
          values: `(const int *) 0x${addr} : const int *`,
          count: '5 : int', i: '0 : int', square: '4 : int', total: '0 : int',
        });
        assert.deepEqual(values(await members(dc, v.values)), { '*values': '2' });
        assert.equal(await evaluate(dc, 'values[i + 1] * 2'), '6');
        // a struct in the caller (frame 1): its fields, the nested struct and the array field
        const mainLocals = await locals(dc, 1);
        const square = values(await members(dc, mainLocals.square));
        assert.deepEqual(square, { id: '7', origin: 'point', sides: 'int[4]', color: 'GREEN', name: '"square"' });
        assert.equal(await evaluate(dc, 'square.origin.y', 1), '-4');
        assert.equal(await evaluate(dc, 'head->next->value', 1), '20');
        assert.equal(mainLocals.message.value, '"hello, wasm"');
        assert.equal(mainLocals.favourite.value, 'BLUE');
        const primes = values(await members(dc, mainLocals.primes));
        assert.deepEqual(primes, { '[0]': '2', '[1]': '3', '[2]': '5', '[3]': '7', '[4]': '11' });
        await assert.rejects(dc.evaluateRequest({ expression: 'nosuch + 1', frameId: 0, context: 'watch' }), /undeclared identifier 'nosuch'/);

        // without the main.c breakpoints: the conditional one in list.c stops where p->value is 30
        await dc.setBreakpointsRequest({ source: { path: join(fx.srcDir, 'main.c') }, breakpoints: [] });
        const listSum = fx.lineOf('list.c', 'list-sum-body');
        assert.deepEqual((await stopAfter(dc, () => dc.continueRequest({ threadId: 1 }))).slice(0, 2), [`list_sum list.c:${listSum}`, `main main.c:${fx.lineOf('main.c', 'main-list')}`]);
        assert.equal(await evaluate(dc, 'p->value'), '30');
        assert.equal(await evaluate(dc, 'total'), '30'); // 10 + 20 before this node
      });

      it('next, step in and step out go by source line; printf (no source here) is stepped over', async () => {
        const unwind = fx.lineOf('main.c', 'recursion-unwind');
        await launch({ 'main.c': [{ line: fx.lineOf('main.c', 'recursion-base') }] });
        const base = fx.lineOf('main.c', 'recursion-base');
        const call = lineWith(fx, 'main.c', 'int below = depth_sum(n - 1);');
        assert.deepEqual(await where(dc, 5), [
          `depth_sum main.c:${base}`, `depth_sum main.c:${call}`, `depth_sum main.c:${call}`, `depth_sum main.c:${call}`,
          `main main.c:${lineWith(fx, 'main.c', 'depth_sum(3)')}`,
        ]);
        assert.equal((await locals(dc)).n.value, '0');
        assert.equal((await locals(dc, 1)).n.value, '1');
        // step out of the base case: back in the caller at its call, then next to the printf line
        assert.equal((await stopAfter(dc, () => dc.stepOutRequest({ threadId: 1 })))[0], `depth_sum main.c:${call}`);
        assert.equal((await stopAfter(dc, () => dc.nextRequest({ threadId: 1 })))[0], `depth_sum main.c:${unwind}`);
        assert.equal((await locals(dc)).below.value, '0');
        // step in at the printf line: printf has no source here, so the step ends on the next line
        assert.equal((await stopAfter(dc, () => dc.stepInRequest({ threadId: 1 })))[0], `depth_sum main.c:${unwind + 1}`);
        assert.equal((await locals(dc)).here.value, '10');
        // (what printf wrote stays in wasi-libc's buffer until it fills or the program ends: stdout is a pipe here)
        const ended = dc.waitForEvent('terminated');
        await dc.setBreakpointsRequest({ source: { path: join(fx.srcDir, 'main.c') }, breakpoints: [] });
        await dc.continueRequest({ threadId: 1 });
        await ended;
        assert.equal(stdout, readFileSync(join(fx.srcDir, 'expected.txt'), 'utf8'));
      });

      it('a C condition and hit count, a logpoint with C expressions, and setting a C variable change what the program prints', async () => {
        const perimeterLoop = fx.lineOf('main.c', 'perimeter-loop');
        await launch({
          'main.c': [
            { line: perimeterLoop, logMessage: 'side {i}: {s->sides[i]} of {s->name}' },
            { line: fx.lineOf('main.c', 'loop-body'), condition: 'values[i] > 4', hitCondition: '2' },
          ],
        });
        // values are 2 3 5 7 11: the condition holds at i = 2, 3, 4; the 2nd of those stops
        assert.equal(await evaluate(dc, 'i'), '3');
        assert.deepEqual(console_.filter((l) => l.startsWith('side ')), [0, 1, 2, 3].map((i) => `side ${i}: 5 of "square"\n`));
        const total = (await locals(dc)).total;
        assert.equal(total.value, '38'); // 4 + 9 + 25
        const scopes = await dc.scopesRequest({ frameId: 0 });
        const set = await dc.setVariableRequest({ variablesReference: scopes.body.scopes[0].variablesReference, name: 'total', value: '1000' });
        assert.equal(set.body.value, '1000');
        await assert.rejects(dc.setVariableRequest({ variablesReference: scopes.body.scopes[0].variablesReference, name: 'total', value: 'lots' }), /lots is not an integer/);
        await dc.setBreakpointsRequest({ source: { path: join(fx.srcDir, 'main.c') }, breakpoints: [] });
        const ended = dc.waitForEvent('terminated');
        await dc.continueRequest({ threadId: 1 });
        await ended;
        // 1000 + 49 (the square at i = 3, added after the stop) + 121
        assert.match(stdout, /primes: sum of squares 1170\n/);
      });

      if (arch === 'x86_64') {
        it('a checkpoint taken at a source breakpoint opens post-mortem in source terms', async () => {
          const loopBody = fx.lineOf('main.c', 'loop-body');
          await launch({ 'main.c': [{ line: loopBody, hitCondition: '3' }] });
          const live = await where(dc);
          const liveLocals = Object.fromEntries(Object.entries(await locals(dc)).map(([k, x]) => [k, x.value]));
          const snap = (await dc.customRequest('checkpoint', {})).body.path as string;
          await dc.disconnectRequest({});
          await dc.stop();
          dc = dapClient();
          await dc.start();
          await Promise.all([
            dc.waitForEvent('stopped'), dc.waitForEvent('initialized').then(() => dc.configurationDoneRequest()),
            dc.initializeRequest().then(() => dc.launchRequest({ snapshot: snap, program: fx.wasm } as DebugProtocol.LaunchRequestArguments)),
          ]);
          assert.deepEqual(await where(dc), live);
          assert.deepEqual(Object.fromEntries(Object.entries(await locals(dc)).map(([k, x]) => [k, x.value])), liveLocals);
          assert.equal(liveLocals.i, '2');
          assert.equal(basename(snap).endsWith('.wsnap'), true);
          xSnapshot = snap;
        });

        it('restored on aarch64 under the debugger, the program stops at its source breakpoint in source terms and prints the rest', async () => {
          assert.ok(xSnapshot, 'the checkpoint of the test before');
          const loopBody = fx.lineOf('main.c', 'loop-body');
          await launch({ 'main.c': [{ line: fx.lineOf('main.c', 'loop-done') }] });
          // a running session restarts from the x86_64 snapshot on aarch64 (qemu)
          await dc.setBreakpointsRequest({ source: { path: join(fx.srcDir, 'main.c') }, breakpoints: [{ line: loopBody }] });
          stdout = '';
          await Promise.all([dc.waitForEvent('stopped'), dc.customRequest('restore', { snapshot: xSnapshot, target: 'aarch64' })]);
          // the snapshot stood at the loop body's breakpoint with i = 2: the restored run starts there, and stops there first
          assert.deepEqual((await where(dc, 2)), [`sum_squares main.c:${loopBody}`, `main main.c:${lineWith(fx, 'main.c', 'sum_squares(primes, 5)')}`]);
          assert.deepEqual(Object.fromEntries(Object.entries(await locals(dc)).map(([k, x]) => [k, x.value])), { values: (await locals(dc)).values.value, count: '5', i: '2', square: '25', total: '13' });
          assert.equal((await stopAfter(dc, () => dc.continueRequest({ threadId: 1 })))[0], `sum_squares main.c:${loopBody}`);
          assert.equal(await evaluate(dc, 'i'), '3');
          await dc.setBreakpointsRequest({ source: { path: join(fx.srcDir, 'main.c') }, breakpoints: [] });
          const ended = dc.waitForEvent('terminated');
          await dc.continueRequest({ threadId: 1 });
          await ended;
          // what printf had buffered in wasi-libc's stdout buffer (linear memory) comes out of the restored run
          const expected = readFileSync(join(fx.srcDir, 'expected.txt'), 'utf8');
          assert.equal(stdout, expected.slice(expected.indexOf('shape ')));
        });
      }
    });
  }
});
