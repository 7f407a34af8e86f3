/**
 * The keywords of the Wasm 2.0 text format: every instruction name (from the opcode tables) and
 * the words of the module syntax. A keyword-like token outside this set is an unknown operator.
 */
import { Op, opName, Simd } from '../opcodes';

const STRUCTURE = [
  'module', 'type', 'func', 'param', 'result', 'local', 'global', 'mut', 'table', 'memory', 'elem', 'data',
  'import', 'export', 'start', 'offset', 'item', 'declare', 'then',
  'i32', 'i64', 'f32', 'f64', 'v128', 'funcref', 'externref', 'extern',
  'i8x16', 'i16x8', 'i32x4', 'i64x2', 'f32x4', 'f64x2', // v128.const shapes
  // not Wasm 2.0 module syntax, but lexically valid: left to the parser to reject with its own message
  'ref', 'null', 'nan:canonical', 'nan:arithmetic',
];

export const KEYWORDS: ReadonlySet<string> = new Set([
  ...STRUCTURE,
  ...Object.values(Op).map(opName),
  ...Object.values(Simd).map(opName),
]);

/** Instructions with a memarg (offset= and align= may follow), SIMD lane loads/stores included. */
export function hasMemarg(keyword: string): boolean {
  return /^(i32|i64|f32|f64|v128)\.(load|store)/.test(keyword);
}

/** Lane count of a v128.const shape, with the bit width of a lane and whether lanes are floats. */
export const SHAPES: Record<string, { lanes: number; bits: number; float: boolean }> = {
  i8x16: { lanes: 16, bits: 8, float: false },
  i16x8: { lanes: 8, bits: 16, float: false },
  i32x4: { lanes: 4, bits: 32, float: false },
  i64x2: { lanes: 2, bits: 64, float: false },
  f32x4: { lanes: 4, bits: 32, float: true },
  f64x2: { lanes: 2, bits: 64, float: true },
};
