/**
 * Checkpoint/restore fidelity: each program is checkpointed by SIGUSR1 at seeded
 * random moments and continued on the other architecture, and must print exactly
 * what an uninterrupted run prints and leave the same files. Chains alternate
 * between x86_64 -> aarch64 (under qemu) -> x86_64 and aarch64 -> x86_64, so that
 * half of them start with a capture on aarch64 in a fresh process and the other
 * half capture on aarch64 in a restored one. WANCO_CR_CHAINS (default 2) sets the
 * number of chains per program; WANCO_CR_SEED replays a run.
 *
 * A second pass builds three of the programs as large programs are built (the normal code in two
 * partitions: WANCO_PARTITIONS=2), with an acyclic restore variant for every function with a loop
 * (WANCO_RESUMABLE_MIN=1), so that every restored frame hands over to the normal code at a loop header.
 * A third builds two with transfers only into outermost loops (WANCO_NESTED_TRANSFER_BUDGET=0), as
 * functions whose transfers into nested loops would cost too much are built: a frame restored in a
 * nested loop runs it in the restore variant.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { compileFor, copyDir, dirContents, fixtureModule, prng, runElf, workDir, type Arch, type Program, type RunResult } from '../helpers/cr-chain';

const CHAINS = Number(process.env.WANCO_CR_CHAINS ?? 2);
const SEED = Number(process.env.WANCO_CR_SEED ?? Math.floor(Math.random() * 2 ** 31));

const PROGRAMS: Program[] = [
  { name: 'loops', source: 'cr/loops.wat', args: [] },
  { name: 'strips', source: 'cr/strips.wat', args: [] },
  { name: 'recursion', source: 'cr/recursion.c', args: [] },
  { name: 'trees', source: 'cr/trees.c', cflags: ['-msimd128'], args: [] },
  {
    name: 'fileio', source: 'cr/fileio.c', args: ['/data/in.bin', '/data/out.txt'],
    files: { 'in.bin': Buffer.from(Array.from({ length: 600000 }, (_, i) => (i * 2654435761) >>> 24)) },
  },
];

/** A link killed by its signal this soon after it started, before printing anything, was not yet running Wasm. */
const EARLY_MS: Record<Arch, number> = { x86_64: 100, aarch64: 1500 };
const PLANS: Arch[][] = [['x86_64', 'aarch64', 'x86_64'], ['aarch64', 'x86_64']];

const CHECKPOINT_LINE = /^wanco: checkpoint written to (.+) \(\d+ bytes, \d+ frames\)$/m;

function dirArgs(dir: string): string[] {
  return ['--dir', `${join(dir, 'data')}::/data`];
}

/** What happened in one link of a chain. */
function checkpointed(r: RunResult): boolean {
  return CHECKPOINT_LINE.test(r.stderr);
}

