/**
 * `wanco restore --remote user@host[:port] --module app.wasm app.wsnap`: restore a snapshot on
 * another (aarch64) machine through the system's OpenSSH (`ssh`/`scp` in batch mode, so the
 * user's ~/.ssh/config, agent and keys apply). Steps: check the remote (reachable, authenticated,
 * aarch64 or the runner exists), compile the aarch64 ELF locally (cached), copy it and the snapshot
 * plus the files the snapshot has open, run `--restore` there with its output streamed back.
 * The exit status is the remote program's. The local snapshot is never modified or deleted.
 * Used by the CLI and by the VS Code extension (hooks for output, progress and cancellation);
 * the ssh/scp mechanics are in ./ssh.ts.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseTarget } from '../backend/targets';
import type { OptLevel } from '../backend/pipeline';
import { readSnapshotFile, type Snapshot } from '../snapshot/reader';
import { migrationPoints } from '../translate/module';
import { debugPointFunctions } from '../cr/points';
import type { Module } from '../wasm/types';
import { compileCached } from './cache';
import { Cancelled, commonOptions, explainSshFailure, isDiskFull, RemoteError, remoteLabel, run, scpTarget, shq, sshArgs,
  type Exec, type RemoteHooks, type SshConnection } from './ssh';

export interface RemoteRestoreOptions extends SshConnection {
  module: string;
  snapshot: string;
  runner?: string;
  remoteDir?: string;
  optLevel?: OptLevel;
  sshPath?: string;
  scpPath?: string;
  /** program options given to the restored program (e.g. --snapshot FILE for a later checkpoint) */
  programArgs?: string[];
}

export interface RemoteRestoreResult {
  exitCode: number;
  /** where the files went on the remote */
  remoteRunDir: string;
  /** ms spent in the steps before the remote program started, and in the program itself */
  prepareMs: number;
  runMs: number;
}

