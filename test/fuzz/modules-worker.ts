/**
 * Module fuzzing, part 4: the worker thread that makes and checks the mutants, so that the test
 * (modules.test.ts) can stop it when one module takes too long (a hang) and go on after it.
 *
 * workerData: { seed, indices, corpus: Uint8Array[] }. Mutant `i` depends only on (seed, i, corpus),
 * so any one can be made again alone. For each index it posts { kind: 'start', i } and then
 * { kind: 'result', ... } (with the bytes when the mutant is runnable or shows a problem).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { generateModule, rngFor } from './modules-gen';
import { mutate, parseModel, type Model } from './modules-mutate';
import { findToolchain, toolArgv, type Tool } from '../../compiler-core/src/index';
import { checkModule, type IrVerifier, type Verdict } from './modules-check';
import { packageRoot } from '../../compiler-core/src/index';

const ROOT = packageRoot();

/** The seed corpus (test-fixtures/...): every .wat fixture, and one C program (wasi-libc's printf: a large module). */
export function corpusSources(): string[] {
  const wat = (dir: string) => readdirSync(join(ROOT, 'test-fixtures', dir)).filter((f) => f.endsWith('.wat')).sort().map((f) => `${dir}/${f}`);
  return [...wat('wat'), ...wat('cr'), 'c/exit_code.c'];
}

export interface WorkerInput { seed: number; indices: number[]; corpus: Uint8Array[] }

export interface MutantResult {
  kind: 'result';
  i: number;
  /** 'generated', 'generated+mutated' or 'mutated <corpus index>' */
  source: string;
  mutations: string[];
  verdict: Verdict;
  ms: number;
  bytes?: Uint8Array;
}

/** Mutant `i` of run `seed`: its bytes, where it came from, the mutations applied; `rng` goes on to the check. */
export function makeMutant(seed: number, i: number, corpus: Model[]) {
  const rng = rngFor(seed, i);
  const r = rng.int(100);
  if (r < 12) return { rng, bytes: generateModule(rng), source: 'generated', mutations: [] as string[] };
  const fromGenerated = r < 30;
  const k = rng.int(corpus.length);
  const base = fromGenerated ? parseModel(generateModule(rng)) : corpus[k];
  const donors = [rng.pick(corpus), rng.pick(corpus)];
  const { bytes, mutations } = mutate(rng, base, donors);
  return { rng, bytes, source: fromGenerated ? 'generated+mutated' : `mutated ${k}`, mutations };
}

/**
 * LLVM's IR verifier as opt-14 runs it (`-passes=verify`): IR that LLVM would refuse (a value used
 * where it is not defined...) is found without the rest of the pipeline. The answer names opt's
 * first line of complaint; undefined when opt-14 is not installed here.
 */
export function llvmVerifier(): { verify?: IrVerifier; why?: string } {
  let opt: Tool;
  try {
    opt = findToolchain().opt;
  } catch (e) {
    return { why: (e as Error).message };
  }
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'wanco-fuzz-ir-'));
  const file = join(dir, 'm.ll');
  return {
    verify: (ir: string) => {
      writeFileSync(file, ir);
      const r = spawnSync(...toolArgv(opt, ['-passes=verify', '-disable-output', file]), { encoding: 'utf8' });
      if (r.status === 0) return undefined;
      const why = (r.stderr ?? '').split('\n').find((l) => l.trim()) ?? `exit status ${r.status}, signal ${r.signal}`;
      return `LLVM's verifier refuses it: ${why.trim()}`;
    },
  };
}

function main(): void {
  const input = workerData as WorkerInput;
  const corpus = input.corpus.map((b) => parseModel(b));
  const { verify, why } = llvmVerifier();
  parentPort!.postMessage({ kind: 'verifier', available: !!verify, why });
  for (const i of input.indices) {
    parentPort!.postMessage({ kind: 'start', i });
    const { rng, bytes, source, mutations } = makeMutant(input.seed, i, corpus);
    const t0 = performance.now();
    const verdict = checkModule(bytes, 'mutant.wasm', rng, verify);
    const ms = performance.now() - t0;
    const msg: MutantResult = { kind: 'result', i, source, mutations, verdict, ms };
    if (verdict.problem || verdict.runnable) msg.bytes = bytes;
    parentPort!.postMessage(msg);
  }
  parentPort!.postMessage({ kind: 'done' });
}

if (parentPort && workerData) main();
