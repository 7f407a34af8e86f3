/*
 * ctl_values.h — how the control protocol writes and reads Wasm values: the
 * rendering of a value and of its native location in `state`, and the parsing
 * of the text a client sends to set_local / set_global / write_memory.
 */
#ifndef WRT_CTL_VALUES_H
#define WRT_CTL_VALUES_H

#include "cr_internal.h"
#include "ctl_json.h"

const char *type_name(uint8_t t);                  /* "i32" ... "externref", "?" */
void reg_name(char *out, size_t n, uint16_t r);    /* a DWARF register of this architecture */
void render_loc(sbuf *b, const wrt_snap_loc *l);   /* a JSON string: "reg rbx", "[sp+16]", "const" */
/* {"type":..,"value":..[,"bits":..][,"loc":..]}; loc NULL: no "loc". */
void render_value(sbuf *b, const wrt_snap_value *v, const wrt_snap_loc *loc);
/* Parses a value typed by a user into the payload of a value of type t; false when it is not one. */
bool parse_value(uint8_t t, const char *text, uint8_t bits[16]);
/* Decodes the base64 text s[0..n) (JSON's escaping backslashes skipped) into out;
 * returns the byte count, or -1 when it is not base64 or does not fit. */
long b64_decode(const char *s, size_t n, uint8_t *out, size_t cap);

#endif
