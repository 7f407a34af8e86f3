/*
 * control.c — the control channel (--control PATH): a Unix stream socket the
 * program listens on, one client at a time, line-delimited JSON (protocol in
 * runtime/README.md). A small pthread serves the socket; everything that
 * touches Wasm state runs on the Wasm (main) thread at its next migration
 * point: the socket thread queues the request and sets wrt_cr_flag. While
 * stopped, the main thread waits on a condition variable for requests.
 */
#include "cr_internal.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

bool wrt_ctl_enabled;
bool wrt_ctl_pause_on_start;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;   /* state below */
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t wmu = PTHREAD_MUTEX_INITIALIZER;  /* writes to the client */
static int listen_fd = -1, client_fd = -1;
static char *sock_path;

typedef struct req { char *line; struct req *next; } req;
static req *q_head, *q_tail;
static bool stopped, pause_req, step_req;
static uint8_t *bp, *cpat;       /* per point index: breakpoint / checkpoint_at */
static uint32_t nbp, ncpat;
static volatile int wants;       /* mirror of "the Wasm thread is needed" */
static char stop_event[256];     /* re-sent to a client that connects while stopped */
static char stop_reason[16];     /* of the current stop */
static char *restop_line;        /* set_local rewound the frames: its response, sent when the point runs again */
static uint64_t restop_point;

static void update_wants(void) { wants = q_head || pause_req || step_req || nbp || ncpat || restop_line; }

/* ---- minimal JSON ---- */
typedef struct { const char *s; size_t n; } span;

static const char *skip_ws(const char *p) { while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++; return p; }
/* Returns the end of the JSON value starting at p, or NULL. */
static const char *skip_value(const char *p, int depth) {
  p = skip_ws(p);
  if (depth > 16) return NULL;
  if (*p == '"') {
    for (p++; *p && *p != '"'; p++) if (*p == '\\' && !*++p) return NULL;
    return *p == '"' ? p + 1 : NULL;
  }
  if (*p == '{' || *p == '[') {
    char close = *p == '{' ? '}' : ']';
    p = skip_ws(p + 1);
    if (*p == close) return p + 1;
    for (;;) {
      if (close == '}') {
        p = skip_value(p, depth + 1);
        if (!p) return NULL;
        p = skip_ws(p);
        if (*p++ != ':') return NULL;
      }
      p = skip_value(p, depth + 1);
      if (!p) return NULL;
      p = skip_ws(p);
      if (*p == ',') { p++; continue; }
      return *p == close ? p + 1 : NULL;
    }
  }
  const char *q = p;
  while (*q && strchr("+-.0123456789eEtruefalsn", *q)) q++;
  return q > p ? q : NULL;
}
/* Finds top-level key in object line; value span. */
static bool jget(const char *line, const char *key, span *out) {
  const char *p = skip_ws(line);
  if (*p != '{') return false;
  p = skip_ws(p + 1);
  size_t kl = strlen(key);
  while (*p == '"') {
    const char *ke = skip_value(p, 0);
    if (!ke) return false;
    bool match = (size_t)(ke - p - 2) == kl && strncmp(p + 1, key, kl) == 0;
    p = skip_ws(ke);
    if (*p++ != ':') return false;
    p = skip_ws(p);
    const char *ve = skip_value(p, 0);
    if (!ve) return false;
    if (match) { out->s = p; out->n = (size_t)(ve - p); return true; }
    p = skip_ws(ve);
    if (*p == ',') p = skip_ws(p + 1);
  }
  return false;
}
/* Copies a JSON string (or bare token) without escapes handling beyond \" and \\. */
static bool jstr(span v, char *out, size_t outlen) {
  size_t k = 0;
  if (v.n >= 2 && v.s[0] == '"') {
    for (size_t i = 1; i + 1 < v.n && k + 1 < outlen; i++) {
      char c = v.s[i];
      if (c == '\\' && i + 2 < v.n) c = v.s[++i];
      out[k++] = c;
    }
  } else {
    for (size_t i = 0; i < v.n && k + 1 < outlen; i++) out[k++] = v.s[i];
  }
  out[k] = 0;
  return true;
}
static bool jget_str(const char *line, const char *key, char *out, size_t outlen) {
  span v;
  return jget(line, key, &v) && jstr(v, out, outlen);
}
static bool jget_u64(const char *line, const char *key, uint64_t *out) {
  char b[64];
  if (!jget_str(line, key, b, sizeof b) || !*b) return false;
  char *end;
  errno = 0;
  *out = strtoull(b, &end, 0);
  return !*end && !errno;
}
/* Iterates the elements of an array span; returns false at the end. */
static bool jarr_next(span *arr, const char **cursor, span *elem) {
  const char *p = *cursor ? *cursor : arr->s + 1;
  p = skip_ws(p);
  if (*p == ',') p = skip_ws(p + 1);
  if (p >= arr->s + arr->n || *p == ']') return false;
  const char *e = skip_value(p, 0);
  if (!e || e > arr->s + arr->n) return false;
  elem->s = p;
  elem->n = (size_t)(e - p);
  *cursor = e;
  return true;
}

