/*
 * parallel.c — runs numbered jobs on a few short-lived threads. Checkpoints
 * compress linear memory with it (results consumed in order by the writer,
 * which streams them to the file while the next ones compress) and restores
 * inflate it (no consumer). Threads are created per call: a checkpoint is rare
 * and pthread_create costs microseconds, so no pool lives across checkpoints.
 */
#include "cr_internal.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_THREADS 8u

typedef struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  uint32_t njobs, window;
  uint32_t next;       /* next job a worker takes */
  uint32_t consumed;   /* jobs the consumer has taken (workers stay within `window` of it) */
  int8_t *state;       /* per job: 0 pending, 1 done, -1 failed */
  bool stop;
  wrt_job_fn work;
  void *ctx;
} pool;

static void *worker(void *arg) {
  pool *p = arg;
  void *local = NULL; /* per-thread state of the job function (a zstd context) */
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (!p->stop && p->next < p->njobs && p->next >= p->consumed + p->window) pthread_cond_wait(&p->cv, &p->mu);
    if (p->stop || p->next >= p->njobs) break;
    uint32_t j = p->next++;
    pthread_mutex_unlock(&p->mu);
    int rc = p->work(p->ctx, j, &local);
    pthread_mutex_lock(&p->mu);
    p->state[j] = rc == 0 ? 1 : -1;
    pthread_cond_broadcast(&p->cv);
  }
  pthread_mutex_unlock(&p->mu);
  p->work(p->ctx, UINT32_MAX, &local); /* lets the job function free its per-thread state */
  return NULL;
}

/* One thread per online CPU, at most MAX_THREADS and njobs. */
static uint32_t threads_for(uint32_t njobs) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  uint32_t t = n < 1 ? 1u : n > (long)MAX_THREADS ? MAX_THREADS : (uint32_t)n;
  return t < njobs ? t : njobs;
}

int wrt_parallel_run(uint32_t njobs, uint32_t window, wrt_job_fn work, wrt_consume_fn consume, void *ctx) {
  if (njobs == 0) return 0;
  uint32_t nt = njobs >= 4 ? threads_for(njobs) : 1;
  pthread_t th[MAX_THREADS];
  pool p = { .njobs = njobs, .window = window ? window : njobs, .work = work, .ctx = ctx };
  p.state = calloc(njobs, 1);
  if (!p.state) return -1;
  pthread_mutex_init(&p.mu, NULL);
  pthread_cond_init(&p.cv, NULL);
  /* workers take no signals: SIGUSR1/SIGUSR2 and the control channel's wake-ups stay with the Wasm thread */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  uint32_t started = 0;
  if (nt > 1)
    for (; started < nt; started++)
      if (pthread_create(&th[started], NULL, worker, &p) != 0) break;
  pthread_sigmask(SIG_SETMASK, &old, NULL);

  int rc = 0;
  void *local = NULL;
  for (uint32_t j = 0; j < njobs; j++) {
    if (started == 0) {
      /* no threads (few jobs, or pthread_create failed): run the job here */
      p.state[j] = work(ctx, j, &local) == 0 ? 1 : -1;
    } else {
      pthread_mutex_lock(&p.mu);
      while (p.state[j] == 0) pthread_cond_wait(&p.cv, &p.mu);
      pthread_mutex_unlock(&p.mu);
    }
    if (p.state[j] < 0 || (consume && consume(ctx, j) != 0)) { rc = -1; break; }
    pthread_mutex_lock(&p.mu);
    p.consumed = j + 1;
    pthread_cond_broadcast(&p.cv);
    pthread_mutex_unlock(&p.mu);
  }
  if (started == 0) work(ctx, UINT32_MAX, &local);
  pthread_mutex_lock(&p.mu);
  p.stop = true;
  pthread_cond_broadcast(&p.cv);
  pthread_mutex_unlock(&p.mu);
  for (uint32_t t = 0; t < started; t++) pthread_join(th[t], NULL);
  pthread_cond_destroy(&p.cv);
  pthread_mutex_destroy(&p.mu);
  free(p.state);
  return rc;
}
