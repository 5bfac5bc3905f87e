/* budget.c - budgets per calendar period (see budget.h). */
#include "core/budget.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/clock.h"
#include "lib/hmap.h"
#include "lib/log.h"
#include "lib/xalloc.h"

/* ---- [[budget]] ------------------------------------------------------------------ */

const char *const budget_period_names[] = {"day", "week", "month", NULL};

static const char *const scope_kinds[] = {"total", "tenant", "provider", "model", NULL};

/* "total", or KIND:NAME with a non-empty name; a model's provider and
 * model each non-empty ("model:openai/" named no model: a budget that
 * counted nothing, $0.00 for good) */
static void check_scope(struct settings_ctx *c, const struct toml_value *v, void *settings)
{
    const char *s = ((struct budget_settings *)settings)->scope;
    if (strcmp(s, "total") == 0)
        return;
    const char *colon = strchr(s, ':');
    size_t n = colon ? (size_t)(colon - s) : 0;
    bool model = colon && n == 5 && strncmp(s, "model", 5) == 0;
    const char *slash = model ? strchr(colon + 1, '/') : NULL;
    bool named = colon && colon[1] && (!slash || (slash > colon + 1 && slash[1]));
    for (size_t i = 1; named && scope_kinds[i]; i++)
        if (strlen(scope_kinds[i]) == n && strncmp(scope_kinds[i], s, n) == 0)
            return;
    settings_error(c, v, "budget scope '%s' must be \"total\", \"tenant:NAME\", "
                   "\"provider:NAME\" or \"model:[PROVIDER/]MODEL\"", s);
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static void release_thresholds(const struct setting *k, void *settings)
{
    (void)k;
    struct budget_settings *b = settings;
    free(b->thresholds);
    b->thresholds = NULL;
    b->nthresholds = 0;
}

/* thresholds = [50, 80, 100]: percent of the amount, each once per period */
static bool parse_thresholds(struct settings_ctx *c, const struct setting *k,
                             const struct toml_value *v, void *settings)
{
    size_t n = toml_type(v) == TOML_ARRAY ? toml_array_size(v) : 0;
    if (n == 0 || n > 16) {
        settings_error(c, v, "'%s' must be an array of 1 to 16 percentages ([50, 80, 100])",
                       k->name);
        return false;
    }
    double *t = xcalloc(n, sizeof *t);
    for (size_t i = 0; i < n; i++) {
        const struct toml_value *e = toml_array_at(v, i);
        double pct = (toml_type(e) == TOML_FLOAT || toml_type(e) == TOML_INTEGER)
                         ? toml_float(e) : NAN;
        /* a fraction (0.8 for 80%) reads as under 1%: every page at once */
        if (!(pct >= 1 && pct <= 1000)) {
            settings_error(c, e, "a budget threshold is a percentage from 1 to 1000 "
                           "(80 for 80%%, not 0.8)");
            free(t);
            return false;
        }
        t[i] = pct / 100;
    }
    qsort(t, n, sizeof *t, cmp_double);
    release_thresholds(k, settings);
    ((struct budget_settings *)settings)->thresholds = t;
    ((struct budget_settings *)settings)->nthresholds = n;
    return true;
}

static const struct setting budget_keys[] = {
    {.name = "scope", .type = SETTING_STRING, .offset = offsetof(struct budget_settings, scope),
     .required = true, .check = check_scope, .example = "\"tenant:acme\"",
     .doc = "\"total\", \"tenant:NAME\", \"provider:NAME\" or \"model:[PROVIDER/]MODEL\""},
    {.name = "period", .type = SETTING_ENUM, .offset = offsetof(struct budget_settings, period),
     .def = "\"month\"", .names = budget_period_names,
     .doc = "a calendar day, week (from Monday) or month in [general] timezone"},
    {.name = "amount_usd", .type = SETTING_FLOAT,
     .offset = offsetof(struct budget_settings, amount_usd), .required = true,
     .min = 0.000001, .max = 1e12, .example = "5000.0", .doc = "the budget for one period"},
    {.name = "thresholds", .type = SETTING_CUSTOM, .parse = parse_thresholds,
     .release = release_thresholds, .def = "[50, 80, 100]",
     .doc = "percent of the amount: each notifies once per period (the budget alert kind)"},
    {0},
};

void budget_settings_init(struct budget_settings *b)
{
    settings_defaults(budget_keys, b);
}

void budget_settings_load(struct settings_ctx *c, const struct toml_value *t,
                          struct budget_settings *b)
{
    const struct setting *tables[] = {budget_keys};
    settings_check_unknown(c, t, tables, 1, "[[budget]]");
    settings_load(c, t, budget_keys, b, "[[budget]]");
    if (!b->scope)
        b->scope = xstrdup("total");
}

void budget_settings_free(struct budget_settings *b)
{
    settings_free(budget_keys, b);
}

void budget_settings_example(struct strbuf *out)
{
    settings_write_comment(out, "Budgets per calendar period. Each threshold notifies once "
                                "per period (the budget alert kind); budget_forecast warns "
                                "before the amount is reached. A [[tenant]]'s "
                                "daily_budget_usd is a day budget of that tenant.");
    strbuf_puts(out, "# [[budget]]\n");
    settings_write_example(budget_keys, true, 35, out);
}

/* ---- periods ------------------------------------------------------------------------ */

void budget_period_bounds(const char *period, int64_t t, int64_t *start, int64_t *end)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    int days = 1;
    if (strcmp(period, "week") == 0) {
        tm.tm_mday -= (tm.tm_wday + 6) % 7; /* back to Monday */
        days = 7;
    } else if (strcmp(period, "month") == 0) {
        tm.tm_mday = 1;
        days = 0;
    }
    struct tm e = tm;
    tm.tm_isdst = -1;
    *start = (int64_t)mktime(&tm);
    if (days)
        e.tm_mday += days;
    else
        e.tm_mon += 1;
    e.tm_isdst = -1;
    *end = (int64_t)mktime(&e);
}

