/* wasi_fd.c — WASI fd_* functions (descriptor I/O and metadata). */
#include "wasi.h"
#include "wasi_api.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_IOVS 1024

/* Reads the guest iovec array (8 bytes each: buf u32, len u32) into iov,
 * checking every buffer against linear memory. */
static int32_t load_iovs(int32_t iovs, int32_t n, struct iovec *iov, size_t *total) {
  uint32_t p = (uint32_t)iovs, cnt = (uint32_t)n;
  if (cnt > MAX_IOVS) return W_EINVAL;
  CHECK_MEM(p, (uint64_t)cnt * 8);
  size_t sum = 0;
  for (uint32_t i = 0; i < cnt; i++) {
    uint32_t buf = get_u32(p + i * 8), len = get_u32(p + i * 8 + 4);
    CHECK_MEM(buf, len);
    iov[i].iov_base = wrt_mem_base + buf;
    iov[i].iov_len = len;
    sum += len;
  }
  if (sum > SSIZE_MAX) return W_EINVAL;
  *total = sum;
  return W_ESUCCESS;
}

int32_t wrt_wasi_fd_write(int32_t fd, int32_t iovs, int32_t iovs_len, int32_t nwritten) {
  CHECK_MEM((uint32_t)nwritten, 4);
  wrt_fd *e = wrt_fd_get(fd);
  if (!e) return W_EBADF;
  if (e->kind == FDK_PREOPEN || e->kind == FDK_DIR) return W_EBADF;
  struct iovec iov[MAX_IOVS];
  size_t total;
  int32_t err = load_iovs(iovs, iovs_len, iov, &total);
  if (err) return err;
  size_t done = 0;
  if (e->host_fd == 1) {
    err = wrt_stdout_write(iov, iovs_len, total, &done);
    if (err) return err;
  } else {
    wrt_stdout_flush();
    ssize_t w;
    do w = writev(e->host_fd, iov, iovs_len); while (w < 0 && errno == EINTR);
    if (w < 0) return wrt_wasi_errno(errno);
    done = (size_t)w;
  }
  put_u32((uint32_t)nwritten, (uint32_t)done);
  return W_ESUCCESS;
}

enum vec_op { VEC_READ, VEC_PREAD, VEC_PWRITE };

/* fd_read / fd_pread / fd_pwrite: the same checks around one vectored syscall;
 * the count of bytes moved goes to `result`. */
static int32_t vec_io(enum vec_op op, int32_t fd, int32_t iovs, int32_t iovs_len, int64_t offset, int32_t result) {
  CHECK_MEM((uint32_t)result, 4);
  wrt_fd *e = wrt_fd_get(fd);
  if (!e) return W_EBADF;
  if (e->kind == FDK_PREOPEN || e->kind == FDK_DIR) return op == VEC_PWRITE ? W_EBADF : W_EISDIR;
  if (op != VEC_READ && offset < 0) return W_EINVAL;
  struct iovec iov[MAX_IOVS];
  size_t total;
  int32_t err = load_iovs(iovs, iovs_len, iov, &total);
  if (err) return err;
  wrt_stdout_flush();
  ssize_t r;
  do {
    switch (op) {
      case VEC_READ: r = readv(e->host_fd, iov, iovs_len); break;
      case VEC_PREAD: r = preadv(e->host_fd, iov, iovs_len, (off_t)offset); break;
      default: r = pwritev(e->host_fd, iov, iovs_len, (off_t)offset); break;
    }
  } while (r < 0 && errno == EINTR);
  if (r < 0) return wrt_wasi_errno(errno);
  put_u32((uint32_t)result, (uint32_t)r);
  return W_ESUCCESS;
}

int32_t wrt_wasi_fd_read(int32_t fd, int32_t iovs, int32_t iovs_len, int32_t nread) {
  return vec_io(VEC_READ, fd, iovs, iovs_len, 0, nread);
}

