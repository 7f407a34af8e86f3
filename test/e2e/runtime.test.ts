/**
 * The runtime's own tests (runtime/test/run.sh: WASI, memory, tables, traps,
 * options, the C/R unit tests of the stackmap parser and the snapshot
 * writer/reader) as part of npm test: once as built for the programs (x86_64
 * and aarch64, static), and once on x86_64 with AddressSanitizer and
 * UndefinedBehaviorSanitizer (`make -C runtime test-sanitize`), where any
 * sanitizer report fails the run and is shown here.
 *
 * Then checkpoint and restore of real compiled programs under the sanitizers:
 * the C/R fixtures' code (bin/wanco compile --emit-llvm: the IR of each partition after opt and
 * the statepoint rewrite) is compiled with llc as the back end does and linked
 * with the sanitized runtime archive (dynamically, as ASan requires); the
 * program is checkpointed while it runs (SIGUSR2, several times) and restored,
 * so stack walking, capture, the snapshot writer and reader and the restore run
 * under ASan and UBSan on programs with real stackmaps.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DEBIAN_LLVM_BIN_DIR, findToolchain, RUNTIME_LIBRARIES, toolArgv } from '../../compiler-core/src/index';
import { codegenModule } from '../../compiler-core/src/backend/pipeline';
import { isRestorePartition } from '../../compiler-core/src/translate/module';
import { TARGETS as LLVM_TARGETS } from '../../compiler-core/src/index';
import { fixtureWasm, ROOT, spawnCapture, WANCO } from '../helpers/oracle';

const RUNTIME = join(ROOT, 'runtime');

/** Runs a make target of the runtime; fails with the failed checks and any sanitizer report. */
async function makeTarget(target: string): Promise<string> {
  const r = await spawnCapture('make', ['-s', '-C', RUNTIME, target], { timeoutMs: 900_000 });
  const out = r.stdout.toString() + r.stderr.toString();
  const summary = /^runtime tests.*: (\d+) ok, (\d+) failed$/m.exec(out);
  if (r.status !== 0 || !summary || summary[2] !== '0') {
    // the failed checks and what follows them (wanted/got lines, sanitizer reports)
    const lines = out.split('\n');
    const shown = lines.filter((l) => !l.startsWith('ok   ')).join('\n');
    assert.fail(`make ${target} exited ${r.status ?? r.signal}${r.timedOut ? ' (timed out)' : ''}:\n${shown.slice(-20_000)}`);
  }
  // said in words that no CI reads as a test runner's closing line (ours is the mocha run's last line)
  return `${summary[0].replace(/: (\d+) ok, 0 failed$/, '')}: all ${summary[1]} checks ok`;
}

