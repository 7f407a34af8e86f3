/*
 * snapshot_read.c — reads and validates a snapshot (docs/snapshot-format.md).
 * The rules are the format document's, the same ones the TypeScript reader
 * (compiler-core/src/snapshot/reader.ts) applies: test/fuzz/snapshots.test.ts
 * runs both on mutated snapshots and fails when they disagree. Every count and
 * length is checked against the remaining bytes before use, and each problem
 * gives its own message naming the section, its file offset and the item.
 * Decoding checks everything but the contents of the memory chunks' zstd
 * blocks; those are inflated by --restore (straight into linear memory) or by
 * wrt_snapshot_check_memory. Nothing is applied to the program here.
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
  size_t n, pos;          /* pos and n are file offsets */
  const char *sect;
  char *err;
  size_t errlen;
  bool failed;
} rd;

/* "<SECTION> section at 0x<offset>: <what is wrong>" (offset: where the bad item starts) */
static bool rfail_at(rd *r, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool rfail_at(rd *r, size_t at, const char *fmt, ...) {
  if (r->failed) return false;
  r->failed = true;
  int k = snprintf(r->err, r->errlen, "%s section at 0x%zx: ", r->sect, at);
  if (k < 0 || (size_t)k >= r->errlen) k = 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->err + k, r->errlen - (size_t)k, fmt, ap);
  va_end(ap);
  return false;
}
#define rfail(r, ...) rfail_at((r), (r)->pos, __VA_ARGS__)

static size_t left(const rd *r) { return r->n - r->pos; }
static bool get(rd *r, void *out, size_t k, const char *what) {
  if (r->failed) return false;
  if (k > left(r)) return rfail(r, "truncated %s (needs %zu bytes, %zu left)", what, k, left(r));
  if (out) memcpy(out, r->p + r->pos, k);
  r->pos += k;
  return true;
}
static bool g8(rd *r, uint8_t *v, const char *w) { return get(r, v, 1, w); }
static bool g32(rd *r, uint32_t *v, const char *w) { return get(r, v, 4, w); }
static bool g64(rd *r, uint64_t *v, const char *w) { return get(r, v, 8, w); }
/* Padding: n zero bytes. */
static bool gpad(rd *r, size_t n, const char *what) {
  size_t at = r->pos;
  uint8_t b[4] = { 0 };
  if (!get(r, b, n, what)) return false;
  for (size_t i = 0; i < n; i++)
    if (b[i]) return rfail_at(r, at, "%s: padding byte %zu is 0x%02x, must be 0", what, i, b[i]);
  return true;
}
/* A count of items of at least `min` bytes each. */
static bool gcount(rd *r, uint32_t *v, size_t min, const char *what) {
  size_t at = r->pos;
  if (!g32(r, v, what)) return false;
  if ((uint64_t)*v * min > left(r)) return rfail_at(r, at, "%s %u exceeds the remaining %zu bytes", what, *v, left(r));
  return true;
}
static void *alloc_n(rd *r, uint32_t n, size_t sz) {
  void *p = calloc(n ? n : 1, sz);
  if (!p) rfail(r, "out of memory");
  return p;
}

bool wrt_snap_string_ok(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n;) {
    uint8_t c = p[i];
    if (c == 0) return false;
    if (c < 0x80) { i++; continue; }
    size_t k;
    uint8_t lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) k = 1;
    else if (c >= 0xE0 && c <= 0xEF) { k = 2; if (c == 0xE0) lo = 0xA0; if (c == 0xED) hi = 0x9F; }
    else if (c >= 0xF0 && c <= 0xF4) { k = 3; if (c == 0xF0) lo = 0x90; if (c == 0xF4) hi = 0x8F; }
    else return false;
    if (n - i <= k) return false;
    if (p[i + 1] < lo || p[i + 1] > hi) return false;
    for (size_t j = 2; j <= k; j++) if (p[i + j] < 0x80 || p[i + j] > 0xBF) return false;
    i += k + 1;
  }
  return true;
}

static bool gstr(rd *r, char **out, const char *what) {
  size_t at = r->pos;
  uint32_t l;
  if (!g32(r, &l, what)) return false;
  if (l > left(r)) return rfail_at(r, at, "%s length %u exceeds the remaining %zu bytes", what, l, left(r));
  if (memchr(r->p + r->pos, 0, l)) return rfail_at(r, at, "%s contains a NUL byte", what);
  if (!wrt_snap_string_ok(r->p + r->pos, l)) return rfail_at(r, at, "%s is not valid UTF-8", what);
  char *s = malloc((size_t)l + 1);
  if (!s) return rfail(r, "out of memory");
  memcpy(s, r->p + r->pos, l);
  s[l] = 0;
  r->pos += l;
  *out = s;
  return true;
}

