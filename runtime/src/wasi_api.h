/*
 * wasi_api.h — prototypes of the WASI preview1 imports as the compiler binds
 * them (from compiler-core/src/wasi/preview1.ts: i32 -> int32_t,
 * i64 -> int64_t, result i32 errno). Keep the two in sync.
 */
#ifndef WRT_WASI_API_H
#define WRT_WASI_API_H
#include <stdint.h>

int32_t wrt_wasi_args_get(int32_t, int32_t);
int32_t wrt_wasi_args_sizes_get(int32_t, int32_t);
int32_t wrt_wasi_environ_get(int32_t, int32_t);
int32_t wrt_wasi_environ_sizes_get(int32_t, int32_t);
int32_t wrt_wasi_clock_res_get(int32_t, int32_t);
int32_t wrt_wasi_clock_time_get(int32_t, int64_t, int32_t);
int32_t wrt_wasi_fd_advise(int32_t, int64_t, int64_t, int32_t);
int32_t wrt_wasi_fd_allocate(int32_t, int64_t, int64_t);
int32_t wrt_wasi_fd_close(int32_t);
int32_t wrt_wasi_fd_datasync(int32_t);
int32_t wrt_wasi_fd_fdstat_get(int32_t, int32_t);
int32_t wrt_wasi_fd_fdstat_set_flags(int32_t, int32_t);
int32_t wrt_wasi_fd_fdstat_set_rights(int32_t, int64_t, int64_t);
int32_t wrt_wasi_fd_filestat_get(int32_t, int32_t);
int32_t wrt_wasi_fd_filestat_set_size(int32_t, int64_t);
int32_t wrt_wasi_fd_filestat_set_times(int32_t, int64_t, int64_t, int32_t);
int32_t wrt_wasi_fd_pread(int32_t, int32_t, int32_t, int64_t, int32_t);
int32_t wrt_wasi_fd_prestat_get(int32_t, int32_t);
int32_t wrt_wasi_fd_prestat_dir_name(int32_t, int32_t, int32_t);
int32_t wrt_wasi_fd_pwrite(int32_t, int32_t, int32_t, int64_t, int32_t);
int32_t wrt_wasi_fd_read(int32_t, int32_t, int32_t, int32_t);
int32_t wrt_wasi_fd_readdir(int32_t, int32_t, int32_t, int64_t, int32_t);
int32_t wrt_wasi_fd_renumber(int32_t, int32_t);
int32_t wrt_wasi_fd_seek(int32_t, int64_t, int32_t, int32_t);
int32_t wrt_wasi_fd_sync(int32_t);
int32_t wrt_wasi_fd_tell(int32_t, int32_t);
int32_t wrt_wasi_fd_write(int32_t, int32_t, int32_t, int32_t);
int32_t wrt_wasi_path_create_directory(int32_t, int32_t, int32_t);
int32_t wrt_wasi_path_filestat_get(int32_t, int32_t, int32_t, int32_t, int32_t);
int32_t wrt_wasi_path_filestat_set_times(int32_t, int32_t, int32_t, int32_t, int64_t, int64_t, int32_t);
int32_t wrt_wasi_path_link(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
int32_t wrt_wasi_path_open(int32_t, int32_t, int32_t, int32_t, int32_t, int64_t, int64_t, int32_t, int32_t);
int32_t wrt_wasi_path_readlink(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
int32_t wrt_wasi_path_remove_directory(int32_t, int32_t, int32_t);
int32_t wrt_wasi_path_rename(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
int32_t wrt_wasi_path_symlink(int32_t, int32_t, int32_t, int32_t, int32_t);
int32_t wrt_wasi_path_unlink_file(int32_t, int32_t, int32_t);
int32_t wrt_wasi_poll_oneoff(int32_t, int32_t, int32_t, int32_t);
_Noreturn void wrt_wasi_proc_exit(int32_t);
int32_t wrt_wasi_proc_raise(int32_t);
int32_t wrt_wasi_sched_yield(void);
int32_t wrt_wasi_random_get(int32_t, int32_t);
int32_t wrt_wasi_sock_accept(int32_t, int32_t, int32_t);
int32_t wrt_wasi_sock_recv(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
int32_t wrt_wasi_sock_send(int32_t, int32_t, int32_t, int32_t, int32_t);
int32_t wrt_wasi_sock_shutdown(int32_t, int32_t);

#endif /* WRT_WASI_API_H */
