/* owner.c - what the owner tells its viewers (see owner.h). */
#include "core/owner.h"

#include <cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/lockfile.h"
#include "lib/jsonw.h"
#include "lib/xalloc.h"

/* The stored names of enum source_state (schema.h: names, never numbers). */
static const char *const state_names[] = {
    [SOURCE_STARTING] = "starting", [SOURCE_OK] = "ok", [SOURCE_ERROR] = "error",
};

static void source_json(struct jsonw *w, const struct source_status *s, bool timed)
{
    jsonw_object_begin(w);
    jsonw_key(w, "name");
    jsonw_string(w, s->name);
    jsonw_key(w, "type");
    jsonw_string(w, s->type);
    jsonw_key(w, "usage_provider");
    if (s->usage_provider)
        jsonw_string(w, s->usage_provider);
    else
        jsonw_null(w);
    jsonw_key(w, "reports_billed");
    jsonw_bool(w, s->reports_billed);
    jsonw_key(w, "usage_known");
    jsonw_bool(w, s->usage_known);
    jsonw_key(w, "state");
    jsonw_string(w, state_names[s->state]);
    static const char *const ints[] = {"started", "last_success", "last_data",
                                       "records", "rejected", "no_usage"};
    const int64_t vals[] = {s->started, timed ? s->last_success : 0, s->last_data,
                            s->records, s->rejected, s->no_usage};
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        jsonw_key(w, ints[i]);
        jsonw_int(w, vals[i]);
    }
    jsonw_key(w, "last_error");
    jsonw_string(w, s->last_error);
    jsonw_object_end(w);
}

static void settings_json(struct jsonw *w, const struct owner_facts *f)
{
    jsonw_key(w, "timezone");
    jsonw_string(w, f->timezone);
    jsonw_key(w, "window");
    jsonw_int(w, f->window);
    jsonw_key(w, "refresh");
    jsonw_int(w, f->refresh);
    jsonw_key(w, "stale_after");
    jsonw_int(w, f->stale_after);
    jsonw_key(w, "alerts");
    jsonw_int(w, (int64_t)f->alerts);
    static const char *const lims[] = {"factor", "mix_shift", "cache_drop", "reasoning_factor"};
    const double vals[] = {f->factor, f->mix_shift, f->cache_drop, f->reasoning_factor};
    for (size_t i = 0; i < sizeof lims / sizeof *lims; i++) {
        jsonw_key(w, lims[i]);
        jsonw_double(w, vals[i]);
    }
    jsonw_key(w, "budgets");
    jsonw_array_begin(w);
    for (size_t i = 0; i < f->nbudgets; i++) {
        jsonw_object_begin(w);
        jsonw_key(w, "tenant");
        jsonw_string(w, f->budgets[i].tenant);
        jsonw_key(w, "daily_usd");
        jsonw_double(w, f->budgets[i].daily_usd); /* NAN: null */
        jsonw_object_end(w);
    }
    jsonw_array_end(w);
}

/* The budgets per period (owner.h) and the prices in force. */
static void periods_json(struct jsonw *w, const struct owner_facts *f)
{
    jsonw_key(w, "periods");
    jsonw_array_begin(w);
    for (size_t i = 0; i < f->nperiods; i++) {
        const struct budget_settings *b = &f->periods[i];
        jsonw_object_begin(w);
        jsonw_key(w, "scope");
        jsonw_string(w, b->scope);
        jsonw_key(w, "period");
        jsonw_string(w, b->period);
        jsonw_key(w, "amount_usd");
        jsonw_double(w, b->amount_usd);
        jsonw_key(w, "thresholds");
        jsonw_array_begin(w);
        for (size_t j = 0; j < b->nthresholds; j++)
            jsonw_double(w, b->thresholds[j]);
        jsonw_array_end(w);
        jsonw_object_end(w);
    }
    jsonw_array_end(w);
    jsonw_key(w, "prices");
    jsonw_string(w, f->prices);
    jsonw_key(w, "prices_source");
    jsonw_string(w, f->prices_source);
    jsonw_key(w, "prices_date");
    jsonw_int(w, f->prices_date);
}

static void facts_json(const struct owner_facts *f, struct strbuf *out, bool timed)
{
    struct jsonw w;
    jsonw_init(&w, out, false);
    jsonw_object_begin(&w);
    settings_json(&w, f);
    periods_json(&w, f);
    jsonw_key(&w, "sources");
    jsonw_array_begin(&w);
    for (size_t i = 0; i < f->nsources; i++)
        source_json(&w, &f->sources[i], timed);
    jsonw_array_end(&w);
    jsonw_object_end(&w);
}

void owner_facts_json(const struct owner_facts *f, struct strbuf *out)
{
    facts_json(f, out, true);
}

