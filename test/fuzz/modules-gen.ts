/**
 * Module fuzzing, part 1: a seeded random number generator, Wasm binary encoding helpers, a
 * table of every Wasm 2.0 instruction with the kind of its immediates (for random instructions),
 * and a generator of small valid WASI command modules that print what they compute.
 *
 * Generated modules are deterministic (no NaN bits reach the output: float results are
 * canonicalised before they are stored, and no float is reinterpreted as an integer), terminate
 * (loops are counted, calls go only to earlier functions) and may trap (division by zero,
 * out-of-bounds loads, unreachable, invalid conversions), so that Node and wanco must agree on
 * their output and exit status, or both trap.
 */

import { itemSeed, Mulberry32 } from '../helpers/random';

// ---------------------------------------------------------------- random numbers

/** The seeded generator of the module fuzzer (mulberry32, test/helpers/random.ts). */
export class Rng extends Mulberry32 {
  /** uniform integer in [0, n) */
  int(n: number): number { return n <= 1 ? 0 : this.u32() % n; }
  /** uniform integer in [lo, hi] */
  range(lo: number, hi: number): number { return lo + this.int(hi - lo + 1); }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]; }
  /** a value likely to hit edge cases: 0, 1, powers of two and their neighbours, the limits, random */
  interestingU32(): number {
    switch (this.int(6)) {
      case 0: return this.pick([0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x3fff, 0x4000, 0xffff, 0x10000]);
      case 1: return this.pick([0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x10001, 65536 * 2]);
      case 2: { const b = this.int(32); return ((2 ** b) + this.range(-1, 1)) >>> 0; }
      case 3: return this.int(8);
      default: return this.u32();
    }
  }
}

/** The generator of mutant `index` of run `seed`: each mutant can be replayed alone. */
export function rngFor(seed: number, index: number): Rng {
  return new Rng(itemSeed(seed, index));
}

// ---------------------------------------------------------------- encoding

export type Bytes = number[];

export function u32(n: number): Bytes {
  const out: Bytes = [];
  n = n >>> 0;
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/** An unsigned LEB128 padded to `len` bytes (redundant 0x80 continuation bytes, valid up to 5). */
export function u32Padded(n: number, len: number): Bytes {
  const out = u32(n);
  while (out.length < len) { out[out.length - 1] |= 0x80; out.push(0); }
  return out;
}

export function s64(v: bigint): Bytes {
  const out: Bytes = [];
  v = BigInt.asIntN(64, v);
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && !(b & 0x40)) || (v === -1n && (b & 0x40))) { out.push(b); return out; }
    out.push(b | 0x80);
  }
}

export function s32(n: number): Bytes { return s64(BigInt(n | 0)); }

export function name(s: string): Bytes {
  const b = [...Buffer.from(s, 'utf8')];
  return [...u32(b.length), ...b];
}

export function vec(items: Bytes[]): Bytes { return [...u32(items.length), ...items.flat()]; }

export function section(id: number, content: Bytes): Bytes { return [id, ...u32(content.length), ...content]; }

export const HEADER: Bytes = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

export const I32 = 0x7f, I64 = 0x7e, F32 = 0x7d, F64 = 0x7c, V128 = 0x7b, FUNCREF = 0x70, EXTERNREF = 0x6f;
export const VALTYPES = [I32, I64, F32, F64, V128, FUNCREF, EXTERNREF];

// ---------------------------------------------------------------- the instruction table

/** Immediate kinds (encoding only; typing is the validator's). */
export type Imm =
  | 'none' | 'block' | 'index' | 'br_table' | 'call_indirect' | 'select_t' | 'memarg' | 'zero' | 'i32' | 'i64'
  | 'f32' | 'f64' | 'reftype' | 'index_zero' | 'zero_zero' | 'index_index' | 'lane' | 'memarg_lane' | 'v128';