/* ---- output ---- */
typedef struct { char *p; size_t n, cap; } sbuf;
static void sb_putn(sbuf *b, const char *s, size_t n) {
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (b->n + n + 1 > cap) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) return;
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = 0;
}
static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...) {
  char tmp[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof tmp) { sb_putn(b, tmp, (size_t)n); return; }
  char *big = malloc((size_t)n + 1);
  if (!big) return;
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  sb_putn(b, big, (size_t)n);
  free(big);
}
static void sb_jstr(sbuf *b, const char *s) {
  sb_putn(b, "\"", 1);
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') { char e[2] = { '\\', (char)c }; sb_putn(b, e, 2); }
    else if (c < 0x20) sb_printf(b, "\\u%04x", c);
    else sb_putn(b, (const char *)&c, 1);
  }
  sb_putn(b, "\"", 1);
}
static void send_line(sbuf *b) {
  sb_putn(b, "\n", 1);
  pthread_mutex_lock(&wmu);
  int fd = client_fd;
  size_t off = 0;
  while (fd >= 0 && b->p && off < b->n) {
    ssize_t w = send(fd, b->p + off, b->n - off, MSG_NOSIGNAL);
    if (w < 0) { if (errno == EINTR) continue; break; }
    off += (size_t)w;
  }
  pthread_mutex_unlock(&wmu);
  free(b->p);
  b->p = NULL;
  b->n = b->cap = 0;
}
/* Starts a response: {"id":ID,"ok":... */
static void resp_begin(sbuf *b, const char *line, bool ok) {
  span id;
  sb_putn(b, "{\"id\":", 6);
  if (jget(line, "id", &id)) sb_putn(b, id.s, id.n); else sb_putn(b, "null", 4);
  sb_printf(b, ",\"ok\":%s", ok ? "true" : "false");
}
static void respond_ok(const char *line) { sbuf b = { 0 }; resp_begin(&b, line, true); sb_putn(&b, "}", 1); send_line(&b); }
static void respond_err(const char *line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void respond_err(const char *line, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  sbuf b = { 0 };
  resp_begin(&b, line, false);
  sb_putn(&b, ",\"error\":", 9);
  sb_jstr(&b, msg);
  sb_putn(&b, "}", 1);
  send_line(&b);
}

/* ---- rendering ---- */
static const char *kind_name(uint32_t k) {
  switch (k) {
  case WRT_POINT_FUNC_ENTRY: return "entry";
  case WRT_POINT_LOOP: return "loop";
  case WRT_POINT_CALL: return "call";
  case WRT_POINT_STATEMENT: return "statement";
  case WRT_POINT_AFTER_CALL: return "after-call";
  default: return "?";
  }
}
static const char *type_name(uint8_t t) {
  switch (t) {
  case WRT_I32: return "i32"; case WRT_I64: return "i64"; case WRT_F32: return "f32"; case WRT_F64: return "f64";
  case WRT_V128: return "v128"; case WRT_FUNCREF: return "funcref"; case WRT_EXTERNREF: return "externref";
  default: return "?";
  }
}
/* Values go out raw (compiler-core/src/values/wire.ts owns the form; values/text.ts gives them
   their text): the payload as an unsigned integer of the type's width in hex, most significant
   digit first, and the stackmap location the value was read from. */
static unsigned value_width(uint8_t t) {
  switch (t) {
  case WRT_I64: case WRT_F64: return 8;
  case WRT_V128: return 16;
  default: return 4;
  }
}
static const char *place_kind_name(uint8_t k) {
  switch (k) {
  case SM_REGISTER: return "register";
  case SM_DIRECT: return "direct";
  case SM_INDIRECT: return "indirect";
  case SM_CONSTANT: return "constant";
  default: return "constant-index";
  }
}
static void render_value(sbuf *b, const wrt_snap_value *v, const wrt_snap_loc *loc) {
  sb_printf(b, "{\"type\":\"%s\",\"bits\":\"", type_name(v->type));
  for (int i = (int)value_width(v->type) - 1; i >= 0; i--) sb_printf(b, "%02x", v->bits[i]);
  sb_putn(b, "\"", 1);
  if (loc) sb_printf(b, ",\"loc\":{\"kind\":\"%s\",\"size\":%u,\"reg\":%u,\"off\":%d}", place_kind_name(loc->kind), loc->size, loc->reg, loc->off);
  sb_putn(b, "}", 1);
}

static uint32_t point_index(uint64_t id) {
  const wrt_cr_point_desc *d = wrt_cr_find_point(id);
  return d ? (uint32_t)(d - wrt_module.points) : UINT32_MAX;
}

/* ---- handlers run on the Wasm thread ---- */
static bool at_start;   /* stopped before the entry function */

static void do_state(const char *line) {
  wrt_snapshot s;
  char err[256];
  memset(&s, 0, sizeof s);
  if (!at_start && wrt_cr_capture_frames(&s, err, sizeof err) != 0) { respond_err(line, "%s", err); return; }
  sbuf b = { 0 };
  resp_begin(&b, line, true);
#if defined(__x86_64__)
  sb_printf(&b, ",\"arch\":\"x86_64\"");
#else
  sb_printf(&b, ",\"arch\":\"aarch64\"");
#endif
  sb_putn(&b, ",\"frames\":[", 11);
  for (uint32_t i = 0; i < s.nframes; i++) {
    const wrt_snap_frame *f = &s.frames[i];
    const wrt_cr_point_desc *d = wrt_cr_find_point(f->point);
    const char *name = wrt_module.func_names && f->func < wrt_module.num_funcs ? wrt_module.func_names[f->func] : NULL;
    sb_printf(&b, "%s{\"index\":%u,\"func\":%u,\"name\":", i ? "," : "", i, f->func);
    if (name) sb_jstr(&b, name); else sb_putn(&b, "null", 4);
    sb_printf(&b, ",\"point\":\"0x%" PRIx64 "\",\"kind\":\"%s\",\"return_address\":\"0x%" PRIx64 "\",\"locals\":[",
              f->point, d ? kind_name(d->kind) : "?", s.native[i].ret_addr);
    for (uint32_t k = 0; k < f->nlocals + f->nstack; k++) {
      if (k == f->nlocals) sb_putn(&b, "],\"stack\":[", 11);
      else if (k) sb_putn(&b, ",", 1);
      render_value(&b, &f->vals[k], &s.native[i].locs[k]);
    }
    if (f->nlocals == f->nlocals + f->nstack) sb_putn(&b, "],\"stack\":[", 11);
    sb_putn(&b, "]}", 2);
  }
  sb_putn(&b, "],\"globals\":[", 13);
  for (uint32_t i = 0; i < wrt_module.num_globals; i++) {
    const wrt_global_desc *g = &wrt_module.globals[i];
    wrt_snap_value v = { .type = g->type };
    if (g->type == WRT_FUNCREF || g->type == WRT_EXTERNREF) {
      void *p;
      memcpy(&p, g->addr, sizeof p);
      uint32_t idx = 0xFFFFFFFFu;
      if (p && g->type == WRT_FUNCREF) idx = (uint32_t)(((uintptr_t)p - (uintptr_t)wrt_module.funcs) / sizeof(wrt_func));
      else if (p) idx = 0xFFFFFFFEu;
      memcpy(v.bits, &idx, 4);
    } else {
      memcpy(v.bits, g->addr, wrt_valtype_size(g->type));
    }
    if (i) sb_putn(&b, ",", 1);
    render_value(&b, &v, NULL);
    b.n--; /* the global's native place: its address */
    sb_printf(&b, ",\"addr\":\"0x%" PRIxPTR "\"}", (uintptr_t)g->addr);
  }
  sb_printf(&b, "],\"memory\":{\"pages\":%" PRIu64 "}}", wrt_mem_size / WRT_PAGE_SIZE);
  send_line(&b);
  wrt_cr_capture_free(&s);
}

static void do_read_memory(const char *line) {
  uint64_t addr, len;
  char enc[16] = "hex";
  if (!jget_u64(line, "addr", &addr) || !jget_u64(line, "len", &len)) { respond_err(line, "read_memory needs addr and len"); return; }
  jget_str(line, "encoding", enc, sizeof enc);
  if (len > (1u << 20)) { respond_err(line, "len is limited to 1048576"); return; }
  if (addr + len > wrt_mem_size) { respond_err(line, "range 0x%" PRIx64 "+%" PRIu64 " is outside the memory (%" PRIu64 " bytes)", addr, len, wrt_mem_size); return; }
  sbuf b = { 0 };
  resp_begin(&b, line, true);
  const uint8_t *p = wrt_mem_base + addr;
  if (strcmp(enc, "base64") == 0) {
    static const char tb[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    sb_putn(&b, ",\"encoding\":\"base64\",\"data\":\"", 29);
    for (uint64_t i = 0; i < len; i += 3) {
      uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < len ? p[i + 2] : 0);
      char o[4] = { tb[v >> 18], tb[(v >> 12) & 63], i + 1 < len ? tb[(v >> 6) & 63] : '=', i + 2 < len ? tb[v & 63] : '=' };
      sb_putn(&b, o, 4);
    }
  } else {
    sb_putn(&b, ",\"encoding\":\"hex\",\"data\":\"", 26);
    for (uint64_t i = 0; i < len; i++) sb_printf(&b, "%02x", p[i]);
  }
  sb_printf(&b, "\",\"addr\":%" PRIu64 ",\"len\":%" PRIu64 "}", addr, len);
  send_line(&b);
}

/* Decodes the base64 text s[0..n) (JSON's escaping backslashes skipped) into out;
 * returns the byte count, or -1 when it is not base64 or does not fit. */
static long b64_decode(const char *s, size_t n, uint8_t *out, size_t cap) {
  uint32_t acc = 0;
  int bits = 0;
  size_t k = 0;
  bool pad = false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    int v;
    if (c == '\\') continue;
    if (c == '=') { pad = true; continue; }
    if (pad) return -1; /* data after the padding */
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    else return -1;
    acc = acc << 6 | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (k == cap) return -1;
      out[k++] = (uint8_t)(acc >> bits);
    }
  }
  return (long)k;
}

