/*
 * cr_restore.c — --restore and the debugger's rewind: the snapshot is read,
 * checked against this module and applied (memory, globals, tables, segments,
 * reopened files); then the compiled restore variants, entered through
 * restore_entry, ask for the saved frames and their values one by one and
 * re-enter the calls the frames were in.
 */
#include "cr_internal.h"
#include "wasi.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

/* The frames being rebuilt: next is the frame the next restore variant takes, val the next value of cur. */
static struct {
  wrt_snapshot snap;
  bool active;
  uint32_t next, val;
  wrt_snap_frame *cur;
} rs;

bool wrt_cr_restoring(void) { return rs.active; }

static const char *restore_path;
static uint64_t restore_read_ns, restore_mem_ns; /* when the snapshot was read / memory was inflated (--cr-stats) */

static _Noreturn void restore_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static _Noreturn void restore_error(const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s: error: %s: ", wrt_prog_name, restore_path);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(2);
}

static uint32_t effective_max_pages(void) {
  uint32_t m = wrt_module.mem_max_pages;
  return (m == WRT_NO_MAX || m > 65536) ? 65536 : m;
}

/* Everything that must match the module, checked before anything is applied. */
static void check_against_module(const wrt_snapshot *s) {
  if (!wrt_module.num_points || !wrt_module.restore_entry || !wrt_cr_stackmap())
    restore_error("this program was compiled without checkpoint support (--no-checkpoint)");
  if (s->abi != WRT_ABI_VERSION) restore_error("snapshot ABI version %u, runtime %u", s->abi, WRT_ABI_VERSION);
  if (s->nframes == 0) restore_error("snapshot has no frames");
  for (uint32_t i = 0; i < s->nframes; i++) {
    const wrt_snap_frame *f = &s->frames[i];
    if (f->func >= wrt_module.num_funcs) restore_error("frame %u: function %u does not exist", i, f->func);
    const wrt_cr_point_desc *d = wrt_cr_find_point(f->point);
    if (!d || d->func_index != f->func) restore_error("frame %u: migration point 0x%llx does not exist in function %u", i, (unsigned long long)f->point, f->func);
    if (d->num_locals != f->nlocals || d->num_stack != f->nstack)
      restore_error("frame %u: %u locals and %u stack values, the point has %u and %u", i, f->nlocals, f->nstack, d->num_locals, d->num_stack);
    bool last = i + 1 == s->nframes;
    if ((d->kind == WRT_POINT_CALL) == last)
      restore_error("frame %u: point 0x%llx is %s", i, (unsigned long long)f->point, last ? "a call site, not a migration point" : "not a call site");
    for (uint32_t k = 0; k < f->nlocals + f->nstack; k++) {
      const wrt_snap_value *v = &f->vals[k];
      if (v->type != d->types[k]) restore_error("frame %u value %u: type 0x%02x, expected 0x%02x", i, k, v->type, d->types[k]);
      uint32_t idx;
      memcpy(&idx, v->bits, 4);
      if (v->type == WRT_FUNCREF && idx != 0xFFFFFFFFu && idx >= wrt_module.num_funcs) restore_error("frame %u value %u: function %u does not exist", i, k, idx);
      if (v->type == WRT_EXTERNREF && idx != 0xFFFFFFFFu) restore_error("frame %u value %u: non-null externref", i, k);
    }
  }
  if (s->nglobals != wrt_module.num_globals) restore_error("%u globals, the module has %u", s->nglobals, wrt_module.num_globals);
  for (uint32_t i = 0; i < s->nglobals; i++) {
    const wrt_snap_value *v = &s->globals[i];
    if (v->type != wrt_module.globals[i].type) restore_error("global %u: type 0x%02x, expected 0x%02x", i, v->type, wrt_module.globals[i].type);
    uint32_t idx;
    memcpy(&idx, v->bits, 4);
    if (v->type == WRT_FUNCREF && idx != 0xFFFFFFFFu && idx >= wrt_module.num_funcs) restore_error("global %u: function %u does not exist", i, idx);
    if (v->type == WRT_EXTERNREF && idx != 0xFFFFFFFFu) restore_error("global %u: non-null externref", i);
  }
  if (s->ntables != wrt_module.num_tables) restore_error("%u tables, the module has %u", s->ntables, wrt_module.num_tables);
  for (uint32_t t = 0; t < s->ntables; t++) {
    const wrt_snap_table *st = &s->tables[t];
    const wrt_table *tb = &wrt_module.tables[t];
    if (st->type != tb->elem_type) restore_error("table %u: element type 0x%02x, expected 0x%02x", t, st->type, tb->elem_type);
    if (st->size > 10000000u || (tb->max != WRT_NO_MAX && st->size > tb->max)) restore_error("table %u: size %u exceeds the maximum", t, st->size);
    for (uint32_t i = 0; i < st->size; i++) {
      uint32_t idx = st->elems[i];
      if (idx == 0xFFFFFFFFu) continue;
      if (st->type == WRT_EXTERNREF) restore_error("table %u element %u: non-null externref", t, i);
      if (idx >= wrt_module.num_funcs) restore_error("table %u element %u: function %u does not exist", t, i, idx);
    }
  }
  if (!(wrt_module.flags & WRT_MODULE_HAS_MEMORY)) {
    if (s->mem_pages) restore_error("snapshot has %u memory pages, the module has no memory", s->mem_pages);
  } else if (s->mem_pages < wrt_module.mem_min_pages || s->mem_pages > effective_max_pages()) {
    restore_error("%u memory pages, the module allows %u..%u", s->mem_pages, wrt_module.mem_min_pages, effective_max_pages());
  }
  if (s->ndata != wrt_module.num_data) restore_error("%u data segments, the module has %u", s->ndata, wrt_module.num_data);
  if (s->nelem != wrt_module.num_elem) restore_error("%u element segments, the module has %u", s->nelem, wrt_module.num_elem);
}

