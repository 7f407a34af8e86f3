/**
 * Module fuzzing, part 2: a structured mutator. A seed module (valid) is split into its sections,
 * and its code section into function bodies (locals, instructions: the decoder's offsets give
 * each instruction's bytes); mutations work on that model and the module is written out again,
 * with correct section and body sizes unless a mutation corrupts one on purpose. So most mutants
 * get past the framing into the decoder's inner parts, the validator and the translator.
 *
 * Mutations: of sections (drop, duplicate, swap, move, change the id, truncate, append junk, a
 * custom section), of vector counts (±1, 0, huge, over-long LEB), of types (param/result types and
 * counts), of instructions (replace, insert, delete, duplicate, swap, random opcode, immediates
 * re-encoded with other values or with redundant LEB bytes), of locals, splicing bodies and
 * instruction runs from another seed, section/body sizes off by a little or over-long, and plain
 * byte flips as a last resort.
 */
import { decodeModule } from '../../compiler-core/src/wasm/decoder';
import { randomImmediates, randomInstruction, Rng, u32, u32Padded, VALTYPES, INSTRUCTIONS, type Bytes } from './modules-gen';

interface Body { locals: Uint8Array; instrs: Uint8Array[] }

interface Section {
  id: number;
  /** the payload; for the code section (id 10) rebuilt from `bodies` when they are set */
  bytes: Uint8Array;
  bodies?: Body[];
  /** code section: the function count written, when not bodies.length */
  countOverride?: number;
  /** the size field: undefined = exact; else a rewrite of it */
  size?: { kind: 'padded'; len: number } | { kind: 'delta'; delta: number };
}

export interface Model {
  header: Uint8Array;
  sections: Section[];
}

/** Reads an unsigned LEB128 at `pos`: [value, next position]; undefined when it runs off the end. */
function readU32(b: Uint8Array, pos: number): [number, number] | undefined {
  let result = 0, mul = 1;
  for (let i = 0; i < 5; i++) {
    if (pos >= b.length) return undefined;
    const x = b[pos++];
    result += (x & 0x7f) * mul;
    mul *= 128;
    if (!(x & 0x80)) return [result, pos];
  }
  return undefined;
}

/** Splits a valid module into the model (the seed corpus is valid, so the decoder's offsets are exact). */
export function parseModel(bytes: Uint8Array): Model {
  const m = decodeModule(bytes, 'seed.wasm');
  const sections: Section[] = [];
  let pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos];
    const [size, start] = readU32(bytes, pos + 1)!;
    const payload = bytes.slice(start, start + size);
    const sec: Section = { id, bytes: payload };
    if (id === 10) {
      sec.bodies = m.funcs.map((f) => {
        const [, afterSize] = readU32(bytes, f.bodyOffset)!;
        const first = f.body[0].offset;
        const instrs = f.body.map((ins, k) => bytes.slice(ins.offset, k + 1 < f.body.length ? f.body[k + 1].offset : f.bodyEnd));
        return { locals: bytes.slice(afterSize, first), instrs };
      });
    }
    sections.push(sec);
    pos = start + size;
  }
  return { header: bytes.slice(0, 8), sections };
}

function cloneBody(b: Body): Body {
  return { locals: b.locals.slice(), instrs: b.instrs.map((i) => i.slice()) };
}

function cloneSection(s: Section): Section {
  return { ...s, bytes: s.bytes.slice(), bodies: s.bodies?.map(cloneBody) };
}

function cloneModel(m: Model): Model {
  return { header: m.header.slice(), sections: m.sections.map(cloneSection) };
}

function bodyBytes(b: Body): Bytes {
  const content = [...b.locals, ...b.instrs.flatMap((i) => [...i])];
  return [...u32(content.length), ...content];
}