/* ---- the budgets ---------------------------------------------------------------------- */

enum scope_kind { SC_TOTAL, SC_TENANT, SC_PROVIDER, SC_MODEL };

struct budget {
    const struct budget_settings *cfg;
    enum scope_kind kind;
    char a[200];           /* tenant, provider, or the model's provider ("" = any) */
    char b[200];           /* the model */
    size_t next_tenant;    /* SC_TENANT: the next budget of the same tenant, + 1 */
};

/* One remembered day of one scope. */
struct day_sum {
    char *scope;
    int64_t day;
    double usd;
};

/* The last fill (budgets_fill_view), given again while nothing it read has
 * changed: the store (its generation), the minute (a period's spend moves
 * by minute buckets; the forecast is redone each minute), the day's
 * bounds, the sources' precedence and the days remembered. A dashboard
 * makes a view each time its host's data moves - a viewer each second,
 * with the owner's sources' times - and a fill walks each budget's series
 * over eight days of hours: nine tenths of an idle viewer's CPU at
 * 100,000 series. */
struct fill_memo {
    bool valid;
    const struct store *st;
    uint64_t generation, sources;
    int64_t minute, day_start;
    struct view_budget_period *out;     /* n of them */
    struct view_budget_period *ended;   /* n at most, nended of them */
    size_t nended;
};

/* A budget per tenant is ordinary (a [[tenant]]'s daily_budget_usd), so
 * a walk of the series must not ask every budget about every series
 * (1,000 budgets x 100,000 series per refresh): a series is offered to
 * the budgets of its tenant, found by name, and to the few others. The
 * days remembered are found by (scope, day) for the same reason. */
struct budgets {
    struct budget *b;
    size_t n;
    struct budget_settings *cfg; /* its own copy: a viewer's facts come and go */
    struct fill_memo *memo; /* changed by a fill of a const budgets: a cache */
    struct hmap by_tenant;  /* tenant -> its first budget + 1 */
    size_t *others;         /* the budgets that are not a tenant's */
    size_t nothers;
    struct db *db;
    struct day_sum *days;
    size_t ndays, cap;
    struct hmap day_index;  /* (day, scope) -> position in days + 1 */
};

