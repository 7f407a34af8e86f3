/**
 * mawk: deep native recursion. mawk runs an awk function call as a recursive call of its C
 * interpreter (execute() -> call() -> execute()), so the workload's recursive awk functions keep
 * thousands of native frames on the stack for most of the run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Recipe } from '../recipe';
import { CORPUS_FIXTURES } from '../paths';

/** Records for the workload's word count (a Lehmer generator: the same text everywhere). */
function input(): Buffer {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa', 'lambda', 'mu'];
  let x = 1;
  const lines: string[] = [];
  for (let l = 0; l < 20000; l++) {
    const line: string[] = [];
    for (let i = 0; i <= l % 9; i++) {
      x = (x * 48271) % 2147483647;
      line.push(`${words[x % 12]}${x % 97}`);
    }
    lines.push(line.join(' '));
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

const CC = 'clang-14 --target=wasm32-wasi';
const CFLAGS = '-O2 -w -I{fixtures}/mawk/include -I{fixtures}/common/include -include wasi-compat.h -D_WASI_EMULATED_SIGNAL';

export const mawk: Recipe = {
  name: 'mawk',
  sourcePackage: 'mawk',
  stresses: 'deep recursion (thousands of native frames)',
  edits: [{
    file: 'sizes.h', from: '#define EVAL_STACK_SIZE  1024', to: '#define EVAL_STACK_SIZE  65536',
    why: 'mawk 1.3.4-20200120 stops with "eval stack size=1024" after about 300 levels of awk recursion (also natively)',
  }],
  steps: [
    { what: 'configure', cwd: 'bw', cmd: '../configure', args: ['--host=wasm32-unknown-wasi', `CC=${CC}`, `CFLAGS=${CFLAGS}`, 'LIBS=-lwasi-emulated-signal'] },
    // a shadow stack of 8 MiB (wasm-ld's default is 64 KiB) for thousands of execute() frames
    { what: 'make', cwd: 'bw', cmd: 'make', args: [`CFLAGS=${CFLAGS}`, 'LDFLAGS=-Wl,-z,stack-size=8388608', 'mawk'] },
    { what: 'copy', cmd: 'cp', args: ['bw/mawk', '{out}'] },
  ],
  files: () => ({ 'workload.awk': readFileSync(join(CORPUS_FIXTURES, 'mawk', 'workload.awk')), 'input.txt': input() }),
  runs: [{ args: ['-f', '/sandbox/workload.awk', '/sandbox/input.txt'] }],
  deepFrames: 1000,
};
