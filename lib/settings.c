/* settings.c - settings from TOML by key tables (see settings.h). */
#include "lib/settings.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/xalloc.h"

#define FIELD(settings, off, T) ((T *)(void *)((char *)(settings) + (off)))
#define WIDTH 80

/* ---- reporting --------------------------------------------------------------------- */

static void verror_at(struct settings_ctx *c, int line, int col, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
static void verror_at(struct settings_ctx *c, int line, int col, const char *fmt, va_list ap)
{
    c->nerrors++;
    if (!c->errors)
        return;
    strbuf_printf(c->errors, "%s:%d:%d: ", c->file, line, col);
    strbuf_vprintf(c->errors, fmt, ap);
    strbuf_putc(c->errors, '\n');
}

void settings_error_at(struct settings_ctx *c, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror_at(c, line, col, fmt, ap);
    va_end(ap);
}

void settings_error(struct settings_ctx *c, const struct toml_value *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror_at(c, toml_line(v), toml_col(v), fmt, ap);
    va_end(ap);
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb];
}

const char *settings_near(const char *word, const char *const *allowed)
{
    const char *best = NULL;
    size_t best_d = 99;
    for (const char *const *a = allowed; *a; a++) {
        /* a word cut short ("api_key" for "api_key_env") is a near miss */
        size_t d = strncmp(*a, word, strlen(word)) == 0 ? 1 : edit_distance(word, *a);
        if (d < best_d) {
            best_d = d;
            best = *a;
        }
    }
    size_t limit = strlen(word) / 3 < 2 ? 2 : strlen(word) / 3;
    return best_d <= limit ? best : NULL;
}

static bool is_one_of(const char *word, const char *const *allowed)
{
    for (const char *const *a = allowed; *a; a++)
        if (strcmp(*a, word) == 0)
            return true;
    return false;
}

void settings_join(struct strbuf *out, const char *const *names, const char *quote,
                   const char *sep, const char *last)
{
    for (const char *const *n = names; *n; n++) {
        if (n != names)
            strbuf_puts(out, n[1] ? sep : last);
        strbuf_printf(out, "%s%s%s", quote, *n, quote);
    }
}

const struct toml_value *settings_want(struct settings_ctx *c, const struct toml_value *tbl,
                                       const char *key, enum toml_type t, const char *what)
{
    const struct toml_value *v = toml_table_get(tbl, key);
    if (!v)
        return NULL;
    bool ok = toml_type(v) == t || (t == TOML_FLOAT && toml_type(v) == TOML_INTEGER);
    if (!ok) {
        settings_error(c, v, "'%s' must be %s, not %s", key, what, toml_type_name(toml_type(v)));
        return NULL;
    }
    return v;
}

/* ---- one value of each type: true if v was valid and is now in place --------------- */

static void free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

/* HOST:PORT as the receivers bind it: an IPv4 address, [an IPv6
 * address] or nothing (every IPv4 interface), and a port 1..65535. NULL,
 * or why not. */
static const char *hostport_error(const char *s)
{
    const char *colon = strrchr(s, ':');
    if (!colon)
        return "HOST:PORT";
    const char *port = colon + 1;
    size_t n = strlen(port);
    if (n == 0 || n > 5 || strspn(port, "0123456789") != n || atoi(port) < 1 ||
        atoi(port) > 65535)
        return "HOST:PORT with a port from 1 to 65535";
    char host[64];
    size_t hl = (size_t)(colon - s);
    if (hl >= sizeof host)
        return "HOST:PORT with HOST an IP address";
    memcpy(host, s, hl);
    host[hl] = '\0';
    unsigned char addr[16];
    if (hl == 0 || inet_pton(AF_INET, host, addr) == 1)
        return NULL;
    if (hl > 2 && host[0] == '[' && host[hl - 1] == ']') {
        host[hl - 1] = '\0';
        if (inet_pton(AF_INET6, host + 1, addr) == 1)
            return NULL;
    }
    return "HOST:PORT with HOST an IPv4 address or [an IPv6 address] (not a name)";
}

