/**
 * C++ and Rust at source level through the adapter (the fixtures of test-fixtures/source, -g -O0,
 * built at test time), on x86_64 and aarch64 (qemu): the call stack in the language's own
 * function names, a class through `this`, a std::vector's elements, a reference parameter, a
 * template instance; a Rust struct and its fields, a String and a Vec, a loop stepped by line, recursion; the
 * program's whole output.
 */
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { parseTarget } from '../../compiler-core/src/index';
import { requireToolchain, sourceFixture, type SourceFixture, type SourceLang } from '../../test/helpers/sourceFixtures';
import { DEBUG_OPT_LEVEL } from '../src/launchConfig';
import { dapClient, evaluate, lineWith, locals, members, stopAfter, values, where } from './sourceDap';

const ARCHES = ['x86_64', 'aarch64'] as const;

function suite(lang: SourceLang, file: string, body: (fx: () => SourceFixture, run: (arch: string, lines: number[]) => Promise<DebugClient & { stdout(): string }>) => void): void {
  describe(`debug adapter: ${lang === 'cpp' ? 'C++' : 'Rust'} at source level (DWARF)`, function () {
    this.timeout(600000);
    let fx: SourceFixture;
    const clients: DebugClient[] = [];
    before(async function () {
      await requireToolchain(this, lang);
      fx = await sourceFixture(lang, 'O0');
      const { compileCached } = await import('../../compiler-core/src/index');
      for (const a of ARCHES) await compileCached(fx.wasm, parseTarget(a), DEBUG_OPT_LEVEL, true);
    });
    afterEach(async () => { for (const dc of clients.splice(0)) await dc.stop(); });
    body(() => fx, async (arch, lines) => {
      const dc = dapClient();
      clients.push(dc);
      await dc.start();
      let out = '';
      dc.on('output', (e: DebugProtocol.OutputEvent) => { if (e.body.category === 'stdout') out += e.body.output; });
      const set = dc.waitForEvent('initialized').then(async () => {
        const r = await dc.setBreakpointsRequest({ source: { path: join(fx.srcDir, file) }, breakpoints: lines.map((line) => ({ line })) });
        assert.deepEqual(r.body.breakpoints.map((b) => [b.verified, b.line]), lines.map((l) => [true, l]));
        await dc.configurationDoneRequest();
      });
      const stopped = dc.waitForEvent('stopped');
      await dc.initializeRequest();
      await dc.launchRequest({ program: fx.wasm, target: arch } as DebugProtocol.LaunchRequestArguments);
      await set;
      await stopped;
      return Object.assign(dc, { stdout: () => out });
    });
  });
}

/** Clears the breakpoints of `file`, runs to the end, and checks the whole output. */
async function finish(dc: DebugClient & { stdout(): string }, fx: SourceFixture, file: string): Promise<void> {
  await dc.setBreakpointsRequest({ source: { path: join(fx.srcDir, file) }, breakpoints: [] });
  const ended = dc.waitForEvent('terminated');
  await dc.continueRequest({ threadId: 1 });
  await ended;
  assert.equal(dc.stdout(), fx.expectedStdout);
}

