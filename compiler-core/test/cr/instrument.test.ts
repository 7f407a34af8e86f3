/**
 * What the instrumentation promises the runtime and the debugger: which points a function gets
 * (an entry only where it can recurse, a loop point per loop, a call point only where the callee
 * can reach one, statement and after-call points only in debug builds), that each point the code
 * polls for is in the module's point table with its kind, and that a deopt state carries exactly
 * the locals the point's descriptor says are live.
 */
import assert from 'node:assert/strict';
import { decodeModule } from '../../src/wasm/decoder';
import { watToBinary } from '../../src/wasm/load';
import { migrationPoints, translateModule } from '../../src/translate/module';
import { TARGETS } from '../../src/backend/targets';
import { decodePointId, PointKind, pointIdLlvm } from '../../src/cr/points';
import type { PointInfo } from '../../src/cr/instrument';
import { readFileSync } from 'node:fs';
import { statementStarts } from '../../src/wasm/debug-line';
import { requireToolchain, sourceFixture } from '../../../test/helpers/sourceFixtures';

/** The module with its .debug_line section renamed (so no line table is found): every instruction gets its point. */
function stripDebugLine(bytes: Uint8Array, section: { dataOffset: number }): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[section.dataOffset - 2] = 'X'.charCodeAt(0); // ".debug_line" -> ".debug_linX"
  return copy;
}

const WAT = `(module
  (func $leaf (param $a i32) (result i32) (i32.add (local.get $a) (i32.const 1)))
  (func $count (param $n i32) (result i32) (local $dead i64) (local $i i32)
    (local.set $dead (i64.const 7))
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i))
  (func $down (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n)) (then (i32.const 0))
      (else (call $down (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "_start") (local $keep i32) (local $unused i32)
    (local.set $keep (call $leaf (i32.const 1)))
    (drop (call $count (local.get $keep)))
    (drop (call $down (local.get $keep)))
    (drop (local.get $keep))))`;

async function build(debugPoints = false): Promise<{ points: PointInfo[]; ir: string }> {
  const bytes = await watToBinary(WAT, 'instrument.wat');
  const m = decodeModule(bytes, 'instrument.wat');
  const { partitions, points } = translateModule(m, bytes, { boundsChecks: false, checkpoint: true, debugPoints, partitions: 1 }, TARGETS.x86_64);
  return { points, ir: partitions.join('\n') };
}

const kindsOf = (points: PointInfo[], func: number) => points.filter((p) => p.funcIndex === func).map((p) => p.kind);

