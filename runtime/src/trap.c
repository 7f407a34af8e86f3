/*
 * trap.c — Wasm traps: explicit ones (wrt_trap, called by compiled code and
 * the runtime) and those detected by signals (guard-page faults, stack
 * overflow, SIGFPE). Messages go to stderr with write(2) (async-signal-safe):
 *     wasm trap: <reason>
 *         in function <index> (<name>)
 * then the process exits with status 134.
 *
 * Stack: Wasm code runs on the main thread's stack. wrt_stack_limit is
 *   (address of a local in main) - min(RLIMIT_STACK soft, 1 GiB; 8 MiB when
 *   unlimited) + 256 KiB
 * The 256 KiB margin leaves room for the runtime (WASI calls, the signal
 * machinery) below the deepest Wasm frame. Compiled code compares its stack
 * pointer with wrt_stack_limit in function prologues; a SIGSEGV whose address
 * is near or below the limit is reported as "call stack exhausted" as well
 * (e.g. a large frame that skipped past the check).
 */
#include "wrt_internal.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <ucontext.h>
#include <unistd.h>

uintptr_t wrt_stack_limit;
uintptr_t wrt_stack_top;

#define STACK_MARGIN (256u << 10)
#define ALTSTACK_SIZE (128u << 10)

static const char *const trap_reasons[] = {
  [WRT_TRAP_UNREACHABLE] = "unreachable",
  [WRT_TRAP_INT_DIV_BY_ZERO] = "integer divide by zero",
  [WRT_TRAP_INT_OVERFLOW] = "integer overflow",
  [WRT_TRAP_INVALID_CONVERSION] = "invalid conversion to integer",
  [WRT_TRAP_OOB_MEMORY] = "out of bounds memory access",
  [WRT_TRAP_OOB_TABLE] = "out of bounds table access",
  [WRT_TRAP_UNDEFINED_ELEMENT] = "undefined element",
  [WRT_TRAP_UNINITIALIZED_ELEMENT] = "uninitialized element",
  [WRT_TRAP_INDIRECT_CALL_TYPE_MISMATCH] = "indirect call type mismatch",
  [WRT_TRAP_STACK_EXHAUSTED] = "call stack exhausted",
  [WRT_TRAP_NULL_REFERENCE] = "null reference",
};

#define NO_FUNC 0xFFFFFFFFu

/* ---- small async-signal-safe output helpers ---- */
typedef struct { char buf[512]; size_t n; } msgbuf;

static void put_str(msgbuf *m, const char *s) {
  while (*s && m->n < sizeof m->buf) m->buf[m->n++] = *s++;
}
static void put_u64(msgbuf *m, uint64_t v, int base) {
  char tmp[24];
  int i = 0;
  do { tmp[i++] = "0123456789abcdef"[v % (uint64_t)base]; v /= (uint64_t)base; } while (v);
  while (i) { if (m->n < sizeof m->buf) m->buf[m->n++] = tmp[--i]; else break; }
}
static void write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w <= 0) return;
    p += w;
    n -= (size_t)w;
  }
}

void (*wrt_trap_hook)(const char *reason);

static _Noreturn void report_and_exit(uint32_t code, uint32_t func_index) {
  wrt_stdout_flush();
  msgbuf m = { .n = 0 };
  put_str(&m, "wasm trap: ");
  const char *reason = (code < sizeof trap_reasons / sizeof *trap_reasons && trap_reasons[code])
                           ? trap_reasons[code] : "unknown trap";
  if (wrt_trap_hook) wrt_trap_hook(reason); /* the spec-test driver: back to its loop, when a command is running */
  put_str(&m, reason);
  put_str(&m, "\n");
  if (func_index != NO_FUNC && func_index < wrt_module.num_funcs) {
    put_str(&m, "    in function ");
    put_u64(&m, func_index, 10);
    const char *name = wrt_module.func_names ? wrt_module.func_names[func_index] : NULL;
    if (name) {
      put_str(&m, " (");
      put_str(&m, name);
      put_str(&m, ")");
    }
    put_str(&m, "\n");
  }
  write_all(2, m.buf, m.n);
  _exit(134);
}

_Noreturn void wrt_trap(uint32_t code, uint32_t func_index) {
  fflush(stdout);
  report_and_exit(code, func_index);
}

_Noreturn void wrt_fatal(const char *fmt, ...) {
  wrt_stdout_flush();
  fflush(stdout);
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  if ((size_t)n >= sizeof buf) n = sizeof buf - 1;
  write_all(2, "wanco runtime: ", 15);
  write_all(2, buf, (size_t)n);
  write_all(2, "\n", 1);
  _exit(134);
}

