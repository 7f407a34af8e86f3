/**
 * The oracle harness of the end-to-end tests.
 *
 * A test case names a fixture (test-fixtures/wat/*.wat or test-fixtures/c/*.c)
 * and how to run it (arguments, environment, the initial contents of a
 * directory preopened as /sandbox). The fixture is built to .wasm (wat2wasm or
 * clang-14 --target=wasm32-wasi, cached under out/fixtures/), run with Node's
 * own WebAssembly engine and `node:wasi` in a child process (the reference),
 * compiled with `bin/wanco compile` for each target (cached under
 * out/e2e-cache/ by content hash of the module and of the compiler build) and
 * run natively (aarch64 under qemu-aarch64-static) with the same arguments,
 * environment and a fresh copy of the same directory. The test files compare
 * what a user sees: stdout, stderr, exit status, and the files left behind.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, renameSync,
  rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { arch, cpus, tmpdir } from 'node:os';
import { basename, dirname, extname, join, relative } from 'node:path';
import { packageRoot } from '../../compiler-core/src/index';

export const ROOT = packageRoot();
export const FIXTURES = join(ROOT, 'test-fixtures');
export const WANCO = join(ROOT, 'bin', 'wanco');
const NODE_CHILD = join(__dirname, 'node-wasi-child.js');

export type Target = 'x86_64' | 'aarch64';
export const TARGETS: Target[] = ['x86_64', 'aarch64'];
export const HOST: Target = arch() === 'arm64' ? 'aarch64' : 'x86_64';
/** Where the preopened directory appears inside the guest. */
export const GUEST_DIR = '/sandbox';

/** The reasons the runtime prints after `wasm trap: ` (runtime/src/trap.c). */
export type TrapReason =
  | 'unreachable' | 'integer divide by zero' | 'integer overflow' | 'invalid conversion to integer'
  | 'out of bounds memory access' | 'out of bounds table access' | 'undefined element'
  | 'uninitialized element' | 'indirect call type mismatch' | 'call stack exhausted' | 'null reference';

/**
 * V8's trap messages and the reasons they can stand for. V8 is coarser than
 * the spec's trap kinds in two places: "table index is out of bounds" is both
 * a table.get/set past the end and a call_indirect past the end, and "null
 * function or function signature mismatch" is both a null entry and a type
 * mismatch; a case's `trap` says which one it is.
 */
const V8_TRAPS: Array<[RegExp, TrapReason[]]> = [
  [/^unreachable$/, ['unreachable']],
  [/^(divide|remainder) by zero$/, ['integer divide by zero']],
  [/^divide result unrepresentable$/, ['integer overflow']],
  [/^float unrepresentable in integer range$/, ['invalid conversion to integer']],
  [/^memory access out of bounds$/, ['out of bounds memory access']],
  [/^(table index is out of bounds|table access out of bounds)$/, ['out of bounds table access', 'undefined element']],
  [/^null function or function signature mismatch$/, ['uninitialized element', 'indirect call type mismatch']],
  [/^Maximum call stack size exceeded$/, ['call stack exhausted']],
  [/null/, ['null reference']],
];

export function reasonsForV8Message(message: string): TrapReason[] {
  for (const [re, reasons] of V8_TRAPS) if (re.test(message)) return reasons;
  return [];
}

export interface DirSpec {
  /** relative path -> contents */
  files?: Record<string, string | Buffer>;
  /** relative path -> link target (as written, may point outside) */
  symlinks?: Record<string, string>;
  dirs?: string[];
}

export interface Case {
  /** unique; the test title and the executable's name (the guest's argv[0]) */
  name: string;
  /** relative to test-fixtures/ */
  source: string;
  /** optimise the built module with binaryen's wasm-opt and these flags */
  wasmOpt?: string[];
  args?: string[];
  env?: Record<string, string>;
  /** the directory preopened as /sandbox (none when absent) */
  dir?: DirSpec;
  /** files placed beside the preopened directory, outside the sandbox */
  outside?: Record<string, string>;
  /** the trap the program ends with (checked against Node's, then required of wanco) */
  trap?: TrapReason;
  /** expected exit status when it does not trap (default 0) */
  exit?: number;
  /** text Node's run must contain: keeps the fixture honest */
  stdoutIncludes?: string[];
  stderrIncludes?: string[];
  /**
   * Where Node's WASI is known to behave wrongly for this case: what its output
   * shows (checked, so a fix in Node is noticed) and why.
   */
  nodeQuirk?: { note: string; stdoutIncludes: string[] };
  /**
   * What wanco must print instead of Node's output (with nodeQuirk): stdout,
   * empty stderr, exit status `exit` (default 0), and the run directory left
   * as it was made ('unchanged').
   */
  expected?: { stdout: string; files: 'unchanged' };
}

