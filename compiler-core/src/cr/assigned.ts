/**
 * Which locals a restore variant may have assigned since it rebuilt its frame, at each loop header
 * where it hands the frame over to the normal variant (instrument.ts: transfer).
 *
 * The runtime fills the transfer buffer with the frame's saved locals (wrt_cr_transfer), the
 * values the restore variant read when it was entered. A local no path from a restore point to the
 * header assigns still has that value, so the restore variant stores only the others: the locals
 * this analysis returns (those live at the header among them). Storing every live local made
 * transfers most of sqlite3's restore code (printf's core: 53 transfers of 29 values each).
 *
 * Forward dataflow over Wasm's structured control flow, as the restore variant runs it:
 *  - it starts nowhere (the function start is the normal variant's) and is entered at its
 *    restore points, with nothing assigned: right after each call point (the callee's restore
 *    variant returns there) and at each loop header (a frame saved at the loop point);
 *  - at a loop header it hands over (`transfersAt`), every arrival leaves, so the loop body is
 *    reached only from restore points inside it; other loops are iterated to a fixed point.
 * State: the set of locals possibly assigned (a bitset), or null where the code is unreachable.
 */
import type { Func, Instr } from '../wasm/types';
import { Op } from '../wasm/opcodes';
import { bodyTree, type BodyNode } from './body-tree';

export interface RestoreFlow {
  /** whether `call` is a call point: the restore variant re-enters its frame right after it */
  restoresAfter(call: Instr): boolean;
  /** whether the restore variant hands its frame over at the header of `loop` */
  transfersAt(loop: Instr): boolean;
}

type State = bigint | null;

const join = (a: State, b: State): State => (a === null ? b : b === null ? a : a | b);

/** Upper bound on walked instructions per function (as liveness.ts); beyond it the caller stores every live local. */
const BUDGET = 2_000_000;

/**
 * Loop offset (of each loop where the restore variant hands over) -> the locals possibly assigned
 * since a restore point on some path to its header; undefined when the function is too large to
 * analyse.
 */
export function analyzeAssignedSinceRestore(func: Func, flow: RestoreFlow): Map<number, bigint> | undefined {
  const at = new Map<number, bigint>();
  let steps = 0;
  /** per enclosing label, innermost last: the states that branch to it */
  type Label = { arrivals: State };

  const walk = (nodes: BodyNode[], entry: State, labels: Label[]): State => {
    let state = entry;
    for (const n of nodes) {
      if (++steps > BUDGET) throw new Error('budget');
      const ins = n.ins;
      if ('kind' in n) {
        if (n.kind === 'block') {
          const end: Label = { arrivals: null };
          state = join(walk(n.body, state, [...labels, end]), end.arrivals);
        } else if (n.kind === 'if') {
          const end: Label = { arrivals: null };
          const inner = [...labels, end];
          const thenEnd = walk(n.body, state, inner);
          const elseEnd = n.elseBody ? walk(n.elseBody, state, inner) : state;
          state = join(join(thenEnd, elseEnd), end.arrivals);
        } else if (flow.transfersAt(ins)) {
          // every arrival at the header leaves (a frame saved at the loop point too: nothing assigned)
          const header: Label = { arrivals: join(state, 0n) };
          state = walk(n.body, null, [...labels, header]);
          at.set(ins.offset, header.arrivals!);
        } else {
          let header = join(state, 0n);
          for (;;) {
            const back: Label = { arrivals: null };
            state = walk(n.body, header, [...labels, back]);
            const next = join(header, back.arrivals);
            if (next === header) break;
            header = next;
          }
        }
        continue;
      }
      switch (ins.op) {
        case Op.local_set: case Op.local_tee:
          if (state !== null) state |= 1n << BigInt(ins.index!);
          break;
        case Op.call: case Op.call_indirect:
          if (flow.restoresAfter(ins)) state = join(state, 0n);
          break;
        case Op.br: {
          const l = labels[labels.length - 1 - ins.index!];
          l.arrivals = join(l.arrivals, state);
          state = null;
          break;
        }
        case Op.br_if: {
          const l = labels[labels.length - 1 - ins.index!];
          l.arrivals = join(l.arrivals, state);
          break;
        }
        case Op.br_table:
          for (const d of [...ins.labels!, ins.index!]) {
            const l = labels[labels.length - 1 - d];
            l.arrivals = join(l.arrivals, state);
          }
          state = null;
          break;
        case Op.return: case Op.unreachable:
          state = null;
          break;
        default:
          break;
      }
    }
    return state;
  };

  try {
    walk(bodyTree(func.body), null, [{ arrivals: null }]);
  } catch {
    return undefined;
  }
  return at;
}
