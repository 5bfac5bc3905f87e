/* utf8.h - strict UTF-8 decoding and encoding.
 *
 * Strict means: no overlong forms, no surrogates, nothing above U+10FFFF.
 * Used wherever untrusted bytes become text (TOML, JSON output, the screen).
 */
#ifndef SPENDTOP_UTF8_H
#define SPENDTOP_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decode one code point from s (at most len bytes). Returns the number of
 * bytes used (1-4), or -1 if s does not start with a valid sequence. */
int utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/* Encode cp into out (4 bytes of room). Returns the byte count, or 0 if cp
 * is not a Unicode scalar value. */
int utf8_encode(uint32_t cp, char *out);

#endif
