/* prices.c - the price table in force, and `spendtop prices` (see prices.h). */
#include "app/prices.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "app/version.h"
#include "core/format.h"
#include "lib/clock.h"
#include "lib/http.h"
#include "lib/log.h"
#include "lib/sanitize.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define MiB (1024 * 1024)
/* A table with fewer priced models than this (or than half the table it
 * replaces) is not a price table: a truncated download, an error page. */
#define PRICES_MIN_MODELS 50

/* ---- the table in force ------------------------------------------------------------ */

static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct strbuf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        strbuf_append(&b, chunk, n);
    fclose(f);
    *len = b.len;
    return strbuf_detach(&b);
}

/* The directory a database lives in (the state directory). */
static void state_dir_of(const char *db_path, char *buf, size_t len)
{
    const char *slash = strrchr(db_path, '/');
    if (!slash)
        snprintf(buf, len, ".");
    else if (slash == db_path)
        snprintf(buf, len, "/");
    else
        snprintf(buf, len, "%.*s", (int)(slash - db_path), db_path);
}

static int load_file(struct pricing *p, const char *path, struct prices_info *info, char *err,
                     size_t errlen)
{
    size_t len;
    char *text = read_file(path, &len, err, errlen);
    if (!text)
        return -1;
    char perr[256];
    int n = pricing_load_json(p, text, len, perr, sizeof perr);
    free(text);
    if (n < 0) {
        snprintf(err, errlen, "%s: %s", path, perr);
        return -1;
    }
    struct stat st;
    snprintf(info->source, sizeof info->source, "%s", path);
    info->date = stat(path, &st) == 0 ? (int64_t)st.st_mtime : 0;
    return 0;
}

/* The config's overrides, discounts and aliases over p. */
static void apply_config(struct pricing *p, const struct config *cfg)
{
    for (size_t i = 0; i < cfg->nprice_fields; i++)
        pricing_override(p, cfg->price_fields[i].model, cfg->price_fields[i].field,
                         cfg->price_fields[i].value);
    for (size_t i = 0; i < cfg->ndiscounts; i++)
        pricing_set_discount(p, cfg->discount_providers[i], cfg->discount_fractions[i]);
    for (size_t i = 0; i < cfg->naliases; i++)
        pricing_add_alias(p, cfg->alias_from[i], cfg->alias_to[i]);
}

static int load_default(struct pricing *p, struct prices_info *info, char *err, size_t errlen)
{
    if (pricing_load_default(p, err, errlen) < 0)
        return -1;
    snprintf(info->source, sizeof info->source, "compiled-in");
    clock_parse_time(PRICING_DEFAULT_DATE "T00:00:00Z", &info->date);
    return 0;
}

struct pricing *prices_load(const struct config *cfg, const char *db_path,
                            struct prices_info *info, char *err, size_t errlen)
{
    memset(info, 0, sizeof *info);
    struct pricing *p = pricing_new();
    char dir[4096], stored[4200], why[512];
    state_dir_of(db_path, dir, sizeof dir);
    snprintf(stored, sizeof stored, "%s/%s", dir, PRICES_FILE);
    int rc;
    if (cfg->pricing_file) {
        rc = load_file(p, cfg->pricing_file, info, err, errlen);
    } else if (access(stored, F_OK) == 0 && load_file(p, stored, info, why, sizeof why) == 0) {
        rc = 0;
    } else {
        if (access(stored, F_OK) == 0)
            log_msg(LOG_WARN, "prices: %s (the compiled-in table is used)", why);
        pricing_clear(p);
        rc = load_default(p, info, err, errlen);
    }
    if (rc != 0) {
        pricing_free(p);
        return NULL;
    }
    apply_config(p, cfg);
    return p;
}

