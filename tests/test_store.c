/* test_store.c - windows, baselines, days and pruning (DESIGN.md §5), on
 * hand-built stores. Every expectation is worked out in its comment. */
#include "tests/helpers.h"

#include "lib/clock.h"
#include "core/store.h"
#include "core/view.h"

#define MIN 60
#define HOUR 3600
#define DAY 86400

static int64_t at(const char *rfc3339)
{
    int64_t t;
    if (clock_parse_time(rfc3339, &t) != 0)
        fail_msg("bad time %s", rfc3339);
    return t;
}

static int series(struct store *st, const char *tenant, const char *model)
{
    struct series_key k = {"spans", "openai", model, tenant, NULL};
    return store_series(st, &k);
}

/* $usd and one request of 1000 input / 100 output tokens */
static void spend(struct store *st, int id, int64_t t, double usd)
{
    struct tally x = {.requests = 1, .input = 1000, .output = 100, .cost = usd};
    store_add(st, id, t, &x);
}

static void compute(struct store *st, int64_t now, int64_t window, struct view *v)
{
    struct view_params p = {
        .now = now, .window = window,
        .day_start = clock_day_start(now), .day_end = clock_day_end(now),
    };
    view_compute(st, &p, v);
}

static void test_window_and_baseline_by_hand(void **state)
{
    (void)state;
    clock_set_timezone("UTC");
    struct store *st = store_new();
    int s = series(st, "acme", "gpt-4o-mini");
    int64_t now = at("2026-11-20T12:00:00Z");
    spend(st, s, now - 7 * DAY - 2 * HOUR, 0.5); /* history starts here */
    spend(st, s, now - 30 * MIN, 10);             /* window */
    spend(st, s, now - HOUR, 7);                  /* window: start is inclusive */
    spend(st, s, now, 1000);                      /* not: the end is exclusive */
    spend(st, s, now - DAY - 30 * MIN, 2);        /* day 1 */
    spend(st, s, now - DAY - HOUR, 50);           /* day 1, at its start */
    spend(st, s, now - DAY, 100);                 /* not day 1: at its end */
    spend(st, s, now - 2 * DAY - 30 * MIN, 4);    /* day 2 */
    spend(st, s, now - 3 * DAY - 59 * MIN, 6);    /* day 3 */
    struct view v;
    compute(st, now, HOUR, &v);
    /* window = 10 + 7 = 17; baseline = (2 + 50 + 4 + 6 + 0 + 0 + 0) / 7 days */
    assert_int_equal(v.baseline_days, 7);
    assert_close(v.spend.window_usd, 17, 1e-12);
    assert_close(v.spend.baseline_usd, 62.0 / 7, 1e-12);
    assert_close(v.spend.ratio, 17 / (62.0 / 7), 1e-12);
    /* burn: the last hour = 17 $/h */
    assert_close(v.spend.burn_usd_per_hour, 17, 1e-12);
    /* last 24h = [now-24h, now): 17 + 100 (at now - 24h exactly) = 117 */
    assert_close(v.spend.last_24h_usd, 117, 1e-12);
    /* last 7d: everything but the 0.5 (older) and the 1000 (at now) */
    assert_close(v.spend.last_7d_usd, 17 + 2 + 50 + 100 + 4 + 6, 1e-12);
    /* today (UTC) = [00:00, 12:00) = 17; projected = 17 + 17 $/h x 12 h */
    assert_close(v.spend.today_usd, 17, 1e-12);
    assert_close(v.spend.projected_today_usd, 17 + 17 * 12, 1e-12);
    view_free(&v);
    store_free(st);
}

static void test_window_is_minute_exact_whatever_the_seconds(void **state)
{
    (void)state;
    struct store *st = store_new();
    int s = series(st, "a", "m");
    int64_t now = at("2026-11-20T12:00:30Z");
    spend(st, s, at("2026-11-20T11:00:10Z"), 1);  /* minute 11:00 starts before now-1h */
    spend(st, s, at("2026-11-20T11:01:59Z"), 2);  /* minute 11:01: in */
    spend(st, s, at("2026-11-20T12:00:45Z"), 4);  /* minute 12:00 starts before now: in */
    struct view v;
    compute(st, now, HOUR, &v);
    /* buckets whose start lies in [11:00:30, 12:00:30): 11:01 .. 12:00 */
    assert_close(v.spend.window_usd, 6, 1e-12);
    view_free(&v);
    store_free(st);
}

static void test_baseline_is_null_with_less_than_a_day(void **state)
{
    (void)state;
    struct store *st = store_new();
    int s = series(st, "a", "m");
    int64_t now = at("2026-11-20T12:00:00Z");
    spend(st, s, now - 20 * HOUR, 5);
    spend(st, s, now - 10 * MIN, 3);
    struct view v;
    compute(st, now, HOUR, &v);
    assert_int_equal(v.baseline_days, 0);
    assert_close(v.spend.window_usd, 3, 1e-12);
    assert_nan(v.spend.baseline_usd);
    assert_nan(v.spend.ratio);
    assert_nan(v.models[0].baseline_share);
    assert_nan(v.mix_distance);
    view_free(&v);
    store_free(st);
}

static void test_baseline_is_the_mean_of_the_days_that_exist(void **state)
{
    (void)state;
    struct store *st = store_new();
    int s = series(st, "a", "m");
    int64_t now = at("2026-11-20T12:00:00Z");
    /* history from now - 2d - 1h: days 1 and 2 are whole, day 3 is not */
    spend(st, s, now - 2 * DAY - HOUR, 4);
    spend(st, s, now - DAY - 10 * MIN, 2);
    struct view v;
    compute(st, now, HOUR, &v);
    assert_int_equal(v.baseline_days, 2);
    assert_close(v.spend.baseline_usd, (4 + 2) / 2.0, 1e-12);
    view_free(&v);
    /* a 24h window needs 2 days of history for its first baseline day */
    compute(st, now, DAY, &v);
    assert_int_equal(v.baseline_days, 1);
    /* day 1 of a 24h window: [now-48h, now-24h) holds the 2 (the 4 is at
     * now - 49h, before it) */
    assert_close(v.spend.baseline_usd, 2, 1e-12);
    view_free(&v);
    store_free(st);
}

