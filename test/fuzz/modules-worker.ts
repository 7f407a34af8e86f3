/**
 * Module fuzzing, part 4: the worker thread that makes and checks the mutants, so that the test
 * (modules.test.ts) can stop it when one module takes too long (a hang) and go on after it.
 *
 * workerData: { seed, indices, corpus: Uint8Array[] }. Mutant `i` depends only on (seed, i, corpus),
 * so any one can be made again alone. For each index it posts { kind: 'start', i } and then
 * { kind: 'result', ... } (with the bytes when the mutant is runnable or shows a problem).
 */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { generateModule, rngFor } from './modules-gen';
import { mutate, parseModel, type Model } from './modules-mutate';
import { checkModule, type IrVerifier, type Verdict } from './modules-check';

const ROOT = join(__dirname, '..', '..', '..');

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
 * LLVM's verifier in-process (the llvm-bindings addon the project depends on): parses the IR
 * text as opt-14 would and runs the IR verifier, so that IR LLVM would refuse (a value used
 * where it is not defined...) is found without running the LLVM tools. The verifier prints its
 * message on stderr; undefined when the addon cannot be loaded here.
 */
export function llvmVerifier(): { verify?: IrVerifier; why?: string } {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const llvm = require('llvm-bindings') as {
      LLVMContext: new () => object; SMDiagnostic: new () => object;
      parseIRFile(f: string, e: object, c: object): object | null; verifyModule(m: object): boolean;
    };
    const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'wanco-fuzz-ir-'));
    const file = join(dir, 'm.ll');
    let ctx = new llvm.LLVMContext();
    let uses = 0;
    return {
      verify: (ir: string) => {
        if (++uses % 200 === 0) ctx = new llvm.LLVMContext(); // the old context and its modules go with the garbage
        writeFileSync(file, ir);
        const m = llvm.parseIRFile(file, new llvm.SMDiagnostic(), ctx);
        if (!m) return 'LLVM cannot parse it';
        return llvm.verifyModule(m) ? 'LLVM\'s verifier refuses it (its message is on stderr)' : undefined;
      },
    };
  } catch (e) {
    return { why: (e as Error).message };
  }
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