static bool load_string(struct settings_ctx *c, const struct setting *k,
                        const struct toml_value *v, void *settings)
{
    if (toml_type(v) != TOML_STRING) {
        settings_error(c, v, "'%s' must be a string, not %s", k->name,
                       toml_type_name(toml_type(v)));
        return false;
    }
    if (strlen(toml_string(v)) != toml_string_len(v)) {
        settings_error(c, v, "'%s' must not contain NUL characters", k->name);
        return false;
    }
    const char *why;
    if (k->type == SETTING_HOSTPORT && (why = hostport_error(toml_string(v)))) {
        settings_error(c, v, "'%s' must be %s", k->name, why);
        return false;
    }
    char **out = FIELD(settings, k->offset, char *);
    free(*out);
    *out = xstrdup(toml_string(v));
    return true;
}

static bool load_list(struct settings_ctx *c, const struct setting *k,
                      const struct toml_value *v, void *settings)
{
    char ***out = FIELD(settings, k->offset, char **);
    size_t *n = FIELD(settings, k->count_offset, size_t);
    bool single_ok = k->type != SETTING_LIST;
    if (single_ok && toml_type(v) == TOML_STRING) {
        free_list(*out, *n);
        *out = xcalloc(2, sizeof **out);
        (*out)[0] = xstrdup(toml_string(v));
        *n = 1;
        return true;
    }
    if (toml_type(v) != TOML_ARRAY) {
        settings_error(c, v, "'%s' must be %s", k->name,
                       single_ok ? "a string or an array of strings" : "an array of strings");
        return false;
    }
    size_t count = toml_array_size(v);
    for (size_t i = 0; i < count; i++) {
        if (toml_type(toml_array_at(v, i)) != TOML_STRING) {
            settings_error(c, toml_array_at(v, i), "'%s' must contain only strings", k->name);
            return false;
        }
    }
    free_list(*out, *n);
    /* NULL-terminated: an argv (hook commands) goes straight to exec */
    *out = xcalloc(count + 1, sizeof **out);
    for (size_t i = 0; i < count; i++)
        (*out)[i] = xstrdup(toml_string(toml_array_at(v, i)));
    *n = count;
    return true;
}

/* SETTING_NAMES: a list whose every entry is one of k->names. */
static bool load_names(struct settings_ctx *c, const struct setting *k,
                       const struct toml_value *v, void *settings)
{
    if (!load_list(c, k, v, settings))
        return false;
    char **names = *FIELD(settings, k->offset, char **);
    size_t n = *FIELD(settings, k->count_offset, size_t);
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        if (is_one_of(names[i], k->names))
            continue;
        ok = false;
        const char *near = settings_near(names[i], k->names);
        if (near) {
            settings_error(c, v, "unknown %s '%s' (did you mean '%s'?)", k->noun, names[i], near);
            continue;
        }
        struct strbuf list = {0};
        settings_join(&list, k->names, "", ", ", ", ");
        settings_error(c, v, "unknown %s '%s' (one of %s)", k->noun, names[i], strbuf_str(&list));
        strbuf_free(&list);
    }
    return ok;
}

static bool load_enum(struct settings_ctx *c, const struct setting *k,
                      const struct toml_value *v, void *settings)
{
    for (const char *const *n = k->names; toml_type(v) == TOML_STRING && *n; n++) {
        if (strcmp(*n, toml_string(v)) == 0) {
            *FIELD(settings, k->offset, const char *) = *n;
            return true;
        }
    }
    struct strbuf list = {0};
    settings_join(&list, k->names, "\"", ", ", " or ");
    settings_error(c, v, "'%s' must be %s", k->name, strbuf_str(&list));
    strbuf_free(&list);
    return false;
}

static bool load_int(struct settings_ctx *c, const struct setting *k,
                     const struct toml_value *v, void *settings)
{
    if (toml_type(v) != TOML_INTEGER) {
        settings_error(c, v, "'%s' must be an integer, not %s", k->name,
                       toml_type_name(toml_type(v)));
        return false;
    }
    int64_t i = toml_integer(v);
    if (i < k->imin || i > k->imax) {
        settings_error(c, v, "'%s' must be between %lld and %lld", k->name,
                       (long long)k->imin, (long long)k->imax);
        return false;
    }
    *FIELD(settings, k->offset, int64_t) = i;
    return true;
}