static void test_utc_day_boundary(void **state)
{
    (void)state;
    clock_set_timezone("UTC");
    struct store *st = store_new();
    int s = series(st, "a", "m");
    int64_t now = at("2026-11-20T00:30:00Z");
    spend(st, s, at("2026-11-19T23:59:59Z"), 1); /* yesterday */
    spend(st, s, at("2026-11-20T00:00:00Z"), 2); /* today */
    struct view v;
    compute(st, now, HOUR, &v);
    assert_close(v.spend.today_usd, 2, 1e-12);
    assert_close(v.spend.window_usd, 3, 1e-12);
    view_free(&v);
    store_free(st);
}

static void test_timezone_moves_today(void **state)
{
    (void)state;
    assert_true(clock_set_timezone("America/New_York"));
    struct store *st = store_new();
    int s = series(st, "a", "m");
    /* 12:00Z is 07:00 in New York (EST, UTC-5): its day began at 05:00Z */
    int64_t now = at("2026-11-20T12:00:00Z");
    spend(st, s, at("2026-11-20T04:30:00Z"), 3);  /* yesterday in New York */
    spend(st, s, at("2026-11-20T05:30:00Z"), 5);
    struct view v;
    compute(st, now, HOUR, &v);
    assert_close(v.spend.today_usd, 5, 1e-12);
    /* projected: 5 + burn (0) x 17 h left */
    assert_close(v.spend.projected_today_usd, 5, 1e-12);
    view_free(&v);
    assert_true(clock_set_timezone("UTC"));
    compute(st, now, HOUR, &v);
    assert_close(v.spend.today_usd, 8, 1e-12);
    view_free(&v);
    store_free(st);
    assert_false(clock_set_timezone("Mars/Olympus_Mons"));
}

static void test_tenants_models_and_mix_by_hand(void **state)
{
    (void)state;
    struct store *st = store_new();
    int a_mini = series(st, "acme", "mini"), a_big = series(st, "acme", "big");
    int g_big = series(st, "globex", "big");
    int64_t now = at("2026-11-20T12:00:00Z");
    spend(st, a_mini, now - 2 * DAY, 0.01);      /* history: 2 whole days */
    /* baseline days 1 and 2: mini 3 + 3, big 1 + 1 */
    spend(st, a_mini, now - DAY - 5 * MIN, 3);
    spend(st, a_mini, now - 2 * DAY + 5 * MIN - HOUR, 3);
    spend(st, a_big, now - DAY - 5 * MIN, 1);
    spend(st, a_big, now - 2 * DAY + 5 * MIN - HOUR, 1);
    /* window: mini 2, big 2 (acme) + 4 (globex) */
    spend(st, a_mini, now - 5 * MIN, 2);
    spend(st, a_big, now - 5 * MIN, 2);
    spend(st, g_big, now - 5 * MIN, 4);
    struct view v;
    compute(st, now, HOUR, &v);
    assert_close(v.spend.window_usd, 8, 1e-12);
    assert_close(v.spend.baseline_usd, 4, 1e-12);
    /* models sorted by window spend: big 6 (share 0.75, baseline 1/4), mini 2
     * (0.25, baseline 3/4); distance = (|0.75-0.25| + |0.25-0.75|) / 2 = 0.5 */
    assert_int_equal(v.nmodels, 2);
    assert_string_equal(v.models[0].model, "big");
    assert_close(v.models[0].share, 0.75, 1e-12);
    assert_close(v.models[0].baseline_share, 0.25, 1e-12);
    assert_int_equal(v.models[0].requests, 2); /* acme's and globex's */
    assert_close(v.models[0].baseline_requests, 1, 1e-12);
    assert_close(v.mix_distance, 0.5, 1e-12);
    /* tenants: globex 4 (baseline 0), acme 4 (baseline 4, ratio 1) */
    assert_int_equal(v.ntenants, 2);
    assert_close(v.tenants[0].window_usd, 4, 1e-12);
    for (size_t i = 0; i < 2; i++) {
        if (strcmp(v.tenants[i].tenant, "acme") == 0) {
            assert_close(v.tenants[i].ratio, 1, 1e-12);
        } else {
            assert_close(v.tenants[i].baseline_usd, 0, 1e-12);
            assert_nan(v.tenants[i].ratio); /* x / 0 is no number */
        }
    }
    view_free(&v);
    store_free(st);
}

/* A tenant's today is since midnight (not the last 24 h), its burn is the
 * last hour, and its budget use is today over the budget; a budgeted
 * tenant with no usage is listed at $0. */
static void test_tenant_today_burn_and_budget_by_hand(void **state)
{
    (void)state;
    clock_set_timezone("UTC");
    struct store *st = store_new();
    int acme = series(st, "acme", "m");
    int64_t now = at("2026-11-20T12:00:00Z");
    spend(st, acme, at("2026-11-19T20:00:00Z"), 1);  /* yesterday, in the last 24 h */
    spend(st, acme, at("2026-11-20T02:00:00Z"), 16); /* today */
    spend(st, acme, at("2026-11-20T08:00:00Z"), 2);  /* today, the 6 h window */
    spend(st, acme, at("2026-11-20T11:30:00Z"), 4);  /* today, the window, the last hour */
    struct view_budget budgets[] = {{"acme", 20}, {"initech", 10}};
    struct view_params p = {
        .now = now, .window = 6 * HOUR,
        .day_start = clock_day_start(now), .day_end = clock_day_end(now),
        .budgets = budgets, .nbudgets = 2,
    };
    struct view v;
    view_compute(st, &p, &v);
    assert_int_equal(v.ntenants, 2);
    /* acme: window 2 + 4 = 6, today 16 + 2 + 4 = 22 (the last 24 h would be
     * 23), burn 4 $/h, budget use 22 / 20 = 1.1 */
    assert_string_equal(v.tenants[0].tenant, "acme");
    assert_close(v.tenants[0].window_usd, 6, 1e-12);
    assert_close(v.tenants[0].today_usd, 22, 1e-12);
    assert_close(v.tenants[0].burn_usd_per_hour, 4, 1e-12);
    assert_close(v.tenants[0].budget_used, 1.1, 1e-12);
    /* initech: no usage, listed for its budget */
    assert_string_equal(v.tenants[1].tenant, "initech");
    assert_close(v.tenants[1].today_usd, 0, 1e-12);
    assert_close(v.tenants[1].budget_usd, 10, 1e-12);
    assert_close(v.tenants[1].budget_used, 0, 1e-12);
    view_free(&v);
    store_free(st);
}

