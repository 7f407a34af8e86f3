/*
 * cr_unit.c — unit tests of the stackmap parser and the snapshot
 * writer/reader (built from the sources by run.sh, both arches):
 * round trip, truncation at every length, bit flips, wrong lengths with
 * valid checksums. Every malformed input must give an error, never a crash.
 *   cr_unit            run the tests
 *   cr_unit FILE...    decode snapshots and print a summary (frames, locations)
 */
#include "cr_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static int fails, oks;
#define CHECK(c, ...) do { if (c) oks++; else { fails++; printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

/* ---- a synthetic stackmap v3 section ---- */
typedef struct { uint8_t b[4096]; size_t n; } bb;
static void put(bb *x, const void *v, size_t k) { memcpy(x->b + x->n, v, k); x->n += k; }
static void p8(bb *x, uint8_t v) { put(x, &v, 1); }
static void p16(bb *x, uint16_t v) { put(x, &v, 2); }
static void p32(bb *x, uint32_t v) { put(x, &v, 4); }
static void p64(bb *x, uint64_t v) { put(x, &v, 8); }
static void al8(bb *x) { while (x->n % 8) p8(x, 0); }
static void loc(bb *x, uint8_t kind, uint16_t size, uint16_t reg, int32_t off) {
  p8(x, kind); p8(x, 0); p16(x, size); p16(x, reg); p16(x, 0); put(x, &off, 4);
}
static void record(bb *x, uint64_t id, uint32_t off, int nlocs, uint16_t nlive) {
  p64(x, id); p32(x, off); p16(x, 0); p16(x, (uint16_t)(3 + nlocs));
  loc(x, SM_CONSTANT, 8, 0, 0); loc(x, SM_CONSTANT, 8, 0, 0); loc(x, SM_CONSTANT, 8, 0, nlocs);
  for (int i = 0; i < nlocs; i++) loc(x, (uint8_t)(1 + i % 5), 8, (uint16_t)i, i == 4 ? 0 : 16 * i);
  al8(x); p16(x, 0); p16(x, nlive);
  for (int i = 0; i < nlive; i++) { p16(x, (uint16_t)i); p8(x, 0); p8(x, 8); }
  al8(x);
}
static void build_stackmap(bb *x) {
  x->n = 0;
  p8(x, 3); p8(x, 0); p16(x, 0);
  p32(x, 2); p32(x, 1); p32(x, 3);
  p64(x, 0x401000); p64(x, 32); p64(x, 2);
  p64(x, 0x402000); p64(x, 48); p64(x, 1);
  p64(x, 0x123456789abcdefull);
  record(x, 7, 0x20, 5, 1);
  record(x, 7, 0x10, 2, 0);
  record(x, 9, 0x8, 1, 3);
}

static void test_stackmap(void) {
  bb x;
  build_stackmap(&x);
  wrt_stackmap sm;
  char err[256];
  int rc = wrt_stackmap_parse(x.b, x.n, &sm, err, sizeof err);
  CHECK(rc == 0, "stackmap parse: %s", err);
  if (rc) return;
  CHECK(sm.nrecs == 3 && sm.nconsts == 1, "counts");
  const wrt_sm_record *r = wrt_stackmap_find(&sm, 0x401020);
  CHECK(r && r->nlocs == 8, "find 0x401020");
  CHECK(r && sm.locs[r->first + 2].off == 5, "deopt count");
  CHECK(r && sm.locs[r->first + 7].kind == SM_CONSTINDEX && wrt_sm_const(&sm, &sm.locs[r->first + 7]) == 0x123456789abcdefull, "const index");
  CHECK(wrt_stackmap_find(&sm, 0x401010) != NULL && wrt_stackmap_find(&sm, 0x402008) != NULL, "find others");
  CHECK(wrt_stackmap_find(&sm, 0x401011) == NULL && wrt_stackmap_find(&sm, 0) == NULL, "no inexact match");
  wrt_stackmap_free(&sm);
  int trunc_ok = 1;
  for (size_t n = 0; n < x.n; n++)
    if (wrt_stackmap_parse(x.b, n, &sm, err, sizeof err) == 0) { trunc_ok = 0; printf("  truncated to %zu parsed\n", n); wrt_stackmap_free(&sm); }
  CHECK(trunc_ok, "stackmap truncations all rejected");
  /* bit flips: no crash (result may be either) */
  int rejected = 0;
  for (size_t i = 0; i < x.n; i++)
    for (int bit = 0; bit < 8; bit += 3) {
      bb y = x;
      y.b[i] ^= (uint8_t)(1u << bit);
      if (wrt_stackmap_parse(y.b, y.n, &sm, err, sizeof err) == 0) wrt_stackmap_free(&sm); else rejected++;
    }
  CHECK(rejected > 0, "some stackmap bit flips rejected");
  x.b[0] = 2;
  CHECK(wrt_stackmap_parse(x.b, x.n, &sm, err, sizeof err) != 0 && strstr(err, "version"), "version check: %s", err);
}

