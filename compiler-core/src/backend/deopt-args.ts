/**
 * A statepoint whose call arguments include a value that is also in its deopt state makes
 * llc-14's register allocator fail when deopt values are kept in registers
 * (--use-registers-for-deopt-values): "ran out of registers during register allocation", then
 * often a crash, sometimes minutes in the greedy allocator. The LLVM IR reductions of
 * test/e2e/llc-deopt-registers/ compile once such an argument is a value of its own.
 *
 * So, after opt, each such argument is passed as a copy made by an empty inline asm (opaque to
 * llc, so the copy is not folded back into the value; it costs at most one register move), and
 * the deopt state keeps the original value.
 */
import type { TargetName } from './targets';

/** the inline-asm register class of a value of LLVM type `type` */
function registerClass(type: string, target: TargetName): string {
  const fp = type === 'float' || type === 'double' || type.startsWith('<');
  return fp ? (target === 'x86_64' ? 'x' : 'w') : 'r';
}

const STATEPOINT = /@llvm\.experimental\.gc\.statepoint\.[\w.]+\(i64 -?\d+, i32 \d+, .*?, i32 \d+, i32 \d+, /;

/** The deopt operands of a call line: value name -> its LLVM type. */
function deoptValues(line: string, at: number): Map<string, string> {
  const ends = [line.indexOf(') ]', at), line.indexOf('), "', at)].filter((k) => k >= 0);
  const bundle = line.slice(at + '"deopt"('.length, ends.length > 0 ? Math.min(...ends) : line.length);
  const values = new Map<string, string>();
  for (const op of bundle.split(', ')) {
    const space = op.lastIndexOf(' ');
    if (space > 0 && op[space + 1] === '%') values.set(op.slice(space + 1), op.slice(0, space));
  }
  return values;
}

/** Returns the IR with every statepoint call argument that is also one of its deopt values copied. */
export function decoupleDeoptArguments(ir: string, target: TargetName): { ir: string; copies: number } {
  const lines = ir.split('\n');
  const out: string[] = [];
  let copies = 0;
  for (const line of lines) {
    const bundle = line.indexOf('"deopt"(');
    const m = bundle >= 0 ? STATEPOINT.exec(line) : null;
    if (!m) { out.push(line); continue; }
    const argsStart = m.index + m[0].length;
    // the call arguments end where the (empty) transition and deopt argument counts begin
    const argsEnd = line.lastIndexOf(', i32 0, i32 0)', bundle);
    if (argsEnd < argsStart) { out.push(line); continue; }
    const deopt = deoptValues(line, bundle);
    const made = new Map<string, string>();
    const args = line.slice(argsStart, argsEnd).replace(/%[\w.$-]+/g, (v) => {
      const type = deopt.get(v);
      if (type === undefined) return v;
      let copy = made.get(v);
      if (copy === undefined) {
        copy = `%deopt.arg${++copies}`;
        made.set(v, copy);
        const cls = registerClass(type, target);
        out.push(`  ${copy} = call ${type} asm "", "=${cls},0"(${type} ${v})`);
      }
      return copy;
    });
    out.push(line.slice(0, argsStart) + args + line.slice(argsEnd));
  }
  return { ir: out.join('\n'), copies };
}
