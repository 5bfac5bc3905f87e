/* jsonw.h - a small streaming JSON writer.
 *
 * Writes into a strbuf. Strings are escaped for JSON and invalid UTF-8 is
 * replaced by U+FFFD (one per byte that does not decode), so text from
 * spans or API bodies can be written as is. Characters a terminal would
 * act on (utf8_is_control: C0, C1, bidi, the line and paragraph
 * separators) or show as nothing (utf8_is_invisible: zero-width and other
 * format characters) are written as \uNNNN escapes, a surrogate pair past
 * U+FFFF, never raw: a JSON reader gets exactly the same string, and the
 * bytes are safe to print or cat on a terminal.
 * Doubles that are NaN or infinite are written as null: spendtop uses NaN to
 * mean "unknown", and unknown is null in every contract.
 */
#ifndef SPENDTOP_JSONW_H
#define SPENDTOP_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/strbuf.h"

#define JSONW_MAX_DEPTH 32

struct jsonw {
    struct strbuf *out;
    bool pretty;
    int depth;
    bool has_items[JSONW_MAX_DEPTH];
    bool after_key;
};

void jsonw_init(struct jsonw *w, struct strbuf *out, bool pretty);
void jsonw_object_begin(struct jsonw *w);
void jsonw_object_end(struct jsonw *w);
void jsonw_array_begin(struct jsonw *w);
void jsonw_array_end(struct jsonw *w);
void jsonw_key(struct jsonw *w, const char *key);
void jsonw_string(struct jsonw *w, const char *s);
void jsonw_int(struct jsonw *w, int64_t v);
void jsonw_double(struct jsonw *w, double v);
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);

/* Append s to out as a JSON string literal (quotes included). */
void jsonw_quote(struct strbuf *out, const char *s);
/* The same for len bytes that may contain NUL (written as \u0000). */
void jsonw_quote_len(struct strbuf *out, const char *s, size_t len);
/* Format a double the shortest way that reads back exactly ("null" if
 * not finite) into buf (at least 32 bytes). */
void jsonw_format_double(char *buf, double v);

#endif
