/*
 * What the program is told its standard streams are: for fds 0, 1 and 2,
 * isatty(), the filetype and rights of fd_fdstat_get (only the rights that
 * decide what a program does: read, write, seek, tell), the filetype of
 * fd_filestat_get and the access mode fcntl(F_GETFL) derives from the rights.
 * wasi-libc's isatty() is "a character device without FD_SEEK and FD_TELL".
 *
 *   stdio_kinds            the report on stdout
 *   stdio_kinds FILE       the report written to FILE (so that every standard
 *                          stream can be redirected to anything)
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

static const char *ftname(unsigned t) {
  static const char *names[] = { "unknown", "block_device", "character_device", "directory",
                                 "regular_file", "socket_dgram", "socket_stream", "symbolic_link" };
  return t < sizeof names / sizeof *names ? names[t] : "?";
}

static const char *accname(int fl) {
  switch (fl & O_ACCMODE) {
  case O_RDONLY: return "rdonly";
  case O_WRONLY: return "wronly";
  case O_RDWR: return "rdwr";
  default: return "other";
  }
}

int main(int argc, char **argv) {
  char report[1024];
  size_t n = 0;
  for (int fd = 0; fd < 3; fd++) {
    __wasi_fdstat_t st;
    __wasi_filestat_t fs;
    __wasi_errno_t e1 = __wasi_fd_fdstat_get(fd, &st);
    __wasi_errno_t e2 = __wasi_fd_filestat_get(fd, &fs);
    int tty = isatty(fd);
    int fl = fcntl(fd, F_GETFL);
    if (e1 != 0) {
      n += (size_t)snprintf(report + n, sizeof report - n, "fd%d: fdstat errno %d\n", fd, e1);
      continue;
    }
    __wasi_rights_t r = st.fs_rights_base;
    n += (size_t)snprintf(report + n, sizeof report - n,
                          "fd%d: isatty=%d fdstat=%s filestat=%s read=%d write=%d seek=%d tell=%d fcntl=%s\n",
                          fd, tty, ftname(st.fs_filetype), e2 ? "error" : ftname(fs.filetype),
                          !!(r & __WASI_RIGHTS_FD_READ), !!(r & __WASI_RIGHTS_FD_WRITE),
                          !!(r & __WASI_RIGHTS_FD_SEEK), !!(r & __WASI_RIGHTS_FD_TELL),
                          fl < 0 ? "error" : accname(fl));
  }
  if (argc > 1) {
    FILE *f = fopen(argv[1], "w");
    if (!f) {
      perror(argv[1]);
      return 2;
    }
    fwrite(report, 1, n, f);
    return fclose(f) == 0 ? 0 : 2;
  }
  fwrite(report, 1, n, stdout);
  return 0;
}
