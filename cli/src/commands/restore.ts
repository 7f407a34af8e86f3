/** `wanco restore --remote user@host[:port] --module app.wasm app.wsnap` (compiler-core's remoteRestore). */
import { parseRemote, RemoteError, remoteRestore, type OptLevel } from '../../../compiler-core/src/index';

export async function restoreCommand(snapshot: string, o: {
  remote?: string; module?: string; identity?: string; runner?: string; remoteDir?: string; optLevel: OptLevel;
  ssh?: string; scp?: string; sshOption?: string[]; quiet?: boolean;
}): Promise<number> {
  if (!o.remote) throw new RemoteError('restore: --remote user@host[:port] is required (a local restore is `./prog --restore FILE`)');
  if (!o.module) throw new RemoteError('restore: --module app.wasm is required (the module the snapshot was taken from)');
  const r = await remoteRestore({
    remote: parseRemote(o.remote), module: o.module, snapshot, identity: o.identity, runner: o.runner,
    remoteDir: o.remoteDir, optLevel: o.optLevel, sshPath: o.ssh, scpPath: o.scp, sshOptions: o.sshOption,
  }, {
    stdout: (d) => process.stdout.write(d),
    stderr: (d) => process.stderr.write(d),
    progress: o.quiet ? undefined : (m) => process.stderr.write(`wanco: ${m}\n`),
  });
  return r.exitCode;
}
