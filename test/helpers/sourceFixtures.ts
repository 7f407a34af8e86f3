/**
 * The source-level fixtures (test-fixtures/source/<lang>/): small C, C++ and Rust programs a
 * debugger test stops in, built at test time with -g by Debian 12's toolchains (scripts/setup.sh
 * installs them) into `$WANCO_FIXTURES_CACHE` (default ~/.cache/wanco-fixtures)/<lang>-<opt>-<key>/,
 * where the key covers the sources, the command line, the compiler's `--version`, the versions of
 * the target libraries and the source directory's path (the DWARF names the sources by absolute
 * path, so two clones do not share a module). Built once, in a temporary directory renamed into
 * place (test/corpus/build.ts's buildOnce).
 *
 * Each fixture directory holds its sources and expected.txt (the program's whole stdout, the
 * same at every optimisation level). Lines that tests break at carry a `// LINE: <name>` comment;
 * tests ask `lineOf(file, name)`, never a number.
 *
 *   node out/test/helpers/sourceFixtures.js [c|cpp|rust ...]   builds (or finds) and prints each module
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { buildEnv, buildOnce, codeSectionSize, filesBelow, run, tail } from '../corpus/build';
import { packageRoot } from '../../compiler-core/src/index';

export type SourceLang = 'c' | 'cpp' | 'rust';
export const SOURCE_LANGS: readonly SourceLang[] = ['c', 'cpp', 'rust'];
/** Optimisation level; both build with full debug info. */
export type SourceOpt = 'O0' | 'O2';
export const SOURCE_OPTS: readonly SourceOpt[] = ['O0', 'O2'];

export const SOURCE_FIXTURES = join(packageRoot(), 'test-fixtures', 'source');

/** Outside the clone, like the corpus: a build survives `git clean`. */
export function sourceFixtureCache(): string {
  return process.env.WANCO_FIXTURES_CACHE || join(homedir(), '.cache', 'wanco-fixtures');
}

export interface LineMarker { file: string; name: string; line: number }

export interface SourceFixture {
  lang: SourceLang;
  opt: SourceOpt;
  /** the built module (in the cache; do not write to it) */
  wasm: string;
  /** test-fixtures/source/<lang>, absolute: the directory the DWARF names the sources in (DW_AT_comp_dir) */
  srcDir: string;
  /** the compiled files, relative to srcDir (headers not included) */
  sources: string[];
  /** what the program prints (expected.txt) */
  expectedStdout: string;
  /** the build's command line, run in srcDir */
  command: string;
  /** every `// LINE:` marker of the fixture's files */
  markers: readonly LineMarker[];
  /** the 1-based line of `// LINE: <name>` in `file` (relative to srcDir); throws when there is none */
  lineOf(file: string, name: string): number;
}

/** A build that failed: the message names the fixture, the command and the tool's output tail. */
export class SourceFixtureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceFixtureError';
    this.stack = message;
  }
}

interface Toolchain {
  /** the compiler; Rust's by absolute path, since rustup's rustc often comes first on PATH */
  compiler: string;
  /** the Debian packages the build needs (checked when the compiler does not run or the build is skipped) */
  packages: string[];
  /** the files it compiles, relative to the fixture directory */
  sources: string[];
  args(opt: SourceOpt, sources: string[], out: string): string[];
}

const TOOLCHAINS: Record<SourceLang, Toolchain> = {
  c: {
    compiler: 'clang-14',
    packages: ['clang-14', 'lld-14', 'wasi-libc', 'libclang-rt-14-dev-wasm32'],
    sources: ['main.c', 'list.c'],
    args: (opt, sources, out) => ['--target=wasm32-wasi', '-g', `-${opt}`, '-Wall', '-Wextra', '-Werror', ...sources, '-o', out],
  },
  cpp: {
    compiler: 'clang++-14',
    packages: ['clang-14', 'lld-14', 'wasi-libc', 'libclang-rt-14-dev-wasm32', 'libc++-14-dev-wasm32', 'libc++abi-14-dev-wasm32'],
    sources: ['main.cpp'],
    // Debian's libc++ for WASI is built without exceptions (Wasm exceptions are not in wasm32-wasi)
    args: (opt, sources, out) => ['--target=wasm32-wasi', '-g', `-${opt}`, '-fno-exceptions', '-Wall', '-Wextra', '-Werror', ...sources, '-o', out],
  },
  rust: {
    compiler: '/usr/bin/rustc',
    packages: ['rustc', 'libstd-rust-dev-wasm32'],
    sources: ['main.rs'],
    args: (opt, sources, out) => ['--edition', '2021', '--target', 'wasm32-wasi', '-g', '-C', `opt-level=${opt.slice(1)}`, '-D', 'warnings', ...sources, '-o', out],
  },
};

/** What identifies the toolchain of a language: the compiler's `--version` and the packages' versions. */
interface ToolchainState { id?: string; missing?: string }

const toolchainStates = new Map<SourceLang, Promise<ToolchainState>>();

function toolchainState(lang: SourceLang): Promise<ToolchainState> {
  let p = toolchainStates.get(lang);
  if (!p) {
    p = probeToolchain(lang);
    toolchainStates.set(lang, p);
  }
  return p;
}

