/*
 * snapshot_check.c — the runtime's snapshot reader (src/snapshot_read.c) without a program around it,
 * for the differential fuzzing of test/fuzz/ (built with AddressSanitizer and UBSan by
 * `make -C runtime fuzz-snapshot`). It applies every rule of docs/snapshot-format.md that does not
 * depend on a module: decoding (wrt_snapshot_decode, no module hash) and inflating every memory
 * chunk (wrt_snapshot_check_memory, what --restore does into linear memory).
 *
 *   snapshot-check FILE...   one line per file: "FILE: ok <summary>" or "FILE: error: <reason>";
 *                            exit status 1 when any file is refused
 *   snapshot-check --batch   reads records (u32 little-endian length, then that many bytes) from
 *                            stdin until EOF; one line per record: "ok <summary>", "decode <reason>"
 *                            or "memory <reason>"
 *   snapshot-check --zstd    reads records (u32 page count, u32 length, frame bytes); one line per
 *                            record: "ok <crc32 of the content>" or "error <libzstd's error name>"
 *
 * The summary is what test/fuzz/harness.ts computes from the TypeScript reader's result, so that
 * accepted snapshots are compared by contents, not only by verdict.
 */
#include "cr_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

static uint32_t crc_of(uint32_t crc, const void *p, size_t n) {
  const uint8_t *b = p;
  while (n) {
    size_t k = n > (1u << 30) ? (1u << 30) : n;
    crc = (uint32_t)crc32(crc, b, (uInt)k);
    b += k;
    n -= k;
  }
  return crc;
}

/* The contents of every memory chunk, in order (0 when the snapshot has none). */
static int memory_crc(const wrt_snapshot *s, uint32_t *out) {
  uint32_t crc = (uint32_t)crc32(0, Z_NULL, 0);
  for (uint32_t i = 0; i < s->nchunks; i++) {
    size_t n = (size_t)s->chunks[i].count * WRT_PAGE_SIZE;
    uint8_t *buf = malloc(n);
    if (!buf || wrt_snapshot_inflate(&s->chunks[i], buf, NULL) != 0) { free(buf); return -1; }
    crc = crc_of(crc, buf, n);
    free(buf);
  }
  *out = crc;
  return 0;
}

/* A digest of everything decoded: values, tables, strings and memory. */
static uint32_t contents_crc(const wrt_snapshot *s) {
  uint32_t c = (uint32_t)crc32(0, Z_NULL, 0);
  for (uint32_t i = 0; i < s->nframes; i++) {
    const wrt_snap_frame *f = &s->frames[i];
    c = crc_of(c, &f->func, 4);
    c = crc_of(c, &f->point, 8);
    for (uint32_t k = 0; k < f->nlocals + f->nstack; k++) {
      c = crc_of(c, &f->vals[k].type, 1);
      c = crc_of(c, f->vals[k].bits, wrt_valtype_size(f->vals[k].type));
    }
  }
  for (uint32_t i = 0; i < s->nglobals; i++) {
    c = crc_of(c, &s->globals[i].type, 1);
    c = crc_of(c, s->globals[i].bits, wrt_valtype_size(s->globals[i].type));
  }
  for (uint32_t i = 0; i < s->ntables; i++) c = crc_of(c, s->tables[i].elems, (size_t)s->tables[i].size * 4);
  for (uint32_t i = 0; i < s->argc; i++) c = crc_of(c, s->argv[i], strlen(s->argv[i]) + 1);
  for (uint32_t i = 0; i < s->envc; i++) c = crc_of(c, s->envp[i], strlen(s->envp[i]) + 1);
  for (uint32_t i = 0; i < s->npreopens; i++) {
    c = crc_of(c, s->preopens[i].guest, strlen(s->preopens[i].guest) + 1);
    c = crc_of(c, s->preopens[i].host, strlen(s->preopens[i].host) + 1);
  }
  for (uint32_t i = 0; i < s->nfiles; i++) {
    c = crc_of(c, s->files[i].path, strlen(s->files[i].path) + 1);
    c = crc_of(c, &s->files[i].offset, 8);
  }
  return c;
}

