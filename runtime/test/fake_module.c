/*
 * fake_module.c — a hand-written stand-in for a wanco-compiled module, used
 * by run.sh to test the runtime. It defines `wrt_module` (1..3 pages of
 * memory, one table, data/elem segments, named functions) and an entry that
 * runs the sub-test named by its first Wasm argument. Everything it passes to
 * WASI is a linear-memory offset, as compiled code would.
 */
#include "wrt.h"
#include "wasi_api.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifdef BOUNDS_CHECKED
#define MOD_FLAGS (WRT_MODULE_HAS_MEMORY | WRT_MODULE_BOUNDS_CHECKED)
#else
#define MOD_FLAGS WRT_MODULE_HAS_MEMORY
#endif

/* ---- guest memory helpers: a scratch area at 1024..65535 ---- */
#define SCRATCH 1024u
static uint32_t scratch_top = SCRATCH;
static uint32_t galloc(uint32_t n) {
  uint32_t p = (scratch_top + 7u) & ~7u;
  scratch_top = p + n;
  if (scratch_top > 60000) scratch_top = SCRATCH, p = SCRATCH;
  return p;
}
static uint32_t gstr(const char *s) {
  uint32_t n = (uint32_t)strlen(s), p = galloc(n + 1);
  memcpy(wrt_mem_base + p, s, n + 1);
  return p;
}
static uint32_t rd32(uint32_t p) { uint32_t v; memcpy(&v, wrt_mem_base + p, 4); return v; }
static uint64_t rd64(uint32_t p) { uint64_t v; memcpy(&v, wrt_mem_base + p, 8); return v; }