describe('C/R instrumentation: the points placed and what the runtime is told of them', () => {
  it('a normal build: entry only where a function recurses, loops, calls only into functions that reach a point', async () => {
    const { points } = await build();
    assert.deepEqual(kindsOf(points, 0), [], '$leaf reaches no point');
    assert.deepEqual(kindsOf(points, 1), [PointKind.Loop], '$count: its loop');
    assert.deepEqual(kindsOf(points, 2).sort(), [PointKind.FuncEntry, PointKind.Call].sort(), '$down: entry (it recurses) and its recursive call');
    assert.deepEqual(kindsOf(points, 3), [PointKind.Call, PointKind.Call], '_start: the calls of $count and $down, not of $leaf');
    for (const p of points) assert.equal(decodePointId(p.id).funcIndex, p.funcIndex);
    assert.deepEqual(points.map((p) => p.id), [...points.map((p) => p.id)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), 'sorted by id');
  });

  it('every point the code polls for is in the point table, with its kind, and nothing else is', async () => {
    const { points, ir } = await build();
    const polled = new Set([...ir.matchAll(/call void @wrt_cr_point\(i64 (-?\d+)\)/g)].map((m) => m[1]));
    const bundled = new Set([...ir.matchAll(/"deopt"\(i64 (-?\d+)/g)].map((m) => m[1]));
    const table = [...ir.matchAll(/%wrt_cr_point_desc \{ i64 (-?\d+), i32 (\d+), i16 (\d+), i16 (\d+), i8\* getelementptr inbounds \(\[\d+ x i8\], \[\d+ x i8\]\* @wpt\d+, i64 0, i64 0\), i32 (\d+)/g)];
    assert.deepEqual(table.map((m) => m[1]), points.map((p) => pointIdLlvm(p.id)), 'the table lists the points in order');
    table.forEach((m, i) => {
      assert.equal(Number(m[2]), points[i].funcIndex);
      assert.equal(Number(m[5]), points[i].kind);
    });
    const ids = new Set(points.map((p) => pointIdLlvm(p.id)));
    for (const id of polled) assert.ok(ids.has(id), `polled point ${id} is in the table`);
    for (const id of bundled) assert.ok(ids.has(id), `deopt state of point ${id} is in the table`);
    for (const p of points) {
      const id = pointIdLlvm(p.id);
      if (p.kind === PointKind.Call) assert.ok(bundled.has(id), `call point ${id} carries a deopt state`);
      else assert.ok(polled.has(id), `point ${id} is polled`);
    }
  });

  it('a deopt state holds the point\'s live locals only, as its descriptor\'s bitmap says', async () => {
    const { points, ir } = await build();
    const loop = points.find((p) => p.kind === PointKind.Loop)!;
    // $count at its loop: $n and $i are live, $dead (written, never read) is not
    assert.equal(loop.live, 0b101n);
    const deopt = new RegExp(`wrt_cr_point\\(i64 ${pointIdLlvm(loop.id)}\\) \\[ "deopt"\\(([^)]*)\\) \\]`).exec(ir);
    assert.ok(deopt, 'the loop point\'s poll carries its deopt state');
    assert.deepEqual(deopt[1].split(', ').map((v) => v.split(' ')[0]), ['i64', 'i32', 'i32'], 'id, $n, $i');
  });

  it('a debug build adds tagged statement and after-call points, and keeps every local', async () => {
    const normal = await build();
    const debug = await build(true);
    const ids = new Set(debug.points.map((p) => p.id));
    for (const p of normal.points) assert.ok(ids.has(p.id), 'a debug build has every point of a normal build');
    const statements = debug.points.filter((p) => p.kind === PointKind.Statement);
    const afterCalls = debug.points.filter((p) => p.kind === PointKind.AfterCall);
    assert.ok(statements.length > 0 && afterCalls.length > 0);
    for (const p of statements) assert.equal(decodePointId(p.id).tag, 'statement');
    for (const p of afterCalls) assert.equal(decodePointId(p.id).tag, 'after-call');
    for (const p of debug.points) assert.equal(p.live, undefined, 'a debugger shows every local');
  });

  it('migrationPoints lists what a build places, without LLVM', async () => {
    const bytes = await watToBinary(WAT, 'instrument.wat');
    const m = decodeModule(bytes, 'instrument.wat');
    assert.deepEqual(migrationPoints(m, bytes).map((p) => p.id), (await build()).points.map((p) => p.id));
    assert.deepEqual(migrationPoints(m, bytes, true).map((p) => p.id), (await build(true)).points.map((p) => p.id));
  });

  it('a debug build of a module with a line table (-g): statement points only from where lines start, none without lines', async function () {
    this.timeout(300_000);
    await requireToolchain(this, 'c');
    const fx = await sourceFixture('c', 'O0');
    const bytes = readFileSync(fx.wasm);
    const m = decodeModule(bytes, fx.wasm);
    const section = m.customSections.find((c) => c.name === '.debug_line')!;
    const lines = [...statementStarts(bytes, section.dataOffset, section.offset + section.size - section.dataOffset, (at, why) => assert.fail(`${at}: ${why}`))].map((a) => a + m.codeSectionStart!);
    const { points } = translateModule(m, bytes, { boundsChecks: false, checkpoint: true, debugPoints: true, partitions: 1 }, TARGETS.x86_64);
    const offset = (p: PointInfo) => decodePointId(p.id).offset;
    let withLines = 0;
    for (const f of m.funcs) {
      const inBody = lines.filter((a) => a >= f.bodyOffset && a < f.bodyEnd).sort((a, b) => a - b);
      const mine = points.filter((p) => p.funcIndex === f.index);
      const statements = mine.filter((p) => p.kind === PointKind.Statement).map(offset).sort((a, b) => a - b);
      if (inBody.length === 0) {
        assert.deepEqual(mine.filter((p) => p.kind === PointKind.Statement || p.kind === PointKind.AfterCall), [], `function ${f.index} has no lines: no statement or after-call points`);
        continue;
      }
      // each statement point is the first one at or after some line start: no line start lies between two of them without a point
      for (let k = 0; k < statements.length; k++) {
        const from = inBody.filter((a) => a <= statements[k]).pop();
        assert.ok(from !== undefined, `function ${f.index}: a statement point at 0x${statements[k].toString(16)} before its first line`);
        if (k > 0) assert.ok(from > statements[k - 1], `function ${f.index}: two statement points (0x${statements[k - 1].toString(16)}, 0x${statements[k].toString(16)}) for one line start`);
      }
      assert.ok(statements.length <= inBody.length, `function ${f.index}: ${statements.length} points for ${inBody.length} line starts`);
      if (statements.length > 0) withLines++; // (an empty function's lines start at its `end`: no point)
    }
    assert.ok(withLines >= 5, `${withLines} functions with lines`);
    const stripped = stripDebugLine(bytes, section);
    const all = translateModule(decodeModule(stripped, fx.wasm), stripped, { boundsChecks: false, checkpoint: true, debugPoints: true, partitions: 1 }, TARGETS.x86_64).points;
    console.log(`      ${points.length} points with the line table, ${all.length} without it`);
    assert.ok(points.length < all.length * 0.6, 'far fewer points than at every instruction');
  });
});