static void parse_scope(struct budget *b, const char *scope)
{
    const char *colon = strchr(scope, ':');
    b->kind = SC_TOTAL;
    if (!colon)
        return;
    const char *name = colon + 1;
    size_t n = (size_t)(colon - scope);
    if (n == 6 && strncmp(scope, "tenant", 6) == 0)
        b->kind = SC_TENANT;
    else if (n == 8 && strncmp(scope, "provider", 8) == 0)
        b->kind = SC_PROVIDER;
    else if (n == 5 && strncmp(scope, "model", 5) == 0)
        b->kind = SC_MODEL;
    const char *slash = b->kind == SC_MODEL ? strchr(name, '/') : NULL;
    if (slash) {
        snprintf(b->a, sizeof b->a, "%.*s", (int)(slash - name), name);
        snprintf(b->b, sizeof b->b, "%s", slash + 1);
    } else if (b->kind == SC_MODEL) {
        snprintf(b->b, sizeof b->b, "%s", name);
    } else {
        snprintf(b->a, sizeof b->a, "%s", name);
    }
}

static bool scope_has(const struct budget *b, const struct series_key *k)
{
    switch (b->kind) {
    case SC_TOTAL: return true;
    case SC_TENANT: return strcmp(b->a, k->tenant) == 0;
    case SC_PROVIDER: return strcmp(b->a, k->provider) == 0;
    case SC_MODEL:
        return strcmp(b->b, k->model) == 0 && (!b->a[0] || strcmp(b->a, k->provider) == 0);
    }
    return false;
}

/* The day index's key: the day's 8 bytes, then the scope. */
static size_t day_key(char *key, size_t len, const char *scope, int64_t day)
{
    memcpy(key, &day, sizeof day);
    size_t n = strnlen(scope, len - sizeof day);
    memcpy(key + sizeof day, scope, n);
    return sizeof day + n;
}

static double *day_find(const struct budgets *bs, const char *scope, int64_t day)
{
    char key[sizeof day + 512];
    void *v = hmap_get(&bs->day_index, key, day_key(key, sizeof key, scope, day));
    return v ? &bs->days[(intptr_t)v - 1].usd : NULL;
}

static void day_index(struct budgets *bs)
{
    hmap_free(&bs->day_index, NULL);
    memset(&bs->day_index, 0, sizeof bs->day_index);
    char key[sizeof(int64_t) + 512];
    for (size_t i = 0; i < bs->ndays; i++)
        *hmap_put(&bs->day_index, key, day_key(key, sizeof key, bs->days[i].scope,
                                                bs->days[i].day)) = (void *)(intptr_t)(i + 1);
}

static void day_set(struct budgets *bs, const char *scope, int64_t day, double usd)
{
    double *d = day_find(bs, scope, day);
    if (d) {
        bs->memo->valid &= *d == usd;
        *d = usd;
        return;
    }
    bs->memo->valid = false;
    xgrow(&bs->days, &bs->cap, bs->ndays + 1, sizeof *bs->days);
    bs->days[bs->ndays++] = (struct day_sum){xstrdup(scope), day, usd};
    char key[sizeof day + 512];
    *hmap_put(&bs->day_index, key, day_key(key, sizeof key, scope, day)) =
        (void *)(intptr_t)bs->ndays;
}

static void load_days(struct budgets *bs)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db_handle(bs->db), "SELECT scope, day, usd FROM budget_days",
                           -1, &s, NULL) != SQLITE_OK) {
        log_msg(LOG_ERROR, "budgets: cannot read the days remembered: %s",
                sqlite3_errmsg(db_handle(bs->db)));
        return;
    }
    while (sqlite3_step(s) == SQLITE_ROW) {
        const unsigned char *scope = sqlite3_column_text(s, 0);
        if (scope)
            day_set(bs, (const char *)scope, sqlite3_column_int64(s, 1),
                    sqlite3_column_double(s, 2));
    }
    sqlite3_finalize(s);
}

