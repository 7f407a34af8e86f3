/**
 * What a user does in the VS Code workbench, through playwright-core in Chromium: the command
 * palette, quick picks, the editor gutter, the views of the Run and Debug side bar, notifications
 * and the terminal. Every wait is for something to show; what it shows is returned as text so
 * the test asserts on exactly what a user reads.
 */
import type { Locator, Page } from 'playwright-core';

const WAIT = 120_000;

/** The little of the browser's DOM the page functions use (our tsconfig has no DOM lib). */
interface El { textContent: string | null; innerText: string; value?: string; className: string; getAttribute(n: string): string | null; querySelector(s: string): El | null }
interface Doc { querySelector(s: string): El | null; querySelectorAll(s: string): Iterable<El> }
declare const document: Doc;

export class Workbench {
  constructor(readonly page: Page) {}

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.waitForSelector('.monaco-workbench', { timeout: WAIT });
  }

  /** The text editor of the editor area (the debug console is a Monaco editor too). */
  editor(): Locator {
    return this.page.locator('.part.editor .monaco-editor').first();
  }

  /** Clicks into the text (mid-height of the visible part: the top rows may be under the breadcrumbs). */
  async focusEditor(): Promise<void> {
    const box = await this.editor().locator('.overflow-guard').first().boundingBox();
    if (!box) throw new Error('no text editor is open');
    await this.page.mouse.click(box.x + Math.min(400, box.width / 2), box.y + box.height / 2);
  }

  /** Runs a command from the palette: the row whose label is exactly `title` (Enter may pick a neighbour). */
  async runCommand(title: string): Promise<void> {
    await this.page.keyboard.press('Control+Shift+P');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: WAIT });
    await input.fill(`>${title}`);
    const row = this.page.locator('.quick-input-list .monaco-list-row').filter({
      has: this.page.locator('.label-name', { hasText: new RegExp(`^${escape(title)}$`) }),
    });
    await row.first().click({ timeout: WAIT });
  }

  /** Picks `item` in the open quick pick titled `title`; returns the items it offered. */
  async pick(title: string, item: string): Promise<string[]> {
    const widget = this.page.locator('.quick-input-widget');
    await widget.locator('.quick-input-title', { hasText: title }).waitFor({ state: 'visible', timeout: WAIT });
    const rows = widget.locator('.quick-input-list .monaco-list-row');
    const items = await rows.evaluateAll((els) => (els as unknown as El[]).map((e) => e.getAttribute('aria-label') ?? ''));
    await widget.locator(`.quick-input-list .monaco-list-row[aria-label="${item}"]`).click({ timeout: WAIT });
    return items;
  }

  /**
   * Types a path into the file dialog (code-server's simple dialog is a quick input) and accepts
   * it. The dialog fills in its folder and lists it asynchronously and may reset what was typed
   * meanwhile ("Please select a file"): then it is typed again.
   */
  async openDialogPath(path: string): Promise<void> {
    const widget = this.page.locator('.quick-input-widget');
    const input = widget.locator('input');
    await input.waitFor({ state: 'visible', timeout: WAIT });
    await this.page.waitForFunction(() => (document.querySelector('.quick-input-widget input')?.value ?? '').endsWith('/'), null, { timeout: WAIT });
    await widget.locator('.quick-input-list .monaco-list-row').first().waitFor({ state: 'visible', timeout: WAIT });
    const holds = (ms: number) => this.page.waitForFunction((p) => document.querySelector('.quick-input-widget input')?.value === p, path, { timeout: ms })
      .then(() => true, () => false);
    for (let attempt = 1; ; attempt++) {
      await input.fill(path);
      if (await holds(3000)) {
        await this.page.keyboard.press('Enter');
        if (await widget.waitFor({ state: 'hidden', timeout: 5000 }).then(() => true, () => false)) return;
      }
      if (attempt === 5) throw new Error(`the file dialog did not take ${path}: ${await widget.innerText()}`);
    }
  }

  async notification(text: string | RegExp): Promise<string> {
    const toast = this.page.locator('.notification-toast', { hasText: text }).first();
    await toast.waitFor({ state: 'visible', timeout: WAIT });
    // (after its fade-in, so that a screenshot shows it whole)
    await this.page.locator('.notification-toast.notification-fade-in-done', { hasText: text }).first()
      .waitFor({ state: 'visible', timeout: WAIT }).catch(() => undefined);
    return (await toast.locator('.notification-list-item-message').innerText()).trim();
  }

  /** Reads the notifications showing now (e.g. to report an unexpected error). */
  /** Shows an output channel in the panel; returns its text. */
  async outputChannel(name: string): Promise<string> {
    await this.runCommand('Output: Show Output Channels...');
    await this.page.locator(`.quick-input-list .monaco-list-row[aria-label="${name}"]`).click({ timeout: WAIT });
    const text = this.page.locator('.part.panel .monaco-editor .view-lines').first();
    await text.waitFor({ state: 'visible', timeout: WAIT });
    await this.page.waitForFunction(() => (document.querySelector('.part.panel .monaco-editor .view-lines')?.innerText ?? '').trim() !== '', null, { timeout: WAIT });
    return (await text.innerText()).replace(/\u00a0/g, ' ');
  }

  async notifications(): Promise<string[]> {
    return (await this.page.locator('.notification-toast .notification-list-item-message').allInnerTexts()).map((t) => t.trim());
  }

  async clearNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications');
    await this.page.locator('.notification-toast').first().waitFor({ state: 'detached', timeout: WAIT }).catch(() => undefined);
  }

  private lineNumber(line: number): Locator {
    return this.editor().locator('.margin-view-overlays .line-numbers', { hasText: new RegExp(`^${line}$`) });
  }

  /** Brings `line` into view (Go to Line), then leaves the cursor there. */
  async revealLine(line: number): Promise<void> {
    await this.focusEditor();
    await this.page.keyboard.press('Control+G');
    await this.page.locator('.quick-input-widget input').fill(`:${line}`);
    await this.page.keyboard.press('Enter');
    await this.lineBox(line);
  }

  /** Where the number of `line` is, once the editor has stopped scrolling. */
  private async lineBox(line: number): Promise<{ x: number; y: number; width: number; height: number }> {
    const ln = this.lineNumber(line);
    await ln.waitFor({ state: 'visible', timeout: WAIT });
    let last = await ln.boundingBox();
    for (let i = 0; i < 50; i++) {
      await this.page.waitForTimeout(100);
      const now = await ln.boundingBox();
      if (now && last && now.y === last.y) return now;
      last = now;
    }
    throw new Error(`line ${line} does not stay in one place`);
  }

  /** Clicks the gutter (glyph margin) left of `line`: toggles a breakpoint there; waits for it to show or go. */
  async clickGutter(line: number): Promise<void> {
    const ln = await this.lineBox(line);
    const glyph = await this.editor().locator('.glyph-margin').first().boundingBox();
    if (!glyph) throw new Error('the editor has no glyph margin');
    const had = await this.hasBreakpointGlyph(ln.y);
    await this.page.mouse.click(glyph.x + glyph.width / 2, ln.y + ln.height / 2);
    const deadline = Date.now() + WAIT;
    while ((await this.hasBreakpointGlyph((await this.lineBox(line)).y)) === had) {
      if (Date.now() > deadline) throw new Error(`clicking the gutter at line ${line} did not ${had ? 'remove' : 'add'} a breakpoint within ${WAIT / 1000} s`);
      await this.page.waitForTimeout(200);
    }
  }

  /** Waits until `line` shows a breakpoint glyph (the editor has it: VS Code sends it to the adapter). */
  async waitForBreakpointGlyph(line: number): Promise<void> {
    // Time-bound, not count-bound: under load the extension host's command can take seconds.
    // The line's place is read again each time, as the editor may scroll meanwhile.
    const deadline = Date.now() + WAIT;
    while (!(await this.hasBreakpointGlyph((await this.lineBox(line)).y))) {
      if (Date.now() > deadline) throw new Error(`no breakpoint glyph appeared at line ${line} within ${WAIT / 1000} s`);
      await this.page.waitForTimeout(200);
    }
  }

  private async hasBreakpointGlyph(y: number): Promise<boolean> {
    const boxes = await this.editor().locator('.codicon[class*="codicon-debug-breakpoint"]').evaluateAll((els) =>
      (els as unknown as { getBoundingClientRect(): { top: number; height: number } }[]).map((e) => e.getBoundingClientRect()));
    return boxes.some((b) => Math.abs(b.top - y) < 4);
  }

  /** Right-clicks the number of `line` and picks `action` from its context menu. */
  async lineNumberMenu(line: number, action: string): Promise<string[]> {
    await this.lineNumber(line).click({ button: 'right' });
    const menu = this.page.locator('.context-view .monaco-menu');
    await menu.waitFor({ state: 'visible', timeout: WAIT });
    const items = (await menu.locator('.action-label').allInnerTexts()).map((t) => t.trim()).filter(Boolean);
    // a click while the menu still lays itself out can miss: the menu closes when it took the click
    const item = menu.locator('.action-label', { hasText: new RegExp(`^${escape(action)}$`) });
    for (let i = 0; i < 5; i++) {
      if (!(await menu.isVisible())) break;
      await item.click({ timeout: 10_000 }).catch(() => undefined);
      await menu.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
    }
    if (await menu.isVisible()) throw new Error(`the line-number menu did not take the click on "${action}"`);
    return items;
  }

  /**
   * Reads a view until two reads a moment apart agree: VS Code fills the views in steps (the top
   * frame first, the others after; a scope before its variables).
   */
  private async settled(read: () => Promise<string[]>): Promise<string[]> {
    let last = await read();
    for (let i = 0; i < 100; i++) {
      await this.page.waitForTimeout(250);
      const now = await read();
      if (JSON.stringify(now) === JSON.stringify(last)) return now;
      last = now;
    }
    return last;
  }

  /** CALL STACK rows as "<frame> | <file> | <line:col>". */
  async callStack(): Promise<string[]> {
    const rows = this.page.locator('.debug-call-stack .monaco-list-row .stack-frame');
    await rows.first().waitFor({ state: 'visible', timeout: WAIT });
    return this.settled(() => rows.evaluateAll((els) => (els as unknown as El[]).map((e) => [
      e.querySelector('.label')?.textContent?.trim() ?? '',
      e.querySelector('.file-name')?.textContent?.trim() ?? '',
      e.querySelector('.line-number')?.textContent?.trim() ?? '',
    ].join(' | '))));
  }

  /** VARIABLES rows as "name = value" (scopes as their name alone). */
  async variables(): Promise<string[]> {
    const rows = this.page.locator('.debug-variables .monaco-list-row');
    await rows.first().waitFor({ state: 'visible', timeout: WAIT });
    return this.settled(() => rows.evaluateAll((els) => (els as unknown as El[]).map((e) => {
      // the name element carries the " =" separator
      const name = e.querySelector('.expression .name')?.textContent?.trim().replace(/\s*=$/, '');
      const value = e.querySelector('.expression .value')?.textContent?.trim();
      return name ? `${name} = ${value ?? ''}` : (e.textContent ?? '').trim();
    })));
  }

  /** Opens (expands) the VARIABLES row of `name`; resolves once its children show. */
  async expandVariable(name: string): Promise<void> {
    const rows = this.page.locator('.debug-variables .monaco-list-row');
    const row = rows.filter({ has: this.page.locator('.expression .name', { hasText: new RegExp(`^${escape(name)}\\s*=?$`) }) }).first();
    await row.waitFor({ state: 'visible', timeout: WAIT });
    const before = await rows.count();
    await row.locator('.monaco-tl-twistie').click();
    await this.page.waitForFunction((n) => [...document.querySelectorAll('.debug-variables .monaco-list-row')].length > n, before, { timeout: WAIT });
  }

  /** Waits until the VARIABLES view shows `name` with a value other than `previous`. */
  async variableChanged(name: string, previous: string): Promise<void> {
    await this.page.waitForFunction(([n, p]) => [...document.querySelectorAll('.debug-variables .monaco-list-row .expression')]
      .some((e) => e.querySelector('.name')?.textContent?.trim().replace(/\s*=$/, '') === n && e.querySelector('.value')?.textContent?.trim() !== p), [name, previous], { timeout: WAIT });
  }

  /** Waits until the top frame of the CALL STACK stands at `line`. */
  async waitForTopFrameLine(line: number): Promise<void> {
    await this.page.waitForFunction((l) => document.querySelectorAll('.debug-call-stack .monaco-list-row .stack-frame .line-number')[Symbol.iterator]().next().value?.textContent?.trim().startsWith(`${l}:`) === true, line, { timeout: WAIT });
  }

  async waitForPaused(): Promise<void> {
    await this.page.locator('.call-stack-state-message', { hasText: /Paused/ }).first().waitFor({ state: 'visible', timeout: WAIT });
  }

  async waitForDebugEnd(): Promise<void> {
    await this.page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: WAIT });
  }

  async debugConsole(): Promise<string> {
    return (await this.page.locator('.repl .monaco-list-rows').innerText()).trim();
  }

  /** Text of every terminal shown (DOM renderer: terminal.integrated.gpuAcceleration off). */
  async terminalText(): Promise<string> {
    return (await this.page.locator('.terminal-wrapper.active .xterm-rows').allInnerTexts()).join('\n');
  }

  /** Waits until a terminal shows every one of `texts`; returns that terminal's text. */
  async waitForTerminal(...texts: string[]): Promise<string> {
    await this.page.waitForFunction((ts) => [...document.querySelectorAll('.xterm-rows')].some((e) => ts.every((t) => e.innerText.includes(t))), texts, { timeout: WAIT });
    const all = await this.page.locator('.xterm-rows').allInnerTexts();
    return all.find((t) => texts.every((x) => t.includes(x))) ?? '';
  }

  async statusBar(): Promise<string[]> {
    return (await this.page.locator('.statusbar-item').allInnerTexts()).map((t) => t.trim()).filter(Boolean);
  }

  async explorerFiles(): Promise<string[]> {
    return (await this.page.locator('.explorer-folders-view .monaco-list-row').allInnerTexts()).map((t) => t.trim());
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
