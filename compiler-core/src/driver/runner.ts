/** How a compiled ELF runs on this machine: directly, or under qemu-user when it is foreign. */
import { hostTarget, type Target } from '../backend/targets';

/** The command that runs an ELF of `target` here: directly, or through qemu-user. */
export function runnerFor(target: Target, exe: string): [string, string[]] {
  if (hostTarget() === target.name) return [exe, []];
  const qemu = `qemu-${target.name}-static`;
  return [qemu, [exe]];
}
