/* wasi_env.c — args_* and environ_* (the lists are filled in by main.c). */
#include "wasi.h"
#include "wasi_api.h"

int wrt_wasi_argc;
char **wrt_wasi_argv;
int wrt_wasi_envc;
char **wrt_wasi_envp;

static int32_t sizes(int n, char **v, int32_t count_ptr, int32_t size_ptr) {
  CHECK_MEM((uint32_t)count_ptr, 4);
  CHECK_MEM((uint32_t)size_ptr, 4);
  uint64_t total = 0;
  for (int i = 0; i < n; i++) total += strlen(v[i]) + 1;
  put_u32((uint32_t)count_ptr, (uint32_t)n);
  put_u32((uint32_t)size_ptr, (uint32_t)total);
  return W_ESUCCESS;
}

static int32_t fill(int n, char **v, int32_t ptrs, int32_t buf) {
  uint64_t total = 0;
  for (int i = 0; i < n; i++) total += strlen(v[i]) + 1;
  CHECK_MEM((uint32_t)ptrs, (uint64_t)n * 4);
  CHECK_MEM((uint32_t)buf, total);
  uint32_t at = (uint32_t)buf;
  for (int i = 0; i < n; i++) {
    size_t l = strlen(v[i]) + 1;
    put_u32((uint32_t)ptrs + (uint32_t)i * 4, at);
    memcpy(wrt_mem_base + at, v[i], l);
    at += (uint32_t)l;
  }
  return W_ESUCCESS;
}

int32_t wrt_wasi_args_sizes_get(int32_t argc, int32_t buf_size) {
  return sizes(wrt_wasi_argc, wrt_wasi_argv, argc, buf_size);
}
int32_t wrt_wasi_args_get(int32_t argv, int32_t buf) {
  return fill(wrt_wasi_argc, wrt_wasi_argv, argv, buf);
}
int32_t wrt_wasi_environ_sizes_get(int32_t count, int32_t buf_size) {
  return sizes(wrt_wasi_envc, wrt_wasi_envp, count, buf_size);
}
int32_t wrt_wasi_environ_get(int32_t environ, int32_t buf) {
  return fill(wrt_wasi_envc, wrt_wasi_envp, environ, buf);
}
