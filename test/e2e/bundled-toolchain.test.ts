/**
 * The bundled toolchain (toolchain/: wanco-llvm and each target's link inputs) against Debian's
 * LLVM 14, and alone: with the system's toolchain hidden (helpers/hiddenToolchain.ts), `wanco
 * doctor` finds what compiling needs, `wanco compile` builds for both targets from the .vsix's
 * brotli copy of wanco-llvm (unpacked into the user's cache: the package folder is read-only), and
 * the programs run and migrate between architectures.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundledToolchainDir, DEBIAN_LLVM_BIN_DIR, UPSTREAM_LLVM_ENV } from '../../compiler-core/src/index';
import { cannotHide, hiddenCommand, hiddenText } from '../helpers/hiddenToolchain';
import { fixtureWasm, runnerFor, spawnCapture, TARGETS, WANCO, type Target } from '../helpers/oracle';

describe('the bundled toolchain', function () {
  this.timeout(900_000);
  let dir: string;
  let toolchain: string;
  before(function () {
    const found = bundledToolchainDir();
    assert.ok(found, 'toolchain/ is missing: scripts/setup.sh builds it (scripts/build-toolchain.sh)');
    toolchain = found;
    dir = mkdtempSync(join(tmpdir(), 'wanco-toolchain-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const compile = async (wasm: string, target: Target, out: string, extra: string[] = [], env: NodeJS.ProcessEnv = process.env) => {
    const r = await spawnCapture(WANCO, ['compile', wasm, '--target', target, ...extra, '-o', out], { env, timeoutMs: 600_000 });
    assert.equal(r.status, 0, `wanco compile ${extra.join(' ')} --target ${target}:\n${r.stderr.toString()}`);
  };

  it('builds the same executables as Debian\'s LLVM 14, byte for byte, with its CodeGenPrepare patch off (C/R at -O0 and -O2, normal and restore partitions, both targets)', async function () {
    if (!existsSync(join(DEBIAN_LLVM_BIN_DIR, 'opt'))) {
      console.log(`      skipped: Debian's LLVM 14 is not installed (${DEBIAN_LLVM_BIN_DIR}), nothing to compare with`);
      this.skip();
    }
    const cases: [string, string[], NodeJS.ProcessEnv][] = [
      ['cr/recursion.c', ['-O2'], {}],
      ['cr/recursion.c', ['-O0'], {}],
      ['cr/loops.wat', ['-O2'], { WANCO_PARTITIONS: '2', WANCO_RESUMABLE_MIN: '1' }], // two normal partitions; transfers at loop headers
      ['c/compute.c', ['-O2', '--no-checkpoint'], {}],
    ];
    for (const [source, flags, extraEnv] of cases) {
      const wasm = await fixtureWasm(source);
      for (const target of TARGETS) {
        const env = { ...process.env, ...extraEnv };
        const bundled = join(dir, 'bundled'), system = join(dir, 'system');
        await compile(wasm, target, bundled, flags, { ...env, ...UPSTREAM_LLVM_ENV });
        await compile(wasm, target, system, [...flags, '--llvm-bin-dir', DEBIAN_LLVM_BIN_DIR], env);
        assert.ok(readFileSync(bundled).equals(readFileSync(system)), `${source} ${flags.join(' ')} for ${target}: the executables differ`);
      }
    }
  });

  it('with the system toolchain hidden: doctor, compile for both targets, run, checkpoint on x86_64 and restore on aarch64', async function () {
    const why = cannotHide();
    if (why) { console.log(`      skipped: ${why}`); this.skip(); }
    console.log(`      hidden: ${hiddenText()}`);
    // the package as the .vsix has it: wanco-llvm only as its brotli copy, in a read-only folder
    const packed = join(dir, 'toolchain');
    cpSync(toolchain, packed, { recursive: true, filter: (src) => src !== join(toolchain, 'bin', 'wanco-llvm') });
    assert.ok(existsSync(join(packed, 'bin', 'wanco-llvm.br')), 'toolchain/bin/wanco-llvm.br is missing (scripts/build-toolchain.sh makes it)');
    const cache = join(dir, 'cache');
    const env: NodeJS.ProcessEnv = { ...process.env, WANCO_TOOLCHAIN_DIR: packed, XDG_CACHE_HOME: cache, WANCO_CACHE_DIR: join(dir, 'wanco-cache') };
    delete env.WANCO_LLVM_BIN_DIR;
    const hidden = async (cmd: string, args: string[]) => spawnCapture(...hiddenCommand(cmd, args, [[packed, packed, 'ro']]), { env, timeoutMs: 600_000 });

    // the hiding hides: the system's tools are not there
    const sys = await hidden(WANCO, ['doctor', '--llvm-bin-dir', DEBIAN_LLVM_BIN_DIR]);
    assert.equal(sys.status, 1, `doctor with the system's LLVM should find it missing:\n${sys.stdout.toString()}${sys.stderr.toString()}`);
    assert.match(sys.stdout.toString(), /MISSING LLVM 14 toolchain/);

    const doc = await hidden(WANCO, ['doctor']);
    const report = doc.stdout.toString();
    assert.equal(doc.status, 0, `wanco doctor:\n${report}${doc.stderr.toString()}`);
    for (const line of ['LLVM 14 toolchain', 'link inputs for x86_64', 'link inputs for aarch64']) {
      assert.match(report, new RegExp(`^ok\\s+${line.replace(/[()]/g, '\\$&')}`, 'm'), `doctor:\n${report}`);
    }
    assert.match(report, /bundled/);

    const wasm = await fixtureWasm('cr/recursion.c');
    const exes = {} as Record<Target, string>;
    for (const target of TARGETS) {
      exes[target] = join(dir, `recursion-${target}`);
      const r = await hidden(WANCO, ['compile', wasm, '--target', target, '-o', exes[target]]);
      assert.equal(r.status, 0, `wanco compile --target ${target} with the system toolchain hidden:\n${r.stderr.toString()}`);
    }
    assert.ok(!existsSync(join(packed, 'bin', 'wanco-llvm')), 'nothing was written into the read-only package folder');
    assert.ok(readFileSync(join(cache, 'wanco', readdirOne(join(cache, 'wanco')))).length > 10_000_000, 'wanco-llvm was unpacked into the user\'s cache');

    const run = async (target: Target, args: string[]) => {
      const r = await spawnCapture(...runnerFor(target, exes[target], args), { cwd: dir, timeoutMs: 300_000 });
      assert.equal(r.status, 0, `${target} ${args.join(' ')}:\n${r.stderr.toString()}`);
      return r.stdout.toString();
    };
    const full = await run('x86_64', []);
    assert.equal(await run('aarch64', []), full, 'both targets print the same');
    const snap = join(dir, 'recursion.snap');
    const first = await run('x86_64', ['--checkpoint-at', '20000', '--snapshot', snap]);
    const rest = await run('aarch64', ['--restore', snap]);
    assert.ok(existsSync(snap), 'the x86_64 run wrote its snapshot'); // (its printf output is still in the guest's stdio buffer)
    assert.equal(first + rest, full, 'restored on aarch64, the program goes on as if never stopped');
  });
});

function readdirOne(d: string): string {
  const files = readdirSync(d).filter((f) => !f.endsWith('.tmp'));
  assert.equal(files.length, 1, `${d}: ${files.join(', ')}`);
  return files[0];
}
