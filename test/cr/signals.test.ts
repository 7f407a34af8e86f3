/**
 * The checkpoint signals of a plain run: SIGUSR2 writes a snapshot and keeps
 * running (periodic saves), SIGUSR1 writes one and exits. Each snapshot,
 * restored on the other architecture, prints the rest of the output.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileFor, fixtureModule, runElf, workDir } from '../helpers/cr-chain';
import { parseSnapshot } from '../../compiler-core/src/index';
import { checkpointBySignal } from '../../compiler-core/src/index';

describe('checkpoint signals (SIGUSR2 keeps running, SIGUSR1 exits)', function () {
  this.timeout(600000);
  const module = fixtureModule('cr/long-loop.wat');
  let x86: string;
  let arm: string;
  let dir: string;
  let reference: { stdout: string; ms: number };
  /** ms after spawn: fraction f of the uninterrupted run */
  const at = (f: number) => Math.max(10, Math.round(reference.ms * f));

  before(async () => {
    x86 = compileFor(module, 'x86_64');
    arm = compileFor(module, 'aarch64');
    dir = workDir({ name: 'signals', source: '', args: [] });
    const r = await runElf(x86, 'x86_64', [], dir);
    assert.equal(r.code, 0, r.stderr);
    reference = { stdout: r.stdout.toString(), ms: r.ms };
    assert.match(reference.stdout, /^start\n[0-9a-f]{16}\n$/);
  });

  it('SIGUSR2 twice: two snapshots, the run goes on to the same output; the last one restores on aarch64', async () => {
    const snap = join(dir, 'keep.wsnap');
    const r = await runElf(x86, 'x86_64', ['--snapshot', snap], dir, [{ at: at(0.2), signal: 'SIGUSR2' }, { at: at(0.45), signal: 'SIGUSR2' }]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), reference.stdout, 'the run that kept going printed something else');
    const written = r.stderr.match(/checkpoint written to/g) ?? [];
    if (written.length < 2) {
      console.log(`      note: only ${written.length} checkpoint(s) landed before the program ended (${Math.round(reference.ms)} ms run)`);
    }
    assert.ok(written.length >= 1, `no checkpoint: ${r.stderr}`);
    const s = parseSnapshot(readFileSync(snap), snap);
    assert.equal(s.info.sequence, written.length, 'each later checkpoint takes the next sequence number');
    const back = await runElf(arm, 'aarch64', ['--restore', snap], dir);
    assert.equal(back.code, 0, back.stderr);
    assert.equal('start\n' + back.stdout.toString(), reference.stdout);
  });

  it('SIGUSR1 after a SIGUSR2: the second checkpoint ends the run', async () => {
    const snap = join(dir, 'stop.wsnap');
    const r = await runElf(x86, 'x86_64', ['--snapshot', snap], dir, [{ at: at(0.15), signal: 'SIGUSR2' }, { at: at(0.3), signal: 'SIGUSR1' }]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((r.stderr.match(/checkpoint written to/g) ?? []).length, 2, r.stderr);
    assert.equal(r.stdout.toString(), 'start\n', 'the run went on after SIGUSR1');
    const back = await runElf(x86, 'x86_64', ['--restore', snap], dir);
    assert.equal('start\n' + back.stdout.toString(), reference.stdout);
  });

  describe('checkpointBySignal (the extension\'s Checkpoint of a Run)', () => {
    const start = (snap: string) => {
      // --unbuffered, as the extension's Run: "start" shows when the loop begins
      const child = spawn(x86, ['--unbuffered', '--snapshot', join(dir, snap)], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
      const closed = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
      const started = new Promise<void>((r) => child.stdout.on('data', () => r()));
      return { child, closed, started, stdout: () => stdout };
    };
    const LINE = /^wanco: checkpoint written to \S+ \(\d+ bytes, 1 frames\)$/;

    it('keep running: resolves with the runtime\'s line, the program goes on to its end', async () => {
      const p = start('ext-keep.wsnap');
      await p.started;
      assert.match(await checkpointBySignal(p.child, 'SIGUSR2'), LINE);
      assert.equal(await p.closed, 0);
      assert.equal(p.stdout(), reference.stdout);
    });

    it('stop: resolves with the line, the program ends with status 0 after "start"', async () => {
      const p = start('ext-stop.wsnap');
      await p.started;
      assert.match(await checkpointBySignal(p.child, 'SIGUSR1'), LINE);
      assert.equal(await p.closed, 0);
      assert.equal(p.stdout(), 'start\n');
    });

    it('a program that has ended: a clear error, no hang', async () => {
      const p = start('ext-ended.wsnap');
      p.child.kill('SIGKILL');
      await p.closed;
      await assert.rejects(checkpointBySignal(p.child as ChildProcess, 'SIGUSR1'), /the program is not running/);
    });
  });
});
