/* File I/O inside the preopened directory /sandbox: create, write, read,
 * seek/tell, append, rename, unlink, mkdir, stat, readdir, ftruncate. The
 * directory's contents after the run are compared too. Run with the preopen
 * holding input.txt ("line one\nline two\nline three\n"). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *dir) {
  /* WASI leaves the order of directory entries unspecified: sort them. */
  DIR *d = opendir(dir);
  if (!d) { printf("opendir %s: %s\n", dir, strerror(errno)); return; }
  char *names[64];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 64) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmp);
  printf("ls %s:", dir);
  for (int i = 0; i < n; i++) {
    char path[256];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    if (stat(path, &st) == 0)
      printf(" %s(%s,%lld)", names[i], S_ISDIR(st.st_mode) ? "dir" : S_ISREG(st.st_mode) ? "file" : "other",
             S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size);
    else
      printf(" %s(?)", names[i]);
    free(names[i]);
  }
  printf("\n");
}

int main(void) {
  char buf[256];
  FILE *in = fopen("/sandbox/input.txt", "r");
  if (!in) { printf("open input: %s\n", strerror(errno)); return 1; }
  int lines = 0;
  while (fgets(buf, sizeof buf, in)) { lines++; printf("read: %s", buf); }
  fclose(in);
  printf("lines: %d\n", lines);

  FILE *f = fopen("/sandbox/out.txt", "w");
  for (int i = 0; i < 5; i++) fprintf(f, "row %d: %d\n", i, i * i);
  printf("ftell after write: %ld\n", ftell(f));
  fclose(f);

  f = fopen("/sandbox/out.txt", "r+");
  fseek(f, 0, SEEK_END);
  printf("size by fseek/ftell: %ld\n", ftell(f));
  fseek(f, 7, SEEK_SET);
  size_t got = fread(buf, 1, 10, f);
  buf[got] = 0;
  printf("fread at 7: %zu [%s]\n", got, buf);
  fseek(f, -8, SEEK_END);
  fputs("XX", f);
  fseek(f, 0, SEEK_CUR);
  printf("ftell after overwrite: %ld\n", ftell(f));
  fclose(f);

  f = fopen("/sandbox/out.txt", "a");
  fprintf(f, "appended\n");
  fclose(f);

  if (mkdir("/sandbox/sub", 0755) != 0) printf("mkdir: %s\n", strerror(errno));
  if (mkdir("/sandbox/sub", 0755) != 0) printf("mkdir again: %s\n", strerror(errno));
  if (rename("/sandbox/out.txt", "/sandbox/sub/renamed.txt") != 0) printf("rename: %s\n", strerror(errno));
  struct stat st;
  printf("stat old name: %s\n", stat("/sandbox/out.txt", &st) == 0 ? "exists" : strerror(errno));
  if (stat("/sandbox/sub/renamed.txt", &st) == 0) printf("stat new name: size %lld\n", (long long)st.st_size);

  int fd = open("/sandbox/sub/tmp.bin", O_CREAT | O_WRONLY | O_TRUNC, 0644);
  unsigned char bytes[300];
  for (int i = 0; i < 300; i++) bytes[i] = (unsigned char)i;
  printf("write: %zd\n", write(fd, bytes, sizeof bytes));
  printf("lseek: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
  printf("ftruncate: %d\n", ftruncate(fd, 100));
  close(fd);
  fd = open("/sandbox/sub/tmp.bin", O_RDONLY);
  printf("pread: %zd\n", pread(fd, bytes, 50, 90));
  printf("bytes: %d %d\n", bytes[0], bytes[9]);
  close(fd);

  f = fopen("/sandbox/sub/gone.txt", "w");
  fputs("temporary\n", f);
  fclose(f);
  list("/sandbox/sub");
  printf("unlink: %d\n", unlink("/sandbox/sub/gone.txt"));
  printf("unlink again: %s\n", unlink("/sandbox/sub/gone.txt") == 0 ? "ok" : strerror(errno));
  printf("open missing: %s\n", fopen("/sandbox/nope/x", "r") ? "ok" : strerror(errno));
  printf("rmdir non-empty: %s\n", rmdir("/sandbox/sub") == 0 ? "ok" : "failed");
  mkdir("/sandbox/empty", 0755);
  printf("rmdir empty: %d\n", rmdir("/sandbox/empty"));
  list("/sandbox");
  list("/sandbox/sub");
  return 0;
}
