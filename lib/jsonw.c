/* jsonw.c - streaming JSON writer (see jsonw.h). */
#include "lib/jsonw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/utf8.h"

void jsonw_init(struct jsonw *w, struct strbuf *out, bool pretty)
{
    memset(w, 0, sizeof *w);
    w->out = out;
    w->pretty = pretty;
}

static void newline(struct jsonw *w)
{
    if (!w->pretty)
        return;
    strbuf_putc(w->out, '\n');
    for (int i = 0; i < w->depth; i++)
        strbuf_append(w->out, "  ", 2);
}

/* Separator and indentation before a value (or a key). */
static void before_item(struct jsonw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth > 0) {
        if (w->has_items[w->depth])
            strbuf_putc(w->out, ',');
        w->has_items[w->depth] = true;
        newline(w);
    }
}

static void container_open(struct jsonw *w, char c)
{
    before_item(w);
    strbuf_putc(w->out, c);
    if (w->depth + 1 < JSONW_MAX_DEPTH)
        w->depth++;
    w->has_items[w->depth] = false;
}

static void container_close(struct jsonw *w, char c)
{
    bool had = w->has_items[w->depth];
    if (w->depth > 0)
        w->depth--;
    if (had)
        newline(w);
    strbuf_putc(w->out, c);
}

void jsonw_object_begin(struct jsonw *w) { container_open(w, '{'); }
void jsonw_object_end(struct jsonw *w) { container_close(w, '}'); }
void jsonw_array_begin(struct jsonw *w) { container_open(w, '['); }
void jsonw_array_end(struct jsonw *w) { container_close(w, ']'); }

void jsonw_key(struct jsonw *w, const char *key)
{
    before_item(w);
    jsonw_quote(w->out, key);
    strbuf_puts(w->out, w->pretty ? ": " : ":");
    w->after_key = true;
}

void jsonw_quote(struct strbuf *out, const char *s)
{
    jsonw_quote_len(out, s, strlen(s));
}

/* cp as a JSON escape: \u and four hex digits, or past U+FFFF the two
 * escapes of its UTF-16 surrogate pair (JSON has no longer escape),
 * which a reader decodes back to cp. */
static void escape_code_point(struct strbuf *out, uint32_t cp)
{
    if (cp < 0x10000) {
        strbuf_printf(out, "\\u%04x", (unsigned)cp);
        return;
    }
    cp -= 0x10000;
    strbuf_printf(out, "\\u%04x\\u%04x", (unsigned)(0xd800 + (cp >> 10)),
                  (unsigned)(0xdc00 + (cp & 0x3ff)));
}

void jsonw_quote_len(struct strbuf *out, const char *s, size_t len)
{
    strbuf_putc(out, '"');
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *end = p + len;
    while (p < end) {
        unsigned char c = *p;
        if (c >= 0x80) {
            uint32_t cp;
            int n = utf8_decode(p, (size_t)(end - p), &cp);
            if (n <= 0) {
                strbuf_puts(out, "\\ufffd");
                p++;
            } else if (utf8_is_control(cp) || utf8_is_invisible(cp)) {
                /* the same text, but never raw on a terminal that shows it */
                escape_code_point(out, cp);
                p += n;
            } else {
                strbuf_append(out, (const char *)p, (size_t)n);
                p += n;
            }
            continue;
        }
        switch (c) {
        case '"': strbuf_puts(out, "\\\""); break;
        case '\\': strbuf_puts(out, "\\\\"); break;
        case '\n': strbuf_puts(out, "\\n"); break;
        case '\r': strbuf_puts(out, "\\r"); break;
        case '\t': strbuf_puts(out, "\\t"); break;
        case '\b': strbuf_puts(out, "\\b"); break;
        case '\f': strbuf_puts(out, "\\f"); break;
        default:
            if (c < 0x20 || c == 0x7f)
                strbuf_printf(out, "\\u%04x", c);
            else
                strbuf_putc(out, (char)c);
        }
        p++;
    }
    strbuf_putc(out, '"');
}

void jsonw_string(struct jsonw *w, const char *s)
{
    before_item(w);
    if (!s)
        strbuf_puts(w->out, "null");
    else
        jsonw_quote(w->out, s);
}

void jsonw_int(struct jsonw *w, int64_t v)
{
    before_item(w);
    strbuf_printf(w->out, "%lld", (long long)v);
}

void jsonw_format_double(char *buf, double v)
{
    if (!isfinite(v)) {
        strcpy(buf, "null");
        return;
    }
    if (v == 0) {
        strcpy(buf, "0");
        return;
    }
    /* the fewest digits that read back as v (2/9 is 0.2222222222222222,
     * not 0.22222222222222221): 17 always do */
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, 32, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            break;
    }
}

void jsonw_double(struct jsonw *w, double v)
{
    char buf[32];
    before_item(w);
    jsonw_format_double(buf, v);
    strbuf_puts(w->out, buf);
}

void jsonw_bool(struct jsonw *w, bool v)
{
    before_item(w);
    strbuf_puts(w->out, v ? "true" : "false");
}

void jsonw_null(struct jsonw *w)
{
    before_item(w);
    strbuf_puts(w->out, "null");
}
