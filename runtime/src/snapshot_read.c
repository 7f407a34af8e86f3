/*
 * snapshot_read.c — reads and validates a snapshot (docs/snapshot-format.md).
 * Every count and length is checked against the remaining bytes before use,
 * memory chunks are decompressed (into a scratch buffer) to check their size, and
 * each problem gives its own message; nothing is applied to the program here.
 */
#include "cr_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

typedef struct {
  const uint8_t *p;
  size_t n, pos;
  const char *sect;
  char *err;
  size_t errlen;
  bool failed;
} rd;

static bool rfail(rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool rfail(rd *r, const char *fmt, ...) {
  if (r->failed) return false;
  r->failed = true;
  int k = snprintf(r->err, r->errlen, "%s section: ", r->sect);
  if (k < 0 || (size_t)k >= r->errlen) k = 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->err + k, r->errlen - (size_t)k, fmt, ap);
  va_end(ap);
  return false;
}
static size_t left(const rd *r) { return r->n - r->pos; }
static bool get(rd *r, void *out, size_t k, const char *what) {
  if (r->failed) return false;
  if (k > left(r)) return rfail(r, "truncated %s", what);
  if (out) memcpy(out, r->p + r->pos, k);
  r->pos += k;
  return true;
}
static bool g8(rd *r, uint8_t *v, const char *w) { return get(r, v, 1, w); }
static bool g32(rd *r, uint32_t *v, const char *w) { return get(r, v, 4, w); }
static bool g64(rd *r, uint64_t *v, const char *w) { return get(r, v, 8, w); }
/* A count of items of at least `min` bytes each. */
static bool gcount(rd *r, uint32_t *v, size_t min, const char *what) {
  if (!g32(r, v, what)) return false;
  if ((uint64_t)*v * min > left(r)) return rfail(r, "%s %u exceeds the remaining %zu bytes", what, *v, left(r));
  return true;
}
static void *alloc_n(rd *r, uint32_t n, size_t sz) {
  void *p = calloc(n ? n : 1, sz);
  if (!p) rfail(r, "out of memory");
  return p;
}
static bool gstr(rd *r, char **out, const char *what) {
  uint32_t l;
  if (!g32(r, &l, what)) return false;
  if (l > left(r)) return rfail(r, "%s length %u exceeds the remaining %zu bytes", what, l, left(r));
  if (memchr(r->p + r->pos, 0, l)) return rfail(r, "%s contains a NUL byte", what);
  char *s = malloc((size_t)l + 1);
  if (!s) return rfail(r, "out of memory");
  memcpy(s, r->p + r->pos, l);
  s[l] = 0;
  r->pos += l;
  *out = s;
  return true;
}
static bool gval(rd *r, wrt_snap_value *v, const char *what) {
  if (!g8(r, &v->type, what)) return false;
  size_t sz = wrt_valtype_size(v->type);
  if (!sz) return rfail(r, "%s has unknown value type 0x%02x", what, v->type);
  return get(r, v->bits, sz, what);
}

static bool sec_info(rd *r, wrt_snapshot *s) {
  uint8_t pad[3];
  if (!g8(r, &s->arch, "arch") || !get(r, pad, 3, "padding") || !g32(r, &s->abi, "ABI version") ||
      !g64(r, &s->time_ns, "time") || !g32(r, &s->reason, "reason") || !g32(r, &s->seq, "sequence number"))
    return false;
  if (s->arch != 1 && s->arch != 2) return rfail(r, "unknown source architecture %u", s->arch);
  if (s->reason < 1 || s->reason > 4) return rfail(r, "unknown reason %u", s->reason);
  return true;
}

static bool sec_frames(rd *r, wrt_snapshot *s) {
  if (!gcount(r, &s->nframes, 24, "frame count")) return false;
  if (!(s->frames = alloc_n(r, s->nframes, sizeof *s->frames))) return false;
  for (uint32_t i = 0; i < s->nframes; i++) {
    wrt_snap_frame *f = &s->frames[i];
    uint32_t zero;
    char what[64];
    snprintf(what, sizeof what, "frame %u", i);
    if (!g32(r, &f->func, what) || !g32(r, &zero, what) || !g64(r, &f->point, what) ||
        !g32(r, &f->nlocals, what) || !g32(r, &f->nstack, what))
      return false;
    uint64_t nv = (uint64_t)f->nlocals + f->nstack;
    if (nv * 5 > left(r)) return rfail(r, "frame %u: %llu values exceed the remaining %zu bytes", i,
                                       (unsigned long long)nv, left(r));
    if ((uint32_t)(f->point >> 32) != f->func)
      return rfail(r, "frame %u: point 0x%llx does not belong to function %u", i, (unsigned long long)f->point, f->func);
    if (!(f->vals = alloc_n(r, (uint32_t)nv, sizeof *f->vals))) return false;
    for (uint64_t k = 0; k < nv; k++) {
      snprintf(what, sizeof what, "frame %u value %llu", i, (unsigned long long)k);
      if (!gval(r, &f->vals[k], what)) return false;
    }
  }
  return true;
}

