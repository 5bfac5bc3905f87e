/* utf8.h - strict UTF-8 decoding and encoding.
 *
 * Strict means: no overlong forms, no surrogates, nothing above U+10FFFF.
 * Used wherever untrusted bytes become text (TOML, JSON output, the screen).
 */
#ifndef SPENDTOP_UTF8_H
#define SPENDTOP_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decode one code point from s (at most len bytes). Returns the number of
 * bytes used (1-4), or -1 if s does not start with a valid sequence. */
int utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/* Encode cp into out (4 bytes of room). Returns the byte count, or 0 if cp
 * is not a Unicode scalar value. */
int utf8_encode(uint32_t cp, char *out);

/* A code point that changes how a terminal reads what follows rather than
 * showing a character: C0 and C1 controls (U+009B is CSI on some
 * terminals), DEL, the bidirectional formatting controls (U+202E turns
 * the rest of a line around) and the line and paragraph separators.
 * Untrusted text shows these escaped, in JSON too. */
bool utf8_is_control(uint32_t cp);

#endif
