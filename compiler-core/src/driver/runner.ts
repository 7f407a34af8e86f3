/** How a compiled ELF runs on this machine: directly, or under qemu-user when it is foreign. */
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { hostTarget, type Target } from '../backend/targets';
import { WancoError } from '../wasm/errors';

/** `name` as found on PATH, or undefined. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** qemu-user's package, for the messages that ask for it */
export const QEMU_FIX = 'apt-get install qemu-user-static';

/** The command that runs an ELF of `target` here: directly, or through qemu-user (an error saying how to get it when missing). */
export function runnerFor(target: Target, exe: string): [string, string[]] {
  if (hostTarget() === target.name) return [exe, []];
  const qemu = `qemu-${target.name}-static`;
  if (!onPath(qemu)) {
    throw new WancoError(`running an ${target.name} program on this ${hostTarget()} machine needs ${qemu}, which is not on PATH: ${QEMU_FIX} (a restore on a remote ${target.name} machine does not need it)`);
  }
  return [qemu, [exe]];
}
