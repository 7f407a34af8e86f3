/*
 * wrt_internal.h — declarations shared between runtime source files.
 * Not part of the ABI with compiled code (that is include/wrt.h).
 */
#ifndef WRT_INTERNAL_H
#define WRT_INTERNAL_H

#include "wrt.h"
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define WRT_UNUSED(x) ((void)(x))

/* ---- main.c: program options ---- */
extern const char *wrt_prog_name;     /* basename of the host argv[0] */

/* ---- memory.c ---- */
/* Reserves the linear memory and commits mem_min_pages. Returns 0 or -1. */
int wrt_memory_setup(void);
/* Segment bookkeeping (dropped flags); called once before instantiate. */
int wrt_segments_setup(void);
extern uint8_t *wrt_mem_reservation;  /* start of the reservation (== wrt_mem_base) */
extern uint64_t wrt_mem_reserved;     /* bytes reserved, guard included */
/* True when [ptr, ptr+len) lies inside the current linear memory. */
static inline bool wrt_mem_ok(uint32_t ptr, uint64_t len) {
  return (uint64_t)ptr + len <= wrt_mem_size;
}
static inline void *wrt_mem_at(uint32_t ptr) { return wrt_mem_base + ptr; }

bool wrt_data_is_dropped(uint32_t seg);
void wrt_data_set_dropped(uint32_t seg, bool dropped);

/* ---- table.c ---- */
int wrt_tables_setup(void);
bool wrt_elem_is_dropped(uint32_t seg);
void wrt_elem_set_dropped(uint32_t seg, bool dropped);

/* ---- trap.c ---- */
/* Installs the SIGSEGV/SIGBUS/SIGFPE handlers on an alternate stack and
 * prepares the pc -> function map. Returns 0 or -1. */
int wrt_signals_setup(void);
/* Computes wrt_stack_limit from the address of a local of main(). */
void wrt_stack_setup(uintptr_t stack_top);
extern uintptr_t wrt_stack_top;       /* approx. highest address of the Wasm stack */
/* Prints "prog: error: ..." style fatal runtime messages and exits 134. */
_Noreturn void wrt_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- wasi_fdtable.c ---- */
/* Stdout buffering (see wasi_fdtable.c): flush before anything that could make
 * the order of stdout and other output observable. Async-signal-safe. */
void wrt_stdout_flush(void);
extern bool wrt_stdout_buffered;      /* false: every fd_write to stdout is a writev */
/* Registers a --dir preopen; returns 0, or -1 with errno set. */
int wrt_wasi_add_preopen(const char *host, const char *guest);
void wrt_wasi_setup_stdio(void);

/* ---- wasi_args.c: Wasm argv / environ, filled by main.c ---- */
extern int wrt_wasi_argc;
extern char **wrt_wasi_argv;
extern int wrt_wasi_envc;
extern char **wrt_wasi_envp;

/* Set by a harness linked in (runtime/spec/driver.c): called with a trap's reason before the
   program would end; it returns only when it does not take the trap over. NULL in a shipped
   program. */
extern void (*wrt_trap_hook)(const char *reason);

#endif /* WRT_INTERNAL_H */
