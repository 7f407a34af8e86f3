/**
 * Where everything is in a valid snapshot (docs/snapshot-format.md): sections, fields, values,
 * strings, memory chunks and the blocks of their zstd frames, by file offset. The mutator
 * (snapshots-mutate.ts) uses it to change one field, one value or one string at a time. Its own
 * walk, not the reader's: it only has to handle the seeds, which both readers accept.
 */

/** What a field is, which decides the values the mutator tries. */
export type FieldKind =
  | 'version' | 'header-size' | 'module-hash'
  | 'tag' | 'flags' | 'section-length'
  | 'count' | 'length' | 'u8' | 'u16' | 'u32' | 'i32' | 'u64' | 'enum' | 'pad' | 'func' | 'point' | 'fd' | 'ref'
  | 'valtype';

export interface Field {
  at: number;
  size: 1 | 2 | 4 | 8 | 32;
  kind: FieldKind;
  label: string;
  /** index into Layout.sections of the section holding it (-1: header) */
  section: number;
}

export interface Section {
  at: number;       // the tag
  tag: number;
  payload: number;  // first payload byte
  length: number;
  end: number;
}

export interface ValueLoc { typeAt: number; type: number; at: number; size: number; section: number; label: string }
export interface StringLoc { lenAt: number; at: number; size: number; section: number; label: string; env: boolean }
export interface Block { at: number; type: number; size: number; last: boolean }
export interface ChunkLoc {
  hdrAt: number;      // first page, page count, compressed length
  dataAt: number;
  clen: number;
  pages: number;
  section: number;
  /** the zstd frame: header size, window byte (or -1), content size field, blocks, checksum */
  frameHeaderSize: number;
  windowAt: number;
  fcsAt: number;
  fcsSize: number;
  blocks: Block[];
  checksumAt: number;
}

export interface Layout {
  bytes: Buffer;
  sections: Section[];
  fields: Field[];
  values: ValueLoc[];
  strings: StringLoc[];
  chunks: ChunkLoc[];
}

const SIZES: Record<number, number> = { 0x7f: 4, 0x7e: 8, 0x7d: 4, 0x7c: 8, 0x7b: 16, 0x70: 4, 0x6f: 4 };

export function layout(bytes: Buffer): Layout {
  const L: Layout = { bytes, sections: [], fields: [], values: [], strings: [], chunks: [] };
  const f = (at: number, size: Field['size'], kind: FieldKind, label: string, section: number) =>
    L.fields.push({ at, size, kind, label, section });
  f(8, 4, 'version', 'version', -1);
  f(12, 4, 'header-size', 'header size', -1);
  f(16, 32, 'module-hash', 'module hash', -1);
  let p = 64;
  while (p < bytes.length) {
    const tag = bytes.readUInt32LE(p);
    const length = Number(bytes.readBigUInt64LE(p + 8));
    if (p + 16 + length > bytes.length) throw new Error(`layout: section ${tag} beyond the file`);
    const s = L.sections.length;
    L.sections.push({ at: p, tag, payload: p + 16, length, end: p + 16 + length });
    f(p, 4, 'tag', `section ${tag} tag`, s);
    f(p + 4, 4, 'flags', `section ${tag} flags`, s);
    f(p + 8, 8, 'section-length', `section ${tag} length`, s);
    walkSection(L, s, tag, p + 16, p + 16 + length);
    p += 16 + length;
  }
  return L;
}

