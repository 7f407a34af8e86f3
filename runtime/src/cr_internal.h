/*
 * cr_internal.h — checkpoint/restore internals: the stackmap parser, the snapshot
 * format, and the C/R files (cr_*.c). Used by main.c and by the control channel
 * (ctl_*.c), which depends on C/R; C/R does not depend on it (see the point hook).
 */
#ifndef WRT_CR_INTERNAL_H
#define WRT_CR_INTERNAL_H

#include "wrt_internal.h"
#include <signal.h>
#include <setjmp.h>
#include <time.h>

/* ---- stackmap.c: LLVM 14 stackmap (v3) section ---- */
enum { SM_REGISTER = 1, SM_DIRECT = 2, SM_INDIRECT = 3, SM_CONSTANT = 4, SM_CONSTINDEX = 5 };

typedef struct wrt_sm_loc {
  uint8_t kind;     /* SM_* */
  uint8_t pad;
  uint16_t size;
  uint16_t reg;     /* DWARF register number */
  uint16_t pad2;
  int32_t off;      /* offset, small constant, or index into constants */
} wrt_sm_loc;

typedef struct wrt_sm_record {
  uint64_t addr;    /* absolute return address (function address + offset) */
  uint64_t id;      /* patchpoint id */
  uint32_t nlocs;
  uint32_t first;   /* index of the first location in wrt_stackmap.locs */
} wrt_sm_record;

typedef struct wrt_stackmap {
  uint32_t nrecs, nconsts, nlocs;
  wrt_sm_record *recs;  /* sorted by addr */
  uint64_t *consts;
  wrt_sm_loc *locs;
} wrt_stackmap;

/* Parses one stackmap blob at p (len bytes available); returns 0, or -1 with a message in err. */
int wrt_stackmap_parse(const uint8_t *p, size_t len, wrt_stackmap *sm, char *err, size_t errlen);
/* Same, also telling how many bytes the blob took. */
int wrt_stackmap_parse_one(const uint8_t *p, size_t len, wrt_stackmap *sm, size_t *used, char *err, size_t errlen);
/* Parses every blob of a concatenated section [p, p+len) into one table. */
int wrt_stackmap_parse_all(const uint8_t *p, size_t len, wrt_stackmap *sm, char *err, size_t errlen);
const wrt_sm_record *wrt_stackmap_find(const wrt_stackmap *sm, uint64_t addr);
void wrt_stackmap_free(wrt_stackmap *sm);
/* Value of a Constant / ConstantIndex location (0 for other kinds or bad index). */
uint64_t wrt_sm_const(const wrt_stackmap *sm, const wrt_sm_loc *l);

/* ---- snapshots (docs/snapshot-format.md) ----
 * The numbers below are the format's; compiler-core/src/snapshot/rules.ts holds the same ones for
 * the TypeScript reader and compiler-core/test/snapshot/rules.test.ts fails when the two differ. */
#define WSNAP_VERSION 2u
#define WSNAP_HEADER 64u
enum { SNAP_INFO = 1, SNAP_FRAMES, SNAP_GLOBALS, SNAP_TABLES, SNAP_MEMORY, SNAP_SEGMENTS, SNAP_WASI,
       SNAP_NATIVE };
#define SNAP_SKIPPED_TAGS 100u          /* sections with a tag >= this are skipped unread */
enum { SNAP_REASON_SIGNAL = 1, SNAP_REASON_CONTROL, SNAP_REASON_POINT, SNAP_REASON_EXIT };
enum { SNAP_ARCH_X86_64 = 1, SNAP_ARCH_AARCH64 = 2 };
enum { SNAP_FILE_REGULAR = 1, SNAP_FILE_DIRECTORY = 2 };
#define SNAP_NULL_REF 0xFFFFFFFFu       /* null funcref/externref, no table/memory maximum */
#define SNAP_MAX_PAGES 65536u           /* 4 GiB of linear memory */
#define SNAP_MIN_FD 3u                  /* preopens and open files: 0..2 are the standard streams */
#define SNAP_MAX_FD (1u << 20)
#define SNAP_MAX_WINDOW_LOG 31u         /* memory chunks: largest zstd window (libzstd's limit) */
#define SNAP_BLOCK_MAX (128u * 1024u)   /* zstd Block_Maximum_Size */

typedef struct wrt_snap_value {
  uint8_t type;          /* enum wrt_valtype */
  uint8_t bits[16];      /* little-endian payload (funcref/externref: u32 index) */
} wrt_snap_value;

typedef struct wrt_snap_frame {
  uint32_t func;
  uint64_t point;
  uint32_t nlocals, nstack;
  wrt_snap_value *vals;  /* nlocals + nstack */
} wrt_snap_frame;

