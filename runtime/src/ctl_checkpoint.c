/*
 * ctl_checkpoint.c — checkpoints the client asks for: now (the checkpoint
 * command, answered with the file's path, size and sequence number), or each
 * time a checkpoint_at point is reached (announced by a "checkpoint" event).
 * Both run on the Wasm thread (at a migration point, or while stopped); the
 * program is not stopped by them.
 */
#include "ctl_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void ctl_cmd_checkpoint(const char *line) {
  char path[4096], err[512];
  if (!jget_str(line, "path", path, sizeof path) || !*path) snprintf(path, sizeof path, "%s", wrt_cr_snapshot_path);
  uint32_t nf = 0;
  wrt_stdout_flush();
  long size = wrt_cr_checkpoint(path, SNAP_REASON_CONTROL, &nf, err, sizeof err);
  if (size < 0) { respond_err(line, "checkpoint failed: %s", err); return; }
  sbuf b = { 0 };
  resp_begin(&b, line, true);
  sb_putn(&b, ",\"path\":", 8);
  sb_jstr(&b, path);
  sb_printf(&b, ",\"size\":%ld,\"frames\":%u,\"seq\":%u}", size, nf, wrt_cr_seq());
  send_line(&b);
}

void ctl_checkpoint_at_point(uint64_t id) {
  char path[4096], err[512];
  const char *base = wrt_cr_snapshot_path;
  size_t bl = strlen(base);
  if (bl > 6 && strcmp(base + bl - 6, ".wsnap") == 0) bl -= 6;
  /* NAME.SEQ.wsnap, skipping numbers an earlier session already used so a
   * new run never overwrites their snapshots. */
  uint32_t n = wrt_cr_seq() + 1;
  do snprintf(path, sizeof path, "%.*s.%u.wsnap", (int)bl, base, n++);
  while (access(path, F_OK) == 0 && n != 0);
  uint32_t nf;
  wrt_stdout_flush();
  long size = wrt_cr_checkpoint(path, SNAP_REASON_POINT, &nf, err, sizeof err);
  sbuf b = { 0 };
  if (size < 0) {
    sb_printf(&b, "{\"event\":\"checkpoint\",\"ok\":false,\"point\":\"0x%" PRIx64 "\",\"error\":", id);
    sb_jstr(&b, err);
    sb_putn(&b, "}", 1);
  } else {
    sb_putn(&b, "{\"event\":\"checkpoint\",\"ok\":true,\"path\":", 39);
    sb_jstr(&b, path);
    sb_printf(&b, ",\"point\":\"0x%" PRIx64 "\",\"size\":%ld,\"frames\":%u,\"seq\":%u}", id, size, nf, wrt_cr_seq());
  }
  send_line(&b);
}
