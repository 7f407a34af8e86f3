/**
 * The wanco VS Code extension: commands (category "wanco"), settings wanco.*, the inline debug
 * adapter (type `wanco`), the .wat language server, remote restore through OpenSSH.
 */
import * as vscode from 'vscode';
import { modulesBuiltFrom, SOURCE_LANGUAGE_FILES, wasmFilesUnder } from './sourceProgram';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join } from 'node:path';
import { LanguageClient, TransportKind } from 'vscode-languageclient/node';

let out: vscode.OutputChannel;
let status: vscode.StatusBarItem;
let diagnostics: vscode.DiagnosticCollection;
let client: LanguageClient | undefined;
const running = new Map<string, { child: ChildProcess; module: string; snapshot: string }>();

const cfg = () => vscode.workspace.getConfiguration('wanco');
/** compiler-core, loaded on first use (activation stays quick). */
const core = () => require('../../compiler-core/src/index') as typeof import('../../compiler-core/src/index');

function currentModule(uri?: vscode.Uri): string | undefined {
  const p = uri?.fsPath ?? vscode.window.activeTextEditor?.document.uri.fsPath;
  if (p && /\.(wat|wasm)$/i.test(p)) return p;
  vscode.window.showErrorMessage('wanco: open a .wat or .wasm file first');
  return undefined;
}
/** wanco.snapshotDirectory (relative: to the workspace folder), else the module's folder. */
function snapshotDirFor(module: string): string {
  const setting = cfg().get<string>('snapshotDirectory');
  if (!setting) return dirname(module);
  if (isAbsolute(setting)) return setting;
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(module))?.uri.fsPath ?? dirname(module);
  return join(folder, setting);
}
function snapshotDir(module: string): string {
  const d = snapshotDirFor(module);
  mkdirSync(d, { recursive: true });
  return d;
}
function target(): string { return cfg().get<string>('target') || 'x86_64'; }
function optLevel(): 0 | 1 | 2 | 3 { return (cfg().get<number>('optimizationLevel') ?? 2) as 0 | 1 | 2 | 3; }
/** debug builds (F5) have their own level: a debug session should start in seconds */
function debugOptLevel(): 0 | 1 | 2 | 3 { return (cfg().get<number>('debug.optimizationLevel') ?? 0) as 0 | 1 | 2 | 3; }
function applyEnv(): void {
  const llvm = cfg().get<string>('llvmBinDir');
  if (llvm) process.env.WANCO_LLVM_BIN_DIR = llvm; else delete process.env.WANCO_LLVM_BIN_DIR;
  status.text = `$(chip) wanco: ${target()} -O${optLevel()}`;
}

function report(e: unknown): void {
  const msg = (e as Error).message ?? String(e);
  out.appendLine(`error: ${msg}`);
  const hint = /LLVM 14 tools not found/.test(msg) ? 'Show Output' : undefined;
  void vscode.window.showErrorMessage(`wanco: ${msg}`, ...(hint ? [hint] : [])).then((c) => { if (c) out.show(); });
}

function toProblems(module: string, e: unknown): void {
  const msg = (e as Error).message ?? '';
  const m = /^(.*?):(\d+):(\d+): (.*)$/.exec(msg);
  const uri = vscode.Uri.file(module);
  const range = m ? new vscode.Range(Number(m[2]) - 1, Number(m[3]) - 1, Number(m[2]) - 1, Number(m[3])) : new vscode.Range(0, 0, 0, 0);
  diagnostics.set(uri, [Object.assign(new vscode.Diagnostic(range, m ? m[4] : msg.replace(/^[^:]*: /, ''), vscode.DiagnosticSeverity.Error), { source: 'wanco' })]);
}

async function compileCommand(uri?: vscode.Uri): Promise<string | undefined> {
  const module = currentModule(uri);
  if (!module) return;
  const t = await vscode.window.showQuickPick(['x86_64', 'aarch64'], { title: 'wanco: target', placeHolder: target() });
  if (!t) return;
  const o = await vscode.window.showQuickPick(['2', '0', '1', '3'].sort((a) => (Number(a) === optLevel() ? -1 : 0)), { title: 'wanco: optimisation level' });
  if (!o) return;
  const output = join(dirname(module), `${basename(module, extname(module))}.${t}`);
  diagnostics.delete(vscode.Uri.file(module));
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `wanco: compiling ${basename(module)} for ${t}`, cancellable: false }, async () => {
    try {
      const c = core();
      await c.compileFile({ input: module, output, target: c.parseTarget(t), optLevel: Number(o) as 0 | 1 | 2 | 3,
        emitLlvm: false, boundsChecks: false, checkpoint: true, llvmBinDir: cfg().get<string>('llvmBinDir') || undefined,
        onPhase: (phase, ms) => out.appendLine(`${phase}: ${ms.toFixed(0)} ms`) });
      out.appendLine(`compiled ${module} -> ${output}`);
      void vscode.window.showInformationMessage(`wanco: compiled ${basename(output)}`);
      return output;
    } catch (e) {
      toProblems(module, e);
      report(e);
      return undefined;
    }
  });
}