/** [opcode bytes (prefix + LEB sub-opcode), immediate kind] of every Wasm 2.0 instruction. */
export const INSTRUCTIONS: Array<[Bytes, Imm]> = (() => {
  const t: Array<[Bytes, Imm]> = [];
  const one = (op: number, imm: Imm) => t.push([[op], imm]);
  one(0x00, 'none'); one(0x01, 'none');
  for (const op of [0x02, 0x03, 0x04]) one(op, 'block');
  one(0x05, 'none'); one(0x0b, 'none'); one(0x0c, 'index'); one(0x0d, 'index'); one(0x0e, 'br_table');
  one(0x0f, 'none'); one(0x10, 'index'); one(0x11, 'call_indirect'); one(0x1a, 'none'); one(0x1b, 'none');
  one(0x1c, 'select_t');
  for (let op = 0x20; op <= 0x26; op++) one(op, 'index');
  for (let op = 0x28; op <= 0x3e; op++) one(op, 'memarg');
  one(0x3f, 'zero'); one(0x40, 'zero');
  one(0x41, 'i32'); one(0x42, 'i64'); one(0x43, 'f32'); one(0x44, 'f64');
  for (let op = 0x45; op <= 0xc4; op++) one(op, 'none');
  one(0xd0, 'reftype'); one(0xd1, 'none'); one(0xd2, 'index');
  const fc = (sub: number, imm: Imm) => t.push([[0xfc, ...u32(sub)], imm]);
  for (let sub = 0; sub <= 7; sub++) fc(sub, 'none');
  fc(8, 'index_zero'); fc(9, 'index'); fc(10, 'zero_zero'); fc(11, 'zero');
  fc(12, 'index_index'); fc(13, 'index'); fc(14, 'index_index');
  fc(15, 'index'); fc(16, 'index'); fc(17, 'index');
  const fd = (sub: number, imm: Imm) => t.push([[0xfd, ...u32(sub)], imm]);
  const gaps = new Set([0x9a, 0xa2, 0xa5, 0xa6, 0xaf, 0xb0, 0xb2, 0xb3, 0xb4, 0xbb, 0xc2, 0xc5, 0xc6, 0xcf, 0xd0, 0xd2, 0xd3, 0xd4, 0xe2, 0xee]);
  for (let sub = 0; sub <= 0xff; sub++) {
    if (gaps.has(sub)) continue;
    if (sub <= 0x0b || sub === 0x5c || sub === 0x5d) fd(sub, 'memarg');
    else if (sub === 0x0c || sub === 0x0d) fd(sub, 'v128');
    else if (sub >= 0x15 && sub <= 0x22) fd(sub, 'lane');
    else if (sub >= 0x54 && sub <= 0x5b) fd(sub, 'memarg_lane');
    else fd(sub, 'none');
  }
  return t;
})();

/** Random immediates of kind `imm`: usually small (in range), sometimes at or past the limits. */
export function randomImmediates(rng: Rng, imm: Imm): Bytes {
  const idx = () => u32(rng.chance(0.8) ? rng.int(6) : rng.interestingU32());
  switch (imm) {
    case 'none': return [];
    case 'block': {
      const r = rng.int(10);
      if (r < 4) return [0x40];
      if (r < 8) return [rng.pick(VALTYPES)];
      return s64(BigInt(rng.chance(0.8) ? rng.int(6) : rng.interestingU32())).slice(0, 5);
    }
    case 'index': case 'zero': return imm === 'zero' ? [rng.chance(0.95) ? 0 : rng.int(256)] : idx();
    case 'br_table': {
      const n = rng.chance(0.9) ? rng.int(5) : rng.interestingU32() & 0xffff;
      const out = u32(n);
      for (let i = 0; i < Math.min(n, 64); i++) out.push(...u32(rng.int(4)));
      return [...out, ...u32(rng.int(4))];
    }
    case 'call_indirect': return [...idx(), ...(rng.chance(0.9) ? [0] : idx())];
    case 'select_t': {
      const n = rng.chance(0.9) ? 1 : rng.int(3);
      return [...u32(n), ...Array.from({ length: n }, () => rng.pick(VALTYPES))];
    }
    case 'memarg': return [...u32(rng.chance(0.8) ? rng.int(5) : rng.interestingU32()), ...u32(rng.chance(0.7) ? rng.int(64) : rng.interestingU32())];
    case 'i32': return s32(rng.interestingU32());
    case 'i64': return s64((BigInt(rng.interestingU32()) << 32n) | BigInt(rng.u32()));
    case 'f32': return Array.from({ length: 4 }, () => rng.int(256));
    case 'f64': return Array.from({ length: 8 }, () => rng.int(256));
    case 'reftype': return [rng.chance(0.9) ? rng.pick([FUNCREF, EXTERNREF]) : rng.int(256)];
    case 'index_zero': return [...idx(), 0];
    case 'zero_zero': return [0, 0];
    case 'index_index': return [...idx(), ...idx()];
    case 'lane': return [rng.chance(0.8) ? rng.int(16) : rng.int(256)];
    case 'memarg_lane': return [...u32(rng.int(5)), ...u32(rng.int(64)), rng.chance(0.8) ? rng.int(16) : rng.int(256)];
    case 'v128': return Array.from({ length: 16 }, () => (rng.chance(0.5) ? rng.int(32) : rng.int(256)));
  }
}