static void do_write_memory(const char *line) {
  uint64_t addr;
  span v;
  if (!jget_u64(line, "addr", &addr) || !jget(line, "data", &v) || v.n < 2 || v.s[0] != '"') {
    respond_err(line, "write_memory needs addr and data (base64)");
    return;
  }
  size_t cap = (v.n / 4 + 1) * 3;
  if (cap > (1u << 20) + 3) { respond_err(line, "data is limited to 1048576 bytes"); return; }
  uint8_t *buf = malloc(cap);
  long len = buf ? b64_decode(v.s + 1, v.n - 2, buf, cap) : -1;
  if (len < 0) { free(buf); respond_err(line, "data is not base64"); return; }
  if (addr > wrt_mem_size || (uint64_t)len > wrt_mem_size - addr) {
    free(buf);
    respond_err(line, "range 0x%" PRIx64 "+%ld is outside the memory (%" PRIu64 " bytes)", addr, len, wrt_mem_size);
    return;
  }
  /* the program is stopped in wrt_cr_point, an opaque call: its code reloads memory after it */
  memcpy(wrt_mem_base + addr, buf, (size_t)len);
  free(buf);
  sbuf b = { 0 };
  resp_begin(&b, line, true);
  sb_printf(&b, ",\"addr\":%" PRIu64 ",\"len\":%ld}", addr, len);
  send_line(&b);
}

