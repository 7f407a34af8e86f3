/*
 * ctl_stop.c — the control channel on the Wasm thread. Wasm state may only be
 * read or changed by the thread that runs it, at a migration point: the socket
 * thread queues such requests here and sets wrt_cr_flag, and the point hook
 * (registered with C/R) runs them. A stop (pause, step, breakpoint, start) is a
 * loop inside the hook that waits for requests until resume or step.
 */
#include "ctl_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool wrt_ctl_pause_on_start;

pthread_mutex_t ctl_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queued = PTHREAD_COND_INITIALIZER; /* a request was queued */

typedef struct req { char *line; struct req *next; } req;
static req *q_head, *q_tail;
static bool stopped, pause_req, step_req;
static volatile int wants;       /* mirror of "the Wasm thread is needed", read by C/R without the lock */
static char stop_event[256];     /* re-sent to a client that connects while stopped */
static char stop_reason[16];     /* of the current stop */
static char *restop_line;        /* set_local rewound the frames: its response, sent when the point runs again */
static uint64_t restop_point;
static bool hooked;              /* the point hook is registered (the control channel started) */
static bool at_start;            /* --pause-on-start: before the entry function (stopped there, or about to be) */

bool ctl_update_wants(void) {
  wants = q_head || pause_req || step_req || ctl_points_armed() || restop_line;
  return wants;
}

bool ctl_is_stopped(void) { return stopped; }
bool ctl_at_start(void) { return at_start; }

bool ctl_enqueue(const char *line) {
  req *r = malloc(sizeof *r);
  if (!r || !(r->line = strdup(line))) {
    free(r);
    return false;
  }
  r->next = NULL;
  if (q_tail) q_tail->next = r; else q_head = r;
  q_tail = r;
  pthread_cond_signal(&queued);
  return true;
}

static req *pop(void) {
  req *r = q_head;
  if (r) { q_head = r->next; if (!q_head) q_tail = NULL; }
  ctl_update_wants();
  return r;
}

void ctl_resend_stop_event(void) {
  if (stopped && stop_event[0]) {
    sbuf e = { 0 };
    sb_putn(&e, stop_event, strlen(stop_event));
    send_line(&e);
  }
}

/* Runs one queued request on the Wasm thread; returns true when it ends the stop. */
static bool run_request(const char *line, bool is_stopped) {
  char cmd[32] = "";
  jget_str(line, "cmd", cmd, sizeof cmd);
  const ctl_command *c = ctl_command_find(cmd);
  if (c && (c->flags & CTL_WASM_THREAD) && !(c->flags & CTL_WHEN_STOPPED)) {
    c->run(line);
    return (c->flags & CTL_RESUMES) != 0;
  }
  /* queued while stopped, but a resume before it ended the stop */
  if (!is_stopped) { respond_err(line, "'%s' needs the program to be stopped (send pause first)", cmd); return false; }
  if (!c || !(c->flags & CTL_WASM_THREAD)) { respond_err(line, "unknown command '%s'", cmd); return false; }
  c->run(line);
  return (c->flags & CTL_RESUMES) != 0;
}

/* Stops until resume/step. reply: a deferred request answered instead of sending the event. */
static void stop_loop(const char *reason, uint64_t id, const char *reply) {
  sbuf b = { 0 };
  if (id == UINT64_MAX) sb_printf(&b, "{\"event\":\"stopped\",\"reason\":\"%s\"}", reason);
  else sb_printf(&b, "{\"event\":\"stopped\",\"reason\":\"%s\",\"point\":\"0x%" PRIx64 "\",\"func\":%u}", reason, id, WRT_POINT_ID_FUNC(id));
  pthread_mutex_lock(&ctl_mu);
  stopped = true;
  pause_req = false;
  snprintf(stop_event, sizeof stop_event, "%s", b.p ? b.p : "");
  snprintf(stop_reason, sizeof stop_reason, "%s", reason);
  pthread_mutex_unlock(&ctl_mu);
  wrt_stdout_flush();
  if (reply) {
    free(b.p);
    respond_ok(reply);
  } else {
    send_line(&b);
  }
  for (;;) {
    pthread_mutex_lock(&ctl_mu);
    while (!q_head) pthread_cond_wait(&queued, &ctl_mu);
    req *r = pop();
    pthread_mutex_unlock(&ctl_mu);
    bool go = run_request(r->line, true);
    free(r->line);
    free(r);
    if (go) break;
  }
  pthread_mutex_lock(&ctl_mu);
  stopped = false;
  ctl_update_wants();
  pthread_mutex_unlock(&ctl_mu);
}

