/**
 * The C program of bzip2's size for the debug benchmark (bench/debug.ts): bzip2 from its Debian
 * source package, built with the corpus recipe's command (test/corpus/programs/bzip2.ts) plus `-g`,
 * 114 KB of code. Its sources stay where DWARF names them (the corpus deletes its own), so the
 * debugger shows them; built once into the corpus cache.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildEnv, fetchSource, run, substitute } from '../test/corpus/build';
import { corpusCache } from '../test/corpus/paths';
import { bzip2, BZIP2_INPUTS } from '../test/corpus/programs/bzip2';

export interface Bzip2WithDwarf {
  wasm: string;
  /** bzip2.c, and the line of its compress loop's read */
  source: string;
  line: number;
  /** a folder holding the recipe's input files */
  inputs: string;
}

const FLAGS = ['-g'];

export async function bzip2WithDwarf(): Promise<Bzip2WithDwarf> {
  const step = bzip2.steps[0];
  const key = createHash('sha256').update(JSON.stringify([step, FLAGS])).digest('hex').slice(0, 16);
  const dir = join(corpusCache(), `bzip2-g-${key}`);
  if (!existsSync(join(dir, 'src'))) {
    mkdirSync(corpusCache(), { recursive: true });
    const tmp = mkdtempSync(join(corpusCache(), '.fetch-bzip2-g-'));
    try {
      const tree = await fetchSource(bzip2, join(tmp, 'src'));
      mkdirSync(dir, { recursive: true });
      renameSync(tree, join(dir, 'src'));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const src = join(dir, 'src');
  const wasm = join(dir, 'bzip2.wasm');
  if (!existsSync(wasm)) {
    // compiled where the sources stay, so that DWARF names them; renamed into place when whole
    const part = join(dir, 'bzip2.wasm.part');
    const args = [...substitute(step.args, part), ...FLAGS];
    const got = await run(step.cmd, args, src, buildEnv(step.env));
    if (got.status !== 0) throw new Error(`${step.cmd} ${args.join(' ')} failed: ${got.output}`);
    renameSync(part, wasm);
  }
  const inputs = join(dir, 'inputs');
  if (!existsSync(inputs)) {
    mkdirSync(inputs);
    const files = bzip2.files();
    for (const f of BZIP2_INPUTS) writeFileSync(join(inputs, f), files[f]);
  }
  const source = join(src, 'bzip2.c');
  const line = readFileSync(source, 'utf8').split('\n').findIndex((l) => l.includes('nIbuf = fread')) + 1;
  if (line === 0) throw new Error(`${source}: the compress loop's fread is not there (a new version of bzip2?)`);
  return { wasm, source, line, inputs };
}
