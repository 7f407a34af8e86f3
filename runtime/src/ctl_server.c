/*
 * ctl_server.c — the control channel's socket (--control PATH): a Unix stream
 * socket, one client at a time, one JSON request per line (protocol in
 * runtime/README.md). A thread of its own reads the requests and dispatches
 * them through the command table: commands that only touch the control state
 * run right here, the ones that touch Wasm state are queued for the Wasm thread
 * (ctl_stop.c).
 */
#include "ctl_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int listen_fd = -1;
static char *sock_path;

void ctl_cmd_kill(const char *line) {
  respond_ok(line);
  wrt_stdout_flush();
  unlink(sock_path);
  _exit(137);
}

static void handle_line(const char *line) {
  char cmd[32] = "";
  if (!jget_str(line, "cmd", cmd, sizeof cmd)) { respond_err(line, "request without \"cmd\" (or not a JSON object)"); return; }
  pthread_mutex_lock(&ctl_mu);
  const ctl_command *c = ctl_command_find(cmd);
  if (!c) respond_err(line, "unknown command '%s'", cmd);
  else if (!(c->flags & CTL_WASM_THREAD)) c->run(line);
  else if ((c->flags & CTL_WHEN_STOPPED) && !ctl_is_stopped()) respond_err(line, "'%s' needs the program to be stopped (send pause first)", cmd);
  else if (!ctl_enqueue(line)) respond_err(line, "out of memory");
  if (ctl_update_wants()) wrt_cr_flag = 1;
  pthread_mutex_unlock(&ctl_mu);
}

static void *serve(void *arg) {
  (void)arg;
  for (;;) {
    int c = accept(listen_fd, NULL, NULL);
    if (c < 0) { if (errno == EINTR || errno == ECONNABORTED) continue; usleep(10000); continue; }
    ctl_set_client(c);
    pthread_mutex_lock(&ctl_mu);
    ctl_resend_stop_event();
    pthread_mutex_unlock(&ctl_mu);
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
      if (cap - n < 4096) {
        if (cap > (16u << 20)) break; /* a line longer than 16 MiB: drop the client */
        char *p = realloc(buf, cap ? cap * 2 : 8192);
        if (!p) break;
        buf = p;
        cap = cap ? cap * 2 : 8192;
      }
      ssize_t k = recv(c, buf + n, cap - n - 1, 0);
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) break;
      n += (size_t)k;
      char *nl;
      while ((nl = memchr(buf, '\n', n))) {
        *nl = 0;
        if (nl > buf && nl[-1] == '\r') nl[-1] = 0;
        if (*skip_ws(buf)) handle_line(buf);
        size_t used = (size_t)(nl + 1 - buf);
        memmove(buf, nl + 1, n - used);
        n -= used;
      }
    }
    free(buf);
    ctl_set_client(-1);
    close(c);
  }
  return NULL;
}

static void unlink_socket(void) { if (sock_path) unlink(sock_path); }

int wrt_ctl_start(const char *path) {
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof a.sun_path) { errno = ENAMETOOLONG; return -1; }
  strcpy(a.sun_path, path);
  if (ctl_points_init() != 0) { errno = ENOMEM; return -1; }
  listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd < 0) return -1;
  struct stat st;
  if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) unlink(path); /* stale socket of an earlier run */
  if (bind(listen_fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(listen_fd, 1) != 0) return -1;
  sock_path = strdup(path);
  atexit(unlink_socket);
  ctl_install_point_hook();
  /* the socket thread must not take the process-directed signals */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  pthread_t t;
  int rc = pthread_create(&t, NULL, serve, NULL);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0) { errno = rc; return -1; }
  pthread_detach(t);
  return 0;
}