static void test_cache_and_reasoning_only_over_known_records(void **state)
{
    (void)state;
    struct store *st = store_new();
    int s = series(st, "a", "m");
    int64_t now = at("2026-11-20T12:00:00Z");
    /* known: 1000 input, 400 read; unknown: 3000 input (not in the rate) */
    struct tally known = {.requests = 1, .input = 1000, .input_ck = 1000, .cache_read = 400,
                          .output = 200, .output_rk = 200, .reasoning = 50, .cost = 1};
    struct tally unknown = {.requests = 1, .input = 3000, .output = 800, .cost = 1};
    store_add(st, s, now - 10 * MIN, &known);
    store_add(st, s, now - 9 * MIN, &unknown);
    struct view v;
    compute(st, now, HOUR, &v);
    assert_close(v.cache.rate, 400.0 / 1000, 1e-12);
    assert_int_equal(v.cache.whole_tokens, 4000);
    assert_int_equal(v.cache.part_tokens, 400);
    assert_close(v.reasoning.rate, 50.0 / 200, 1e-12);
    assert_int_equal(v.reasoning.whole_tokens, 1000);
    view_free(&v);
    store_free(st);
    /* nothing known at all: null, never 0% */
    st = store_new();
    s = series(st, "a", "m");
    store_add(st, s, now - 9 * MIN, &unknown);
    compute(st, now, HOUR, &v);
    assert_nan(v.cache.rate);
    assert_nan(v.reasoning.rate);
    view_free(&v);
    store_free(st);
}

static void test_unpriced_spend_is_unknown_not_zero(void **state)
{
    (void)state;
    struct store *st = store_new();
    int s = series(st, "a", "mystery");
    store_series_set_price(st, s, PRICE_NONE);
    int64_t now = at("2026-11-20T12:00:00Z");
    struct tally t = {.requests = 3, .input = 900, .output = 90};
    store_add(st, s, now - 5 * MIN, &t);
    struct view v;
    compute(st, now, HOUR, &v);
    assert_nan(v.spend.window_usd);
    assert_int_equal(v.nunpriced, 1);
    assert_string_equal(v.unpriced[0].model, "mystery");
    assert_int_equal(v.unpriced[0].requests, 3);
    assert_int_equal(v.unpriced[0].input_tokens, 900);
    assert_nan(v.models[0].window_usd);
    view_free(&v);
    /* with priced usage beside it, the total is the priced part and the
     * unpriced model is still listed */
    int p = series(st, "a", "known");
    spend(st, p, now - 5 * MIN, 2);
    compute(st, now, HOUR, &v);
    assert_close(v.spend.window_usd, 2, 1e-12);
    assert_int_equal(v.nunpriced, 1);
    view_free(&v);
    store_free(st);
}

/* A view outlives the statuses it was computed from (the app rewrites
 * and reallocates them on every recomputation; a paused screen keeps its
 * view): the source's last error is the view's own copy. */
static void test_a_view_keeps_its_own_copy_of_a_source_error(void **state)
{
    (void)state;
    struct store *st = store_new();
    int64_t now = at("2026-11-20T12:00:00Z");
    struct source_status *src = calloc(1, sizeof *src);
    assert_non_null(src);
    *src = (struct source_status){.name = "spans", .type = "otel_file",
                                  .state = SOURCE_ERROR, .started = now - MIN};
    snprintf(src->last_error, sizeof src->last_error, "HTTP 401: invalid key");
    struct view_params p = {.now = now, .window = HOUR, .day_start = clock_day_start(now),
                            .day_end = clock_day_end(now), .sources = src, .nsources = 1};
    struct view v;
    view_compute(st, &p, &v);
    /* the next recomputation's statuses: rewritten in place, or moved */
    snprintf(src->last_error, sizeof src->last_error, "something else");
    assert_string_equal(v.sources[0].last_error, "HTTP 401: invalid key");
    free(src);
    assert_string_equal(v.sources[0].last_error, "HTTP 401: invalid key");
    view_free(&v);
    store_free(st);
}

/* A wrong key or a missing export: sources configured, none has ever
 * succeeded, nothing stored. Spend is unknown, not $0.00; the first
 * success (even one that brought nothing) makes an empty store mean $0. */
static void test_spend_is_unknown_until_a_source_succeeds(void **state)
{
    (void)state;
    struct store *st = store_new();
    int64_t now = at("2026-11-20T12:00:00Z");
    struct source_status src = {.name = "spans", .type = "otel_file", .state = SOURCE_ERROR,
                                .started = now - 5 * MIN};
    struct view_budget budget = {"acme", 100};
    struct view_params p = {
        .now = now, .window = HOUR,
        .day_start = clock_day_start(now), .day_end = clock_day_end(now),
        .sources = &src, .nsources = 1, .budgets = &budget, .nbudgets = 1,
        .sparklines = true,
    };
    struct view v;
    view_compute(st, &p, &v);
    assert_nan(v.spend.window_usd);
    assert_nan(v.spend.today_usd);
    assert_nan(v.spend.last_7d_usd);
    assert_nan(v.spend.burn_usd_per_hour);
    assert_nan(v.spend.projected_today_usd);
    assert_int_equal(v.ntenants, 1);
    assert_nan(v.tenants[0].today_usd);
    assert_nan(v.tenants[0].budget_used);
    assert_nan(v.hours[VIEW_HOURS - 1].usd);
    assert_nan(v.week_usd[VIEW_WEEK_HOURS - 1]);
    view_free(&v);

    src.last_success = now - MIN;
    view_compute(st, &p, &v);
    assert_close(v.spend.window_usd, 0, 0);
    assert_close(v.tenants[0].budget_used, 0, 0);
    assert_close(v.hours[VIEW_HOURS - 1].usd, 0, 0);
    view_free(&v);

    /* stored history (a restart) is known before the first poll answers
     * (cppcheck misses that view_compute read src, through p.sources) */
    /* cppcheck-suppress redundantAssignment */
    src.last_success = 0;
    spend(st, series(st, "acme", "gpt-4o"), now - 5 * MIN, 2);
    view_compute(st, &p, &v);
    assert_close(v.spend.window_usd, 2, 1e-12);
    assert_close(v.tenants[0].budget_used, 0.02, 1e-12);
    view_free(&v);
    store_free(st);
}