void prices_info_guess(const char *db_path, struct prices_info *info)
{
    memset(info, 0, sizeof *info);
    char dir[4096], stored[4200];
    state_dir_of(db_path, dir, sizeof dir);
    snprintf(stored, sizeof stored, "%s/%s", dir, PRICES_FILE);
    struct stat st;
    if (stat(stored, &st) == 0) {
        snprintf(info->source, sizeof info->source, "%.290s", stored);
        info->date = (int64_t)st.st_mtime;
    } else {
        snprintf(info->source, sizeof info->source, "compiled-in");
        clock_parse_time(PRICING_DEFAULT_DATE "T00:00:00Z", &info->date);
    }
}

void prices_flag_view(struct prices_info *info, int64_t now, struct view *v)
{
    int64_t days = (now - info->date) / CLOCK_DAY;
    if (info->date <= 0 || days <= PRICES_MAX_AGE_DAYS)
        return;
    char date[32];
    clock_format_utc(info->date, date, sizeof date);
    date[10] = '\0';
    snprintf(info->note, sizeof info->note,
             "the price table (%.180s) is %lld days old, from %s: spendtop prices update",
             info->source, (long long)days, date);
    struct view_source *s = view_add_source(v);
    s->name = "prices";
    s->type = "price_table";
    s->status = "stale";
    s->last_success = s->last_data = s->started = info->date;
    s->last_error = info->note;
    s->coverage = s->drift = NAN;
}

/* ---- what the database uses ---------------------------------------------------------- */

struct used_model {
    char *provider, *model;
    int64_t requests, input, output;
};

struct used {
    struct used_model *m;
    size_t n, cap;
};

static void used_free(struct used *u)
{
    for (size_t i = 0; i < u->n; i++) {
        free(u->m[i].provider);
        free(u->m[i].model);
    }
    free(u->m);
}

static int used_rows(sqlite3 *h, const char *sql, struct used *u)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK)
        return -1;
    while (sqlite3_step(s) == SQLITE_ROW) {
        xgrow(&u->m, &u->cap, u->n + 1, sizeof *u->m);
        struct used_model *m = &u->m[u->n++];
        m->provider = xstrdup((const char *)sqlite3_column_text(s, 0));
        m->model = xstrdup((const char *)sqlite3_column_text(s, 1));
        m->requests = sqlite3_column_int64(s, 2);
        m->input = sqlite3_column_int64(s, 3);
        m->output = sqlite3_column_int64(s, 4);
    }
    return sqlite3_finalize(s) == SQLITE_OK ? 0 : -1;
}

/* The (provider, model) pairs the database holds, with their sums; none
 * when there is no database yet. Read-only: a running daemon owns it. */
