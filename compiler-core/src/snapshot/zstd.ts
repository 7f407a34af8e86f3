/**
 * A Zstandard frame decoder (RFC 8878) for the memory chunks of snapshots, written to refuse
 * exactly what the C runtime's decoder refuses: the runtime inflates chunks with libzstd 1.5.4
 * (Debian 12), and the two snapshot readers must agree on every file (docs/snapshot-format.md).
 * So where libzstd is stricter or more lenient than the RFC text, this follows libzstd, and says so:
 *  - the FSE table description reader is a port of FSE_readNCount (including its end-of-buffer
 *    handling), the Huffman weights are decoded like FSE_decompress_usingDTable_generic (the number
 *    of weights is where the stream overflows) and checked like HUF_readStats (weights up to 12);
 *  - the sequence bitstream may end inside the state updates of the last sequence (libzstd reads
 *    them and accepts the overflow), but no earlier;
 *  - the reserved bits of the sequence compression modes are ignored;
 *  - an offset may reach back to the start of the frame's output, not further (there is no
 *    dictionary); the window size does not limit it;
 *  - a compressed block may not be larger than min(window size, 128 KiB); raw and RLE blocks may.
 * One difference is left, on purpose: libzstd 1.5.4's fast 4-stream Huffman decoder (used for
 * most literal sections of 64-bit hosts) does not check that each stream ends exactly where its
 * last symbol does, nor that it stays within its own bytes; this decoder checks both (RFC 8878
 * 4.2.2). The snapshot format requires the frame content checksum, and a damaged stream that still
 * decodes to the checksummed content is not a case that mutations produce; without the checksum,
 * about 3% of mutated frames differ this way (test/fuzz/snapshots.test.ts counts them).
 * test/fuzz/snapshots.test.ts runs this and libzstd on mutated frames.
 * Also computes XXH64, the frame content checksum.
 */

export class ZstdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZstdError';
  }
}

function fail(msg: string): never {
  throw new ZstdError(msg);
}

const BLOCK_MAX = 128 * 1024;
const WINDOW_LOG_MAX = 31; // ZSTD_WINDOWLOG_MAX on 64-bit hosts
const HUF_TABLELOG_MAX = 12;

function highbit(v: number): number {
  return 31 - Math.clz32(v);
}

function le16(b: Uint8Array, p: number): number { return b[p] | (b[p + 1] << 8); }
function le24(b: Uint8Array, p: number): number { return b[p] | (b[p + 1] << 8) | (b[p + 2] << 16); }
function le32(b: Uint8Array, p: number): number { return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0; }

// ---------------------------------------------------------------------------------------------
// Backward bitstreams (RFC 8878 4.1): read from the end, the highest set bit of the last byte
// marks the start. Bits past the stream's beginning read as zero; `consumed` counts all reads.

class BackwardBits {
  readonly total: number;
  consumed = 0;
  constructor(private readonly src: Uint8Array, private readonly start: number, end: number, what: string) {
    if (end <= start) fail(`${what}: empty bitstream`);
    const last = src[end - 1];
    if (last === 0) fail(`${what}: bitstream without an end mark (last byte 0)`);
    this.total = (end - start - 1) * 8 + highbit(last);
  }

  /** The next n (0..31) bits, without consuming them. */
  peek(n: number): number {
    if (n === 0) return 0;
    const hi = this.total - this.consumed;
    if (hi <= 0) return 0;
    const lo = hi - n;
    if (lo >= 0) {
      const s = this.src;
      const i = this.start + (lo >> 3);
      const sh = lo & 7;
      if (n <= 24) {
        // bytes past the stream's top bit are masked off (and read as 0 past the array's end)
        return ((s[i] | (s[i + 1] << 8) | (s[i + 2] << 16) | ((s[i + 3] & 0x7f) << 24)) >>> sh) & ((1 << n) - 1);
      }
      // up to 38 bits: 5 bytes (those past the top bit are masked off; they are in the stream)
      const need = (sh + n + 7) >> 3;
      let x = s[i];
      if (need > 1) x += s[i + 1] * 0x100;
      if (need > 2) x += s[i + 2] * 0x10000;
      if (need > 3) x += s[i + 3] * 0x1000000;
      if (need > 4) x += s[i + 4] * 0x100000000;
      return Math.floor(x / (1 << sh)) % 2 ** n;
    }
    // fewer than n bits left: the missing low bits are zero
    const have = hi;
    return this.peekAt0(have) * 2 ** (n - have);
  }

  private peekAt0(n: number): number {
    // the n bits at the start of the stream (n < 32)
    const s = this.src;
    let x = 0;
    for (let k = (n + 7) >> 3; k-- > 0;) x = x * 256 + s[this.start + k];
    return x % 2 ** n;
  }

  read(n: number): number {
    const v = this.peek(n);
    this.consumed += n;
    return v;
  }

  get overflowed(): boolean { return this.consumed > this.total; }
}

/** libzstd's BIT_DStream_t status logic (ptr, bitsConsumed), for the one decoder whose result
 * depends on it: the FSE-compressed Huffman weights. Values are read through BackwardBits. */
