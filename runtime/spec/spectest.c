/*
 * spectest.c — the functions of the spec testsuite's `spectest` host module.
 * The spec harness plugs the `spectest` host module into the compiler
 * (compiler-core/test/spec-harness/spectest-host.ts), which binds `spectest.print*`
 * imports to these; its globals, table and memory become the module's own. Output matches the reference interpreter,
 * one value per line, e.g. `42 : i32`.
 */
#include "wrt_internal.h"

#include <inttypes.h>
#include <stdio.h>

static void begin(void) { wrt_stdout_flush(); }
static void end(void) { fflush(stdout); }

void wrt_spectest_print(void) { begin(); end(); }
void wrt_spectest_print_i32(int32_t a) { begin(); printf("%" PRId32 " : i32\n", a); end(); }
void wrt_spectest_print_i64(int64_t a) { begin(); printf("%" PRId64 " : i64\n", a); end(); }
void wrt_spectest_print_f32(float a) { begin(); printf("%.9g : f32\n", (double)a); end(); }
void wrt_spectest_print_f64(double a) { begin(); printf("%.17g : f64\n", a); end(); }
void wrt_spectest_print_i32_f32(int32_t a, float b) {
  begin();
  printf("%" PRId32 " : i32\n%.9g : f32\n", a, (double)b);
  end();
}
void wrt_spectest_print_f64_f64(double a, double b) {
  begin();
  printf("%.17g : f64\n%.17g : f64\n", a, b);
  end();
}