struct budgets *budgets_new(const struct budget_settings *cfg, size_t n, struct db *db)
{
    struct budgets *bs = xcalloc(1, sizeof *bs);
    bs->b = xcalloc(n ? n : 1, sizeof *bs->b);
    bs->n = n;
    bs->memo = xcalloc(1, sizeof *bs->memo);
    bs->memo->out = xcalloc(n ? n : 1, sizeof *bs->memo->out);
    bs->memo->ended = xcalloc(n ? n : 1, sizeof *bs->memo->ended);
    bs->db = db;
    bs->others = xcalloc(n ? n : 1, sizeof *bs->others);
    bs->cfg = xcalloc(n ? n : 1, sizeof *bs->cfg);
    for (size_t i = 0; i < n; i++) {
        bs->cfg[i] = cfg[i];
        bs->cfg[i].scope = xstrdup(cfg[i].scope);
        bs->cfg[i].thresholds = xmalloc((cfg[i].nthresholds + 1) * sizeof *cfg[i].thresholds);
        memcpy(bs->cfg[i].thresholds, cfg[i].thresholds,
               cfg[i].nthresholds * sizeof *cfg[i].thresholds);
    }
    /* backwards, so that each tenant's list is in the config's order */
    for (size_t i = n; i-- > 0;) {
        struct budget *b = &bs->b[i];
        b->cfg = &bs->cfg[i];
        parse_scope(b, b->cfg->scope);
        if (b->kind != SC_TENANT)
            continue;
        void **first = hmap_put(&bs->by_tenant, b->a, strlen(b->a));
        b->next_tenant = (size_t)(intptr_t)*first;
        *first = (void *)(intptr_t)(i + 1);
    }
    for (size_t i = 0; i < n; i++)
        if (bs->b[i].kind != SC_TENANT)
            bs->others[bs->nothers++] = i;
    if (db)
        load_days(bs);
    return bs;
}

bool budgets_configured_as(const struct budgets *bs, const struct budget_settings *cfg, size_t n)
{
    if (bs->n != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        const struct budget_settings *a = &bs->cfg[i], *b = &cfg[i];
        if (strcmp(a->scope, b->scope) != 0 || a->period != b->period ||
            a->amount_usd != b->amount_usd || a->nthresholds != b->nthresholds ||
            memcmp(a->thresholds, b->thresholds, a->nthresholds * sizeof *a->thresholds) != 0)
            return false;
    }
    return true;
}

void budgets_free(struct budgets *bs)
{
    if (!bs)
        return;
    for (size_t i = 0; i < bs->ndays; i++)
        free(bs->days[i].scope);
    free(bs->days);
    hmap_free(&bs->day_index, NULL);
    hmap_free(&bs->by_tenant, NULL);
    for (size_t i = 0; i < bs->n; i++)
        budget_settings_free(&bs->cfg[i]);
    free(bs->cfg);
    free(bs->memo->out);
    free(bs->memo->ended);
    free(bs->memo);
    free(bs->b);
    free(bs->others);
    free(bs);
}

/* ---- one budget's sums ------------------------------------------------------------------ */

/* Hour slots from the baseline's first hour to the current hour. */
#define NSLOTS (BASELINE_DAYS * 24 + 1)

/* What the forecast and the figures need of one budget's scope, from one
 * walk of the series. */
struct scope_sums {
    double held;             /* priced spend in [held_from, now) */
    bool priced, unpriced;   /* activity of each kind in it */
    double day_hour[BASELINE_DAYS + 1]; /* [d]: the same hour d days back */
    double slot[NSLOTS];     /* priced spend by hour from hour0 */
    int64_t hour0;
    struct view_budget_period *out; /* for the models */
};

/* usd of (provider, model) into out's top models, keeping the largest. */
static void top_add(struct view_budget_period *out, const char *provider, const char *model,
                    double usd)
{
    size_t i = 0;
    while (i < out->ntop && !(strcmp(out->top[i].provider, provider) == 0 &&
                              strcmp(out->top[i].model, model) == 0))
        i++;
    if (i == out->ntop) {
        if (out->ntop < VIEW_BUDGET_TOP) {
            out->ntop++;
        } else {
            i = VIEW_BUDGET_TOP - 1; /* replaces the smallest if larger */
            if (!(usd > out->top[i].usd))
                return;
        }
        snprintf(out->top[i].provider, sizeof out->top[i].provider, "%s", provider);
        snprintf(out->top[i].model, sizeof out->top[i].model, "%s", model);
        out->top[i].usd = 0;
    }
    out->top[i].usd += usd;
    for (; i > 0 && out->top[i].usd > out->top[i - 1].usd; i--) {
        struct view_budget_model t = out->top[i];
        out->top[i] = out->top[i - 1];
        out->top[i - 1] = t;
    }
}

/* Every counted series of b's scope into s. Models are summed per series
 * (a model over several series is one entry). */
