/**
 * Input loading: `.wat`/`.wast` text is parsed and validated by binaryen and turned into a binary;
 * every binary (the input `.wasm`, or binaryen's output for text) is decoded by our decoder
 * (structure, exact offsets) and validated by our validator (validate/module.ts, the spec's rules
 * and wording). The result is always the binary plus its decoded Module: code offsets refer to
 * that binary.
 *
 * binaryen 132 is an ES module with top-level await, so `require('binaryen')` fails from CommonJS
 * (ERR_REQUIRE_ASYNC_MODULE). We load it once with a real dynamic `import()` of its resolved file
 * URL; the `import()` is hidden in a Function so that tsc (module: commonjs) does not rewrite it
 * into `require()`. Hence every entry point that needs binaryen is async.
 */
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { decodeModule } from './decoder';
import { InputFileError, WancoError, WasmDecodeError, WasmValidationError, WatParseError } from './errors';
import { Module } from './types';
import { validateModule } from './validate/module';
import { precheckWat } from './text/precheck';
import { inSpecWords } from './text/binaryen-messages';

type BinaryenApi = typeof import('binaryen').default;
type BinaryenModule = InstanceType<BinaryenApi['Module']>;

/** parseText/readBinary take an optional feature set at run time; the typings omit it. */
type WithFeatures<T> = (input: T, features?: number) => BinaryenModule;

export interface LoadedModule {
  /** the module binary (for text input: binaryen's binary, with a name section) */
  bytes: Uint8Array;
  module: Module;
}

let binaryenPromise: Promise<BinaryenApi> | undefined;

// eslint-disable-next-line @typescript-eslint/no-implied-eval
const dynamicImport = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<{ default: BinaryenApi }>;

/** The binaryen.js API, loaded once. */
export function getBinaryen(): Promise<BinaryenApi> {
  if (!binaryenPromise) {
    const url = pathToFileURL(require.resolve('binaryen')).href;
    binaryenPromise = dynamicImport(url).then((m) => m.default);
  }
  return binaryenPromise;
}

/** The Wasm 2.0 feature set: MVP + mutable-globals, sign-ext, nontrapping-float-to-int,
 * bulk-memory, multi-value, reference-types, fixed-width SIMD. */
export function wasm2Features(b: BinaryenApi): number {
  const F = b.Features;
  return (
    F.MVP |
    F.MutableGlobals |
    F.SignExt |
    F.NontrappingFPToInt |
    F.BulkMemory |
    F.BulkMemoryOpt |
    F.Multivalue |
    F.ReferenceTypes |
    F.CallIndirectOverlong |
    F.SIMD128
  );
}

