/* wasi_proc.c — proc_exit/proc_raise, random_get and the sock_* stubs. */
#include "wasi.h"
#include "wasi_api.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <unistd.h>

_Noreturn void wrt_wasi_proc_exit(int32_t code) {
  wrt_stdout_flush();
  fflush(stdout);
  exit((int)(uint32_t)code);
}

int32_t wrt_wasi_proc_raise(int32_t sig) {
  (void)sig;
  return W_ENOSYS;
}

int32_t wrt_wasi_random_get(int32_t buf, int32_t len) {
  uint32_t p = (uint32_t)buf, n = (uint32_t)len;
  CHECK_MEM(p, n);
  uint8_t *d = wrt_mem_base + p;
  while (n) {
    ssize_t r = getrandom(d, n, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno != ENOSYS) return wrt_wasi_errno(errno);
      int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
      if (fd < 0) return wrt_wasi_errno(errno);
      while (n) {
        r = read(fd, d, n);
        if (r <= 0) { if (r < 0 && errno == EINTR) continue; close(fd); return W_EIO; }
        d += r;
        n -= (uint32_t)r;
      }
      close(fd);
      break;
    }
    d += r;
    n -= (uint32_t)r;
  }
  return W_ESUCCESS;
}

/* No sockets are ever handed to the guest: a live fd is simply not one. */
static int32_t sock_errno(int32_t fd) { return wrt_fd_get(fd) ? W_ENOTSUP : W_EBADF; }

int32_t wrt_wasi_sock_accept(int32_t fd, int32_t flags, int32_t fd_out) {
  (void)flags; (void)fd_out;
  return sock_errno(fd);
}
int32_t wrt_wasi_sock_recv(int32_t fd, int32_t ri_data, int32_t ri_data_len, int32_t ri_flags,
                           int32_t ro_datalen, int32_t ro_flags) {
  (void)ri_data; (void)ri_data_len; (void)ri_flags; (void)ro_datalen; (void)ro_flags;
  return sock_errno(fd);
}
int32_t wrt_wasi_sock_send(int32_t fd, int32_t si_data, int32_t si_data_len, int32_t si_flags,
                           int32_t so_datalen) {
  (void)si_data; (void)si_data_len; (void)si_flags; (void)so_datalen;
  return sock_errno(fd);
}
int32_t wrt_wasi_sock_shutdown(int32_t fd, int32_t how) {
  (void)how;
  return sock_errno(fd);
}