suite('cpp', 'main.cpp', (fixture, run) => {
  for (const arch of ARCHES) {
    it(`${arch}: a method through this, a template instance over a std::vector, a reference parameter; step out`, async () => {
      const fx = fixture();
      const method = fx.lineOf('main.cpp', 'method-body');
      const template = fx.lineOf('main.cpp', 'template-body');
      const ref = fx.lineOf('main.cpp', 'ref-param');
      const dc = await run(arch, [method, template, ref]);
      assert.deepEqual(await where(dc, 2), [`Counter::advance(int) main.cpp:${method}`, `main main.cpp:${fx.lineOf('main.cpp', 'main-start')}`]);
      const v = await locals(dc);
      assert.equal(v.times.value, '4');
      assert.equal(v.i.value, '0');
      assert.match(v.this.value, /^\(Counter \*\) 0x[0-9a-f]+$/);
      const self = values(await members(dc, (await members(dc, v.this))['*this']));
      assert.deepEqual(self, { name_: '"steps"', step_: '3', count_: '0' });
      assert.equal(await evaluate(dc, 'count_ + step_ * times'), '12');

      // the template instance (the method's breakpoint off: it is in a loop): its vector parameter (a reference) opens into the elements
      await dc.setBreakpointsRequest({ source: { path: join(fx.srcDir, 'main.cpp') }, breakpoints: [{ line: template }, { line: ref }] });
      assert.deepEqual((await stopAfter(dc, () => dc.continueRequest({ threadId: 1 })))[0], `int largest<int>(std::__2::vector<int, std::__2::allocator<int>> const&) main.cpp:${template}`);
      const t = await locals(dc);
      assert.equal(t.i.value, '1');
      assert.deepEqual(values(await members(dc, t.values)), { '[0]': '4', '[1]': '8', '[2]': '15', '[3]': '16', '[4]': '23', '[5]': '42' });
      // main's own vector of doubles, one frame up
      assert.deepEqual(values(await members(dc, (await locals(dc, 1)).weights)), { '[0]': '0.5', '[1]': '2.25', '[2]': '1.75' });

      // a reference parameter shows the value it refers to; step out returns to the loop in main
      await dc.setBreakpointsRequest({ source: { path: join(fx.srcDir, 'main.cpp') }, breakpoints: [{ line: ref }] });
      assert.deepEqual((await stopAfter(dc, () => dc.continueRequest({ threadId: 1 })))[0], `add_to(int&, int) main.cpp:${ref}`);
      assert.deepEqual(values(await locals(dc)), { amount: '8', total: '0' });
      assert.deepEqual((await stopAfter(dc, () => dc.stepOutRequest({ threadId: 1 })))[0], `main main.cpp:${lineWith(fx, 'main.cpp', 'add_to(total, n)')}`);
      await finish(dc, fx, 'main.cpp');
    });
  }
});

suite('rust', 'main.rs', (fixture, run) => {
  for (const arch of ARCHES) {
    it(`${arch}: a struct and its fields, a String and a Vec, a loop by line, recursion`, async () => {
      const fx = fixture();
      const loop = fx.lineOf('main.rs', 'loop-body');
      const base = fx.lineOf('main.rs', 'recursion-base');
      const dc = await run(arch, [loop, base]);
      assert.deepEqual(await where(dc, 2), [`main::total main.rs:${loop}`, `main::main main.rs:${lineWith(fx, 'main.rs', 'total(&player.scores)')}`]);
      const v = await locals(dc);
      assert.deepEqual([v.sum.value, v.i.value], ['0', '0']);
      assert.equal(await evaluate(dc, 'sum + 5'), '5');
      // main's player: its fields, the nested Point
      const main = await locals(dc, 1);
      const player = await members(dc, main.player);
      assert.deepEqual(Object.keys(player).sort(), ['name', 'position', 'scores']);
      // String and Vec as Rust shows them (the engine has no Rust formatters: rustStd.ts)
      assert.equal(player.name.value, '"ferris"');
      assert.equal(player.scores.value, 'Vec<int> (len 4)');
      assert.deepEqual(values(await members(dc, player.scores)), { '[0]': '10', '[1]': '20', '[2]': '30', '[3]': '40' });
      assert.equal(await evaluate(dc, 'player.name', 1), '"ferris"');
      assert.deepEqual(values(await members(dc, player.position)), { x: '3', y: '-4' });
      assert.equal(await evaluate(dc, 'player.position.y', 1), '-4');
      // next goes by line through the loop: line 41 (i += 1), then the condition, then the body again
      assert.equal((await stopAfter(dc, () => dc.nextRequest({ threadId: 1 })))[0], `main::total main.rs:${loop + 1}`);
      assert.equal((await stopAfter(dc, () => dc.nextRequest({ threadId: 1 })))[0], `main::total main.rs:${loop - 1}`);
      assert.equal((await stopAfter(dc, () => dc.nextRequest({ threadId: 1 })))[0], `main::total main.rs:${loop}`);
      assert.deepEqual([(await locals(dc)).sum.value, (await locals(dc)).i.value], ['10', '1']);
      // the recursion's base case: four frames of depth_sum, n = 0 at the top
      await dc.setBreakpointsRequest({ source: { path: join(fx.srcDir, 'main.rs') }, breakpoints: [{ line: base }] });
      const stack = await stopAfter(dc, () => dc.continueRequest({ threadId: 1 }));
      assert.equal(stack[0], `main::depth_sum main.rs:${base}`);
      assert.deepEqual((await where(dc, 5)).slice(1, 5).map((f) => f.split(' ')[0]), ['main::depth_sum', 'main::depth_sum', 'main::depth_sum', 'main::main']);
      assert.equal((await locals(dc)).n.value, '0');
      assert.equal((await locals(dc, 3)).n.value, '3');
      await finish(dc, fx, 'main.rs');
    });
  }
});
