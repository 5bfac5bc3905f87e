/* test_budget.c - budgets per calendar period against an oracle: the
 * periods of a zone with daylight saving, a month longer than the store,
 * thresholds that notify once per period across a restart (real SQLite,
 * the real outbox), and the forecast on a synthetic week with a daily
 * shape, checked against when the data itself crosses. */
#include "tests/helpers.h"

#include <cJSON.h>

#include "alerts/alerts.h"
#include "alerts/outbox.h"
#include "alerts/rules.h"
#include "app/config.h"
#include "core/budget.h"
#include "core/format.h"
#include "core/snapshot.h"
#include "lib/clock.h"

#define MINUTE 60
#define HOUR 3600
#define DAY 86400

static int64_t at(const char *rfc3339)
{
    int64_t t;
    if (clock_parse_time(rfc3339, &t) != 0)
        fail_msg("bad time %s", rfc3339);
    return t;
}

static struct budget_settings budget(const char *scope, const char *period, double usd)
{
    struct budget_settings b;
    memset(&b, 0, sizeof b);
    budget_settings_init(&b);
    b.scope = strdup(scope);
    for (size_t i = 0; budget_period_names[i]; i++)
        if (strcmp(budget_period_names[i], period) == 0)
            b.period = budget_period_names[i];
    b.amount_usd = usd;
    return b;
}

static void spend(struct store *st, const char *tenant, const char *model, int64_t t,
                  double usd)
{
    struct series_key k = {"spans", "openai", model, tenant, NULL};
    store_add(st, store_series(st, &k), t, &(struct tally){.requests = 1, .cost = usd});
}

/* The budgets of bs at now over st, into v (no sources: everything counts). */
static void fill(const struct budgets *bs, const struct store *st, int64_t now, struct view *v)
{
    memset(v, 0, sizeof *v);
    v->now = now;
    struct view_params p = {.now = now, .window = HOUR};
    budgets_fill_view(bs, st, &p, v);
}

/* After a test that moved the zone (even one that failed half way). */
static int utc(void **state)
{
    (void)state;
    return clock_set_timezone("UTC") ? 0 : -1;
}

/* ---- periods --------------------------------------------------------------------- */

static void test_periods_are_calendar_periods_of_the_zone(void **state)
{
    (void)state;
    assert_true(clock_set_timezone("Europe/Berlin"));
    int64_t s, e;
    /* 2026-03-01 00:30 CET is March: it began at 00:00 CET (23:00Z the day
     * before) and ends on April 1st 00:00 CEST (22:00Z: the clocks moved
     * on March 29th) */
    budget_period_bounds("month", at("2026-02-28T23:30:00Z"), &s, &e);
    assert_int_equal(s, at("2026-02-28T23:00:00Z"));
    assert_int_equal(e, at("2026-03-31T22:00:00Z"));
    /* a minute before, it is still February */
    budget_period_bounds("month", at("2026-02-28T22:59:00Z"), &s, &e);
    assert_int_equal(s, at("2026-01-31T23:00:00Z"));
    assert_int_equal(e, at("2026-02-28T23:00:00Z"));
    /* December into January */
    budget_period_bounds("month", at("2026-12-31T23:00:00Z"), &s, &e);
    assert_int_equal(s, at("2026-12-31T23:00:00Z"));
    assert_int_equal(e, at("2027-01-31T23:00:00Z"));
    /* the spring-forward day has 23 hours, the fall-back day 25 */
    budget_period_bounds("day", at("2026-03-29T12:00:00Z"), &s, &e);
    assert_int_equal(s, at("2026-03-28T23:00:00Z"));
    assert_int_equal(e - s, 23 * HOUR);
    budget_period_bounds("day", at("2026-10-25T12:00:00Z"), &s, &e);
    assert_int_equal(s, at("2026-10-24T22:00:00Z"));
    assert_int_equal(e - s, 25 * HOUR);
    /* weeks start on Monday: 2026-03-29 is a Sunday, the week across the
     * change has 167 hours */
    budget_period_bounds("week", at("2026-03-29T12:00:00Z"), &s, &e);
    assert_int_equal(s, at("2026-03-22T23:00:00Z"));
    assert_int_equal(e, at("2026-03-29T22:00:00Z"));
    assert_true(clock_set_timezone("UTC"));
}

/* A day budget on the spring-forward day counts exactly the spend of that
 * local day, whatever the UTC date of each record. */
static void test_a_day_budget_on_a_daylight_saving_day(void **state)
{
    (void)state;
    assert_true(clock_set_timezone("Europe/Berlin"));
    struct store *st = store_new();
    spend(st, "acme", "m", at("2026-03-28T22:30:00Z"), 1);  /* 23:30 CET, the 28th */
    spend(st, "acme", "m", at("2026-03-28T23:30:00Z"), 2);  /* 00:30 CET, the 29th */
    spend(st, "acme", "m", at("2026-03-29T01:30:00Z"), 4);  /* 03:30 CEST, the 29th */
    spend(st, "acme", "m", at("2026-03-29T21:30:00Z"), 8);  /* 23:30 CEST, the 29th */
    spend(st, "other", "m", at("2026-03-29T12:00:00Z"), 100); /* another tenant */
    struct budget_settings b = budget("tenant:acme", "day", 20);
    struct budgets *bs = budgets_new(&b, 1, NULL);
    struct view v;
    fill(bs, st, at("2026-03-29T21:59:00Z"), &v);
    assert_int_equal(v.nbudgets, 1);
    assert_close(v.budgets[0].spent_usd, 2 + 4 + 8, 1e-12);
    assert_close(v.budgets[0].used, 14.0 / 20, 1e-12);
    assert_close(v.budgets[0].crossed, 0.5, 0);
    /* a minute into the 30th (22:01Z = 00:01 CEST): a new day, nothing spent */
    view_free(&v);
    fill(bs, st, at("2026-03-29T22:01:00Z"), &v);
    assert_close(v.budgets[0].spent_usd, 0, 0);
    assert_close(v.budgets[0].crossed, 0, 0);
    view_free(&v);
    budgets_free(bs);
    budget_settings_free(&b);
    store_free(st);
    assert_true(clock_set_timezone("UTC"));
}

