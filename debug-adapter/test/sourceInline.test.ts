/**
 * Inlined functions at source level: the C fixture built with clang -g -O2 inlines `count_twice`
 * into `main`; at a breakpoint in `count_twice` the call stack shows it as a frame of its own, at its line,
 * above `main` at the line of the call, both in the one Wasm frame, on x86_64 and aarch64.
 */
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireToolchain, sourceFixture, type SourceFixture } from '../../test/helpers/sourceFixtures';
import { dapClient, where } from './sourceDap';

describe('debug adapter: an inlined C function at source level (clang -O2)', function () {
  this.timeout(600000);
  let fx: SourceFixture;
  const snapDir = mkdtempSync(join(tmpdir(), 'wanco-dap-inline-'));
  before(async function () {
    await requireToolchain(this, 'c');
    fx = await sourceFixture('c', 'O2');
  });

  for (const arch of ['x86_64', 'aarch64'] as const) {
    it(`${arch}: a breakpoint inside the inlined function stops there; the stack has it above its caller, at the call's line`, async () => {
      const dc: DebugClient = dapClient();
      let stdout = '';
      dc.on('output', (e: DebugProtocol.OutputEvent) => { if (e.body.category === 'stdout') stdout += e.body.output; });
      await dc.start();
      try {
        const body = fx.lineOf('main.c', 'inlined-body');
        const call = fx.lineOf('main.c', 'main-inlined-call');
        let answer: DebugProtocol.Breakpoint[] = [];
        const set = dc.waitForEvent('initialized').then(async () => {
          answer = (await dc.setBreakpointsRequest({ source: { path: join(fx.srcDir, 'main.c') }, breakpoints: [{ line: body }] })).body.breakpoints;
          await dc.configurationDoneRequest();
        });
        const stopped = dc.waitForEvent('stopped');
        await dc.initializeRequest();
        await dc.launchRequest({ program: fx.wasm, target: arch, snapshotDir: snapDir } as DebugProtocol.LaunchRequestArguments);
        await set;
        await stopped;
        assert.deepEqual(answer.map((b) => [b.verified, b.line]), [[true, body]]);
        const stack = await where(dc, 2);
        assert.deepEqual(stack, [`count_twice main.c:${body}`, `main main.c:${call}`]);
        const done = dc.waitForEvent('terminated');
        await dc.continueRequest({ threadId: 1 });
        await done;
        assert.match(stdout, /depth_sum\(3\) = 60\ncalls 8\n$/);
      } finally {
        await dc.stop();
      }
    });
  }
});