/* Decodes and checks buf (taken over). 0: accepted, summary in out; 1: refused by decoding; 2: by
 * the memory check; reason in out. */
static int check(uint8_t *buf, size_t len, char *out, size_t outlen) {
  wrt_snapshot s;
  char err[512];
  if (wrt_snapshot_decode(buf, len, NULL, &s, err, sizeof err) != 0) {
    snprintf(out, outlen, "%s", err);
    return 1;
  }
  int rc = 0;
  uint32_t mem = 0;
  if (wrt_snapshot_check_memory(&s, err, sizeof err) != 0) {
    snprintf(out, outlen, "%s", err);
    rc = 2;
  } else if (memory_crc(&s, &mem) != 0) {
    snprintf(out, outlen, "memory chunks inflated once but not twice");
    rc = 2;
  } else {
    snprintf(out, outlen, "arch=%u seq=%u frames=%u globals=%u tables=%u pages=%u max=%u chunks=%u memory=%08x data=%u elem=%u "
             "args=%u env=%u preopens=%u files=%u native=%u contents=%08x",
             s.arch, s.seq, s.nframes, s.nglobals, s.ntables, s.mem_pages, s.mem_max, s.nchunks, mem, s.ndata, s.nelem,
             s.argc, s.envc, s.npreopens, s.nfiles, s.has_native ? s.nnative : 0, contents_crc(&s));
  }
  wrt_snapshot_free(&s);
  return rc;
}

static int read_exact(void *p, size_t n) {
  return fread(p, 1, n, stdin) == n ? 0 : -1;
}

static int batch(void) {
  static char line[1024];
  for (;;) {
    uint32_t len;
    if (read_exact(&len, 4) != 0) return 0;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf || read_exact(buf, len) != 0) { fprintf(stderr, "snapshot-check: truncated record\n"); return 2; }
    int rc = check(buf, len, line, sizeof line);
    printf("%s %s\n", rc == 0 ? "ok" : rc == 1 ? "decode" : "memory", line);
    fflush(stdout);
  }
}

static int zstd_batch(void) {
  for (;;) {
    uint32_t pages, len;
    if (read_exact(&pages, 4) != 0) return 0;
    if (read_exact(&len, 4) != 0 || pages > 4096) { fprintf(stderr, "snapshot-check: bad record\n"); return 2; }
    uint8_t *src = malloc(len ? len : 1);
    size_t want = (size_t)pages * WRT_PAGE_SIZE;
    uint8_t *dst = malloc(want ? want : 1);
    if (!src || !dst || read_exact(src, len) != 0) { fprintf(stderr, "snapshot-check: truncated record\n"); return 2; }
    size_t got = ZSTD_decompress(dst, want, src, len);
    if (ZSTD_isError(got)) printf("error %s\n", ZSTD_getErrorName(got));
    else if (got != want) printf("error decompressed %zu bytes\n", got);
    else printf("ok %08x\n", crc_of((uint32_t)crc32(0, Z_NULL, 0), dst, want));
    fflush(stdout);
    free(src);
    free(dst);
  }
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--batch") == 0) return batch();
  if (argc == 2 && strcmp(argv[1], "--zstd") == 0) return zstd_batch();
  if (argc < 2 || argv[1][0] == '-') {
    fprintf(stderr, "usage: snapshot-check FILE... | --batch | --zstd\n");
    return 2;
  }
  int bad = 0;
  for (int i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "rb");
    if (!f) { printf("%s: error: cannot open\n", argv[i]); bad = 1; continue; }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    if (!buf || (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)) { printf("%s: error: cannot read\n", argv[i]); bad = 1; fclose(f); free(buf); continue; }
    fclose(f);
    char line[1024];
    int rc = check(buf, (size_t)n, line, sizeof line);
    printf("%s: %s%s\n", argv[i], rc ? "error: " : "ok ", line);
    bad |= rc != 0;
  }
  return bad;
}