export function randomInstruction(rng: Rng): Bytes {
  const [op, imm] = rng.pick(INSTRUCTIONS);
  return [...op, ...randomImmediates(rng, imm)];
}

// ---------------------------------------------------------------- valid modules

type NT = 0x7f | 0x7e | 0x7d | 0x7c;
const NUMTYPES: NT[] = [I32, I64, F32, F64];

interface GenFunc { params: NT[]; result: NT | undefined; locals: NT[]; code: Bytes }

/** Opcodes by result type: [opcode, operand types]. */
const UNARY: Record<NT, Array<[number, NT]>> = {
  [I32]: [[0x45, I32], [0x67, I32], [0x68, I32], [0x69, I32], [0x50, I64], [0xa7, I64], [0xc0, I32], [0xc1, I32],
    [0xa8, F32], [0xa9, F32], [0xaa, F64], [0xab, F64]],
  [I64]: [[0x79, I64], [0x7a, I64], [0x7b, I64], [0xac, I32], [0xad, I32], [0xc2, I64], [0xc3, I64], [0xc4, I64],
    [0xae, F32], [0xaf, F32], [0xb0, F64], [0xb1, F64]],
  [F32]: [[0x8b, F32], [0x8c, F32], [0x8d, F32], [0x8e, F32], [0x8f, F32], [0x90, F32], [0x91, F32],
    [0xb2, I32], [0xb3, I32], [0xb4, I64], [0xb5, I64], [0xb6, F64], [0xbe, I32]],
  [F64]: [[0x99, F64], [0x9a, F64], [0x9b, F64], [0x9c, F64], [0x9d, F64], [0x9e, F64], [0x9f, F64],
    [0xb7, I32], [0xb8, I32], [0xb9, I64], [0xba, I64], [0xbb, F32], [0xbf, I64]],
};
const BINARY: Record<NT, Array<[number, NT]>> = {
  [I32]: [...range(0x46, 0x4f).map((op) => [op, I32] as [number, NT]), ...range(0x51, 0x5a).map((op) => [op, I64] as [number, NT]),
    ...range(0x5b, 0x60).map((op) => [op, F32] as [number, NT]), ...range(0x61, 0x66).map((op) => [op, F64] as [number, NT]),
    ...range(0x6a, 0x78).map((op) => [op, I32] as [number, NT])],
  [I64]: range(0x7c, 0x8a).map((op) => [op, I64] as [number, NT]),
  [F32]: range(0x92, 0x98).map((op) => [op, F32] as [number, NT]),
  [F64]: range(0xa0, 0xa6).map((op) => [op, F64] as [number, NT]),
};
/** trapping truncations -> their saturating twins (0xFC sub-opcodes) */
const TRUNC_TO_SAT = new Map([[0xa8, 0], [0xa9, 1], [0xaa, 2], [0xab, 3], [0xae, 4], [0xaf, 5], [0xb0, 6], [0xb1, 7]]);
/** integer div and rem */
const DIVISIONS = new Set([0x6d, 0x6e, 0x6f, 0x70, 0x7f, 0x80, 0x81, 0x82]);
/** saturating truncations (0xFC 0..7): result type, operand type */
const SAT: Array<[number, NT, NT]> = [[0, I32, F32], [1, I32, F32], [2, I32, F64], [3, I32, F64], [4, I64, F32], [5, I64, F32], [6, I64, F64], [7, I64, F64]];
const LOADS: Record<NT, number[]> = { [I32]: [0x28, 0x2c, 0x2d, 0x2e, 0x2f], [I64]: [0x29, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35], [F32]: [0x2a], [F64]: [0x2b] };

