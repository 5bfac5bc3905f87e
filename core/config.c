/* config.c - configuration (see config.h). */
#include "core/config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/window.h"
#include "lib/clock.h"
#include "lib/toml.h"
#include "lib/xalloc.h"
#include "pricing/pricing.h"

#define MiB (1024 * 1024)

/* ---- error reporting --------------------------------------------------------- */

struct ctx {
    const char *file;
    struct strbuf *errors;
    int nerrors;
};

static void err_at(struct ctx *c, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void err_at(struct ctx *c, int line, int col, const char *fmt, ...)
{
    strbuf_printf(c->errors, "%s:%d:%d: ", c->file, line, col);
    va_list ap;
    va_start(ap, fmt);
    strbuf_vprintf(c->errors, fmt, ap);
    va_end(ap);
    strbuf_putc(c->errors, '\n');
    c->nerrors++;
}

static void err_val(struct ctx *c, const struct toml_value *v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void err_val(struct ctx *c, const struct toml_value *v, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    err_at(c, toml_line(v), toml_col(v), "%s", msg);
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

/* Is word one of allowed (NULL-terminated)? If not, *near is the allowed
 * word it was probably meant to be, or NULL. */
static bool known(const char *word, const char *const *allowed, const char **near)
{
    const char *best = NULL;
    size_t best_d = 99;
    for (const char *const *a = allowed; *a; a++) {
        if (strcmp(*a, word) == 0)
            return true;
        /* a word cut short ("api_key" for "api_key_env") is a near miss */
        size_t d = strncmp(*a, word, strlen(word)) == 0 ? 1 : edit_distance(word, *a);
        if (d < best_d) {
            best_d = d;
            best = *a;
        }
    }
    size_t limit = strlen(word) / 3 < 2 ? 2 : strlen(word) / 3;
    *near = best_d <= limit ? best : NULL;
    return false;
}

/* Every key of tbl must be in allowed (NULL-terminated). */
static void check_keys(struct ctx *c, const struct toml_value *tbl,
                       const char *const *allowed, const char *where)
{
    for (size_t i = 0; i < toml_table_size(tbl); i++) {
        const char *key = toml_table_key(tbl, i), *near;
        if (known(key, allowed, &near))
            continue;
        if (near)
            err_at(c, toml_table_key_line(tbl, i), toml_table_key_col(tbl, i),
                   "unknown key '%s' in %s (did you mean '%s'?)", key, where, near);
        else
            err_at(c, toml_table_key_line(tbl, i), toml_table_key_col(tbl, i),
                   "unknown key '%s' in %s", key, where);
    }
}

/* ---- typed getters: true if present and valid ------------------------------------ */

static const struct toml_value *want(struct ctx *c, const struct toml_value *tbl,
                                     const char *key, enum toml_type t,
                                     const char *what)
{
    const struct toml_value *v = toml_table_get(tbl, key);
    if (!v)
        return NULL;
    bool ok = toml_type(v) == t ||
              (t == TOML_FLOAT && toml_type(v) == TOML_INTEGER);
    if (!ok) {
        err_val(c, v, "'%s' must be %s, not %s", key, what,
                toml_type_name(toml_type(v)));
        return NULL;
    }
    return v;
}

static bool get_str(struct ctx *c, const struct toml_value *tbl,
                    const char *key, char **out)
{
    const struct toml_value *v = want(c, tbl, key, TOML_STRING, "a string");
    if (!v)
        return false;
    if (strlen(toml_string(v)) != toml_string_len(v)) {
        err_val(c, v, "'%s' must not contain NUL characters", key);
        return false;
    }
    free(*out);
    *out = xstrdup(toml_string(v));
    return true;
}

static bool get_num(struct ctx *c, const struct toml_value *tbl,
                    const char *key, double *out, double min, double max)
{
    const struct toml_value *v = want(c, tbl, key, TOML_FLOAT, "a number");
    if (!v)
        return false;
    double d = toml_float(v);
    if (!(d >= min && d <= max)) {
        err_val(c, v, "'%s' must be between %g and %g", key, min, max);
        return false;
    }
    *out = d;
    return true;
}

static bool get_int(struct ctx *c, const struct toml_value *tbl,
                    const char *key, int64_t *out, int64_t min, int64_t max)
{
    const struct toml_value *v = want(c, tbl, key, TOML_INTEGER, "an integer");
    if (!v)
        return false;
    int64_t i = toml_integer(v);
    if (i < min || i > max) {
        err_val(c, v, "'%s' must be between %lld and %lld", key,
                (long long)min, (long long)max);
        return false;
    }
    *out = i;
    return true;
}

static bool parse_dur(struct ctx *c, const struct toml_value *v,
                      const char *key, int64_t *out, int64_t min, int64_t max)
{
    int64_t s;
    if (toml_type(v) != TOML_STRING || clock_parse_duration(toml_string(v), &s) != 0) {
        err_val(c, v, "'%s' must be a duration like \"30s\", \"5m\", \"1h\"", key);
        return false;
    }
    if (s < min || s > max) {
        char lo[16], hi[16];
        clock_format_duration(min, lo, sizeof lo);
        clock_format_duration(max, hi, sizeof hi);
        err_val(c, v, "'%s' must be between %s and %s", key, lo, hi);
        return false;
    }
    *out = s;
    return true;
}

static bool get_dur(struct ctx *c, const struct toml_value *tbl,
                    const char *key, int64_t *out, int64_t min, int64_t max)
{
    const struct toml_value *v = toml_table_get(tbl, key);
    return v ? parse_dur(c, v, key, out, min, max) : false;
}

static void free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

/* An array of strings (or, with single_ok, one string). */
static bool get_strlist(struct ctx *c, const struct toml_value *tbl,
                        const char *key, char ***out, size_t *n, bool single_ok)
{
    const struct toml_value *v = toml_table_get(tbl, key);
    if (!v)
        return false;
    if (single_ok && toml_type(v) == TOML_STRING) {
        free_list(*out, *n);
        *out = xcalloc(2, sizeof **out);
        (*out)[0] = xstrdup(toml_string(v));
        *n = 1;
        return true;
    }
    if (toml_type(v) != TOML_ARRAY) {
        err_val(c, v, "'%s' must be %s", key,
                single_ok ? "a string or an array of strings" : "an array of strings");
        return false;
    }
    size_t count = toml_array_size(v);
    for (size_t i = 0; i < count; i++) {
        if (toml_type(toml_array_at(v, i)) != TOML_STRING) {
            err_val(c, toml_array_at(v, i), "'%s' must contain only strings", key);
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

static const struct toml_value *get_table(struct ctx *c, const struct toml_value *tbl,
                                          const char *key)
{
    return want(c, tbl, key, TOML_TABLE, "a table");
}

/* ---- defaults ------------------------------------------------------------------- */

/* $HOME, else the password database's: cron jobs, systemd services without
 * User= and CI runners may start us with no HOME, and the 7-day history
 * belongs in the user's home, not in /tmp (lost on reboot). */
static const char *home_dir(void)
{
    const char *home = getenv("HOME");
    if (home && home[0] == '/')
        return home;
    const struct passwd *pw = getpwuid(getuid());
    return pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
}

void config_state_dir(char *buf, size_t len)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = home_dir();
    if (xdg && xdg[0] == '/')
        snprintf(buf, len, "%s/spendtop", xdg);
    else if (home)
        snprintf(buf, len, "%s/.local/state/spendtop", home);
    else
        snprintf(buf, len, "/tmp/spendtop-%ld", (long)getuid());
}

static char *state_file(const char *name)
{
    char dir[4096], path[4200];
    config_state_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return xstrdup(path);
}

struct config *config_defaults(void)
{
    struct config *cfg = xcalloc(1, sizeof *cfg);
    cfg->refresh = 1;
    cfg->timezone = xstrdup("UTC");
    cfg->window = 3600;
    cfg->db_path = state_file("spendtop.db");
    cfg->log_path = state_file("spendtop.log");
    struct config_alerts *a = &cfg->alerts;
    a->factor = 1.5;
    a->min_spend_usd = 1.0;
    a->model_spike = 5;
    a->min_requests = 20;
    a->mix_shift = 0.25;
    a->cache_drop = 0.20;
    a->min_input_tokens = 100000;
    a->reasoning_factor = 2;
    a->stale_after = 15 * 60;
    a->for_s = 5 * 60;
    a->repeat = 3600;
    a->keep_resolved = 24 * 3600;
    a->nwindows = 2;
    a->windows = xmalloc(2 * sizeof *a->windows);
    a->windows[0] = 3600;
    a->windows[1] = 86400;
    return cfg;
}

static void source_defaults(struct config_source *s)
{
    s->poll_interval = 1;
    s->tenant_attrs = xmalloc(sizeof *s->tenant_attrs);
    s->tenant_attrs[0] = xstrdup("tenant.id");
    s->ntenant_attrs = 1;
    s->listen = xstrdup("127.0.0.1:4318");
    s->max_body = 16 * MiB;
    s->interval = 60;
    s->timeout = 30;
}

/* ---- sections --------------------------------------------------------------------- */

static void load_general(struct ctx *c, struct config *cfg, const struct toml_value *g)
{
    static const char *const keys[] = {"refresh", "timezone", "window", "db", "log", NULL};
    check_keys(c, g, keys, "[general]");
    get_dur(c, g, "refresh", &cfg->refresh, 1, 3600);
    if (get_str(c, g, "timezone", &cfg->timezone) && !clock_timezone_exists(cfg->timezone))
        err_val(c, toml_table_get(g, "timezone"), "unknown time zone '%s' (use "
                "\"UTC\", \"local\" or a name like \"Europe/Berlin\")", cfg->timezone);
    const struct toml_value *w = toml_table_get(g, "window");
    if (w) {
        int64_t s = 0;
        if (toml_type(w) != TOML_STRING || clock_parse_duration(toml_string(w), &s) != 0 ||
            !window_exists(s)) {
            struct strbuf list = {0};
            window_list(&list, true);
            err_val(c, w, "'window' must be %s", strbuf_str(&list));
            strbuf_free(&list);
        } else {
            cfg->window = s;
        }
    }
    get_str(c, g, "db", &cfg->db_path);
    get_str(c, g, "log", &cfg->log_path);
}

static void load_pricing(struct ctx *c, struct config *cfg, const struct toml_value *p)
{
    static const char *const keys[] = {"file", "discounts", "aliases", "models", NULL};
    check_keys(c, p, keys, "[pricing]");
    if (get_str(c, p, "file", &cfg->pricing_file) && access(cfg->pricing_file, R_OK) != 0)
        err_val(c, toml_table_get(p, "file"), "cannot read price file '%s': %s",
                cfg->pricing_file, strerror(errno));
    const struct toml_value *d = get_table(c, p, "discounts");
    for (size_t i = 0; d && i < toml_table_size(d); i++) {
        const struct toml_value *v = toml_table_value(d, i);
        if (toml_type(v) != TOML_FLOAT && toml_type(v) != TOML_INTEGER) {
            err_val(c, v, "discount for '%s' must be a number (0.15 = 15%% off)",
                    toml_table_key(d, i));
            continue;
        }
        double f = toml_float(v);
        if (!(f >= 0 && f < 1)) {
            err_val(c, v, "discount for '%s' must be a fraction from 0 to below 1 "
                    "(0.15 = 15%% off)", toml_table_key(d, i));
            continue;
        }
        size_t n = cfg->ndiscounts++;
        cfg->discount_providers = xrealloc(cfg->discount_providers, (n + 1) * sizeof(char *));
        cfg->discount_fractions = xrealloc(cfg->discount_fractions, (n + 1) * sizeof(double));
        cfg->discount_providers[n] = xstrdup(toml_table_key(d, i));
        cfg->discount_fractions[n] = f;
    }
    const struct toml_value *a = get_table(c, p, "aliases");
    for (size_t i = 0; a && i < toml_table_size(a); i++) {
        const struct toml_value *v = toml_table_value(a, i);
        if (toml_type(v) != TOML_STRING) {
            err_val(c, v, "alias for '%s' must be a string (a price-table model)",
                    toml_table_key(a, i));
            continue;
        }
        size_t n = cfg->naliases++;
        cfg->alias_from = xrealloc(cfg->alias_from, (n + 1) * sizeof(char *));
        cfg->alias_to = xrealloc(cfg->alias_to, (n + 1) * sizeof(char *));
        cfg->alias_from[n] = xstrdup(toml_table_key(a, i));
        cfg->alias_to[n] = xstrdup(toml_string(v));
    }
    const struct toml_value *m = get_table(c, p, "models");
    for (size_t i = 0; m && i < toml_table_size(m); i++) {
        const char *model = toml_table_key(m, i);
        const struct toml_value *fields = toml_table_value(m, i);
        if (toml_type(fields) != TOML_TABLE) {
            err_val(c, fields, "[pricing.models.\"%s\"] must be a table of LiteLLM "
                    "price fields", model);
            continue;
        }
        for (size_t j = 0; j < toml_table_size(fields); j++) {
            const char *field = toml_table_key(fields, j);
            const struct toml_value *v = toml_table_value(fields, j);
            if (strcmp(field, "litellm_provider") == 0 || strcmp(field, "mode") == 0)
                continue;
            if (!pricing_is_price_field(field)) {
                err_at(c, toml_table_key_line(fields, j), toml_table_key_col(fields, j),
                       "unknown price field '%s' for model '%s' (LiteLLM names, "
                       "e.g. input_cost_per_token)", field, model);
                continue;
            }
            if ((toml_type(v) != TOML_FLOAT && toml_type(v) != TOML_INTEGER) ||
                !(toml_float(v) >= 0)) {
                err_val(c, v, "'%s' must be a non-negative number (USD per token)", field);
                continue;
            }
            size_t n = cfg->nprice_fields++;
            cfg->price_fields = xrealloc(cfg->price_fields, (n + 1) * sizeof *cfg->price_fields);
            cfg->price_fields[n] = (struct config_price_field){
                xstrdup(model), xstrdup(field), toml_float(v)};
        }
    }
}

static void load_alerts(struct ctx *c, struct config *cfg, const struct toml_value *t)
{
    static const char *const keys[] = {
        "factor", "min_spend_usd", "model_spike", "min_requests", "mix_shift",
        "cache_drop", "min_input_tokens", "reasoning_factor", "stale_after",
        "for", "repeat", "keep_resolved", "windows", NULL};
    check_keys(c, t, keys, "[alerts]");
    struct config_alerts *a = &cfg->alerts;
    get_num(c, t, "factor", &a->factor, 1.0, 1000);
    get_num(c, t, "min_spend_usd", &a->min_spend_usd, 0, 1e12);
    get_num(c, t, "model_spike", &a->model_spike, 1.0, 1e6);
    get_int(c, t, "min_requests", &a->min_requests, 0, INT64_MAX);
    get_num(c, t, "mix_shift", &a->mix_shift, 0.01, 1.0);
    get_num(c, t, "cache_drop", &a->cache_drop, 0.01, 1.0);
    get_int(c, t, "min_input_tokens", &a->min_input_tokens, 0, INT64_MAX);
    get_num(c, t, "reasoning_factor", &a->reasoning_factor, 1.0, 1000);
    get_dur(c, t, "stale_after", &a->stale_after, 10, 7 * 86400);
    get_dur(c, t, "for", &a->for_s, 0, 86400);
    get_dur(c, t, "repeat", &a->repeat, 60, 7 * 86400);
    get_dur(c, t, "keep_resolved", &a->keep_resolved, 0, 7 * 86400);
    const struct toml_value *w = toml_table_get(t, "windows");
    if (w) {
        if (toml_type(w) != TOML_ARRAY || toml_array_size(w) == 0) {
            err_val(c, w, "'windows' must be a non-empty array of durations, "
                    "e.g. [\"1h\", \"24h\"]");
            return;
        }
        size_t n = toml_array_size(w);
        int64_t *ws = xcalloc(n, sizeof *ws);
        bool ok = true;
        for (size_t i = 0; i < n; i++) {
            const struct toml_value *e = toml_array_at(w, i);
            if (!parse_dur(c, e, "windows", &ws[i], 60, 86400)) {
                ok = false;
            } else if (ws[i] % 60) {
                err_val(c, e, "alert windows must be whole minutes");
                ok = false;
            }
        }
        if (ok) {
            free(a->windows);
            a->windows = ws;
            a->nwindows = n;
        } else {
            free(ws);
        }
    }
}

static void load_tenants(struct ctx *c, struct config *cfg, const struct toml_value *arr)
{
    static const char *const keys[] = {"name", "daily_budget_usd", NULL};
    cfg->ntenants = toml_array_size(arr);
    cfg->tenants = xcalloc(cfg->ntenants ? cfg->ntenants : 1, sizeof *cfg->tenants);
    for (size_t i = 0; i < cfg->ntenants; i++) {
        const struct toml_value *t = toml_array_at(arr, i);
        struct config_tenant *ct = &cfg->tenants[i];
        ct->daily_budget_usd = NAN;
        if (toml_type(t) != TOML_TABLE) {
            err_val(c, t, "[[tenant]] entries must be tables");
            continue;
        }
        check_keys(c, t, keys, "[[tenant]]");
        if (!get_str(c, t, "name", &ct->name)) {
            if (!toml_table_get(t, "name"))
                err_val(c, t, "[[tenant]] needs a 'name'");
            ct->name = xstrdup("");
        }
        get_num(c, t, "daily_budget_usd", &ct->daily_budget_usd, 0.000001, 1e12);
        for (size_t j = 0; j < i; j++)
            if (strcmp(cfg->tenants[j].name, ct->name) == 0 && *ct->name)
                err_val(c, t, "tenant '%s' is configured twice", ct->name);
    }
}

static const char *const type_names[] = {
    [SOURCE_OTEL_FILE] = "otel_file", [SOURCE_OTLP_HTTP] = "otlp_http",
    [SOURCE_OPENAI] = "openai", [SOURCE_ANTHROPIC] = "anthropic",
    [SOURCE_DEMO] = "demo",
};

const char *config_source_type_name(enum source_type t) { return type_names[t]; }

static void check_key_file(struct ctx *c, const struct toml_value *v, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        err_val(c, v, "cannot read api_key_file '%s': %s", path, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        err_val(c, v, "api_key_file '%s' is not a regular file", path);
    } else if (st.st_mode & (S_IRGRP | S_IROTH)) {
        err_val(c, v, "api_key_file '%s' is readable by group or others (mode %04o): "
                "refusing it; run chmod 600 '%s'", path,
                (unsigned)(st.st_mode & 07777), path);
    }
}

static void load_source(struct ctx *c, struct config_source *s, const struct toml_value *t)
{
    static const char *const common[] = {"name", "type", NULL};
    static const char *const file_keys[] = {"name", "type", "path", "start_at",
        "tenant_attribute", "poll_interval", NULL};
    static const char *const http_keys[] = {"name", "type", "listen", "max_body",
        "tenant_attribute", NULL};
    static const char *const api_keys[] = {"name", "type", "api_key_env",
        "api_key_file", "base_url", "tenant_by", "tenant_names", "interval",
        "timeout", NULL};
    static const char *const demo_keys[] = {"name", "type", NULL};
    source_defaults(s);
    s->line = toml_line(t);
    if (!get_str(c, t, "name", &s->name)) {
        if (!toml_table_get(t, "name"))
            err_val(c, t, "[[source]] needs a 'name'");
        s->name = xstrdup("");
    }
    char *type = NULL;
    if (!get_str(c, t, "type", &type)) {
        if (!toml_table_get(t, "type"))
            err_val(c, t, "[[source]] '%s' needs a 'type' (otel_file, otlp_http, "
                    "openai, anthropic or demo)", s->name);
        check_keys(c, t, common, "[[source]]");
        return;
    }
    int found = -1;
    for (size_t i = 0; i < sizeof type_names / sizeof *type_names; i++)
        if (strcmp(type, type_names[i]) == 0)
            found = (int)i;
    if (found < 0) {
        err_val(c, toml_table_get(t, "type"), "unknown source type '%s' (otel_file, "
                "otlp_http, openai, anthropic or demo)", type);
        free(type);
        return;
    }
    free(type);
    s->type = (enum source_type)found;
    char where[160];
    snprintf(where, sizeof where, "[[source]] of type %s", type_names[s->type]);
    switch (s->type) {
    case SOURCE_OTEL_FILE: {
        check_keys(c, t, file_keys, where);
        if (!get_str(c, t, "path", &s->path) && !toml_table_get(t, "path"))
            err_val(c, t, "source '%s' needs a 'path' (a file or a glob)", s->name);
        char *start = NULL;
        if (get_str(c, t, "start_at", &start)) {
            if (strcmp(start, "end") == 0)
                s->start_at_end = true;
            else if (strcmp(start, "beginning") != 0)
                err_val(c, toml_table_get(t, "start_at"),
                        "'start_at' must be \"beginning\" or \"end\"");
        }
        free(start);
        get_strlist(c, t, "tenant_attribute", &s->tenant_attrs, &s->ntenant_attrs, true);
        get_dur(c, t, "poll_interval", &s->poll_interval, 1, 3600);
        break;
    }
    case SOURCE_OTLP_HTTP:
        check_keys(c, t, http_keys, where);
        if (get_str(c, t, "listen", &s->listen) && !strrchr(s->listen, ':'))
            err_val(c, toml_table_get(t, "listen"), "'listen' must be HOST:PORT");
        get_int(c, t, "max_body", &s->max_body, 1024, 1024LL * MiB);
        get_strlist(c, t, "tenant_attribute", &s->tenant_attrs, &s->ntenant_attrs, true);
        break;
    case SOURCE_OPENAI:
    case SOURCE_ANTHROPIC: {
        check_keys(c, t, api_keys, where);
        get_str(c, t, "api_key_env", &s->api_key_env);
        if (get_str(c, t, "api_key_file", &s->api_key_file))
            check_key_file(c, toml_table_get(t, "api_key_file"), s->api_key_file);
        if (!s->api_key_env && !s->api_key_file && !toml_table_get(t, "api_key_env") &&
            !toml_table_get(t, "api_key_file"))
            err_val(c, t, "source '%s' needs 'api_key_env' or 'api_key_file' (keys "
                    "are never written in the config)", s->name);
        if (s->api_key_env && s->api_key_file)
            err_val(c, toml_table_get(t, "api_key_file"),
                    "give 'api_key_env' or 'api_key_file', not both");
        bool oa = s->type == SOURCE_OPENAI;
        s->base_url = xstrdup(oa ? "https://api.openai.com/v1" : "https://api.anthropic.com");
        s->tenant_by = xstrdup(oa ? "project_id" : "workspace_id");
        if (get_str(c, t, "base_url", &s->base_url) &&
            strncmp(s->base_url, "https://", 8) != 0 && strncmp(s->base_url, "http://", 7) != 0)
            err_val(c, toml_table_get(t, "base_url"), "'base_url' must start with "
                    "https:// (or http:// for a local test server)");
        if (get_str(c, t, "tenant_by", &s->tenant_by)) {
            const char *ok = oa ? "project_id api_key_id user_id none"
                                : "workspace_id api_key_id none";
            char padded[64];
            snprintf(padded, sizeof padded, " %s ", s->tenant_by);
            char list[80];
            snprintf(list, sizeof list, " %s ", ok);
            if (!strstr(list, padded))
                err_val(c, toml_table_get(t, "tenant_by"), "'tenant_by' must be one "
                        "of: %s", ok);
        }
        const struct toml_value *names = get_table(c, t, "tenant_names");
        for (size_t i = 0; names && i < toml_table_size(names); i++) {
            const struct toml_value *v = toml_table_value(names, i);
            if (toml_type(v) != TOML_STRING) {
                err_val(c, v, "tenant name for '%s' must be a string", toml_table_key(names, i));
                continue;
            }
            size_t n = s->ntenant_names++;
            s->tenant_name_ids = xrealloc(s->tenant_name_ids, (n + 1) * sizeof(char *));
            s->tenant_name_values = xrealloc(s->tenant_name_values, (n + 1) * sizeof(char *));
            s->tenant_name_ids[n] = xstrdup(toml_table_key(names, i));
            s->tenant_name_values[n] = xstrdup(toml_string(v));
        }
        get_dur(c, t, "interval", &s->interval, 10, 86400);
        get_dur(c, t, "timeout", &s->timeout, 1, 600);
        break;
    }
    case SOURCE_DEMO:
        check_keys(c, t, demo_keys, where);
        break;
    }
}

/* Every one of names (the list value v) must be in allowed. */
static void check_names(struct ctx *c, const struct toml_value *v, char **names, size_t n,
                        const char *const *allowed, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        const char *near;
        if (known(names[i], allowed, &near))
            continue;
        if (near) {
            err_val(c, v, "unknown %s '%s' (did you mean '%s'?)", what, names[i], near);
            continue;
        }
        struct strbuf list = {0};
        for (const char *const *a = allowed; *a; a++)
            strbuf_printf(&list, "%s%s", a == allowed ? "" : ", ", *a);
        err_val(c, v, "unknown %s '%s' (one of %s)", what, names[i], strbuf_str(&list));
        strbuf_free(&list);
    }
}

static void load_hooks(struct ctx *c, struct config *cfg, const struct toml_value *arr)
{
    static const char *const keys[] = {"name", "command", "shell", "on", "kinds",
        "scopes", "min_severity", "timeout", "attempts", NULL};
    static const char *const scopes[] = {"total", "provider", "model", "tenant",
        "source", NULL};
    static const char *const kinds[] = {"spend_anomaly", "model_spike", "model_mix",
        "cache_drop", "reasoning_jump", "budget", "source_stale", NULL};
    cfg->nhooks = toml_array_size(arr);
    cfg->hooks = xcalloc(cfg->nhooks ? cfg->nhooks : 1, sizeof *cfg->hooks);
    for (size_t i = 0; i < cfg->nhooks; i++) {
        const struct toml_value *t = toml_array_at(arr, i);
        struct config_hook *h = &cfg->hooks[i];
        h->on_firing = h->on_resolved = true;
        h->timeout = 10;
        h->attempts = 3;
        if (toml_type(t) != TOML_TABLE) {
            err_val(c, t, "[[hook]] entries must be tables");
            continue;
        }
        check_keys(c, t, keys, "[[hook]]");
        get_str(c, t, "name", &h->name);
        bool has_cmd = get_strlist(c, t, "command", &h->argv, &h->argc, false);
        bool has_shell = get_str(c, t, "shell", &h->shell);
        if (has_cmd && h->argc == 0)
            err_val(c, toml_table_get(t, "command"), "'command' must not be empty");
        if (has_cmd && has_shell)
            err_val(c, toml_table_get(t, "shell"), "give 'command' or 'shell', not both");
        if (!toml_table_get(t, "command") && !toml_table_get(t, "shell"))
            err_val(c, t, "[[hook]] needs 'command' (an argv array) or 'shell'");
        char **on = NULL;
        size_t non = 0;
        if (get_strlist(c, t, "on", &on, &non, true)) {
            h->on_firing = h->on_resolved = false;
            for (size_t j = 0; j < non; j++) {
                if (strcmp(on[j], "firing") == 0)
                    h->on_firing = true;
                else if (strcmp(on[j], "resolved") == 0)
                    h->on_resolved = true;
                else
                    err_val(c, toml_table_get(t, "on"), "'on' takes \"firing\" and/or "
                            "\"resolved\", not \"%s\"", on[j]);
            }
        }
        free_list(on, non);
        if (get_strlist(c, t, "kinds", &h->kinds, &h->nkinds, true))
            check_names(c, toml_table_get(t, "kinds"), h->kinds, h->nkinds, kinds, "alert kind");
        if (get_strlist(c, t, "scopes", &h->scopes, &h->nscopes, true))
            check_names(c, toml_table_get(t, "scopes"), h->scopes, h->nscopes, scopes, "scope");
        char *sev = NULL;
        if (get_str(c, t, "min_severity", &sev)) {
            if (strcmp(sev, "critical") == 0)
                h->min_severity = SEVERITY_CRITICAL;
            else if (strcmp(sev, "warning") != 0)
                err_val(c, toml_table_get(t, "min_severity"),
                        "'min_severity' must be \"warning\" or \"critical\"");
        }
        free(sev);
        get_dur(c, t, "timeout", &h->timeout, 1, 3600);
        int64_t att;
        if (get_int(c, t, "attempts", &att, 1, 20))
            h->attempts = (int)att;
    }
}

/* ---- load ------------------------------------------------------------------------- */

static char *read_all(const char *path, size_t *len, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return NULL;
    }
    struct strbuf b = {0};
    char chunk[16384];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0) {
        strbuf_append(&b, chunk, (size_t)n);
        if (b.len > 16 * MiB) {
            snprintf(err, errlen, "larger than 16 MiB: not a config file");
            close(fd);
            strbuf_free(&b);
            return NULL;
        }
    }
    int e = errno;
    close(fd);
    if (n < 0) {
        snprintf(err, errlen, "%s", strerror(e));
        strbuf_free(&b);
        return NULL;
    }
    *len = b.len;
    return strbuf_detach(&b);
}

struct config *config_load(const char *path, struct strbuf *errors)
{
    struct ctx c = {path, errors, 0};
    size_t len = 0;
    char err[512];
    char *text = read_all(path, &len, err, sizeof err);
    if (!text) {
        strbuf_printf(errors, "%s:1:1: cannot read config: %s\n", path, err);
        return NULL;
    }
    struct toml_value *root = toml_parse(text, len, path, err, sizeof err);
    free(text);
    if (!root) {
        strbuf_printf(errors, "%s\n", err);
        return NULL;
    }
    struct config *cfg = config_defaults();
    cfg->path = xstrdup(path);
    static const char *const top[] = {"general", "pricing", "alerts", "tenant",
                                      "source", "hook", NULL};
    check_keys(&c, root, top, "the top level");
    const struct toml_value *t;
    if ((t = get_table(&c, root, "general")))
        load_general(&c, cfg, t);
    if ((t = get_table(&c, root, "pricing")))
        load_pricing(&c, cfg, t);
    if ((t = get_table(&c, root, "alerts")))
        load_alerts(&c, cfg, t);
    if ((t = want(&c, root, "tenant", TOML_ARRAY, "an array of tables ([[tenant]])")))
        load_tenants(&c, cfg, t);
    if ((t = want(&c, root, "source", TOML_ARRAY, "an array of tables ([[source]])"))) {
        cfg->nsources = toml_array_size(t);
        cfg->sources = xcalloc(cfg->nsources ? cfg->nsources : 1, sizeof *cfg->sources);
        for (size_t i = 0; i < cfg->nsources; i++) {
            const struct toml_value *s = toml_array_at(t, i);
            if (toml_type(s) != TOML_TABLE) {
                err_val(&c, s, "[[source]] entries must be tables");
                source_defaults(&cfg->sources[i]);
                cfg->sources[i].name = xstrdup("");
                continue;
            }
            load_source(&c, &cfg->sources[i], s);
            for (size_t j = 0; j < i; j++)
                if (*cfg->sources[i].name &&
                    strcmp(cfg->sources[j].name, cfg->sources[i].name) == 0)
                    err_val(&c, toml_table_get(s, "name"), "source name '%s' is "
                            "used twice (names key the saved cursors)", cfg->sources[i].name);
        }
    }
    if ((t = want(&c, root, "hook", TOML_ARRAY, "an array of tables ([[hook]])")))
        load_hooks(&c, cfg, t);
    toml_free(root);
    if (c.nerrors) {
        config_free(cfg);
        return NULL;
    }
    return cfg;
}

void config_warnings(const struct config *cfg, struct strbuf *out)
{
    for (size_t i = 0; i < cfg->nsources; i++) {
        const struct config_source *s = &cfg->sources[i];
        if (s->api_key_env && !getenv(s->api_key_env))
            strbuf_printf(out, "%s:%d:1: warning: source '%s': environment variable "
                          "%s is not set here\n", cfg->path ? cfg->path : "-", s->line,
                          s->name, s->api_key_env);
    }
}

char *config_find(const char *explicit_path)
{
    if (explicit_path)
        return xstrdup(explicit_path);
    const char *env = getenv("SPENDTOP_CONFIG");
    if (env && *env)
        return xstrdup(env);
    char path[4096];
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = home_dir();
    if (xdg && xdg[0] == '/')
        snprintf(path, sizeof path, "%s/spendtop/config.toml", xdg);
    else if (home)
        snprintf(path, sizeof path, "%s/.config/spendtop/config.toml", home);
    else
        path[0] = '\0';
    if (path[0] && access(path, F_OK) == 0)
        return xstrdup(path);
    if (access("/etc/spendtop/config.toml", F_OK) == 0)
        return xstrdup("/etc/spendtop/config.toml");
    return NULL;
}

int config_read_secret(const struct config_source *s, char *buf, size_t len,
                       char *err, size_t errlen)
{
    if (s->api_key_env) {
        const char *v = getenv(s->api_key_env);
        if (!v || !*v) {
            snprintf(err, errlen, "environment variable %s is not set", s->api_key_env);
            return -1;
        }
        if (strlen(v) >= len) {
            snprintf(err, errlen, "the key in %s is too long", s->api_key_env);
            return -1;
        }
        snprintf(buf, len, "%s", v);
        return 0;
    }
    if (!s->api_key_file) {
        snprintf(err, errlen, "no api_key_env or api_key_file");
        return -1;
    }
    int fd = open(s->api_key_file, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot read %s: %s", s->api_key_file, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (st.st_mode & (S_IRGRP | S_IROTH)) {
        close(fd);
        snprintf(err, errlen, "%s is readable by group or others: refusing it",
                 s->api_key_file);
        return -1;
    }
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    if (n < 0) {
        snprintf(err, errlen, "cannot read %s: %s", s->api_key_file, strerror(errno));
        return -1;
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' ||
                     buf[n - 1] == '\t'))
        n--;
    buf[n] = '\0';
    if (n == 0) {
        snprintf(err, errlen, "%s is empty", s->api_key_file);
        return -1;
    }
    return 0;
}

static void free_source(struct config_source *s)
{
    free(s->name);
    free(s->path);
    free_list(s->tenant_attrs, s->ntenant_attrs);
    free(s->listen);
    free(s->base_url);
    free(s->api_key_env);
    free(s->api_key_file);
    free(s->tenant_by);
    free_list(s->tenant_name_ids, s->ntenant_names);
    free_list(s->tenant_name_values, s->ntenant_names);
}

static void free_hooks(struct config *cfg)
{
    for (size_t i = 0; i < cfg->nhooks; i++) {
        struct config_hook *h = &cfg->hooks[i];
        free(h->name);
        free_list(h->argv, h->argc);
        free(h->shell);
        free_list(h->kinds, h->nkinds);
        free_list(h->scopes, h->nscopes);
    }
    free(cfg->hooks);
    cfg->hooks = NULL;
    cfg->nhooks = 0;
}

#define CONFIG_SEARCH_TEXT \
    "$SPENDTOP_CONFIG, ~/.config/spendtop/config.toml, /etc/spendtop/config.toml"

bool config_check_sources(const struct config *cfg, struct strbuf *errors)
{
    if (cfg->nsources > 0)
        return true;
    if (cfg->path)
        strbuf_printf(errors, "%s: no [[source]]: nothing to collect (config.example.toml "
                      "shows each type; spendtop --demo runs on synthetic data)\n", cfg->path);
    else
        strbuf_printf(errors, "spendtop: no config file found (looked for " CONFIG_SEARCH_TEXT "): "
                      "nothing to collect; start from config.example.toml, or try "
                      "spendtop --demo\n");
    return false;
}

void config_use_demo(struct config *cfg)
{
    for (size_t i = 0; i < cfg->nsources; i++)
        free_source(&cfg->sources[i]);
    free(cfg->sources);
    free_hooks(cfg);
    cfg->sources = xcalloc(1, sizeof *cfg->sources);
    cfg->nsources = 1;
    source_defaults(&cfg->sources[0]);
    cfg->sources[0].name = xstrdup("demo");
    cfg->sources[0].type = SOURCE_DEMO;
}

void config_free(struct config *cfg)
{
    if (!cfg)
        return;
    free(cfg->path);
    free(cfg->timezone);
    free(cfg->db_path);
    free(cfg->log_path);
    free(cfg->pricing_file);
    free_list(cfg->discount_providers, cfg->ndiscounts);
    free(cfg->discount_fractions);
    free_list(cfg->alias_from, cfg->naliases);
    free_list(cfg->alias_to, cfg->naliases);
    for (size_t i = 0; i < cfg->nprice_fields; i++) {
        free(cfg->price_fields[i].model);
        free(cfg->price_fields[i].field);
    }
    free(cfg->price_fields);
    free(cfg->alerts.windows);
    for (size_t i = 0; i < cfg->ntenants; i++)
        free(cfg->tenants[i].name);
    free(cfg->tenants);
    for (size_t i = 0; i < cfg->nsources; i++)
        free_source(&cfg->sources[i]);
    free(cfg->sources);
    free_hooks(cfg);
    free(cfg);
}