void owner_facts_json_untimed(const struct owner_facts *f, struct strbuf *out)
{
    facts_json(f, out, false);
}

/* Step s to its end; 0, or -1 with the reason in db_error (the owner
 * logs it: "database or disk is full", never an empty reason). */
static int finish(struct db *db, sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE)
        db_fail(db); /* before the finalize, which may reset the message */
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : -1;
}

int owner_publish(struct db *db, const struct owner_facts *f, const char *json)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2((sqlite3 *)db_handle(db),
                           "INSERT OR REPLACE INTO owner(id, pid, mode, started, facts)"
                           " VALUES(1,?,?,?,?)", -1, &s, NULL) != SQLITE_OK)
        return db_fail(db);
    sqlite3_bind_int64(s, 1, f->pid);
    sqlite3_bind_text(s, 2, f->mode, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, f->started);
    sqlite3_bind_text(s, 4, json, -1, SQLITE_STATIC);
    int rc = finish(db, s);
    lockfile_test_pause("published");
    return rc;
}

/* ---- reading ---------------------------------------------------------------------- */

static int64_t get_int(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

static double get_num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* A string member copied (NULL when absent or not a string). */
static char *get_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? xstrdup(v->valuestring) : NULL;
}

static void read_source(const cJSON *o, struct source_status *s)
{
    char *name = get_str(o, "name"), *type = get_str(o, "type");
    s->name = name ? name : xstrdup("?");
    s->type = type ? type : xstrdup("?");
    s->usage_provider = get_str(o, "usage_provider");
    s->reports_billed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "reports_billed"));
    s->usage_known = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "usage_known"));
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "state");
    s->state = SOURCE_STARTING;
    for (size_t i = 0; i < sizeof state_names / sizeof *state_names; i++)
        if (cJSON_IsString(st) && strcmp(st->valuestring, state_names[i]) == 0)
            s->state = (enum source_state)i;
    s->started = get_int(o, "started");
    s->last_success = get_int(o, "last_success");
    s->last_data = get_int(o, "last_data");
    s->records = get_int(o, "records");
    s->rejected = get_int(o, "rejected");
    s->no_usage = get_int(o, "no_usage");
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "last_error");
    snprintf(s->last_error, sizeof s->last_error, "%s",
             cJSON_IsString(e) ? e->valuestring : "");
}

/* One budget per period; false (skipped) unless its scope, period and
 * amount read (the owner checked them: a row that does not is not its). */
static bool read_period(const cJSON *o, struct budget_settings *b)
{
    const cJSON *per = cJSON_GetObjectItemCaseSensitive(o, "period");
    const cJSON *th = cJSON_GetObjectItemCaseSensitive(o, "thresholds"), *it;
    memset(b, 0, sizeof *b);
    for (size_t i = 0; budget_period_names[i] && cJSON_IsString(per); i++)
        if (strcmp(per->valuestring, budget_period_names[i]) == 0)
            b->period = budget_period_names[i]; /* compared by address */
    b->amount_usd = get_num(o, "amount_usd");
    if (!b->period || !isfinite(b->amount_usd) || !(b->scope = get_str(o, "scope")))
        return false;
    b->thresholds = xcalloc((size_t)cJSON_GetArraySize(th) + 1, sizeof *b->thresholds);
    cJSON_ArrayForEach(it, th)
        if (cJSON_IsNumber(it))
            b->thresholds[b->nthresholds++] = it->valuedouble;
    return true;
}

static void read_prices(const cJSON *root, struct owner_facts *f)
{
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "prices");
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(root, "prices_source");
    snprintf(f->prices, sizeof f->prices, "%s", cJSON_IsString(d) ? d->valuestring : "");
    snprintf(f->prices_source, sizeof f->prices_source, "%s",
             cJSON_IsString(src) ? src->valuestring : "");
    f->prices_date = get_int(root, "prices_date");
}

static void read_settings(const cJSON *root, struct owner_facts *f)
{
    const cJSON *tz = cJSON_GetObjectItemCaseSensitive(root, "timezone");
    snprintf(f->timezone, sizeof f->timezone, "%s", cJSON_IsString(tz) ? tz->valuestring : "UTC");
    f->window = get_int(root, "window");
    f->refresh = get_int(root, "refresh");
    f->stale_after = get_int(root, "stale_after");
    f->alerts = (uint64_t)get_int(root, "alerts");
    f->factor = get_num(root, "factor");
    f->mix_shift = get_num(root, "mix_shift");
    f->cache_drop = get_num(root, "cache_drop");
    f->reasoning_factor = get_num(root, "reasoning_factor");
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(root, "budgets"), *it;
    f->budgets = xcalloc((size_t)cJSON_GetArraySize(b) + 1, sizeof *f->budgets);
    cJSON_ArrayForEach(it, b) {
        char *t = get_str(it, "tenant");
        if (t)
            f->budgets[f->nbudgets++] = (struct view_budget){t, get_num(it, "daily_usd")};
    }
    const cJSON *per = cJSON_GetObjectItemCaseSensitive(root, "periods");
    f->periods = xcalloc((size_t)cJSON_GetArraySize(per) + 1, sizeof *f->periods);
    cJSON_ArrayForEach(it, per)
        f->nperiods += read_period(it, &f->periods[f->nperiods]);
    read_prices(root, f);
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(root, "sources");
    f->sources = xcalloc((size_t)cJSON_GetArraySize(src) + 1, sizeof *f->sources);
    cJSON_ArrayForEach(it, src)
        read_source(it, &f->sources[f->nsources++]);
}