void wrt_cr_restore_prepare(const char *path) {
  char err[512];
  restore_path = path;
  if (wrt_snapshot_read_file(path, wrt_module.module_hash, &rs.snap, err, sizeof err) != 0) restore_error("%s", err);
  check_against_module(&rs.snap);
  /* the restored program sees its original arguments and environment */
  wrt_wasi_argc = (int)rs.snap.argc;
  wrt_wasi_argv = rs.snap.argv;
  wrt_wasi_envc = (int)rs.snap.envc;
  wrt_wasi_envp = rs.snap.envp;
  wrt_cr_set_seq(rs.snap.seq);
  restore_read_ns = wrt_now_ns();
}

static void restore_fds(const wrt_snapshot *s) {
  /* take the preopens given to this run out of the table */
  uint32_t n = wrt_nfds;
  wrt_fd *cur = calloc(n ? n : 1, sizeof *cur);
  if (!cur) restore_error("out of memory");
  uint32_t ncur = 0;
  for (uint32_t fd = 0; fd < n; fd++)
    if (wrt_fds[fd].kind == FDK_PREOPEN) {
      cur[ncur++] = wrt_fds[fd];
      memset(&wrt_fds[fd], 0, sizeof *wrt_fds);
      wrt_fds[fd].kind = FDK_FREE;
      wrt_fds[fd].host_fd = -1;
    }
  uint32_t maxfd = 2;
  for (uint32_t i = 0; i < s->npreopens; i++) if (s->preopens[i].fd > maxfd) maxfd = s->preopens[i].fd;
  for (uint32_t i = 0; i < s->nfiles; i++) if (s->files[i].fd > maxfd) maxfd = s->files[i].fd;
  if (wrt_fd_reserve(maxfd + 1) != 0) restore_error("out of memory");
  for (uint32_t i = 0; i < s->npreopens; i++) {
    const wrt_snap_preopen *p = &s->preopens[i];
    uint32_t k = 0;
    while (k < ncur && (cur[k].kind != FDK_PREOPEN || strcmp(cur[k].guest_path, p->guest) != 0)) k++;
    if (k == ncur) restore_error("the program had directory '%s' preopened as '%s': give it with --dir HOST::%s", p->host, p->guest, p->guest);
    wrt_fds[p->fd] = cur[k];
    wrt_fds[p->fd].preopen = p->fd;
    cur[k].kind = FDK_FREE;
  }
  for (uint32_t k = 0; k < ncur; k++) if (cur[k].kind == FDK_PREOPEN) wrt_fd_release(&cur[k]);
  free(cur);
  for (uint32_t i = 0; i < s->nfiles; i++) {
    const wrt_snap_file *f = &s->files[i];
    wrt_fd *base = &wrt_fds[f->preopen];
    wrt_resolved r;
    int32_t werr = wrt_resolve(base, f->path, (uint32_t)strlen(f->path), true, &r);
    if (werr) restore_error("cannot reopen '%s' in '%s' (fd %u): WASI errno %d", f->path, base->guest_path, f->fd, werr);
    bool dir = f->kind == 2;
    int flags = O_CLOEXEC;
    if (dir) flags |= O_DIRECTORY | O_RDONLY;
    else {
      uint64_t rb = f->rights_base;
      bool rd = rb & R_FD_READ;
      bool wr = (rb & (R_FD_DATASYNC | R_FD_WRITE | R_FD_ALLOCATE | R_FD_FILESTAT_SET_SIZE)) ||
                (f->oflags & OFLAG_TRUNC) || (f->fdflags & FDFLAG_APPEND);
      flags |= (rd && wr) ? O_RDWR : wr ? O_WRONLY : O_RDONLY;
      if (f->fdflags & FDFLAG_APPEND) flags |= O_APPEND;
      if (f->fdflags & FDFLAG_DSYNC) flags |= O_DSYNC;
      if (f->fdflags & FDFLAG_NONBLOCK) flags |= O_NONBLOCK;
      if (f->fdflags & FDFLAG_RSYNC) flags |= O_RSYNC;
      if (f->fdflags & FDFLAG_SYNC) flags |= O_SYNC;
    }
    /* never O_CREAT / O_TRUNC / O_EXCL: the file must be the one the program had */
    int hfd;
    do hfd = openat(r.dirfd, r.name, flags); while (hfd < 0 && errno == EINTR);
    int e = errno;
    wrt_resolved_done(&r);
    if (hfd < 0) restore_error("cannot reopen '%s' in '%s' (fd %u): %s", f->path, base->guest_path, f->fd, strerror(e));
    struct stat st;
    if (fstat(hfd, &st) != 0 || (S_ISDIR(st.st_mode) != dir))
      restore_error("'%s' in '%s' (fd %u) is no longer a %s", f->path, base->guest_path, f->fd, dir ? "directory" : "file");
    if (!dir && lseek(hfd, (off_t)f->offset, SEEK_SET) < 0 && errno != ESPIPE)
      restore_error("cannot seek '%s' to %llu: %s", f->path, (unsigned long long)f->offset, strerror(errno));
    wrt_fd *x = &wrt_fds[f->fd];
    memset(x, 0, sizeof *x);
    x->kind = dir ? FDK_DIR : FDK_FILE;
    x->filetype = wrt_filetype_of_mode(st.st_mode);
    x->fdflags = (uint16_t)f->fdflags;
    x->host_fd = hfd;
    x->preopen = f->preopen;
    x->rel_path = strdup(f->path);
    x->oflags = f->oflags;
    x->lookupflags = LOOKUP_SYMLINK_FOLLOW;
    x->rights_base = f->rights_base;
    x->rights_inheriting = f->rights_inh;
  }
}

