/*
 * memory.c — the Wasm linear memory (one per module, index 0).
 *
 * One reservation that never moves is made at start-up with
 * mmap(PROT_NONE, MAP_NORESERVE); memory.grow commits pages with mprotect.
 *  - Default (guard-page mode): 8 GiB + 64 KiB are reserved, so any
 *    address compiled code can form (base + u32 index + u32 offset + access
 *    size <= base + 8 GiB + 16) lands inside the reservation; touching the
 *    uncommitted part raises SIGSEGV, which trap.c turns into
 *    "out of bounds memory access".
 *  - WRT_MODULE_BOUNDS_CHECKED: compiled code checks every access against
 *    wrt_mem_size, so only the maximum size (4 GiB when unbounded) is reserved.
 * Data-segment operations check bounds in 64-bit arithmetic before touching
 * memory, as the Wasm spec requires.
 */
#include "wrt_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define WRT_MAX_PAGES 65536u
#define GUARD_RESERVE ((8ull << 30) + (64ull << 10))

uint8_t *wrt_mem_base;
uint64_t wrt_mem_size;
uint8_t *wrt_mem_reservation;
uint64_t wrt_mem_reserved;

static uint32_t mem_max_pages;   /* effective maximum, <= 65536 */
static bool *data_dropped;       /* num_data flags */

static uint32_t effective_max(void) {
  uint32_t m = wrt_module.mem_max_pages;
  return (m == WRT_NO_MAX || m > WRT_MAX_PAGES) ? WRT_MAX_PAGES : m;
}

int wrt_memory_setup(void) {
  if (!(wrt_module.flags & WRT_MODULE_HAS_MEMORY)) return 0;
  mem_max_pages = effective_max();
  if (wrt_module.mem_min_pages > mem_max_pages) {
    errno = EINVAL;
    return -1;
  }
  uint64_t reserve = (wrt_module.flags & WRT_MODULE_BOUNDS_CHECKED)
                         ? (uint64_t)mem_max_pages * WRT_PAGE_SIZE
                         : GUARD_RESERVE;
  if (reserve == 0) reserve = WRT_PAGE_SIZE; /* keep a non-NULL base */
  void *p = mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return -1;
  wrt_mem_reservation = wrt_mem_base = p;
  wrt_mem_reserved = reserve;
  wrt_mem_size = 0;
  if (wrt_module.mem_min_pages && wrt_memory_grow(wrt_module.mem_min_pages) < 0) {
    errno = ENOMEM;
    return -1;
  }
  return 0;
}

int wrt_segments_setup(void) {
  if (wrt_module.num_data) {
    data_dropped = calloc(wrt_module.num_data, sizeof *data_dropped);
    if (!data_dropped) return -1;
  }
  return 0;
}

int32_t wrt_memory_grow(uint32_t delta) {
  if (!wrt_mem_base) return -1;
  uint64_t old_pages = wrt_mem_size / WRT_PAGE_SIZE;
  uint64_t new_pages = old_pages + delta;
  if (new_pages > mem_max_pages) return -1;
  if (delta) {
    uint64_t new_size = new_pages * WRT_PAGE_SIZE;
    if (mprotect(wrt_mem_base + wrt_mem_size, new_size - wrt_mem_size, PROT_READ | PROT_WRITE) != 0)
      return -1;
    wrt_mem_size = new_size;
  }
  return (int32_t)old_pages;
}

void wrt_memory_init(uint32_t seg, uint32_t dst, uint32_t src, uint32_t n, uint32_t func_index) {
  uint64_t seg_size = (seg < wrt_module.num_data && !data_dropped[seg]) ? wrt_module.data[seg].size : 0;
  if ((uint64_t)src + n > seg_size || (uint64_t)dst + n > wrt_mem_size)
    wrt_trap(WRT_TRAP_OOB_MEMORY, func_index);
  if (n) memcpy(wrt_mem_base + dst, wrt_module.data[seg].bytes + src, n);
}

void wrt_data_drop(uint32_t seg) {
  if (seg < wrt_module.num_data) data_dropped[seg] = true;
}

void wrt_memory_copy(uint32_t dst, uint32_t src, uint32_t n, uint32_t func_index) {
  if ((uint64_t)src + n > wrt_mem_size || (uint64_t)dst + n > wrt_mem_size)
    wrt_trap(WRT_TRAP_OOB_MEMORY, func_index);
  if (n) memmove(wrt_mem_base + dst, wrt_mem_base + src, n);
}

void wrt_memory_fill(uint32_t dst, uint32_t value, uint32_t n, uint32_t func_index) {
  if ((uint64_t)dst + n > wrt_mem_size) wrt_trap(WRT_TRAP_OOB_MEMORY, func_index);
  if (n) memset(wrt_mem_base + dst, (int)(value & 0xFF), n);
}

bool wrt_data_is_dropped(uint32_t seg) { return seg < wrt_module.num_data && data_dropped[seg]; }
void wrt_data_set_dropped(uint32_t seg, bool d) { if (seg < wrt_module.num_data) data_dropped[seg] = d; }