static bool gval(rd *r, wrt_snap_value *v, const char *what) {
  size_t at = r->pos;
  if (!g8(r, &v->type, what)) return false;
  size_t sz = wrt_valtype_size(v->type);
  if (!sz) return rfail_at(r, at, "%s has unknown value type 0x%02x", what, v->type);
  if (!get(r, v->bits, sz, what)) return false;
  uint32_t idx;
  memcpy(&idx, v->bits, 4);
  if (v->type == WRT_EXTERNREF && idx != SNAP_NULL_REF)
    return rfail_at(r, at, "%s is a non-null externref (0x%x), which cannot be saved", what, idx);
  return true;
}

static bool sec_info(rd *r, wrt_snapshot *s) {
  if (!g8(r, &s->arch, "arch") || !gpad(r, 3, "arch") || !g32(r, &s->abi, "ABI version") ||
      !g64(r, &s->time_ns, "time") || !g32(r, &s->reason, "reason") || !g32(r, &s->seq, "sequence number"))
    return false;
  if (s->arch != SNAP_ARCH_X86_64 && s->arch != SNAP_ARCH_AARCH64)
    return rfail_at(r, r->pos - 24, "unknown source architecture %u", s->arch);
  if (s->reason < SNAP_REASON_SIGNAL || s->reason > SNAP_REASON_EXIT) return rfail_at(r, r->pos - 8, "unknown reason %u", s->reason);
  if (s->seq == 0) return rfail_at(r, r->pos - 4, "sequence number 0 (the first checkpoint of a run is 1)");
  return true;
}

