/**
 * User breakpoints without DAP or a program: the lines and functions of the debug fixture resolved
 * to the points the compiler places (what the Breakpoints view then shows), and whether a hit stops.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { POINT_KIND_NAMES, pointIdText } from '../../compiler-core/src/index';
import type { RuntimePoint, RuntimeValue } from '../src/runtimeClient';
import type { EvalContext } from '../src/evalContext';
import { ProgramSymbols } from '../src/programSymbols';
import { UserBreakpoints } from '../src/userBreakpoints';
import { wasmScope } from '../src/breakpointRule';
import { packageRoot } from '../../compiler-core/src/index';

const ROOT = packageRoot();
const FIXTURE = join(ROOT, 'debug-adapter', 'test', 'fixtures', 'dbg.wat');

/** The fixture's symbols with the points of a debug build, as a running program reports them. */
async function debugBuild(): Promise<ProgramSymbols> {
  const symbols = new ProgramSymbols();
  await symbols.loadModule(FIXTURE);
  const { migrationPoints } = await import('../../compiler-core/src/index');
  const points: RuntimePoint[] = migrationPoints(symbols.module!, symbols.moduleBytes!, true).map((p) => ({
    id: pointIdText(p.id), func: p.funcIndex, kind: POINT_KIND_NAMES[p.kind], offset: 0, enabled: false, checkpoint: false,
  }));
  await symbols.setPoints(points, points);
  return symbols;
}

/** What expressions see: local 3 is $i. */
function context(i: number): EvalContext {
  const v = (value: number): RuntimeValue => ({ type: 'i32', value });
  return {
    frame: { index: 0, func: 2, point: '0x0', kind: 'point', locals: [v(5), v(0), v(0), v(i)], stack: [] },
    globals: [], localName: (k) => (k === 3 ? 'i' : undefined), globalName: () => undefined, memorySize: 65536,
    readMemory: async () => Buffer.alloc(0),
  };
}

describe('user breakpoints', function () {
  this.timeout(60000);
  let symbols: ProgramSymbols;
  before(async () => { symbols = await debugBuild(); });

  it('source lines: exact, moved to the next line with a point, or refused with the reason', () => {
    const bps = new UserBreakpoints(symbols).setSourceBreakpoints({ source: { path: FIXTURE }, breakpoints: [{ line: 29 }, { line: 28 }, { line: 36 }] }, undefined);
    assert.deepEqual(bps.map((b) => [b.verified, b.line, b.message]), [
      [true, 29, undefined],
      [true, 29, 'moved to line 29, the next line with a migration point'],
      [false, 36, 'not inside a function'],
    ]);
  });

  it('another file, a bad condition, a checkpoint with a hit count: each says why', () => {
    const ub = new UserBreakpoints(symbols);
    assert.deepEqual(ub.setSourceBreakpoints({ source: { path: '/elsewhere/x.wat' }, breakpoints: [{ line: 3 }] }, undefined).map((b) => b.message),
      [`not the debugged module (${FIXTURE})`]);
    const bps = ub.setSourceBreakpoints({ source: { path: FIXTURE }, breakpoints: [
      { line: 33, condition: '$i +' },
      { line: 31, logMessage: 'checkpoint', hitCondition: '2' },
    ] }, undefined);
    assert.deepEqual(bps.map((b) => [b.verified, b.message]), [
      [false, 'condition "$i +": the expression ends too early'],
      [true, 'checkpoint: each hit writes a snapshot and continues (a checkpoint has no condition or hit count: every hit writes one)'],
    ]);
    // a checkpoint breakpoint writes and goes on: its point is no stopping point
    const { stop, checkpoint } = ub.takePoints();
    assert.equal(stop.size, 0);
    assert.equal(checkpoint.size, 1);
  });

  it('post-mortem: every line is refused with the session\'s reason', () => {
    const bps = new UserBreakpoints(symbols).setSourceBreakpoints({ source: { path: FIXTURE }, breakpoints: [{ line: 29 }] }, 'post-mortem session: nothing runs');
    assert.deepEqual(bps.map((b) => [b.verified, b.message]), [[false, 'post-mortem session: nothing runs']]);
  });

  it('functions: the entry point on the header line, or no such function', () => {
    const bps = new UserBreakpoints(symbols).setFunctionBreakpoints([{ name: '$accumulate' }, { name: 'nosuch' }]);
    assert.deepEqual(bps.map((b) => [b.verified, b.line]), [[true, 27], [false, undefined]]);
    assert.match(bps[0].message ?? '', /^entry point 0x2[0-9a-f]{8}$/);
    assert.equal(bps[1].message, 'no function named nosuch');
  });

  it('a hit stops where its condition holds and its hit count says; a logpoint logs and goes on', async () => {
    const ub = new UserBreakpoints(symbols);
    ub.setSourceBreakpoints({ source: { path: FIXTURE }, breakpoints: [
      { line: 31, condition: '$i > 1', hitCondition: '% 2' },
      { line: 32, logMessage: 'i={$i}' },
    ] }, undefined);
    const [p31, p32] = [...ub.takePoints().stop];
    const logged: string[] = [];
    const log = (text: string) => { logged.push(text); };
    const verdicts: string[] = [];
    for (let i = 0; i < 6; i++) verdicts.push(await ub.verdict(p31, wasmScope(context(i)), log));
    // $i = 2, 3, 4, 5 hold; every 2nd of those stops
    assert.deepEqual(verdicts, ['go', 'go', 'go', 'stop', 'go', 'stop']);
    assert.equal(await ub.verdict(p32, wasmScope(context(7)), log), 'go');
    assert.deepEqual(logged, ['i=7\n']);
    assert.ok(ub.has(p31) && ub.has(p32));
  });
});
