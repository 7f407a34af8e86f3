// Statistics and rendering (markdown table, SVG bar chart) for the benchmark results.

export interface VariantStats { median: number; min: number; max: number; q1: number; q3: number; n: number; samples: number[] }

/** Checkpoint/restore figures of one program (bench/run.ts measureCr). */
export interface CrFigures {
  checkpointAt?: number; checkpointMs?: number; checkpointMsAll?: number[]; checkpointInternalMs?: number; snapshotBytes?: number;
  restoreMs?: number; restoreMsAll?: number[]; restoreInternalMs?: number; restoreOutputOk?: boolean; error?: string;
}

export interface ProgramResult {
  name: string;
  stats: Partial<Record<string, VariantStats>>;
  ratio: Partial<Record<string, number>>;
  textSize: Partial<Record<string, number>>;
  compileMs: Record<string, number>;
  wasmSize: number;
  cr: CrFigures | null;
  aarch64: Record<string, string> | null;
}

/** A corpus program (bench/corpus.ts); keys of compile/textSize/stackmapSize are "TARGET VARIANT". */
export interface CorpusResult {
  name: string;
  stresses: string;
  wasmBytes: number;
  /** the module's code section */
  codeBytes: number;
  compile: Record<string, number>;
  textSize: Record<string, number | undefined>;
  stackmapSize: Record<string, number | undefined>;
  /** x86_64 run time of the whole workload; null: that variant failed */
  stats: Partial<Record<string, VariantStats | null>>;
  /** median / wanco --no-checkpoint median of the same run */
  ratio: Partial<Record<string, number>>;
  error?: string;
}

export interface Results {
  date: string;
  host: { cpus: number; cpuModel: string; node: string; kernel: string; loadavg: number[] };
  rounds: number;
  variants: string[];
  programs: ProgramResult[];
  geomean: Record<string, number>;
  geomeanCrVsNocr: number | null;
  geomeanTextSizeCrVsNocr: number | null;
  crStatus: string;
  corpus?: CorpusResult[] | null;
  large: { wasmBytes: number; functions: number; nocr?: { ms: number; maxRssKb: number | null; cached: boolean }; cr?: { ms: number; maxRssKb: number | null; cached: boolean }; error?: string } | null;
  aarch64: boolean;
  failures: string[];
  notes?: string[];
}

/** xs sorted ascending. */
export function median(xs: number[]): number { return quantile(xs, 0.5); }

/** Linear-interpolation quantile of an ascending array. */
export function quantile(xs: number[], q: number): number {
  if (!xs.length) return NaN;
  const pos = (xs.length - 1) * q, lo = Math.floor(pos), hi = Math.ceil(pos);
  return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo);
}

export function geomean(xs: number[]): number {
  return Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
}

const f2 = (x: number | undefined | null, d = 2): string => (x === undefined || x === null || !isFinite(x) ? '–' : x.toFixed(d));
const kb = (x: number | undefined): string => (x === undefined ? '–' : `${(x / 1024).toFixed(1)} KiB`);