function walkSection(L: Layout, s: number, tag: number, start: number, end: number): void {
  const b = L.bytes;
  let p = start;
  const f = (size: Field['size'], kind: FieldKind, label: string) => {
    if (p + size > end) throw new Error(`layout: ${label} beyond section ${tag}`);
    L.fields.push({ at: p, size, kind, label, section: s });
    p += size;
  };
  const u32 = () => b.readUInt32LE(p);
  const value = (label: string) => {
    const type = b[p];
    if (SIZES[type] === undefined) throw new Error(`layout: ${label} has type 0x${type?.toString(16)}`);
    L.values.push({ typeAt: p, type, at: p + 1, size: SIZES[type], section: s, label });
    f(1, 'valtype', `${label} type`);
    if (type === 0x70 || type === 0x6f) f(4, 'ref', label);
    else p += SIZES[type];
  };
  const str = (label: string, env = false) => {
    const n = u32();
    if (p + 4 + n > end) throw new Error(`layout: ${label} beyond section ${tag}`);
    L.strings.push({ lenAt: p, at: p + 4, size: n, section: s, label, env });
    f(4, 'length', `${label} length`);
    p += n;
  };
  switch (tag) {
    case 1:
      f(1, 'enum', 'arch'); f(1, 'pad', 'arch padding'); p += 2; f(4, 'u32', 'ABI version'); f(8, 'u64', 'time');
      f(4, 'enum', 'reason'); f(4, 'u32', 'sequence');
      break;
    case 2: {
      const n = u32();
      f(4, 'count', 'frame count');
      for (let i = 0; i < n; i++) {
        f(4, 'func', `frame ${i} function`); f(4, 'pad', `frame ${i} padding`); f(8, 'point', `frame ${i} point`);
        const nl = u32(); f(4, 'count', `frame ${i} locals`);
        const ns = u32(); f(4, 'count', `frame ${i} stack values`);
        for (let k = 0; k < nl + ns; k++) value(`frame ${i} value ${k}`);
      }
      break;
    }
    case 3: {
      const n = u32();
      f(4, 'count', 'global count');
      for (let i = 0; i < n; i++) value(`global ${i}`);
      break;
    }
    case 4: {
      const n = u32();
      f(4, 'count', 'table count');
      for (let i = 0; i < n; i++) {
        const size = u32(); f(4, 'count', `table ${i} size`); f(4, 'u32', `table ${i} max`); f(1, 'enum', `table ${i} type`);
        f(1, 'pad', `table ${i} padding`); p += 2;
        for (let k = 0; k < size; k++) f(4, 'ref', `table ${i} element ${k}`);
      }
      break;
    }
    case 5: {
      f(4, 'u32', 'page count'); f(4, 'u32', 'max pages');
      const n = u32(); f(4, 'count', 'chunk count');
      for (let i = 0; i < n; i++) {
        const hdrAt = p;
        f(4, 'u32', `chunk ${i} first page`);
        const pages = u32(); f(4, 'u32', `chunk ${i} page count`);
        const clen = u32(); f(4, 'length', `chunk ${i} length`);
        if (p + clen > end) throw new Error(`layout: chunk ${i} beyond the section`);
        L.chunks.push(frameLayout(b, hdrAt, p, clen, pages, s));
        p += clen;
      }
      break;
    }
    case 6: {
      for (const what of ['data', 'element']) {
        const n = u32(); f(4, 'count', `${what} segment count`);
        for (let i = 0; i < n; i++) f(1, 'enum', `${what} segment ${i} flag`);
      }
      break;
    }
    case 7: {
      let n = u32(); f(4, 'count', 'argument count');
      for (let i = 0; i < n; i++) str(`argument ${i}`);
      n = u32(); f(4, 'count', 'environment count');
      for (let i = 0; i < n; i++) str(`environment variable ${i}`, true);
      n = u32(); f(4, 'count', 'preopen count');
      for (let i = 0; i < n; i++) { f(4, 'fd', `preopen ${i} fd`); str(`preopen ${i} guest path`); str(`preopen ${i} host path`); }
      n = u32(); f(4, 'count', 'open file count');
      for (let i = 0; i < n; i++) {
        f(4, 'fd', `file ${i} fd`); f(1, 'enum', `file ${i} kind`); f(1, 'pad', `file ${i} padding`); p += 2;
        f(4, 'fd', `file ${i} preopen`); str(`file ${i} path`); f(4, 'u32', `file ${i} oflags`); f(4, 'u32', `file ${i} fdflags`);
        f(8, 'u64', `file ${i} rights`); f(8, 'u64', `file ${i} inheriting rights`); f(8, 'u64', `file ${i} offset`);
      }
      break;
    }
    case 8: {
      const n = u32(); f(4, 'count', 'native frame count');
      for (let i = 0; i < n; i++) {
        f(8, 'u64', `native frame ${i} return address`);
        const nv = u32(); f(4, 'count', `native frame ${i} values`);
        for (let k = 0; k < nv; k++) { f(1, 'enum', `native ${i}.${k} kind`); f(1, 'u8', `native ${i}.${k} size`); f(2, 'u16', `native ${i}.${k} register`); f(4, 'i32', `native ${i}.${k} offset`); }
      }
      break;
    }
    default:
      p = end;
  }
  if (p !== end) throw new Error(`layout: section ${tag} parsed to 0x${p.toString(16)}, ends at 0x${end.toString(16)}`);
}

function frameLayout(b: Buffer, hdrAt: number, at: number, clen: number, pages: number, section: number): ChunkLoc {
  const fhd = b[at + 4];
  const fcsFlag = fhd >> 6, single = (fhd >> 5) & 1;
  const fcsSize = fcsFlag ? 1 << fcsFlag : single;
  const windowAt = single ? -1 : at + 5;
  const fcsAt = at + 5 + (single ? 0 : 1);
  const headerSize = 5 + (single ? 0 : 1) + fcsSize;
  const blocks: Block[] = [];
  let p = at + headerSize;
  for (;;) {
    if (p + 3 > at + clen) throw new Error('layout: zstd block header beyond the frame');
    const h = b[p] | (b[p + 1] << 8) | (b[p + 2] << 16);
    const type = (h >> 1) & 3, size = h >>> 3, last = (h & 1) === 1;
    blocks.push({ at: p, type, size, last });
    p += 3 + (type === 1 ? 1 : size);
    if (last) break;
  }
  return { hdrAt, dataAt: at, clen, pages, section, frameHeaderSize: headerSize, windowAt, fcsAt, fcsSize, blocks, checksumAt: p };
}
