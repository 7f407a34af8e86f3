/**
 * Which Wasm locals are live at each migration point and call site.
 *
 * A checkpoint needs only the locals that will be read again; recording dead
 * ones keeps values alive in registers across every loop iteration for
 * nothing. Dead locals are recorded as the constant 0 (a restore that writes
 * 0 into a dead local is harmless), which keeps the snapshot layout fixed.
 * Classic backward dataflow over Wasm's structured control flow: a `br` to a
 * block sees the liveness at the block's end, a `br` to a loop the liveness at
 * its header, which is iterated to a fixed point.
 */
import type { Func } from '../wasm/types';
import { Op } from '../wasm/opcodes';
import { bodyTree, type BodyNode } from './body-tree';

export interface Liveness {
  /**
   * Wasm offset of a loop / call / function body -> bitset of live locals (with `everyInstruction`:
   * of every instruction, live before it; a call's locals are the same after it)
   */
  at: Map<number, bigint>;
}

/** Upper bound on walked instructions per function before giving up (all locals live). */
const BUDGET = 2_000_000;

export function analyzeLiveness(func: Func, everyInstruction = false): Liveness | undefined {
  const at = new Map<number, bigint>();
  let steps = 0;
  const bit = (i: number) => 1n << BigInt(i);

  const walk = (nodes: BodyNode[], liveOut: bigint, labels: bigint[]): bigint => {
    let live = liveOut;
    for (let i = nodes.length - 1; i >= 0; i--) {
      if (++steps > BUDGET) throw new Error('budget');
      const n = nodes[i];
      const ins = n.ins;
      if ('kind' in n) {
        if (n.kind === 'block') {
          live = walk(n.body, live, [...labels, live]);
          if (everyInstruction) at.set(ins.offset, live);
        } else if (n.kind === 'if') {
          const inner = [...labels, live];
          const liveElse = n.elseBody ? walk(n.elseBody, live, inner) : live;
          live = walk(n.body, live, inner) | liveElse;
          if (everyInstruction) at.set(ins.offset, live);
        } else {
          let header = 0n;
          for (;;) {
            const h = walk(n.body, live, [...labels, header]) | header;
            if (h === header) break;
            header = h;
          }
          at.set(ins.offset, header);
          live = header;
        }
        continue;
      }
      switch (ins.op) {
        case Op.local_get: live |= bit(ins.index!); break;
        case Op.local_set: case Op.local_tee: live &= ~bit(ins.index!); break;
        case Op.br: live = labels[labels.length - 1 - ins.index!]; break;
        case Op.br_if: live |= labels[labels.length - 1 - ins.index!]; break;
        case Op.br_table: {
          live = 0n;
          for (const d of [...ins.labels!, ins.index!]) live |= labels[labels.length - 1 - d];
          break;
        }
        case Op.return: case Op.unreachable: live = 0n; break;
        case Op.call: case Op.call_indirect: at.set(ins.offset, live); break;
        default: break;
      }
      if (everyInstruction) at.set(ins.offset, live);
    }
    return live;
  };

  try {
    const entry = walk(bodyTree(func.body), 0n, [0n]);
    at.set(func.bodyOffset, entry);
  } catch {
    return undefined; // too large to analyse: every local counts as live
  }
  return { at };
}
