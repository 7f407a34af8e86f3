/*
 * table.c — Wasm tables. Each wrt_table (owned by the compiled module) gets an
 * elems array allocated here; compiled code reads size/elems directly, so
 * table.grow may move elems (realloc) but always updates the struct.
 */
#include "wrt_internal.h"

#include <stdlib.h>
#include <string.h>

#define WRT_TABLE_CAP 10000000u  /* absolute cap on entries per table */

static bool *elem_dropped;

int wrt_tables_setup(void) {
  for (uint32_t t = 0; t < wrt_module.num_tables; t++) {
    wrt_table *tb = &wrt_module.tables[t];
    if (tb->size > WRT_TABLE_CAP) return -1;
    tb->elems = calloc(tb->size ? tb->size : 1, sizeof(void *));
    if (!tb->elems) return -1;
  }
  if (wrt_module.num_elem) {
    elem_dropped = calloc(wrt_module.num_elem, sizeof *elem_dropped);
    if (!elem_dropped) return -1;
  }
  return 0;
}

static wrt_table *table_at(uint32_t t, uint32_t func_index) {
  if (t >= wrt_module.num_tables) wrt_trap(WRT_TRAP_OOB_TABLE, func_index);
  return &wrt_module.tables[t];
}

void *wrt_table_get(uint32_t t, uint32_t i, uint32_t func_index) {
  wrt_table *tb = table_at(t, func_index);
  if (i >= tb->size) wrt_trap(WRT_TRAP_OOB_TABLE, func_index);
  return tb->elems[i];
}

void wrt_table_set(uint32_t t, uint32_t i, void *ref, uint32_t func_index) {
  wrt_table *tb = table_at(t, func_index);
  if (i >= tb->size) wrt_trap(WRT_TRAP_OOB_TABLE, func_index);
  tb->elems[i] = ref;
}

int32_t wrt_table_grow(uint32_t t, void *init, uint32_t n) {
  if (t >= wrt_module.num_tables) return -1;
  wrt_table *tb = &wrt_module.tables[t];
  uint32_t old = tb->size;
  if (n == 0) return (int32_t)old;
  uint64_t new_size = (uint64_t)old + n;
  uint64_t limit = WRT_TABLE_CAP;
  if (tb->max != WRT_NO_MAX && tb->max < limit) limit = tb->max;
  if (new_size > limit) return -1;
  void **e = realloc(tb->elems, new_size * sizeof(void *));
  if (!e) return -1;
  for (uint64_t i = old; i < new_size; i++) e[i] = init;
  tb->elems = e;
  tb->size = (uint32_t)new_size;
  return (int32_t)old;
}

void wrt_table_fill(uint32_t t, uint32_t i, void *ref, uint32_t n, uint32_t func_index) {
  wrt_table *tb = table_at(t, func_index);
  if ((uint64_t)i + n > tb->size) wrt_trap(WRT_TRAP_OOB_TABLE, func_index);
  for (uint32_t k = 0; k < n; k++) tb->elems[i + k] = ref;
}

void wrt_table_copy(uint32_t dst_t, uint32_t src_t, uint32_t dst, uint32_t src, uint32_t n,
                    uint32_t func_index) {
  wrt_table *d = table_at(dst_t, func_index), *s = table_at(src_t, func_index);
  if ((uint64_t)src + n > s->size || (uint64_t)dst + n > d->size)
    wrt_trap(WRT_TRAP_OOB_TABLE, func_index);
  if (n) memmove(d->elems + dst, s->elems + src, (size_t)n * sizeof(void *));
}

void wrt_table_init(uint32_t t, uint32_t seg, uint32_t dst, uint32_t src, uint32_t n,
                    uint32_t func_index) {
  wrt_table *tb = table_at(t, func_index);
  uint64_t seg_size = (seg < wrt_module.num_elem && !elem_dropped[seg]) ? wrt_module.elem[seg].size : 0;
  if ((uint64_t)src + n > seg_size || (uint64_t)dst + n > tb->size)
    wrt_trap(WRT_TRAP_OOB_TABLE, func_index);
  for (uint32_t k = 0; k < n; k++) tb->elems[dst + k] = wrt_module.elem[seg].elems[src + k];
}

void wrt_elem_drop(uint32_t seg) {
  if (seg < wrt_module.num_elem) elem_dropped[seg] = true;
}

bool wrt_elem_is_dropped(uint32_t seg) { return seg < wrt_module.num_elem && elem_dropped[seg]; }
void wrt_elem_set_dropped(uint32_t seg, bool d) { if (seg < wrt_module.num_elem) elem_dropped[seg] = d; }
