/*
 * driver.c — the spec-test driver mode: `prog --wanco-driver SCRIPT`.
 * Instantiates the module, then runs the commands of SCRIPT in order (state
 * carries over between them) and reports one line per command on stdout,
 * each starting with "@@ " (other stdout lines are the module's own output):
 *
 *   script line                         report
 *   invoke NAME [SLOTHEX...]         @@ ok [SLOTHEX...] | @@ trap REASON | @@ error TEXT
 *   get NAME                            @@ ok SLOTHEX      | @@ error TEXT
 *   instantiate NAME [REQ...]           @@ ok | @@ unlinkable REASON | @@ trap REASON | @@ error TEXT
 *
 * `instantiate` serves linked spec modules merged into one program
 * (compiler-core/test/spec-harness/link-*.ts): NAME is a [] -> [] export that applies
 * one instance's segments and runs its start function. Each REQ,
 * `memory|table EXPORT MIN MAX` (MAX "-" when the import has none), is an
 * import limit that depends on the exporter's current size, checked first:
 * the memory/table must have at least MIN units now and, when MAX is given, a
 * maximum no larger than MAX ("incompatible import type" otherwise, and NAME
 * does not run).
 *
 * NAME is the export's UTF-8 name in hex ("-" when empty) or #INDEX, its
 * index in the export section (names may contain NUL); slots
 * are the 64-bit argument/result slots of wrt_export.invoke, in hex (v128 takes
 * two, low half first). Instantiation reports first: `@@ init ok` or
 * `@@ init trap REASON` (and then the program stops).
 * A trap (wrt_trap or a fault signal) inside a command siglongjmps back here;
 * memory, tables and globals stay as the trap left them, as the spec says.
 */
#include "wrt_internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include "driver.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool driver_active;
static sigjmp_buf driver_jmp;
static volatile const char *trap_reason;

/* wrt_trap_hook while the driver runs: a trap abandons the current command. */
static void driver_trap(const char *reason) {
  if (!driver_active) return;
  trap_reason = reason;
  siglongjmp(driver_jmp, 1);
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes a hex name in place; returns its length or -1. */
static int decode_name(char *s) {
  if (strcmp(s, "-") == 0) { s[0] = 0; return 0; }
  if (s[0] == '#') return (int)strlen(s);
  size_t n = strlen(s);
  if (n % 2) return -1;
  for (size_t i = 0; i < n / 2; i++) {
    int h = hexval(s[2 * i]), l = hexval(s[2 * i + 1]);
    if (h < 0 || l < 0) return -1;
    s[i] = (char)(h * 16 + l);
  }
  s[n / 2] = 0;
  return (int)(n / 2);
}

static const wrt_export *find_export(const char *name, size_t len, uint32_t kind) {
  if (len > 1 && name[0] == '#') { /* by index in the export section (names may contain NUL) */
    unsigned long i = strtoul(name + 1, NULL, 10);
    if (i < wrt_module.num_exports && wrt_module.exports[i].kind == kind) return &wrt_module.exports[i];
    return NULL;
  }
  for (uint32_t i = 0; i < wrt_module.num_exports; i++) {
    const wrt_export *e = &wrt_module.exports[i];
    if (e->kind == kind && strlen(e->name) == len && memcmp(e->name, name, len) == 0) return e;
  }
  return NULL;
}

static uint32_t slots_of(const uint8_t *types, uint32_t n) {
  uint32_t s = 0;
  for (uint32_t i = 0; i < n; i++) s += types[i] == WRT_V128 ? 2 : 1;
  return s;
}

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *fmt, ...) {
  wrt_stdout_flush();
  va_list ap;
  va_start(ap, fmt);
  fputs("@@ ", stdout);
  vprintf(fmt, ap);
  va_end(ap);
  fputc('\n', stdout);
  fflush(stdout);
}

/* Runs f(arg) with traps caught; returns NULL or the trap reason. */
static const char *guarded(void (*f)(void *), void *arg) {
  driver_active = true;
  if (sigsetjmp(driver_jmp, 1)) {
    driver_active = false;
    return (const char *)trap_reason;
  }
  f(arg);
  driver_active = false;
  return NULL;
}

static void run_instantiate(void *arg) { (void)arg; wrt_module.instantiate(); }

/* Whether an imported memory/table with limits [min, max] (max < 0: none)
 * matches the exported one now: its current size and its declared maximum. */
static bool limits_match(uint64_t cur, uint64_t cur_max, bool has_max, long long min, long long max) {
  if (cur < (uint64_t)min) return false;
  if (max < 0) return true;
  return has_max && cur_max <= (uint64_t)max;
}

/* Checks the REQ tokens of an `instantiate` line: 0 when they hold, 1 when the
 * instance does not link (*why says why), -1 for a malformed line. */