typedef struct wrt_snap_loc { uint8_t kind, size; uint16_t reg; int32_t off; } wrt_snap_loc;
typedef struct wrt_snap_native {
  uint64_t ret_addr;
  uint32_t nvals;
  wrt_snap_loc *locs;
} wrt_snap_native;

typedef struct wrt_snap_table { uint32_t size, max; uint8_t type; uint32_t *elems; } wrt_snap_table;
typedef struct wrt_snap_chunk { uint32_t first, count, clen; const uint8_t *data; bool bad; /* restore: did not inflate */ } wrt_snap_chunk;
typedef struct wrt_snap_preopen { uint32_t fd; char *guest, *host; } wrt_snap_preopen;
typedef struct wrt_snap_file {
  uint32_t fd; uint8_t kind; uint32_t preopen; char *path;
  uint32_t oflags, fdflags; uint64_t rights_base, rights_inh, offset;
} wrt_snap_file;

typedef struct wrt_snapshot {
  uint8_t module_hash[32];
  uint8_t arch;
  uint32_t abi, reason, seq;
  uint64_t time_ns;
  uint32_t nframes; wrt_snap_frame *frames;
  uint32_t nglobals; wrt_snap_value *globals;
  uint32_t ntables; wrt_snap_table *tables;
  uint32_t mem_pages, mem_max;
  const uint8_t *mem;             /* writer: the linear memory (mem_pages pages) */
  uint32_t nchunks; wrt_snap_chunk *chunks; /* reader: chunks (point into the file buffer) */
  uint32_t ndata; uint8_t *data_dropped;
  uint32_t nelem; uint8_t *elem_dropped;
  uint32_t argc; char **argv;
  uint32_t envc; char **envp;
  uint32_t npreopens; wrt_snap_preopen *preopens;
  uint32_t nfiles; wrt_snap_file *files;
  bool has_native;
  uint32_t nnative; wrt_snap_native *native;
  uint8_t *buf;                   /* reader: the file contents (owned) */
  size_t buf_map_len;             /* reader: buf is a mapping of the file of this length (else malloc'd) */
  bool borrowed;                  /* writer: strings/arrays are not owned */
} wrt_snapshot;

/* snapshot_write.c: encodes the whole file into a malloc'd buffer. */
int wrt_snapshot_encode(const wrt_snapshot *s, uint8_t **out, size_t *outlen, char *err, size_t errlen);
/* Encodes and writes atomically (temp file, fsync, rename, fsync dir); the size, or -1 with err. */
long wrt_snapshot_write_file(const char *path, const wrt_snapshot *s, char *err, size_t errlen);
/* snapshot_read.c: validates and decodes buf (taken over: freed with the
 * snapshot, also on error). expected_hash NULL skips the module check. */
int wrt_snapshot_decode(uint8_t *buf, size_t len, const uint8_t *expected_hash, wrt_snapshot *s,
                        char *err, size_t errlen);
int wrt_snapshot_read_file(const char *path, const uint8_t *expected_hash, wrt_snapshot *s,
                           char *err, size_t errlen);
/* Inflates a chunk into dst (count * 64 KiB bytes) with a ZSTD_DCtx (NULL: a temporary one); 0 or -1. */
int wrt_snapshot_inflate(const wrt_snap_chunk *c, uint8_t *dst, void *dctx);
/* Inflates every memory chunk of a decoded snapshot into scratch memory (what --restore does into
 * linear memory): 0, or -1 with the first bad chunk in err. Decode + this = every rule of the format. */
int wrt_snapshot_check_memory(const wrt_snapshot *s, char *err, size_t errlen);
void wrt_snapshot_free(wrt_snapshot *s);
size_t wrt_valtype_size(uint8_t t);   /* payload bytes of a value; 0 for unknown */
/* A snapshot string: valid UTF-8 (RFC 3629: no overlong forms, surrogates or code points above
 * U+10FFFF) without NUL bytes. The writer checks it too, so that it never writes what no reader takes. */
bool wrt_snap_string_ok(const uint8_t *p, size_t n);

/* ---- parallel.c: numbered jobs on a few threads ---- */
/* Runs job j (0 or -1); called once more with j == UINT32_MAX to free *local, a per-thread slot. */
typedef int (*wrt_job_fn)(void *ctx, uint32_t j, void **local);
/* Takes job j's result, in job order, on the calling thread (0 or -1). */
typedef int (*wrt_consume_fn)(void *ctx, uint32_t j);
/* Runs jobs 0..njobs-1 on up to one thread per CPU (inline when there are few); workers stay at most
 * `window` jobs ahead of `consume` (NULL: none). Returns 0, or -1 when a job or consume failed. */
int wrt_parallel_run(uint32_t njobs, uint32_t window, wrt_job_fn work, wrt_consume_fn consume, void *ctx);

/* ---- cr_module.c: the module's C/R metadata ---- */
/* The stackmap records of the program (parsed on first use; exits on a corrupt section);
 * NULL when it was compiled without C/R. */
