// The real-program corpus in the benchmark (test/corpus/programs/: Debian source packages built to
// WASI modules): per program, wanco compile time, .text and .llvm_stackmaps size without and with
// C/R on both targets, and x86_64 run time of its whole workload (every run of it, in a fresh
// sandbox) for wanco --no-checkpoint, wanco C/R and Node's WASI, interleaved; ratios are against
// wanco --no-checkpoint of the same bench run (a corpus program has no native build here).
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { corpusModule, codeSectionSize } from '../test/corpus/build';
import { RECIPES } from '../test/corpus/programs/index';
import type { Recipe } from '../test/corpus/recipe';
import { isStackmaps, isText, sectionSize } from './elf';
import { median, quantile, type CorpusResult, type VariantStats } from './report';

export const CORPUS_NAMES = RECIPES.map((r) => r.name);
const NODE_WASI = path.join(__dirname, 'node-wasi.js');
const CORPUS_VARIANTS = ['wanco-nocr', 'wanco-cr', 'node'] as const;
type CorpusVariant = (typeof CORPUS_VARIANTS)[number];
const TARGETS = ['x86_64', 'aarch64'] as const;

export interface CompileInfo { ms: number; maxRssKb: number | null; cached: boolean }
export type Compile = (wasm: string, out: string, extra: string[]) => CompileInfo;

const log = (s: string): void => { process.stderr.write(s + '\n'); };

function stats(xs: number[]): VariantStats {
  const s = [...xs].sort((a, b) => a - b);
  return { median: median(s), min: s[0], max: s[s.length - 1], q1: quantile(s, 0.25), q3: quantile(s, 0.75), n: s.length, samples: xs };
}

/** A fresh sandbox with the workload's files. */
function sandbox(r: Recipe, files: Record<string, Buffer>): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `wanco-bench-${r.name}-`));
  for (const [p, data] of Object.entries(files)) fs.writeFileSync(path.join(d, p), data);
  return d;
}

/** Runs every run of the workload in one sandbox; the summed wall time and the stdout. */
function runWorkload(r: Recipe, v: CorpusVariant, exe: string, files: Record<string, Buffer>): { ms: number; stdout: string; error?: string } {
  const dir = sandbox(r, files);
  try {
    let ms = 0;
    let stdout = '';
    for (const run of r.runs) {
      const opts = [`--dir`, `${dir}::/sandbox`, ...Object.entries(run.env ?? {}).flatMap(([k, val]) => ['--env', `${k}=${val}`])];
      const [cmd, args] = v === 'node'
        ? [process.execPath, ['--no-warnings', '--no-turbo-fast-api-calls', '--stack-size=984', NODE_WASI, ...opts, exe, ...run.args]]
        : [exe, [...opts, '--', ...run.args]];
      const t0 = process.hrtime.bigint();
      const o = spawnSync(cmd, args, { encoding: 'latin1', maxBuffer: 256 << 20, timeout: 600_000 });
      ms += Number(process.hrtime.bigint() - t0) / 1e6;
      if (o.status !== 0) return { ms, stdout, error: `exit ${o.status ?? o.signal}: ${(o.stderr ?? '').trim().split('\n').slice(-2).join(' | ')}` };
      stdout += o.stdout;
    }
    return { ms, stdout };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function measureCorpus(names: string[], rounds: number, buildDir: string, hash: string, compile: Compile): Promise<{ results: CorpusResult[]; failures: string[] }> {
  const failures: string[] = [];
  const results: CorpusResult[] = [];
  const exes = new Map<string, Partial<Record<CorpusVariant, string>>>();
  for (const r of RECIPES.filter((x) => names.includes(x.name))) {
    const res: CorpusResult = { name: r.name, stresses: r.stresses, wasmBytes: 0, codeBytes: 0, compile: {}, textSize: {}, stackmapSize: {}, stats: {}, ratio: {} };
    results.push(res);
    let wasm: string;
    try {
      log(`  corpus: build ${r.name} (Debian source package ${r.sourcePackage})`);
      wasm = await corpusModule(r);
    } catch (e) { res.error = (e as Error).message; failures.push(`corpus ${r.name}: ${res.error.split('\n')[0]}`); continue; }
    res.wasmBytes = fs.statSync(wasm).size;
    res.codeBytes = codeSectionSize(wasm);
    const dir = path.join(buildDir, 'corpus', r.name);
    const key = crypto.createHash('sha256').update(fs.readFileSync(wasm)).update(hash).digest('hex').slice(0, 16);
    const e: Partial<Record<CorpusVariant, string>> = { node: wasm };
    for (const t of TARGETS) {
      for (const [v, extra] of [['wanco-nocr', ['--no-checkpoint']], ['wanco-cr', []]] as const) {
        // the ELF keeps the module's name: argv[0] (and so the program's memory) as under Node
        const outDir = path.join(dir, `${v}-${t}-${key}`);
        fs.mkdirSync(outDir, { recursive: true });
        const out = path.join(outDir, r.name);
        const k = `${t} ${v}`;
        try {
          log(`  corpus: wanco compile ${r.name} --target ${t}${extra.length ? ` ${extra.join(' ')}` : ''}`);
          const info = compile(wasm, out, ['--target', t, ...extra]);
          res.compile[k] = info.ms;
          res.textSize[k] = sectionSize(out, isText) ?? undefined;
          res.stackmapSize[k] = sectionSize(out, isStackmaps) ?? undefined;
          if (t === 'x86_64') e[v] = out;
        } catch (err) { failures.push(`corpus ${r.name}/${k}: ${(err as Error).message.split('\n')[0]}`); }
      }
    }
    exes.set(r.name, e);
  }

  const samples = new Map<string, number[]>();
  const outputs = new Map<string, string>();
  for (let round = 0; round < rounds; round++) {
    log(`  corpus: round ${round + 1}/${rounds}`);
    for (const res of results) {
      const r = RECIPES.find((x) => x.name === res.name)!;
      const e = exes.get(r.name);
      if (!e) continue;
      const files = r.files();
      for (let i = 0; i < CORPUS_VARIANTS.length; i++) {
        const v = CORPUS_VARIANTS[(i + round) % CORPUS_VARIANTS.length];
        const exe = e[v];
        const k = `${r.name}/${v}`;
        if (!exe || res.stats[v] === null) continue;
        const o = runWorkload(r, v, exe, files);
        if (o.error) { failures.push(`corpus ${k}: ${o.error}`); res.stats[v] = null; continue; }
        const first = outputs.get(r.name);
        if (first === undefined) outputs.set(r.name, o.stdout);
        else if (first !== o.stdout) { failures.push(`corpus ${k}: stdout differs from the other variants`); res.stats[v] = null; continue; }
        (samples.get(k) ?? samples.set(k, []).get(k)!).push(o.ms);
      }
    }
  }
  for (const res of results) {
    for (const v of CORPUS_VARIANTS) {
      const xs = samples.get(`${res.name}/${v}`);
      if (res.stats[v] !== null && xs?.length) res.stats[v] = stats(xs);
    }
    const base = res.stats['wanco-nocr'];
    for (const v of CORPUS_VARIANTS) {
      const s = res.stats[v];
      if (base && s) res.ratio[v] = s.median / base.median;
    }
  }
  return { results, failures };
}