/* A month is longer than the 8 days the store holds: the older days come
 * from the database, across a restart. */
static void test_a_month_remembers_days_the_store_no_longer_holds(void **state)
{
    (void)state;
    assert_true(clock_set_timezone("America/New_York"));
    char *dir = temp_dir(), path[4200], err[256];
    snprintf(path, sizeof path, "%s/s.db", dir);
    /* March in New York begins 2026-03-01T05:00Z (EST) */
    const struct {
        const char *t;
        double usd;
    } data[] = {
        {"2026-03-01T04:59:00Z", 1000}, /* Feb 28th 23:59 EST: not March */
        {"2026-03-01T05:00:00Z", 1},    {"2026-03-03T12:00:00Z", 2},
        {"2026-03-09T12:00:00Z", 4},    {"2026-03-15T12:00:00Z", 8},
        {"2026-03-20T12:00:00Z", 16},
    };
    struct budget_settings b = budget("total", "month", 100);
    struct db *db = db_open(path, err, sizeof err);
    assert_non_null(db);
    struct budgets *bs = budgets_new(&b, 1, db);
    struct store *st = store_new();
    /* a daemon remembers the days as they pass (on the 2nd, the 6th, the
     * 10th: each time the days the store holds whole) */
    for (size_t i = 0; i < 4; i++)
        spend(st, "", "m", at(data[i].t), data[i].usd);
    const char *when[] = {"2026-03-02T12:00:00Z", "2026-03-06T12:00:00Z",
                          "2026-03-10T12:00:00Z"};
    for (size_t i = 0; i < 3; i++) {
        struct view_params p1 = {.now = at(when[i]), .window = HOUR};
        assert_int_equal(budgets_remember(bs, st, &p1), 0);
    }
    budgets_free(bs);
    store_free(st);
    db_close(db);

    /* a restart on the 20th: the store holds the 12th on */
    db = db_open(path, err, sizeof err);
    assert_non_null(db);
    bs = budgets_new(&b, 1, db);
    st = store_new();
    for (size_t i = 4; i < 6; i++)
        spend(st, "", "m", at(data[i].t), data[i].usd);
    struct view v;
    fill(bs, st, at("2026-03-20T13:00:00Z"), &v);
    /* oracle: every record in March, local time: 1 + 2 + 4 + 8 + 16 */
    assert_close(v.budgets[0].spent_usd, 31, 1e-12);
    view_free(&v);
    budgets_free(bs);
    db_close(db);
    store_free(st);
    budget_settings_free(&b);
    rm_rf(dir);
    assert_true(clock_set_timezone("UTC"));
}

/* A month whose earlier days are remembered at a known spend, and whose
 * days the store holds had only unpriced usage: the known spend (a lower
 * bound, with its threshold), not unknown; unknown only when nothing in
 * the period is known. */
static void test_a_month_of_known_days_then_unpriced_ones_is_known(void **state)
{
    (void)state;
    char *dir = temp_dir(), path[4200], err[256];
    snprintf(path, sizeof path, "%s/s.db", dir);
    struct budget_settings b = budget("total", "month", 100);
    struct db *db = db_open(path, err, sizeof err);
    assert_non_null(db);
    struct budgets *bs = budgets_new(&b, 1, db);
    struct store *st = store_new();
    spend(st, "", "gpt-4o", at("2026-11-02T10:00:00Z"), 60);
    struct view_params p1 = {.now = at("2026-11-03T00:30:00Z"), .window = HOUR};
    assert_int_equal(budgets_remember(bs, st, &p1), 0);
    store_free(st);
    /* the 21st: the store holds the 13th on, where only an unpriced model spent */
    st = store_new();
    struct series_key k = {"spans", "openai", "mystery-x", "", NULL};
    int id = store_series(st, &k);
    store_series_set_price(st, id, PRICE_NONE);
    store_add(st, id, at("2026-11-20T10:00:00Z"), &(struct tally){.requests = 1,
                                                                  .input = 1000});
    struct view v;
    fill(bs, st, at("2026-11-21T00:30:00Z"), &v);
    assert_close(v.budgets[0].spent_usd, 60, 1e-12);
    assert_close(v.budgets[0].crossed, 0.5, 0);
    view_free(&v);
    /* December: nothing known in it, only the unpriced model - unknown */
    store_add(st, id, at("2026-12-01T10:00:00Z"), &(struct tally){.requests = 1,
                                                                  .input = 1000});
    fill(bs, st, at("2026-12-01T12:00:00Z"), &v);
    assert_true(isnan(v.budgets[0].spent_usd) && isnan(v.budgets[0].used));
    view_free(&v);
    budgets_free(bs);
    store_free(st);
    db_close(db);
    budget_settings_free(&b);
    rm_rf(dir);
}

/* ---- thresholds: once per period ----------------------------------------------------- */

struct once_fx {
    char *dir;
    char path[4200];
    struct config *cfg;
    struct db *db;
    struct alerts *al;
    struct budgets *bs;
    struct budget_settings b;
};

static void once_open(struct once_fx *f)
{
    char err[256];
    f->db = db_open(f->path, err, sizeof err);
    assert_non_null(f->db);
    f->al = alerts_new(&f->cfg->alerts, f->cfg->hooks, 1, f->db, true, err, sizeof err);
    assert_non_null(f->al);
    f->bs = budgets_new(&f->b, 1, f->db);
}

static void once_close(struct once_fx *f)
{
    budgets_free(f->bs);
    alerts_free(f->al);
    db_close(f->db);
}

/* f with one hook and budget (scope, period, usd), its database open. */
static void once_start(struct once_fx *f, const char *scope, const char *period, double usd)
{
    memset(f, 0, sizeof *f);
    f->cfg = config_defaults();
    f->cfg->nhooks = 1;
    f->cfg->hooks = calloc(1, sizeof *f->cfg->hooks);
    assert_non_null(f->cfg->hooks);
    f->cfg->hooks[0].shell = strdup("true");
    f->cfg->hooks[0].on_firing = f->cfg->hooks[0].on_resolved = true;
    f->cfg->hooks[0].timeout = 10;
    f->cfg->hooks[0].attempts = 3;
    f->b = budget(scope, period, usd);
    f->dir = temp_dir();
    snprintf(f->path, sizeof f->path, "%s/s.db", f->dir);
    once_open(f);
}

