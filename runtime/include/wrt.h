/*
 * wrt.h — the ABI between wanco-compiled code and the wanco runtime.
 *
 * The compiler (compiler-core/src/translate) emits an object that defines
 * `wrt_module` and the functions/data it points to; the runtime (runtime/src)
 * defines main(), linear memory, tables operations, traps and WASI.
 * Both sides are built from this one header; keep it small and C11.
 *
 * Conventions
 *  - Linear memory is a single reservation that never moves: compiled code
 *    reads `wrt_mem_base` and (in bounds-checked builds) `wrt_mem_size`.
 *  - A funcref is a `const wrt_func *` (NULL is ref.null func); an externref
 *    is an opaque pointer-sized value (NULL is ref.null extern).
 *  - Wasm i32/i64/f32/f64 map to int32_t/int64_t/float/double; v128 is 16 bytes.
 *  - Every Wasm-visible address/length parameter is an unsigned 32-bit value.
 */
#ifndef WRT_H
#define WRT_H

#include <stdint.h>
#include <stddef.h>

#define WRT_ABI_VERSION 1u
#define WRT_PAGE_SIZE 65536u
#define WRT_NO_MAX 0xFFFFFFFFu

/* Wasm value types, as stored in metadata (global descriptors, snapshots). */
enum wrt_valtype {
  WRT_I32 = 0x7F,
  WRT_I64 = 0x7E,
  WRT_F32 = 0x7D,
  WRT_F64 = 0x7C,
  WRT_V128 = 0x7B,
  WRT_FUNCREF = 0x70,
  WRT_EXTERNREF = 0x6F,
};

/* Trap reasons; the text the runtime prints is in runtime/src/trap.c. */
enum wrt_trap_code {
  WRT_TRAP_UNREACHABLE = 1,
  WRT_TRAP_INT_DIV_BY_ZERO,
  WRT_TRAP_INT_OVERFLOW,
  WRT_TRAP_INVALID_CONVERSION,
  WRT_TRAP_OOB_MEMORY,
  WRT_TRAP_OOB_TABLE,
  WRT_TRAP_UNDEFINED_ELEMENT,   /* call_indirect index >= table size */
  WRT_TRAP_UNINITIALIZED_ELEMENT, /* call_indirect on a null entry */
  WRT_TRAP_INDIRECT_CALL_TYPE_MISMATCH,
  WRT_TRAP_STACK_EXHAUSTED,
  WRT_TRAP_NULL_REFERENCE,
};

/* One per Wasm function (imports included), in function-index order. */
typedef struct wrt_func {
  void *code;          /* native entry; signature follows the Wasm type */
  uint32_t type_id;    /* canonical signature id: equal ids <=> equal types */
  uint32_t index;      /* Wasm function index */
  void *restore;       /* restore variant (same signature; it ignores its params), or NULL */
} wrt_func;

/* A table instance. Compiled code reads size/elems directly for call_indirect. */
typedef struct wrt_table {
  uint32_t size;
  uint32_t max;        /* WRT_NO_MAX when unbounded */
  void **elems;        /* size entries; allocated by the runtime */
  uint8_t elem_type;   /* WRT_FUNCREF or WRT_EXTERNREF */
  uint8_t pad[7];
} wrt_table;

typedef struct wrt_data_segment {
  const uint8_t *bytes;
  uint32_t size;
} wrt_data_segment;

typedef struct wrt_elem_segment {
  void *const *elems;  /* funcrefs (const wrt_func *) or NULL */
  uint32_t size;
} wrt_elem_segment;

typedef struct wrt_global_desc {
  void *addr;          /* storage of the global in the compiled object */
  uint8_t type;        /* enum wrt_valtype */
  uint8_t mut;
  uint8_t pad[6];
} wrt_global_desc;

