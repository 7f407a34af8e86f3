/*
 * cr.c — checkpoint/restore: the migration-point hook, capture of the Wasm
 * state by walking the native stack (libgcc unwinder + stackmap records),
 * snapshots of globals/tables/memory/WASI, and the restore side (applying a
 * snapshot, then feeding the compiled restore variants value by value).
 */
#include "cr_internal.h"
#include "wasi.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <unwind.h>
#include <zstd.h>

/* The compiler renames each object's .llvm_stackmaps section to wanco_stackmaps;
 * the linker concatenates them and defines these bounds (absent: no C/R code). */
extern const uint8_t __start_wanco_stackmaps[] __attribute__((weak));
extern const uint8_t __stop_wanco_stackmaps[] __attribute__((weak));

volatile int32_t wrt_cr_flag;
volatile sig_atomic_t wrt_cr_in_entry;
const char *wrt_cr_snapshot_path;
bool wrt_cr_continue;
bool wrt_cr_stats;
uint64_t wrt_cr_at_point;
uint64_t wrt_cr_start_ns;
static uint64_t points_reached; /* since start or restore, counted while --checkpoint-at is set */
static volatile uint64_t sig_at_ns;   /* when SIGUSR1 arrived (for --cr-stats) */

uint64_t wrt_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double ms(uint64_t from, uint64_t to) { return (double)(to - from) / 1e6; }
static volatile sig_atomic_t sig_request;
static volatile sig_atomic_t sig_keep_running; /* a pending request came as SIGUSR2 */
static uint32_t cr_seq;

#if defined(__x86_64__)
#define ARCH_CODE 1
#define DW_SP 7
/* System V: rbx (3), rbp (6), r12-r15 (12-15) survive a call */
static bool callee_saved(uint16_t r) { return r == 3 || r == 6 || (r >= 12 && r <= 15); }
#elif defined(__aarch64__)
#define ARCH_CODE 2
#define DW_SP 31
/* AAPCS64: x19-x29 (19-29) and the low 64 bits of v8-v15 (72-79) survive a call; x30 (LR) does
 * not, as the BL itself overwrites it (the compiler reserves it in C/R builds for that reason) */
static bool callee_saved(uint16_t r) { return (r >= 19 && r <= 29) || (r >= 72 && r <= 79); }
#else
#error "unsupported architecture"
#endif

/* ---- metadata ---- */
static wrt_stackmap stackmap;
static bool stackmap_ready;

const wrt_stackmap *wrt_cr_stackmap(void) {
  if (!stackmap_ready) {
    char err[256];
    if (!__start_wanco_stackmaps || __stop_wanco_stackmaps <= __start_wanco_stackmaps) return NULL;
    if (wrt_stackmap_parse_all(__start_wanco_stackmaps, (size_t)(__stop_wanco_stackmaps - __start_wanco_stackmaps),
                               &stackmap, err, sizeof err) != 0)
      wrt_fatal("%s", err);
    stackmap_ready = true;
  }
  return &stackmap;
}

/* local k of point d has a value in the point's stackmap records (wrt_cr_point_desc.live) */
static bool point_local_live(const wrt_cr_point_desc *d, uint32_t k) {
  return !d->live || ((d->live[k / 8] >> (k % 8)) & 1);
}

const wrt_cr_point_desc *wrt_cr_find_point(uint64_t id) {
  uint32_t lo = 0, hi = wrt_module.num_points;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (wrt_module.points[mid].id < id) lo = mid + 1; else hi = mid;
  }
  return lo < wrt_module.num_points && wrt_module.points[lo].id == id ? &wrt_module.points[lo] : NULL;
}

static uint32_t funcref_index(const void *p, bool *ok) {
  *ok = true;
  if (!p) return 0xFFFFFFFFu;
  uintptr_t a = (uintptr_t)p, b = (uintptr_t)wrt_module.funcs;
  if (a < b || (a - b) % sizeof(wrt_func) || (a - b) / sizeof(wrt_func) >= wrt_module.num_funcs) {
    *ok = false;
    return 0;
  }
  return (uint32_t)((a - b) / sizeof(wrt_func));
}
static void *funcref_ptr(uint32_t idx) { return idx == 0xFFFFFFFFu ? NULL : (void *)&wrt_module.funcs[idx]; }