/* A provider's usage source is its source of record once it has answered
 * (now or in an earlier run); until then - a wrong admin key from the
 * first day - the provider is counted from its spans, never as $0.00. */
static void test_a_usage_source_that_never_answered_leaves_spans_counted(void **state)
{
    (void)state;
    struct store *st = store_new();
    int64_t now = at("2026-11-20T12:00:00Z");
    spend(st, series(st, "acme", "gpt-4o"), now - 5 * MIN, 2);
    struct source_status src[] = {
        {.name = "spans", .type = "otel_file", .state = SOURCE_OK, .started = now - HOUR,
         .last_success = now - MIN},
        {.name = "openai-usage", .type = "openai", .usage_provider = "openai",
         .reports_billed = true, .state = SOURCE_ERROR, .started = now - HOUR},
    };
    struct view_params p = {
        .now = now, .window = HOUR,
        .day_start = clock_day_start(now), .day_end = clock_day_end(now),
        .sources = src, .nsources = 2,
    };
    struct view v;
    view_compute(st, &p, &v);
    assert_close(v.spend.window_usd, 2, 1e-12);
    assert_int_equal(v.ntenants, 1);
    assert_close(v.tenants[0].window_usd, 2, 1e-12);
    assert_int_equal(v.nmodels, 1);
    view_free(&v);
    /* it answered: openai's totals are its (none yet), the spans coverage
     * (cppcheck misses that view_compute reads src, through p.sources) */
    /* cppcheck-suppress unreadVariable */
    src[1].usage_known = true;
    view_compute(st, &p, &v);
    assert_close(v.spend.window_usd, 0, 0);
    assert_int_equal(v.nmodels, 0);
    view_free(&v);
    store_free(st);
}

static void test_sparklines_are_hour_slots_against_their_baseline(void **state)
{
    (void)state;
    struct store *st = store_new();
    int s = series(st, "a", "m");
    int64_t now = at("2026-11-20T12:30:00Z");
    spend(st, s, now - 8 * DAY + 2 * HOUR, 0.5);   /* history: 7 whole days */
    spend(st, s, at("2026-11-20T12:10:00Z"), 3);   /* the current hour (last slot) */
    spend(st, s, at("2026-11-20T12:50:00Z"), 1);   /* after now, same hour slot */
    spend(st, s, at("2026-11-20T11:59:00Z"), 5);   /* the slot before */
    spend(st, s, at("2026-11-19T12:05:00Z"), 7);   /* day 1 of the last slot */
    spend(st, s, at("2026-11-17T12:40:00Z"), 14);  /* day 3 of the last slot */
    struct view_params p = {.now = now, .window = HOUR, .day_start = clock_day_start(now),
                            .day_end = clock_day_end(now), .sparklines = true};
    struct view v;
    view_compute(st, &p, &v);
    assert_true(v.has_sparklines);
    assert_int_equal(v.hours[VIEW_HOURS - 1].start, at("2026-11-20T12:00:00Z"));
    assert_close(v.hours[VIEW_HOURS - 1].usd, 4, 1e-12);
    assert_close(v.hours[VIEW_HOURS - 2].usd, 5, 1e-12);
    /* the last slot's baseline: (7 + 14) over the 7 baseline days */
    assert_close(v.hours[VIEW_HOURS - 1].baseline_usd, 21.0 / 7, 1e-12);
    /* the week: the newest hour is last */
    assert_close(v.week_usd[VIEW_WEEK_HOURS - 1], 4, 1e-12);
    assert_close(v.week_usd[VIEW_WEEK_HOURS - 1 - 24], 7, 1e-12);
    view_free(&v);
    store_free(st);
}

/* Sums saturate at the int64 range: two counts near its top add to its
 * top, never wrap to a negative count. */
static void test_sums_saturate_never_wrap(void **state)
{
    (void)state;
    struct tally a = {.input = INT64_MAX - 1, .output = 5, .requests = INT64_MAX,
                      .requests_unknown = INT64_MAX, .no_usage = INT64_MAX - 2,
                      .reported_n = INT64_MAX};
    struct tally b = {.input = INT64_MAX - 1, .output = 7, .requests = 1,
                      .requests_unknown = 1, .no_usage = 9, .reported_n = 2};
    tally_add(&a, &b);
    assert_true(a.input == INT64_MAX);
    assert_true(a.requests == INT64_MAX);
    assert_true(a.requests_unknown == INT64_MAX);
    assert_true(a.no_usage == INT64_MAX);
    assert_true(a.reported_n == INT64_MAX);
    assert_int_equal(a.output, 12);
    struct tally c = {.input = INT64_MIN + 1, .no_usage = INT64_MIN + 3};
    tally_sub(&c, &b);
    assert_true(c.input == INT64_MIN);
    assert_true(c.no_usage == INT64_MIN);
}

/* Every count of a tally, added and taken out, as one saturating
 * operation on each (the reference), for operands around every edge of
 * the range, in every field, other fields near the range or not. */
static int64_t ref_sat(int64_t a, int64_t b, int sign)
{
    __int128 r = sign > 0 ? (__int128)a + b : (__int128)a - b;
    return r > INT64_MAX ? INT64_MAX : r < INT64_MIN ? INT64_MIN : (int64_t)r;
}

