/**
 * Translator defects the module fuzzer (test/fuzz/modules.test.ts) found, as small modules
 * compiled with `bin/wanco compile` (-O2, checkpoint support on: the defaults) and run on both
 * targets:
 *  - with guard pages the load is the bounds check; LLVM deleted a load whose value could not
 *    change the result (f32.min with a NaN) and narrowed one whose low byte only was used, so an
 *    out-of-bounds access did not trap;
 *  - in a restore variant, the else branch of an `if` whose then branch ends a loop reused the
 *    operand-stack values the loop's end reloads (defined in the then branch only): opt-14
 *    refused the IR ("Instruction does not dominate all uses!").
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runnerFor, spawnCapture, TARGETS, WANCO } from '../helpers/oracle';

const OOB = 'wasm trap: out of bounds memory access\n';

const MODULES: Array<{ name: string; wat: string; status: number; stderrStarts: string }> = [
  {
    name: 'an out-of-bounds load whose value cannot matter (f32.min with a NaN) traps',
    wat: `(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func $nan_min (param i32) (result f32) (f32.min (f32.load (local.get 0)) (f32.const nan)))
  (func (export "_start")
    (local i32)
    (local.set 0 (i32.trunc_sat_f32_s (call $nan_min (i32.const 65534))))
    (call $exit (i32.const 3))))`,
    status: 134, stderrStarts: OOB,
  },
  {
    name: 'an out-of-bounds i32.load of which only the low byte is used traps',
    wat: `(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func $low_byte (param i32) (result i32) (i32.and (i32.load (local.get 0)) (i32.const 0xff)))
  (func (export "_start")
    (local i32)
    (local.set 0 (call $low_byte (i32.const 65533)))
    (call $exit (i32.const 3))))`,
    status: 134, stderrStarts: OOB,
  },
  {
    name: 'a value below an if whose then branch ends a loop: compiles, and the else branch sees the value',
    wat: `(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func $f (param i32) (result i32)
    (local i32)
    (local.set 1 (i32.const 3))
    (loop $first (br_if $first (local.tee 1 (i32.sub (local.get 1) (i32.const 1)))))
    (i32.const 40)
    (if (result i32) (local.get 0)
      (then (loop $l (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1))))) (i32.const 1))
      (else (block (result i32) (i32.const 2))))
    (i32.add))
  (func (export "_start")
    (call $exit (i32.add (call $f (i32.const 5)) (call $f (i32.const 0))))))`,
    status: 83, stderrStarts: '',
  },
];

describe('e2e: translator regressions found by the module fuzzer', function () {
  this.timeout(900_000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'wanco-translate-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  MODULES.forEach((m, k) => {
    for (const target of TARGETS) {
      it(`${m.name} (${target})`, async () => {
        const wat = join(dir, `m${k}.wat`);
        writeFileSync(wat, m.wat);
        const exe = join(dir, `m${k}-${target}`);
        const c = await spawnCapture(process.execPath, [WANCO, 'compile', wat, '--target', target, '-o', exe], { timeoutMs: 300_000 });
        assert.equal(c.status, 0, `compile failed:\n${c.stderr.toString()}`);
        const [cmd, args] = runnerFor(target, exe, []);
        const r = await spawnCapture(cmd, args, { cwd: dir });
        assert.equal(r.status, m.status, `exit status; stderr: ${r.stderr.toString()}`);
        assert.ok(r.stderr.toString().startsWith(m.stderrStarts), `stderr: ${JSON.stringify(r.stderr.toString())}`);
      });
    }
  });
});
