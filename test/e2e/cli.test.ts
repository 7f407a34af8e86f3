/**
 * The `wanco` command line as a user meets it: bad modules are refused with
 * one line naming the file and the place (no stack trace, exit 1), `wanco
 * compile` writes a static ELF of the requested architecture that runs, and
 * `wanco run app.wasm --dir . -- args` compiles, runs and passes the exit
 * status through. Programs' own options (--dir, --env, --help, --) too.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureWasm, HOST, ROOT, runnerFor, spawnCapture, WANCO, type Target } from '../helpers/oracle';

const wanco = (args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) =>
  spawnCapture(process.execPath, [WANCO, ...args], { cwd, timeoutMs: 300_000, env });

/** One line, no stack trace; returns it without the newline. */
function oneLine(stderr: Buffer): string {
  const s = stderr.toString();
  assert.match(s, /^[^\n]+\n$/, `expected exactly one line on stderr, got:\n${s}`);
  assert.doesNotMatch(s, /\n\s+at |Error:/, `stderr has a stack trace:\n${s}`);
  return s.slice(0, -1);
}

/** The error line: `FILE:...`, optionally prefixed by the tool name. */
function errorBody(line: string): string {
  return line.replace(/^wanco: /, '');
}

describe('e2e: wanco command line', function () {
  this.timeout(600_000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'wanco-cli-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('refuses bad modules', () => {
    it('a .wat syntax error: one line file:line:col, exit 1, no output file', async () => {
      writeFileSync(join(dir, 'syntax.wat'), '(module\n  (func $f (result i32)\n    (i32.const 1)\n    (i32.frob 2)))\n');
      const r = await wanco(['compile', 'syntax.wat', '-o', 'syntax'], dir);
      assert.equal(r.status, 1);
      assert.match(errorBody(oneLine(r.stderr)), /^syntax\.wat:4:\d+: \S/);
      assert.equal(existsSync(join(dir, 'syntax')), false, 'no executable may be left behind');
    });

    it('an unbalanced .wat: one line file:line:col, exit 1', async () => {
      writeFileSync(join(dir, 'unbalanced.wat'), '(module\n  (func $f (result i32)\n    (i32.const 1)\n');
      const r = await wanco(['compile', 'unbalanced.wat', '-o', 'unbalanced'], dir);
      assert.equal(r.status, 1);
      assert.match(errorBody(oneLine(r.stderr)), /^unbalanced\.wat:\d+:\d+: \S/);
    });

    it('a .wat type error: one line naming the file and the function, exit 1', async () => {
      writeFileSync(join(dir, 'types.wat'), '(module\n  (func $f (result i32)\n    (i64.const 1)))\n');
      const r = await wanco(['compile', 'types.wat', '-o', 'types'], dir);
      assert.equal(r.status, 1);
      // binaryen's validator gives no source position: the function must be named
      const line = errorBody(oneLine(r.stderr));
      assert.match(line, /^types\.wat:(\d+:\d+:)? \S/);
      assert.match(line, /\bf\b/);
    });

    it('a truncated .wasm: one line file:0xOFFSET, exit 1', async () => {
      const whole = readFileSync(await fixtureWasm('wat/hello.wat'));
      const cut = whole.subarray(0, Math.floor(whole.length * 0.6));
      writeFileSync(join(dir, 'truncated.wasm'), cut);
      const r = await wanco(['compile', 'truncated.wasm', '-o', 'truncated'], dir);
      assert.equal(r.status, 1);
      const m = /^truncated\.wasm:0x([0-9a-f]+): \S/.exec(errorBody(oneLine(r.stderr)));
      assert.ok(m, `expected truncated.wasm:0x...: ..., got ${r.stderr.toString()}`);
      assert.ok(parseInt(m[1], 16) <= cut.length, `offset 0x${m[1]} is past the end of the file (${cut.length} bytes)`);
      assert.equal(existsSync(join(dir, 'truncated')), false);
    });

    it('not a wasm file at all: one line, exit 1', async () => {
      writeFileSync(join(dir, 'text.wasm'), 'hello, I am text\n');
      const r = await wanco(['compile', 'text.wasm', '-o', 'text'], dir);
      assert.equal(r.status, 1);
      assert.match(errorBody(oneLine(r.stderr)), /^text\.wasm:0x[0-9a-f]+: \S/);
    });

    it('a module importing env.foo: one line listing the import, exit 1', async () => {
      writeFileSync(join(dir, 'imports.wat'),
        '(module\n  (import "env" "foo" (func (param i32)))\n  (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))\n  (func (export "_start")))\n');
      const r = await wanco(['compile', 'imports.wat', '-o', 'imports'], dir);
      assert.equal(r.status, 1);
      const line = oneLine(r.stderr);
      assert.match(line, /imports\.wat/);
      assert.match(line, /env\.foo/);
      assert.doesNotMatch(line, /proc_exit/, 'a supported WASI import is not an error');
    });

    it('a module without _start: one line naming the file, exit 1, no output file', async () => {
      writeFileSync(join(dir, 'nostart.wat'), '(module\n  (memory (export "memory") 1)\n  (func (export "main")))\n');
      const r = await wanco(['compile', 'nostart.wat', '-o', 'nostart'], dir);
      assert.equal(r.status, 1);
      assert.equal(errorBody(oneLine(r.stderr)),
        'nostart.wat: the module has no _start export, which a WASI command needs (its entry point, a function [] -> []): nothing would run');
      assert.equal(existsSync(join(dir, 'nostart')), false);
    });

    it('_start of another type: the types printed as the spec writes them, at the export\'s offset', async () => {
      writeFileSync(join(dir, 'badstart.wat'), '(module\n  (func (export "_start") (param i64) (result i32 f64) (unreachable)))\n');
      const w = await spawnCapture('wat2wasm', ['badstart.wat', '-o', 'badstart.wasm'], { cwd: dir });
      assert.equal(w.status, 0, w.stderr.toString());
      const r = await wanco(['compile', 'badstart.wasm', '-o', 'badstart'], dir);
      assert.equal(r.status, 1);
      const bytes = readFileSync(join(dir, 'badstart.wasm'));
      const at = bytes.indexOf(Buffer.from('\x06_start', 'latin1')); // the export entry: name length, name
      assert.ok(at > 0);
      assert.equal(errorBody(oneLine(r.stderr)), `badstart.wasm:0x${at.toString(16)}: export _start must have type [] -> [], found [i64] -> [i32 f64]`);
    });

    it('a WASI import of the wrong type: both types printed as the spec writes them', async () => {
      writeFileSync(join(dir, 'badwasi.wat'),
        '(module\n  (import "wasi_snapshot_preview1" "fd_write" (func (param i32)))\n  (func (export "_start")))\n');
      const r = await wanco(['compile', 'badwasi.wat', '-o', 'badwasi'], dir);
      assert.equal(r.status, 1);
      assert.match(oneLine(r.stderr), /wasi_snapshot_preview1\.fd_write \(func\): type \[i32\] -> \[\] but WASI defines \[i32 i32 i32 i32\] -> \[i32\]/);
    });

    it('a missing input file: one line, exit 1', async () => {
      const r = await wanco(['compile', 'nowhere.wasm'], dir);
      assert.equal(r.status, 1);
      assert.match(oneLine(r.stderr), /nowhere\.wasm/);
    });
  });

  describe('compile', () => {
    const elfMachine = (f: string) => readFileSync(f).readUInt16LE(18);
    const hasInterp = (f: string) => {
      // PT_INTERP (3) among the program headers of a 64-bit ELF: a dynamic executable.
      const b = readFileSync(f);
      const phoff = Number(b.readBigUInt64LE(32)), phentsize = b.readUInt16LE(54), phnum = b.readUInt16LE(56);
      for (let i = 0; i < phnum; i++) if (b.readUInt32LE(phoff + i * phentsize) === 3) return true;
      return false;
    };

    for (const [target, machine] of [['x86_64', 62], ['aarch64', 183]] as Array<[Target, number]>) {
      it(`hello.wat --target ${target}: a static ${target} ELF that prints hello`, async () => {
        copyFileSync(join(ROOT, 'test-fixtures', 'wat', 'hello.wat'), join(dir, 'hello.wat'));
        const out = `hello-${target}`;
        const r = await wanco(['compile', 'hello.wat', '-o', out, '--target', target], dir);
        assert.equal(r.status, 0, r.stderr.toString());
        const exe = join(dir, out);
        assert.equal(readFileSync(exe).subarray(0, 4).toString('latin1'), '\x7fELF');
        assert.equal(elfMachine(exe), machine, 'ELF e_machine');
        assert.equal(hasInterp(exe), false, 'the executable must be static (no PT_INTERP)');
        const [cmd, args] = runnerFor(target, exe, []);
        const run = await spawnCapture(cmd, args, { cwd: dir });
        assert.equal(run.stdout.toString(), 'hello, world\n');
        assert.equal(run.stderr.toString(), '');
        assert.equal(run.status, 0);
      });
    }

    it('default output name is the input without its extension; -O0 and -O3 agree', async () => {
      copyFileSync(await fixtureWasm('wat/int_ops.wat'), join(dir, 'ints.wasm'));
      const o0 = await wanco(['compile', 'ints.wasm', '-O0'], dir);
      assert.equal(o0.status, 0, o0.stderr.toString());
      assert.ok(existsSync(join(dir, 'ints')), 'default output ./ints');
      const a = await spawnCapture(join(dir, 'ints'), [], { cwd: dir });
      const o3 = await wanco(['compile', 'ints.wasm', '-O3', '-o', 'ints3'], dir);
      assert.equal(o3.status, 0, o3.stderr.toString());
      const b = await spawnCapture(join(dir, 'ints3'), [], { cwd: dir });
      assert.equal(a.status, 0);
      assert.ok(a.stdout.length > 100);
      assert.equal(b.stdout.toString(), a.stdout.toString());
    });

    it('--debug-points: a debug build prints the same; with --no-checkpoint it is refused in one line', async () => {
      copyFileSync(await fixtureWasm('wat/int_ops.wat'), join(dir, 'dints.wasm'));
      const rel = await wanco(['compile', 'dints.wasm', '-o', 'dints-rel'], dir);
      assert.equal(rel.status, 0, rel.stderr.toString());
      const dbg = await wanco(['compile', 'dints.wasm', '--debug-points', '-o', 'dints-dbg'], dir);
      assert.equal(dbg.status, 0, dbg.stderr.toString());
      const a = await spawnCapture(join(dir, 'dints-rel'), [], { cwd: dir });
      const b = await spawnCapture(join(dir, 'dints-dbg'), [], { cwd: dir });
      assert.equal(b.status, 0);
      assert.equal(b.stdout.toString(), a.stdout.toString());
      const bad = await wanco(['compile', 'dints.wasm', '--debug-points', '--no-checkpoint', '-o', 'x'], dir);
      assert.equal(bad.status, 1);
      assert.match(oneLine(bad.stderr), /--debug-points needs checkpoint support/);
      assert.equal(existsSync(join(dir, 'x')), false);
    });
  });

  describe('the compiled program\'s options', () => {
    let exe: string;
    before(async () => {
      copyFileSync(await fixtureWasm('c/args_env.c'), join(dir, 'args_env.wasm'));
      const r = await wanco(['compile', 'args_env.wasm', '-o', 'args_env'], dir);
      assert.equal(r.status, 0, r.stderr.toString());
      exe = join(dir, 'args_env');
    });

    it('--env and arguments after -- (an argument that looks like an option stays an argument)', async () => {
      const r = await spawnCapture(exe, ['--env', 'A=1', '--env=B=two words', '--', '--env', 'x'], { cwd: dir });
      assert.equal(r.status, 0, r.stderr.toString());
      assert.equal(r.stdout.toString(),
        'argc=3\nargv[0]=[args_env]\nargv[1]=[--env]\nargv[2]=[x]\nenv[0]=[A=1]\nenv[1]=[B=two words]\n' +
        'getenv(GREETING)=(unset)\ngetenv(MISSING)=(unset)\n');
    });

    it('the host environment does not leak into the program', async () => {
      const r = await spawnCapture(exe, [], { cwd: dir, env: { ...process.env, GREETING: 'leaked' } });
      assert.match(r.stdout.toString(), /getenv\(GREETING\)=\(unset\)/);
      assert.doesNotMatch(r.stdout.toString(), /env\[0\]/);
    });

    it('--help prints usage and exits 0; an unknown option is an error (exit 2)', async () => {
      const h = await spawnCapture(exe, ['--help'], { cwd: dir });
      assert.equal(h.status, 0);
      assert.match(h.stdout.toString(), /--dir/);
      assert.match(h.stdout.toString(), /--env/);
      const u = await spawnCapture(exe, ['--bogus'], { cwd: dir });
      assert.equal(u.status, 2);
      assert.match(oneLine(u.stderr), /--bogus/);
      assert.equal(u.stdout.toString(), '');
    });

    it('--dir of a missing directory is an error (exit 2) naming it', async () => {
      const r = await spawnCapture(exe, ['--dir', join(dir, 'no-such-dir')], { cwd: dir });
      assert.equal(r.status, 2);
      assert.match(oneLine(r.stderr), /no-such-dir/);
    });
  });

  describe('wanco run', () => {
    let work: string;
    let env: NodeJS.ProcessEnv;
    before(async () => {
      work = join(dir, 'run');
      mkdirSync(work);
      env = { ...process.env, WANCO_CACHE_DIR: join(dir, 'cache') };
      copyFileSync(await fixtureWasm('c/cat_file.c'), join(work, 'app.wasm'));
      writeFileSync(join(work, 'notes.txt'), 'first\nsecond\n');
    });

    it('wanco run app.wasm --dir . -- notes.txt reads the file through the preopen', async () => {
      const r = await wanco(['run', 'app.wasm', '--dir', '.', '--', 'notes.txt'], work, env);
      assert.equal(r.stderr.toString(), '');
      assert.equal(r.stdout.toString(), '   1  first\n   2  second\n-- 2 lines, 13 bytes\n');
      assert.equal(r.status, 0);
    });

    it('the program\'s exit status and stderr pass through (missing file: 2)', async () => {
      const r = await wanco(['run', 'app.wasm', '--dir', '.', '--', 'absent.txt'], work, env);
      assert.equal(r.status, 2);
      assert.equal(r.stderr.toString(), 'absent.txt: No such file or directory\n');
    });

    it('without --dir the program sees no files', async () => {
      const r = await wanco(['run', 'app.wasm', '--', 'notes.txt'], work, env);
      assert.equal(r.status, 2);
      assert.match(r.stderr.toString(), /^notes\.txt: /);
    });

    it('a trap: exit 134 and "wasm trap: ..." on stderr', async () => {
      copyFileSync(await fixtureWasm('wat/trap_div_by_zero.wat'), join(work, 'trap.wasm'));
      const r = await wanco(['run', 'trap.wasm'], work, env);
      assert.equal(r.status, 134);
      assert.match(r.stderr.toString(), /^wasm trap: integer divide by zero\n/);
      assert.match(r.stdout.toString(), /^about to trap\n/);
    });

    it(`--target aarch64 runs under qemu (host is ${HOST})`, async () => {
      const r = await wanco(['run', '--target', 'aarch64', 'app.wasm', '--dir', '.', '--', 'notes.txt'], work, env);
      assert.equal(r.stderr.toString(), '');
      assert.equal(r.stdout.toString(), '   1  first\n   2  second\n-- 2 lines, 13 bytes\n');
      assert.equal(r.status, 0);
    });
  });
  describe('wanco doctor', () => {
    it('on this machine: every check ok (the link inputs proven by linking an empty program for each target), exit 0', async () => {
      const r = await wanco(['doctor'], ROOT);
      const lines = r.stdout.toString().trim().split('\n');
      assert.equal(r.status, 0, r.stdout.toString() + r.stderr.toString());
      for (const what of ['LLVM 14 toolchain', 'runtime archive for x86_64', 'runtime archive for aarch64', 'link inputs for x86_64', 'link inputs for aarch64', 'ssh', 'scp']) {
        assert.ok(lines.some((l) => l.startsWith('ok') && l.includes(what)), `${what}:\n${lines.join('\n')}`);
      }
      assert.ok(lines.some((l) => l.includes('link inputs for aarch64') && l.includes('an empty program links')), lines.join('\n'));
      assert.ok(lines.some((l) => l.startsWith('ok') && l.includes('LLVM 14 toolchain') && l.includes('bundled (')), `the bundled toolchain is the default:\n${lines.join('\n')}`);
    });

    it('without qemu-user, running a foreign program says what to install (and that a remote restore does not need it)', async () => {
      const bin = mkdtempSync(join(tmpdir(), 'wanco-noqemu-'));
      symlinkSync(process.execPath, join(bin, 'node')); // PATH holds node and nothing else
      const foreign: Target = HOST === 'x86_64' ? 'aarch64' : 'x86_64';
      const r = await wanco(['run', '--target', foreign, await fixtureWasm('c/exit_code.c')], ROOT, { ...process.env, PATH: bin, WANCO_CACHE_DIR: join(bin, 'cache') });
      rmSync(bin, { recursive: true, force: true });
      assert.equal(r.status, 1, r.stderr.toString());
      assert.equal(r.stderr.toString().trim(), `wanco: running an ${foreign} program on this ${HOST} machine needs qemu-${foreign}-static, which is not on PATH: apt-get install qemu-user-static (a restore on a remote ${foreign} machine does not need it)`);
    });

    it('a missing piece is named with its fix, and compiling-critical ones make the exit status 1', async () => {
      const empty = mkdtempSync(join(tmpdir(), 'wanco-doctor-'));
      const r = await wanco(['doctor'], ROOT, { ...process.env, WANCO_RUNTIME_DIR: empty });
      const out = r.stdout.toString();
      assert.equal(r.status, 1, out);
      assert.match(out, new RegExp(`^MISSING runtime archive for aarch64 \\[compile\\]: runtime archive for aarch64 not found at ${join(empty, 'aarch64', 'libwrt.a').replace(/[.]/g, '\\.')}\n        fix: npm run build \\(make -C runtime\\)$`, 'm'));
      assert.match(out, /^ok {6}link inputs for x86_64/m); // the rest is still checked
      rmSync(empty, { recursive: true, force: true });
    });
  });
});
