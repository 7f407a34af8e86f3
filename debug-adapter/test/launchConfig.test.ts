/**
 * Launch configurations checked without DAP: each bad configuration fails with the message the
 * user sees in VS Code; a good one resolves to the program to run and where snapshots go.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newLaunchedProgram, prepareLaunch, type LaunchedProgram, type WancoLaunchArgs } from '../src/launchConfig';
import { ProgramSymbols } from '../src/programSymbols';
import { packageRoot } from '../../compiler-core/src/index';

const ROOT = packageRoot();
const FIXTURE = join(ROOT, 'debug-adapter', 'test', 'fixtures', 'dbg.wat');

async function prepare(args: WancoLaunchArgs): Promise<{ launched: LaunchedProgram; symbols: ProgramSymbols; log: string }> {
  const launched = newLaunchedProgram();
  const symbols = new ProgramSymbols();
  let log = '';
  await prepareLaunch(args, launched, symbols, (text) => { log += text; });
  return { launched, symbols, log };
}

/** The message a configuration fails with. */
async function failure(args: WancoLaunchArgs): Promise<string> {
  try {
    await prepare(args);
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

describe('launch configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wanco-launch-'));
  /** an ELF as far as the launch checks go: its first four bytes */
  const elf = join(dir, 'prog');
  writeFileSync(elf, Buffer.from('\x7fELF\x02\x01\x01', 'latin1'));

  describe('refused, with the reason', () => {
    const cases: [string, () => WancoLaunchArgs, string][] = [
      ['nothing to debug', () => ({}), 'launch: "program" (a .wat, .wasm or wanco ELF) or "snapshot" (post-mortem) is required'],
      ['a cwd that does not exist', () => ({ program: FIXTURE, cwd: '/nonexistent/dir' }), 'cwd /nonexistent/dir does not exist'],
      ['an unknown target', () => ({ program: FIXTURE, target: 'riscv' }), "launch: unknown target 'riscv' (expected x86_64 or aarch64)"],
      ['an optLevel out of range', () => ({ program: FIXTURE, optLevel: 4 }), 'launch: optLevel must be 0, 1, 2 or 3'],
      ['snapshot and restore together', () => ({ program: FIXTURE, snapshot: 'a.wsnap', restore: 'b.wsnap' }),
        'launch: give "snapshot" (post-mortem, read-only) or "restore" (run from it), not both'],
      ['a program that does not exist, resolved against cwd', () => ({ program: 'nosuch.wat', cwd: dir }), `launch: program ${join(dir, 'nosuch.wat')} does not exist`],
      ['a directory as the program', () => ({ program: dir }), `launch: program ${dir} does not exist`],
      ['a module that does not exist', () => ({ program: elf, module: join(dir, 'nosuch.wasm') }), `launch: module ${join(dir, 'nosuch.wasm')} does not exist`],
      ['a program that is no module and no ELF', () => ({ program: join(ROOT, 'package.json') }),
        `launch: program ${join(ROOT, 'package.json')} is neither a .wat/.wasm module nor an ELF`],
      ['a snapshot that does not exist', () => ({ program: elf, restore: 'gone.wsnap', cwd: dir }), `launch: snapshot ${join(dir, 'gone.wsnap')} does not exist`],
      ['args that are no array of strings', () => ({ program: elf, args: ['a', 1] as unknown as string[] }), 'launch: "args" must be an array of strings'],
    ];
    for (const [name, args, message] of cases) {
      it(name, async () => assert.equal(await failure(args()), message));
    }

    it('debugPoints that is no boolean (after saying it compiles)', async () => {
      let log = '';
      await assert.rejects(prepareLaunch({ program: FIXTURE, target: 'aarch64', debugPoints: 'yes' as unknown as boolean }, newLaunchedProgram(), new ProgramSymbols(),
        (text) => { log += text; }), { message: 'launch: "debugPoints" must be true or false' });
      assert.equal(log, 'wanco: compiling dbg.wat for aarch64\n');
    });
  });

  describe('accepted', () => {
    it('an ELF runs as it is; snapshots go to cwd', async () => {
      const { launched, log } = await prepare({ program: 'prog', cwd: dir, target: 'aarch64' });
      assert.deepEqual(launched, { targetName: 'aarch64', exe: elf, snapshotDir: dir });
      assert.equal(log, '');
    });

    it('snapshotDir is resolved against cwd and created', async () => {
      const { launched } = await prepare({ program: elf, cwd: dir, snapshotDir: 'snaps/x86', target: 'x86-64' });
      assert.equal(launched.targetName, 'x86_64');
      assert.equal(launched.snapshotDir, join(dir, 'snaps', 'x86'));
      assert.ok(existsSync(launched.snapshotDir));
    });

    it('the module given with an ELF gives the names and lines', async () => {
      const { symbols, launched } = await prepare({ program: elf, module: FIXTURE });
      assert.equal(launched.exe, elf);
      assert.equal(symbols.sourcePath, FIXTURE);
      assert.ok(symbols.sourceMap, 'a .wat has a source map');
      assert.ok([...symbols.module!.names.functions.values()].includes('accumulate'));
    });
  });
});