/* Inflates memory chunk j into linear memory (chunks do not overlap: any thread, any order). */
static int inflate_chunk(void *ctx, uint32_t j, void **local) {
  if (j == UINT32_MAX) { ZSTD_freeDCtx(*local); *local = NULL; return 0; }
  wrt_snap_chunk *c = &((wrt_snapshot *)ctx)->chunks[j];
  if (!*local && !(*local = ZSTD_createDCtx())) return -1;
  if (wrt_snapshot_inflate(c, wrt_mem_base + (size_t)c->first * WRT_PAGE_SIZE, *local) == 0) return 0;
  c->bad = true;
  return -1;
}

/* A saved value as the compiled code holds it, written to out: a reference as a pointer. */
static void code_value(const wrt_snap_value *v, void *out) {
  if (v->type == WRT_FUNCREF || v->type == WRT_EXTERNREF) {
    uint32_t idx;
    memcpy(&idx, v->bits, 4);
    void *p = v->type == WRT_FUNCREF ? wrt_cr_funcref_ptr(idx) : NULL;
    memcpy(out, &p, sizeof p);
  } else {
    memcpy(out, v->bits, wrt_valtype_size(v->type));
  }
}

void wrt_cr_restore_apply(void) {
  wrt_snapshot *s = &rs.snap;
  /* memory */
  uint32_t cur = (uint32_t)(wrt_mem_size / WRT_PAGE_SIZE);
  if (s->mem_pages > cur && wrt_memory_grow(s->mem_pages - cur) < 0) restore_error("cannot grow memory to %u pages", s->mem_pages);
  if (wrt_parallel_run(s->nchunks, 0, inflate_chunk, NULL, s) != 0) {
    for (uint32_t i = 0; i < s->nchunks; i++)
      if (s->chunks[i].bad) restore_error("memory chunk %u (pages %u..%u) is corrupt", i, s->chunks[i].first, s->chunks[i].first + s->chunks[i].count - 1);
    restore_error("out of memory");
  }
  /* globals */
  for (uint32_t i = 0; i < s->nglobals; i++) {
    code_value(&s->globals[i], wrt_module.globals[i].addr);
  }
  /* tables */
  for (uint32_t t = 0; t < s->ntables; t++) {
    wrt_table *tb = &wrt_module.tables[t];
    const wrt_snap_table *st = &s->tables[t];
    void **e = realloc(tb->elems, (st->size ? st->size : 1) * sizeof(void *));
    if (!e) restore_error("out of memory");
    for (uint32_t i = 0; i < st->size; i++) e[i] = st->type == WRT_FUNCREF ? wrt_cr_funcref_ptr(st->elems[i]) : NULL;
    tb->elems = e;
    tb->size = st->size;
  }
  for (uint32_t i = 0; i < s->ndata; i++) wrt_data_set_dropped(i, s->data_dropped[i]);
  for (uint32_t i = 0; i < s->nelem; i++) wrt_elem_set_dropped(i, s->elem_dropped[i]);
  restore_fds(s);
  restore_mem_ns = wrt_now_ns();
  rs.active = true;
  rs.next = 0;
  rs.cur = NULL;
}

