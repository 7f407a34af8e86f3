/**
 * `wanco doctor`: what this machine has of what wanco needs, each missing piece with its fix.
 * The checks do what compiling does rather than guess from file names: the LLVM 14 tools are
 * looked up where the compiler looks (toolchain.ts), and each target's link inputs (C runtime,
 * static libc, libgcc, zstd, zlib) are proven by linking an empty program the way the compiler
 * links (`clang -static -fuse-ld=lld --target=… -lzstd -lz -lm`).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { TARGETS, type TargetName } from '../backend/targets';
import { findToolchain, runtimeArchive } from '../backend/toolchain';

export interface DoctorCheck {
  /** what is checked, e.g. "link inputs for aarch64" */
  what: string;
  ok: boolean;
  /** where it was found, or what is wrong */
  detail: string;
  /** the command or setting that fixes it */
  fix?: string;
  /** what needs it: compiling, running aarch64 programs here, or restoring on a remote machine */
  for: 'compile' | 'run aarch64 here' | 'remote restore';
}

const LINK_PACKAGES: Record<TargetName, string> = {
  x86_64: 'libc6-dev libgcc-12-dev libzstd-dev zlib1g-dev',
  aarch64: 'libc6-dev-arm64-cross libgcc-12-dev-arm64-cross libzstd-dev:arm64 zlib1g-dev:arm64 (after dpkg --add-architecture arm64)',
};

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

function run(cmd: string, args: string[]): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) => resolve({ ok: !err, output: `${stdout}${stderr}`.trim() }));
  });
}

/** Every check, in the order a user would fix them. */
export async function doctor(opts: { llvmBinDir?: string } = {}): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  let clang: string | undefined;
  try {
    const tc = findToolchain(opts.llvmBinDir);
    clang = tc.clang;
    checks.push({ what: 'LLVM 14 tools (opt, llc, clang, lld, llvm-objcopy/dis/as/extract)', ok: true, detail: `${tc.opt}, ${tc.llc}, ${tc.clang}`, for: 'compile' });
  } catch (e) {
    checks.push({
      what: 'LLVM 14 tools (opt, llc, clang, lld, llvm-objcopy/dis/as/extract)', ok: false, detail: (e as Error).message.replace(/;.*$/, ''),
      fix: 'apt-get install llvm-14 clang-14 lld-14, or point wanco.llvmBinDir / --llvm-bin-dir at them', for: 'compile',
    });
  }
  for (const target of Object.keys(TARGETS) as TargetName[]) {
    try {
      checks.push({ what: `runtime archive for ${target}`, ok: true, detail: runtimeArchive(target), for: 'compile' });
    } catch (e) {
      checks.push({ what: `runtime archive for ${target}`, ok: false, detail: (e as Error).message.replace(/;.*$/, ''), fix: 'npm run build (make -C runtime)', for: 'compile' });
    }
  }
  for (const target of Object.keys(TARGETS) as TargetName[]) {
    const what = `link inputs for ${target} (crt, static libc, libgcc, zstd, zlib)`;
    if (!clang) {
      checks.push({ what, ok: false, detail: 'not checked: clang-14 is missing', fix: 'install the LLVM 14 tools first', for: 'compile' });
      continue;
    }
    const dir = mkdtempSync(join(tmpdir(), 'wanco-doctor-'));
    try {
      writeFileSync(join(dir, 'empty.c'), 'int main(void) { return 0; }\n');
      const r = await run(clang, ['-static', '-fuse-ld=lld', `--target=${TARGETS[target].linkTriple}`, join(dir, 'empty.c'),
        '-lzstd', '-lz', '-lm', '-o', join(dir, 'empty')]);
      const missing = [...r.output.matchAll(/unable to find library (-l\w+)|cannot open (\S+)|(\S+\.h): No such file/g)].map((m) => m[1] ?? m[2] ?? m[3]);
      checks.push(r.ok
        ? { what, ok: true, detail: `an empty program links (clang --target=${TARGETS[target].linkTriple})`, for: 'compile' }
        : { what, ok: false, detail: missing.length ? `missing: ${[...new Set(missing)].join(', ')}` : r.output.split('\n').slice(-3).join(' '), fix: `apt-get install ${LINK_PACKAGES[target]}`, for: 'compile' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const qemu = onPath('qemu-aarch64-static');
  checks.push(process.arch === 'arm64'
    ? { what: 'aarch64 programs run natively', ok: true, detail: 'this machine is aarch64', for: 'run aarch64 here' }
    : qemu ? { what: 'qemu-aarch64-static (aarch64 programs on this machine)', ok: true, detail: qemu, for: 'run aarch64 here' }
      : { what: 'qemu-aarch64-static (aarch64 programs on this machine)', ok: false, detail: 'not on PATH', fix: 'apt-get install qemu-user-static', for: 'run aarch64 here' });
  for (const tool of ['ssh', 'scp']) {
    const p = onPath(tool);
    checks.push(p ? { what: `${tool} (OpenSSH client)`, ok: true, detail: p, for: 'remote restore' }
      : { what: `${tool} (OpenSSH client)`, ok: false, detail: 'not on PATH', fix: 'apt-get install openssh-client', for: 'remote restore' });
  }
  return checks;
}

/** The checks as lines: `ok`/`MISSING`, what, where or why, and the fix. */
export function doctorText(checks: DoctorCheck[]): string {
  return checks.map((c) => `${c.ok ? 'ok     ' : 'MISSING'} ${c.what} [${c.for}]: ${c.detail}${c.fix ? `\n        fix: ${c.fix}` : ''}`).join('\n');
}
