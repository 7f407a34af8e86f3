/* wasi_path.c — WASI path_* functions; every path goes through sandbox.c. */
#include "wasi.h"
#include "wasi_api.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Resolves (fd, guest path) into r; returns a WASI errno. */
static int32_t resolve_at(int32_t fd, int32_t path, int32_t len, bool follow, wrt_resolved *r) {
  CHECK_MEM((uint32_t)path, (uint32_t)len);
  wrt_fd *base = wrt_fd_get(fd);
  if (!base) return W_EBADF;
  return wrt_resolve(base, (const char *)wrt_mem_at((uint32_t)path), (uint32_t)len, follow, r);
}

static char *join_paths(const char *a, const char *b) {
  if (strcmp(a, ".") == 0) return strdup(b);
  if (strcmp(b, ".") == 0) return strdup(a);
  size_t la = strlen(a), lb = strlen(b);
  char *r = malloc(la + lb + 2);
  if (!r) return NULL;
  memcpy(r, a, la);
  r[la] = '/';
  memcpy(r + la + 1, b, lb + 1);
  return r;
}

int32_t wrt_wasi_path_open(int32_t dirfd, int32_t dirflags, int32_t path, int32_t path_len,
                           int32_t oflags, int64_t rights_base, int64_t rights_inheriting,
                           int32_t fdflags, int32_t fd_out) {
  CHECK_MEM((uint32_t)fd_out, 4);
  uint32_t of = (uint32_t)oflags & 0xFFFF, ff = (uint32_t)fdflags & 0xFFFF;
  uint64_t rb = (uint64_t)rights_base;
  if (of & ~(OFLAG_CREAT | OFLAG_DIRECTORY | OFLAG_EXCL | OFLAG_TRUNC)) return W_EINVAL;
  if (ff & ~(FDFLAG_APPEND | FDFLAG_DSYNC | FDFLAG_NONBLOCK | FDFLAG_RSYNC | FDFLAG_SYNC)) return W_EINVAL;
  /* O_CREAT|O_EXCL never follows a final symlink (POSIX). */
  bool follow = ((uint32_t)dirflags & LOOKUP_SYMLINK_FOLLOW) && !((of & OFLAG_CREAT) && (of & OFLAG_EXCL));
  wrt_resolved r;
  int32_t err = resolve_at(dirfd, path, path_len, follow, &r);
  if (err) return err;

  int flags = O_CLOEXEC | O_NOFOLLOW;
  if (of & OFLAG_CREAT) flags |= O_CREAT;
  if (of & OFLAG_DIRECTORY) flags |= O_DIRECTORY;
  if (of & OFLAG_EXCL) flags |= O_EXCL;
  if (of & OFLAG_TRUNC) flags |= O_TRUNC;
  if (ff & FDFLAG_APPEND) flags |= O_APPEND;
  if (ff & FDFLAG_DSYNC) flags |= O_DSYNC;
  if (ff & FDFLAG_NONBLOCK) flags |= O_NONBLOCK;
  if (ff & FDFLAG_RSYNC) flags |= O_RSYNC;
  if (ff & FDFLAG_SYNC) flags |= O_SYNC;
  bool rd = rb & (R_FD_READ | R_FD_READDIR);
  bool wr = rb & (R_FD_DATASYNC | R_FD_WRITE | R_FD_ALLOCATE | R_FD_FILESTAT_SET_SIZE);
  if ((of & OFLAG_TRUNC) || (ff & FDFLAG_APPEND)) wr = true;
  if (of & OFLAG_DIRECTORY) wr = false;
  flags |= (rd && wr) ? O_RDWR : wr ? O_WRONLY : O_RDONLY;
  if (r.trailing_slash && strcmp(r.name, ".") != 0) {
    if (of & OFLAG_CREAT) { wrt_resolved_done(&r); return W_EISDIR; }
    flags |= O_DIRECTORY;
  }

  int hfd;
  do hfd = openat(r.dirfd, r.name, flags, 0666); while (hfd < 0 && errno == EINTR);
  if (hfd < 0) {
    int e = errno;
    wrt_resolved_done(&r);
    /* O_NOFOLLOW on a symlink: ELOOP, as WASI expects. */
    return wrt_wasi_errno(e);
  }
  struct stat st;
  if (fstat(hfd, &st) != 0) {
    int e = errno;
    close(hfd);
    wrt_resolved_done(&r);
    return wrt_wasi_errno(e);
  }
  int32_t fd = wrt_fd_alloc();
  wrt_fd *base = wrt_fd_get(dirfd); /* wrt_fd_alloc may move the table */
  if (fd < 0 || !base) {
    close(hfd);
    wrt_resolved_done(&r);
    return W_ENFILE;
  }
  char *rel = join_paths(base->rel_path ? base->rel_path : ".", r.rel_path);
  uint32_t preopen = base->preopen;
  uint64_t inh = base->rights_inheriting;
  wrt_resolved_done(&r);
  wrt_fd *e = &wrt_fds[fd];
  bool isdir = S_ISDIR(st.st_mode);
  e->kind = isdir ? FDK_DIR : FDK_FILE;
  e->filetype = wrt_filetype_of_mode(st.st_mode);
  e->fdflags = (uint16_t)ff;
  e->host_fd = hfd;
  e->preopen = preopen;
  e->rel_path = rel;
  e->oflags = of;
  e->lookupflags = (uint32_t)dirflags;
  e->rights_base = rb & (isdir ? R_DIR_BASE : R_FILE_BASE) & (inh ? inh : R_ALL);
  e->rights_inheriting = (uint64_t)rights_inheriting & (inh ? inh : R_ALL);
  put_u32((uint32_t)fd_out, (uint32_t)fd);
  return W_ESUCCESS;
}