static bool load_duration(struct settings_ctx *c, const struct setting *k,
                          const struct toml_value *v, void *settings)
{
    int64_t s;
    if (toml_type(v) != TOML_STRING || clock_parse_duration(toml_string(v), &s) != 0) {
        const char *t = toml_type(v) == TOML_STRING ? toml_string(v) : "";
        size_t n = strlen(t);
        if (n > 2 && strcmp(t + n - 2, "ms") == 0)
            /* every duration spendtop has is a second or more: say so */
            settings_error(c, v, "'%s' must be whole seconds or more (\"1s\", \"5m\", "
                           "\"1h\"): no spendtop setting is finer than a second",
                           k->name);
        else
            settings_error(c, v, "'%s' must be a duration like \"30s\", \"5m\", \"1h\"",
                           k->name);
        return false;
    }
    if (s < k->imin || s > k->imax) {
        char lo[16], hi[16];
        clock_format_duration(k->imin, lo, sizeof lo);
        clock_format_duration(k->imax, hi, sizeof hi);
        settings_error(c, v, "'%s' must be between %s and %s", k->name, lo, hi);
        return false;
    }
    *FIELD(settings, k->offset, int64_t) = s;
    return true;
}

static bool load_float(struct settings_ctx *c, const struct setting *k,
                       const struct toml_value *v, void *settings)
{
    if (toml_type(v) != TOML_FLOAT && toml_type(v) != TOML_INTEGER) {
        settings_error(c, v, "'%s' must be a number, not %s", k->name,
                       toml_type_name(toml_type(v)));
        return false;
    }
    double d = toml_float(v);
    if (!(d >= k->min && d <= k->max)) {
        settings_error(c, v, "'%s' must be between %g and %g", k->name, k->min, k->max);
        return false;
    }
    *FIELD(settings, k->offset, double) = d;
    return true;
}

static bool load_bool(struct settings_ctx *c, const struct setting *k,
                      const struct toml_value *v, void *settings)
{
    if (toml_type(v) != TOML_BOOL) {
        settings_error(c, v, "'%s' must be true or false, not %s", k->name,
                       toml_type_name(toml_type(v)));
        return false;
    }
    *FIELD(settings, k->offset, bool) = toml_bool(v);
    return true;
}

static bool load_map(struct settings_ctx *c, const struct setting *k,
                     const struct toml_value *v, void *settings)
{
    if (toml_type(v) != TOML_TABLE) {
        settings_error(c, v, "'%s' must be a table, not %s", k->name,
                       toml_type_name(toml_type(v)));
        return false;
    }
    size_t count = toml_table_size(v);
    bool ok = true;
    for (size_t i = 0; i < count; i++) {
        const struct toml_value *e = toml_table_value(v, i);
        if (toml_type(e) != TOML_STRING) {
            settings_error(c, e, "'%s.%s' must be a string", k->name, toml_table_key(v, i));
            ok = false;
        }
    }
    if (!ok)
        return false;
    char ***keys = FIELD(settings, k->offset, char **);
    char ***values = FIELD(settings, k->value_offset, char **);
    size_t *n = FIELD(settings, k->count_offset, size_t);
    free_list(*keys, *n);
    free_list(*values, *n);
    *keys = xcalloc(count + 1, sizeof **keys);
    *values = xcalloc(count + 1, sizeof **values);
    for (size_t i = 0; i < count; i++) {
        (*keys)[i] = xstrdup(toml_table_key(v, i));
        (*values)[i] = xstrdup(toml_string(toml_table_value(v, i)));
    }
    *n = count;
    return true;
}

/* ---- rows ------------------------------------------------------------------------- */

static void load_row(struct settings_ctx *c, const struct toml_value *tbl,
                     const struct setting *k, void *settings, const char *what,
                     bool checks);

static void load_rows(struct settings_ctx *c, const struct toml_value *tbl,
                      const struct setting *keys, void *settings, const char *what,
                      bool checks)
{
    for (const struct setting *k = keys; k->name; k++)
        load_row(c, tbl, k, settings, what, checks);
}

bool settings_load_value(struct settings_ctx *c, const struct setting *k,
                         const struct toml_value *v, void *settings)
{
    switch (k->type) {
    case SETTING_STRING:
    case SETTING_ENV:
    case SETTING_HOSTPORT: return load_string(c, k, v, settings);
    case SETTING_LIST:
    case SETTING_STRING_OR_LIST: return load_list(c, k, v, settings);
    case SETTING_NAMES: return load_names(c, k, v, settings);
    case SETTING_ENUM: return load_enum(c, k, v, settings);
    case SETTING_INT: return load_int(c, k, v, settings);
    case SETTING_DURATION: return load_duration(c, k, v, settings);
    case SETTING_FLOAT: return load_float(c, k, v, settings);
    case SETTING_BOOL: return load_bool(c, k, v, settings);
    case SETTING_MAP: return load_map(c, k, v, settings);
    case SETTING_CUSTOM: return k->parse(c, k, v, settings);
    case SETTING_INCLUDE: break;
    }
    return false;
}