/* Reads a value's bits in the wire form (see render_value) into the payload of a value of type t. */
static bool parse_bits(uint8_t t, const char *hex, uint8_t bits[16]) {
  unsigned width = value_width(t);
  memset(bits, 0, 16);
  if (strlen(hex) != 2 * width) return false;
  for (unsigned i = 0; i < width; i++) {
    unsigned x;
    const char *p = hex + 2 * (width - 1 - i);
    if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) || sscanf(p, "%2x", &x) != 1) return false;
    bits[i] = (uint8_t)x;
  }
  if (t == WRT_FUNCREF) {
    uint32_t idx;
    memcpy(&idx, bits, 4);
    if (idx != 0xFFFFFFFFu && idx >= wrt_module.num_funcs) return false;
  }
  return true;
}

/*
 * Changes a local or operand-stack value of any frame. Compiled code keeps values where LLVM put
 * them (registers, spill slots that are only copies), so writing those in place would not reach
 * the program: the frames are captured, the value changed, and the frames rebuilt through the
 * restore variants (wrt_cr_rewind). The response is sent when the innermost point runs again.
 */
static void do_set_local(const char *line) {
  uint64_t frame, index;
  char text[40];
  if (at_start) { respond_err(line, "no Wasm frame yet (paused before the entry function)"); return; }
  if (!jget_u64(line, "frame", &frame) || !jget_u64(line, "index", &index) || !jget_str(line, "bits", text, sizeof text)) {
    respond_err(line, "set_local needs frame, index and bits");
    return;
  }
  if (!wrt_cr_rewind_armed) { respond_err(line, "values cannot be changed in this run (no restore entry)"); return; }
  wrt_snapshot s;
  char err[256];
  if (wrt_cr_capture_frames(&s, err, sizeof err) != 0) { respond_err(line, "%s", err); return; }
  if (frame >= s.nframes) { respond_err(line, "there is no frame %" PRIu64 " (%u frames)", frame, s.nframes); goto out; }
  wrt_snap_frame *f = &s.frames[frame];
  if (index >= (uint64_t)f->nlocals + f->nstack) { respond_err(line, "frame %" PRIu64 " has no value %" PRIu64, frame, index); goto out; }
  uint8_t t = f->vals[index].type;
  uint8_t bits[16];
  if (t == WRT_EXTERNREF) { respond_err(line, "externref values cannot be set"); goto out; }
  if (!parse_bits(t, text, bits)) { respond_err(line, "bad %s bits '%s'", type_name(t), text); goto out; }
  memcpy(f->vals[index].bits, bits, 16);
  restop_line = strdup(line);
  if (!restop_line) { respond_err(line, "out of memory"); goto out; }
  /* the innermost frame's point is where the program stops again */
  restop_point = s.frames[s.nframes - 1].point;
  pthread_mutex_lock(&mu);
  update_wants();
  wrt_cr_flag = 1;
  pthread_mutex_unlock(&mu);
  for (uint32_t i = 0; i < s.nnative; i++) free(s.native[i].locs);
  free(s.native);
  wrt_cr_rewind(s.frames, s.nframes); /* takes the frames; does not return */
out:
  wrt_cr_capture_free(&s);
}

