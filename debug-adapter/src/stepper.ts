/**
 * Next, step in and step out over migration points. The runtime only runs to the next enabled
 * point (step) or to a breakpoint (resume); a step is a sequence of those until a stop ends it.
 *
 * Release builds stop only at entries and loops: "returned" also means a caller frame now stands
 * at another point. Debug builds go by lines: next stops at another line of the same frame (not
 * at its after-call points, which are inside the line) or in a caller; step in at any other line
 * or frame; step out in a caller (its after-call point). A line is a line of the program's own
 * source when it has DWARF: there, step in does not stop in code without source lines (libc
 * built without -g): it runs on to where that call returns, as gdb and LLDB do.
 */
import { afterCallPoint, parsePointIdText, pointIdText, type PointKindName } from '../../compiler-core/src/index';
import type { DebugTarget } from './debugTarget';
import type { RuntimeFrame, RuntimeState } from './runtimeClient';

export type StepKind = 'next' | 'out' | 'in';

/** What stepping needs to know of the program's points. */
export interface StepPoints {
  readonly debugBuild: boolean;
  /** where a point stands for stepping (a file and line), undefined when nowhere */
  positionOf(point: string): string | undefined;
  kindOf(point: string): PointKindName | undefined;
  /** the program's points stand on lines of its own source (DWARF): those without a source line are not stepped through */
  readonly sourceLevel: boolean;
  hasSource(point: string): boolean;
}

/** What stepping drives. */
export type StepTarget = Pick<DebugTarget, 'resume' | 'step' | 'enablePoints' | 'disablePoints'>;

/** How a stop during a step turns out: the step went on, it is done, or a user breakpoint ends it. */
export type StepOutcome = 'going' | 'done' | 'breakpoint';

interface Step {
  kind: StepKind;
  /** frames when the step began, and the points of their callers */
  depth: number;
  callers: string[];
  /** position (line or point) of the innermost frame when it began */
  position: string;
  /** an after-call point enabled for this step */
  temp?: string;
}

export class Stepper {
  private current?: Step;

  /** `isUserPoint`: a user breakpoint has enabled this point (a step leaves it enabled). */
  constructor(private readonly points: StepPoints, private readonly isUserPoint: (point: string) => boolean) {}

  /** A step is in progress. */
  get active(): boolean {
    return !!this.current;
  }

  /** The after-call point the step in progress enabled (breakpoint updates keep it enabled). */
  get temporaryPoint(): string | undefined {
    return this.current?.temp;
  }

  /** Starts a step from the stopped state; a release build steps in by one point. */
  async start(kind: StepKind, state: RuntimeState | undefined, target: StepTarget): Promise<void> {
    const frames = state?.frames ?? [];
    const top = frames[frames.length - 1];
    this.current = kind === 'in' && !this.points.debugBuild ? undefined
      : { kind, depth: frames.length, callers: frames.slice(0, -1).map((f) => f.point), position: top ? this.position(top.point) : '' };
    if (this.current) await this.continue(this.current, frames, target);
    else await target.step();
  }

  /**
   * The program stopped ('step' or 'breakpoint') during a step; `userBreakpoint`: a user
   * breakpoint here says stop (a breakpoint met while stepping stops there).
   */
  async stopped(reason: string, state: RuntimeState, userBreakpoint: boolean, target: StepTarget): Promise<StepOutcome> {
    const st = this.current;
    if (!st) return 'done';
    const top = state.frames[state.frames.length - 1];
    if (userBreakpoint && (reason === 'breakpoint' || top.point !== st.temp)) return 'breakpoint';
    if (this.done(st, state)) return 'done';
    await this.continue(st, state.frames, target).catch(() => undefined);
    return 'going';
  }

  /** The program stops for the user: no step is in progress any more; its after-call point goes unless a user breakpoint has it. */
  async finish(target: StepTarget): Promise<void> {
    const st = this.current;
    if (st?.temp && !this.isUserPoint(st.temp)) await target.disablePoints([st.temp]).catch(() => undefined);
    this.current = undefined;
  }

  /** Where a frame stands for stepping: its line, or its point when it has no line. */
  private position(point: string): string {
    return this.points.positionOf(point) ?? point;
  }

  /** Whether the step ends at this stop. */
  private done(st: Step, state: RuntimeState): boolean {
    const frames = state.frames;
    const depth = frames.length;
    const returned = depth < st.depth || frames.slice(0, Math.min(depth, st.depth) - 1).some((f, i) => f.point !== st.callers[i]);
    const top = frames[depth - 1];
    if (!this.points.debugBuild) return st.kind === 'next' ? depth <= st.depth || returned : st.kind === 'out' ? returned : true;
    if (returned || st.kind === 'out') return returned;
    if (this.points.sourceLevel && !this.points.hasSource(top.point)) return false;
    const here = this.position(top.point);
    if (st.kind === 'next') return depth === st.depth && this.points.kindOf(top.point) !== 'after-call' && here !== st.position;
    return depth !== st.depth || here !== st.position;
  }

  /**
   * Goes on with a step. In a debug build, a step that must come back to frame `k` (next: the
   * frame it started in; out: its caller) runs at full speed to the after-call point of the call
   * frame `k` stands at, instead of stopping at every point of the callees.
   */
  private async continue(st: Step, frames: RuntimeFrame[], target: StepTarget): Promise<void> {
    let k = st.kind === 'out' ? st.depth - 2 : st.kind === 'next' ? st.depth - 1 : -1;
    // stepped into code without source lines: on to where its caller's call returns
    if (k < 0 && this.points.sourceLevel && frames.length >= 2 && !this.points.hasSource(frames[frames.length - 1].point)) k = frames.length - 2;
    if (this.points.debugBuild && k >= 0 && frames.length > k + 1 && this.points.kindOf(frames[k].point) === 'call') {
      const after = pointIdText(afterCallPoint(parsePointIdText(frames[k].point)));
      if (this.points.kindOf(after) !== undefined) {
        if (st.temp !== after) {
          if (st.temp && !this.isUserPoint(st.temp)) await target.disablePoints([st.temp]);
          st.temp = after;
          await target.enablePoints([after]);
        }
        await target.resume();
        return;
      }
    }
    if (st.kind === 'out' && st.depth <= 1) { await target.resume(); return; } // out of the outermost frame: to the end
    await target.step();
  }
}