/* ---- snapshots ---- */
static uint8_t mem[3 * 65536];

static void fill_snapshot(wrt_snapshot *s) {
  static wrt_snap_value vals[8], globals[3];
  static wrt_snap_frame frames[2];
  static wrt_snap_loc locs[8];
  static wrt_snap_native native[2];
  static uint32_t elems[4] = { 0, 2, 0xFFFFFFFFu, 1 };
  static wrt_snap_table tables[1];
  static uint8_t dd[2] = { 0, 1 }, ed[1] = { 1 };
  static char *argv[] = { "prog", "a b", NULL }, *envp[] = { "K=V", NULL };
  static wrt_snap_preopen pre[1] = { { 3, "/sandbox", "/tmp/host" } };
  static wrt_snap_file files[1] = { { 5, 1, 3, "dir/f.txt", 1, 1, 0x42, 0, 12345 } };
  memset(s, 0, sizeof *s);
  for (int i = 0; i < 32; i++) s->module_hash[i] = (uint8_t)i;
  s->arch = 1; s->abi = 1; s->time_ns = 1700000000123456789ull; s->reason = 1; s->seq = 3;
  uint32_t nan32 = 0x7fa00001u;                 /* signalling NaN with payload */
  uint64_t nan64 = 0xfff0000000000001ull;
  int32_t neg = -5;
  int64_t big = INT64_MIN;
  vals[0].type = WRT_I32; memcpy(vals[0].bits, &neg, 4);
  vals[1].type = WRT_I64; memcpy(vals[1].bits, &big, 8);
  vals[2].type = WRT_F32; memcpy(vals[2].bits, &nan32, 4);
  vals[3].type = WRT_F64; memcpy(vals[3].bits, &nan64, 8);
  vals[4].type = WRT_V128; for (int i = 0; i < 16; i++) vals[4].bits[i] = (uint8_t)(0xA0 + i);
  vals[5].type = WRT_FUNCREF; memset(vals[5].bits, 0xFF, 4);
  vals[6].type = WRT_EXTERNREF; memset(vals[6].bits, 0xFF, 4);
  vals[7].type = WRT_FUNCREF; vals[7].bits[0] = 2;
  frames[0] = (wrt_snap_frame){ 1, (1ull << 32) | 40, 2, 1, vals };
  frames[1] = (wrt_snap_frame){ 2, (2ull << 32) | 77, 3, 2, vals + 3 };
  for (int i = 0; i < 8; i++) locs[i] = (wrt_snap_loc){ (uint8_t)(1 + i % 5), 8, (uint16_t)(3 + i), -8 * i };
  native[0] = (wrt_snap_native){ 0x401234, 3, locs };
  native[1] = (wrt_snap_native){ 0x401234, 5, locs + 3 };
  s->nframes = 2; s->frames = frames;
  s->has_native = true; s->nnative = 2; s->native = native;
  globals[0] = vals[0]; globals[1] = vals[3]; globals[2] = vals[7];
  s->nglobals = 3; s->globals = globals;
  tables[0] = (wrt_snap_table){ 4, 10, WRT_FUNCREF, elems };
  s->ntables = 1; s->tables = tables;
  for (size_t i = 0; i < 65536; i++) mem[i] = (uint8_t)(i * 7);
  memcpy(mem + 2 * 65536 + 100, "end page", 8);
  s->mem = mem; s->mem_pages = 3; s->mem_max = 5;
  s->ndata = 2; s->data_dropped = dd; s->nelem = 1; s->elem_dropped = ed;
  s->argc = 2; s->argv = argv; s->envc = 1; s->envp = envp;
  s->npreopens = 1; s->preopens = pre; s->nfiles = 1; s->files = files;
  s->borrowed = true;
}

static bool same_val(const wrt_snap_value *a, const wrt_snap_value *b) {
  return a->type == b->type && memcmp(a->bits, b->bits, wrt_valtype_size(a->type)) == 0;
}

static void fix_crcs(uint8_t *b, size_t n) {
  uint32_t c = (uint32_t)crc32(0, b + 64, (uInt)(n - 64));
  memcpy(b + 56, &c, 4);
  c = (uint32_t)crc32(0, b, 60);
  memcpy(b + 60, &c, 4);
}