const UNFINISHED = 0, END_OF_BUFFER = 1, COMPLETED = 2, OVERFLOW = 3;
class LibBitStatus {
  private ptr: number;
  private bitsConsumed: number;
  private readonly start: number;
  readonly bits: BackwardBits;
  constructor(src: Uint8Array, start: number, end: number, what: string) {
    this.bits = new BackwardBits(src, start, end, what); // checks size >= 1 and the end mark
    const size = end - start;
    const last = src[end - 1];
    this.start = start;
    if (size >= 8) {
      this.ptr = end - 8;
      this.bitsConsumed = 8 - highbit(last);
    } else {
      this.ptr = start;
      this.bitsConsumed = 8 - highbit(last) + (8 - size) * 8;
    }
  }
  read(n: number): number {
    this.bitsConsumed += n;
    return this.bits.read(n);
  }
  reload(): number {
    if (this.bitsConsumed > 64) return OVERFLOW;
    if (this.ptr >= this.start + 8) {
      this.ptr -= this.bitsConsumed >> 3;
      this.bitsConsumed &= 7;
      return UNFINISHED;
    }
    if (this.ptr === this.start) return this.bitsConsumed < 64 ? END_OF_BUFFER : COMPLETED;
    let nb = this.bitsConsumed >> 3;
    let result = UNFINISHED;
    if (this.ptr - nb < this.start) {
      nb = this.ptr - this.start;
      result = END_OF_BUFFER;
    }
    this.ptr -= nb;
    this.bitsConsumed -= nb * 8;
    return result;
  }
}

// ---------------------------------------------------------------------------------------------
// FSE

interface NCount { norm: Int16Array; maxSymbol: number; tableLog: number; bytes: number }

/** FSE_readNCount of libzstd 1.5.4, line by line. */
function readNCount(src: Uint8Array, start: number, size: number, maxSV: number): NCount {
  if (size < 8) {
    const buf = new Uint8Array(8);
    buf.set(src.subarray(start, start + size));
    const r = readNCount(buf, 0, 8, maxSV);
    if (r.bytes > size) fail('FSE table description truncated');
    return r;
  }
  const iend = start + size;
  let ip = start;
  const norm = new Int16Array(maxSV + 1);
  let bitStream = le32(src, ip);
  let nbBits = (bitStream & 0xf) + 5;
  if (nbBits > 15) fail('FSE table log too large');
  bitStream >>>= 4;
  let bitCount = 4;
  const tableLog = nbBits;
  let remaining = (1 << nbBits) + 1;
  let threshold = 1 << nbBits;
  nbBits++;
  let charnum = 0;
  const maxSV1 = maxSV + 1;
  let previous0 = false;
  const advance = () => {
    if (ip <= iend - 7 || ip + (bitCount >> 3) <= iend - 4) {
      ip += bitCount >> 3;
      bitCount &= 7;
    } else {
      bitCount -= 8 * (iend - 4 - ip);
      bitCount &= 31;
      ip = iend - 4;
    }
    bitStream = le32(src, ip) >>> bitCount;
  };
  for (;;) {
    if (previous0) {
      let repeats = ctz32(~bitStream | 0x80000000) >> 1;
      while (repeats >= 12) {
        charnum += 3 * 12;
        if (ip <= iend - 7) ip += 3;
        else {
          bitCount -= 8 * (iend - 7 - ip);
          bitCount &= 31;
          ip = iend - 4;
        }
        bitStream = le32(src, ip) >>> bitCount;
        repeats = ctz32(~bitStream | 0x80000000) >> 1;
      }
      charnum += 3 * repeats;
      bitStream >>>= 2 * repeats;
      bitCount += 2 * repeats;
      charnum += bitStream & 3;
      bitCount += 2;
      if (charnum >= maxSV1) break;
      advance();
    }
    const max = (2 * threshold - 1) - remaining;
    let count: number;
    if ((bitStream & (threshold - 1)) < max) {
      count = bitStream & (threshold - 1);
      bitCount += nbBits - 1;
    } else {
      count = bitStream & (2 * threshold - 1);
      if (count >= threshold) count -= max;
      bitCount += nbBits;
    }
    count--;
    if (count >= 0) remaining -= count;
    else remaining += count;
    norm[charnum++] = count;
    previous0 = count === 0;
    if (remaining < threshold) {
      if (remaining <= 1) break;
      nbBits = highbit(remaining) + 1;
      threshold = 1 << (nbBits - 1);
    }
    if (charnum >= maxSV1) break;
    advance();
  }
  if (remaining !== 1) fail('FSE table description: probabilities do not add up');
  if (charnum > maxSV1) fail('FSE table description: too many symbols');
  if (bitCount > 32) fail('FSE table description truncated');
  ip += (bitCount + 7) >> 3;
  return { norm, maxSymbol: charnum - 1, tableLog, bytes: ip - start };
}

function ctz32(v: number): number {
  v >>>= 0;
  return v === 0 ? 32 : 31 - Math.clz32(v & -v);
}

/** An FSE decoding table: per state, its symbol, bits to read and the base of the next state. */
interface FseTable { log: number; symbol: Uint16Array; nbBits: Uint8Array; next: Uint16Array }