async function probeToolchain(lang: SourceLang): Promise<ToolchainState> {
  const tc = TOOLCHAINS[lang];
  const versions = await run('dpkg-query', ['-W', '-f=${Package} ${Version} ${db:Status-Status}\\n', ...tc.packages], '/', buildEnv());
  const installed = new Set(versions.output.split('\n').filter((l) => l.endsWith(' installed')).map((l) => l.split(' ')[0]));
  const notInstalled = tc.packages.filter((p) => !installed.has(p));
  const version = await run(tc.compiler, ['--version'], '/', buildEnv());
  if (notInstalled.length || version.status !== 0) {
    const why = versions.status === null ? versions.output
      : notInstalled.length ? `Debian packages not installed: ${notInstalled.join(' ')}` : `${tc.compiler} --version failed:\n${tail(version.output, 5)}`;
    return { missing: `the ${lang} source fixtures need ${tc.compiler} for wasm32-wasi; ${why} (scripts/setup.sh installs them)` };
  }
  const pkgVersions = versions.output.split('\n').filter((l) => l.endsWith(' installed')).sort().join('\n');
  return { id: `${version.output.trim()}\n${pkgVersions}` };
}

/** Why the toolchain of `lang` cannot build its fixtures here, or undefined when it can. */
export async function toolchainMissing(lang: SourceLang): Promise<string | undefined> {
  return (await toolchainState(lang)).missing;
}

/**
 * For a test's `before` or `it`: skips (printing the reason) when the toolchain of `lang` is
 * missing; under CI=true a missing toolchain fails instead, so CI cannot pass by skipping.
 */
export async function requireToolchain(ctx: Mocha.Context, lang: SourceLang): Promise<void> {
  const missing = await toolchainMissing(lang);
  if (missing === undefined) return;
  if (process.env.CI === 'true') throw new Error(`${missing} (CI=true: a missing toolchain fails the test)`);
  console.log(`      skipped: ${missing}`);
  ctx.skip();
}

/** The `// LINE: <name>` markers of a file's text. */
export function lineMarkers(file: string, text: string): LineMarker[] {
  const out: LineMarker[] = [];
  text.split('\n').forEach((l, i) => {
    const m = /\/\/ LINE: ([\w-]+)\s*$/.exec(l);
    if (m) out.push({ file, name: m[1], line: i + 1 });
  });
  return out;
}

function sha256(parts: Array<string | Buffer>): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

const pending = new Map<string, Promise<SourceFixture>>();

/**
 * The fixture of `lang` built at `opt` with -g (once per process; from the cache when it has it).
 * Throws SourceFixtureError when the build fails or the toolchain is missing (call
 * requireToolchain first to skip instead).
 */
export function sourceFixture(lang: SourceLang, opt: SourceOpt): Promise<SourceFixture> {
  const id = `${lang}-${opt}`;
  let p = pending.get(id);
  if (!p) {
    p = buildFixture(lang, opt);
    pending.set(id, p);
  }
  return p;
}

async function buildFixture(lang: SourceLang, opt: SourceOpt): Promise<SourceFixture> {
  const tc = TOOLCHAINS[lang];
  const srcDir = join(SOURCE_FIXTURES, lang);
  const tool = await toolchainState(lang);
  if (tool.missing !== undefined) throw new SourceFixtureError(`source fixture ${lang} -${opt}: ${tool.missing}`);

  const files = filesBelow(srcDir).map((f) => relative(srcDir, f));
  const code = files.filter((f) => f !== 'expected.txt');
  const outName = `${lang}.wasm`;
  const command = [tc.compiler, ...tc.args(opt, tc.sources, outName)];
  const key = sha256([srcDir, JSON.stringify(command), tool.id!, ...code.flatMap((f) => [f, readFileSync(join(srcDir, f))])]).slice(0, 16);

  const wasm = await buildOnce(sourceFixtureCache(), `${lang}-${opt}-${key}`, outName, async (tmp) => {
    const out = join(tmp, outName);
    // run in the source directory with relative names: the DWARF then says srcDir and main.c
    const args = tc.args(opt, tc.sources, out);
    const ran = await run(tc.compiler, args, srcDir, buildEnv());
    if (ran.status !== 0) {
      throw new SourceFixtureError(`source fixture ${lang} -${opt}: build failed (in ${srcDir}: ${tc.compiler} ${args.join(' ')}: exit ${ran.status ?? 'not started'}):\n${tail(ran.output)}`);
    }
    writeFileSync(join(tmp, 'build.log'), `${command.join(' ')}\n${ran.output}`);
  });

  const markers = code.flatMap((f) => lineMarkers(f, readFileSync(join(srcDir, f), 'utf8')));
  const seen = new Set<string>();
  for (const m of markers) {
    const k = `${m.file}:${m.name}`;
    if (seen.has(k)) throw new SourceFixtureError(`source fixture ${lang}: the marker "// LINE: ${m.name}" appears twice in ${m.file}`);
    seen.add(k);
  }
  return {
    lang,
    opt,
    wasm,
    srcDir,
    sources: tc.sources,
    expectedStdout: readFileSync(join(srcDir, 'expected.txt'), 'utf8'),
    command: command.join(' '),
    markers,
    lineOf(file: string, name: string): number {
      const m = markers.find((x) => x.file === file && x.name === name);
      if (!m) {
        const names = markers.filter((x) => x.file === file).map((x) => x.name);
        throw new Error(`source fixture ${lang}: no "// LINE: ${name}" in ${file} (it has: ${names.join(', ') || 'none'})`);
      }
      return m.line;
    },
  };
}

async function main(langs: string[]): Promise<void> {
  for (const l of langs.length ? langs : SOURCE_LANGS) {
    if (!SOURCE_LANGS.includes(l as SourceLang)) throw new SourceFixtureError(`no source fixture ${l} (there are: ${SOURCE_LANGS.join(', ')})`);
    for (const opt of SOURCE_OPTS) {
      const t0 = performance.now();
      const f = await sourceFixture(l as SourceLang, opt);
      console.log(`${l} -${opt}: ${f.wasm} (${statSync(f.wasm).size} bytes, code ${codeSectionSize(f.wasm)} bytes; ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof SourceFixtureError ? e.message : e);
    process.exit(1);
  });
}