function ptyTerminal(name: string): { write: (s: string) => void; close: (code: number) => void; onClose: (f: () => void) => void } {
  const w = new vscode.EventEmitter<string>();
  const done = new vscode.EventEmitter<number>();
  let closeHandler = () => undefined as void;
  // VS Code drops what a pseudoterminal writes before open(): a quick program's whole output
  // would be lost, so keep it until then
  let pending: string[] | undefined = [];
  const emit = (s: string) => { if (pending) pending.push(s); else w.fire(s); };
  const open = () => { const p = pending ?? []; pending = undefined; for (const s of p) w.fire(s); };
  const term = vscode.window.createTerminal({ name, pty: { onDidWrite: w.event, onDidClose: done.event, open, close: () => closeHandler() } });
  term.show(true);
  return { write: (s) => emit(s.replace(/\r?\n/g, '\r\n')), close: (code) => emit(`\r\n[exit status ${code}]\r\n`), onClose: (f) => { closeHandler = f; } };
}

async function runCommand(uri?: vscode.Uri): Promise<void> {
  const module = currentModule(uri);
  if (!module) return;
  try {
    const c = core();
    const t = c.parseTarget(target());
    const exe = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `wanco: compiling ${basename(module)}` },
      () => c.compileCached(module, t, optLevel()));
    const snapshot = join(snapshotDir(module), `${basename(module, extname(module))}.wsnap`);
    const [cmd, pre] = c.runnerFor(t, exe);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? dirname(module);
    // --unbuffered: the terminal shows output as the program writes it, not at exit
    const child = spawn(cmd, [...pre, '--unbuffered', '--dir', `${folder}::/`, '--snapshot', snapshot], { cwd: folder });
    const term = ptyTerminal(`wanco: ${basename(module)}`);
    running.set(module, { child, module, snapshot });
    child.stdout.on('data', (d: Buffer) => term.write(d.toString()));
    child.stderr.on('data', (d: Buffer) => term.write(d.toString()));
    child.on('exit', (code) => { running.delete(module); term.close(code ?? 1); out.appendLine(`${basename(module)} exited with ${code}`); });
    term.onClose(() => child.kill());
  } catch (e) { toProblems(module, e); report(e); }
}

/**
 * Checkpoint the active wanco debug session, or the program started with Run: SIGUSR2 writes a
 * snapshot and keeps it running, SIGUSR1 writes one and ends it (what a migration needs). From the
 * palette the user picks which; Live Migrate always stops.
 */
async function checkpointCommand(mode?: 'keep' | 'stop'): Promise<string | undefined> {
  const s = vscode.debug.activeDebugSession;
  try {
    if (s?.type === 'wanco') {
      const r = await s.customRequest('checkpoint', {});
      void vscode.window.showInformationMessage(`wanco: checkpoint written to ${r.path} (${r.size} bytes)`);
      return r.path;
    }
    const [p] = running.values();
    if (!p) { void vscode.window.showWarningMessage('wanco: nothing to checkpoint (start Run or Debug first)'); return; }
    if (mode === undefined) {
      const keep = { label: 'Checkpoint and keep running', mode: 'keep' as const };
      const stop = { label: 'Checkpoint and stop', description: 'to restore it here or elsewhere', mode: 'stop' as const };
      mode = (await vscode.window.showQuickPick([keep, stop], { title: `wanco: checkpoint ${basename(p.module)}` }))?.mode;
      if (!mode) return;
    }
    const line = await core().checkpointBySignal(p.child, mode === 'keep' ? 'SIGUSR2' : 'SIGUSR1');
    if (!existsSync(p.snapshot)) throw new Error(`no snapshot was written (${p.snapshot})`);
    void vscode.window.showInformationMessage(line + (mode === 'stop' ? '; the program stopped' : ''));
    return p.snapshot;
  } catch (e) { report(e); return undefined; }
}

