/**
 * What a breakpoint does when the program reaches it: its condition (an expression, checked
 * when set), its hit count condition and its logpoint message. The order is VS Code's: the
 * condition first; a hit counts only when it holds; then the hit condition; a logpoint logs
 * instead of stopping.
 *   hitCondition  N or >= N: from the Nth hit on; == N (or = N): only the Nth; > N, < N, <= N;
 *                 % N: every Nth
 *   logMessage    text with {expression} parts, e.g. "i = {$i}, sum = {$acc + 1}"
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

export class BreakpointRule {
  private hits = 0;
  private readonly condition?: ReturnType<typeof parseExpression>;
  private readonly hitTest?: HitTest;

  /** Throws EvalError (with what is wrong) for a condition or hit count that cannot be read. */
  constructor(private readonly spec: RuleSpec) {
    try {
      if (spec.condition?.trim()) this.condition = parseExpression(spec.condition);
    } catch (e) {
      throw new EvalError(`condition "${spec.condition}": ${(e as Error).message}`);
    }
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
  async hit(ctx: EvalContext, log: (line: string) => void): Promise<boolean> {
    if (this.condition) {
      let holds: boolean;
      try {
        const v = await evaluateTree(this.condition, ctx);
        holds = v.kind === 'int' ? v.v !== 0n : v.v !== 0 && !Number.isNaN(v.v);
      } catch (e) {
        throw new EvalError(`condition "${this.spec.condition}": ${(e as Error).message}`);
      }
      if (!holds) return false;
    }
    this.hits++;
    if (this.hitTest && !this.hitTest(this.hits)) return false;
    if (this.spec.logMessage !== undefined) {
      log(await interpolate(this.spec.logMessage, ctx));
      return false;
    }
    return true;
  }
}

/** A logpoint message with its {expression} parts evaluated; a failed part shows its error. */
export async function interpolate(message: string, ctx: EvalContext): Promise<string> {
  const parts = message.split(/(\{[^{}]*\})/);
  const out: string[] = [];
  for (const p of parts) {
    if (!/^\{[^{}]*\}$/.test(p)) { out.push(p); continue; }
    try {
      const r = await evaluateExpression(p.slice(1, -1), ctx);
      out.push(r.value ? wasmValueText(r.value) : r.text ?? '');
    } catch (e) {
      out.push(`{${p.slice(1, -1)}: ${(e as Error).message}}`);
    }
  }
  return out.join('');
}
