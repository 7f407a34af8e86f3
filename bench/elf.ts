// Section sizes of an ELF64 little-endian file, read from its section headers.
import * as fs from 'node:fs';

/** The total size of the sections whose names `pick` accepts, or null for a file that is not ELF64 LE. */
export function sectionSize(file: string, pick: (name: string) => boolean): number | null {
  try {
    const b = fs.readFileSync(file);
    if (b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1) return null;
    const shoff = Number(b.readBigUInt64LE(0x28));
    const shentsize = b.readUInt16LE(0x3a), shnum = b.readUInt16LE(0x3c), shstrndx = b.readUInt16LE(0x3e);
    const strOff = Number(b.readBigUInt64LE(shoff + shstrndx * shentsize + 0x18));
    let total = 0;
    for (let i = 0; i < shnum; i++) {
      const sh = shoff + i * shentsize;
      const nameOff = b.readUInt32LE(sh);
      let end = strOff + nameOff;
      while (b[end] !== 0) end++;
      if (pick(b.toString('latin1', strOff + nameOff, end))) total += Number(b.readBigUInt64LE(sh + 0x20));
    }
    return total;
  } catch { return null; }
}

export const isText = (name: string): boolean => name === '.text' || name.startsWith('.text.');
/**
 * LLVM's statepoint records (.llvm_stackmaps), which the runtime reads to find each frame's Wasm
 * values; the compiler renames each object's section to wanco_stackmaps before linking.
 */
export const isStackmaps = (name: string): boolean => name === '.llvm_stackmaps' || name === 'wanco_stackmaps';