async function pickSnapshot(uri?: vscode.Uri): Promise<string | undefined> {
  if (uri?.fsPath.endsWith('.wsnap')) return uri.fsPath;
  const r = await vscode.window.showOpenDialog({ filters: { 'wanco snapshot': ['wsnap'] }, canSelectMany: false });
  return r?.[0]?.fsPath;
}
async function pickModule(): Promise<string | undefined> {
  const cur = vscode.window.activeTextEditor?.document.uri.fsPath;
  if (cur && /\.(wat|wasm)$/.test(cur)) return cur;
  if (cur && SOURCE_LANGUAGE_FILES.test(cur)) return moduleForSource(cur, vscode.workspace.getWorkspaceFolder(vscode.Uri.file(cur)));
  const r = await vscode.window.showOpenDialog({ filters: { 'WebAssembly': ['wat', 'wasm'] }, canSelectMany: false, title: 'the module the snapshot was taken from' });
  return r?.[0]?.fsPath;
}

async function restoreCommand(uri?: vscode.Uri): Promise<void> {
  const snap = await pickSnapshot(uri);
  const module = snap && await pickModule();
  if (!snap || !module) return;
  await vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], { type: 'wanco', request: 'launch', name: 'wanco: restore', program: module, restore: snap, target: target() });
}

async function remoteRestore(snap: string, module: string, tCheckpoint?: number): Promise<void> {
  const c = core();
  const host = cfg().get<string>('remote.host');
  if (!host) { void vscode.window.showErrorMessage('wanco: set wanco.remote.host (and .user, .port, .identityFile) first', 'Open Settings').then((x) => x && vscode.commands.executeCommand('workbench.action.openSettings', 'wanco.remote')); return; }
  const term = ptyTerminal(`wanco: remote ${host}`);
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `wanco: restoring on ${host}`, cancellable: true }, async (progress, token) => {
    const ac = new AbortController();
    token.onCancellationRequested(() => ac.abort());
    let started = 0;
    try {
      const r = await c.remoteRestore({
        remote: { host, user: cfg().get<string>('remote.user') || undefined, port: cfg().get<number>('remote.port') || undefined },
        identity: cfg().get<string>('remote.identityFile') || undefined, remoteDir: cfg().get<string>('remote.directory') || undefined,
        runner: cfg().get<string>('remote.runner') || undefined, sshPath: cfg().get<string>('remote.sshPath') || undefined,
        sshOptions: cfg().get<string[]>('remote.sshOptions') ?? [],
        module, snapshot: snap, optLevel: optLevel(),
      }, {
        signal: ac.signal,
        progress: (m) => {
          out.appendLine(m);
          progress.report({ message: m });
          term.write(`\x1b[2mwanco: ${m}\x1b[0m\n`); // dim: the steps before the program's own output
          if (m.startsWith('restoring')) started = performance.now();
        },
        stdout: (d) => term.write(d.toString()), stderr: (d) => term.write(d.toString()),
      });
      term.close(r.exitCode);
      const downtime = tCheckpoint !== undefined && started ? ` — downtime ${(started - tCheckpoint).toFixed(0)} ms (checkpoint to remote start)` : '';
      out.appendLine(`remote exit status ${r.exitCode}${downtime}`);
      void vscode.window.showInformationMessage(`wanco: remote program exited with ${r.exitCode}${downtime}`);
    } catch (e) { term.write(`${(e as Error).message}\n`); report(e); }
  });
}

/**
 * Inspect Snapshot: a read-only document (scheme wanco-snapshot, so closing it asks nothing) with
 * the snapshot's text; function names come from the module it was taken from when that is the
 * active editor or sits next to the snapshot (same sha256).
 */
const SNAPSHOT_SCHEME = 'wanco-snapshot';
async function moduleNames(snapFile: string, moduleHash: Uint8Array): Promise<{ file: string; funcName: (i: number) => string | undefined } | undefined> {
  const c = core();
  const want = Buffer.from(moduleHash).toString('hex');
  const active = vscode.window.activeTextEditor?.document.uri.fsPath;
  const dir = dirname(snapFile);
  const near = readdirSync(dir).filter((f) => /\.(wat|wast|wasm)$/i.test(f)).map((f) => join(dir, f));
  for (const file of new Set([...(active && /\.(wat|wast|wasm)$/i.test(active) ? [active] : []), ...near])) {
    try {
      const { bytes, module } = await c.loadModule(file);
      if (createHash('sha256').update(bytes).digest('hex') !== want) continue;
      const exports = new Map(module.exports.filter((e) => e.kind === 'func').map((e) => [e.index, e.name] as const));
      return { file, funcName: (i) => module.names.functions.get(i) ?? exports.get(i) };
    } catch { /* not a loadable module: not this one */ }
  }
  return undefined;
}
async function snapshotView(file: string): Promise<string> {
  const c = core();
  const snap = c.readSnapshotFile(file);
  c.verifyMemory(snap);
  const names = await moduleNames(file, snap.moduleHash);
  return c.snapshotText(snap, { funcName: names?.funcName })
    + (names ? `function names from ${names.file}\n` : 'function names: no module with this sha256 next to the snapshot or open\n');
}