function buildFse(norm: Int16Array, maxSymbol: number, tableLog: number): FseTable {
  const size = 1 << tableLog;
  const symbol = new Uint16Array(size);
  const nbBits = new Uint8Array(size);
  const next = new Uint16Array(size);
  const symbolNext = new Uint16Array(maxSymbol + 1);
  let high = size - 1;
  for (let s = 0; s <= maxSymbol; s++) {
    if (norm[s] === -1) {
      symbol[high--] = s;
      symbolNext[s] = 1;
    } else symbolNext[s] = norm[s];
  }
  const step = (size >> 1) + (size >> 3) + 3;
  const mask = size - 1;
  let pos = 0;
  for (let s = 0; s <= maxSymbol; s++) {
    for (let i = 0; i < norm[s]; i++) {
      symbol[pos] = s;
      do pos = (pos + step) & mask; while (pos > high);
    }
  }
  if (pos !== 0) fail('FSE table: symbols do not fill the table');
  for (let u = 0; u < size; u++) {
    const s = symbol[u];
    const ns = symbolNext[s]++;
    const nb = tableLog - highbit(ns);
    nbBits[u] = nb;
    next[u] = (ns << nb) - size;
  }
  return { log: tableLog, symbol, nbBits, next };
}

// ---------------------------------------------------------------------------------------------
// Huffman literals

interface HufTable { log: number; symbol: Uint8Array; nbBits: Uint8Array }

/** FSE-compressed Huffman weights: FSE_decompress_wksp (max table log 6, 255 weights). */
function decodeWeightsFse(src: Uint8Array, start: number, size: number, out: Uint8Array): number {
  const nc = readNCount(src, start, size, 255);
  if (nc.tableLog > 6) fail('Huffman weights: FSE table log above 6');
  const t = buildFse(nc.norm, nc.maxSymbol, nc.tableLog);
  const b = new LibBitStatus(src, start + nc.bytes, start + size, 'Huffman weights');
  let s1 = b.read(t.log);
  let s2 = b.read(t.log);
  const sym1 = () => { const v = t.symbol[s1]; s1 = t.next[s1] + b.read(t.nbBits[s1]); return v; };
  const sym2 = () => { const v = t.symbol[s2]; s2 = t.next[s2] + b.read(t.nbBits[s2]); return v; };
  const omax = 255;
  let op = 0;
  for (;;) {
    const st = b.reload();
    if (!(st === UNFINISHED && op < omax - 3)) break;
    out[op] = sym1(); out[op + 1] = sym2(); out[op + 2] = sym1(); out[op + 3] = sym2();
    op += 4;
  }
  for (;;) {
    if (op > omax - 2) fail('Huffman weights: too many');
    out[op++] = sym1();
    if (b.reload() === OVERFLOW) { out[op++] = sym2(); break; }
    if (op > omax - 2) fail('Huffman weights: too many');
    out[op++] = sym2();
    if (b.reload() === OVERFLOW) { out[op++] = sym1(); break; }
  }
  return op;
}

/** HUF_readStats + HUF_readDTableX1: the table and the bytes its description took. */
function readHuffmanTable(src: Uint8Array, start: number, size: number): { table: HufTable; bytes: number } {
  if (size < 1) fail('Huffman table description missing');
  const weights = new Uint8Array(256);
  let iSize = src[start];
  let oSize: number;
  if (iSize >= 128) {
    oSize = iSize - 127;
    iSize = (oSize + 1) >> 1;
    if (iSize + 1 > size) fail('Huffman table description truncated');
    for (let n = 0; n < oSize; n += 2) {
      const byte = src[start + 1 + (n >> 1)];
      weights[n] = byte >> 4;
      weights[n + 1] = byte & 15;
    }
  } else {
    if (iSize + 1 > size) fail('Huffman table description truncated');
    oSize = decodeWeightsFse(src, start + 1, iSize, weights);
  }
  const rank = new Uint32Array(HUF_TABLELOG_MAX + 2);
  let total = 0;
  for (let n = 0; n < oSize; n++) {
    const w = weights[n];
    if (w > HUF_TABLELOG_MAX) fail(`Huffman weight ${w} above ${HUF_TABLELOG_MAX}`);
    rank[w]++;
    total += (1 << w) >> 1;
  }
  if (total === 0) fail('Huffman weights all zero');
  const log = highbit(total) + 1;
  if (log > HUF_TABLELOG_MAX) fail('Huffman table log too large');
  const rest = (1 << log) - total;
  if (rest !== 1 << highbit(rest)) fail('Huffman weights do not make a complete tree');
  const lastWeight = highbit(rest) + 1;
  weights[oSize] = lastWeight;
  rank[lastWeight]++;
  if (rank[1] < 2 || rank[1] & 1) fail('Huffman weights do not make a valid tree');
  const nbSymbols = oSize + 1;
  // HUF_readDTableX1: symbols by increasing weight (then by value) fill the table in order
  const size1 = 1 << log;
  const symbol = new Uint8Array(size1);
  const nbBits = new Uint8Array(size1);
  const rankStart = new Uint32Array(log + 2);
  let pos = 0;
  for (let w = 1; w <= log; w++) {
    rankStart[w] = pos;
    pos += rank[w] << (w - 1);
  }
  for (let n = 0; n < nbSymbols; n++) {
    const w = weights[n];
    if (!w) continue;
    const len = (1 << w) >> 1;
    const at = rankStart[w];
    symbol.fill(n, at, at + len);
    nbBits.fill(log + 1 - w, at, at + len);
    rankStart[w] = at + len;
  }
  return { table: { log, symbol, nbBits }, bytes: iSize + 1 };
}