/* ---- stack limit ---- */
void wrt_stack_setup(uintptr_t stack_top) {
  struct rlimit rl;
  uint64_t size = 8u << 20;
  if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
    size = rl.rlim_cur;
    if (size > (1ull << 30)) size = 1ull << 30;
  }
  if (size < 2 * STACK_MARGIN) size = 2 * STACK_MARGIN;
  wrt_stack_top = stack_top;
  wrt_stack_limit = stack_top - (uintptr_t)size + STACK_MARGIN;
}

/* ---- pc -> Wasm function map (sorted once at start-up) ---- */
typedef struct { uintptr_t code; uint32_t index; } func_addr;
static func_addr *func_map;
static uint32_t func_map_n;

static int cmp_func_addr(const void *a, const void *b) {
  uintptr_t x = ((const func_addr *)a)->code, y = ((const func_addr *)b)->code;
  return x < y ? -1 : x > y;
}

static void build_func_map(void) {
  uint32_t n = wrt_module.num_funcs;
  if (!n || !wrt_module.funcs) return;
  func_map = malloc(n * sizeof *func_map);
  if (!func_map) return;
  for (uint32_t i = 0; i < n; i++) {
    if (!wrt_module.funcs[i].code) continue;
    func_map[func_map_n].code = (uintptr_t)wrt_module.funcs[i].code;
    func_map[func_map_n].index = wrt_module.funcs[i].index;
    func_map_n++;
  }
  qsort(func_map, func_map_n, sizeof *func_map, cmp_func_addr);
}

static uint32_t func_for_pc(uintptr_t pc) {
  uint32_t lo = 0, hi = func_map_n; /* find last entry with code <= pc */
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (func_map[mid].code <= pc) lo = mid + 1; else hi = mid;
  }
  return lo ? func_map[lo - 1].index : NO_FUNC;
}

/* ---- signal handling ---- */
static uintptr_t context_pc(void *uctx) {
  ucontext_t *uc = uctx;
#if defined(__x86_64__)
  return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
  return (uintptr_t)uc->uc_mcontext.pc;
#else
  (void)uc;
  return 0;
#endif
}

static bool addr_in_stack_guard(uintptr_t a) {
  /* Near or below the limit: from 64 MiB under it up to 64 KiB above it. */
  return wrt_stack_limit && a < wrt_stack_limit + (64u << 10) &&
         a + (64ull << 20) >= wrt_stack_limit;
}

static void on_fault(int sig, siginfo_t *si, void *uctx) {
  uintptr_t addr = (uintptr_t)si->si_addr;
  /* A signal sent by kill/raise (si_code <= 0) carries no faulting pc. */
  uint32_t func = si->si_code > 0 ? func_for_pc(context_pc(uctx)) : NO_FUNC;
  if (sig == SIGFPE) report_and_exit(WRT_TRAP_INT_DIV_BY_ZERO, func);
  if (wrt_mem_reservation && addr >= (uintptr_t)wrt_mem_reservation &&
      addr - (uintptr_t)wrt_mem_reservation < wrt_mem_reserved)
    report_and_exit(WRT_TRAP_OOB_MEMORY, func);
  if (addr_in_stack_guard(addr)) report_and_exit(WRT_TRAP_STACK_EXHAUSTED, func);
  wrt_stdout_flush();
  msgbuf m = { .n = 0 };
  put_str(&m, "wanco runtime: fatal signal ");
  put_u64(&m, (uint64_t)sig, 10);
  put_str(&m, " at 0x");
  put_u64(&m, addr, 16);
  put_str(&m, "\n");
  write_all(2, m.buf, m.n);
  _exit(134);
}

/* Termination signals: write out buffered stdout, then die by the signal. */
static void on_terminate(int sig) {
  wrt_stdout_flush();
  signal(sig, SIG_DFL);
  raise(sig);
}

int wrt_signals_setup(void) {
  build_func_map();
  stack_t ss;
  ss.ss_sp = mmap(NULL, ALTSTACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (ss.ss_sp == MAP_FAILED) return -1;
  ss.ss_size = ALTSTACK_SIZE;
  ss.ss_flags = 0;
  if (sigaltstack(&ss, NULL) != 0) return -1;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGSEGV, &sa, NULL) || sigaction(SIGBUS, &sa, NULL) || sigaction(SIGFPE, &sa, NULL))
    return -1;
  struct sigaction st;
  memset(&st, 0, sizeof st);
  st.sa_handler = on_terminate;
  sigemptyset(&st.sa_mask);
  int term[] = { SIGINT, SIGTERM, SIGHUP };
  for (size_t i = 0; i < sizeof term / sizeof *term; i++) {
    struct sigaction old;
    /* keep an inherited SIG_IGN (e.g. nohup) */
    if (sigaction(term[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    sigaction(term[i], &st, NULL);
  }
  return 0;
}