int32_t wrt_wasi_path_create_directory(int32_t fd, int32_t path, int32_t len) {
  wrt_resolved r;
  int32_t err = resolve_at(fd, path, len, false, &r);
  if (err) return err;
  int rc = strcmp(r.name, ".") == 0 ? (errno = EEXIST, -1) : mkdirat(r.dirfd, r.name, 0777);
  int e = errno;
  wrt_resolved_done(&r);
  return rc ? wrt_wasi_errno(e) : W_ESUCCESS;
}

int32_t wrt_wasi_path_filestat_get(int32_t fd, int32_t flags, int32_t path, int32_t len, int32_t buf) {
  CHECK_MEM((uint32_t)buf, 64);
  wrt_resolved r;
  int32_t err = resolve_at(fd, path, len, (uint32_t)flags & LOOKUP_SYMLINK_FOLLOW, &r);
  if (err) return err;
  struct stat st;
  int rc = fstatat(r.dirfd, r.name, &st, AT_SYMLINK_NOFOLLOW);
  int e = errno;
  bool slash = r.trailing_slash;
  wrt_resolved_done(&r);
  if (rc) return wrt_wasi_errno(e);
  if (slash && !S_ISDIR(st.st_mode)) return W_ENOTDIR;
  wrt_put_filestat((uint32_t)buf, &st);
  return W_ESUCCESS;
}

int32_t wrt_wasi_path_filestat_set_times(int32_t fd, int32_t flags, int32_t path, int32_t len,
                                         int64_t atim, int64_t mtim, int32_t fst) {
  struct timespec ts[2];
  int32_t err = wrt_fst_times((uint64_t)atim, (uint64_t)mtim, (uint32_t)fst, ts);
  if (err) return err;
  wrt_resolved r;
  err = resolve_at(fd, path, len, (uint32_t)flags & LOOKUP_SYMLINK_FOLLOW, &r);
  if (err) return err;
  int rc = utimensat(r.dirfd, r.name, ts, AT_SYMLINK_NOFOLLOW);
  int e = errno;
  wrt_resolved_done(&r);
  return rc ? wrt_wasi_errno(e) : W_ESUCCESS;
}

int32_t wrt_wasi_path_link(int32_t old_fd, int32_t old_flags, int32_t old_path, int32_t old_len,
                           int32_t new_fd, int32_t new_path, int32_t new_len) {
  wrt_resolved a, b;
  int32_t err = resolve_at(old_fd, old_path, old_len, (uint32_t)old_flags & LOOKUP_SYMLINK_FOLLOW, &a);
  if (err) return err;
  err = resolve_at(new_fd, new_path, new_len, false, &b);
  if (err) { wrt_resolved_done(&a); return err; }
  int rc;
  if (a.trailing_slash || b.trailing_slash) { rc = -1; errno = ENOTDIR; }
  else rc = linkat(a.dirfd, a.name, b.dirfd, b.name, 0);
  int e = errno;
  wrt_resolved_done(&a);
  wrt_resolved_done(&b);
  return rc ? wrt_wasi_errno(e) : W_ESUCCESS;
}