/** One Huffman stream decoding exactly out.length symbols and all of its bits. */
function decodeHuffStream(src: Uint8Array, start: number, end: number, t: HufTable, out: Uint8Array, what: string): void {
  const b = new BackwardBits(src, start, end, what);
  const log = t.log, mask = (1 << log) - 1, sym = t.symbol, nb = t.nbBits, n = out.length;
  let pos = b.total; // bits not consumed yet
  let i = 0;
  // fast path while the table's log2 bits are all inside the stream (log <= 12: 3 bytes hold them)
  for (; i < n && pos >= log; i++) {
    const lo = pos - log;
    const k = start + (lo >> 3);
    const v = ((src[k] | (src[k + 1] << 8) | (src[k + 2] << 16)) >>> (lo & 7)) & mask;
    out[i] = sym[v];
    pos -= nb[v];
  }
  b.consumed = b.total - pos;
  for (; i < n; i++) {
    const v = b.peek(log);
    out[i] = sym[v];
    b.consumed += nb[v];
  }
  if (b.consumed !== b.total) fail(`${what}: ${b.consumed > b.total ? 'reads past' : 'does not end at'} the end of its bitstream`);
}

// ---------------------------------------------------------------------------------------------
// Sequences

const LL_BASE = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40,
  48, 64, 0x80, 0x100, 0x200, 0x400, 0x800, 0x1000, 0x2000, 0x4000, 0x8000, 0x10000];
const LL_BITS = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12,
  13, 14, 15, 16];
const ML_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
  30, 31, 32, 33, 34, 35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 0x83, 0x103, 0x203, 0x403, 0x803, 0x1003, 0x2003,
  0x4003, 0x8003, 0x10003];
const ML_BITS = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1,
  1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
const OF_BASE = Array.from({ length: 32 }, (_, c) => (c === 0 ? 0 : c === 1 ? 1 : 2 ** c - 3));
const OF_BITS = Array.from({ length: 32 }, (_, c) => c);
const LL_DEFAULT = [4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1,
  -1, -1, -1, -1];
const ML_DEFAULT = [1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1];
const OF_DEFAULT = [1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1];

/** A sequence decoding table: per state, the code's base value and extra bits, and the FSE step. */
interface SeqTable { log: number; base: Uint32Array; addBits: Uint8Array; nbBits: Uint8Array; next: Uint16Array }

function seqTable(f: FseTable, base: number[], bits: number[]): SeqTable {
  const n = f.symbol.length;
  const t: SeqTable = { log: f.log, base: new Uint32Array(n), addBits: new Uint8Array(n), nbBits: f.nbBits, next: f.next };
  for (let u = 0; u < n; u++) {
    t.base[u] = base[f.symbol[u]];
    t.addBits[u] = bits[f.symbol[u]];
  }
  return t;
}

function defaultTable(norm: number[], log: number, base: number[], bits: number[]): SeqTable {
  return seqTable(buildFse(Int16Array.from(norm), norm.length - 1, log), base, bits);
}
const LL_DEFAULT_TABLE = defaultTable(LL_DEFAULT, 6, LL_BASE, LL_BITS);
const ML_DEFAULT_TABLE = defaultTable(ML_DEFAULT, 6, ML_BASE, ML_BITS);
const OF_DEFAULT_TABLE = defaultTable(OF_DEFAULT, 5, OF_BASE, OF_BITS);

interface SeqKind { name: string; max: number; maxLog: number; base: number[]; bits: number[]; def: SeqTable }
const LL_KIND: SeqKind = { name: 'literal lengths', max: 35, maxLog: 9, base: LL_BASE, bits: LL_BITS, def: LL_DEFAULT_TABLE };
const OF_KIND: SeqKind = { name: 'offsets', max: 31, maxLog: 8, base: OF_BASE, bits: OF_BITS, def: OF_DEFAULT_TABLE };
const ML_KIND: SeqKind = { name: 'match lengths', max: 52, maxLog: 9, base: ML_BASE, bits: ML_BITS, def: ML_DEFAULT_TABLE };

/** State carried from block to block within a frame. */
interface FrameState {
  out: Uint8Array;
  op: number;
  huf: HufTable | null;            // literals of a previous block (repeat mode)
  tables: (SeqTable | null)[];     // LL, OF, ML tables last used (repeat mode)
  fseEntropy: boolean;             // a previous block had sequences
  rep: number[];
}

