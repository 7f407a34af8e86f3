/*
 * wasi.h — WASI preview1 constants, layouts and the runtime's descriptor
 * table, shared by the wasi_*.c files and sandbox.c.
 * Numbering follows witx/typenames.witx of wasi_snapshot_preview1.
 */
#ifndef WRT_WASI_H
#define WRT_WASI_H

#include "wrt_internal.h"
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>

/* errno */
enum {
  W_ESUCCESS = 0, W_E2BIG, W_EACCES, W_EADDRINUSE, W_EADDRNOTAVAIL, W_EAFNOSUPPORT, W_EAGAIN,
  W_EALREADY, W_EBADF, W_EBADMSG, W_EBUSY, W_ECANCELED, W_ECHILD, W_ECONNABORTED,
  W_ECONNREFUSED, W_ECONNRESET, W_EDEADLK, W_EDESTADDRREQ, W_EDOM, W_EDQUOT, W_EEXIST,
  W_EFAULT, W_EFBIG, W_EHOSTUNREACH, W_EIDRM, W_EILSEQ, W_EINPROGRESS, W_EINTR, W_EINVAL,
  W_EIO, W_EISCONN, W_EISDIR, W_ELOOP, W_EMFILE, W_EMLINK, W_EMSGSIZE, W_EMULTIHOP,
  W_ENAMETOOLONG, W_ENETDOWN, W_ENETRESET, W_ENETUNREACH, W_ENFILE, W_ENOBUFS, W_ENODEV,
  W_ENOENT, W_ENOEXEC, W_ENOLCK, W_ENOLINK, W_ENOMEM, W_ENOMSG, W_ENOPROTOOPT, W_ENOSPC,
  W_ENOSYS, W_ENOTCONN, W_ENOTDIR, W_ENOTEMPTY, W_ENOTRECOVERABLE, W_ENOTSOCK, W_ENOTSUP,
  W_ENOTTY, W_ENXIO, W_EOVERFLOW, W_EOWNERDEAD, W_EPERM, W_EPIPE, W_EPROTO,
  W_EPROTONOSUPPORT, W_EPROTOTYPE, W_ERANGE, W_EROFS, W_ESPIPE, W_ESRCH, W_ESTALE,
  W_ETIMEDOUT, W_ETXTBSY, W_EXDEV, W_ENOTCAPABLE,
};
_Static_assert(W_EBADF == 8 && W_EINVAL == 28 && W_ENOENT == 44 && W_ENOTSUP == 58 &&
               W_EPERM == 63 && W_EXDEV == 75 && W_ENOTCAPABLE == 76, "WASI errno table");

/* Maps a host errno value to a WASI errno (W_EIO for unknown values). */
int32_t wrt_wasi_errno(int host_errno);

/* filetype */
enum { FT_UNKNOWN = 0, FT_BLOCK_DEVICE, FT_CHARACTER_DEVICE, FT_DIRECTORY, FT_REGULAR_FILE,
       FT_SOCKET_DGRAM, FT_SOCKET_STREAM, FT_SYMBOLIC_LINK };
