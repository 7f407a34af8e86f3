/* Compute-heavy: a prime sieve, a floating-point n-body step loop, integer
 * hashing and a small matrix product; prints checksums only. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int sieve(int n) {
  unsigned char *s = calloc((size_t)n + 1, 1);
  int count = 0;
  for (int i = 2; i <= n; i++) {
    if (s[i]) continue;
    count++;
    for (long long j = (long long)i * i; j <= n; j += i) s[j] = 1;
  }
  free(s);
  return count;
}

typedef struct { double x, y, z, vx, vy, vz, m; } body;

static double nbody(int steps) {
  body b[5] = {
    { 0, 0, 0, 0, 0, 0, 39.47841760435743 },
    { 4.84, -1.16, -0.10, 0.606, 2.81, -0.02, 0.037 },
    { 8.34, 4.12, -0.40, -1.01, 1.82, 0.008, 0.011 },
    { 12.89, -15.11, -0.22, 1.08, 0.868, -0.01, 0.0017 },
    { 15.37, -25.91, 0.17, 0.979, 0.594, -0.034, 0.002 },
  };
  const double dt = 0.01;
  for (int s = 0; s < steps; s++) {
    for (int i = 0; i < 5; i++)
      for (int j = i + 1; j < 5; j++) {
        double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
        double d2 = dx * dx + dy * dy + dz * dz;
        double mag = dt / (d2 * sqrt(d2));
        b[i].vx -= dx * b[j].m * mag; b[i].vy -= dy * b[j].m * mag; b[i].vz -= dz * b[j].m * mag;
        b[j].vx += dx * b[i].m * mag; b[j].vy += dy * b[i].m * mag; b[j].vz += dz * b[i].m * mag;
      }
    for (int i = 0; i < 5; i++) { b[i].x += dt * b[i].vx; b[i].y += dt * b[i].vy; b[i].z += dt * b[i].vz; }
  }
  double e = 0;
  for (int i = 0; i < 5; i++) e += 0.5 * b[i].m * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
  return e;
}

static uint64_t fnv(int rounds) {
  uint64_t h = 1469598103934665603ULL;
  for (int r = 0; r < rounds; r++) {
    h ^= (uint64_t)r * 0x9E3779B97F4A7C15ULL;
    h *= 1099511628211ULL;
    h = (h << 13) | (h >> 51);
  }
  return h;
}

static double matmul(int n) {
  double *a = malloc(sizeof(double) * n * n), *b = malloc(sizeof(double) * n * n), *c = calloc((size_t)n * n, sizeof(double));
  for (int i = 0; i < n * n; i++) { a[i] = (i % 7) - 3; b[i] = (i % 5) * 0.5; }
  for (int i = 0; i < n; i++)
    for (int k = 0; k < n; k++)
      for (int j = 0; j < n; j++) c[i * n + j] += a[i * n + k] * b[k * n + j];
  double t = 0;
  for (int i = 0; i < n * n; i++) t += c[i] * ((i & 3) + 1);
  free(a); free(b); free(c);
  return t;
}

int main(void) {
  printf("primes below 3000000: %d\n", sieve(3000000));
  printf("nbody energy: %.12f\n", nbody(200000));
  printf("fnv: %016llx\n", (unsigned long long)fnv(5000000));
  printf("matmul: %.3f\n", matmul(160));
  return 0;
}