/* The series each budget's scope holds, counted as the view counts them
 * (view_series_counted), from one walk of the store. */
struct scope_ids {
    int *ids;
    size_t n, cap;
};

static void ids_add(struct scope_ids *l, int id)
{
    xgrow(&l->ids, &l->cap, l->n + 1, sizeof *l->ids);
    l->ids[l->n++] = id;
}

static struct scope_ids *scope_ids_new(const struct budgets *bs, const struct store *st,
                                       const struct view_params *p)
{
    struct scope_ids *l = xcalloc(bs->n ? bs->n : 1, sizeof *l);
    for (size_t id = 0; id < store_series_count(st); id++) {
        if (!store_series_live(st, (int)id))
            continue;
        const struct series_key *k = store_series_key(st, (int)id);
        void *t = hmap_get(&bs->by_tenant, k->tenant, strlen(k->tenant));
        bool any = t != NULL;
        for (size_t i = 0; i < bs->nothers && !any; i++)
            any = scope_has(&bs->b[bs->others[i]], k);
        if (!any || !view_series_counted(p, k))
            continue;
        for (size_t i = (size_t)(intptr_t)t; i; i = bs->b[i - 1].next_tenant)
            ids_add(&l[i - 1], (int)id);
        for (size_t i = 0; i < bs->nothers; i++)
            if (scope_has(&bs->b[bs->others[i]], k))
                ids_add(&l[bs->others[i]], (int)id);
    }
    return l;
}

static void scope_ids_free(const struct budgets *bs, struct scope_ids *l)
{
    for (size_t i = 0; i < bs->n; i++)
        free(l[i].ids);
    free(l);
}

/* forecast: the hour sums the forecast reads too (a period that ended
 * has none to make). */
static void scope_walk(const struct scope_ids *b, const struct store *st,
                       const struct view_params *p, int64_t held_from, bool forecast,
                       struct scope_sums *s)
{
    struct tally slots[NSLOTS];
    memset(slots, 0, sizeof slots);
    s->hour0 = p->now - p->now % CLOCK_HOUR - BASELINE_DAYS * (int64_t)CLOCK_DAY;
    for (size_t i = 0; i < b->n; i++) {
        int id = b->ids[i];
        const struct series_key *k = store_series_key(st, id);
        struct tally t;
        store_sum(st, id, held_from, p->now, &t);
        if (store_series_price(st, id) == PRICE_NONE) {
            s->unpriced |= tally_active(&t);
            continue;
        }
        s->priced |= tally_active(&t) || t.cost != 0;
        s->held += t.cost;
        if (t.cost > 0)
            top_add(s->out, k->provider, k->model, t.cost);
        if (!forecast)
            continue;
        for (int d = 0; d <= BASELINE_DAYS; d++) {
            int64_t end = p->now - d * (int64_t)CLOCK_DAY;
            store_sum(st, id, end - CLOCK_HOUR, end, &t);
            s->day_hour[d] += t.cost;
        }
        store_hourly(st, id, s->hour0, NSLOTS, slots);
    }
    for (int i = 0; i < NSLOTS; i++)
        s->slot[i] = slots[i].cost;
}

/* ---- the forecast ------------------------------------------------------------------------ */

/* The projection: rate[j] $/h for the hour starting at the current hour
 * + j hours (j mod 24), or a flat rate when flat. */
struct projection {
    double rate[24];
    bool never;
};

/* The hour-of-day profile from the baseline days held (first = the first
 * minute the store holds), scaled to the last hour's burn (budget.h). */