export interface RunResult {
  stdout: Buffer;
  stderr: Buffer;
  /** exit status, or null when killed by a signal */
  status: number | null;
  signal: NodeJS.Signals | null;
  /** Node runs: the engine's trap message when the program trapped */
  trap?: string;
  /** the run's directory afterwards (sandbox and its surroundings) */
  files: FileTree;
  timedOut: boolean;
}

export type FileEntry = { type: 'file'; data: string } | { type: 'dir' } | { type: 'symlink'; target: string };
export type FileTree = Record<string, FileEntry>;

// ---------------------------------------------------------------- processes

export interface Spawned { stdout: Buffer; stderr: Buffer; status: number | null; signal: NodeJS.Signals | null; timedOut: boolean }

export function spawnCapture(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Spawned> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeoutMs ?? 120_000);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.stdin.on('error', () => { /* the program may exit without reading */ });
    child.stdin.end(opts.input ?? '');
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolvePromise({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), status, signal, timedOut });
    });
  });
}

/** Runs async jobs at most `n` at a time (the machine has 2 cores). */
export class Pool {
  private active = 0;
  private queue: Array<() => void> = [];
  constructor(private readonly n = Math.max(1, cpus().length)) {}
  run<T>(job: () => Promise<T>): Promise<T> {
    return new Promise<T>((res, rej) => {
      const start = () => {
        this.active++;
        job().then(res, rej).finally(() => {
          this.active--;
          const next = this.queue.shift();
          if (next) next();
        });
      };
      if (this.active < this.n) start(); else this.queue.push(start);
    });
  }
}

// ---------------------------------------------------------------- hashing and caches

function sha256(...parts: Array<string | Buffer>): string {
  const h = createHash('sha256');
  for (const p of parts) { h.update(p); h.update('\0'); }
  return h.digest('hex');
}

function filesUnder(dir: string, filter: (f: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p, filter));
    else if (filter(p)) out.push(p);
  }
  return out.sort();
}

const compilerHashes = new Map<Target, string>();
/** Identifies the compiler build: its JavaScript, the CLI, the target's runtime archive. */
export function compilerHash(target: Target): string {
  let h = compilerHashes.get(target);
  if (!h) {
    const files = [
      ...filesUnder(join(ROOT, 'out', 'compiler-core', 'src'), (f) => f.endsWith('.js')),
      ...filesUnder(join(ROOT, 'out', 'cli', 'src'), (f) => f.endsWith('.js')),
      WANCO,
      join(ROOT, 'runtime', 'build', target, 'libwrt.a'),
    ];
    h = sha256(target, ...files.map((f) => relative(ROOT, f)), ...files.map((f) => (existsSync(f) ? readFileSync(f) : 'missing')));
    compilerHashes.set(target, h);
  }
  return h;
}

/**
 * PATH without node_modules/.bin: clang-14 runs `wasm-opt` after linking when
 * it finds one on PATH, and under npm/npx binaryen's own wasm-opt is there, so
 * the same command would build different modules inside and outside npm.
 */
function toolPath(): string {
  return (process.env.PATH ?? '/usr/bin:/bin').split(':').filter((d) => !d.includes('node_modules')).join(':');
}

const building = new Map<string, Promise<string>>();
/**
 * Builds a fixture to .wasm under out/fixtures/, keyed by the source's content
 * and the commands. `wasmOpt`: then optimise it with binaryen's wasm-opt and
 * these flags (binaryen reshapes control flow, which compilers see less often).
 */
export function fixtureWasm(source: string, wasmOpt?: string[]): Promise<string> {
  const id = `${source} ${JSON.stringify(wasmOpt ?? null)}`;
  let p = building.get(id);
  if (!p) { p = buildFixture(source, wasmOpt); building.set(id, p); }
  return p;
}

