/**
 * The stopped state as DAP shows it: frames innermost first, the scopes of a frame, variables by
 * reference (a v128 opens into its lanes), changing them, and what expressions see of a frame.
 * A Wasm frame whose code has DWARF shows as source frames (one per inlined function, innermost
 * first) with source scopes (sourceValues.ts) beside the frame's Wasm locals and operand stack.
 */
import { Handles, Scope, StackFrame } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { RuntimeFrame, RuntimeState, RuntimeValue } from './runtimeClient';
import type { EvalContext } from './evalContext';
import { laneViews } from './v128Lanes';
import { encodeValue, lanesText, variableText, valueTypeText } from './valueText';
import type { DebugTarget } from './debugTarget';
import { pointOffset } from './pointLines';
import { UserError } from './userError';
import { memberPath, SourceValues, type ChildRef, type SourceFrame } from './dwarf/sourceValues';
import { sourceOf as sourceOfPath, type Place, type ProgramSymbols } from './programSymbols';
import { wasmScope, type RuleScope } from './breakpointRule';
import { demangleRust, sourceFunctionName } from './dwarf/names';

/** `frame`: index into frames(state) (the Wasm frames, innermost first). */
export type ScopeRef = { frame: number; kind: 'locals' | 'stack' | 'globals' } | { frame: number; kind: 'v128'; value: string }
  | { frame: number; kind: 'source-locals' | 'source-globals'; at: SourceFrame }
  | { frame: number; kind: 'members'; objectId: string; at: SourceFrame; path?: string };

/** A frame as DAP shows it: a Wasm frame, or one source function of it (`source` set). */
export interface ViewFrame {
  /** index into frames(state) */
  wasm: number;
  name: string;
  place?: Place;
  point: string;
  source?: SourceFrame;
}

export class StopView {
  private refs = new Handles<ScopeRef>();
  private shown: ViewFrame[] = [];
  private lastState?: RuntimeState;
  private sourceValues?: SourceValues;

  constructor(private readonly symbols: ProgramSymbols) {}

  /** A new stop: earlier references are gone. */
  reset(): void {
    this.refs.reset();
    this.shown = [];
    void this.symbols.dwarf?.release();
  }

  /**
   * The frames of a new stop as DAP will show them; a Wasm frame with DWARF becomes its source
   * functions (inlined ones first), each at its file and line.
   */
  async prepare(state: RuntimeState, readMemory: (addr: number, len: number) => Promise<Buffer>): Promise<void> {
    this.reset();
    this.lastState = state;
    const dwarf = this.symbols.dwarf;
    // a relaunch (restore on the other target) loads the module's DWARF again
    this.sourceValues = dwarf ? (this.sourceValues?.engine === dwarf ? this.sourceValues : new SourceValues(dwarf)) : undefined;
    const out: ViewFrame[] = [];
    for (const [i, f] of frames(state).entries()) {
      const wasmName = demangleRust(f.name ?? this.symbols.funcName(f.func) ?? `func ${f.func}`);
      const offset = pointOffset(f.point);
      const at = this.sourceOffset(f);
      const fns = dwarf && this.symbols.hasSource(f.point) ? await dwarf.functions(at).catch(() => []) : [];
      if (fns.length === 0) {
        out.push({ wasm: i, name: `${wasmName} (${this.symbols.kindOf(f.point) ?? f.kind} @0x${offset.toString(16)})`, place: this.symbols.placeOf(f.point), point: f.point });
        continue;
      }
      const values = frameValues(state, f, readMemory, this.symbols);
      for (const [k, fname] of fns.entries()) {
        const name = sourceFunctionName(fname);
        const loc = await dwarf!.location(at, k).catch(() => undefined);
        const place = loc ? { source: sourceOfPath(loc.path), line: loc.line, column: loc.column } : this.symbols.placeOf(f.point);
        out.push({ wasm: i, name, place, point: f.point, source: { offset: at, inline: k, values } });
      }
    }
    this.shown = out;
  }

  /** The offset whose source line a frame stands at (an entry point: its function's first instruction). */
  private sourceOffset(f: RuntimeFrame): number {
    const m = this.symbols.module;
    const offset = pointOffset(f.point);
    return f.kind === 'entry' && m ? m.funcs[f.func - m.numImportedFuncs]?.body[0]?.offset ?? offset : offset;
  }

  /** The frame DAP's frameId names (the innermost when none). */
  frame(frameId: number | undefined): ViewFrame | undefined {
    return this.shown[frameId ?? 0];
  }

  /** Frames `start` to `start + count` (all when count is 0) of the stopped state, named by function and point. */
  stackFrames(state: RuntimeState | undefined, start: number, count: number): { stackFrames: DebugProtocol.StackFrame[]; totalFrames: number } {
    const all = state ? this.shown : [];
    return {
      stackFrames: all.slice(start, start + (count || all.length)).map((f, k) => {
        const sf = new StackFrame(start + k, f.name, f.place?.source, f.place?.line ?? 0, f.place?.column ?? 1);
        (sf as DebugProtocol.StackFrame).instructionPointerReference = f.point;
        return sf;
      }),
      totalFrames: all.length,
    };
  }