int32_t wrt_wasi_fd_pread(int32_t fd, int32_t iovs, int32_t iovs_len, int64_t offset, int32_t nread) {
  return vec_io(VEC_PREAD, fd, iovs, iovs_len, offset, nread);
}

int32_t wrt_wasi_fd_pwrite(int32_t fd, int32_t iovs, int32_t iovs_len, int64_t offset, int32_t nwritten) {
  return vec_io(VEC_PWRITE, fd, iovs, iovs_len, offset, nwritten);
}

int32_t wrt_wasi_fd_seek(int32_t fd, int64_t offset, int32_t whence, int32_t newoffset) {
  CHECK_MEM((uint32_t)newoffset, 8);
  wrt_fd *e = wrt_fd_get(fd);
  if (!e) return W_EBADF;
  if (e->kind == FDK_PREOPEN || e->kind == FDK_DIR) return W_EBADF;
  int w;
  switch (whence) {
  case WHENCE_SET: w = SEEK_SET; break;
  case WHENCE_CUR: w = SEEK_CUR; break;
  case WHENCE_END: w = SEEK_END; break;
  default: return W_EINVAL;
  }
  if (e->host_fd == 1) wrt_stdout_flush();
  off_t r = lseek(e->host_fd, (off_t)offset, w);
  if (r < 0) return wrt_wasi_errno(errno);
  put_u64((uint32_t)newoffset, (uint64_t)r);
  return W_ESUCCESS;
}

int32_t wrt_wasi_fd_tell(int32_t fd, int32_t offset) {
  CHECK_MEM((uint32_t)offset, 8);
  wrt_fd *e = wrt_fd_get(fd);
  if (!e) return W_EBADF;
  if (e->kind == FDK_PREOPEN || e->kind == FDK_DIR) return W_EBADF;
  if (e->host_fd == 1) wrt_stdout_flush();
  off_t r = lseek(e->host_fd, 0, SEEK_CUR);
  if (r < 0) return wrt_wasi_errno(errno);
  put_u64((uint32_t)offset, (uint64_t)r);
  return W_ESUCCESS;
}

int32_t wrt_wasi_fd_close(int32_t fd) {
  wrt_fd *e = wrt_fd_get(fd);
  if (!e) return W_EBADF;
  if (e->host_fd == 1) wrt_stdout_flush();
  wrt_fd_release(e);
  return W_ESUCCESS;
}

int32_t wrt_wasi_fd_sync(int32_t fd) {
  wrt_fd *e = wrt_fd_get(fd);
  if (!e) return W_EBADF;
  if (e->host_fd == 1) wrt_stdout_flush();
  return fsync(e->host_fd) ? wrt_wasi_errno(errno) : W_ESUCCESS;
}

int32_t wrt_wasi_fd_datasync(int32_t fd) {
  wrt_fd *e = wrt_fd_get(fd);
  if (!e) return W_EBADF;
  if (e->host_fd == 1) wrt_stdout_flush();
  return fdatasync(e->host_fd) ? wrt_wasi_errno(errno) : W_ESUCCESS;
}

int32_t wrt_wasi_fd_fdstat_get(int32_t fd, int32_t buf) {
  uint32_t p = (uint32_t)buf;
  CHECK_MEM(p, 24);
  wrt_fd *e = wrt_fd_get(fd);
  if (!e) return W_EBADF;
  struct stat st;
  uint8_t ft = e->filetype;
  if (fstat(e->host_fd, &st) == 0) ft = wrt_filetype_of_fd(e->host_fd, &st);
  uint16_t flags = e->fdflags & (FDFLAG_DSYNC | FDFLAG_RSYNC | FDFLAG_SYNC);
  int fl = fcntl(e->host_fd, F_GETFL);
  if (fl >= 0) {
    if (fl & O_APPEND) flags |= FDFLAG_APPEND;
    if (fl & O_NONBLOCK) flags |= FDFLAG_NONBLOCK;
  }
  memset(wrt_mem_base + p, 0, 24);
  put_u8(p, ft);
  put_u16(p + 2, flags);
  put_u64(p + 8, e->rights_base);
  put_u64(p + 16, e->rights_inheriting);
  return W_ESUCCESS;
}

