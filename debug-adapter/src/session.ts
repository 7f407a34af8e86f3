/**
 * DAP session of type `wanco`: maps DAP requests onto the runtime client (live sessions) or a
 * snapshot (post-mortem), and runtime events onto DAP events.
 */
import {
  Breakpoint, ContinuedEvent, Event, ExitedEvent, Handles, InitializedEvent, InvalidatedEvent, LoggingDebugSession, OutputEvent, Scope,
  Source, StackFrame, StoppedEvent, TerminatedEvent, Thread,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { RuntimeClient, RuntimeFrame, RuntimePoint, RuntimeState, RuntimeValue, StopInfo } from './runtimeClient';
import { instructionLines, pointKey, WatSourceMap, type LineSource } from './sourceMap';
import { placePoints, pointOffset, resolveLine, stoppable, type PlacedPoint, type PointInfo } from './pointLines';
import { EvalError, evaluateExpression, type EvalContext } from './evaluate';
import { BreakpointRule, type RuleSpec } from './breakpointRule';
import { laneViews } from './v128Lanes';
import { disassemble, Disassembly } from './disassembly';
import { snapshotState } from './postMortem';
import type { Module } from '../../compiler-core/src/index';
import type { Snapshot } from '../../compiler-core/src/index';
import { afterCallPoint, isDebugPoint, parsePointIdText, POINT_KIND_NAMES, pointIdText } from '../../compiler-core/src/index';

export interface WancoLaunchArgs extends DebugProtocol.LaunchRequestArguments {
  /** .wat, .wasm (compiled on the fly) or a wanco ELF */
  program?: string;
  /** for an ELF program: the .wat/.wasm it was built from (names, lines) */
  module?: string;
  args?: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** preopened directories, HOST[::GUEST] */
  dirs?: string[];
  target?: string;
  optLevel?: number;
  /** compile .wat/.wasm as a debug build (statement and after-call points; default true) */
  debugPoints?: boolean;
  stopOnEntry?: boolean;
  /** start from this snapshot */
  restore?: string;
  /** where checkpoints go (default: cwd) */
  snapshotDir?: string;
  /** post-mortem: open this snapshot read-only, run nothing */
  snapshot?: string;
}

class UserError extends Error {}

interface Stepping {
  kind: 'next' | 'out' | 'in';
  /** frames when the step began, and the points of their callers */
  depth: number;
  callers: string[];
  /** position (line or point) of the innermost frame when it began */
  position: string;
  /** an after-call point enabled for this step */
  temp?: string;
}

const THREAD = 1;
type ScopeRef = { frame: number; kind: 'locals' | 'stack' | 'globals' } | { frame: number; kind: 'v128'; value: string };

/** A user breakpoint as the adapter keeps it: its points, and a rule when it has a condition, hit count or log message. */
interface BpRecord { points: string[]; checkpoint?: boolean; rule?: BreakpointRule }

export class WancoDebugSession extends LoggingDebugSession {
  private runtime?: RuntimeClient;
  private launchArgs?: WancoLaunchArgs;
  private module?: Module;
  private moduleBytes?: Uint8Array;
  private sourcePath?: string;
  private sourceMap?: WatSourceMap;
  private disasm?: Disassembly;
  private disasmRef = 0;
  private points: RuntimePoint[] = [];
  /** every point with its line and kind */
  private placed = new Map<string, PlacedPoint>();
  /** the program has statement points (a debug build) */
  private debugBuild = false;
  private exe?: string;
  private targetName = 'x86_64';
  private snapshotDir = '';
  private snapshotSeq = 0;
  private postMortem?: Snapshot;
  private state?: RuntimeState;
  private scopes = new Handles<ScopeRef>();
  private configured?: () => void;
  private configDone = new Promise<void>((r) => { this.configured = r; });
  private lineBps = new Map<string, BpRecord[]>();
  private funcBps: BpRecord[] = [];
  private stepping?: Stepping;
  /** points of user breakpoints */
  private enabled = new Set<string>();
  private stopped = false;
  private terminating = false;

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  // ---- helpers --------------------------------------------------------------------------------

  private fail(response: DebugProtocol.Response, e: unknown): void {
    const msg = e instanceof Error ? e.message : String(e);
    this.sendErrorResponse(response, { id: 1001, format: msg.replace(/[{}]/g, ''), showUser: true });
  }

  private funcName(i: number): string | undefined {
    const m = this.module;
    if (m) {
      const n = m.names.functions.get(i) ?? m.exports.find((e) => e.kind === 'func' && e.index === i)?.name;
      if (n) return n;
    }
    return this.points.find((p) => p.func === i && p.name)?.name;
  }

  private source(): Source | undefined {
    if (this.sourceMap && this.sourcePath) return new Source(basename(this.sourcePath), this.sourcePath);
    if (this.disasm) return new Source(`${basename(this.sourcePath ?? 'module')}.dis.wat`, undefined, this.disasmRef, 'disassembly', 'wanco');
    return undefined;
  }

  private lineSource(): LineSource | undefined {
    return this.sourceMap ?? this.disasm;
  }

  /** Line of a point (its id), when the text has it. */
  private lineOf(point: string): number | undefined {
    return this.placed.get(point)?.line;
  }

  /** Knows the program's points: places them on lines. */
  private setPoints(points: PointInfo[]): void {
    this.placed = placePoints(points, this.module, this.lineSource());
    this.debugBuild = points.some((p) => p.kind === 'statement');
  }

  // ---- initialize / launch ---------------------------------------------------------------------

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      supportsConfigurationDoneRequest: true,
      supportsFunctionBreakpoints: true,
      supportsLogPoints: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsSetVariable: true,
      supportsReadMemoryRequest: true,
      supportsWriteMemoryRequest: true,
      supportsRestartRequest: true,
      supportsTerminateRequest: true,
      supportsSingleThreadExecutionRequests: false,
      supportsSteppingGranularity: false,
      supportsValueFormattingOptions: false,
      supportsEvaluateForHovers: true,
    };
    this.sendResponse(response);
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.configured?.();
    this.sendResponse(response);
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: WancoLaunchArgs): Promise<void> {
    try {
      args = args ?? {};
      this.launchArgs = args;
      await this.prepare(args);
      if (this.postMortem) {
        this.sendEvent(new InitializedEvent());
        await this.configDone;
        this.sendResponse(response);
        this.state = snapshotState(this.postMortem, (i) => this.funcName(i));
        await this.postMortemPoints(this.postMortem);
        this.stopped = true;
        this.sendEvent(new StoppedEvent('snapshot', THREAD, `post-mortem: ${this.postMortem.file}`));
        return;
      }
      await this.startRuntime(args.restore);
      this.sendEvent(new InitializedEvent());
      await this.configDone;
      this.sendResponse(response);
      await this.go(!!args.stopOnEntry);
    } catch (e) {
      await this.runtime?.terminate().catch(() => undefined);
      this.fail(response, e);
    }
  }

  /** Validates the configuration, compiles, loads the module or the snapshot. */
  private async prepare(args: WancoLaunchArgs): Promise<void> {
    const cwd = args.cwd ? resolve(args.cwd) : process.cwd();
    if (args.cwd && !existsSync(cwd)) throw new UserError(`cwd ${args.cwd} does not exist`);
    const abs = (p: string) => resolve(cwd, p);
    const { parseTarget, hostTarget } = await import('../../compiler-core/src/index');
    let target;
    try {
      target = parseTarget(args.target ?? hostTarget() ?? 'x86_64');
    } catch (e) {
      throw new UserError(`launch: ${(e as Error).message}`);
    }
    this.targetName = target.name;
    if (args.optLevel !== undefined && ![0, 1, 2, 3].includes(args.optLevel)) throw new UserError('launch: optLevel must be 0, 1, 2 or 3');
    if (!args.program && !args.snapshot) throw new UserError('launch: "program" (a .wat, .wasm or wanco ELF) or "snapshot" (post-mortem) is required');
    if (args.snapshot && args.restore) throw new UserError('launch: give "snapshot" (post-mortem, read-only) or "restore" (run from it), not both');
    const program = args.program ? abs(args.program) : undefined;
    if (program && (!existsSync(program) || !statSync(program).isFile())) throw new UserError(`launch: program ${program} does not exist`);
    let moduleFile = args.module ? abs(args.module) : undefined;
    if (moduleFile && !existsSync(moduleFile)) throw new UserError(`launch: module ${moduleFile} does not exist`);
    let isElf = false;
    if (program) {
      const ext = extname(program).toLowerCase();
      const head = readFileSync(program).subarray(0, 4);
      isElf = head.length === 4 && head[0] === 0x7f && head.toString('latin1', 1, 4) === 'ELF';
      if (!isElf && !['.wat', '.wast', '.wasm'].includes(ext)) {
        throw new UserError(`launch: program ${program} is neither a .wat/.wasm module nor an ELF`);
      }
      if (!isElf) moduleFile = program;
    }
    if (moduleFile) {
      const { loadModule } = await import('../../compiler-core/src/index');
      const { bytes, module } = await loadModule(moduleFile);
      this.module = module;
      this.moduleBytes = bytes;
      this.sourcePath = moduleFile;
      if (/\.wa[st]t?$/i.test(moduleFile) && !moduleFile.endsWith('.wasm')) {
        const text = readFileSync(moduleFile, 'utf8');
        this.sourceMap = new WatSourceMap(text, module, await instructionLines(text, bytes, module));
      } else {
        this.disasm = disassemble(module, (i) => this.funcName(i));
        this.disasmRef = 1;
      }
    }
    for (const f of [args.snapshot, args.restore]) {
      if (!f) continue;
      const p = abs(f);
      if (!existsSync(p)) throw new UserError(`launch: snapshot ${p} does not exist`);
      const { readSnapshotFile } = await import('../../compiler-core/src/index');
      const snap = readSnapshotFile(p);
      if (this.moduleBytes) {
        const h = createHash('sha256').update(this.moduleBytes).digest('hex');
        if (h !== Buffer.from(snap.moduleHash).toString('hex')) {
          throw new UserError(`launch: snapshot ${p} was taken from another module than ${moduleFile} (module hash differs)`);
        }
      }
      if (f === args.snapshot) this.postMortem = snap;
    }
    if (this.postMortem) return;
    if (!program) throw new UserError('launch: "program" is required');
    if (args.args && (!Array.isArray(args.args) || args.args.some((a) => typeof a !== 'string'))) throw new UserError('launch: "args" must be an array of strings');
    if (args.restore && ((args.args?.length ?? 0) > 0 || Object.keys(args.env ?? {}).length > 0)) {
      throw new UserError('launch: a restored program keeps its saved arguments and environment; remove "args"/"env"');
    }
    if (isElf) {
      this.exe = program;
    } else {
      const { compileCached } = await import('../../compiler-core/src/index');
      this.sendEvent(new OutputEvent(`wanco: compiling ${basename(program)} for ${target.name}\n`, 'console'));
      const debug = args.debugPoints ?? true;
      if (typeof debug !== 'boolean') throw new UserError('launch: "debugPoints" must be true or false');
      this.exe = await compileCached(program, target, (args.optLevel ?? 2) as 0 | 1 | 2 | 3, debug);
    }
    this.snapshotDir = args.snapshotDir ? abs(args.snapshotDir) : cwd;
    mkdirSync(this.snapshotDir, { recursive: true });
  }

  private async startRuntime(restore?: string): Promise<void> {
    const args = this.launchArgs!;
    const cwd = args.cwd ? resolve(args.cwd) : process.cwd();
    const { runnerFor } = await import('../../compiler-core/src/index');
    const { parseTarget } = await import('../../compiler-core/src/index');
    const [command, commandArgs] = runnerFor(parseTarget(this.targetName), this.exe!);
    const rt = new RuntimeClient();
    this.runtime = rt;
    rt.on('output', (category: string, text: string) => this.sendEvent(new OutputEvent(text, category)));
    rt.on('stopped', (s: StopInfo) => { if (rt === this.runtime) void this.onStopped(s); });
    rt.on('checkpoint', (m: Record<string, unknown>) => {
      this.sendEvent(new OutputEvent(m.ok ? `wanco: checkpoint ${m.seq} written to ${m.path} (${m.size} bytes, ${m.frames} frames)\n`
        : `wanco: checkpoint failed: ${m.error}\n`, 'console'));
      this.sendEvent(new Event('wancoCheckpoint', m));
    });
    rt.on('exited', (code: number) => {
      if (rt !== this.runtime) return;
      this.sendEvent(new ExitedEvent(code));
      if (!this.terminating) this.sendEvent(new TerminatedEvent());
    });
    const stem = basename(this.sourcePath ?? this.exe!).replace(/\.\w+$/, '');
    await rt.start({
      command, commandArgs, args: args.args ?? [], cwd, env: args.env, dirs: args.dirs,
      snapshot: join(this.snapshotDir, `${stem}.wsnap`), restore: restore ? resolve(cwd, restore) : undefined,
    });
    this.points = await rt.points();
    this.setPoints(this.points);
    await this.applyBreakpoints();
  }

  /** From the "start" pause: run, or stop at the first migration point (stopOnEntry). */
  private async go(stopOnEntry: boolean): Promise<void> {
    this.stopped = false;
    if (stopOnEntry) {
      this.entryStop = true;
      await this.runtime!.step();
    } else {
      await this.runtime!.resume();
    }
  }
  private entryStop = false;

  // ---- events from the runtime -------------------------------------------------------------------

  private async onStopped(s: StopInfo): Promise<void> {
    if (s.reason === 'start') return; // handled by launch
    try {
      this.state = await this.runtime!.state();
    } catch {
      return;
    }
    const st = this.stepping;
    let reasonOverride: string | undefined;
    const top = this.state.frames[this.state.frames.length - 1];
    // conditions, hit counts and logpoints decide here whether a user breakpoint stops
    const verdict = top && this.enabled.has(top.point) ? await this.breakpointVerdict(top.point) : 'none';
    if (st && (s.reason === 'step' || s.reason === 'breakpoint')) {
      const userBp = verdict === 'stop';
      if (userBp && (s.reason === 'breakpoint' || top.point !== st.temp)) {
        reasonOverride = 'breakpoint'; // a breakpoint met while stepping stops there
      } else if (!this.stepDone(st, this.state)) {
        await this.continueStep(st).catch(() => undefined);
        return;
      }
    } else if (s.reason === 'breakpoint' && verdict === 'go') {
      await this.runtime!.resume().catch(() => undefined);
      return;
    }
    if (st?.temp && !this.enabled.has(st.temp)) await this.runtime!.request('disable', { points: [st.temp] }).catch(() => undefined);
    this.stepping = undefined;
    this.scopes.reset();
    this.stopped = true;
    const reason = this.entryStop ? 'entry' : reasonOverride ?? (s.reason === 'breakpoint' && !st ? 'breakpoint' : s.reason === 'pause' ? 'pause' : 'step');
    this.entryStop = false;
    this.sendEvent(new StoppedEvent(reason, THREAD));
  }

  /** Whether the user breakpoints at `point` stop the program (each hit counts, logpoints log). */
  private async breakpointVerdict(point: string): Promise<'stop' | 'go'> {
    const recs = [...[...this.lineBps.values()].flat(), ...this.funcBps].filter((r) => !r.checkpoint && r.points.includes(point));
    if (recs.length === 0) return 'stop';
    const fr = this.state!.frames[this.state!.frames.length - 1];
    const ctx = this.evalContext(fr);
    let stop = false;
    for (const r of recs) {
      if (!r.rule) { stop = true; continue; }
      try {
        if (await r.rule.hit(ctx, (line) => this.sendEvent(new OutputEvent(`${line}\n`, 'console')))) stop = true;
      } catch (e) {
        stop = true; // as other debuggers do: a condition that fails stops, and says why
        this.sendEvent(new OutputEvent(`wanco: breakpoint ${(e as Error).message}; stopped there\n`, 'stderr'));
      }
    }
    return stop ? 'stop' : 'go';
  }

  /** What expressions see of frame `fr` of the stopped state. */
  private evalContext(fr: RuntimeFrame | undefined): EvalContext {
    const state = this.state!;
    return {
      frame: fr,
      globals: state.globals,
      localName: (i) => (fr ? this.module?.names.locals.get(fr.func)?.get(i) : undefined),
      globalName: (i) => this.globalName(i).replace(/^\$/, ''),
      memorySize: state.memory.pages * 65536,
      readMemory: (addr, len) => this.memory(addr, len),
    };
  }

  /** Where a frame stands for stepping: its line, or its point when it has no line. */
  private position(point: string): string {
    const l = this.lineOf(point);
    return l !== undefined ? `line ${l}` : point;
  }

  /**
   * Whether a step ends at this stop. Release builds stop only at entries and loops: "returned"
   * also means a caller frame now stands at another point. Debug builds go by lines: next stops at
   * another line of the same frame (not at its after-call points, which are inside the line) or
   * in a caller; step in at any other line or frame; step out in a caller (its after-call point).
   */
  private stepDone(st: Stepping, state: RuntimeState): boolean {
    const frames = state.frames;
    const depth = frames.length;
    const returned = depth < st.depth || frames.slice(0, Math.min(depth, st.depth) - 1).some((f, i) => f.point !== st.callers[i]);
    const top = frames[depth - 1];
    if (!this.debugBuild) return st.kind === 'next' ? depth <= st.depth || returned : st.kind === 'out' ? returned : true;
    if (returned || st.kind === 'out') return returned;
    const here = this.position(top.point);
    if (st.kind === 'next') return depth === st.depth && this.placed.get(top.point)?.kind !== 'after-call' && here !== st.position;
    return depth !== st.depth || here !== st.position;
  }

  /**
   * Goes on with a step. In a debug build, a step that must come back to frame `k` (next: the
   * frame it started in; out: its caller) runs at full speed to the after-call point of the call
   * frame `k` stands at, instead of stopping at every point of the callees.
   */
  private async continueStep(st: Stepping): Promise<void> {
    const rt = this.runtime!;
    const frames = this.state?.frames ?? [];
    const k = st.kind === 'out' ? st.depth - 2 : st.kind === 'next' ? st.depth - 1 : -1;
    if (this.debugBuild && k >= 0 && frames.length > k + 1 && this.placed.get(frames[k].point)?.kind === 'call') {
      const after = pointIdText(afterCallPoint(parsePointIdText(frames[k].point)));
      if (this.placed.has(after)) {
        if (st.temp !== after) {
          if (st.temp && !this.enabled.has(st.temp)) await rt.request('disable', { points: [st.temp] });
          st.temp = after;
          await rt.request('enable', { points: [after] });
        }
        await rt.resume();
        return;
      }
    }
    if (st.kind === 'out' && st.depth <= 1) { await rt.resume(); return; } // out of the outermost frame: to the end
    await rt.step();
  }

  // ---- breakpoints ------------------------------------------------------------------------------

  /** The breakpoint state being sent to the runtime; resume and steps wait for it (F5 right after a click). */
  private bpApplied: Promise<void> = Promise.resolve();

  /** Sends the breakpoints to the runtime, one update after the other. */
  private applyBreakpoints(): Promise<void> {
    const next = this.bpApplied.catch(() => undefined).then(() => this.sendBreakpoints());
    this.bpApplied = next;
    return next;
  }

  private async sendBreakpoints(): Promise<void> {
    const rt = this.runtime;
    if (!rt || !rt.running) return;
    const enable = new Set<string>();
    const ckpt = new Set<string>();
    for (const list of this.lineBps.values()) for (const b of list) for (const p of b.points) (b.checkpoint ? ckpt : enable).add(p);
    for (const b of this.funcBps) for (const p of b.points) enable.add(p);
    this.enabled = enable;
    const points = new Set(enable);
    if (this.stepping?.temp) points.add(this.stepping.temp); // a step in progress keeps its after-call point
    await rt.request('disable', { all: true });
    if (points.size) await rt.request('enable', { points: [...points] });
    await rt.request('checkpoint_at', { points: [...ckpt] });
  }

  /** The rule of a breakpoint with a condition, hit count or log message; throws what is wrong with them. */
  private ruleFor(b: RuleSpec): BreakpointRule | undefined {
    return BreakpointRule.needed(b) ? new BreakpointRule(b) : undefined;
  }

  private isCheckpointBp(b: DebugProtocol.SourceBreakpoint): boolean {
    return !!b.logMessage && /^\s*checkpoint\b/i.test(b.logMessage);
  }

  protected override async setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): Promise<void> {
    try {
      const path = args.source.path ?? `ref:${args.source.sourceReference}`;
      const bps: DebugProtocol.SourceBreakpoint[] = args.breakpoints ?? (args.lines ?? []).map((line) => ({ line }));
      const out: DebugProtocol.Breakpoint[] = [];
      const recs: BpRecord[] = [];
      const live = !this.postMortem;
      for (const b of bps) {
        let res: { line: number; points: string[]; message?: string } | { reason: string };
        if (this.sourceMap && this.sourcePath && args.source.path && resolve(args.source.path) === this.sourcePath) {
          res = resolveLine(b.line, this.sourceMap, this.placed.values(), this.debugBuild ? this.sourceMap.instrProblem : undefined);
        } else if (this.disasm && args.source.sourceReference === this.disasmRef) {
          res = resolveLine(b.line, this.disasm, this.placed.values());
        } else {
          res = { reason: this.sourcePath ? `not the debugged module (${this.sourcePath})` : 'no module text: launch a .wat/.wasm or give "module" for the ELF' };
        }
        if (!live) res = { reason: 'post-mortem session: nothing runs' };
        const checkpoint = this.isCheckpointBp(b);
        let rule: BreakpointRule | undefined;
        if ('points' in res && !checkpoint) {
          try { rule = this.ruleFor(b); } catch (e) { res = { reason: (e as Error).message }; }
        }
        if ('points' in res) {
          recs.push({ points: res.points, checkpoint, rule });
          const bp = new Breakpoint(true, res.line) as DebugProtocol.Breakpoint;
          if (res.message) bp.message = res.message;
          if (checkpoint) {
            bp.message = 'checkpoint: each hit writes a snapshot and continues';
            if (b.condition || b.hitCondition) bp.message += ' (a checkpoint has no condition or hit count: every hit writes one)';
          }
          out.push(bp);
        } else {
          const bp = new Breakpoint(false, b.line) as DebugProtocol.Breakpoint;
          bp.message = res.reason;
          (bp as DebugProtocol.Breakpoint & { reason?: string }).reason = 'failed';
          out.push(bp);
        }
      }
      this.lineBps.set(path, recs);
      await this.applyBreakpoints();
      response.body = { breakpoints: out };
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, e);
    }
  }

  protected override async setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): Promise<void> {
    try {
      const out: DebugProtocol.Breakpoint[] = [];
      this.funcBps = [];
      for (const b of args.breakpoints) {
        const name = b.name.replace(/^\$/, '');
        const pts = this.points.filter((p) => stoppable(p.kind) && (this.funcName(p.func) === name || String(p.func) === name));
        const entry = pts.find((p) => p.kind === 'entry');
        const chosen = entry ?? [...pts].sort((a, c) => pointOffset(a.id) - pointOffset(c.id))[0];
        if (!chosen) {
          const known = this.points.some((p) => p.name === name) || [...(this.module?.names.functions.values() ?? [])].includes(name);
          const bp = new Breakpoint(false) as DebugProtocol.Breakpoint;
          bp.message = known ? `$${name} has no function-entry or loop migration point` : `no function named ${name}`;
          out.push(bp);
          continue;
        }
        let rule: BreakpointRule | undefined;
        try {
          rule = this.ruleFor(b);
        } catch (e) {
          const bp = new Breakpoint(false) as DebugProtocol.Breakpoint;
          bp.message = (e as Error).message;
          out.push(bp);
          continue;
        }
        this.funcBps.push({ points: [chosen.id], rule });
        const line = this.lineOf(chosen.id);
        const bp = new Breakpoint(true, line, undefined, this.source()) as DebugProtocol.Breakpoint;
        bp.message = `${chosen.kind} point ${chosen.id}`;
        out.push(bp);
      }
      await this.applyBreakpoints();
      response.body = { breakpoints: out };
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

  private frames(): RuntimeFrame[] {
    return this.state ? [...this.state.frames].reverse() : [];
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const frames = this.stopped ? this.frames() : [];
    const start = args.startFrame ?? 0;
    const count = args.levels || frames.length;
    response.body = {
      stackFrames: frames.slice(start, start + count).map((f, k) => {
        const id = start + k;
        const offset = pointOffset(f.point);
        const name = f.name ?? this.funcName(f.func) ?? `func ${f.func}`;
        const line = this.lineOf(f.point);
        const sf = new StackFrame(id, `${name} (${f.kind} @0x${offset.toString(16)})`, line ? this.source() : undefined, line ?? 0, 1);
        (sf as DebugProtocol.StackFrame).instructionPointerReference = f.point;
        return sf;
      }),
      totalFrames: frames.length,
    };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const f = args.frameId;
    const fr = this.frames()[f];
    response.body = {
      scopes: [
        Object.assign(new Scope('Locals', this.scopes.create({ frame: f, kind: 'locals' }), false), { namedVariables: fr?.locals.length ?? 0, presentationHint: 'locals' }),
        Object.assign(new Scope('Operand stack', this.scopes.create({ frame: f, kind: 'stack' }), false), { namedVariables: fr?.stack.length ?? 0 }),
        Object.assign(new Scope('Globals', this.scopes.create({ frame: f, kind: 'globals' }), true), { namedVariables: this.state?.globals.length ?? 0 }),
      ],
    };
    this.sendResponse(response);
  }

  private valueText(v: RuntimeValue): string {
    if (v.value === undefined) return '<unavailable>';
    if ((v.type === 'funcref') && v.value !== 'null') {
      const n = this.funcName(Number(v.value));
      return n ? `func ${v.value} <${n}>` : `func ${v.value}`;
    }
    if ((v.type === 'f32' || v.type === 'f64') && /nan/i.test(String(v.value)) && v.bits) return `nan (${v.bits})`;
    return String(v.value);
  }

  private variable(name: string, v: RuntimeValue, evaluateName: string): DebugProtocol.Variable {
    const detail = [v.type];
    if (v.bits) detail.push(`bits ${v.bits}`);
    if (v.loc) detail.push(`@ ${v.loc}`);
    // a v128 opens into its lanes in every shape
    const lanes = v.type === 'v128' && typeof v.value === 'string' ? this.scopes.create({ frame: -1, kind: 'v128', value: v.value }) : 0;
    const out: DebugProtocol.Variable = { name, value: this.valueText(v), type: detail.join(' '), variablesReference: lanes, evaluateName };
    if (v.type === 'i32' && this.state && this.state.memory.pages > 0) out.memoryReference = `0x${(Number(v.value) >>> 0).toString(16)}`;
    return out;
  }

  private localName(func: number, i: number): string {
    const n = this.module?.names.locals.get(func)?.get(i);
    return n ? `$${n}` : `local ${i}`;
  }

  private globalName(i: number): string {
    const n = this.module?.names.globals.get(i) ?? this.module?.exports.find((e) => e.kind === 'global' && e.index === i)?.name;
    return n ? `$${n}` : `global ${i}`;
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    const ref = this.scopes.get(args.variablesReference);
    const vars: DebugProtocol.Variable[] = [];
    if (ref?.kind === 'v128') {
      for (const l of laneViews(ref.value)) vars.push({ name: l.shape, value: `[${l.lanes.join(', ')}]`, type: l.shape, variablesReference: 0 });
    } else if (ref && this.state) {
      const fr = this.frames()[ref.frame];
      if (ref.kind === 'globals') this.state.globals.forEach((v, i) => vars.push(this.variable(this.globalName(i), v, `global[${i}]`)));
      else if (fr && ref.kind === 'locals') fr.locals.forEach((v, i) => vars.push(this.variable(this.localName(fr.func, i), v, `local[${i}]`)));
      else if (fr) fr.stack.forEach((v, i) => vars.push(this.variable(`[${i}]`, v, `stack[${i}]`)));
    }
    response.body = { variables: vars };
    this.sendResponse(response);
  }

  protected override async setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): Promise<void> {
    try {
      const ref = this.scopes.get(args.variablesReference);
      if (!ref || !this.state || !this.stopped) throw new UserError('not stopped');
      if (this.postMortem) throw new UserError('a post-mortem snapshot is read-only');
      if (ref.kind === 'v128') throw new UserError('set the whole v128 value (0x + 32 hex digits), not one shape of it');
      const rt = this.requireLive();
      const fr = this.frames()[ref.frame];
      let shown: DebugProtocol.Variable;
      if (ref.kind === 'globals') {
        const idx = this.state.globals.findIndex((_, i) => this.globalName(i) === args.name);
        if (idx < 0) throw new UserError(`no global ${args.name}`);
        await rt.request('set_global', { index: idx, value: encodeValue(this.state.globals[idx].type, args.value.trim()) });
        this.state = await rt.state();
        shown = this.variable(args.name, this.state.globals[idx], '');
      } else {
        if (!fr) throw new UserError('no such frame');
        const vars = ref.kind === 'locals' ? fr.locals : fr.stack;
        const idx = ref.kind === 'locals' ? fr.locals.findIndex((_, i) => this.localName(fr.func, i) === args.name) : Number(/^\[(\d+)\]$/.exec(args.name)?.[1] ?? -1);
        if (idx < 0 || idx >= vars.length) throw new UserError(`no variable ${args.name}`);
        const value = encodeValue(vars[idx].type, args.value.trim());
        // the runtime rebuilds the frames with the new value and stops at the same point again
        await rt.request('set_local', { frame: fr.index, index: ref.kind === 'locals' ? idx : fr.locals.length + idx, value });
        this.state = await rt.state();
        const nf = this.state.frames[fr.index];
        shown = this.variable(args.name, (ref.kind === 'locals' ? nf.locals : nf.stack)[idx], '');
      }
      response.body = { value: shown.value, type: shown.type, memoryReference: shown.memoryReference };
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, e);
    }
  }

  protected override async evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): Promise<void> {
    try {
      if (!this.stopped || !this.state) throw new UserError('not stopped');
      const fr = args.frameId !== undefined ? this.frames()[args.frameId] : this.frames()[0];
      const r = await evaluateExpression(args.expression, this.evalContext(fr));
      if (r.value) {
        const v = this.variable(args.expression, r.value, args.expression);
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

  /** Linear memory of the stopped program or of the snapshot. */
  private async memory(addr: number, len: number): Promise<Buffer> {
    if (this.postMortem) {
      const { readMemory } = await import('../../compiler-core/src/index');
      return Buffer.from(readMemory(this.postMortem, addr, len));
    }
    const r = await this.runtime!.request<{ data: string }>('read_memory', { addr, len, encoding: 'base64' });
    return Buffer.from(r.data, 'base64');
  }

  /** Post-mortem: the program's points as the compiler places them (a debug build when the snapshot has debug points). */
  private async postMortemPoints(snap: Snapshot): Promise<void> {
    if (!this.module || !this.moduleBytes) return;
    const debugPoints = snap.frames.some((f) => isDebugPoint(f.pointId));
    const { migrationPoints } = await import('../../compiler-core/src/index');
    this.setPoints(migrationPoints(this.module, this.moduleBytes, debugPoints).map((p) => ({ id: pointIdText(p.id), func: p.funcIndex, kind: POINT_KIND_NAMES[p.kind] })));
  }

  protected override async readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): Promise<void> {
    try {
      if (!this.stopped || !this.state) throw new UserError('not stopped');
      const addr = Number(args.memoryReference) + (args.offset ?? 0);
      if (!Number.isFinite(addr) || addr < 0) throw new UserError(`bad memory reference ${args.memoryReference}`);
      const size = this.state.memory.pages * 65536;
      const len = Math.max(0, Math.min(args.count, size - addr, 1 << 20));
      const data = len > 0 ? await this.memory(addr, len) : Buffer.alloc(0);
      response.body = { address: `0x${addr.toString(16)}`, data: data.toString('base64'), unreadableBytes: args.count - data.length };
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, e);
    }
  }

  protected override async writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): Promise<void> {
    try {
      const rt = this.requireLive();
      if (!this.stopped || !this.state) throw new UserError('not stopped');
      const addr = Number(args.memoryReference) + (args.offset ?? 0);
      if (!Number.isInteger(addr) || addr < 0) throw new UserError(`bad memory reference ${args.memoryReference}`);
      const r = await rt.request<{ len: number }>('write_memory', { addr, data: args.data });
      response.body = { bytesWritten: r.len };
      this.sendResponse(response);
      // hex views and watches of memory read it again
      this.sendEvent(new Event('memory', { memoryReference: args.memoryReference, offset: args.offset ?? 0, count: r.len }));
      this.sendEvent(new InvalidatedEvent(['variables']));
    } catch (e) {
      this.fail(response, e);
    }
  }

  protected override sourceRequest(response: DebugProtocol.SourceResponse, args: DebugProtocol.SourceArguments): void {
    if (this.disasm && (args.sourceReference === this.disasmRef || args.source?.sourceReference === this.disasmRef)) {
      response.body = { content: this.disasm.text, mimeType: 'text/x-wasm' };
      this.sendResponse(response);
    } else {
      this.fail(response, new UserError('unknown source'));
    }
  }

  // ---- control ----------------------------------------------------------------------------------

  private requireLive(): RuntimeClient {
    if (this.postMortem) throw new UserError('a post-mortem session does not run (launch with "restore" to continue from the snapshot)');
    if (!this.runtime?.running) throw new UserError('the program is not running');
    return this.runtime;
  }

  private async control(response: DebugProtocol.Response, f: (rt: RuntimeClient) => Promise<unknown>): Promise<void> {
    try {
      const rt = this.requireLive();
      await this.bpApplied.catch(() => undefined);
      await f(rt);
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, e);
    }
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): Promise<void> {
    return this.control(response, async (rt) => {
      this.stopped = false;
      response.body = { allThreadsContinued: true };
      await rt.resume();
    });
  }

  private startStep(kind: 'next' | 'out' | 'in'): (rt: RuntimeClient) => Promise<unknown> {
    return async (rt) => {
      if (!this.stopped) throw new UserError('not stopped');
      const frames = this.state?.frames ?? [];
      const top = frames[frames.length - 1];
      this.stepping = kind === 'in' && !this.debugBuild ? undefined
        : { kind, depth: frames.length, callers: frames.slice(0, -1).map((f) => f.point), position: top ? this.position(top.point) : '' };
      this.stopped = false;
      if (this.stepping) await this.continueStep(this.stepping);
      else await rt.step();
    };
  }

  protected override nextRequest(response: DebugProtocol.NextResponse): Promise<void> { return this.control(response, this.startStep('next')); }
  protected override stepInRequest(response: DebugProtocol.StepInResponse): Promise<void> { return this.control(response, this.startStep('in')); }
  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): Promise<void> { return this.control(response, this.startStep('out')); }
  protected override pauseRequest(response: DebugProtocol.PauseResponse): Promise<void> {
    return this.control(response, async (rt) => { if (!this.stopped) await rt.pause(); });
  }

  protected override async restartRequest(response: DebugProtocol.RestartResponse, args: DebugProtocol.RestartArguments): Promise<void> {
    await this.relaunch(response, (args?.arguments as WancoLaunchArgs | undefined)?.restore ?? this.launchArgs?.restore, !!this.launchArgs?.stopOnEntry);
  }

  private async relaunch(response: DebugProtocol.Response, restore: string | undefined, stopOnEntry: boolean, target?: string): Promise<void> {
    try {
      if (!this.launchArgs) throw new UserError('not launched');
      if (this.postMortem) throw new UserError('a post-mortem session cannot be restarted; launch with "restore" instead');
      const old = this.runtime;
      this.runtime = undefined;
      await old?.terminate();
      if (target && target !== this.targetName) {
        await this.prepare({ ...this.launchArgs, target, restore, snapshot: undefined });
      } else if (restore) {
        await this.prepare({ ...this.launchArgs, restore, snapshot: undefined, args: [], env: {} });
      }
      this.stopped = false;
      this.state = undefined;
      this.sendEvent(new ContinuedEvent(THREAD));
      await this.startRuntime(restore);
      this.sendResponse(response);
      await this.go(stopOnEntry);
    } catch (e) {
      this.fail(response, e);
    }
  }

  protected override async terminateRequest(response: DebugProtocol.TerminateResponse): Promise<void> {
    this.terminating = true;
    await this.runtime?.terminate().catch(() => undefined);
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
  }

  protected override async disconnectRequest(response: DebugProtocol.DisconnectResponse): Promise<void> {
    this.terminating = true;
    await this.runtime?.terminate().catch(() => undefined);
    this.sendResponse(response);
  }

  protected override async customRequest(command: string, response: DebugProtocol.Response, args: Record<string, unknown>): Promise<void> {
    if (command === 'checkpoint') {
      try {
        const rt = this.requireLive();
        const stem = basename(this.sourcePath ?? this.exe!).replace(/\.\w+$/, '');
        let path: string;
        if (typeof args?.path === 'string') path = resolve(this.snapshotDir, args.path);
        // a new session numbers from 1 again: never overwrite an earlier session's snapshot
        else do path = join(this.snapshotDir, `${stem}.dap${++this.snapshotSeq}.wsnap`); while (existsSync(path));
        const r = await rt.request<{ path: string; size: number; frames: number; seq: number }>('checkpoint', { path });
        response.body = { path: r.path, size: r.size, frames: r.frames, seq: r.seq };
        this.sendEvent(new OutputEvent(`wanco: checkpoint written to ${r.path} (${r.size} bytes, ${r.frames} frames)\n`, 'console'));
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

/** A value typed in the Variables view, as the runtime's set_local wants it. */
export function encodeValue(type: string, text: string): string {
  const bad = () => new UserError(`${text} is not a valid ${type} value`);
  switch (type) {
    case 'i32': case 'i64': {
      if (!/^-?(0x[0-9a-f]+|\d+)$/i.test(text)) throw bad();
      const n = text.startsWith('-') ? -BigInt(text.slice(1)) : BigInt(text);
      const bits = type === 'i32' ? 32 : 64;
      if (n < -(1n << BigInt(bits - 1)) || n >= (1n << BigInt(bits))) throw bad();
      return BigInt.asIntN(bits, n).toString();
    }
    case 'f32': case 'f64': {
      if (/^0x[0-9a-f]+$/i.test(text)) return text;
      const v = /^[-+]?inf(inity)?$/i.test(text) ? (text.startsWith('-') ? -Infinity : Infinity) : /^nan$/i.test(text) ? NaN : Number(text);
      if (text === '' || (Number.isNaN(v) && !/^nan$/i.test(text))) throw bad();
      const dv = new DataView(new ArrayBuffer(8));
      if (type === 'f32') { dv.setFloat32(0, v); return `0x${dv.getUint32(0).toString(16).padStart(8, '0')}`; }
      dv.setFloat64(0, v);
      return `0x${dv.getBigUint64(0).toString(16).padStart(16, '0')}`;
    }
    case 'v128':
      if (!/^0x[0-9a-f]{32}$/i.test(text)) throw new UserError(`${text} is not a valid v128 value (0x and 32 hex digits)`);
      return text;
    case 'funcref': {
      const m = /^(?:func\s+)?(\d+|null)\b/.exec(text);
      if (!m) throw new UserError(`${text} is not a valid funcref (a function index or null)`);
      return m[1];
    }
    default:
      throw new UserError(`values of type ${type} cannot be set`);
  }
}

export { pointKey };
