/*
 * cr_capture.c — a checkpoint: the Wasm frames (cr_stackwalk.c) plus the rest of
 * the instance (globals, tables, memory, dropped segments, WASI arguments and open
 * files) as a wrt_snapshot, written to a file by wrt_cr_checkpoint.
 */
#include "cr_internal.h"
#include "wasi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)
#define ARCH_CODE SNAP_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH_CODE SNAP_ARCH_AARCH64
#else
#error "unsupported architecture"
#endif

/* the sequence number of the last checkpoint written (or of the snapshot restored) */
static uint32_t cr_seq;

uint32_t wrt_cr_seq(void) { return cr_seq; }
void wrt_cr_set_seq(uint32_t seq) { cr_seq = seq; }

void wrt_cr_capture_free(wrt_snapshot *s) {
  wrt_cr_frames_free(s->frames, s->native, s->nframes);
  free(s->globals);
  for (uint32_t i = 0; s->tables && i < s->ntables; i++) free(s->tables[i].elems);
  free(s->tables);
  free(s->data_dropped);
  free(s->elem_dropped);
  free(s->preopens);
  free(s->files);
  memset(s, 0, sizeof *s);
}


bool wrt_cr_read_global(uint32_t i, wrt_snap_value *v) {
  const wrt_global_desc *g = &wrt_module.globals[i];
  memset(v, 0, sizeof *v);
  v->type = g->type;
  if (g->type != WRT_FUNCREF && g->type != WRT_EXTERNREF) {
    memcpy(v->bits, g->addr, wrt_valtype_size(g->type));
    return true;
  }
  void *p;
  memcpy(&p, g->addr, sizeof p);
  bool ok = true;
  uint32_t idx = 0xFFFFFFFFu;
  if (g->type == WRT_FUNCREF) idx = wrt_cr_funcref_index(p, &ok);
  else if (p) ok = false;
  if (!ok) idx = 0xFFFFFFFEu;
  memcpy(v->bits, &idx, 4);
  return ok;
}

int wrt_cr_capture(wrt_snapshot *s, uint32_t reason, char *err, size_t errlen) {
  memset(s, 0, sizeof *s);
  if (wrt_cr_capture_frames(s, err, errlen) != 0) return -1;
  memcpy(s->module_hash, wrt_module.module_hash, 32);
  s->arch = ARCH_CODE;
  s->abi = WRT_ABI_VERSION;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  s->time_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
  s->reason = reason;
  s->seq = cr_seq + 1;
  /* globals */
  s->nglobals = wrt_module.num_globals;
  s->globals = calloc(s->nglobals ? s->nglobals : 1, sizeof *s->globals);
  if (!s->globals) goto oom;
  for (uint32_t i = 0; i < s->nglobals; i++) {
    if (!wrt_cr_read_global(i, &s->globals[i])) {
      snprintf(err, errlen, "global %u holds a reference that cannot be saved", i);
      goto fail;
    }
  }
  /* tables */
  s->ntables = wrt_module.num_tables;
  s->tables = calloc(s->ntables ? s->ntables : 1, sizeof *s->tables);
  if (!s->tables) goto oom;
  for (uint32_t t = 0; t < s->ntables; t++) {
    const wrt_table *tb = &wrt_module.tables[t];
    wrt_snap_table *st = &s->tables[t];
    st->size = tb->size;
    st->max = tb->max;
    st->type = tb->elem_type;
    st->elems = malloc((tb->size ? tb->size : 1) * sizeof(uint32_t));
    if (!st->elems) goto oom;
    for (uint32_t i = 0; i < tb->size; i++) {
      bool ok = true;
      uint32_t idx = 0xFFFFFFFFu;
      if (tb->elem_type == WRT_FUNCREF) idx = wrt_cr_funcref_index(tb->elems[i], &ok);
      else if (tb->elems[i]) ok = false;
      if (!ok) { snprintf(err, errlen, "table %u element %u cannot be saved", t, i); goto fail; }
      st->elems[i] = idx;
    }
  }
  /* memory */
  s->mem = wrt_mem_base;
  s->mem_pages = (uint32_t)(wrt_mem_size / WRT_PAGE_SIZE);
  s->mem_max = (wrt_module.flags & WRT_MODULE_HAS_MEMORY) ? wrt_module.mem_max_pages : WRT_NO_MAX;
  /* segments */
  s->ndata = wrt_module.num_data;
  s->nelem = wrt_module.num_elem;
  s->data_dropped = calloc(s->ndata ? s->ndata : 1, 1);
  s->elem_dropped = calloc(s->nelem ? s->nelem : 1, 1);
  if (!s->data_dropped || !s->elem_dropped) goto oom;
  for (uint32_t i = 0; i < s->ndata; i++) s->data_dropped[i] = wrt_data_is_dropped(i);
  for (uint32_t i = 0; i < s->nelem; i++) s->elem_dropped[i] = wrt_elem_is_dropped(i);
  /* WASI (strings are borrowed from the runtime) */
  s->argc = (uint32_t)wrt_wasi_argc;
  s->argv = wrt_wasi_argv;
  s->envc = (uint32_t)wrt_wasi_envc;
  s->envp = wrt_wasi_envp;
  s->preopens = calloc(wrt_nfds ? wrt_nfds : 1, sizeof *s->preopens);
  s->files = calloc(wrt_nfds ? wrt_nfds : 1, sizeof *s->files);
  if (!s->preopens || !s->files) goto oom;
  for (uint32_t fd = 0; fd < wrt_nfds; fd++) {
    const wrt_fd *e = &wrt_fds[fd];
    if (e->kind == FDK_PREOPEN) {
      if (fd < 3) { snprintf(err, errlen, "a preopened directory was renumbered to fd %u", fd); goto fail; }
      s->preopens[s->npreopens++] = (wrt_snap_preopen){ fd, e->guest_path, e->host_path };
    } else if (e->kind == FDK_FILE || e->kind == FDK_DIR) {
      if (fd < 3) { snprintf(err, errlen, "fd %u (a standard stream) was replaced by a file", fd); goto fail; }
      wrt_snap_file *f = &s->files[s->nfiles++];
      f->fd = fd;
      f->kind = e->kind == FDK_FILE ? 1 : 2;
      f->preopen = e->preopen;
      f->path = e->rel_path;
      f->oflags = e->oflags;
      f->fdflags = e->fdflags;
      f->rights_base = e->rights_base;
      f->rights_inh = e->rights_inheriting;
      off_t o = e->kind == FDK_FILE ? lseek(e->host_fd, 0, SEEK_CUR) : 0;
      f->offset = o > 0 ? (uint64_t)o : 0;
    }
  }
  return 0;
oom:
  snprintf(err, errlen, "out of memory");
fail:
  wrt_cr_capture_free(s);
  return -1;
}

long wrt_cr_checkpoint(const char *path, uint32_t reason, uint32_t *nframes, char *err, size_t errlen) {
  wrt_snapshot s;
  if (wrt_cr_capture(&s, reason, err, errlen) != 0) return -1;
  long size = wrt_snapshot_write_file(path, &s, err, errlen);
  if (nframes) *nframes = s.nframes;
  wrt_cr_capture_free(&s);
  if (size < 0) return -1;
  cr_seq++;
  return size;
}