function sha(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

interface Upload { local: string; remote: string; size: number }

/**
 * A snapshot taken in a debug session (a debug build, `--debug-points`) can stand at statement or
 * after-call points, or in a call the normal build has no point for: it restores only on a debug
 * build. The normal build is used when it has every point of the snapshot's frames (translating
 * the module, without LLVM, lists them).
 */
export function needsDebugBuild(module: Module, bytes: Uint8Array, snap: Snapshot): boolean {
  const ids = new Set(migrationPoints(module, bytes).map((p) => p.id));
  return snap.frames.some((f) => !ids.has(f.pointId));
}

export async function remoteRestore(o: RemoteRestoreOptions, hooks: RemoteHooks = {}): Promise<RemoteRestoreResult> {
  const t0 = performance.now();
  const ssh = o.sshPath || 'ssh';
  const scp = o.scpPath || (o.sshPath ? join(o.sshPath, '..', 'scp') : 'scp');
  const say = hooks.progress ?? (() => undefined);
  const who = remoteLabel(o.remote);

  // 1. local checks: the snapshot is valid and was taken from this module
  if (!existsSync(o.snapshot)) throw new RemoteError(`${o.snapshot}: no such file`);
  if (!existsSync(o.module)) throw new RemoteError(`${o.module}: no such file`);
  const snap = readSnapshotFile(o.snapshot);
  const { loadModule } = await import('../wasm/load');
  const { bytes, module } = await loadModule(o.module);
  if (sha(bytes) !== Buffer.from(snap.moduleHash).toString('hex')) {
    throw new RemoteError(`${o.snapshot}: taken from another module than ${o.module} (module hash differs)`);
  }

  // 2. the remote: reachable, authenticated, aarch64 (or the runner is there), free space
  say(`checking ${who}`);
  const baseDir = (o.remoteDir ?? 'wanco-remote').replace(/\/+$/, '') || '/';
  const runnerCmd = o.runner?.trim() ? o.runner.trim().split(/\s+/)[0] : undefined;
  const probe = [
    'uname -m',
    runnerCmd ? `if command -v ${shq(runnerCmd)} >/dev/null 2>&1; then echo runner-ok; else echo runner-missing; fi` : 'echo no-runner',
    `mkdir -p ${shq(baseDir)}/bin || echo mkdir-failed`,
    `df -Pk ${shq(baseDir)} 2>/dev/null | tail -n 1`,
  ].join('; ');
  const p = await run(ssh, [...sshArgs(o), probe], hooks);
  if (p.code === 255) throw new RemoteError(explainSshFailure(p.stderr, o));
  const lines = p.stdout.trim().split('\n');
  const arch = lines[0]?.trim() ?? '';
  if (runnerCmd) {
    if (lines[1] !== 'runner-ok') {
      throw new RemoteError(`${who}: runner \`${runnerCmd}\` not found on the remote host. Install it there `
        + `(Debian: apt-get install qemu-user-static) or change --runner / wanco.remote.runner`);
    }
  } else if (arch !== 'aarch64' && arch !== 'arm64') {
    throw new RemoteError(`${who}: remote machine is ${arch || 'of unknown architecture'}, not aarch64. `
      + `Use an aarch64 host, or set a runner (--runner qemu-aarch64-static / wanco.remote.runner) with qemu-user-static installed there`);
  }
  if (lines.includes('mkdir-failed')) {
    throw new RemoteError(`${who}: cannot create ${baseDir} (${p.stderr.trim().split('\n').pop()}). Choose another --remote-dir / wanco.remote.directory`);
  }

  // 3. the aarch64 ELF (compiled here, cached) and the files to copy
  const debug = needsDebugBuild(module, bytes, snap);
  say(`compiling ${basename(o.module)} for aarch64${debug ? ' (a debug build, like the snapshot\'s)' : ''}`);
  const exe = await compileCached(o.module, parseTarget('aarch64'), o.optLevel ?? 2, debug, debugPointFunctions(snap.frames.map((f) => f.pointId)));
  if (hooks.signal?.aborted) throw new Cancelled('cancelled');
  const snapBytes = readFileSync(o.snapshot);
  const runDir = `${baseDir}/run-${sha(snapBytes).slice(0, 16)}`;
  const remoteExe = `${baseDir}/bin/${basename(exe)}`;
  const remoteSnap = `${runDir}/${basename(o.snapshot)}`;
  const uploads: Upload[] = [{ local: o.snapshot, remote: remoteSnap, size: snapBytes.length }];
  const dirs: string[] = [];
  const dirOptions: string[] = [];
  for (const pre of snap.wasi.preopens) {
    const rd = `${runDir}/dir${pre.fd}`;
    dirs.push(rd);
    dirOptions.push('--dir', `${rd}::${pre.guestPath}`);
  }
  for (const f of snap.wasi.files) {
    const pre = snap.wasi.preopens.find((x) => x.fd === f.preopenFd);
    if (!pre) continue;
    const local = join(pre.hostPath, f.path);
    const remote = `${runDir}/dir${pre.fd}/${f.path}`;
    if (f.kind === 'directory') { dirs.push(remote); continue; }
    if (!existsSync(local)) throw new RemoteError(`${local}: the snapshot has this file open (fd ${f.fd}) but it is missing here`);
    dirs.push(remote.replace(/\/[^/]*$/, ''));
    uploads.push({ local, remote, size: statSync(local).size });
  }

  // 4. free space, then copy (the ELF only when the remote does not have it yet)
  const have = await run(ssh, [...sshArgs(o), `test -f ${shq(remoteExe)} && echo have || echo need`], hooks);
  if (have.code === 255) throw new RemoteError(explainSshFailure(have.stderr, o));
  if (have.stdout.trim() !== 'have') uploads.unshift({ local: exe, remote: remoteExe, size: statSync(exe).size });
  const need = uploads.reduce((s, u) => s + u.size, 0);
  const avail = Number(lines[lines.length - 1]?.trim().split(/\s+/)[3]);
  if (Number.isFinite(avail) && avail * 1024 < need + 64 * 1024) {
    throw new RemoteError(`${who}: not enough disk space in ${baseDir} (${avail} KiB free, ${Math.ceil(need / 1024)} KiB needed). `
      + `Free space there or choose another --remote-dir / wanco.remote.directory; the local snapshot is kept`);
  }
  const mk = await run(ssh, [...sshArgs(o), `mkdir -p ${[runDir, ...new Set(dirs)].map(shq).join(' ')}`], hooks);
  if (mk.code !== 0) {
    if (mk.code === 255) throw new RemoteError(explainSshFailure(mk.stderr, o));
    throw new RemoteError(`${who}: cannot create ${runDir}: ${mk.stderr.trim()}`);
  }
  const scpBase = [...commonOptions(o), '-q', ...(o.remote.port ? ['-P', String(o.remote.port)] : [])];
  try {
    for (const u of uploads) {
      say(`copying ${basename(u.local)} (${u.size < 1024 ? `${u.size} bytes` : `${(u.size / 1024).toFixed(0)} KiB`}) to ${who}`);
      // copy under a temporary name and rename, so an interrupted copy never looks complete
      const tmp = `${u.remote}.part`;
      const c = await run(scp, [...scpBase, '--', u.local, scpTarget(o, tmp)], hooks);
      if (c.code !== 0) {
        if (isDiskFull(c.stderr)) {
          throw new RemoteError(`${who}: remote disk full while copying ${basename(u.local)}. Free space in ${baseDir} `
            + `or choose another --remote-dir / wanco.remote.directory; the local snapshot is kept`);
        }
        if (c.code === 255 && !/scp:/.test(c.stderr)) throw new RemoteError(explainSshFailure(c.stderr, o));
        throw new RemoteError(`${who}: copying ${basename(u.local)} failed: ${c.stderr.trim().split('\n').pop()}`);
      }
      const mv = await run(ssh, [...sshArgs(o), `${u.remote === remoteExe ? `chmod +x ${shq(tmp)} && ` : ''}mv -f ${shq(tmp)} ${shq(u.remote)}`], hooks);
      if (mv.code !== 0) throw new RemoteError(mv.code === 255 ? explainSshFailure(mv.stderr, o) : `${who}: ${mv.stderr.trim()}`);
    }
  } catch (e) {
    if (e instanceof Cancelled) {
      // best effort: remove partial files (never anything local)
      await run(ssh, [...sshArgs(o), `rm -f ${uploads.map((u) => shq(`${u.remote}.part`)).join(' ')}`], {}).catch(() => undefined);
      throw new Cancelled(`transfer to ${who} cancelled; the local snapshot ${o.snapshot} is kept, partial remote files removed`);
    }
    throw e;
  }

  // 5. run it there
  const runner = o.runner?.trim() ? `${o.runner.trim()} ` : '';
  const progArgs = (o.programArgs ?? []).map(shq).join(' ');
  // the ELF is ../bin/NAME from the run directory (works for relative, ~/ and absolute directories)
  const cmdLine = `cd ${shq(runDir)} && exec ${runner}../bin/${shq(basename(exe))} `
    + `--restore ${shq(basename(o.snapshot))} ${dirOptions.map(shq).join(' ')} ${progArgs}`;
  const prepareMs = performance.now() - t0;
  say(`restoring on ${who}`);
  const t1 = performance.now();
  let r: Exec;
  try {
    r = await run(ssh, [...sshArgs(o), cmdLine], hooks, true);
  } catch (e) {
    if (e instanceof Cancelled) throw new Cancelled(`remote run on ${who} cancelled; the local snapshot ${o.snapshot} is kept`);
    throw e;
  }
  if (r.code === 255 && /^(ssh: |kex_|Connection |Permission denied)/m.test(r.stderr)) throw new RemoteError(explainSshFailure(r.stderr, o));
  if (r.code === 127 && runnerCmd) throw new RemoteError(`${who}: runner \`${runnerCmd}\` could not be started: ${r.stderr.trim().split('\n').pop()}`);
  return { exitCode: r.code, remoteRunDir: runDir, prepareMs, runMs: performance.now() - t1 };
}
