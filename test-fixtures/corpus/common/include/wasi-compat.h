/*
 * Force-included (-include) into every corpus program for wasm32-wasi: wasi-libc has no file
 * ownership, permission bits or advisory locks. The stubs succeed without doing anything (what
 * the programs do with them is cosmetic: copying a mode, an owner); sqlite's workload opens its
 * database with the "unix-none" VFS, so the lock commands are never issued.
 */
#ifndef WANCO_WASI_COMPAT_H
#define WANCO_WASI_COMPAT_H
#include <sys/types.h>
#include <fcntl.h>
#include <unistd.h>

/* wasi-libc declares struct flock but not the lock commands */
#ifndef F_RDLCK
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#endif

static inline int wanco_fchmod(int fd, mode_t mode) { (void)fd; (void)mode; return 0; }
static inline int wanco_chmod(const char *path, mode_t mode) { (void)path; (void)mode; return 0; }
static inline int wanco_fchown(int fd, uid_t uid, gid_t gid) { (void)fd; (void)uid; (void)gid; return 0; }
static inline uid_t wanco_geteuid(void) { return 0; }
static inline uid_t wanco_getuid(void) { return 0; }
#define fchmod wanco_fchmod
#define chmod wanco_chmod
#define fchown wanco_fchown
#define geteuid wanco_geteuid
#define getuid wanco_getuid
#endif
