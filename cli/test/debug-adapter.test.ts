/**
 * `wanco debug-adapter`: the CLI subcommand serves the debug adapter over stdio (the adapter itself is
 * tested in debug-adapter/test). A debug build of the adapter's fixture runs to its end through it.
 */
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { packageRoot } from '../../compiler-core/src/index';

const ROOT = packageRoot();
const FIXTURE = join(ROOT, 'debug-adapter', 'test', 'fixtures', 'dbg.wat');
const ADAPTER = join(ROOT, 'out', 'cli', 'test', 'dapStdio.js');
const EXPECTED_TAIL = '34\n-9223372036854775803\n';

describe('wanco debug-adapter', () => {
  let dc: DebugClient;
  beforeEach(() => {
    dc = new DebugClient(process.execPath, ADAPTER, 'wanco', { env: { ...process.env, WANCO_CACHE_DIR: join(ROOT, 'out', 'dap-cache') } });
    dc.defaultTimeout = 300_000;
    return dc.start();
  });
  afterEach(() => dc.stop());

  it('answers initialize and runs a program to its end (x86_64)', async () => {
    let stdout = '';
    let shown = ''; // everything the Debug Console showed, for the failure message
    let exitCode: number | undefined;
    dc.on('output', (e: DebugProtocol.OutputEvent) => {
      if (e.body.category === 'stdout') stdout += e.body.output;
      shown += `[${e.body.category ?? 'console'}] ${e.body.output}`;
    });
    dc.on('exited', (e: DebugProtocol.ExitedEvent) => { exitCode = e.body.exitCode; });
    const init = await dc.initializeRequest();
    assert.equal(init.success, true);
    const configured = dc.waitForEvent('initialized').then(() => dc.configurationDoneRequest());
    const ended = dc.waitForEvent('terminated');
    await dc.launchRequest({ program: FIXTURE, target: 'x86_64' } as DebugProtocol.LaunchRequestArguments);
    await configured;
    await ended;
    assert.ok(stdout.endsWith(EXPECTED_TAIL), `program output: ${JSON.stringify(stdout)}; exit code ${exitCode}; the Debug Console showed:\n${shown}`);
  });
});
