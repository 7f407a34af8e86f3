/*
 * ctl_json.c — the control channel's JSON reader and writer (see ctl_json.h).
 */
#include "ctl_json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading ---- */
const char *skip_ws(const char *p) { while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++; return p; }
const char *skip_value(const char *p, int depth) {
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
bool jget(const char *line, const char *key, span *out) {
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
bool jstr(span v, char *out, size_t outlen) {
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
bool jget_str(const char *line, const char *key, char *out, size_t outlen) {
  span v;
  return jget(line, key, &v) && jstr(v, out, outlen);
}
bool jget_u64(const char *line, const char *key, uint64_t *out) {
  char b[64];
  if (!jget_str(line, key, b, sizeof b) || !*b) return false;
  char *end;
  errno = 0;
  *out = strtoull(b, &end, 0);
  return !*end && !errno;
}
bool jarr_next(span *arr, const char **cursor, span *elem) {
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

/* ---- writing ---- */
void sb_putn(sbuf *b, const char *s, size_t n) {
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
void sb_printf(sbuf *b, const char *fmt, ...) {
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
void sb_jstr(sbuf *b, const char *s) {
  sb_putn(b, "\"", 1);
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') { char e[2] = { '\\', (char)c }; sb_putn(b, e, 2); }
    else if (c < 0x20) sb_printf(b, "\\u%04x", c);
    else sb_putn(b, (const char *)&c, 1);
  }
  sb_putn(b, "\"", 1);
}
