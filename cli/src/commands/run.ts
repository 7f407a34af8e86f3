/** `wanco run`: compile into the cache (if needed), then execute (under qemu when foreign). */
import { spawn } from 'node:child_process';
import { compileCached, runnerFor, WancoError, type OptLevel, type Target } from '../../../compiler-core/src/index';

export async function runCommand(input: string, args: string[], target: Target, optLevel: OptLevel): Promise<number> {
  const exe = await compileCached(input, target, optLevel);
  const [cmd, pre] = runnerFor(target, exe);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...pre, ...args], { stdio: 'inherit' });
    child.on('error', (e) => reject(new WancoError(`cannot run ${cmd}: ${e.message}`)));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + 9 : 1)));
  });
}
