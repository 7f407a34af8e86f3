// What the benchmark measures of an ELF: its code and its C/R records.
import { LLVM_STACKMAP_SECTION, STACKMAP_SECTION } from '../compiler-core/src/index';

export { sectionSize } from '../compiler-core/src/index';

export const isText = (name: string): boolean => name === '.text' || name.startsWith('.text.');
/** LLVM's statepoint records, which the runtime reads to find each frame's Wasm values (renamed by the back end). */
export const isStackmaps = (name: string): boolean => name === LLVM_STACKMAP_SECTION || name === STACKMAP_SECTION;
