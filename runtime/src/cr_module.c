/*
 * cr_module.c — what the compiled module tells checkpoint/restore: its stackmap
 * records (the linked wanco_stackmaps section, parsed on first use), its
 * migration-point descriptors, and how function references are numbered in
 * snapshots (a function index; pointers do not survive a change of process).
 */
#include "cr_internal.h"

/* The compiler renames each object's .llvm_stackmaps section to wanco_stackmaps;
 * the linker concatenates them and defines these bounds (absent: no C/R code). */
extern const uint8_t __start_wanco_stackmaps[] __attribute__((weak));
extern const uint8_t __stop_wanco_stackmaps[] __attribute__((weak));

static wrt_stackmap stackmap;
static bool stackmap_ready;

const wrt_stackmap *wrt_cr_stackmap(void) {
  if (!stackmap_ready) {
    char err[256];
    if (!__start_wanco_stackmaps || __stop_wanco_stackmaps <= __start_wanco_stackmaps) return NULL;
    if (wrt_stackmap_parse_all(__start_wanco_stackmaps, (size_t)(__stop_wanco_stackmaps - __start_wanco_stackmaps),
                               &stackmap, err, sizeof err) != 0)
      wrt_fatal("%s", err);
    stackmap_ready = true;
  }
  return &stackmap;
}

const wrt_cr_point_desc *wrt_cr_find_point(uint64_t id) {
  uint32_t lo = 0, hi = wrt_module.num_points;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (wrt_module.points[mid].id < id) lo = mid + 1; else hi = mid;
  }
  return lo < wrt_module.num_points && wrt_module.points[lo].id == id ? &wrt_module.points[lo] : NULL;
}

uint32_t wrt_cr_funcref_index(const void *p, bool *ok) {
  *ok = true;
  if (!p) return 0xFFFFFFFFu;
  uintptr_t a = (uintptr_t)p, b = (uintptr_t)wrt_module.funcs;
  if (a < b || (a - b) % sizeof(wrt_func) || (a - b) / sizeof(wrt_func) >= wrt_module.num_funcs) {
    *ok = false;
    return 0;
  }
  return (uint32_t)((a - b) / sizeof(wrt_func));
}

void *wrt_cr_funcref_ptr(uint32_t idx) { return idx == 0xFFFFFFFFu ? NULL : (void *)&wrt_module.funcs[idx]; }
