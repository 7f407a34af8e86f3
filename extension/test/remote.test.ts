/**
 * `wanco restore --remote` against a real OpenSSH server (Debian's sshd on 127.0.0.1, temporary
 * host key and authorized key), the "aarch64 machine" being this host with the runner
 * qemu-aarch64-static. A program is checkpointed here on x86_64 and restored "remotely"; its
 * output continues where it stopped, the exit status is the remote program's. Failure cases:
 * unreachable host, failed authentication, missing runner, wrong architecture, a full disk,
 * a cancelled transfer; the local snapshot is never deleted.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileFor, copyDir, dirContents, fixtureModule, runElf, workDir } from '../../test/helpers/cr-chain';
import { spawnCapture, WANCO } from '../../test/helpers/oracle';
import { parseRemote, remoteRestore, shq } from '../../compiler-core/src/index';
import { freePort, SSHD, startSshd, type TestSshd } from './helpers/sshd';

const HAVE = existsSync(SSHD) && existsSync('/usr/bin/qemu-aarch64-static') && arch() === 'x64';

describe('wanco restore --remote (real sshd, qemu-aarch64-static runner)', function () {
  this.timeout(600_000);
  let sshd: TestSshd;
  let dir: string;
  let remoteDir: string;
  let loops: { module: string; snap: string; expected: string; before: string };
  const base = () => ['--remote', `${sshd.user}@127.0.0.1:${sshd.port}`, '--identity', sshd.key,
    ...sshd.sshOptions.flatMap((o) => ['--ssh-option', o]), '--remote-dir', remoteDir];
  const wanco = (args: string[]) => spawnCapture(process.execPath, [WANCO, ...args], { cwd: dir, timeoutMs: 300_000 });

  before(async function () {
    if (!HAVE) {
      const why = `it needs ${SSHD} (openssh-server), /usr/bin/qemu-aarch64-static and an x86_64 host`;
      if (process.env.CI === 'true') throw new Error(`CI=true: the remote restore tests must run, but ${why}`);
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    sshd = await startSshd();
    dir = mkdtempSync(join(tmpdir(), 'wanco-remote-'));
    remoteDir = join(dir, 'remote');
    const module = fixtureModule('cr/loops.wat');
    const exe = compileFor(module, 'x86_64');
    const full = await runElf(exe, 'x86_64', [], dir);
    assert.equal(full.code, 0);
    const snap = join(dir, 'loops.wsnap');
    const r = await runElf(exe, 'x86_64', ['--snapshot', snap], dir, Math.max(20, Math.round(full.ms * 0.4)));
    assert.match(r.stderr, /checkpoint written/, r.stderr);
    loops = { module, snap, expected: full.stdout.toString(), before: r.stdout.toString() };
  });
  after(async () => {
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('parses user@host[:port] and quotes for the remote shell', () => {
    assert.deepEqual(parseRemote('pi@rpi.local:2222'), { user: 'pi', host: 'rpi.local', port: 2222 });
    assert.deepEqual(parseRemote('box'), { user: undefined, host: 'box', port: undefined });
    assert.deepEqual(parseRemote('u@[::1]:22'), { user: 'u', host: '::1', port: 22 });
    assert.throws(() => parseRemote('a@b:99999'), /port/);
    assert.equal(shq("it's"), `'it'\\''s'`);
    assert.equal(shq('~/a b'), `~/'a b'`);
  });

  it('restores a snapshot taken here on the remote: output continues, exit status passes through', async () => {
    const r = await wanco(['restore', ...base(), '--runner', 'qemu-aarch64-static', '--module', loops.module, loops.snap]);
    assert.equal(r.status, 0, r.stderr.toString());
    assert.equal(loops.before + r.stdout.toString(), loops.expected);
    assert.match(r.stderr.toString(), /checking .*\n.*compiling .*\n.*copying /);
    assert.ok(existsSync(loops.snap), 'the local snapshot is kept');
    // second time: the ELF is already there (only the snapshot is copied)
    const again = await wanco(['restore', ...base(), '--runner', 'qemu-aarch64-static', '--module', loops.module, loops.snap]);
    assert.equal(again.status, 0);
    // (unless the compiler was rebuilt in between, which changes the cache key and so the name)
    const elf = (t: string) => /copying (\S+-aarch64) /.exec(t)?.[1];
    if (elf(again.stderr.toString()) !== undefined) assert.notEqual(elf(again.stderr.toString()), elf(r.stderr.toString()), again.stderr.toString());
    assert.match(again.stderr.toString(), /copying loops\.wsnap/);
  });

  it('copies the files the snapshot has open and maps its preopens (fileio)', async function () {
    const p = { name: 'fileio', source: 'cr/fileio.c', args: ['/data/in.bin', '/data/out.txt'],
      files: { 'in.bin': Buffer.from(Array.from({ length: 600000 }, (_, i) => (i * 2654435761) >>> 24)) } };
    const module = fixtureModule(p.source);
    const exe = compileFor(module, 'x86_64');
    const w = workDir(p);
    const ref = copyDir(w);
    const dirArgs = (d: string) => ['--dir', `${join(d, 'data')}::/data`];
    const full = await runElf(exe, 'x86_64', [...dirArgs(ref), '--', ...p.args], ref);
    assert.equal(full.code, 0, full.stderr);
    const work = copyDir(w);
    const snap = join(work, 'fileio.wsnap');
    let r = await runElf(exe, 'x86_64', [...dirArgs(work), '--snapshot', snap, '--', ...p.args], work, Math.max(5, Math.round(full.ms * 0.3)));
    if (!/checkpoint written/.test(r.stderr)) {
      console.log('      skipped: the program ended before its checkpoint signal (a machine this fast needs a longer run)');
      this.skip();
    }
    const res = await remoteRestore({ remote: { user: sshd.user, host: '127.0.0.1', port: sshd.port }, identity: sshd.key,
      sshOptions: sshd.sshOptions, remoteDir, runner: 'qemu-aarch64-static', module, snapshot: snap },
    { stdout: (d) => { r = { ...r, stdout: Buffer.concat([r.stdout, d]) }; } });
    assert.equal(res.exitCode, 0);
    assert.equal(r.stdout.toString(), full.stdout.toString());
    const remoteData = join(res.remoteRunDir, 'dir3');
    assert.deepEqual(dirContents(remoteData).get('out.txt'), dirContents(join(ref, 'data')).get('out.txt'));
  });

  it('a remote program failure: its exit status and stderr come back', async () => {
    // a snapshot of another module: the runtime refuses it with exit 2... but we check locally first
    const other = join(dir, 'other.wat');
    writeFileSync(other, '(module (func (export "_start")))');
    const r = await wanco(['restore', ...base(), '--runner', 'qemu-aarch64-static', '--module', other, loops.snap]);
    assert.equal(r.status, 1);
    assert.match(r.stderr.toString(), /taken from another module/);
    // a corrupted copy on the remote side is reported by the remote program (exit 2)
    const bad = join(dir, 'bad.wsnap');
    const bytes = readFileSync(loops.snap);
    bytes[bytes.length - 10] ^= 0xff;
    writeFileSync(bad, bytes);
    const rb = await wanco(['restore', ...base(), '--runner', 'qemu-aarch64-static', '--module', loops.module, bad]);
    assert.notEqual(rb.status, 0);
  });

  it('unreachable host: says so and what to check', async () => {
    const port = await freePort();
    const r = await wanco(['restore', '--remote', `${sshd.user}@127.0.0.1:${port}`, '--identity', sshd.key,
      ...sshd.sshOptions.flatMap((o) => ['--ssh-option', o]), '--runner', 'qemu-aarch64-static', '--module', loops.module, loops.snap]);
    assert.equal(r.status, 1);
    assert.match(r.stderr.toString(), /host unreachable \(.*Connection refused.*\)\. Check that the machine is up, that sshd listens on port \d+/);
    assert.ok(existsSync(loops.snap));
  });

  it('failed authentication: names the key settings, no password prompt', async () => {
    const r = await wanco(['restore', '--remote', `${sshd.user}@127.0.0.1:${sshd.port}`, '--identity', sshd.wrongKey,
      ...sshd.sshOptions.flatMap((o) => ['--ssh-option', o]), '--runner', 'qemu-aarch64-static', '--module', loops.module, loops.snap]);
    assert.equal(r.status, 1);
    assert.match(r.stderr.toString(), /authentication failed \(.*Permission denied.*\)\. .*--identity\/wanco\.remote\.identityFile/);
    assert.ok(existsSync(loops.snap));
  });

  it('missing runner: says what to install', async () => {
    const r = await wanco(['restore', ...base(), '--runner', 'qemu-nonexistent-static', '--module', loops.module, loops.snap]);
    assert.equal(r.status, 1);
    assert.match(r.stderr.toString(), /runner `qemu-nonexistent-static` not found on the remote host\. Install it there \(Debian: apt-get install qemu-user-static\)/);
  });

  it('no runner and the remote is not aarch64: says so', async () => {
    const r = await wanco(['restore', ...base(), '--module', loops.module, loops.snap]);
    assert.equal(r.status, 1);
    assert.match(r.stderr.toString(), /remote machine is x86_64, not aarch64\. .*--runner qemu-aarch64-static/);
  });

  it('a full disk: says how much is free and needed; the local snapshot is kept', async function () {
    const small = join(dir, 'small');
    mkdirSync(small);
    try { execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', small], { stdio: 'ignore' }); } catch {
      console.log('      skipped: cannot mount a 64 KiB tmpfs to fill (needs root)');
      this.skip();
    }
    try {
      const r = await wanco(['restore', ...base().slice(0, -1), small, '--runner', 'qemu-aarch64-static', '--module', loops.module, loops.snap]);
      assert.equal(r.status, 1);
      assert.match(r.stderr.toString(), /not enough disk space in .* \(\d+ KiB free, \d+ KiB needed\)\. Free space there or choose another --remote-dir/);
      assert.ok(existsSync(loops.snap));
    } finally {
      execFileSync('umount', [small]);
    }
  });

  it('a cancelled transfer: clear message, no partial files left, local snapshot kept', async () => {
    const cancelDir = join(dir, 'cancel');
    const ac = new AbortController();
    const steps: string[] = [];
    const p = remoteRestore({ remote: { user: sshd.user, host: '127.0.0.1', port: sshd.port }, identity: sshd.key,
      sshOptions: sshd.sshOptions, remoteDir: cancelDir, runner: 'qemu-aarch64-static', module: loops.module, snapshot: loops.snap },
    { signal: ac.signal, progress: (m) => { steps.push(m); if (m.startsWith('copying')) ac.abort(); } });
    await assert.rejects(p, /transfer to .* cancelled; the local snapshot .* is kept, partial remote files removed/);
    assert.ok(existsSync(loops.snap));
    const left = execFileSync('find', [cancelDir, '-name', '*.part'], { encoding: 'utf8' });
    assert.equal(left, '');
  });
});