  ref(variablesReference: number): ScopeRef | undefined {
    return this.refs.get(variablesReference);
  }

  scopes(frameId: number, state: RuntimeState | undefined): DebugProtocol.Scope[] {
    const vf = this.shown[frameId];
    const w = vf?.wasm ?? frameId;
    const fr = frames(state)[w];
    const wasm = [
      Object.assign(new Scope(vf?.source ? 'Wasm locals' : 'Locals', this.refs.create({ frame: w, kind: 'locals' }), !!vf?.source), { namedVariables: fr?.locals.length ?? 0, presentationHint: vf?.source ? undefined : 'locals' }),
      Object.assign(new Scope(vf?.source ? 'Wasm operand stack' : 'Operand stack', this.refs.create({ frame: w, kind: 'stack' }), !!vf?.source), { namedVariables: fr?.stack.length ?? 0 }),
      Object.assign(new Scope(vf?.source ? 'Wasm globals' : 'Globals', this.refs.create({ frame: w, kind: 'globals' }), true), { namedVariables: state?.globals.length ?? 0 }),
    ];
    if (!vf?.source) return wasm;
    return [
      Object.assign(new Scope('Locals', this.refs.create({ frame: w, kind: 'source-locals', at: vf.source }), false), { presentationHint: 'locals' }),
      new Scope('Globals', this.refs.create({ frame: w, kind: 'source-globals', at: vf.source }), true),
      ...wasm,
    ];
  }

  /** Makes references for the members of source values of Wasm frame `frame`. */
  private childRef(frame: number): ChildRef {
    return (objectId, at, path) => this.refs.create({ frame, kind: 'members', objectId, at, path });
  }

  async variables(variablesReference: number, state: RuntimeState | undefined): Promise<DebugProtocol.Variable[]> {
    const ref = this.refs.get(variablesReference);
    const vars: DebugProtocol.Variable[] = [];
    if (ref && this.sourceValues && (ref.kind === 'source-locals' || ref.kind === 'source-globals')) {
      return this.sourceValues.scope(ref.at, ref.kind === 'source-locals' ? 'locals' : 'globals', this.childRef(ref.frame));
    }
    if (ref && this.sourceValues && ref.kind === 'members') {
      return this.sourceValues.members(ref.objectId, ref.at, ref.path, this.childRef(ref.frame));
    }
    if (ref?.kind === 'v128') {
      for (const l of laneViews(ref.value)) vars.push({ name: l.shape, value: lanesText(l.lanes), type: l.shape, variablesReference: 0 });
    } else if (ref && state) {
      const fr = frames(state)[ref.frame];
      if (ref.kind === 'globals') state.globals.forEach((v, i) => vars.push(this.variable(this.symbols.globalName(i), v, `global[${i}]`, state)));
      else if (fr && ref.kind === 'locals') {
        const dead = this.symbols.deadLocals(fr.point, fr.locals.length);
        fr.locals.forEach((v, i) => {
          const out = this.variable(this.symbols.localName(fr.func, i), v, `local[${i}]`, state);
          // the build left it out of the point's state: not read again before it is written
          if (dead?.has(i)) Object.assign(out, { value: '<dead here: not saved>', variablesReference: 0, memoryReference: undefined, presentationHint: { attributes: ['readOnly'] } });
          vars.push(out);
        });
      }
      else if (fr) fr.stack.forEach((v, i) => vars.push(this.variable(`[${i}]`, v, `stack[${i}]`, state)));
    }
    return vars;
  }

  variable(name: string, v: RuntimeValue, evaluateName: string, state: RuntimeState | undefined): DebugProtocol.Variable {
    // a v128 opens into its lanes in every shape
    const text = variableText(v, (i) => this.symbols.funcName(i));
    const lanes = v.type === 'v128' ? this.refs.create({ frame: -1, kind: 'v128', value: text }) : 0;
    const out: DebugProtocol.Variable = { name, value: text, type: valueTypeText(v, state?.arch ?? 'x86_64'), variablesReference: lanes, evaluateName };
    if (v.type === 'i32' && state && state.memory.pages > 0) out.memoryReference = `0x${(v.value >>> 0).toString(16)}`;
    return out;
  }

