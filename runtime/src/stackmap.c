/*
 * stackmap.c — parser for the LLVM 14 stackmap section (format v3) that
 * rewrite-statepoints-for-gc + llc leave in `.llvm_stackmaps` (renamed `wanco_stackmaps`):
 *   header: u8 version (3), u8, u16; u32 NumFunctions, NumConstants, NumRecords
 *   functions: (u64 address, u64 stack size, u64 record count) x NumFunctions
 *   constants: u64 x NumConstants
 *   records, grouped by function in order: u64 id, u32 instruction offset,
 *     u16 reserved, u16 NumLocations, locations (12 bytes each), align 8,
 *     u16 padding, u16 NumLiveOuts, live-outs (4 bytes each), align 8.
 * Each record is keyed by its absolute return address (function address +
 * offset; programs are static non-PIE). Every read is bounds-checked: a
 * malformed section gives an error, never a crash.
 */
#include "cr_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { const uint8_t *p; size_t n, pos; } cur;

static bool take(cur *c, size_t k, const uint8_t **out) {
  if (k > c->n - c->pos) return false;
  *out = c->p + c->pos;
  c->pos += k;
  return true;
}
static bool u16(cur *c, uint16_t *v) { const uint8_t *q; if (!take(c, 2, &q)) return false; memcpy(v, q, 2); return true; }
static bool u32(cur *c, uint32_t *v) { const uint8_t *q; if (!take(c, 4, &q)) return false; memcpy(v, q, 4); return true; }
static bool u64(cur *c, uint64_t *v) { const uint8_t *q; if (!take(c, 8, &q)) return false; memcpy(v, q, 8); return true; }
static bool align8(cur *c) {
  size_t a = (c->pos + 7) & ~(size_t)7;
  if (a > c->n) return false;
  c->pos = a;
  return true;
}

static int cmp_rec(const void *a, const void *b) {
  uint64_t x = ((const wrt_sm_record *)a)->addr, y = ((const wrt_sm_record *)b)->addr;
  return x < y ? -1 : x > y;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); goto fail; } while (0)

int wrt_stackmap_parse(const uint8_t *p, size_t len, wrt_stackmap *sm, char *err, size_t errlen) {
  return wrt_stackmap_parse_one(p, len, sm, NULL, err, errlen);
}

int wrt_stackmap_parse_one(const uint8_t *p, size_t len, wrt_stackmap *sm, size_t *used, char *err, size_t errlen) {
  memset(sm, 0, sizeof *sm);
  cur c = { p, len, 0 };
  const uint8_t *h;
  uint32_t nfun, nconst, nrec;
  if (!take(&c, 4, &h)) FAIL("stackmap: truncated header");
  if (h[0] != 3) FAIL("stackmap: version %u, expected 3", h[0]);
  if (!u32(&c, &nfun) || !u32(&c, &nconst) || !u32(&c, &nrec)) FAIL("stackmap: truncated header");
  if ((uint64_t)nfun * 24 > len - c.pos) FAIL("stackmap: %u functions do not fit", nfun);
  size_t funcs_at = c.pos;
  c.pos += (size_t)nfun * 24;
  if ((uint64_t)nconst * 8 > len - c.pos) FAIL("stackmap: %u constants do not fit", nconst);
  /* each record takes at least 16 + 8 bytes */
  if ((uint64_t)nrec * 24 > len - c.pos - (size_t)nconst * 8) FAIL("stackmap: %u records do not fit", nrec);
  sm->consts = calloc(nconst ? nconst : 1, sizeof *sm->consts);
  sm->recs = calloc(nrec ? nrec : 1, sizeof *sm->recs);
  if (!sm->consts || !sm->recs) FAIL("stackmap: out of memory");
  sm->nconsts = nconst;
  for (uint32_t i = 0; i < nconst; i++) u64(&c, &sm->consts[i]);
  size_t recs_at = c.pos;
  /* pass 1: count locations */
  uint64_t total_locs = 0;
  for (uint32_t i = 0; i < nrec; i++) {
    const uint8_t *q;
    uint16_t nl, nlo;
    if (!take(&c, 14, &q) || !u16(&c, &nl)) FAIL("stackmap: truncated record %u", i);
    if (!take(&c, (size_t)nl * 12, &q)) FAIL("stackmap: truncated locations of record %u", i);
    if (!align8(&c) || !take(&c, 2, &q) || !u16(&c, &nlo) || !take(&c, (size_t)nlo * 4, &q) || !align8(&c))
      FAIL("stackmap: truncated live-outs of record %u", i);
    total_locs += nl;
  }
  sm->locs = calloc(total_locs ? total_locs : 1, sizeof *sm->locs);
  if (!sm->locs) FAIL("stackmap: out of memory");
  sm->nlocs = (uint32_t)total_locs;
  /* pass 2: functions own consecutive records */
  c.pos = recs_at;
  uint32_t ri = 0, li = 0;
  for (uint32_t f = 0; f < nfun; f++) {
    uint64_t faddr, fcount;
    memcpy(&faddr, p + funcs_at + (size_t)f * 24, 8);
    memcpy(&fcount, p + funcs_at + (size_t)f * 24 + 16, 8);
    if (fcount > nrec - ri) FAIL("stackmap: function %u claims %llu records, only %u left", f,
                                 (unsigned long long)fcount, nrec - ri);
    for (uint64_t k = 0; k < fcount; k++, ri++) {
      wrt_sm_record *r = &sm->recs[ri];
      uint32_t off;
      uint16_t res, nl, nlo;
      const uint8_t *q;
      u64(&c, &r->id);
      u32(&c, &off);
      u16(&c, &res);
      u16(&c, &nl);
      r->addr = faddr + off;
      r->nlocs = nl;
      r->first = li;
      for (uint16_t j = 0; j < nl; j++, li++) {
        take(&c, 12, &q);
        wrt_sm_loc *l = &sm->locs[li];
        l->kind = q[0];
        memcpy(&l->size, q + 2, 2);
        memcpy(&l->reg, q + 4, 2);
        memcpy(&l->off, q + 8, 4);
        if (l->kind < SM_REGISTER || l->kind > SM_CONSTINDEX)
          FAIL("stackmap: record %u location %u has unknown type %u", ri, j, l->kind);
        if (l->kind == SM_CONSTINDEX && (l->off < 0 || (uint32_t)l->off >= nconst))
          FAIL("stackmap: record %u location %u: constant index %d out of range", ri, j, l->off);
      }
      align8(&c);
      take(&c, 2, &q);
      u16(&c, &nlo);
      take(&c, (size_t)nlo * 4, &q);
      align8(&c);
    }
  }
  if (ri != nrec) FAIL("stackmap: functions account for %u of %u records", ri, nrec);
  sm->nrecs = nrec;
  if (used) *used = c.pos;
  qsort(sm->recs, nrec, sizeof *sm->recs, cmp_rec);
  return 0;
fail:
  wrt_stackmap_free(sm);
  return -1;
}

