/**
 * One text per value: the live debugger (the runtime sends raw bits), the post-mortem debugger (a
 * snapshot of that stop) and `wanco snapshot inspect` show every local alike, on both targets, and
 * the native place of a value reads the same live and post-mortem.
 */
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileCached, packageRoot, parseTarget } from '../../compiler-core/src/index';
import { DEBUG_OPT_LEVEL } from '../src/launchConfig';

const ROOT = packageRoot();
const FIXTURE = join(ROOT, 'debug-adapter', 'test', 'fixtures', 'values.wat');
const ADAPTER = join(ROOT, 'out', 'debug-adapter', 'test', 'dapStdio.js');
const WANCO = join(ROOT, 'bin', 'wanco');
const LOOP_LINE = 21; // (loop $again
const ARCHES = ['x86_64', 'aarch64'] as const;

/** What a person must read for each local at the loop (the first time round: $n is 3). */
const EXPECTED: Record<string, string> = {
  $n: '3', $tenth: '0.1', $third: '0.33333334', $negzero: '-0', $inf: 'inf', $nan: 'nan (0x7ff8000000000001)',
  $min: '-9223372036854775808', $minus1: '-1', $lanes: '0xfffffffc00000003fffffffe00000001', $fn: 'func 0 <spin>', $ext: 'null',
};

process.env.WANCO_CACHE_DIR = join(ROOT, 'out', 'dap-cache');

function client(): DebugClient {
  const dc = new DebugClient(process.execPath, ADAPTER, 'wanco', { env: process.env });
  dc.defaultTimeout = 60000;
  return dc;
}

type Shown = Record<string, { value: string; type: string }>;

async function locals(dc: DebugClient): Promise<{ locals: Shown; globals: Shown }> {
  const st = await dc.stackTraceRequest({ threadId: 1 });
  const scopes = (await dc.scopesRequest({ frameId: st.body.stackFrames[0].id })).body.scopes;
  const read = async (name: string) => Object.fromEntries((await dc.variablesRequest({ variablesReference: scopes.find((s) => s.name === name)!.variablesReference }))
    .body.variables.map((v: DebugProtocol.Variable) => [v.name, { value: v.value, type: v.type ?? '' }]));
  return { locals: await read('Locals'), globals: await read('Globals') };
}

describe('value text: live = post-mortem = CLI', function () {
  this.timeout(240000);
  const snapDir = mkdtempSync(join(tmpdir(), 'wanco-values-'));

  before(async () => {
    for (const a of ARCHES) await compileCached(FIXTURE, parseTarget(a), DEBUG_OPT_LEVEL, true);
  });

  for (const arch of ARCHES) {
    it(`${arch}: every local and global reads the same in the three views`, async () => {
      // live: stop at the loop, read the frame, write a checkpoint of this very stop
      let dc = client();
      await dc.start();
      let live: { locals: Shown; globals: Shown };
      let snapshot: string;
      try {
        dc.once('initialized', async () => {
          await dc.setBreakpointsRequest({ source: { path: FIXTURE }, breakpoints: [{ line: LOOP_LINE }] });
          await dc.configurationDoneRequest();
        });
        await dc.initializeRequest();
        await Promise.all([dc.waitForEvent('stopped'),
          dc.launchRequest({ program: FIXTURE, target: arch, snapshotDir: snapDir } as DebugProtocol.LaunchRequestArguments)]);
        live = await locals(dc);
        snapshot = (await dc.customRequest('checkpoint', {})).body.path;
      } finally {
        await dc.stop();
      }
      for (const [name, text] of Object.entries(EXPECTED)) assert.equal(live.locals[name]?.value, text, `live ${name}`);
      assert.equal(live.globals.$g32.value, '0.1');
      assert.equal(live.globals.$ninf.value, '-inf');
      assert.match(live.locals.$tenth.type, /^f32 bits 0x3dcccccd @ /);

      // post-mortem: the snapshot of that stop
      dc = client();
      await dc.start();
      let dead: { locals: Shown; globals: Shown };
      try {
        dc.once('initialized', () => dc.configurationDoneRequest());
        await dc.initializeRequest();
        await Promise.all([dc.waitForEvent('stopped'), dc.launchRequest({ snapshot, program: FIXTURE } as DebugProtocol.LaunchRequestArguments)]);
        dead = await locals(dc);
      } finally {
        await dc.stop();
      }
      assert.deepEqual(dead.locals, live.locals, 'post-mortem locals (value, type, native place) = live');
      for (const [name, g] of Object.entries(live.globals)) assert.equal(dead.globals[name]?.value, g.value, `post-mortem global ${name}`);

      // the CLI: `local K: TYPE = TEXT` in the innermost frame, in local order
      const text = execFileSync(process.execPath, [WANCO, 'snapshot', 'inspect', '--module', FIXTURE, snapshot], { encoding: 'utf8' });
      const header = /^ {2}#\d+ func 0 <spin> at .*$/m.exec(text);
      assert.ok(header, `the CLI shows $spin's frame:\n${text}`);
      const frame = text.slice(header.index + header[0].length).split(/^ {2}#\d+ |^\S/m)[0];
      const cli = [...frame.matchAll(/^ {6}local (\d+): (\w+) = (.*)$/gm)].map((m) => m[3]);
      assert.deepEqual(cli, Object.values(live.locals).map((v) => v.value), `CLI locals = live:\n${frame}`);
    });
  }
});
