/**
 * A real OpenSSH server for tests: Debian's /usr/sbin/sshd on 127.0.0.1 at a free port, with a
 * temporary host key, a temporary client key in a temporary authorized_keys file, no PAM.
 * Stopped by `stop()` (kills only the sshd this started).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const SSHD = '/usr/sbin/sshd';

export interface TestSshd {
  port: number;
  user: string;
  /** client private key (authorized) and one that is not */
  key: string;
  wrongKey: string;
  knownHosts: string;
  dir: string;
  /** ssh -o options the client needs */
  sshOptions: string[];
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startSshd(): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'wanco-sshd-'));
  // sshd refuses to start without its privilege separation directory (made by systemd normally)
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const keygen = (f: string) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', f], { stdio: 'ignore' });
  keygen(join(dir, 'host_key'));
  keygen(join(dir, 'client_key'));
  keygen(join(dir, 'wrong_key'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')));
  const port = await freePort();
  const sftp = ['/usr/lib/openssh/sftp-server', '/usr/libexec/openssh/sftp-server'].find(existsSync);
  writeFileSync(join(dir, 'sshd_config'), [
    `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host_key')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, `PidFile ${join(dir, 'sshd.pid')}`,
    'UsePAM no', 'StrictModes no', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes', 'PermitRootLogin prohibit-password', 'LogLevel ERROR',
    ...(sftp ? [`Subsystem sftp ${sftp}`] : []), '',
  ].join('\n'));
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
  const knownHosts = join(dir, 'known_hosts');
  const sshOptions = ['StrictHostKeyChecking=accept-new', `UserKnownHostsFile=${knownHosts}`];
  const user = userInfo().username;
  // wait until it accepts a login
  const deadline = Date.now() + 15000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sshd exited: ${log}`);
    try {
      execFileSync('ssh', ['-o', 'BatchMode=yes', ...sshOptions.flatMap((o) => ['-o', o]), '-i', join(dir, 'client_key'),
        '-p', String(port), `${user}@127.0.0.1`, 'true'], { stdio: 'ignore', timeout: 5000 });
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`sshd did not accept a login: ${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    port, user, key: join(dir, 'client_key'), wrongKey: join(dir, 'wrong_key'), knownHosts, dir, sshOptions,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) { rmSync(dir, { recursive: true, force: true }); resolve(); return; }
      child.once('exit', () => { rmSync(dir, { recursive: true, force: true }); resolve(); });
      child.kill('SIGTERM');
    }),
  };
}
