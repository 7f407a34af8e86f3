/* PageRank (power iteration, damping 0.85, dangling mass redistributed) on a generated graph. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
static uint64_t s = 0x2545F4914F6CDD1Dull;
static uint32_t rnd(void) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return (uint32_t)(s >> 11); }
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 700000, deg = 8, iters = 30;
  long m = (long)n * deg;
  int32_t *src = malloc(m * 4), *dst = malloc(m * 4), *off = calloc(n + 1, 4), *adj = malloc(m * 4), *outdeg = calloc(n, 4);
  for (long e = 0; e < m; e++) {
    /* preferential-ish: destinations skewed towards low ids */
    uint32_t r = rnd() % n;
    dst[e] = (e % 3 == 0) ? (int32_t)(r % (1 + n / 100)) : (int32_t)r;
    src[e] = (rnd() % 10 == 0) ? (int32_t)(rnd() % (n / 2)) : (int32_t)(rnd() % n);
    if (src[e] == dst[e]) dst[e] = (dst[e] + 1) % n;
  }
  for (long e = 0; e < m; e++) { off[dst[e] + 1]++; outdeg[src[e]]++; }
  for (int i = 0; i < n; i++) off[i + 1] += off[i];
  int32_t *pos = malloc((n + 1) * 4);
  for (int i = 0; i <= n; i++) pos[i] = off[i];
  for (long e = 0; e < m; e++) adj[pos[dst[e]]++] = src[e];  /* incoming edges, CSR by destination */
  double *pr = malloc(n * 8), *nx = malloc(n * 8), *contrib = malloc(n * 8);
  for (int i = 0; i < n; i++) pr[i] = 1.0 / n;
  double delta = 0;
  for (int it = 0; it < iters; it++) {
    double dangling = 0;
    for (int i = 0; i < n; i++) { if (outdeg[i]) contrib[i] = pr[i] / outdeg[i]; else { contrib[i] = 0; dangling += pr[i]; } }
    double base = (1.0 - 0.85) / n + 0.85 * dangling / n;
    delta = 0;
    for (int v = 0; v < n; v++) {
      double sum = 0;
      for (int e = off[v]; e < off[v + 1]; e++) sum += contrib[adj[e]];
      nx[v] = base + 0.85 * sum;
      delta += fabs(nx[v] - pr[v]);
    }
    double *t = pr; pr = nx; nx = t;
  }
  double total = 0, maxv = 0; int argmax = 0;
  for (int i = 0; i < n; i++) { total += pr[i]; if (pr[i] > maxv) { maxv = pr[i]; argmax = i; } }
  printf("pagerank n=%d m=%ld iters=%d: sum %.9f max %.9e at %d last delta %.6e\n", n, m, iters, total, maxv, argmax, delta);
  return 0;
}
