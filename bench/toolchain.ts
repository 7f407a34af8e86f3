// The bundled toolchain against Debian's LLVM 14, side by side: `npm run bench:toolchain`
// (after `npx tsc`: node out/bench/toolchain.js).
//
// `wanco compile` (C/R, -O2) of every bench/programs/*.c (built with clang-14 -O2) and of the
// generated ~1 MB module (run.ts's generateLargeC), for x86_64 and aarch64, once with the bundled
// toolchain (the default) and once with `--llvm-bin-dir /usr/lib/llvm-14/bin`, alternating, so
// both see the same machine. Reports wall and CPU (user + sys of every process) medians, and
// checks that both toolchains build the same bytes when wanco-llvm's CodeGenPrepare patch is
// turned off (one more bundled build, untimed: UPSTREAM_LLVM_ENV; compiler-core/native/codegenprepare-ext-uses.patch).
// Environment: WANCO_BENCH_ROUNDS=N (default 3; the large module: 1), WANCO_BENCH_FILTER=a,b,
//   WANCO_BENCH_NO_LARGE=1, WANCO_BENCH_OUT=DIR (default bench/results: toolchain.{md,json}).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEBIAN_LLVM_BIN_DIR, packageRoot, UPSTREAM_LLVM_ENV } from '../compiler-core/src/index';
import { cached, compileTimed, generateLargeC, must, sh, sha } from './run'; // (importing run.ts also takes node_modules/.bin off PATH for clang)

const ROOT = packageRoot();
const BUILD = path.join(ROOT, 'out', 'bench-build', '_toolchain');
const OUT_DIR = process.env.WANCO_BENCH_OUT ? path.resolve(process.env.WANCO_BENCH_OUT) : path.join(ROOT, 'bench', 'results');
const ROUNDS = Math.max(1, Number(process.env.WANCO_BENCH_ROUNDS ?? 3) || 3);
const TARGETS = ['x86_64', 'aarch64'] as const;
const TOOLCHAINS = { bundled: [] as string[], system: ['--llvm-bin-dir', DEBIAN_LLVM_BIN_DIR] };
type Which = keyof typeof TOOLCHAINS;

const log = (s: string): void => { process.stderr.write(`${s}\n`); };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The module built from C source (cached by content). */
function wasmOf(name: string, source: string, opt: string): string {
  const h = sha(source, opt);
  const wasm = path.join(BUILD, `${name}-${h}.wasm`);
  const src = path.join(BUILD, `${name}-${h}.c`);
  cached(wasm, (tmp) => {
    fs.writeFileSync(src, source);
    must(sh('clang-14', ['--target=wasm32-wasi', opt, src, '-lm', '-o', tmp]), `clang-14 ${name}`);
  });
  return wasm;
}

/** One `wanco compile` with this toolchain (run.ts's compileTimed). */
function compile(wasm: string, target: string, which: Which, out: string, env: NodeJS.ProcessEnv = process.env): { wallMs: number; cpuMs: number } {
  return compileTimed([wasm, '--target', target, ...TOOLCHAINS[which], '-o', out], which, env);
}

interface Row { name: string; target: string; wasmBytes: number; bundled: { wallMs: number; cpuMs: number }; system: { wallMs: number; cpuMs: number }; identical: boolean }

function measure(name: string, wasm: string, rounds: number): Row[] {
  const rows: Row[] = [];
  for (const target of TARGETS) {
    const runs: Record<Which, { wallMs: number; cpuMs: number }[]> = { bundled: [], system: [] };
    const outs: Record<Which, string> = { bundled: path.join(BUILD, `${name}-${target}-bundled`), system: path.join(BUILD, `${name}-${target}-system`) };
    for (let k = 0; k < rounds; k++) {
      // alternate which goes first, so neither always has the warmer cache
      const order: Which[] = k % 2 === 0 ? ['bundled', 'system'] : ['system', 'bundled'];
      for (const which of order) runs[which].push(compile(wasm, target, which, outs[which]));
    }
    const pick = (which: Which) => ({ wallMs: median(runs[which].map((x) => x.wallMs)), cpuMs: median(runs[which].map((x) => x.cpuMs)) });
    const upstream = `${outs.bundled}-upstream-cgp`;
    compile(wasm, target, 'bundled', upstream, { ...process.env, ...UPSTREAM_LLVM_ENV });
    const identical = fs.readFileSync(upstream).equals(fs.readFileSync(outs.system));
    rows.push({ name, target, wasmBytes: fs.statSync(wasm).size, bundled: pick('bundled'), system: pick('system'), identical });
    log(`bench:toolchain: ${name} ${target}: bundled ${(rows[rows.length - 1].bundled.wallMs / 1000).toFixed(2)} s, system ${(rows[rows.length - 1].system.wallMs / 1000).toFixed(2)} s${identical ? '' : ' (DIFFERENT BYTES)'}`);
  }
  return rows;
}