/* One evaluation at now: the notifications it queued. */
static size_t evaluate(struct once_fx *f, const struct store *st, int64_t now)
{
    struct view v;
    fill(f->bs, st, now, &v);
    struct rule_hits hits = {0};
    rules_evaluate(&v, &f->cfg->alerts, true, &hits);
    /* the budgets as they are, for a budget alert's resolve */
    assert_int_equal(hits.nbudgets, v.nbudgets);
    size_t n = alerts_update(f->al, &hits, now);
    rules_hits_free(&hits);
    view_free(&v);
    return n;
}

/* The newest outbox row's JSON, parsed (the caller deletes it). */
static cJSON *last_queued(struct once_fx *f)
{
    struct outbox_item items[16];
    size_t n = outbox_due(f->db, INT64_MAX, NULL, 0, items, 16);
    assert_true(n > 0);
    cJSON *j = cJSON_Parse(items[n - 1].json);
    outbox_items_free(items, n);
    assert_non_null(j);
    return j;
}

/* The end of a test with f: its database, its store and its files go. */
static void once_end(struct once_fx *f, struct store *st)
{
    once_close(f);
    store_free(st);
    budget_settings_free(&f->b);
    config_free(f->cfg);
    rm_rf(f->dir);
}

static void test_each_threshold_notifies_once_per_period_across_a_restart(void **state)
{
    (void)state;
    /* static: what a failed assertion leaves is still reachable (scan-build
     * takes cmocka's failure for a return and f.dir for a leak) */
    static struct once_fx f;
    once_start(&f, "tenant:acme", "day", 100);
    struct store *st = store_new();
    int64_t day = at("2026-11-20T00:00:00Z");

    /* $40 of 100: below the first threshold */
    spend(st, "acme", "a", day + HOUR, 40);
    assert_int_equal(evaluate(&f, st, day + 2 * HOUR), 0);
    /* $55: the 50% threshold, once (4 models: the hook hears of the top 3) */
    spend(st, "acme", "b", day + 2 * HOUR, 6);
    spend(st, "acme", "c", day + 2 * HOUR, 5);
    spend(st, "acme", "d", day + 2 * HOUR, 4);
    assert_int_equal(evaluate(&f, st, day + 3 * HOUR), 1);
    cJSON *j = last_queued(&f);
    assert_string_equal(cJSON_GetObjectItem(j, "kind")->valuestring, "budget");
    assert_string_equal(cJSON_GetObjectItem(j, "scope")->valuestring, "tenant:acme");
    assert_string_equal(cJSON_GetObjectItem(j, "severity")->valuestring, "warning");
    cJSON *bj = cJSON_GetObjectItem(j, "budget");
    assert_non_null(bj);
    assert_string_equal(cJSON_GetObjectItem(bj, "period")->valuestring, "day");
    assert_close(cJSON_GetObjectItem(bj, "spent_usd")->valuedouble, 55, 1e-12);
    cJSON *top = cJSON_GetObjectItem(bj, "top_models");
    assert_int_equal(cJSON_GetArraySize(top), 3);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(top, 0), "model")->valuestring,
                        "a");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(top, 2), "model")->valuestring,
                        "c");
    cJSON_Delete(j);
    assert_int_equal(evaluate(&f, st, day + 4 * HOUR), 0);

    /* a restart: not again */
    once_close(&f);
    once_open(&f);
    assert_int_equal(evaluate(&f, st, day + 5 * HOUR), 0);
    /* $85: the 80% threshold, once; $100: the 100%, critical */
    spend(st, "acme", "a", day + 5 * HOUR, 30);
    assert_int_equal(evaluate(&f, st, day + 6 * HOUR), 1);
    assert_int_equal(evaluate(&f, st, day + 6 * HOUR + MINUTE), 0);
    spend(st, "acme", "a", day + 6 * HOUR, 15);
    assert_int_equal(evaluate(&f, st, day + 7 * HOUR), 1);
    j = last_queued(&f);
    assert_string_equal(cJSON_GetObjectItem(j, "severity")->valuestring, "critical");
    cJSON_Delete(j);
    once_close(&f);
    once_open(&f);
    assert_int_equal(evaluate(&f, st, day + 8 * HOUR), 0);
    /* the next day starts afresh: $60 is the 50% threshold again */
    spend(st, "acme", "a", day + DAY + HOUR, 60);
    assert_int_equal(evaluate(&f, st, day + DAY + 2 * HOUR), 1);
    assert_int_equal(evaluate(&f, st, day + DAY + 3 * HOUR), 0);

    once_end(&f, st);
}

/* The evaluation as a period ends (alerts run as each minute turns, over
 * [..., now)) is the period's last minute's: spend at 23:59:30 that
 * reaches 100% is paged, critical, at 00:00 for its day; the new day
 * starts a second later. */
static void test_the_last_minute_of_a_period_is_its_own(void **state)
{
    (void)state;
    static struct once_fx f; /* static: see above */
    once_start(&f, "total", "day", 4);
    struct store *st = store_new();
    int64_t midnight = at("2026-12-01T00:00:00Z");
    spend(st, "acme", "m", midnight - 12 * HOUR, 2);
    spend(st, "acme", "m", midnight - 30, 2);
    assert_int_equal(evaluate(&f, st, midnight - MINUTE), 1); /* 50% */
    assert_int_equal(evaluate(&f, st, midnight), 1);
    cJSON *j = last_queued(&f);
    assert_string_equal(cJSON_GetObjectItem(j, "severity")->valuestring, "critical");
    cJSON *bj = cJSON_GetObjectItem(j, "budget");
    assert_close(cJSON_GetObjectItem(bj, "spent_usd")->valuedouble, 4, 1e-12);
    assert_string_equal(cJSON_GetObjectItem(bj, "period_start")->valuestring,
                        "2026-11-30T00:00:00Z");
    assert_string_equal(cJSON_GetObjectItem(bj, "period_end")->valuestring,
                        "2026-12-01T00:00:00Z");
    cJSON_Delete(j);
    assert_int_equal(evaluate(&f, st, midnight + MINUTE), 0);
    struct view v;
    fill(f.bs, st, midnight + 1, &v); /* a second in: the new day */
    assert_int_equal(v.budgets[0].period_start, midnight);
    assert_close(v.budgets[0].spent_usd, 0, 0);
    view_free(&v);
    once_end(&f, st);
}