/* ---- capture ---- */
typedef struct {
  const wrt_stackmap *sm;
  bool started, failed;
  char *err;
  size_t errlen;
  /* Wasm frames in walk order (native innermost first, groups outermost first) */
  wrt_snap_frame *frames;
  wrt_snap_native *native;
  uint32_t n, cap;
  uint32_t *nat_first, *nat_count; /* per native frame */
  uint32_t nn, ncap;
} walk_t;

static bool wfail(walk_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool wfail(walk_t *w, const char *fmt, ...) {
  if (!w->failed) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->err, w->errlen, fmt, ap);
    va_end(ap);
  }
  w->failed = true;
  return false;
}

static uint64_t reg_value(struct _Unwind_Context *ctx, uint16_t reg) {
  if (reg == DW_SP) return (uint64_t)_Unwind_GetCFA(ctx);
  return (uint64_t)_Unwind_GetGR(ctx, reg);
}

static bool read_loc(walk_t *w, struct _Unwind_Context *ctx, const wrt_sm_loc *l, uint8_t type, uint8_t out[16]) {
  uint64_t v = 0;
  size_t sz = wrt_valtype_size(type);
  memset(out, 0, 16);
  switch (l->kind) {
  case SM_CONSTANT: case SM_CONSTINDEX:
    v = wrt_sm_const(w->sm, l);
    memcpy(out, &v, 8);
    return true;
  case SM_REGISTER:
    /* At a return address only callee-saved registers still hold what the stackmap says; any other
     * register was overwritten by the call (reading it would save garbage, so refuse). */
    if (!callee_saved(l->reg))
      return wfail(w, "stackmap record at 0x%llx keeps a value in DWARF register %u, which the call overwrites",
                   (unsigned long long)_Unwind_GetIP(ctx), l->reg);
    if (sz > 8) return wfail(w, "a v128 value lives in register %u, of which a call keeps only 64 bits", l->reg);
    v = reg_value(ctx, l->reg);
    memcpy(out, &v, 8);
    return true;
  case SM_DIRECT:
    v = reg_value(ctx, l->reg) + (uint64_t)(int64_t)l->off;
    memcpy(out, &v, 8);
    return true;
  case SM_INDIRECT: {
    uint64_t a = reg_value(ctx, l->reg) + (uint64_t)(int64_t)l->off;
    memcpy(out, (const void *)(uintptr_t)a, sz);
    return true;
  }
  default:
    return wfail(w, "bad location kind %u", l->kind);
  }
}

static bool grow_frames(walk_t *w) {
  if (w->n < w->cap) return true;
  uint32_t cap = w->cap ? w->cap * 2 : 16;
  wrt_snap_frame *f = realloc(w->frames, cap * sizeof *f);
  if (f) w->frames = f;
  wrt_snap_native *n = realloc(w->native, cap * sizeof *n);
  if (n) w->native = n;
  if (!f || !n) return wfail(w, "out of memory");
  w->cap = cap;
  return true;
}

