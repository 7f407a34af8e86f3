/* Checkpoint/restore fidelity: a file read and a file written while the
 * computation runs, so that open descriptors, offsets and partial output
 * must survive the checkpoint. Usage: fileio INPUT OUTPUT */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint32_t crc_table[256];

static void crc_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
}

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: fileio INPUT OUTPUT\n"); return 2; }
  FILE *in = fopen(argv[1], "rb");
  if (!in) { perror(argv[1]); return 1; }
  FILE *out = fopen(argv[2], "w");
  if (!out) { perror(argv[2]); return 1; }
  crc_init();
  unsigned char buf[4096];
  size_t n;
  uint32_t crc = 0xffffffffu;
  unsigned long total = 0;
  int block = 0;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
    /* deliberately slow: hash each block many times */
    uint32_t h = 0;
    for (int rep = 0; rep < 120; rep++)
      for (size_t i = 0; i < n; i++) h = crc_table[(h ^ buf[i] ^ (uint32_t)rep) & 0xff] ^ (h >> 8);
    for (size_t i = 0; i < n; i++) crc = crc_table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
    total += n;
    fprintf(out, "block %d: %zu bytes, h=%08x, offset %ld\n", block, n, h, ftell(in));
    fflush(out);
    if (block % 16 == 0) printf("progress: block %d\n", block);
    block++;
  }
  fclose(in);
  fclose(out);
  printf("read %lu bytes, crc32 %08x, %d blocks\n", total, crc ^ 0xffffffffu, block);
  return 0;
}