/* Spend that arrives after its period ended (a usage API's last hour,
 * read some minutes later) and reaches a threshold is paged for that
 * period, once; a threshold paged within the period is not again; and
 * after BUDGET_LATE the period is closed. */
static void test_spend_reported_after_a_period_ended_pages_it_once(void **state)
{
    (void)state;
    static struct once_fx f; /* static: see above */
    once_start(&f, "tenant:acme", "day", 100);
    struct store *st = store_new();
    int64_t day = at("2026-11-20T00:00:00Z"), next = day + DAY;
    spend(st, "acme", "a", day + 10 * HOUR, 60);
    assert_int_equal(evaluate(&f, st, day + 11 * HOUR), 1); /* 50% */
    assert_int_equal(evaluate(&f, st, next + MINUTE), 0);  /* 50% again: no */
    /* 00:20: the 23:00 hour comes in, $45: the day reached 100% */
    spend(st, "acme", "a", next - HOUR, 45);
    assert_int_equal(evaluate(&f, st, next + 20 * MINUTE), 1);
    cJSON *j = last_queued(&f);
    assert_string_equal(cJSON_GetObjectItem(j, "severity")->valuestring, "critical");
    assert_non_null(strstr(cJSON_GetObjectItem(j, "summary")->valuestring,
                           "spent $105.00 in the last day (reported after it ended): 105%"));
    cJSON *bj = cJSON_GetObjectItem(j, "budget");
    assert_close(cJSON_GetObjectItem(bj, "spent_usd")->valuedouble, 105, 1e-12);
    assert_string_equal(cJSON_GetObjectItem(bj, "period_start")->valuestring,
                        "2026-11-20T00:00:00Z");
    assert_string_equal(cJSON_GetObjectItem(bj, "period_end")->valuestring,
                        "2026-11-21T00:00:00Z");
    cJSON_Delete(j);
    assert_int_equal(evaluate(&f, st, next + 21 * MINUTE), 0);
    once_close(&f);
    once_open(&f);
    assert_int_equal(evaluate(&f, st, next + 22 * MINUTE), 0);
    /* the view shows the current period only; the ended one until
     * BUDGET_LATE after its end */
    struct view v;
    fill(f.bs, st, next + BUDGET_LATE - MINUTE, &v);
    assert_int_equal(v.nbudgets, 1);
    assert_int_equal(v.budgets[0].period_start, next);
    assert_int_equal(v.nbudgets_ended, 1);
    assert_int_equal(v.budgets_ended[0].period_start, day);
    view_free(&v);
    fill(f.bs, st, next + BUDGET_LATE, &v);
    assert_int_equal(v.nbudgets_ended, 0);
    view_free(&v);
    /* the next day: $30, then $30 more of its 23:00 read 7 hours after
     * it ended - too late to page */
    spend(st, "acme", "a", next + 10 * HOUR, 30);
    assert_int_equal(evaluate(&f, st, next + 11 * HOUR), 0);
    spend(st, "acme", "a", next + DAY - HOUR, 30);
    assert_int_equal(evaluate(&f, st, next + DAY + BUDGET_LATE + HOUR), 0);
    once_end(&f, st);
}

/* ---- the forecast ----------------------------------------------------------------------- */

/* The synthetic week: $ per minute at t, the same every day - a little at
 * night, a working-day hump from 07:00 to 19:00 UTC that peaks at 13:00. */
static double rate_at(int64_t t)
{
    double h = (double)(t % DAY) / HOUR;
    double hump = h >= 7 && h < 19 ? sin(M_PI * (h - 7) / 12) : 0;
    return 0.002 + 0.05 * hump;
}

/* The store holding every minute of the synthetic week from `from` to now. */
static struct store *synthetic(int64_t from, int64_t now)
{
    struct store *st = store_new();
    for (int64_t t = from; t < now; t += MINUTE)
        spend(st, "", "m", t, rate_at(t));
    return st;
}

/* Oracle: the first minute at which the data's spend since start reaches usd. */
static int64_t data_crossing(int64_t start, double usd)
{
    double sum = 0;
    for (int64_t t = start;; t += MINUTE) {
        sum += rate_at(t);
        if (sum >= usd)
            return t + MINUTE;
    }
}

static double data_spend(int64_t t0, int64_t t1)
{
    double sum = 0;
    for (int64_t t = t0; t < t1; t += MINUTE)
        sum += rate_at(t);
    return sum;
}

