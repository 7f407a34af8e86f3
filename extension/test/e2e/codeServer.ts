/**
 * A real VS Code for the end-to-end test: code-server (installed by scripts/setup-e2e.sh into a
 * cache folder outside our lockfile) with a fresh user-data and extensions directory, our .vsix
 * installed, serving one workspace folder on 127.0.0.1. Started in its own session (setsid) so
 * `stop()` can end it and every process VS Code started, by process group.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../helpers/sshd';
import { packageRoot } from '../../../compiler-core/src/index';

export const ROOT = packageRoot();

/** Outcome of scripts/setup-e2e.sh: the code-server binary, or why this machine cannot have it. */
export type Setup = { ok: true; codeServer: string } | { ok: false; cannot: boolean; reason: string };

/** Runs the set-up (installs on the first run, checks afterwards). Exit 3 = cannot here. */
export function setupE2e(): Setup {
  const r = spawnSync('bash', [join(ROOT, 'scripts', 'setup-e2e.sh')], { encoding: 'utf8', timeout: 900_000 });
  const lines = (r.stdout ?? '').trim().split('\n');
  if (r.status === 0) return { ok: true, codeServer: lines[lines.length - 1] };
  const err = (r.stderr ?? '').trim();
  const last = err.split('\n').filter((l) => l.startsWith('setup-e2e:')).pop() ?? err.split('\n').pop() ?? '';
  return { ok: false, cannot: r.status === 3, reason: r.error ? `scripts/setup-e2e.sh: ${r.error.message}` : `${last.replace(/^setup-e2e: /, '')}${r.status === 3 ? '' : `\n${err}`}` };
}

export interface CodeServer {
  url: string;
  log(): string;
  stop(): Promise<void>;
}

/**
 * code-server writes a config (with a password) and logs under XDG dirs, wanco its compile cache:
 * keep them in `dir`, not in ~ (each run compiles afresh).
 */
function isolatedEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: join(dir, 'xdg-config'), XDG_DATA_HOME: join(dir, 'xdg-data'), XDG_CACHE_HOME: join(dir, 'xdg-cache') };
  delete env.WANCO_CACHE_DIR;
  delete env.WANCO_LLVM_BIN_DIR;
  return env;
}

export function installExtension(codeServer: string, vsix: string, dir: string): void {
  execFileSync(codeServer, ['--config', '/dev/null', '--user-data-dir', join(dir, 'user-data'), '--extensions-dir', join(dir, 'extensions'),
    '--install-extension', vsix], { stdio: 'pipe', timeout: 120_000, env: isolatedEnv(dir) });
}

/** `wrap` turns the command into the one to spawn (e.g. inside a mount namespace that hides the system toolchain). */
export async function startCodeServer(codeServer: string, dir: string, workspace: string,
  wrap: (cmd: string, args: string[]) => [string, string[]] = (cmd, args) => [cmd, args]): Promise<CodeServer> {
  const userData = join(dir, 'user-data');
  const extensions = join(dir, 'extensions');
  mkdirSync(join(userData, 'User'), { recursive: true });
  // a plain, quiet workbench: no trust prompt, welcome page, sticky scroll over the gutter, and a
  // DOM-rendered terminal whose text the test can read
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify({
    'security.workspace.trust.enabled': false,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'editor.stickyScroll.enabled': false,
    'editor.minimap.enabled': false,
    'terminal.integrated.gpuAcceleration': 'off',
    'extensions.ignoreRecommendations': true,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
  }, null, 2));
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child: ChildProcess = spawn(...wrap(codeServer, [
      '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
      '--disable-workspace-trust', '--config', '/dev/null',
      '--user-data-dir', userData, '--extensions-dir', extensions, workspace,
    ]), { cwd: dir, env: isolatedEnv(dir), detached: true, stdio: ['ignore', 'pipe', 'pipe'] }); // detached: setsid
    let log = '';
    child.stdout!.on('data', (d: Buffer) => { log += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* already gone */ }
        const killer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 5000);
        await exited;
        clearTimeout(killer);
      }
      // VS Code's own children (extension host, terminals) share the group: make sure none is left
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* none left */ }
    };
    const ready = await new Promise<boolean>((resolveReady, reject) => {
      const timer = setTimeout(() => reject(new Error(`code-server did not start listening within 60 s:\n${log}`)), 60_000);
      const check = () => {
        if (/HTTP server listening/.test(log)) { clearTimeout(timer); resolveReady(true); }
        if (/EADDRINUSE/.test(log)) { clearTimeout(timer); resolveReady(false); }
      };
      child.stdout!.on('data', check);
      child.stderr!.on('data', check);
      child.once('exit', (code) => { clearTimeout(timer); if (/EADDRINUSE/.test(log)) resolveReady(false); else reject(new Error(`code-server exited (${code}):\n${log}`)); });
    });
    if (ready) return { url: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`, log: () => log, stop };
    await stop();
    if (attempt >= 3) throw new Error(`code-server: no free port after ${attempt + 1} tries:\n${log}`);
  }
}