/* The point hook (C/R's wrt_cr_point calls it on the Wasm thread). */
static void at_point(uint64_t id) {
  if (restop_line && id == restop_point) {
    /* the rebuilt frames reached the point they were stopped at: stopped again, set_local answered */
    char *line = restop_line;
    char reason[16];
    snprintf(reason, sizeof reason, "%s", stop_reason);
    pthread_mutex_lock(&ctl_mu);
    restop_line = NULL;
    ctl_update_wants();
    pthread_mutex_unlock(&ctl_mu);
    stop_loop(reason, id, line);
    free(line);
    return;
  }
  /* --pause-on-start: the Wasm start function runs before the start stop, which serves the queue */
  if (at_start) return;
  /* queued requests first (checkpoint while running, or errors) */
  for (;;) {
    pthread_mutex_lock(&ctl_mu);
    req *r = pop();
    pthread_mutex_unlock(&ctl_mu);
    if (!r) break;
    run_request(r->line, false);
    free(r->line);
    free(r);
  }
  pthread_mutex_lock(&ctl_mu);
  uint32_t pi = ctl_point_index(id);
  const char *reason = step_req ? "step" : pause_req ? "pause" : ctl_point_breaks(pi) ? "breakpoint" : NULL;
  bool cp = ctl_point_checkpoints(pi);
  step_req = false;
  ctl_update_wants();
  pthread_mutex_unlock(&ctl_mu);
  if (cp) ctl_checkpoint_at_point(id);
  if (reason) stop_loop(reason, id, NULL);
}

static bool wants_point(void) { return wants; }

void ctl_install_point_hook(void) {
  hooked = true;
  wrt_cr_set_point_hook(at_point, wants_point);
  /* --pause-on-start: stopped from the moment a client can connect. A client may send resume or
   * step before the program (instantiation, a restore's memory) reaches the start stop: they
   * wait in the queue for it instead of being refused as "not stopped". */
  if (wrt_ctl_pause_on_start) {
    pthread_mutex_lock(&ctl_mu);
    at_start = true;
    stopped = true;
    pthread_mutex_unlock(&ctl_mu);
  }
}

void wrt_ctl_before_entry(void) {
  if (!hooked || !wrt_ctl_pause_on_start) return;
  stop_loop("start", UINT64_MAX, NULL);
  pthread_mutex_lock(&ctl_mu);
  at_start = false;
  pthread_mutex_unlock(&ctl_mu);
}

bool ctl_stop_again_at(uint64_t point, const char *line) {
  char *copy = strdup(line);
  if (!copy) return false;
  pthread_mutex_lock(&ctl_mu);
  restop_line = copy;
  restop_point = point;
  ctl_update_wants();
  wrt_cr_flag = 1;
  pthread_mutex_unlock(&ctl_mu);
  return true;
}

/* ---- run control ---- */
void ctl_cmd_pause(const char *line) { /* socket thread, ctl_mu held */
  if (!stopped) pause_req = true;
  respond_ok(line);
}

void ctl_cmd_resume(const char *line) { respond_ok(line); }

void ctl_cmd_step(const char *line) {
  pthread_mutex_lock(&ctl_mu);
  step_req = true;
  ctl_update_wants();
  pthread_mutex_unlock(&ctl_mu);
  respond_ok(line);
}