static void test_the_forecast_follows_the_daily_shape(void **state)
{
    (void)state;
    /* a week budget (from Monday 2026-11-16); now is Wednesday 08:10, on
     * the morning ramp; the amount is what the data has spent by Thursday
     * 15:37 */
    int64_t week = at("2026-11-16T00:00:00Z"), now = at("2026-11-18T08:10:00Z");
    int64_t target = at("2026-11-19T15:37:00Z");
    double amount = data_spend(week, target);
    struct store *st = synthetic(now - 9 * DAY, now);
    struct budget_settings b = budget("total", "week", amount);
    struct budgets *bs = budgets_new(&b, 1, NULL);
    struct view v;
    fill(bs, st, now, &v);
    int64_t truth = data_crossing(week, amount);
    assert_true(llabs(truth - target) <= MINUTE);
    int64_t got = v.budgets[0].forecast_at;
    if (llabs(got - truth) > 15 * MINUTE)
        fail_msg("forecast %lld, the data crosses at %lld (%+lld s)", (long long)got,
                 (long long)truth, (long long)(got - truth));
    /* a straight line at the current burn would be hours off */
    double burn = data_spend(now - HOUR, now);
    int64_t line = now + (int64_t)((amount - v.budgets[0].spent_usd) / burn * HOUR);
    assert_true(llabs(line - truth) > 3 * HOUR);
    /* not within the default lead of 2 h: no budget_forecast yet */
    struct config *cfg = config_defaults();
    struct rule_hits hits = {0};
    rules_evaluate(&v, &cfg->alerts, true, &hits);
    for (size_t i = 0; i < hits.n; i++)
        assert_string_not_equal(hits.hits[i].kind->name, "budget_forecast");
    rules_hits_free(&hits);
    view_free(&v);
    store_free(st);

    /* 90 minutes before the crossing: it fires, on the total */
    int64_t later = truth - 90 * MINUTE;
    st = synthetic(later - 9 * DAY, later);
    fill(bs, st, later, &v);
    assert_true(llabs(v.budgets[0].forecast_at - truth) <= 15 * MINUTE);
    rules_evaluate(&v, &cfg->alerts, true, &hits);
    size_t n = 0;
    for (size_t i = 0; i < hits.n; i++)
        if (strcmp(hits.hits[i].kind->name, "budget_forecast") == 0) {
            n++;
            assert_string_equal(hits.hits[i].scope, "total");
            assert_true(hits.hits[i].has_budget);
        }
    assert_int_equal(n, 1);
    rules_hits_free(&hits);
    view_free(&v);
    store_free(st);

    /* a budget the week's shape never reaches: not this period */
    b.amount_usd = data_spend(week, week + 7 * DAY) * 1.2;
    budgets_free(bs); /* budgets keep their own copy of the settings */
    bs = budgets_new(&b, 1, NULL);
    st = synthetic(now - 9 * DAY, now);
    fill(bs, st, now, &v);
    assert_int_equal(v.budgets[0].forecast_at, 0);
    char buf[40];
    fmt_forecast(buf, sizeof buf, v.budgets[0].used, v.budgets[0].forecast_at, v.now);
    assert_string_equal(buf, "not this period");
    view_free(&v);
    store_free(st);
    config_free(cfg);
    budgets_free(bs);
    budget_settings_free(&b);
}

/* Office hours only ($0.01 a minute, 09:00 to 17:00 UTC), 9 days to now. */
static struct store *office_hours(int64_t now)
{
    struct store *st = store_new();
    for (int64_t t = now - 9 * DAY; t < now; t += MINUTE)
        if (t % DAY >= 9 * HOUR && t % DAY < 17 * HOUR)
            spend(st, "", "m", t, 0.01);
    return st;
}

/* The quiet hours (budget.h): at night, with no burn now and none usual
 * at this hour, the forecast follows the usual day (a crossing in the
 * morning, not "never"); in the afternoon of a day that stopped at noon,
 * quiet in an hour usually busy, it projects nothing until spend resumes. */
static void test_a_quiet_hour_forecast_follows_the_usual_day(void **state)
{
    (void)state;
    int64_t now = at("2026-11-18T03:30:00Z");
    struct store *st = office_hours(now);
    /* spent: Monday and Tuesday, 8 h each; the budget: two hours more */
    struct budget_settings b = budget("total", "week", 2 * 8 * 60 * 0.01 + 2 * 60 * 0.01);
    struct budgets *bs = budgets_new(&b, 1, NULL);
    struct view v;
    fill(bs, st, now, &v);
    assert_true(fabs(v.budgets[0].spent_usd - 9.6) < 1e-6);
    int64_t truth = at("2026-11-18T11:00:00Z");
    if (llabs(v.budgets[0].forecast_at - truth) > 15 * MINUTE)
        fail_msg("forecast %lld, the usual day crosses at %lld", (long long)v.budgets[0].forecast_at,
                 (long long)truth);
    view_free(&v);
    store_free(st);

    /* Wednesday stopped at 12:00; at 14:30 the last hour spent nothing */
    now = at("2026-11-18T14:30:00Z");
    st = office_hours(now - 150 * MINUTE);
    fill(bs, st, now, &v);
    assert_true(v.budgets[0].spent_usd > 2 * 8 * 60 * 0.01);
    assert_int_equal(v.budgets[0].forecast_at, 0);
    view_free(&v);
    store_free(st);
    budgets_free(bs);
    budget_settings_free(&b);
}

/* A rise in an hour that is usually nearly idle: $1 at 07:50 where the
 * usual 07:00-08:00 is $0.01 and the usual day $80 (09:00 to 17:00) is
 * not a day at 100 times its usual (the old forecast crossed this $100
 * day budget at 09:05 and paged budget_forecast); twice the usual at a
 * busy hour is still projected at twice the rest of the day. */
static void test_a_burst_in_a_quiet_hour_is_not_the_day_times_its_ratio(void **state)
{
    (void)state;
    int64_t today = at("2026-12-02T00:00:00Z");
    struct store *st = store_new();
    for (int d = 1; d <= 8; d++) {
        int64_t day = today - d * DAY;
        spend(st, "acme", "m", day + 7 * HOUR + 30 * MINUTE, 0.01);
        for (int64_t t = day + 9 * HOUR; t < day + 17 * HOUR; t += 6 * MINUTE)
            spend(st, "acme", "m", t, 1);
    }
    spend(st, "acme", "m", today + 7 * HOUR + 50 * MINUTE, 1);
    struct budget_settings b = budget("tenant:acme", "day", 100);
    struct budgets *bs = budgets_new(&b, 1, NULL);
    struct view v;
    fill(bs, st, today + 8 * HOUR, &v);
    assert_close(v.budgets[0].spent_usd, 1, 1e-9);
    if (v.budgets[0].forecast_at != 0)
        fail_msg("a $1 burst at 07:50 crosses the $100 day at %+lld s from 08:00",
                 (long long)(v.budgets[0].forecast_at - (today + 8 * HOUR)));
    struct config *cfg = config_defaults();
    struct rule_hits hits = {0};
    rules_evaluate(&v, &cfg->alerts, true, &hits);
    for (size_t i = 0; i < hits.n; i++)
        assert_string_not_equal(hits.hits[i].kind->name, "budget_forecast");
    rules_hits_free(&hits);
    config_free(cfg);
    view_free(&v);
    /* 09:00 to 10:00 at $20 (the usual $10 twice): $21 spent, $20 an hour
     * from 10:00 crosses at 13:57 */
    for (int64_t t = today + 9 * HOUR; t < today + 10 * HOUR; t += 6 * MINUTE)
        spend(st, "acme", "m", t, 2);
    fill(bs, st, today + 10 * HOUR, &v);
    assert_close(v.budgets[0].spent_usd, 21, 1e-9);
    int64_t truth = today + 10 * HOUR + (int64_t)(79.0 / 20 * HOUR);
    if (llabs(v.budgets[0].forecast_at - truth) > 15 * MINUTE)
        fail_msg("twice the usual crosses at %+lld s from the truth",
                 (long long)(v.budgets[0].forecast_at - truth));
    view_free(&v);
    budgets_free(bs);
    budget_settings_free(&b);
    store_free(st);
}

