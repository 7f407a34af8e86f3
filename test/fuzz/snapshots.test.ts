/**
 * Snapshot fuzzing: the two snapshot readers — the C runtime's (runtime/src/snapshot_read.c, as
 * runtime/build/fuzz/snapshot-check with ASan + UBSan) and the TypeScript one
 * (compiler-core/src/snapshot/reader.ts, in a worker thread) — read mutants of real snapshots
 * (snapshots-seeds.ts; mutations in snapshots-mutate.ts, CRCs recomputed). For every mutant: no
 * crash (signal, sanitizer report, exception other than SnapshotError), no hang, and the same
 * verdict at the same stage (decoding / memory chunks) — for accepted ones the same decoded state.
 * A sample also goes through `--restore` of the program that took the seed: refused with the
 * checker's reason when the checker refuses it; otherwise refused by the module checks or resumed
 * (never a signal). Then the zstd decoders alone (TypeScript vs libzstd) on mutated frames, and a
 * libFuzzer run of the C reader (runtime/fuzz/snapshot_fuzz.c).
 *
 *   WANCO_FUZZ_SEED=N          the run's seed (printed; default: a random one)
 *   WANCO_FUZZ_SNAPSHOTS=N     mutants (default 300); also scales the zstd part (x4) and libFuzzer
 *                              (x60 runs)
 *   WANCO_FUZZ_RESTORES=N      mutants through --restore (default: one in 25)
 *   WANCO_FUZZ_ONLY=i,j,...    replay these mutants of the seed only
 *   WANCO_FUZZ_TIMEOUT_MS=N    the time one reader may take on one snapshot (default 30000)
 *
 * A failing mutant is saved as out/fuzz/snapshots/<seed>-<i>.wsnap.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { decompressFrame, ZstdError } from '../../compiler-core/src/snapshot/zstd';
import { ROOT } from '../helpers/cr-chain';
import { envInt } from '../helpers/env';
import { fixHeader, handmadeFrame, mutantSeed, mutate, Rand, seedOf, type Seed } from './snapshots-mutate';
import { CReader, TsReader, type Judgement } from './snapshots-readers';
import { makeSeeds, scratchDir, type SeedProgram } from './snapshots-seeds';


const SEED = process.env.WANCO_FUZZ_SEED ? envInt('WANCO_FUZZ_SEED', 0) >>> 0 : randomBytes(4).readUInt32LE(0);
const COUNT = envInt('WANCO_FUZZ_SNAPSHOTS', 300);
const RESTORES = envInt('WANCO_FUZZ_RESTORES', Math.ceil(COUNT / 25));
const TIMEOUT_MS = envInt('WANCO_FUZZ_TIMEOUT_MS', 30_000);
const ONLY = process.env.WANCO_FUZZ_ONLY ? process.env.WANCO_FUZZ_ONLY.split(',').map((s) => Number(s.trim())) : undefined;
const SAVE = join(ROOT, 'out', 'fuzz', 'snapshots');
const CHECK = join(ROOT, 'runtime', 'build', 'fuzz', 'snapshot-check');
const FUZZER = join(ROOT, 'runtime', 'build', 'fuzz', 'snapshot-fuzz');

function save(name: string, bytes: Uint8Array): string {
  mkdirSync(SAVE, { recursive: true });
  const f = join(SAVE, `${name}.wsnap`);
  writeFileSync(f, bytes);
  return f;
}

/** counts[row][column]++ with rows and columns kept in first-seen order */
class Table {
  readonly rows = new Map<string, Map<string, number>>();
  readonly cols = new Set<string>();
  add(row: string, col: string): void {
    this.cols.add(col);
    const r = this.rows.get(row) ?? new Map<string, number>();
    r.set(col, (r.get(col) ?? 0) + 1);
    this.rows.set(row, r);
  }
  text(title: string): string {
    const cols = [...this.cols];
    const w = Math.max(title.length, ...[...this.rows.keys()].map((k) => k.length));
    const lines = [`${title.padEnd(w)}  ${cols.map((c) => c.padStart(Math.max(6, c.length))).join('  ')}  ${'total'.padStart(6)}`];
    const totals = new Map<string, number>();
    let all = 0;
    for (const [k, r] of [...this.rows.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
      let t = 0;
      lines.push(`${k.padEnd(w)}  ${cols.map((c) => { const n = r.get(c) ?? 0; t += n; totals.set(c, (totals.get(c) ?? 0) + n); return String(n).padStart(Math.max(6, c.length)); }).join('  ')}  ${String(t).padStart(6)}`);
      all += t;
    }
    lines.push(`${'all'.padEnd(w)}  ${cols.map((c) => String(totals.get(c) ?? 0).padStart(Math.max(6, c.length))).join('  ')}  ${String(all).padStart(6)}`);
    return lines.map((l) => `      ${l}`).join('\n');
  }
}

/** The section a refusal names (both readers say "<NAME> section ..."; header problems have none). */
function place(j: Judgement): string {
  const m = /\b(INFO|FRAMES|GLOBALS|TABLES|MEMORY|SEGMENTS|WASI|NATIVE|body) section\b/.exec(j.text);
  return m ? m[1] : 'header';
}

describe('snapshot fuzzing: C and TypeScript readers', function () {
  this.timeout(3_600_000);
  let programs: SeedProgram[];
  let seeds: Seed[];
  let c: CReader;
  let ts: TsReader;

  before(async () => {
    console.log(`      WANCO_FUZZ_SEED=${SEED} WANCO_FUZZ_SNAPSHOTS=${COUNT} WANCO_FUZZ_RESTORES=${RESTORES}`);
    execFileSync('make', ['-s', '-C', join(ROOT, 'runtime'), 'fuzz-snapshot'], { stdio: 'pipe' });
    programs = await makeSeeds();
    seeds = programs.map((p) => seedOf(p.name, p.snapshot));
    c = new CReader(CHECK, TIMEOUT_MS);
    ts = new TsReader(TIMEOUT_MS);
    for (const s of seeds) {
      const [a, b] = await Promise.all([c.check(s.bytes), ts.check(s.bytes)]);
      assert.equal(a.verdict, 'ok', `C reader refuses seed ${s.name}: ${a.text}`);
      assert.equal(b.verdict, 'ok', `TypeScript reader refuses seed ${s.name}: ${b.text}`);
      assert.equal(b.text, a.text, `seed ${s.name}: the readers decode different states`);
      console.log(`      seed ${s.name}: ${s.bytes.length} bytes, ${a.text}`);
    }
  });

  after(async () => {
    c?.close();
    await ts?.close();
  });

  it('each rule of the format refuses its violation in both readers, with its own message', async () => {
    const fx = seeds.find((s) => s.name === 'fixture')!;
    const L = fx.layout;
    const sect = (tag: number) => L.sections.find((s) => s.tag === tag)!;
    const fieldAt = (pred: (label: string) => boolean) => L.fields.find((f) => pred(f.label))!;
    const set32 = (at: number, v: number) => { const b = Buffer.from(fx.bytes); b.writeUInt32LE(v >>> 0, at); return fixHeader(b); };
    const set8 = (at: number, v: number) => { const b = Buffer.from(fx.bytes); b[at] = v; return fixHeader(b); };
    const section = (tag: number, flags: number, payload: Buffer) => {
      const h = Buffer.alloc(16);
      h.writeUInt32LE(tag >>> 0, 0);
      h.writeUInt32LE(flags >>> 0, 4);
      h.writeBigUInt64LE(BigInt(payload.length), 8);
      return Buffer.concat([h, payload]);
    };
    const withString = (label: string, bytes: Uint8Array) => {
      const st = L.strings.find((x) => x.label === label)!;
      const len = Buffer.alloc(4);
      len.writeUInt32LE(bytes.length);
      const b = Buffer.concat([fx.bytes.subarray(0, st.lenAt), len, bytes, fx.bytes.subarray(st.at + st.size)]);
      const s = L.sections[st.section];
      b.writeBigUInt64LE(BigInt(s.length + bytes.length - st.size), s.at + 8);
      return fixHeader(b);
    };
    const chunk = L.chunks[0];
    const native = sect(8);
    const cases: { rule: string; bytes: Buffer; expect: RegExp | 'ok' }[] = [
      { rule: 'a section with tag 9 after NATIVE (issue 12: it was parsed as NATIVE)', bytes: fixHeader(Buffer.concat([fx.bytes, section(9, 0, Buffer.alloc(4))])), expect: /unknown section tag 9/ },
      { rule: 'an empty section with tag 10 after NATIVE', bytes: fixHeader(Buffer.concat([fx.bytes, section(10, 0, Buffer.alloc(0))])), expect: /unknown section tag 10/ },
      { rule: 'a second NATIVE section', bytes: fixHeader(Buffer.concat([fx.bytes, fx.bytes.subarray(native.at, native.end)])), expect: /after NATIVE/ },
      { rule: 'a section with tag 9 instead of NATIVE', bytes: set32(native.at, 9), expect: /unknown section tag 9/ },
      { rule: 'tag 0', bytes: set32(sect(3).at, 0), expect: /unknown section tag 0/ },
      { rule: 'a skipped section (tag 100) is accepted', bytes: fixHeader(Buffer.concat([fx.bytes, section(100, 0, Buffer.from('future'))])), expect: 'ok' },
      { rule: 'flags of a known section', bytes: set32(sect(2).at + 4, 1), expect: /flags 0x1 \(must be 0\)/ },
      { rule: 'flags of a skipped section', bytes: fixHeader(Buffer.concat([fx.bytes, section(100, 0x80000000, Buffer.alloc(0))])), expect: /flags 0x80000000/ },
      { rule: 'a repeated section', bytes: fixHeader(Buffer.concat([fx.bytes.subarray(0, sect(4).end), fx.bytes.subarray(sect(4).at)])), expect: /repeated or out of order/ },
      { rule: 'a missing section', bytes: fixHeader(Buffer.concat([fx.bytes.subarray(0, sect(6).at), fx.bytes.subarray(sect(6).end)])), expect: /where SEGMENTS \(6\) was expected/ },
      { rule: 'format version 1', bytes: set32(8, 1), expect: /version 1/ },
      { rule: 'INFO padding', bytes: set8(sect(1).payload + 2, 7), expect: /padding byte 1 is 0x07/ },
      { rule: 'frame padding', bytes: set8(fieldAt((l) => l === 'frame 0 padding').at, 1), expect: /padding/ },
      { rule: 'sequence number 0', bytes: set32(fieldAt((l) => l === 'sequence').at, 0), expect: /sequence number 0/ },
      { rule: 'a non-null externref', bytes: (() => {
        const v = L.values[0];
        const b = Buffer.concat([fx.bytes.subarray(0, v.typeAt), Buffer.of(0x6f, 5, 0, 0, 0), fx.bytes.subarray(v.at + v.size)]);
        const s = L.sections[v.section];
        b.writeBigUInt64LE(BigInt(s.length + 4 - v.size), s.at + 8);
        return fixHeader(b);
      })(), expect: /non-null externref/ },
      { rule: 'an unknown value type', bytes: set8(L.values[0].typeAt, 0x40), expect: /unknown value type 0x40/ },
      { rule: 'NUL in an argument', bytes: withString('argument 3', Buffer.from('h\0llo')), expect: /argument 3 contains a NUL byte/ },
      { rule: 'overlong UTF-8 in an argument', bytes: withString('argument 3', Uint8Array.of(0xc0, 0xaf)), expect: /argument 3 is not valid UTF-8/ },
      { rule: 'a surrogate in an environment variable', bytes: withString('environment variable 0', Uint8Array.of(0x41, 0x3d, 0xed, 0xa0, 0x80)), expect: /environment variable 0 is not valid UTF-8/ },
      { rule: 'latin-1 in a path', bytes: withString('file 0 path', Buffer.from('caf\xe9', 'latin1')), expect: /file 0 path is not valid UTF-8/ },
      { rule: 'valid non-ASCII and a BOM are kept', bytes: withString('argument 3', Buffer.from('\ufeff😀')), expect: 'ok' },
      { rule: 'an environment variable without =', bytes: withString('environment variable 0', Buffer.from('FIXTURE')), expect: /has no '='/ },
      { rule: 'a file on fd 2', bytes: set32(fieldAt((l) => l === 'file 0 fd').at, 2), expect: /file 0 has fd 2/ },
      { rule: 'a duplicated fd', bytes: set32(fieldAt((l) => l === 'file 1 fd').at, fx.bytes.readUInt32LE(fieldAt((l) => l === 'file 0 fd').at)), expect: /listed twice/ },
      { rule: 'a file under an unlisted preopen', bytes: set32(fieldAt((l) => l === 'file 0 preopen').at, 9), expect: /not listed/ },
      { rule: 'a file kind 3', bytes: set8(fieldAt((l) => l === 'file 0 kind').at, 3), expect: /has kind 3/ },
      { rule: 'NATIVE frame count differs', bytes: set32(native.payload, fx.bytes.readUInt32LE(native.payload) - 1), expect: /native frames for/ },
      { rule: 'NATIVE value count differs', bytes: (() => {
        const f = L.fields.find((x) => /^native frame \d+ values$/.test(x.label) && fx.bytes.readUInt32LE(x.at) > 0)!;
        return set32(f.at, fx.bytes.readUInt32LE(f.at) - 1);
      })(), expect: /native frame \d+ has \d+ values, frame \d+ has/ },
      { rule: 'a location kind 6', bytes: set8(fieldAt((l) => /^native \d+\.\d+ kind$/.test(l)).at, 6), expect: /location kind 6/ },
      { rule: 'a memory maximum above 4 GiB', bytes: set32(sect(5).payload + 4, 65537), expect: /maximum of 65537 pages/ },
      { rule: 'a table type 0x7f', bytes: set8(fieldAt((l) => l === 'table 0 type').at, 0x7f), expect: /element type 0x7f/ },
      { rule: 'a chunk frame without a checksum', bytes: set8(chunk.dataAt + 4, fx.bytes[chunk.dataAt + 4] & ~4), expect: /no content checksum/ },
      { rule: 'a chunk frame naming a dictionary', bytes: set8(chunk.dataAt + 4, fx.bytes[chunk.dataAt + 4] | 1), expect: /dictionary|frame header truncated|block/ },
      { rule: 'a chunk frame with the reserved bit', bytes: set8(chunk.dataAt + 4, fx.bytes[chunk.dataAt + 4] | 8), expect: /reserved bit/ },
      { rule: 'a chunk frame of another content size', bytes: set32(chunk.fcsAt, fx.bytes.readUInt32LE(chunk.fcsAt) + 1), expect: /content size/ },
      { rule: 'a chunk frame with a wrong checksum', bytes: set8(chunk.checksumAt, fx.bytes[chunk.checksumAt] ^ 1), expect: /checksum/i },
      { rule: 'a chunk frame with trailing bytes', bytes: (() => {
        const b = Buffer.concat([fx.bytes.subarray(0, chunk.dataAt + chunk.clen), Buffer.of(0), fx.bytes.subarray(chunk.dataAt + chunk.clen)]);
        b.writeUInt32LE(chunk.clen + 1, chunk.hdrAt + 8);
        const s = L.sections[chunk.section];
        b.writeBigUInt64LE(BigInt(s.length + 1), s.at + 8);
        return fixHeader(b);
      })(), expect: /after the last block/ },
      { rule: 'a hand-made chunk frame (raw blocks, checksum) is accepted', bytes: (() => {
        const frame = handmadeFrame(new Uint8Array(chunk.pages * 65536).fill(7));
        const b = Buffer.concat([fx.bytes.subarray(0, chunk.dataAt), frame, fx.bytes.subarray(chunk.dataAt + chunk.clen)]);
        b.writeUInt32LE(frame.length, chunk.hdrAt + 8);
        const s = L.sections[chunk.section];
        b.writeBigUInt64LE(BigInt(s.length + frame.length - chunk.clen), s.at + 8);
        return fixHeader(b);
      })(), expect: 'ok' },
    ];
    const failures: string[] = [];
    for (const k of cases) {
      const [a, b] = await Promise.all([c.check(k.bytes), ts.check(k.bytes)]);
      const line = `${k.rule}:\n        C:  ${a.verdict} ${a.text}\n        TS: ${b.verdict} ${b.text}`;
      if (k.expect === 'ok') {
        if (a.verdict !== 'ok' || b.verdict !== 'ok' || a.text !== b.text) failures.push(line);
      } else if (a.verdict === 'ok' || b.verdict !== a.verdict || !k.expect.test(a.text) || !k.expect.test(b.text)) failures.push(line);
      else if (!/^mutant\.wsnap[:]/.test(b.text)) failures.push(`${line}\n        (the TypeScript error does not name the file)`);
    }
    console.log(`      ${cases.length} rules, ${cases.length - failures.length} as expected`);
    assert.equal(failures.length, 0, `readers do not apply these rules alike:\n      ${failures.join('\n      ')}`);
  });

  it(`${ONLY ? `mutants ${ONLY.join(',')}` : COUNT} mutated snapshots: both readers agree, no crash, no hang`, async () => {
    const outcomes = new Table();
    const places = new Table();
    const problems: string[] = [];
    const indices = ONLY ?? Array.from({ length: COUNT }, (_, i) => i);
    let tsMs = 0, cMs = 0;
    let acceptedForRestore = 0;
    const t0 = performance.now();
    for (const i of indices) {
      const r = new Rand(mutantSeed(SEED, i));
      // the small seeds more often: the fixture (MBs of memory) takes longest to check
      const seed = seeds[r.pick([0, 1, 1, 1, 2, 2])];
      const m = mutate(r, seed, seeds.filter((s) => s !== seed));
      const t1 = performance.now();
      const [a, b] = await Promise.all([
        c.check(m.bytes).then((j) => { cMs += performance.now() - t1; return j; }),
        ts.check(m.bytes).then((j) => { tsMs += performance.now() - t1; return j; }),
      ]);
      const agree = a.verdict === b.verdict && (a.verdict !== 'ok' || a.text === b.text);
      const col = a.verdict === 'crash' || b.verdict === 'crash' ? 'CRASH' : a.verdict === 'hang' || b.verdict === 'hang' ? 'HANG'
        : !agree ? 'DISAGREE' : a.verdict === 'ok' ? 'accepted' : `refused:${a.verdict}`;
      outcomes.add(m.kind, col);
      if (a.verdict !== 'ok' && agree) places.add(a.verdict === 'memory' ? 'memory chunks' : place(a), 'refused');
      if (!agree || a.verdict === 'crash' || a.verdict === 'hang' || b.verdict === 'crash' || b.verdict === 'hang') {
        const f = save(`${SEED}-${i}`, m.bytes);
        problems.push(`mutant ${i} (${seed.name}, ${m.kind}: ${m.what}), saved as ${f}:\n        C:  ${a.verdict} ${a.text.trim()}\n        TS: ${b.verdict} ${b.text.trim()}`);
      }
      // --restore: half of the sample from the accepted mutants (the first ones), half from all
      const restore = { i, program: programs[seeds.indexOf(seed)], bytes: m.bytes, checker: a, what: `${m.kind}: ${m.what}` };
      if (a.verdict === 'ok' && acceptedForRestore < Math.floor(RESTORES / 2)) { restoreQueue.push(restore); acceptedForRestore++; }
      else if (RESTORES && i % Math.max(1, Math.floor(indices.length / Math.ceil(RESTORES / 2))) === 0) restoreQueue.push(restore);
    }
    const secs = (performance.now() - t0) / 1000;
    console.log(`      ${indices.length} mutants in ${secs.toFixed(1)} s (C reader ${(cMs / 1000).toFixed(1)} s, TypeScript reader ${(tsMs / 1000).toFixed(1)} s; ` +
      `restarts: C ${c.restarts}, TypeScript ${ts.restarts})`);
    console.log(outcomes.text('mutation'));
    console.log(places.text('refused in'));
    const count = (col: string) => [...outcomes.rows.values()].reduce((n, r) => n + (r.get(col) ?? 0), 0);
    console.log(`      crashes ${count('CRASH')}, hangs ${count('HANG')}, disagreements ${count('DISAGREE')}`);
    assert.equal(problems.length, 0, `replay with WANCO_FUZZ_SEED=${SEED} WANCO_FUZZ_ONLY=<i>:\n      ${problems.join('\n      ')}`);
  });

  interface RestoreCase { i: number; program: SeedProgram; bytes: Buffer; checker: Judgement; what: string }
  const restoreQueue: RestoreCase[] = [];

  it('a sample of the mutants through --restore: refused as the checker says, never a crash', async function () {
    if (!restoreQueue.length) this.skip(); // WANCO_FUZZ_RESTORES=0 or WANCO_FUZZ_ONLY
    const outcomes = new Table();
    const problems: string[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'wanco-fuzz-restore-'));
    for (const k of restoreQueue) {
      const file = join(dir, `m${k.i}.wsnap`);
      writeFileSync(file, k.bytes);
      const scratch = scratchDir(k.program);
      const r = await runRestore(k.program.exe, ['--restore', file, '--cr-stats', ...k.program.restoreArgs(scratch)], scratch, 4000);
      rmSync(scratch, { recursive: true, force: true });
      const resumed = /restore stats: resumed/.test(r.stderr);
      let kind: string;
      let bad: string | undefined;
      if (k.checker.verdict !== 'ok') {
        kind = `refused (${k.checker.verdict})`;
        if (r.code !== 2 || r.signal) bad = `the checker refuses it (${k.checker.text}) but --restore ended with ${r.code ?? r.signal}`;
        else if (!r.stderr.includes(file)) bad = 'the error does not name the file';
        else if (k.checker.verdict === 'decode' && !r.stderr.includes(k.checker.text)) bad = `--restore gives another reason than the checker (${k.checker.text})`;
      } else if (r.signal && !(r.timedOut && resumed)) {
        kind = 'SIGNAL';
        bad = `${r.timedOut ? 'no resume within the time limit' : `killed by ${r.signal}`}`;
      } else if (!resumed) {
        kind = 'refused by the module checks';
        if (r.code !== 2) bad = `exit ${r.code} before resuming`;
      } else if (r.timedOut) kind = 'resumed, still running at the time limit';
      else if (r.code === 134 && /^wasm trap: /m.test(r.stderr)) kind = 'resumed, then a Wasm trap';
      else kind = `resumed, exit ${r.code}`;
      outcomes.add(kind, 'mutants');
      if (bad) problems.push(`mutant ${k.i} (${k.program.name}, ${k.what}): ${bad}\n        ${r.stderr.trim().split('\n').slice(-3).join('\n        ')}`);
    }
    rmSync(dir, { recursive: true, force: true });
    console.log(outcomes.text('--restore of a mutant'));
    assert.equal(problems.length, 0, problems.join('\n      '));
  });

  it('zstd frames: the TypeScript decoder and libzstd agree on mutated frames', async () => {
    const frames: { pages: number; bytes: Buffer }[] = [];
    for (const s of seeds) for (const ch of s.layout.chunks) frames.push({ pages: ch.pages, bytes: s.bytes.subarray(ch.dataAt, ch.dataAt + ch.clen) });
    const n = ONLY ? 0 : COUNT * 4;
    const r = new Rand(SEED ^ 0x5a5a5a5a);
    const z = new ZstdChecker(join(ROOT, 'runtime', 'build', 'fuzz', 'snapshot-check'));
    const outcomes = new Table();
    const problems: string[] = [];
    try {
      for (let i = 0; i < n; i++) {
        const f = r.pick(frames);
        // A quarter of the frames lose their content checksum first (flag and field): then only the
        // decoders' own checks of the blocks can tell a damaged frame. The format requires the
        // checksum, so there the verdicts are only counted (see compiler-core/src/snapshot/zstd.ts);
        // a crash, or different contents when both decode, still fails.
        const plain = r.chance(0.25);
        const b = plain ? Buffer.from(f.bytes.subarray(0, f.bytes.length - 4)) : Buffer.from(f.bytes);
        if (plain) b[4] &= ~0x04;
        const k = 1 + r.int(4);
        for (let j = 0; j < k; j++) {
          const p = r.chance(0.15) ? r.int(Math.min(b.length, 24)) : r.chance(0.1) ? b.length - 1 - r.int(Math.min(b.length, 8)) : r.int(b.length);
          if (r.chance(0.7)) b[p] ^= 1 << r.int(8); else b[p] = r.int(256);
        }
        const libzstd = await z.check(f.pages, b);
        let mine: string;
        try {
          const out = new Uint8Array(f.pages * 65536);
          decompressFrame(b, 0, b.length, out);
          mine = `ok ${crc32(out).toString(16).padStart(8, '0')}`;
        } catch (e) {
          mine = e instanceof ZstdError ? `error ${e.message}` : `crash ${(e as Error).stack ?? String(e)}`;
        }
        const zok = libzstd.startsWith('ok '), tok = mine.startsWith('ok ');
        const verdict = zok && tok ? 'both decode' : !zok && !tok ? 'both refuse' : zok ? 'only libzstd decodes' : 'only TypeScript decodes';
        outcomes.add(verdict, plain ? 'no checksum' : 'checksum');
        const bad = mine.startsWith('crash') ? 'the TypeScript decoder crashed'
          : !libzstd.startsWith('ok ') && !libzstd.startsWith('error ') ? 'snapshot-check crashed'
            : zok && tok && libzstd !== mine ? 'they decode different contents'
              : !plain && zok !== tok ? 'different verdicts' : undefined;
        if (bad) {
          const file = save(`${SEED}-zstd-${i}`, b);
          problems.push(`frame ${i} (${f.pages} pages${plain ? ', checksum removed' : ''}, saved as ${file}): ${bad}; libzstd: ${libzstd}; TypeScript: ${mine}`);
        }
      }
    } finally {
      z.close();
    }
    console.log(`      ${n} mutated zstd frames:`);
    console.log(outcomes.text('TypeScript decoder / libzstd'));
    assert.equal(problems.length, 0, problems.slice(0, 20).join('\n      '));
  });

  it('libFuzzer on the C reader (seeded with the real snapshots): no crash, no leak, no sanitizer report', function () {
    if (ONLY) this.skip();
    const runs = COUNT * 60;
    const seedDir = mkdtempSync(join(tmpdir(), 'wanco-fuzz-seed-'));
    const corpus = mkdtempSync(join(tmpdir(), 'wanco-fuzz-corpus-'));
    for (const s of seeds) writeFileSync(join(seedDir, `${s.name}.wsnap`), s.bytes);
    const artifacts = join(SAVE, 'libfuzzer') + '/';
    mkdirSync(artifacts, { recursive: true });
    // libFuzzer's seed is a 32-bit value other than 0 (0: a random one)
    const r = spawnSync(FUZZER, [`-runs=${runs}`, `-seed=${SEED || 1}`, '-print_final_stats=1', '-rss_limit_mb=3000', `-artifact_prefix=${artifacts}`,
      '-timeout=30', corpus, seedDir], { encoding: 'utf8', maxBuffer: 256 << 20 });
    const ok = r.status === 0 && r.signal === null;
    const log = `${r.stdout}${r.stderr}`;
    const stats = (log.match(/stat::\w+:\s+\d+/g) ?? []).join(', ');
    const done = /Done (\d+) runs in (\d+) second/.exec(log);
    const cov = [...log.matchAll(/cov: (\d+) ft: (\d+)/g)].pop();
    console.log(`      libFuzzer ran ${done ? `${done[1]} inputs in ${done[2]} s` : `(${runs} inputs asked)`}; corpus ${readdirSync(corpus).length} inputs` +
      `${cov ? `, coverage ${cov[1]} edges (${cov[2]} features)` : ''}${stats ? `; ${stats}` : ''}`);
    rmSync(corpus, { recursive: true, force: true });
    rmSync(seedDir, { recursive: true, force: true });
    assert.ok(ok, `libFuzzer found a problem (input saved under ${artifacts}):\n${log.split('\n').slice(-40).join('\n')}`);
  });
});

