/**
 * The real-program corpus (test/corpus/programs/): C programs built from Debian source
 * packages (cached outside the clone), compiled with C/R for both architectures, run and
 * compared with Node's WASI, then checkpointed at seeded random moments (`--checkpoint-at N`,
 * the same Wasm state on both architectures) and restored on the other architecture: the
 * chain must print what the uninterrupted run prints, exit the same way and leave the same files.
 *
 * WANCO_CORPUS_CHAINS (default 2) sets the chains per program (alternating x86_64 -> aarch64,
 * aarch64 -> x86_64, x86_64 -> aarch64 -> x86_64); WANCO_CORPUS_SEED replays a run;
 * WANCO_CORPUS=name,... picks programs.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envInt } from '../helpers/env';
import { prng } from '../helpers/random';
import { HOST, runNative, runNode, type Case, type RunResult, type Target } from '../helpers/oracle';
import { CorpusBuildError, corpusModule } from './build';
import { compileCorpus, nodeFilesAsDir, runLink, type Link } from './chain';
import { RECIPES } from './programs/index';
import type { Recipe } from './recipe';

const CHAINS = envInt('WANCO_CORPUS_CHAINS', 2);
const SEED = envInt('WANCO_CORPUS_SEED', Math.floor(Math.random() * 2 ** 31));
const ONLY = (process.env.WANCO_CORPUS ?? '').split(',').filter(Boolean);
const PLANS: Target[][] = [['x86_64', 'aarch64'], ['aarch64', 'x86_64'], ['x86_64', 'aarch64', 'x86_64']];

/** What a user sees of a run: stdout, exit status, the files left in its directory (by digest). */
function seen(r: RunResult): { stdout: string; status: number | null; signal: string | null; files: Record<string, string> } {
  const files: Record<string, string> = {};
  for (const [p, e] of Object.entries(r.files)) {
    files[p] = e.type === 'file' ? `${e.data.length} bytes, sha256 ${createHash('sha256').update(e.data, 'latin1').digest('hex').slice(0, 16)}` : e.type;
  }
  // a long stdout (bzip2's decompressed files) by digest: a diff of megabytes says nothing
  const stdout = r.stdout.length > 65536 ? `${r.stdout.length} bytes, sha256 ${createHash('sha256').update(r.stdout).digest('hex').slice(0, 16)}` : r.stdout.toString('latin1');
  return { stdout, status: r.status, signal: r.signal, files };
}

function caseOf(r: Recipe, step: number, files: Record<string, Buffer>): Case {
  const run = r.runs[step];
  return { name: r.name, source: `corpus/${r.name}`, args: run.args, env: run.env, dir: { files } };
}

