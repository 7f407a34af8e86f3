/*
 * control.h — the control channel (--control PATH) as main.c starts it. The
 * files behind it are ctl_*.c; protocol in runtime/README.md.
 */
#ifndef WRT_CONTROL_H
#define WRT_CONTROL_H

#include <stdbool.h>

extern bool wrt_ctl_pause_on_start;        /* --pause-on-start */
/* Listens on the socket, starts its thread and registers the migration-point hook; 0, or -1 with errno. */
int wrt_ctl_start(const char *path);
/* --pause-on-start: stops (reason "start") before the entry function runs, until resume or step;
 * requests that come before the stop is reached wait for it. */
void wrt_ctl_before_entry(void);

#endif