/* Everything the runtime needs to know about the compiled module. */
typedef struct wrt_module_info {
  uint32_t abi_version;          /* WRT_ABI_VERSION */
  uint32_t flags;                /* WRT_MODULE_* */
  uint32_t mem_min_pages;        /* meaningful when WRT_MODULE_HAS_MEMORY */
  uint32_t mem_max_pages;        /* WRT_NO_MAX when unbounded (then 65536 applies) */
  uint32_t num_funcs;
  uint32_t num_tables;
  uint32_t num_globals;
  uint32_t num_data;
  uint32_t num_elem;
  uint32_t pad;
  const wrt_func *funcs;         /* num_funcs */
  const char *const *func_names; /* num_funcs; NULL entries when unnamed */
  wrt_table *tables;             /* num_tables; size/max/elem_type set, elems NULL */
  const wrt_global_desc *globals;
  const wrt_data_segment *data;
  const wrt_elem_segment *elem;
  /* Applies active element and data segments (in that order), then runs the
   * start function. Traps like any Wasm code. */
  void (*instantiate)(void);
  /* The exported `_start`, or NULL. */
  void (*entry)(void);
  uint8_t module_hash[32];       /* SHA-256 of the input Wasm binary */
  /* Checkpoint/restore (all zero/NULL when compiled with --no-checkpoint). */
  uint32_t num_points;
  uint32_t pad2;
  const struct wrt_cr_point_desc *points; /* sorted by id */
  /* Restore variant of the entry function: rebuilds the saved Wasm frames. */
  void (*restore_entry)(void);
  uint32_t num_exports;
  uint32_t pad3;
  const struct wrt_export *exports;
} wrt_module_info;

/* An export. Functions come with a trampoline that takes the arguments and
 * returns the results as 64-bit slots (i32/f32 in the low bits, f32/f64 as
 * IEEE bits, v128 as two slots low half first, references as pointers). */
typedef struct wrt_export {
  const char *name;
  uint32_t kind;                 /* 0 func, 1 table, 2 memory, 3 global */
  uint32_t index;
  void (*invoke)(const uint64_t *args, uint64_t *results);
  const uint8_t *param_types;    /* enum wrt_valtype codes */
  const uint8_t *result_types;
  uint32_t num_params;
  uint32_t num_results;
} wrt_export;

#define WRT_MODULE_HAS_MEMORY 1u
#define WRT_MODULE_BOUNDS_CHECKED 2u  /* code checks bounds; no guard region needed */

/* ---- defined by the compiled module ---- */
extern const wrt_module_info wrt_module;

/* ---- defined by the runtime, used by compiled code ---- */
extern uint8_t *wrt_mem_base;
extern uint64_t wrt_mem_size;      /* current size in bytes */
extern uintptr_t wrt_stack_limit;  /* trap when the stack pointer goes below */

_Noreturn void wrt_trap(uint32_t code, uint32_t func_index);

int32_t wrt_memory_grow(uint32_t delta_pages);
void wrt_memory_init(uint32_t seg, uint32_t dst, uint32_t src, uint32_t n, uint32_t func_index);
void wrt_data_drop(uint32_t seg);
void wrt_memory_copy(uint32_t dst, uint32_t src, uint32_t n, uint32_t func_index);
void wrt_memory_fill(uint32_t dst, uint32_t value, uint32_t n, uint32_t func_index);

void *wrt_table_get(uint32_t table, uint32_t i, uint32_t func_index);
void wrt_table_set(uint32_t table, uint32_t i, void *ref, uint32_t func_index);
int32_t wrt_table_grow(uint32_t table, void *init, uint32_t n);
void wrt_table_fill(uint32_t table, uint32_t i, void *ref, uint32_t n, uint32_t func_index);
void wrt_table_copy(uint32_t dst_table, uint32_t src_table, uint32_t dst, uint32_t src, uint32_t n, uint32_t func_index);
void wrt_table_init(uint32_t table, uint32_t seg, uint32_t dst, uint32_t src, uint32_t n, uint32_t func_index);
void wrt_elem_drop(uint32_t seg);

/* ---- checkpoint/restore ----
 * A migration point (loop header, entry of a recursive function) loads
 * wrt_cr_flag; when it is non-zero the compiled code calls wrt_cr_point(id)
 * with the frame's live Wasm state in a "deopt" operand bundle, which LLVM
 * turns into a statepoint stackmap record at the call's return address. Every
 * call that can reach a migration point carries its caller's state the same way.
 * In a record the deopt values come as groups, outermost Wasm frame first
 * (inlining merges frames): [i64 point id, live locals..., operand stack...], the
 * counts and types given by the point's descriptor. A local that is dead at the
 * point (its `live` bit clear) has no value in the record and is saved as zero.
 */
typedef struct wrt_cr_point_desc {
  uint64_t id;           /* (func_index << 32) | Wasm byte offset (debug points: | tag bit 31 or 30) */
  uint32_t func_index;
  uint16_t num_locals;   /* params included */
  uint16_t num_stack;    /* operand-stack values recorded (below call args) */
  const uint8_t *types;  /* num_locals + num_stack enum wrt_valtype codes */
  uint32_t kind;         /* WRT_POINT_* */
  uint32_t pad;
  /* bit k (byte k/8, bit k%8) set: local k is in the record; NULL: every local is */
  const uint8_t *live;
} wrt_cr_point_desc;

