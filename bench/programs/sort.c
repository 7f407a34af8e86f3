/* Sorting 10M pseudo-random 32-bit ints: quicksort (median of 3, insertion sort for small runs)
 * then a bottom-up mergesort of a second copy; checks both agree and prints a checksum. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static void isort(int32_t *a, long n) {
  for (long i = 1; i < n; i++) { int32_t v = a[i]; long j = i - 1; while (j >= 0 && a[j] > v) { a[j + 1] = a[j]; j--; } a[j + 1] = v; }
}
static void qsort_(int32_t *a, long n) {
  while (n > 24) {
    long m = n / 2;
    if (a[0] > a[m]) { int32_t t = a[0]; a[0] = a[m]; a[m] = t; }
    if (a[m] > a[n - 1]) { int32_t t = a[m]; a[m] = a[n - 1]; a[n - 1] = t; }
    if (a[0] > a[m]) { int32_t t = a[0]; a[0] = a[m]; a[m] = t; }
    int32_t p = a[m];
    long i = 0, j = n - 1;
    for (;;) {
      while (a[i] < p) i++;
      while (a[j] > p) j--;
      if (i >= j) break;
      int32_t t = a[i]; a[i] = a[j]; a[j] = t; i++; j--;
    }
    if (j + 1 < n - j - 1) { qsort_(a, j + 1); a += j + 1; n -= j + 1; }
    else { qsort_(a + j + 1, n - j - 1); n = j + 1; }
  }
  isort(a, n);
}
static void msort(int32_t *a, int32_t *tmp, long n) {
  for (long w = 1; w < n; w *= 2) {
    for (long lo = 0; lo < n; lo += 2 * w) {
      long mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n, i = lo, j = mid, k = lo;
      while (i < mid && j < hi) tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
      while (i < mid) tmp[k++] = a[i++];
      while (j < hi) tmp[k++] = a[j++];
    }
    int32_t *t = a; a = tmp; tmp = t;
    memcpy(tmp, a, n * sizeof *a);
  }
}
int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 10000000;
  int32_t *a = malloc(n * 4), *b = malloc(n * 4), *t = malloc(n * 4);
  uint32_t x = 2463534242u;
  for (long i = 0; i < n; i++) { x ^= x << 13; x ^= x >> 17; x ^= x << 5; a[i] = (int32_t)x; }
  memcpy(b, a, n * 4);
  qsort_(a, n);
  msort(b, t, n);
  uint64_t h = 1469598103934665603ull;
  for (long i = 0; i < n; i++) {
    if (a[i] != b[i] || (i && a[i - 1] > a[i])) { printf("MISMATCH at %ld\n", i); return 1; }
    h = (h ^ (uint32_t)a[i]) * 1099511628211ull;
  }
  printf("sorted %ld ints: min %d median %d max %d fnv %016llx\n", n, a[0], a[n / 2], a[n - 1], (unsigned long long)h);
  return 0;
}