static void test_snapshot(void) {
  wrt_snapshot s, d;
  fill_snapshot(&s);
  uint8_t *buf;
  size_t len;
  char err[512];
  CHECK(wrt_snapshot_encode(&s, &buf, &len, err, sizeof err) == 0, "encode: %s", err);
  uint8_t *copy = malloc(len);
  memcpy(copy, buf, len);
  int rc = wrt_snapshot_decode(copy, len, s.module_hash, &d, err, sizeof err);
  CHECK(rc == 0, "decode: %s", err);
  if (rc) return;
  CHECK(d.arch == 1 && d.seq == 3 && d.time_ns == s.time_ns && d.reason == 1, "info");
  CHECK(d.nframes == 2 && d.frames[1].func == 2 && d.frames[1].point == ((2ull << 32) | 77) && d.frames[1].nlocals == 3, "frames");
  bool vals_ok = true;
  for (int f = 0; f < 2; f++)
    for (uint32_t k = 0; k < s.frames[f].nlocals + s.frames[f].nstack; k++) vals_ok &= same_val(&s.frames[f].vals[k], &d.frames[f].vals[k]);
  CHECK(vals_ok, "frame values bit-exact (NaN payloads)");
  CHECK(d.nglobals == 3 && same_val(&d.globals[1], &s.globals[1]), "globals");
  CHECK(d.ntables == 1 && d.tables[0].size == 4 && d.tables[0].max == 10 && d.tables[0].elems[2] == 0xFFFFFFFFu && d.tables[0].elems[3] == 1, "tables");
  CHECK(d.mem_pages == 3 && d.mem_max == 5 && d.nchunks == 2 && d.chunks[0].first == 0 && d.chunks[1].first == 2, "memory chunks (zero page skipped)");
  static uint8_t out[3 * 65536];
  memset(out, 0, sizeof out);
  for (uint32_t i = 0; i < d.nchunks; i++) wrt_snapshot_inflate(&d.chunks[i], out + (size_t)d.chunks[i].first * 65536, NULL);
  CHECK(memcmp(out, mem, sizeof mem) == 0, "memory contents");
  CHECK(d.ndata == 2 && d.data_dropped[1] == 1 && d.nelem == 1 && d.elem_dropped[0] == 1, "segments");
  CHECK(d.argc == 2 && strcmp(d.argv[1], "a b") == 0 && d.envc == 1 && strcmp(d.envp[0], "K=V") == 0, "args/env");
  CHECK(d.npreopens == 1 && d.preopens[0].fd == 3 && strcmp(d.preopens[0].guest, "/sandbox") == 0, "preopens");
  CHECK(d.nfiles == 1 && d.files[0].fd == 5 && d.files[0].offset == 12345 && strcmp(d.files[0].path, "dir/f.txt") == 0 && d.files[0].rights_base == 0x42, "files");
  CHECK(d.has_native && d.nnative == 2 && d.native[1].nvals == 5 && d.native[1].locs[4].off == -56 && d.native[1].locs[4].reg == 10, "native");
  wrt_snapshot_free(&d);

  /* module hash */
  uint8_t other[32] = { 0 };
  copy = malloc(len); memcpy(copy, buf, len);
  CHECK(wrt_snapshot_decode(copy, len, other, &d, err, sizeof err) != 0 && strstr(err, "module hash"), "module hash: %s", err);

  /* truncation at every length */
  int bad = 0;
  for (size_t n = 0; n < len; n++) {
    copy = malloc(n ? n : 1); memcpy(copy, buf, n);
    if (wrt_snapshot_decode(copy, n, NULL, &d, err, sizeof err) == 0) { bad++; wrt_snapshot_free(&d); }
  }
  CHECK(bad == 0, "%d truncations accepted", bad);
  /* truncation with a consistent header (lengths and CRCs fixed up): the section parser must catch it */
  bad = 0;
  for (size_t n = 64; n < len; n++) {
    copy = malloc(n); memcpy(copy, buf, n);
    uint64_t bl = n - 64; memcpy(copy + 48, &bl, 8);
    fix_crcs(copy, n);
    if (wrt_snapshot_decode(copy, n, NULL, &d, err, sizeof err) == 0) { bad++; wrt_snapshot_free(&d); }
  }
  CHECK(bad == 1, "%d re-checksummed truncations accepted (only the one dropping the optional NATIVE section may be)", bad);
  /* one bit flipped in every byte: all rejected by the CRCs */
  bad = 0;
  for (size_t i = 0; i < len; i++) {
    copy = malloc(len); memcpy(copy, buf, len);
    copy[i] ^= (uint8_t)(1u << (i % 8));
    if (wrt_snapshot_decode(copy, len, NULL, &d, err, sizeof err) == 0) { bad++; wrt_snapshot_free(&d); }
  }
  CHECK(bad == 0, "%d bit flips accepted", bad);
  /* flips with fixed-up CRCs: must not crash; count the rejected ones */
  int rejected = 0, total = 0;
  for (size_t i = 64; i < len; i++) {
    for (int bit = 0; bit < 8; bit += 2) {
      copy = malloc(len); memcpy(copy, buf, len);
      copy[i] ^= (uint8_t)(1u << bit);
      fix_crcs(copy, len);
      total++;
      if (wrt_snapshot_decode(copy, len, NULL, &d, err, sizeof err) == 0) wrt_snapshot_free(&d); else rejected++;
    }
  }
  printf("     (re-checksummed bit flips: %d of %d rejected, rest decoded without crashing)\n", rejected, total);
  CHECK(rejected > 0, "re-checksummed flips");
  /* wrong lengths: every u32/u64 length/count field changed to huge values */
  bad = 0;
  for (size_t i = 64; i + 4 <= len; i += 1) {
    copy = malloc(len); memcpy(copy, buf, len);
    uint32_t v = 0xFFFFFFF0u; memcpy(copy + i, &v, 4);
    fix_crcs(copy, len);
    if (wrt_snapshot_decode(copy, len, NULL, &d, err, sizeof err) == 0) wrt_snapshot_free(&d);
  }
  CHECK(1, "huge fields decoded without crashing");
  /* specific messages */
  copy = malloc(len); memcpy(copy, buf, len); memcpy(copy, "XANCOSNP", 8);
  CHECK(wrt_snapshot_decode(copy, len, NULL, &d, err, sizeof err) != 0 && strstr(err, "magic"), "magic: %s", err);
  copy = malloc(len); memcpy(copy, buf, len); copy[8] = 3; fix_crcs(copy, len);
  CHECK(wrt_snapshot_decode(copy, len, NULL, &d, err, sizeof err) != 0 && strstr(err, "version 3"), "version: %s", err);
  copy = malloc(len + 3); memcpy(copy, buf, len); memset(copy + len, 0, 3);
  CHECK(wrt_snapshot_decode(copy, len + 3, NULL, &d, err, sizeof err) != 0 && strstr(err, "header says"), "extended: %s", err);
  /* a skipped unknown section (tag 100) is fine */
  copy = malloc(len + 20); memcpy(copy, buf, len);
  uint32_t tag = 100, fl = 0; uint64_t sl = 4;
  memcpy(copy + len, &tag, 4); memcpy(copy + len + 4, &fl, 4); memcpy(copy + len + 8, &sl, 8); memset(copy + len + 16, 7, 4);
  uint64_t bl = len + 20 - 64; memcpy(copy + 48, &bl, 8); fix_crcs(copy, len + 20);
  rc = wrt_snapshot_decode(copy, len + 20, NULL, &d, err, sizeof err);
  CHECK(rc == 0, "unknown section skipped: %s", err);
  if (!rc) wrt_snapshot_free(&d);
  /* issue 12: a section tag 9..99 after NATIVE was parsed as NATIVE and indexed the name table out
   * of bounds; it is an unknown tag (with and without a payload), and so are tag 0 and flags */
  static const struct { uint32_t tag, flags; uint64_t len; const char *want; } extra[] = {
    { 9, 0, 12, "unknown section tag 9" }, { 10, 0, 0, "unknown section tag 10" }, { 99, 0, 4, "unknown section tag 99" },
    { 0, 0, 0, "unknown section tag 0" }, { 8, 0, 4, "after NATIVE" }, { 100, 1, 0, "flags 0x1" },
  };
  for (size_t k = 0; k < sizeof extra / sizeof extra[0]; k++) {
    size_t n = len + 16 + extra[k].len;
    copy = calloc(1, n); memcpy(copy, buf, len);
    memcpy(copy + len, &extra[k].tag, 4); memcpy(copy + len + 4, &extra[k].flags, 4); memcpy(copy + len + 8, &extra[k].len, 8);
    bl = n - 64; memcpy(copy + 48, &bl, 8); fix_crcs(copy, n);
    rc = wrt_snapshot_decode(copy, n, NULL, &d, err, sizeof err);
    CHECK(rc != 0 && strstr(err, extra[k].want), "section %u after NATIVE refused: %s", extra[k].tag, rc ? err : "accepted");
    if (!rc) wrt_snapshot_free(&d);
  }
  free(buf);
  /* the writer does not write strings the readers refuse */
  static char *bad_argv[] = { "prog", "caf\xe9", NULL };
  fill_snapshot(&s);
  s.argv = bad_argv;
  rc = wrt_snapshot_encode(&s, &buf, &len, err, sizeof err);
  CHECK(rc != 0 && strstr(err, "argument 1 is not valid UTF-8"), "non-UTF-8 argument not written: %s", rc ? err : "written");
  if (!rc) free(buf);
}