static void test_counts_saturate_field_by_field(void **state)
{
    (void)state;
    const int64_t v[] = {0, 1, -1, 2, 1000, -7919, INT64_MAX, INT64_MAX - 1, INT64_MIN,
                         INT64_MIN + 1, INT64_MAX / 2, INT64_MIN / 2};
    enum { NV = sizeof v / sizeof *v, NC = 13 };
    srand(5);
    for (int round = 0; round < 20000; round++) {
        int64_t a[NC], b[NC];
        for (int f = 0; f < NC; f++) {
            a[f] = v[rand() % NV];
            b[f] = rand() % 4 ? v[rand() % NV] : (int64_t)rand() - RAND_MAX / 2;
        }
        for (int sign = -1; sign <= 1; sign += 2) {
            struct tally x = {a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9],
                              a[10], a[11], a[12], 1.5, 0, 0};
            const struct tally y = {b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8],
                                    b[9], b[10], b[11], b[12], 0.25, 0, 0};
            if (sign > 0)
                tally_add(&x, &y);
            else
                tally_sub(&x, &y);
            const int64_t got[NC] = {x.requests, x.errors, x.input, x.input_ck,
                                     x.cache_read, x.cache_write_5m, x.cache_write_1h,
                                     x.output, x.output_rk, x.reasoning,
                                     x.requests_unknown, x.no_usage, x.reported_n};
            for (int f = 0; f < NC; f++)
                assert_true(got[f] == ref_sat(a[f], b[f], sign));
            assert_true(x.cost == (sign > 0 ? 1.75 : 1.25));
        }
    }
}

static void test_prune_drops_only_older_buckets(void **state)
{
    (void)state;
    struct store *st = store_new();
    int s = series(st, "a", "m");
    int64_t now = at("2026-11-20T12:00:00Z");
    spend(st, s, now - 9 * DAY, 1);
    spend(st, s, now - 8 * DAY - MIN, 2);
    spend(st, s, now - 8 * DAY, 4);
    spend(st, s, now - HOUR, 8);
    uint64_t g = store_generation(st);
    assert_int_equal(store_prune(st, now - STORE_RETENTION), 2);
    assert_true(store_generation(st) != g); /* what is drawn changed */
    assert_int_equal(store_first_minute(st), now - 8 * DAY);
    /* a prune that drops nothing (the clock calls it every minute) has
     * nothing to draw again */
    g = store_generation(st);
    assert_int_equal(store_prune(st, now - STORE_RETENTION), 0);
    assert_true(store_generation(st) == g);
    struct tally t;
    store_sum(st, s, 0, now, &t);
    assert_close(t.cost, 12, 1e-12);
    store_free(st);
}

/* The hour index must agree with a minute-by-minute sum, through adds,
 * replacements, clears and pruning. */
static void test_sums_match_brute_force(void **state)
{
    (void)state;
    struct store *st = store_new();
    int s = series(st, "a", "m");
    int64_t base = at("2026-11-12T00:00:00Z");
    enum { MINUTES = 9 * 24 * 60 };
    static double truth[MINUTES];
    memset(truth, 0, sizeof truth);
    srand(7);
    for (int i = 0; i < 20000; i++) {
        int m = rand() % MINUTES;
        double usd = (rand() % 1000) / 100.0;
        struct tally t = {.requests = 1, .cost = usd};
        if (rand() % 10 == 0) {
            store_set(st, s, base + m * 60 + rand() % 60, &t);
            truth[m] = usd;
        } else {
            store_add(st, s, base + m * 60 + rand() % 60, &t);
            truth[m] += usd;
        }
    }
    store_clear_range(st, "spans", base + 100 * 60, base + 200 * 60, false);
    for (int m = 100; m < 200; m++)
        truth[m] = 0;
    int cut = 1000;
    store_prune(st, base + cut * 60 + 17);
    /* minute `cut` starts 17 s before the cut-off: dropped too */
    for (int m = 0; m <= cut; m++)
        truth[m] = 0;
    for (int i = 0; i < 2000; i++) {
        int64_t t0 = base + rand() % (MINUTES * 60);
        int64_t t1 = t0 + rand() % (3 * DAY);
        double want = 0;
        for (int m = 0; m < MINUTES; m++)
            if (base + m * 60 >= t0 && base + m * 60 < t1)
                want += truth[m];
        struct tally got;
        store_sum(st, s, t0, t1, &got);
        assert_close(got.cost, want, 1e-9);
    }
    /* a view's dozen intervals in one walk: each the same as its own sum,
     * to the bit (the same additions in the same order), whether it is
     * empty, inside one hour, or cut by both edges; the open hour too */
    store_add(st, s, base + (MINUTES - 3) * 60, &(struct tally){.requests = 1, .cost = 0.5});
    for (int round = 0; round < 300; round++) {
        int64_t iv[13][2];
        for (int i = 0; i < 13; i++) {
            iv[i][0] = base + rand() % (MINUTES * 60);
            iv[i][1] = iv[i][0] + (i == 0 ? 0 : i < 4 ? rand() % 3600 : rand() % (3 * DAY));
        }
        struct tally many[13];
        store_sum_many(st, s, (const int64_t(*)[2])iv, 13, many);
        for (int i = 0; i < 13; i++) {
            struct tally one;
            store_sum(st, s, iv[i][0], iv[i][1], &one);
            assert_int_equal(many[i].requests, one.requests);
            assert_memory_equal(&many[i].cost, &one.cost, sizeof one.cost);
        }
    }
    store_free(st);
}

static void test_series_cap_folds_new_tenants(void **state)
{
    (void)state;
    struct store *st = store_new();
    char name[32];
    for (int i = 0; i < STORE_MAX_SERIES; i++) {
        snprintf(name, sizeof name, "t%d", i);
        series(st, name, "m");
    }
    int over = series(st, "one-too-many", "m");
    assert_string_equal(store_series_key(st, over)->tenant, STORE_OVERFLOW_TENANT);
    assert_int_equal(series(st, "another", "m"), over);
    store_free(st);
}

/* A series whose data has aged out is freed at the prune, and its id goes
 * to the next new series: a store that was full takes new tenants under
 * their own names again, and never grows past the cap. */
