/**
 * Runs a command as on a machine without the system's toolchain: in a private mount namespace
 * (`unshare -m`, as root) with empty directories and files bind-mounted over Debian's LLVM 14,
 * clang, lld, the gcc start files and libgcc, the aarch64 cross libc, the static glibc of the host
 * and the static zstd/zlib of both architectures. The machine itself is not changed: the mounts
 * exist only for that command and what it starts. Node, qemu and OpenSSH stay visible.
 */
import { existsSync } from 'node:fs';

/** Folders made empty. */
export const HIDDEN_DIRS = [
  '/usr/lib/llvm-14',          // opt, llc, clang, ld.lld, llvm-* (and /usr/bin's *-14 links into it)
  '/usr/lib/gcc',              // crtbegin/crtend, libgcc of the host
  '/usr/lib/gcc-cross',        // crtbegin/crtend, libgcc of aarch64
  '/usr/aarch64-linux-gnu',    // the aarch64 cross glibc
  '/usr/lib/aarch64-linux-gnu', // arm64 multiarch libzstd.a, libz.a
];
/** Files of the host's multiarch folder made empty (the shared libraries Node needs stay). */
export const HIDDEN_FILES = ['crt1.o', 'crti.o', 'crtn.o', 'libc.a', 'libm.a', 'libm-2.36.a', 'libmvec.a', 'libzstd.a', 'libz.a']
  .map((f) => `/usr/lib/x86_64-linux-gnu/${f}`);

/** Why hiding cannot work here, or undefined. */
export function cannotHide(): string | undefined {
  if (process.getuid?.() !== 0) return 'hiding the system toolchain needs root (mount namespaces with bind mounts)';
  if (!existsSync('/usr/bin/unshare')) return 'unshare (util-linux) is missing';
  return undefined;
}

/** What a test says it hid. */
export function hiddenText(): string {
  return `${HIDDEN_DIRS.join(', ')} and ${HIDDEN_FILES.map((f) => f.replace(/^.*\//, '')).join(', ')} of /usr/lib/x86_64-linux-gnu`;
}

/** `cmd args` wrapped so that it runs with the toolchain hidden; extra bind mounts as [source, target, 'ro'?]. */
export function hiddenCommand(cmd: string, args: string[], binds: [string, string, ('ro' | 'rw')?][] = []): [string, string[]] {
  const script = [
    'set -e',
    'empty_dir=$(mktemp -d) empty_file=$(mktemp)',
    `for d in ${HIDDEN_DIRS.join(' ')}; do if [ -d "$d" ]; then mount --bind "$empty_dir" "$d"; fi; done`,
    `for f in ${HIDDEN_FILES.join(' ')}; do if [ -e "$f" ]; then mount --bind "$empty_file" "$f"; fi; done`,
    ...binds.map(([src, dst, mode]) => `mount --bind '${src}' '${dst}'${mode === 'ro' ? ` && mount -o remount,bind,ro '${dst}'` : ''}`),
    'exec "$@"',
  ].join('\n');
  return ['unshare', ['-m', '--propagation', 'private', '--', 'bash', '-c', script, 'hidden', cmd, ...args]];
}