static void dump(const char *path) {
  wrt_snapshot d;
  char err[512];
  if (wrt_snapshot_read_file(path, NULL, &d, err, sizeof err) != 0) { printf("%s: error: %s\n", path, err); return; }
  printf("%s: arch %u seq %u reason %u frames %u globals %u pages %u chunks %u files %u\n", path, d.arch, d.seq,
         d.reason, d.nframes, d.nglobals, d.mem_pages, d.nchunks, d.nfiles);
  for (uint32_t i = 0; i < d.nframes; i++) {
    printf("  frame %u func %u point 0x%llx:", i, d.frames[i].func, (unsigned long long)d.frames[i].point);
    for (uint32_t k = 0; d.has_native && i < d.nnative && k < d.native[i].nvals; k++)
      printf(" %s/%u%+d", (const char *[]){ "?", "reg", "direct", "indirect", "const", "constidx" }[d.native[i].locs[k].kind],
             d.native[i].locs[k].reg, d.native[i].locs[k].off);
    printf("\n");
  }
  wrt_snapshot_free(&d);
}

/* A memory large enough for the threaded writer (many 16-page chunks) and zero runs between them:
 * encoded to a buffer and to a file, both decode to the same bytes, chunk by chunk in page order. */
static void test_large_memory(void) {
  enum { PAGES = 200 };
  uint8_t *mem = calloc(PAGES, 65536);
  uint32_t x = 12345;
  for (uint32_t pg = 0; pg < PAGES; pg++) {
    if (pg % 37 == 5 || (pg >= 90 && pg < 110)) continue; /* zero pages and a zero run */
    for (size_t i = 0; i < 65536; i += 4) {
      x = x * 1664525u + 1013904223u;
      uint32_t v = pg % 3 ? x : (uint32_t)(i / 64); /* incompressible and compressible pages */
      memcpy(mem + (size_t)pg * 65536 + i, &v, 4);
    }
  }
  wrt_snapshot s;
  fill_snapshot(&s);
  s.mem = mem; s.mem_pages = PAGES; s.mem_max = WRT_NO_MAX;
  uint8_t *buf;
  size_t len;
  char err[512];
  CHECK(wrt_snapshot_encode(&s, &buf, &len, err, sizeof err) == 0, "large encode: %s", err);
  char path[] = "/tmp/wanco-cr-unit-XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  long n = wrt_snapshot_write_file(path, &s, err, sizeof err);
  CHECK(n == (long)len, "file and buffer encodings have the same size (%ld, %zu): %s", n, len, err);
  wrt_snapshot d;
  CHECK(wrt_snapshot_read_file(path, s.module_hash, &d, err, sizeof err) == 0, "large read: %s", err);
  unlink(path);
  uint8_t *out = calloc(PAGES, 65536);
  bool order = true, small = true;
  for (uint32_t i = 0; i < d.nchunks; i++) {
    wrt_snapshot_inflate(&d.chunks[i], out + (size_t)d.chunks[i].first * 65536, NULL);
    if (i && d.chunks[i].first < d.chunks[i - 1].first + d.chunks[i - 1].count) order = false;
    if (d.chunks[i].count > 16) small = false;
  }
  CHECK(memcmp(out, mem, (size_t)PAGES * 65536) == 0, "large memory contents (%u chunks)", d.nchunks);
  CHECK(order && small && d.nchunks >= 12, "chunks in page order, at most 16 pages each (%u chunks)", d.nchunks);
  wrt_snapshot d2;
  CHECK(wrt_snapshot_decode(buf, len, s.module_hash, &d2, err, sizeof err) == 0, "buffer encoding decodes: %s", err);
  wrt_snapshot_free(&d2);
  wrt_snapshot_free(&d);
  free(out);
  free(mem);
}

int main(int argc, char **argv) {
  if (argc > 1) { for (int i = 1; i < argc; i++) dump(argv[i]); return 0; }
  test_stackmap();
  test_snapshot();
  test_large_memory();
  printf("cr_unit: %d ok, %d failed\n", oks, fails);
  return fails != 0;
}
