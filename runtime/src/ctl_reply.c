/*
 * ctl_reply.c — lines to the connected client: responses to requests and events.
 * Both threads send (the socket thread answers what it runs or refuses, the Wasm
 * thread the rest and the events), so a lock keeps lines whole.
 */
#include "ctl_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

static pthread_mutex_t wmu = PTHREAD_MUTEX_INITIALIZER;  /* writes to the client */
static int client_fd = -1;

void ctl_set_client(int fd) {
  pthread_mutex_lock(&wmu);
  client_fd = fd;
  pthread_mutex_unlock(&wmu);
}

void send_line(sbuf *b) {
  sb_putn(b, "\n", 1);
  pthread_mutex_lock(&wmu);
  int fd = client_fd;
  size_t off = 0;
  while (fd >= 0 && b->p && off < b->n) {
    ssize_t w = send(fd, b->p + off, b->n - off, MSG_NOSIGNAL);
    if (w < 0) { if (errno == EINTR) continue; break; }
    off += (size_t)w;
  }
  pthread_mutex_unlock(&wmu);
  free(b->p);
  b->p = NULL;
  b->n = b->cap = 0;
}

void resp_begin(sbuf *b, const char *line, bool ok) {
  span id;
  sb_putn(b, "{\"id\":", 6);
  if (jget(line, "id", &id)) sb_putn(b, id.s, id.n); else sb_putn(b, "null", 4);
  sb_printf(b, ",\"ok\":%s", ok ? "true" : "false");
}

void respond_ok(const char *line) { sbuf b = { 0 }; resp_begin(&b, line, true); sb_putn(&b, "}", 1); send_line(&b); }

void respond_err(const char *line, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  sbuf b = { 0 };
  resp_begin(&b, line, false);
  sb_putn(&b, ",\"error\":", 9);
  sb_jstr(&b, msg);
  sb_putn(&b, "}", 1);
  send_line(&b);
}
