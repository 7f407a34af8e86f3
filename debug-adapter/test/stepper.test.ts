/**
 * Stepping without DAP or a program: a Stepper over made-up points, fed the stops a program would
 * report. What is checked is where a step ends (the line the user sees) and what the stepper asks
 * of the program on the way (step, resume, the after-call point it enables and disables).
 */
import { strict as assert } from 'node:assert';
import { AFTER_CALL_TAG, pointId, pointIdText, STATEMENT_TAG, type PointKindName } from '../../compiler-core/src/index';
import type { RuntimeFrame, RuntimeState } from '../src/runtimeClient';
import { Stepper, type StepKind, type StepOutcome, type StepPoints, type StepTarget } from '../src/stepper';

const MAIN = 1;
const TWICE = 2;
/** id, line and kind of each point of the made-up program */
const POINTS: Record<string, { id: string; line: number; kind: PointKindName }> = {};
function point(name: string, func: number, offset: number, kind: PointKindName, line: number): void {
  const tag = kind === 'statement' ? STATEMENT_TAG : kind === 'after-call' ? AFTER_CALL_TAG : 0;
  POINTS[name] = { id: pointIdText(pointId(func, offset, tag)), line, kind };
}
// $main: line 10, then line 11 calls $twice, then line 12
point('main.s10', MAIN, 0x20, 'statement', 10);
point('main.s11', MAIN, 0x24, 'statement', 11);
point('main.call', MAIN, 0x28, 'call', 11);
point('main.after', MAIN, 0x28, 'after-call', 11);
point('main.s12', MAIN, 0x2c, 'statement', 12);
// $twice: its entry on its header line 3, statements on lines 4 and 5
point('twice.entry', TWICE, 0x40, 'entry', 3);
point('twice.s4', TWICE, 0x42, 'statement', 4);
point('twice.s5', TWICE, 0x46, 'statement', 5);

function symbols(debugBuild: boolean): StepPoints {
  const byId = new Map(Object.values(POINTS).map((p) => [p.id, p]));
  const lineOf = (id: string) => byId.get(id)?.line;
  return {
    debugBuild, positionOf: (id) => (lineOf(id) !== undefined ? `line ${lineOf(id)}` : undefined), kindOf: (id) => byId.get(id)?.kind,
    sourceLevel: false, hasSource: () => false,
  };
}

/** The program's frames, outermost first, by point name. */
function state(...names: string[]): RuntimeState {
  const frames = names.map((n, index): RuntimeFrame => ({ index, func: n.startsWith('main') ? MAIN : TWICE, point: POINTS[n].id, kind: 'point', locals: [], stack: [] }));
  return { arch: 'x86_64', frames, globals: [], memory: { pages: 1 } };
}

const nameOf = (id: string) => Object.entries(POINTS).find(([, p]) => p.id === id)?.[0] ?? id;

/** A program that records what it is asked to do. */
class Recorder implements StepTarget {
  readonly calls: string[] = [];
  async resume(): Promise<void> { this.calls.push('resume'); }
  async step(): Promise<void> { this.calls.push('step'); }
  async enablePoints(p: string[]): Promise<void> { this.calls.push(`enable ${p.map(nameOf).join(' ')}`); }
  async disablePoints(p: string[]): Promise<void> { this.calls.push(`disable ${p.map(nameOf).join(' ')}`); }
}

interface Stop { reason: 'step' | 'breakpoint'; at: string[]; userBreakpoint?: boolean }

/**
 * Starts a step at `from` and reports `stops` one after the other until the step ends; resolves to
 * the outcome of each stop, the innermost frame's line where it ended, and the program's calls.
 */
async function run(debugBuild: boolean, kind: StepKind, from: string[], stops: Stop[], userPoints: string[] = []) {
  const target = new Recorder();
  const stepper = new Stepper(symbols(debugBuild), (id) => userPoints.some((n) => POINTS[n].id === id));
  await stepper.start(kind, state(...from), target);
  const outcomes: StepOutcome[] = [];
  let line: number | undefined;
  for (const s of stops) {
    const st = state(...s.at);
    const outcome = await stepper.stopped(s.reason, st, !!s.userBreakpoint, target);
    outcomes.push(outcome);
    if (outcome === 'going') continue;
    line = POINTS[s.at[s.at.length - 1]].line;
    break;
  }
  assert.ok(outcomes[outcomes.length - 1] !== 'going', 'the step never ended');
  await stepper.finish(target);
  assert.equal(stepper.active, false);
  return { outcomes, line, calls: target.calls };
}

