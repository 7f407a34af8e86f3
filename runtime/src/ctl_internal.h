/*
 * ctl_internal.h — shared by the control channel's files (ctl_*.c).
 *
 *   ctl_server.c    the socket and its thread: reads request lines, dispatches them
 *   ctl_commands.c  the one table of commands: name, handler, where it may run
 *   ctl_stop.c      the Wasm thread's side: request queue, stops, the migration-point hook
 *   ctl_points.c    breakpoints and checkpoint_at points (points, enable, disable, checkpoint_at)
 *   ctl_inspect.c   reading and changing state while stopped (state, *_memory, set_*)
 *   ctl_checkpoint.c  checkpoints asked for by the client or at a checkpoint_at point
 *   ctl_reply.c     lines to the client (responses, events)
 *   ctl_values.c, ctl_json.c  the wire text of values; JSON
 *
 * The control channel uses C/R (cr_internal.h); C/R reaches it only through the point hook.
 */
#ifndef WRT_CTL_INTERNAL_H
#define WRT_CTL_INTERNAL_H

#include "control.h"
#include "cr_internal.h"
#include "ctl_json.h"

#include <pthread.h>

/* ---- ctl_reply.c ---- */
void ctl_set_client(int fd);                 /* the connected client's socket, -1 when none */
/* Appends the newline, sends b to the client (dropped when none is connected), empties b. */
void send_line(sbuf *b);
/* Starts a response to request `line`: {"id":ID,"ok":true|false */
void resp_begin(sbuf *b, const char *line, bool ok);
void respond_ok(const char *line);
void respond_err(const char *line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- ctl_commands.c ---- */
enum {
  CTL_WASM_THREAD = 1u,   /* touches Wasm state: queued, run on the Wasm thread at a point or while stopped */
  CTL_WHEN_STOPPED = 2u,  /* refused unless the program is stopped (the Wasm state must hold still) */
  CTL_RESUMES = 4u,       /* ends the stop */
};
/* A command's handler; it answers the request itself. Socket-thread handlers (no CTL_WASM_THREAD)
 * run with ctl_mu held. */
typedef void (*ctl_handler)(const char *line);
typedef struct ctl_command {
  const char *name;       /* the request's "cmd" */
  ctl_handler run;
  unsigned flags;         /* CTL_* */
} ctl_command;
extern const ctl_command ctl_commands[];
extern const size_t ctl_num_commands;
const ctl_command *ctl_command_find(const char *name);  /* NULL: unknown */

/* ---- ctl_stop.c ---- */
extern pthread_mutex_t ctl_mu;  /* guards the queue and stop state (ctl_stop.c) and the point sets (ctl_points.c) */
/* With ctl_mu held: */
bool ctl_enqueue(const char *line);  /* for the Wasm thread; false when out of memory */
bool ctl_is_stopped(void);
bool ctl_update_wants(void);         /* recomputes whether the Wasm thread is needed at the next point */
void ctl_resend_stop_event(void);    /* a client that connects while stopped learns where */
/* Without ctl_mu: */
void ctl_install_point_hook(void);   /* registers with C/R (wrt_ctl_start) */
bool ctl_at_start(void);             /* stopped by --pause-on-start: no Wasm frame yet */
/* set_local rewound the frames: its response `line` is sent when `point` runs again (and stops). */
bool ctl_stop_again_at(uint64_t point, const char *line);
void ctl_cmd_pause(const char *line);
void ctl_cmd_resume(const char *line);
void ctl_cmd_step(const char *line);

/* ---- ctl_points.c (with ctl_mu held) ---- */
int ctl_points_init(void);                 /* 0, or -1 when out of memory */
uint32_t ctl_point_index(uint64_t id);     /* index in wrt_module.points, UINT32_MAX when unknown */
bool ctl_points_armed(void);               /* some breakpoint or checkpoint_at point is set */
bool ctl_point_breaks(uint32_t index);     /* a breakpoint is set there (index may be UINT32_MAX) */
bool ctl_point_checkpoints(uint32_t index);
void ctl_cmd_points(const char *line);
void ctl_cmd_enable(const char *line);
void ctl_cmd_disable(const char *line);
void ctl_cmd_checkpoint_at(const char *line);

/* ---- ctl_inspect.c ---- */
void ctl_cmd_state(const char *line);
void ctl_cmd_read_memory(const char *line);
void ctl_cmd_write_memory(const char *line);
void ctl_cmd_set_local(const char *line);
void ctl_cmd_set_global(const char *line);

/* ---- ctl_checkpoint.c ---- */
void ctl_cmd_checkpoint(const char *line);
/* A checkpoint_at point was reached: writes NAME.SEQ.wsnap and sends a "checkpoint" event. */
void ctl_checkpoint_at_point(uint64_t id);

/* ---- ctl_server.c ---- */
void ctl_cmd_kill(const char *line);

#endif
