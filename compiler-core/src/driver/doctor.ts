/**
 * `wanco doctor`: what this machine has of what wanco needs, each missing piece with its fix.
 * The checks do what compiling does rather than guess from file names: the toolchain is the one
 * a build would use (toolchain.ts: bundled, or the system's LLVM 14 the user points at), and each
 * target's link inputs are proven by linking an empty program with it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TARGETS, type TargetName } from '../backend/targets';
import { findToolchain, runtimeArchive, toolArgv, type Toolchain } from '../backend/toolchain';
import { onPath, QEMU_FIX } from './runner';

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

const SYSTEM_FIX = 'apt-get install llvm-14 clang-14 lld-14, or point wanco.llvmBinDir / --llvm-bin-dir at them';
/** a bundled toolchain that does not work: the package is damaged */
const REBUILD = 'reinstall the extension (in a checkout: bash scripts/build-toolchain.sh)';

function run(cmd: string, args: string[]): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) => resolve({ ok: !err, output: `${stdout}${stderr}`.trim() }));
  });
}

/** Every check, in the order a user would fix them. */
export async function doctor(opts: { llvmBinDir?: string } = {}): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const what = 'LLVM 14 toolchain (opt, llc, lld)';
  let tc: Toolchain | undefined;
  try {
    tc = findToolchain(opts.llvmBinDir);
    const r = await run(...toolArgv(tc.llc, ['--version']));
    checks.push(r.ok
      ? { what, ok: true, detail: tc.origin, for: 'compile' }
      : { what, ok: false, detail: `${tc.origin}: llc does not run: ${r.output.split('\n')[0]}`, fix: tc.bundled ? REBUILD : SYSTEM_FIX, for: 'compile' });
  } catch (e) {
    checks.push({ what, ok: false, detail: (e as Error).message.replace(/;.*$/, ''), fix: SYSTEM_FIX, for: 'compile' });
  }
  for (const target of Object.keys(TARGETS) as TargetName[]) {
    try {
      checks.push({ what: `runtime archive for ${target}`, ok: true, detail: runtimeArchive(target), for: 'compile' });
    } catch (e) {
      checks.push({ what: `runtime archive for ${target}`, ok: false, detail: (e as Error).message.replace(/;.*$/, ''), fix: 'npm run build (make -C runtime)', for: 'compile' });
    }
  }
  for (const target of Object.keys(TARGETS) as TargetName[]) checks.push(await linkCheck(tc, target));
  const qemu = onPath('qemu-aarch64-static');
  checks.push(process.arch === 'arm64'
    ? { what: 'aarch64 programs run natively', ok: true, detail: 'this machine is aarch64', for: 'run aarch64 here' }
    : qemu ? { what: 'qemu-aarch64-static (aarch64 programs on this machine)', ok: true, detail: qemu, for: 'run aarch64 here' }
      : { what: 'qemu-aarch64-static (aarch64 programs on this machine)', ok: false, detail: 'not on PATH', fix: QEMU_FIX, for: 'run aarch64 here' });
  for (const tool of ['ssh', 'scp']) {
    const p = onPath(tool);
    checks.push(p ? { what: `${tool} (OpenSSH client)`, ok: true, detail: p, for: 'remote restore' }
      : { what: `${tool} (OpenSSH client)`, ok: false, detail: 'not on PATH', fix: 'apt-get install openssh-client', for: 'remote restore' });
  }
  return checks;
}

/**
 * Each target's link inputs (C runtime, static libc, libgcc, zstd, zlib), proven by linking an
 * empty program the way a build links: llc makes its object, the toolchain's link line the ELF.
 */
async function linkCheck(tc: Toolchain | undefined, target: TargetName): Promise<DoctorCheck> {
  const what = `link inputs for ${target} (crt, static libc, libgcc, zstd, zlib)`;
  if (!tc) return { what, ok: false, detail: 'not checked: the LLVM 14 toolchain is missing', fix: 'install the toolchain first', for: 'compile' };
  const dir = mkdtempSync(join(tmpdir(), 'wanco-doctor-'));
  try {
    const t = TARGETS[target];
    writeFileSync(join(dir, 'empty.ll'), `target datalayout = "${t.dataLayout}"\ntarget triple = "${t.triple}"\ndefine i32 @main() {\n  ret i32 0\n}\n`);
    const obj = await run(...toolArgv(tc.llc, ['-filetype=obj', join(dir, 'empty.ll'), '-o', join(dir, 'empty.o')]));
    if (!obj.ok) return { what, ok: false, detail: `llc cannot make an object for ${target}: ${obj.output.split('\n')[0]}`, fix: tc.bundled ? REBUILD : SYSTEM_FIX, for: 'compile' };
    const r = await run(...toolArgv(tc.linker, tc.linkArgs(target, [join(dir, 'empty.o')], join(dir, 'empty'))));
    if (r.ok) return { what, ok: true, detail: `an empty program links (${tc.bundled ? `${tc.origin}, ${target}/` : `clang --target=${t.linkTriple}`})`, for: 'compile' };
    const missing = [...r.output.matchAll(/unable to find library (-l\w+)|cannot open (\S+)|(\S+\.h): No such file/g)].map((m) => m[1] ?? m[2] ?? m[3]);
    return {
      what, ok: false, detail: missing.length ? `missing: ${[...new Set(missing)].join(', ')}` : r.output.split('\n').slice(-3).join(' '),
      fix: tc.bundled ? REBUILD : `apt-get install ${LINK_PACKAGES[target]}`, for: 'compile',
    };
  } catch (e) {
    return { what, ok: false, detail: (e as Error).message, fix: tc.bundled ? REBUILD : SYSTEM_FIX, for: 'compile' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The checks as lines: `ok`/`MISSING`, what, where or why, and the fix. */
export function doctorText(checks: DoctorCheck[]): string {
  return checks.map((c) => `${c.ok ? 'ok     ' : 'MISSING'} ${c.what} [${c.for}]: ${c.detail}${c.fix ? `\n        fix: ${c.fix}` : ''}`).join('\n');
}