static int32_t write_fd(int32_t fd, const char *s, size_t n) {
  uint32_t buf = galloc((uint32_t)n), iov = galloc(8), nw = galloc(4);
  memcpy(wrt_mem_base + buf, s, n);
  memcpy(wrt_mem_base + iov, &buf, 4);
  uint32_t len = (uint32_t)n;
  memcpy(wrt_mem_base + iov + 4, &len, 4);
  return wrt_wasi_fd_write(fd, (int32_t)iov, 1, (int32_t)nw);
}
static void outf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void outf(const char *fmt, ...) {
  char b[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(b, sizeof b, fmt, ap);
  va_end(ap);
  write_fd(1, b, (size_t)n);
}

/* ---- module pieces ---- */
static const uint8_t data0[] = "HELLO";
static const wrt_data_segment data_segs[] = { { data0, 5 } };

static void f_entry(void);
static void f_instantiate(void);
static void f_guard_load(void);
static void f_recurse_checked(void);
static void f_recurse_native(void);
static void f_unnamed(void);
static void f_mem(void);

static const wrt_func funcs[] = {
  { (void *)f_instantiate, 0, 0 },
  { (void *)f_entry, 0, 1 },
  { (void *)f_guard_load, 0, 2 },
  { (void *)f_recurse_checked, 0, 3 },
  { (void *)f_recurse_native, 0, 4 },
  { (void *)f_unnamed, 0, 5 },
  { (void *)f_mem, 0, 6 },
};
static const char *const func_names[] = {
  "instantiate", "_start", "guard_load", "recurse_checked", "recurse_native", NULL, "mem",
};
static void *const elem0_items[] = { (void *)&funcs[2], (void *)&funcs[3], NULL };
static const wrt_elem_segment elem_segs[] = { { elem0_items, 3 } };
static wrt_table tables[] = { { 2, 4, NULL, WRT_FUNCREF, { 0 } } };

const wrt_module_info wrt_module = {
  .abi_version = WRT_ABI_VERSION,
  .flags = MOD_FLAGS,
  .mem_min_pages = 1,
  .mem_max_pages = 3,
  .num_funcs = 7,
  .num_tables = 1,
  .num_globals = 0,
  .num_data = 1,
  .num_elem = 1,
  .funcs = funcs,
  .func_names = func_names,
  .tables = tables,
  .globals = NULL,
  .data = data_segs,
  .elem = elem_segs,
  .instantiate = f_instantiate,
  .entry = f_entry,
};

static int instantiated;
static void f_instantiate(void) {
  wrt_memory_init(0, 16, 0, 5, 0); /* active data segment at 16 */
  instantiated = 1;
}

/* ---- sub-tests ---- */
static void f_mem(void) {
  outf("init=%d data=%.5s\n", instantiated, (const char *)wrt_mem_base + 16);
  outf("size=%llu\n", (unsigned long long)wrt_mem_size);
  outf("grow1=%d\n", wrt_memory_grow(1));
  outf("grow2=%d\n", wrt_memory_grow(2));
  outf("grow1b=%d\n", wrt_memory_grow(1));
  outf("grow0=%d\n", wrt_memory_grow(0));
  outf("size=%llu\n", (unsigned long long)wrt_mem_size);
  wrt_mem_base[wrt_mem_size - 1] = 7; /* last byte is writable */
  uint32_t end = (uint32_t)wrt_mem_size;
  wrt_memory_init(0, 100, 0, 5, 6);
  wrt_memory_init(0, end, 5, 0, 6);  /* n == 0 at both ends: fine */
  outf("minit=%.5s\n", (const char *)wrt_mem_base + 100);
  memcpy(wrt_mem_base + 200, "abcdef", 6);
  wrt_memory_copy(202, 200, 4, 6);
  outf("copy_fwd=%.6s\n", (const char *)wrt_mem_base + 200);
  memcpy(wrt_mem_base + 300, "abcdef", 6);
  wrt_memory_copy(300, 302, 4, 6);
  outf("copy_back=%.6s\n", (const char *)wrt_mem_base + 300);
  wrt_memory_copy(end, 0, 0, 6);
  wrt_memory_copy(0, end, 0, 6);
  wrt_memory_fill(end - 4, 'x', 4, 6);
  wrt_memory_fill(end, 0, 0, 6);
  outf("fill=%.4s\n", (const char *)wrt_mem_base + end - 4);
  wrt_data_drop(0);
  wrt_memory_init(0, 0, 0, 0, 6);
  outf("dropped_init0=ok\n");
  /* tables */
  outf("tgrow0=%d\n", wrt_table_grow(0, NULL, 0));
  outf("tgrow1=%d\n", wrt_table_grow(0, (void *)&funcs[5], 1));
  outf("tgrow2=%d\n", wrt_table_grow(0, NULL, 2));
  outf("tgrow1b=%d\n", wrt_table_grow(0, NULL, 1));
  outf("tsize=%u\n", tables[0].size);
  outf("tget2=%d\n", wrt_table_get(0, 2, 6) == &funcs[5]);
  wrt_table_init(0, 0, 1, 0, 3, 6);
  outf("tinit=%d%d%d\n", tables[0].elems[1] == &funcs[2], tables[0].elems[2] == &funcs[3],
       tables[0].elems[3] == NULL);
  wrt_table_copy(0, 0, 0, 1, 3, 6);
  outf("tcopy=%d%d%d\n", tables[0].elems[0] == &funcs[2], tables[0].elems[1] == &funcs[3],
       tables[0].elems[2] == NULL);
  wrt_table_fill(0, 3, (void *)&funcs[1], 1, 6);
  wrt_table_fill(0, 4, NULL, 0, 6);
  wrt_table_set(0, 0, NULL, 6);
  outf("tfill=%d tset=%d\n", wrt_table_get(0, 3, 6) == &funcs[1], wrt_table_get(0, 0, 6) == NULL);
  wrt_elem_drop(0);
  wrt_table_init(0, 0, 4, 0, 0, 6);
  outf("tdropped_init0=ok\n");
}

static void trap_test(const char *t) {
  uint32_t end = (uint32_t)wrt_mem_size;
  outf("before\n");
  if (!strcmp(t, "unreachable")) wrt_trap(WRT_TRAP_UNREACHABLE, 5);
  if (!strcmp(t, "divzero")) wrt_trap(WRT_TRAP_INT_DIV_BY_ZERO, 1);
  if (!strcmp(t, "nofunc")) wrt_trap(WRT_TRAP_INT_OVERFLOW, 0xFFFFFFFFu);
  if (!strcmp(t, "init_src")) wrt_memory_init(0, 0, 1, 5, 6);
  if (!strcmp(t, "init_dst")) wrt_memory_init(0, end - 4, 0, 5, 6);
  if (!strcmp(t, "init_end")) wrt_memory_init(0, end + 1, 0, 0, 6);
  if (!strcmp(t, "init_dropped")) { wrt_data_drop(0); wrt_memory_init(0, 0, 0, 1, 6); }
  if (!strcmp(t, "copy")) wrt_memory_copy(end - 1, 0, 2, 6);
  if (!strcmp(t, "copy_wrap")) wrt_memory_copy(0, 0xFFFFFFFFu, 2, 6);
  if (!strcmp(t, "fill")) wrt_memory_fill(end - 3, 0, 4, 6);
  if (!strcmp(t, "fill_end")) wrt_memory_fill(end + 1, 0, 0, 6);
  if (!strcmp(t, "tget")) wrt_table_get(0, 2, 6);
  if (!strcmp(t, "tset")) wrt_table_set(0, 5, NULL, 6);
  if (!strcmp(t, "tfill")) wrt_table_fill(0, 1, NULL, 2, 6);
  if (!strcmp(t, "tcopy")) wrt_table_copy(0, 0, 1, 0, 2, 6);
  if (!strcmp(t, "tinit")) wrt_table_init(0, 0, 0, 1, 3, 6);
  if (!strcmp(t, "tinit_dropped")) { wrt_elem_drop(0); wrt_table_init(0, 0, 0, 0, 1, 6); }
  if (!strcmp(t, "sigfpe")) raise(SIGFPE);
  if (!strcmp(t, "segv_other")) *(volatile int *)16 = 1;
  outf("not trapped\n");
}

static volatile uint64_t guard_offset;
__attribute__((noinline)) static void f_guard_load(void) {
  /* what compiled code does: base + zext(index) + offset */
  volatile uint8_t *p = wrt_mem_base + guard_offset;
  outf("loaded %d\n", *p);
}

static volatile int depth;
__attribute__((noinline)) static void f_recurse_checked(void) {
  /* prologue check, as compiled code emits it */
  if ((uintptr_t)__builtin_frame_address(0) < wrt_stack_limit) wrt_trap(WRT_TRAP_STACK_EXHAUSTED, 3);
  volatile char pad[256];
  pad[0] = (char)depth;
  depth++;
  f_recurse_checked();
  pad[1] = pad[0];
}

static volatile uintptr_t lowest_sp;
__attribute__((noinline)) static void f_recurse_native(void) {
  volatile char pad[256];
  pad[0] = (char)depth;
  lowest_sp = (uintptr_t)__builtin_frame_address(0);
  depth++;
  if (depth > 0) f_recurse_native();
  pad[1] = pad[0];
}

__attribute__((noinline)) static void f_unnamed(void) { wrt_trap(WRT_TRAP_UNREACHABLE, 5); }

static int32_t wasi_args(char **argv, int max) {
  uint32_t pc = galloc(4), ps = galloc(4);
  if (wrt_wasi_args_sizes_get((int32_t)pc, (int32_t)ps)) return -1;
  uint32_t argc = rd32(pc), size = rd32(ps);
  uint32_t vec = galloc(argc * 4), buf = galloc(size);
  if (wrt_wasi_args_get((int32_t)vec, (int32_t)buf)) return -1;
  int n = 0;
  for (uint32_t i = 0; i < argc && n < max; i++) argv[n++] = (char *)wrt_mem_base + rd32(vec + i * 4);
  return n;
}

/* ---- filesystem tests: run with --dir <tmp>::sandbox ---- */
static int32_t open_at(int32_t dir, const char *path, int32_t lookup, int32_t oflags, uint64_t rights,
                       int32_t fdflags, int32_t *fd) {
  uint32_t p = gstr(path), out = galloc(4);
  int32_t e = wrt_wasi_path_open(dir, lookup, (int32_t)p, (int32_t)strlen(path), oflags,
                                 (int64_t)rights, (int64_t)rights, fdflags, (int32_t)out);
  *fd = e ? -1 : (int32_t)rd32(out);
  return e;
}
#define RD ((1ull << 1) | (1ull << 14)) /* fd_read | fd_readdir */
#define RW ((1ull << 1) | (1ull << 6))  /* fd_read | fd_write */
#define PATHARG(s) (int32_t)gstr(s), (int32_t)strlen(s)

static void fs_test(void) {
  int32_t fd, e;
  /* prestat */
  uint32_t ps = galloc(8);
  outf("prestat3=%d\n", wrt_wasi_fd_prestat_get(3, (int32_t)ps));
  uint32_t nlen = rd32(ps + 4), nb = galloc(nlen);
  wrt_wasi_fd_prestat_dir_name(3, (int32_t)nb, (int32_t)nlen);
  outf("prestat_name=%.*s\n", (int)nlen, (char *)wrt_mem_base + nb);
  outf("prestat4=%d\n", wrt_wasi_fd_prestat_get(4, (int32_t)ps));
  outf("prestat1=%d\n", wrt_wasi_fd_prestat_get(1, (int32_t)ps));
  /* create, write, read back */
  e = open_at(3, "new.txt", 0, 1 /*creat*/ | 8 /*trunc*/, RW, 0, &fd);
  outf("create=%d fd=%d\n", e, fd);
  outf("write=%d\n", write_fd(fd, "file data\n", 10));
  uint32_t off = galloc(8);
  outf("seek=%d pos=%llu\n", wrt_wasi_fd_seek(fd, 0, 0, (int32_t)off), (unsigned long long)rd64(off));
  uint32_t buf = galloc(64), iov = galloc(8), nr = galloc(4);
  memcpy(wrt_mem_base + iov, &buf, 4);
  uint32_t cap = 64;
  memcpy(wrt_mem_base + iov + 4, &cap, 4);
  e = wrt_wasi_fd_read(fd, (int32_t)iov, 1, (int32_t)nr);
  outf("read=%d n=%u data=%.*s", e, rd32(nr), (int)rd32(nr), (char *)wrt_mem_base + buf);
  uint32_t st = galloc(64);
  e = wrt_wasi_fd_filestat_get(fd, (int32_t)st);
  outf("filestat=%d type=%d size=%llu\n", e, wrt_mem_base[st + 16], (unsigned long long)rd64(st + 32));
  uint32_t fds = galloc(24);
  e = wrt_wasi_fd_fdstat_get(fd, (int32_t)fds);
  outf("fdstat=%d type=%d\n", e, wrt_mem_base[fds]);
  /* pwrite/pread at an offset, tell, size, times, advise, allocate, flags, renumber */
  memcpy(wrt_mem_base + buf, "XY", 2);
  cap = 2;
  memcpy(wrt_mem_base + iov + 4, &cap, 4);
  outf("pwrite=%d n=%u\n", wrt_wasi_fd_pwrite(fd, (int32_t)iov, 1, 5, (int32_t)nr), rd32(nr));
  cap = 4;
  memcpy(wrt_mem_base + iov + 4, &cap, 4);
  e = wrt_wasi_fd_pread(fd, (int32_t)iov, 1, 4, (int32_t)nr);
  outf("pread=%d n=%u data=%.4s\n", e, rd32(nr), (char *)wrt_mem_base + buf);
  outf("tell=%d pos=%llu\n", wrt_wasi_fd_tell(fd, (int32_t)off), (unsigned long long)rd64(off));
  outf("set_size=%d\n", wrt_wasi_fd_filestat_set_size(fd, 20));
  outf("set_times=%d\n", wrt_wasi_fd_filestat_set_times(fd, 1000000000ll, 2000000000ll, 1 | 4));
  wrt_wasi_fd_filestat_get(fd, (int32_t)st);
  outf("stat2 size=%llu mtim=%llu\n", (unsigned long long)rd64(st + 32), (unsigned long long)rd64(st + 48));
  outf("set_times_bad=%d\n", wrt_wasi_fd_filestat_set_times(fd, 0, 0, 1 | 2));
  outf("advise=%d allocate=%d\n", wrt_wasi_fd_advise(fd, 0, 10, 1), wrt_wasi_fd_allocate(fd, 0, 30));
  outf("set_flags=%d\n", wrt_wasi_fd_fdstat_set_flags(fd, 1));
  wrt_wasi_fd_fdstat_get(fd, (int32_t)fds);
  outf("fdflags=%d\n", wrt_mem_base[fds + 2]);
  outf("set_rights_up=%d\n", wrt_wasi_fd_fdstat_set_rights(fd, -1, -1));
  outf("set_rights_down=%d\n", wrt_wasi_fd_fdstat_set_rights(fd, 2, 0));
  int32_t fd2;
  open_at(3, "sub/inner.txt", 0, 0, RD, 0, &fd2);
  outf("renumber=%d\n", wrt_wasi_fd_renumber(fd2, fd));
  cap = 6;
  memcpy(wrt_mem_base + iov + 4, &cap, 4);
  e = wrt_wasi_fd_read(fd, (int32_t)iov, 1, (int32_t)nr);
  outf("renumbered_read=%d data=%.5s old=%d\n", e, (char *)wrt_mem_base + buf,
       wrt_wasi_fd_close(fd2));
  outf("close=%d close_again=%d\n", wrt_wasi_fd_close(fd), wrt_wasi_fd_close(fd));
  /* existing file inside a subdirectory, via .. inside the sandbox */
  e = open_at(3, "sub/../sub/./inner.txt", 0, 0, RD, 0, &fd);
  outf("open_dotdot_inside=%d\n", e);
  if (!e) wrt_wasi_fd_close(fd);
  e = open_at(3, "sub/inner.txt/", 0, 0, RD, 0, &fd);
  outf("trailing_slash_file=%d\n", e);
  /* sandbox escapes */
  outf("escape_dotdot=%d\n", open_at(3, "../outside.txt", 0, 0, RD, 0, &fd));
  outf("escape_deep=%d\n", open_at(3, "sub/../../outside.txt", 0, 0, RD, 0, &fd));
  outf("escape_abs=%d\n", open_at(3, "/etc/passwd", 0, 0, RD, 0, &fd));
  outf("escape_symlink_abs=%d\n", open_at(3, "abs_link", 1, 0, RD, 0, &fd));
  outf("escape_symlink_abs_dir=%d\n", open_at(3, "abs_dir_link/passwd", 0, 0, RD, 0, &fd));
  outf("escape_symlink_rel=%d\n", open_at(3, "up_link/outside.txt", 0, 0, RD, 0, &fd));
  outf("escape_symlink_final=%d\n", open_at(3, "sub/up_file", 1, 0, RD, 0, &fd));
  outf("escape_create=%d\n", open_at(3, "../created.txt", 0, 1, RW, 0, &fd));
  outf("escape_mkdir=%d\n", wrt_wasi_path_create_directory(3, PATHARG("sub/../../d")));
  outf("escape_stat=%d\n", wrt_wasi_path_filestat_get(3, 1, PATHARG("up_link"), (int32_t)st));
  /* symlinks inside the sandbox */
  e = open_at(3, "in_link", 1, 0, RD, 0, &fd);
  outf("symlink_follow=%d\n", e);
  if (!e) wrt_wasi_fd_close(fd);
  outf("symlink_nofollow=%d\n", open_at(3, "in_link", 0, 0, RD, 0, &fd));
  e = open_at(3, "dir_link/inner.txt", 0, 0, RD, 0, &fd);
  outf("symlink_dir_intermediate=%d\n", e);
  if (!e) wrt_wasi_fd_close(fd);
  outf("symlink_loop=%d\n", open_at(3, "loop_a", 1, 0, RD, 0, &fd));
  outf("noent=%d\n", open_at(3, "missing/x", 0, 0, RD, 0, &fd));
  outf("notdir=%d\n", open_at(3, "sub/inner.txt/x", 0, 0, RD, 0, &fd));
  outf("excl=%d\n", open_at(3, "sub/inner.txt", 0, 1 | 4, RW, 0, &fd));
  /* readlink, symlink, link, rename, unlink, mkdir, rmdir */
  uint32_t lb = galloc(64), used = galloc(4);
  e = wrt_wasi_path_readlink(3, PATHARG("in_link"), (int32_t)lb, 64, (int32_t)used);
  outf("readlink=%d %.*s\n", e, (int)rd32(used), (char *)wrt_mem_base + lb);
  outf("symlink_abs_target=%d\n", wrt_wasi_path_symlink(PATHARG("/etc"), 3, PATHARG("x_link")));
  outf("symlink_create=%d\n", wrt_wasi_path_symlink(PATHARG("sub/inner.txt"), 3, PATHARG("new_link")));
  outf("mkdir=%d\n", wrt_wasi_path_create_directory(3, PATHARG("newdir")));
  outf("mkdir_exists=%d\n", wrt_wasi_path_create_directory(3, PATHARG("newdir")));
  outf("link=%d\n", wrt_wasi_path_link(3, 0, PATHARG("new.txt"), 3, PATHARG("newdir/hard.txt")));
  outf("rename=%d\n", wrt_wasi_path_rename(3, PATHARG("newdir/hard.txt"), 3, PATHARG("newdir/moved.txt")));
  outf("rmdir_notempty=%d\n", wrt_wasi_path_remove_directory(3, PATHARG("newdir")));
  outf("unlink=%d\n", wrt_wasi_path_unlink_file(3, PATHARG("newdir/moved.txt")));
  outf("unlink_dir=%d\n", wrt_wasi_path_unlink_file(3, PATHARG("newdir")));
  outf("rmdir=%d\n", wrt_wasi_path_remove_directory(3, PATHARG("newdir")));
  outf("unlink_link=%d\n", wrt_wasi_path_unlink_file(3, PATHARG("new_link")));
  e = wrt_wasi_path_filestat_get(3, 0, PATHARG("sub"), (int32_t)st);
  outf("path_filestat=%d type=%d\n", e, wrt_mem_base[st + 16]);
  /* readdir of sub (small buffer forces cookies to be used) */
  e = open_at(3, "sub", 0, 2 /*directory*/, RD, 0, &fd);
  outf("opendir=%d\n", e);
  char names[512] = "";
  uint64_t cookie = 0;
  uint32_t db = galloc(40);
  for (int guard = 0; guard < 100; guard++) {
    e = wrt_wasi_fd_readdir(fd, (int32_t)db, 40, (int64_t)cookie, (int32_t)used);
    if (e) { outf("readdir=%d\n", e); break; }
    uint32_t u = rd32(used), pos = 0;
    while (pos + 24 <= u) {
      uint32_t nl = rd32(db + pos + 16);
      if (pos + 24 + nl > u) break;
      cookie = rd64(db + pos);
      char nm[64];
      snprintf(nm, sizeof nm, "%.*s", (int)nl, (char *)wrt_mem_base + db + pos + 24);
      /* insert sorted */
      char tmp[512];
      strcpy(tmp, names);
      names[0] = 0;
      char *save = NULL, *tok;
      int placed = 0;
      for (tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (!placed && strcmp(nm, tok) < 0) { strcat(names, nm); strcat(names, ","); placed = 1; }
        strcat(names, tok);
        strcat(names, ",");
      }
      if (!placed) { strcat(names, nm); strcat(names, ","); }
      pos += 24 + nl;
    }
    if (u < 40) break;
  }
  outf("readdir=%s\n", names);
  wrt_wasi_fd_close(fd);
  /* bad pointers */
  outf("efault_iov=%d\n", wrt_wasi_fd_write(1, 0x7FFFFFF0, 1, 0));
  outf("efault_path=%d\n", wrt_wasi_path_open(3, 0, 0x7FFFFFF0, 4, 0, 0, 0, 0, 0));
  outf("ebadf=%d\n", wrt_wasi_fd_write(42, 0, 0, 0));
  outf("sock=%d\n", wrt_wasi_sock_shutdown(1, 0));
  outf("raise=%d\n", wrt_wasi_proc_raise(6));
}

static void misc_test(void) {
  uint32_t t = galloc(8);
  outf("clock=%d\n", wrt_wasi_clock_time_get(1, 0, (int32_t)t));
  uint64_t t0 = rd64(t);
  outf("clock_bad=%d\n", wrt_wasi_clock_time_get(9, 0, (int32_t)t));
  outf("res=%d\n", wrt_wasi_clock_res_get(0, (int32_t)t));
  /* poll: one relative 20 ms monotonic clock subscription */
  uint32_t sub = galloc(48), ev = galloc(64), n = galloc(4);
  memset(wrt_mem_base + sub, 0, 48);
  uint64_t ud = 0x1234, timeout = 20000000;
  memcpy(wrt_mem_base + sub, &ud, 8);
  uint32_t id = 1;
  memcpy(wrt_mem_base + sub + 16, &id, 4);
  memcpy(wrt_mem_base + sub + 24, &timeout, 8);
  int32_t e = wrt_wasi_poll_oneoff((int32_t)sub, (int32_t)ev, 1, (int32_t)n);
  wrt_wasi_clock_time_get(1, 0, (int32_t)t);
  outf("poll=%d n=%u ud=%llx slept=%d\n", e, rd32(n), (unsigned long long)rd64(ev),
       rd64(t) - t0 >= 20000000);
  /* poll: fd_write on stdout is ready at once */
  uint32_t ty = 2, one = 1;
  memcpy(wrt_mem_base + sub + 8, &ty, 1);
  memcpy(wrt_mem_base + sub + 16, &one, 4);
  e = wrt_wasi_poll_oneoff((int32_t)sub, (int32_t)ev, 1, (int32_t)n);
  outf("poll_fd=%d n=%u type=%d err=%d\n", e, rd32(n), wrt_mem_base[ev + 10], wrt_mem_base[ev + 8]);
  uint32_t r = galloc(32);
  memset(wrt_mem_base + r, 0, 32);
  e = wrt_wasi_random_get((int32_t)r, 32);
  int nz = 0;
  for (int i = 0; i < 32; i++) nz |= wrt_mem_base[r + i];
  outf("random=%d nonzero=%d\n", e, nz != 0);
  outf("yield=%d\n", wrt_wasi_sched_yield());
  /* environ */
  uint32_t c = galloc(4), s = galloc(4);
  wrt_wasi_environ_sizes_get((int32_t)c, (int32_t)s);
  uint32_t vec = galloc(rd32(c) * 4 + 4), buf = galloc(rd32(s) + 1);
  wrt_wasi_environ_get((int32_t)vec, (int32_t)buf);
  outf("envc=%u", rd32(c));
  for (uint32_t i = 0; i < rd32(c); i++) outf(" %s", (char *)wrt_mem_base + rd32(vec + i * 4));
  outf("\n");
}

static void f_entry(void) {
  char *argv[16];
  int argc = wasi_args(argv, 16);
  const char *t = argc > 1 ? argv[1] : "";
  if (!strcmp(t, "hello")) { outf("hello\n"); return; }
  if (!strcmp(t, "args")) {
    for (int i = 0; i < argc; i++) outf("%s%s", i ? " " : "", argv[i]);
    outf("\n");
    return;
  }
  if (!strcmp(t, "mem")) { f_mem(); return; }
  if (!strcmp(t, "trap")) { trap_test(argc > 2 ? argv[2] : ""); return; }
  if (!strcmp(t, "unnamed")) { f_unnamed(); return; }
  if (!strcmp(t, "guard")) {
    /* argv[2]: offset from the base, hex */
    unsigned long long o = 0;
    sscanf(argc > 2 ? argv[2] : "0", "%llx", &o);
    guard_offset = o;
    f_guard_load();
    return;
  }
  if (!strcmp(t, "stack")) { f_recurse_checked(); return; }
  if (!strcmp(t, "stack_native")) { f_recurse_native(); return; }
  if (!strcmp(t, "fs")) { fs_test(); return; }
  if (!strcmp(t, "misc")) { misc_test(); return; }
  if (!strcmp(t, "exit")) { outf("bye\n"); wrt_wasi_proc_exit(7); }
  if (!strcmp(t, "order")) {
    for (int i = 0; i < 3; i++) {
      outf("out%d\n", i);
      write_fd(2, "err\n", 4);
    }
    return;
  }
  if (!strcmp(t, "many")) { /* many small writes (timing) */
    for (int i = 0; i < 200000; i++) write_fd(1, "x", 1);
    return;
  }
  if (!strcmp(t, "limits")) {
    fprintf(stderr, "stack_limit_below_top=%llu\n",
            (unsigned long long)((uintptr_t)__builtin_frame_address(0) - wrt_stack_limit));
    return;
  }
  outf("unknown test '%s'\n", t);
}