  /**
   * Sets a local, operand-stack slot or global (by its name in the Variables view) to the value
   * typed; `update` gets the program's state after the change. Resolves to the variable as shown then.
   */
  async assign(ref: ScopeRef, name: string, text: string, state: RuntimeState, target: DebugTarget, update: (s: RuntimeState) => void): Promise<DebugProtocol.Variable> {
    const fr = frames(state)[ref.frame];
    if (ref.kind === 'globals') {
      const idx = state.globals.findIndex((_, i) => this.symbols.globalName(i) === name);
      if (idx < 0) throw new UserError(`no global ${name}`);
      await target.setGlobal(idx, encodeValue(state.globals[idx].type, text));
      const after = await target.state();
      update(after);
      this.refresh(after);
      return this.variable(name, after.globals[idx], '', after);
    }
    if (!fr) throw new UserError('no such frame');
    const vars = ref.kind === 'locals' ? fr.locals : fr.stack;
    const idx = ref.kind === 'locals' ? fr.locals.findIndex((_, i) => this.symbols.localName(fr.func, i) === name) : Number(/^\[(\d+)\]$/.exec(name)?.[1] ?? -1);
    if (idx < 0 || idx >= vars.length) throw new UserError(`no variable ${name}`);
    const value = encodeValue(vars[idx].type, text);
    // the runtime rebuilds the frames with the new value and stops at the same point again
    await target.setLocal(fr.index, ref.kind === 'locals' ? idx : fr.locals.length + idx, value);
    const after = await target.state();
    update(after);
    this.refresh(after);
    const nf = after.frames[fr.index];
    return this.variable(name, (ref.kind === 'locals' ? nf.locals : nf.stack)[idx], '', after);
  }

  /** Where a breakpoint's condition and log message are evaluated when the program stops at `top`. */
  ruleScope(state: RuntimeState, top: RuntimeFrame, readMemory: (addr: number, len: number) => Promise<Buffer>): RuleScope {
    if (this.symbols.dwarf && this.symbols.hasSource(top.point)) {
      const dwarf = this.symbols.dwarf;
      const sv = this.sourceValues?.engine === dwarf ? this.sourceValues : (this.sourceValues = new SourceValues(dwarf));
      const at: SourceFrame = { offset: this.sourceOffset(top), inline: 0, values: frameValues(state, top, readMemory, this.symbols) };
      return { holds: (c) => sv.holds(c, at), text: (e) => sv.logText(e, at) };
    }
    return wasmScope(this.evalContext(state, top, readMemory));
  }

  /** A source expression in a source frame (watch, hover, console). */
  evaluateSource(expression: string, vf: ViewFrame): Promise<DebugProtocol.Variable> {
    if (!vf.source || !this.sourceValues) throw new UserError('not a source frame');
    return this.sourceValues.evaluate(expression, vf.source, this.childRef(vf.wasm));
  }

  /**
   * Sets a source variable (a local or global by name, or a member) to the value typed. The
   * program's state is read again (update) and the view rebuilt; resolves to the variable then.
   */
  async assignSource(ref: ScopeRef, name: string, text: string, target: DebugTarget, update: (s: RuntimeState) => void): Promise<DebugProtocol.Variable> {
    if (!this.sourceValues || (ref.kind !== 'source-locals' && ref.kind !== 'source-globals' && ref.kind !== 'members')) throw new UserError('not a source variable');
    const expr = ref.kind === 'members' ? (ref.path !== undefined ? memberPath(ref.path, name) : undefined) : name;
    if (expr === undefined) throw new UserError(`${name} cannot be named in an expression: it cannot be set`);
    const wasmFrame = frames(this.lastState)[ref.frame];
    await this.sourceValues.assign(expr, text, ref.at, {
      memory: async (addr, bytes) => { await target.writeMemory(addr, bytes.toString('base64')); },
      local: async (index, t) => {
        if (!wasmFrame) throw new UserError('no such frame');
        await target.setLocal(wasmFrame.index, index, encodeValue(wasmFrame.locals[index].type, t));
      },
    });
    const after = await target.state();
    update(after);
    this.refresh(after);
    return this.sourceValues.evaluate(expr, ref.at, this.childRef(ref.frame));
  }

  /** The program's state was read again at the same stop (a value was set): the frames read the new values; references stay. */
  refresh(state: RuntimeState): void {
    this.lastState = state;
    const all = frames(state);
    for (const vf of this.shown) {
      const f = all[vf.wasm];
      if (vf.source && f) Object.assign(vf.source.values, { locals: f.locals, stack: f.stack, globals: state.globals, memorySize: state.memory.pages * 65536 });
    }
  }

  /** What expressions see of frame `fr` of the stopped state. */
  evalContext(state: RuntimeState, fr: RuntimeFrame | undefined, readMemory: (addr: number, len: number) => Promise<Buffer>): EvalContext {
    return {
      frame: fr,
      globals: state.globals,
      localName: (i) => (fr ? this.symbols.module?.names.locals.get(fr.func)?.get(i) : undefined),
      globalName: (i) => this.symbols.globalName(i).replace(/^\$/, ''),
      memorySize: state.memory.pages * 65536,
      readMemory,
    };
  }
}

/** What the DWARF engine reads of Wasm frame `f`. */
function frameValues(state: RuntimeState, f: RuntimeFrame, readMemory: (addr: number, len: number) => Promise<Buffer>, symbols: ProgramSymbols) {
  return {
    locals: f.locals, stack: f.stack, globals: state.globals, memorySize: state.memory.pages * 65536, readMemory,
    deadLocals: symbols.deadLocals(f.point, f.locals.length),
  };
}

/** The Wasm frames of a stopped state, innermost first. */
export function frames(state: RuntimeState | undefined): RuntimeFrame[] {
  return state ? [...state.frames].reverse() : [];
}
