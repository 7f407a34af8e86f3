/**
 * The compilation units of a module's DWARF (`.debug_info`, versions 2 to 5): for each, where its
 * line program starts (DW_AT_stmt_list) and its compilation directory (DW_AT_comp_dir), the
 * directory a DWARF 2-4 line table's relative paths are relative to. Only the unit's first DIE
 * (DW_TAG_compile_unit) is read, through its abbreviation; nothing else of the tree.
 */
import { DW_FORM, Reader, sectionString, skipForm, type DwarfSection, type StringSections } from './debug-line';

const DW_AT_stmt_list = 0x10, DW_AT_comp_dir = 0x1b, DW_AT_str_offsets_base = 0x72;
const DW_UT_compile = 1, DW_UT_type = 2, DW_UT_partial = 3, DW_UT_skeleton = 4, DW_UT_split_compile = 5, DW_UT_split_type = 6;

export interface UnitSections extends StringSections {
  info: DwarfSection;
  abbrev: DwarfSection;
  /** `.debug_str_offsets` (DW_FORM_strx*) */
  strOffsets?: DwarfSection;
}

export interface CompileUnit {
  /** offset of its line program in `.debug_line` */
  stmtList?: number;
  compDir?: string;
}

/** A unit's attribute specs for abbreviation `code`: [attribute, form, implicit constant]. */
function abbreviation(abbrev: DwarfSection, at: number, code: number): [number, number][] {
  const r = new Reader(abbrev.data, at, abbrev.data.length, abbrev.fail);
  for (;;) {
    const c = r.uleb();
    if (c === 0) r.fail(`abbreviation ${code} not found`);
    r.uleb(); // tag
    r.u8(); // has children
    const specs: [number, number][] = [];
    for (;;) {
      const attr = r.uleb(), form = r.uleb();
      if (attr === 0 && form === 0) break;
      if (form === DW_FORM.implicit_const) r.sleb();
      specs.push([attr, form]);
    }
    if (c === code) return specs;
  }
}

/** Every compilation unit's line program offset and compilation directory. */
export function compileUnits(s: UnitSections): CompileUnit[] {
  const units: CompileUnit[] = [];
  let pos = 0;
  while (pos < s.info.data.length) {
    const r = new Reader(s.info.data, pos, s.info.data.length, s.info.fail);
    let unitLength = r.u32();
    let offsetSize = 4;
    if (unitLength === 0xffffffff) { unitLength = r.uN(8); offsetSize = 8; }
    else if (unitLength >= 0xfffffff0) r.fail(`reserved unit length 0x${unitLength.toString(16)}`);
    const unitEnd = r.pos + unitLength;
    if (unitEnd > s.info.data.length) r.fail(`unit of ${unitLength} bytes runs past the section's end`);
    const u = new Reader(s.info.data, r.pos, unitEnd, s.info.fail);
    const version = u.u16();
    if (version < 2 || version > 5) u.fail(`unit version ${version} (2 to 5 are known)`, u.pos - 2);
    let abbrevOffset: number, addressSize: number, unitType = DW_UT_compile;
    if (version >= 5) {
      unitType = u.u8();
      addressSize = u.u8();
      abbrevOffset = u.uN(offsetSize);
      if (unitType === DW_UT_skeleton || unitType === DW_UT_split_compile) u.pos += 8; // dwo id
      else if (unitType === DW_UT_type || unitType === DW_UT_split_type) u.pos += 8 + offsetSize; // type signature and offset
    } else {
      abbrevOffset = u.uN(offsetSize);
      addressSize = u.u8();
    }
    pos = unitEnd;
    if (unitType !== DW_UT_compile && unitType !== DW_UT_partial && unitType !== DW_UT_skeleton) continue;
    const code = u.uleb();
    if (code === 0) continue;
    if (abbrevOffset >= s.abbrev.data.length) u.fail(`abbreviations at 0x${abbrevOffset.toString(16)} past .debug_abbrev's end`);
    const unit: CompileUnit = {};
    let strx: number | undefined, strOffsetsBase = 8 * (offsetSize / 4); // DWARF 5's default: right after the table's header
    for (const [attr, form] of abbreviation(s.abbrev, abbrevOffset, code)) {
      if (attr === DW_AT_stmt_list && (form === DW_FORM.sec_offset || form === DW_FORM.data4 || form === DW_FORM.data8)) {
        unit.stmtList = form === DW_FORM.data8 ? u.uN(8) : form === DW_FORM.data4 ? u.u32() : u.uN(offsetSize);
      } else if (attr === DW_AT_comp_dir && form === DW_FORM.string) unit.compDir = u.cstr();
      else if (attr === DW_AT_comp_dir && (form === DW_FORM.strp || form === DW_FORM.line_strp)) {
        const off = u.uN(offsetSize);
        unit.compDir = sectionString(form === DW_FORM.strp ? s.str : s.lineStr, off, 'DW_AT_comp_dir');
      } else if (attr === DW_AT_comp_dir && (form === DW_FORM.strx || (form >= DW_FORM.strx1 && form <= DW_FORM.strx4))) {
        strx = form === DW_FORM.strx ? u.uleb() : form === DW_FORM.strx1 ? u.u8() : form === DW_FORM.strx2 ? u.u16()
          : form === DW_FORM.strx3 ? u.u16() + u.u8() * 65536 : u.u32();
      } else if (attr === DW_AT_str_offsets_base && form === DW_FORM.sec_offset) strOffsetsBase = u.uN(offsetSize);
      else skipForm(u, form, offsetSize, addressSize, version);
    }
    if (strx !== undefined && s.strOffsets) {
      const at = strOffsetsBase + strx * offsetSize;
      const o = new Reader(s.strOffsets.data, at, s.strOffsets.data.length, s.strOffsets.fail);
      unit.compDir = sectionString(s.str, o.uN(offsetSize), 'DW_AT_comp_dir');
    }
    units.push(unit);
  }
  return units;
}