function range(a: number, b: number): number[] { return Array.from({ length: b - a + 1 }, (_, i) => a + i); }

class FuncGen {
  readonly locals: NT[] = [];
  private depth = 0;
  /** loop counters: never chosen for other uses (a write would make the loop run on) */
  private readonly counters = new Set<number>();
  constructor(private readonly rng: Rng, private readonly params: NT[], private readonly funcs: GenFunc[],
    private readonly globals: NT[]) {}

  private local(t: NT): number {
    const all = [...this.params, ...this.locals];
    const have = all.map((x, i) => (x === t && !this.counters.has(i) ? i : -1)).filter((i) => i >= 0);
    if (have.length && this.rng.chance(0.8)) return this.rng.pick(have);
    this.locals.push(t);
    return this.params.length + this.locals.length - 1;
  }

  private constant(t: NT): Bytes {
    const r = this.rng;
    switch (t) {
      case I32: return [0x41, ...s32(r.chance(0.5) ? r.range(-20, 20) : r.interestingU32())];
      case I64: return [0x42, ...s64(r.chance(0.5) ? BigInt(r.range(-20, 20)) : (BigInt(r.interestingU32()) << BigInt(r.int(33))))];
      case F32: { const b = Buffer.alloc(4); b.writeFloatLE(r.chance(0.7) ? r.range(-100, 100) / 4 : r.pick([0, -0, Infinity, -Infinity, NaN, 3e38, 1e-40])); return [0x43, ...b]; }
      default: { const b = Buffer.alloc(8); b.writeDoubleLE(r.chance(0.7) ? r.range(-1000, 1000) / 8 : r.pick([0, -0, Infinity, -Infinity, NaN, 1.7e308, 5e-324, 2 ** 63])); return [0x44, ...b]; }
    }
  }

  /** an address: usually masked into the first page (in bounds), sometimes anything (may trap) */
  private address(): Bytes {
    const a = this.expr(I32);
    return this.rng.chance(0.97) ? [...a, 0x41, ...s32(0xfff8), 0x71] : a;
  }