/** ZSTD_buildSeqTable: the table for one of LL/OF/ML, and the bytes its description took. */
function buildSeqTable(src: Uint8Array, p: number, end: number, mode: number, k: SeqKind, prev: SeqTable | null,
  fseEntropy: boolean): { table: SeqTable; bytes: number } {
  switch (mode) {
    case 0: return { table: k.def, bytes: 0 };
    case 1: {
      if (p >= end) fail(`${k.name}: RLE symbol missing`);
      const s = src[p];
      if (s > k.max) fail(`${k.name}: RLE symbol ${s} above ${k.max}`);
      const t: SeqTable = { log: 0, base: Uint32Array.of(k.base[s]), addBits: Uint8Array.of(k.bits[s]), nbBits: Uint8Array.of(0), next: Uint16Array.of(0) };
      return { table: t, bytes: 1 };
    }
    case 2: {
      let nc: NCount;
      try {
        nc = readNCount(src, p, end - p, k.max);
      } catch (e) {
        if (e instanceof ZstdError) fail(`${k.name}: ${e.message}`);
        throw e;
      }
      if (nc.tableLog > k.maxLog) fail(`${k.name}: table log ${nc.tableLog} above ${k.maxLog}`);
      return { table: seqTable(buildFse(nc.norm, nc.maxSymbol, nc.tableLog), k.base, k.bits), bytes: nc.bytes };
    }
    default:
      if (!fseEntropy || !prev) fail(`${k.name}: repeat mode without a previous table`);
      return { table: prev, bytes: 0 };
  }
}

