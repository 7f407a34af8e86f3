/**
 * The debug adapter's third entry point: the `.wat` lines of a module's instructions and of its
 * migration points, without the DAP session (the language server's code lenses use them, and a
 * bundle of the language server should not carry the debugger).
 */
export { instructionLines, WatSourceMap } from './sourceMap';
export { placePoints } from './pointLines';