export function activate(context: vscode.ExtensionContext): void {
  out = vscode.window.createOutputChannel('wanco');
  diagnostics = vscode.languages.createDiagnosticCollection('wanco');
  status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10);
  status.command = 'wanco.selectTarget';
  status.show();
  // the bundle lives in dist/: tell the core where the runtime archives are
  if (!process.env.WANCO_RUNTIME_DIR && existsSync(join(context.extensionPath, 'runtime', 'build'))) process.env.WANCO_RUNTIME_DIR = join(context.extensionPath, 'runtime', 'build');
  applyEnv();
  const reg = (id: string, f: (...a: any[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, f));
  reg('wanco.compile', compileCommand);
  reg('wanco.run', runCommand);
  reg('wanco.debug', (uri?: vscode.Uri) => { const m = currentModule(uri); if (m) void vscode.debug.startDebugging(undefined, { type: 'wanco', request: 'launch', name: `wanco: ${basename(m)}`, program: m, target: target(), optLevel: debugOptLevel() }); });
  reg('wanco.checkpoint', () => checkpointCommand());
  reg('wanco.restore', restoreCommand);
  reg('wanco.restoreRemote', async (uri?: vscode.Uri) => { const s = await pickSnapshot(uri); const m = s && await pickModule(); if (s && m) await remoteRestore(s, m); });
  reg('wanco.migrateRemote', async () => {
    const [p] = running.values();
    const s = vscode.debug.activeDebugSession;
    const module = p?.module ?? (s?.type === 'wanco' ? s.configuration.program : undefined);
    if (!module) { void vscode.window.showWarningMessage('wanco: start the program with Run or Debug first'); return; }
    // the aarch64 build first (cached): it is not part of the downtime
    try {
      const c = core();
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `wanco: compiling ${basename(module)} for aarch64` },
        () => c.compileCached(module, c.parseTarget('aarch64'), optLevel()));
    } catch (e) { toProblems(module, e); report(e); return; }
    const t0 = performance.now();
    const snap = await checkpointCommand('stop');
    if (s?.type === 'wanco' && !p) await vscode.debug.stopDebugging(s);
    if (snap) await remoteRestore(snap, module, t0);
  });
  context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(SNAPSHOT_SCHEME, {
    provideTextDocumentContent: (uri) => snapshotView(uri.path).catch((e: Error) => `${uri.path}: ${e.message}\n`),
  }));
  reg('wanco.inspectSnapshot', async (uri?: vscode.Uri) => {
    const f = await pickSnapshot(uri);
    if (!f) return;
    try {
      core().readSnapshotFile(f); // a clear error now rather than in the document
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: SNAPSHOT_SCHEME, path: f }));
      await vscode.window.showTextDocument(doc, { preview: true });
    } catch (e) { report(e); }
  });
  // from the line-number context menu VS Code passes the clicked line ({ lineNumber: 1-based, uri })
  reg('wanco.addCheckpointHere', (at?: { lineNumber?: number; uri?: vscode.Uri }) => {
    const ed = vscode.window.activeTextEditor;
    const uri = at?.uri ?? ed?.document.uri;
    const line = typeof at?.lineNumber === 'number' ? at.lineNumber - 1 : ed?.selection.active.line;
    if (!uri || line === undefined) { void vscode.window.showErrorMessage('wanco: open a .wat file to add a checkpoint'); return; }
    const loc = new vscode.Location(uri, new vscode.Position(line, 0));
    vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(loc, true, undefined, undefined, 'checkpoint')]);
  });
  reg('wanco.doctor', () => doctorReport(true));
  void doctorReport(false).catch(() => undefined); // the first-run check: says so only when something is missing
  reg('wanco.selectTarget', async () => {
    const t = await vscode.window.showQuickPick(['x86_64', 'aarch64'], { title: 'wanco: target' });
    if (t) await cfg().update('target', t, vscode.ConfigurationTarget.Global);
  });
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('wanco')) applyEnv(); }));

  // debugger: the colleague's inline adapter; F5 with no launch.json
  context.subscriptions.push(vscode.debug.registerDebugAdapterDescriptorFactory('wanco', {
    createDebugAdapterDescriptor: () => {
      const { createInlineSession } = require('../../debug-adapter/src/index') as typeof import('../../debug-adapter/src/index');
      return new vscode.DebugAdapterInlineImplementation(createInlineSession() as unknown as vscode.DebugAdapter);
    },
  }));
  context.subscriptions.push(vscode.debug.registerDebugConfigurationProvider('wanco', {
    resolveDebugConfiguration: async (folder, config) => {
      if (!config.type && !config.request && !config.name) {
        const ed = vscode.window.activeTextEditor;
        if (!ed) return config;
        let program = ed.document.fileName;
        if (SOURCE_LANGUAGE_FILES.test(program)) {
          const found = await moduleForSource(program, folder);
          if (!found) return undefined;
          program = found;
        } else if (!/\.(wat|wasm)$/.test(program)) {
          return config;
        }
        return { type: 'wanco', request: 'launch', name: `wanco: ${basename(program)}`, program, target: target(), optLevel: debugOptLevel(), stopOnEntry: false };
      }
      return config;
    },
    // The inline adapter runs in the extension host, whose working directory is not the
    // workspace: without these defaults snapshots and relative paths would land there.
    resolveDebugConfigurationWithSubstitutedVariables: (folder, config) => {
      const file = typeof config.program === 'string' ? config.program : typeof config.snapshot === 'string' ? config.snapshot : undefined;
      const base = folder?.uri.fsPath ?? (file && isAbsolute(file) ? dirname(file) : undefined);
      if (!config.cwd && base) config.cwd = base;
      const program = file && (isAbsolute(file) || !config.cwd ? file : join(config.cwd, file));
      if (!config.snapshotDir && program) config.snapshotDir = snapshotDirFor(program);
      return config;
    },
  }));

  // .wat language server
  const serverModule = context.asAbsolutePath(existsSync(context.asAbsolutePath('dist/server.js')) ? 'dist/server.js' : 'out/extension/server/server.js');
  client = new LanguageClient('wanco-wat', 'wanco .wat', {
    run: { module: serverModule, transport: TransportKind.ipc, options: { env: { ...process.env, WANCO_LS_MAIN: '1' } } },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { env: { ...process.env, WANCO_LS_MAIN: '1' } } },
  }, { documentSelector: [{ scheme: 'file', language: 'wat' }, { scheme: 'untitled', language: 'wat' }], outputChannel: out });
  void client.start();
  context.subscriptions.push(out, status, diagnostics);
}