static void project(const struct scope_sums *s, int64_t now, int64_t first,
                    struct projection *pr)
{
    int64_t hour = now - now % CLOCK_HOUR;
    int cur = NSLOTS - 1; /* the slot of the current hour */
    int ndays = 0;
    while (ndays < BASELINE_DAYS &&
           first <= hour - (ndays + 1) * (int64_t)CLOCK_DAY - CLOCK_HOUR)
        ndays++;
    double prof[24] = {0}, base = 0; /* base: the usual last hour */
    for (int d = 1; d <= ndays; d++) {
        for (int j = 0; j < 24; j++)
            prof[j] += s->slot[cur - d * 24 + j] / ndays;
        base += s->day_hour[d] / ndays;
    }
    double last = s->day_hour[0], mean = 0; /* mean: the usual hour of the day */
    for (int j = 0; j < 24; j++)
        mean += prof[j] / 24;
    /* A rise is measured against at least the usual mean hour: a $1 burst
     * in an hour that usually spends $0.01 is not a day at 100 times its
     * usual spend (it paged a $100 day budget whose usual day is $80 to
     * cross at 09:05), while twice the usual at a busy hour is still twice
     * the rest of the day. A calm-down is believed as it is. */
    double r = base > 0 ? last / base : 1;
    if (last > base && base > 0)
        r = fmax(1, last / fmax(base, mean));
    bool shaped = ndays > 0 && (base > 0 || last <= 0);
    for (int j = 0; j < 24; j++)
        pr->rate[j] = shaped ? r * prof[j] : last;
    pr->never = true;
    for (int j = 0; j < 24; j++)
        pr->never &= !(pr->rate[j] > 0);
}

/* When spent reaches limit by projection pr before end; 0 if it does not. */
static int64_t crossing(const struct projection *pr, int64_t now, int64_t end, double spent,
                        double limit)
{
    double left = limit - spent;
    if (!(left > 0) || pr->never)
        return 0;
    int64_t hour = now - now % CLOCK_HOUR;
    for (int64_t k = 0;; k++) {
        int64_t t0 = hour + k * CLOCK_HOUR, t1 = t0 + CLOCK_HOUR;
        if (t0 < now)
            t0 = now;
        if (t0 >= end)
            return 0;
        if (t1 > end)
            t1 = end;
        double rate = pr->rate[k % 24];
        double amount = rate * (double)(t1 - t0) / CLOCK_HOUR;
        if (rate > 0 && amount >= left)
            return t0 + (int64_t)ceil(left / rate * CLOCK_HOUR);
        left -= amount;
    }
}

/* ---- the view ------------------------------------------------------------------------------ */

/* The first day the store holds whole (it keeps STORE_RETENTION): older
 * days of a period come from the days remembered. */
static int64_t held_cut(int64_t now)
{
    return clock_day_end(now - STORE_RETENTION);
}

static void fill_one(const struct budgets *bs, const struct budget *b,
                     const struct scope_ids *ids, const struct store *st,
                     const struct view_params *p, int64_t first, bool forecast,
                     struct view_budget_period *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->scope, sizeof out->scope, "%s", b->cfg->scope);
    snprintf(out->period, sizeof out->period, "%s", b->cfg->period);
    /* the period of the last second counted ([..., now) ends there): the
     * evaluation at 00:00 is the day's last minute's, so $4 of $4 landing
     * at 23:59:30 is the day's 100%, not a new day's $0 - never paged */
    budget_period_bounds(b->cfg->period, p->now - 1, &out->period_start, &out->period_end);
    out->limit_usd = b->cfg->amount_usd;
    int64_t cut = held_cut(p->now);
    int64_t held_from = out->period_start > cut ? out->period_start : cut;
    struct scope_sums s = {.out = out};
    scope_walk(ids, st, p, held_from, forecast, &s);
    double older = 0;
    for (int64_t d = out->period_start; d < held_from; d = clock_day_end(d)) {
        const double *usd = day_find(bs, b->cfg->scope, d);
        older += usd ? *usd : 0;
    }
    /* unknown only when nothing in the period is known: a month's earlier
     * days remembered at $60, then a week of unpriced models, is $60 of
     * known spend (a lower bound, as a view's mixed spend is), not n/a -
     * which had no threshold, no forecast, no page */
    out->spent_usd = s.unpriced && !s.priced && !(older > 0) ? NAN : s.held + older;
    out->used = out->spent_usd / out->limit_usd;
    for (size_t i = 0; i < b->cfg->nthresholds; i++)
        if (out->used >= b->cfg->thresholds[i])
            out->crossed = b->cfg->thresholds[i];
    if (forecast && isfinite(out->spent_usd)) {
        struct projection pr;
        project(&s, p->now, first, &pr);
        out->forecast_at = crossing(&pr, p->now, out->period_end, out->spent_usd,
                                    out->limit_usd);
    }
}

