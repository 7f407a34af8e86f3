/* wasi-libc has no user database: the shell's home-directory lookup finds none (no ~/.sqliterc). */
#ifndef WANCO_PWD_H
#define WANCO_PWD_H
#include <sys/types.h>
struct passwd { char *pw_name; char *pw_dir; };
static inline struct passwd *getpwuid(uid_t uid) { (void)uid; return 0; }
#endif
