/**
 * Where source lines start in a module built with `-g`: the addresses of the rows of its DWARF
 * line table (the `.debug_line` custom section, versions 2 to 5) that have `is_stmt` set. For Wasm,
 * DWARF's addresses are offsets into the code section's content. Debug builds put their statement
 * points at these places only (cr/instrument.ts). Only the line program's addresses are read here;
 * what the debugger shows of the DWARF (files, lines, variables) comes from its engine
 * (debug-adapter/src/dwarf/).
 */

const DW_LNS_copy = 1, DW_LNS_advance_pc = 2, DW_LNS_negate_stmt = 6, DW_LNS_const_add_pc = 8, DW_LNS_fixed_advance_pc = 9;
const DW_LNE_end_sequence = 1, DW_LNE_set_address = 2;

class Reader {
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

/** The is_stmt row addresses of every line program in `bytes[offset, offset + size)`. */
export function statementStarts(bytes: Uint8Array, offset: number, size: number, fail: Fail): Set<number> {
  const starts = new Set<number>();
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
    // the directories and files come next; the program starts where header_length says
    u.pos = program;
    let address = 0, isStmt = defaultIsStmt;
    // A sequence of discarded code (a function the linker dropped) starts at a tombstone address,
    // all ones (or all ones but one) of its size: it has no code in the module.
    let dead = false;
    const row = () => { if (isStmt && !dead) starts.add(address); };
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
        if (sub === DW_LNE_end_sequence) { address = 0; isStmt = defaultIsStmt; dead = false; }
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
      else if (op === 3) u.sleb(); // advance_line
      else for (let k = 0; k < argCounts[op]; k++) u.uleb(); // set_file, set_column, ... and unknown ones: skipped by their argument count
    }
    pos = unitEnd;
  }
  return starts;
}