int owner_read(struct db *db, struct owner_facts *f)
{
    memset(f, 0, sizeof *f);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2((sqlite3 *)db_handle(db),
                           "SELECT pid, mode, started, facts FROM owner WHERE id = 1", -1,
                           &s, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(s);
        return rc == SQLITE_DONE ? 1 : -1;
    }
    f->pid = (long)sqlite3_column_int64(s, 0);
    const unsigned char *mode = sqlite3_column_text(s, 1);
    snprintf(f->mode, sizeof f->mode, "%s", mode ? (const char *)mode : "");
    f->started = sqlite3_column_int64(s, 2);
    const char *json = (const char *)sqlite3_column_text(s, 3);
    cJSON *root = json ? cJSON_Parse(json) : NULL;
    sqlite3_finalize(s);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return -1;
    }
    read_settings(root, f);
    cJSON_Delete(root);
    return 0;
}

void owner_facts_free(struct owner_facts *f)
{
    for (size_t i = 0; i < f->nbudgets; i++)
        free((char *)f->budgets[i].tenant);
    for (size_t i = 0; i < f->nsources; i++) {
        free((char *)f->sources[i].name);
        free((char *)f->sources[i].type);
        free((char *)f->sources[i].usage_provider);
    }
    for (size_t i = 0; i < f->nperiods; i++) {
        free(f->periods[i].scope);
        free(f->periods[i].thresholds);
    }
    free(f->budgets);
    free(f->periods);
    free(f->sources);
    memset(f, 0, sizeof *f);
}

/* ---- requests --------------------------------------------------------------------- */

int owner_request_put(struct db *db, const char *kind, const char *arg, int64_t at)
{
    sqlite3_stmt *s;
    if (!db_writable(db) ||
        sqlite3_prepare_v2((sqlite3 *)db_handle(db),
                           "INSERT INTO requests(kind, arg, at, pid) VALUES(?,?,?,?)", -1, &s,
                           NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, arg, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, at);
    sqlite3_bind_int64(s, 4, (int64_t)getpid());
    return finish(db, s);
}

struct request {
    char kind[16], arg[64];
    int64_t at;
    long pid;
};

/* The requests written so far (at most max), and the last one's seq. */
static int read_requests(sqlite3 *h, struct request *r, int max, int64_t *last)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(h, "SELECT seq, kind, arg, at, pid FROM requests ORDER BY seq"
                           " LIMIT ?", -1, &s, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int(s, 1, max);
    int n = 0, rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *last = sqlite3_column_int64(s, 0);
        const unsigned char *kind = sqlite3_column_text(s, 1), *arg = sqlite3_column_text(s, 2);
        snprintf(r[n].kind, sizeof r[n].kind, "%s", kind ? (const char *)kind : "");
        snprintf(r[n].arg, sizeof r[n].arg, "%s", arg ? (const char *)arg : "");
        r[n].at = sqlite3_column_int64(s, 3);
        r[n].pid = (long)sqlite3_column_int64(s, 4);
        n++;
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? n : -1;
}

int owner_requests_take(struct db *db, owner_request_fn fn, void *ctx)
{
    /* a few at a time: a viewer cannot make the owner's tick long */
    struct request r[32];
    sqlite3 *h = (sqlite3 *)db_handle(db);
    int64_t last = 0;
    int n = read_requests(h, r, (int)(sizeof r / sizeof *r), &last);
    if (n < 0)
        return db_fail(db);
    if (n == 0)
        return 0;
    /* deleted before they are done: a request must not be done twice */
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(h, "DELETE FROM requests WHERE seq <= ?", -1, &s, NULL) != SQLITE_OK)
        return db_fail(db);
    sqlite3_bind_int64(s, 1, last);
    if (finish(db, s) != 0)
        return -1;
    for (int i = 0; i < n; i++)
        fn(ctx, r[i].kind, r[i].arg, r[i].at, r[i].pid);
    return n;
}
