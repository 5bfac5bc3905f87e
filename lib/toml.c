/* toml.c - TOML 1.0 parser (see toml.h).
 *
 * A recursive-descent parser over the whole buffer. The only subtle part is
 * which tables may be extended by what; each table remembers how it came to
 * exist (flags below) and the rules of the spec are applied from those:
 *
 *   - a [header] may define a table once; tables created only as parents of
 *     a header ("implicit") may be defined later, once;
 *   - dotted keys create tables that count as defined: no [header] may name
 *     them again, and dotted keys may only descend into tables that dotted
 *     keys created (not into header-defined ones);
 *   - inline tables and static arrays are frozen once written;
 *   - [[array]] only appends to arrays that [[array]] created.
 */
#include "lib/toml.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/utf8.h"
#include "lib/xalloc.h"

enum {
    T_EXPLICIT = 1 << 0, /* defined by a [header] or [[header]] */
    T_IMPLICIT = 1 << 1, /* created as the parent of a header */
    T_DOTTED = 1 << 2,   /* created by a dotted key */
    T_FROZEN = 1 << 3,   /* an inline table (or inside one) */
};

struct toml_kv {
    char *key;
    size_t keylen;
    int line, col;
    struct toml_value *val;
};

struct toml_value {
    enum toml_type type;
    int line, col;
    union {
        struct {
            struct toml_kv *items;
            size_t n, cap;
            unsigned flags;
        } table;
        struct {
            struct toml_value **items;
            size_t n, cap;
            bool aot; /* created by [[header]] */
        } array;
        struct {
            char *s;
            size_t len;
        } str;
        int64_t i;
        double f;
        bool b;
        struct toml_datetime dt;
    } u;
};

struct parser {
    const char *src;
    size_t len, pos;
    int line;
    size_t line_start;
    const char *file;
    char *err;
    size_t errlen;
    bool failed;
    struct toml_value *root;
    struct toml_value *cur; /* table that key/values go into */
};

/* A key as parsed: its parts and where each part starts. */
#define MAX_KEY_PARTS 64
struct keypath {
    size_t n;
    char *part[MAX_KEY_PARTS];
    size_t plen[MAX_KEY_PARTS];
    int line[MAX_KEY_PARTS], col[MAX_KEY_PARTS];
};

static void keypath_free(struct keypath *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->part[i]);
    k->n = 0;
}

/* ---- errors and positions ---------------------------------------------- */

/* Column in characters (not bytes) of offset pos on the current line. */
static int col_of(const struct parser *p, size_t pos)
{
    int col = 1;
    for (size_t i = p->line_start; i < pos && i < p->len; i++)
        if (((unsigned char)p->src[i] & 0xc0) != 0x80)
            col++;
    return col;
}

static void fail_at(struct parser *p, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail_at(struct parser *p, size_t pos, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = true;
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errlen, "%s:%d:%d: %s", p->file, p->line,
             col_of(p, pos), msg);
}

#define FAIL(p, ...) fail_at((p), (p)->pos, __VA_ARGS__)

/* ---- values ------------------------------------------------------------- */

static struct toml_value *new_value(enum toml_type t, int line, int col)
{
    struct toml_value *v = xcalloc(1, sizeof *v);
    v->type = t;
    v->line = line;
    v->col = col;
    return v;
}

void toml_free(struct toml_value *v)
{
    if (!v)
        return;
    switch (v->type) {
    case TOML_TABLE:
        for (size_t i = 0; i < v->u.table.n; i++) {
            free(v->u.table.items[i].key);
            toml_free(v->u.table.items[i].val);
        }
        free(v->u.table.items);
        break;
    case TOML_ARRAY:
        for (size_t i = 0; i < v->u.array.n; i++)
            toml_free(v->u.array.items[i]);
        free(v->u.array.items);
        break;
    case TOML_STRING:
        free(v->u.str.s);
        break;
    default:
        break;
    }
    free(v);
}

static struct toml_value *table_find(const struct toml_value *t,
                                     const char *key, size_t len)
{
    for (size_t i = 0; i < t->u.table.n; i++) {
        const struct toml_kv *kv = &t->u.table.items[i];
        if (kv->keylen == len && memcmp(kv->key, key, len) == 0)
            return kv->val;
    }
    return NULL;
}

static void table_add(struct toml_value *t, const char *key, size_t len,
                      int line, int col, struct toml_value *val)
{
    xgrow(&t->u.table.items, &t->u.table.cap, t->u.table.n + 1,
          sizeof *t->u.table.items);
    struct toml_kv *kv = &t->u.table.items[t->u.table.n++];
    kv->key = xmalloc(len + 1);
    memcpy(kv->key, key, len);
    kv->key[len] = '\0';
    kv->keylen = len;
    kv->line = line;
    kv->col = col;
    kv->val = val;
}