static void test_series_freed_after_retention_and_ids_reused(void **state)
{
    (void)state;
    struct store *st = store_new();
    int64_t now = at("2026-11-20T12:00:00Z");
    char name[32];
    for (int i = 0; i < STORE_MAX_SERIES; i++) {
        snprintf(name, sizeof name, "old%d", i);
        spend(st, series(st, name, "m"), now - 9 * DAY, 1);
    }
    int keep = series(st, "old7", "m");
    spend(st, keep, now - HOUR, 2);            /* old7 is still active */
    int over = series(st, "one-too-many", "m");
    assert_string_equal(store_series_key(st, over)->tenant, STORE_OVERFLOW_TENANT);
    spend(st, over, now - 9 * DAY, 1);         /* and ages out with the rest */
    struct store_folding f;
    store_folding(st, &f);
    assert_int_equal(f.series, STORE_MAX_SERIES + 1);
    assert_int_equal(f.tenant_records, 1);
    size_t slots = store_series_count(st);

    store_prune(st, now - STORE_RETENTION);
    store_folding(st, &f);
    assert_int_equal(f.series, 1);             /* old7 */
    assert_true(store_series_live(st, keep));
    assert_false(store_series_live(st, 0));
    for (int i = 0; i < STORE_MAX_SERIES - 1; i++) { /* with old7: full */
        snprintf(name, sizeof name, "new%d", i);
        int id = series(st, name, "m");
        assert_true((size_t)id < slots);       /* a freed id, reused */
        assert_string_equal(store_series_key(st, id)->tenant, name);
    }
    assert_int_equal(store_series_count(st), slots);
    /* the cap is of live series: full again, so the next one folds */
    assert_string_equal(store_series_key(st, series(st, "late", "m"))->tenant,
                        STORE_OVERFLOW_TENANT);
    /* the old name of a freed id is a new series, not the old one's */
    int again = series(st, "old8", "m");
    struct tally t;
    store_sum(st, again, 0, now, &t);
    assert_true(tally_is_zero(&t));
    /* and a view lists only live series, by their own names */
    spend(st, series(st, "new5", "m"), now - MIN, 3);
    struct view v;
    compute(st, now, HOUR, &v);
    assert_int_equal(v.ntenants, 2);           /* new5 ($3), old7 ($2) */
    assert_string_equal(v.tenants[0].tenant, "new5");
    assert_string_equal(v.tenants[1].tenant, "old7");
    assert_true(v.folding.active);
    view_free(&v);
    store_free(st);
}

/* Every series is found again by its names, whatever others were freed
 * around it in the index; names are told apart wherever their bytes
 * split ("x", "yz" is not "xy", "z"). */
static void test_series_are_found_by_their_names_across_frees(void **state)
{
    (void)state;
    struct store *st = store_new();
    int64_t now = at("2026-11-20T12:00:00Z");
    enum { N = 3000 };
    static int ids[N];
    char name[32];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "t%d", i);
        ids[i] = series(st, name, i % 2 ? "m" : "mm");
        /* a third age out, spread through the index */
        spend(st, ids[i], i % 3 == 0 ? now - 9 * DAY : now - HOUR, 1);
    }
    struct series_key a = {"spans", "openai", "x", "yz", NULL};
    struct series_key b = {"spans", "openai", "xy", "z", NULL};
    struct series_key c = {"spans", "openai", "x", "yz", ""}; /* NULL tier is "" */
    int ida = store_series(st, &a);
    assert_int_not_equal(store_series(st, &b), ida);
    assert_int_equal(store_series(st, &c), ida);

    store_prune(st, now - STORE_RETENTION);
    struct store_folding f;
    store_folding(st, &f);
    assert_int_equal(f.series, N - N / 3);     /* "x"/"yz" and "xy"/"z" had no data */
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "t%d", i);
        if (i % 3 == 0)
            continue;
        assert_int_equal(series(st, name, i % 2 ? "m" : "mm"), ids[i]);
        /* the other model's series of the tenant was never made */
        int other = series(st, name, i % 2 ? "mm" : "m");
        assert_int_not_equal(other, ids[i]);
        struct tally t;
        store_sum(st, other, 0, now, &t);
        assert_true(tally_is_zero(&t));
    }
    for (int i = 0; i < N; i += 3) { /* made again: new series, empty */
        snprintf(name, sizeof name, "t%d", i);
        int id = series(st, name, i % 2 ? "m" : "mm");
        assert_string_equal(store_series_key(st, id)->tenant, name);
        struct tally t;
        store_sum(st, id, 0, now, &t);
        assert_true(tally_is_zero(&t));
        assert_int_equal(series(st, name, i % 2 ? "m" : "mm"), id);
    }
    store_free(st);
}

/* Made-up model names past STORE_MAX_MODELS for one provider are folded
 * into STORE_OTHER_MODELS, and counted; so are made-up providers past the
 * series cap's slack. Nothing a client sends grows the store past its
 * bounds. */
