/*
 * ctl_values.c — Wasm values in the control protocol, raw (ctl_values.h).
 */
#include "ctl_values.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *type_name(uint8_t t) {
  switch (t) {
  case WRT_I32: return "i32"; case WRT_I64: return "i64"; case WRT_F32: return "f32"; case WRT_F64: return "f64";
  case WRT_V128: return "v128"; case WRT_FUNCREF: return "funcref"; case WRT_EXTERNREF: return "externref";
  default: return "?";
  }
}
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
void render_value(sbuf *b, const wrt_snap_value *v, const wrt_snap_loc *loc) {
  sb_printf(b, "{\"type\":\"%s\",\"bits\":\"", type_name(v->type));
  for (int i = (int)value_width(v->type) - 1; i >= 0; i--) sb_printf(b, "%02x", v->bits[i]);
  sb_putn(b, "\"", 1);
  if (loc) sb_printf(b, ",\"loc\":{\"kind\":\"%s\",\"size\":%u,\"reg\":%u,\"off\":%d}", place_kind_name(loc->kind), loc->size, loc->reg, loc->off);
  sb_putn(b, "}", 1);
}

bool parse_bits(uint8_t t, const char *hex, uint8_t bits[16]) {
  unsigned width = value_width(t);
  memset(bits, 0, 16);
  if (strlen(hex) != 2 * width) return false;
  for (unsigned i = 0; i < width; i++) {
    const char *p = hex + 2 * (width - 1 - i);
    unsigned x;
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

/* Decodes the base64 text s[0..n) (JSON's escaping backslashes skipped) into out;
 * returns the byte count, or -1 when it is not base64 or does not fit. */
long b64_decode(const char *s, size_t n, uint8_t *out, size_t cap) {
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