static void do_set_global(const char *line) {
  uint64_t index;
  char text[40];
  if (!jget_u64(line, "index", &index) || !jget_str(line, "bits", text, sizeof text)) { respond_err(line, "set_global needs index and bits"); return; }
  if (index >= wrt_module.num_globals) { respond_err(line, "there is no global %" PRIu64 " (%u globals)", index, wrt_module.num_globals); return; }
  const wrt_global_desc *g = &wrt_module.globals[index];
  if (!g->mut) { respond_err(line, "global %" PRIu64 " is immutable (the compiler may have used its value as a constant)", index); return; }
  uint8_t bits[16];
  if (g->type == WRT_EXTERNREF) { respond_err(line, "externref globals cannot be set"); return; }
  if (!parse_bits(g->type, text, bits)) { respond_err(line, "bad %s bits '%s'", type_name(g->type), text); return; }
  if (g->type == WRT_FUNCREF) {
    uint32_t idx;
    memcpy(&idx, bits, 4);
    void *p = idx == 0xFFFFFFFFu ? NULL : (void *)&wrt_module.funcs[idx];
    memcpy(g->addr, &p, sizeof p);
  } else {
    memcpy(g->addr, bits, wrt_valtype_size(g->type));
  }
  respond_ok(line);
}

static void do_checkpoint(const char *line, const char *path, uint32_t reason) {
  char p[4096], err[512];
  if (!path) {
    if (!jget_str(line, "path", p, sizeof p) || !*p) snprintf(p, sizeof p, "%s", wrt_cr_snapshot_path);
    path = p;
  }
  uint32_t nf = 0;
  wrt_stdout_flush();
  long size = wrt_cr_checkpoint(path, reason, &nf, err, sizeof err);
  if (!line) return;
  if (size < 0) { respond_err(line, "checkpoint failed: %s", err); return; }
  sbuf b = { 0 };
  resp_begin(&b, line, true);
  sb_putn(&b, ",\"path\":", 8);
  sb_jstr(&b, path);
  sb_printf(&b, ",\"size\":%ld,\"frames\":%u,\"seq\":%u}", size, nf, wrt_cr_seq());
  send_line(&b);
}


