/* malloc/free/realloc/calloc patterns and qsort/bsearch; prints checksums.
 * Large allocations grow the linear memory (memory.grow). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t seed = 12345;
static uint32_t rnd(void) { seed = seed * 1103515245u + 12345u; return seed >> 8; }
static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(void) {
  enum { N = 20000 };
  int *v = malloc(N * sizeof *v);
  for (int i = 0; i < N; i++) v[i] = (int)(rnd() % 1000000) - 500000;
  qsort(v, N, sizeof *v, cmp_int);
  int sorted = 1;
  int64_t sum = 0;
  for (int i = 0; i < N; i++) { sum += v[i]; if (i && v[i - 1] > v[i]) sorted = 0; }
  printf("qsort: sorted=%d min=%d max=%d median=%d sum=%lld\n", sorted, v[0], v[N - 1], v[N / 2], (long long)sum);
  int key = v[1234];
  int *hit = bsearch(&key, v, N, sizeof *v, cmp_int);
  printf("bsearch: found=%d value=%d\n", hit != NULL, hit ? *hit : 0);
  free(v);

  /* many blocks of varying sizes, freed in a scrambled order, refilled */
  enum { B = 3000 };
  unsigned char **blocks = calloc(B, sizeof *blocks);
  size_t *sizes = calloc(B, sizeof *sizes);
  uint32_t check = 0;
  for (int round = 0; round < 4; round++) {
    for (int i = 0; i < B; i++) {
      if (blocks[i] && (rnd() & 1)) { free(blocks[i]); blocks[i] = NULL; }
      if (!blocks[i]) {
        sizes[i] = 1 + rnd() % (i % 100 == 0 ? 70000 : 300);
        blocks[i] = malloc(sizes[i]);
        memset(blocks[i], (int)(i + round) & 0xff, sizes[i]);
      } else {
        size_t ns = sizes[i] * 2;
        blocks[i] = realloc(blocks[i], ns);
        memset(blocks[i] + sizes[i], (int)(i + round) & 0xff, ns - sizes[i]);
        sizes[i] = ns;
      }
    }
  }
  int ok = 1;
  for (int i = 0; i < B; i++) {
    for (size_t k = 0; k < sizes[i]; k++) check = check * 31u + blocks[i][k];
    if (blocks[i][0] != blocks[i][sizes[i] - 1] && sizes[i] == 1) ok = 0;
    free(blocks[i]);
  }
  printf("blocks: ok=%d checksum=%08x\n", ok, check);
  free(blocks);
  free(sizes);

  /* one large zeroed allocation */
  size_t big = 48u << 20;
  unsigned char *p = calloc(big, 1);
  printf("calloc 48 MiB: %s\n", p ? "ok" : "failed");
  if (p) {
    uint32_t nz = 0;
    for (size_t i = 0; i < big; i += 4096) nz += p[i] != 0;
    p[big - 1] = 7;
    printf("nonzero pages: %u last=%d\n", nz, p[big - 1]);
    free(p);
  }
  char *words[] = { "pear", "apple", "fig", "banana", "cherry", "date", "apple" };
  qsort(words, 7, sizeof *words, cmp_str);
  for (int i = 0; i < 7; i++) printf("%s%c", words[i], i == 6 ? '\n' : ' ');
  return 0;
}
