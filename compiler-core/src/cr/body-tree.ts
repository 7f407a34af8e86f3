/**
 * A function body as the tree of its structured control flow, for the dataflow analyses over
 * Wasm (liveness.ts backwards, assigned.ts forwards): a `block`, `loop` or `if` node holds its
 * body (and an `if` its else arm); every other instruction is a leaf.
 */
import type { Instr } from '../wasm/types';
import { Op } from '../wasm/opcodes';

export type BodyNode =
  | { ins: Instr }
  | { ins: Instr; kind: 'block' | 'loop' | 'if'; body: BodyNode[]; elseBody?: BodyNode[] };

export function bodyTree(body: Instr[]): BodyNode[] {
  const root: BodyNode[] = [];
  const stack: { nodes: BodyNode[]; node?: BodyNode & { body: BodyNode[] } }[] = [{ nodes: root }];
  for (const ins of body) {
    const top = stack[stack.length - 1];
    switch (ins.op) {
      case Op.block: case Op.loop: case Op.if: {
        const kind = ins.op === Op.block ? 'block' : ins.op === Op.loop ? 'loop' : 'if';
        const node = { ins, kind, body: [] as BodyNode[] } as BodyNode & { body: BodyNode[] };
        top.nodes.push(node);
        stack.push({ nodes: node.body, node });
        break;
      }
      case Op.else: {
        const n = top.node as BodyNode & { body: BodyNode[]; elseBody?: BodyNode[] };
        n.elseBody = [];
        top.nodes = n.elseBody;
        break;
      }
      case Op.end:
        if (stack.length > 1) stack.pop();
        break;
      default:
        top.nodes.push({ ins });
    }
  }
  return root;
}