static int check_requirements(char **save, const char **why) {
  char *kind;
  while ((kind = strtok_r(NULL, " \n", save))) {
    char *name = strtok_r(NULL, " \n", save), *min = strtok_r(NULL, " \n", save), *max = strtok_r(NULL, " \n", save);
    int len = name ? decode_name(name) : -1;
    if (len < 0 || !min || !max) return -1;
    long long lo = strtoll(min, NULL, 10), hi = strcmp(max, "-") == 0 ? -1 : strtoll(max, NULL, 10);
    bool ok;
    if (strcmp(kind, "memory") == 0) {
      if (!find_export(name, (size_t)len, 2) || !(wrt_module.flags & WRT_MODULE_HAS_MEMORY)) return -1;
      uint32_t m = wrt_module.mem_max_pages;
      ok = limits_match(wrt_mem_size / WRT_PAGE_SIZE, m, m != WRT_NO_MAX, lo, hi);
    } else if (strcmp(kind, "table") == 0) {
      const wrt_export *e = find_export(name, (size_t)len, 1);
      if (!e || e->index >= wrt_module.num_tables) return -1;
      const wrt_table *t = &wrt_module.tables[e->index];
      ok = limits_match(t->size, t->max, t->max != WRT_NO_MAX, lo, hi);
    } else {
      return -1;
    }
    if (!ok) { *why = "incompatible import type"; return 1; }
  }
  return 0;
}

typedef struct { const wrt_export *e; uint64_t *args, *results; } call_args;
static void run_invoke(void *arg) {
  call_args *c = arg;
  c->e->invoke(c->args, c->results);
}

int wrt_driver_run(const char *script_path) {
  FILE *f = fopen(script_path, "r");
  if (!f) wrt_fatal("cannot open driver script '%s'", script_path);
  wrt_trap_hook = driver_trap;
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  const char *r = guarded(run_instantiate, NULL);
  if (r) {
    report("init trap %s", r);
    fclose(f);
    return 0;
  }
  report("init ok");
  static char line[1 << 20];
  static uint64_t args[1024], results[1024];
  while (fgets(line, sizeof line, f)) {
    char *save = NULL;
    char *cmd = strtok_r(line, " \n", &save);
    if (!cmd) continue;
    char *name = strtok_r(NULL, " \n", &save);
    int len = name ? decode_name(name) : -1;
    if (len < 0) { report("error bad script line"); continue; }
    if (strcmp(cmd, "get") == 0) {
      const wrt_export *e = find_export(name, (size_t)len, 3);
      if (!e || e->index >= wrt_module.num_globals) { report("error unknown global export"); continue; }
      const wrt_global_desc *g = &wrt_module.globals[e->index];
      uint64_t v[2] = { 0, 0 };
      switch (g->type) {
        case WRT_I32: case WRT_F32: v[0] = *(uint32_t *)g->addr; break;
        case WRT_V128: memcpy(v, g->addr, 16); break;
        default: v[0] = *(uint64_t *)g->addr; break; /* i64, f64, references */
      }
      if (g->type == WRT_V128) report("ok %llx %llx", (unsigned long long)v[0], (unsigned long long)v[1]);
      else report("ok %llx", (unsigned long long)v[0]);
      continue;
    }
    if (strcmp(cmd, "instantiate") == 0) {
      const wrt_export *e = find_export(name, (size_t)len, 0);
      if (!e || e->num_params || e->num_results) { report("error unknown instantiation export"); continue; }
      const char *why = NULL;
      int linked = check_requirements(&save, &why);
      if (linked < 0) { report("error bad import requirement"); continue; }
      if (linked > 0) { report("unlinkable %s", why); continue; }
      call_args c = { e, args, results };
      r = guarded(run_invoke, &c);
      if (r) report("trap %s", r); else report("ok");
      continue;
    }
    if (strcmp(cmd, "invoke") != 0) { report("error unknown command"); continue; }
    const wrt_export *e = find_export(name, (size_t)len, 0);
    if (!e) { report("error unknown function export"); continue; }
    uint32_t np = slots_of(e->param_types, e->num_params), nr = slots_of(e->result_types, e->num_results);
    uint32_t k = 0;
    char *tok;
    while ((tok = strtok_r(NULL, " \n", &save)) && k < 1024) args[k++] = strtoull(tok, NULL, 16);
    if (k != np || nr > 1024) { report("error wrong number of arguments"); continue; }
    call_args c = { e, args, results };
    r = guarded(run_invoke, &c);
    if (r) { report("trap %s", r); continue; }
    char out[1 << 15];
    size_t o = 0;
    out[0] = 0;
    for (uint32_t i = 0; i < nr && o + 20 < sizeof out; i++)
      o += (size_t)snprintf(out + o, sizeof out - o, " %llx", (unsigned long long)results[i]);
    report("ok%s", out);
  }
  fclose(f);
  return 0;
}