static bool walk_record(walk_t *w, struct _Unwind_Context *ctx, const wrt_sm_record *rec, uint64_t ip) {
  const wrt_sm_loc *locs = &w->sm->locs[rec->first];
  if (rec->nlocs < 3) return wfail(w, "stackmap record at 0x%llx has %u locations", (unsigned long long)ip, rec->nlocs);
  uint64_t ndeopt = wrt_sm_const(w->sm, &locs[2]);
  if (ndeopt > rec->nlocs - 3) return wfail(w, "stackmap record at 0x%llx: bad deopt count", (unsigned long long)ip);
  uint32_t end = 3 + (uint32_t)ndeopt, i = 3;
  if (w->nn == w->ncap) {
    uint32_t c = w->ncap ? w->ncap * 2 : 16;
    uint32_t *a = realloc(w->nat_first, c * 4), *b = realloc(w->nat_count, c * 4);
    if (a) w->nat_first = a;
    if (b) w->nat_count = b;
    if (!a || !b) return wfail(w, "out of memory");
    w->ncap = c;
  }
  w->nat_first[w->nn] = w->n;
  w->nat_count[w->nn] = 0;
  while (i < end) {
    if (locs[i].kind != SM_CONSTANT && locs[i].kind != SM_CONSTINDEX)
      return wfail(w, "stackmap record at 0x%llx: point id is not a constant", (unsigned long long)ip);
    uint64_t id = wrt_sm_const(w->sm, &locs[i]);
    const wrt_cr_point_desc *d = wrt_cr_find_point(id);
    if (!d) return wfail(w, "unknown migration point 0x%llx", (unsigned long long)id);
    uint32_t nv = (uint32_t)d->num_locals + d->num_stack, nrec = nv; /* values; locations in the record */
    if (d->live)
      for (uint32_t k = 0; k < d->num_locals; k++) nrec -= !point_local_live(d, k);
    if (nrec > end - i - 1) return wfail(w, "stackmap record for point 0x%llx has too few values", (unsigned long long)id);
    if (!grow_frames(w)) return false;
    wrt_snap_frame *f = &w->frames[w->n];
    wrt_snap_native *nat = &w->native[w->n];
    f->func = d->func_index;
    f->point = id;
    f->nlocals = d->num_locals;
    f->nstack = d->num_stack;
    f->vals = calloc(nv ? nv : 1, sizeof *f->vals);
    nat->ret_addr = ip;
    nat->nvals = nv;
    nat->locs = calloc(nv ? nv : 1, sizeof *nat->locs);
    w->n++;
    w->nat_count[w->nn]++;
    if (!f->vals || !nat->locs) return wfail(w, "out of memory");
    const wrt_sm_loc *l = &locs[i + 1];
    for (uint32_t k = 0; k < nv; k++) {
      uint8_t t = d->types[k];
      wrt_snap_value *v = &f->vals[k];
      v->type = t;
      if (k < d->num_locals && !point_local_live(d, k)) {
        /* dead here: not in the record; saved as zero (a null reference), located as the constant 0 */
        if (t == WRT_FUNCREF || t == WRT_EXTERNREF) memset(v->bits, 0xFF, 4);
        nat->locs[k] = (wrt_snap_loc){ SM_CONSTANT, 8, 0, 0 };
        continue;
      }
      nat->locs[k] = (wrt_snap_loc){ l->kind, (uint8_t)l->size, l->reg, l->off };
      if (!read_loc(w, ctx, l, t, v->bits)) return false;
      l++;
      if (t == WRT_FUNCREF || t == WRT_EXTERNREF) {
        void *p;
        memcpy(&p, v->bits, sizeof p);
        bool ok;
        uint32_t idx = 0xFFFFFFFFu;
        if (t == WRT_FUNCREF) {
          idx = funcref_index(p, &ok);
          if (!ok) return wfail(w, "function %u holds a funcref that is not a function", d->func_index);
        } else if (p) {
          return wfail(w, "function %u holds a non-null externref, which cannot be saved", d->func_index);
        }
        memset(v->bits, 0, 16);
        memcpy(v->bits, &idx, 4);
      } else if (t == WRT_I32 || t == WRT_F32) {
        memset(v->bits + 4, 0, 12);
      } else if (t == WRT_I64 || t == WRT_F64) {
        memset(v->bits + 8, 0, 8);
      }
    }
    i += 1 + nrec;
  }
  w->nn++;
  return true;
}

static _Unwind_Reason_Code walk_cb(struct _Unwind_Context *ctx, void *arg) {
  walk_t *w = arg;
  uint64_t ip = (uint64_t)_Unwind_GetIP(ctx);
  const wrt_sm_record *rec = ip ? wrt_stackmap_find(w->sm, ip) : NULL;
  if (!rec) return w->started ? _URC_NORMAL_STOP : _URC_NO_REASON;
  w->started = true;
  if (!walk_record(w, ctx, rec, ip)) return _URC_NORMAL_STOP;
  return _URC_NO_REASON;
}

static void free_frames(wrt_snap_frame *f, wrt_snap_native *n, uint32_t count) {
  for (uint32_t i = 0; i < count; i++) {
    if (f) free(f[i].vals);
    if (n) free(n[i].locs);
  }
  free(f);
  free(n);
}

void wrt_cr_capture_free(wrt_snapshot *s) {
  free_frames(s->frames, s->native, s->nframes);
  free(s->globals);
  for (uint32_t i = 0; s->tables && i < s->ntables; i++) free(s->tables[i].elems);
  free(s->tables);
  free(s->data_dropped);
  free(s->elem_dropped);
  free(s->preopens);
  free(s->files);
  memset(s, 0, sizeof *s);
}