int32_t wrt_wasi_path_readlink(int32_t fd, int32_t path, int32_t len, int32_t buf, int32_t buf_len,
                               int32_t bufused) {
  CHECK_MEM((uint32_t)buf, (uint32_t)buf_len);
  CHECK_MEM((uint32_t)bufused, 4);
  wrt_resolved r;
  int32_t err = resolve_at(fd, path, len, false, &r);
  if (err) return err;
  char tmp[PATH_MAX];
  ssize_t n = readlinkat(r.dirfd, r.name, tmp, sizeof tmp);
  int e = errno;
  wrt_resolved_done(&r);
  if (n < 0) return wrt_wasi_errno(e);
  uint32_t m = (uint64_t)n < (uint32_t)buf_len ? (uint32_t)n : (uint32_t)buf_len;
  memcpy(wrt_mem_base + (uint32_t)buf, tmp, m);
  put_u32((uint32_t)bufused, m);
  return W_ESUCCESS;
}

int32_t wrt_wasi_path_remove_directory(int32_t fd, int32_t path, int32_t len) {
  wrt_resolved r;
  int32_t err = resolve_at(fd, path, len, false, &r);
  if (err) return err;
  int rc = unlinkat(r.dirfd, r.name, AT_REMOVEDIR);
  int e = errno;
  wrt_resolved_done(&r);
  return rc ? wrt_wasi_errno(e) : W_ESUCCESS;
}

int32_t wrt_wasi_path_rename(int32_t fd, int32_t old_path, int32_t old_len, int32_t new_fd,
                             int32_t new_path, int32_t new_len) {
  wrt_resolved a, b;
  int32_t err = resolve_at(fd, old_path, old_len, false, &a);
  if (err) return err;
  err = resolve_at(new_fd, new_path, new_len, false, &b);
  if (err) { wrt_resolved_done(&a); return err; }
  int rc = 0;
  if (a.trailing_slash || b.trailing_slash) {
    struct stat st;
    if (fstatat(a.dirfd, a.name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode)) {
      rc = -1;
      errno = ENOTDIR;
    }
  }
  if (rc == 0) rc = renameat(a.dirfd, a.name, b.dirfd, b.name);
  int e = errno;
  wrt_resolved_done(&a);
  wrt_resolved_done(&b);
  return rc ? wrt_wasi_errno(e) : W_ESUCCESS;
}

int32_t wrt_wasi_path_symlink(int32_t old_path, int32_t old_len, int32_t fd, int32_t new_path,
                              int32_t new_len) {
  CHECK_MEM((uint32_t)old_path, (uint32_t)old_len);
  const char *target = (const char *)wrt_mem_at((uint32_t)old_path);
  uint32_t tl = (uint32_t)old_len;
  if (tl == 0) return W_ENOENT;
  if (tl >= PATH_MAX) return W_ENAMETOOLONG;
  if (memchr(target, 0, tl)) return W_EINVAL;
  if (target[0] == '/') return W_ENOTCAPABLE; /* could never be followed inside the sandbox */
  char t[PATH_MAX];
  memcpy(t, target, tl);
  t[tl] = 0;
  wrt_resolved r;
  int32_t err = resolve_at(fd, new_path, new_len, false, &r);
  if (err) return err;
  int rc;
  if (r.trailing_slash) { rc = -1; errno = strcmp(r.name, ".") ? ENOENT : EEXIST; }
  else rc = symlinkat(t, r.dirfd, r.name);
  int e = errno;
  wrt_resolved_done(&r);
  return rc ? wrt_wasi_errno(e) : W_ESUCCESS;
}

int32_t wrt_wasi_path_unlink_file(int32_t fd, int32_t path, int32_t len) {
  wrt_resolved r;
  int32_t err = resolve_at(fd, path, len, false, &r);
  if (err) return err;
  int rc;
  if (r.trailing_slash) {
    struct stat st;
    rc = -1;
    errno = (fstatat(r.dirfd, r.name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) ? EISDIR : ENOTDIR;
  } else {
    rc = unlinkat(r.dirfd, r.name, 0);
  }
  int e = errno;
  wrt_resolved_done(&r);
  return rc ? wrt_wasi_errno(e) : W_ESUCCESS;
}
