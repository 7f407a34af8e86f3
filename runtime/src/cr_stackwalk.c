/*
 * cr_stackwalk.c — reads the Wasm frames off the native stack: libgcc's
 * unwinder visits each native frame, the stackmap record at its return address
 * says where each live Wasm value is (a constant, a callee-saved register, a stack
 * slot), and one native frame can hold several Wasm frames that inlining merged.
 */
#include "cr_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unwind.h>

/* DWARF numbers of the stack pointer and of the registers a call preserves */
#if defined(__x86_64__)
#define DW_SP 7
/* System V: rbx (3), rbp (6), r12-r15 (12-15) survive a call */
static bool callee_saved(uint16_t r) { return r == 3 || r == 6 || (r >= 12 && r <= 15); }
#elif defined(__aarch64__)
#define DW_SP 31
/* AAPCS64: x19-x29 (19-29) and the low 64 bits of v8-v15 (72-79) survive a call; x30 (LR) does
 * not, as the BL itself overwrites it (the compiler reserves it in C/R builds for that reason) */
static bool callee_saved(uint16_t r) { return (r >= 19 && r <= 29) || (r >= 72 && r <= 79); }
#else
#error "unsupported architecture"
#endif

/* local k of point d has a value in the point's stackmap records (wrt_cr_point_desc.live) */
static bool point_local_live(const wrt_cr_point_desc *d, uint32_t k) {
  return !d->live || ((d->live[k / 8] >> (k % 8)) & 1);
}

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
          idx = wrt_cr_funcref_index(p, &ok);
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

void wrt_cr_frames_free(wrt_snap_frame *f, wrt_snap_native *n, uint32_t count) {
  for (uint32_t i = 0; i < count; i++) {
    if (f) free(f[i].vals);
    if (n) free(n[i].locs);
  }
  free(f);
  free(n);
}

int wrt_cr_capture_frames(wrt_snapshot *s, char *err, size_t errlen) {
  memset(s, 0, sizeof *s);
  walk_t w = { .sm = wrt_cr_stackmap(), .err = err, .errlen = errlen };
  if (!w.sm || !wrt_module.num_points) {
    snprintf(err, errlen, "this program was compiled without checkpoint support");
    return -1;
  }
  _Unwind_Backtrace(walk_cb, &w);
  if (!w.failed && w.n == 0) wfail(&w, "no Wasm frame with a stackmap record on the stack");
  if (w.failed) {
    wrt_cr_frames_free(w.frames, w.native, w.n);
    free(w.nat_first);
    free(w.nat_count);
    return -1;
  }
  /* native frames outermost first, groups inside a native frame keep their order */
  s->frames = malloc(w.n * sizeof *s->frames);
  s->native = malloc(w.n * sizeof *s->native);
  if (!s->frames || !s->native) {
    free(s->frames); free(s->native);
    wrt_cr_frames_free(w.frames, w.native, w.n);
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