  expr(t: NT): Bytes {
    const r = this.rng;
    this.depth++;
    try {
      if (this.depth > 5 || r.chance(0.25)) {
        switch (r.int(3)) {
          case 0: return [0x20, ...u32(this.local(t))];
          case 1: {
            const g = this.globals.map((x, i) => (x === t ? i : -1)).filter((i) => i >= 0);
            if (g.length) return [0x23, ...u32(r.pick(g))];
            return this.constant(t);
          }
          default: return this.constant(t);
        }
      }
      switch (r.int(12)) {
        case 0: case 1: {
          const [op, a] = r.pick(UNARY[t]);
          // a trapping float -> int conversion: mostly its saturating twin (random floats are often out of range)
          const sat = TRUNC_TO_SAT.get(op);
          if (sat !== undefined && r.chance(0.8)) return [...this.expr(a), 0xfc, sat];
          return [...this.expr(a), op];
        }
        case 2: case 3: case 4: {
          const [op, a] = r.pick(BINARY[t]);
          // a divisor made odd (never 0) most of the time: a program that always traps tells less
          const divisor = DIVISIONS.has(op) && r.chance(0.9) ? (a === I32 ? [0x41, 1, 0x72] : [0x42, 1, 0x84]) : [];
          return [...this.expr(a), ...this.expr(a), ...divisor, op];
        }
        case 5: {
          const c = SAT.filter(([, res]) => res === t);
          if (!c.length) return this.constant(t);
          const [sub, , a] = r.pick(c);
          return [...this.expr(a), 0xfc, sub];
        }
        case 6: return [...this.address(), r.pick(LOADS[t]), 0, ...u32(r.int(8))];
        case 7: return [...this.expr(I32), 0x04, t, ...this.expr(t), 0x05, ...this.expr(t), 0x0b];
        case 8: return [...this.expr(t), ...this.expr(t), ...this.expr(I32), 0x1b];
        case 9: {
          const callees = this.funcs.map((f, i) => (f.result === t ? i : -1)).filter((i) => i >= 0);
          if (!callees.length) return this.constant(t);
          const k = r.pick(callees);
          return [...this.funcs[k].params.flatMap((p) => this.expr(p)), 0x10, ...u32(k + NUM_IMPORTS)];
        }
        case 10: {
          // a counted loop accumulating into a local: block (result t) ... end
          const acc = this.local(t);
          this.locals.push(I32);
          const cnt = this.params.length + this.locals.length - 1;
          this.counters.add(cnt);
          const n = r.range(1, 20);
          return [
            ...this.expr(t), 0x21, ...u32(acc),
            0x41, ...s32(n), 0x21, ...u32(cnt),
            0x03, 0x40,
            ...this.statement(), ...this.expr(t), 0x21, ...u32(acc),
            0x20, ...u32(cnt), 0x41, 1, 0x6b, 0x22, ...u32(cnt), 0x0d, 0,
            0x0b,
            0x20, ...u32(acc),
          ];
        }
        default: return [0x02, t, ...this.statement(), ...this.expr(t), 0x0b];
      }
    } finally {
      this.depth--;
    }
  }

  statement(): Bytes {
    const r = this.rng;
    const t = r.pick(NUMTYPES);
    switch (r.int(6)) {
      case 0: return [...this.expr(t), 0x21, ...u32(this.local(t))];
      case 1: {
        const g = this.globals.map((x, i) => (x === t ? i : -1)).filter((i) => i >= 0);
        return g.length ? [...this.expr(t), 0x24, ...u32(r.pick(g))] : [];
      }
      case 2: {
        const it = r.chance(0.5) ? I32 : I64;
        const ops = it === I32 ? [0x36, 0x3a, 0x3b] : [0x37, 0x3c, 0x3d, 0x3e];
        return [...this.address(), ...this.expr(it), r.pick(ops), 0, ...u32(r.int(8))];
      }
      case 3: return [...this.expr(t), 0x1a];
      case 4: return r.chance(0.1) ? [...this.expr(I32), 0x04, 0x40, 0x00, 0x0b] : []; // a conditional unreachable
      default: return [];
    }
  }
}

/** WASI imports of generated modules: fd_write (0), proc_exit (1). */
const NUM_IMPORTS = 2;

/**
 * A small valid WASI command: 1-5 functions computing numbers (each may call earlier ones), and
 * `_start`, which calls each with constant arguments, stores the results (floats with NaN made
 * canonical) at 64 + 8k in memory and writes them to stdout with one fd_write; then exits with
 * status 0..3 through proc_exit, or returns.
 */
export function generateModule(rng: Rng): Uint8Array {
  const globals: NT[] = Array.from({ length: rng.int(4) }, () => rng.pick(NUMTYPES));
  const funcs: GenFunc[] = [];
  const n = rng.range(1, 5);
  for (let i = 0; i < n; i++) {
    const params = Array.from({ length: rng.int(4) }, () => rng.pick(NUMTYPES));
    const result = rng.chance(0.9) ? rng.pick(NUMTYPES) : undefined;
    const g = new FuncGen(rng, params, funcs, globals);
    const stmts: Bytes = [];
    for (let k = rng.int(3); k > 0; k--) stmts.push(...g.statement());
    const code = [...stmts, ...(result !== undefined ? g.expr(result) : g.statement()), 0x0b];
    funcs.push({ params, result, locals: g.locals, code });
  }
  return assemble(funcs, globals, startFunction(rng, funcs, globals));
}

