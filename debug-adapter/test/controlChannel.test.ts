/**
 * The runtime's control socket driven by RuntimeClient, as a client that sends what it should
 * not: ranges that wrap around, bits of the wrong width, commands that do not exist. Each gets an
 * error that says what is wrong, and the program stays stopped and answering.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { compileCached, hostTarget, packageRoot, parseTarget, pointIdText, pointId } from '../../compiler-core/src/index';
import { RuntimeClient } from '../src/runtimeClient';

const FIXTURE = join(packageRoot(), 'debug-adapter', 'test', 'fixtures', 'values.wat');
process.env.WANCO_CACHE_DIR = join(packageRoot(), 'out', 'dap-cache');

describe('control channel: bad requests get errors, never a crash or a read outside memory', function () {
  this.timeout(120000);
  let rt: RuntimeClient;

  before(async () => {
    const exe = await compileCached(FIXTURE, parseTarget(hostTarget() ?? 'x86_64'), 2, true);
    rt = new RuntimeClient();
    const stopped = new Promise((r) => rt.once('stopped', r));
    await rt.start({ command: exe, commandArgs: [], args: [] });
    await stopped; // paused before the entry function
    const points = (await rt.request<{ points: { id: string; kind: string }[] }>('points')).points;
    const loop = points.find((p) => p.kind === 'loop');
    assert.ok(loop, 'the fixture has a loop point');
    await rt.request('enable', { points: [loop.id] });
    const atLoop = new Promise((r) => rt.once('stopped', r));
    await rt.resume();
    await atLoop;
  });
  after(() => rt?.terminate());

  it('read_memory and write_memory refuse ranges that wrap around the address space', async () => {
    // addr + len wraps to 1, inside the 64 KiB memory: a sum check would read the byte before it
    await assert.rejects(rt.request('read_memory', { addr: '0xffffffffffffffff', len: 2 }), /range 0xffffffffffffffff\+2 is outside the memory \(65536 bytes\)/);
    await assert.rejects(rt.request('read_memory', { addr: 65535, len: 2 }), /is outside the memory/);
    assert.equal((await rt.request<{ data: string }>('read_memory', { addr: 65535, len: 1 })).data, '00');
    await assert.rejects(rt.request('write_memory', { addr: '0xffffffffffffffff', data: 'AAA=' }), /outside the memory/);
  });

  it('set_local and set_global take bits of the value\'s own width only', async () => {
    const st = await rt.state();
    const frame = st.frames.length - 1; // innermost
    await assert.rejects(rt.request('set_local', { frame, index: 0, bits: '1' }), /bad i32 bits '1'/);
    await assert.rejects(rt.request('set_local', { frame, index: 0, bits: '0000000g' }), /bad i32 bits/);
    await assert.rejects(rt.request('set_local', { frame, index: 9, bits: '00000005' }), /bad funcref bits/); // no function 5
    await assert.rejects(rt.request('set_local', { frame, index: 0, value: '7' }), /set_local needs frame, index and bits/);
    await assert.rejects(rt.request('set_global', { index: 0, bits: '3dcccccd00' }), /bad f32 bits/);
    await assert.rejects(rt.request('set_global', { index: 7, bits: '3dcccccd' }), /there is no global 7/);
  });

  it('unknown commands and point ids are named in the error; the program still answers', async () => {
    await assert.rejects(rt.request('bogus'), /unknown command 'bogus'/);
    await assert.rejects(rt.request('enable', { points: [pointIdText(pointId(99, 1))] }), /0x6300000001/);
    const st = await rt.state();
    assert.equal(st.frames.length, 2);
    assert.deepEqual(st.frames[1].locals[1], { type: 'f32', bits: 0x3dcccccd, place: st.frames[1].locals[1].place });
  });
});

describe('control channel: --pause-on-start holds requests sent before the program reaches its start stop', function () {
  this.timeout(120000);

  it('a resume sent while the Wasm start function still runs is answered, and the program runs to its end', async () => {
    const exe = await compileCached(join(packageRoot(), 'debug-adapter', 'test', 'fixtures', 'slow-start.wat'), parseTarget(hostTarget() ?? 'x86_64'), 2, true);
    const rt = new RuntimeClient();
    let stdout = '';
    rt.on('output', (category: string, text: string) => { if (category === 'stdout') stdout += text; });
    const exited = new Promise<number>((r) => rt.once('exited', r));
    const stops: string[] = [];
    rt.on('stopped', (s: { reason: string }) => stops.push(s.reason));
    try {
      await rt.start({ command: exe, commandArgs: [], args: [] });
      // the start function waits for a second: no start stop yet
      assert.deepEqual(stops, [], 'connected before the start stop');
      await rt.resume();
      assert.equal(await exited, 0);
      assert.deepEqual(stops, ['start']);
      assert.equal(stdout, 'ran\n');
    } finally {
      await rt.terminate();
    }
  });
});