static bool sec_globals(rd *r, wrt_snapshot *s) {
  if (!gcount(r, &s->nglobals, 5, "global count")) return false;
  if (!(s->globals = alloc_n(r, s->nglobals, sizeof *s->globals))) return false;
  for (uint32_t i = 0; i < s->nglobals; i++) {
    char what[32];
    snprintf(what, sizeof what, "global %u", i);
    if (!gval(r, &s->globals[i], what)) return false;
  }
  return true;
}

static bool sec_tables(rd *r, wrt_snapshot *s) {
  if (!gcount(r, &s->ntables, 12, "table count")) return false;
  if (!(s->tables = alloc_n(r, s->ntables, sizeof *s->tables))) return false;
  for (uint32_t i = 0; i < s->ntables; i++) {
    wrt_snap_table *t = &s->tables[i];
    uint8_t pad[3];
    char what[32];
    snprintf(what, sizeof what, "table %u", i);
    if (!g32(r, &t->size, what) || !g32(r, &t->max, what) || !g8(r, &t->type, what) || !get(r, pad, 3, what))
      return false;
    if (t->type != WRT_FUNCREF && t->type != WRT_EXTERNREF)
      return rfail(r, "table %u has element type 0x%02x", i, t->type);
    if (t->max != WRT_NO_MAX && t->size > t->max) return rfail(r, "table %u: size %u > max %u", i, t->size, t->max);
    if ((uint64_t)t->size * 4 > left(r))
      return rfail(r, "table %u: %u entries exceed the remaining %zu bytes", i, t->size, left(r));
    if (!(t->elems = alloc_n(r, t->size, 4))) return false;
    get(r, t->elems, (size_t)t->size * 4, what);
  }
  return true;
}

/* Decompresses one memory chunk (a zstd frame) into dst (count pages), with the
 * caller's context dctx (NULL: a temporary one). 0, or -1 when it is not exactly that. */
int wrt_snapshot_inflate(const wrt_snap_chunk *c, uint8_t *dst, void *dctx) {
  size_t want = (size_t)c->count * WRT_PAGE_SIZE;
  size_t got = dctx ? ZSTD_decompressDCtx(dctx, dst, want, c->data, c->clen) : ZSTD_decompress(dst, want, c->data, c->clen);
  return !ZSTD_isError(got) && got == want ? 0 : -1;
}

static bool sec_memory(rd *r, wrt_snapshot *s) {
  if (!g32(r, &s->mem_pages, "page count") || !g32(r, &s->mem_max, "max pages") ||
      !gcount(r, &s->nchunks, 12, "chunk count"))
    return false;
  if (s->mem_pages > 65536) return rfail(r, "%u pages exceed 4 GiB", s->mem_pages);
  if (s->mem_max != WRT_NO_MAX && s->mem_pages > s->mem_max)
    return rfail(r, "%u pages exceed the maximum %u", s->mem_pages, s->mem_max);
  if (!(s->chunks = alloc_n(r, s->nchunks, sizeof *s->chunks))) return false;
  uint64_t next = 0;
  for (uint32_t i = 0; i < s->nchunks; i++) {
    wrt_snap_chunk *c = &s->chunks[i];
    char what[32];
    snprintf(what, sizeof what, "chunk %u", i);
    if (!g32(r, &c->first, what) || !g32(r, &c->count, what) || !g32(r, &c->clen, what)) return false;
    if (c->count == 0) return rfail(r, "chunk %u is empty", i);
    if (c->first < next) return rfail(r, "chunk %u (page %u) overlaps or is out of order", i, c->first);
    if ((uint64_t)c->first + c->count > s->mem_pages)
      return rfail(r, "chunk %u (pages %u..%llu) beyond the memory size of %u pages", i, c->first,
                   (unsigned long long)c->first + c->count - 1, s->mem_pages);
    if (c->clen > left(r)) return rfail(r, "chunk %u: %u compressed bytes exceed the remaining %zu", i, c->clen, left(r));
    c->data = r->p + r->pos;
    r->pos += c->clen;
    /* one whole zstd frame that says it holds exactly count pages; the pages themselves are
     * inflated (and checked) by wrt_snapshot_inflate when they are needed */
    if (ZSTD_findFrameCompressedSize(c->data, c->clen) != c->clen ||
        ZSTD_getFrameContentSize(c->data, c->clen) != (unsigned long long)c->count * WRT_PAGE_SIZE)
      return rfail(r, "chunk %u is not one zstd frame of exactly %u pages", i, c->count);
    next = (uint64_t)c->first + c->count;
  }
  return true;
}

