/*
 * ctl_values.c — the wire text of values in the control protocol (ctl_values.h).
 */
#include "ctl_values.h"

#include <errno.h>
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
void reg_name(char *out, size_t n, uint16_t r) {
#if defined(__x86_64__)
  static const char *const names[] = { "rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "sp", "r8", "r9",
                                       "r10", "r11", "r12", "r13", "r14", "r15", "rip" };
  if (r < 17) snprintf(out, n, "%s", names[r]);
  else if (r >= 17 && r <= 32) snprintf(out, n, "xmm%u", r - 17);
  else snprintf(out, n, "dwarf%u", r);
#else
  if (r < 29) snprintf(out, n, "x%u", r);
  else if (r == 29) snprintf(out, n, "fp");
  else if (r == 30) snprintf(out, n, "lr");
  else if (r == 31) snprintf(out, n, "sp");
  else if (r >= 64 && r < 96) snprintf(out, n, "d%u", r - 64);
  else snprintf(out, n, "dwarf%u", r);
#endif
}
void render_loc(sbuf *b, const wrt_snap_loc *l) {
  char r[16];
  reg_name(r, sizeof r, l->reg);
  char t[48];
  switch (l->kind) {
  case SM_REGISTER: snprintf(t, sizeof t, "reg %s", r); break;
  case SM_DIRECT: snprintf(t, sizeof t, "%s%+d", r, l->off); break;
  case SM_INDIRECT: snprintf(t, sizeof t, "[%s%+d]", r, l->off); break;
  default: snprintf(t, sizeof t, "const"); break;
  }
  sb_jstr(b, t);
}
void render_value(sbuf *b, const wrt_snap_value *v, const wrt_snap_loc *loc) {
  sb_printf(b, "{\"type\":\"%s\"", type_name(v->type));
  uint32_t u32;
  uint64_t u64;
  memcpy(&u32, v->bits, 4);
  memcpy(&u64, v->bits, 8);
  switch (v->type) {
  case WRT_I32: sb_printf(b, ",\"value\":\"%" PRId32 "\"", (int32_t)u32); break;
  case WRT_I64: sb_printf(b, ",\"value\":\"%" PRId64 "\"", (int64_t)u64); break;
  case WRT_F32: { float f; memcpy(&f, v->bits, 4); sb_printf(b, ",\"bits\":\"0x%08" PRIx32 "\",\"value\":\"%.9g\"", u32, (double)f); break; }
  case WRT_F64: { double d; memcpy(&d, v->bits, 8); sb_printf(b, ",\"bits\":\"0x%016" PRIx64 "\",\"value\":\"%.17g\"", u64, d); break; }
  case WRT_V128: {
    sb_putn(b, ",\"value\":\"0x", 12);
    for (int i = 15; i >= 0; i--) sb_printf(b, "%02x", v->bits[i]);
    sb_putn(b, "\"", 1);
    break;
  }
  default:
    if (u32 == 0xFFFFFFFFu) sb_printf(b, ",\"value\":\"null\"");
    else sb_printf(b, ",\"value\":\"%" PRIu32 "\"", u32);
  }
  if (loc) { sb_putn(b, ",\"loc\":", 7); render_loc(b, loc); }
  sb_putn(b, "}", 1);
}

/* Parses a value typed by a user into the payload of a value of type t. */
bool parse_value(uint8_t t, const char *text, uint8_t bits[16]) {
  char *end = NULL;
  memset(bits, 0, 16);
  errno = 0;
  if (!*text) return false;
  if (t == WRT_I32 || t == WRT_I64) {
    int64_t v = (text[0] != '-' && strncmp(text, "0x", 2) == 0) ? (int64_t)strtoull(text, &end, 16) : strtoll(text, &end, 0);
    if (t == WRT_I32 && (v < INT32_MIN || v > (int64_t)UINT32_MAX)) return false;
    memcpy(bits, &v, 8);
  } else if (t == WRT_F32 || t == WRT_F64) {
    if (strncmp(text, "0x", 2) == 0) {
      uint64_t v = strtoull(text, &end, 16);
      if (t == WRT_F32 && v > UINT32_MAX) return false;
      memcpy(bits, &v, 8);
    } else if (t == WRT_F32) { float v = strtof(text, &end); memcpy(bits, &v, 4); }
    else { double v = strtod(text, &end); memcpy(bits, &v, 8); }
  } else if (t == WRT_V128) {
    if (strncmp(text, "0x", 2) != 0 || strlen(text) != 34) return false;
    for (int i = 0; i < 16; i++) {
      unsigned x;
      if (sscanf(text + 2 + 2 * (15 - i), "%2x", &x) != 1) return false;
      bits[i] = (uint8_t)x;
    }
    return true;
  } else if (t == WRT_FUNCREF) {
    uint32_t idx;
    if (strcmp(text, "null") == 0) idx = 0xFFFFFFFFu;
    else {
      unsigned long v = strtoul(text, &end, 0);
      if (*end || v >= wrt_module.num_funcs) return false;
      idx = (uint32_t)v;
    }
    memcpy(bits, &idx, 4);
    return true;
  } else {
    return false;
  }
  return end && !*end && !errno;
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