/* A fill is given again while nothing it read changed (a viewer makes a
 * view each second); whatever did change is seen at once: a record in the
 * same minute, the minute turning, a usage source that now counts its
 * provider instead of the spans. */
static void test_a_budget_fill_follows_every_change(void **state)
{
    (void)state;
    int64_t now = at("2026-11-18T10:30:20Z");
    struct store *st = store_new();
    spend(st, "", "m", now - HOUR, 2);
    struct budget_settings b = budget("total", "day", 10);
    struct budgets *bs = budgets_new(&b, 1, NULL);
    struct view v;
    fill(bs, st, now, &v);
    assert_true(fabs(v.budgets[0].spent_usd - 2) < 1e-9);
    view_free(&v);
    fill(bs, st, now + 5, &v); /* the same minute, nothing new */
    assert_true(fabs(v.budgets[0].spent_usd - 2) < 1e-9);
    view_free(&v);
    spend(st, "", "m", now - 2 * MINUTE, 3); /* a record, the same minute */
    fill(bs, st, now + 6, &v);
    assert_true(fabs(v.budgets[0].spent_usd - 5) < 1e-9);
    view_free(&v);
    spend(st, "", "m", now + MINUTE, 4); /* the next minute's, stored early */
    fill(bs, st, now + 10, &v);
    assert_true(fabs(v.budgets[0].spent_usd - 5) < 1e-9);
    view_free(&v);
    fill(bs, st, now + 20, &v); /* nothing new: given again */
    assert_true(fabs(v.budgets[0].spent_usd - 5) < 1e-9);
    view_free(&v);
    fill(bs, st, now + MINUTE, &v); /* the minute turned, the store did not */
    assert_true(fabs(v.budgets[0].spent_usd - 9) < 1e-9);
    view_free(&v);
    /* the spans' provider gets a usage source that has answered: its
     * spans are not counted (DESIGN.md precedence) */
    struct source_status src[2] = {
        {.name = "spans", .type = "otel_file"},
        {.name = "oa", .type = "openai", .usage_provider = "openai", .usage_known = true},
    };
    memset(&v, 0, sizeof v);
    v.now = now + MINUTE;
    struct view_params p = {.now = now + MINUTE, .window = HOUR, .sources = src, .nsources = 2};
    budgets_fill_view(bs, st, &p, &v);
    assert_true(isnan(v.budgets[0].spent_usd) || v.budgets[0].spent_usd == 0);
    view_free(&v);
    budgets_free(bs);
    store_free(st);
    budget_settings_free(&b);
}

/* ---- the config ----------------------------------------------------------------------------- */

/* A budget per tenant (each [[tenant]]'s daily_budget_usd), two for one
 * tenant, and scopes that are not a tenant's, over many series: each
 * budget's spend is the sum of exactly the series its scope holds. */
static void test_many_budgets_each_sum_their_own_series(void **state)
{
    (void)state;
    enum { TENANTS = 60 };
    struct budget_settings cfg[TENANTS + 4];
    char name[32];
    for (int i = 0; i < TENANTS; i++) {
        snprintf(name, sizeof name, "tenant:t%d", i);
        cfg[i] = budget(name, "day", 1000);
    }
    cfg[TENANTS] = budget("tenant:t7", "week", 1000);   /* t7's second */
    cfg[TENANTS + 1] = budget("total", "day", 1e6);
    cfg[TENANTS + 2] = budget("model:gpt-5", "day", 1000); /* any provider's */
    cfg[TENANTS + 3] = budget("provider:openai", "day", 1000);
    size_t n = sizeof cfg / sizeof *cfg;
    struct budgets *bs = budgets_new(cfg, n, NULL);
    struct store *st = store_new();
    int64_t now = at("2026-11-20T12:00:00Z");
    double tenant_usd[TENANTS] = {0}, total = 0, gpt5 = 0;
    for (int i = 0; i < 3 * TENANTS; i++) {
        int t = i * 7 % TENANTS;
        const char *model = i % 3 ? "gpt-5" : "o3";
        double usd = 1 + i % 11;
        snprintf(name, sizeof name, "t%d", t);
        spend(st, name, model, now - (i % 10) * HOUR - 60, usd);
        tenant_usd[t] += usd;
        total += usd;
        gpt5 += i % 3 ? usd : 0;
    }
    /* a tenant no budget names counts in the total only */
    spend(st, "nobody", "o3", now - 60, 100);
    total += 100;
    struct view v;
    fill(bs, st, now, &v);
    assert_int_equal(v.nbudgets, n);
    for (int i = 0; i < TENANTS; i++)
        assert_close(v.budgets[i].spent_usd, tenant_usd[i], 1e-9);
    assert_close(v.budgets[TENANTS].spent_usd, tenant_usd[7], 1e-9);
    assert_close(v.budgets[TENANTS + 1].spent_usd, total, 1e-9);
    assert_close(v.budgets[TENANTS + 2].spent_usd, gpt5, 1e-9);
    assert_close(v.budgets[TENANTS + 3].spent_usd, total, 1e-9);
    view_free(&v);
    store_free(st);
    budgets_free(bs);
    for (size_t i = 0; i < n; i++)
        budget_settings_free(&cfg[i]);
}

