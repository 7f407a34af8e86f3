/*
 * snapshot_fuzz.c — libFuzzer target for the runtime's snapshot reader (src/snapshot_read.c):
 * decoding, inflating the memory chunks, and a round trip through the writer of what was accepted
 * (decode -> encode -> decode must give the same state). Built with clang-14
 * -fsanitize=fuzzer,address,undefined by `make -C runtime fuzz-snapshot`; run by
 * test/fuzz/libfuzzer.test.ts (seeded with real snapshots, WANCO_FUZZ_SNAPSHOTS sets the length),
 * or by hand:
 *   runtime/build/fuzz/snapshot-fuzz -max_total_time=60 CORPUS_DIR SEED_DIR
 * A crash, a sanitizer report, a leak or a failed round trip ends the run with the input saved.
 */
#include "cr_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Chunks are inflated only up to this many pages in all (the real restore inflates into the
 * module's memory; here a large claimed size would only cost time). */
#define MAX_CHECKED_PAGES 512u
/* Round trips only for memories up to this size (the writer needs the whole linear memory). */
#define MAX_ROUNDTRIP_PAGES 64u

static void die(const char *what, const char *detail) {
  fprintf(stderr, "snapshot_fuzz: %s: %s\n", what, detail);
  abort();
}

static int same_value(const wrt_snap_value *a, const wrt_snap_value *b) {
  return a->type == b->type && memcmp(a->bits, b->bits, wrt_valtype_size(a->type)) == 0;
}

static void roundtrip(const wrt_snapshot *s) {
  uint8_t *mem = calloc(s->mem_pages ? s->mem_pages : 1, WRT_PAGE_SIZE);
  if (!mem) return;
  for (uint32_t i = 0; i < s->nchunks; i++)
    if (wrt_snapshot_inflate(&s->chunks[i], mem + (size_t)s->chunks[i].first * WRT_PAGE_SIZE, NULL) != 0)
      die("round trip", "a checked chunk does not inflate again");
  wrt_snapshot w = *s;
  w.mem = mem;
  w.borrowed = true;
  uint8_t *buf;
  size_t len;
  char err[512];
  if (wrt_snapshot_encode(&w, &buf, &len, err, sizeof err) != 0) die("encode of an accepted snapshot", err);
  wrt_snapshot d;
  if (wrt_snapshot_decode(buf, len, s->module_hash, &d, err, sizeof err) != 0) die("decode of a re-encoded snapshot", err);
  if (wrt_snapshot_check_memory(&d, err, sizeof err) != 0) die("memory of a re-encoded snapshot", err);
  int same = d.arch == s->arch && d.abi == s->abi && d.seq == s->seq && d.reason == s->reason && d.time_ns == s->time_ns &&
             d.nframes == s->nframes && d.nglobals == s->nglobals && d.ntables == s->ntables && d.mem_pages == s->mem_pages &&
             d.mem_max == s->mem_max && d.ndata == s->ndata && d.nelem == s->nelem && d.argc == s->argc && d.envc == s->envc &&
             d.npreopens == s->npreopens && d.nfiles == s->nfiles && d.has_native == s->has_native && d.nnative == s->nnative;
  for (uint32_t i = 0; same && i < s->nframes; i++) {
    same = d.frames[i].func == s->frames[i].func && d.frames[i].point == s->frames[i].point &&
           d.frames[i].nlocals == s->frames[i].nlocals && d.frames[i].nstack == s->frames[i].nstack;
    for (uint32_t k = 0; same && k < s->frames[i].nlocals + s->frames[i].nstack; k++) same = same_value(&d.frames[i].vals[k], &s->frames[i].vals[k]);
  }
  for (uint32_t i = 0; same && i < s->nglobals; i++) same = same_value(&d.globals[i], &s->globals[i]);
  for (uint32_t i = 0; same && i < s->ntables; i++)
    same = d.tables[i].size == s->tables[i].size && d.tables[i].max == s->tables[i].max && d.tables[i].type == s->tables[i].type &&
           memcmp(d.tables[i].elems, s->tables[i].elems, (size_t)s->tables[i].size * 4) == 0;
  for (uint32_t i = 0; same && i < s->argc; i++) same = strcmp(d.argv[i], s->argv[i]) == 0;
  for (uint32_t i = 0; same && i < s->envc; i++) same = strcmp(d.envp[i], s->envp[i]) == 0;
  for (uint32_t i = 0; same && i < s->nfiles; i++)
    same = d.files[i].fd == s->files[i].fd && d.files[i].offset == s->files[i].offset && strcmp(d.files[i].path, s->files[i].path) == 0;
  if (same && s->mem_pages) {
    uint8_t *back = calloc(s->mem_pages, WRT_PAGE_SIZE);
    if (back) {
      for (uint32_t i = 0; i < d.nchunks; i++) wrt_snapshot_inflate(&d.chunks[i], back + (size_t)d.chunks[i].first * WRT_PAGE_SIZE, NULL);
      same = memcmp(back, mem, (size_t)s->mem_pages * WRT_PAGE_SIZE) == 0;
      free(back);
    }
  }
  if (!same) die("round trip", "the re-encoded snapshot decodes to another state");
  wrt_snapshot_free(&d);
  free(mem);
}

/* libFuzzer's own mutations, then (15 times in 16) the header's body length and both CRC-32s made
 * to match, so that the mutants reach the section parsers instead of stopping at the checksums. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed) {
  size = LLVMFuzzerMutate(data, size, max_size);
  if (size >= WSNAP_HEADER && seed % 16 != 0) {
    uint64_t body = size - WSNAP_HEADER;
    memcpy(data + 48, &body, 8);
    uint32_t crc = (uint32_t)crc32(crc32(0, Z_NULL, 0), data + WSNAP_HEADER, (uInt)body);
    memcpy(data + 56, &crc, 4);
    crc = (uint32_t)crc32(crc32(0, Z_NULL, 0), data, 60);
    memcpy(data + 60, &crc, 4);
  }
  return size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *buf = malloc(size ? size : 1);
  if (!buf) return 0;
  memcpy(buf, data, size);
  wrt_snapshot s;
  char err[512];
  if (wrt_snapshot_decode(buf, size, NULL, &s, err, sizeof err) != 0) return 0; /* buf freed by decode */
  uint64_t pages = 0;
  for (uint32_t i = 0; i < s.nchunks; i++) pages += s.chunks[i].count;
  if (pages <= MAX_CHECKED_PAGES && wrt_snapshot_check_memory(&s, err, sizeof err) == 0 && s.mem_pages <= MAX_ROUNDTRIP_PAGES)
    roundtrip(&s);
  wrt_snapshot_free(&s);
  return 0;
}
