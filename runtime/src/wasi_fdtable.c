/*
 * wasi_fdtable.c — the guest descriptor table (wrt_fds), stdio, --dir
 * preopens, and stdout buffering.
 *
 * Guest fds 0, 1, 2 are host 0, 1, 2; preopens follow from fd 3 in --dir
 * order; path_open takes the lowest free slot.
 *
 * Stdout buffering: when host stdout is not a terminal, fd_write to it is
 * collected in a 64 KiB buffer (as C stdio does), so many small writes cost
 * one write(2). To keep the order of stdout against every other output the
 * same as unbuffered writes (Node's WASI), the buffer is written out before
 * any WASI call that writes or reads another descriptor, before poll_oneoff,
 * proc_exit, exit, a trap, a fatal signal, and on SIGINT/SIGTERM/SIGHUP.
 * On a terminal every fd_write goes straight to writev(2).
 */
#include "wasi.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

wrt_fd *wrt_fds;
uint32_t wrt_nfds;
static uint32_t fds_cap;

#define STDOUT_BUF_SIZE (64u << 10)
static char stdout_buf[STDOUT_BUF_SIZE];
static volatile size_t stdout_len;
bool wrt_stdout_buffered;

static int flush_range(const char *p, size_t n) {
  while (n) {
    ssize_t w = write(1, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

void wrt_stdout_flush(void) {
  size_t n = stdout_len;
  if (!n) return;
  stdout_len = 0;
  int saved = errno;
  flush_range(stdout_buf, n);
  errno = saved;
}

/* Writes the iovecs to host stdout, through the buffer when enabled. */
int32_t wrt_stdout_write(const struct iovec *iov, int iovcnt, size_t total, size_t *written) {
  if (wrt_stdout_buffered && total < STDOUT_BUF_SIZE) {
    if (stdout_len + total > STDOUT_BUF_SIZE) {
      size_t n = stdout_len;
      stdout_len = 0;
      if (flush_range(stdout_buf, n) != 0) return wrt_wasi_errno(errno);
    }
    size_t len = stdout_len;
    for (int i = 0; i < iovcnt; i++) {
      memcpy(stdout_buf + len, iov[i].iov_base, iov[i].iov_len);
      len += iov[i].iov_len;
    }
    stdout_len = len;
    *written = total;
    return W_ESUCCESS;
  }
  wrt_stdout_flush();
  ssize_t w;
  do w = writev(1, iov, iovcnt); while (w < 0 && errno == EINTR);
  if (w < 0) return wrt_wasi_errno(errno);
  *written = (size_t)w;
  return W_ESUCCESS;
}

static int ensure_cap(uint32_t n) {
  if (n <= fds_cap) return 0;
  uint32_t cap = fds_cap ? fds_cap * 2 : 16;
  while (cap < n) cap *= 2;
  wrt_fd *p = realloc(wrt_fds, cap * sizeof *p);
  if (!p) return -1;
  memset(p + fds_cap, 0, (cap - fds_cap) * sizeof *p);
  wrt_fds = p;
  fds_cap = cap;
  return 0;
}

int32_t wrt_fd_alloc(void) {
  for (uint32_t i = 0; i < wrt_nfds; i++)
    if (wrt_fds[i].kind == FDK_FREE) return (int32_t)i;
  if (wrt_nfds >= 0x7FFFFFFF || ensure_cap(wrt_nfds + 1) != 0) return -1;
  memset(&wrt_fds[wrt_nfds], 0, sizeof *wrt_fds);
  return (int32_t)wrt_nfds++;
}

void wrt_fd_release(wrt_fd *e) {
  if (e->dir) closedir(e->dir);
  if (e->kind != FDK_STDIO && e->host_fd >= 0) close(e->host_fd);
  free(e->host_path);
  free(e->guest_path);
  free(e->rel_path);
  memset(e, 0, sizeof *e);
  e->kind = FDK_FREE;
  e->host_fd = -1;
}

uint8_t wrt_filetype_of_mode(mode_t m) {
  switch (m & S_IFMT) {
  case S_IFBLK: return FT_BLOCK_DEVICE;
  case S_IFCHR: return FT_CHARACTER_DEVICE;
  case S_IFDIR: return FT_DIRECTORY;
  case S_IFREG: return FT_REGULAR_FILE;
  case S_IFSOCK: return FT_SOCKET_STREAM;
  case S_IFLNK: return FT_SYMBOLIC_LINK;
  default: return FT_UNKNOWN;
  }
}

void wrt_wasi_setup_stdio(void) {
  for (int i = 0; i < 3; i++) {
    int32_t fd = wrt_fd_alloc();
    wrt_fd *e = &wrt_fds[fd];
    e->kind = FDK_STDIO;
    e->host_fd = i;
    struct stat st;
    e->filetype = fstat(i, &st) == 0 ? wrt_filetype_of_mode(st.st_mode) : FT_UNKNOWN;
    int fl = fcntl(i, F_GETFL);
    if (fl >= 0) e->fdflags = (uint16_t)(((fl & O_APPEND) ? FDFLAG_APPEND : 0) |
                                         ((fl & O_NONBLOCK) ? FDFLAG_NONBLOCK : 0));
    e->rights_base = R_FILE_BASE;
    if (e->filetype == FT_CHARACTER_DEVICE || e->filetype == FT_UNKNOWN)
      e->rights_base &= ~(R_FD_SEEK | R_FD_TELL);
    e->rights_inheriting = 0;
  }
  wrt_stdout_buffered = !isatty(1);
}

int wrt_wasi_add_preopen(const char *host, const char *guest) {
  int hfd = open(host, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (hfd < 0) return -1;
  int32_t fd = wrt_fd_alloc();
  if (fd < 0) {
    close(hfd);
    errno = ENOMEM;
    return -1;
  }
  wrt_fd *e = &wrt_fds[fd];
  e->kind = FDK_PREOPEN;
  e->filetype = FT_DIRECTORY;
  e->host_fd = hfd;
  e->host_path = strdup(host);
  e->guest_path = strdup(guest);
  e->preopen = (uint32_t)fd;
  e->rel_path = strdup(".");
  e->rights_base = R_DIR_BASE;
  e->rights_inheriting = R_DIR_BASE | R_FILE_BASE;
  return 0;
}

/* Makes fds [0, n) exist (new ones free); used by restore to place fds. */
int wrt_fd_reserve(uint32_t n) {
  if (n <= wrt_nfds) return 0;
  if (ensure_cap(n) != 0) return -1;
  for (uint32_t i = wrt_nfds; i < n; i++) {
    memset(&wrt_fds[i], 0, sizeof *wrt_fds);
    wrt_fds[i].kind = FDK_FREE;
    wrt_fds[i].host_fd = -1;
  }
  wrt_nfds = n;
  return 0;
}
