/**
 * Where source lines start in a module built with `-g`: the addresses of the rows of its DWARF
 * line table (the `.debug_line` custom section, versions 2 to 5) that have `is_stmt` set, and the
 * file each row is in (as the table names it: directory index and name). For Wasm, DWARF's
 * addresses are offsets into the code section's content. Debug builds put their statement points
 * at these places only (cr/instrument.ts), in the functions whose source is on this machine
 * (wasm/source-files.ts). Lines and columns are not read here; what the debugger shows of the
 * DWARF (files, lines, variables) comes from its engine (debug-adapter/src/dwarf/).
 */

const DW_LNS_copy = 1, DW_LNS_advance_pc = 2, DW_LNS_negate_stmt = 6, DW_LNS_const_add_pc = 8, DW_LNS_fixed_advance_pc = 9;
const DW_LNE_end_sequence = 1, DW_LNE_set_address = 2;
const DW_LNS_set_file = 4;
/** DWARF 5 line-table entry formats: the content types and forms read here */
const DW_LNCT_path = 1, DW_LNCT_directory_index = 2;
export const DW_FORM = {
  addr: 0x01, block2: 0x03, block4: 0x04, data2: 0x05, data4: 0x06, data8: 0x07, string: 0x08, block: 0x09, block1: 0x0a,
  data1: 0x0b, flag: 0x0c, sdata: 0x0d, strp: 0x0e, udata: 0x0f, ref_addr: 0x10, ref1: 0x11, ref2: 0x12, ref4: 0x13,
  ref8: 0x14, ref_udata: 0x15, indirect: 0x16, sec_offset: 0x17, exprloc: 0x18, flag_present: 0x19, strx: 0x1a,
  addrx: 0x1b, ref_sup4: 0x1c, strp_sup: 0x1d, data16: 0x1e, line_strp: 0x1f, ref_sig8: 0x20, implicit_const: 0x21,
  loclistx: 0x22, rnglistx: 0x23, ref_sup8: 0x24, strx1: 0x25, strx2: 0x26, strx3: 0x27, strx4: 0x28, addrx1: 0x29,
  addrx2: 0x2a, addrx3: 0x2b, addrx4: 0x2c, GNU_addr_index: 0x1f01, GNU_str_index: 0x1f02, GNU_ref_alt: 0x1f20,
  GNU_strp_alt: 0x1f21,
} as const;

export class Reader {
  constructor(private readonly b: Uint8Array, public pos: number, private readonly end: number, private readonly report: Fail) {}

  fail(what: string, at = this.pos): never {
    return this.report(at, what);
  }

  need(n: number): void {
    if (this.pos + n > this.end) this.fail(`truncated (${n} more bytes needed)`);
  }

  u8(): number { this.need(1); return this.b[this.pos++]; }
  u16(): number { this.need(2); const v = this.b[this.pos] | (this.b[this.pos + 1] << 8); this.pos += 2; return v; }
  u32(): number { this.need(4); const v = (this.b[this.pos] | (this.b[this.pos + 1] << 8) | (this.b[this.pos + 2] << 16)) + this.b[this.pos + 3] * 2 ** 24; this.pos += 4; return v; }

  /** an address or offset of `size` bytes (4 or 8; Wasm's are 4, and one of 8 must fit in 2^53) */
  uN(size: number): number {
    if (size === 4) return this.u32();
    if (size !== 8) this.fail(`address size ${size} (4 or 8 expected)`);
    const lo = this.u32(), hi = this.u32();
    if (hi >= 2 ** 21) this.fail('an 8-byte value beyond 2^53');
    return hi * 2 ** 32 + lo;
  }

  uleb(): number {
    let result = 0, scale = 1;
    for (;;) {
      const byte = this.u8();
      result += (byte & 0x7f) * scale;
      if (!(byte & 0x80)) return result;
      scale *= 128;
      if (scale > 2 ** 56) this.fail('LEB128 value too long');
    }
  }

  /** a NUL-terminated string (UTF-8) */
  cstr(): string {
    const from = this.pos;
    while (this.u8() !== 0) { /* to the NUL */ }
    return Buffer.from(this.b.subarray(from, this.pos - 1)).toString('utf8');
  }

  sleb(): number {
    let result = 0, scale = 1, byte: number;
    do {
      byte = this.u8();
      result += (byte & 0x7f) * scale;
      scale *= 128;
      if (scale > 2 ** 63) this.fail('LEB128 value too long');
    } while (byte & 0x80);
    return byte & 0x40 ? result - scale : result;
  }
}

/** Reports malformed input: `at` is an offset in the bytes given; it throws. */
export type Fail = (at: number, reason: string) => never;

/** A DWARF section's contents, and how a problem at an offset in them is reported. */
export interface DwarfSection {
  data: Uint8Array;
  fail: Fail;
}

/** String sections a DWARF 5 line table's names may point into (section-relative offsets). */
export interface StringSections {
  /** `.debug_str` (DW_FORM_strp) */
  str?: DwarfSection;
  /** `.debug_line_str` (DW_FORM_line_strp) */
  lineStr?: DwarfSection;
}

