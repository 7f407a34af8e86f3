/**
 * bzip2: heavy file I/O. The first process compresses three generated files of 1-2 MB (text-like,
 * incompressible, long runs) next to themselves; the second decompresses them to stdout, which
 * the test also checks against the originals.
 */
import type { Recipe } from '../recipe';

/** A deterministic byte stream (a Lehmer generator: the same files on every machine). */
function lehmer(seed: number): () => number {
  let x = seed;
  return () => { x = (x * 48271) % 2147483647; return x; };
}

function textLike(size: number): Buffer {
  const words = ['checkpoint', 'restore', 'frame', 'stack', 'wasm', 'aarch64', 'x86_64', 'snapshot', 'memory', 'table', 'global', 'local'];
  const next = lehmer(7);
  const parts: string[] = [];
  let n = 0;
  while (n < size) {
    const w = `${words[next() % words.length]}${next() % 1000} `;
    parts.push(w);
    n += w.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

function random(size: number): Buffer {
  const next = lehmer(11);
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = next() >>> 7 & 0xff;
  return b;
}

/** Long runs of a few bytes: bzip2's block sort takes its fallback path on such input. */
function runs(size: number): Buffer {
  const next = lehmer(13);
  const b = Buffer.alloc(size);
  for (let i = 0; i < size;) {
    const len = 1 + next() % 5000;
    b.fill(next() % 4 + 65, i, Math.min(size, i + len));
    i += len;
  }
  return b;
}

export const BZIP2_INPUTS = ['text.dat', 'random.dat', 'runs.dat'];

export const bzip2: Recipe = {
  name: 'bzip2',
  sourcePackage: 'bzip2',
  stresses: 'file I/O (compress, then decompress, 4 MB)',
  steps: [{
    what: 'compile', cmd: 'clang-14',
    args: [
      '--target=wasm32-wasi', '-O2', '-w', '-I{fixtures}/common/include', '-include', 'wasi-compat.h',
      '-D_WASI_EMULATED_SIGNAL', '-D_WASI_EMULATED_PROCESS_CLOCKS',
      'blocksort.c', 'huffman.c', 'crctable.c', 'randtable.c', 'compress.c', 'decompress.c', 'bzlib.c', 'bzip2.c',
      '-o', '{out}', '-lwasi-emulated-signal', '-lwasi-emulated-process-clocks',
    ],
  }],
  files: () => ({ 'text.dat': textLike(2 << 20), 'random.dat': random(1 << 20), 'runs.dat': runs(1 << 20) }),
  runs: [
    { args: ['-k', '-9', ...BZIP2_INPUTS.map((f) => `/sandbox/${f}`)] },
    { args: ['-d', '-c', ...BZIP2_INPUTS.map((f) => `/sandbox/${f}.bz2`)] },
  ],
  selfCheck: (run, stdout) => {
    if (run !== 1) return undefined;
    const files = bzip2.files();
    return stdout.equals(Buffer.concat(BZIP2_INPUTS.map((f) => files[f]))) ? undefined : 'the decompressed files are not the originals';
  },
};