function decodeCompressedBlock(src: Uint8Array, p: number, end: number, st: FrameState, blockMax: number): void {
  const srcSize = end - p;
  if (srcSize > blockMax) fail(`compressed block of ${srcSize} bytes, larger than the frame's block maximum (${blockMax})`);
  if (srcSize < 2) fail('compressed block too small');
  const out = st.out;
  const blockStart = st.op;
  const capacity = out.length - st.op;
  const expectedWriteSize = Math.min(BLOCK_MAX, capacity);
  // ---- literals section (ZSTD_decodeLiteralsBlock)
  const litType = src[p] & 3;
  const lhl = (src[p] >> 2) & 3;
  let lits: Uint8Array;
  let litConsumed: number;
  if (litType >= 2) {
    if (litType === 3 && !st.huf) fail('literals: repeat mode without a previous Huffman table');
    if (srcSize < 5) fail('literals header truncated');
    const lhc = le32(src, p);
    let lhSize: number, litSize: number, litCSize: number;
    let single = false;
    if (lhl < 2) {
      single = lhl === 0;
      lhSize = 3;
      litSize = (lhc >>> 4) & 0x3ff;
      litCSize = (lhc >>> 14) & 0x3ff;
    } else if (lhl === 2) {
      lhSize = 4;
      litSize = (lhc >>> 4) & 0x3fff;
      litCSize = lhc >>> 18;
    } else {
      lhSize = 5;
      litSize = (lhc >>> 4) & 0x3ffff;
      litCSize = (lhc >>> 22) + src[p + 4] * 1024;
    }
    if (litSize > BLOCK_MAX) fail('literals: more than 128 KiB');
    if (!single && litSize < 6) fail('literals: fewer than 6 for 4 streams');
    if (litCSize + lhSize > srcSize) fail('literals: compressed size beyond the block');
    if (expectedWriteSize < litSize) fail('literals: more than the output can take');
    let s = p + lhSize;
    const send = s + litCSize;
    let table: HufTable;
    if (litType === 2) {
      const h = readHuffmanTable(src, s, litCSize);
      if (h.bytes >= litCSize) fail('literals: no Huffman stream after the table');
      table = h.table;
      s += h.bytes;
    } else table = st.huf!;
    lits = new Uint8Array(litSize);
    if (single) decodeHuffStream(src, s, send, table, lits, 'literals stream');
    else {
      const csize = send - s;
      if (csize < 10) fail('literals: 4 streams need at least 10 bytes');
      const l1 = le16(src, s), l2 = le16(src, s + 2), l3 = le16(src, s + 4);
      const l4 = csize - (l1 + l2 + l3 + 6);
      if (l4 < 0) fail('literals: stream sizes exceed the literals');
      const seg = (litSize + 3) >> 2;
      if (3 * seg > litSize) fail('literals: too few for 4 streams');
      let a = s + 6;
      const bounds = [l1, l2, l3, l4].map((l) => { const r = [a, a + l]; a += l; return r; });
      // libzstd initialises all four streams before decoding any
      for (let k = 0; k < 4; k++) new BackwardBits(src, bounds[k][0], bounds[k][1], `literals stream ${k + 1}`);
      for (let k = 0; k < 4; k++) {
        const o = lits.subarray(k * seg, k === 3 ? litSize : (k + 1) * seg);
        decodeHuffStream(src, bounds[k][0], bounds[k][1], table, o, `literals stream ${k + 1}`);
      }
    }
    st.huf = table;
    litConsumed = lhSize + litCSize;
  } else {
    let lhSize: number, litSize: number;
    if (lhl === 0 || lhl === 2) {
      lhSize = 1;
      litSize = src[p] >> 3;
    } else if (lhl === 1) {
      lhSize = 2;
      if (litType === 1 && srcSize < 3) fail('literals header truncated');
      litSize = le16(src, p) >> 4;
    } else {
      lhSize = 3;
      if (srcSize < (litType === 1 ? 4 : 3)) fail('literals header truncated');
      litSize = le24(src, p) >> 4;
    }
    if (litType === 1 && litSize > BLOCK_MAX) fail('literals: more than 128 KiB');
    if (expectedWriteSize < litSize) fail('literals: more than the output can take');
    if (litType === 0) {
      if (lhSize + litSize > srcSize) fail('raw literals beyond the block');
      lits = src.subarray(p + lhSize, p + lhSize + litSize);
      litConsumed = lhSize + litSize;
    } else {
      lits = new Uint8Array(litSize).fill(src[p + lhSize]);
      litConsumed = lhSize + 1;
    }
  }
  // ---- sequences section header (ZSTD_decodeSeqHeaders)
  let q = p + litConsumed;
  if (q >= end) fail('sequences section missing');
  let nbSeq = src[q++];
  const limit = Math.min(out.length, blockStart + BLOCK_MAX);
  if (nbSeq === 0) {
    if (q !== end) fail('bytes after a block without sequences');
    if (lits.length > limit - st.op) fail('literals beyond the output');
    out.set(lits, st.op);
    st.op += lits.length;
    return;
  }
  if (nbSeq > 0x7f) {
    if (nbSeq === 0xff) {
      if (q + 2 > end) fail('sequence count truncated');
      nbSeq = le16(src, q) + 0x7f00;
      q += 2;
    } else {
      if (q >= end) fail('sequence count truncated');
      nbSeq = ((nbSeq - 0x80) << 8) + src[q++];
    }
  }
  if (q + 1 > end) fail('sequence compression modes missing');
  const modes = src[q++];
  const ll = buildSeqTable(src, q, end, modes >> 6, LL_KIND, st.tables[0], st.fseEntropy);
  q += ll.bytes;
  const of = buildSeqTable(src, q, end, (modes >> 4) & 3, OF_KIND, st.tables[1], st.fseEntropy);
  q += of.bytes;
  const ml = buildSeqTable(src, q, end, (modes >> 2) & 3, ML_KIND, st.tables[2], st.fseEntropy);
  q += ml.bytes;
  st.tables = [ll.table, of.table, ml.table];
  st.fseEntropy = true;
  // ---- sequences (ZSTD_decompressSequences_body)
  const LL = ll.table, OF = of.table, ML = ml.table;
  const b = new BackwardBits(src, q, end, 'sequences');
  let sLL = b.read(LL.log), sOF = b.read(OF.log), sML = b.read(ML.log);
  const rep = st.rep;
  let lp = 0;
  let op = st.op;
  for (let i = 0; i < nbSeq; i++) {
    const ofBits = OF.addBits[sOF], ofBase = OF.base[sOF];
    const llBase = LL.base[sLL], llBits = LL.addBits[sLL];
    const mlBase = ML.base[sML], mlBits = ML.addBits[sML];
    let offset: number;
    if (ofBits > 1) {
      offset = ofBase + b.read(ofBits);
      rep[2] = rep[1]; rep[1] = rep[0]; rep[0] = offset;
    } else {
      const ll0 = llBase === 0 ? 1 : 0;
      if (ofBits === 0) {
        offset = rep[ll0];
        rep[1] = rep[ll0 ^ 1];
        rep[0] = offset;
      } else {
        offset = ofBase + ll0 + b.read(1);
        let temp = offset === 3 ? rep[0] - 1 : rep[offset];
        if (temp === 0) temp = 1;
        if (offset !== 1) rep[2] = rep[1];
        rep[1] = rep[0];
        rep[0] = offset = temp;
      }
    }
    const matchLen = mlBase + (mlBits ? b.read(mlBits) : 0);
    const litLen = llBase + (llBits ? b.read(llBits) : 0);
    if (i === nbSeq - 1 && b.overflowed) fail('sequences: bitstream overread');
    // state updates, also after the last sequence (libzstd reads them; the end check allows that)
    sLL = LL.next[sLL] + b.read(LL.nbBits[sLL]);
    sML = ML.next[sML] + b.read(ML.nbBits[sML]);
    sOF = OF.next[sOF] + b.read(OF.nbBits[sOF]);
    if (i < nbSeq - 1 && b.overflowed) fail('sequences: bitstream overread');
    // ZSTD_execSequence
    if (litLen + matchLen > limit - op) fail('sequence beyond the block\'s output');
    if (litLen > lits.length - lp) fail('sequence reads beyond the literals');
    out.set(lits.subarray(lp, lp + litLen), op);
    op += litLen;
    lp += litLen;
    if (offset > op) fail(`offset ${offset} before the start of the frame`);
    const from = op - offset;
    if (offset >= matchLen) out.copyWithin(op, from, from + matchLen);
    else for (let k = 0; k < matchLen; k++) out[op + k] = out[from + k]; // overlapping: byte by byte
    op += matchLen;
  }
  if (b.consumed < b.total) fail('sequences: bitstream not fully consumed');
  const lastLL = lits.length - lp;
  if (lastLL > limit - op) fail('literals beyond the block\'s output');
  out.set(lits.subarray(lp), op);
  st.op = op + lastLL;
}