/** The NUL-terminated string at `off` in a string section; undefined when the section is missing. */
export function sectionString(section: DwarfSection | undefined, off: number, what: string): string | undefined {
  if (!section) return undefined;
  if (off >= section.data.length) section.fail(off, `${what}: offset 0x${off.toString(16)} past the section's end`);
  let end = off;
  while (end < section.data.length && section.data[end] !== 0) end++;
  return Buffer.from(section.data.subarray(off, end)).toString('utf8');
}

/** A file of a line program's table, as the table names it. */
export interface LineFile {
  name: string;
  /** DWARF 2-4: 0 is the compilation directory, k > 0 is include_directories[k - 1]; DWARF 5: directories[k] */
  dir: number;
}

/** One line program (a compilation unit's): its files and the is_stmt rows' addresses and files. */
export interface LineProgram {
  /** where the unit starts in the section (what DW_AT_stmt_list holds) */
  offset: number;
  version: number;
  /** DWARF 2-4: include_directories (dir k > 0 is dirs[k - 1]); DWARF 5: directories (dirs[0] is the compilation directory) */
  dirs: string[];
  /** DWARF 2-4: file k > 0 is files[k - 1]; DWARF 5: file k is files[k] (as `fileOf` says) */
  files: LineFile[];
  /** is_stmt rows: code-section-relative address and the file register's value */
  rows: { address: number; file: number }[];
}

/** The file a row's file register names, or undefined when the table has none of that number. */
export function fileOf(p: LineProgram, file: number): LineFile | undefined {
  return p.version >= 5 ? p.files[file] : p.files[file - 1];
}

/** A string of a DWARF 5 entry: inline, or an offset into .debug_str / .debug_line_str. */
function formString(u: Reader, form: number, offsetSize: number, strings: StringSections): string | undefined {
  if (form === DW_FORM.string) return u.cstr();
  if (form === DW_FORM.line_strp) return sectionString(strings.lineStr, u.uN(offsetSize), 'a line table path (DW_FORM_line_strp)');
  if (form === DW_FORM.strp) return sectionString(strings.str, u.uN(offsetSize), 'a line table path (DW_FORM_strp)');
  skipForm(u, form, offsetSize, 4);
  return undefined;
}

/** Skips one attribute value of `form` (DWARF 2-5 and the GNU extensions LLVM writes). */
export function skipForm(u: Reader, form: number, offsetSize: number, addressSize: number, version = 5): void {
  const F = DW_FORM;
  switch (form) {
    case F.flag_present: case F.implicit_const: return;
    case F.data1: case F.ref1: case F.flag: case F.strx1: case F.addrx1: u.pos += 1; break;
    case F.data2: case F.ref2: case F.strx2: case F.addrx2: u.pos += 2; break;
    case F.strx3: case F.addrx3: u.pos += 3; break;
    case F.data4: case F.ref4: case F.ref_sup4: case F.strx4: case F.addrx4: u.pos += 4; break;
    case F.data8: case F.ref8: case F.ref_sig8: case F.ref_sup8: u.pos += 8; break;
    case F.data16: u.pos += 16; break;
    case F.addr: u.pos += addressSize; break;
    case F.ref_addr: u.pos += version <= 2 ? addressSize : offsetSize; break;
    case F.strp: case F.line_strp: case F.sec_offset: case F.strp_sup: case F.GNU_ref_alt: case F.GNU_strp_alt: u.pos += offsetSize; break;
    case F.udata: case F.ref_udata: case F.strx: case F.addrx: case F.loclistx: case F.rnglistx: case F.GNU_addr_index: case F.GNU_str_index: u.uleb(); break;
    case F.sdata: u.sleb(); break;
    case F.string: u.cstr(); break;
    case F.block1: u.pos += u.u8(); break;
    case F.block2: u.pos += u.u16(); break;
    case F.block4: u.pos += u.u32(); break;
    case F.block: case F.exprloc: u.pos += u.uleb(); break;
    case F.indirect: skipForm(u, u.uleb(), offsetSize, addressSize, version); return;
    default: u.fail(`unknown attribute form 0x${form.toString(16)}`);
  }
  u.need(0);
}

/** DWARF 5's self-describing directory or file entries: the path and directory index of each. */
function entries(u: Reader, offsetSize: number, strings: StringSections): { name: string; dir: number }[] {
  const formats: [number, number][] = [];
  const formatCount = u.u8();
  for (let k = 0; k < formatCount; k++) formats.push([u.uleb(), u.uleb()]);
  const count = u.uleb();
  const out: { name: string; dir: number }[] = [];
  for (let k = 0; k < count; k++) {
    let name = '', dir = 0;
    for (const [type, form] of formats) {
      if (type === DW_LNCT_path) name = formString(u, form, offsetSize, strings) ?? '';
      else if (type === DW_LNCT_directory_index && form === DW_FORM.udata) dir = u.uleb();
      else if (type === DW_LNCT_directory_index && (form === DW_FORM.data1 || form === DW_FORM.data2)) dir = form === DW_FORM.data1 ? u.u8() : u.u16();
      else skipForm(u, form, offsetSize, 4);
    }
    out.push({ name, dir });
  }
  return out;
}

