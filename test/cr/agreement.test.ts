/**
 * Captures agree across architectures. `--checkpoint-at N` checkpoints at the N-th migration point
 * the program reaches, which is the same Wasm state on x86_64 and on aarch64; so a snapshot taken
 * at a seeded random N on each must hold the same frames, values, globals, tables, memory and WASI
 * state. A value read from the wrong native place on either architecture (a callee-saved register
 * taken from the wrong frame's save slot, a spill slot at the wrong offset) shows up here as a
 * difference in the frame that holds it, also where the restored program would not have used it.
 * Checked for fresh runs and for restored ones (a snapshot from one architecture restored on both,
 * which then checkpoint at the same N: the frames are then the restore variants' frames).
 * WANCO_CR_CHAINS (default 2) scales the number of moments (2 per chain and build); WANCO_CR_SEED replays.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { compileFor, fixtureModule, prng, runElf, workDir, type Arch } from '../helpers/cr-chain';
import { stateDifferences, wasmStateOf } from '../helpers/wasm-state';

const CHAINS = Number(process.env.WANCO_CR_CHAINS ?? 2);
const SEED = Number(process.env.WANCO_CR_SEED ?? Math.floor(Math.random() * 2 ** 31));
const MOMENTS = 2 * CHAINS;

interface Build {
  name: string;
  source: string;
  cflags?: string[];
  /** wanco compile options */
  compile?: string[];
  /** program arguments */
  args?: string[];
  /** also checkpoint restored programs */
  restored: boolean;
}

const BUILDS: Build[] = [
  { name: 'trees (C -O2, SIMD)', source: 'cr/trees.c', cflags: ['-msimd128'], restored: true },
  { name: 'trees, wanco -O0', source: 'cr/trees.c', cflags: ['-msimd128'], compile: ['-O0'], args: ['20'], restored: false },
  { name: 'trees, wanco -O3', source: 'cr/trees.c', cflags: ['-msimd128'], compile: ['-O3'], restored: false },
  // a debug build reaches a point at every statement: a few rounds are enough
  { name: 'trees, debug build (--debug-points)', source: 'cr/trees.c', cflags: ['-msimd128'], compile: ['--debug-points'], args: ['3'], restored: true },
  // built with -g: statement points only where the DWARF line table starts a line, none in the C library
  { name: 'trees -g, debug build (points at DWARF line starts)', source: 'cr/trees.c', cflags: ['-msimd128', '-g'], compile: ['--debug-points'], args: ['3'], restored: true },
  { name: 'recursion (C -O2)', source: 'cr/recursion.c', restored: true },
  { name: 'strips.wat', source: 'cr/strips.wat', restored: true },
  { name: 'loops.wat', source: 'cr/loops.wat', restored: false },
];

const ENDED = /the program ended after (\d+) migration points/;
const WRITTEN = /^wanco: checkpoint written to /m;

describe('checkpoint/restore: captures agree across architectures (--checkpoint-at)', function () {
  this.timeout(1200000);
  before(() => console.log(`      seed ${SEED} (WANCO_CR_SEED=${SEED} replays), ${MOMENTS} moment(s) per build`));

  for (const b of BUILDS) {
    it(`${b.name}: the same point gives the same Wasm state on x86_64 and aarch64`, async () => {
      const module = fixtureModule(b.source, b.cflags);
      const exe: Record<Arch, string> = { x86_64: compileFor(module, 'x86_64', b.compile), aarch64: compileFor(module, 'aarch64', b.compile) };
      const dir = workDir({ name: 'agree', source: b.source, args: [] });
      const rand = prng(SEED ^ (b.name.length * 7919 + b.source.length));

      // How many points a whole run reaches (on x86_64: the other side is checked at each moment).
      const args = ['--', ...(b.args ?? [])];
      const full = await runElf(exe.x86_64, 'x86_64', ['--checkpoint-at', String(2 ** 62), ...args], dir);
      const m = ENDED.exec(full.stderr);
      assert.ok(m && full.code === 0, `a full run did not report its point count: exit ${full.code}\n${full.stderr}`);
      const total = Number(m[1]);

      const checkpointAt = async (arch: Arch, n: number, name: string, restore?: string) => {
        const snap = join(dir, `${name}.${arch}.wsnap`);
        const r = await runElf(exe[arch], arch, ['--snapshot', snap, '--checkpoint-at', String(n), ...(restore ? ['--restore', restore] : args)], dir);
        assert.equal(r.signal, null, `${arch} at point ${n}${restore ? ' after restore' : ''}: killed by ${r.signal}\n${r.stderr}`);
        assert.equal(r.code, 0, `${arch} at point ${n}${restore ? ' after restore' : ''}: exit ${r.code}\n${r.stderr}`);
        return WRITTEN.test(r.stderr) ? snap : undefined;
      };
      const compare = async (n: number, name: string, restore?: string) => {
        const x = await checkpointAt('x86_64', n, name, restore);
        const a = await checkpointAt('aarch64', n, name, restore);
        assert.equal(!!a, !!x, `point ${n}: only ${x ? 'x86_64' : 'aarch64'} reached it`);
        if (!x || !a) return false;
        const diff = stateDifferences(wasmStateOf(x), wasmStateOf(a), ['x86_64', 'aarch64']);
        assert.deepEqual(diff, [], `${b.name}: point ${n}${restore ? ` after restoring ${restore}` : ''} (seed ${SEED}): the snapshots differ\n  ${diff.join('\n  ')}`);
        return true;
      };

      let compared = 0;
      for (let k = 0; k < MOMENTS; k++) {
        const n = 1 + Math.floor(rand() * (total - 1));
        assert.ok(await compare(n, `m${k}`), `point ${n} of ${total} was not reached`);
        compared++;
        if (!b.restored) continue;
        // Restored: from a snapshot of one architecture (the one just compared), both go on to a later point.
        const from = rand() < 0.5 ? 'x86_64' : 'aarch64';
        const base = join(dir, `m${k}.${from}.wsnap`);
        const rest = total - n;
        if (rest < 2) continue;
        if (await compare(1 + Math.floor(rand() * (rest - 1)), `r${k}`, base)) compared++;
      }
      console.log(`      ${b.name}: ${compared} moments compared, out of ${total} points`);
    });
  }
});
