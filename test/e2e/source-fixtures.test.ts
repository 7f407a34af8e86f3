/**
 * The source-level fixtures (test-fixtures/source/: C in two files, C++, Rust), built with -g at
 * -O0 and -O2 by Debian's toolchains (test/helpers/sourceFixtures.ts): each build carries DWARF
 * that names its sources and their directory (what the debugger maps breakpoints with), its
 * `// LINE:` markers are where tests expect them, and the program prints expected.txt under Node's
 * WASI and exactly the same under wanco on x86_64 and aarch64. Without a toolchain the language's
 * tests skip saying why (under CI=true they fail).
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { loadModule } from '../../compiler-core/src/index';
import { codeSectionSize } from '../corpus/build';
import { compileCached, runNative, runNode, TARGETS, type Case, type RunResult } from '../helpers/oracle';
import {
  requireToolchain, sourceFixture, SOURCE_LANGS, SOURCE_OPTS, type SourceFixture, type SourceLang,
} from '../helpers/sourceFixtures';

/** Lines each fixture's debugger tests rely on, by file: a marker lost in an edit fails here first. */
const MARKERS: Record<SourceLang, Record<string, string[]>> = {
  c: {
    'main.c': ['perimeter-loop', 'loop-body', 'loop-done', 'recursion-base', 'recursion-unwind', 'string-scan', 'main-start', 'main-list', 'main-end'],
    'list.c': ['list-build-node', 'list-build-done', 'list-sum-body'],
  },
  cpp: { 'main.cpp': ['method-body', 'template-body', 'scale-body', 'ref-param', 'main-start', 'main-scale', 'main-end'] },
  rust: { 'main.rs': ['match-circle', 'match-rect', 'loop-body', 'loop-done', 'recursion-base', 'recursion-unwind', 'describe-start', 'main-start', 'main-end'] },
};

/** The custom sections holding DWARF, by name: their bytes (the section's name included). */
async function dwarfSections(wasm: string): Promise<Map<string, Buffer>> {
  const { bytes, module } = await loadModule(wasm);
  const out = new Map<string, Buffer>();
  for (const s of module.customSections) {
    if (s.name.startsWith('.debug_')) out.set(s.name, Buffer.from(bytes.subarray(s.offset, s.offset + s.size)));
  }
  return out;
}

/** The DWARF versions of .debug_info's units (32-bit DWARF: 4-byte length, then the version). */
function unitVersions(info: Buffer, nameLen: number): number[] {
  const versions: number[] = [];
  for (let i = nameLen; i + 6 <= info.length;) {
    const len = info.readUInt32LE(i);
    versions.push(info.readUInt16LE(i + 4));
    i += 4 + len;
  }
  return versions;
}

function show(b: Buffer, max = 1500): string {
  const s = b.toString('utf8');
  return s.length > max ? `${s.slice(0, max)}... (${s.length} chars)` : s;
}

describe('e2e: source fixtures (C, C++, Rust with -g) build with DWARF and run like Node\'s WASI', function () {
  this.timeout(1_800_000);

  for (const lang of SOURCE_LANGS) {
    describe(lang, () => {
      before(async function () {
        await requireToolchain(this, lang);
      });

      it('every // LINE: marker the debugger tests use is in its file, once', async () => {
        const fx = await sourceFixture(lang, 'O0');
        for (const [file, names] of Object.entries(MARKERS[lang])) {
          const lines = readFileSync(`${fx.srcDir}/${file}`, 'utf8').split('\n');
          for (const name of names) {
            const line = fx.lineOf(file, name);
            assert.ok(lines[line - 1].includes(`// LINE: ${name}`), `${file}:${line} should carry the marker ${name}`);
            assert.ok(lines[line - 1].trim() !== `// LINE: ${name}`, `${file}:${line} (${name}) is only a comment: a breakpoint needs code there`);
          }
        }
        assert.throws(() => fx.lineOf(fx.sources[0], 'no-such-marker'), /no "\/\/ LINE: no-such-marker"/);
      });

      for (const opt of SOURCE_OPTS) {
        describe(`-${opt} -g`, () => {
          const name = `${lang}-${opt}`;
          const c: Case = { name, source: `source/${lang}` };
          let node: Promise<RunResult> | undefined;
          const fixture = (): Promise<SourceFixture> => sourceFixture(lang, opt);
          const nodeRun = (): Promise<RunResult> => (node ??= fixture().then((fx) => runNode(fx.wasm, c)));

          it('builds, with .debug_info and .debug_line naming its sources and their directory', async () => {
            const fx = await fixture();
            const dwarf = await dwarfSections(fx.wasm);
            for (const s of ['.debug_info', '.debug_line']) {
              assert.ok((dwarf.get(s)?.length ?? 0) > s.length + 1, `${fx.command}: no ${s} section (sections: ${[...dwarf.keys()].join(', ') || 'no DWARF'})`);
            }
            // DWARF 4 keeps file names in .debug_line and .debug_str; DWARF 5 adds .debug_line_str
            const strings = Buffer.concat(['.debug_line', '.debug_str', '.debug_line_str'].map((s) => dwarf.get(s) ?? Buffer.alloc(0)));
            for (const f of [...fx.sources, fx.srcDir]) {
              assert.ok(strings.includes(f), `${fx.command}: the DWARF does not name ${f}`);
            }
            const info = dwarf.get('.debug_info')!;
            const versions = unitVersions(info, '.debug_info'.length + 1);
            const size = statSync(fx.wasm).size;
            const dwarfBytes = [...dwarf.values()].reduce((n, b) => n + b.length, 0);
            console.log(`      ${name}: ${size} bytes, code ${codeSectionSize(fx.wasm)} bytes, DWARF ${dwarfBytes} bytes `
              + `(${versions.length} units, DWARF version ${[...new Set(versions)].join('/')})`);
          });

          it('runs under Node\'s WASI printing expected.txt', async () => {
            const fx = await fixture();
            const r = await nodeRun();
            assert.equal(r.trap, undefined, `${name} trapped under Node: ${r.trap}`);
            assert.equal(r.status, 0, `${name} exited ${r.status} under Node; stderr: ${show(r.stderr)}`);
            assert.equal(r.stderr.toString(), '', `${name} wrote to stderr under Node`);
            assert.equal(r.stdout.toString(), fx.expectedStdout, `${name}'s output under Node is not ${fx.srcDir}/expected.txt`);
          });

          for (const t of TARGETS) {
            it(`runs under wanco ${t} exactly as under Node`, async () => {
              const fx = await fixture();
              const compiled = await compileCached(fx.wasm, t, name);
              if (!compiled.exe) assert.fail(compiled.error ?? 'compile failed');
              const got = await runNative(compiled.exe, t, c);
              const ref = await nodeRun();
              assert.ok(!got.timedOut && got.signal === null, `${name} on ${t}: ${got.timedOut ? 'timed out' : `killed by ${got.signal}`}; stderr: ${show(got.stderr)}`);
              assert.equal(got.status, ref.status, `${name} on ${t}: exit status ${got.status}, Node's ${ref.status}; stderr: ${show(got.stderr)}`);
              assert.equal(got.stderr.toString(), ref.stderr.toString(), `${name} on ${t}: stderr differs from Node's`);
              assert.equal(got.stdout.toString(), ref.stdout.toString(), `${name} on ${t}: stdout differs from Node's`);
            });
          }
        });
      }
    });
  }
});