static int used_load(const char *db_path, struct used *u, char *err, size_t errlen)
{
    memset(u, 0, sizeof *u);
    if (access(db_path, F_OK) != 0)
        return 0;
    sqlite3 *h = NULL;
    if (sqlite3_open_v2(db_path, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", db_path, h ? sqlite3_errmsg(h) : "cannot open");
        sqlite3_close(h);
        return -1;
    }
    sqlite3_busy_timeout(h, 5000);
    int rc = used_rows(h, "SELECT s.provider, s.model, SUM(b.requests), SUM(b.input), "
                          "SUM(b.output) FROM series s LEFT JOIN buckets b ON b.series = s.id "
                          "GROUP BY s.provider, s.model ORDER BY s.provider, s.model", u);
    if (rc != 0)
        snprintf(err, errlen, "%s: %s", db_path, sqlite3_errmsg(h));
    sqlite3_close(h);
    return rc;
}

/* ---- nearest keys -------------------------------------------------------------------------- */

#define NEAR_N 3
#define NEAR_MAX 120

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strnlen(a, NEAR_MAX), lb = strnlen(b, NEAR_MAX);
    size_t row[NEAR_MAX + 1];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

struct nearest {
    const char *model;
    const char *key[NEAR_N];
    size_t dist[NEAR_N];
    size_t n;
};

/* Keep key among the NEAR_N nearest priced keys to the model (a key
 * compares without its provider prefix too). */
static void near_visit(void *ctx, const char *key, const struct price *pr)
{
    struct nearest *nr = ctx;
    if (!pricing_priced(pr))
        return;
    const char *slash = strrchr(key, '/');
    size_t d = edit_distance(nr->model, key);
    if (slash) {
        size_t d2 = edit_distance(nr->model, slash + 1);
        d = d2 < d ? d2 : d;
    }
    size_t limit = strlen(nr->model) / 3 > 3 ? strlen(nr->model) / 3 : 3;
    if (d > limit)
        return;
    size_t i = nr->n < NEAR_N ? nr->n++ : NEAR_N - 1;
    if (i == NEAR_N - 1 && nr->n == NEAR_N && nr->key[i] &&
        (nr->dist[i] < d || (nr->dist[i] == d && strcmp(nr->key[i], key) < 0)))
        return;
    nr->key[i] = key;
    nr->dist[i] = d;
    for (; i > 0 && (nr->dist[i] < nr->dist[i - 1] ||
                     (nr->dist[i] == nr->dist[i - 1] && strcmp(nr->key[i], nr->key[i - 1]) < 0));
         i--) {
        const char *k = nr->key[i];
        size_t dd = nr->dist[i];
        nr->key[i] = nr->key[i - 1];
        nr->dist[i] = nr->dist[i - 1];
        nr->key[i - 1] = k;
        nr->dist[i - 1] = dd;
    }
}

static void print_nearest(const struct pricing *p, const char *model, FILE *out)
{
    struct nearest nr = {.model = model};
    pricing_each_entry(p, near_visit, &nr);
    if (nr.n == 0) {
        fputs("no table key is near\n", out);
        return;
    }
    fputs("nearest table keys:", out);
    char k[SANITIZE_MAX];
    for (size_t i = 0; i < nr.n; i++) {
        sanitize_text(nr.key[i], k, sizeof k, 80);
        fprintf(out, "%s %s", i ? "," : "", k);
    }
    fputs(" (suggestions: never applied; an alias is: [pricing] aliases = { \"MODEL\" = "
          "\"KEY\" })\n", out);
}

/* ---- prices MODEL ------------------------------------------------------------------------------ */

static void print_field(void *ctx, const char *field, double v)
{
    fprintf(ctx, "  %-46s %-12g $%.4g / 1M tokens\n", field, v, v * 1e6);
}

static void print_info(const struct prices_info *info, int64_t now, FILE *out)
{
    char date[32];
    clock_format_utc(info->date, date, sizeof date);
    date[10] = '\0';
    long long days = (long long)((now - info->date) / CLOCK_DAY);
    fprintf(out, "table      %s, %s (%lld days old%s)\n", info->source, date, days,
            days > PRICES_MAX_AGE_DAYS ? ": spendtop prices update" : "");
}

/* How model matches, every price, a sample request's cost. 1 when unpriced. */
static int explain(const struct pricing *p, const struct prices_info *info, const char *model,
                   const char *provider)
{
    enum pricing_rule rule;
    const char *key;
    const struct price *pr = pricing_explain(p, provider, model, &rule, &key);
    char m[SANITIZE_MAX], prov[SANITIZE_MAX];
    sanitize_text(model, m, sizeof m, 120);
    sanitize_text(provider ? provider : "", prov, sizeof prov, 60);
    printf("model      %s%s%s%s\n", m, provider ? " (provider " : "", prov, provider ? ")" : "");
    print_info(info, clock_now(), stdout);
    if (!pr) {
        printf("matched    nothing: unpriced (exact, provider-prefixed, date-stripped and "
               "alias all tried)\n");
        print_nearest(p, model, stdout);
        return 1;
    }
    printf("matched    %s, by rule %s\n", key, pricing_rule_names[rule]);
    if (!pricing_priced(pr)) {
        printf("priced     no: the entry has no input and output token prices (not a chat "
               "model): unpriced\n");
        return 1;
    }
    printf("prices     USD per token\n");
    pricing_each_field(pr, print_field, stdout);
    double d = pricing_discount(p, provider);
    if (d > 0)
        printf("discount   %.4g%% (%s)\n", 100 * d, prov);
    struct pricing_tokens tk = {.input = 10000, .cache_read = 2000, .output = 1000,
                                .provider = provider};
    double usd;
    enum price_status st = pricing_cost(p, pr, &tk, &usd);
    printf("sample     10000 input tokens (2000 of them cache reads), 1000 output: $%.6f%s%s\n",
           usd, d > 0 ? " after the discount" : "",
           st == PRICE_PARTIAL ? " (partially priced: no cache-read price, input's used)" : "");
    return 0;
}

/* ---- prices --unpriced ----------------------------------------------------------------------------- */

static int unpriced(struct pricing *p, const char *db_path)
{
    struct used u;
    char err[512];
    /* no database is not "every model is priced (0 models)" */
    if (access(db_path, F_OK) != 0) {
        fprintf(stderr, "spendtop: no database at %s\n", db_path);
        return 1;
    }
    if (used_load(db_path, &u, err, sizeof err) != 0) {
        fprintf(stderr, "spendtop: %s\n", err);
        return 1;
    }
    size_t n = 0;
    for (size_t i = 0; i < u.n; i++) {
        const struct used_model *m = &u.m[i];
        const char *name;
        if (pricing_lookup(p, m->provider, m->model, &name))
            continue;
        char prov[SANITIZE_MAX], model[SANITIZE_MAX];
        sanitize_text(m->provider, prov, sizeof prov, 40);
        sanitize_text(m->model, model, sizeof model, 120);
        printf("%s/%s: %lld requests, %lld input, %lld output tokens; ", prov, model,
               (long long)m->requests, (long long)m->input, (long long)m->output);
        print_nearest(p, m->model, stdout);
        n++;
    }
    if (n == 0)
        printf("every model in %s is priced (%zu models)\n", db_path, u.n);
    used_free(&u);
    return 0;
}

/* ---- prices update ------------------------------------------------------------------------------- */

struct download {
    struct strbuf body;
    long status;
    char error[256];
    bool done;
};

static void on_body(void *ctx, const struct http_response *r)
{
    struct download *d = ctx;
    d->status = r->status;
    snprintf(d->error, sizeof d->error, "%s", r->error);
    if (r->body)
        strbuf_append(&d->body, r->body, r->len);
    d->done = true;
}

static void on_closed(void *data)
{
    *(bool *)data = true;
}

/* GET url into d->body: 0, or -1 with why in err. */
static int download(const char *url, struct download *d, char *err, size_t errlen)
{
    uv_loop_t loop;
    if (uv_loop_init(&loop) != 0) {
        snprintf(err, errlen, "cannot start the event loop");
        return -1;
    }
    struct http *h = http_new(&loop, "spendtop/" SPENDTOP_VERSION);
    struct http_request req = {.url = url, .connect_timeout_ms = 10000,
                               .timeout_ms = 120000, .max_body = 64 * MiB};
    char why[256] = "";
    if (!h)
        snprintf(why, sizeof why, "cannot start libcurl");
    int rc = h ? http_get(h, &req, on_body, d, why, sizeof why) : -1;
    while (rc == 0 && !d->done && uv_run(&loop, UV_RUN_ONCE))
        ;
    bool closed = false;
    if (h) {
        http_close(h, on_closed, &closed);
        while (!closed && uv_run(&loop, UV_RUN_ONCE))
            ;
        http_free(h);
    }
    if (uv_loop_close(&loop) != 0)
        log_msg(LOG_WARN, "prices update: event loop closed with handles open");
    if (rc != 0 || !d->done)
        snprintf(err, errlen, "%s: the download could not start%s%s", url, why[0] ? ": " : "",
                 why);
    else if (d->status == 0)
        snprintf(err, errlen, "%s: %s", url, d->error);
    else if (d->status != 200)
        snprintf(err, errlen, "%s: HTTP status %ld", url, d->status);
    return rc == 0 && d->done && d->status == 200 ? 0 : -1;
}

/* No price below zero (pricing_load_json would silently skip it: a
 * table that has one is broken, not to be half-loaded). */
static int check_json(const char *text, size_t len, char *err, size_t errlen)
{
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!cJSON_IsObject(root)) {
        snprintf(err, errlen, "not a LiteLLM price table: %s (%zu bytes: truncated?)",
                 root ? "not a JSON object" : "not valid JSON", len);
        cJSON_Delete(root);
        return -1;
    }
    const cJSON *e, *f;
    int rc = 0;
    cJSON_ArrayForEach(e, root) {
        cJSON_ArrayForEach(f, e) {
            if (rc == 0 && cJSON_IsNumber(f) && f->valuedouble < 0 &&
                pricing_is_price_field(f->string)) {
                char m[SANITIZE_MAX];
                sanitize_text(e->string, m, sizeof m, 80);
                snprintf(err, errlen, "a negative price: %s %s = %g", m, f->string,
                         f->valuedouble);
                rc = -1;
            }
        }
    }
    cJSON_Delete(root);
    return rc;
}

