/**
 * What a breakpoint does when the program reaches it: its condition (an expression, checked
 * when set), its hit count condition and its logpoint message. The order is VS Code's: the
 * condition first; a hit counts only when it holds; then the hit condition; a logpoint logs
 * instead of stopping.
 *   hitCondition  N or >= N: from the Nth hit on; == N (or = N): only the Nth; > N, < N, <= N;
 *                 % N: every Nth
 *   logMessage    text with {expression} parts, e.g. "i = {$i}, sum = {$acc + 1}"
 * Expressions are in the language of the breakpoint's file: Wasm terms (expression.ts) in a .wat
 * or the disassembly, checked when set; the program's source language (C, C++, Rust: the DWARF
 * engine) in a source file, checked when evaluated.
 */
import { EvalError, type EvalContext } from './evalContext';
import { evaluateExpression } from './evaluate';
import { evaluateTree, parseExpression } from './expression';
import { valueText as wasmValueText } from '../../compiler-core/src/index';

type HitTest = (hits: number) => boolean;

function parseHitCondition(text: string): HitTest {
  const m = /^\s*(>=|>|==|=|<=|<|%)?\s*(\d+)\s*$/.exec(text);
  if (!m) throw new EvalError(`hit count "${text}": expected N, >= N, == N, > N, < N, <= N or % N`);
  const n = Number(m[2]);
  switch (m[1] ?? '>=') {
    case '>=': return (h) => h >= n;
    case '>': return (h) => h > n;
    case '==': case '=': return (h) => h === n;
    case '<': return (h) => h < n;
    case '<=': return (h) => h <= n;
    default:
      if (n === 0) throw new EvalError('hit count "% 0": the modulus must be positive');
      return (h) => h % n === 0;
  }
}

export interface RuleSpec { condition?: string; hitCondition?: string; logMessage?: string }

/** Where a rule's expressions are evaluated: a stop, in the language of the breakpoint's file. */
export interface RuleScope {
  /** whether a condition holds; throws why it cannot be evaluated */
  holds(condition: string): Promise<boolean>;
  /** an expression's text for a logpoint; throws why it cannot be evaluated */
  text(expression: string): Promise<string>;
}

/** Wasm-term expressions on a stopped Wasm frame. */
export function wasmScope(ctx: EvalContext): RuleScope {
  return {
    async holds(condition) {
      const v = await evaluateTree(parseExpression(condition), ctx);
      return v.kind === 'int' ? v.v !== 0n : v.v !== 0 && !Number.isNaN(v.v);
    },
    async text(expression) {
      const r = await evaluateExpression(expression, ctx);
      return r.value ? wasmValueText(r.value) : r.text ?? '';
    },
  };
}

export class BreakpointRule {
  private hits = 0;
  private readonly condition?: string;
  private readonly hitTest?: HitTest;

  /**
   * Throws EvalError (with what is wrong) for a hit count that cannot be read, or a Wasm-term
   * condition (`language` 'wasm') that cannot.
   */
  constructor(private readonly spec: RuleSpec, language: 'wasm' | 'source' = 'wasm') {
    const condition = spec.condition?.trim();
    if (condition && language === 'wasm') {
      try {
        parseExpression(condition);
      } catch (e) {
        throw new EvalError(`condition "${spec.condition}": ${(e as Error).message}`);
      }
    }
    if (condition) this.condition = condition;
    if (spec.hitCondition?.trim()) this.hitTest = parseHitCondition(spec.hitCondition);
  }

  /** Whether any of the three is set (a plain breakpoint needs no rule). */
  static needed(spec: RuleSpec): boolean {
    return !!(spec.condition?.trim() || spec.hitCondition?.trim() || spec.logMessage);
  }

  /**
   * A hit: true when the program should stop here. A logpoint's message goes to `log`.
   * A condition that cannot be evaluated throws EvalError (the caller stops and says why).
   */
  async hit(scope: RuleScope, log: (line: string) => void): Promise<boolean> {
    if (this.condition) {
      let holds: boolean;
      try {
        holds = await scope.holds(this.condition);
      } catch (e) {
        throw new EvalError(`condition "${this.spec.condition}": ${(e as Error).message}`);
      }
      if (!holds) return false;
    }
    this.hits++;
    if (this.hitTest && !this.hitTest(this.hits)) return false;
    if (this.spec.logMessage !== undefined) {
      log(await interpolate(this.spec.logMessage, scope));
      return false;
    }
    return true;
  }
}

/** A logpoint message with its {expression} parts evaluated; a failed part shows its error. */
export async function interpolate(message: string, scope: RuleScope): Promise<string> {
  const parts = message.split(/(\{[^{}]*\})/);
  const out: string[] = [];
  for (const p of parts) {
    if (!/^\{[^{}]*\}$/.test(p)) { out.push(p); continue; }
    try {
      out.push(await scope.text(p.slice(1, -1)));
    } catch (e) {
      out.push(`{${p.slice(1, -1)}: ${(e as Error).message}}`);
    }
  }
  return out.join('');
}
