/* Checkpoint/restore fidelity in deep recursion with values live across calls:
 * every round builds, walks and frees a binary tree recursively (malloc'd
 * nodes, depth up to 17) while main keeps an int64_t sum, a double and a float
 * live across the calls, and each recursion level keeps i32, i64, f32, f64 and
 * v128 values of its own alive across its recursive calls (in callee-saved
 * registers or spill slots, as the register allocator decides). Argument: the
 * number of rounds (default 60). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <wasm_simd128.h>

typedef struct node { struct node *l, *r; int32_t v; } node;

static uint32_t rng = 12345;
static uint32_t next(void) { rng = rng * 1664525u + 1013904223u; return rng >> 8; }

static node *build(int depth) {
  node *n = malloc(sizeof *n);
  n->v = (int32_t)(next() % 1000);
  n->l = depth > 0 ? build(depth - 1) : NULL;
  n->r = depth > 0 && (next() & 7) ? build(depth - 1) : NULL;
  return n;
}

/* Returns a checksum; keeps every kind of value alive across both calls. */
static int64_t walk(const node *n, int32_t level, double acc, float scale, v128_t lanes) {
  if (!n) return level;
  int64_t wide = (int64_t)n->v * 0x10001 + level;
  double d = acc * 1.0000001 + n->v;
  float f = scale * 0.999f + (float)level;
  v128_t x = wasm_i32x4_add(lanes, wasm_i32x4_splat(n->v));
  int64_t a = walk(n->l, level + 1, d, f, x);
  int64_t b = walk(n->r, level + 1, d * 0.5, f * 2.0f, wasm_i32x4_shl(x, 1));
  int32_t lane = (level & 1) ? wasm_i32x4_extract_lane(x, 1) : wasm_i32x4_extract_lane(x, 2);
  return a * 31 + b + wide + (int64_t)d + (int64_t)f + lane;
}

static int32_t release(node *n) {
  if (!n) return 0;
  int32_t v = n->v;
  int32_t c = release(n->l) + release(n->r) + 1;
  free(n);
  return c + (v & 1);
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 60;
  int64_t sum = 0;
  double avg = 0;
  float f = 1.0f;
  for (int round = 0; round < rounds; round++) {
    node *t = build(12 + round % 6);
    int64_t w = walk(t, 0, (double)round, f, wasm_i32x4_make(round, 1, 2, 3));
    int32_t c = release(t);
    sum += w ^ c;
    avg = avg * 0.9 + (double)(w % 1000) * 0.1;
    f = f * 1.01f + 0.5f;
    printf("round %d: walk %lld nodes %d sum %lld avg %.6f f %.4f\n", round, (long long)w, (int)c, (long long)sum, avg, f);
  }
  printf("final %lld\n", (long long)sum);
  return 0;
}
