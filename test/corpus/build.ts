/**
 * Builds a corpus program (test/corpus/programs/) from its Debian source package into
 * `$WANCO_CORPUS_CACHE` (default ~/.cache/wanco-corpus)/<name>-<key>/<name>.wasm, where the key
 * covers the recipe, its fixtures, the source package's version and the toolchain. Built once:
 * in a temporary directory renamed into place, so an interrupted or concurrent build never
 * leaves a half-built module. A failure names the program, the step and the tool's stderr tail.
 *
 *   node out/test/corpus/build.js [NAME...]    builds (or finds) and prints each module's path
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { BuildStep, Recipe } from './recipe';
import { CORPUS_FIXTURES, RECIPE_SOURCES, corpusCache } from './paths';
import { RECIPES } from './programs/index';

/** A build failure: its message is the whole report (no stack trace is worth showing). */
export class CorpusBuildError extends Error {
  /** `unavailable`: the machine cannot fetch the source (no deb-src entry, no network), not a broken build */
  constructor(message: string, readonly unavailable = false) {
    super(message);
    this.name = 'CorpusBuildError';
    this.stack = message;
  }
}

export interface Ran { status: number | null; output: string }

/** PATH without node_modules: clang-14 would run binaryen's wasm-opt on its output under npm. */
export function buildEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const path = (process.env.PATH ?? '/usr/bin:/bin').split(':').filter((d) => !d.includes('node_modules')).join(':');
  return { ...process.env, PATH: path, LC_ALL: 'C', ...extra };
}

/** Runs a tool to its end: its exit status and its stdout and stderr interleaved. */
export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => chunks.push(d));
    child.on('error', (e) => resolve({ status: null, output: `cannot run ${cmd}: ${e.message}` }));
    child.on('close', (status) => resolve({ status, output: Buffer.concat(chunks).toString() }));
  });
}

/** The last lines of a tool's output, indented, for an error message. */
export function tail(text: string, lines = 25): string {
  return text.trimEnd().split('\n').slice(-lines).map((l) => `    ${l}`).join('\n');
}

async function must(r: Recipe, what: string, cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const ran = await run(cmd, args, cwd, env);
  if (ran.status !== 0) {
    throw new CorpusBuildError(`corpus program ${r.name}: step "${what}" failed (${cmd} ${args.join(' ')}: exit ${ran.status ?? 'not started'}):\n${tail(ran.output)}`,
      cmd === 'apt-get');
  }
  return ran.output;
}

/** The version apt would fetch: its .dsc name and checksum (`apt-get source --print-uris`). */
async function sourceVersion(r: Recipe): Promise<string> {
  const out = await must(r, 'apt-get source --print-uris', 'apt-get', ['source', '--print-uris', '--only-source', '-qq', r.sourcePackage], '/', buildEnv());
  const dsc = out.split('\n').find((l) => /\.dsc' /.test(l));
  if (!dsc) {
    throw new CorpusBuildError(`corpus program ${r.name}: no source package ${r.sourcePackage} in apt's lists (deb-src entries come from scripts/setup.sh; then apt-get update):\n${tail(out)}`, true);
  }
  const [, name, , sum] = dsc.split(' ');
  return `${name} ${sum}`;
}

/** Every file under `dir`, sorted (none when it does not exist). */
export function filesBelow(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesBelow(join(dir, e.name)) : [join(dir, e.name)])).sort();
}

let toolchain: string | undefined;
async function toolchainId(r: Recipe): Promise<string> {
  if (toolchain === undefined) {
    const clang = await must(r, 'clang-14 --version', 'clang-14', ['--version'], '/', buildEnv());
    const libc = await must(r, 'dpkg-query wasi-libc', 'dpkg-query', ['-W', '-f=${Version}', 'wasi-libc'], '/', buildEnv());
    toolchain = `${clang.split('\n')[0]} wasi-libc ${libc}`;
  }
  return toolchain;
}

/** The cache key: the recipe's source, every fixture it can use, the source version, the toolchain. */
async function cacheKey(r: Recipe): Promise<string> {
  const h = createHash('sha256');
  h.update(await sourceVersion(r)).update('\0').update(await toolchainId(r)).update('\0');
  h.update(JSON.stringify({ ...r, files: undefined }));
  const inputs = [join(RECIPE_SOURCES, `${r.name}.ts`), join(__dirname, 'recipe.js'), ...filesBelow(join(CORPUS_FIXTURES, r.name)), ...filesBelow(join(CORPUS_FIXTURES, 'common'))];
  for (const f of inputs) h.update(basename(f)).update('\0').update(existsSync(f) ? readFileSync(f) : 'missing').update('\0');
  return h.digest('hex').slice(0, 16);
}

