/**
 * Where a value lived in the native frame, for people: DWARF register numbers as each target's
 * registers (x86_64: System V DWARF numbering; aarch64: AAPCS64 DWARF numbering), and a stackmap
 * location as `reg x19`, `sp+16` (the address) or `[sp+16]` (the memory at it).
 */
import type { NativeLocation } from '../snapshot/reader';

const X86_64 = ['rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip'];

export function registerName(arch: 'x86_64' | 'aarch64', dwarfReg: number): string {
  if (arch === 'x86_64') return X86_64[dwarfReg] ?? (dwarfReg >= 17 && dwarfReg <= 32 ? `xmm${dwarfReg - 17}` : `dwarf${dwarfReg}`);
  if (dwarfReg <= 28) return `x${dwarfReg}`;
  if (dwarfReg === 29) return 'fp';
  if (dwarfReg === 30) return 'lr';
  if (dwarfReg === 31) return 'sp';
  if (dwarfReg >= 64 && dwarfReg <= 95) return `d${dwarfReg - 64}`;
  return `dwarf${dwarfReg}`;
}

export function locationText(arch: 'x86_64' | 'aarch64', l: NativeLocation): string {
  const reg = registerName(arch, l.dwarfReg);
  const base = reg === 'rsp' ? 'sp' : reg;
  const off = l.offset >= 0 ? `+${l.offset}` : `${l.offset}`;
  switch (l.kind) {
    case 'register': return `reg ${reg}`;
    case 'direct': return `${base}${off}`;
    case 'indirect': return `[${base}${off}]`;
    default: return 'const';
  }
}
