/**
 * The WebAssembly spec testsuite against test-fixtures/spec/known-failures.json, on both targets.
 * By default a representative slice (every instruction family, a few minutes on 2 cores);
 * WANCO_SPEC=all runs all 146 scripts. A command that does not pass and is not listed is a
 * regression; a listed command that passes is an unexpected pass (remove it from the list).
 */
import * as assert from 'assert';
import { existsSync } from 'fs';
import type { TargetName } from '../../src/backend/targets';
import { defaultJobs, runScripts, type CommandResult } from '../spec-harness/runner';
import { CACHE_ROOT, compareWithKnown, loadKnownFailures, SUITE_DIR, suiteScripts } from '../spec-harness/suite';

/** One or two scripts per instruction family; chosen to keep the slice to a few minutes. */
export const SLICE = [
  // numeric, conversions, constants
  'i32', 'i64', 'f32_bitwise', 'f64_cmp', 'conversions', 'int_literals', 'float_misc',
  // control, calls, stack
  'block', 'br_table', 'call_indirect', 'fac', 'select', 'unreachable', 'unwind', 'skip-stack-guard-page',
  // variables, globals, memory, bulk memory, traps
  'local_tee', 'global', 'load', 'memory_grow', 'memory_fill', 'memory_copy', 'address', 'traps', 'start',
  // tables and references
  'table_grow', 'table_fill', 'ref_is_null', 'bulk',
  // binary/text malformed and invalid
  'binary', 'binary-leb128', 'utf8-custom-section-id', 'type', 'custom',
  // SIMD: every family once
  'simd_lane', 'simd_const', 'simd_bitwise', 'simd_bit_shift', 'simd_boolean', 'simd_splat', 'simd_load',
  'simd_store', 'simd_load8_lane', 'simd_store32_lane', 'simd_load_extend', 'simd_load_splat', 'simd_load_zero',
  'simd_i8x16_arith2', 'simd_i16x8_sat_arith', 'simd_i16x8_q15mulr_sat_s', 'simd_i32x4_dot_i16x8',
  'simd_i32x4_trunc_sat_f64x2', 'simd_i64x2_extmul_i32x4', 'simd_i16x8_extadd_pairwise_i8x16',
  'simd_f32x4_rounding', 'simd_f64x2_pmin_pmax', 'simd_f32x4_cmp', 'simd_conversions', 'simd_int_to_int_extend',
  // linking: register, imports shared by reference, link errors, partial instantiation
  'imports', 'linking',
];

/** Scripts run with checkpoint instrumentation too (must not change semantics). */
const CR_SLICE = ['fac', 'call_indirect', 'loop', 'simd_lane'];

const TARGETS: TargetName[] = ['x86_64', 'aarch64'];

function fmt(rs: CommandResult[]): string {
  return rs.slice(0, 20).map((r) => `  ${r.script}:${r.line} ${r.kind}: ${r.outcome} ${r.detail ?? ''}`).join('\n') +
    (rs.length > 20 ? `\n  ... and ${rs.length - 20} more` : '');
}

describe('spec testsuite', function () {
  this.timeout(60 * 60 * 1000);
  if (!existsSync(SUITE_DIR)) {
    it('needs the spec testsuite', function () {
      const msg = `spec testsuite not found at ${SUITE_DIR} (see ../shared/spec-testsuite)`;
      if (process.env.CI === 'true') assert.fail(msg);
      console.warn(`    ${msg}: skipped`);
      this.skip();
    });
    return;
  }
  const all = process.env.WANCO_SPEC === 'all';
  const scripts = all ? suiteScripts() : suiteScripts(SLICE);
  const known = loadKnownFailures();

  for (const target of TARGETS) {
    it(`${all ? 'all scripts' : `slice of ${SLICE.length} scripts`} on ${target} match known-failures.json`, async () => {
      const { results, seconds } = await runScripts(scripts, { targets: [target], optLevel: 1, checkpoint: false,
        jobs: defaultJobs(), cacheRoot: CACHE_ROOT });
      const rs = results[target];
      const { regressions, unexpectedPasses } = compareWithKnown(target, rs, known);
      const passed = rs.filter((r) => r.outcome === 'pass').length;
      console.log(`      ${target}: ${passed}/${rs.length} pass (${seconds[target].toFixed(0)} s)`);
      assert.ok(passed > 0);
      assert.deepStrictEqual(regressions.length, 0, `regressions on ${target}:\n${fmt(regressions)}`);
      assert.deepStrictEqual(unexpectedPasses.length, 0,
        `passing but listed in test-fixtures/spec/known-failures.json on ${target} (remove them):\n${fmt(unexpectedPasses)}`);
    });
  }

  it('checkpoint instrumentation does not change results (x86_64 and aarch64)', async () => {
    const { results } = await runScripts(suiteScripts(CR_SLICE), { targets: TARGETS, optLevel: 1, checkpoint: true,
      jobs: defaultJobs(), cacheRoot: CACHE_ROOT });
    for (const target of TARGETS) {
      const { regressions } = compareWithKnown(target, results[target], known);
      assert.deepStrictEqual(regressions.length, 0, `with checkpoint on ${target}:\n${fmt(regressions)}`);
    }
  });
});
