/**
 * OpenSSH in batch mode for remote restore: `user@host[:port]`, POSIX quoting, the ssh/scp
 * command lines (the user's ~/.ssh/config, agent and keys apply), running them with
 * cancellation, and one message saying what to do when ssh itself fails.
 */
import { spawn } from 'node:child_process';
import { WancoError } from '../wasm/errors';

export interface RemoteSpec { user?: string; host: string; port?: number }

/** How to reach the remote: what ssh and scp are given. */
export interface SshConnection {
  remote: RemoteSpec;
  identity?: string;
  /** extra `-o` options for ssh and scp (e.g. UserKnownHostsFile=...) */
  sshOptions?: string[];
  connectTimeout?: number;
}

export interface RemoteHooks {
  /** remote program output (stdout, stderr) */
  stdout?: (chunk: Buffer) => void;
  stderr?: (chunk: Buffer) => void;
  /** one line per step ("checking host", "copying ...") */
  progress?: (message: string) => void;
  signal?: AbortSignal;
}

export class RemoteError extends WancoError {}

/** `user@host[:port]`, `host`, `[v6addr]:port`. */
export function parseRemote(spec: string): RemoteSpec {
  const m = /^(?:([^@\s]+)@)?(\[[^\]]+\]|[^:@\s]+)(?::(\d+))?$/.exec(spec.trim());
  if (!m) throw new RemoteError(`--remote ${spec}: expected user@host[:port]`);
  const port = m[3] !== undefined ? Number(m[3]) : undefined;
  if (port !== undefined && (port < 1 || port > 65535)) throw new RemoteError(`--remote ${spec}: port out of range`);
  return { user: m[1], host: m[2].replace(/^\[(.*)\]$/, '$1'), port };
}

export function remoteLabel(r: RemoteSpec): string {
  return `${r.user ? `${r.user}@` : ''}${r.host}${r.port ? `:${r.port}` : ''}`;
}

/** POSIX shell single-quoting; a leading `~/` stays unquoted so the remote shell expands it. */
export function shq(s: string): string {
  if (s.startsWith('~/')) return `~/${shq(s.slice(2))}`;
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function commonOptions(o: SshConnection): string[] {
  const a = ['-o', 'BatchMode=yes', '-o', `ConnectTimeout=${o.connectTimeout ?? 15}`];
  for (const opt of o.sshOptions ?? []) a.push('-o', opt);
  if (o.identity) a.push('-i', o.identity, '-o', 'IdentitiesOnly=yes');
  return a;
}

export function sshArgs(o: SshConnection): string[] {
  const a = commonOptions(o);
  if (o.remote.port) a.push('-p', String(o.remote.port));
  if (o.remote.user) a.push('-l', o.remote.user);
  a.push('--', o.remote.host);
  return a;
}

export function scpTarget(o: SshConnection, path: string): string {
  const host = o.remote.host.includes(':') ? `[${o.remote.host}]` : o.remote.host;
  return `${o.remote.user ? `${o.remote.user}@` : ''}${host}:${path}`;
}

export interface Exec { code: number; stdout: string; stderr: string; signal: NodeJS.Signals | null }

export class Cancelled extends RemoteError {}

export function run(cmd: string, args: string[], hooks: RemoteHooks, stream = false): Promise<Exec> {
  return new Promise((resolve, reject) => {
    if (hooks.signal?.aborted) { reject(new Cancelled('cancelled')); return; }
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const onAbort = () => child.kill('SIGTERM');
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (d: Buffer) => { if (stream && hooks.stdout) hooks.stdout(d); else stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stream && hooks.stderr) hooks.stderr(d);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      hooks.signal?.removeEventListener('abort', onAbort);
      reject(new RemoteError(e.code === 'ENOENT'
        ? `${cmd} not found: install OpenSSH's client (Debian: apt-get install openssh-client) or set the ssh path (wanco.remote.sshPath)`
        : `cannot run ${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      hooks.signal?.removeEventListener('abort', onAbort);
      if (hooks.signal?.aborted) { reject(new Cancelled('cancelled')); return; }
      resolve({ code: code ?? 128 + 15, stdout, stderr, signal });
    });
  });
}

/** Turns ssh's own failure (exit 255) into one message saying what to do. */
export function explainSshFailure(stderr: string, o: SshConnection): string {
  const who = remoteLabel(o.remote);
  const last = stderr.trim().split('\n').filter((l) => !/^Warning: Permanently added/.test(l)).pop() ?? '';
  if (/Permission denied|Too many authentication failures|no such identity|Load key .*: /i.test(stderr)) {
    return `${who}: authentication failed (${last}). Check the user name, give a key with --identity/wanco.remote.identityFile `
      + `whose public key is in the remote ~/.ssh/authorized_keys, or load it into ssh-agent (batch mode: no password prompts)`;
  }
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/i.test(stderr)) {
    return `${who}: host key verification failed. Connect once with \`ssh ${who.replace(/:(\d+)$/, ' -p $1')}\` to accept the key, or fix ~/.ssh/known_hosts`;
  }
  if (/Could not resolve hostname|Name or service not known|Temporary failure in name resolution/i.test(stderr)) {
    return `${who}: unknown host (${last}). Check wanco.remote.host / --remote or your ~/.ssh/config`;
  }
  if (/Connection refused|timed out|No route to host|Network is unreachable|Connection reset|Connection closed|kex_exchange_identification/i.test(stderr)) {
    return `${who}: host unreachable (${last}). Check that the machine is up, that sshd listens on port ${o.remote.port ?? 22}, and the firewall`;
  }
  return `${who}: ssh failed (${last || 'exit 255'})`;
}

export function isDiskFull(stderr: string): boolean {
  return /No space left on device|Disk quota exceeded|dquot|ENOSPC/i.test(stderr);
}
