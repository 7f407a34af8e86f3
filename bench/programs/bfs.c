/* BFS on a generated graph (xorshift random edges, CSR form), from several sources. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
static uint64_t s = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return (uint32_t)(s >> 11); }
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000000, deg = 8, sources = 4;
  long m = (long)n * deg;
  int32_t *src = malloc(m * 4), *dst = malloc(m * 4), *off = calloc(n + 1, 4), *adj = malloc(m * 4);
  for (long e = 0; e < m; e++) {
    src[e] = rnd() % n;
    /* mix of local and long-range edges */
    dst[e] = (e & 3) ? (int32_t)((src[e] + 1 + rnd() % 64) % n) : (int32_t)(rnd() % n);
  }
  for (long e = 0; e < m; e++) off[src[e] + 1]++;
  for (int i = 0; i < n; i++) off[i + 1] += off[i];
  int32_t *pos = malloc((n + 1) * 4);
  for (int i = 0; i <= n; i++) pos[i] = off[i];
  for (long e = 0; e < m; e++) adj[pos[src[e]]++] = dst[e];
  int32_t *dist = malloc(n * 4), *q = malloc(n * 4);
  uint64_t h = 1469598103934665603ull;
  for (int k = 0; k < sources; k++) {
    for (int i = 0; i < n; i++) dist[i] = -1;
    int root = rnd() % n, qh = 0, qt = 0, maxd = 0; long reached = 0, sum = 0;
    dist[root] = 0; q[qt++] = root;
    while (qh < qt) {
      int u = q[qh++]; reached++; sum += dist[u];
      if (dist[u] > maxd) maxd = dist[u];
      for (int e = off[u]; e < off[u + 1]; e++) {
        int v = adj[e];
        if (dist[v] < 0) { dist[v] = dist[u] + 1; q[qt++] = v; }
      }
    }
    h = (h ^ (uint64_t)reached) * 1099511628211ull;
    h = (h ^ (uint64_t)sum) * 1099511628211ull;
    h = (h ^ (uint64_t)maxd) * 1099511628211ull;
    if (k == 0) printf("bfs from %d: reached %ld, depth %d, distance sum %ld\n", root, reached, maxd, sum);
  }
  printf("bfs n=%d m=%ld sources=%d fnv %016llx\n", n, m, sources, (unsigned long long)h);
  return 0;
}