/* checks false: loading the program's own defaults, whose checks may do
 * I/O (a file's mode) that means nothing for them. */
static void load_row(struct settings_ctx *c, const struct toml_value *tbl,
                     const struct setting *k, void *settings, const char *what,
                     bool checks)
{
    if (k->type == SETTING_INCLUDE) {
        load_rows(c, tbl, k->include, FIELD(settings, k->offset, char), what, checks);
        return;
    }
    const struct toml_value *v = toml_table_get(tbl, k->name);
    if (!v) {
        if (k->required && checks)
            settings_error(c, tbl, "%s needs a '%s'%s%s%s", what, k->name,
                           k->need ? " (" : "", k->need ? k->need : "", k->need ? ")" : "");
        return;
    }
    if (settings_load_value(c, k, v, settings) && k->check && checks)
        k->check(c, v, settings);
}

void settings_load(struct settings_ctx *c, const struct toml_value *tbl,
                   const struct setting *keys, void *settings, const char *what)
{
    load_rows(c, tbl, keys, settings, what, true);
}

const struct setting *settings_find(const struct setting *keys, const char *key,
                                    size_t *settings_offset)
{
    for (const struct setting *k = keys; k->name; k++) {
        if (k->type == SETTING_INCLUDE) {
            size_t inner = 0;
            const struct setting *f = settings_find(k->include, key, &inner);
            if (f) {
                if (settings_offset)
                    *settings_offset = k->offset + inner;
                return f;
            }
        } else if (strcmp(k->name, key) == 0) {
            if (settings_offset)
                *settings_offset = 0;
            return k;
        }
    }
    return NULL;
}

void settings_load_key(struct settings_ctx *c, const struct toml_value *tbl,
                       const struct setting *keys, const char *key, void *settings,
                       const char *what)
{
    size_t off = 0;
    const struct setting *k = settings_find(keys, key, &off);
    if (!k)
        abort(); /* a caller naming a row its own table lacks */
    load_row(c, tbl, k, FIELD(settings, off, char), what, true);
}

static void defaults_level(const struct setting *keys, void *settings)
{
    struct strbuf text = {0};
    for (const struct setting *k = keys; k->name; k++) {
        if (k->type == SETTING_INCLUDE)
            defaults_level(k->include, FIELD(settings, k->offset, char));
        else if (k->def)
            strbuf_printf(&text, "%s = %s\n", k->name, k->def);
    }
    char err[256] = "";
    struct strbuf errors = {0};
    struct settings_ctx c = {"(defaults)", &errors, 0};
    struct toml_value *root = toml_parse(strbuf_str(&text), text.len, "(defaults)", err,
                                         sizeof err);
    for (const struct setting *k = keys; root && k->name; k++)
        if (k->type != SETTING_INCLUDE && k->def)
            load_row(&c, root, k, settings, "(defaults)", false);
    if (!root || c.nerrors) {
        /* a bug in a table, caught by any test that loads it */
        fprintf(stderr, "spendtop: a default in a key table does not load:\n%s%s%s\n",
                strbuf_str(&text), err, strbuf_str(&errors));
        abort();
    }
    toml_free(root);
    strbuf_free(&text);
    strbuf_free(&errors);
}

void settings_defaults(const struct setting *keys, void *settings)
{
    defaults_level(keys, settings);
}

static void collect_names(const struct setting *keys, const char ***names, size_t *n,
                          size_t *cap)
{
    for (const struct setting *k = keys; k->name; k++) {
        if (k->type == SETTING_INCLUDE) {
            collect_names(k->include, names, n, cap);
            continue;
        }
        xgrow(names, cap, *n + 2, sizeof **names);
        (*names)[(*n)++] = k->name;
        (*names)[*n] = NULL;
    }
}