int32_t wrt_wasi_fd_fdstat_set_flags(int32_t fd, int32_t flags) {
  wrt_fd *e = wrt_fd_get(fd);
  if (!e) return W_EBADF;
  uint32_t f = (uint32_t)flags & 0xFFFF;
  if (f & ~(FDFLAG_APPEND | FDFLAG_NONBLOCK | FDFLAG_DSYNC | FDFLAG_RSYNC | FDFLAG_SYNC)) return W_EINVAL;
  /* Linux cannot change O_SYNC/O_DSYNC on an open file. */
  if ((f & (FDFLAG_DSYNC | FDFLAG_RSYNC | FDFLAG_SYNC)) !=
      (e->fdflags & (FDFLAG_DSYNC | FDFLAG_RSYNC | FDFLAG_SYNC)))
    return W_ENOTSUP;
  int fl = fcntl(e->host_fd, F_GETFL);
  if (fl < 0) return wrt_wasi_errno(errno);
  fl &= ~(O_APPEND | O_NONBLOCK);
  if (f & FDFLAG_APPEND) fl |= O_APPEND;
  if (f & FDFLAG_NONBLOCK) fl |= O_NONBLOCK;
  if (fcntl(e->host_fd, F_SETFL, fl) != 0) return wrt_wasi_errno(errno);
  e->fdflags = (uint16_t)f;
  return W_ESUCCESS;
}

int32_t wrt_wasi_fd_fdstat_set_rights(int32_t fd, int64_t base, int64_t inheriting) {
  wrt_fd *e = wrt_fd_get(fd);
  if (!e) return W_EBADF;
  /* Rights can only be dropped. */
  if (((uint64_t)base & ~e->rights_base) || ((uint64_t)inheriting & ~e->rights_inheriting))
    return W_ENOTCAPABLE;
  e->rights_base = (uint64_t)base;
  e->rights_inheriting = (uint64_t)inheriting;
  return W_ESUCCESS;
}

void wrt_put_filestat(uint32_t p, const struct stat *st) {
  memset(wrt_mem_base + p, 0, 64);
  put_u64(p, (uint64_t)st->st_dev);
  put_u64(p + 8, (uint64_t)st->st_ino);
  put_u8(p + 16, wrt_filetype_of_mode(st->st_mode));
  put_u64(p + 24, (uint64_t)st->st_nlink);
  put_u64(p + 32, (uint64_t)st->st_size);
  put_u64(p + 40, ts_to_ns(st->st_atim));
  put_u64(p + 48, ts_to_ns(st->st_mtim));
  put_u64(p + 56, ts_to_ns(st->st_ctim));
}

int32_t wrt_wasi_fd_filestat_get(int32_t fd, int32_t buf) {
  CHECK_MEM((uint32_t)buf, 64);
  wrt_fd *e = wrt_fd_get(fd);
  if (!e) return W_EBADF;
  struct stat st;
  if (fstat(e->host_fd, &st) != 0) return wrt_wasi_errno(errno);
  wrt_put_filestat((uint32_t)buf, &st);
  put_u8((uint32_t)buf + 16, wrt_filetype_of_fd(e->host_fd, &st));
  return W_ESUCCESS;
}

int32_t wrt_wasi_fd_filestat_set_size(int32_t fd, int64_t size) {
  wrt_fd *e = wrt_fd_get(fd);
  if (!e) return W_EBADF;
  if (size < 0) return W_EINVAL;
  return ftruncate(e->host_fd, (off_t)size) ? wrt_wasi_errno(errno) : W_ESUCCESS;
}

