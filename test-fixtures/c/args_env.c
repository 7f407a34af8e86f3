/* Prints argc, argv and the environment as the program sees them. */
#include <stdio.h>
#include <stdlib.h>

extern char **environ;

int main(int argc, char **argv) {
  printf("argc=%d\n", argc);
  for (int i = 0; i < argc; i++) printf("argv[%d]=[%s]\n", i, argv[i]);
  int n = 0;
  for (char **e = environ; *e; e++) printf("env[%d]=[%s]\n", n++, *e);
  printf("getenv(GREETING)=%s\n", getenv("GREETING") ? getenv("GREETING") : "(unset)");
  printf("getenv(MISSING)=%s\n", getenv("MISSING") ? getenv("MISSING") : "(unset)");
  return 0;
}
