/**
 * The statement starts of a DWARF line table (wasm/debug-line.ts) against llvm-dwarfdump's reading
 * of the same sections: the C, C++ and Rust source fixtures at -O0 and -O2 (DWARF 4 and 5).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { statementStarts } from '../../src/wasm/debug-line';
import { translateModule } from '../../src/translate/module';
import { TARGETS } from '../../src/backend/targets';

const fail = (at: number, reason: string): never => { throw new Error(`at 0x${at.toString(16)}: ${reason}`); };
import { decodeModule } from '../../src/wasm/decoder';
import { DEBIAN_LLVM_BIN_DIR } from '../../src/backend/toolchain';
import { requireToolchain, SOURCE_LANGS, SOURCE_OPTS, sourceFixture } from '../../../test/helpers/sourceFixtures';

const DWARFDUMP = join(DEBIAN_LLVM_BIN_DIR, 'llvm-dwarfdump');

function dwarfdumpStarts(wasm: string): Set<number> {
  const text = execFileSync(DWARFDUMP, ['--debug-line', wasm], { encoding: 'utf8', maxBuffer: 256 << 20 });
  // rows: "0x0000000000000002      3      0      1   0             0  is_stmt ..."
  return new Set(text.split('\n').filter((l) => /^0x[0-9a-f]+\s/.test(l) && /\bis_stmt\b/.test(l) && !/\bend_sequence\b/.test(l))
    .map((l) => parseInt(l.slice(2, l.indexOf(' ')), 16)));
}

describe('DWARF line tables: where statements start', function () {
  this.timeout(600_000);
  for (const lang of SOURCE_LANGS) {
    for (const opt of SOURCE_OPTS) {
      it(`${lang} -${opt}: the same is_stmt rows as llvm-dwarfdump`, async function () {
        if (!existsSync(DWARFDUMP)) { console.log(`      skipped: ${DWARFDUMP} is not installed`); this.skip(); }
        await requireToolchain(this, lang);
        const fx = await sourceFixture(lang, opt);
        const bytes = readFileSync(fx.wasm);
        const m = decodeModule(bytes, fx.wasm);
        const section = m.customSections.find((s) => s.name === '.debug_line');
        assert.ok(section, 'the module has a .debug_line section');
        const ours = statementStarts(bytes, section.dataOffset, section.offset + section.size - section.dataOffset, fail);
        const theirs = dwarfdumpStarts(fx.wasm);
        assert.ok(theirs.size > 50, `${theirs.size} rows`);
        assert.deepEqual([...ours].sort((a, b) => a - b), [...theirs].sort((a, b) => a - b));
      });
    }
  }

  it('a damaged table is an error that names the place and what is wrong', () => {
    const long = Uint8Array.from([0x20, 0, 0, 0, 4, 0]); // a unit of 32 bytes in 6
    assert.throws(() => statementStarts(long, 0, long.length, fail), /^Error: at 0x4: line program of 32 bytes runs past the section's end$/);
    const v9 = Uint8Array.from([0x02, 0, 0, 0, 9, 0]);
    assert.throws(() => statementStarts(v9, 0, v9.length, fail), /^Error: at 0x4: line table version 9 \(2 to 5 are known\)$/);
  });

  it('a debug build of a valid module with a damaged line table: every instruction gets its point, and the problem names the file, the offset and the section', async () => {
    const fx = await sourceFixture('c', 'O0');
    const bytes = Uint8Array.from(readFileSync(fx.wasm));
    const section = decodeModule(bytes, fx.wasm).customSections.find((s) => s.name === '.debug_line')!;
    bytes[section.dataOffset + 4] = 9; // the first unit's version
    const r = translateModule(decodeModule(bytes, 'bad.wasm'), bytes, { boundsChecks: false, checkpoint: true, debugPoints: true }, TARGETS.x86_64);
    assert.equal(r.lineTableProblem, `bad.wasm:0x${(section.dataOffset + 4).toString(16)}: .debug_line (DWARF line table): line table version 9 (2 to 5 are known); the debug build has a statement point at every instruction instead`);
    const renamed = Uint8Array.from(bytes);
    renamed[section.dataOffset - 1] = 'X'.charCodeAt(0); // no .debug_line at all
    const without = translateModule(decodeModule(renamed, 'bad.wasm'), renamed, { boundsChecks: false, checkpoint: true, debugPoints: true }, TARGETS.x86_64);
    assert.equal(without.lineTableProblem, undefined);
    assert.deepEqual(r.points.map((p) => p.id), without.points.map((p) => p.id), 'the same points as a module without a line table');
  });
});
