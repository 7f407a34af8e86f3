/**
 * Where a debug build of a module with DWARF puts its statement points, against where the debugger
 * shows code in source terms: the compiler's rule (compiler-core wasm/source-files.ts: functions
 * with a line in a file on this machine) and the DWARF engine's placement (dwarf/sourcePoints.ts)
 * must name the same functions, for the C, C++ and Rust fixtures at -O0 and -O2. Also: a snapshot's
 * debug points survive a rule that no longer picks their functions, and the DWARF engines the
 * process keeps across sessions (dwarf/enginePool.ts).
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import {
  compileCached, debugBuildFunctions, debugPointFunctions, hostTarget, isDebugPoint, loadModule, migrationPoints, packageRoot, parseTarget,
  pointIdText, PointKind, POINT_KIND_NAMES, sourceFunctions,
} from '../../compiler-core/src/index';
import { DEBUG_OPT_LEVEL } from '../src/launchConfig';
import { RuntimeClient } from '../src/runtimeClient';
import { requireToolchain, SOURCE_LANGS, SOURCE_OPTS, sourceFixture } from '../../test/helpers/sourceFixtures';
import { DwarfEngine } from '../src/dwarf/engine';
import { EnginePool } from '../src/dwarf/enginePool';
import { placeOnSource } from '../src/dwarf/sourcePoints';
import { placePoints } from '../src/pointLines';

describe('debug builds: statement points where the source is', function () {
  this.timeout(600_000);

  for (const lang of SOURCE_LANGS) {
    for (const opt of SOURCE_OPTS) {
      it(`${lang} -${opt}: the compiler's functions with source are those the debugger shows in source`, async function () {
        await requireToolchain(this, lang);
        const fx = await sourceFixture(lang, opt);
        const { bytes, module } = await loadModule(fx.wasm);
        const ours = sourceFunctions(module, bytes, fx.wasm);
        assert.equal(ours.problem, undefined);
        assert.ok(ours.functions && ours.functions.size > 0, 'some functions have source here');
        // every function with lines, and the debugger's view of the full debug build's points
        const all = migrationPoints(module, bytes, true);
        const engine = await DwarfEngine.load(bytes, fx.wasm, module.codeSectionStart!);
        assert.ok(engine);
        try {
          const points = all.map((p) => ({ id: pointIdText(p.id), func: p.funcIndex, kind: POINT_KIND_NAMES[p.kind] }));
          const placed = placePoints(points, module, undefined);
          const places = await placeOnSource(engine, placed.values(), module);
          const shown = new Set([...places.keys()].filter((id) => isDebugPoint(BigInt(id))).map((id) => Number(BigInt(id) >> 32n)));
          const name = (f: number) => `${f} ${module.names.functions.get(f) ?? ''}`;
          assert.deepEqual([...ours.functions].sort((a, b) => a - b).map(name), [...shown].sort((a, b) => a - b).map(name));
        } finally {
          await engine.dispose();
        }
        // and the debug build places its debug points there only
        const debug = migrationPoints(module, bytes, true, ours.functions);
        const withDebugPoints = new Set(debug.filter((p) => isDebugPoint(p.id)).map((p) => p.funcIndex));
        for (const f of withDebugPoints) assert.ok(ours.functions.has(f), `function ${f} has debug points`);
        assert.ok(debug.length < all.length, `${debug.length} points instead of ${all.length}`);
      });
    }
  }

  it('the running debug build reports the locals each point holds, as the compiler placed them (dead ones left out)', async function () {
    await requireToolchain(this, 'c');
    const fx = await sourceFixture('c', 'O0');
    const { bytes, module } = await loadModule(fx.wasm);
    process.env.WANCO_CACHE_DIR = join(packageRoot(), 'out', 'dap-cache');
    const exe = await compileCached(fx.wasm, parseTarget(hostTarget() ?? 'x86_64'), DEBUG_OPT_LEVEL, true);
    const rt = new RuntimeClient();
    try {
      const stopped = new Promise((r) => rt.once('stopped', r));
      await rt.start({ command: exe, commandArgs: [], args: [] });
      await stopped;
      const reported = await rt.points();
      const placed = migrationPoints(module, bytes, true, debugBuildFunctions(module, bytes, fx.wasm).functions);
      const text = (live: bigint | undefined) => live === undefined ? undefined : `0x${live.toString(16)}`;
      // a function without locals has no bitmap in the build
      assert.deepEqual(reported.map((p) => [p.id, p.live]).sort(), placed.map((p) => [pointIdText(p.id), p.localTypes.length ? text(p.live) : undefined]).sort());
      const statements = placed.filter((p) => p.kind === PointKind.Statement);
      assert.ok(statements.length > 50 && statements.every((p) => p.live !== undefined), 'statement points hold their live locals only');
      assert.ok(statements.some((p) => p.live! !== (1n << BigInt(p.localTypes.length)) - 1n), 'some local is dead at some statement');
    } finally {
      await rt.terminate();
    }
  });

  it('no file of the line table on this machine: every function with lines keeps its points (the debugger shows Wasm)', async function () {
    await requireToolchain(this, 'c');
    const fx = await sourceFixture('c', 'O0');
    const { bytes, module } = await loadModule(fx.wasm);
    assert.deepEqual(sourceFunctions(module, bytes, fx.wasm, () => false), {});
  });

  it('a snapshot standing at debug points restores on a build whose rule picks other functions', async function () {
    await requireToolchain(this, 'c');
    const fx = await sourceFixture('c', 'O0');
    const { bytes, module } = await loadModule(fx.wasm);
    const here = sourceFunctions(module, bytes, fx.wasm).functions!;
    // frames at statement and after-call points of two functions with source, as a snapshot lists them
    const full = migrationPoints(module, bytes, true, here);
    const frames = [...here].slice(0, 2).map((f) => full.find((p) => p.funcIndex === f && isDebugPoint(p.id))!.id);
    const keep = debugPointFunctions(frames);
    assert.deepEqual([...keep].sort(), [...here].slice(0, 2).sort());
    // where the sources are gone, the rule picks none of them; the kept ones still get their points
    const elsewhere = migrationPoints(module, bytes, true, new Set(keep));
    const ids = new Set(elsewhere.map((p) => p.id));
    for (const id of frames) assert.ok(ids.has(id), `${pointIdText(id)} is in the restoring build`);
    const withRule = debugBuildFunctions(module, bytes, fx.wasm, keep).functions!;
    assert.deepEqual([...withRule].sort(), [...here].sort());
  });

  it('the engine of a closed session is kept for the next one of the process, and its worker for another module', async function () {
    await requireToolchain(this, 'c');
    await requireToolchain(this, 'rust');
    const c = await sourceFixture('c', 'O0');
    const rust = await sourceFixture('rust', 'O0');
    const cm = await loadModule(c.wasm), rm = await loadModule(rust.wasm);
    const pool = new EnginePool(60_000);
    try {
      const first = (await pool.load(cm.bytes, c.wasm, cm.module.codeSectionStart!))!;
      const files = first.sourceFiles;
      const mainC = files.find((f) => f.endsWith('/main.c'))!;
      const lines = await first.mappedLines(mainC);
      assert.ok(lines.length > 10);
      pool.release(first);
      await assert.rejects(first.mappedLines(mainC), /the DWARF engine of this module was closed/);
      const second = (await pool.load(cm.bytes, c.wasm, cm.module.codeSectionStart!))!;
      assert.notEqual(second, first);
      assert.equal(second.host, first.host, 'the same worker, its module loaded');
      assert.deepEqual(await second.mappedLines(mainC), lines);
      pool.release(second);
      const other = (await pool.load(rm.bytes, rust.wasm, rm.module.codeSectionStart!))!;
      assert.equal(other.host, first.host, 'another module on the same worker');
      assert.ok(other.sourceFiles.some((f) => f.endsWith('/main.rs')));
      assert.ok((await other.mappedLines(other.sourceFiles.find((f) => f.endsWith('/main.rs'))!)).length > 10);
      pool.release(other);
    } finally {
      await pool.clear();
    }
  });

  it('a kept engine ends when no session takes it in time', async function () {
    await requireToolchain(this, 'c');
    const c = await sourceFixture('c', 'O0');
    const { bytes, module } = await loadModule(c.wasm);
    const pool = new EnginePool(200);
    const engine = (await pool.load(bytes, c.wasm, module.codeSectionStart!))!;
    pool.release(engine);
    await new Promise((r) => setTimeout(r, 600));
    const again = (await pool.load(bytes, c.wasm, module.codeSectionStart!))!;
    assert.notEqual(again.host, engine.host, 'a new worker');
    await again.dispose();
  });
});