/* Frames only (state / set_local use this too). */
static int capture_frames(wrt_snapshot *s, char *err, size_t errlen) {
  walk_t w = { .sm = wrt_cr_stackmap(), .err = err, .errlen = errlen };
  if (!w.sm || !wrt_module.num_points) {
    snprintf(err, errlen, "this program was compiled without checkpoint support");
    return -1;
  }
  _Unwind_Backtrace(walk_cb, &w);
  if (!w.failed && w.n == 0) wfail(&w, "no Wasm frame with a stackmap record on the stack");
  if (w.failed) {
    free_frames(w.frames, w.native, w.n);
    free(w.nat_first);
    free(w.nat_count);
    return -1;
  }
  /* native frames outermost first, groups inside a native frame keep their order */
  s->frames = malloc(w.n * sizeof *s->frames);
  s->native = malloc(w.n * sizeof *s->native);
  if (!s->frames || !s->native) {
    free(s->frames); free(s->native);
    free_frames(w.frames, w.native, w.n);
    free(w.nat_first); free(w.nat_count);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  uint32_t k = 0;
  for (uint32_t j = w.nn; j-- > 0;)
    for (uint32_t g = 0; g < w.nat_count[j]; g++, k++) {
      s->frames[k] = w.frames[w.nat_first[j] + g];
      s->native[k] = w.native[w.nat_first[j] + g];
    }
  s->nframes = s->nnative = w.n;
  s->has_native = true;
  free(w.frames); free(w.native); free(w.nat_first); free(w.nat_count);
  return 0;
}

int wrt_cr_capture(wrt_snapshot *s, uint32_t reason, char *err, size_t errlen) {
  memset(s, 0, sizeof *s);
  if (capture_frames(s, err, errlen) != 0) return -1;
  memcpy(s->module_hash, wrt_module.module_hash, 32);
  s->arch = ARCH_CODE;
  s->abi = WRT_ABI_VERSION;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  s->time_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
  s->reason = reason;
  s->seq = cr_seq + 1;
  /* globals */
  s->nglobals = wrt_module.num_globals;
  s->globals = calloc(s->nglobals ? s->nglobals : 1, sizeof *s->globals);
  if (!s->globals) goto oom;
  for (uint32_t i = 0; i < s->nglobals; i++) {
    const wrt_global_desc *g = &wrt_module.globals[i];
    wrt_snap_value *v = &s->globals[i];
    v->type = g->type;
    if (g->type == WRT_FUNCREF || g->type == WRT_EXTERNREF) {
      void *p;
      memcpy(&p, g->addr, sizeof p);
      bool ok = true;
      uint32_t idx = 0xFFFFFFFFu;
      if (g->type == WRT_FUNCREF) idx = funcref_index(p, &ok);
      else if (p) ok = false;
      if (!ok) { snprintf(err, errlen, "global %u holds a reference that cannot be saved", i); goto fail; }
      memcpy(v->bits, &idx, 4);
    } else {
      memcpy(v->bits, g->addr, wrt_valtype_size(g->type));
    }
  }
  /* tables */
  s->ntables = wrt_module.num_tables;
  s->tables = calloc(s->ntables ? s->ntables : 1, sizeof *s->tables);
  if (!s->tables) goto oom;
  for (uint32_t t = 0; t < s->ntables; t++) {
    const wrt_table *tb = &wrt_module.tables[t];
    wrt_snap_table *st = &s->tables[t];
    st->size = tb->size;
    st->max = tb->max;
    st->type = tb->elem_type;
    st->elems = malloc((tb->size ? tb->size : 1) * sizeof(uint32_t));
    if (!st->elems) goto oom;
    for (uint32_t i = 0; i < tb->size; i++) {
      bool ok = true;
      uint32_t idx = 0xFFFFFFFFu;
      if (tb->elem_type == WRT_FUNCREF) idx = funcref_index(tb->elems[i], &ok);
      else if (tb->elems[i]) ok = false;
      if (!ok) { snprintf(err, errlen, "table %u element %u cannot be saved", t, i); goto fail; }
      st->elems[i] = idx;
    }
  }
  /* memory */
  s->mem = wrt_mem_base;
  s->mem_pages = (uint32_t)(wrt_mem_size / WRT_PAGE_SIZE);
  s->mem_max = (wrt_module.flags & WRT_MODULE_HAS_MEMORY) ? wrt_module.mem_max_pages : WRT_NO_MAX;
  /* segments */
  s->ndata = wrt_module.num_data;
  s->nelem = wrt_module.num_elem;
  s->data_dropped = calloc(s->ndata ? s->ndata : 1, 1);
  s->elem_dropped = calloc(s->nelem ? s->nelem : 1, 1);
  if (!s->data_dropped || !s->elem_dropped) goto oom;
  for (uint32_t i = 0; i < s->ndata; i++) s->data_dropped[i] = wrt_data_is_dropped(i);
  for (uint32_t i = 0; i < s->nelem; i++) s->elem_dropped[i] = wrt_elem_is_dropped(i);
  /* WASI (strings are borrowed from the runtime) */
  s->argc = (uint32_t)wrt_wasi_argc;
  s->argv = wrt_wasi_argv;
  s->envc = (uint32_t)wrt_wasi_envc;
  s->envp = wrt_wasi_envp;
  s->preopens = calloc(wrt_nfds ? wrt_nfds : 1, sizeof *s->preopens);
  s->files = calloc(wrt_nfds ? wrt_nfds : 1, sizeof *s->files);
  if (!s->preopens || !s->files) goto oom;
  for (uint32_t fd = 0; fd < wrt_nfds; fd++) {
    const wrt_fd *e = &wrt_fds[fd];
    if (e->kind == FDK_PREOPEN) {
      if (fd < 3) { snprintf(err, errlen, "a preopened directory was renumbered to fd %u", fd); goto fail; }
      s->preopens[s->npreopens++] = (wrt_snap_preopen){ fd, e->guest_path, e->host_path };
    } else if (e->kind == FDK_FILE || e->kind == FDK_DIR) {
      if (fd < 3) { snprintf(err, errlen, "fd %u (a standard stream) was replaced by a file", fd); goto fail; }
      wrt_snap_file *f = &s->files[s->nfiles++];
      f->fd = fd;
      f->kind = e->kind == FDK_FILE ? 1 : 2;
      f->preopen = e->preopen;
      f->path = e->rel_path;
      f->oflags = e->oflags;
      f->fdflags = e->fdflags;
      f->rights_base = e->rights_base;
      f->rights_inh = e->rights_inheriting;
      off_t o = e->kind == FDK_FILE ? lseek(e->host_fd, 0, SEEK_CUR) : 0;
      f->offset = o > 0 ? (uint64_t)o : 0;
    }
  }
  return 0;
oom:
  snprintf(err, errlen, "out of memory");
fail:
  wrt_cr_capture_free(s);
  return -1;
}

long wrt_cr_checkpoint(const char *path, uint32_t reason, uint32_t *nframes, char *err, size_t errlen) {
  wrt_snapshot s;
  if (wrt_cr_capture(&s, reason, err, errlen) != 0) return -1;
  long size = wrt_snapshot_write_file(path, &s, err, errlen);
  if (nframes) *nframes = s.nframes;
  wrt_cr_capture_free(&s);
  if (size < 0) return -1;
  cr_seq++;
  return size;
}

/* ---- the migration-point hook ---- */
/* SIGUSR1: checkpoint, then exit (unless --checkpoint-continue); SIGUSR2:
 * checkpoint and keep running (CRIU's --leave-running), for a periodic save. */
static void on_checkpoint_signal(int sig) {
  if (!sig_request) sig_at_ns = wrt_now_ns();
  if (sig == SIGUSR2) sig_keep_running = 1;
  sig_request = 1;
  wrt_cr_flag = 1;
}

static void report_points_short(void) {
  if (points_reached < wrt_cr_at_point)
    fprintf(stderr, "wanco: the program ended after %llu migration points, before --checkpoint-at %llu\n",
            (unsigned long long)points_reached, (unsigned long long)wrt_cr_at_point);
}

void wrt_cr_start_counting(void) {
  if (!wrt_cr_at_point) return;
  atexit(report_points_short);
  wrt_cr_recompute_flag();
}

int wrt_cr_setup(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_checkpoint_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGUSR1);
  sigaddset(&sa.sa_mask, SIGUSR2);
  if (sigaction(SIGUSR1, &sa, NULL) != 0) return -1;
  return sigaction(SIGUSR2, &sa, NULL);
}

