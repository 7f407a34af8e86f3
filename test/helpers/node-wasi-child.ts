/**
 * Child process of the oracle (test/helpers/oracle.ts): runs one WASI command
 * module with Node's own WebAssembly engine and `node:wasi`, so that traps and
 * exit codes are isolated in their own process and observable.
 *
 *   node --no-warnings node-wasi-child.js CONFIG.json
 *
 * CONFIG: { wasm, args, env, preopens: {guest: host}, result }. stdout/stderr
 * of the program are this process's own fds 1 and 2 (uvwasi writes to them
 * synchronously). Exit status: the program's proc_exit code; 134 when it
 * trapped, and then the trap (the engine's message and error class) is written
 * as JSON to CONFIG.result, so the parent can tell a trap from `exit(134)`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { WASI } from 'node:wasi';

// tsconfig's lib has no DOM, so the WebAssembly global is not typed: the few
// members used here.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => object;
  RuntimeError: new (...a: unknown[]) => Error;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface ChildConfig {
  wasm: string;
  args: string[];
  env: Record<string, string>;
  preopens: Record<string, string>;
  result: string;
}

function main(): void {
  const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8')) as ChildConfig;
  const wasi = new WASI({
    version: 'preview1',
    args: cfg.args,
    env: cfg.env,
    preopens: cfg.preopens,
    returnOnExit: true,
  });
  const module = new WA.Module(readFileSync(cfg.wasm));
  const instance = new WA.Instance(module, wasi.getImportObject());
  let code: number;
  try {
    code = wasi.start(instance as Parameters<WASI['start']>[0]);
  } catch (e) {
    // A Wasm trap is a WebAssembly.RuntimeError; stack exhaustion is V8's RangeError.
    if (e instanceof WA.RuntimeError || e instanceof RangeError) {
      writeFileSync(cfg.result, JSON.stringify({ trap: e.message, kind: e.constructor.name }));
      process.exit(134);
    }
    throw e;
  }
  writeFileSync(cfg.result, JSON.stringify({ exit: code }));
  process.exit(code);
}

main();