/* fdflags */
#define FDFLAG_APPEND 1u
#define FDFLAG_DSYNC 2u
#define FDFLAG_NONBLOCK 4u
#define FDFLAG_RSYNC 8u
#define FDFLAG_SYNC 16u
/* oflags */
#define OFLAG_CREAT 1u
#define OFLAG_DIRECTORY 2u
#define OFLAG_EXCL 4u
#define OFLAG_TRUNC 8u
/* lookupflags */
#define LOOKUP_SYMLINK_FOLLOW 1u
/* fstflags */
#define FST_ATIM 1u
#define FST_ATIM_NOW 2u
#define FST_MTIM 4u
#define FST_MTIM_NOW 8u
/* whence */
enum { WHENCE_SET = 0, WHENCE_CUR = 1, WHENCE_END = 2 };
/* clockid */
enum { CLOCK_ID_REALTIME = 0, CLOCK_ID_MONOTONIC, CLOCK_ID_PROCESS_CPUTIME, CLOCK_ID_THREAD_CPUTIME };
/* rights */
#define R_FD_DATASYNC (1ull << 0)
#define R_FD_READ (1ull << 1)
#define R_FD_SEEK (1ull << 2)
#define R_FD_FDSTAT_SET_FLAGS (1ull << 3)
#define R_FD_SYNC (1ull << 4)
#define R_FD_TELL (1ull << 5)
#define R_FD_WRITE (1ull << 6)
#define R_FD_ADVISE (1ull << 7)
#define R_FD_ALLOCATE (1ull << 8)
#define R_PATH_CREATE_DIRECTORY (1ull << 9)
#define R_PATH_CREATE_FILE (1ull << 10)
#define R_PATH_LINK_SOURCE (1ull << 11)
#define R_PATH_LINK_TARGET (1ull << 12)
#define R_PATH_OPEN (1ull << 13)
#define R_FD_READDIR (1ull << 14)
#define R_PATH_READLINK (1ull << 15)
#define R_PATH_RENAME_SOURCE (1ull << 16)
#define R_PATH_RENAME_TARGET (1ull << 17)
#define R_PATH_FILESTAT_GET (1ull << 18)
#define R_PATH_FILESTAT_SET_SIZE (1ull << 19)
#define R_PATH_FILESTAT_SET_TIMES (1ull << 20)
#define R_FD_FILESTAT_GET (1ull << 21)
#define R_FD_FILESTAT_SET_SIZE (1ull << 22)
#define R_FD_FILESTAT_SET_TIMES (1ull << 23)
#define R_PATH_SYMLINK (1ull << 24)
#define R_PATH_REMOVE_DIRECTORY (1ull << 25)
#define R_PATH_UNLINK_FILE (1ull << 26)
#define R_POLL_FD_READWRITE (1ull << 27)
#define R_SOCK_SHUTDOWN (1ull << 28)
#define R_SOCK_ACCEPT (1ull << 29)
#define R_ALL ((1ull << 30) - 1)
#define R_DIR_BASE (R_FD_FDSTAT_SET_FLAGS | R_FD_SYNC | R_FD_ADVISE | R_PATH_CREATE_DIRECTORY | \
  R_PATH_CREATE_FILE | R_PATH_LINK_SOURCE | R_PATH_LINK_TARGET | R_PATH_OPEN | R_FD_READDIR | \
  R_PATH_READLINK | R_PATH_RENAME_SOURCE | R_PATH_RENAME_TARGET | R_PATH_FILESTAT_GET | \
  R_PATH_FILESTAT_SET_SIZE | R_PATH_FILESTAT_SET_TIMES | R_FD_FILESTAT_GET | \
  R_FD_FILESTAT_SET_TIMES | R_PATH_SYMLINK | R_PATH_REMOVE_DIRECTORY | R_PATH_UNLINK_FILE | \
  R_POLL_FD_READWRITE)
#define R_FILE_BASE (R_FD_DATASYNC | R_FD_READ | R_FD_SEEK | R_FD_FDSTAT_SET_FLAGS | R_FD_SYNC | \
  R_FD_TELL | R_FD_WRITE | R_FD_ADVISE | R_FD_ALLOCATE | R_FD_FILESTAT_GET | \
  R_FD_FILESTAT_SET_SIZE | R_FD_FILESTAT_SET_TIMES | R_POLL_FD_READWRITE)

/* ---- the descriptor table ---- */
enum wrt_fd_kind { FDK_FREE = 0, FDK_STDIO, FDK_PREOPEN, FDK_FILE, FDK_DIR };

/*
 * One entry per guest descriptor, all in wrt_fds[0 .. wrt_nfds). Everything
 * needed to re-create the descriptor elsewhere (checkpoint/restore) is here:
 * for files and directories, the preopen they were opened under, their
 * normalised path relative to that preopen, the open flags and (from the host
 * fd) the current offset.
 */