int32_t wrt_fst_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2]) {
  if (fst & ~(FST_ATIM | FST_ATIM_NOW | FST_MTIM | FST_MTIM_NOW)) return W_EINVAL;
  if ((fst & FST_ATIM) && (fst & FST_ATIM_NOW)) return W_EINVAL;
  if ((fst & FST_MTIM) && (fst & FST_MTIM_NOW)) return W_EINVAL;
  uint64_t v[2] = { atim, mtim };
  uint32_t set[2] = { FST_ATIM, FST_MTIM }, now[2] = { FST_ATIM_NOW, FST_MTIM_NOW };
  for (int i = 0; i < 2; i++) {
    if (fst & now[i]) { ts[i].tv_sec = 0; ts[i].tv_nsec = UTIME_NOW; }
    else if (fst & set[i]) { ts[i].tv_sec = (time_t)(v[i] / 1000000000u); ts[i].tv_nsec = (long)(v[i] % 1000000000u); }
    else { ts[i].tv_sec = 0; ts[i].tv_nsec = UTIME_OMIT; }
  }
  return W_ESUCCESS;
}

int32_t wrt_wasi_fd_filestat_set_times(int32_t fd, int64_t atim, int64_t mtim, int32_t fst) {
  wrt_fd *e = wrt_fd_get(fd);
  if (!e) return W_EBADF;
  struct timespec ts[2];
  int32_t err = wrt_fst_times((uint64_t)atim, (uint64_t)mtim, (uint32_t)fst, ts);
  if (err) return err;
  return futimens(e->host_fd, ts) ? wrt_wasi_errno(errno) : W_ESUCCESS;
}

int32_t wrt_wasi_fd_advise(int32_t fd, int64_t offset, int64_t len, int32_t advice) {
  wrt_fd *e = wrt_fd_get(fd);
  if (!e) return W_EBADF;
  static const int map[] = { POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                             POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE };
  if (advice < 0 || advice > 5 || offset < 0 || len < 0) return W_EINVAL;
  if (e->kind == FDK_PREOPEN || e->kind == FDK_DIR) return W_EBADF;
  int r = posix_fadvise(e->host_fd, (off_t)offset, (off_t)len, map[advice]);
  return r ? wrt_wasi_errno(r) : W_ESUCCESS;
}

int32_t wrt_wasi_fd_allocate(int32_t fd, int64_t offset, int64_t len) {
  wrt_fd *e = wrt_fd_get(fd);
  if (!e) return W_EBADF;
  if (offset < 0 || len <= 0) return W_EINVAL;
  if (e->kind == FDK_PREOPEN || e->kind == FDK_DIR) return W_EBADF;
  int r = posix_fallocate(e->host_fd, (off_t)offset, (off_t)len);
  return r ? wrt_wasi_errno(r) : W_ESUCCESS;
}

int32_t wrt_wasi_fd_prestat_get(int32_t fd, int32_t buf) {
  CHECK_MEM((uint32_t)buf, 8);
  wrt_fd *e = wrt_fd_get(fd);
  if (!e || e->kind != FDK_PREOPEN) return W_EBADF;
  memset(wrt_mem_base + (uint32_t)buf, 0, 8);
  put_u8((uint32_t)buf, 0); /* preopentype dir */
  put_u32((uint32_t)buf + 4, (uint32_t)strlen(e->guest_path));
  return W_ESUCCESS;
}

int32_t wrt_wasi_fd_prestat_dir_name(int32_t fd, int32_t path, int32_t len) {
  CHECK_MEM((uint32_t)path, (uint32_t)len);
  wrt_fd *e = wrt_fd_get(fd);
  if (!e || e->kind != FDK_PREOPEN) return W_EBADF;
  size_t n = strlen(e->guest_path);
  if ((uint32_t)len < n) return W_ENAMETOOLONG;
  memcpy(wrt_mem_base + (uint32_t)path, e->guest_path, n);
  return W_ESUCCESS;
}