static void test_a_flood_of_model_names_is_folded_and_counted(void **state)
{
    (void)state;
    struct store *st = store_new();
    int64_t now = at("2026-11-20T12:00:00Z");
    char name[32];
    int flood = 20 * STORE_MAX_MODELS;
    for (int i = 0; i < flood; i++) {
        snprintf(name, sizeof name, "made-up-%d", i);
        spend(st, series(st, "acme", name), now - MIN, 0.001);
    }
    struct store_folding f;
    store_folding(st, &f);
    assert_int_equal(f.series, STORE_MAX_MODELS + 1);  /* the cap, and the fold */
    assert_int_equal(f.model_records, flood - STORE_MAX_MODELS);
    assert_int_equal(store_series_count(st), STORE_MAX_MODELS + 1);
    /* a name already known stays itself; another provider has its own cap */
    assert_string_equal(store_series_key(st, series(st, "acme", "made-up-3"))->model,
                        "made-up-3");
    struct series_key other = {"spans", "anthropic", "made-up-99999", "acme", NULL};
    assert_string_equal(store_series_key(st, store_series(st, &other))->model,
                        "made-up-99999");
    struct view v;
    compute(st, now, HOUR, &v);
    const struct view_model *folded = NULL;
    for (size_t i = 0; i < v.nmodels; i++)
        if (strcmp(v.models[i].model, STORE_OTHER_MODELS) == 0)
            folded = &v.models[i];
    assert_non_null(folded);
    assert_int_equal(folded->requests, flood - STORE_MAX_MODELS);
    /* the money stays whole: $0.001 for every record */
    assert_close(v.spend.window_usd, flood * 0.001, 1e-9);
    view_free(&v);

    /* the whole store full: made-up providers (each a new overflow series)
     * get STORE_OVERFLOW_SERIES more, then all fold into one per source */
    for (int i = 0; i < STORE_MAX_SERIES; i++) {
        snprintf(name, sizeof name, "t%d", i);
        series(st, name, "m");
    }
    int id = -1;
    for (int i = 0; i < 2 * STORE_OVERFLOW_SERIES; i++) {
        snprintf(name, sizeof name, "provider-%d", i);
        struct series_key k = {"spans", name, name, name, NULL};
        id = store_series(st, &k);
    }
    assert_string_equal(store_series_key(st, id)->provider, STORE_OTHER_PROVIDER);
    assert_string_equal(store_series_key(st, id)->model, STORE_OTHER_MODELS);
    assert_string_equal(store_series_key(st, id)->tenant, STORE_OVERFLOW_TENANT);
    assert_int_equal(store_series_count(st), STORE_MAX_SERIES + STORE_OVERFLOW_SERIES + 1);
    store_free(st);
}

/* store_next_minute: the first bucket at or after t, by the bucket's
 * start (a time inside a minute finds the next minute's). */
static void test_next_minute_is_the_first_bucket_at_or_after(void **state)
{
    (void)state;
    struct store *st = store_new();
    int s = series(st, "a", "m");
    int empty = series(st, "b", "m");
    int64_t t0 = at("2026-11-20T12:00:00Z");
    spend(st, s, t0 + 30, 1);          /* the 12:00 bucket */
    spend(st, s, t0 + 5 * MIN + 59, 2); /* 12:05 */
    spend(st, s, t0 + 3 * HOUR, 4);     /* 15:00 */
    assert_int_equal(store_next_minute(st, s, 0), t0);
    assert_int_equal(store_next_minute(st, s, t0), t0);
    assert_int_equal(store_next_minute(st, s, t0 + 1), t0 + 5 * MIN);
    assert_int_equal(store_next_minute(st, s, t0 + 5 * MIN), t0 + 5 * MIN);
    assert_int_equal(store_next_minute(st, s, t0 + 5 * MIN + 1), t0 + 3 * HOUR);
    assert_true(store_next_minute(st, s, t0 + 3 * HOUR + 1) == INT64_MAX);
    assert_true(store_next_minute(st, empty, 0) == INT64_MAX);
    /* many thresholds in one walk, in any order, sealed hours and the open
     * one, the same answers */
    spend(st, s, t0 + 3 * HOUR + 20 * MIN, 8); /* 15:20, the open hour */
    int64_t t[] = {t0 + 3 * HOUR + 1, 0, t0 + 5 * MIN + 1, t0 + 1, t0 + 4 * HOUR, t0,
                   t0 + 3 * HOUR + 20 * MIN};
    enum { N = sizeof t / sizeof *t };
    int64_t got[N] = {0}; /* (cppcheck cannot see store_query write it) */
    store_query(st, s, &(struct store_query){.t = t, .m = N, .next = got});
    const int64_t want[N] = {t0 + 3 * HOUR + 20 * MIN, t0, t0 + 3 * HOUR, t0 + 5 * MIN, INT64_MAX,
                       t0, t0 + 3 * HOUR + 20 * MIN};
    for (int k = 0; k < N; k++) {
        assert_true(got[k] == want[k]);
        assert_true(got[k] == store_next_minute(st, s, t[k]));
    }
    store_query(st, empty, &(struct store_query){.t = t, .m = N, .next = got});
    for (int k = 0; k < N; k++)
        assert_true(got[k] == INT64_MAX);
    store_free(st);
}

/* store_query answers, in one walk, what store_sum, store_next_minute and
 * store_hourly answer one at a time: for intervals of every shape (whole
 * hours, a minute, empty, reversed, beyond the data), thresholds and hours
 * anywhere, each part asked alone or with the others, over sparse and
 * dense hours, sealed and open. */
static void test_sums_thresholds_and_hours_in_one_walk(void **state)
{
    (void)state;
    struct store *st = store_new();
    int s = series(st, "a", "m");
    int empty = series(st, "b", "m");
    int64_t base = at("2026-11-20T00:00:00Z");
    srand(11);
    for (int i = 0; i < 400; i++) {
        /* some hours with one bucket, some with many */
        int64_t hour = base + (rand() % 72) * HOUR;
        int64_t t = hour + (rand() % 3 == 0 ? rand() % 3 : rand() % 60) * MIN + rand() % 60;
        spend(st, s, t, (rand() % 1000 + 1) / 100.0);
    }
    spend(st, s, base + 80 * HOUR + 7 * MIN, 1); /* the open hour, last */
    enum { N = 12, M = 9, H = 100 };
    for (int round = 0; round < 300; round++) {
        int64_t iv[N][2], t[M];
        for (int i = 0; i < N; i++) {
            int64_t a = base - HOUR + (rand() % (84 * 60)) * MIN;
            int64_t len = rand() % 4 == 0 ? (rand() % 3) * HOUR : (rand() % 240 - 20) * MIN;
            iv[i][0] = a;
            iv[i][1] = a + len;
        }
        for (int k = 0; k < M; k++)
            t[k] = base - HOUR + (rand() % (84 * 60)) * MIN + (rand() % 2) * (rand() % 60);
        /* which parts this round asks */
        int n = round % 4 == 1 ? 0 : N, m = round % 4 == 2 ? 0 : M;
        int nh = round % 3 == 0 ? 0 : 1 + rand() % H;
        int64_t hour0 = base + (rand() % 90 - 10) * HOUR;
        for (int id = s; id <= empty; id++) {
            struct tally got[N], want[N], hours[H] = {{0}}, want_hours[H] = {{0}};
            int64_t next[M], want_next[M];
            store_query(st, id, &(struct store_query){(const int64_t(*)[2])iv, n, got, t, m,
                                                      next, hour0, nh, hours});
            for (int i = 0; i < n; i++) /* each interval, threshold, hour alone */
                store_sum(st, id, iv[i][0], iv[i][1], &want[i]);
            for (int k = 0; k < m; k++)
                want_next[k] = store_next_minute(st, id, t[k]);
            store_hourly(st, id, hour0, nh, want_hours);
            for (int i = 0; i < n; i++) {
                assert_int_equal(got[i].requests, want[i].requests);
                assert_true(got[i].cost == want[i].cost);
            }
            for (int k = 0; k < m; k++)
                assert_true(next[k] == want_next[k]);
            for (int i = 0; i < nh; i++) {
                assert_int_equal(hours[i].requests, want_hours[i].requests);
                assert_true(hours[i].cost == want_hours[i].cost);
            }
        }
    }
    store_free(st);
}