static req *pop(void) {
  req *r = q_head;
  if (r) { q_head = r->next; if (!q_head) q_tail = NULL; }
  update_wants();
  return r;
}

/* Handles one queued request on the Wasm thread; returns true when it resumes execution. */
static bool handle_main(const char *line, bool is_stopped) {
  char cmd[32] = "";
  jget_str(line, "cmd", cmd, sizeof cmd);
  if (strcmp(cmd, "checkpoint") == 0) { do_checkpoint(line, NULL, SNAP_REASON_CONTROL); return false; }
  if (!is_stopped) { respond_err(line, "'%s' needs the program to be stopped (send pause first)", cmd); return false; }
  if (strcmp(cmd, "state") == 0) do_state(line);
  else if (strcmp(cmd, "read_memory") == 0) do_read_memory(line);
  else if (strcmp(cmd, "write_memory") == 0) do_write_memory(line);
  else if (strcmp(cmd, "set_local") == 0) do_set_local(line);
  else if (strcmp(cmd, "set_global") == 0) do_set_global(line);
  else if (strcmp(cmd, "resume") == 0) { respond_ok(line); return true; }
  else if (strcmp(cmd, "step") == 0) {
    pthread_mutex_lock(&mu);
    step_req = true;
    update_wants();
    pthread_mutex_unlock(&mu);
    respond_ok(line);
    return true;
  } else respond_err(line, "unknown command '%s'", cmd);
  return false;
}

/* Stops until resume/step. reply: a deferred request answered instead of sending the event. */
static void stop_loop(const char *reason, uint64_t id, const char *reply) {
  sbuf b = { 0 };
  if (id == UINT64_MAX) sb_printf(&b, "{\"event\":\"stopped\",\"reason\":\"%s\"}", reason);
  else sb_printf(&b, "{\"event\":\"stopped\",\"reason\":\"%s\",\"point\":\"0x%" PRIx64 "\",\"func\":%u}", reason, id, (uint32_t)(id >> 32));
  pthread_mutex_lock(&mu);
  stopped = true;
  pause_req = false;
  snprintf(stop_event, sizeof stop_event, "%s", b.p ? b.p : "");
  snprintf(stop_reason, sizeof stop_reason, "%s", reason);
  pthread_mutex_unlock(&mu);
  wrt_stdout_flush();
  if (reply) {
    free(b.p);
    respond_ok(reply);
  } else {
    send_line(&b);
  }
  for (;;) {
    pthread_mutex_lock(&mu);
    while (!q_head) pthread_cond_wait(&cv, &mu);
    req *r = pop();
    pthread_mutex_unlock(&mu);
    bool go = handle_main(r->line, true);
    free(r->line);
    free(r);
    if (go) break;
  }
  pthread_mutex_lock(&mu);
  stopped = false;
  update_wants();
  pthread_mutex_unlock(&mu);
}

bool wrt_ctl_wants_flag(void) { return wants; }

