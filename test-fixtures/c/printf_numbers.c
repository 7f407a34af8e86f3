/* printf of ints, floats and doubles including edge cases (libc formatting
 * runs inside Wasm: this exercises i64 arithmetic, f64 ops and conversions). */
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>

static volatile double vd[] = { 0.1, -0.0, 1e300, 5e-324, 2.2250738585072014e-308, 123456789.125, 0.5, 1.5, 2.5, -2.5 };
static volatile float vf[] = { 0.1f, FLT_MAX, FLT_MIN, 1e-45f, 16777217.0f, -1.0f / 3.0f };

int main(void) {
  printf("int: %d %d %d %i\n", 0, INT_MIN, INT_MAX, -42);
  printf("unsigned: %u %x %X %o %#x %#o\n", UINT_MAX, 0xdeadbeefu, 0xcafeu, 0777u, 255u, 8u);
  printf("long long: %lld %lld %llu\n", LLONG_MIN, LLONG_MAX, ULLONG_MAX);
  printf("int64: %" PRId64 " %" PRIx64 "\n", (int64_t)-1234567890123456789LL, (uint64_t)0x0123456789abcdefULL);
  printf("width: [%5d] [%-5d] [%05d] [%+d] [% d] [%.3d]\n", 42, 42, -42, 7, 7, 5);
  printf("char/str: [%c] [%s] [%.3s] [%10s] [%-6s]\n", 'w', "wanco", "abcdef", "right", "left");
  for (unsigned i = 0; i < sizeof vd / sizeof vd[0]; i++) {
    double d = vd[i];
    printf("double[%u]: %f | %e | %g | %.17g | %a | %.0f\n", i, d, d, d, d, d, d);
  }
  for (unsigned i = 0; i < sizeof vf / sizeof vf[0]; i++) {
    float f = vf[i];
    printf("float[%u]: %f | %e | %g | %.9g\n", i, f, f, f, f);
  }
  printf("special: %f %f %F %e %g\n", (double)INFINITY, -(double)INFINITY, (double)INFINITY, (double)NAN, -(double)NAN);
  printf("limits: %g %g %g %g\n", DBL_MAX, DBL_MIN, DBL_EPSILON, (double)FLT_EPSILON);
  printf("math: %.15g %.15g %.15g %.15g %.15g\n", sqrt(vd[0]), exp(1.0 + vd[6]), log(vd[5]), pow(vd[8], 10.5), fmod(vd[5], 7.0));
  printf("rounding: %.1f %.1f %.1f %.2f %.0f %.0f\n", 0.25, 0.35, -0.05, 1.005, vd[6], vd[8]);
  printf("rint/round: %g %g %g %g\n", rint(vd[8]), round(vd[8]), floor(vd[9]), ceil(vd[9]));
  int n = 0;
  printf("count%n\n", &n);
  printf("n=%d\n", n);
  char buf[64];
  int len = snprintf(buf, 8, "%s", "truncated-output");
  printf("snprintf: %d [%s]\n", len, buf);
  return 0;
}
