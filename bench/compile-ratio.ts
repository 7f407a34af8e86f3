// What C/R costs in compile time on the real-program corpus, in pairs: `npm run bench:compile`
// (after `npx tsc`: node out/bench/compile-ratio.js).
//
// For each corpus program (test/corpus: Debian source packages) and target, `wanco compile`
// without C/R and with it, uncached, one right after the other (the order alternates between
// rounds), so that each pair sees the same machine: on a machine whose speed drifts between
// minutes a single pair says little, the median of the pairs' ratios more. Reports each pair's
// wall and CPU (user + sys of every process) and the median ratios.
// Environment: WANCO_BENCH_PAIRS=N (default 3), WANCO_CORPUS=a,b (default sqlite3: the largest),
//   WANCO_BENCH_OUT=DIR (default bench/results: compile-ratio.{md,json}).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packageRoot } from '../compiler-core/src/index';
import { corpusModule, codeSectionSize } from '../test/corpus/build';
import { RECIPES } from '../test/corpus/programs/index';
import { median } from './report';
import { compileTimed } from './run';

const ROOT = packageRoot();
const OUT_DIR = process.env.WANCO_BENCH_OUT ? path.resolve(process.env.WANCO_BENCH_OUT) : path.join(ROOT, 'bench', 'results');
const PAIRS = Math.max(1, Number(process.env.WANCO_BENCH_PAIRS ?? 3) || 3);
const NAMES = (process.env.WANCO_CORPUS ?? 'sqlite3').split(',').filter(Boolean);
const TARGETS = ['x86_64', 'aarch64'] as const;

const log = (s: string): void => { process.stderr.write(`${s}\n`); };
const medianOf = (xs: number[]): number => median([...xs].sort((a, b) => a - b));

interface Timing { wallMs: number; cpuMs: number }
interface Pair { plain: Timing; cr: Timing }
interface Row { name: string; codeBytes: number; target: string; pairs: Pair[]; wallRatio: number; cpuRatio: number }

async function main(): Promise<void> {
  const unknown = NAMES.filter((n) => !RECIPES.some((r) => r.name === n));
  if (unknown.length) throw new Error(`WANCO_CORPUS: no corpus program ${unknown.join(', ')} (there are ${RECIPES.map((r) => r.name).join(', ')})`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wanco-compile-ratio-'));
  const rows: Row[] = [];
  try {
    for (const r of RECIPES.filter((x) => NAMES.includes(x.name))) {
      log(`${r.name}: building the module (Debian source package ${r.sourcePackage})`);
      const wasm = await corpusModule(r);
      for (const target of TARGETS) {
        const pairs: Pair[] = [];
        for (let k = 0; k < PAIRS; k++) {
          const one = (cr: boolean): Timing => compileTimed([wasm, '--target', target, ...(cr ? [] : ['--no-checkpoint']), '-o', path.join(work, `${r.name}-${target}`)],
            `${r.name} ${cr ? 'C/R' : 'plain'}`);
          // even pairs build plain first, odd ones C/R first (an object literal's values are evaluated in order)
          const pair: Pair = k % 2 === 0 ? { plain: one(false), cr: one(true) } : { cr: one(true), plain: one(false) };
          pairs.push(pair);
          log(`  ${target} pair ${k + 1}/${PAIRS}: plain ${(pair.plain.wallMs / 1000).toFixed(1)} s, C/R ${(pair.cr.wallMs / 1000).toFixed(1)} s: ${(pair.cr.wallMs / pair.plain.wallMs).toFixed(2)}× wall, ${(pair.cr.cpuMs / pair.plain.cpuMs).toFixed(2)}× CPU`);
        }
        rows.push({
          name: r.name, codeBytes: codeSectionSize(wasm), target, pairs,
          wallRatio: medianOf(pairs.map((p) => p.cr.wallMs / p.plain.wallMs)),
          cpuRatio: medianOf(pairs.map((p) => p.cr.cpuMs / p.plain.cpuMs)),
        });
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const s = (ms: number) => (ms / 1000).toFixed(1);
  const md = [
    '## C/R compile time against the plain build, in pairs (`npm run bench:compile`)',
    '',
    `${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, ${PAIRS} pairs per row (plain and C/R back to back, the order alternating).`,
    '',
    '| program | code | target | pairs: plain / C/R wall (s) | median ratio, wall | median ratio, CPU |',
    '|---|---|---|---|---|---|',
    ...rows.map((x) => `| ${x.name} | ${(x.codeBytes / 1024).toFixed(0)} KiB | ${x.target} | ${x.pairs.map((p) => `${s(p.plain.wallMs)} / ${s(p.cr.wallMs)}`).join(', ')} | ${x.wallRatio.toFixed(2)}× | ${x.cpuRatio.toFixed(2)}× |`),
    '',
  ].join('\n');
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(path.join(OUT_DIR, 'compile-ratio.json'), JSON.stringify({ date: new Date().toISOString(), pairs: PAIRS, rows }, null, 2) + '\n');
  fs.writeFileSync(path.join(OUT_DIR, 'compile-ratio.md'), md);
  process.stdout.write(md);
}

main().catch((e: unknown) => {
  log(`bench:compile: ${(e as Error).message}`);
  process.exit(1);
});