static void array_push(struct toml_value *a, struct toml_value *v)
{
    xgrow(&a->u.array.items, &a->u.array.cap, a->u.array.n + 1,
          sizeof *a->u.array.items);
    a->u.array.items[a->u.array.n++] = v;
}

static void freeze(struct toml_value *v)
{
    if (v->type == TOML_TABLE) {
        v->u.table.flags |= T_FROZEN;
        for (size_t i = 0; i < v->u.table.n; i++)
            freeze(v->u.table.items[i].val);
    } else if (v->type == TOML_ARRAY) {
        for (size_t i = 0; i < v->u.array.n; i++)
            freeze(v->u.array.items[i]);
    }
}

/* ---- lexing helpers ----------------------------------------------------- */

static int peek(const struct parser *p) { return p->pos < p->len ? (unsigned char)p->src[p->pos] : -1; }

static int peek_at(const struct parser *p, size_t off)
{
    return p->pos + off < p->len ? (unsigned char)p->src[p->pos + off] : -1;
}

static bool at_newline(const struct parser *p)
{
    int c = peek(p);
    return c == '\n' || (c == '\r' && peek_at(p, 1) == '\n');
}

static void eat_newline(struct parser *p)
{
    if (peek(p) == '\r')
        p->pos++;
    p->pos++;
    p->line++;
    p->line_start = p->pos;
}

static void skip_ws(struct parser *p)
{
    while (peek(p) == ' ' || peek(p) == '\t')
        p->pos++;
}

static bool is_control(int c)
{
    return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7f;
}

/* A comment runs to the end of the line; control characters are errors. */
static void skip_comment(struct parser *p)
{
    if (peek(p) != '#')
        return;
    while (p->pos < p->len && !at_newline(p)) {
        if (is_control(peek(p))) {
            FAIL(p, "control character in comment");
            return;
        }
        p->pos++;
    }
}

/* Whitespace, newlines and comments (inside arrays). */
static void skip_ws_nl_comments(struct parser *p)
{
    for (;;) {
        skip_ws(p);
        if (peek(p) == '#')
            skip_comment(p);
        if (p->failed)
            return;
        if (at_newline(p))
            eat_newline(p);
        else if (peek(p) == '\r') {
            FAIL(p, "carriage return not followed by newline");
            return;
        } else
            return;
    }
}