void wrt_ctl_at_point(uint64_t id) {
  if (restop_line && id == restop_point) {
    /* the rebuilt frames reached the point they were stopped at: stopped again, set_local answered */
    char *line = restop_line;
    char reason[16];
    snprintf(reason, sizeof reason, "%s", stop_reason);
    pthread_mutex_lock(&mu);
    restop_line = NULL;
    update_wants();
    pthread_mutex_unlock(&mu);
    stop_loop(reason, id, line);
    free(line);
    return;
  }
  /* queued requests first (checkpoint while running, or errors) */
  for (;;) {
    pthread_mutex_lock(&mu);
    req *r = pop();
    pthread_mutex_unlock(&mu);
    if (!r) break;
    handle_main(r->line, false);
    free(r->line);
    free(r);
  }
  uint32_t pi = point_index(id);
  pthread_mutex_lock(&mu);
  const char *reason = step_req ? "step" : pause_req ? "pause" : (pi != UINT32_MAX && bp && bp[pi]) ? "breakpoint" : NULL;
  bool cp = pi != UINT32_MAX && cpat && cpat[pi];
  step_req = false;
  update_wants();
  pthread_mutex_unlock(&mu);
  if (cp) {
    char path[4096], err[512];
    const char *base = wrt_cr_snapshot_path;
    size_t bl = strlen(base);
    if (bl > 6 && strcmp(base + bl - 6, ".wsnap") == 0) bl -= 6;
    /* NAME.SEQ.wsnap, skipping numbers an earlier session already used so a
     * new run never overwrites their snapshots. */
    uint32_t n = wrt_cr_seq() + 1;
    do snprintf(path, sizeof path, "%.*s.%u.wsnap", (int)bl, base, n++);
    while (access(path, F_OK) == 0 && n != 0);
    uint32_t nf;
    wrt_stdout_flush();
    long size = wrt_cr_checkpoint(path, SNAP_REASON_POINT, &nf, err, sizeof err);
    sbuf b = { 0 };
    if (size < 0) {
      sb_printf(&b, "{\"event\":\"checkpoint\",\"ok\":false,\"point\":\"0x%" PRIx64 "\",\"error\":", id);
      sb_jstr(&b, err);
      sb_putn(&b, "}", 1);
    } else {
      sb_putn(&b, "{\"event\":\"checkpoint\",\"ok\":true,\"path\":", 39);
      sb_jstr(&b, path);
      sb_printf(&b, ",\"point\":\"0x%" PRIx64 "\",\"size\":%ld,\"frames\":%u,\"seq\":%u}", id, size, nf, wrt_cr_seq());
    }
    send_line(&b);
  }
  if (reason) stop_loop(reason, id, NULL);
}

void wrt_ctl_before_entry(void) {
  if (!wrt_ctl_enabled || !wrt_ctl_pause_on_start) return;
  at_start = true;
  stop_loop("start", UINT64_MAX, NULL);
  at_start = false;
}

/* ---- socket thread ---- */
static void set_points(const char *line, uint8_t *arr, uint32_t *count, bool on, bool replace) {
  span all, pts;
  uint32_t np = wrt_module.num_points;
  if (replace) { memset(arr, 0, np); *count = 0; }
  if (jget(line, "all", &all) && all.n == 4 && strncmp(all.s, "true", 4) == 0) {
    memset(arr, on, np);
    *count = on ? np : 0;
    respond_ok(line);
    return;
  }
  if (!jget(line, "points", &pts) || pts.s[0] != '[') { respond_err(line, "expected \"points\": [ids] or \"all\": true"); return; }
  const char *c = NULL;
  span e;
  /* validate first */
  while (jarr_next(&pts, &c, &e)) {
    char t[64];
    jstr(e, t, sizeof t);
    char *end;
    uint64_t id = strtoull(t, &end, 0);
    if (*end || point_index(id) == UINT32_MAX) { respond_err(line, "unknown migration point '%s'", t); return; }
  }
  c = NULL;
  while (jarr_next(&pts, &c, &e)) {
    char t[64];
    jstr(e, t, sizeof t);
    uint32_t pi = point_index(strtoull(t, NULL, 0));
    if (arr[pi] != on) { arr[pi] = on; *count += on ? 1 : (uint32_t)-1; }
  }
  respond_ok(line);
}

static void do_points(const char *line) {
  sbuf b = { 0 };
  resp_begin(&b, line, true);
  sb_putn(&b, ",\"points\":[", 11);
  for (uint32_t i = 0; i < wrt_module.num_points; i++) {
    const wrt_cr_point_desc *d = &wrt_module.points[i];
    const char *name = wrt_module.func_names && d->func_index < wrt_module.num_funcs ? wrt_module.func_names[d->func_index] : NULL;
    sb_printf(&b, "%s{\"id\":\"0x%" PRIx64 "\",\"func\":%u,\"kind\":\"%s\",\"offset\":%u,\"enabled\":%s,\"checkpoint\":%s,\"name\":",
              i ? "," : "", d->id, d->func_index, kind_name(d->kind), (uint32_t)d->id, bp[i] ? "true" : "false",
              cpat[i] ? "true" : "false");
    if (name) sb_jstr(&b, name); else sb_putn(&b, "null", 4);
    sb_putn(&b, "}", 1);
  }
  sb_putn(&b, "]}", 2);
  send_line(&b);
}

