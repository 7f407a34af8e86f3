/*
 * ctl_commands.c — every command of the control protocol, in one table: the
 * socket thread (ctl_server.c) and the Wasm thread (ctl_stop.c) both dispatch
 * through it, so that a command is known, queued and run in one place.
 */
#include "ctl_internal.h"

#include <string.h>

const ctl_command ctl_commands[] = {
  /* run on the socket thread: they only touch the control state, so they work while the program runs */
  { "points",        ctl_cmd_points,        0 },
  { "enable",        ctl_cmd_enable,        0 },
  { "disable",       ctl_cmd_disable,       0 },
  { "checkpoint_at", ctl_cmd_checkpoint_at, 0 },
  { "pause",         ctl_cmd_pause,         0 },
  { "kill",          ctl_cmd_kill,          0 },
  /* a checkpoint is taken at the next migration point, running or stopped */
  { "checkpoint",    ctl_cmd_checkpoint,    CTL_WASM_THREAD },
  /* the rest need the program to hold still */
  { "state",         ctl_cmd_state,         CTL_WASM_THREAD | CTL_WHEN_STOPPED },
  { "read_memory",   ctl_cmd_read_memory,   CTL_WASM_THREAD | CTL_WHEN_STOPPED },
  { "write_memory",  ctl_cmd_write_memory,  CTL_WASM_THREAD | CTL_WHEN_STOPPED },
  { "set_local",     ctl_cmd_set_local,     CTL_WASM_THREAD | CTL_WHEN_STOPPED },
  { "set_global",    ctl_cmd_set_global,    CTL_WASM_THREAD | CTL_WHEN_STOPPED },
  { "resume",        ctl_cmd_resume,        CTL_WASM_THREAD | CTL_WHEN_STOPPED | CTL_RESUMES },
  { "step",          ctl_cmd_step,          CTL_WASM_THREAD | CTL_WHEN_STOPPED | CTL_RESUMES },
};
const size_t ctl_num_commands = sizeof ctl_commands / sizeof ctl_commands[0];

const ctl_command *ctl_command_find(const char *name) {
  for (size_t i = 0; i < ctl_num_commands; i++)
    if (strcmp(ctl_commands[i].name, name) == 0) return &ctl_commands[i];
  return NULL;
}
