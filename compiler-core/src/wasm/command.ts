/**
 * A compiled program is a WASI command: its entry point is the exported function `_start`,
 * of type [] -> [] (WASI's application ABI). A module without it would compile into a program
 * that exits 0 without running anything, so the compiler refuses it, naming the file (as
 * wasmtime refuses to run one). The spec runner translates modules without `_start` on purpose:
 * it calls translateModule directly and does not pass through here.
 */
import { WancoError } from './errors';
import { funcTypeText, type FuncType, type Module } from './types';

export function checkCommandEntry(module: Module, fileName: string, isBinary: boolean): void {
  const entry = module.exports.find((e) => e.name === '_start');
  const where = (offset: number) => (isBinary ? `${fileName}:0x${offset.toString(16)}` : fileName);
  if (!entry) {
    throw new WancoError(`${fileName}: the module has no _start export, which a WASI command needs (its entry point, a function [] -> []): nothing would run`);
  }
  if (entry.kind !== 'func') throw new WancoError(`${where(entry.offset)}: export _start must be a function [] -> [], found a ${entry.kind}`);
  const typeIndex = module.funcTypeIndices[entry.index];
  const t: FuncType | undefined = typeIndex === undefined ? undefined : module.types[typeIndex];
  if (!t) throw new WancoError(`${where(entry.offset)}: export _start names unknown function ${entry.index}`);
  if (t.params.length !== 0 || t.results.length !== 0) {
    throw new WancoError(`${where(entry.offset)}: export _start must have type [] -> [], found ${funcTypeText(t)}`);
  }
}