describe('runtime: C tests (runtime/test/run.sh)', function () {
  this.timeout(900_000);

  it('make -C runtime test (x86_64 and aarch64)', async () => {
    const summary = await makeTarget('test');
    console.log(`      ${summary}`);
  });

  it('make -C runtime test-sanitize (x86_64, AddressSanitizer + UndefinedBehaviorSanitizer)', async () => {
    const summary = await makeTarget('test-sanitize');
    assert.match(summary, /ASan\+UBSan/);
    console.log(`      ${summary}`);
  });

  it('shipped programs hold no test harness: the spec driver and spectest host are in libwrt-spec.a only', async () => {
    for (const arch of Object.keys(LLVM_TARGETS)) {
      const members = (a: string) => new Set(execFileSync('llvm-ar-14', ['t', join(RUNTIME, 'build', arch, a)], { encoding: 'utf8' }).trim().split('\n'));
      const shipped = members('libwrt.a');
      for (const m of ['driver.o', 'spectest.o']) assert.ok(!shipped.has(m), `${arch} libwrt.a holds ${m}`);
      assert.deepEqual([...members('libwrt-spec.a')].sort(), ['driver.o', 'spectest.o'], `${arch} libwrt-spec.a`);
    }
    const dir = mkdtempSync(join(tmpdir(), 'wanco-driver-'));
    try {
      const exe = join(dir, 'noop');
      const c = await spawnCapture(process.execPath, [WANCO, 'compile', join(ROOT, 'test-fixtures', 'cr', 'loops.wat'), '-o', exe, '--target', 'x86_64', '-O0']);
      assert.equal(c.status, 0, c.stderr.toString());
      const r = await spawnCapture(exe, ['--wanco-driver', join(dir, 'script')]);
      assert.equal(r.status, 2);
      assert.match(r.stderr.toString(), /--wanco-driver: this program was not linked with the spec-test driver/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Sanitizer options: reports into files of `dir` (any file is a failure). */
function sanitizerEnv(dir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ASAN_OPTIONS: `log_path=${dir}/asan:detect_leaks=1:allow_user_segv_handler=1:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:detect_stack_use_after_return=0`,
    UBSAN_OPTIONS: `log_path=${dir}/ubsan:print_stacktrace=1:halt_on_error=1`,
  };
}

/** Runs `exe args` and sends SIGUSR2 at each of `at` (ms after the start). */
function runWithSignals(exe: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, at: number[]): Promise<{ stdout: string; stderr: string; status: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(exe, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [], err: Buffer[] = [];
    const timers = at.map((ms) => setTimeout(() => child.kill('SIGUSR2'), ms));
    const kill = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (status) => {
      timers.forEach(clearTimeout);
      clearTimeout(kill);
      resolve({ stdout: Buffer.concat(out).toString('latin1'), stderr: Buffer.concat(err).toString(), status });
    });
  });
}

describe('runtime: checkpoint and restore of compiled programs under ASan + UBSan (x86_64)', function () {
  this.timeout(900_000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'wanco-asan-cr-')); });
  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  for (const source of ['cr/loops.wat', 'cr/recursion.c']) {
    it(`${source}: checkpoints while running, restore continues with the same output, no sanitizer report`, async () => {
      const lib = join(RUNTIME, 'build', 'x86_64-asan', 'libwrt.a');
      const mk = await spawnCapture('make', ['-s', '-C', RUNTIME, 'build/x86_64-asan/libwrt.a'], { timeoutMs: 600_000 });
      assert.equal(mk.status, 0, `building ${lib}:\n${mk.stderr.toString()}`);
      const name = basename(source).replace(/\.\w+$/, '');
      const base = join(dir, name);
      const wasm = await fixtureWasm(source);
      const c = await spawnCapture(process.execPath, [WANCO, 'compile', wasm, '--emit-llvm', '-o', base], { timeoutMs: 600_000 });
      assert.equal(c.status, 0, c.stderr.toString());
      // the back end's code generation of each partition (compiler-core/src/backend/pipeline.ts:
      // restore partitions, which define restore variants only, as such), then a sanitizer link
      // (the sanitizer runtimes come with Debian's clang: the link uses the system's LLVM 14)
      const objects: string[] = [];
      const work = mkdtempSync(join(dir, 'objects-')); // each partition's objects are named after it
      let restoreParts = 0;
      for (const ll of readdirSync(dir).filter((f) => f.startsWith(`${name}.`) && f.endsWith('.opt.ll')).map((f) => join(dir, f))) {
        // (the translated partition says what it holds; opt's output has lost the comment)
        const restore = isRestorePartition(readFileSync(ll.replace(/\.opt\.ll$/, '.ll'), 'utf8'));
        const r = await codegenModule(ll, work, { target: LLVM_TARGETS.x86_64, optLevel: 2, output: '', emitLlvm: false, checkpoint: true }, restore);
        objects.push(...r.objects);
        restoreParts += restore ? 1 : 0;
      }
      assert.ok(restoreParts > 0 && objects.length > restoreParts, `${name}: the normal code and its restore variants in partitions of their own`);
      const step = async ([cmd, args]: [string, string[]]) => {
        const r = await spawnCapture(cmd, args, { timeoutMs: 600_000 });
        assert.equal(r.status, 0, `${basename(cmd)} ${args.join(' ')}:\n${r.stderr.toString()}`);
      };
      await step(toolArgv(findToolchain(DEBIAN_LLVM_BIN_DIR).linker, ['-fsanitize=address,undefined', '-no-pie', '-fuse-ld=lld', ...objects, lib,
        ...RUNTIME_LIBRARIES, '-lpthread', '-o', `${base}-asan`]));
      const exe = `${base}-asan`;
      const logs = join(dir, `${name}-san`);
      mkdirSync(logs);
      const reports = () => readdirSync(logs).map((f) => `${f}:\n${readFileSync(join(logs, f), 'utf8')}`).join('\n');

      const t0 = performance.now();
      const full = await runWithSignals(exe, [], dir, sanitizerEnv(logs), []);
      const ms = performance.now() - t0;
      assert.equal(reports(), '', 'sanitizer reports of the uninterrupted run');
      assert.equal(full.status, 0, full.stderr);
      assert.ok(full.stdout.length > 0);

      // SIGUSR2: checkpoint and keep running; the last snapshot written is restored
      const snap = join(dir, `${name}.wsnap`);
      const ck = await runWithSignals(exe, ['--snapshot', snap], dir, sanitizerEnv(logs), [0.2, 0.35, 0.5].map((f) => Math.round(ms * f)));
      assert.equal(reports(), '', 'sanitizer reports of the checkpointing run');
      assert.equal(ck.status, 0, ck.stderr);
      assert.equal(ck.stdout, full.stdout, 'checkpoints must not change the output');
      const written = (ck.stderr.match(/checkpoint written/g) ?? []).length;
      assert.ok(written >= 1 && existsSync(snap), `no checkpoint was written (the run took ${ms.toFixed(0)} ms):\n${ck.stderr}`);

      const rs = await runWithSignals(exe, ['--restore', snap], dir, sanitizerEnv(logs), []);
      assert.equal(reports(), '', 'sanitizer reports of the restore');
      assert.equal(rs.status, 0, rs.stderr);
      assert.ok(full.stdout.endsWith(rs.stdout), `the restored run's output is not the end of the uninterrupted run's:\n${rs.stdout.slice(0, 500)}`);
      console.log(`      ${written} checkpoint(s) in a ${ms.toFixed(0)} ms run; the restore printed the last ${rs.stdout.length} of ${full.stdout.length} bytes`);
    });
  }
});
