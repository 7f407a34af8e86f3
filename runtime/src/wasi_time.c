/* wasi_time.c — clocks, poll_oneoff and sched_yield. */
#include "wasi.h"
#include "wasi_api.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static int host_clock(int32_t id, clockid_t *out) {
  switch (id) {
  case CLOCK_ID_REALTIME: *out = CLOCK_REALTIME; return 0;
  case CLOCK_ID_MONOTONIC: *out = CLOCK_MONOTONIC; return 0;
  case CLOCK_ID_PROCESS_CPUTIME: *out = CLOCK_PROCESS_CPUTIME_ID; return 0;
  case CLOCK_ID_THREAD_CPUTIME: *out = CLOCK_THREAD_CPUTIME_ID; return 0;
  default: return -1;
  }
}

int32_t wrt_wasi_clock_res_get(int32_t id, int32_t res) {
  CHECK_MEM((uint32_t)res, 8);
  clockid_t c;
  if (host_clock(id, &c)) return W_EINVAL;
  struct timespec ts;
  if (clock_getres(c, &ts)) return wrt_wasi_errno(errno);
  put_u64((uint32_t)res, ts_to_ns(ts));
  return W_ESUCCESS;
}

int32_t wrt_wasi_clock_time_get(int32_t id, int64_t precision, int32_t time) {
  (void)precision;
  CHECK_MEM((uint32_t)time, 8);
  clockid_t c;
  if (host_clock(id, &c)) return W_EINVAL;
  struct timespec ts;
  if (clock_gettime(c, &ts)) return wrt_wasi_errno(errno);
  put_u64((uint32_t)time, ts_to_ns(ts));
  return W_ESUCCESS;
}

int32_t wrt_wasi_sched_yield(void) {
  sched_yield();
  return W_ESUCCESS;
}

static uint64_t now_ns(clockid_t c) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return ts_to_ns(ts);
}

#define SUB_SIZE 48
#define EVT_SIZE 32
enum { EVT_CLOCK = 0, EVT_FD_READ = 1, EVT_FD_WRITE = 2 };

static void put_event(uint32_t out, uint32_t k, uint64_t userdata, uint16_t err, uint8_t type,
                      uint64_t nbytes, uint16_t flags) {
  uint32_t p = out + k * EVT_SIZE;
  memset(wrt_mem_base + p, 0, EVT_SIZE);
  put_u64(p, userdata);
  put_u16(p + 8, err);
  put_u8(p + 10, type);
  put_u64(p + 16, nbytes);
  put_u16(p + 24, flags);
}

/*
 * Clock subscriptions (realtime/monotonic, relative or absolute) wait until
 * the earliest deadline; fd_read/fd_write subscriptions use poll(2) on the
 * host descriptor (regular files are always ready, as poll reports). Events
 * are reported for everything ready when the wait ends.
 */
