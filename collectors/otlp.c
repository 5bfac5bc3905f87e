/* otlp.c - lists and helpers of the OTLP data model (see otlp.h). */
#include "collectors/otlp.h"

#include <string.h>

#include "core/usage.h"

void otlp_iter_init(struct otlp_iter *it, const struct otlp_list *list)
{
    it->list = *list;
    it->at = list->a;
}

static bool next(struct otlp_iter *it, enum otlp_item kind, void *out)
{
    return it->list.ops && it->list.ops->next(it, kind, out);
}

bool otlp_next_kv(struct otlp_iter *it, struct otlp_kv *out)
{
    return next(it, OTLP_ITEM_KV, out);
}

bool otlp_next_value(struct otlp_iter *it, struct otlp_value *out)
{
    return next(it, OTLP_ITEM_VALUE, out);
}

bool otlp_next_event(struct otlp_iter *it, struct otlp_event *out)
{
    return next(it, OTLP_ITEM_EVENT, out);
}

bool otlp_str_eq(struct otlp_str s, const char *lit)
{
    size_t n = strlen(lit);
    return s.p && s.n == n && memcmp(s.p, lit, n) == 0;
}

/* The value of a base64 character (standard or URL alphabet), or -1. */
static int b64(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' || c == '-' ? 62 : c == '/' || c == '_' ? 63 : -1;
}

static size_t put_hex(char *buf, size_t n, size_t len, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    if (n + 2 >= len)
        return n;
    buf[n++] = hex[c >> 4];
    buf[n++] = hex[c & 15];
    return n;
}

size_t otlp_bytes_hex(const struct otlp_bytes *b, char *buf, size_t len)
{
    size_t n = 0;
    if (!len)
        return 0;
    /* an absent id (p NULL) is the empty text, whatever n says */
    size_t avail = b->p ? b->n : 0;
    const unsigned char *p = (const unsigned char *)b->p, *end = avail ? p + avail : p;
    if (b->form == OTLP_HEX) { /* the common case: a JSON id */
        size_t max = avail < len - 1 ? avail : len - 1;
        for (; n < max; n++)
            buf[n] = (char)(p[n] >= 'A' && p[n] <= 'Z' ? p[n] + 32 : p[n]);
    } else if (b->form == OTLP_RAW) {
        for (; p < end; p++)
            n = put_hex(buf, n, len, *p);
    } else {
        uint32_t acc = 0;
        int bits = 0;
        for (; p < end; p++) {
            int v = b64(*p); /* padding and the rest are ignored */
            if (v < 0)
                continue;
            acc = acc << 6 | (uint32_t)v;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                n = put_hex(buf, n, len, (unsigned char)(acc >> bits));
            }
        }
    }
    buf[n] = '\0';
    return n;
}

/* A hex digit's value + 1; 0 for any other byte (ids of every span pass
 * through here: a table, not branches). */
static const uint8_t hex1[256] = {
    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7,
    ['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13,
    ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13,
    ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

bool otlp_bytes_raw(const struct otlp_bytes *b, uint8_t *buf, size_t len, size_t *n)
{
    const unsigned char *p = (const unsigned char *)b->p;
    size_t m = p ? b->n : 0;
    *n = 0;
    if (b->form == OTLP_RAW) {
        *n = m < len ? m : len;
        if (*n)
            memcpy(buf, p, *n);
        return true;
    }
    if (b->form == OTLP_HEX) {
        if (m % 2)
            return false;
        size_t k = m / 2 < len ? m / 2 : len;
        for (size_t i = 0; i < k; i++) {
            unsigned hi = hex1[p[2 * i]], lo = hex1[p[2 * i + 1]];
            if (!hi || !lo)
                return false;
            buf[i] = (uint8_t)((hi - 1) << 4 | (lo - 1));
        }
        for (size_t i = 2 * k; i < m; i++) /* past len: still checked */
            if (!hex1[p[i]])
                return false;
        *n = k;
        return true;
    }
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < m; i++) {
        int v = b64(p[i]);
        if (v < 0) {
            if (p[i] == '=')
                continue;
            return false;
        }
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (*n < len)
                buf[(*n)++] = (uint8_t)(acc >> bits);
        }
    }
    return true;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* A decimal number as its significant digits and the power of ten they
 * are scaled by. */
struct decimal {
    char d[32];
    size_t nd;
    int scale;
};

/* The digits from p[*i] on into x (a fraction's scale x down); *count
 * says how many there were. false when x cannot hold them. */
static bool take_digits(const char *p, size_t n, size_t *i, struct decimal *x, bool fraction,
                        size_t *count)
{
    size_t from = *i;
    for (; *i < n && is_digit(p[*i]); (*i)++) {
        if (x->nd || p[*i] != '0') {   /* leading zeros say nothing */
            if (x->nd == sizeof x->d)
                return false;
            x->d[x->nd++] = p[*i];
        }
        x->scale -= fraction;
    }
    *count = *i - from;
    return true;
}

/* An exponent's optional sign and digits from p[*i] on. */
static bool take_exponent(const char *p, size_t n, size_t *i, int *e)
{
    int sign = 1;
    *e = 0;
    if (*i < n && (p[*i] == '+' || p[*i] == '-'))
        sign = p[(*i)++] == '-' ? -1 : 1;
    size_t from = *i;
    for (; *i < n && is_digit(p[*i]); (*i)++)
        if ((*e = *e * 10 + (p[*i] - '0')) > 100)
            return false;
    *e *= sign;
    return *i > from;
}

/* DIGITS [. DIGITS] [(e|E) [+|-] DIGITS], the whole of p[0..n). */
static bool decimal_parse(const char *p, size_t n, struct decimal *x)
{
    size_t i = 0, k;
    x->nd = 0;
    x->scale = 0;
    if (!take_digits(p, n, &i, x, false, &k) || k == 0)
        return false;
    if (i < n && p[i] == '.') {
        i++;
        if (!take_digits(p, n, &i, x, true, &k) || k == 0)
            return false;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        int e;
        i++;
        if (!take_exponent(p, n, &i, &e))
            return false;
        x->scale += e;
    }
    return i == n;
}

bool otlp_text_count(const char *p, size_t n, int64_t *out)
{
    struct decimal x;
    if (!decimal_parse(p, n, &x))
        return false;
    /* whole: the digits scaled below the units must be zeros */
    for (; x.scale < 0 && x.nd > 0; x.scale++, x.nd--)
        if (x.d[x.nd - 1] != '0')
            return false;
    if (x.nd && x.nd + (size_t)x.scale > 13)   /* 10^13 and more */
        return false;
    int64_t v = 0;
    for (size_t k = 0; k < x.nd; k++)
        v = v * 10 + (x.d[k] - '0');
    for (int k = 0; x.nd && k < x.scale; k++)
        v *= 10;
    if (v > USAGE_COUNT_MAX)
        return false;
    *out = v;
    return true;
}