/*
 * The program's stackmap sections, concatenated by the linker: one blob per
 * object (the compiler splits large modules into several objects compiled in
 * parallel). Records of all blobs are merged into one table sorted by address;
 * constant indices are rebased onto the merged constant table.
 */
int wrt_stackmap_parse_all(const uint8_t *p, size_t len, wrt_stackmap *sm, char *err, size_t errlen) {
  memset(sm, 0, sizeof *sm);
  size_t pos = 0;
  while (pos < len) {
    wrt_stackmap one;
    size_t used = 0;
    if (wrt_stackmap_parse_one(p + pos, len - pos, &one, &used, err, errlen) != 0) goto fail;
    uint64_t *consts = realloc(sm->consts, (sm->nconsts + one.nconsts + 1) * sizeof *consts);
    wrt_sm_record *recs = realloc(sm->recs, (sm->nrecs + one.nrecs + 1) * sizeof *recs);
    uint32_t nlocs = 0;
    for (uint32_t i = 0; i < one.nrecs; i++) nlocs += one.recs[i].nlocs;
    wrt_sm_loc *locs = realloc(sm->locs, (sm->nlocs + nlocs + 1) * sizeof *locs);
    if (consts) sm->consts = consts;
    if (recs) sm->recs = recs;
    if (locs) sm->locs = locs;
    if (!consts || !recs || !locs) { wrt_stackmap_free(&one); snprintf(err, errlen, "stackmap: out of memory"); goto fail; }
    memcpy(sm->consts + sm->nconsts, one.consts, one.nconsts * sizeof *consts);
    for (uint32_t i = 0; i < one.nrecs; i++) {
      wrt_sm_record r = one.recs[i];
      for (uint32_t j = 0; j < r.nlocs; j++) {
        wrt_sm_loc l = one.locs[r.first + j];
        if (l.kind == SM_CONSTINDEX) l.off += (int32_t)sm->nconsts;
        sm->locs[sm->nlocs + j] = l;
      }
      r.first = sm->nlocs;
      sm->nlocs += r.nlocs;
      sm->recs[sm->nrecs++] = r;
    }
    sm->nconsts += one.nconsts;
    wrt_stackmap_free(&one);
    pos += used;
    while (pos < len && pos % 8) pos++;
  }
  qsort(sm->recs, sm->nrecs, sizeof *sm->recs, cmp_rec);
  return 0;
fail:
  wrt_stackmap_free(sm);
  return -1;
}

const wrt_sm_record *wrt_stackmap_find(const wrt_stackmap *sm, uint64_t addr) {
  uint32_t lo = 0, hi = sm->nrecs;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (sm->recs[mid].addr < addr) lo = mid + 1; else hi = mid;
  }
  return lo < sm->nrecs && sm->recs[lo].addr == addr ? &sm->recs[lo] : NULL;
}

uint64_t wrt_sm_const(const wrt_stackmap *sm, const wrt_sm_loc *l) {
  if (l->kind == SM_CONSTANT) return (uint64_t)(int64_t)l->off;
  if (l->kind == SM_CONSTINDEX && l->off >= 0 && (uint32_t)l->off < sm->nconsts) return sm->consts[l->off];
  return 0;
}

void wrt_stackmap_free(wrt_stackmap *sm) {
  free(sm->recs);
  free(sm->consts);
  free(sm->locs);
  memset(sm, 0, sizeof *sm);
}
