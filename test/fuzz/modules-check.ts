/**
 * Module fuzzing, part 3: one module through the compiler's front end in-process, as `wanco
 * compile` runs it (compiler-core/src/compile.ts): decode, validate, the command checks (WASI
 * imports, `_start`), translate to LLVM IR. The outcome is one of
 *   malformed   the decoder refused it:   FILE:0xOFFSET: reason
 *   invalid     the validator refused it: FILE:0xOFFSET: invalid module: reason
 *   refused     not a WASI command (imports, `_start`): FILE[:0xOFFSET]: reason
 *   translated  LLVM IR was produced (runnable: it is a WASI command, so it can be run)
 * and anything else is a problem: an exception that is not the project's error type, a message
 * that does not name the file and the place (or shows `undefined`/`NaN`), an offset past the
 * end of the module, or a translator error on a module the validator accepted.
 */
import { decodeModule } from '../../compiler-core/src/wasm/decoder';
import { validateModule } from '../../compiler-core/src/index';
import { WancoError, WasmDecodeError, WasmValidationError } from '../../compiler-core/src/index';
import { checkCommandEntry } from '../../compiler-core/src/index';
import { checkImports, translateModule } from '../../compiler-core/src/translate/module';
import { parseTarget } from '../../compiler-core/src/index';
import type { Rng } from './modules-gen';

export type Outcome = 'malformed' | 'invalid' | 'refused' | 'translated';

export interface Verdict {
  outcome?: Outcome;
  /** the error message of malformed/invalid/refused */
  message?: string;
  /** set when the module shows a defect */
  problem?: string;
  /** translated, with WASI imports only and `_start: [] -> []` */
  runnable: boolean;
  /** exports its memory as "memory" (Node's WASI needs that to run it; wanco does not) */
  exportsMemory?: boolean;
  /** translation settings used */
  settings?: string;
  /** translated, but the IR was too large to verify (see MAX_VERIFIED_IR) */
  unverified?: boolean;
}

/** IR larger than this (the C/R instrumentation's IR grows with locals × points) is not verified. */
export const MAX_VERIFIED_IR = 8 << 20;

function describe(e: unknown): string {
  if (e instanceof Error) return `${e.constructor.name}: ${e.message}\n${(e.stack ?? '').split('\n').slice(1, 8).join('\n')}`;
  return `a thrown ${typeof e}: ${String(e)}`;
}

const BAD_TEXT = /\bundefined\b|\bNaN\b|\[object |\bnull\b/;

function checkOffsetMessage(msg: string, file: string, size: number, infix: string): string | undefined {
  const prefix = `${file}:0x`;
  if (!msg.startsWith(prefix)) return `message does not start with "${prefix}": ${msg}`;
  const m = /^0x([0-9a-f]+): (.*)$/s.exec(msg.slice(file.length + 1));
  if (!m) return `message has no place and reason: ${msg}`;
  const offset = parseInt(m[1], 16);
  if (offset > size) return `offset 0x${m[1]} is past the end of the module (${size} bytes): ${msg}`;
  if (!m[2].startsWith(infix) || m[2].length <= infix.length) return `message has no reason: ${msg}`;
  if (m[2].includes('\n')) return `message is not one line: ${msg}`;
  if (BAD_TEXT.test(m[2])) return `message shows a missing value: ${msg}`;
  return undefined;
}

/** Checks one LLVM IR module text; returns undefined when it is well-formed, else what is wrong. */
export type IrVerifier = (ir: string) => string | undefined;

export function checkModule(bytes: Uint8Array, file: string, rng: Rng, verifyIr?: IrVerifier): Verdict {
  let module;
  try {
    module = decodeModule(bytes, file);
  } catch (e) {
    if (!(e instanceof WasmDecodeError)) return { problem: `decoder threw ${describe(e)}`, runnable: false };
    const p = checkOffsetMessage(e.message, file, bytes.length, '');
    return p ? { problem: `decoder: ${p}`, runnable: false } : { outcome: 'malformed', message: e.message, runnable: false };
  }
  try {
    validateModule(module, file);
  } catch (e) {
    if (!(e instanceof WasmValidationError)) return { problem: `validator threw ${describe(e)}`, runnable: false };
    if (e.offset === undefined) return { problem: `validator error without an offset: ${e.message}`, runnable: false };
    const p = checkOffsetMessage(e.message, file, bytes.length, 'invalid module: ');
    return p ? { problem: `validator: ${p}`, runnable: false } : { outcome: 'invalid', message: e.message, runnable: false };
  }
  // the command checks of compileFile; a module that fails only for want of _start is still
  // translated (the spec runner translates modules without _start)
  let refused: string | undefined;
  for (const [check, translateAnyway] of [
    [() => checkImports(module, file), () => false],
    [() => checkCommandEntry(module, file, true), (msg: string) => msg.includes('has no _start export')],
  ] as Array<[() => void, (msg: string) => boolean]>) {
    try {
      check();
    } catch (e) {
      if (!(e instanceof WancoError)) return { problem: `command check threw ${describe(e)}`, runnable: false };
      if (!e.message.startsWith(`${file}:`) || e.message.includes('\n') || BAD_TEXT.test(e.message)) {
        return { problem: `command check message: ${e.message}`, runnable: false };
      }
      if (!translateAnyway(e.message)) return { outcome: 'refused', message: e.message, runnable: false };
      refused = e.message;
    }
  }
  const target = rng.chance(0.5) ? 'x86_64' : 'aarch64';
  const checkpoint = rng.chance(0.75);
  const debugPoints = checkpoint && rng.chance(0.2);
  const boundsChecks = rng.chance(0.3);
  const partitions = rng.chance(0.8) ? 1 : 2;
  const settings = `--target ${target}${checkpoint ? '' : ' --no-checkpoint'}${debugPoints ? ' --debug-points' : ''}${boundsChecks ? ' --bounds-checks' : ''}, ${partitions} partition(s)`;
  let unverified = false;
  try {
    const r = translateModule(module, bytes, { boundsChecks, checkpoint, debugPoints, partitions }, parseTarget(target));
    if (!r.partitions.length || r.partitions.some((p) => typeof p !== 'string' || p.length === 0) || !r.partitions[0].includes('@wrt_module')) {
      return { problem: `translator produced no IR (${settings})`, runnable: false, settings };
    }
    unverified = r.partitions.some((p) => p.length > MAX_VERIFIED_IR);
    for (let k = 0; verifyIr && !unverified && k < r.partitions.length; k++) {
      const bad = verifyIr(r.partitions[k]);
      if (bad) return { problem: `the translator's IR does not verify (${settings}, partition ${k}): ${bad}`, runnable: false, settings };
    }
  } catch (e) {
    return { problem: `translator threw on a valid module (${settings}): ${describe(e)}`, runnable: false, settings };
  }
  if (refused) return { outcome: 'refused', message: refused, runnable: false, settings, unverified };
  const exportsMemory = module.exports.some((e) => e.name === 'memory' && e.kind === 'memory');
  return { outcome: 'translated', runnable: true, exportsMemory, settings, unverified };
}