static void restore_done(void) {
  rs.active = false;
  rs.cur = NULL;
  if (wrt_cr_stats && restore_mem_ns) {
    uint64_t now = wrt_now_ns();
    fprintf(stderr, "wanco: restore stats: resumed %.3f ms after start (snapshot read and checked %.3f ms, memory %.3f ms, %u frames rebuilt %.3f ms)\n",
            wrt_ms_between(wrt_cr_start_ns, now), wrt_ms_between(wrt_cr_start_ns, restore_read_ns),
            wrt_ms_between(restore_read_ns, restore_mem_ns), rs.snap.nframes, wrt_ms_between(restore_mem_ns, now));
    restore_mem_ns = 0; /* once: later rewinds (the debugger's set_local) are not restores */
  }
}

uint64_t wrt_cr_restore_frame(uint32_t func_index) {
  if (!rs.active) wrt_fatal("restore: function %u asked for a saved frame, but none is left", func_index);
  if (rs.cur && rs.val != rs.cur->nlocals + rs.cur->nstack)
    wrt_fatal("restore: frame %u: only %u of %u values were read", rs.next - 1, rs.val, rs.cur->nlocals + rs.cur->nstack);
  if (rs.next >= rs.snap.nframes) wrt_fatal("restore: function %u asked for a saved frame, but none is left", func_index);
  wrt_snap_frame *f = &rs.snap.frames[rs.next];
  if (f->func != func_index)
    wrt_fatal("restore: saved frame %u belongs to function %u, but function %u is being restored", rs.next, f->func, func_index);
  rs.cur = f;
  rs.val = 0;
  rs.next++;
  uint64_t id = f->point;
  if (rs.next == rs.snap.nframes && f->nlocals + f->nstack == 0) restore_done();
  return id;
}