describe('real-program corpus: Debian source packages, Node WASI vs both targets, cross-architecture restores', function () {
  this.timeout(3_600_000);
  before(() => console.log(`      seed ${SEED} (WANCO_CORPUS_SEED=${SEED} replays), ${CHAINS} chain(s) per program`));

  for (const r of RECIPES) {
    if (ONLY.length && !ONLY.includes(r.name)) continue;
    describe(`${r.name} (${r.stresses})`, () => {
      let exe: Record<Target, string> | undefined;
      let skipWhy: string | undefined;
      /** each run's initial sandbox and Node's result, in order */
      const steps: { files: Record<string, Buffer>; node: RunResult }[] = [];

      before(async function () {
        let wasm: string;
        try {
          wasm = await corpusModule(r);
        } catch (e) {
          // a machine that cannot fetch Debian sources skips (saying why); a build that breaks fails
          if (e instanceof CorpusBuildError && e.unavailable) { skipWhy = e.message; return; }
          throw e;
        }
        const compiled = await compileCorpus(wasm, r.name);
        if ('error' in compiled) throw new CorpusBuildError(`${r.name}: ${compiled.error}`);
        exe = compiled.exe;
        let files = r.files();
        for (let s = 0; s < r.runs.length; s++) {
          const node = await runNode(wasm, caseOf(r, s, files));
          steps.push({ files, node });
          files = nodeFilesAsDir(node);
        }
      });

      it('runs like Node\'s WASI on x86_64 and aarch64 (stdout, exit status, files)', async function () {
        if (!exe) { console.log(`      skipped: ${skipWhy}`); this.skip(); }
        for (let s = 0; s < r.runs.length; s++) {
          const { files, node } = steps[s];
          assert.equal(node.status, 0, `${r.name} run ${s + 1} under Node exited ${node.status}:\n${node.stderr.toString().slice(-2000)}`);
          const wrong = r.selfCheck?.(s, node.stdout);
          assert.equal(wrong, undefined, `${r.name} run ${s + 1} under Node: ${wrong}`);
          for (const t of [HOST, ...(['x86_64', 'aarch64'] as Target[]).filter((x) => x !== HOST)]) {
            const got = await runNative(exe[t], t, caseOf(r, s, files));
            assert.deepEqual(seen(got), seen(node), `${r.name} run ${s + 1} on ${t} differs from Node's WASI; stderr:\n${got.stderr.toString().slice(-2000)}`);
          }
        }
      });

      it('restored on the other architecture at random moments, prints and writes what the uninterrupted run does', async function () {
        if (!exe) { console.log(`      skipped: ${skipWhy}`); this.skip(); }
        const rand = prng(SEED ^ (r.name.length * 7919 + r.name.charCodeAt(0)));
        const log: string[] = [];
        let maxFrames = 0;
        for (let chain = 0; chain < CHAINS; chain++) {
          const plan = PLANS[chain % PLANS.length];
          const s = Math.floor(rand() * r.runs.length);
          const { files, node } = steps[s];
          const c = caseOf(r, s, files);
          const total = await pointsOf(exe, c);
          // a deep program's first chain checkpoints mid-run, where it is deep; the others anywhere
          let n = r.deepFrames !== undefined && chain === 0 ? Math.floor(total / 2) : 1 + Math.floor(rand() * (total - 1));
          const snapDir = mkdtempSync(join(tmpdir(), `wanco-corpus-snap-${r.name}-`));
          const links: Link[] = [];
          let sandbox: { root: string; sandbox: string } | undefined;
          try {
            let stdout = Buffer.alloc(0);
            let restore: string | undefined;
            let result: RunResult | undefined;
            for (let i = 0; i < plan.length; i++) {
              const last = i === plan.length - 1;
              const at = last ? undefined : n;
              const l = await runLink(exe[plan[i]], plan[i], c, { sandbox, restore, checkpointAt: at, snapshot: join(snapDir, `s${i}.wsnap`) });
              sandbox = l.sandbox;
              links.push(l);
              const where = `${r.name} chain ${chain} (run ${s + 1}, seed ${SEED}): ${links.map((x) => x.describe).join(' -> ')}`;
              assert.equal(l.result.signal, null, `${where}: killed by ${l.result.signal}\n${l.result.stderr.toString().slice(-2000)}`);
              stdout = Buffer.concat([stdout, l.result.stdout]);
              result = l.result;
              if (!last) {
                assert.ok(l.snapshot, `${where}: no checkpoint at point ${at} of ${total}\n${l.result.stderr.toString().slice(-2000)}`);
                assert.equal(l.result.status, 0, `${where}: exit ${l.result.status}`);
                maxFrames = Math.max(maxFrames, l.frames);
                if (r.deepFrames !== undefined && chain === 0) {
                  assert.ok(l.frames >= r.deepFrames, `${where}: only ${l.frames} frames mid-run, expected deep recursion (>= ${r.deepFrames})`);
                }
                restore = l.snapshot;
                // the next link checkpoints somewhere in what is left
                const left = Math.max(2, total - n);
                n = 1 + Math.floor(rand() * (left - 1));
              }
            }
            const chainRun: RunResult = { ...result!, stdout, files: links[links.length - 1].files };
            const where = `${r.name} chain ${chain} (run ${s + 1}, seed ${SEED}): ${links.map((x) => x.describe).join(' -> ')}`;
            assert.deepEqual(seen(chainRun), seen(node), `${where}: differs from the uninterrupted run`);
            log.push(`${r.runs.length > 1 ? `run ${s + 1}: ` : ''}${links.map((x) => x.describe).join(' -> ')}`);
          } finally {
            rmSync(snapDir, { recursive: true, force: true });
            for (const l of links) l.cleanup();
          }
        }
        console.log(`      ${r.name}: ${CHAINS} chain(s) identical to the uninterrupted run, deepest capture ${maxFrames} frames:\n        ${log.join('\n        ')}`);
      });

      const pointCounts = new Map<string, number>();
      /** How many migration points a whole run reaches (counted on the host: the same on both). */
      async function pointsOf(e: Record<Target, string>, c: Case): Promise<number> {
        const key = JSON.stringify(c.args);
        let n = pointCounts.get(key);
        if (n === undefined) {
          const l = await runLink(e[HOST], HOST, c, { checkpointAt: 2 ** 62 });
          l.cleanup();
          const m = /the program ended after (\d+) migration points/.exec(l.result.stderr.toString());
          assert.ok(m && l.result.status === 0, `${r.name}: a counting run did not report its points: exit ${l.result.status}\n${l.result.stderr.toString().slice(-2000)}`);
          n = Number(m[1]);
          pointCounts.set(key, n);
        }
        return n;
      }
    });
  }
});
