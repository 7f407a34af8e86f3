/**
 * End to end in a real VS Code: the .vsix built by `npm run package`, installed into code-server
 * (fresh user data and extensions), a workspace with one .wat and no launch.json, driven through
 * the UI with playwright-core in Debian's Chromium:
 *   palette "wanco: Compile Current File" (target and optimisation quick picks) -> notification;
 *   a breakpoint clicked in the gutter inside a loop, F5 -> the CALL STACK (Wasm functions) and
 *   VARIABLES (locals) views; "Add Checkpoint Here" from the line-number menu -> snapshot files;
 *   palette "wanco: Restore on Remote aarch64" against a real OpenSSH server on 127.0.0.1 (settings
 *   wanco.remote.* in the workspace, runner qemu-aarch64-static) -> the program's output in a terminal;
 *   palette "wanco: Run" on a long program, "wanco: Checkpoint" twice (keep running, then stop);
 *   a C program built with clang -g in the workspace: a gutter breakpoint in main.c, F5 finds its
 *   module, CALL STACK in C functions, VARIABLES with a struct's fields, Step Over one C line,
 *   "Add Checkpoint Here" on a C line, and that snapshot restored on the remote aarch64.
 * Screenshots of each step go to $WANCO_E2E_SCREENSHOTS (default out/e2e-screenshots).
 * All of it runs twice: as it is, and with the system's LLVM, clang, lld, cross libraries and static
 * zstd/zlib hidden from code-server and everything it starts (test/helpers/hiddenToolchain.ts): the
 * .vsix alone compiles, debugs, checkpoints and restores (its screenshots in a hidden/ subfolder).
 * The set-up (scripts/setup-e2e.sh) installs code-server, Chromium and their packages once. Under
 * CI=true the test always runs; elsewhere, when this machine cannot install them, it is skipped
 * and says why.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { cannotHide, hiddenCommand, hiddenText } from '../../../test/helpers/hiddenToolchain';
import { SSHD, startSshd, type TestSshd } from '../helpers/sshd';
import { installExtension, ROOT, setupE2e, startCodeServer, type CodeServer } from './codeServer';
import { Workbench } from './workbench';

const CHROMIUM = '/usr/bin/chromium';
const VSIX = join(ROOT, 'wanco-linux-x64.vsix');
const FIXTURE = join(ROOT, 'extension', 'test', 'e2e', 'fixtures', 'rounds.wat');
const TICKER = join(ROOT, 'extension', 'test', 'e2e', 'fixtures', 'ticker.wat'); // 100 x "tick" (~15 s), "done"
// lines of rounds.wat: `(local.set $acc ...` in $sum_to's loop, `(local.set $round ...` in $main's
const ACC_LINE = 19;
const ROUND_LINE = 11;
// the C source fixture (test-fixtures/source/c), built with clang -g in the workspace
const C_FIXTURE = join(ROOT, 'test-fixtures', 'source', 'c');
const C_FILES = ['main.c', 'list.c', 'list.h', 'expected.txt'];
const FULL_OUTPUT = ['round 1: sum 55', 'round 2: sum 210', 'round 3: sum 465', 'round 4: sum 820', 'round 5: sum 1275'];

let packaged = false;

for (const hidden of [false, true]) describe(`the extension in a real VS Code (code-server + Chromium, end to end)${hidden ? ', the system toolchain hidden' : ''}`, function () {
  this.timeout(300_000);
  let dir: string;
  let ws: string;
  let shots: string;
  let sshd: TestSshd | undefined;
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let wb: Workbench;
  const shot = async (name: string) => {
    await wb.page.mouse.move(1100, 740); // off the gutter and the text: no hover hints in the picture
    await wb.page.screenshot({ path: join(shots, `${name}.png`) });
  };

  before(async function () {
    this.timeout(1_200_000); // the first run installs code-server and Chromium
    const ci = process.env.CI === 'true';
    const cannot = (why: string) => {
      if (ci) throw new Error(`CI=true: the end-to-end VS Code test must run, but ${why}`);
      console.log(`      skipped: ${why}`);
      this.skip();
    };
    if (process.arch !== 'x64') return cannot(`it needs an x86_64 host (this is ${process.arch})`);
    for (const [file, pkg] of [[SSHD, 'openssh-server'], ['/usr/bin/qemu-aarch64-static', 'qemu-user-static']]) {
      if (!existsSync(file)) return cannot(`${file} is missing (Debian package ${pkg}; scripts/setup.sh installs it)`);
    }
    const setup = setupE2e();
    if (!setup.ok) {
      if (setup.cannot) return cannot(setup.reason);
      throw new Error(`scripts/setup-e2e.sh failed: ${setup.reason}`);
    }
    let chromium: typeof import('playwright-core').chromium;
    try {
      ({ chromium } = require('playwright-core') as typeof import('playwright-core'));
    } catch {
      return cannot('playwright-core is not installed (a devDependency: run npm ci)');
    }

    if (hidden) {
      const why = cannotHide();
      if (why) return cannot(why);
      console.log(`      hidden from code-server and what it starts: ${hiddenText()}`);
    }
    // the .vsix, as a user builds it (once for both passes)
    if (!packaged) {
      const t0 = Date.now();
      execFileSync('npm', ['run', 'package'], { cwd: ROOT, stdio: 'pipe', timeout: 600_000 });
      console.log(`      npm run package: ${VSIX} (${(statSync(VSIX).size / 1048576).toFixed(1)} MiB) in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      packaged = true;
    }

    dir = mkdtempSync(join(tmpdir(), 'wanco-vscode-'));
    ws = join(dir, 'workspace');
    mkdirSync(join(ws, '.vscode'), { recursive: true });
    copyFileSync(FIXTURE, join(ws, 'rounds.wat'));
    copyFileSync(TICKER, join(ws, 'ticker.wat'));
    // a C program the way a user has it: its sources and the -g module built from them, in a folder
    mkdirSync(join(ws, 'c'));
    for (const f of C_FILES) copyFileSync(join(C_FIXTURE, f), join(ws, 'c', f));
    execFileSync('clang-14', ['--target=wasm32-wasi', '-g', '-O0', 'main.c', 'list.c', '-o', 'c.wasm'], { cwd: join(ws, 'c'), stdio: 'pipe' });
    shots = join(process.env.WANCO_E2E_SCREENSHOTS ? join(ROOT, process.env.WANCO_E2E_SCREENSHOTS) : join(ROOT, 'out', 'e2e-screenshots'), hidden ? 'hidden' : '');
    mkdirSync(shots, { recursive: true });

    // the "remote aarch64 machine": a real sshd here, runner qemu-aarch64-static, set in the
    // workspace settings the way a user would (sshOptions: its host key lives in a temporary file)
    sshd = await startSshd();
    writeFileSync(join(ws, '.vscode', 'settings.json'), JSON.stringify({
      'wanco.remote.host': '127.0.0.1',
      'wanco.remote.port': sshd.port,
      'wanco.remote.user': sshd.user,
      'wanco.remote.identityFile': sshd.key,
      'wanco.remote.sshOptions': sshd.sshOptions,
      'wanco.remote.runner': 'qemu-aarch64-static',
      'wanco.remote.directory': join(dir, 'remote'),
    }, null, 2));

    installExtension(setup.codeServer, VSIX, dir);
    server = await startCodeServer(setup.codeServer, dir, ws, hidden ? (cmd, args) => hiddenCommand(cmd, args) : undefined);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    wb = new Workbench(page);
    await wb.open(server.url);
  });

  after(async function () {
    this.timeout(60_000);
    await browser?.close().catch(() => undefined);
    await server?.stop();
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // each step starts where the previous one left the workbench
  let broken = '';
  beforeEach(function () {
    if (broken) { console.log(`      skipped: the step "${broken}" failed`); this.skip(); }
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) {
      broken = this.currentTest.title;
      await shot(`failed-${this.currentTest.title.replace(/\W+/g, '-')}`).catch(() => undefined);
      console.log(`      notifications: ${JSON.stringify(await wb.notifications().catch(() => []))}`);
      console.log(`      code-server log (tail):\n${server?.log().split('\n').slice(-20).join('\n')}`);
    }
  });

  it('opens the .wat: the extension is active (status bar, migration-point code lenses)', async () => {
    await wb.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'rounds.wat' }).click();
    await wb.editor().locator('.view-line').first().waitFor({ state: 'visible' });
    await wb.page.locator('.statusbar-item', { hasText: 'wanco: x86_64 -O2' }).waitFor({ state: 'visible', timeout: 120_000 });
    const lens = wb.editor().locator('.codelens-decoration', { hasText: 'migration points: 1 loop, 2 calls' });
    await lens.first().waitFor({ state: 'visible', timeout: 120_000 });
    assert.ok((await wb.statusBar()).includes('wanco: x86_64 -O2'));
  });

  it('palette "wanco: Compile Current File": target and level quick picks, a notification, an aarch64 ELF', async () => {
    await wb.focusEditor();
    await wb.runCommand('wanco: Compile Current File');
    assert.deepEqual(await wb.pick('wanco: target', 'aarch64'), ['x86_64', 'aarch64']);
    assert.deepEqual(await wb.pick('wanco: optimisation level', '2'), ['2', '0', '1', '3']);
    assert.equal(await wb.notification('compiled'), 'wanco: compiled rounds.aarch64');
    // the output channel: each phase with its time (a C/R build translates its restore variants
    // while opt runs on the normal code), then the result (the view wraps long lines)
    const output = await wb.outputChannel('wanco');
    assert.match(output, /^load: \d+ ms\ntranslate: \d+ ms\ntranslate restore variants \(during opt\): \d+ ms\nopt: \d+ ms\nllc: \d+ ms\nlink: \d+ ms\ncompiled /m, output);
    assert.ok(output.replace(/\n/g, '').includes(`compiled ${join(ws, 'rounds.wat')} -> ${join(ws, 'rounds.aarch64')}`), output);
    await shot('1-compile');
    const elf = readFileSync(join(ws, 'rounds.aarch64'));
    assert.equal(elf.subarray(0, 4).toString('latin1'), '\x7fELF');
    assert.equal(elf.readUInt16LE(18), 183, 'e_machine EM_AARCH64');
    await wb.clearNotifications();
  });

  it('F5 without launch.json stops at a gutter breakpoint inside a loop: Wasm frames and locals', async () => {
    await wb.revealLine(ACC_LINE);
    await wb.clickGutter(ACC_LINE);
    await wb.editor().locator('.codicon-debug-breakpoint').first().waitFor({ state: 'visible' });
    await wb.focusEditor();
    await wb.page.keyboard.press('F5');
    await wb.waitForPaused();
    // the first stop: round 1 calls $sum_to(10); line 18 ran once ($i = 1), line 19 not yet
    const stack = await wb.callStack();
    assert.equal(stack.length, 2, stack.join('\n'));
    assert.match(stack[0], /^sum_to \([\w-]+ @0x[0-9a-f]+\) \| rounds\.wat \| 19:\d+$/, stack.join('\n'));
    assert.match(stack[1], /^main \([\w-]+ @0x[0-9a-f]+\) \| rounds\.wat \| 12:\d+$/, stack.join('\n'));
    assert.deepEqual((await wb.variables()).slice(0, 4), ['Locals', '$n = 10', '$i = 1', '$acc = 0']);
    // Continue twice: the same line, two iterations on
    for (const i of [2, 3]) {
      await wb.page.keyboard.press('F5');
      await wb.variableChanged('$i', String(i - 1));
      await wb.waitForPaused();
    }
    const vars = await wb.variables();
    assert.deepEqual(vars, ['Locals', '$n = 10', '$i = 3', '$acc = 3', 'Operand stack', 'Globals']);
    await shot('2-breakpoint');
  });

  it('"Add Checkpoint Here" from the line-number menu: each loop hit writes a snapshot next to the module', async () => {
    await wb.revealLine(ROUND_LINE);
    const menu = await wb.lineNumberMenu(ROUND_LINE, 'Add Checkpoint Here');
    assert.ok(menu.includes('Add Breakpoint') || menu.includes('Remove Breakpoint'), menu.join(', '));
    // the command runs in the extension host: wait until the editor shows its checkpoint
    await wb.waitForBreakpointGlyph(ROUND_LINE);
    // the plain breakpoint off again, then run to the end
    await wb.revealLine(ACC_LINE);
    await wb.clickGutter(ACC_LINE);
    await wb.page.keyboard.press('F5');
    await wb.waitForDebugEnd();
    const console_ = await wb.debugConsole();
    for (const line of FULL_OUTPUT) assert.ok(console_.includes(line), `${line} in the debug console:\n${console_}`);
    // round 1 was already past that line: rounds 2..5 each wrote one
    const snaps = readdirSync(ws).filter((f) => f.endsWith('.wsnap')).sort();
    assert.deepEqual(snaps, ['rounds.1.wsnap', 'rounds.2.wsnap', 'rounds.3.wsnap', 'rounds.4.wsnap']);
    for (const s of snaps) assert.match(console_, new RegExp(`wanco: checkpoint \\d+ written to ${join(ws, s).replace(/[.]/g, '\\.')} \\(\\d+ bytes, 1 frames\\)`));
    await wb.page.keyboard.press('Control+Shift+E');
    await wb.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'rounds.4.wsnap' }).waitFor({ state: 'visible', timeout: 60_000 });
    for (const s of snaps) assert.ok((await wb.explorerFiles()).includes(s), s);
    await shot('3-checkpoint');
  });

  it('palette "wanco: Restore on Remote aarch64": over ssh to the test sshd, the output continues there', async () => {
    const snap = join(ws, 'rounds.2.wsnap'); // taken as round 3 began
    await wb.focusEditor(); // the module is the active editor
    await wb.runCommand('wanco: Restore on Remote aarch64');
    await wb.openDialogPath(snap);
    const done = await wb.notification(/remote program exited|wanco: .*(failed|unreachable|not found)/);
    const text = await wb.waitForTerminal('[exit status');
    assert.equal(done, 'wanco: remote program exited with 0', text);
    const lines = text.split('\n').map((l) => l.trimEnd()).filter(Boolean);
    const who = `${sshd!.user}@127.0.0.1:${sshd!.port}`;
    // the snapshot stands at a statement point of the debug session's build: the remote runs a debug build too
    const steps = lines.filter((l) => l.startsWith('wanco: '));
    assert.equal(steps.length, 5, steps.join('\n'));
    assert.equal(steps[0], `wanco: checking ${who}`);
    assert.equal(steps[1], 'wanco: compiling rounds.wat for aarch64 (a debug build, like the snapshot\'s)');
    assert.match(steps[2], new RegExp(`^wanco: copying [0-9a-f]+-aarch64-debug \\(\\d+ KiB\\) to ${who.replace(/\./g, '\\.')}$`));
    assert.equal(steps[3], `wanco: copying rounds.2.wsnap (${statSync(snap).size} bytes) to ${who}`);
    assert.equal(steps[4], `wanco: restoring on ${who}`);
    assert.deepEqual(lines.filter((l) => !l.startsWith('wanco: ')), [...FULL_OUTPUT.slice(2), '[exit status 0]']);
    assert.ok(existsSync(snap), 'the local snapshot is kept');
    await shot('4-remote-restore');
  });

  it('palette "wanco: Run", then "wanco: Checkpoint": keep running, then stop; the snapshot restores', async () => {
    await wb.page.keyboard.press('Control+Shift+E');
    await wb.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'ticker.wat' }).click();
    await wb.page.locator('.tab.active', { hasText: 'ticker.wat' }).waitFor({ state: 'visible', timeout: 60_000 });
    await wb.clearNotifications();
    await wb.focusEditor();
    await wb.runCommand('wanco: Run');
    await wb.waitForTerminal('tick 01');
    const snap = join(ws, 'ticker.wsnap');
    const written = `wanco: checkpoint written to ${snap} (`;

    await wb.runCommand('wanco: Checkpoint');
    const offered = await wb.pick('wanco: checkpoint ticker.wat', 'Checkpoint and keep running');
    assert.deepEqual(offered, ['Checkpoint and keep running', 'Checkpoint and stop, to restore it here or elsewhere']);
    const kept = await wb.notification('checkpoint written');
    assert.ok(kept.startsWith(written) && !kept.includes('stopped'), kept);
    await wb.clearNotifications();
    // it keeps running: a later tick shows
    const last = (text: string) => Math.max(...[...text.matchAll(/tick (\d\d)/g)].map((m) => Number(m[1])));
    const seen = last(await wb.waitForTerminal('tick'));
    await wb.waitForTerminal(`tick ${String(seen + 1).padStart(2, '0')}`);

    await wb.runCommand('wanco: Checkpoint');
    await wb.pick('wanco: checkpoint ticker.wat', 'Checkpoint and stop, to restore it here or elsewhere');
    const stopped = await wb.notification('the program stopped');
    assert.ok(stopped.startsWith(written) && stopped.endsWith('; the program stopped'), stopped);
    const text = await wb.waitForTerminal('tick', '[exit status 0]');
    await shot('5-run-checkpoint');
    assert.ok(!text.includes('done'), text);
    const lastBefore = last(text);

    // the same run's second checkpoint; restored, it goes on with the next tick
    const info = JSON.parse(execFileSync(process.execPath, [join(ROOT, 'bin', 'wanco'), 'snapshot', 'inspect', '--json', snap], { encoding: 'utf8' }));
    assert.equal(info.sequence, 2);
    const exe = join(dir, 'ticker-x86_64');
    execFileSync(process.execPath, [join(ROOT, 'bin', 'wanco'), 'compile', join(ws, 'ticker.wat'), '-o', exe], { stdio: 'pipe' });
    const rest = execFileSync(exe, ['--dir', `${ws}::/`, '--restore', snap], { encoding: 'utf8' }).split('\n').filter(Boolean);
    assert.equal(rest[0], `tick ${String(lastBefore + 1).padStart(2, '0')}`, rest.join('\n'));
    assert.deepEqual(rest.slice(-2), ['tick 99', 'done']);
  });

  /** The line of main.c whose `// LINE:` comment names `name`. */
  const cLine = (name: string) => readFileSync(join(C_FIXTURE, 'main.c'), 'utf8').split('\n').findIndex((l) => l.includes(`// LINE: ${name}`)) + 1;

  it('a C program: gutter breakpoint in main.c, F5 finds its -g module; C call stack, a struct\'s fields, Step Over one line', async () => {
    await wb.page.keyboard.press('Control+Shift+E');
    await wb.page.locator('.explorer-folders-view .monaco-list-row', { hasText: /^c$/ }).click();
    await wb.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'main.c' }).click();
    await wb.page.locator('.tab.active', { hasText: 'main.c' }).waitFor({ state: 'visible', timeout: 60_000 });
    const line = cLine('main-list');
    await wb.revealLine(line);
    await wb.clickGutter(line);
    await wb.focusEditor();
    await wb.page.keyboard.press('F5');
    await wb.waitForPaused();
    const stack = await wb.callStack();
    assert.match(stack[0], new RegExp(`^main \\| main\\.c \\| ${line}:\\d+$`), stack.join('\n'));
    const vars = await wb.variables();
    assert.deepEqual(vars.slice(0, 1), ['Locals'], vars.join('\n'));
    assert.ok(vars.includes('favourite = BLUE') && vars.includes('message = "hello, wasm"'), vars.join('\n'));
    await wb.expandVariable('square');
    const fields = await wb.variables();
    for (const f of ['id = 7', 'origin = point', 'sides = int[4]', 'color = GREEN', 'name = "square"']) assert.ok(fields.includes(f), `${f} in\n${fields.join('\n')}`);
    await shot('6-c-source');
    // Step Over: the next line of main.c
    await wb.page.keyboard.press('F10');
    await wb.waitForTopFrameLine(line + 1);
    assert.match((await wb.callStack())[0], new RegExp(`^main \\| main\\.c \\| ${line + 1}:\\d+$`));
  });

  it('"Add Checkpoint Here" on a C line writes a snapshot next to the module; restored on the remote aarch64, the output goes on', async () => {
    const line = cLine('main-end');
    await wb.revealLine(line);
    await wb.lineNumberMenu(line, 'Add Checkpoint Here');
    await wb.waitForBreakpointGlyph(line);
    // the plain breakpoint off, then on to the end: the checkpoint writes as the program passes it
    await wb.revealLine(cLine('main-list'));
    await wb.clickGutter(cLine('main-list'));
    await wb.page.keyboard.press('F5');
    await wb.waitForDebugEnd();
    const snap = join(ws, 'c', 'c.1.wsnap');
    await wb.page.keyboard.press('Control+Shift+E');
    await wb.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'c.1.wsnap' }).waitFor({ state: 'visible', timeout: 60_000 });
    assert.ok(existsSync(snap), snap);
    await wb.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'main.c' }).click();
    await wb.clearNotifications();
    await wb.focusEditor(); // main.c: the module is the one built from it
    await wb.runCommand('wanco: Restore on Remote aarch64');
    await wb.openDialogPath(snap);
    const done = await wb.notification(/remote program exited|wanco: .*(failed|unreachable|not found)/);
    const text = await wb.waitForTerminal('calls 8', '[exit status'); // this restore's terminal, not the earlier one's
    assert.equal(done, 'wanco: remote program exited with 0', text);
    // the checkpoint stood before the last printf; what printf had buffered (wasi-libc's buffer is in
    // linear memory, stdout a pipe) comes out there too: all but the line the local run had flushed.
    // The terminal shows its last rows: they end the program's output.
    const out = text.split('\n').map((l) => l.trimEnd()).filter((l) => l && !l.startsWith('wanco: '));
    const expected = [...readFileSync(join(C_FIXTURE, 'expected.txt'), 'utf8').split('\n').filter(Boolean).slice(1), '[exit status 0]'];
    assert.ok(out.length >= 4, text);
    assert.deepEqual(out, expected.slice(expected.length - out.length), text);
    await shot('7-c-remote-restore');
  });
});
