/**
 * Build step of the bundled toolchain (scripts/build-toolchain.sh runs it with the toolchain's
 * folder): copies each target's link inputs out of Debian's packages and writes the link line
 * that uses them (bundled-toolchain.ts's layout). Which files and which flags is asked of
 * clang-14's own driver (`clang -###` on the link line a build with the system's LLVM runs,
 * toolchain.ts's systemLinkArgs), so both toolchains link the same inputs the same way.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { LINK_DIR, LINK_INPUTS, LINK_MANIFEST, LINK_OUTPUT, type LinkManifest } from './bundled-toolchain';
import { TARGETS, type TargetName } from './targets';
import { DEBIAN_LLVM_BIN_DIR, systemLinkArgs } from './toolchain';

/** The arguments of the last command `clang -###` printed (each in double quotes). */
function driverCommand(stderr: string): string[] {
  const line = stderr.trim().split('\n').pop() ?? '';
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1].replace(/\\(.)/g, '$1'));
}

/** The files a GNU ld script's GROUP/INPUT names (Debian's libm.a is one). */
function scriptInputs(text: string, file: string): string[] {
  const body = text.replace(/\/\*[\s\S]*?\*\//g, '');
  const files = [...body.matchAll(/\b(?:GROUP|INPUT)\s*\(([^)]*)\)/g)].flatMap((m) => m[1].trim().split(/\s+/));
  if (files.length === 0 || files.some((f) => !f.startsWith('/'))) throw new Error(`${file}: a linker script this build does not understand`);
  return files;
}

const isArchiveOrElf = (file: string): boolean => {
  const head = readFileSync(file).subarray(0, 8);
  return head.toString('latin1') === '!<arch>\n' || head.subarray(0, 4).toString('latin1') === '\x7fELF';
};

/** The target's link line, every file it names copied into `into` (named `{dir}/file` in the line). */
export function gatherLinkInputs(clang: string, target: TargetName, into: string): string[] {
  const scratch = mkdtempSync(join(tmpdir(), 'wanco-gather-'));
  try {
    mkdirSync(into, { recursive: true });
    const inputs = join(scratch, 'INPUTS.o');
    const output = join(scratch, 'OUTPUT');
    writeFileSync(inputs, '');
    const r = spawnSync(clang, ['-###', ...systemLinkArgs(target, [inputs], output)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${clang} -### for ${target} failed: ${r.stderr || r.error?.message}`);
    const [linker, ...args] = driverCommand(r.stderr);
    if (!linker || !/ld\.lld/.test(basename(linker))) throw new Error(`${clang} -### for ${target}: no ld.lld command in:\n${r.stderr}`);

    const copied = new Map<string, string>();
    const bundle = (file: string): string => {
      const name = basename(file);
      const previous = copied.get(name);
      if (previous !== undefined && previous !== file) throw new Error(`two link inputs named ${name}: ${previous} and ${file}`);
      if (previous === undefined) {
        copyFileSync(file, join(into, name));
        copied.set(name, file);
      }
      return `${LINK_DIR}${name}`;
    };
    const searchDirs = args.filter((a) => a.startsWith('-L')).map((a) => a.slice(2));
    const library = (name: string): string => {
      for (const d of searchDirs) {
        const f = join(d, `lib${name}.a`);
        if (existsSync(f)) return f;
      }
      throw new Error(`${target}: -l${name}: no lib${name}.a in ${searchDirs.join(', ')}`);
    };
    const line: string[] = [];
    let inGroup = false;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === inputs) line.push(LINK_INPUTS);
      else if (a === '-o') { line.push('-o', LINK_OUTPUT); i++; }
      else if (a.startsWith('-L')) continue;
      else if (a.startsWith('-l')) {
        const file = library(a.slice(2));
        if (isArchiveOrElf(file)) { line.push(bundle(file)); continue; }
        // a linker script: its files, resolved together like its GROUP (inside a group already: as they are)
        const files = scriptInputs(readFileSync(file, 'utf8'), file).map(bundle);
        line.push(...(inGroup ? files : ['--start-group', ...files, '--end-group']));
      } else if (a.startsWith('/')) line.push(bundle(a));
      else {
        if (a === '--start-group') inGroup = true;
        if (a === '--end-group') inGroup = false;
        line.push(a);
      }
    }
    if (!line.includes(LINK_INPUTS) || !line.includes(LINK_OUTPUT)) throw new Error(`${target}: the link line lost its inputs or output: ${line.join(' ')}`);
    return line;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function glibcVersion(): string {
  const r = spawnSync('getconf', ['GNU_LIBC_VERSION'], { encoding: 'utf8' });
  const m = /glibc\s+(\S+)/.exec(r.stdout ?? '');
  if (!m) throw new Error(`getconf GNU_LIBC_VERSION: ${r.stdout || r.stderr}`);
  return m[1];
}

function main(dir: string | undefined): void {
  if (!dir) throw new Error('usage: node gather-toolchain.js TOOLCHAIN_DIR');
  const clang = [join(DEBIAN_LLVM_BIN_DIR, 'clang'), '/usr/bin/clang-14'].find(existsSync);
  if (!clang) throw new Error('clang-14 is needed to gather the link inputs (apt-get install clang-14)');
  const targets = {} as Record<TargetName, string[]>;
  for (const t of Object.keys(TARGETS) as TargetName[]) targets[t] = gatherLinkInputs(clang, t, join(dir, t));
  const manifest: LinkManifest = { format: 1, glibc: glibcVersion(), targets };
  writeFileSync(join(dir, LINK_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

try {
  main(process.argv[2]);
} catch (e) {
  console.error(`gather-toolchain: ${(e as Error).message}`);
  process.exit(1);
}