/* A 16-byte aligned buffer of at least n bytes (grown, never shrunk). */
typedef struct { void *p; size_t cap; } slot_buf;
static void *slot_buf_reserve(slot_buf *b, size_t n) {
  size_t need = (n + 15) & ~(size_t)15; /* aligned_alloc wants a multiple of the alignment */
  if (need > b->cap) {
    free(b->p);
    b->cap = need > 4096 ? need : 4096;
    b->p = aligned_alloc(16, b->cap);
    if (!b->p) wrt_fatal("restore: out of memory");
  }
  return b->p;
}

/* The saved locals of f in the transfer buffer's layout (wrt.h: value k at WRT_TRANSFER_SLOT * k). */
static void locals_into(const wrt_snap_frame *f, void *buf) {
  for (uint32_t k = 0; k < f->nlocals; k++) code_value(&f->vals[k], (uint8_t *)buf + (size_t)k * WRT_TRANSFER_SLOT);
}

void *wrt_cr_restore_locals(void) {
  static slot_buf locals;
  if (!rs.active || !rs.cur || rs.val != 0) wrt_fatal("restore: the locals of frame %u are read out of turn", rs.next ? rs.next - 1 : 0);
  void *buf = slot_buf_reserve(&locals, (size_t)rs.cur->nlocals * WRT_TRANSFER_SLOT);
  locals_into(rs.cur, buf);
  rs.val = rs.cur->nlocals;
  if (rs.next == rs.snap.nframes && rs.val == rs.cur->nlocals + rs.cur->nstack) restore_done();
  return buf;
}

uint32_t wrt_cr_restore_frame_index(void) {
  if (rs.next == 0) wrt_fatal("restore: a frame index was asked for before any frame was restored");
  return rs.next - 1; /* rs.cur is gone once the last value is read */
}

static void next_value(uint8_t type, uint8_t out[16]) {
  if (!rs.active || !rs.cur || rs.val >= rs.cur->nlocals + rs.cur->nstack)
    wrt_fatal("restore: the code reads more values than frame %u has", rs.next ? rs.next - 1 : 0);
  const wrt_snap_value *v = &rs.cur->vals[rs.val];
  bool ok = v->type == type || (type == WRT_FUNCREF && v->type == WRT_EXTERNREF);
  if (!ok) wrt_fatal("restore: frame %u value %u has type 0x%02x, the code expects 0x%02x", rs.next - 1, rs.val, v->type, type);
  memcpy(out, v->bits, 16);
  if (type == WRT_FUNCREF && v->type == WRT_EXTERNREF) memset(out, 0xFF, 4);
  rs.val++;
  if (rs.next == rs.snap.nframes && rs.val == rs.cur->nlocals + rs.cur->nstack) restore_done();
}