/** _start (see generateModule); its locals 0 and 1 are an f32 and an f64 temporary. */
function startFunction(rng: Rng, funcs: GenFunc[], globals: NT[]): GenFunc {
  // the generator sees the temporaries as parameters so that its own locals are numbered after them
  const g = new FuncGen(rng, [F32, F64], funcs, globals);
  const code: Bytes = [];
  let slot = 0;
  funcs.forEach((f, i) => {
    const call = [...f.params.flatMap((p) => g.expr(p)), 0x10, ...u32(i + NUM_IMPORTS)];
    if (f.result === undefined) { code.push(...call); return; }
    const addr = [0x41, ...s32(64 + 8 * slot++)];
    switch (f.result) {
      case I32: code.push(...addr, ...call, 0x36, 2, 0); break;
      case I64: code.push(...addr, ...call, 0x37, 3, 0); break;
      case F32:
        code.push(...addr, ...call, 0x21, 0, 0x41, ...s32(0x7fc00000), 0x20, 0, 0xbc, 0x20, 0, 0x20, 0, 0x5c, 0x1b, 0x36, 2, 0);
        break;
      default:
        code.push(...addr, ...call, 0x21, 1, 0x42, ...s64(0x7ff8000000000000n), 0x20, 1, 0xbd, 0x20, 1, 0x20, 1, 0x62, 0x1b, 0x37, 3, 0);
    }
  });
  code.push(0x41, 0, 0x41, ...s32(64), 0x36, 2, 0, 0x41, 4, 0x41, ...s32(8 * slot), 0x36, 2, 0);
  code.push(0x41, 1, 0x41, 0, 0x41, 1, 0x41, 16, 0x10, 0, 0x1a);
  if (rng.chance(0.3)) code.push(0x41, rng.int(4), 0x10, 1);
  code.push(0x0b);
  return { params: [], result: undefined, locals: [F32, F64, ...g.locals], code };
}

function localsDecl(locals: NT[]): Bytes {
  const groups: Bytes[] = [];
  for (let i = 0; i < locals.length;) {
    let j = i;
    while (j < locals.length && locals[j] === locals[i]) j++;
    groups.push([...u32(j - i), locals[i]]);
    i = j;
  }
  return vec(groups);
}

function assemble(funcs: GenFunc[], globals: NT[], start: GenFunc): Uint8Array {
  const all = [...funcs, start];
  const types: Bytes[] = [
    [0x60, ...vec([[I32], [I32], [I32], [I32]]), ...vec([[I32]])], // fd_write
    [0x60, ...vec([[I32]]), ...vec([])], // proc_exit
    ...all.map((f) => [0x60, ...vec(f.params.map((p) => [p])), ...vec(f.result === undefined ? [] : [[f.result]])]),
  ];
  const imports = [
    [...name('wasi_snapshot_preview1'), ...name('fd_write'), 0x00, 0],
    [...name('wasi_snapshot_preview1'), ...name('proc_exit'), 0x00, 1],
  ];
  const globalEntries = globals.map((t) => {
    const init = t === I32 ? [0x41, 7] : t === I64 ? [0x42, 7] : t === F32 ? [0x43, 0, 0, 0x80, 0x3f] : [0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f];
    return [t, 1, ...init, 0x0b];
  });
  const startIndex = NUM_IMPORTS + all.length - 1;
  const bodies = all.map((f) => {
    const content = [...localsDecl(f.locals), ...f.code];
    return [...u32(content.length), ...content];
  });
  return Uint8Array.from([
    ...HEADER,
    ...section(1, vec(types)),
    ...section(2, vec(imports)),
    ...section(3, vec(all.map((_, i) => u32(i + 2)))),
    ...section(5, vec([[0x00, 1]])),
    ...(globalEntries.length ? section(6, vec(globalEntries)) : []),
    ...section(7, vec([[...name('memory'), 0x02, 0], [...name('_start'), 0x00, ...u32(startIndex)]])),
    ...section(10, vec(bodies)),
  ]);
}
