/* fasta (Benchmarks Game algorithm); output is hashed (FNV-1a per section) instead of printed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define IM 139968
#define IA 3877
#define IC 29573
static uint32_t last = 42;
static double rnd(double max) { last = (last * IA + IC) % IM; return max * last / IM; }
static const char *alu =
  "GGCCGGGCGCGGTGGCTCACGCCTGTAATCCCAGCACTTTGGGAGGCCGAGGCGGGCGGATCACCTGAGGTCAGGAGTTCGAGACCAGCCTGGCCAACAT"
  "GGTGAAACCCCGTCTCTACTAAAAATACAAAAATTAGCCGGGCGTGGTGGCGCGCGCCTGTAATCCCAGCTACTCGGGAGGCTGAGGCAGGAGAATCGCT"
  "TGAACCCGGGAGGCGGAGGTTGCAGTGAGCCGAGATCGCGCCACTGCACTCCAGCCTGGGCGACAGAGCGAGACTCCGTCTCAAAAA";
struct aa { char c; double p; };
static struct aa iub[] = {{'a', 0.27}, {'c', 0.12}, {'g', 0.12}, {'t', 0.27}, {'B', 0.02}, {'D', 0.02},
  {'H', 0.02}, {'K', 0.02}, {'M', 0.02}, {'N', 0.02}, {'R', 0.02}, {'S', 0.02}, {'V', 0.02}, {'W', 0.02}, {'Y', 0.02}};
static struct aa homo[] = {{'a', 0.3029549426680}, {'c', 0.1979883004921}, {'g', 0.1975473066391}, {'t', 0.3015094502008}};
static uint32_t h; static long lines;
static void emit(const char *buf, int len) {
  for (int i = 0; i < len; i++) h = (h ^ (uint8_t)buf[i]) * 16777619u;
  h = (h ^ '\n') * 16777619u; lines++;
}
static void repeat(const char *s, long n) {
  int len = strlen(s), pos = 0; char line[61];
  while (n > 0) {
    int l = n < 60 ? n : 60;
    for (int i = 0; i < l; i++) { line[i] = s[pos++]; if (pos == len) pos = 0; }
    emit(line, l); n -= l;
  }
}
static void random_seq(struct aa *t, int nt, long n) {
  double cum = 0; char line[61];
  for (int i = 0; i < nt; i++) { cum += t[i].p; t[i].p = cum; }
  while (n > 0) {
    int l = n < 60 ? n : 60;
    for (int i = 0; i < l; i++) {
      double r = rnd(1.0); int k = 0;
      while (k < nt - 1 && t[k].p < r) k++;
      line[i] = t[k].c;
    }
    emit(line, l); n -= l;
  }
}
int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 7500000;
  h = 2166136261u; repeat(alu, 2 * n); printf("ONE   %08x\n", h);
  h = 2166136261u; random_seq(iub, 15, 3 * n); printf("TWO   %08x\n", h);
  h = 2166136261u; random_seq(homo, 4, 5 * n); printf("THREE %08x\n", h);
  printf("lines %ld\n", lines);
  return 0;
}