void settings_check_unknown(struct settings_ctx *c, const struct toml_value *tbl,
                            const struct setting *const *tables, size_t ntables,
                            const char *where)
{
    const char **names = NULL;
    size_t n = 0, cap = 0;
    xgrow(&names, &cap, 1, sizeof *names);
    names[0] = NULL;
    for (size_t i = 0; i < ntables; i++)
        collect_names(tables[i], &names, &n, &cap);
    for (size_t i = 0; i < toml_table_size(tbl); i++) {
        const char *key = toml_table_key(tbl, i);
        if (is_one_of(key, names))
            continue;
        const char *near = settings_near(key, names);
        if (near)
            settings_error_at(c, toml_table_key_line(tbl, i), toml_table_key_col(tbl, i),
                              "unknown key '%s' in %s (did you mean '%s'?)", key, where, near);
        else
            settings_error_at(c, toml_table_key_line(tbl, i), toml_table_key_col(tbl, i),
                              "unknown key '%s' in %s", key, where);
    }
    free(names);
}

void settings_free(const struct setting *keys, void *settings)
{
    for (const struct setting *k = keys; k->name; k++) {
        switch (k->type) {
        case SETTING_STRING:
        case SETTING_ENV:
        case SETTING_HOSTPORT:
            free(*FIELD(settings, k->offset, char *));
            *FIELD(settings, k->offset, char *) = NULL;
            break;
        case SETTING_LIST:
        case SETTING_STRING_OR_LIST:
        case SETTING_NAMES:
            free_list(*FIELD(settings, k->offset, char **),
                      *FIELD(settings, k->count_offset, size_t));
            *FIELD(settings, k->offset, char **) = NULL;
            *FIELD(settings, k->count_offset, size_t) = 0;
            break;
        case SETTING_MAP:
            free_list(*FIELD(settings, k->offset, char **),
                      *FIELD(settings, k->count_offset, size_t));
            free_list(*FIELD(settings, k->value_offset, char **),
                      *FIELD(settings, k->count_offset, size_t));
            *FIELD(settings, k->offset, char **) = NULL;
            *FIELD(settings, k->value_offset, char **) = NULL;
            *FIELD(settings, k->count_offset, size_t) = 0;
            break;
        case SETTING_CUSTOM:
            if (k->release)
                k->release(k, settings);
            break;
        case SETTING_INCLUDE:
            settings_free(k->include, FIELD(settings, k->offset, char));
            break;
        case SETTING_ENUM:
        case SETTING_INT:
        case SETTING_DURATION:
        case SETTING_FLOAT:
        case SETTING_BOOL:
            break;
        }
    }
}

/* ---- comparing ---------------------------------------------------------------------- */

#define CFIELD(settings, off, T) ((T const *)(const void *)((const char *)(settings) + (off)))

static bool same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_list(char **a, char **b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!same_text(a[i], b[i]))
            return false;
    return true;
}

/* One row of keys in a and b. */
static bool same_value(const struct setting *k, const void *a, const void *b)
{
    switch (k->type) {
    case SETTING_STRING:
    case SETTING_ENV:
    case SETTING_HOSTPORT:
    case SETTING_ENUM:
        return same_text(*CFIELD(a, k->offset, char *), *CFIELD(b, k->offset, char *));
    case SETTING_LIST:
    case SETTING_STRING_OR_LIST:
    case SETTING_NAMES:
    case SETTING_MAP: {
        size_t n = *CFIELD(a, k->count_offset, size_t);
        if (n != *CFIELD(b, k->count_offset, size_t) ||
            !same_list(*CFIELD(a, k->offset, char **), *CFIELD(b, k->offset, char **), n))
            return false;
        return k->type != SETTING_MAP ||
               same_list(*CFIELD(a, k->value_offset, char **),
                         *CFIELD(b, k->value_offset, char **), n);
    }
    case SETTING_INT:
    case SETTING_DURATION:
        return *CFIELD(a, k->offset, int64_t) == *CFIELD(b, k->offset, int64_t);
    case SETTING_FLOAT: {
        double x = *CFIELD(a, k->offset, double), y = *CFIELD(b, k->offset, double);
        return x == y || (isnan(x) && isnan(y));
    }
    case SETTING_BOOL:
        return *CFIELD(a, k->offset, bool) == *CFIELD(b, k->offset, bool);
    case SETTING_INCLUDE:
        return settings_equal(k->include, CFIELD(a, k->offset, char),
                              CFIELD(b, k->offset, char));
    case SETTING_CUSTOM:
        break;
    }
    return false; /* a custom row's value is its parser's: not known to be equal */
}