int32_t wrt_wasi_fd_renumber(int32_t from, int32_t to) {
  wrt_fd *a = wrt_fd_get(from), *b = wrt_fd_get(to);
  if (!a || !b) return W_EBADF;
  if (from == to) return W_ESUCCESS;
  if (b->host_fd == 1) wrt_stdout_flush();
  wrt_fd_release(b);
  *b = *a;
  memset(a, 0, sizeof *a);
  a->kind = FDK_FREE;
  a->host_fd = -1;
  return W_ESUCCESS;
}

static uint8_t dtype_to_filetype(DIR *d, const struct dirent *de) {
  switch (de->d_type) {
  case DT_BLK: return FT_BLOCK_DEVICE;
  case DT_CHR: return FT_CHARACTER_DEVICE;
  case DT_DIR: return FT_DIRECTORY;
  case DT_REG: return FT_REGULAR_FILE;
  case DT_LNK: return FT_SYMBOLIC_LINK;
  case DT_SOCK: return FT_SOCKET_STREAM;
  case DT_FIFO: return FT_SOCKET_STREAM; /* as wrt_filetype_of_mode */
  default: {
    struct stat st;
    if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) return wrt_filetype_of_mode(st.st_mode);
    return FT_UNKNOWN;
  }
  }
}

/*
 * Cookies are entry ordinals: cookie k resumes at the k-th entry (0 = start)
 * of the host readdir order, "." and ".." included. The DIR stream is kept
 * between calls; a cookie other than the stream's position rewinds and skips.
 */
int32_t wrt_wasi_fd_readdir(int32_t fd, int32_t buf, int32_t buf_len, int64_t cookie, int32_t bufused) {
  uint32_t p = (uint32_t)buf, cap = (uint32_t)buf_len;
  CHECK_MEM(p, cap);
  CHECK_MEM((uint32_t)bufused, 4);
  wrt_fd *e = wrt_fd_get(fd);
  if (!e) return W_EBADF;
  if (e->kind != FDK_PREOPEN && e->kind != FDK_DIR) return W_ENOTDIR;
  if (!e->dir) {
    int dfd = openat(e->host_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return wrt_wasi_errno(errno);
    e->dir = fdopendir(dfd);
    if (!e->dir) { int er = errno; close(dfd); return wrt_wasi_errno(er); }
    e->dir_pos = 0;
  }
  DIR *d = e->dir;
  uint64_t want = (uint64_t)cookie;
  if (want != e->dir_pos) {
    rewinddir(d);
    e->dir_pos = 0;
    while (e->dir_pos < want) {
      errno = 0;
      if (!readdir(d)) {
        if (errno) return wrt_wasi_errno(errno);
        put_u32((uint32_t)bufused, 0);
        return W_ESUCCESS;
      }
      e->dir_pos++;
    }
  }
  uint32_t used = 0;
  for (;;) {
    long loc = telldir(d);
    errno = 0;
    struct dirent *de = readdir(d);
    if (!de) {
      if (errno) return wrt_wasi_errno(errno);
      break;
    }
    uint32_t namlen = (uint32_t)strlen(de->d_name);
    uint8_t hdr[24];
    uint64_t next = e->dir_pos + 1, ino = (uint64_t)de->d_ino;
    memset(hdr, 0, sizeof hdr);
    memcpy(hdr, &next, 8);
    memcpy(hdr + 8, &ino, 8);
    memcpy(hdr + 16, &namlen, 4);
    hdr[20] = dtype_to_filetype(d, de);
    uint32_t room = cap - used;
    uint32_t n = room < 24 ? room : 24;
    memcpy(wrt_mem_base + p + used, hdr, n);
    used += n;
    room -= n;
    uint32_t m = room < namlen ? room : namlen;
    memcpy(wrt_mem_base + p + used, de->d_name, m);
    used += m;
    if (n < 24 || m < namlen) { /* truncated: this entry is returned again next time */
      seekdir(d, loc);
      break;
    }
    e->dir_pos++;
    if (used == cap) break;
  }
  put_u32((uint32_t)bufused, used);
  return W_ESUCCESS;
}
