/* Tries to leave the preopened directory /sandbox in several ways; each
 * attempt must fail ("refused"). The preopen holds inside.txt, a symlink
 * to_passwd -> /etc/passwd, a symlink up -> .. (escapes relative to the
 * preopen), and link_ok -> inside.txt (stays inside: allowed); a file x sits
 * beside the preopen, outside it. Whether creating a symlink that points out
 * is refused or allowed differs between runtimes (it is harmless by itself),
 * so only following it is checked, and it is removed again. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static void try_open(const char *path, int flags) {
  int fd = open(path, flags, 0644);
  printf("open %-32s %s\n", path, fd >= 0 ? "ALLOWED" : "refused");
  if (fd >= 0) close(fd);
}

int main(void) {
  try_open("/sandbox/inside.txt", O_RDONLY);
  try_open("/sandbox/link_ok", O_RDONLY);
  try_open("/sandbox/../x", O_RDONLY);
  try_open("../x", O_RDONLY);
  try_open("/etc/passwd", O_RDONLY);
  try_open("/sandbox/../../../../etc/passwd", O_RDONLY);
  try_open("/sandbox/to_passwd", O_RDONLY);
  try_open("/sandbox/up/x", O_RDONLY);
  try_open("/sandbox/up/escaped.txt", O_WRONLY | O_CREAT);
  try_open("/sandbox/sub/../../x", O_RDONLY);
  printf("mkdir /sandbox/../made %s\n", mkdir("/sandbox/../made", 0755) == 0 ? "ALLOWED" : "refused");
  struct stat st;
  printf("stat /sandbox/to_passwd %s\n", stat("/sandbox/to_passwd", &st) == 0 ? "ALLOWED" : "refused");
  printf("lstat /sandbox/to_passwd %s\n", lstat("/sandbox/to_passwd", &st) == 0 ? "allowed (the link itself)" : "refused");
  int made = symlink("../..", "/sandbox/sub/evil") == 0;
  try_open("/sandbox/sub/evil/x", O_RDONLY);
  if (made) unlink("/sandbox/sub/evil");
  return 0;
}
