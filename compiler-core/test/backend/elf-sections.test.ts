/**
 * The stackmap section's rename (what llvm-objcopy --rename-section did): on a real object from
 * the toolchain's llc, only the name's bytes change; the runtime reads the renamed section by the
 * bounds the linker defines for it (runtime/src/cr_module.c), under the same name.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/package-root';
import { elfSections, LLVM_STACKMAP_SECTION, renameStackmapSection, STACKMAP_SECTION } from '../../src/backend/elf-sections';
import { TARGETS } from '../../src/backend/targets';
import { findToolchain, toolArgv } from '../../src/backend/toolchain';

describe('the stackmap section of an object', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'wanco-elf-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const target of ['x86_64', 'aarch64'] as const) {
    it(`${target}: renamed to ${STACKMAP_SECTION} in place, nothing else of the object changes`, async () => {
      const t = TARGETS[target];
      const ll = join(dir, `${target}.ll`);
      const obj = join(dir, `${target}.o`);
      writeFileSync(ll, `target datalayout = "${t.dataLayout}"
target triple = "${t.triple}"
declare void @llvm.experimental.stackmap(i64, i32, ...)
define i64 @f(i64 %x) {
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 7, i32 0, i64 %x)
  ret i64 %x
}
`);
      execFileSync(...toolArgv(findToolchain().llc, ['-filetype=obj', ll, '-o', obj]));
      const before = readFileSync(obj);
      const names = elfSections(before)!.map((s) => s.name);
      assert.ok(names.includes(LLVM_STACKMAP_SECTION), names.join(', '));
      await renameStackmapSection(obj);
      const after = readFileSync(obj);
      const renamed = elfSections(after)!;
      assert.deepEqual(renamed.map((s) => s.name), names.map((n) => n === LLVM_STACKMAP_SECTION ? STACKMAP_SECTION : n.replace(LLVM_STACKMAP_SECTION, STACKMAP_SECTION)));
      const at = renamed.find((s) => s.name === STACKMAP_SECTION)!.nameAt;
      assert.equal(after.length, before.length);
      for (let i = 0; i < after.length; i++) {
        if (i < at || i >= at + STACKMAP_SECTION.length) assert.equal(after[i], before[i], `byte ${i} outside the name changed`);
      }
    });
  }

  it('a file that is not an ELF64 object is an error that names it', async () => {
    const f = join(dir, 'not-elf.o');
    writeFileSync(f, 'hello');
    await assert.rejects(renameStackmapSection(f), new RegExp(`${f}: not an ELF64 little-endian object`));
  });

  it('the runtime looks for the section under the same name', () => {
    const c = readFileSync(join(packageRoot(), 'runtime', 'src', 'cr_module.c'), 'utf8');
    for (const bound of [`__start_${STACKMAP_SECTION}`, `__stop_${STACKMAP_SECTION}`]) assert.match(c, new RegExp(`extern const uint8_t ${bound}\\[\\]`));
  });
});