bool settings_equal(const struct setting *keys, const void *a, const void *b)
{
    for (const struct setting *k = keys; k->name; k++)
        if (!same_value(k, a, b))
            return false;
    return true;
}

/* ---- the example -------------------------------------------------------------------- */

/* Words of text onto out, which is at column col just after a comment
 * mark; a word that would pass WIDTH starts a new line with indent. */
static void wrap(struct strbuf *out, const char *text, int col, const char *indent)
{
    bool fresh = true;
    for (const char *p = text; *p;) {
        int word = (int)strcspn(p, " ");
        if (!fresh && col + 1 + word > WIDTH) {
            strbuf_printf(out, "\n%s", indent);
            col = (int)strlen(indent);
            fresh = true;
        }
        if (!fresh) {
            strbuf_putc(out, ' ');
            col++;
        }
        strbuf_append(out, p, (size_t)word);
        col += word;
        fresh = false;
        p += word;
        while (*p == ' ')
            p++;
    }
}

void settings_write_comment(struct strbuf *out, const char *text)
{
    strbuf_puts(out, "# ");
    wrap(out, text, 2, "# ");
    strbuf_putc(out, '\n');
}

void settings_write_line(struct strbuf *out, bool commented, const char *assign,
                         const char *doc, int doc_col)
{
    size_t start = out->len;
    strbuf_printf(out, "%s%s", commented ? "# " : "", assign);
    if (doc && *doc) {
        int col = (int)(out->len - start);
        char indent[WIDTH + 4];
        snprintf(indent, sizeof indent, "%-*s# ", doc_col, commented ? "#" : "");
        if (col + 24 > WIDTH) {
            /* no room to the right: the doc goes under the line */
            strbuf_printf(out, "\n%s", indent);
            col = (int)strlen(indent);
        } else {
            int pad = col < doc_col ? doc_col - col : 1;
            strbuf_printf(out, "%*s# ", pad, "");
            col += pad + 2;
        }
        wrap(out, doc, col, indent);
    }
    strbuf_putc(out, '\n');
}

/* The doc of a row, with what a name may be where the type says. */
static void row_doc(const struct setting *k, struct strbuf *doc)
{
    if (k->type == SETTING_ENUM || (k->type == SETTING_CUSTOM && k->names)) {
        settings_join(doc, k->names, "\"", " | ", " | ");
        if (k->doc && *k->doc)
            strbuf_printf(doc, ": %s", k->doc);
    } else if (k->type == SETTING_NAMES) {
        strbuf_printf(doc, "%s: ", k->doc ? k->doc : "");
        settings_join(doc, k->names, "", ", ", ", ");
    } else if (k->doc) {
        strbuf_puts(doc, k->doc);
    }
}

static bool is_block(const struct setting *k)
{
    return !k->def && k->example && strchr(k->example, '\n');
}

void settings_write_key(struct strbuf *out, const struct setting *k, bool commented,
                        int doc_col)
{
    if (!k->def && !k->example)
        return;
    struct strbuf doc = {0};
    row_doc(k, &doc);
    if (is_block(k)) {
        settings_write_comment(out, strbuf_str(&doc));
        for (const char *p = k->example; *p;) {
            size_t n = strcspn(p, "\n");
            strbuf_puts(out, "# ");
            strbuf_append(out, p, n);
            strbuf_putc(out, '\n');
            p += n + (p[n] == '\n');
        }
    } else {
        struct strbuf assign = {0};
        strbuf_printf(&assign, "%s = %s", k->name, k->def ? k->def : k->example);
        settings_write_line(out, commented || !k->def, strbuf_str(&assign), strbuf_str(&doc),
                            doc_col);
        strbuf_free(&assign);
    }
    strbuf_free(&doc);
}

static void write_rows(const struct setting *keys, bool commented, int doc_col,
                       bool blocks, struct strbuf *out)
{
    for (const struct setting *k = keys; k->name; k++) {
        if (k->type == SETTING_INCLUDE)
            write_rows(k->include, commented, doc_col, blocks, out);
        else if (is_block(k) == blocks)
            settings_write_key(out, k, commented, doc_col);
    }
}

void settings_write_example(const struct setting *keys, bool commented, int doc_col,
                            struct strbuf *out)
{
    write_rows(keys, commented, doc_col, false, out);
    write_rows(keys, commented, doc_col, true, out);
}