static bool sec_segments(rd *r, wrt_snapshot *s) {
  if (!gcount(r, &s->ndata, 1, "data segment count")) return false;
  if (!(s->data_dropped = alloc_n(r, s->ndata, 1)) || !get(r, s->data_dropped, s->ndata, "data flags")) return false;
  if (!gcount(r, &s->nelem, 1, "element segment count")) return false;
  if (!(s->elem_dropped = alloc_n(r, s->nelem, 1)) || !get(r, s->elem_dropped, s->nelem, "element flags")) return false;
  for (uint32_t i = 0; i < s->ndata; i++) if (s->data_dropped[i] > 1) return rfail(r, "data segment %u flag %u", i, s->data_dropped[i]);
  for (uint32_t i = 0; i < s->nelem; i++) if (s->elem_dropped[i] > 1) return rfail(r, "element segment %u flag %u", i, s->elem_dropped[i]);
  return true;
}

static bool sec_wasi(rd *r, wrt_snapshot *s) {
  if (!gcount(r, &s->argc, 4, "argument count")) return false;
  if (!(s->argv = alloc_n(r, s->argc + 1, sizeof(char *)))) return false;
  for (uint32_t i = 0; i < s->argc; i++) if (!gstr(r, &s->argv[i], "argument")) return false;
  if (!gcount(r, &s->envc, 4, "environment count")) return false;
  if (!(s->envp = alloc_n(r, s->envc + 1, sizeof(char *)))) return false;
  for (uint32_t i = 0; i < s->envc; i++) {
    if (!gstr(r, &s->envp[i], "environment variable")) return false;
    if (!strchr(s->envp[i], '=')) return rfail(r, "environment entry %u has no '='", i);
  }
  if (!gcount(r, &s->npreopens, 12, "preopen count")) return false;
  if (!(s->preopens = alloc_n(r, s->npreopens, sizeof *s->preopens))) return false;
  for (uint32_t i = 0; i < s->npreopens; i++) {
    wrt_snap_preopen *p = &s->preopens[i];
    if (!g32(r, &p->fd, "preopen") || !gstr(r, &p->guest, "preopen guest path") || !gstr(r, &p->host, "preopen host path"))
      return false;
    if (p->fd < 3 || p->fd > 1u << 20) return rfail(r, "preopen %u has fd %u", i, p->fd);
  }
  if (!gcount(r, &s->nfiles, 48, "open file count")) return false;
  if (!(s->files = alloc_n(r, s->nfiles, sizeof *s->files))) return false;
  for (uint32_t i = 0; i < s->nfiles; i++) {
    wrt_snap_file *f = &s->files[i];
    uint8_t pad[3];
    if (!g32(r, &f->fd, "file") || !g8(r, &f->kind, "file") || !get(r, pad, 3, "file") ||
        !g32(r, &f->preopen, "file") || !gstr(r, &f->path, "file path") || !g32(r, &f->oflags, "file") ||
        !g32(r, &f->fdflags, "file") || !g64(r, &f->rights_base, "file") || !g64(r, &f->rights_inh, "file") ||
        !g64(r, &f->offset, "file"))
      return false;
    if (f->kind != 1 && f->kind != 2) return rfail(r, "file %u has kind %u", i, f->kind);
    if (f->fd < 3 || f->fd > 1u << 20) return rfail(r, "file %u has fd %u", i, f->fd);
    bool found = false;
    for (uint32_t k = 0; k < s->npreopens; k++) found |= s->preopens[k].fd == f->preopen;
    if (!found) return rfail(r, "file %u refers to preopen fd %u, which is not listed", i, f->preopen);
    if (f->offset > INT64_MAX) return rfail(r, "file %u offset too large", i);
  }
  /* fd numbers are unique */
  for (uint32_t i = 0; i < s->npreopens + s->nfiles; i++) {
    uint32_t a = i < s->npreopens ? s->preopens[i].fd : s->files[i - s->npreopens].fd;
    for (uint32_t k = i + 1; k < s->npreopens + s->nfiles; k++) {
      uint32_t b = k < s->npreopens ? s->preopens[k].fd : s->files[k - s->npreopens].fd;
      if (a == b) return rfail(r, "fd %u is listed twice", a);
    }
  }
  return true;
}

