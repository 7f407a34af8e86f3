/**
 * DAP session of type `wanco`: maps DAP requests onto a DebugTarget (a running program, or a
 * snapshot opened post-mortem) and the target's events onto DAP events. What it maps onto lives
 * elsewhere: launch checks (launchConfig), the targets (liveTarget, snapshotTarget), stepping
 * (stepper), user breakpoints (userBreakpoints), what a stop shows (stopView), the program's
 * names, lines and points (programSymbols).
 */
import {
  ContinuedEvent, Event, ExitedEvent, InitializedEvent, InvalidatedEvent, LoggingDebugSession, OutputEvent,
  StoppedEvent, TerminatedEvent, Thread,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { RuntimeState } from './runtimeClient';
import { EvalError, evaluateExpression } from './evaluate';
import type { DebugTarget, TargetEvents, TargetOperation, TargetStop } from './debugTarget';
import { LiveTarget } from './liveTarget';
import { SnapshotTarget } from './snapshotTarget';
import { Stepper, type StepKind } from './stepper';
import { UserBreakpoints } from './userBreakpoints';
import { frames, StopView } from './stopView';
import { ProgramSymbols } from './programSymbols';
import { checkpointPath, liveLaunch, newLaunchedProgram, prepareLaunch, type WancoLaunchArgs } from './launchConfig';
import { UserError } from './userError';
import { CAPABILITIES } from './capabilities';

export type { WancoLaunchArgs } from './launchConfig';

const THREAD = 1;

export class WancoDebugSession extends LoggingDebugSession {
  private target?: DebugTarget;
  private launchArgs?: WancoLaunchArgs;
  private readonly launched = newLaunchedProgram();
  private readonly symbols = new ProgramSymbols();
  private readonly breakpoints = new UserBreakpoints(this.symbols);
  private readonly stepper = new Stepper(this.symbols, (point) => this.breakpoints.has(point));
  private readonly view = new StopView(this.symbols);
  private snapshotSeq = 0;
  private state?: RuntimeState;
  private configured?: () => void;
  private configDone = new Promise<void>((r) => { this.configured = r; });
  private stopped = false;
  private terminating = false;
  /** the next stop is the one stopOnEntry asked for */
  private entryStop = false;
  /** The breakpoint state being sent to the program; resume and steps wait for it (F5 right after a click). */
  private bpApplied: Promise<void> = Promise.resolve();

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  private fail(response: DebugProtocol.Response, e: unknown): void {
    this.sendErrorResponse(response, { id: 1001, format: errorText(e).replace(/[{}]/g, ''), showUser: true });
  }

  /** Throws why the target cannot do `op` now; with no target, nothing runs. */
  private must(op: TargetOperation): void {
    const why = this.target ? this.target.refusal(op) : op === 'run' ? 'the program is not running' : undefined;
    if (why) throw new UserError(why);
  }

  /** The target, when it can run (throws why not). */
  private running(): DebugTarget {
    this.must('run');
    return this.target!;
  }

  /** Checks and prepares a launch configuration (launchConfig): compiles, loads the module or the snapshot. */
  private prepare(args: WancoLaunchArgs): Promise<void> {
    return prepareLaunch(args, this.launched, this.symbols, (text) => this.console(text));
  }

  private console(text: string, category = 'console'): void {
    this.sendEvent(new OutputEvent(text, category));
  }

  // ---- initialize / launch ---------------------------------------------------------------------

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = { ...CAPABILITIES };
    this.sendResponse(response);
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.configured?.();
    this.sendResponse(response);
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: WancoLaunchArgs): Promise<void> {
    let answered = false;
    try {
      args = args ?? {};
      this.launchArgs = args;
      await this.prepare(args);
      await this.startTarget(args.restore);
      this.sendEvent(new InitializedEvent());
      await this.configDone;
      this.sendResponse(response);
      answered = true;
      await this.go(!!args.stopOnEntry);
    } catch (e) {
      await this.target?.terminate().catch(() => undefined);
      // launch was answered already: the client would drop a second answer, the console shows why
      if (answered) this.console(`wanco: ${errorText(e)}\n`, 'stderr');
      else this.fail(response, e);
    }
  }

  /** The target of the prepared launch (the snapshot post-mortem, else the program), started, its breakpoints sent. */
  private async startTarget(restore?: string): Promise<void> {
    const events: TargetEvents = {
      output: (category, text) => this.console(text, category),
      stopped: (s) => { if (target === this.target) void this.onStopped(s); },
      checkpoint: (m) => {
        this.console(m.ok ? `wanco: checkpoint ${m.seq} written to ${m.path} (${m.size} bytes, ${m.frames} frames)\n` : `wanco: checkpoint failed: ${m.error}\n`);
        this.sendEvent(new Event('wancoCheckpoint', m));
      },
      exited: (code) => {
        if (target !== this.target) return;
        this.sendEvent(new ExitedEvent(code));
        if (!this.terminating) this.sendEvent(new TerminatedEvent());
      },
    };
    const snap = this.launched.postMortem;
    const target: DebugTarget = snap ? new SnapshotTarget(snap, this.symbols, events)
      : new LiveTarget(liveLaunch(this.launchArgs!, this.launched, this.symbols, restore), events);
    this.target = target;
    const points = await target.start();
    await this.symbols.setPoints(points.all, points.reported);
    await this.applyBreakpoints();
  }

  /** From the "start" pause: run, or stop at the first migration point (stopOnEntry); a snapshot stops where it was taken. */
  private async go(stopOnEntry: boolean): Promise<void> {
    this.stopped = false;
    if (stopOnEntry) this.entryStop = true;
    await this.target!.begin(stopOnEntry);
  }

  // ---- events from the target --------------------------------------------------------------------

  private async onStopped(s: TargetStop): Promise<void> {
    if (s.reason === 'start') return; // handled by launch
    const target = this.target!;
    let state: RuntimeState;
    try {
      state = this.state = await target.state();
    } catch {
      return;
    }
    const stepping = this.stepper.active;
    let reasonOverride: string | undefined;
    const top = state.frames[state.frames.length - 1];
    // conditions, hit counts and logpoints decide here whether a user breakpoint stops
    const verdict = top && this.breakpoints.has(top.point)
      ? await this.breakpoints.verdict(top.point, this.view.ruleScope(state, top, (a, l) => target.readMemory(a, l)), (t, c) => this.console(t, c))
      : 'none';
    if (stepping && (s.reason === 'step' || s.reason === 'breakpoint')) {
      const outcome = await this.stepper.stopped(s.reason, state, verdict === 'stop', target);
      if (outcome === 'going') return;
      if (outcome === 'breakpoint') reasonOverride = 'breakpoint';
    } else if (s.reason === 'breakpoint' && verdict === 'go') {
      await target.resume().catch(() => undefined);
      return;
    }
    await this.stepper.finish(target);
    await this.view.prepare(state, (a, l) => target.readMemory(a, l));
    this.stopped = true;
    const reason = s.reason === 'snapshot' ? 'snapshot' : this.entryStop ? 'entry'
      : reasonOverride ?? (s.reason === 'breakpoint' && !stepping ? 'breakpoint' : s.reason === 'pause' ? 'pause' : 'step');
    this.entryStop = false;
    this.sendEvent(new StoppedEvent(reason, THREAD, s.text));
  }

  // ---- breakpoints ------------------------------------------------------------------------------

  /** Sends the breakpoints to the program, one update after the other. */
  private applyBreakpoints(): Promise<void> {
    const next = this.bpApplied.catch(() => undefined).then(() => this.sendBreakpoints());
    this.bpApplied = next;
    return next;
  }

  private async sendBreakpoints(): Promise<void> {
    const target = this.target;
    if (!target || target.refusal('run')) return;
    const { stop, checkpoint } = this.breakpoints.takePoints();
    const points = new Set(stop);
    const temp = this.stepper.temporaryPoint;
    if (temp) points.add(temp); // a step in progress keeps its after-call point
    await target.setBreakpoints(points, checkpoint);
  }

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): Promise<void> {
    return this.answerBreakpoints(response, () => this.breakpoints.setSourceBreakpoints(args, this.target?.refusal('breakpoints')));
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): Promise<void> {
    return this.answerBreakpoints(response, () => this.breakpoints.setFunctionBreakpoints(args.breakpoints));
  }

  /** Answers with the breakpoints as resolved once the program has them. */
  private async answerBreakpoints(response: DebugProtocol.SetBreakpointsResponse | DebugProtocol.SetFunctionBreakpointsResponse, set: () => DebugProtocol.Breakpoint[]): Promise<void> {
    try {
      const breakpoints = set();
      await this.applyBreakpoints();
      response.body = { breakpoints };
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, e);
    }
  }

  // ---- stopped state ----------------------------------------------------------------------------

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: [new Thread(THREAD, 'wasm main')] };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    response.body = this.view.stackFrames(this.stopped ? this.state : undefined, args.startFrame ?? 0, args.levels ?? 0);
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    response.body = { scopes: this.view.scopes(args.frameId, this.state) };
    this.sendResponse(response);
  }

  protected override async variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): Promise<void> {
    try {
      response.body = { variables: await this.view.variables(args.variablesReference, this.state) };
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, e);
    }
  }

  protected override async setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): Promise<void> {
    try {
      const ref = this.view.ref(args.variablesReference);
      if (!ref || !this.state || !this.stopped) throw new UserError('not stopped');
      this.must('write');
      if (ref.kind === 'v128') throw new UserError('set the whole v128 value (0x + 32 hex digits), not one shape of it');
      const target = this.running();
      const update = (state: RuntimeState) => { this.state = state; };
      const shown = ref.kind === 'source-locals' || ref.kind === 'source-globals' || ref.kind === 'members'
        ? await this.view.assignSource(ref, args.name, args.value.trim(), target, update)
        : await this.view.assign(ref, args.name, args.value.trim(), this.state, target, update);
      response.body = { value: shown.value, type: shown.type, memoryReference: shown.memoryReference };
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, e);
    }
  }

  protected override async evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): Promise<void> {
    try {
      if (!this.stopped || !this.state) throw new UserError('not stopped');
      const vf = this.view.frame(args.frameId);
      if (vf?.source) {
        const v = await this.view.evaluateSource(args.expression, vf);
        response.body = { result: v.value, type: v.type, variablesReference: v.variablesReference, memoryReference: v.memoryReference };
        this.sendResponse(response);
        return;
      }
      const fr = frames(this.state)[vf?.wasm ?? 0];
      const r = await evaluateExpression(args.expression, this.view.evalContext(this.state, fr, (a, l) => this.target!.readMemory(a, l)));
      if (r.value) {
        const v = this.view.variable(args.expression, r.value, args.expression, this.state);
        response.body = { result: v.value, type: v.type, variablesReference: 0, memoryReference: v.memoryReference };
      } else {
        response.body = { result: r.text ?? '', type: r.type, variablesReference: 0, memoryReference: r.memoryReference };
      }
      this.sendResponse(response);
    } catch (e) {
      // hovers over words that are no values stay silent
      if (args.context === 'hover') { response.success = false; this.sendResponse(response); return; }
      this.fail(response, e instanceof EvalError ? new UserError(e.message) : e);
    }
  }

  protected override async readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): Promise<void> {
    try {
      if (!this.stopped || !this.state) throw new UserError('not stopped');
      const addr = Number(args.memoryReference) + (args.offset ?? 0);
      if (!Number.isFinite(addr) || addr < 0) throw new UserError(`bad memory reference ${args.memoryReference}`);
      const size = this.state.memory.pages * 65536;
      const len = Math.max(0, Math.min(args.count, size - addr, 1 << 20));
      const data = len > 0 ? await this.target!.readMemory(addr, len) : Buffer.alloc(0);
      response.body = { address: `0x${addr.toString(16)}`, data: data.toString('base64'), unreadableBytes: args.count - data.length };
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, e);
    }
  }

  protected override async writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): Promise<void> {
    try {
      const target = this.running();
      if (!this.stopped || !this.state) throw new UserError('not stopped');
      const addr = Number(args.memoryReference) + (args.offset ?? 0);
      if (!Number.isInteger(addr) || addr < 0) throw new UserError(`bad memory reference ${args.memoryReference}`);
      const len = await target.writeMemory(addr, args.data);
      response.body = { bytesWritten: len };
      this.sendResponse(response);
      // hex views and watches of memory read it again
      this.sendEvent(new Event('memory', { memoryReference: args.memoryReference, offset: args.offset ?? 0, count: len }));
      this.sendEvent(new InvalidatedEvent(['variables']));
    } catch (e) {
      this.fail(response, e);
    }
  }

  protected override sourceRequest(response: DebugProtocol.SourceResponse, args: DebugProtocol.SourceArguments): void {
    const { disasm, disasmRef } = this.symbols;
    if (disasm && (args.sourceReference === disasmRef || args.source?.sourceReference === disasmRef)) {
      response.body = { content: disasm.text, mimeType: 'text/x-wasm' };
      this.sendResponse(response);
    } else {
      this.fail(response, new UserError('unknown source'));
    }
  }

  // ---- control ----------------------------------------------------------------------------------

  private async control(response: DebugProtocol.Response, f: (target: DebugTarget) => Promise<unknown>): Promise<void> {
    try {
      const target = this.running();
      await this.bpApplied.catch(() => undefined);
      await f(target);
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, e);
    }
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): Promise<void> {
    return this.control(response, async (target) => {
      this.stopped = false;
      response.body = { allThreadsContinued: true };
      await target.resume();
    });
  }

  private startStep(kind: StepKind): (target: DebugTarget) => Promise<void> {
    return async (target) => {
      if (!this.stopped) throw new UserError('not stopped');
      this.stopped = false;
      await this.stepper.start(kind, this.state, target);
    };
  }

  protected override nextRequest(response: DebugProtocol.NextResponse): Promise<void> { return this.control(response, this.startStep('next')); }
  protected override stepInRequest(response: DebugProtocol.StepInResponse): Promise<void> { return this.control(response, this.startStep('in')); }
  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): Promise<void> { return this.control(response, this.startStep('out')); }
  protected override pauseRequest(response: DebugProtocol.PauseResponse): Promise<void> {
    return this.control(response, async (target) => { if (!this.stopped) await target.pause(); });
  }

  protected override async restartRequest(response: DebugProtocol.RestartResponse, args: DebugProtocol.RestartArguments): Promise<void> {
    await this.relaunch(response, (args?.arguments as WancoLaunchArgs | undefined)?.restore ?? this.launchArgs?.restore, !!this.launchArgs?.stopOnEntry);
  }

  private async relaunch(response: DebugProtocol.Response, restore: string | undefined, stopOnEntry: boolean, targetName?: string): Promise<void> {
    try {
      if (!this.launchArgs) throw new UserError('not launched');
      this.must('restart');
      const old = this.target;
      this.target = undefined;
      await old?.terminate();
      if (targetName && targetName !== this.launched.targetName) {
        await this.prepare({ ...this.launchArgs, target: targetName, restore, snapshot: undefined });
      } else if (restore) {
        await this.prepare({ ...this.launchArgs, restore, snapshot: undefined, args: [], env: {} });
      }
      this.stopped = false;
      this.state = undefined;
      this.sendEvent(new ContinuedEvent(THREAD));
      await this.startTarget(restore);
      this.sendResponse(response);
      await this.go(stopOnEntry);
    } catch (e) {
      this.fail(response, e);
    }
  }

  protected override async terminateRequest(response: DebugProtocol.TerminateResponse): Promise<void> {
    this.terminating = true;
    await this.target?.terminate().catch(() => undefined);
    await this.symbols.dispose();
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
  }

  protected override async disconnectRequest(response: DebugProtocol.DisconnectResponse): Promise<void> {
    this.terminating = true;
    await this.target?.terminate().catch(() => undefined);
    await this.symbols.dispose();
    this.sendResponse(response);
  }

  protected override async customRequest(command: string, response: DebugProtocol.Response, args: Record<string, unknown>): Promise<void> {
    if (command === 'checkpoint') {
      try {
        const target = this.running();
        const r = await target.checkpoint(checkpointPath(args?.path, this.launched, this.symbols, () => ++this.snapshotSeq));
        response.body = { path: r.path, size: r.size, frames: r.frames, seq: r.seq };
        this.console(`wanco: checkpoint written to ${r.path} (${r.size} bytes, ${r.frames} frames)\n`);
        this.sendResponse(response);
      } catch (e) {
        this.fail(response, e);
      }
    } else if (command === 'restore') {
      const snap = typeof args?.snapshot === 'string' ? args.snapshot : typeof args?.path === 'string' ? args.path : undefined;
      if (!snap) { this.fail(response, new UserError('restore: "snapshot" (a .wsnap path) is required')); return; }
      await this.relaunch(response, snap, !!args.stopOnEntry, typeof args.target === 'string' ? args.target : undefined);
    } else {
      super.customRequest(command, response, args);
    }
  }
}

/** What the user is told of a failure: an Error's message, or the thrown value as text. */
function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
