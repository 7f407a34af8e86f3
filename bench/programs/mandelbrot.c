/* mandelbrot (Benchmarks Game algorithm); prints a checksum of the bitmap instead of the PBM. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 4000;
  uint32_t h = 2166136261u;
  long set = 0;
  for (int y = 0; y < n; y++) {
    double ci = 2.0 * y / n - 1.0;
    unsigned bits = 0; int bit = 0;
    for (int x = 0; x < n; x++) {
      double cr = 2.0 * x / n - 1.5, zr = 0, zi = 0, tr = 0, ti = 0;
      int i;
      for (i = 0; i < 50 && tr + ti <= 4.0; i++) {
        zi = 2.0 * zr * zi + ci; zr = tr - ti + cr; tr = zr * zr; ti = zi * zi;
      }
      bits = (bits << 1) | (tr + ti <= 4.0);
      if (tr + ti <= 4.0) set++;
      if (++bit == 8 || x == n - 1) { bits <<= (8 - bit); h = (h ^ bits) * 16777619u; bits = 0; bit = 0; }
    }
  }
  printf("mandelbrot %d: %ld points in set, fnv1a %08x\n", n, set, h);
  return 0;
}
