/**
 * Section headers of an ELF64 little-endian file (objects and executables of both targets), and
 * the one rename the back end makes in them: LLVM's `.llvm_stackmaps` becomes `wanco_stackmaps`.
 * A section named like a C identifier makes the linker define `__start_`/`__stop_` bounds over
 * every object's records, which the runtime reads (runtime/src/cr_module.c names them).
 */
import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';

export const LLVM_STACKMAP_SECTION = '.llvm_stackmaps';
export const STACKMAP_SECTION = 'wanco_stackmaps';

export interface ElfSection {
  name: string;
  /** where the name starts in the file (inside the section-name string table) */
  nameAt: number;
  offset: number;
  size: number;
}

/** The sections of an ELF64 LE image, or null when it is not one. */
export function elfSections(b: Buffer): ElfSection[] | null {
  if (b.length < 0x40 || b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1) return null;
  const shoff = Number(b.readBigUInt64LE(0x28));
  const shentsize = b.readUInt16LE(0x3a), shnum = b.readUInt16LE(0x3c), shstrndx = b.readUInt16LE(0x3e);
  if (shnum === 0 || shstrndx >= shnum || shoff + shnum * shentsize > b.length) return null;
  const strOff = Number(b.readBigUInt64LE(shoff + shstrndx * shentsize + 0x18));
  const sections: ElfSection[] = [];
  for (let i = 0; i < shnum; i++) {
    const sh = shoff + i * shentsize;
    const nameAt = strOff + b.readUInt32LE(sh);
    const end = b.indexOf(0, nameAt);
    if (nameAt >= b.length || end < 0) return null;
    sections.push({ name: b.toString('latin1', nameAt, end), nameAt, offset: Number(b.readBigUInt64LE(sh + 0x18)), size: Number(b.readBigUInt64LE(sh + 0x20)) });
  }
  return sections;
}

/** The total size of the sections of `file` whose names `pick` accepts, or null for a file that is not ELF64 LE. */
export function sectionSize(file: string, pick: (name: string) => boolean): number | null {
  try {
    const sections = elfSections(readFileSync(file));
    return sections && sections.filter((s) => pick(s.name)).reduce((n, s) => n + s.size, 0);
  } catch { return null; }
}

/**
 * Renames an object's `.llvm_stackmaps` to `wanco_stackmaps` in place: the names have the same
 * length, so only the string table's bytes change (what `llvm-objcopy --rename-section` did, without
 * a process per object). An object without stackmaps is left as it is.
 */
export async function renameStackmapSection(object: string): Promise<void> {
  const f = await open(object, 'r+');
  try {
    const b = await f.readFile();
    const sections = elfSections(b);
    if (!sections) throw new Error(`${object}: not an ELF64 little-endian object`);
    for (const s of sections.filter((x) => x.name === LLVM_STACKMAP_SECTION)) {
      await f.write(Buffer.from(STACKMAP_SECTION, 'latin1'), 0, STACKMAP_SECTION.length, s.nameAt);
    }
  } finally {
    await f.close();
  }
}

// The rename writes over the old name's bytes.
if (LLVM_STACKMAP_SECTION.length !== STACKMAP_SECTION.length) throw new Error('stackmap section names must have the same length');
