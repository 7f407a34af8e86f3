/**
 * The corpus test's processes: the programs compiled for both targets (cached outside the clone),
 * and one link of a checkpoint/restore chain (a run or a restore, optionally checkpointing at the
 * N-th migration point) in a run directory that the chain's links share.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  compileCached, makeRunDir, programArgs, runnerFor, snapshotTree, spawnCapture, GUEST_DIR,
  type Case, type FileTree, type RunResult, type Target,
} from '../helpers/oracle';
import { corpusCache } from './paths';

/** A C/R compile of sqlite takes minutes: far beyond the oracle's default timeout. */
const COMPILE_TIMEOUT_MS = 45 * 60_000;

/** Both targets' ELFs (compiled in parallel: one per core), or why there are none. */
export async function compileCorpus(wasm: string, name: string, extra: string[] = []): Promise<{ exe: Record<Target, string> } | { error: string }> {
  const opts = { cacheDir: join(corpusCache(), 'elf'), timeoutMs: COMPILE_TIMEOUT_MS };
  const [x, a] = await Promise.all([compileCached(wasm, 'x86_64', name, extra, opts), compileCached(wasm, 'aarch64', name, extra, opts)]);
  if (x.exe && a.exe) return { exe: { x86_64: x.exe, aarch64: a.exe } };
  return { error: [x.error, a.error].filter(Boolean).join('\n') };
}

/** The sandbox a Node run left, as the initial files of the next run. */
export function nodeFilesAsDir(r: RunResult): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  const prefix = 'sandbox/';
  for (const [p, e] of Object.entries(r.files)) {
    if (p.startsWith(prefix) && e.type === 'file') files[p.slice(prefix.length)] = Buffer.from(e.data, 'latin1');
  }
  return files;
}

export interface LinkOptions {
  /** the run directory of the chain's earlier links (a fresh one from the case when absent) */
  sandbox?: { root: string; sandbox: string };
  /** a snapshot to restore */
  restore?: string;
  /** checkpoint and exit at this migration point */
  checkpointAt?: number;
  /** where the checkpoint goes */
  snapshot?: string;
}

export interface Link {
  result: RunResult;
  sandbox: { root: string; sandbox: string };
  /** the snapshot written, when the link checkpointed */
  snapshot?: string;
  /** Wasm frames in that snapshot */
  frames: number;
  /** the files of the run directory afterwards */
  files: FileTree;
  /** one line for failure messages and the test's log */
  describe: string;
  cleanup: () => void;
}

const WRITTEN = /^wanco: checkpoint written to (.+) \((\d+) bytes, (\d+) frames\)$/m;
/** Generous: a counting run of sqlite under qemu takes a while on a loaded machine. */
const RUN_TIMEOUT_MS = 20 * 60_000;

export async function runLink(exe: string, target: Target, c: Case, o: LinkOptions): Promise<Link> {
  const dir = o.sandbox ?? (() => {
    const d = makeRunDir(c);
    if (!d.sandbox) throw new Error(`${c.name}: a corpus case needs a sandbox`);
    return { root: d.root, sandbox: d.sandbox };
  })();
  const own = [
    ...(o.snapshot ? ['--snapshot', o.snapshot] : []),
    ...(o.checkpointAt !== undefined ? ['--checkpoint-at', String(o.checkpointAt)] : []),
  ];
  // a restored program keeps the arguments and environment saved in its snapshot
  const args = o.restore ? ['--dir', `${dir.sandbox}::${GUEST_DIR}`, ...own, '--restore', o.restore] : [...own, ...programArgs(c, dir.sandbox)];
  const [cmd, argv] = runnerFor(target, exe, args);
  const t0 = performance.now();
  const r = await spawnCapture(cmd, argv, { cwd: dir.root, timeoutMs: RUN_TIMEOUT_MS, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  const ms = performance.now() - t0;
  const m = WRITTEN.exec(r.stderr.toString());
  const frames = m ? Number(m[3]) : 0;
  const describe = `${target}${o.restore ? ' restore' : ''}${o.checkpointAt !== undefined && o.checkpointAt < 2 ** 53 ? ` checkpoint@${o.checkpointAt}` : ''}`
    + ` exit=${r.status ?? r.signal}${m ? ` (${frames} frames)` : ''} ${(ms / 1000).toFixed(1)}s${r.timedOut ? ' TIMED OUT' : ''}`;
  return {
    result: { ...r, files: {} },
    sandbox: dir,
    snapshot: m ? m[1] : undefined,
    frames,
    files: snapshotTree(dir.root),
    describe,
    cleanup: () => rmSync(dir.root, { recursive: true, force: true }),
  };
}