/** A build step's arguments with the recipe's placeholders filled in. */
export function substitute(args: string[], out: string): string[] {
  return args.map((a) => a.replaceAll('{fixtures}', CORPUS_FIXTURES).replaceAll('{out}', out));
}

/** Fetches the recipe's Debian source package into `fetchDir` (created): the unpacked tree. */
export async function fetchSource(r: Recipe, fetchDir: string): Promise<string> {
  mkdirSync(fetchDir);
  await must(r, 'apt-get source', 'apt-get', ['source', '--only-source', '-qq', r.sourcePackage], fetchDir, buildEnv());
  const trees = readdirSync(fetchDir, { withFileTypes: true }).filter((e) => e.isDirectory());
  if (trees.length !== 1) throw new CorpusBuildError(`corpus program ${r.name}: apt-get source unpacked ${trees.length} directories, expected one`);
  return join(fetchDir, trees[0].name);
}

async function buildInto(r: Recipe, tmp: string): Promise<void> {
  const fetchDir = join(tmp, 'src');
  const src = await fetchSource(r, fetchDir);
  for (const e of r.edits ?? []) {
    const file = join(src, e.file);
    const text = readFileSync(file, 'utf8');
    if (!text.includes(e.from)) throw new CorpusBuildError(`corpus program ${r.name}: step "edit ${e.file}" failed: "${e.from}" is not in the source (a new version of ${r.sourcePackage}?)`);
    writeFileSync(file, text.replace(e.from, e.to));
  }
  const out = join(tmp, `${r.name}.wasm`);
  const log: string[] = [];
  for (const step of r.steps) {
    const cwd = join(src, step.cwd ?? '.');
    mkdirSync(cwd, { recursive: true });
    log.push(`== ${step.what}: ${stepLine(step, out)}`, await must(r, step.what, step.cmd, substitute(step.args, out), cwd, buildEnv(step.env)));
  }
  if (!existsSync(out)) throw new CorpusBuildError(`corpus program ${r.name}: the build steps did not write the module`);
  writeFileSync(join(tmp, 'build.log'), log.join('\n'));
  rmSync(fetchDir, { recursive: true, force: true });
}

function stepLine(step: BuildStep, out: string): string {
  return [step.cmd, ...substitute(step.args, out)].join(' ');
}

const pending = new Map<string, Promise<string>>();

/** The module of a corpus program, built when the cache has none. */
export function corpusModule(r: Recipe): Promise<string> {
  let p = pending.get(r.name);
  if (!p) {
    p = buildCached(r);
    pending.set(r.name, p);
  }
  return p;
}

async function buildCached(r: Recipe): Promise<string> {
  return buildOnce(corpusCache(), `${r.name}-${await cacheKey(r)}`, `${r.name}.wasm`, (tmp) => buildInto(r, tmp));
}

/**
 * `cache/dirName/file`, built by `build` when missing: into a temporary directory of `cache`
 * renamed into place, so an interrupted or concurrent build never leaves a half-built one.
 */
export async function buildOnce(cache: string, dirName: string, file: string, build: (tmp: string) => Promise<void>): Promise<string> {
  const dir = join(cache, dirName);
  const out = join(dir, file);
  if (existsSync(out)) return out;
  mkdirSync(cache, { recursive: true });
  const tmp = mkdtempSync(join(cache, `.build-${dirName}-`));
  try {
    await build(tmp);
    try {
      renameSync(tmp, dir);
    } catch (e) {
      // another process finished the same build first: its output is as good as ours
      if (!existsSync(out)) throw e;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return out;
}

/** The size of a module's code section, in bytes. */
export function codeSectionSize(wasm: string): number {
  const b = readFileSync(wasm);
  let i = 8;
  const leb = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const byte = b[i++];
      v += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(byte & 0x80)) return v;
    }
  };
  while (i < b.length) {
    const id = b[i++];
    const len = leb();
    if (id === 10) return len;
    i += len;
  }
  return 0;
}

async function main(names: string[]): Promise<void> {
  const chosen = names.length ? names.map((n) => {
    const r = RECIPES.find((x) => x.name === n);
    if (!r) throw new CorpusBuildError(`no corpus program ${n} (there are: ${RECIPES.map((x) => x.name).join(', ')})`);
    return r;
  }) : RECIPES;
  for (const r of chosen) {
    const t0 = performance.now();
    const wasm = await corpusModule(r);
    const st = statSync(wasm);
    console.log(`${r.name}: ${wasm} (${st.size} bytes, code ${codeSectionSize(wasm)} bytes; ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof CorpusBuildError ? e.message : e);
    process.exit(1);
  });
}