int32_t wrt_cr_restore_i32(void) { uint8_t b[16]; int32_t v; next_value(WRT_I32, b); memcpy(&v, b, 4); return v; }
int64_t wrt_cr_restore_i64(void) { uint8_t b[16]; int64_t v; next_value(WRT_I64, b); memcpy(&v, b, 8); return v; }
float wrt_cr_restore_f32(void) { uint8_t b[16]; float v; next_value(WRT_F32, b); memcpy(&v, b, 4); return v; }
double wrt_cr_restore_f64(void) { uint8_t b[16]; double v; next_value(WRT_F64, b); memcpy(&v, b, 8); return v; }
void wrt_cr_restore_v128(void *out16) { uint8_t b[16]; next_value(WRT_V128, b); memcpy(out16, b, 16); }
void *wrt_cr_restore_ref(void) {
  uint8_t b[16];
  uint32_t idx;
  next_value(WRT_FUNCREF, b);
  memcpy(&idx, b, 4);
  return wrt_cr_funcref_ptr(idx);
}

void *wrt_cr_restore_callee(void) {
  if (!rs.active || rs.next >= rs.snap.nframes) wrt_fatal("restore: no saved frame for an indirect call");
  const wrt_snap_frame *f = &rs.snap.frames[rs.next];
  void *p = wrt_module.funcs[f->func].restore;
  if (!p) wrt_fatal("restore: function %u has no restore variant", f->func);
  return p;
}

/* The frame a restore variant hands to the normal code (wrt.h): at most one pending, taken by the
 * entry of the function the restore variant tail-calls, before anything else runs. */
static struct {
  bool pending;
  uint64_t id;
  slot_buf vals;
} xfer;

void *wrt_cr_transfer(uint64_t point_id, uint32_t nbytes, uint32_t frame) {
  if (xfer.pending) wrt_fatal("restore: a transfer to point 0x%llx is still pending", (unsigned long long)xfer.id);
  /* the frames stay until a rewind replaces them, which unwinds every restore variant first */
  if (frame >= rs.snap.nframes || rs.snap.frames[frame].func != WRT_POINT_ID_FUNC(point_id))
    wrt_fatal("restore: a transfer to point 0x%llx names frame %u, which is not one of that function's", (unsigned long long)point_id, frame);
  const wrt_snap_frame *f = &rs.snap.frames[frame];
  if ((size_t)f->nlocals * WRT_TRANSFER_SLOT > nbytes)
    wrt_fatal("restore: a transfer of %u bytes has no room for the %u locals of frame %u", nbytes, f->nlocals, frame);
  void *buf = slot_buf_reserve(&xfer.vals, nbytes);
  locals_into(f, buf); /* what the restore variant read when it rebuilt the frame */
  xfer.pending = true;
  xfer.id = point_id;
  wrt_cr_flag = 1;
  return buf;
}

uint64_t wrt_cr_transfer_take(uint32_t func_index) {
  if (!xfer.pending) return 0;
  if (WRT_POINT_ID_FUNC(xfer.id) != func_index)
    wrt_fatal("restore: function %u was entered with a transfer to point 0x%llx pending", func_index, (unsigned long long)xfer.id);
  xfer.pending = false;
  wrt_cr_flag_release();
  return xfer.id;
}

void *wrt_cr_transfer_values(void) { return xfer.vals.p; }

/* The debugger's set_local: the Wasm frames are dropped (longjmp to main, which enters
 * restore_entry again) and rebuilt from frames changed by one value. */
jmp_buf wrt_cr_rewind_buf;
bool wrt_cr_rewind_armed;

_Noreturn void wrt_cr_rewind(wrt_snap_frame *frames, uint32_t nframes) {
  static wrt_snap_frame *owned; /* the frames of the previous rewind (a file restore's stay with its snapshot) */
  static uint32_t nowned;
  wrt_cr_frames_free(owned, NULL, nowned);
  owned = frames;
  nowned = nframes;
  rs.snap.frames = frames;
  rs.snap.nframes = nframes;
  rs.active = true;
  rs.next = 0;
  rs.cur = NULL;
  longjmp(wrt_cr_rewind_buf, 1);
}
