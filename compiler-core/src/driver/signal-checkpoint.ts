/**
 * Checkpointing a wanco program that runs without the control channel (the
 * extension's Run): SIGUSR2 writes a snapshot and keeps it running, SIGUSR1
 * writes one and ends it. The runtime prints one line on stderr either way.
 */
import type { ChildProcess } from 'node:child_process';

export type CheckpointSignal = 'SIGUSR1' | 'SIGUSR2';

/** Sends the signal; resolves with the runtime's "wanco: checkpoint written to ..." line. */
export function checkpointBySignal(child: ChildProcess, signal: CheckpointSignal): Promise<string> {
  return new Promise((resolveLine, reject) => {
    if (!child.stderr) { reject(new Error('the program\'s stderr is not a pipe: its checkpoint line cannot be read')); return; }
    const stderr = child.stderr;
    let err = '';
    // 'close', not 'exit': after SIGUSR1 the line and the exit come together, and 'exit' can
    // overtake the last stderr chunk
    const done = (f: () => void) => { stderr.off('data', onData); child.off('close', onClose); f(); };
    const onData = (d: Buffer) => {
      err += d.toString();
      const ok = /wanco: checkpoint written to [^\n]*(?=\n)/.exec(err);
      const failed = /error: checkpoint failed: [^\n]*(?=\n)/.exec(err);
      if (ok) done(() => resolveLine(ok[0]));
      else if (failed) done(() => reject(new Error(failed[0])));
    };
    const onClose = (code: number | null, signal: NodeJS.Signals | null) =>
      done(() => reject(new Error(`the program ended (${signal ? `signal ${signal}` : `status ${code}`}) before its checkpoint`)));
    stderr.on('data', onData);
    child.once('close', onClose);
    if (child.exitCode !== null || child.signalCode !== null || !child.kill(signal)) {
      done(() => reject(new Error('the program is not running')));
    }
  });
}