/* store_watch: what a watcher sees. Each call records the id and the
 * series' sum and price as the store answers during the call: the state
 * before the change. */
struct watched {
    struct store *st;
    int ids[16];
    double cost[16];
    enum price_status price[16];
    bool live[16];
    int n;
};

static void watch_record(void *ctx, int id)
{
    struct watched *w = ctx;
    if (w->n == 16)
        fail_msg("too many calls");
    w->ids[w->n] = id;
    w->live[w->n] = (size_t)id < store_series_count(w->st) && store_series_live(w->st, id);
    struct tally t = {0};
    if (w->live[w->n]) {
        store_sum(w->st, id, 0, INT64_MAX / 2, &t);
        w->price[w->n] = store_series_price(w->st, id);
    }
    w->cost[w->n++] = t.cost;
}

static double cost_ten(void *ctx, const struct tally *t)
{
    (void)ctx;
    (void)t;
    return 10;
}

static void test_a_watcher_is_told_before_each_change(void **state)
{
    (void)state;
    struct store *st = store_new();
    struct watched w = {.st = st};
    store_watch(st, watch_record, &w);
    int64_t now = at("2026-11-20T12:00:00Z");
    int s = series(st, "a", "m");        /* a new series: told, not live yet */
    assert_int_equal(w.n, 1);
    assert_int_equal(w.ids[0], s);
    assert_false(w.live[0]);
    spend(st, s, now - 9 * DAY, 1);      /* added: told while the sum is 0 */
    assert_int_equal(w.n, 2);
    assert_close(w.cost[1], 0, 0);
    struct tally t = {.requests = 1, .input = 5, .cost = 3};
    store_set(st, s, now, &t);           /* set: told while the sum is 1 */
    assert_int_equal(w.n, 3);
    assert_close(w.cost[2], 1, 1e-12);
    store_series_set_price(st, s, PRICE_FULL); /* no change: not told */
    assert_int_equal(w.n, 3);
    store_series_set_price(st, s, PRICE_NONE); /* told while still FULL */
    assert_int_equal(w.n, 4);
    assert_int_equal(w.price[3], PRICE_FULL);
    assert_int_equal(store_reprice_series(st, s, cost_ten, NULL), 2);
    assert_true(w.n >= 5);               /* told (at least once) at 4 */
    assert_close(w.cost[4], 4, 1e-12);
    w.n = 0;
    store_prune(st, now - STORE_RETENTION); /* the 9-day-old bucket goes */
    assert_int_equal(w.n, 1);
    assert_close(w.cost[0], 20, 1e-12);
    w.n = 0;
    store_prune(st, now + MIN);          /* the last one: the series is freed */
    assert_true(w.n >= 1);
    assert_int_equal(w.ids[0], s);
    assert_true(w.live[0]);
    w.n = 0;
    int reused = series(st, "b", "m");   /* its id again: told first */
    assert_int_equal(reused, s);
    assert_int_equal(w.n, 1);
    assert_false(w.live[0]);
    w.n = 0;
    store_load_bucket(st, reused, now, &t);
    assert_int_equal(w.n, 1);
    store_watch(st, NULL, NULL);         /* stopped */
    spend(st, reused, now, 1);
    assert_int_equal(w.n, 1);
    store_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_and_baseline_by_hand),
        cmocka_unit_test(test_window_is_minute_exact_whatever_the_seconds),
        cmocka_unit_test(test_baseline_is_null_with_less_than_a_day),
        cmocka_unit_test(test_baseline_is_the_mean_of_the_days_that_exist),
        cmocka_unit_test(test_utc_day_boundary),
        cmocka_unit_test(test_timezone_moves_today),
        cmocka_unit_test(test_tenants_models_and_mix_by_hand),
        cmocka_unit_test(test_tenant_today_burn_and_budget_by_hand),
        cmocka_unit_test(test_cache_and_reasoning_only_over_known_records),
        cmocka_unit_test(test_unpriced_spend_is_unknown_not_zero),
        cmocka_unit_test(test_spend_is_unknown_until_a_source_succeeds),
        cmocka_unit_test(test_a_usage_source_that_never_answered_leaves_spans_counted),
        cmocka_unit_test(test_sparklines_are_hour_slots_against_their_baseline),
        cmocka_unit_test(test_sums_saturate_never_wrap),
        cmocka_unit_test(test_counts_saturate_field_by_field),
        cmocka_unit_test(test_a_view_keeps_its_own_copy_of_a_source_error),
        cmocka_unit_test(test_prune_drops_only_older_buckets),
        cmocka_unit_test(test_sums_match_brute_force),
        cmocka_unit_test(test_series_cap_folds_new_tenants),
        cmocka_unit_test(test_series_freed_after_retention_and_ids_reused),
        cmocka_unit_test(test_series_are_found_by_their_names_across_frees),
        cmocka_unit_test(test_a_flood_of_model_names_is_folded_and_counted),
        cmocka_unit_test(test_next_minute_is_the_first_bucket_at_or_after),
        cmocka_unit_test(test_sums_thresholds_and_hours_in_one_walk),
        cmocka_unit_test(test_a_watcher_is_told_before_each_change),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
