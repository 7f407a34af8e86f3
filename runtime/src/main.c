/*
 * main.c — the compiled program's entry point: command-line options (like
 * `wasmtime run`), then set-up of memory, tables, stack limit and signal
 * handlers, then instantiate() and entry().
 *
 *   prog [--dir HOST[::GUEST]]... [--env K[=V]]... [--] ARGS...
 *
 * The first argument that is not an option (or everything after `--`) starts
 * the Wasm arguments; Wasm argv[0] is the basename of the program itself.
 * Options are described by the `options` table below: to add one, add a row
 * and a handler.
 */
#include "cr_internal.h"
#include "control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <stdarg.h>

const char *wrt_prog_name = "wanco";
/* C/R options (cr_internal.h) */
const char *wrt_cr_snapshot_path;
bool wrt_cr_continue;
bool wrt_cr_stats;
uint64_t wrt_cr_at_point;
uint64_t wrt_cr_start_ns;

typedef struct option_def option_def;
/* Handles one option; `arg` is its value (NULL for flags). Returns 0, or -1
 * after printing an error with usage_error(). */
typedef int (*option_fn)(const option_def *opt, const char *arg);

struct option_def {
  const char *name;     /* "--dir" */
  const char *argname;  /* "HOST[::GUEST]", or NULL for a flag */
  option_fn handle;     /* NULL: reserved, not available yet */
  const char *help;
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s: error: ", wrt_prog_name);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return -1;
}

/* ---- option handlers ---- */
typedef struct { const char *host, *guest; } preopen_arg;
static preopen_arg *preopens;
static int npreopens;
static char **envs;
static int nenvs;
static bool unbuffered;

static int opt_dir(const option_def *o, const char *arg) {
  (void)o;
  if (!*arg) return usage_error("--dir needs a directory");
  char *host = strdup(arg);
  const char *guest = host;
  char *sep = strstr(host, "::");
  if (sep) {
    *sep = 0;
    guest = sep + 2;
    if (!*host || !*guest) return usage_error("bad --dir value '%s' (expected HOST[::GUEST])", arg);
  }
  preopen_arg *p = realloc(preopens, (size_t)(npreopens + 1) * sizeof *p);
  if (!p) return usage_error("out of memory");
  preopens = p;
  preopens[npreopens].host = host;
  preopens[npreopens].guest = guest;
  npreopens++;
  return 0;
}

static int opt_env(const option_def *o, const char *arg) {
  (void)o;
  char *kv;
  const char *eq = strchr(arg, '=');
  if (eq == arg || !*arg) return usage_error("bad --env value '%s' (expected NAME=VALUE)", arg);
  if (eq) {
    kv = strdup(arg);
  } else { /* --env NAME: inherit the host's value, as wasmtime does */
    const char *v = getenv(arg);
    if (!v) return 0;
    size_t l = strlen(arg) + strlen(v) + 2;
    kv = malloc(l);
    if (kv) snprintf(kv, l, "%s=%s", arg, v);
  }
  char **e = realloc(envs, (size_t)(nenvs + 2) * sizeof *e);
  if (!kv || !e) return usage_error("out of memory");
  envs = e;
  /* a later --env for the same name replaces the earlier one */
  size_t klen = (size_t)(strchr(kv, '=') - kv);
  for (int i = 0; i < nenvs; i++)
    if (strncmp(envs[i], kv, klen + 1) == 0) { envs[i] = kv; return 0; }
  envs[nenvs++] = kv;
  envs[nenvs] = NULL;
  return 0;
}

static int opt_unbuffered(const option_def *o, const char *arg) {
  (void)o; (void)arg;
  unbuffered = true;
  return 0;
}

static const char *restore_file;
static const char *control_path;

static int opt_snapshot(const option_def *o, const char *arg) {
  (void)o;
  if (!*arg) return usage_error("--snapshot needs a file name");
  wrt_cr_snapshot_path = arg;
  return 0;
}
static int opt_restore(const option_def *o, const char *arg) {
  (void)o;
  if (!*arg) return usage_error("--restore needs a snapshot file");
  restore_file = arg;
  return 0;
}
static int opt_control(const option_def *o, const char *arg) {
  (void)o;
  if (!*arg) return usage_error("--control needs a socket path");
  control_path = arg;
  return 0;
}
static int opt_continue(const option_def *o, const char *arg) {
  (void)o; (void)arg;
  wrt_cr_continue = true;
  return 0;
}
static int opt_stats(const option_def *o, const char *arg) {
  (void)o; (void)arg;
  wrt_cr_stats = true;
  return 0;
}
static int opt_at_point(const option_def *o, const char *arg) {
  (void)o;
  char *end;
  errno = 0;
  unsigned long long n = strtoull(arg, &end, 10);
  if (errno || *end || !*arg || *arg == '-' || n == 0) return usage_error("bad --checkpoint-at value '%s' (expected a count >= 1)", arg);
  wrt_cr_at_point = n;
  return 0;
}
static int opt_pause(const option_def *o, const char *arg) {
  (void)o; (void)arg;
  wrt_ctl_pause_on_start = true;
  return 0;
}