typedef struct wrt_fd {
  uint8_t kind;              /* enum wrt_fd_kind */
  uint8_t filetype;          /* FT_* at open time */
  uint16_t fdflags;          /* FDFLAG_* currently set */
  int host_fd;
  uint64_t rights_base, rights_inheriting;
  /* preopens */
  char *host_path;           /* host directory as given to --dir */
  char *guest_path;          /* name the guest sees (fd_prestat_dir_name) */
  /* files and directories opened with path_open */
  uint32_t preopen;          /* guest fd of the preopen the path is relative to */
  char *rel_path;            /* normalised, relative to that preopen ("." for itself) */
  uint32_t oflags;           /* OFLAG_* given to path_open */
  uint32_t lookupflags;
  /* fd_readdir state */
  DIR *dir;
  uint64_t dir_pos;          /* cookie of the next entry dir will return */
} wrt_fd;

extern wrt_fd *wrt_fds;
extern uint32_t wrt_nfds;

/* Returns the entry for a live guest fd, or NULL. */
static inline wrt_fd *wrt_fd_get(int32_t fd) {
  if (fd < 0 || (uint32_t)fd >= wrt_nfds || wrt_fds[fd].kind == FDK_FREE) return NULL;
  return &wrt_fds[fd];
}
/* Allocates the lowest free guest fd; returns it or -1. */
int32_t wrt_fd_alloc(void);
/* Releases an entry (closes its host fd unless stdio) and frees its strings. */
void wrt_fd_release(wrt_fd *e);
/* Makes guest fds [0, n) exist (new entries free); 0 or -1. */
int wrt_fd_reserve(uint32_t n);
uint8_t wrt_filetype_of_mode(mode_t m);
/* The filetype of an open host fd (a socket's type from SO_TYPE); st is its fstat. */
uint8_t wrt_filetype_of_fd(int fd, const struct stat *st);

/* Stdout buffering (wasi_fdtable.c). */
int32_t wrt_stdout_write(const struct iovec *iov, int iovcnt, size_t total, size_t *written);
extern bool wrt_stdout_buffered;

/* ---- sandbox.c: path resolution beneath a directory descriptor ---- */
typedef struct wrt_resolved {
  int dirfd;        /* host directory fd to use with *at() calls */
  bool owned;       /* dirfd must be closed by the caller (wrt_resolved_done) */
  bool trailing_slash;
  char name[256];   /* final component; "." for the directory itself */
  char *rel_path;   /* malloc'd normalised path relative to the base dir */
} wrt_resolved;

/* Resolves guest path [path, path+len) relative to guest directory fd
 * `base`; `follow` follows a symlink in the last component. Returns a WASI
 * errno. On success *out must be released with wrt_resolved_done. */
int32_t wrt_resolve(wrt_fd *base, const char *path, uint32_t len, bool follow, wrt_resolved *out);
void wrt_resolved_done(wrt_resolved *r);

/* wasi_fd.c: writes a WASI filestat (64 bytes) at guest offset p. */
void wrt_put_filestat(uint32_t p, const struct stat *st);
/* Builds utimensat() times from WASI (atim, mtim, fstflags); returns errno. */
int32_t wrt_fst_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2]);

/* ---- helpers for guest memory ---- */
#define CHECK_MEM(ptr, len) do { if (!wrt_mem_ok((ptr), (len))) return W_EFAULT; } while (0)
static inline void put_u8(uint32_t p, uint8_t v) { wrt_mem_base[p] = v; }
static inline void put_u16(uint32_t p, uint16_t v) { memcpy(wrt_mem_base + p, &v, 2); }
static inline void put_u32(uint32_t p, uint32_t v) { memcpy(wrt_mem_base + p, &v, 4); }
static inline void put_u64(uint32_t p, uint64_t v) { memcpy(wrt_mem_base + p, &v, 8); }
static inline uint16_t get_u16(uint32_t p) { uint16_t v; memcpy(&v, wrt_mem_base + p, 2); return v; }
static inline uint32_t get_u32(uint32_t p) { uint32_t v; memcpy(&v, wrt_mem_base + p, 4); return v; }
static inline uint64_t get_u64(uint32_t p) { uint64_t v; memcpy(&v, wrt_mem_base + p, 8); return v; }
static inline uint64_t ts_to_ns(struct timespec t) { return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec; }

#endif /* WRT_WASI_H */