export function serialize(m: Model): Uint8Array {
  const out: number[] = [...m.header];
  for (const s of m.sections) {
    let payload: ArrayLike<number> = s.bytes;
    if (s.bodies) payload = [...u32(s.countOverride ?? s.bodies.length), ...s.bodies.flatMap(bodyBytes)];
    out.push(s.id);
    if (!s.size) out.push(...u32(payload.length));
    else if (s.size.kind === 'padded') out.push(...u32Padded(payload.length, s.size.len));
    else out.push(...u32(Math.max(0, payload.length + s.size.delta)));
    for (let i = 0; i < payload.length; i++) out.push(payload[i]);
  }
  return Uint8Array.from(out);
}

/** The mutations, by name (the report counts which ones made each outcome). */
export type MutationName = string;

const INTERESTING_BYTES = [0x00, 0x01, 0x40, 0x60, 0x6f, 0x70, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f, 0x80, 0xff, 0x0b, 0x05, 0xfc, 0xfd];

function bytesWith(b: Uint8Array, at: number, del: number, ins: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(b.length - del + ins.length);
  out.set(b.subarray(0, at), 0);
  out.set(Array.from(ins), at);
  out.set(b.subarray(at + del), at + ins.length);
  return out;
}

/** Re-encodes the first LEB of an instruction's immediates (after the opcode) with another value or padding. */
function mutateImmediate(rng: Rng, ins: Uint8Array): Uint8Array {
  const prefix = ins[0] === 0xfc || ins[0] === 0xfd ? (readU32(ins, 1)?.[1] ?? 1) : 1;
  const leb = readU32(ins, prefix);
  if (!leb || leb[1] === prefix) return Uint8Array.from([...ins.subarray(0, prefix), ...randomImmediates(rng, rng.pick(INSTRUCTIONS)[1])]);
  const [v, end] = leb;
  let enc: Bytes;
  switch (rng.int(5)) {
    case 0: enc = u32Padded(v, rng.range(u32(v).length, 5)); break; // redundant but valid
    case 1: enc = [...u32Padded(v, 5).slice(0, 4), 0x80 | u32Padded(v, 5)[4], 0x00]; break; // over-long: 6 bytes
    case 2: enc = u32((v + rng.pick([1, -1, 2, 1000])) >>> 0); break;
    case 3: enc = u32(rng.interestingU32()); break;
    default: enc = u32(rng.int(8)); break;
  }
  return Uint8Array.from([...ins.subarray(0, prefix), ...enc, ...ins.subarray(end)]);
}

function pickSection(rng: Rng, m: Model, pred: (s: Section) => boolean = () => true): Section | undefined {
  const c = m.sections.filter(pred);
  return c.length ? rng.pick(c) : undefined;
}

function pickBody(rng: Rng, m: Model): Body | undefined {
  const code = m.sections.find((s) => s.bodies && s.bodies.length);
  return code ? rng.pick(code.bodies!) : undefined;
}

