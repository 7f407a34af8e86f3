/**
 * The bundled toolchain's layout as the back end reads it: the link manifest (placeholders filled,
 * a damaged one named with what to do) and wanco-llvm unpacked from its brotli copy.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { BUNDLED_DRIVER, bundledDriver, bundledLinkArgs, LINK_DIR, LINK_INPUTS, LINK_MANIFEST, LINK_OUTPUT, PACKED_DRIVER, readLinkManifest, type LinkManifest } from '../../src/backend/bundled-toolchain';

describe('the bundled toolchain\'s layout', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'wanco-bundle-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('the link line: inputs, output and the target\'s files filled in, in order', () => {
    const m: LinkManifest = { format: 1, glibc: '2.36', targets: { x86_64: ['-static', '-o', LINK_OUTPUT, `${LINK_DIR}crt1.o`, LINK_INPUTS, `${LINK_DIR}libc.a`], aarch64: [] } };
    assert.deepEqual(bundledLinkArgs(dir, m, 'x86_64', ['a.o', 'lib.a'], 'out'),
      ['-static', '-o', 'out', join(dir, 'x86_64', 'crt1.o'), 'a.o', 'lib.a', join(dir, 'x86_64', 'libc.a')]);
  });

  it('a damaged or foreign manifest is an error that names the file and the fix', () => {
    const file = join(dir, LINK_MANIFEST);
    writeFileSync(file, '{"format": 1, "targets": ');
    assert.throws(() => readLinkManifest(dir), (e: Error) => e.message.startsWith(`${file}: not a readable link manifest`) && /build-toolchain\.sh/.test(e.message));
    writeFileSync(file, JSON.stringify({ format: 2, targets: {} }));
    assert.throws(() => readLinkManifest(dir), new RegExp(`${file}: unknown link manifest format 2`));
    const m: LinkManifest = { format: 1, glibc: '2.36', targets: { x86_64: [] } as unknown as LinkManifest['targets'] };
    assert.throws(() => bundledLinkArgs(dir, m, 'aarch64', [], 'out'), /no link line for aarch64/);
  });

  it('wanco-llvm is unpacked from its brotli copy once, whole, executable, beside it', () => {
    const content = Buffer.from('#!/bin/sh\necho wanco-llvm\n'.repeat(1000));
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, PACKED_DRIVER), brotliCompressSync(content));
    const file = bundledDriver(dir);
    assert.equal(file, join(dir, BUNDLED_DRIVER));
    assert.ok(readFileSync(file).equals(content));
    assert.equal(statSync(file).mode & 0o777, 0o755);
    const mtime = statSync(file).mtimeMs;
    assert.equal(bundledDriver(dir), file);
    assert.equal(statSync(file).mtimeMs, mtime, 'the second call does not unpack again');
  });

  it('a damaged brotli copy is an error that says to reinstall, and leaves no file behind', () => {
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, PACKED_DRIVER), 'not brotli at all');
    assert.throws(() => bundledDriver(dir), (e: Error) => e.message.startsWith(`${join(dir, PACKED_DRIVER)}: cannot unpack`) && /reinstall/.test(e.message));
    assert.ok(!existsSync(join(dir, BUNDLED_DRIVER)));
  });
});
