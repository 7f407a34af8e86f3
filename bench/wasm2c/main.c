/* Minimal WASI preview1 glue + main for wasm2c output (wabt 1.0.32, Debian 12).
 * Debian packages no uvwasi, so this implements only what the benchmark
 * programs import: args, environ (empty), fd_write, clock_time_get, proc_exit,
 * and stubs for fd_fdstat_get / fd_close / fd_seek.
 * Build: wasm2c -n prog x.wasm -o prog.c; clang-14 -O2 -DWASM_RT_... prog.c main.c wasm-rt-impl.c -lm */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "prog.h"
#include "wasm-rt-impl.h"

struct Z_wasi_snapshot_preview1_instance_t {
  wasm_rt_memory_t *mem;
  int argc;
  char **argv;
};

#define WASI_EBADF 8
#define WASI_EINVAL 28
#define WASI_ESPIPE 70
#define WASI_ENOSYS 52
#define WASI_EFAULT 21

typedef struct Z_wasi_snapshot_preview1_instance_t W;

static int range_ok(W *w, u64 p, u64 n) { return p + n <= w->mem->size; }
static u8 *ptr(W *w, u32 p) { return w->mem->data + p; }
static void st32(W *w, u32 p, u32 v) { memcpy(ptr(w, p), &v, 4); }
static void st64(W *w, u32 p, u64 v) { memcpy(ptr(w, p), &v, 8); }
static u32 ld32(W *w, u32 p) { u32 v; memcpy(&v, ptr(w, p), 4); return v; }

u32 Z_wasi_snapshot_preview1Z_args_sizes_get(W *w, u32 pargc, u32 pbuf) {
  if (!range_ok(w, pargc, 4) || !range_ok(w, pbuf, 4)) return WASI_EFAULT;
  u32 sz = 0;
  for (int i = 0; i < w->argc; i++) sz += (u32)strlen(w->argv[i]) + 1;
  st32(w, pargc, (u32)w->argc);
  st32(w, pbuf, sz);
  return 0;
}

u32 Z_wasi_snapshot_preview1Z_args_get(W *w, u32 pargv, u32 pbuf) {
  for (int i = 0; i < w->argc; i++) {
    u32 n = (u32)strlen(w->argv[i]) + 1;
    if (!range_ok(w, pargv + 4u * i, 4) || !range_ok(w, pbuf, n)) return WASI_EFAULT;
    st32(w, pargv + 4u * i, pbuf);
    memcpy(ptr(w, pbuf), w->argv[i], n);
    pbuf += n;
  }
  return 0;
}

u32 Z_wasi_snapshot_preview1Z_environ_sizes_get(W *w, u32 pc, u32 pb) {
  if (!range_ok(w, pc, 4) || !range_ok(w, pb, 4)) return WASI_EFAULT;
  st32(w, pc, 0);
  st32(w, pb, 0);
  return 0;
}

u32 Z_wasi_snapshot_preview1Z_environ_get(W *w, u32 a, u32 b) { (void)w; (void)a; (void)b; return 0; }

u32 Z_wasi_snapshot_preview1Z_fd_write(W *w, u32 fd, u32 iovs, u32 n, u32 pnw) {
  if (fd != 1 && fd != 2) return WASI_EBADF;
  if (!range_ok(w, iovs, 8ull * n) || !range_ok(w, pnw, 4)) return WASI_EFAULT;
  u32 total = 0;
  for (u32 i = 0; i < n; i++) {
    u32 base = ld32(w, iovs + 8 * i), len = ld32(w, iovs + 8 * i + 4);
    if (!range_ok(w, base, len)) return WASI_EFAULT;
    const u8 *p = ptr(w, base);
    while (len > 0) {
      ssize_t r = write((int)fd, p, len);
      if (r < 0) { if (errno == EINTR) continue; return WASI_EINVAL; }
      p += r; len -= (u32)r; total += (u32)r;
    }
  }
  st32(w, pnw, total);
  return 0;
}

u32 Z_wasi_snapshot_preview1Z_fd_fdstat_get(W *w, u32 fd, u32 pst) {
  if (fd > 2) return WASI_EBADF;
  if (!range_ok(w, pst, 24)) return WASI_EFAULT;
  memset(ptr(w, pst), 0, 24);
  ptr(w, pst)[0] = 2; /* character device */
  st64(w, pst + 8, ~0ull);  /* rights base */
  st64(w, pst + 16, ~0ull); /* rights inheriting */
  return 0;
}

u32 Z_wasi_snapshot_preview1Z_fd_close(W *w, u32 fd) { (void)w; return fd <= 2 ? 0 : WASI_EBADF; }

u32 Z_wasi_snapshot_preview1Z_fd_seek(W *w, u32 fd, u64 off, u32 whence, u32 pnew) {
  (void)w; (void)off; (void)whence; (void)pnew;
  return fd <= 2 ? WASI_ESPIPE : WASI_EBADF;
}

u32 Z_wasi_snapshot_preview1Z_clock_time_get(W *w, u32 id, u64 prec, u32 pt) {
  (void)prec;
  struct timespec ts;
  clockid_t c = id == 0 ? CLOCK_REALTIME : id == 1 ? CLOCK_MONOTONIC
              : id == 2 ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_THREAD_CPUTIME_ID;
  if (clock_gettime(c, &ts) != 0) return WASI_EINVAL;
  if (!range_ok(w, pt, 8)) return WASI_EFAULT;
  st64(w, pt, (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec);
  return 0;
}

void Z_wasi_snapshot_preview1Z_proc_exit(W *w, u32 code) {
  (void)w;
  exit((int)code);
}

int main(int argc, char **argv) {
  static Z_prog_instance_t inst;
  static W wasi;
  wasm_rt_init();
  Z_prog_init_module();
  wasi.argc = argc;
  wasi.argv = argv;
  Z_prog_instantiate(&inst, &wasi);
  wasi.mem = Z_progZ_memory(&inst);
  wasm_rt_trap_t code = (wasm_rt_trap_t)wasm_rt_impl_try();
  if (code != WASM_RT_TRAP_NONE) {
    fprintf(stderr, "wasm2c: trap: %s\n", wasm_rt_strerror(code));
    return 134;
  }
  Z_progZ__start(&inst);
  Z_prog_free(&inst);
  wasm_rt_free();
  return 0;
}