function render(rows: Row[]): string {
  const s = (ms: number) => (ms / 1000).toFixed(2);
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  const geo = (xs: number[]) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
  const L = [
    '# Bundled toolchain vs Debian\'s LLVM 14: compile time', '',
    `\`npm run bench:toolchain\`, ${new Date().toISOString().slice(0, 10)}: \`wanco compile\` (C/R, -O2) with the bundled toolchain and with \`--llvm-bin-dir ${DEBIAN_LLVM_BIN_DIR}\`, alternating, medians of ${ROUNDS} rounds (the large module: 1). Wall time, and CPU time (user + sys of wanco and every tool it ran). Ratio: bundled / system.`, '',
    '| module | target | .wasm | bundled wall | system wall | ratio | bundled CPU | system CPU | ratio | same bytes |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|:---:|',
    ...rows.map((r) => `| ${r.name} | ${r.target} | ${(r.wasmBytes / 1024).toFixed(0)} KiB | ${s(r.bundled.wallMs)} s | ${s(r.system.wallMs)} s | ${ratio(r.bundled.wallMs, r.system.wallMs)} | ${s(r.bundled.cpuMs)} s | ${s(r.system.cpuMs)} s | ${ratio(r.bundled.cpuMs, r.system.cpuMs)} | ${r.identical ? 'yes' : '**no**'} |`),
    '',
    `Geometric mean of the ratios: wall ${geo(rows.map((r) => r.bundled.wallMs / r.system.wallMs)).toFixed(3)}×, CPU ${geo(rows.map((r) => r.bundled.cpuMs / r.system.cpuMs)).toFixed(3)}×.`, '',
  ];
  return L.join('\n');
}

function main(): number {
  if (!fs.existsSync(path.join(DEBIAN_LLVM_BIN_DIR, 'opt'))) { log(`bench:toolchain: Debian's LLVM 14 (${DEBIAN_LLVM_BIN_DIR}) is needed to compare with`); return 2; }
  fs.mkdirSync(BUILD, { recursive: true });
  const filter = (process.env.WANCO_BENCH_FILTER || '').split(',').map((x) => x.trim()).filter(Boolean);
  const programs = fs.readdirSync(path.join(ROOT, 'bench', 'programs')).filter((f) => f.endsWith('.c')).map((f) => f.slice(0, -2))
    .filter((n) => filter.length === 0 || filter.includes(n)).sort();
  const rows: Row[] = [];
  for (const name of programs) rows.push(...measure(name, wasmOf(name, fs.readFileSync(path.join(ROOT, 'bench', 'programs', `${name}.c`), 'utf8'), '-O2'), ROUNDS));
  if (process.env.WANCO_BENCH_NO_LARGE !== '1' && (filter.length === 0 || filter.includes('large'))) {
    rows.push(...measure('large (generated)', wasmOf('large', generateLargeC(2200), '-O1'), 1));
  }
  const md = render(rows);
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(path.join(OUT_DIR, 'toolchain.md'), md);
  fs.writeFileSync(path.join(OUT_DIR, 'toolchain.json'), `${JSON.stringify({ date: new Date().toISOString(), rounds: ROUNDS, rows }, null, 2)}\n`);
  process.stdout.write(md);
  return rows.every((r) => r.identical) ? 0 : 1;
}

if (require.main === module) process.exitCode = main();