export function renderMarkdown(r: Results): string {
  const L: string[] = [];
  L.push(`# wanco benchmarks — ${r.date}`, '');
  L.push(`${r.host.cpus} × ${r.host.cpuModel}, Node ${r.host.node}, Linux ${r.host.kernel}, load average at the end ${r.host.loadavg.map((x) => x.toFixed(2)).join(' ')}. ` +
    `${r.rounds} interleaved rounds. Times are wall-clock medians in seconds (min–max); ratios are median / native median of the same run.`, '');
  const vs = r.variants;
  L.push(`| program | ${vs.join(' | ')} |`);
  L.push(`|---|${vs.map(() => '---:').join('|')}|`);
  for (const p of r.programs) {
    const cells = vs.map((v) => {
      const s = p.stats[v];
      if (!s) return 'failed';
      const ratio = v === 'native' ? '' : ` **${f2(p.ratio[v])}×**`;
      return `${f2(s.median / 1000, 3)} (${f2(s.min / 1000)}–${f2(s.max / 1000)})${ratio}`;
    });
    L.push(`| ${p.name} | ${cells.join(' | ')} |`);
  }
  L.push(`| **geomean vs native** | ${vs.map((v) => (v === 'native' ? '1.00×' : r.geomean[v] !== undefined ? `**${f2(r.geomean[v])}×**` : '–')).join(' | ')} |`, '');
  L.push(`Geometric mean of wanco (C/R) / wanco --no-checkpoint run time: **${f2(r.geomeanCrVsNocr, 3)}×**; of .text size: **${f2(r.geomeanTextSizeCrVsNocr, 2)}×**.`, '');

  L.push('## Code size and compile time', '');
  L.push('| program | .wasm | .text native | .text wasm2c | .text wanco --no-checkpoint | .text wanco C/R | C/R / no-C/R | wanco compile no-C/R | wanco compile C/R |');
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const p of r.programs) {
    const t = p.textSize;
    const ratio = t['wanco-cr'] && t['wanco-nocr'] ? t['wanco-cr'] / t['wanco-nocr'] : undefined;
    L.push(`| ${p.name} | ${kb(p.wasmSize)} | ${kb(t.native)} | ${kb(t.wasm2c)} | ${kb(t['wanco-nocr'])} | ${kb(t['wanco-cr'])} | ${f2(ratio)}× | ` +
      `${f2((p.compileMs['wanco-nocr'] ?? NaN) / 1000)} s | ${f2((p.compileMs['wanco-cr'] ?? NaN) / 1000)} s |`);
  }
  L.push('', 'native and wasm2c are dynamically linked (glibc not counted); wanco ELFs are static, so their .text includes the wanco runtime and the libc compiled into the module. Compile times are wall time of `wanco compile` when the binary was built (cached binaries keep their first figure).', '');

  L.push('## Checkpoint / restore', '');
  if (r.crStatus !== 'available') L.push(`${r.crStatus}: checkpoint/restore columns skipped.`, '');
  else {
    L.push('| program | checkpoint (signal to file synced) | runtime\'s own figure | snapshot size | restore (spawn to first resumed instruction) | runtime\'s own figure | checkpoint + restore output |');
    L.push('|---|---:|---:|---:|---:|---:|---|');
    for (const p of r.programs) {
      const c = p.cr;
      if (!c) { L.push(`| ${p.name} | – | – | – | – | – | – |`); continue; }
      if (c.error) { L.push(`| ${p.name} | failed: ${c.error.replace(/\|/g, '/').slice(0, 120)} | – | – | – | – | – |`); continue; }
      L.push(`| ${p.name} | ${f2(c.checkpointMs)} ms | ${f2(c.checkpointInternalMs)} ms | ${kb(c.snapshotBytes)} | ${f2(c.restoreMs)} ms | ${f2(c.restoreInternalMs)} ms | ${c.restoreOutputOk ? 'same as native' : 'DIFFERS'} |`);
    }
    L.push('', 'Checkpoint: SIGUSR1 at 50% of the time of an uninterrupted run just before (25%, 12.5% or 6.25% if the program ends first); the time from sending the signal to the `checkpoint written` line, which the runtime prints after the snapshot is fsynced and renamed into place (median of 3). The runtime\'s own figure (`--cr-stats`) starts in its signal handler. Restore: `--restore` of that snapshot; the time from spawning the process to the runtime\'s `restore stats: resumed` line, printed just before the innermost frame resumes (process start, snapshot read and checked, memory inflated, frames rebuilt; median of 3). The runtime\'s own figure starts at `main`.');
    L.push('');
  }

  if (r.corpus?.length) L.push(...renderCorpus(r.corpus));
  L.push('## Large module', '');
  if (!r.large) L.push('skipped (WANCO_BENCH_NO_LARGE=1)', '');
  else {
    const g = r.large;
    const one = (c: typeof g.cr, label: string): string =>
      c ? `${label}: ${f2(c.ms / 1000)} s, peak RSS ${c.maxRssKb ? (c.maxRssKb / 1024).toFixed(0) + ' MiB' : 'unknown'}${c.cached ? ' (cached from an earlier run)' : ''}` : `${label}: –`;
    L.push(`wanco compile of a generated ${(g.wasmBytes / 1048576).toFixed(2)} MiB module (${g.functions} C functions): ` +
      `${one(g.nocr, '--no-checkpoint')}; ${one(g.cr, 'C/R')}${g.error ? `; error: ${g.error.slice(0, 300)}` : ''}. Peak RSS is the largest process of the compile (node or an LLVM tool).`, '');
  }
  if (r.aarch64) {
    L.push('## aarch64 (qemu-aarch64-static, output check only)', '');
    L.push('| program | wanco --no-checkpoint | wanco C/R |', '|---|---|---|');
    for (const p of r.programs) L.push(`| ${p.name} | ${p.aarch64?.['wanco-nocr'] ?? '–'} | ${p.aarch64?.['wanco-cr'] ?? '–'} |`);
    L.push('');
  }
  if (r.notes?.length) {
    L.push('## Notes', '');
    for (const n of r.notes) L.push(`- ${n}`);
    L.push('');
  }
  if (r.failures.length) {
    L.push('## Failures', '');
    for (const f of r.failures) L.push(`- ${f.replace(/\n/g, ' ')}`);
    L.push('');
  }
  return L.join('\n') + '\n';
}

