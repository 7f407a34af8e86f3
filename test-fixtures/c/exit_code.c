/* exit(3) after buffered output: stdio is flushed by exit, status is 3,
 * atexit handlers run; a message on stderr too. */
#include <stdio.h>
#include <stdlib.h>

static void bye(void) { printf("atexit handler ran\n"); }

int main(void) {
  atexit(bye);
  printf("about to exit with 3");
  fprintf(stderr, "warning: exiting with status 3\n");
  putchar('\n');
  exit(3);
}
