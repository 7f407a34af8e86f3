/*
 * ctl_unit.c — unit test of the control channel's command table (src/ctl_commands.c,
 * built by run.sh with stand-in handlers): every command of the protocol is in it
 * once, found by its name and wired to its own handler, and its flags make sense
 * (only commands that run on the Wasm thread can need a stop or end one).
 */
#include "ctl_internal.h"

#include <stdio.h>
#include <string.h>

static int fails, oks;
#define CHECK(c, ...) do { if (c) oks++; else { fails++; printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

/* stand-in handlers: each records which one ran */
static const char *ran;
#define STUB(name) void ctl_cmd_##name(const char *line) { (void)line; ran = #name; }
STUB(points) STUB(enable) STUB(disable) STUB(checkpoint_at) STUB(pause) STUB(kill) STUB(checkpoint)
STUB(state) STUB(read_memory) STUB(write_memory) STUB(set_local) STUB(set_global) STUB(resume) STUB(step)

/* the protocol's commands (runtime/README.md) and where they run */
static const struct { const char *name; unsigned flags; } protocol[] = {
  { "points", 0 }, { "enable", 0 }, { "disable", 0 }, { "checkpoint_at", 0 }, { "pause", 0 }, { "kill", 0 },
  { "checkpoint", CTL_WASM_THREAD },
  { "state", CTL_WASM_THREAD | CTL_WHEN_STOPPED },
  { "read_memory", CTL_WASM_THREAD | CTL_WHEN_STOPPED },
  { "write_memory", CTL_WASM_THREAD | CTL_WHEN_STOPPED },
  { "set_local", CTL_WASM_THREAD | CTL_WHEN_STOPPED },
  { "set_global", CTL_WASM_THREAD | CTL_WHEN_STOPPED },
  { "resume", CTL_WASM_THREAD | CTL_WHEN_STOPPED | CTL_RESUMES },
  { "step", CTL_WASM_THREAD | CTL_WHEN_STOPPED | CTL_RESUMES },
};

int main(void) {
  size_t np = sizeof protocol / sizeof protocol[0];
  CHECK(ctl_num_commands == np, "%zu commands in the table, the protocol has %zu", ctl_num_commands, np);
  for (size_t i = 0; i < ctl_num_commands; i++) {
    const ctl_command *c = &ctl_commands[i];
    for (size_t j = 0; j < i; j++) CHECK(strcmp(ctl_commands[j].name, c->name) != 0, "'%s' twice in the table", c->name);
    CHECK(ctl_command_find(c->name) == c, "'%s' found as itself", c->name);
    CHECK(c->run != NULL, "'%s' has a handler", c->name);
    ran = NULL;
    if (c->run) c->run("{}");
    CHECK(ran && strcmp(ran, c->name) == 0, "'%s' runs ctl_cmd_%s, not ctl_cmd_%s", c->name, c->name, ran ? ran : "(none)");
    if (!(c->flags & CTL_WASM_THREAD))
      CHECK(!(c->flags & (CTL_WHEN_STOPPED | CTL_RESUMES)), "'%s' runs on the socket thread but waits for or ends a stop", c->name);
    if (c->flags & CTL_RESUMES) CHECK(c->flags & CTL_WHEN_STOPPED, "'%s' ends a stop but runs while running", c->name);
  }
  for (size_t i = 0; i < np; i++) {
    const ctl_command *c = ctl_command_find(protocol[i].name);
    CHECK(c != NULL, "'%s' is in the table", protocol[i].name);
    if (c) CHECK(c->flags == protocol[i].flags, "'%s' flags 0x%x, expected 0x%x", protocol[i].name, c->flags, protocol[i].flags);
  }
  const char *unknown[] = { "", "STATE", "stat", "states", "checkpoint_a", "set_local ", "nope" };
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
    CHECK(ctl_command_find(unknown[i]) == NULL, "'%s' is not a command", unknown[i]);
  printf("ctl_unit: %d ok, %d failed\n", oks, fails);
  return fails != 0;
}
