/**
 * The stopped state as DAP shows it: frames innermost first, the scopes of a frame, variables by
 * reference (a v128 opens into its lanes), changing them, and what expressions see of a frame.
 */
import { Handles, Scope, StackFrame } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { RuntimeFrame, RuntimeState, RuntimeValue } from './runtimeClient';
import type { EvalContext } from './evalContext';
import type { ProgramSymbols } from './programSymbols';
import { laneViews } from './v128Lanes';
import { encodeValue, lanesText, variableText, valueTypeText } from './valueText';
import type { DebugTarget } from './debugTarget';
import { pointOffset } from './pointLines';
import { UserError } from './userError';

export type ScopeRef = { frame: number; kind: 'locals' | 'stack' | 'globals' } | { frame: number; kind: 'v128'; value: string };

export class StopView {
  private refs = new Handles<ScopeRef>();

  constructor(private readonly symbols: ProgramSymbols) {}

  /** A new stop: earlier references are gone. */
  reset(): void {
    this.refs.reset();
  }

  /** Frames `start` to `start + count` (all when count is 0) of the stopped state, named by function and point. */
  stackFrames(state: RuntimeState | undefined, start: number, count: number): { stackFrames: DebugProtocol.StackFrame[]; totalFrames: number } {
    const all = frames(state);
    return {
      stackFrames: all.slice(start, start + (count || all.length)).map((f, k) => {
        const id = start + k;
        const offset = pointOffset(f.point);
        const name = f.name ?? this.symbols.funcName(f.func) ?? `func ${f.func}`;
        const line = this.symbols.lineOf(f.point);
        const sf = new StackFrame(id, `${name} (${f.kind} @0x${offset.toString(16)})`, line ? this.symbols.source() : undefined, line ?? 0, 1);
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
    const fr = frames(state)[frameId];
    return [
      Object.assign(new Scope('Locals', this.refs.create({ frame: frameId, kind: 'locals' }), false), { namedVariables: fr?.locals.length ?? 0, presentationHint: 'locals' }),
      Object.assign(new Scope('Operand stack', this.refs.create({ frame: frameId, kind: 'stack' }), false), { namedVariables: fr?.stack.length ?? 0 }),
      Object.assign(new Scope('Globals', this.refs.create({ frame: frameId, kind: 'globals' }), true), { namedVariables: state?.globals.length ?? 0 }),
    ];
  }

  variables(variablesReference: number, state: RuntimeState | undefined): DebugProtocol.Variable[] {
    const ref = this.refs.get(variablesReference);
    const vars: DebugProtocol.Variable[] = [];
    if (ref?.kind === 'v128') {
      for (const l of laneViews(ref.value)) vars.push({ name: l.shape, value: lanesText(l.lanes), type: l.shape, variablesReference: 0 });
    } else if (ref && state) {
      const fr = frames(state)[ref.frame];
      if (ref.kind === 'globals') state.globals.forEach((v, i) => vars.push(this.variable(this.symbols.globalName(i), v, `global[${i}]`, state)));
      else if (fr && ref.kind === 'locals') fr.locals.forEach((v, i) => vars.push(this.variable(this.symbols.localName(fr.func, i), v, `local[${i}]`, state)));
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
    const nf = after.frames[fr.index];
    return this.variable(name, (ref.kind === 'locals' ? nf.locals : nf.stack)[idx], '', after);
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

/** The frames of a stopped state, innermost first (DAP's frame ids are indices into this). */
export function frames(state: RuntimeState | undefined): RuntimeFrame[] {
  return state ? [...state.frames].reverse() : [];
}