function renderCorpus(cs: CorpusResult[]): string[] {
  const L: string[] = ['## Real-program corpus (Debian source packages, test/corpus/)', ''];
  L.push('| program | stresses | .wasm (code section) | x86_64 run: wanco --no-checkpoint | wanco C/R | Node WASI |', '|---|---|---:|---:|---:|---:|');
  for (const c of cs) {
    const cell = (v: string): string => {
      const s = c.stats[v];
      if (s === null) return 'failed';
      if (!s) return '–';
      return `${f2(s.median / 1000, 3)} (${f2(s.min / 1000)}–${f2(s.max / 1000)})${v === 'wanco-nocr' ? '' : ` **${f2(c.ratio[v])}×**`}`;
    };
    L.push(`| ${c.name} | ${c.stresses} | ${kb(c.wasmBytes)} (${kb(c.codeBytes)}) | ${cell('wanco-nocr')} | ${cell('wanco-cr')} | ${cell('node')} |`);
  }
  L.push('', '| program | target | compile no-C/R | compile C/R | .text no-C/R | .text C/R | C/R / no-C/R | stackmaps no-C/R | stackmaps C/R |', '|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const c of cs) {
    for (const t of ['x86_64', 'aarch64']) {
      const n = `${t} wanco-nocr`, y = `${t} wanco-cr`;
      const tn = c.textSize[n], ty = c.textSize[y];
      L.push(`| ${c.name} | ${t} | ${f2((c.compile[n] ?? NaN) / 1000, 1)} s | ${f2((c.compile[y] ?? NaN) / 1000, 1)} s | ${kb(tn)} | ${kb(ty)} | ${tn && ty ? f2(ty / tn) : '–'}× | ${kb(c.stackmapSize[n])} | ${kb(c.stackmapSize[y])} |`);
    }
  }
  L.push('', 'Run time: the whole workload (every process of it, each in a fresh sandbox), wall-clock median in seconds (min–max); ratios against wanco --no-checkpoint of the same run. Compile times are wall time of `wanco compile` at -O2 when the binary was built (cached binaries keep their first figure); .text includes the runtime and the libc compiled into the module; stackmaps: the ELF\'s `wanco_stackmaps` section (LLVM\'s `.llvm_stackmaps` records, renamed by the compiler).', '');
  for (const c of cs) if (c.error) L.push(`- ${c.name}: ${c.error.split('\n')[0]}`);
  return L;
}

const COLORS: Record<string, string> = { native: '#4d4d4d', wasm2c: '#1f77b4', node: '#2ca02c', 'wanco-nocr': '#ff7f0e', 'wanco-cr': '#d62728' };
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Grouped bar chart: run time / native per program and variant, plus the geomean group. */
export function renderSvg(r: Results): string {
  const vs = r.variants.filter((v) => v !== 'native');
  const groups = [...r.programs.map((p) => ({ name: p.name, ratio: p.ratio })), { name: 'geomean', ratio: r.geomean as Partial<Record<string, number>> }];
  const all = groups.flatMap((g) => vs.map((v) => g.ratio[v] ?? 0));
  const maxR = Math.max(1.5, ...all);
  const top = Math.ceil(maxR * 2) / 2;
  const W = 60 + groups.length * (vs.length * 14 + 18) + 20, H = 360, x0 = 50, y0 = 40, ph = 240;
  const y = (v: number): number => y0 + ph - (v / top) * ph;
  const o: string[] = [];
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  o.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  o.push(`<text x="${x0}" y="18" font-size="13" font-weight="bold">Run time relative to native clang-14 -O2 (median of ${r.rounds}, lower is better)</text>`);
  for (let t = 0; t <= top + 1e-9; t += 0.5) {
    o.push(`<line x1="${x0}" x2="${W - 10}" y1="${y(t)}" y2="${y(t)}" stroke="${t === 1 ? '#000' : '#ddd'}" stroke-width="${t === 1 ? 1 : 0.5}"/>`);
    o.push(`<text x="${x0 - 6}" y="${y(t) + 4}" text-anchor="end">${t.toFixed(1)}×</text>`);
  }
  let gx = x0 + 10;
  for (const g of groups) {
    vs.forEach((v, i) => {
      const val = g.ratio[v];
      if (val === undefined) return;
      const bx = gx + i * 14;
      o.push(`<rect x="${bx}" y="${y(val)}" width="12" height="${y(0) - y(val)}" fill="${COLORS[v] ?? '#888'}"><title>${esc(`${g.name} ${v}: ${val.toFixed(3)}×`)}</title></rect>`);
    });
    const cx = gx + (vs.length * 14) / 2;
    o.push(`<text x="${cx}" y="${y0 + ph + 14}" text-anchor="end" transform="rotate(-35 ${cx} ${y0 + ph + 14})"${g.name === 'geomean' ? ' font-weight="bold"' : ''}>${esc(g.name)}</text>`);
    gx += vs.length * 14 + 18;
  }
  vs.forEach((v, i) => {
    const lx = x0 + i * 110;
    o.push(`<rect x="${lx}" y="${H - 18}" width="10" height="10" fill="${COLORS[v] ?? '#888'}"/><text x="${lx + 14}" y="${H - 9}">${esc(v)}</text>`);
  });
  o.push('</svg>');
  return o.join('\n') + '\n';
}