describe('stepper (debug builds: by lines)', () => {
  it('next stops at the next line of the same frame', async () => {
    const r = await run(true, 'next', ['main.s10'], [{ reason: 'step', at: ['main.s11'] }]);
    assert.deepEqual(r, { outcomes: ['done'], line: 11, calls: ['step'] });
  });

  it('next over a call runs to the after-call point, then on to the next line; the after-call point goes afterwards', async () => {
    const r = await run(true, 'next', ['main.s11'], [
      { reason: 'step', at: ['main.call', 'twice.entry'] }, // the callee's entry: on at full speed
      { reason: 'breakpoint', at: ['main.after'] }, // back after the call, still line 11
      { reason: 'step', at: ['main.s12'] },
    ]);
    assert.deepEqual(r.outcomes, ['going', 'going', 'done']);
    assert.equal(r.line, 12);
    assert.deepEqual(r.calls, ['step', 'enable main.after', 'resume', 'step', 'disable main.after']);
  });

  it('a user breakpoint in the callee ends a next there', async () => {
    const r = await run(true, 'next', ['main.s11'], [
      { reason: 'step', at: ['main.call', 'twice.entry'] },
      { reason: 'breakpoint', at: ['main.call', 'twice.s5'], userBreakpoint: true },
    ]);
    assert.deepEqual(r.outcomes, ['going', 'breakpoint']);
    assert.equal(r.line, 5);
    assert.deepEqual(r.calls, ['step', 'enable main.after', 'resume', 'disable main.after']);
  });

  it('a user breakpoint on the after-call point itself: the step ends there as a step when it is the step\'s own stop, and the point stays enabled', async () => {
    const r = await run(true, 'out', ['main.call', 'twice.s4'], [
      { reason: 'step', at: ['main.after'], userBreakpoint: true },
    ], ['main.after']);
    assert.deepEqual(r.outcomes, ['done']);
    assert.equal(r.line, 11);
    assert.deepEqual(r.calls, ['enable main.after', 'resume']); // not disabled: the user's breakpoint has it
  });

  it('step in stops at the callee\'s entry (its header line)', async () => {
    const r = await run(true, 'in', ['main.s11'], [{ reason: 'step', at: ['main.call', 'twice.entry'] }]);
    assert.deepEqual(r, { outcomes: ['done'], line: 3, calls: ['step'] });
  });

  it('step in on a line without a call stops at the next line', async () => {
    const r = await run(true, 'in', ['main.call', 'twice.s4'], [{ reason: 'step', at: ['main.call', 'twice.s5'] }]);
    assert.deepEqual(r, { outcomes: ['done'], line: 5, calls: ['step'] });
  });

  it('step out runs to the caller\'s after-call point', async () => {
    const r = await run(true, 'out', ['main.call', 'twice.s4'], [{ reason: 'breakpoint', at: ['main.after'] }]);
    assert.deepEqual(r, { outcomes: ['done'], line: 11, calls: ['enable main.after', 'resume', 'disable main.after'] });
  });

  it('step out of the outermost frame runs to the end', async () => {
    const target = new Recorder();
    await new Stepper(symbols(true), () => false).start('out', state('main.s10'), target);
    assert.deepEqual(target.calls, ['resume']);
  });
});

describe('stepper (release builds: by points)', () => {
  it('next goes on through deeper frames and stops back at the same depth', async () => {
    const r = await run(false, 'next', ['main.call', 'twice.entry'], [
      { reason: 'step', at: ['main.call', 'twice.entry', 'twice.entry'] }, // a recursive call: deeper
      { reason: 'step', at: ['main.call', 'twice.entry'] },
    ]);
    assert.deepEqual(r, { outcomes: ['going', 'done'], line: 3, calls: ['step', 'step'] });
  });

  it('step in is a single step to the next point, with no step in progress', async () => {
    const target = new Recorder();
    const stepper = new Stepper(symbols(false), () => false);
    await stepper.start('in', state('main.s10'), target);
    assert.deepEqual(target.calls, ['step']);
    assert.equal(stepper.active, false);
  });

  it('step out ends when a caller frame stands at another point', async () => {
    const r = await run(false, 'out', ['main.call', 'twice.entry'], [
      { reason: 'step', at: ['main.call', 'twice.entry'] },
      { reason: 'step', at: ['main.s12'] },
    ]);
    assert.deepEqual(r, { outcomes: ['going', 'done'], line: 12, calls: ['step', 'step'] });
  });
});