static void handle_line(const char *line) {
  char cmd[32] = "";
  if (!jget_str(line, "cmd", cmd, sizeof cmd)) { respond_err(line, "request without \"cmd\" (or not a JSON object)"); return; }
  pthread_mutex_lock(&mu);
  if (strcmp(cmd, "points") == 0) do_points(line);
  else if (strcmp(cmd, "enable") == 0) set_points(line, bp, &nbp, true, false);
  else if (strcmp(cmd, "disable") == 0) set_points(line, bp, &nbp, false, false);
  else if (strcmp(cmd, "checkpoint_at") == 0) set_points(line, cpat, &ncpat, true, true);
  else if (strcmp(cmd, "pause") == 0) {
    if (!stopped) pause_req = true;
    respond_ok(line);
  } else if (strcmp(cmd, "kill") == 0) {
    respond_ok(line);
    wrt_stdout_flush();
    unlink(sock_path);
    _exit(137);
  } else if (!strcmp(cmd, "checkpoint") || !strcmp(cmd, "state") || !strcmp(cmd, "read_memory") || !strcmp(cmd, "write_memory") ||
             !strcmp(cmd, "set_local") || !strcmp(cmd, "set_global") || !strcmp(cmd, "resume") || !strcmp(cmd, "step")) {
    if (!stopped && strcmp(cmd, "checkpoint") != 0) {
      respond_err(line, "'%s' needs the program to be stopped (send pause first)", cmd);
    } else {
      req *r = malloc(sizeof *r);
      if (r && (r->line = strdup(line))) {
        r->next = NULL;
        if (q_tail) q_tail->next = r; else q_head = r;
        q_tail = r;
        pthread_cond_signal(&cv);
      } else {
        free(r);
        respond_err(line, "out of memory");
      }
    }
  } else {
    respond_err(line, "unknown command '%s'", cmd);
  }
  update_wants();
  if (wants) wrt_cr_flag = 1;
  pthread_mutex_unlock(&mu);
}

static void *serve(void *arg) {
  (void)arg;
  for (;;) {
    int c = accept(listen_fd, NULL, NULL);
    if (c < 0) { if (errno == EINTR || errno == ECONNABORTED) continue; usleep(10000); continue; }
    pthread_mutex_lock(&wmu);
    client_fd = c;
    pthread_mutex_unlock(&wmu);
    pthread_mutex_lock(&mu);
    if (stopped && stop_event[0]) {
      sbuf e = { 0 };
      sb_putn(&e, stop_event, strlen(stop_event));
      send_line(&e);
    }
    pthread_mutex_unlock(&mu);
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
      if (cap - n < 4096) {
        if (cap > (16u << 20)) break; /* a line longer than 16 MiB: drop the client */
        char *p = realloc(buf, cap ? cap * 2 : 8192);
        if (!p) break;
        buf = p;
        cap = cap ? cap * 2 : 8192;
      }
      ssize_t k = recv(c, buf + n, cap - n - 1, 0);
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) break;
      n += (size_t)k;
      char *nl;
      while ((nl = memchr(buf, '\n', n))) {
        *nl = 0;
        if (nl > buf && nl[-1] == '\r') nl[-1] = 0;
        if (*skip_ws(buf)) handle_line(buf);
        size_t used = (size_t)(nl + 1 - buf);
        memmove(buf, nl + 1, n - used);
        n -= used;
      }
    }
    free(buf);
    pthread_mutex_lock(&wmu);
    client_fd = -1;
    pthread_mutex_unlock(&wmu);
    close(c);
  }
  return NULL;
}

static void unlink_socket(void) { if (sock_path) unlink(sock_path); }

int wrt_ctl_start(const char *path) {
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof a.sun_path) { errno = ENAMETOOLONG; return -1; }
  strcpy(a.sun_path, path);
  uint32_t np = wrt_module.num_points;
  bp = calloc(np ? np : 1, 1);
  cpat = calloc(np ? np : 1, 1);
  if (!bp || !cpat) { errno = ENOMEM; return -1; }
  listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd < 0) return -1;
  struct stat st;
  if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) unlink(path); /* stale socket of an earlier run */
  if (bind(listen_fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(listen_fd, 1) != 0) return -1;
  sock_path = strdup(path);
  atexit(unlink_socket);
  wrt_ctl_enabled = true;
  /* the socket thread must not take the process-directed signals */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  pthread_t t;
  int rc = pthread_create(&t, NULL, serve, NULL);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0) { errno = rc; return -1; }
  pthread_detach(t);
  return 0;
}