static bool is_bare(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static bool is_digit(int c) { return c >= '0' && c <= '9'; }

/* ---- strings -------------------------------------------------------------- */

struct sbuf {
    char *s;
    size_t n, cap;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
    xgrow(&b->s, &b->cap, b->n + n + 1, 1);
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* One escape after the backslash (basic strings). */
static void parse_escape(struct parser *p, struct sbuf *b)
{
    int c = peek(p);
    p->pos++;
    char ch;
    switch (c) {
    case 'b': ch = '\b'; break;
    case 't': ch = '\t'; break;
    case 'n': ch = '\n'; break;
    case 'f': ch = '\f'; break;
    case 'r': ch = '\r'; break;
    case '"': ch = '"'; break;
    case '\\': ch = '\\'; break;
    case 'u':
    case 'U': {
        int digits = c == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (int i = 0; i < digits; i++) {
            int h = hexval(peek(p));
            if (h < 0) {
                FAIL(p, "\\%c escape needs %d hex digits", c, digits);
                return;
            }
            cp = cp * 16 + (uint32_t)h;
            p->pos++;
        }
        char out[4];
        int n = utf8_encode(cp, out);
        if (n == 0) {
            fail_at(p, p->pos - (size_t)digits - 2,
                    "\\%c%0*X is not a Unicode scalar value", c, digits,
                    (unsigned)cp);
            return;
        }
        sb_add(b, out, (size_t)n);
        return;
    }
    default:
        fail_at(p, p->pos - 2, "invalid escape sequence");
        return;
    }
    sb_add(b, &ch, 1);
}

/* Copy one (already validated) UTF-8 character or fail on a control char. */
static void string_char(struct parser *p, struct sbuf *b)
{
    int c = peek(p);
    if (is_control(c)) {
        FAIL(p, "control character U+%04X in string", (unsigned)c);
        return;
    }
    size_t start = p->pos;
    p->pos++;
    while (p->pos < p->len && ((unsigned char)p->src[p->pos] & 0xc0) == 0x80)
        p->pos++;
    sb_add(b, p->src + start, p->pos - start);
}

static bool parse_basic_string(struct parser *p, struct sbuf *b)
{
    p->pos++; /* opening quote */
    for (;;) {
        int c = peek(p);
        if (c < 0 || c == '\n' || c == '\r') {
            FAIL(p, "unterminated string");
            return false;
        }
        if (c == '"') {
            p->pos++;
            return true;
        }
        if (c == '\\') {
            p->pos++;
            parse_escape(p, b);
        } else {
            string_char(p, b);
        }
        if (p->failed)
            return false;
    }
}

static bool parse_literal_string(struct parser *p, struct sbuf *b)
{
    p->pos++;
    for (;;) {
        int c = peek(p);
        if (c < 0 || c == '\n' || c == '\r') {
            FAIL(p, "unterminated string");
            return false;
        }
        if (c == '\'') {
            p->pos++;
            return true;
        }
        string_char(p, b);
        if (p->failed)
            return false;
    }
}

/* """...""" or '''...''' ; q is the quote character. */
static bool parse_multiline_string(struct parser *p, struct sbuf *b, char q)
{
    p->pos += 3;
    if (at_newline(p))
        eat_newline(p); /* a newline right after the delimiter is trimmed */
    for (;;) {
        int c = peek(p);
        if (c < 0) {
            FAIL(p, "unterminated multi-line string");
            return false;
        }
        if (c == q && peek_at(p, 1) == q && peek_at(p, 2) == q) {
            size_t run = 3;
            while (peek_at(p, run) == q)
                run++;
            if (run > 5) {
                FAIL(p, "too many quotes at the end of a multi-line string");
                return false;
            }
            sb_add(b, p->src + p->pos, run - 3);
            p->pos += run;
            return true;
        }
        if (at_newline(p)) {
            sb_add(b, "\n", 1);
            eat_newline(p);
            continue;
        }
        if (c == '\r') {
            FAIL(p, "carriage return not followed by newline");
            return false;
        }
        if (q == '"' && c == '\\') {
            /* line-ending backslash: trim whitespace and newlines */
            size_t save = p->pos;
            p->pos++;
            skip_ws(p);
            if (at_newline(p)) {
                while (at_newline(p) || peek(p) == ' ' || peek(p) == '\t') {
                    if (at_newline(p))
                        eat_newline(p);
                    else
                        p->pos++;
                }
                continue;
            }
            p->pos = save + 1;
            parse_escape(p, b);
        } else {
            string_char(p, b);
        }
        if (p->failed)
            return false;
    }
}

/* ---- keys ----------------------------------------------------------------- */

static bool parse_simple_key(struct parser *p, struct keypath *k)
{
    if (k->n >= MAX_KEY_PARTS) {
        FAIL(p, "key has too many parts");
        return false;
    }
    int line = p->line, col = col_of(p, p->pos);
    struct sbuf b = {0};
    int c = peek(p);
    bool ok;
    if (c == '"') {
        if (peek_at(p, 1) == '"' && peek_at(p, 2) == '"') {
            FAIL(p, "multi-line strings cannot be keys");
            return false;
        }
        ok = parse_basic_string(p, &b);
    } else if (c == '\'') {
        if (peek_at(p, 1) == '\'' && peek_at(p, 2) == '\'') {
            FAIL(p, "multi-line strings cannot be keys");
            return false;
        }
        ok = parse_literal_string(p, &b);
    } else if (is_bare(c)) {
        size_t start = p->pos;
        while (is_bare(peek(p)))
            p->pos++;
        sb_add(&b, p->src + start, p->pos - start);
        ok = true;
    } else {
        if (c < 0 || c == '\n' || c == '\r')
            FAIL(p, "expected a key");
        else if (c == '=')
            FAIL(p, "expected a key before '='");
        else
            FAIL(p, "invalid character in key");
        ok = false;
    }
    if (!ok) {
        free(b.s);
        return false;
    }
    if (!b.s)
        sb_add(&b, "", 0);
    k->part[k->n] = b.s;
    k->plen[k->n] = b.n;
    k->line[k->n] = line;
    k->col[k->n] = col;
    k->n++;
    return true;
}

static bool parse_key(struct parser *p, struct keypath *k)
{
    if (!parse_simple_key(p, k))
        return false;
    for (;;) {
        size_t save = p->pos;
        skip_ws(p);
        if (peek(p) != '.') {
            p->pos = save;
            return true;
        }
        p->pos++;
        skip_ws(p);
        if (!parse_simple_key(p, k))
            return false;
    }
}

/* ---- numbers, booleans, dates --------------------------------------------- */

/* Digits of the given base with '_' only between two digits. Appends the
 * digits (without underscores) to out. Returns the number of digits. */
static int scan_digits(struct parser *p, int base, char *out, size_t *olen,
                       size_t cap)
{
    int n = 0;
    for (;;) {
        int c = peek(p);
        int v = hexval(c);
        if (v >= 0 && v < base && !(base <= 10 && !is_digit(c))) {
            if (*olen + 1 < cap)
                out[(*olen)++] = (char)c;
            p->pos++;
            n++;
        } else if (c == '_') {
            int next = peek_at(p, 1);
            int nv = hexval(next);
            if (n == 0 || nv < 0 || nv >= base ||
                (base <= 10 && !is_digit(next))) {
                FAIL(p, "underscore must be between digits");
                return -1;
            }
            p->pos++;
        } else {
            break;
        }
    }
    out[*olen] = '\0';
    return n;
}

static struct toml_value *parse_number(struct parser *p, int line, int col)
{
    char buf[128];
    size_t n = 0;
    size_t start = p->pos;
    int c = peek(p);
    bool sign = false;
    if (c == '+' || c == '-') {
        buf[n++] = (char)c;
        p->pos++;
        sign = true;
    }
    /* inf / nan, possibly signed */
    if (p->len - p->pos >= 3 && memcmp(p->src + p->pos, "inf", 3) == 0) {
        p->pos += 3;
        struct toml_value *v = new_value(TOML_FLOAT, line, col);
        v->u.f = (sign && buf[0] == '-') ? -INFINITY : INFINITY;
        return v;
    }
    if (p->len - p->pos >= 3 && memcmp(p->src + p->pos, "nan", 3) == 0) {
        p->pos += 3;
        struct toml_value *v = new_value(TOML_FLOAT, line, col);
        v->u.f = (sign && buf[0] == '-') ? -NAN : NAN;
        return v;
    }
    if (peek(p) == '0' && (peek_at(p, 1) == 'x' || peek_at(p, 1) == 'o' ||
                           peek_at(p, 1) == 'b')) {
        if (sign) {
            FAIL(p, "prefixed integers cannot have a sign");
            return NULL;
        }
        int pc = peek_at(p, 1);
        int base = pc == 'x' ? 16 : pc == 'o' ? 8 : 2;
        p->pos += 2;
        n = 0;
        int d = scan_digits(p, base, buf, &n, sizeof buf);
        if (d < 0)
            return NULL;
        if (d == 0) {
            FAIL(p, "expected digits after 0%c", pc);
            return NULL;
        }
        errno = 0;
        unsigned long long u = strtoull(buf, NULL, base);
        if (errno == ERANGE || u > (unsigned long long)INT64_MAX) {
            fail_at(p, start, "integer out of range");
            return NULL;
        }
        struct toml_value *v = new_value(TOML_INTEGER, line, col);
        v->u.i = (int64_t)u;
        return v;
    }
    size_t int_start = n;
    int d = scan_digits(p, 10, buf, &n, sizeof buf);
    if (d < 0)
        return NULL;
    if (d == 0) {
        FAIL(p, "expected a value");
        return NULL;
    }
    if (buf[int_start] == '0' && d > 1) {
        fail_at(p, start, "leading zeros are not allowed");
        return NULL;
    }
    bool is_float = false;
    if (peek(p) == '.') {
        if (n + 1 < sizeof buf)
            buf[n++] = '.';
        p->pos++;
        d = scan_digits(p, 10, buf, &n, sizeof buf);
        if (d < 0)
            return NULL;
        if (d == 0) {
            FAIL(p, "expected digits after the decimal point");
            return NULL;
        }
        is_float = true;
    }
    if (peek(p) == 'e' || peek(p) == 'E') {
        if (n + 1 < sizeof buf)
            buf[n++] = 'e';
        p->pos++;
        if (peek(p) == '+' || peek(p) == '-') {
            if (n + 1 < sizeof buf)
                buf[n++] = (char)peek(p);
            p->pos++;
        }
        d = scan_digits(p, 10, buf, &n, sizeof buf);
        if (d < 0)
            return NULL;
        if (d == 0) {
            FAIL(p, "expected digits in the exponent");
            return NULL;
        }
        is_float = true;
    }
    buf[n] = '\0';
    if (n + 1 >= sizeof buf) {
        fail_at(p, start, "number too long");
        return NULL;
    }
    if (is_float) {
        struct toml_value *v = new_value(TOML_FLOAT, line, col);
        v->u.f = strtod(buf, NULL);
        return v;
    }
    errno = 0;
    long long ll = strtoll(buf, NULL, 10);
    if (errno == ERANGE) {
        fail_at(p, start, "integer out of range");
        return NULL;
    }
    struct toml_value *v = new_value(TOML_INTEGER, line, col);
    v->u.i = ll;
    return v;
}

/* Exactly n digits as an int, or -1. */
static int fixed_digits(struct parser *p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        int c = peek(p);
        if (!is_digit(c))
            return -1;
        v = v * 10 + (c - '0');
        p->pos++;
    }
    return v;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

/* HH:MM:SS[.frac] */
static bool parse_time(struct parser *p, struct toml_datetime *dt)
{
    int h = fixed_digits(p, 2);
    if (h < 0 || peek(p) != ':') {
        FAIL(p, "malformed time (expected HH:MM:SS)");
        return false;
    }
    p->pos++;
    int m = fixed_digits(p, 2);
    if (m < 0 || peek(p) != ':') {
        FAIL(p, "malformed time (expected HH:MM:SS; seconds are required)");
        return false;
    }
    p->pos++;
    int s = fixed_digits(p, 2);
    if (s < 0) {
        FAIL(p, "malformed time (expected HH:MM:SS)");
        return false;
    }
    if (h > 23 || m > 59 || s > 60) {
        FAIL(p, "time out of range");
        return false;
    }
    dt->hour = h;
    dt->minute = m;
    dt->second = s;
    if (peek(p) == '.') {
        p->pos++;
        long ns = 0;
        int digits = 0;
        while (is_digit(peek(p))) {
            if (digits < 9)
                ns = ns * 10 + (peek(p) - '0');
            digits++;
            p->pos++;
        }
        if (digits == 0) {
            FAIL(p, "expected digits after the decimal point");
            return false;
        }
        for (int i = digits; i < 9; i++)
            ns *= 10;
        dt->nanosecond = ns;
        dt->frac_digits = digits > 9 ? 9 : digits;
    }
    return true;
}

static struct toml_value *parse_datetime(struct parser *p, int line, int col)
{
    struct toml_datetime dt = {0};
    enum toml_type type;
    if (is_digit(peek(p)) && is_digit(peek_at(p, 1)) && peek_at(p, 2) == ':') {
        if (!parse_time(p, &dt))
            return NULL;
        type = TOML_TIME_LOCAL;
    } else {
        int y = fixed_digits(p, 4);
        if (y < 0 || peek(p) != '-') {
            FAIL(p, "malformed date");
            return NULL;
        }
        p->pos++;
        int mo = fixed_digits(p, 2);
        if (mo < 0 || peek(p) != '-') {
            FAIL(p, "malformed date (expected YYYY-MM-DD)");
            return NULL;
        }
        p->pos++;
        int d = fixed_digits(p, 2);
        if (d < 0) {
            FAIL(p, "malformed date (expected YYYY-MM-DD)");
            return NULL;
        }
        if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) {
            fail_at(p, p->pos - 10, "date out of range");
            return NULL;
        }
        dt.year = y;
        dt.month = mo;
        dt.day = d;
        type = TOML_DATE_LOCAL;
        int c = peek(p);
        if (c == 'T' || c == 't' ||
            (c == ' ' && is_digit(peek_at(p, 1)))) {
            p->pos++;
            if (!parse_time(p, &dt))
                return NULL;
            type = TOML_DATETIME_LOCAL;
            c = peek(p);
            if (c == 'Z' || c == 'z') {
                p->pos++;
                type = TOML_DATETIME;
            } else if (c == '+' || c == '-') {
                p->pos++;
                int oh = fixed_digits(p, 2);
                if (oh < 0 || peek(p) != ':') {
                    FAIL(p, "malformed time zone offset (expected +HH:MM)");
                    return NULL;
                }
                p->pos++;
                int om = fixed_digits(p, 2);
                if (om < 0 || oh > 23 || om > 59) {
                    FAIL(p, "malformed time zone offset (expected +HH:MM)");
                    return NULL;
                }
                dt.offset_minutes = (c == '-' ? -1 : 1) * (oh * 60 + om);
                type = TOML_DATETIME;
            }
        }
    }
    struct toml_value *v = new_value(type, line, col);
    v->u.dt = dt;
    return v;
}

static bool looks_like_datetime(const struct parser *p)
{
    if (is_digit(peek(p)) && is_digit(peek_at(p, 1)) && peek_at(p, 2) == ':')
        return true;
    for (int i = 0; i < 4; i++)
        if (!is_digit(peek_at(p, (size_t)i)))
            return false;
    return peek_at(p, 4) == '-';
}

static bool match_word(const struct parser *p, const char *w)
{
    size_t n = strlen(w);
    if (p->len - p->pos < n || memcmp(p->src + p->pos, w, n) != 0)
        return false;
    return !is_bare(peek_at(p, n));
}

/* ---- composite values ------------------------------------------------------ */

static struct toml_value *parse_value(struct parser *p);
static bool parse_keyval(struct parser *p, struct toml_value *table);

static struct toml_value *parse_array(struct parser *p, int line, int col)
{
    struct toml_value *a = new_value(TOML_ARRAY, line, col);
    p->pos++; /* [ */
    for (;;) {
        skip_ws_nl_comments(p);
        if (p->failed)
            goto fail;
        if (peek(p) == ']') {
            p->pos++;
            return a;
        }
        struct toml_value *v = parse_value(p);
        if (!v)
            goto fail;
        array_push(a, v);
        skip_ws_nl_comments(p);
        if (p->failed)
            goto fail;
        if (peek(p) == ',') {
            p->pos++;
            continue;
        }
        if (peek(p) == ']') {
            p->pos++;
            return a;
        }
        FAIL(p, peek(p) < 0 ? "unterminated array"
                            : "expected ',' or ']' in array");
        goto fail;
    }
fail:
    toml_free(a);
    return NULL;
}

static struct toml_value *parse_inline_table(struct parser *p, int line,
                                             int col)
{
    struct toml_value *t = new_value(TOML_TABLE, line, col);
    t->u.table.flags = T_EXPLICIT;
    p->pos++; /* { */
    skip_ws(p);
    if (peek(p) == '}') {
        p->pos++;
        freeze(t);
        return t;
    }
    for (;;) {
        skip_ws(p);
        if (!parse_keyval(p, t))
            goto fail;
        skip_ws(p);
        if (peek(p) == ',') {
            p->pos++;
            skip_ws(p);
            if (peek(p) == '}') {
                FAIL(p, "trailing comma in inline table");
                goto fail;
            }
            continue;
        }
        if (peek(p) == '}') {
            p->pos++;
            freeze(t);
            return t;
        }
        if (at_newline(p))
            FAIL(p, "newline in inline table");
        else
            FAIL(p, peek(p) < 0 ? "unterminated inline table"
                                : "expected ',' or '}' in inline table");
        goto fail;
    }
fail:
    toml_free(t);
    return NULL;
}

static struct toml_value *parse_value(struct parser *p)
{
    int line = p->line, col = col_of(p, p->pos);
    int c = peek(p);
    struct sbuf b = {0};
    bool ok;
    switch (c) {
    case '"':
        if (peek_at(p, 1) == '"' && peek_at(p, 2) == '"')
            ok = parse_multiline_string(p, &b, '"');
        else
            ok = parse_basic_string(p, &b);
        goto string;
    case '\'':
        if (peek_at(p, 1) == '\'' && peek_at(p, 2) == '\'')
            ok = parse_multiline_string(p, &b, '\'');
        else
            ok = parse_literal_string(p, &b);
        goto string;
    case '[':
        return parse_array(p, line, col);
    case '{':
        return parse_inline_table(p, line, col);
    case 't':
    case 'f':
        if (match_word(p, "true") || match_word(p, "false")) {
            struct toml_value *v = new_value(TOML_BOOL, line, col);
            v->u.b = c == 't';
            p->pos += c == 't' ? 4 : 5;
            return v;
        }
        FAIL(p, "invalid value (strings need quotes)");
        return NULL;
    default:
        if (c < 0 || c == '\n' || c == '\r' || c == '#') {
            FAIL(p, "expected a value");
            return NULL;
        }
        if (looks_like_datetime(p))
            return parse_datetime(p, line, col);
        if (is_digit(c) || c == '+' || c == '-' || c == 'i' || c == 'n')
            return parse_number(p, line, col);
        FAIL(p, "invalid value (strings need quotes)");
        return NULL;
    }
string:
    if (!ok) {
        free(b.s);
        return NULL;
    }
    struct toml_value *v = new_value(TOML_STRING, line, col);
    if (!b.s)
        sb_add(&b, "", 0);
    v->u.str.s = b.s;
    v->u.str.len = b.n;
    return v;
}

/* ---- key/value and headers ------------------------------------------------ */

static const char *kind_of(const struct toml_value *v)
{
    if (v->type == TOML_TABLE)
        return "table";
    if (v->type == TOML_ARRAY)
        return v->u.array.aot ? "array of tables" : "array";
    return "value";
}

static bool parse_keyval(struct parser *p, struct toml_value *table)
{
    struct keypath k = {0};
    size_t key_pos = p->pos;
    if (!parse_key(p, &k))
        goto fail;
    skip_ws(p);
    if (peek(p) != '=') {
        FAIL(p, "expected '=' after key");
        goto fail;
    }
    p->pos++;
    skip_ws(p);
    struct toml_value *t = table;
    for (size_t i = 0; i + 1 < k.n; i++) {
        struct toml_value *e = table_find(t, k.part[i], k.plen[i]);
        if (!e) {
            struct toml_value *nt = new_value(TOML_TABLE, k.line[i], k.col[i]);
            nt->u.table.flags = T_DOTTED;
            table_add(t, k.part[i], k.plen[i], k.line[i], k.col[i], nt);
            t = nt;
        } else if (e->type == TOML_TABLE && (e->u.table.flags & T_DOTTED) &&
                   !(e->u.table.flags & T_FROZEN)) {
            t = e;
        } else {
            fail_at(p, key_pos, "cannot add key '%s' to %s '%s' defined "
                    "at line %d", k.part[i + 1], kind_of(e), k.part[i],
                    e->line);
            goto fail;
        }
    }
    size_t last = k.n - 1;
    struct toml_value *dup = table_find(t, k.part[last], k.plen[last]);
    if (dup) {
        fail_at(p, key_pos, "duplicate key '%s' (first defined at line %d)",
                k.part[last], dup->line);
        goto fail;
    }
    struct toml_value *v = parse_value(p);
    if (!v)
        goto fail;
    table_add(t, k.part[last], k.plen[last], k.line[last], k.col[last], v);
    keypath_free(&k);
    return true;
fail:
    keypath_free(&k);
    return false;
}

static bool parse_header(struct parser *p)
{
    bool aot = peek_at(p, 1) == '[';
    size_t hdr_pos = p->pos;
    int line = p->line, col = col_of(p, p->pos);
    p->pos += aot ? 2 : 1;
    skip_ws(p);
    struct keypath k = {0};
    if (!parse_key(p, &k))
        goto fail;
    skip_ws(p);
    if (peek(p) != ']' || (aot && peek_at(p, 1) != ']')) {
        FAIL(p, aot ? "expected ']]' to close the table header"
                    : "expected ']' to close the table header");
        goto fail;
    }
    p->pos += aot ? 2 : 1;

    struct toml_value *t = p->root;
    for (size_t i = 0; i + 1 < k.n; i++) {
        struct toml_value *e = table_find(t, k.part[i], k.plen[i]);
        if (!e) {
            struct toml_value *nt = new_value(TOML_TABLE, line, col);
            nt->u.table.flags = T_IMPLICIT;
            table_add(t, k.part[i], k.plen[i], k.line[i], k.col[i], nt);
            t = nt;
        } else if (e->type == TOML_TABLE && !(e->u.table.flags & T_FROZEN)) {
            t = e;
        } else if (e->type == TOML_ARRAY && e->u.array.aot &&
                   e->u.array.n > 0) {
            t = e->u.array.items[e->u.array.n - 1];
        } else {
            fail_at(p, hdr_pos, "'%s' is already defined as %s at line %d",
                    k.part[i], kind_of(e), e->line);
            goto fail;
        }
    }
    size_t last = k.n - 1;
    struct toml_value *e = table_find(t, k.part[last], k.plen[last]);
    if (aot) {
        struct toml_value *arr = e;
        if (!arr) {
            arr = new_value(TOML_ARRAY, line, col);
            arr->u.array.aot = true;
            table_add(t, k.part[last], k.plen[last], k.line[last],
                      k.col[last], arr);
        } else if (!(arr->type == TOML_ARRAY && arr->u.array.aot)) {
            fail_at(p, hdr_pos, "'%s' is already defined as %s at line %d",
                    k.part[last], kind_of(arr), arr->line);
            goto fail;
        }
        struct toml_value *nt = new_value(TOML_TABLE, line, col);
        nt->u.table.flags = T_EXPLICIT;
        array_push(arr, nt);
        p->cur = nt;
    } else {
        if (!e) {
            struct toml_value *nt = new_value(TOML_TABLE, line, col);
            nt->u.table.flags = T_EXPLICIT;
            table_add(t, k.part[last], k.plen[last], k.line[last],
                      k.col[last], nt);
            p->cur = nt;
        } else if (e->type == TOML_TABLE &&
                   e->u.table.flags == T_IMPLICIT) {
            e->u.table.flags |= T_EXPLICIT;
            e->line = line;
            e->col = col;
            p->cur = e;
        } else {
            fail_at(p, hdr_pos, "'%s' is already defined as %s at line %d",
                    k.part[last], kind_of(e), e->line);
            goto fail;
        }
    }
    keypath_free(&k);
    return true;
fail:
    keypath_free(&k);
    return false;
}

/* ---- document ---------------------------------------------------------------- */

static bool validate_utf8(struct parser *p)
{
    size_t i = 0;
    while (i < p->len) {
        unsigned char c = (unsigned char)p->src[i];
        if (c == '\n') {
            p->line++;
            p->line_start = i + 1;
            i++;
            continue;
        }
        if (c < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        int n = utf8_decode((const unsigned char *)p->src + i, p->len - i, &cp);
        if (n < 0) {
            fail_at(p, i, "invalid UTF-8");
            return false;
        }
        i += (size_t)n;
    }
    p->line = 1;
    p->line_start = 0;
    return true;
}

struct toml_value *toml_parse(const char *text, size_t len,
                              const char *filename, char *err, size_t errlen)
{
    struct parser p = {
        .src = text, .len = len, .line = 1, .file = filename ? filename : "-",
        .err = err, .errlen = errlen,
    };
    if (errlen)
        err[0] = '\0';
    if (!validate_utf8(&p))
        return NULL;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        p.pos = p.line_start = 3;
    p.root = new_value(TOML_TABLE, 1, 1);
    p.root->u.table.flags = T_EXPLICIT;
    p.cur = p.root;
    while (p.pos < p.len && !p.failed) {
        skip_ws(&p);
        int c = peek(&p);
        if (c == '#') {
            skip_comment(&p);
        } else if (c == '[') {
            parse_header(&p);
        } else if (c >= 0 && !at_newline(&p)) {
            if (c == '\r')
                FAIL(&p, "carriage return not followed by newline");
            else
                parse_keyval(&p, p.cur);
        }
        if (p.failed)
            break;
        skip_ws(&p);
        skip_comment(&p);
        if (p.failed)
            break;
        if (at_newline(&p))
            eat_newline(&p);
        else if (p.pos < p.len)
            FAIL(&p, peek(&p) == '\r' ? "carriage return not followed by newline"
                                      : "expected a newline after the value");
    }
    if (p.failed) {
        toml_free(p.root);
        return NULL;
    }
    return p.root;
}

/* ---- accessors --------------------------------------------------------------- */

enum toml_type toml_type(const struct toml_value *v) { return v->type; }

const char *toml_type_name(enum toml_type t)
{
    switch (t) {
    case TOML_TABLE: return "table";
    case TOML_ARRAY: return "array";
    case TOML_STRING: return "string";
    case TOML_INTEGER: return "integer";
    case TOML_FLOAT: return "float";
    case TOML_BOOL: return "boolean";
    case TOML_DATETIME: return "datetime";
    case TOML_DATETIME_LOCAL: return "datetime-local";
    case TOML_DATE_LOCAL: return "date-local";
    case TOML_TIME_LOCAL: return "time-local";
    }
    return "?";
}

int toml_line(const struct toml_value *v) { return v->line; }
int toml_col(const struct toml_value *v) { return v->col; }

size_t toml_table_size(const struct toml_value *t)
{
    return t->type == TOML_TABLE ? t->u.table.n : 0;
}

const char *toml_table_key(const struct toml_value *t, size_t i) { return t->u.table.items[i].key; }
size_t toml_table_key_len(const struct toml_value *t, size_t i) { return t->u.table.items[i].keylen; }
int toml_table_key_line(const struct toml_value *t, size_t i) { return t->u.table.items[i].line; }
int toml_table_key_col(const struct toml_value *t, size_t i) { return t->u.table.items[i].col; }

const struct toml_value *toml_table_value(const struct toml_value *t, size_t i)
{
    return t->u.table.items[i].val;
}

const struct toml_value *toml_table_get(const struct toml_value *t,
                                        const char *key)
{
    if (!t || t->type != TOML_TABLE)
        return NULL;
    return table_find(t, key, strlen(key));
}

size_t toml_array_size(const struct toml_value *a)
{
    return a->type == TOML_ARRAY ? a->u.array.n : 0;
}

const struct toml_value *toml_array_at(const struct toml_value *a, size_t i)
{
    return a->u.array.items[i];
}

const char *toml_string(const struct toml_value *v)
{
    return v->type == TOML_STRING ? v->u.str.s : NULL;
}

size_t toml_string_len(const struct toml_value *v)
{
    return v->type == TOML_STRING ? v->u.str.len : 0;
}

int64_t toml_integer(const struct toml_value *v)
{
    return v->type == TOML_INTEGER ? v->u.i : 0;
}

double toml_float(const struct toml_value *v)
{
    if (v->type == TOML_FLOAT)
        return v->u.f;
    if (v->type == TOML_INTEGER)
        return (double)v->u.i;
    return 0;
}

bool toml_bool(const struct toml_value *v)
{
    return v->type == TOML_BOOL && v->u.b;
}

const struct toml_datetime *toml_datetime(const struct toml_value *v)
{
    switch (v->type) {
    case TOML_DATETIME:
    case TOML_DATETIME_LOCAL:
    case TOML_DATE_LOCAL:
    case TOML_TIME_LOCAL:
        return &v->u.dt;
    default:
        return NULL;
    }
}

void toml_datetime_format(const struct toml_value *v, char *buf, size_t len)
{
    const struct toml_datetime *d = toml_datetime(v);
    if (!d) {
        snprintf(buf, len, "?");
        return;
    }
    char date[16] = "", time[48] = "", frac[24] = "", off[16] = "";
    snprintf(date, sizeof date, "%04d-%02d-%02d", d->year, d->month, d->day);
    if (d->frac_digits > 0) {
        char ns[16];
        snprintf(ns, sizeof ns, "%09ld", d->nanosecond);
        ns[d->frac_digits] = '\0';
        snprintf(frac, sizeof frac, ".%s", ns);
    }
    snprintf(time, sizeof time, "%02d:%02d:%02d%s", d->hour, d->minute,
             d->second, frac);
    if (v->type == TOML_DATETIME) {
        if (d->offset_minutes == 0)
            snprintf(off, sizeof off, "Z");
        else
            snprintf(off, sizeof off, "%c%02d:%02d",
                     d->offset_minutes < 0 ? '-' : '+',
                     abs(d->offset_minutes) / 60, abs(d->offset_minutes) % 60);
    }
    switch (v->type) {
    case TOML_DATE_LOCAL:
        snprintf(buf, len, "%s", date);
        break;
    case TOML_TIME_LOCAL:
        snprintf(buf, len, "%s", time);
        break;
    default:
        snprintf(buf, len, "%sT%s%s", date, time, off);
        break;
    }
}
