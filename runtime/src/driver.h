/* driver.h — the spec-test driver mode (driver.c). */
#ifndef WRT_DRIVER_H
#define WRT_DRIVER_H
#include <stdbool.h>
extern bool wrt_driver_active;
/* In driver mode: abandons the current command with a trap (does not return). */
void wrt_driver_trap(const char *reason);
/* Instantiates the module and runs the script; returns the exit status. */
int wrt_driver_run(const char *script_path);
#endif