static bool sec_native(rd *r, wrt_snapshot *s) {
  s->has_native = true;
  if (!gcount(r, &s->nnative, 12, "native frame count")) return false;
  if (!(s->native = alloc_n(r, s->nnative, sizeof *s->native))) return false;
  for (uint32_t i = 0; i < s->nnative; i++) {
    wrt_snap_native *n = &s->native[i];
    if (!g64(r, &n->ret_addr, "native frame") || !gcount(r, &n->nvals, 8, "native value count")) return false;
    if (!(n->locs = alloc_n(r, n->nvals, sizeof *n->locs))) return false;
    for (uint32_t k = 0; k < n->nvals; k++) {
      wrt_snap_loc *l = &n->locs[k];
      if (!g8(r, &l->kind, "location") || !g8(r, &l->size, "location") || !get(r, &l->reg, 2, "location") ||
          !get(r, &l->off, 4, "location"))
        return false;
      if (l->kind < 1 || l->kind > 5) return rfail(r, "native frame %u value %u has location kind %u", i, k, l->kind);
    }
  }
  return true;
}

static const char *const sect_names[] = { "?", "INFO", "FRAMES", "GLOBALS", "TABLES", "MEMORY", "SEGMENTS", "WASI", "NATIVE" };

/* map_len != 0: buf is a read-only mapping of the file (unmapped with the snapshot) */
static int decode(uint8_t *buf, size_t len, size_t map_len, const uint8_t *expected_hash, wrt_snapshot *s,
                  char *err, size_t errlen) {
  memset(s, 0, sizeof *s);
  s->buf = buf;
  s->buf_map_len = map_len;
#define HFAIL(...) do { snprintf(err, errlen, __VA_ARGS__); goto fail; } while (0)
  if (len < WSNAP_HEADER) HFAIL("file too short for a snapshot header (%zu of 64 bytes)", len);
  if (memcmp(buf, "WANCOSNP", 8) != 0) HFAIL("not a wanco snapshot (bad magic)");
  uint32_t hcrc, version, hsize, bcrc;
  uint64_t blen;
  memcpy(&hcrc, buf + 60, 4);
  if ((uint32_t)crc32(crc32(0, Z_NULL, 0), buf, 60) != hcrc) HFAIL("header checksum mismatch (corrupted header)");
  memcpy(&version, buf + 8, 4);
  if (version != WSNAP_VERSION) HFAIL("snapshot format version %u, this runtime reads version %u", version, WSNAP_VERSION);
  memcpy(&hsize, buf + 12, 4);
  if (hsize != WSNAP_HEADER) HFAIL("header size %u, expected 64", hsize);
  memcpy(&blen, buf + 48, 8);
  if (blen != len - WSNAP_HEADER)
    HFAIL("file is %zu bytes, header says %llu (truncated or extended)", len, (unsigned long long)blen + WSNAP_HEADER);
  memcpy(&bcrc, buf + 56, 4);
  uint32_t crc = (uint32_t)crc32(0, Z_NULL, 0);
  for (size_t off = WSNAP_HEADER; off < len;) {
    size_t k = len - off > (1u << 30) ? (1u << 30) : len - off;
    crc = (uint32_t)crc32(crc, buf + off, (uInt)k);
    off += k;
  }
  if (crc != bcrc) HFAIL("body checksum mismatch (corrupted file)");
  memcpy(s->module_hash, buf + 16, 32);
  if (expected_hash && memcmp(s->module_hash, expected_hash, 32) != 0)
    HFAIL("snapshot was taken from a different module (module hash mismatch)");

  rd r = { buf, len, WSNAP_HEADER, "body", err, errlen, false };
  uint32_t next = SNAP_INFO;
  while (r.pos < r.n) {
    uint32_t tag, flags;
    uint64_t slen;
    r.sect = "body";
    if (!g32(&r, &tag, "section header") || !g32(&r, &flags, "section header") || !g64(&r, &slen, "section header"))
      goto fail;
    if (slen > left(&r)) { rfail(&r, "section %u length %llu exceeds the remaining %zu bytes", tag, (unsigned long long)slen, left(&r)); goto fail; }
    if (tag >= 100) { r.pos += slen; continue; }
    if (tag != next && !(tag == SNAP_NATIVE && next == SNAP_NATIVE)) {
      if (tag >= SNAP_INFO && tag <= SNAP_NATIVE) rfail(&r, "section %s (%u) where %s (%u) was expected", sect_names[tag], tag,
                                                        next <= SNAP_NATIVE ? sect_names[next] : "end of file", next);
      else rfail(&r, "unknown section tag %u", tag);
      goto fail;
    }
    if (flags != 0) { rfail(&r, "section %s has flags 0x%x", sect_names[tag], flags); goto fail; }
    rd sub = { buf, r.pos + slen, r.pos, sect_names[tag], err, errlen, false };
    bool ok;
    switch (tag) {
    case SNAP_INFO: ok = sec_info(&sub, s); break;
    case SNAP_FRAMES: ok = sec_frames(&sub, s); break;
    case SNAP_GLOBALS: ok = sec_globals(&sub, s); break;
    case SNAP_TABLES: ok = sec_tables(&sub, s); break;
    case SNAP_MEMORY: ok = sec_memory(&sub, s); break;
    case SNAP_SEGMENTS: ok = sec_segments(&sub, s); break;
    case SNAP_WASI: ok = sec_wasi(&sub, s); break;
    default: ok = sec_native(&sub, s); break;
    }
    if (!ok) goto fail;
    if (sub.pos != sub.n) { rfail(&sub, "%zu unexpected bytes at the end", sub.n - sub.pos); goto fail; }
    r.pos += slen;
    next = tag + 1;
  }
  if (next <= SNAP_WASI) HFAIL("section %s (%u) is missing", sect_names[next], next);
  return 0;
fail:
  wrt_snapshot_free(s);
  return -1;
#undef HFAIL
}