static struct {
  wrt_snapshot snap;
  bool active;
  uint32_t next, val;
  wrt_snap_frame *cur;
} rs;

void wrt_cr_recompute_flag(void) {
  if (sig_request || (wrt_ctl_enabled && wrt_ctl_wants_flag()) || (wrt_cr_at_point && points_reached < wrt_cr_at_point))
    wrt_cr_flag = 1;
}

static void signal_checkpoint(uint32_t reason, bool keep_running) {
  char err[512];
  uint32_t nf = 0;
  uint64_t at_point = wrt_now_ns();
  long size = wrt_cr_checkpoint(wrt_cr_snapshot_path, reason, &nf, err, sizeof err);
  uint64_t done = wrt_now_ns();
  wrt_stdout_flush();
  fflush(stdout);
  if (size < 0) {
    fprintf(stderr, "%s: error: checkpoint failed: %s\n", wrt_prog_name, err);
    return;
  }
  fprintf(stderr, "wanco: checkpoint written to %s (%ld bytes, %u frames)\n", wrt_cr_snapshot_path, size, nf);
  if (wrt_cr_stats)
    fprintf(stderr, "wanco: checkpoint stats: %.3f ms from the signal to the file on disk (%.3f ms to reach a migration point, %.3f ms to capture, compress, write and sync)\n",
            ms(sig_at_ns, done), ms(sig_at_ns, at_point), ms(at_point, done));
  if (!wrt_cr_continue && !keep_running) exit(0);
}