export interface FrameHeader {
  headerSize: number;
  descriptor: number;
  singleSegment: boolean;
  checksum: boolean;
  dictIdFlag: number;
  dictId: number;
  windowLog: number | null;      // null: single segment
  windowSize: number;            // bytes (single segment: the content size)
  contentSize: bigint | null;
}

/** The frame header at src[start..end) (ZSTD_getFrameHeader_advanced), or an error. */
export function readFrameHeader(src: Uint8Array, start: number, end: number): FrameHeader {
  if (end - start < 5 || le32(src, start) !== 0xfd2fb528) fail('not a zstd frame (no frame magic 28 b5 2f fd)');
  const fhd = src[start + 4];
  const fcsFlag = fhd >> 6, single = (fhd >> 5) & 1, checksum = (fhd >> 2) & 1, dictIdFlag = fhd & 3;
  const fcsSize = fcsFlag ? 1 << fcsFlag : single;
  const dictSize = dictIdFlag === 3 ? 4 : dictIdFlag;
  const headerSize = 5 + (single ? 0 : 1) + dictSize + fcsSize;
  if (end - start < headerSize) fail(`frame header truncated (${end - start} of ${headerSize} bytes)`);
  let pos = start + 5;
  let windowLog: number | null = null;
  let windowSize = 0;
  if (!single) {
    const wd = src[pos++];
    windowLog = 10 + (wd >> 3);
    windowSize = 2 ** windowLog + (2 ** windowLog / 8) * (wd & 7);
  }
  let dictId = 0;
  for (let i = dictSize; i-- > 0;) dictId = dictId * 256 + src[pos + i];
  pos += dictSize;
  let contentSize: bigint | null = null;
  if (fcsSize) {
    let v = 0n;
    for (let i = fcsSize; i-- > 0;) v = (v << 8n) | BigInt(src[pos + i]);
    contentSize = fcsSize === 2 ? v + 256n : v;
  }
  if (single) windowSize = Number(contentSize);
  return { headerSize, descriptor: fhd, singleSegment: !!single, checksum: !!checksum, dictIdFlag, dictId, windowLog, windowSize, contentSize };
}

/**
 * Decodes the one zstd frame that is src[start..end) into `out`, which it must fill exactly.
 * Throws ZstdError when the frame is not valid, as libzstd's ZSTD_decompress would refuse it.
 */
export function decompressFrame(src: Uint8Array, start: number, end: number, out: Uint8Array): void {
  if (end - start < 9) fail('frame too short');
  const h = readFrameHeader(src, start, end);
  if (h.descriptor & 0x08) fail('frame header reserved bit set');
  if (h.windowLog !== null && h.windowLog > WINDOW_LOG_MAX) fail(`window of 2^${h.windowLog} bytes too large`);
  if (h.dictId !== 0) fail('frame needs a dictionary');
  if (h.contentSize !== null && h.contentSize !== BigInt(out.length)) {
    fail(`frame content size ${h.contentSize}, ${out.length} bytes expected`);
  }
  const st: FrameState = { out, op: 0, huf: null, tables: [null, null, null], fseEntropy: false, rep: [1, 4, 8] };
  let p = start + h.headerSize;
  for (let n = 0; ; n++) {
    if (end - p < 3) fail(`block ${n}: header truncated`);
    const bh = le24(src, p);
    p += 3;
    const last = bh & 1, type = (bh >> 1) & 3, size = bh >>> 3;
    if (type === 3) fail(`block ${n}: reserved block type`);
    const csize = type === 1 ? 1 : size;
    if (csize > end - p) fail(`block ${n}: ${csize} bytes, ${end - p} left in the frame`);
    const capacity = out.length - st.op;
    if (type === 0) {
      if (size > capacity) fail(`block ${n}: more output than the frame's content size`);
      out.set(src.subarray(p, p + size), st.op);
      st.op += size;
    } else if (type === 1) {
      if (size > capacity) fail(`block ${n}: more output than the frame's content size`);
      out.fill(src[p], st.op, st.op + size);
      st.op += size;
    } else {
      try {
        decodeCompressedBlock(src, p, p + size, st, Math.min(h.windowSize, BLOCK_MAX));
      } catch (e) {
        if (e instanceof ZstdError) fail(`block ${n}: ${e.message}`);
        throw e;
      }
    }
    p += csize;
    if (last) break;
  }
  if (st.op !== out.length) fail(`frame decodes to ${st.op} bytes, ${out.length} expected`);
  if (h.checksum) {
    if (end - p < 4) fail('content checksum missing');
    const want = le32(src, p);
    const got = xxh64Low32(out);
    if (want !== got) fail(`content checksum mismatch (frame says ${hex8(want)}, content has ${hex8(got)})`);
    p += 4;
  }
  if (p !== end) fail(`${end - p} bytes after the frame`);
}

function hex8(v: number): string {
  return v.toString(16).padStart(8, '0');
}

// ---------------------------------------------------------------------------------------------
// XXH64 (seed 0) on 32-bit halves; zstd's frame checksum is its low 32 bits.

const P1H = 0x9e3779b1, P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d, P2L = 0x27d4eb4f;
const P3H = 0x165667b1, P3L = 0x9e3779f9;
const P4H = 0x85ebca77, P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f, P5L = 0x165667c5;