/** `snapshot-check --zstd`: libzstd's verdict on one frame of `pages` pages. */
class ZstdChecker {
  private readonly proc: ChildProcessWithoutNullStreams;
  private buf = '';
  private waiting: ((l: string) => void) | null = null;
  private err = '';
  constructor(exe: string) {
    this.proc = spawn(exe, ['--zstd'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (d: string) => {
      this.buf += d;
      const nl = this.buf.indexOf('\n');
      if (nl >= 0 && this.waiting) { const l = this.buf.slice(0, nl); this.buf = this.buf.slice(nl + 1); const w = this.waiting; this.waiting = null; w(l); }
    });
    this.proc.stderr.on('data', (d: Buffer) => { this.err += d.toString(); });
    this.proc.on('close', (code, signal) => { if (this.waiting) this.waiting(`crash ${code ?? signal}: ${this.err}`); });
  }
  check(pages: number, frame: Uint8Array): Promise<string> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      const h = Buffer.alloc(8);
      h.writeUInt32LE(pages, 0);
      h.writeUInt32LE(frame.length, 4);
      this.proc.stdin.write(h);
      this.proc.stdin.write(frame);
    });
  }
  close(): void { this.proc.stdin.end(); }
}

interface RestoreRun { code: number | null; signal: NodeJS.Signals | null; stderr: string; timedOut: boolean }

function runRestore(exe: string, args: string[], cwd: string, timeoutMs: number): Promise<RestoreRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(exe, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let timedOut = false;
    child.stderr.on('data', (d: Buffer) => { if (stderr.length < 1 << 16) stderr += d.toString(); });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stderr, timedOut }); });
  });
}
