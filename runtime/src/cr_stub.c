/*
 * cr_stub.c — placeholder for the checkpoint/restore entry points declared in
 * wrt.h, so that modules compiled with migration points link and run (the
 * flag stays 0, so wrt_cr_point is never reached). The C/R work replaces this
 * file with the real snapshot writer/reader.
 */
#include "wrt_internal.h"

volatile int32_t wrt_cr_flag;

void wrt_cr_point(uint64_t point_id) {
  (void)point_id;
  wrt_cr_flag = 0;
}

static _Noreturn void no_restore(void) { wrt_fatal("restore is not supported by this runtime build"); }

uint64_t wrt_cr_restore_frame(uint32_t func_index) { (void)func_index; no_restore(); }
int32_t wrt_cr_restore_i32(void) { no_restore(); }
int64_t wrt_cr_restore_i64(void) { no_restore(); }
float wrt_cr_restore_f32(void) { no_restore(); }
double wrt_cr_restore_f64(void) { no_restore(); }
void wrt_cr_restore_v128(void *out16) { (void)out16; no_restore(); }
void *wrt_cr_restore_ref(void) { no_restore(); }