/** One mutation, in place; returns its name. */
function mutateOnce(rng: Rng, m: Model, donors: Model[]): MutationName {
  const body = pickBody(rng, m);
  const r = rng.int(100);
  // instructions (most of the budget: that is where the decoder, validator and translator are deepest)
  if (body && body.instrs.length > 1 && r < 55) {
    const k = rng.int(body.instrs.length - 1); // keep the final `end` most of the time
    switch (rng.int(11)) {
      case 0: body.instrs[k] = Uint8Array.from(randomInstruction(rng)); return 'instr-replace';
      case 1: body.instrs.splice(k, 0, Uint8Array.from(randomInstruction(rng))); return 'instr-insert';
      case 2: body.instrs.splice(k, 1); return 'instr-delete';
      case 3: body.instrs.splice(k, 0, body.instrs[k].slice()); return 'instr-duplicate';
      case 4: { const j = rng.int(body.instrs.length); [body.instrs[k], body.instrs[j]] = [body.instrs[j], body.instrs[k]]; return 'instr-swap'; }
      case 5: case 6: body.instrs[k] = mutateImmediate(rng, body.instrs[k]); return 'instr-immediate';
      case 7: { // same immediates, another opcode (often of another immediate kind: misread immediates)
        const ins = body.instrs[k];
        body.instrs[k] = Uint8Array.from([...rng.pick(INSTRUCTIONS)[0], ...ins.subarray(1)]);
        return 'instr-opcode';
      }
      case 8: { // a run of instructions from another body (maybe another seed)
        const d = rng.chance(0.5) && donors.length ? pickBody(rng, rng.pick(donors)) : pickBody(rng, m);
        if (!d || !d.instrs.length) return 'instr-splice-none';
        const a = rng.int(d.instrs.length), n = rng.range(1, Math.min(20, d.instrs.length - a));
        body.instrs.splice(k, rng.int(3), ...d.instrs.slice(a, a + n).map((i) => i.slice()));
        return 'instr-splice';
      }
      case 9: body.instrs.splice(body.instrs.length - 1, 1); return 'instr-drop-end';
      default: { // a byte inside an instruction
        const ins = body.instrs[k];
        const at = rng.int(ins.length);
        body.instrs[k] = bytesWith(ins, at, 1, [rng.chance(0.5) ? rng.pick(INTERESTING_BYTES) : rng.int(256)]);
        return 'instr-byte';
      }
    }
  }
  if (body && r < 62) {
    switch (rng.int(4)) {
      case 0: { // a local group's type
        if (body.locals.length < 3) return 'locals-none';
        const at = rng.range(1, body.locals.length - 1);
        body.locals = bytesWith(body.locals, at, 1, [rng.pick([...VALTYPES, 0x40, 0x00, 0xff])]);
        return 'locals-type';
      }
      case 1: { // a local group's count (the first LEB after the group count)
        const n = readU32(body.locals, 0);
        if (!n || n[0] === 0) return 'locals-none';
        const c = readU32(body.locals, n[1]);
        if (!c) return 'locals-none';
        // mostly a few more; sometimes an edge value or tens of thousands (the limit is 50000 in all)
        const count = rng.chance(0.7) ? c[0] + rng.range(1, 100) : rng.chance(0.6) ? rng.interestingU32() : c[0] + rng.range(1, 50000);
        body.locals = bytesWith(body.locals, n[1], c[1] - n[1], u32(count));
        return 'locals-count';
      }
      case 2: body.locals = Uint8Array.from([...u32(1), ...u32(rng.range(1, 8)), rng.pick(VALTYPES)]); return 'locals-replace';
      default: body.locals = Uint8Array.from(u32(0)); return 'locals-none';
    }
  }
  if (r < 70) {
    const code = m.sections.find((s) => s.bodies);
    if (code && code.bodies!.length) {
      switch (rng.int(5)) {
        case 0: code.bodies!.push(cloneBody(rng.pick(code.bodies!))); return 'body-append';
        case 1: code.bodies!.splice(rng.int(code.bodies!.length), 1); return 'body-remove';
        case 2: {
          const d = donors.length ? pickBody(rng, rng.pick(donors)) : undefined;
          if (!d) return 'body-splice-none';
          code.bodies![rng.int(code.bodies!.length)] = cloneBody(d);
          return 'body-splice';
        }
        case 3: code.countOverride = rng.chance(0.5) ? code.bodies!.length + rng.pick([-1, 1, 2]) : rng.interestingU32(); return 'body-count';
        default: {
          const i = rng.int(code.bodies!.length), j = rng.int(code.bodies!.length);
          [code.bodies![i], code.bodies![j]] = [code.bodies![j], code.bodies![i]];
          return 'body-swap';
        }
      }
    }
  }
  if (r < 78) {
    // types: a param/result type byte or count inside the type section
    const t = m.sections.find((s) => s.id === 1);
    if (t && t.bytes.length > 2) {
      const positions: number[] = [];
      for (let i = 0; i < t.bytes.length; i++) if (t.bytes[i] === 0x60 || VALTYPES.includes(t.bytes[i])) positions.push(i);
      const at = positions.length ? rng.pick(positions) : rng.int(t.bytes.length);
      if (rng.chance(0.5)) t.bytes = bytesWith(t.bytes, at, 1, [rng.pick([...VALTYPES, 0x60, 0x40, 0x00])]);
      else if (at + 1 < t.bytes.length) t.bytes = bytesWith(t.bytes, at + 1, 1, [rng.chance(0.7) ? rng.int(4) : rng.int(256)]);
      return 'type';
    }
  }
  if (r < 86) {
    // a vector count: the first LEB of a section
    const s = pickSection(rng, m, (x) => x.id !== 0 && x.id !== 8 && !x.bodies && x.bytes.length > 0);
    if (s) {
      const c = readU32(s.bytes, 0);
      if (c) {
        const enc = rng.chance(0.3) ? u32Padded(c[0], rng.range(c[1], 5)) : u32(rng.chance(0.5) ? c[0] + rng.pick([-1, 1, 2]) : rng.interestingU32());
        s.bytes = bytesWith(s.bytes, 0, c[1], enc);
        return 'count';
      }
    }
  }
  if (r < 94) {
    switch (rng.int(9)) {
      case 0: { const s = pickSection(rng, m); if (s) m.sections.splice(m.sections.indexOf(s), 1); return 'section-drop'; }
      case 1: { const s = pickSection(rng, m); if (s) m.sections.splice(rng.int(m.sections.length + 1), 0, cloneSection(s)); return 'section-duplicate'; }
      case 2: { const i = rng.int(m.sections.length), j = rng.int(m.sections.length); [m.sections[i], m.sections[j]] = [m.sections[j], m.sections[i]]; return 'section-swap'; }
      case 3: { const s = pickSection(rng, m); if (s) s.id = rng.chance(0.8) ? rng.int(13) : rng.int(256); return 'section-id'; }
      case 4: { const s = pickSection(rng, m, (x) => !x.bodies); if (s) s.bytes = s.bytes.slice(0, rng.int(s.bytes.length + 1)); return 'section-truncate'; }
      case 5: { const s = pickSection(rng, m, (x) => !x.bodies); if (s) s.bytes = Uint8Array.from([...s.bytes, ...Array.from({ length: rng.range(1, 4) }, () => rng.int(256))]); return 'section-junk'; }
      case 6: { const s = pickSection(rng, m); if (s) s.size = { kind: 'padded', len: rng.range(1, 5) }; return 'size-padded'; }
      case 7: { const s = pickSection(rng, m); if (s) s.size = { kind: 'delta', delta: rng.pick([-2, -1, 1, 2, 1000]) }; return 'size-wrong'; }
      default: {
        const nm = rng.pick(['name', 'producers', '', 'x'.repeat(rng.int(40))]);
        const content = [...u32(nm.length), ...Buffer.from(nm), ...Array.from({ length: rng.int(20) }, () => rng.int(256))];
        m.sections.splice(rng.int(m.sections.length + 1), 0, { id: 0, bytes: Uint8Array.from(content) });
        return 'custom-section';
      }
    }
  }
  // bytes: anywhere in a section payload
  const s = pickSection(rng, m, (x) => !x.bodies && x.bytes.length > 0);
  if (!s) return 'byte-none';
  const at = rng.int(s.bytes.length);
  switch (rng.int(3)) {
    case 0: s.bytes = bytesWith(s.bytes, at, 1, [rng.pick(INTERESTING_BYTES)]); return 'byte-interesting';
    case 1: s.bytes = bytesWith(s.bytes, at, 0, [rng.int(256)]); return 'byte-insert';
    default: s.bytes = bytesWith(s.bytes, at, 1, []); return 'byte-delete';
  }
}

/** A mutant of `seed`: 1-4 mutations (rarely the header); returns the bytes and the mutation names. */
export function mutate(rng: Rng, seed: Model, donors: Model[]): { bytes: Uint8Array; mutations: MutationName[] } {
  const m = cloneModel(seed);
  const mutations: MutationName[] = [];
  const n = rng.pick([1, 1, 1, 2, 2, 3, 4]);
  for (let i = 0; i < n; i++) mutations.push(mutateOnce(rng, m, donors));
  if (rng.chance(0.01)) { m.header[rng.int(8)] ^= 1 << rng.int(8); mutations.push('header'); }
  return { bytes: serialize(m), mutations };
}
