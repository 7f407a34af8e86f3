/* Clocks: prints only deterministic facts about clock_gettime, time() and
 * nanosleep (poll_oneoff). */
#include <stdio.h>
#include <time.h>

static long long ns(clockid_t c) {
  struct timespec t;
  if (clock_gettime(c, &t) != 0) return -1;
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void) {
  long long m1 = ns(CLOCK_MONOTONIC);
  volatile unsigned x = 0;
  for (unsigned i = 0; i < 2000000; i++) x += i;
  long long m2 = ns(CLOCK_MONOTONIC);
  printf("monotonic increases: %s\n", m2 > m1 ? "yes" : "no");
  long long r = ns(CLOCK_REALTIME);
  printf("realtime after 2020: %s\n", r > 1577836800LL * 1000000000LL ? "yes" : "no");
  time_t t = time(NULL);
  printf("time() agrees with realtime: %s\n", (long long)t - r / 1000000000LL <= 1 ? "yes" : "no");
  struct timespec res;
  printf("monotonic resolution positive: %s\n", clock_getres(CLOCK_MONOTONIC, &res) == 0 && (res.tv_sec > 0 || res.tv_nsec > 0) ? "yes" : "no");
  struct timespec d = { 0, 20 * 1000000 };
  long long s1 = ns(CLOCK_MONOTONIC);
  int rc = nanosleep(&d, NULL);
  long long s2 = ns(CLOCK_MONOTONIC);
  /* 15 ms, not 20: Node's WASI sleeps on a libuv timer with millisecond
   * granularity and a cached loop time, so it can wake ~1-2 ms early. */
  printf("nanosleep rc=%d slept >= 15ms: %s\n", rc, s2 - s1 >= 15000000LL ? "yes" : "no");
  long long c = ns(CLOCK_PROCESS_CPUTIME_ID);
  printf("cputime readable: %s\n", c >= 0 ? "yes" : "no");
  return 0;
}