static void count_visit(void *ctx, const char *key, const struct price *pr)
{
    (void)key;
    *(size_t *)ctx += pricing_priced(pr);
}

static size_t priced_count(const struct pricing *p)
{
    size_t n = 0;
    pricing_each_entry(p, count_visit, &n);
    return n;
}

struct field_list {
    char name[24][64];
    double v[24];
    int n;
};

static void collect_field(void *ctx, const char *field, double v)
{
    struct field_list *l = ctx;
    if (l->n < 24) {
        snprintf(l->name[l->n], sizeof l->name[l->n], "%s", field);
        l->v[l->n++] = v;
    }
}

static double field_of(const struct field_list *l, const char *name)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->name[i], name) == 0)
            return l->v[i];
    return NAN;
}

/* One model in use: its prices old -> new, printed when they differ.
 * Returns true when it changed. */
static bool print_change(const char *label, const struct price *o, const struct price *n)
{
    struct field_list a = {0}, b = {0};
    if (o)
        pricing_each_field(o, collect_field, &a);
    if (n)
        pricing_each_field(n, collect_field, &b);
    bool changed = false;
    for (int pass = 0; pass < 2; pass++) {
        const struct field_list *l = pass ? &b : &a;
        for (int i = 0; i < l->n; i++) {
            double ov = field_of(&a, l->name[i]), nv = field_of(&b, l->name[i]);
            if ((pass && !isnan(ov)) || ov == nv)
                continue; /* each field once; unchanged ones are quiet */
            printf("  %s %s: %g -> %g\n", label, l->name[i], ov, nv);
            changed = true;
        }
    }
    return changed;
}

