; Reduced (llvm-reduce-14) from wanco C/R IR of the sqlite3 shell, x86_64 -O2, Wasm function 316: a
; statepoint passing deopt values as call arguments too. llc-14 --use-registers-for-deopt-values:
; "ran out of registers during register allocation", then a crash.

define i32 @wf316(i32 %a0, i32 %a1, i32 %a2, i32 %a3, i32 %a4, i32 %a5, i32 %a6, i32 %a7, i32 %a8, i32 %a9, i32 %a10) gc "statepoint-example" {
block.end17:
  %statepoint_token181 = call token (i64, i32, i32 (i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32)*, i32, i32, ...) @llvm.experimental.gc.statepoint.p0f_i32i32i32i32i32i32i32i32i32i32i32i32f(i64 0, i32 0, i32 (i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32)* null, i32 11, i32 0, i32 %a0, i32 0, i32 0, i32 0, i32 %a4, i32 %a5, i32 %a6, i32 %a7, i32 %a8, i32 %a9, i32 %a4, i32 0, i32 0) [ "deopt"(i64 0, i32 %a0, i32 0, i32 0, i32 0, i32 %a4, i32 %a5, i32 %a6, i32 %a7, i32 %a8, i32 %a9, i32 %a0, i32 0, i32 0, i32 0, i32 0) ]
  ret i32 0
}

; Function Attrs: nofree nosync nounwind willreturn
declare i8* @llvm.stacksave() #0

declare token @llvm.experimental.gc.statepoint.p0f_isVoidi64f(i64 immarg, i32 immarg, void (i64)*, i32 immarg, i32 immarg, ...)

declare token @llvm.experimental.gc.statepoint.p0f_i32i32f(i64 immarg, i32 immarg, i32 (i32)*, i32 immarg, i32 immarg, ...)

; Function Attrs: nounwind readnone
declare i32 @llvm.experimental.gc.result.i32(token) #1

declare token @llvm.experimental.gc.statepoint.p0f_isVoidi32i32i32f(i64 immarg, i32 immarg, void (i32, i32, i32)*, i32 immarg, i32 immarg, ...)

declare token @llvm.experimental.gc.statepoint.p0f_isVoidi32i32f(i64 immarg, i32 immarg, void (i32, i32)*, i32 immarg, i32 immarg, ...)

declare token @llvm.experimental.gc.statepoint.p0f_i32i32i32i32i32i32f(i64 immarg, i32 immarg, i32 (i32, i32, i32, i32, i32)*, i32 immarg, i32 immarg, ...)

declare token @llvm.experimental.gc.statepoint.p0f_isVoidi32i32i32i32f(i64 immarg, i32 immarg, void (i32, i32, i32, i32)*, i32 immarg, i32 immarg, ...)

declare token @llvm.experimental.gc.statepoint.p0f_i32i32i32i32i32i32i32i32i32i32i32i32f(i64 immarg, i32 immarg, i32 (i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32)*, i32 immarg, i32 immarg, ...)

attributes #0 = { nofree nosync nounwind willreturn }
attributes #1 = { nounwind readnone }
