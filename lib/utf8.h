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

/* A code point a terminal shows as nothing (or as something that looks
 * like nothing) though it is there: the format characters (general
 * category Cf: U+00AD SOFT HYPHEN, U+200B ZERO WIDTH SPACE, U+200D ZERO
 * WIDTH JOINER, U+FEFF, the tag characters...) and the rest of Unicode's
 * default-ignorable code points (variation selectors, Hangul fillers).
 * "ac<U+200B>me" would be a second row that reads exactly like "acme", and
 * a zero-width character makes a table's columns disagree with what the
 * terminal draws: untrusted text on a screen shows these escaped, and
 * JSON output writes them as \u escapes (the same text for a JSON reader,
 * nothing invisible in the bytes). */
bool utf8_is_invisible(uint32_t cp);

/* What a NUL in a name from the wire becomes (U+FFFD REPLACEMENT
 * CHARACTER): names are C strings, and a NUL kept would cut "acme\0-evil"
 * to "acme", another tenant's name. */
#define UTF8_REPLACEMENT "\xef\xbf\xbd"
#define UTF8_REPLACEMENT_LEN 3

/* JSON text for a parser whose strings are C strings (cJSON decodes the
 * escape \u0000, and copies a raw NUL byte, into a NUL where every reader
 * stops): each NUL made UTF8_REPLACEMENT, the escape \u0000 as \ufffd
 * (not "\\u0000": an escaped backslash, then the text u0000). Whether
 * json may hold one (a raw NUL, or the escape); the bytes it takes made
 * so (each raw NUL two more); and it made so into out (that many bytes
 * and a NUL). Outside strings neither is valid JSON, and stays invalid. */
bool utf8_json_has_nul(const char *json, size_t len);
size_t utf8_json_nul_free_len(const char *json, size_t len);
void utf8_json_nul_free(const char *json, size_t len, char *out);

#endif