/** Every line program in `bytes[offset, offset + size)`, with its files and is_stmt rows. */
export function linePrograms(bytes: Uint8Array, offset: number, size: number, fail: Fail, strings: StringSections = {}): LineProgram[] {
  const programs: LineProgram[] = [];
  const end = offset + size;
  let pos = offset;
  while (pos < end) {
    const r = new Reader(bytes, pos, end, fail);
    let unitLength = r.u32();
    let offsetSize = 4;
    if (unitLength === 0xffffffff) { unitLength = r.uN(8); offsetSize = 8; }
    else if (unitLength >= 0xfffffff0) r.fail(`reserved unit length 0x${unitLength.toString(16)}`);
    const unitEnd = r.pos + unitLength;
    if (unitEnd > end) r.fail(`line program of ${unitLength} bytes runs past the section's end`);
    const u = new Reader(bytes, r.pos, unitEnd, fail);
    const version = u.u16();
    if (version < 2 || version > 5) u.fail(`line table version ${version} (2 to 5 are known)`, u.pos - 2);
    if (version >= 5) { u.u8(); u.u8(); } // address and segment selector sizes (set_address says its own)
    const headerLength = u.uN(offsetSize);
    const program = u.pos + headerLength;
    if (program > unitEnd) u.fail('line program header runs past its unit');
    const minInstLength = u.u8();
    if (version >= 4) u.u8(); // maximum operations per instruction: 1 outside VLIW
    const defaultIsStmt = u.u8() !== 0;
    u.u8(); // line_base: lines are not needed here
    const lineRange = u.u8();
    const opcodeBase = u.u8();
    if (lineRange === 0) u.fail('line_range 0');
    const argCounts = [0];
    for (let k = 1; k < opcodeBase; k++) argCounts.push(u.u8());
    const p: LineProgram = { offset: pos - offset, version, dirs: [], files: [], rows: [] };
    const h = new Reader(bytes, u.pos, program, fail);
    if (version >= 5) {
      p.dirs = entries(h, offsetSize, strings).map((e) => e.name);
      p.files = entries(h, offsetSize, strings);
    } else {
      for (let d = h.cstr(); d !== ''; d = h.cstr()) p.dirs.push(d);
      for (let name = h.cstr(); name !== ''; name = h.cstr()) {
        const dir = h.uleb();
        h.uleb(); h.uleb(); // modification time, length
        p.files.push({ name, dir });
      }
    }
    u.pos = program;
    let address = 0, isStmt = defaultIsStmt, file = 1;
    // A sequence of discarded code (a function the linker dropped) starts at a tombstone address,
    // all ones (or all ones but one) of its size: it has no code in the module.
    let dead = false;
    const row = () => { if (isStmt && !dead) p.rows.push({ address, file }); };
    while (u.pos < unitEnd) {
      const op = u.u8();
      if (op >= opcodeBase) {
        address += Math.floor((op - opcodeBase) / lineRange) * minInstLength;
        row();
      } else if (op === 0) {
        const len = u.uleb();
        const next = u.pos + len;
        if (len === 0 || next > unitEnd) u.fail('extended opcode runs past its unit');
        const sub = u.u8();
        if (sub === DW_LNE_end_sequence) { address = 0; isStmt = defaultIsStmt; dead = false; file = 1; }
        else if (sub === DW_LNE_set_address) {
          const lo = u.u32(), hi = len - 1 === 8 ? u.u32() : len - 1 === 4 ? 0 : u.fail(`set_address of ${len - 1} bytes (4 or 8 expected)`);
          dead = len - 1 === 4 ? lo >= 0xfffffffe : hi === 0xffffffff && lo >= 0xfffffffe;
          if (!dead && hi >= 2 ** 21) u.fail('an address beyond 2^53');
          address = dead ? 0 : hi * 2 ** 32 + lo;
        }
        u.pos = next; // others (define_file, set_discriminator, vendor ones) carry nothing we need
      } else if (op === DW_LNS_copy) row();
      else if (op === DW_LNS_advance_pc) address += u.uleb() * minInstLength;
      else if (op === DW_LNS_negate_stmt) isStmt = !isStmt;
      else if (op === DW_LNS_const_add_pc) address += Math.floor((255 - opcodeBase) / lineRange) * minInstLength;
      else if (op === DW_LNS_fixed_advance_pc) address += u.u16();
      else if (op === DW_LNS_set_file) file = u.uleb();
      else if (op === 3) u.sleb(); // advance_line
      else for (let k = 0; k < argCounts[op]; k++) u.uleb(); // set_column, ... and unknown ones: skipped by their argument count
    }
    programs.push(p);
    pos = unitEnd;
  }
  return programs;
}

/** The is_stmt row addresses of every line program in `bytes[offset, offset + size)`. */
export function statementStarts(bytes: Uint8Array, offset: number, size: number, fail: Fail): Set<number> {
  const starts = new Set<number>();
  for (const p of linePrograms(bytes, offset, size, fail)) for (const r of p.rows) starts.add(r.address);
  return starts;
}
