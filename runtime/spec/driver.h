/* driver.h — the spec-test driver mode (driver.c). */
#ifndef WRT_DRIVER_H
#define WRT_DRIVER_H
/* Instantiates the module and runs the script; returns the exit status. */
int wrt_driver_run(const char *script_path);
#endif