static bool sec_frames(rd *r, wrt_snapshot *s) {
  if (!gcount(r, &s->nframes, 24, "frame count")) return false;
  if (s->nframes == 0) return rfail_at(r, r->pos - 4, "no frames (there is at least the entry function's)");
  if (!(s->frames = alloc_n(r, s->nframes, sizeof *s->frames))) return false;
  for (uint32_t i = 0; i < s->nframes; i++) {
    wrt_snap_frame *f = &s->frames[i];
    size_t at = r->pos;
    char what[64];
    snprintf(what, sizeof what, "frame %u", i);
    if (!g32(r, &f->func, what) || !gpad(r, 4, what) || !g64(r, &f->point, what) ||
        !g32(r, &f->nlocals, what) || !g32(r, &f->nstack, what))
      return false;
    uint64_t nv = (uint64_t)f->nlocals + f->nstack;
    if (nv * 5 > left(r)) return rfail_at(r, at, "frame %u: %llu values exceed the remaining %zu bytes", i,
                                          (unsigned long long)nv, left(r));
    if (WRT_POINT_ID_FUNC(f->point) != f->func)
      return rfail_at(r, at, "frame %u: point 0x%llx does not belong to function %u", i, (unsigned long long)f->point, f->func);
    if (!(f->vals = alloc_n(r, (uint32_t)nv, sizeof *f->vals))) return false;
    for (uint64_t k = 0; k < nv; k++) {
      if (k < f->nlocals) snprintf(what, sizeof what, "frame %u local %llu", i, (unsigned long long)k);
      else snprintf(what, sizeof what, "frame %u stack value %llu", i, (unsigned long long)(k - f->nlocals));
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
    size_t at = r->pos;
    char what[32];
    snprintf(what, sizeof what, "table %u", i);
    if (!g32(r, &t->size, what) || !g32(r, &t->max, what) || !g8(r, &t->type, what) || !gpad(r, 3, what))
      return false;
    if (t->type != WRT_FUNCREF && t->type != WRT_EXTERNREF)
      return rfail_at(r, at, "table %u has element type 0x%02x", i, t->type);
    if (t->max != SNAP_NULL_REF && t->size > t->max) return rfail_at(r, at, "table %u: size %u > max %u", i, t->size, t->max);
    if ((uint64_t)t->size * 4 > left(r))
      return rfail_at(r, at, "table %u: %u entries exceed the remaining %zu bytes", i, t->size, left(r));
    if (!(t->elems = alloc_n(r, t->size, 4))) return false;
    size_t el = r->pos;
    get(r, t->elems, (size_t)t->size * 4, what);
    if (t->type == WRT_EXTERNREF)
      for (uint32_t k = 0; k < t->size; k++)
        if (t->elems[k] != SNAP_NULL_REF)
          return rfail_at(r, el + 4 * (size_t)k, "table %u element %u is a non-null externref (0x%x), which cannot be saved", i, k, t->elems[k]);
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

static uint64_t le(const uint8_t *p, unsigned n) {
  uint64_t v = 0;
  for (unsigned i = n; i-- > 0;) v = v << 8 | p[i];
  return v;
}

/* The frame rules of a memory chunk (docs/snapshot-format.md, MEMORY) that need no decompression:
 * the frame header, the block headers and the trailing checksum. NULL when they hold, else what is
 * wrong (in buf). The zstd library, which --restore uses, checks the blocks' contents. */
static const char *chunk_frame_problem(const uint8_t *p, size_t n, uint64_t content, char *buf, size_t buflen) {
#define BAD(...) do { snprintf(buf, buflen, __VA_ARGS__); return buf; } while (0)
  if (n < 5 || le(p, 4) != 0xFD2FB528u) BAD("not a zstd frame (no frame magic 28 b5 2f fd)");
  uint8_t fhd = p[4];
  unsigned fcs_flag = fhd >> 6, single = (fhd >> 5) & 1, checksum = (fhd >> 2) & 1, dict = fhd & 3;
  if (fhd & 0x18) BAD("frame header descriptor 0x%02x has its unused or reserved bit set", fhd);
  if (!checksum) BAD("frame has no content checksum");
  if (dict) BAD("frame names a dictionary");
  unsigned fcs_size = fcs_flag ? 1u << fcs_flag : single;
  if (!fcs_size) BAD("frame does not state its content size");
  size_t hsize = 5 + !single + fcs_size;
  if (n < hsize) BAD("frame header truncated (%zu of %zu bytes)", n, hsize);
  uint64_t window = 0;
  if (!single) {
    unsigned exp = p[5] >> 3, mant = p[5] & 7, wlog = 10 + exp;
    if (wlog > SNAP_MAX_WINDOW_LOG) BAD("window of 2^%u bytes is larger than 2^%u", wlog, SNAP_MAX_WINDOW_LOG);
    window = (1ull << wlog) + ((1ull << wlog) >> 3) * mant;
  }
  uint64_t fcs = le(p + 5 + !single, fcs_size) + (fcs_size == 2 ? 256 : 0);
  if (single) window = fcs;
  if (fcs != content) BAD("frame content size %llu, expected %llu", (unsigned long long)fcs, (unsigned long long)content);
  uint64_t block_max = window < SNAP_BLOCK_MAX ? window : SNAP_BLOCK_MAX, bound = 0;
  size_t pos = hsize;
  for (unsigned b = 0;; b++) {
    if (n - pos < 3) BAD("block %u header truncated at frame offset %zu", b, pos);
    uint32_t h = (uint32_t)le(p + pos, 3), type = (h >> 1) & 3, size = h >> 3;
    if (type == 3) BAD("block %u at frame offset %zu has the reserved block type", b, pos);
    if (size > block_max) BAD("block %u at frame offset %zu: size %u exceeds the block maximum %llu", b, pos, size, (unsigned long long)block_max);
    size_t payload = type == 1 ? 1 : size;
    if (n - pos - 3 < payload) BAD("block %u at frame offset %zu: %zu payload bytes, %zu left", b, pos, payload, n - pos - 3);
    bound += type == 2 ? SNAP_BLOCK_MAX : size;
    pos += 3 + payload;
    if (h & 1) break;
  }
  if (n - pos != 4) BAD("%zu bytes after the last block, expected the 4-byte content checksum", n - pos);
  if (bound < content) BAD("blocks can hold at most %llu bytes, fewer than the content size", (unsigned long long)bound);
  return NULL;
#undef BAD
}

static bool sec_memory(rd *r, wrt_snapshot *s) {
  size_t at = r->pos;
  if (!g32(r, &s->mem_pages, "page count") || !g32(r, &s->mem_max, "max pages") ||
      !gcount(r, &s->nchunks, 12, "chunk count"))
    return false;
  if (s->mem_pages > SNAP_MAX_PAGES) return rfail_at(r, at, "%u pages exceed 4 GiB", s->mem_pages);
  if (s->mem_max != SNAP_NULL_REF && s->mem_max > SNAP_MAX_PAGES) return rfail_at(r, at, "maximum of %u pages exceeds 4 GiB", s->mem_max);
  if (s->mem_max != SNAP_NULL_REF && s->mem_pages > s->mem_max)
    return rfail_at(r, at, "%u pages exceed the maximum %u", s->mem_pages, s->mem_max);
  if (!(s->chunks = alloc_n(r, s->nchunks, sizeof *s->chunks))) return false;
  uint64_t next = 0;
  for (uint32_t i = 0; i < s->nchunks; i++) {
    wrt_snap_chunk *c = &s->chunks[i];
    char what[32];
    snprintf(what, sizeof what, "chunk %u", i);
    at = r->pos;
    if (!g32(r, &c->first, what) || !g32(r, &c->count, what) || !g32(r, &c->clen, what)) return false;
    if (c->count == 0) return rfail_at(r, at, "chunk %u is empty", i);
    if (c->first < next) return rfail_at(r, at, "chunk %u (page %u) overlaps or is out of order", i, c->first);
    if ((uint64_t)c->first + c->count > s->mem_pages)
      return rfail_at(r, at, "chunk %u (pages %u..%llu) beyond the memory size of %u pages", i, c->first,
                      (unsigned long long)c->first + c->count - 1, s->mem_pages);
    if (c->clen > left(r)) return rfail_at(r, at, "chunk %u: %u compressed bytes exceed the remaining %zu", i, c->clen, left(r));
    c->data = r->p + r->pos;
    char why[160];
    const char *bad = chunk_frame_problem(c->data, c->clen, (uint64_t)c->count * WRT_PAGE_SIZE, why, sizeof why);
    if (bad) return rfail_at(r, r->pos, "chunk %u (pages %u..%u): %s", i, c->first, c->first + c->count - 1, bad);
    r->pos += c->clen;
    next = (uint64_t)c->first + c->count;
  }
  return true;
}

int wrt_snapshot_check_memory(const wrt_snapshot *s, char *err, size_t errlen) {
  void *dctx = ZSTD_createDCtx();
  if (!dctx) { snprintf(err, errlen, "out of memory"); return -1; }
  int rc = 0;
  for (uint32_t i = 0; i < s->nchunks && rc == 0; i++) {
    const wrt_snap_chunk *c = &s->chunks[i];
    uint8_t *dst = malloc((size_t)c->count * WRT_PAGE_SIZE);
    if (!dst) { snprintf(err, errlen, "out of memory"); rc = -1; break; }
    if (wrt_snapshot_inflate(c, dst, dctx) != 0) {
      size_t want = (size_t)c->count * WRT_PAGE_SIZE;
      size_t got = ZSTD_decompressDCtx(dctx, dst, want, c->data, c->clen);
      snprintf(err, errlen, "MEMORY section at 0x%zx: chunk %u (pages %u..%u) does not decompress: %s", (size_t)(c->data - s->buf),
               i, c->first, c->first + c->count - 1, ZSTD_isError(got) ? ZSTD_getErrorName(got) : "wrong size");
      rc = -1;
    }
    free(dst);
  }
  ZSTD_freeDCtx(dctx);
  return rc;
}

static bool sec_segments(rd *r, wrt_snapshot *s) {
  if (!gcount(r, &s->ndata, 1, "data segment count")) return false;
  size_t at = r->pos;
  if (!(s->data_dropped = alloc_n(r, s->ndata, 1)) || !get(r, s->data_dropped, s->ndata, "data flags")) return false;
  for (uint32_t i = 0; i < s->ndata; i++) if (s->data_dropped[i] > 1) return rfail_at(r, at + i, "data segment %u flag %u", i, s->data_dropped[i]);
  if (!gcount(r, &s->nelem, 1, "element segment count")) return false;
  at = r->pos;
  if (!(s->elem_dropped = alloc_n(r, s->nelem, 1)) || !get(r, s->elem_dropped, s->nelem, "element flags")) return false;
  for (uint32_t i = 0; i < s->nelem; i++) if (s->elem_dropped[i] > 1) return rfail_at(r, at + i, "element segment %u flag %u", i, s->elem_dropped[i]);
  return true;
}

static bool fd_ok(uint32_t fd) { return fd >= SNAP_MIN_FD && fd <= SNAP_MAX_FD; }

static bool sec_wasi(rd *r, wrt_snapshot *s) {
  char what[48];
  if (!gcount(r, &s->argc, 4, "argument count")) return false;
  if (!(s->argv = alloc_n(r, s->argc + 1, sizeof(char *)))) return false;
  for (uint32_t i = 0; i < s->argc; i++) {
    snprintf(what, sizeof what, "argument %u", i);
    if (!gstr(r, &s->argv[i], what)) return false;
  }
  if (!gcount(r, &s->envc, 4, "environment count")) return false;
  if (!(s->envp = alloc_n(r, s->envc + 1, sizeof(char *)))) return false;
  for (uint32_t i = 0; i < s->envc; i++) {
    size_t at = r->pos;
    snprintf(what, sizeof what, "environment variable %u", i);
    if (!gstr(r, &s->envp[i], what)) return false;
    if (!strchr(s->envp[i], '=')) return rfail_at(r, at, "environment variable %u has no '='", i);
  }
  if (!gcount(r, &s->npreopens, 12, "preopen count")) return false;
  if (!(s->preopens = alloc_n(r, s->npreopens, sizeof *s->preopens))) return false;
  for (uint32_t i = 0; i < s->npreopens; i++) {
    wrt_snap_preopen *p = &s->preopens[i];
    size_t at = r->pos;
    snprintf(what, sizeof what, "preopen %u", i);
    if (!g32(r, &p->fd, what)) return false;
    snprintf(what, sizeof what, "preopen %u guest path", i);
    if (!gstr(r, &p->guest, what)) return false;
    snprintf(what, sizeof what, "preopen %u host path", i);
    if (!gstr(r, &p->host, what)) return false;
    if (!fd_ok(p->fd)) return rfail_at(r, at, "preopen %u has fd %u (not %u..%u)", i, p->fd, SNAP_MIN_FD, SNAP_MAX_FD);
  }
  if (!gcount(r, &s->nfiles, 48, "open file count")) return false;
  if (!(s->files = alloc_n(r, s->nfiles, sizeof *s->files))) return false;
  for (uint32_t i = 0; i < s->nfiles; i++) {
    wrt_snap_file *f = &s->files[i];
    size_t at = r->pos;
    snprintf(what, sizeof what, "file %u", i);
    if (!g32(r, &f->fd, what) || !g8(r, &f->kind, what) || !gpad(r, 3, what) || !g32(r, &f->preopen, what))
      return false;
    snprintf(what, sizeof what, "file %u path", i);
    if (!gstr(r, &f->path, what)) return false;
    snprintf(what, sizeof what, "file %u", i);
    if (!g32(r, &f->oflags, what) || !g32(r, &f->fdflags, what) || !g64(r, &f->rights_base, what) ||
        !g64(r, &f->rights_inh, what) || !g64(r, &f->offset, what))
      return false;
    if (f->kind != SNAP_FILE_REGULAR && f->kind != SNAP_FILE_DIRECTORY) return rfail_at(r, at, "file %u has kind %u", i, f->kind);
    if (!fd_ok(f->fd)) return rfail_at(r, at, "file %u has fd %u (not %u..%u)", i, f->fd, SNAP_MIN_FD, SNAP_MAX_FD);
    bool found = false;
    for (uint32_t k = 0; k < s->npreopens && !found; k++) found = s->preopens[k].fd == f->preopen;
    if (!found) return rfail_at(r, at, "file %u refers to preopen fd %u, which is not listed", i, f->preopen);
    if (f->offset > INT64_MAX) return rfail_at(r, at, "file %u offset %llu exceeds 2^63-1", i, (unsigned long long)f->offset);
  }
  /* fd numbers are unique (all are in 3..2^20 by now: one bit each) */
  uint32_t nfd = s->npreopens + s->nfiles;
  if (nfd > 1) {
    uint8_t *seen = calloc(SNAP_MAX_FD / 8 + 1, 1);
    if (!seen) return rfail(r, "out of memory");
    for (uint32_t i = 0; i < nfd; i++) {
      uint32_t fd = i < s->npreopens ? s->preopens[i].fd : s->files[i - s->npreopens].fd;
      if (seen[fd / 8] & (1u << (fd % 8))) {
        free(seen);
        return rfail(r, "fd %u is listed twice", fd);
      }
      seen[fd / 8] |= (uint8_t)(1u << (fd % 8));
    }
    free(seen);
  }
  return true;
}

static bool sec_native(rd *r, wrt_snapshot *s) {
  s->has_native = true;
  size_t at = r->pos;
  if (!gcount(r, &s->nnative, 12, "native frame count")) return false;
  if (s->nnative != s->nframes) return rfail_at(r, at, "%u native frames for %u frames", s->nnative, s->nframes);
  if (!(s->native = alloc_n(r, s->nnative, sizeof *s->native))) return false;
  for (uint32_t i = 0; i < s->nnative; i++) {
    wrt_snap_native *n = &s->native[i];
    at = r->pos;
    if (!g64(r, &n->ret_addr, "native frame") || !gcount(r, &n->nvals, 8, "native value count")) return false;
    uint64_t want = (uint64_t)s->frames[i].nlocals + s->frames[i].nstack;
    if (n->nvals != want) return rfail_at(r, at, "native frame %u has %u values, frame %u has %llu", i, n->nvals, i, (unsigned long long)want);
    if (!(n->locs = alloc_n(r, n->nvals, sizeof *n->locs))) return false;
    for (uint32_t k = 0; k < n->nvals; k++) {
      wrt_snap_loc *l = &n->locs[k];
      at = r->pos;
      if (!g8(r, &l->kind, "location") || !g8(r, &l->size, "location") || !get(r, &l->reg, 2, "location") ||
          !get(r, &l->off, 4, "location"))
        return false;
      if (l->kind < SM_REGISTER || l->kind > SM_CONSTINDEX) return rfail_at(r, at, "native frame %u value %u has location kind %u", i, k, l->kind);
    }
  }
  return true;
}

static const char *const sect_names[SNAP_NATIVE + 1] = { "?", "INFO", "FRAMES", "GLOBALS", "TABLES", "MEMORY", "SEGMENTS", "WASI", "NATIVE" };

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
  uint32_t last = 0; /* the last known section read; the next one must be last + 1 */
  while (r.pos < r.n) {
    size_t at = r.pos;
    uint32_t tag, flags;
    uint64_t slen;
    r.sect = "body";
    if (!g32(&r, &tag, "section header") || !g32(&r, &flags, "section header") || !g64(&r, &slen, "section header"))
      goto fail;
    if (slen > left(&r)) {
      rfail_at(&r, at, "section %u length %llu exceeds the remaining %zu bytes", tag, (unsigned long long)slen, left(&r));
      goto fail;
    }
    if (flags != 0) { rfail_at(&r, at, "section %u has flags 0x%x (must be 0)", tag, flags); goto fail; }
    if (tag >= SNAP_SKIPPED_TAGS) { r.pos += slen; continue; }
    if (tag < SNAP_INFO || tag > SNAP_NATIVE) { rfail_at(&r, at, "unknown section tag %u", tag); goto fail; }
    if (tag != last + 1) {
      if (last == SNAP_NATIVE) rfail_at(&r, at, "section %s (%u) after NATIVE, the last section", sect_names[tag], tag);
      else if (tag <= last) rfail_at(&r, at, "section %s (%u) repeated or out of order (after %s)", sect_names[tag], tag, sect_names[last]);
      else rfail_at(&r, at, "section %s (%u) where %s (%u) was expected", sect_names[tag], tag, sect_names[last + 1], last + 1);
      goto fail;
    }
    rd sub = { buf, r.pos + slen, r.pos, sect_names[tag], err, errlen, false };
    bool ok = false;
    switch (tag) {
    case SNAP_INFO: ok = sec_info(&sub, s); break;
    case SNAP_FRAMES: ok = sec_frames(&sub, s); break;
    case SNAP_GLOBALS: ok = sec_globals(&sub, s); break;
    case SNAP_TABLES: ok = sec_tables(&sub, s); break;
    case SNAP_MEMORY: ok = sec_memory(&sub, s); break;
    case SNAP_SEGMENTS: ok = sec_segments(&sub, s); break;
    case SNAP_WASI: ok = sec_wasi(&sub, s); break;
    case SNAP_NATIVE: ok = sec_native(&sub, s); break;
    }
    if (!ok) goto fail;
    if (sub.pos != sub.n) { rfail(&sub, "%zu unexpected bytes at the end", sub.n - sub.pos); goto fail; }
    r.pos += slen;
    last = tag;
  }
  if (last < SNAP_WASI) HFAIL("section %s (%u) is missing", sect_names[last + 1], last + 1);
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
