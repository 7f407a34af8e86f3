/*
 * sandbox.c — resolving guest paths beneath a directory descriptor.
 *
 * A guest path is relative to a directory fd (a preopen, or a directory
 * opened under one) and may never reach anything outside it:
 *  - absolute paths are refused (ENOTCAPABLE);
 *  - the path is walked component by component; each intermediate directory
 *    is opened with openat(O_PATH|O_DIRECTORY|O_NOFOLLOW) relative to the
 *    previous one, and kept on a stack;
 *  - ".." pops that stack (so it means the physical parent of the directory
 *    we actually reached); popping past the base is refused (ENOTCAPABLE);
 *  - a symlink met as an intermediate component (or as the last one when the
 *    caller asks to follow) is read with readlinkat and its target is spliced
 *    into the remaining path, so it is resolved by these same rules: an
 *    absolute target or one that climbs above the base is ENOTCAPABLE; more
 *    than 40 expansions is ELOOP.
 * The result is (directory fd, final component name): callers then use the
 * *at() calls with AT_SYMLINK_NOFOLLOW / O_NOFOLLOW, so a symlink swapped in
 * after resolution is never followed by the host kernel.
 * Uses only openat/readlinkat (no openat2), so it works under qemu-user.
 */
#include "wasi.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_SYMLINKS 40
#define MAX_PATH_BYTES 8192

typedef struct {
  int *fds;       /* fds[0] is the base (not owned) */
  char **names;   /* names[i] is the component that led to fds[i], i >= 1 */
  uint32_t n, cap;
} dirstack;

static int ds_push(dirstack *s, int fd, const char *name, size_t len) {
  if (s->n == s->cap) {
    uint32_t cap = s->cap ? s->cap * 2 : 16;
    int *f = realloc(s->fds, cap * sizeof *f);
    if (!f) return -1;
    s->fds = f;
    char **nm = realloc(s->names, cap * sizeof *nm);
    if (!nm) return -1;
    s->names = nm;
    s->cap = cap;
  }
  s->names[s->n] = name ? strndup(name, len) : NULL;
  if (name && !s->names[s->n]) return -1;
  s->fds[s->n++] = fd;
  return 0;
}

static void ds_pop(dirstack *s) {
  s->n--;
  if (s->n > 0) close(s->fds[s->n]);
  free(s->names[s->n]);
}

static void ds_free(dirstack *s) {
  for (uint32_t i = 1; i < s->n; i++) {
    close(s->fds[i]);
    free(s->names[i]);
  }
  free(s->fds);
  free(s->names);
}

static char *join_rel(dirstack *s, const char *final) {
  size_t len = 2;
  for (uint32_t i = 1; i < s->n; i++) len += strlen(s->names[i]) + 1;
  len += strlen(final) + 1;
  char *r = malloc(len), *p = r;
  if (!r) return NULL;
  for (uint32_t i = 1; i < s->n; i++) {
    size_t l = strlen(s->names[i]);
    memcpy(p, s->names[i], l);
    p += l;
    *p++ = '/';
  }
  if (strcmp(final, ".") != 0 || p == r) {
    size_t l = strlen(final);
    memcpy(p, final, l);
    p += l;
  } else {
    p--; /* drop the trailing '/' */
  }
  *p = 0;
  return r;
}

int32_t wrt_resolve(wrt_fd *base, const char *path, uint32_t len, bool follow, wrt_resolved *out) {
  memset(out, 0, sizeof *out);
  out->dirfd = -1;
  if (base->kind != FDK_PREOPEN && base->kind != FDK_DIR) return W_ENOTDIR;
  if (len == 0) return W_ENOENT;
  if (memchr(path, 0, len)) return W_EINVAL;
  if (path[0] == '/') return W_ENOTCAPABLE;
  if (len >= MAX_PATH_BYTES) return W_ENAMETOOLONG;

  char *rem = malloc(len + 1);
  if (!rem) return W_ENOMEM;
  memcpy(rem, path, len);
  rem[len] = 0;

  dirstack s = { 0 };
  int32_t err = W_ESUCCESS;
  int links = 0;
  char linkbuf[PATH_MAX + 1];
  const char *p = rem;
  if (ds_push(&s, base->host_fd, NULL, 0) != 0) { err = W_ENOMEM; goto fail; }

  for (;;) {
    while (*p == '/') p++;
    if (!*p) { strcpy(out->name, "."); out->trailing_slash = true; break; }
    const char *q = p;
    while (*q && *q != '/') q++;
    size_t clen = (size_t)(q - p);
    const char *after = q;
    while (*after == '/') after++;
    bool last = *after == 0;
    bool trailing = last && after != q;
    if (clen > NAME_MAX) { err = W_ENAMETOOLONG; goto fail; }
    char comp[NAME_MAX + 1];
    memcpy(comp, p, clen);
    comp[clen] = 0;
    const char *rest = q; /* remaining path, leading slashes included */
    p = after;

    if (strcmp(comp, ".") == 0) {
      if (last) { strcpy(out->name, "."); out->trailing_slash = trailing; break; }
      continue;
    }
    if (strcmp(comp, "..") == 0) {
      if (s.n == 1) { err = W_ENOTCAPABLE; goto fail; }
      ds_pop(&s);
      if (last) { strcpy(out->name, "."); out->trailing_slash = trailing; break; }
      continue;
    }
    int top = s.fds[s.n - 1];
    if (last && !follow && !trailing) { strcpy(out->name, comp); break; }
    if (!last) {
      int fd = openat(top, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd >= 0) {
        if (ds_push(&s, fd, comp, clen) != 0) { close(fd); err = W_ENOMEM; goto fail; }
        continue;
      }
      if (errno != ENOTDIR && errno != ELOOP) { err = wrt_wasi_errno(errno); goto fail; }
    }
    ssize_t n = readlinkat(top, comp, linkbuf, PATH_MAX);
    if (n < 0) {
      if (last) { strcpy(out->name, comp); out->trailing_slash = trailing; break; }
      err = errno == EINVAL ? W_ENOTDIR : wrt_wasi_errno(errno);
      goto fail;
    }
    if (++links > MAX_SYMLINKS) { err = W_ELOOP; goto fail; }
    if (n == 0) { err = W_ENOENT; goto fail; }
    if (linkbuf[0] == '/') { err = W_ENOTCAPABLE; goto fail; }
    size_t restlen = strlen(rest);
    if ((size_t)n + restlen + 1 >= MAX_PATH_BYTES) { err = W_ENAMETOOLONG; goto fail; }
    char *nrem = malloc((size_t)n + restlen + 1);
    if (!nrem) { err = W_ENOMEM; goto fail; }
    memcpy(nrem, linkbuf, (size_t)n);
    memcpy(nrem + n, rest, restlen + 1);
    free(rem);
    rem = nrem;
    p = rem;
  }

  out->rel_path = join_rel(&s, out->name);
  if (!out->rel_path) { err = W_ENOMEM; goto fail; }
  out->dirfd = s.fds[s.n - 1];
  out->owned = s.n > 1;
  /* release everything but the top */
  for (uint32_t i = 1; i + 1 < s.n; i++) close(s.fds[i]);
  for (uint32_t i = 1; i < s.n; i++) free(s.names[i]);
  free(s.fds);
  free(s.names);
  free(rem);
  return W_ESUCCESS;

fail:
  ds_free(&s);
  free(rem);
  return err;
}

void wrt_resolved_done(wrt_resolved *r) {
  if (r->owned && r->dirfd >= 0) close(r->dirfd);
  free(r->rel_path);
  r->dirfd = -1;
  r->owned = false;
  r->rel_path = NULL;
}
