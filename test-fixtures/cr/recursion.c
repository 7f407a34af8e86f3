/* Checkpoint/restore fidelity: deep recursion (thousands of Wasm frames on the
 * stack at a checkpoint), each frame holding locals of every numeric type. */
#include <stdio.h>
#include <stdint.h>
#include <math.h>

static uint64_t mix(uint64_t x) { x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; x ^= x >> 33; return x; }

/* Recurses `depth` levels; every level does a little work in a loop, keeps a
 * double, a float and an i64 alive across the recursive call. */
static double descend(int depth, uint64_t seed, float scale) {
  double local = (double)(seed % 1000) / 7.0;
  uint64_t h = seed;
  for (int i = 0; i < 500; i++) h = mix(h + (uint64_t)i);
  float f = scale * 1.0001f;
  if (depth == 0) return local + (double)(h % 97);
  double below = descend(depth - 1, h, f);
  return local * 0.5 + below * 0.999 + (double)f + (double)(h & 0xff);
}

int main(void) {
  double total = 0;
  for (int round = 0; round < 40; round++) {
    double r = descend(3000 + round * 50, (uint64_t)round * 7919u, 1.0f);
    total += r;
    printf("round %d: %.6f\n", round, r);
  }
  printf("total %.9e nan-free %d\n", total, !isnan(total));
  return 0;
}
