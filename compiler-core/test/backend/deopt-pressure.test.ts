/**
 * The rule that decides which functions keep their deopt values in registers: the most distinct
 * SSA values in one deopt state, constants not counted (pipeline.ts, deoptPressure).
 */
import assert from 'node:assert/strict';
import { deoptPressure } from '../../src/backend/pipeline';

const IR = `
define hidden i32 @wf1(i32 %a0, i32 %a1) gc "statepoint-example" {
entry:
  %tok = call token (i64, i32, void (i64)*, i32, i32, ...) @llvm.experimental.gc.statepoint.p0f_isVoidi64f(i64 0, i32 0, void (i64)* @wrt_cr_point, i32 1, i32 0, i64 7, i32 0, i32 0) [ "deopt"(i64 7, i32 %a0, i32 %a1, i32 %a0, i32 0, i64 0) ]
  %t2 = call i32 @wf2(i32 %a1) [ "deopt"(i64 8, i32 %a1, i32 0), "gc-live"(i8 addrspace(1)* %p, i8 addrspace(1)* %q, i8 addrspace(1)* %r) ]
  ret i32 %t2
}

define internal i32 @"wf2"(i32 %a0) {
  %x = add i32 %a0, 1
  ret i32 %x
}
define hidden void @wr1() gc "statepoint-example" {
  call void @f() [ "deopt"(i64 9, i32 %v1, i32 %v2, double %v3, <16 x i8> %v4, i64 %v5) ]
  ret void
}
`;

describe('deopt pressure (which functions keep deopt values in registers)', () => {
  it('counts the distinct non-constant values of the largest deopt state of each function', () => {
    const p = deoptPressure(IR);
    // wf1: %a0 twice and %a1 in the first state (2), the second state's own values only (gc-live not counted)
    assert.deepEqual([...p], [['wf1', 2], ['wf2', 0], ['wr1', 5]]);
  });
});