async function buildFixture(source: string, wasmOpt?: string[]): Promise<string> {
  const src = join(FIXTURES, source);
  const text = readFileSync(src);
  const ext = extname(source);
  const cmd: [string, string[]] = ext === '.wat'
    ? ['wat2wasm', [src, '-o']]
    : ['clang-14', ['--target=wasm32-wasi', '-O2', '-Wall', src, '-lm', '-o']];
  const key = sha256(text, JSON.stringify(cmd), JSON.stringify(wasmOpt ?? null)).slice(0, 16);
  const dir = join(ROOT, 'out', 'fixtures');
  const wasm = join(dir, `${basename(source, ext)}${wasmOpt ? '-opt' : ''}-${key}.wasm`);
  if (existsSync(wasm)) return wasm;
  mkdirSync(dir, { recursive: true });
  const tmp = `${wasm}.${process.pid}.tmp`;
  const env = { ...process.env, PATH: toolPath() };
  const r = await spawnCapture(cmd[0], [...cmd[1], tmp], { env });
  if (r.status !== 0) throw new Error(`building ${source} failed:\n${r.stderr.toString()}${r.stdout.toString()}`);
  if (wasmOpt) {
    const o = await spawnCapture(join(ROOT, 'node_modules', '.bin', 'wasm-opt'), [...wasmOpt, tmp, '-o', tmp], { env });
    if (o.status !== 0) throw new Error(`wasm-opt ${source} failed:\n${o.stderr.toString()}`);
  }
  renameSync(tmp, wasm);
  return wasm;
}

export interface CompileResult { exe?: string; error?: string; cached: boolean }

/**
 * `wanco compile` into out/e2e-cache/<hash>-<target>/<name> (or `opts.cacheDir`); the hash
 * covers the module's bytes, the target and the compiler build. A failed compile is not
 * cached (its message is returned).
 */