/* The models in use: refused (-1) if one priced now is unpriced by the new
 * table and not forced; prints what changes. */
static int compare_in_use(struct pricing *old, struct pricing *neu, const struct used *u,
                          bool force, char *err, size_t errlen)
{
    size_t dropped = 0, changed = 0;
    struct strbuf names = {0};
    for (size_t i = 0; i < u->n; i++) {
        const struct used_model *m = &u->m[i];
        const char *n1, *n2;
        const struct price *o = pricing_lookup(old, m->provider, m->model, &n1);
        const struct price *n = pricing_lookup(neu, m->provider, m->model, &n2);
        char label[SANITIZE_MAX];
        char raw[400];
        snprintf(raw, sizeof raw, "%s/%s", m->provider, m->model);
        sanitize_text(raw, label, sizeof label, 100);
        if (o && !n) {
            strbuf_printf(&names, "%s%s", dropped++ ? ", " : "", label);
            continue;
        }
        if (!o && n)
            printf("  %s: now priced (as %s)\n", label, n2);
        changed += print_change(label, o, n) || (!o && n);
    }
    int rc = 0;
    if (dropped && !force) {
        snprintf(err, errlen, "the new table drops %zu model%s the database uses (%s): "
                 "not stored (--force stores it anyway; they become unpriced)",
                 dropped, dropped == 1 ? "" : "s", strbuf_str(&names));
        rc = -1;
    } else if (dropped) {
        printf("  unpriced from now on (--force): %s\n", strbuf_str(&names));
    }
    if (rc == 0)
        printf("%zu of the %zu models in use change price\n", changed + dropped, u->n);
    strbuf_free(&names);
    return rc;
}