// Results of the 64-bit helpers go to a typed array: stored in variables, 32-bit values above
// 2^30 would be boxed on every write (measured: 4x slower).
const R = new Uint32Array(2); // [high, low]

/** (ah:al) * (bh:bl) mod 2^64 */
function mul(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff, a1 = al >>> 16, b0 = bl & 0xffff, b1 = bl >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  R[1] = (mid << 16) | (p00 & 0xffff);
  R[0] = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(ah, bl) + Math.imul(al, bh);
}

function add(ah: number, al: number, bh: number, bl: number): void {
  const l = al + bl;
  R[1] = l;
  R[0] = ah + bh + (l > 0xffffffff ? 1 : 0);
}

/** rotate left by r (0 < r < 32) */
function rotl(h: number, l: number, r: number): void {
  R[0] = (h << r) | (l >>> (32 - r));
  R[1] = (l << r) | (h >>> (32 - r));
}

/** rotl(acc + input * P2, 31) * P1 */
function round(ah: number, al: number, ih: number, il: number): void {
  mul(ih, il, P2H, P2L);
  add(ah, al, R[0], R[1]);
  rotl(R[0], R[1], 31);
  mul(R[0], R[1], P1H, P1L);
}

/** The low 32 bits of XXH64(data, seed 0): zstd's frame content checksum. */
export function xxh64Low32(data: Uint8Array): number {
  const len = data.length;
  let p = 0;
  let hh: number, hl: number;
  if (len >= 32) {
    add(P1H, P1L, P2H, P2L);
    let v1h = R[0], v1l = R[1];
    let v2h = P2H, v2l = P2L;
    let v3h = 0, v3l = 0;
    let v4h = (~P1H) >>> 0, v4l = ((~P1L) + 1) >>> 0; // 0 - P1 (P1L != 0xffffffff: no carry)
    for (const limit = len - 32; p <= limit; p += 32) {
      round(v1h, v1l, le32(data, p + 4), le32(data, p)); v1h = R[0]; v1l = R[1];
      round(v2h, v2l, le32(data, p + 12), le32(data, p + 8)); v2h = R[0]; v2l = R[1];
      round(v3h, v3l, le32(data, p + 20), le32(data, p + 16)); v3h = R[0]; v3l = R[1];
      round(v4h, v4l, le32(data, p + 28), le32(data, p + 24)); v4h = R[0]; v4l = R[1];
    }
    rotl(v1h, v1l, 1); hh = R[0]; hl = R[1];
    rotl(v2h, v2l, 7); add(hh, hl, R[0], R[1]); hh = R[0]; hl = R[1];
    rotl(v3h, v3l, 12); add(hh, hl, R[0], R[1]); hh = R[0]; hl = R[1];
    rotl(v4h, v4l, 18); add(hh, hl, R[0], R[1]); hh = R[0]; hl = R[1];
    const vs = [v1h, v1l, v2h, v2l, v3h, v3l, v4h, v4l];
    for (let k = 0; k < 8; k += 2) {
      round(0, 0, vs[k], vs[k + 1]);
      mul((hh ^ R[0]) >>> 0, (hl ^ R[1]) >>> 0, P1H, P1L);
      add(R[0], R[1], P4H, P4L); hh = R[0]; hl = R[1];
    }
  } else {
    hh = P5H; hl = P5L;
  }
  add(hh, hl, Math.floor(len / 0x100000000), len >>> 0); hh = R[0]; hl = R[1];
  for (; p + 8 <= len; p += 8) {
    round(0, 0, le32(data, p + 4), le32(data, p));
    rotl((hh ^ R[0]) >>> 0, (hl ^ R[1]) >>> 0, 27);
    mul(R[0], R[1], P1H, P1L);
    add(R[0], R[1], P4H, P4L); hh = R[0]; hl = R[1];
  }
  if (p + 4 <= len) {
    mul(0, le32(data, p), P1H, P1L);
    rotl((hh ^ R[0]) >>> 0, (hl ^ R[1]) >>> 0, 23);
    mul(R[0], R[1], P2H, P2L);
    add(R[0], R[1], P3H, P3L); hh = R[0]; hl = R[1];
    p += 4;
  }
  for (; p < len; p++) {
    mul(0, data[p], P5H, P5L);
    rotl((hh ^ R[0]) >>> 0, (hl ^ R[1]) >>> 0, 11);
    mul(R[0], R[1], P1H, P1L); hh = R[0]; hl = R[1];
  }
  // avalanche
  hl = (hl ^ (hh >>> 1)) >>> 0;                        // h ^= h >> 33
  mul(hh, hl, P2H, P2L); hh = R[0]; hl = R[1];             // h *= P2
  hl = (hl ^ ((hl >>> 29) | (hh << 3))) >>> 0;         // h ^= h >> 29
  hh = (hh ^ (hh >>> 29)) >>> 0;
  mul(hh, hl, P3H, P3L); hh = R[0]; hl = R[1];             // h *= P3
  return (hl ^ hh) >>> 0;                              // h ^= h >> 32, low half
}