const wrt_stackmap *wrt_cr_stackmap(void);
const wrt_cr_point_desc *wrt_cr_find_point(uint64_t id);
/* A funcref as snapshots number it: a function index, 0xFFFFFFFF for null; *ok false when p
 * is not one of the module's functions. */
uint32_t wrt_cr_funcref_index(const void *p, bool *ok);
void *wrt_cr_funcref_ptr(uint32_t idx);

/* ---- cr_stackwalk.c: the Wasm frames on the native stack ---- */
/* Captures the frames (and their native locations) of the running Wasm code, outermost first;
 * 0, or -1 with err. The rest of *s stays zero; free with wrt_cr_capture_free. */
int wrt_cr_capture_frames(wrt_snapshot *s, char *err, size_t errlen);
/* Frees count frames' values and native locations, then the arrays (either may be NULL). */
void wrt_cr_frames_free(wrt_snap_frame *frames, wrt_snap_native *native, uint32_t count);

/* ---- cr_capture.c: checkpoints ---- */
/* Captures the Wasm state at the current point (called on the Wasm thread
 * from within wrt_cr_point). Returns 0 or -1 with err. */
int wrt_cr_capture(wrt_snapshot *s, uint32_t reason, char *err, size_t errlen);
/* Global i as a snapshot value (a reference as its index, null 0xFFFFFFFF); false when it holds a
   reference that has no index (a non-null externref), which is then 0xFFFFFFFE. */
bool wrt_cr_read_global(uint32_t i, wrt_snap_value *v);
void wrt_cr_capture_free(wrt_snapshot *s);
/* Captures and writes; returns file size or -1 (err). nframes out. */
long wrt_cr_checkpoint(const char *path, uint32_t reason, uint32_t *nframes, char *err, size_t errlen);
uint32_t wrt_cr_seq(void);                    /* sequence number of the last checkpoint (0: none) */
void wrt_cr_set_seq(uint32_t seq);            /* a restored program numbers on from its snapshot */

/* ---- cr_restore.c: --restore and rewinds ---- */
/* --restore: reads, validates and applies the snapshot (exits 2 on errors). */
void wrt_cr_restore_prepare(const char *path);
void wrt_cr_restore_apply(void);
/* Saved frames are being rebuilt (a migration point reached meanwhile does nothing). */
bool wrt_cr_restoring(void);
/* Rewind (set_local): main() arms it around the entry call. wrt_cr_rewind drops the native
 * Wasm frames and rebuilds them from `frames` (taken over) through the restore variants; the
 * innermost one then runs its migration point again. */
extern jmp_buf wrt_cr_rewind_buf;
extern bool wrt_cr_rewind_armed;
_Noreturn void wrt_cr_rewind(wrt_snap_frame *frames, uint32_t nframes);

/* ---- main.c: the program's C/R options ---- */
extern const char *wrt_cr_snapshot_path;      /* --snapshot, or the default */
extern bool wrt_cr_continue;                  /* --checkpoint-continue */
extern bool wrt_cr_stats;                     /* --cr-stats: checkpoint/restore timings on stderr */
extern uint64_t wrt_cr_at_point;              /* --checkpoint-at N: checkpoint at the N-th point reached (0: off) */
extern uint64_t wrt_cr_start_ns;              /* CLOCK_MONOTONIC when main() began */

/* ---- cr_trigger.c: when checkpoints happen (wrt_cr_point, signals, --checkpoint-at) ---- */
extern volatile sig_atomic_t wrt_cr_in_entry; /* instantiate done, Wasm entry running */
/* Installs the SIGUSR1 (checkpoint, exit) and SIGUSR2 (checkpoint, go on) handler. */
int wrt_cr_setup(void);
/* --checkpoint-at: from here on every point counts (the flag stays set until the N-th). */
void wrt_cr_start_counting(void);
/* A restore's transfer (cr_restore.c) set wrt_cr_flag and was taken: clears it unless a point is wanted. */
void wrt_cr_flag_release(void);
/* The point hook: at_point runs on the Wasm thread at every migration point that wrt_cr_point
 * handles; wants_point says whether the hook needs the next point (wrt_cr_flag then stays set).
 * Registered by the control channel when it starts, so that C/R never calls into it. */
typedef void (*wrt_cr_point_fn)(uint64_t point_id);
typedef bool (*wrt_cr_wants_fn)(void);
void wrt_cr_set_point_hook(wrt_cr_point_fn at_point, wrt_cr_wants_fn wants_point);

/* CLOCK_MONOTONIC in ns (async-signal-safe: the checkpoint signal handler takes the time). */
static inline uint64_t wrt_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
static inline double wrt_ms_between(uint64_t from_ns, uint64_t to_ns) { return (double)(to_ns - from_ns) / 1e6; }

#endif