/**
 * What this machine has of what wanco needs (compiler-core's doctor), in the output channel.
 * `always`: the user asked; otherwise (at activation) only a warning when compiling cannot work.
 */
async function doctorReport(always: boolean): Promise<void> {
  const c = core();
  const checks = await c.doctor({ llvmBinDir: cfg().get<string>('llvmBinDir') || undefined });
  const blocking = checks.filter((x) => !x.ok && x.for === 'compile');
  if (always || blocking.length > 0) out.appendLine(`wanco doctor:\n${c.doctorText(checks)}`);
  if (always) { out.show(true); return; }
  if (blocking.length > 0) {
    const pick = await vscode.window.showWarningMessage(`wanco cannot compile here yet: missing ${blocking.map((x) => x.what.replace(/ \(.*$/, '')).join(', ')}`, 'Show fixes');
    if (pick) out.show(true);
  }
}

/** The .wasm built with -g from a source file (asks when there are several); undefined (and says why) when none. */
async function moduleForSource(source: string, folder: vscode.WorkspaceFolder | undefined): Promise<string | undefined> {
  const roots = folder ? [folder.uri.fsPath] : (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  const found = modulesBuiltFrom(source, roots.flatMap((r) => wasmFilesUnder(r)));
  if (found.length === 1) return found[0];
  if (found.length === 0) {
    void vscode.window.showErrorMessage(`wanco: no .wasm in this workspace was built from ${basename(source)} with debug information. `
      + 'Build it with -g (clang --target=wasm32-wasi -g, rustc --target wasm32-wasi -g), or set "program" in launch.json.');
    return undefined;
  }
  return vscode.window.showQuickPick(found, { title: `wanco: which module built from ${basename(source)}?` });
}

export async function deactivate(): Promise<void> {
  for (const p of running.values()) p.child.kill();
  await client?.stop();
}