/* Each tenant row's budget: the one of its budgets nearest its amount
 * (the most used), whatever its period - what the Tenants pane shows, so
 * that the snapshot says and sorts the same. */
static void tenants_take_budgets(const struct budgets *bs, struct view *v)
{
    if (!bs->by_tenant.count)
        return;
    for (size_t t = 0; t < v->ntenants; t++) {
        struct view_tenant *vt = &v->tenants[t];
        void *first = hmap_get(&bs->by_tenant, vt->tenant, strlen(vt->tenant));
        const struct view_budget_period *best = NULL;
        for (size_t i = (size_t)(intptr_t)first; i; i = bs->b[i - 1].next_tenant) {
            const struct view_budget_period *b = &v->budgets[i - 1];
            if (!best || (isfinite(b->used) && !(b->used <= best->used)))
                best = b;
        }
        if (best) {
            vt->budget_usd = best->limit_usd;
            vt->budget_used = best->used;
        }
    }
}

/* What decides which series a view counts (view_series_counted): the
 * sources' names, providers and kinds, not their health or times. */
static uint64_t sources_fingerprint(const struct view_params *p)
{
    uint64_t h = p->nsources;
    for (size_t i = 0; i < p->nsources; i++) {
        const struct source_status *s = &p->sources[i];
        const char *parts[] = {s->name, s->usage_provider ? s->usage_provider : "\x01"};
        for (size_t k = 0; k < 2; k++)
            h = (h ^ hmap_hash(parts[k], strlen(parts[k]))) * 0x100000001b3u;
        h = (h ^ (uint64_t)s->usage_known) * 0x100000001b3u;
    }
    return h;
}

/* The period of budget b that ended less than BUDGET_LATE before p->now
 * into out, as it stands now (late spend in it); false when none did. */
static bool fill_ended(const struct budgets *bs, const struct budget *b,
                       const struct scope_ids *ids, const struct store *st,
                       const struct view_params *p, int64_t first,
                       struct view_budget_period *out)
{
    int64_t start, end;
    budget_period_bounds(b->cfg->period, p->now - 1, &start, &end);
    if (p->now - start >= BUDGET_LATE)
        return false;
    struct view_params at_end = *p;
    at_end.now = start; /* the evaluation at its end: [..., start) */
    fill_one(bs, b, ids, st, &at_end, first, false, out);
    return true;
}

void budgets_fill_view(const struct budgets *bs, const struct store *st,
                       const struct view_params *p, struct view *v)
{
    free(v->budgets);
    free(v->budgets_ended);
    v->budgets = xcalloc(bs->n ? bs->n : 1, sizeof *v->budgets);
    v->nbudgets = bs->n;
    v->budgets_ended = xcalloc(bs->n ? bs->n : 1, sizeof *v->budgets_ended);
    v->nbudgets_ended = 0;
    if (!bs->n)
        return;
    struct fill_memo *m = bs->memo, key = {
        .valid = true, .st = st, .generation = store_generation(st),
        .sources = sources_fingerprint(p), .minute = clock_floor(p->now, CLOCK_MINUTE),
        .day_start = p->day_start,
    };
    if (m->valid && m->st == key.st && m->generation == key.generation &&
        m->sources == key.sources && m->minute == key.minute && m->day_start == key.day_start) {
        memcpy(v->budgets, m->out, bs->n * sizeof *v->budgets);
        memcpy(v->budgets_ended, m->ended, m->nended * sizeof *v->budgets_ended);
        v->nbudgets_ended = m->nended;
    } else {
        struct scope_ids *ids = scope_ids_new(bs, st, p);
        int64_t first = store_first_minute(st); /* a walk of its own: once */
        for (size_t i = 0; i < bs->n; i++) {
            fill_one(bs, &bs->b[i], &ids[i], st, p, first, true, &v->budgets[i]);
            v->nbudgets_ended += fill_ended(bs, &bs->b[i], &ids[i], st, p, first,
                                            &v->budgets_ended[v->nbudgets_ended]);
        }
        scope_ids_free(bs, ids);
        key.out = m->out;
        key.ended = m->ended;
        key.nended = v->nbudgets_ended;
        *m = key;
        memcpy(m->out, v->budgets, bs->n * sizeof *v->budgets);
        memcpy(m->ended, v->budgets_ended, key.nended * sizeof *v->budgets_ended);
    }
    tenants_take_budgets(bs, v);
}