/** Runs CHAINS seeded chains of `p` and checks each against an uninterrupted run. */
async function fidelity(p: Program): Promise<void> {
  const module = fixtureModule(p.source, p.cflags);
  const exe: Record<Arch, string> = { x86_64: compileFor(module, 'x86_64'), aarch64: compileFor(module, 'aarch64') };
  const baseDir = workDir(p);
  const expectedDir = copyDir(baseDir);
  const expected = await runElf(exe.x86_64, 'x86_64', [...dirArgs(expectedDir), '--', ...p.args], expectedDir);
  assert.equal(expected.code, 0, `uninterrupted run failed: ${expected.stderr}`);
  const expectedFiles = dirContents(join(expectedDir, 'data'));
  // The aarch64 run prints the same, and tells how long a link there takes.
  const armDir = copyDir(baseDir);
  const onArm = await runElf(exe.aarch64, 'aarch64', [...dirArgs(armDir), '--', ...p.args], armDir);
  assert.equal(onArm.stdout.toString(), expected.stdout.toString(), `the uninterrupted aarch64 run prints something else: ${onArm.stderr}`);
  const runMs: Record<Arch, number> = { x86_64: expected.ms, aarch64: onArm.ms };
  const rand = prng(SEED ^ p.name.length * 7919);
  const chains: Record<string, number> = {};
  const captures: Record<Arch, number> = { x86_64: 0, aarch64: 0 };

  let tries = 0;
  let earlyKills = 0;
  for (let chain = 0; chain < CHAINS; chain++) {
    const dir = copyDir(baseDir);
    const plan = PLANS[chain % PLANS.length];
    let stdout = Buffer.alloc(0);
    let snapshot: string | undefined;
    const log: string[] = [];
    let checkpoints = 0;
    let done = 0; // about how much of the program's run the links so far did
    let early = false;
    for (let i = 0; i < plan.length; i++) {
      const arch = plan[i];
      const last = i === plan.length - 1;
      const next = join(dir, `s${i}.wsnap`);
      // A random moment inside what is left of the run on this link's architecture (a process
      // under qemu needs its first ~30-50 ms, more under load, before the runtime's handler is
      // installed; a signal before that ends it, as it would any program: drawn again below).
      const start = arch === 'aarch64' ? 50 : 10;
      const left = (1 - done) * runMs[arch];
      const delay = last ? undefined : Math.round(start + rand() * 0.8 * Math.max(0, left - start));
      // A restored program keeps the arguments saved in its snapshot.
      const args = [...dirArgs(dir), '--snapshot', next, ...(snapshot ? ['--restore', snapshot] : ['--', ...p.args])];
      const r = await runElf(exe[arch], arch, args, dir, delay);
      log.push(`${arch}${snapshot ? ' restore' : ''} signal@${delay ?? '-'}ms exit=${r.code} ${r.stderr.trim()}`);
      if (r.signal === 'SIGUSR1' && delay !== undefined && delay <= EARLY_MS[arch] && !r.stdout.length && !r.stderr) {
        early = true; // the signal came before the runtime was up: not a moment of the program
        break;
      }
      assert.equal(r.signal, null, `${p.name} chain ${chain}: killed by ${r.signal}\n${log.join('\n')}`);
      assert.equal(r.code, 0, `${p.name} chain ${chain}: exit ${r.code}\n${log.join('\n')}`);
      stdout = Buffer.concat([stdout, r.stdout]);
      if (!checkpointed(r)) break; // finished before the signal: the chain ends here (a restored link)
      checkpoints++;
      captures[arch]++;
      done = Math.min(0.95, done + (delay ?? 0) / runMs[arch]);
      snapshot = next;
    }
    if (early) earlyKills++;
    // the first link ended before its moment, or a link's signal came before its runtime was up: draw again
    if ((early || checkpoints === 0) && ++tries <= 3 * CHAINS) { chain--; continue; }
    assert.ok(!early, `${p.name} chain ${chain}: killed by SIGUSR1 before the runtime was up, too often\n${log.join('\n')}`);
    chains[plan.join(' -> ')] = (chains[plan.join(' -> ')] ?? 0) + 1;
    assert.ok(checkpoints >= 1, `${p.name} chain ${chain}: no checkpoint was taken\n${log.join('\n')}`);
    assert.equal(stdout.toString(), expected.stdout.toString(), `${p.name} chain ${chain} (seed ${SEED}) output differs\n${log.join('\n')}`);
    assert.deepEqual(dirContents(join(dir, 'data')), expectedFiles, `${p.name} chain ${chain}: files differ\n${log.join('\n')}`);
  }
  console.log(`      ${p.name}: ${Object.entries(chains).map(([k, v]) => `${v} x ${k}`).join(', ')}; ${captures.x86_64} x86_64 and ${captures.aarch64} aarch64 captures; every chain identical${earlyKills ? ` (${earlyKills} drawn again: the signal came before the runtime was up)` : ''}`);
}

describe('checkpoint/restore fidelity (x86_64 -> aarch64 -> x86_64, aarch64 -> x86_64)', function () {
  this.timeout(600000);
  before(() => console.log(`      seed ${SEED} (WANCO_CR_SEED=${SEED} replays), ${CHAINS} chain(s) per program`));

  for (const p of PROGRAMS) {
    it(`${p.name}: restored chains print exactly what an uninterrupted run prints`, () => fidelity(p));
  }

  /** The programs built with the compiler's tuning variables set to `tuning`. */
  const tuned = (title: string, tuning: Record<string, string>, names: string[]) => describe(title, () => {
    const saved: Record<string, string | undefined> = {};
    before(() => { for (const [k, v] of Object.entries(tuning)) { saved[k] = process.env[k]; process.env[k] = v; } });
    after(() => { for (const k of Object.keys(tuning)) { if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k]; } });
    for (const p of PROGRAMS.filter((x) => names.includes(x.name))) {
      it(`${p.name}: restored chains print exactly what an uninterrupted run prints`, () => fidelity(p));
    }
  });
  tuned('built as large programs are (two partitions; every restore variant with a loop hands over at loop headers)',
    { WANCO_PARTITIONS: '2', WANCO_RESUMABLE_MIN: '1' }, ['loops', 'recursion', 'trees']);
  tuned('built with transfers into outermost loops only (restore variants keep their nested loops, as large functions\' do)',
    { WANCO_PARTITIONS: '2', WANCO_RESUMABLE_MIN: '1', WANCO_NESTED_TRANSFER_BUDGET: '0' }, ['strips', 'trees']);
});