/* Write text to dir/PRICES_FILE atomically, the previous one kept as
 * dir/PRICES_PREVIOUS_FILE. */
static int store(const char *dir, const char *text, size_t len, char *err, size_t errlen)
{
    char tmp[4200], cur[4200], prev[4200];
    snprintf(tmp, sizeof tmp, "%s/%s.XXXXXX", dir, PRICES_FILE);
    snprintf(cur, sizeof cur, "%s/%s", dir, PRICES_FILE);
    snprintf(prev, sizeof prev, "%s/%s", dir, PRICES_PREVIOUS_FILE);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%.900s: %s", dir, strerror(errno));
        return -1;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errlen, "%.900s: %s", tmp, strerror(errno));
        return -1;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    int e = off == len && fsync(fd) == 0 ? 0 : errno;
    if (close(fd) != 0 && !e)
        e = errno;
    /* the previous table stays beside the new one; cur is replaced in one
     * rename, so a reader sees the old table or the new, never half */
    if (!e && access(cur, F_OK) == 0 && (unlink(prev), link(cur, prev) != 0))
        e = errno;
    if (!e && rename(tmp, cur) != 0)
        e = errno;
    if (e) {
        snprintf(err, errlen, "cannot store %.900s: %s", cur, strerror(e));
        unlink(tmp);
        return -1;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd); /* the rename durable; a failure leaves it merely unsynced */
        close(dfd);
    }
    return 0;
}

/* Validate text as the new table against old and the models in use. */
static struct pricing *validate(const char *text, size_t len, const struct config *cfg,
                                struct pricing *old, const struct used *u, bool force,
                                char *err, size_t errlen)
{
    if (check_json(text, len, err, errlen) != 0)
        return NULL;
    struct pricing *neu = pricing_new();
    char perr[256];
    if (pricing_load_json(neu, text, len, perr, sizeof perr) < 0) {
        snprintf(err, errlen, "%s", perr);
        pricing_free(neu);
        return NULL;
    }
    apply_config(neu, cfg);
    size_t n = priced_count(neu), was = priced_count(old);
    size_t min = was / 2 > PRICES_MIN_MODELS ? was / 2 : PRICES_MIN_MODELS;
    if (n < min) {
        snprintf(err, errlen, "only %zu priced models (the table in force has %zu; at least "
                 "%zu expected): not a whole price table", n, was, min);
        pricing_free(neu);
        return NULL;
    }
    printf("%zu priced models (the table in force: %zu)\n", n, was);
    if (compare_in_use(old, neu, u, force, err, errlen) != 0) {
        pricing_free(neu);
        return NULL;
    }
    return neu;
}

static int update(const struct config *cfg, const char *db_path, const char *url, bool force)
{
    if (cfg->pricing_file) {
        fprintf(stderr, "spendtop: [pricing] file = \"%s\" replaces every other table: "
                "update that file instead\n", cfg->pricing_file);
        return 2;
    }
    char err[1024];
    struct prices_info info;
    struct pricing *old = prices_load(cfg, db_path, &info, err, sizeof err);
    struct used u = {0};
    if (!old || used_load(db_path, &u, err, sizeof err) != 0) {
        fprintf(stderr, "spendtop: %s\n", err);
        pricing_free(old);
        return 1;
    }
    struct download d = {0};
    printf("downloading %s\n", url);
    int rc = 1;
    struct pricing *neu = NULL;
    if (download(url, &d, err, sizeof err) == 0 &&
        (neu = validate(d.body.s, d.body.len, cfg, old, &u, force, err, sizeof err))) {
        char dir[4096];
        state_dir_of(db_path, dir, sizeof dir);
        if (store(dir, d.body.s, d.body.len, err, sizeof err) == 0) {
            /* the first table stored there has none before it */
            char prev[4200];
            snprintf(prev, sizeof prev, "%s/%s", dir, PRICES_PREVIOUS_FILE);
            bool kept = access(prev, F_OK) == 0;
            printf("stored %s/%s%s%s%s; a running spendtop takes it when restarted\n", dir,
                   PRICES_FILE, kept ? " (the previous table: " : "",
                   kept ? PRICES_PREVIOUS_FILE : "", kept ? ")" : "");
            rc = 0;
        }
    }
    if (rc != 0)
        fprintf(stderr, "spendtop: prices update: %s\n", err);
    pricing_free(neu);
    pricing_free(old);
    used_free(&u);
    strbuf_free(&d.body);
    return rc;
}

