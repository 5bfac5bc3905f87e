/* strbuf.h - a growable, always NUL-terminated byte string.
 *
 * Used to build output (JSON, tables, error lists) without fixed buffers.
 * A zero-initialised struct strbuf is a valid empty string.
 */
#ifndef SPENDTOP_STRBUF_H
#define SPENDTOP_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
    char *s;      /* NUL-terminated once anything was appended; may be NULL */
    size_t len;
    size_t cap;
};

void strbuf_append(struct strbuf *b, const char *s, size_t n);
void strbuf_puts(struct strbuf *b, const char *s);
void strbuf_putc(struct strbuf *b, char c);
void strbuf_printf(struct strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void strbuf_vprintf(struct strbuf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* The contents, "" when empty (never NULL). */
const char *strbuf_str(const struct strbuf *b);
void strbuf_reset(struct strbuf *b);
/* Hand the buffer to the caller (who frees it); b becomes empty. */
char *strbuf_detach(struct strbuf *b);
void strbuf_free(struct strbuf *b);

#endif