void wrt_cr_point(uint64_t point_id) {
  if (!wrt_cr_in_entry || rs.active) return; /* keep the flag: handled at a later point */
  wrt_cr_flag = 0;
  if (sig_request) {
    /* take the request and its kind together: a signal in between would
     * otherwise be merged into this checkpoint with the wrong kind */
    sigset_t both, old;
    sigemptyset(&both);
    sigaddset(&both, SIGUSR1);
    sigaddset(&both, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &both, &old);
    bool keep = sig_keep_running;
    sig_request = 0;
    sig_keep_running = 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    signal_checkpoint(SNAP_REASON_SIGNAL, keep);
  }
  /* --checkpoint-at N: every poll reaches this hook (the flag stays set) and the N-th one checkpoints,
   * so that the same N is the same Wasm state on either architecture */
  if (wrt_cr_at_point && ++points_reached == wrt_cr_at_point) {
    sig_at_ns = wrt_now_ns();
    signal_checkpoint(SNAP_REASON_POINT, false);
  }
  if (wrt_ctl_enabled) wrt_ctl_at_point(point_id);
  wrt_cr_recompute_flag();
}

int wrt_cr_capture_frames(wrt_snapshot *s, char *err, size_t errlen) {
  memset(s, 0, sizeof *s);
  return capture_frames(s, err, errlen);
}

/* ---- restore ---- */
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
  cr_seq = rs.snap.seq;
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
    const wrt_snap_value *v = &s->globals[i];
    void *addr = wrt_module.globals[i].addr;
    if (v->type == WRT_FUNCREF || v->type == WRT_EXTERNREF) {
      uint32_t idx;
      memcpy(&idx, v->bits, 4);
      void *p = v->type == WRT_FUNCREF ? funcref_ptr(idx) : NULL;
      memcpy(addr, &p, sizeof p);
    } else {
      memcpy(addr, v->bits, wrt_valtype_size(v->type));
    }
  }
  /* tables */
  for (uint32_t t = 0; t < s->ntables; t++) {
    wrt_table *tb = &wrt_module.tables[t];
    const wrt_snap_table *st = &s->tables[t];
    void **e = realloc(tb->elems, (st->size ? st->size : 1) * sizeof(void *));
    if (!e) restore_error("out of memory");
    for (uint32_t i = 0; i < st->size; i++) e[i] = st->type == WRT_FUNCREF ? funcref_ptr(st->elems[i]) : NULL;
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
            ms(wrt_cr_start_ns, now), ms(wrt_cr_start_ns, restore_read_ns), ms(restore_read_ns, restore_mem_ns),
            rs.snap.nframes, ms(restore_mem_ns, now));
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
  return funcref_ptr(idx);
}

void *wrt_cr_restore_callee(void) {
  if (!rs.active || rs.next >= rs.snap.nframes) wrt_fatal("restore: no saved frame for an indirect call");
  const wrt_snap_frame *f = &rs.snap.frames[rs.next];
  void *p = wrt_module.funcs[f->func].restore;
  if (!p) wrt_fatal("restore: function %u has no restore variant", f->func);
  return p;
}

uint32_t wrt_cr_seq(void) { return cr_seq; }

jmp_buf wrt_cr_rewind_buf;
bool wrt_cr_rewind_armed;

_Noreturn void wrt_cr_rewind(wrt_snap_frame *frames, uint32_t nframes) {
  static wrt_snap_frame *owned; /* the frames of the previous rewind (a file restore's stay with its snapshot) */
  static uint32_t nowned;
  free_frames(owned, NULL, nowned);
  owned = frames;
  nowned = nframes;
  rs.snap.frames = frames;
  rs.snap.nframes = nframes;
  rs.active = true;
  rs.next = 0;
  rs.cur = NULL;
  longjmp(wrt_cr_rewind_buf, 1);
}