/* ---- remembering days ------------------------------------------------------------------------ */

/* The whole days the store holds: from the first whole one to today. */
#define HELD_DAYS (STORE_RETENTION / CLOCK_DAY + 1)

/* usd[d] = the priced spend of a scope's series ids on day d (iv[d]), NAN
 * if it had only unpriced usage; every day in one walk of each series. */
static void scope_days(const struct scope_ids *ids, const struct store *st,
                       const int64_t (*iv)[2], int n, double *usd)
{
    bool priced = false, unpriced[HELD_DAYS] = {false};
    for (int d = 0; d < n; d++)
        usd[d] = 0;
    for (size_t i = 0; i < ids->n; i++) {
        struct tally t[HELD_DAYS];
        store_sum_many(st, ids->ids[i], iv, n, t);
        bool is_priced = store_series_price(st, ids->ids[i]) != PRICE_NONE;
        priced |= is_priced;
        for (int d = 0; d < n; d++) {
            if (is_priced)
                usd[d] += t[d].cost;
            else
                unpriced[d] |= tally_active(&t[d]);
        }
    }
    for (int d = 0; d < n; d++)
        if (unpriced[d] && !priced)
            usd[d] = NAN;
}

static int put_day(struct budgets *bs, const char *scope, int64_t day, double usd)
{
    sqlite3_stmt *s;
    sqlite3 *h = db_handle(bs->db);
    if (sqlite3_prepare_v2(h, "INSERT OR REPLACE INTO budget_days(scope, day, usd) "
                              "VALUES(?, ?, ?)", -1, &s, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(s, 1, scope, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, day);
    sqlite3_bind_double(s, 3, usd);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Days older than any period can reach (a month and a day) go. */
static int prune_days(struct budgets *bs, int64_t now)
{
    int64_t before = now - 32 * (int64_t)CLOCK_DAY;
    size_t keep = 0;
    for (size_t i = 0; i < bs->ndays; i++) {
        if (bs->days[i].day < before)
            free(bs->days[i].scope);
        else
            bs->days[keep++] = bs->days[i];
    }
    bs->ndays = keep;
    bs->memo->valid = false;
    day_index(bs);
    char sql[96];
    snprintf(sql, sizeof sql, "DELETE FROM budget_days WHERE day < %lld", (long long)before);
    return sqlite3_exec(db_handle(bs->db), sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

int budgets_remember(struct budgets *bs, const struct store *st, const struct view_params *p)
{
    if (!bs->db || bs->n == 0)
        return 0;
    int64_t today = clock_day_start(p->now);
    if (db_begin(bs->db) != 0)
        return -1;
    int rc = prune_days(bs, p->now);
    int64_t iv[HELD_DAYS][2];
    int n = 0;
    for (int64_t d = held_cut(p->now); d < today && n < HELD_DAYS; d = clock_day_end(d)) {
        iv[n][0] = d;
        iv[n++][1] = clock_day_end(d);
    }
    struct scope_ids *ids = scope_ids_new(bs, st, p);
    for (size_t i = 0; i < bs->n && rc == 0; i++) {
        const struct budget *b = &bs->b[i];
        double days[HELD_DAYS];
        scope_days(&ids[i], st, (const int64_t(*)[2])iv, n, days);
        for (int k = 0; k < n && rc == 0; k++) {
            int64_t d = iv[k][0];
            double usd = days[k];
            if (!isfinite(usd))
                continue;
            const double *old = day_find(bs, b->cfg->scope, d);
            if (old && *old == usd)
                continue;
            rc = put_day(bs, b->cfg->scope, d, usd);
            if (rc == 0)
                day_set(bs, b->cfg->scope, d, usd);
        }
    }
    scope_ids_free(bs, ids);
    if (rc == 0 && db_commit(bs->db) == 0)
        return 0;
    log_msg(LOG_ERROR, "budgets: cannot remember the days' spend: %s", db_error(bs->db));
    db_rollback(bs->db);
    /* what memory holds must be what the database holds */
    for (size_t i = 0; i < bs->ndays; i++)
        free(bs->days[i].scope);
    bs->ndays = 0;
    day_index(bs);
    load_days(bs);
    return -1;
}