#define WRT_POINT_FUNC_ENTRY 1u
#define WRT_POINT_LOOP 2u
#define WRT_POINT_CALL 3u
#define WRT_POINT_STATEMENT 4u   /* debug builds: empty operand stack before an instruction */
#define WRT_POINT_AFTER_CALL 5u  /* debug builds: right after a call returned */

/* Point ids (owner: compiler-core/src/cr/points.ts; compiler-core/test/cr/points.test.ts holds
   these to it): func_index << 32 | tag | Wasm code offset. Debug-build points tag the offset. */
#define WRT_POINT_TAG_STATEMENT 0x80000000u
#define WRT_POINT_TAG_AFTER_CALL 0x40000000u
#define WRT_POINT_TAG_MASK (WRT_POINT_TAG_STATEMENT | WRT_POINT_TAG_AFTER_CALL)
#define WRT_POINT_ID_FUNC(id) ((uint32_t)((uint64_t)(id) >> 32))
#define WRT_POINT_ID_OFFSET(id) ((uint32_t)(id) & ~WRT_POINT_TAG_MASK)
#define WRT_POINT_ID_TAG(id) ((uint32_t)(id) & WRT_POINT_TAG_MASK)

/* A kind's name in the control protocol (points.ts POINT_KIND_NAMES). */
static inline const char *wrt_point_kind_name(uint32_t kind) {
  switch (kind) {
  case WRT_POINT_FUNC_ENTRY: return "entry";
  case WRT_POINT_LOOP: return "loop";
  case WRT_POINT_CALL: return "call";
  case WRT_POINT_STATEMENT: return "statement";
  case WRT_POINT_AFTER_CALL: return "after-call";
  default: return "?";
  }
}

extern volatile int32_t wrt_cr_flag;
void wrt_cr_point(uint64_t point_id);

/* Used by restore variants: the next saved frame (outermost first) must belong
 * to func_index; returns its point id. Values then come in order: locals (one by one, or all
 * at once: wrt_cr_restore_locals), then the operand stack bottom first. */
uint64_t wrt_cr_restore_frame(uint32_t func_index);
/* The frame's locals, all at once, in the transfer buffer's layout (below: value k at
 * WRT_TRANSFER_SLOT * k), valid until the next frame's are read; the operand stack follows one by one. */
void *wrt_cr_restore_locals(void);
/* The index of the frame wrt_cr_restore_frame took last (a restore variant that hands its frame
 * over passes it to wrt_cr_transfer). */
uint32_t wrt_cr_restore_frame_index(void);
int32_t wrt_cr_restore_i32(void);
int64_t wrt_cr_restore_i64(void);
float wrt_cr_restore_f32(void);
double wrt_cr_restore_f64(void);
void wrt_cr_restore_v128(void *out16);
void *wrt_cr_restore_ref(void);
/* Restore variant of the function of the next saved frame (for call_indirect). */
void *wrt_cr_restore_callee(void);

/* A restore variant hands its frame to the function's normal code at a loop header
 * (compiler-core/src/cr/instrument.ts: transfer, which owns the buffer's layout: value k at
 * WRT_TRANSFER_SLOT * k, the locals first, then the operand stack). wrt_cr_transfer returns the
 * buffer (nbytes, 16-byte aligned; the call sets wrt_cr_flag) with the saved locals of restored
 * frame `frame` (wrt_cr_restore_frame_index) in their slots; the restore variant writes the locals
 * it has assigned since and the operand stack, and tail-calls the normal code, whose entry poll
 * asks wrt_cr_transfer_take for the pending point id (0: none) and reads the values from
 * wrt_cr_transfer_values. */
#define WRT_TRANSFER_SLOT 16u
void *wrt_cr_transfer(uint64_t point_id, uint32_t nbytes, uint32_t frame);
uint64_t wrt_cr_transfer_take(uint32_t func_index);
void *wrt_cr_transfer_values(void);

/*
 * WASI preview1: each import `wasi_snapshot_preview1.NAME` is bound to
 * `wrt_wasi_NAME` with the Wasm signature mapped as above (i32 -> int32_t,
 * i64 -> int64_t); pointers are offsets into linear memory. The list the
 * compiler accepts is compiler-core/src/wasi/preview1.ts.
 */

#endif /* WRT_H */
