/*
 * ctl_points.c — the client's two sets of migration points: where the program
 * stops (breakpoints: enable / disable) and where it writes a checkpoint and
 * goes on (checkpoint_at); and the list of all points (points). Indexed like
 * wrt_module.points. The socket thread changes them and the Wasm thread reads
 * them, both under ctl_mu.
 */
#include "ctl_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static uint8_t *bp, *cpat;       /* per point index: breakpoint / checkpoint_at */
static uint32_t nbp, ncpat;      /* how many are set (the Wasm thread is needed while any is) */

int ctl_points_init(void) {
  uint32_t np = wrt_module.num_points;
  bp = calloc(np ? np : 1, 1);
  cpat = calloc(np ? np : 1, 1);
  return bp && cpat ? 0 : -1;
}

uint32_t ctl_point_index(uint64_t id) {
  const wrt_cr_point_desc *d = wrt_cr_find_point(id);
  return d ? (uint32_t)(d - wrt_module.points) : UINT32_MAX;
}

bool ctl_points_armed(void) { return nbp || ncpat; }
bool ctl_point_breaks(uint32_t index) { return index != UINT32_MAX && bp && bp[index]; }
bool ctl_point_checkpoints(uint32_t index) { return index != UINT32_MAX && cpat && cpat[index]; }

/* Sets (on) or clears the listed points of one set, or all of them; replace: clears the set first.
 * An id that is not a point is refused before any point is set (replace has cleared the set). */
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
    if (*end || ctl_point_index(id) == UINT32_MAX) { respond_err(line, "unknown migration point '%s'", t); return; }
  }
  c = NULL;
  while (jarr_next(&pts, &c, &e)) {
    char t[64];
    jstr(e, t, sizeof t);
    uint32_t pi = ctl_point_index(strtoull(t, NULL, 0));
    if (arr[pi] != on) { arr[pi] = on; *count += on ? 1 : (uint32_t)-1; }
  }
  respond_ok(line);
}

void ctl_cmd_points(const char *line) {
  sbuf b = { 0 };
  resp_begin(&b, line, true);
  sb_putn(&b, ",\"points\":[", 11);
  for (uint32_t i = 0; i < wrt_module.num_points; i++) {
    const wrt_cr_point_desc *d = &wrt_module.points[i];
    const char *name = wrt_module.func_names && d->func_index < wrt_module.num_funcs ? wrt_module.func_names[d->func_index] : NULL;
    sb_printf(&b, "%s{\"id\":\"0x%" PRIx64 "\",\"func\":%u,\"kind\":\"%s\",\"offset\":%u,\"enabled\":%s,\"checkpoint\":%s,\"name\":",
              i ? "," : "", d->id, d->func_index, wrt_point_kind_name(d->kind), WRT_POINT_ID_OFFSET(d->id), bp[i] ? "true" : "false",
              cpat[i] ? "true" : "false");
    if (name) sb_jstr(&b, name); else sb_putn(&b, "null", 4);
    if (d->live) { /* the locals its state holds, as a hex bitmap (bit k: local k); absent: all of them */
      sb_putn(&b, ",\"live\":\"0x", 11);
      bool any = false; /* digits from the highest nonzero byte on; bits past num_locals are not locals */
      for (int byte = ((int)d->num_locals + 7) / 8 - 1; byte >= 0; byte--) {
        unsigned v = d->live[byte];
        if (byte == ((int)d->num_locals - 1) / 8 && d->num_locals % 8) v &= (1u << d->num_locals % 8) - 1;
        if (any) sb_printf(&b, "%02x", v);
        else if (v) { sb_printf(&b, "%x", v); any = true; }
      }
      sb_putn(&b, any ? "\"" : "0\"", any ? 1 : 2);
    }
    sb_putn(&b, "}", 1);
  }
  sb_putn(&b, "]}", 2);
  send_line(&b);
}

void ctl_cmd_enable(const char *line) { set_points(line, bp, &nbp, true, false); }
void ctl_cmd_disable(const char *line) { set_points(line, bp, &nbp, false, false); }
/* replaces the whole set */
void ctl_cmd_checkpoint_at(const char *line) { set_points(line, cpat, &ncpat, true, true); }
