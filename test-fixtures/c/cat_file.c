/* Reads the file named by argv[1] and prints it with line numbers, then byte
 * and line counts. A missing file: message on stderr, exit status 2. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: %s FILE\n", argv[0]); return 64; }
  FILE *f = fopen(argv[1], "rb");
  if (!f) { fprintf(stderr, "%s: %s\n", argv[1], strerror(errno)); return 2; }
  char line[512];
  long bytes = 0;
  int n = 0;
  while (fgets(line, sizeof line, f)) {
    bytes += (long)strlen(line);
    printf("%4d  %s", ++n, line);
  }
  fclose(f);
  printf("-- %d lines, %ld bytes\n", n, bytes);
  return 0;
}
