/* Snapshot fuzzing fixture (test/fuzz/snapshots.test.ts): a program whose checkpoint has a bit of
 * everything the snapshot format stores — a few MB of memory of mixed compressibility (text,
 * random bytes, zero runs, counters), files open for reading and writing under a preopened
 * directory, environment variables and non-ASCII arguments, function pointers in the table, and
 * frames of a recursion holding i32/i64/f32/f64 values. It prints "ready" once all of that is in
 * place and then works until it is stopped (or for at most 5 s after its start: a restored mutant
 * ends soon).
 * Usage: snapshots-fixture INPUT OUTPUT [WORDS...] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

typedef double (*op_fn)(double, int64_t);
static double op_add(double a, int64_t b) { return a + (double)(b & 0xff); }
static double op_mul(double a, int64_t b) { return a * (1.0 + (double)(b & 7) / 1024.0); }
static double op_sub(double a, int64_t b) { return a - (double)(b % 13); }
static op_fn ops[3] = { op_add, op_mul, op_sub };

static unsigned char *arena;
static size_t arena_size;
static volatile uint64_t sink;

/* Recursion with values of each type live across the call. */
static double work(int depth, int64_t h, float f, FILE *out) {
  double acc = (double)(h & 0xffff) / 3.0;
  int32_t i = depth * 7;
  for (int k = 0; k < 2000; k++) {
    h = (int64_t)((uint64_t)h * 6364136223846793005ull + 1442695040888963407ull);
    arena[(size_t)(h >> 20) % 4096] ^= (unsigned char)h; /* the rest of the arena keeps its pattern */
  }
  if (depth > 0) acc += work(depth - 1, h ^ depth, f * 1.5f, out);
  acc = ops[(uint64_t)h % 3](acc, h) + (double)f + (double)i;
  if (depth == 12) fprintf(out, "%d %lld %.3f\n", depth, (long long)(h & 0xffffff), acc);
  return acc;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: snapshots-fixture INPUT OUTPUT [WORDS...]\n"); return 2; }
  FILE *in = fopen(argv[1], "rb");
  if (!in) { perror(argv[1]); return 1; }
  FILE *out = fopen(argv[2], "w");
  if (!out) { perror(argv[2]); return 1; }
  char line[256];
  if (fgets(line, sizeof line, in)) fputs(line, out);
  /* ~3 MB: text, random, zero runs and counters, 64 KiB each, in a fixed pseudo-random order */
  arena_size = 3u << 20;
  arena = calloc(arena_size, 1);
  if (!arena) return 1;
  static const char *words[] = { "checkpoint", "restore", "snapshot", "aarch64", "x86_64", "frame", "memory" };
  for (size_t block = 0; block < arena_size / 65536; block++) {
    unsigned char *b = arena + block * 65536;
    switch (next() % 4) {
    case 0: for (size_t i = 0; i < 65536;) { const char *w = words[next() % 7]; size_t n = strlen(w); if (i + n + 1 > 65536) break; memcpy(b + i, w, n); b[i + n] = ' '; i += n + 1; } break;
    case 1: for (size_t i = 0; i < 65536; i += 8) { uint64_t v = next(); memcpy(b + i, &v, 8); } break;
    case 2: break; /* zero */
    default: for (size_t i = 0; i < 65536; i += 4) { uint32_t v = (uint32_t)(block * 65536 + i) / 16; memcpy(b + i, &v, 4); } break;
    }
  }
  const char *env = getenv("FIXTURE_MODE");
  fprintf(out, "mode %s, %d words\n", env ? env : "(none)", argc - 3);
  for (int i = 3; i < argc; i++) fprintf(out, "word %s\n", argv[i]);
  fflush(out);
  printf("ready\n");
  fflush(stdout);
  double total = 0;
  time_t start = time(NULL);
  for (int round = 0; time(NULL) - start < 5; round++) {
    total += work(12 + round % 5, (int64_t)next(), 1.0f + (float)round / 8.0f, out);
    if (fgets(line, sizeof line, in)) fputs(line, out);
    sink = (uint64_t)total;
  }
  printf("total %.6e\n", total);
  fclose(out);
  fclose(in);
  return 0;
}
