/**
 * Snapshot robustness: damaged snapshots (truncated, bit-flipped, lengths
 * changed) are refused by `--restore` and by `wanco snapshot inspect` with a
 * clear one-line error, never a crash; a snapshot from another module is
 * refused; kill -9 during a checkpoint leaves the previous snapshot intact.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { compileFor, fixtureModule, prng, ROOT, runElf, workDir } from '../helpers/cr-chain';
import { parseSnapshot } from '../../compiler-core/src/index';

const SEED = Number(process.env.WANCO_CR_SEED ?? Math.floor(Math.random() * 2 ** 31));
const MUTATIONS = Number(process.env.WANCO_CR_MUTATIONS ?? 40);
const WANCO = join(ROOT, 'bin', 'wanco');

describe('snapshot robustness', function () {
  this.timeout(600000);
  let exe: string;
  let otherExe: string;
  let dir: string;
  let good: Buffer;

  before(async () => {
    console.log(`      seed ${SEED}, ${MUTATIONS} mutations`);
    exe = compileFor(fixtureModule('cr/loops.wat'), 'x86_64');
    otherExe = compileFor(fixtureModule('cr/recursion.c'), 'x86_64');
    dir = workDir({ name: 'robust', source: '', args: [] });
    const r = await runElf(exe, 'x86_64', ['--snapshot', join(dir, 'good.wsnap')], dir, 60);
    assert.match(r.stderr, /checkpoint written/, `no checkpoint: ${r.stderr}`);
    good = readFileSync(join(dir, 'good.wsnap'));
    parseSnapshot(good, 'good.wsnap');
  });

  function mutate(rand: () => number, i: number): { name: string; bytes: Buffer } {
    const b = Buffer.from(good);
    switch (i % 4) {
      case 0: {
        const n = Math.floor(rand() * b.length);
        return { name: `truncated to ${n} bytes`, bytes: b.subarray(0, n) };
      }
      case 1: {
        const at = Math.floor(rand() * b.length);
        b[at] ^= 1 << Math.floor(rand() * 8);
        return { name: `bit flip at 0x${at.toString(16)}`, bytes: b };
      }
      case 2: {
        // a length/count field inside the body, with the checksums fixed up so only the parser can catch it
        const at = 64 + 12 + Math.floor(rand() * Math.max(1, b.length - 80));
        b.writeUInt32LE(Math.floor(rand() * 2 ** 32), at - (at % 4));
        return { name: `word changed at 0x${(at - (at % 4)).toString(16)} (checksums refreshed)`, bytes: fixChecksums(b) };
      }
      default: {
        const extra = Buffer.alloc(1 + Math.floor(rand() * 64), 0xab);
        return { name: `${extra.length} bytes appended`, bytes: Buffer.concat([b, extra]) };
      }
    }
  }

  it('restore and inspect refuse every damaged snapshot with one clear line, never a crash', async () => {
    const rand = prng(SEED);
    for (let i = 0; i < MUTATIONS; i++) {
      const m = mutate(rand, i);
      const file = join(dir, `bad${i}.wsnap`);
      writeFileSync(file, m.bytes);
      const r = await runElf(exe, 'x86_64', ['--restore', file], dir);
      // Refused: non-zero exit, no signal, an error naming the file. A refreshed-checksum
      // mutation may hit a value that is still valid (a local, a memory byte): then the program
      // runs on with it, to completion or to a Wasm trap of its own (a recursion depth made huge).
      assert.equal(r.signal, null, `${m.name}: restore crashed with ${r.signal}`);
      const ownTrap = i % 4 === 2 && r.code === 134 && /^wasm trap: /m.test(r.stderr);
      assert.ok(r.code !== 134 || ownTrap, `${m.name}: restore trapped/crashed: ${r.stderr}`);
      if (r.code !== 0 && !ownTrap) assert.match(r.stderr, /bad\d+\.wsnap/, `${m.name}: error does not name the file: ${r.stderr}`);
      else assert.ok(i % 4 === 2, `${m.name}: a damaged snapshot was accepted`);
      const ins = spawnSync(process.execPath, [WANCO, 'snapshot', 'inspect', file], { encoding: 'utf8' });
      if (r.code !== 0 && i % 4 !== 2) {
        assert.equal(ins.status, 1, `${m.name}: inspect accepted it: ${ins.stdout.slice(0, 200)}`);
        assert.equal(ins.stderr.trim().split('\n').length, 1, `${m.name}: inspect error is not one line: ${ins.stderr}`);
      }
      assert.ok(!/at .*\.js:\d+/.test(ins.stderr), `${m.name}: inspect printed a stack trace`);
    }
  });

  it('a snapshot of another module is refused before anything runs', async () => {
    const r = await runElf(otherExe, 'x86_64', ['--restore', join(dir, 'good.wsnap')], dir);
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout.length, 0, 'the program ran');
    assert.match(r.stderr, /module/i);
  });

  it('kill -9 during a checkpoint leaves the previous snapshot intact', async () => {
    const rand = prng(SEED + 1);
    const file = join(dir, 'kill.wsnap');
    writeFileSync(file, good);
    for (let i = 0; i < 8; i++) {
      const signalAt = 30 + Math.floor(rand() * 150);
      await runElf(exe, 'x86_64', ['--snapshot', file], dir, signalAt, signalAt + Math.floor(rand() * 3));
      assert.ok(existsSync(file), 'the snapshot disappeared');
      parseSnapshot(readFileSync(file), file); // complete: the old one or a new one, never a torn file
    }
  });

  it('inspect prints frames, globals and memory of a good snapshot', () => {
    const text = execFileSync(process.execPath, [WANCO, 'snapshot', 'inspect', join(dir, 'good.wsnap'), '--module', join(ROOT, 'test-fixtures', 'cr', 'loops.wat')], { encoding: 'utf8' });
    assert.match(text, /frames \(\d+, innermost first\):/);
    assert.match(text, /<_start>/);
    assert.match(text, /memory: \d+ pages/);
    const json = JSON.parse(execFileSync(process.execPath, [WANCO, 'snapshot', 'inspect', '--json', join(dir, 'good.wsnap')], { encoding: 'utf8' }));
    assert.ok(json.frames.length >= 2);
    assert.equal(json.arch, 'x86_64');
  });
});

function fixChecksums(b: Buffer): Buffer {
  b.writeUInt32LE(crc32(b.subarray(64)), 56);
  b.writeUInt32LE(crc32(b.subarray(0, 60)), 60);
  return b;
}
