/**
 * The user's breakpoints as the adapter keeps them: source and function breakpoints resolved to
 * migration points (or refused with the reason), checkpoint breakpoints, and whether a hit of a
 * point stops the program (conditions, hit counts, logpoints).
 */
import { Breakpoint } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { resolve } from 'node:path';
import { pointOffset, resolveLine, stoppable, type Resolution } from './pointLines';
import { resolveSourceLine } from './dwarf/sourcePoints';
import { BreakpointRule, type RuleScope, type RuleSpec } from './breakpointRule';
import type { ProgramSymbols } from './programSymbols';

/** A user breakpoint: its points, and a rule when it has a condition, hit count or log message. */
interface BpRecord { points: string[]; checkpoint?: boolean; rule?: BreakpointRule }

export class UserBreakpoints {
  private lineBps = new Map<string, BpRecord[]>();
  private funcBps: BpRecord[] = [];
  /** points of user breakpoints that stop, as last sent to the program */
  private enabled = new Set<string>();

  constructor(private readonly symbols: ProgramSymbols) {}

  /** The breakpoints of one source; `refusal`: why no breakpoint can be set at all (post-mortem). */
  setSourceBreakpoints(args: DebugProtocol.SetBreakpointsArguments, refusal: string | undefined): DebugProtocol.Breakpoint[] {
    const sym = this.symbols;
    const path = args.source.path ?? `ref:${args.source.sourceReference}`;
    const bps: DebugProtocol.SourceBreakpoint[] = args.breakpoints ?? (args.lines ?? []).map((line) => ({ line }));
    const out: DebugProtocol.Breakpoint[] = [];
    const recs: BpRecord[] = [];
    for (const b of bps) {
      let res: Resolution;
      let sourceLevel = false;
      if (sym.sourceMap && sym.sourcePath && args.source.path && resolve(args.source.path) === sym.sourcePath) {
        res = resolveLine(b.line, sym.sourceMap, sym.placed.values(), sym.debugBuild ? sym.sourceMap.instrProblem : undefined);
      } else if (sym.sourceLevel && args.source.path) {
        res = resolveSourceLine(resolve(args.source.path), b.line, sym.sourcePlaces, sym.placed);
        sourceLevel = true;
      } else if (sym.disasm && args.source.sourceReference === sym.disasmRef) {
        res = resolveLine(b.line, sym.disasm, sym.placed.values());
      } else {
        res = { reason: sym.sourcePath ? `not the debugged module (${sym.sourcePath})` : 'no module text: launch a .wat/.wasm or give "module" for the ELF' };
      }
      if (refusal) res = { reason: refusal };
      const checkpoint = isCheckpointBreakpoint(b);
      let rule: BreakpointRule | undefined;
      if ('points' in res && !checkpoint) {
        try { rule = ruleFor(b, sourceLevel ? 'source' : 'wasm'); } catch (e) { res = { reason: (e as Error).message }; }
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
    return out;
  }

  /** Function breakpoints: a function's entry point, else its first loop (or statement) point. */
  setFunctionBreakpoints(breakpoints: DebugProtocol.FunctionBreakpoint[]): DebugProtocol.Breakpoint[] {
    const sym = this.symbols;
    const out: DebugProtocol.Breakpoint[] = [];
    this.funcBps = [];
    for (const b of breakpoints) {
      const name = b.name.replace(/^\$/, '');
      const pts = sym.reported.filter((p) => stoppable(p.kind) && (sym.funcName(p.func) === name || String(p.func) === name));
      const entry = pts.find((p) => p.kind === 'entry');
      const chosen = entry ?? [...pts].sort((a, c) => pointOffset(a.id) - pointOffset(c.id))[0];
      if (!chosen) {
        const known = sym.reported.some((p) => p.name === name) || [...(sym.module?.names.functions.values() ?? [])].includes(name);
        const bp = new Breakpoint(false) as DebugProtocol.Breakpoint;
        bp.message = known ? `$${name} has no function-entry or loop migration point` : `no function named ${name}`;
        out.push(bp);
        continue;
      }
      let rule: BreakpointRule | undefined;
      try {
        rule = ruleFor(b, sym.sourceLevel ? 'source' : 'wasm');
      } catch (e) {
        const bp = new Breakpoint(false) as DebugProtocol.Breakpoint;
        bp.message = (e as Error).message;
        out.push(bp);
        continue;
      }
      this.funcBps.push({ points: [chosen.id], rule });
      const place = sym.placeOf(chosen.id);
      const bp = new Breakpoint(true, place?.line, undefined, place?.source) as DebugProtocol.Breakpoint;
      bp.message = `${chosen.kind} point ${chosen.id}`;
      out.push(bp);
    }
    return out;
  }

  /** The points to send to the program: those that stop, those that write a checkpoint; the former count as sent. */
  takePoints(): { stop: Set<string>; checkpoint: Set<string> } {
    const stop = new Set<string>();
    const checkpoint = new Set<string>();
    for (const list of this.lineBps.values()) for (const b of list) for (const p of b.points) (b.checkpoint ? checkpoint : stop).add(p);
    for (const b of this.funcBps) for (const p of b.points) stop.add(p);
    this.enabled = stop;
    return { stop, checkpoint };
  }

  /** A user breakpoint that stops has this point. */
  has(point: string): boolean {
    return this.enabled.has(point);
  }

  /** Whether the user breakpoints at `point` stop the program (each hit counts, logpoints log). */
  async verdict(point: string, scope: RuleScope, log: (text: string, category: 'console' | 'stderr') => void): Promise<'stop' | 'go'> {
    const recs = [...[...this.lineBps.values()].flat(), ...this.funcBps].filter((r) => !r.checkpoint && r.points.includes(point));
    if (recs.length === 0) return 'stop';
    let stop = false;
    for (const r of recs) {
      if (!r.rule) { stop = true; continue; }
      try {
        if (await r.rule.hit(scope, (line) => log(`${line}\n`, 'console'))) stop = true;
      } catch (e) {
        stop = true; // as other debuggers do: a condition that fails stops, and says why
        log(`wanco: breakpoint ${(e as Error).message}; stopped there\n`, 'stderr');
      }
    }
    return stop ? 'stop' : 'go';
  }
}

/** The rule of a breakpoint with a condition, hit count or log message; throws what is wrong with them. */
function ruleFor(b: RuleSpec, language: 'wasm' | 'source'): BreakpointRule | undefined {
  return BreakpointRule.needed(b) ? new BreakpointRule(b, language) : undefined;
}

/** A logpoint whose message starts with "checkpoint" writes a snapshot at each hit. */
function isCheckpointBreakpoint(b: DebugProtocol.SourceBreakpoint): boolean {
  return !!b.logMessage && /^\s*checkpoint\b/i.test(b.logMessage);
}