export async function compileCached(wasm: string, target: Target, name: string, extra: string[] = [],
  opts: { cacheDir?: string; timeoutMs?: number } = {}): Promise<CompileResult> {
  const key = sha256(readFileSync(wasm), target, compilerHash(target), ...extra).slice(0, 24);
  const dir = join(opts.cacheDir ?? join(ROOT, 'out', 'e2e-cache'), `${key}-${target}`);
  const exe = join(dir, name);
  if (existsSync(exe)) return { exe, cached: true };
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${name}.${process.pid}.tmp`);
  const r = await spawnCapture(process.execPath, [WANCO, 'compile', wasm, '-o', tmp, '--target', target, ...extra], { timeoutMs: opts.timeoutMs ?? 300_000 });
  if (r.status !== 0 || !existsSync(tmp)) {
    rmSync(tmp, { force: true });
    return { error: `wanco compile --target ${target} exited ${r.status ?? r.signal}${r.timedOut ? ' (timed out)' : ''}:\n${r.stderr.toString()}${r.stdout.toString()}`, cached: false };
  }
  renameSync(tmp, exe);
  return { exe, cached: false };
}

// ---------------------------------------------------------------- run directories

/**
 * A fresh run directory: ROOT/sandbox is what gets preopened; files from
 * `outside` sit beside it (the sandbox-escape fixture aims at them).
 */
export function makeRunDir(c: Case): { root: string; sandbox?: string } {
  const root = mkdtempSync(join(tmpdir(), `wanco-e2e-${c.name}-`));
  for (const [p, data] of Object.entries(c.outside ?? {})) writeFileSync(join(root, p), data);
  if (!c.dir) return { root };
  const sandbox = join(root, 'sandbox');
  mkdirSync(sandbox);
  for (const d of c.dir.dirs ?? []) mkdirSync(join(sandbox, d), { recursive: true });
  for (const [p, data] of Object.entries(c.dir.files ?? {})) {
    mkdirSync(dirname(join(sandbox, p)), { recursive: true });
    writeFileSync(join(sandbox, p), data);
  }
  for (const [p, target] of Object.entries(c.dir.symlinks ?? {})) symlinkSync(target, join(sandbox, p));
  return { root, sandbox };
}

/** Everything under `dir`: files with contents, directories, symlinks with targets. */
export function snapshotTree(dir: string): FileTree {
  const tree: FileTree = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const rel = relative(dir, p);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) tree[rel] = { type: 'symlink', target: readlinkSync(p) };
      else if (st.isDirectory()) { tree[rel] = { type: 'dir' }; walk(p); }
      else tree[rel] = { type: 'file', data: readFileSync(p).toString('latin1') };
    }
  };
  walk(dir);
  return tree;
}

// ---------------------------------------------------------------- the two runners

/** Reference run: Node's WebAssembly + node:wasi in a child process. */
export async function runNode(wasm: string, c: Case): Promise<RunResult> {
  const { root, sandbox } = makeRunDir(c);
  const cfgDir = mkdtempSync(join(tmpdir(), 'wanco-e2e-cfg-'));
  try {
    const cfg = {
      wasm,
      args: [c.name, ...(c.args ?? [])],
      env: c.env ?? {},
      preopens: sandbox ? { [GUEST_DIR]: sandbox } : {},
      result: join(cfgDir, 'result.json'),
    };
    writeFileSync(join(cfgDir, 'config.json'), JSON.stringify(cfg));
    // --no-turbo-fast-api-calls: Node 20's WASI functions called through V8's fast API calls
    // from optimised code abort or crash at random (nodejs/node#53087; seen on malloc_qsort in CI)
    const nodeRun = () => spawnCapture(process.execPath, ['--no-warnings', '--no-turbo-fast-api-calls', '--stack-size=984', NODE_CHILD, join(cfgDir, 'config.json')],
      { cwd: root, timeoutMs: 120_000 });
    let r = await nodeRun();
    if (r.signal !== null && !existsSync(cfg.result)) {
      // Seen on a loaded machine: V8 itself aborting (SIGABRT/SIGSEGV) before the module
      // ran to its end; such a reference run says nothing about the module. Run it again once.
      console.log(`      (node reference run of ${c.name} died of ${r.signal}; running it again)`);
      r = await nodeRun();
    }
    let trap: string | undefined;
    if (existsSync(cfg.result)) {
      const res = JSON.parse(readFileSync(cfg.result, 'utf8')) as { trap?: string };
      trap = res.trap;
    } else if (r.status !== null && r.status !== 0) {
      // Node itself failed (instantiation, missing import, internal error).
      throw new Error(`node reference run failed (status ${r.status}):\n${r.stderr.toString()}`);
    }
    return { ...r, trap, files: snapshotTree(root) };
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(cfgDir, { recursive: true, force: true });
  }
}

/** The command line of a compiled program: runtime options, `--`, then the guest's arguments. */
export function programArgs(c: Case, sandbox: string | undefined): string[] {
  const a: string[] = [];
  if (sandbox) a.push('--dir', `${sandbox}::${GUEST_DIR}`);
  for (const [k, v] of Object.entries(c.env ?? {})) a.push('--env', `${k}=${v}`);
  return [...a, '--', ...(c.args ?? [])];
}

export function runnerFor(target: Target, exe: string, args: string[]): [string, string[]] {
  return target === HOST ? [exe, args] : [`qemu-${target}-static`, [exe, ...args]];
}

/** Runs a compiled program (through qemu for the foreign target). */
export async function runNative(exe: string, target: Target, c: Case): Promise<RunResult> {
  const { root, sandbox } = makeRunDir(c);
  try {
    const [cmd, args] = runnerFor(target, exe, programArgs(c, sandbox));
    const r = await spawnCapture(cmd, args, { cwd: root, timeoutMs: 300_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    return { ...r, files: snapshotTree(root) };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** What `expected` in a case stands for, as a run result to compare with. */
export function expectedResult(c: Case): RunResult {
  if (!c.expected) throw new Error(`${c.name} has no expected output`);
  const { root } = makeRunDir(c);
  try {
    return {
      stdout: Buffer.from(c.expected.stdout), stderr: Buffer.alloc(0), status: c.exit ?? 0, signal: null,
      files: snapshotTree(root), timedOut: false,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Copies a directory (used by tests that want the same tree twice). */
export function copyDir(from: string, to: string): void {
  cpSync(from, to, { recursive: true, verbatimSymlinks: true });
}

export function isExecutable(p: string): boolean {
  try { return (statSync(p).mode & 0o111) !== 0; } catch { return false; }
}