/* --wanco-driver: the spec-test driver mode, in programs the spec harness links with
   runtime/build/<arch>/libwrt-spec.a (runtime/spec/driver.c); shipped programs do not have it. */
int wrt_driver_run(const char *script_path) __attribute__((weak));
static const char *driver_script;
static int opt_driver(const option_def *o, const char *arg) {
  if (!wrt_driver_run) return usage_error("%s: this program was not linked with the spec-test driver", o->name);
  driver_script = arg;
  return 0;
}

static int opt_help(const option_def *o, const char *arg);

static const option_def options[] = {
  { "--dir", "HOST[::GUEST]", opt_dir, "give the program access to directory HOST, seen as GUEST" },
  { "--env", "NAME[=VALUE]", opt_env, "set an environment variable for the program" },
  { "--unbuffered", NULL, opt_unbuffered, "write stdout immediately even when it is not a terminal" },
  { "--help", NULL, opt_help, "print this help and exit" },
  /* checkpoint/restore */
  { "--snapshot", "FILE", opt_snapshot, "where SIGUSR1/SIGUSR2 write the snapshot (default: PROG.wsnap in the current directory)" },
  { "--checkpoint-continue", NULL, opt_continue, "keep running after a SIGUSR1 checkpoint too (default: exit 0; SIGUSR2 always keeps running)" },
  { "--checkpoint-at", "N", opt_at_point, "checkpoint and exit at the N-th migration point reached (the same moment on either architecture)" },
  { "--cr-stats", NULL, opt_stats, "print checkpoint and restore timings on stderr" },
  { "--restore", "FILE", opt_restore, "continue the program saved in snapshot FILE (its original arguments and environment are used)" },
  { "--control", "SOCKET", opt_control, "listen for debugger/control requests on the Unix socket SOCKET" },
  { "--pause-on-start", NULL, opt_pause, "with --control: wait for 'resume' before running the program" },
  { "--wanco-driver", "SCRIPT", opt_driver, "spec-test driver: instantiate, run the invocations in SCRIPT, report results" },
};
#define NOPTIONS (sizeof options / sizeof *options)

static int opt_help(const option_def *o, const char *arg) {
  (void)o; (void)arg;
  printf("usage: %s [OPTIONS] [--] [ARGS...]\n\noptions:\n", wrt_prog_name);
  for (size_t i = 0; i < NOPTIONS; i++) {
    char left[64];
    snprintf(left, sizeof left, "%s%s%s", options[i].name, options[i].argname ? " " : "",
             options[i].argname ? options[i].argname : "");
    printf("  %-28s %s\n", left, options[i].help);
  }
  printf("\nOptions also accept the form --name=VALUE. The first argument that is not an\n"
         "option, or everything after --, is passed to the program.\n");
  exit(0);
}

/* Parses options; returns the index of the first Wasm argument, or -1. */
static int parse_options(int argc, char **argv) {
  int i = 1;
  while (i < argc) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) return i + 1;
    if (a[0] != '-' || a[1] == 0) return i;
    const char *eq = strchr(a, '=');
    size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
    const option_def *o = NULL;
    for (size_t k = 0; k < NOPTIONS; k++)
      if (strlen(options[k].name) == nlen && strncmp(options[k].name, a, nlen) == 0) o = &options[k];
    if (!o) return usage_error("unknown option '%s' (see --help)", a);
    if (!o->handle) return usage_error("option %s is not available in this build", o->name);
    const char *val = NULL;
    if (o->argname) {
      if (eq) val = eq + 1;
      else if (i + 1 < argc) val = argv[++i];
      else return usage_error("option %s needs a value (%s)", o->name, o->argname);
    } else if (eq) {
      return usage_error("option %s takes no value", o->name);
    }
    if (o->handle(o, val) != 0) return -1;
    i++;
  }
  return i;
}

