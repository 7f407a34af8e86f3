/*
 * cr_trigger.c — when a checkpoint happens. Compiled code calls wrt_cr_point at
 * a migration point while wrt_cr_flag is set; the flag is set by SIGUSR1/SIGUSR2,
 * by --checkpoint-at N (every point counts until the N-th), and by whoever
 * registered a point hook (the control channel) while it needs the Wasm thread.
 */
#include "cr_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

volatile int32_t wrt_cr_flag;
volatile sig_atomic_t wrt_cr_in_entry;
static uint64_t points_reached; /* since start or restore, counted while --checkpoint-at is set */
static volatile uint64_t sig_at_ns;   /* when SIGUSR1 arrived (for --cr-stats) */
static volatile sig_atomic_t sig_request;
static volatile sig_atomic_t sig_keep_running; /* a pending request came as SIGUSR2 */

/* Registered once, before the Wasm entry runs (C/R does not know who registers). */
static wrt_cr_point_fn hook_at_point;
static wrt_cr_wants_fn hook_wants_point;

void wrt_cr_set_point_hook(wrt_cr_point_fn at_point, wrt_cr_wants_fn wants_point) {
  hook_at_point = at_point;
  hook_wants_point = wants_point;
}

/* Sets wrt_cr_flag again while a signal, --checkpoint-at or the hook still needs a point. */
static void recompute_flag(void) {
  if (sig_request || (hook_wants_point && hook_wants_point()) || (wrt_cr_at_point && points_reached < wrt_cr_at_point))
    wrt_cr_flag = 1;
}

/* A transfer (cr_restore.c) set the flag and is taken: clear it unless a point is still wanted
 * (a signal that arrives in between sets it again itself). */
void wrt_cr_flag_release(void) {
  wrt_cr_flag = 0;
  recompute_flag();
}

/* SIGUSR1: checkpoint, then exit (unless --checkpoint-continue); SIGUSR2:
 * checkpoint and keep running (CRIU's --leave-running), for a periodic save. */
static void on_checkpoint_signal(int sig) {
  if (!sig_request) sig_at_ns = wrt_now_ns();
  if (sig == SIGUSR2) sig_keep_running = 1;
  sig_request = 1;
  wrt_cr_flag = 1;
}

static void report_points_short(void) {
  if (points_reached < wrt_cr_at_point)
    fprintf(stderr, "wanco: the program ended after %llu migration points, before --checkpoint-at %llu\n",
            (unsigned long long)points_reached, (unsigned long long)wrt_cr_at_point);
}

void wrt_cr_start_counting(void) {
  if (!wrt_cr_at_point) return;
  atexit(report_points_short);
  recompute_flag();
}

int wrt_cr_setup(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_checkpoint_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGUSR1);
  sigaddset(&sa.sa_mask, SIGUSR2);
  if (sigaction(SIGUSR1, &sa, NULL) != 0) return -1;
  return sigaction(SIGUSR2, &sa, NULL);
}

static void signal_checkpoint(uint32_t reason, bool keep_running) {
  char err[512];
  uint32_t nf = 0;
  uint64_t at_point = wrt_now_ns();
  long size = wrt_cr_checkpoint(wrt_cr_snapshot_path, reason, &nf, err, sizeof err);
  uint64_t done = wrt_now_ns();
  wrt_stdout_flush();
  fflush(stdout);
  if (size < 0) {
    fprintf(stderr, "%s: error: checkpoint failed: %s\n", wrt_prog_name, err);
    return;
  }
  fprintf(stderr, "wanco: checkpoint written to %s (%ld bytes, %u frames)\n", wrt_cr_snapshot_path, size, nf);
  if (wrt_cr_stats)
    fprintf(stderr, "wanco: checkpoint stats: %.3f ms from the signal to the file on disk (%.3f ms to reach a migration point, %.3f ms to capture, compress, write and sync)\n",
            wrt_ms_between(sig_at_ns, done), wrt_ms_between(sig_at_ns, at_point), wrt_ms_between(at_point, done));
  if (!wrt_cr_continue && !keep_running) exit(0);
}

void wrt_cr_point(uint64_t point_id) {
  if (!wrt_cr_in_entry || wrt_cr_restoring()) return; /* keep the flag: handled at a later point */
  wrt_cr_flag = 0;
  if (sig_request) {
    /* take the request and its kind together: a signal in between would
     * otherwise be merged into this checkpoint with the wrong kind */
    sigset_t both, old;
    sigemptyset(&both);
    sigaddset(&both, SIGUSR1);
    sigaddset(&both, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &both, &old);
    bool keep = sig_keep_running;
    sig_request = 0;
    sig_keep_running = 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    signal_checkpoint(SNAP_REASON_SIGNAL, keep);
  }
  /* --checkpoint-at N: every poll reaches this hook (the flag stays set) and the N-th one checkpoints,
   * so that the same N is the same Wasm state on either architecture */
  if (wrt_cr_at_point && ++points_reached == wrt_cr_at_point) {
    sig_at_ns = wrt_now_ns();
    signal_checkpoint(SNAP_REASON_POINT, false);
  }
  if (hook_at_point) hook_at_point(point_id);
  recompute_flag();
}

