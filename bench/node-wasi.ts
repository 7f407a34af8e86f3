// Runs a WASI preview1 module under Node's node:wasi (no experimental flag on Node 20).
// usage: node out/bench/node-wasi.js [--dir HOST::GUEST]... [--env NAME=VALUE]... module.wasm [args...]
// (the options of a wanco program, for the corpus programs' sandboxes)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WASI } from 'node:wasi';

// lib is ES2022 without DOM, so WebAssembly has no type declarations here.
interface WasmApi { compile(b: Buffer): Promise<object>; instantiate(m: object, imports: object): Promise<object> }
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const preopens: Record<string, string> = {};
  const env: Record<string, string> = {};
  while (argv[0] === '--dir' || argv[0] === '--env') {
    const [opt, value] = argv.splice(0, 2);
    if (opt === '--dir') { const [host, guest] = value.split('::'); preopens[guest ?? host] = host; } else { const i = value.indexOf('='); env[value.slice(0, i)] = value.slice(i + 1); }
  }
  const file = argv[0];
  if (!file) {
    process.stderr.write('usage: node-wasi.js [--dir HOST::GUEST]... [--env NAME=VALUE]... module.wasm [args...]\n');
    process.exit(2);
  }
  const wasi = new WASI({
    version: 'preview1',
    args: [path.basename(file, '.wasm'), ...argv.slice(1)],
    env,
    preopens,
    returnOnExit: true,
  });
  const mod = await WA.compile(fs.readFileSync(file));
  const inst = await WA.instantiate(mod, wasi.getImportObject());
  process.exitCode = wasi.start(inst as Parameters<WASI['start']>[0]);
}

main().catch((e) => {
  process.stderr.write(`node-wasi: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 134;
});
