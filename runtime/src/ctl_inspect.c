/*
 * ctl_inspect.c — what a client reads and changes while the program is stopped:
 * frames and globals (state), linear memory (read_memory, write_memory), locals
 * and operand-stack values (set_local) and globals (set_global). These run on
 * the Wasm thread inside the stop loop, so the state holds still.
 */
#include "ctl_internal.h"
#include "ctl_values.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void ctl_cmd_state(const char *line) {
  wrt_snapshot s;
  char err[256];
  memset(&s, 0, sizeof s);
  if (!ctl_at_start() && wrt_cr_capture_frames(&s, err, sizeof err) != 0) { respond_err(line, "%s", err); return; }
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
              f->point, d ? wrt_point_kind_name(d->kind) : "?", s.native[i].ret_addr);
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
    wrt_snap_value v;
    wrt_cr_read_global(i, &v); /* a reference without an index shows as 0xFFFFFFFE */
    if (i) sb_putn(&b, ",", 1);
    render_value(&b, &v, NULL);
    b.n--; /* the global's native place: its address */
    sb_printf(&b, ",\"addr\":\"0x%" PRIxPTR "\"}", (uintptr_t)g->addr);
  }
  sb_printf(&b, "],\"memory\":{\"pages\":%" PRIu64 "}}", wrt_mem_size / WRT_PAGE_SIZE);
  send_line(&b);
  wrt_cr_capture_free(&s);
}

void ctl_cmd_read_memory(const char *line) {
  uint64_t addr, len;
  char enc[16] = "hex";
  if (!jget_u64(line, "addr", &addr) || !jget_u64(line, "len", &len)) { respond_err(line, "read_memory needs addr and len"); return; }
  jget_str(line, "encoding", enc, sizeof enc);
  if (len > (1u << 20)) { respond_err(line, "len is limited to 1048576"); return; }
  if (addr > wrt_mem_size || len > wrt_mem_size - addr) { respond_err(line, "range 0x%" PRIx64 "+%" PRIu64 " is outside the memory (%" PRIu64 " bytes)", addr, len, wrt_mem_size); return; }
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

void ctl_cmd_write_memory(const char *line) {
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

/*
 * Changes a local or operand-stack value of any frame. Compiled code keeps values where LLVM put
 * them (registers, spill slots that are only copies), so writing those in place would not reach
 * the program: the frames are captured, the value changed, and the frames rebuilt through the
 * restore variants (wrt_cr_rewind). The response is sent when the innermost point runs again.
 */
void ctl_cmd_set_local(const char *line) {
  uint64_t frame, index;
  char text[128];
  if (ctl_at_start()) { respond_err(line, "no Wasm frame yet (paused before the entry function)"); return; }
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
  /* the innermost frame's point is where the program stops again */
  if (!ctl_stop_again_at(s.frames[s.nframes - 1].point, line)) { respond_err(line, "out of memory"); goto out; }
  for (uint32_t i = 0; i < s.nnative; i++) free(s.native[i].locs);
  free(s.native);
  wrt_cr_rewind(s.frames, s.nframes); /* takes the frames; does not return */
out:
  wrt_cr_capture_free(&s);
}

void ctl_cmd_set_global(const char *line) {
  uint64_t index;
  char text[128];
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
    void *p = wrt_cr_funcref_ptr(idx);
    memcpy(g->addr, &p, sizeof p);
  } else {
    memcpy(g->addr, bits, wrt_valtype_size(g->type));
  }
  respond_ok(line);
}