int main(int argc, char **argv) {
  volatile char stack_anchor = 0;
  wrt_cr_start_ns = wrt_now_ns();
  const char *self = argc > 0 && argv[0] ? argv[0] : "wanco";
  const char *slash = strrchr(self, '/');
  wrt_prog_name = slash ? slash + 1 : self;

  int first = parse_options(argc, argv);
  if (first < 0) return 2;
  /* as early as possible: a SIGUSR1/SIGUSR2 before this ends the process; one after it waits for the
   * first migration point of the entry function (a restore reads its snapshot after this) */
  if (wrt_cr_setup() != 0) wrt_fatal("cannot install the checkpoint signal handler: %s", strerror(errno));
  if (restore_file && first < argc) {
    usage_error("program arguments cannot be given with --restore (the program keeps its original ones)");
    return 2;
  }
  if (restore_file && nenvs) {
    usage_error("--env cannot be used with --restore (the program keeps its original environment)");
    return 2;
  }
  if (wrt_ctl_pause_on_start && !control_path) {
    usage_error("--pause-on-start needs --control");
    return 2;
  }
  char *default_snap = NULL;
  if (!wrt_cr_snapshot_path) {
    size_t l = strlen(wrt_prog_name) + 8;
    default_snap = malloc(l);
    if (!default_snap) wrt_fatal("out of memory");
    snprintf(default_snap, l, "%s.wsnap", wrt_prog_name);
    wrt_cr_snapshot_path = default_snap;
  }

  /* Wasm argv: program basename, then the remaining arguments (a restored program keeps its own). */
  if (!restore_file) {
    wrt_wasi_argc = 1 + (argc - first);
    wrt_wasi_argv = calloc((size_t)wrt_wasi_argc + 1, sizeof(char *));
    if (!wrt_wasi_argv) wrt_fatal("out of memory");
    wrt_wasi_argv[0] = (char *)wrt_prog_name;
    for (int k = first; k < argc; k++) wrt_wasi_argv[1 + k - first] = argv[k];
    wrt_wasi_envc = nenvs;
    wrt_wasi_envp = envs;
  }

  if (wrt_module.abi_version != WRT_ABI_VERSION)
    wrt_fatal("module ABI version %u, runtime expects %u", wrt_module.abi_version, WRT_ABI_VERSION);

  if (restore_file) wrt_cr_restore_prepare(restore_file); /* validates; exits 2 on errors */

  wrt_wasi_setup_stdio();
  if (unbuffered) wrt_stdout_buffered = false;
  atexit(wrt_stdout_flush);
  for (int k = 0; k < npreopens; k++) {
    if (wrt_wasi_add_preopen(preopens[k].host, preopens[k].guest) != 0) {
      usage_error("cannot open directory '%s': %s", preopens[k].host, strerror(errno));
      return 2;
    }
  }

  if (wrt_memory_setup() != 0) wrt_fatal("cannot reserve linear memory: %s", strerror(errno));
  if (wrt_segments_setup() != 0 || wrt_tables_setup() != 0) wrt_fatal("out of memory");
  wrt_stack_setup((uintptr_t)&stack_anchor);
  if (wrt_signals_setup() != 0) wrt_fatal("cannot install signal handlers: %s", strerror(errno));
  signal(SIGPIPE, SIG_IGN); /* a closed pipe is EPIPE from fd_write, as in wasmtime */

  if (control_path && wrt_ctl_start(control_path) != 0) {
    usage_error("cannot listen on control socket '%s': %s", control_path, strerror(errno));
    return 2;
  }

  if (driver_script) return wrt_driver_run(driver_script);
  wrt_cr_start_counting();
  if (restore_file) wrt_cr_restore_apply();
  else wrt_module.instantiate(); /* checkpoint requests during instantiate wait for the first point in entry */
  wrt_ctl_before_entry();
  wrt_cr_in_entry = 1;
  if (setjmp(wrt_cr_rewind_buf) != 0) {
    wrt_module.restore_entry(); /* the debugger changed a value: the frames are rebuilt */
  } else {
    wrt_cr_rewind_armed = wrt_module.restore_entry != NULL;
    if (restore_file) wrt_module.restore_entry();
    else if (wrt_module.entry) wrt_module.entry();
  }
  wrt_cr_in_entry = 0;

  wrt_stdout_flush();
  fflush(stdout);
  return 0;
}
