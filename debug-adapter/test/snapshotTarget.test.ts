/**
 * The post-mortem target without DAP: a snapshot's state is the stop, and whatever would run or
 * change the program is refused with the message the session shows.
 */
import { strict as assert } from 'node:assert';
import { pointId, pointIdText, STATEMENT_TAG } from '../../compiler-core/src/index';
import type { Snapshot } from '../../compiler-core/src/index';
import { valueText } from '../../compiler-core/src/index';
import type { TargetStop } from '../src/debugTarget';
import { ProgramSymbols } from '../src/programSymbols';
import { SnapshotTarget } from '../src/snapshotTarget';

const RUN = 'a post-mortem session does not run (launch with "restore" to continue from the snapshot)';

/** A snapshot of two frames as the reader returns it (what the target reads of it). */
function snapshot(): Snapshot {
  return {
    file: '/snaps/prog.wsnap',
    info: { arch: 'x86_64' },
    frames: [
      { funcIndex: 1, pointId: pointId(1, 0x30), locals: [{ type: 'i32', value: -7 }], stack: [] },
      { funcIndex: 2, pointId: pointId(2, 0x52, STATEMENT_TAG), locals: [], stack: [{ type: 'i64', value: 5n }] },
    ],
    globals: [{ type: 'f64', bits: 0x8000000000000000n }],
    memory: { pages: 1, maxPages: null, chunks: [] },
  } as unknown as Snapshot;
}

function target(stops: TargetStop[] = []): SnapshotTarget {
  return new SnapshotTarget(snapshot(), new ProgramSymbols(), {
    stopped: (s) => stops.push(s), output: () => undefined, checkpoint: () => undefined, exited: () => undefined,
  });
}

describe('snapshot target (post-mortem)', () => {
  it('stops once, where the snapshot was taken, saying which snapshot', async () => {
    const stops: TargetStop[] = [];
    await target(stops).begin();
    assert.deepEqual(stops, [{ reason: 'snapshot', text: 'post-mortem: /snaps/prog.wsnap' }]);
  });

  it('its state is the snapshot\'s frames, globals and memory size, points named as the runtime names them', async () => {
    const s = await target().state();
    assert.deepEqual(s.frames.map((f) => [f.func, f.point, f.locals.map((v) => valueText(v)), f.stack.map((v) => valueText(v))]),
      [[1, pointIdText(pointId(1, 0x30)), ['-7'], []], [2, '0x280000052', [], ['5']]]);
    assert.equal(valueText(s.globals[0]), '-0');
    assert.equal(s.memory.pages, 1);
  });

  it('without the module it has no points to place', async () => {
    assert.deepEqual(await target().start(), { all: [], reported: [] });
  });

  it('refuses to run, to change values, to restart and to take breakpoints, with the reason', async () => {
    const t = target();
    assert.equal(t.refusal('run'), RUN);
    assert.equal(t.refusal('write'), 'a post-mortem snapshot is read-only');
    assert.equal(t.refusal('restart'), 'a post-mortem session cannot be restarted; launch with "restore" instead');
    assert.equal(t.refusal('breakpoints'), 'post-mortem session: nothing runs');
    for (const run of [() => t.resume(), () => t.step(), () => t.pause(), () => t.writeMemory(), () => t.checkpoint()]) {
      await assert.rejects(run(), { message: RUN });
    }
    await assert.rejects(t.setLocal(), { message: 'a post-mortem snapshot is read-only' });
    await assert.rejects(t.setGlobal(), { message: 'a post-mortem snapshot is read-only' });
    await t.terminate(); // nothing to end
  });
});