/* ---- the command ----------------------------------------------------------------------------------- */

static const char prices_usage[] =
    "usage: spendtop prices MODEL [--provider P]   how MODEL matches, its prices\n"
    "       spendtop prices --unpriced             models the database holds unpriced\n"
    "       spendtop prices update [URL] [--force] download, check and store a table\n"
    "options: -c FILE (config), --db FILE (state database; the table is stored beside it)\n";

struct prices_args {
    const char *config, *db, *provider;
    bool unpriced, force;
};

static int parse_args(int argc, char **argv, struct prices_args *a)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'}, {"db", required_argument, NULL, 'd'},
        {"provider", required_argument, NULL, 'p'}, {"unpriced", no_argument, NULL, 'u'},
        {"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'},
        /* the other modes (README "Running it"), refused by name */
        {"once", no_argument, NULL, 'm'}, {"daemon", no_argument, NULL, 'm'},
        {"check-config", no_argument, NULL, 'm'}, {"demo", no_argument, NULL, 'm'},
        {NULL, 0, NULL, 0},
    };
    int ch, at;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "c:h", longopts, &at)) != -1) {
        switch (ch) {
        case 'm':
            fprintf(stderr, "spendtop: prices and --%s are different modes: choose one\n",
                    longopts[at].name);
            return 2;
        case 'c': a->config = optarg; break;
        case 'd': a->db = optarg; break;
        case 'p': a->provider = optarg; break;
        case 'u': a->unpriced = true; break;
        case 'f': a->force = true; break;
        case 'h': fputs(prices_usage, stdout); return 0;
        default: fputs(prices_usage, stderr); return 2;
        }
    }
    return -1;
}

/* The subcommand for the parsed arguments, with the config loaded. */
static int run(const struct config *cfg, const struct prices_args *a, int argc, char **argv)
{
    const char *db = a->db ? a->db : cfg->db_path;
    int rest = argc - optind;
    if (rest >= 1 && strcmp(argv[optind], "update") == 0 && rest <= 2)
        return update(cfg, db, rest == 2 ? argv[optind + 1] : cfg->pricing_update_url,
                      a->force);
    char err[1024];
    struct prices_info info;
    struct pricing *p = prices_load(cfg, db, &info, err, sizeof err);
    if (!p) {
        fprintf(stderr, "spendtop: %s\n", err);
        return 2;
    }
    int rc;
    if (a->unpriced && rest == 0)
        rc = unpriced(p, db);
    else if (!a->unpriced && rest == 1)
        rc = explain(p, &info, argv[optind], a->provider);
    else {
        fputs(prices_usage, stderr);
        rc = 2;
    }
    pricing_free(p);
    return rc;
}

int prices_main(int argc, char **argv)
{
    struct prices_args a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    char *path = config_find(a.config);
    struct strbuf errs = {0};
    struct config *cfg = path ? config_load(path, &errs) : config_defaults();
    free(path);
    if (!cfg) {
        fputs(strbuf_str(&errs), stderr);
        strbuf_free(&errs);
        return 2;
    }
    strbuf_free(&errs);
    if (!clock_set_timezone(cfg->timezone)) {
        config_free(cfg);
        return 2;
    }
    rc = run(cfg, &a, argc, argv);
    config_free(cfg);
    return rc;
}