/* Budgets keep their own copy of their settings and say whether others
 * are the same (a viewer keeps its budgets while the owner's are). */
static void test_budgets_know_their_settings(void **state)
{
    (void)state;
    struct budget_settings cfg[2] = {budget("tenant:acme", "day", 100),
                                     budget("total", "month", 5000)};
    struct budgets *bs = budgets_new(cfg, 2, NULL);
    assert_true(budgets_configured_as(bs, cfg, 2));
    assert_false(budgets_configured_as(bs, cfg, 1));
    cfg[1].amount_usd = 5001;
    assert_false(budgets_configured_as(bs, cfg, 2));
    cfg[1].amount_usd = 5000;
    cfg[0].thresholds[0] = 0.6;
    assert_false(budgets_configured_as(bs, cfg, 2));
    cfg[0].thresholds[0] = 0.5;
    cfg[0].period = budget_period_names[1];
    assert_false(budgets_configured_as(bs, cfg, 2));
    cfg[0].period = budget_period_names[0];
    assert_true(budgets_configured_as(bs, cfg, 2));
    /* its copy outlives the settings it was made from */
    budget_settings_free(&cfg[0]);
    struct budget_settings other = budget("tenant:acme", "day", 100);
    assert_true(budgets_configured_as(bs, (struct budget_settings[]){other, cfg[1]}, 2));
    budget_settings_free(&other);
    budget_settings_free(&cfg[1]);
    budgets_free(bs);
}

/* A tenant's row (the Tenants pane, the snapshot's tenants[]) carries its
 * budget nearest its amount, whatever its period; a tenant without one
 * has none. */
static void test_a_tenant_row_carries_its_tightest_budget(void **state)
{
    (void)state;
    int64_t now = at("2026-11-20T12:00:00Z");
    struct budget_settings cfg[] = {
        budget("tenant:acme", "day", 100),
        budget("tenant:globex", "day", 1000),
        budget("tenant:globex", "month", 200),
        budget("total", "day", 1e6),
    };
    size_t n = sizeof cfg / sizeof *cfg;
    struct budgets *bs = budgets_new(cfg, n, NULL);
    struct store *st = store_new();
    spend(st, "acme", "o3", now - HOUR, 10);
    spend(st, "globex", "o3", now - HOUR, 50);
    spend(st, "initech", "o3", now - HOUR, 70);
    struct view v;
    struct view_params p = {.now = now, .window = HOUR, .day_start = clock_day_start(now),
                            .day_end = clock_day_end(now)};
    view_compute(st, &p, &v);
    budgets_fill_view(bs, st, &p, &v);
    int seen = 0;
    for (size_t i = 0; i < v.ntenants; i++) {
        const struct view_tenant *t = &v.tenants[i];
        if (strcmp(t->tenant, "acme") == 0) {
            assert_close(t->budget_usd, 100, 1e-9);
            assert_close(t->budget_used, 0.1, 1e-9);
            seen++;
        } else if (strcmp(t->tenant, "globex") == 0) { /* a quarter of the month's */
            assert_close(t->budget_usd, 200, 1e-9);
            assert_close(t->budget_used, 0.25, 1e-9);
            seen++;
        } else if (strcmp(t->tenant, "initech") == 0) {
            assert_true(isnan(t->budget_usd) && isnan(t->budget_used));
            seen++;
        }
    }
    assert_int_equal(seen, 3);
    view_free(&v);
    store_free(st);
    budgets_free(bs);
    for (size_t i = 0; i < n; i++)
        budget_settings_free(&cfg[i]);
}

/* A budget's top models keep the longest names a span can give, whole:
 * two providers that differ past their 63rd byte stay two; so does the
 * scope of a budget on the longest model name (cut at 199 bytes, in the
 * snapshot and the hooks' JSON). */
static void test_top_models_keep_whole_names(void **state)
{
    (void)state;
    char provider[2][USAGE_NAME_MAX + 1], model[USAGE_NAME_MAX + 1];
    for (int i = 0; i < 2; i++) {
        memset(provider[i], 'p', USAGE_NAME_MAX);
        provider[i][USAGE_NAME_MAX - 1] = (char)('0' + i);
        provider[i][USAGE_NAME_MAX] = '\0';
    }
    memset(model, 'm', USAGE_NAME_MAX);
    model[USAGE_NAME_MAX] = '\0';
    char scope[USAGE_SCOPE_MAX];
    snprintf(scope, sizeof scope, "model:%s/%s", provider[1], model);
    struct budget_settings cfg[] = {budget("total", "day", 1000), budget(scope, "day", 1000)};
    struct budgets *bs = budgets_new(cfg, 2, NULL);
    struct store *st = store_new();
    int64_t now = at("2026-11-20T12:00:00Z");
    for (int i = 0; i < 2; i++) {
        struct series_key k = {"spans", provider[i], model, "acme", NULL};
        store_add(st, store_series(st, &k), now - 60,
                  &(struct tally){.requests = 1, .cost = 2.0 - i});
    }
    struct view v;
    fill(bs, st, now, &v);
    assert_int_equal(v.nbudgets, 2);
    assert_string_equal(v.budgets[1].scope, scope);
    assert_close(v.budgets[1].spent_usd, 1.0, 1e-12);
    assert_int_equal(v.budgets[0].ntop, 2);
    for (int i = 0; i < 2; i++) {
        assert_string_equal(v.budgets[0].top[i].provider, provider[i]);
        assert_string_equal(v.budgets[0].top[i].model, model);
        assert_close(v.budgets[0].top[i].usd, 2.0 - i, 1e-12);
    }
    view_free(&v);
    store_free(st);
    budgets_free(bs);
    budget_settings_free(&cfg[0]);
    budget_settings_free(&cfg[1]);
}

