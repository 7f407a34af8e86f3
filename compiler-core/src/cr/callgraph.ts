/**
 * Which functions need checkpoint/restore instrumentation.
 *
 * Migration points sit at loop headers and at the entries of recursive
 * functions (every unbounded execution passes one of them). A function
 * "reaches" a point when it has one or calls, directly or through a table,
 * a function that does; only those functions get points, deopt state on their
 * calls and a restore variant. Everything else compiles as plain code.
 */
import type { Module } from '../wasm/types';
import { Op } from '../wasm/opcodes';
import { signatureKey } from '../translate/module-context';

export interface CrAnalysis {
  /** defined or imported function index -> reaches a migration point */
  reaches: boolean[];
  /** function index -> has a point at its entry (it can recurse; in a debug build: every function) */
  entryPoint: boolean[];
  /** signature key -> some function that reaches a point can be called indirectly with it */
  indirectReaches: Set<string>;
}

/**
 * `debugPoints` (debug builds): every defined function gets an entry point and so reaches one;
 * statement and after-call points are then placed by the instrumentation.
 */
export function analyzeCallGraph(m: Module, debugPoints = false): CrAnalysis {
  const n = m.funcTypeIndices.length;
  const sigOf = (f: number) => signatureKey(m.types[m.funcTypeIndices[f]]);

  // Functions that can be called indirectly: referenced by ref.func anywhere.
  const addressTaken = new Set<number>();
  for (const e of m.elems) for (const it of e.items) if (it.kind === 'ref.func') addressTaken.add(it.funcIndex);
  for (const g of m.globalInits) if (g?.kind === 'ref.func') addressTaken.add(g.funcIndex);
  for (const f of m.funcs) for (const ins of f.body) if (ins.op === Op.ref_func) addressTaken.add(ins.index!);
  const bySig = new Map<string, number[]>();
  for (const f of addressTaken) {
    const k = sigOf(f);
    bySig.set(k, [...(bySig.get(k) ?? []), f]);
  }

  const hasLoop = new Array<boolean>(n).fill(false);
  const edges: number[][] = Array.from({ length: n }, () => []);
  for (const f of m.funcs) {
    const out = new Set<number>();
    for (const ins of f.body) {
      if (ins.op === Op.loop) hasLoop[f.index] = true;
      else if (ins.op === Op.call) out.add(ins.index!);
      else if (ins.op === Op.call_indirect) {
        for (const g of bySig.get(signatureKey(m.types[ins.index!])) ?? []) out.add(g);
      }
    }
    edges[f.index] = [...out];
  }

  const inCycle = stronglyConnectedCycles(edges);
  const reaches = new Array<boolean>(n).fill(false);
  const entryPoint = debugPoints ? inCycle.map((_, f) => f >= m.numImportedFuncs) : inCycle;
  for (let f = m.numImportedFuncs; f < n; f++) reaches[f] = hasLoop[f] || entryPoint[f];
  // Propagate to callers until nothing changes.
  for (let changed = true; changed;) {
    changed = false;
    for (let f = m.numImportedFuncs; f < n; f++) {
      if (!reaches[f] && edges[f].some((g) => reaches[g])) {
        reaches[f] = true;
        changed = true;
      }
    }
  }
  const indirectReaches = new Set<string>();
  for (const f of addressTaken) if (reaches[f]) indirectReaches.add(sigOf(f));
  return { reaches, entryPoint, indirectReaches };
}

/** Tarjan's SCC algorithm (iterative): true for nodes on some cycle. */
function stronglyConnectedCycles(edges: number[][]): boolean[] {
  const n = edges.length;
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const result = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const work: [number, number][] = [[root, 0]];
    while (work.length > 0) {
      const top = work[work.length - 1];
      const [v, i] = top;
      if (i === 0) {
        index[v] = low[v] = counter++;
        stack.push(v);
        onStack[v] = true;
      }
      if (i < edges[v].length) {
        top[1]++;
        const w = edges[v][i];
        if (index[w] === -1) work.push([w, 0]);
        else if (onStack[w]) low[v] = Math.min(low[v], index[w]);
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low[parent] = Math.min(low[parent], low[v]);
      }
      if (low[v] === index[v]) {
        const scc: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = false;
          scc.push(w);
        } while (w !== v);
        const cyclic = scc.length > 1 || edges[v].includes(v);
        if (cyclic) for (const x of scc) result[x] = true;
      }
    }
  }
  return result;
}
