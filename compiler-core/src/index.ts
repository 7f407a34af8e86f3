/**
 * The public API of compiler-core: what the CLI (cli/), the debug adapter (debug-adapter/), the
 * extension and its .wat language server (extension/) use. Code outside compiler-core imports
 * compiler-core only through this file (test/architecture.test.ts holds everyone to it); compiler-core
 * itself imports nothing of ours.
 */

// Compiling: a .wat/.wasm file in, a static ELF out; targets and optimisation levels.
export { compileFile, type CompileOptions } from './compile';
export { hostTarget, parseTarget, TARGETS, type Target, type TargetName } from './backend/targets';
export type { OptLevel } from './backend/pipeline';
export { findToolchain, toolArgv, runtimeArchive, DEBIAN_LLVM_BIN_DIR, systemLinkArgs, RUNTIME_LIBRARIES, type Tool, type Toolchain } from './backend/toolchain';
export { bundledToolchainDir, readLinkManifest, UPSTREAM_LLVM_ENV, type LinkManifest } from './backend/bundled-toolchain';
export { elfSections, sectionSize, renameStackmapSection, LLVM_STACKMAP_SECTION, STACKMAP_SECTION } from './backend/elf-sections';
export type { HostModule } from './translate/host-imports';
export { packageRoot } from './package-root';
export { partitionPoint } from './partition-point';

// The driver: the compile cache, running an ELF here, remote restore, signal checkpoints, inspect.
export { cacheDir, compileCached } from './driver/cache';
export { runnerFor } from './driver/runner';
export { remoteRestore, type RemoteRestoreOptions, type RemoteRestoreResult } from './driver/remote-restore';
export { parseRemote, RemoteError, shq, type RemoteHooks, type RemoteSpec, type SshConnection } from './driver/ssh';
export { checkpointBySignal, type CheckpointSignal } from './driver/signal-checkpoint';
export { inspectSnapshot, type SnapshotInspectOptions } from './driver/inspect';
export { doctor, doctorText, type DoctorCheck } from './driver/doctor';

// Modules: loading (.wat through binaryen, .wasm), validation, the decoded form, opcodes.
export { getBinaryen, loadModule, parseWat, wasm2Features, watToBinary, type LoadedModule } from './wasm/load';
export { validateModule } from './wasm/validate/module';
export { checkCommandEntry } from './wasm/command';
export { checkImports } from './translate/module';
export { Op, SIMD_NAMES } from './wasm/opcodes';
export { tokenize as tokenizeWat, type Token as WatToken } from './wasm/text/lexer';
export type { ExportKind, FuncType, Import, Instr, Limits, Module, ValType } from './wasm/types';

// Migration points: ids, kinds, and the points a build places.
export {
  AFTER_CALL_TAG, afterCallPoint, debugPointFunctions, decodePointId, isDebugPoint, parsePointIdText, pointId, pointIdText, POINT_KIND_NAMES, PointKind, STATEMENT_TAG,
  type DecodedPointId, type PointKindName,
} from './cr/points';
export { migrationPoints } from './translate/module';
export { debugBuildFunctions, sourceFileExists, sourceFunctions } from './wasm/source-files';
export type { PointInfo } from './cr/instrument';

// Snapshots: the reader (every field validated), the formatter (one text of a value), memory.
export {
  inflateChunk, parseSnapshot, readMemory, readSnapshotFile, SnapshotError,
  type MemoryChunk, type NativeLocation, type Snapshot, type SnapshotFrame, type SnapshotValue,
} from './snapshot/reader';
export { snapshotText, verifyMemory } from './snapshot/format';

// Values: the one text of a Wasm value (CLI, live and post-mortem debugger), the parser of typed-in
// values, the raw form on the runtime's control socket, native places.
export {
  f32FromBits, f64FromBits, floatBitsText, floatText, hexBits, parseValueText, valueText, ValueTextError,
} from './values/text';
export { placeFromWire, valueFromWire, valueToWire, WireError, type WirePlace, type WireValue } from './values/wire';
export { locationText, registerName } from './values/native-place';

// Errors a user can cause (printed as one line by the CLI, shown as a message by the extension).
export { InputFileError, WancoError, WasmDecodeError, WasmValidationError, WatParseError } from './wasm/errors';