static void test_budget_blocks_load_and_bad_ones_are_named(void **state)
{
    (void)state;
    char *dir = temp_dir(), path[4200];
    snprintf(path, sizeof path, "%s/c.toml", dir);
    FILE *fp = fopen(path, "w");
    fputs("[[source]]\nname = \"d\"\ntype = \"demo\"\n"
          "[[budget]]\nscope = \"tenant:acme\"\nperiod = \"week\"\namount_usd = 500\n"
          "thresholds = [90, 25]\n"
          "[[budget]]\nscope = \"total\"\namount_usd = 9000\n", fp);
    fclose(fp);
    struct strbuf errs = {0};
    struct config *cfg = config_load(path, &errs);
    assert_non_null(cfg);
    assert_int_equal(cfg->nbudgets, 2);
    assert_string_equal(cfg->budgets[0].period, "week");
    assert_int_equal(cfg->budgets[0].nthresholds, 2);
    assert_close(cfg->budgets[0].thresholds[0], 0.25, 1e-12); /* sorted */
    assert_string_equal(cfg->budgets[1].period, "month");
    assert_int_equal(cfg->budgets[1].nthresholds, 3);
    config_free(cfg);

    fp = fopen(path, "w");
    fputs("[[budget]]\nscope = \"total\"\namount_usd = 1\n"
          "[[budget]]\nscope = \"total\"\namount_usd = 2\n", fp);
    fclose(fp);
    assert_null(config_load(path, &errs));
    assert_non_null(strstr(strbuf_str(&errs), "a month budget of 'total' is configured twice"));
    strbuf_free(&errs);
    fp = fopen(path, "w");
    fputs("[[budget]]\nscope = \"team:x\"\nperiod = \"year\"\namount_usd = -1\n"
          "thresholds = [0]\n", fp);
    fclose(fp);
    assert_null(config_load(path, &errs));
    const char *e = strbuf_str(&errs);
    assert_non_null(strstr(e, "c.toml:2:9: budget scope 'team:x'"));
    assert_non_null(strstr(e, ":3:"));
    assert_non_null(strstr(e, ":4:"));
    assert_non_null(strstr(e, ":5:"));
    strbuf_free(&errs);
    rm_rf(dir);
}

/* Budgets that would page wrongly or never, refused with FILE:LINE:COL:
 * thresholds written as fractions (0.8 for 80% would page at 0.8% of the
 * amount, all at once), a model scope with no provider or no model before
 * or after its slash (it counts nothing: $0.00 for good). */
static void test_fractions_and_empty_model_scopes_are_refused(void **state)
{
    (void)state;
    char *dir = temp_dir(), path[4200];
    snprintf(path, sizeof path, "%s/c.toml", dir);
    const struct {
        const char *toml, *error;
    } bad[] = {
        {"thresholds = [0.5, 0.8, 1.0]", "c.toml:4:15: a budget threshold is a percentage "
                                         "from 1 to 1000 (80 for 80%, not 0.8)"},
        {"thresholds = [50, 1000.5]", "c.toml:4:19: a budget threshold"},
        {"scope = \"model:openai/\"", "c.toml:4:9: budget scope 'model:openai/'"},
        {"scope = \"model:/gpt-4o\"", "c.toml:4:9: budget scope 'model:/gpt-4o'"},
        {"scope = \"model:/\"", "c.toml:4:9: budget scope 'model:/'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        FILE *fp = fopen(path, "w");
        assert_non_null(fp);
        fprintf(fp, "[[budget]]\namount_usd = 10\nperiod = \"day\"\n%s\n%s\n", bad[i].toml,
                strncmp(bad[i].toml, "scope", 5) == 0 ? "" : "scope = \"total\"");
        fclose(fp);
        struct strbuf errs = {0};
        struct config *cfg = config_load(path, &errs);
        if (cfg || !strstr(strbuf_str(&errs), bad[i].error))
            fail_msg("%s: loaded %d, said: %s", bad[i].toml, cfg != NULL, strbuf_str(&errs));
        strbuf_free(&errs);
    }
    /* what is right still loads: 1% and 1000%, a model of one provider, a
     * model whose name has a slash of its own */
    const char *good[] = {"scope = \"total\"\nthresholds = [1, 1000]",
                          "scope = \"model:openai/gpt-4o\"",
                          "scope = \"model:openrouter/meta-llama/llama-3\"",
                          "scope = \"model:gpt-4o\""};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        FILE *fp = fopen(path, "w");
        assert_non_null(fp);
        fprintf(fp, "[[source]]\nname = \"d\"\ntype = \"demo\"\n"
                    "[[budget]]\namount_usd = 10\n%s\n", good[i]);
        fclose(fp);
        struct strbuf errs = {0};
        struct config *cfg = config_load(path, &errs);
        if (!cfg)
            fail_msg("%s: %s", good[i], strbuf_str(&errs));
        config_free(cfg);
        strbuf_free(&errs);
    }
    rm_rf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_periods_are_calendar_periods_of_the_zone, utc),
        cmocka_unit_test_teardown(test_a_day_budget_on_a_daylight_saving_day, utc),
        cmocka_unit_test_teardown(test_a_month_remembers_days_the_store_no_longer_holds, utc),
        cmocka_unit_test(test_a_month_of_known_days_then_unpriced_ones_is_known),
        cmocka_unit_test(test_each_threshold_notifies_once_per_period_across_a_restart),
        cmocka_unit_test(test_the_last_minute_of_a_period_is_its_own),
        cmocka_unit_test(test_spend_reported_after_a_period_ended_pages_it_once),
        cmocka_unit_test(test_the_forecast_follows_the_daily_shape),
        cmocka_unit_test(test_a_quiet_hour_forecast_follows_the_usual_day),
        cmocka_unit_test(test_a_burst_in_a_quiet_hour_is_not_the_day_times_its_ratio),
        cmocka_unit_test(test_a_budget_fill_follows_every_change),
        cmocka_unit_test(test_many_budgets_each_sum_their_own_series),
        cmocka_unit_test(test_a_tenant_row_carries_its_tightest_budget),
        cmocka_unit_test(test_budgets_know_their_settings),
        cmocka_unit_test(test_top_models_keep_whole_names),
        cmocka_unit_test(test_budget_blocks_load_and_bad_ones_are_named),
        cmocka_unit_test(test_fractions_and_empty_model_scopes_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