int wrt_snapshot_decode(uint8_t *buf, size_t len, const uint8_t *expected_hash, wrt_snapshot *s,
                        char *err, size_t errlen) {
  return decode(buf, len, 0, expected_hash, s, err, errlen);
}

int wrt_snapshot_read_file(const char *path, const uint8_t *expected_hash, wrt_snapshot *s, char *err, size_t errlen) {
  memset(s, 0, sizeof *s);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) { snprintf(err, errlen, "cannot open: %s", strerror(errno)); return -1; }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    snprintf(err, errlen, "not a regular file");
    close(fd);
    return -1;
  }
  size_t len = (size_t)st.st_size;
  /* mapped, not read: no copy of a snapshot of hundreds of MB, and its pages come in one go */
  if (len >= WSNAP_HEADER) {
    void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (m != MAP_FAILED) {
      close(fd);
      return decode(m, len, len, expected_hash, s, err, errlen);
    }
  }
  uint8_t *buf = malloc(len ? len : 1);
  if (!buf) { snprintf(err, errlen, "out of memory (%zu bytes)", len); close(fd); return -1; }
  size_t got = 0;
  while (got < len) {
    ssize_t k = read(fd, buf + got, len - got);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;
    got += (size_t)k;
  }
  close(fd);
  return wrt_snapshot_decode(buf, got, expected_hash, s, err, errlen);
}

void wrt_snapshot_free(wrt_snapshot *s) {
  if (!s->borrowed) {
    for (uint32_t i = 0; s->frames && i < s->nframes; i++) free(s->frames[i].vals);
    free(s->frames);
    free(s->globals);
    for (uint32_t i = 0; s->tables && i < s->ntables; i++) free(s->tables[i].elems);
    free(s->tables);
    free(s->chunks);
    free(s->data_dropped);
    free(s->elem_dropped);
    for (uint32_t i = 0; s->argv && i < s->argc; i++) free(s->argv[i]);
    free(s->argv);
    for (uint32_t i = 0; s->envp && i < s->envc; i++) free(s->envp[i]);
    free(s->envp);
    for (uint32_t i = 0; s->preopens && i < s->npreopens; i++) { free(s->preopens[i].guest); free(s->preopens[i].host); }
    free(s->preopens);
    for (uint32_t i = 0; s->files && i < s->nfiles; i++) free(s->files[i].path);
    free(s->files);
    for (uint32_t i = 0; s->native && i < s->nnative; i++) free(s->native[i].locs);
    free(s->native);
  }
  if (s->buf_map_len) munmap(s->buf, s->buf_map_len);
  else free(s->buf);
  memset(s, 0, sizeof *s);
}