/** Runs f with process.stdout/stderr writes captured (binaryen prints validator messages). */
function captureOutput<T>(f: () => T): { value?: T; error?: unknown; output: string } {
  const out = process.stdout.write;
  const err = process.stderr.write;
  let output = '';
  const sink = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    if (cb) cb();
    return true;
  };
  process.stdout.write = sink as typeof process.stdout.write;
  process.stderr.write = sink as typeof process.stderr.write;
  try {
    return { value: f(), output };
  } catch (error) {
    return { error, output };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

function errorText(e: unknown): string {
  // binaryen throws its own exception objects (not Error instances) with a `message`
  const msg = typeof e === 'object' && e !== null ? (e as { message?: unknown }).message : undefined;
  const s = typeof msg === 'string' ? msg : String(e);
  return s.replace(/^(Fatal|error):\s*/i, '').trim();
}

/** Turns binaryen validator output into one line, e.g.
 * `function f: i32 != i64: binary child types must be equal (at (i32.add ...))`. */
export function firstValidatorMessage(output: string): string {
  const m = /\[wasm-validator error in ([^\]]*)\]\s*([^\n]*?)(?:,\s*on\s*)?\n([\s\S]*?)(?=\n\[wasm-validator|$)/.exec(output);
  if (!m) {
    const line = output.split('\n').find((l) => l.trim() !== '');
    return line ? line.trim() : 'validation failed';
  }
  const where = m[1].trim();
  const what = m[2].trim().replace(/,\s*on$/, '').replace(/^unexpected (false|true): /, '');
  let at = m[3].replace(/\s+/g, ' ').trim();
  if (at.length > 80) at = at.slice(0, 77) + '...';
  return `${where}: ${what}${at ? ` (at ${at})` : ''}`;
}

function validate(b: BinaryenApi, mod: BinaryenModule, fileName: string): void {
  const r = captureOutput(() => mod.validate());
  if (r.error !== undefined) throw new WasmValidationError(fileName, inSpecWords(errorText(r.error)));
  if (!r.value) throw new WasmValidationError(fileName, inSpecWords(firstValidatorMessage(r.output)));
}

/** binaryen reports 0-based byte columns (of the UTF-8 text): make it a 1-based character column. */
function charColumn(text: string, line: number, byteCol: number): number {
  const lineText = text.split('\n')[line - 1];
  if (lineText === undefined) return byteCol + 1;
  const prefix = Buffer.from(lineText, 'utf8').subarray(0, byteCol).toString('utf8');
  return prefix.length + 1;
}

/**
 * Checks the text's tokens and literals (text/precheck.ts: what binaryen's parser lets through),
 * parses it with binaryen (no optimization passes), validates it under the Wasm 2.0
 * feature set and returns binaryen's binary (with a name section). Throws WatParseError
 * (`file:line:col: reason`) or WasmValidationError (`file: invalid module: ...`).
 */
export async function watToBinary(text: string, fileName: string): Promise<Uint8Array> {
  precheckWat(text, fileName);
  const b = await getBinaryen();
  const features = wasm2Features(b);
  // binaryen copies the string byte-per-char (stringToAscii): hand it the UTF-8 bytes as latin1
  const latin1 = Buffer.from(text, 'utf8').toString('latin1');
  const parsed = captureOutput(() => (b.parseText as WithFeatures<string>)(latin1, features));
  if (parsed.error !== undefined || !parsed.value) {
    const msg = parsed.error !== undefined ? errorText(parsed.error) : parsed.output.trim() || 'parse error';
    const m = /^(\d+):(\d+):\s*(?:error:\s*)?([\s\S]*)$/.exec(msg);
    if (m) {
      const line = Number(m[1]);
      throw new WatParseError(fileName, line, charColumn(text, line, Number(m[2])), inSpecWords(m[3].split('\n')[0].trim()));
    }
    throw new WatParseError(fileName, undefined, undefined, inSpecWords(msg.split('\n')[0]));
  }
  const mod = parsed.value;
  try {
    mod.setFeatures(features);
    validate(b, mod, fileName);
    const prevDebug = b.getDebugInfo();
    b.setDebugInfo(true);
    try {
      const out = captureOutput(() => mod.emitBinary());
      if (out.error !== undefined || !out.value) {
        throw new WasmValidationError(fileName, `binaryen could not emit the binary: ${errorText(out.error)}`);
      }
      return out.value;
    } finally {
      b.setDebugInfo(prevDebug);
    }
  } finally {
    mod.dispose();
  }
}

/**
 * Parses and validates WebAssembly text, then decodes binaryen's binary with our decoder and
 * validates it with our validator (binaryen's validator does not check every spec rule).
 */
export async function parseWat(text: string, fileName: string): Promise<LoadedModule> {
  const bytes = await watToBinary(text, fileName);
  const module = decodeModule(bytes, fileName);
  validateModule(module, fileName);
  return { bytes, module };
}

/**
 * Decodes a binary with our decoder (WasmDecodeError with the byte offset when malformed) and
 * validates it with our validator (WasmValidationError with the offset of the offending
 * instruction or entry). binaryen is not involved.
 */
export async function loadModuleFromBytes(bytes: Uint8Array, fileName: string): Promise<LoadedModule> {
  const module = decodeModule(bytes, fileName);
  validateModule(module, fileName);
  return { bytes, module };
}

/** Loads a `.wat`/`.wast` (text) or `.wasm` (binary) file. */
export async function loadModule(filePath: string): Promise<LoadedModule> {
  const ext = path.extname(filePath).toLowerCase();
  if (ext !== '.wat' && ext !== '.wast' && ext !== '.wasm') {
    throw new InputFileError(filePath, `unsupported input file type '${ext || '(none)'}': expected .wat, .wast or .wasm`);
  }
  let data: Buffer;
  try {
    data = fs.readFileSync(filePath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputFileError(filePath, code === 'ENOENT' ? 'no such file' : `cannot read file: ${errorText(e)}`);
  }
  if (ext === '.wasm') {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return loadModuleFromBytes(bytes, filePath);
  }
  return parseWat(data.toString('utf8'), filePath);
}

export { WancoError, WasmDecodeError, WasmValidationError, WatParseError, InputFileError };
