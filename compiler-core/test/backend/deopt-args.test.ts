/** Statepoint call arguments that are also deopt values become copies (backend/deopt-args.ts). */
import assert from 'node:assert/strict';
import { decoupleDeoptArguments } from '../../src/backend/deopt-args';

const SP = '@llvm.experimental.gc.statepoint.p0f_i32i32i64doublef';
const line = (args: string, deopt: string) =>
  `  %tok = call token (i64, i32, i32 (i32, i64, double)*, i32, i32, ...) ${SP}(i64 2882400000, i32 0, i32 (i32, i64, double)* @wf7, i32 3, i32 0, ${args}, i32 0, i32 0) [ "deopt"(${deopt}) ]`;

describe('deopt values passed as statepoint arguments', () => {
  it('passes a copy of each argument that is also a deopt value, once per value, with its register class', () => {
    const ir = ['define hidden i32 @wf1(i32 %a0, i64 %a1, double %a2) gc "statepoint-example" {',
      line('i32 %a0, i64 %a1, double %a2', 'i64 5, i32 %a0, i64 0, double %a2, i32 %a0'), '  ret i32 0', '}'].join('\n');
    const x86 = decoupleDeoptArguments(ir, 'x86_64');
    assert.equal(x86.copies, 2);
    assert.deepEqual(x86.ir.split('\n').slice(1, 4), [
      '  %deopt.arg1 = call i32 asm "", "=r,0"(i32 %a0)',
      '  %deopt.arg2 = call double asm "", "=x,0"(double %a2)',
      line('i32 %deopt.arg1, i64 %a1, double %deopt.arg2', 'i64 5, i32 %a0, i64 0, double %a2, i32 %a0'),
    ]);
    assert.match(decoupleDeoptArguments(ir, 'aarch64').ir, /%deopt\.arg2 = call double asm "", "=w,0"\(double %a2\)/);
  });

  it('leaves statepoints without shared values, and calls without deopt state, as they are', () => {
    const ir = [line('i32 %x, i64 %y, double %z', 'i64 5, i32 %a0, i32 0'), '  %r = call i32 @wf2(i32 %a0)',
      line('i32 1, i64 2, double 3.0', 'i64 6, i32 %a0')].join('\n');
    assert.deepEqual(decoupleDeoptArguments(ir, 'x86_64'), { ir, copies: 0 });
  });
});
