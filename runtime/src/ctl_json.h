/*
 * ctl_json.h — the little JSON the control channel needs: reading fields of a
 * one-line request object without building a tree, and appending a response
 * to a growing buffer. Knows nothing of sockets or commands.
 */
#ifndef WRT_CTL_JSON_H
#define WRT_CTL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- reading ---- */
typedef struct { const char *s; size_t n; } span; /* a JSON value's text inside the request */

const char *skip_ws(const char *p);
/* Returns the end of the JSON value starting at p, or NULL. */
const char *skip_value(const char *p, int depth);
/* Finds a top-level key of the object `line`; its value's text in *out. */
bool jget(const char *line, const char *key, span *out);
/* Copies a JSON string (or bare token) without escape handling beyond \" and \\. */
bool jstr(span v, char *out, size_t outlen);
bool jget_str(const char *line, const char *key, char *out, size_t outlen);
/* A number, given bare or as a string (decimal, 0x hex or 0 octal, as strtoull). */
bool jget_u64(const char *line, const char *key, uint64_t *out);
/* Iterates the elements of an array span (*cursor NULL at first); returns false at the end. */
bool jarr_next(span *arr, const char **cursor, span *elem);

/* ---- writing ---- */
/* A growing NUL-terminated buffer; { 0 } is empty. Out of memory drops the text (the line is cut). */
typedef struct { char *p; size_t n, cap; } sbuf;

void sb_putn(sbuf *b, const char *s, size_t n);
void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string (NULL as ""). */
void sb_jstr(sbuf *b, const char *s);

#endif
