/*
 * wasi_fdtable.c — the guest descriptor table (wrt_fds), stdio, --dir
 * preopens, and stdout buffering.
 *
 * Guest fds 0, 1, 2 are host 0, 1, 2; preopens follow from fd 3 in --dir
 * order; path_open takes the lowest free slot.
 *
 * Standard streams are reported as what the host fd is (wrt_wasi_setup_stdio):
 * its file type, and rights that fit it and its access mode. wasi-libc's
 * isatty() calls a character device without FD_SEEK/FD_TELL a terminal, so
 * only a host terminal (isatty(3)) is given that combination; /dev/null is a
 * seekable character device, a pipe a socket stream (as Node's uvwasi says).
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
#include <sys/socket.h>
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

/*
 * WASI preview1 has no FIFO type: a pipe is a socket stream, as Node's uvwasi
 * reports it (stat and fdstat alike), since it behaves as one (no seek).
 */
uint8_t wrt_filetype_of_mode(mode_t m) {
  switch (m & S_IFMT) {
  case S_IFBLK: return FT_BLOCK_DEVICE;
  case S_IFCHR: return FT_CHARACTER_DEVICE;
  case S_IFDIR: return FT_DIRECTORY;
  case S_IFREG: return FT_REGULAR_FILE;
  case S_IFSOCK: return FT_SOCKET_STREAM;
  case S_IFIFO: return FT_SOCKET_STREAM;
  case S_IFLNK: return FT_SYMBOLIC_LINK;
  default: return FT_UNKNOWN;
  }
}

uint8_t wrt_filetype_of_fd(int fd, const struct stat *st) {
  if (S_ISSOCK(st->st_mode)) {
    int type;
    socklen_t len = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type != SOCK_STREAM) return FT_SOCKET_DGRAM;
  }
  return wrt_filetype_of_mode(st->st_mode);
}

/* A stream: no seek, tell, sync, advise, allocate or size (a terminal, a pipe, a socket). */
#define R_STREAM_BASE (R_FD_READ | R_FD_WRITE | R_FD_FDSTAT_SET_FLAGS | R_FD_FILESTAT_GET | R_POLL_FD_READWRITE)

/*
 * Filetype and rights of standard stream `fd` from the host fd: a regular file,
 * a block device and a character device that is not a terminal (/dev/null)
 * get the rights of a file (seek and tell included); a terminal, a pipe or a
 * socket those of a stream; the access mode removes reading or writing.
 */
static void stdio_kind(int fd, uint8_t *filetype, uint64_t *rights) {
  struct stat st;
  if (fstat(fd, &st) != 0) {
    *filetype = FT_UNKNOWN;
    *rights = 0;
    return;
  }
  uint8_t ft = wrt_filetype_of_fd(fd, &st);
  uint64_t r;
  switch (ft) {
  case FT_REGULAR_FILE:
  case FT_BLOCK_DEVICE:
    r = R_FILE_BASE;
    break;
  case FT_CHARACTER_DEVICE:
    r = isatty(fd) ? R_STREAM_BASE : R_FILE_BASE;
    break;
  case FT_DIRECTORY:
    r = R_FD_FDSTAT_SET_FLAGS | R_FD_FILESTAT_GET;
    break;
  default:
    r = R_STREAM_BASE;
    break;
  }
  int fl = fcntl(fd, F_GETFL);
  if (fl >= 0) {
    if ((fl & O_ACCMODE) == O_RDONLY) r &= ~(R_FD_WRITE | R_FD_ALLOCATE | R_FD_FILESTAT_SET_SIZE);
    else if ((fl & O_ACCMODE) == O_WRONLY) r &= ~R_FD_READ;
  }
  *filetype = ft;
  *rights = r;
}

void wrt_wasi_setup_stdio(void) {
  for (int i = 0; i < 3; i++) {
    /* A closed standard stream is opened on /dev/null (as Node does): else the
     * first file the program or the runtime opens would take its number, and
     * the runtime's own messages on stderr could land in a file. Lower numbers
     * are open by now, so open() returns i. */
    if (fcntl(i, F_GETFD) < 0 && errno == EBADF) {
      int nfd = open("/dev/null", O_RDWR);
      if (nfd >= 0 && nfd != i) close(nfd);
    }
    int32_t fd = wrt_fd_alloc();
    wrt_fd *e = &wrt_fds[fd];
    e->kind = FDK_STDIO;
    e->host_fd = i;
    stdio_kind(i, &e->filetype, &e->rights_base);
    int fl = fcntl(i, F_GETFL);
    if (fl >= 0) e->fdflags = (uint16_t)(((fl & O_APPEND) ? FDFLAG_APPEND : 0) |
                                         ((fl & O_NONBLOCK) ? FDFLAG_NONBLOCK : 0));
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
