/*
 * ctl_values.h — how the control protocol writes and reads Wasm values: raw, never as text
 * (compiler-core/src/values/wire.ts owns the form; values/text.ts gives values their text):
 *   value {"type":"f32","bits":"3dcccccd"}: the payload as an unsigned integer of the type's
 *         width in hex, most significant digit first (8 digits for i32, f32 and references,
 *         ffffffff: null; 16 for i64 and f64; 32 for v128)
 *   place "loc":{"kind":"indirect","size":8,"reg":7,"off":16}: the stackmap location it was read from
 */
#ifndef WRT_CTL_VALUES_H
#define WRT_CTL_VALUES_H

#include "cr_internal.h"
#include "ctl_json.h"

const char *type_name(uint8_t t);                  /* "i32" ... "externref", "?" */
/* {"type":..,"bits":..[,"loc":..]}; loc NULL: no "loc". */
void render_value(sbuf *b, const wrt_snap_value *v, const wrt_snap_loc *loc);
/* Reads bits in the wire form into the payload of a value of type t; false when they are not
   one (wrong length, not hex, a funcref index the module does not have). */
bool parse_bits(uint8_t t, const char *hex, uint8_t bits[16]);
/* Decodes the base64 text s[0..n) (JSON's escaping backslashes skipped) into out;
 * returns the byte count, or -1 when it is not base64 or does not fit. */
long b64_decode(const char *s, size_t n, uint8_t *out, size_t cap);

#endif