int32_t wrt_wasi_poll_oneoff(int32_t in, int32_t out, int32_t nsubs, int32_t nevents) {
  uint32_t n = (uint32_t)nsubs, ip = (uint32_t)in, op = (uint32_t)out;
  CHECK_MEM((uint32_t)nevents, 4);
  if (n == 0) return W_EINVAL;
  CHECK_MEM(ip, (uint64_t)n * SUB_SIZE);
  CHECK_MEM(op, (uint64_t)n * EVT_SIZE);
  wrt_stdout_flush();

  struct pollfd *pfds = calloc(n, sizeof *pfds);
  uint32_t *pf_sub = calloc(n, sizeof *pf_sub);
  uint64_t *deadline = calloc(n, sizeof *deadline); /* CLOCK_MONOTONIC ns, for clock subs */
  if (!pfds || !pf_sub || !deadline) { free(pfds); free(pf_sub); free(deadline); return W_ENOMEM; }
  uint32_t npf = 0, nev = 0;
  bool have_clock = false;
  uint64_t min_deadline = UINT64_MAX;
  uint64_t mono_now = now_ns(CLOCK_MONOTONIC);

  for (uint32_t i = 0; i < n; i++) {
    uint32_t s = ip + i * SUB_SIZE;
    uint64_t ud = get_u64(s);
    uint8_t tag = wrt_mem_base[s + 8];
    if (tag == EVT_CLOCK) {
      uint32_t id = get_u32(s + 16);
      uint64_t timeout = get_u64(s + 24);
      uint16_t fl = get_u16(s + 40);
      clockid_t c;
      if ((id != CLOCK_ID_REALTIME && id != CLOCK_ID_MONOTONIC) || host_clock((int32_t)id, &c)) {
        put_event(op, nev++, ud, W_EINVAL, EVT_CLOCK, 0, 0);
        min_deadline = 0;
        deadline[i] = UINT64_MAX;
        continue;
      }
      uint64_t rel;
      if (fl & 1) { /* abstime */
        uint64_t now = now_ns(c);
        rel = timeout > now ? timeout - now : 0;
      } else {
        rel = timeout;
      }
      deadline[i] = rel > UINT64_MAX - mono_now ? UINT64_MAX - 1 : mono_now + rel;
      if (deadline[i] < min_deadline) min_deadline = deadline[i];
      have_clock = true;
    } else if (tag == EVT_FD_READ || tag == EVT_FD_WRITE) {
      int32_t fd = (int32_t)get_u32(s + 16);
      wrt_fd *e = wrt_fd_get(fd);
      if (!e) {
        put_event(op, nev++, ud, W_EBADF, tag, 0, 0);
        min_deadline = 0;
        continue;
      }
      pfds[npf].fd = e->host_fd;
      pfds[npf].events = tag == EVT_FD_READ ? POLLIN : POLLOUT;
      pf_sub[npf++] = i;
    } else {
      put_event(op, nev++, ud, W_EINVAL, tag, 0, 0);
      min_deadline = 0;
    }
  }

  for (;;) {
    uint64_t now = now_ns(CLOCK_MONOTONIC);
    uint64_t wait = min_deadline == UINT64_MAX ? UINT64_MAX : (min_deadline > now ? min_deadline - now : 0);
    if (nev > 0) wait = 0;
    int ready = 0;
    if (npf) {
      struct timespec ts = { (time_t)(wait / 1000000000u), (long)(wait % 1000000000u) };
      ready = ppoll(pfds, npf, wait == UINT64_MAX ? NULL : &ts, NULL);
      if (ready < 0 && errno != EINTR) {
        int e = errno;
        free(pfds); free(pf_sub); free(deadline);
        return wrt_wasi_errno(e);
      }
      if (ready < 0) ready = 0;
    } else if (wait && wait != UINT64_MAX) {
      struct timespec ts = { (time_t)(min_deadline / 1000000000u), (long)(min_deadline % 1000000000u) };
      while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {}
    }
    for (uint32_t k = 0; k < npf && ready > 0; k++) {
      if (!pfds[k].revents) continue;
      uint32_t s = ip + pf_sub[k] * SUB_SIZE;
      uint8_t tag = wrt_mem_base[s + 8];
      uint16_t flags = (pfds[k].revents & POLLHUP) ? 1 : 0;
      uint64_t nbytes = 0;
      uint16_t err = 0;
      if (pfds[k].revents & POLLNVAL) err = W_EBADF;
      else if (tag == EVT_FD_READ) {
        struct stat st;
        if (fstat(pfds[k].fd, &st) == 0 && S_ISREG(st.st_mode)) {
          off_t pos = lseek(pfds[k].fd, 0, SEEK_CUR);
          nbytes = (pos >= 0 && st.st_size > pos) ? (uint64_t)(st.st_size - pos) : 0;
        } else {
          int avail = 0;
          if (ioctl(pfds[k].fd, FIONREAD, &avail) == 0 && avail > 0) nbytes = (uint64_t)avail;
        }
      }
      put_event(op, nev++, get_u64(s), err, tag, nbytes, flags);
    }
    if (have_clock) {
      now = now_ns(CLOCK_MONOTONIC);
      for (uint32_t i = 0; i < n; i++) {
        uint32_t s = ip + i * SUB_SIZE;
        if (wrt_mem_base[s + 8] != EVT_CLOCK || deadline[i] == UINT64_MAX) continue;
        if (deadline[i] <= now) put_event(op, nev++, get_u64(s), 0, EVT_CLOCK, 0, 0);
      }
    }
    if (nev > 0) break;
    if (!have_clock && !npf) break; /* cannot happen: n > 0 */
  }
  free(pfds);
  free(pf_sub);
  free(deadline);
  put_u32((uint32_t)nevents, nev);
  return W_ESUCCESS;
}
