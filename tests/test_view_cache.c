/* test_view_cache.c - the incremental view (core/view.h: view_cache) is
 * the view view_compute makes from the whole store, after any sequence of
 * changes and clock steps: a randomized store is changed in every way the
 * store allows (records added and set, prices changed, buckets repriced
 * and pruned, series freed and their ids reused) while the clock runs on,
 * and after each step the two views are compared figure by figure. A
 * missed update (a series not summed again after a change or after one of
 * its buckets crossed an interval's edge) shows as a difference. */
#include "tests/helpers.h"

#include "core/store.h"
#include "core/view.h"
#include "lib/clock.h"

#define HOUR 3600
#define DAY 86400

struct fixture {
    struct store *st;
    struct view_cache *c;
    struct view_cache *more[3];     /* caches of views made together */
    unsigned seed;
    int64_t now;
};

static void on_change(void *ctx, int id)
{
    struct fixture *f = ctx;
    if (f->c)
        view_cache_changing(f->c, f->st, id);
    for (int i = 0; i < 3; i++)
        if (f->more[i])
            view_cache_changing(f->more[i], f->st, id);
}

/* A small deterministic generator (rand() is shared with the library). */
static unsigned next_rand(struct fixture *f)
{
    f->seed = f->seed * 1103515245u + 12345u;
    return (f->seed >> 8) & 0xffffff;
}

static int64_t below(struct fixture *f, int64_t n) { return (int64_t)next_rand(f) % n; }

static const char *const tenants[] = {"", "acme", "globex", "initech", "umbrella", "hooli"};
static const char *const models[] = {"gpt-5", "gpt-4.1", "claude-sonnet-4-5"};

/* A series for a random key: spans of openai or anthropic, or anthropic's
 * usage API (its spans then count as coverage only), a fresh tenant now
 * and then (new series, and ids reused after a prune). */
static int random_series(struct fixture *f)
{
    char fresh[32];
    const char *tenant = tenants[below(f, 6)];
    if (below(f, 20) == 0) {
        snprintf(fresh, sizeof fresh, "new-%u", next_rand(f) % 1000);
        tenant = fresh;
    }
    bool usage = below(f, 4) == 0;
    const char *model = models[below(f, 3)];
    struct series_key k = {
        .source = usage ? "anthropic" : "spans",
        .provider = usage || strncmp(model, "claude", 6) == 0 ? "anthropic" : "openai",
        .model = model,
        .tenant = tenant,
        .tier = below(f, 8) == 0 ? "batch" : "",
    };
    return store_series(f->st, &k);
}

static void random_tally(struct fixture *f, struct tally *t)
{
    memset(t, 0, sizeof *t);
    t->requests = 1 + below(f, 3);
    t->input = below(f, 5000);
    if (below(f, 3)) {
        t->input_ck = t->input;
        t->cache_read = below(f, t->input + 1);
    }
    t->output = below(f, 2000);
    if (below(f, 2)) {
        t->output_rk = t->output;
        t->reasoning = below(f, t->output + 1);
    }
    t->cost = (double)(t->input + 4 * t->output) * 1e-6 + (double)below(f, 100) * 1e-7;
    if (below(f, 5) == 0)
        t->billed = (double)below(f, 1000) * 0.001;
    if (below(f, 6) == 0) {
        t->reported_n = 1;
        t->reported = (double)below(f, 1000) * 0.0003;
    }
    if (below(f, 10) == 0) {
        t->requests_unknown = 1;
        t->requests = 0;
    }
    if (below(f, 12) == 0)
        t->no_usage = 1;
}

/* A time for a record: mostly the last minutes (or a few ahead), else
 * anywhere in the retention. */
static int64_t random_time(struct fixture *f)
{
    if (below(f, 3))
        return f->now - below(f, 20 * 60) + below(f, 5 * 60);
    return f->now - below(f, STORE_RETENTION);
}

static double twice(void *ctx, const struct tally *t)
{
    (void)ctx;
    return t->cost * 2;
}

/* One random change of the store, or of the clock. */
static void random_step(struct fixture *f)
{
    struct tally t;
    int64_t op = below(f, 100);
    if (op < 40) {
        f->now += 1 + below(f, op < 5 ? 3 * HOUR : 150);
    } else if (op < 75) {
        random_tally(f, &t);
        store_add(f->st, random_series(f), random_time(f), &t);
    } else if (op < 85) {
        random_tally(f, &t);
        if (below(f, 3) == 0)
            memset(&t, 0, sizeof t); /* empties the bucket */
        store_set(f->st, random_series(f), random_time(f), &t);
    } else if (op < 92) {
        static const enum price_status status[] = {PRICE_NONE, PRICE_FULL, PRICE_PARTIAL};
        store_series_set_price(f->st, random_series(f), status[below(f, 3)]);
    } else if (op < 95) {
        int id = random_series(f);
        if (below(f, 2))
            store_reprice_series(f->st, id, twice, NULL);
        else
            store_series_reset_price(f->st, id, below(f, 2) ? PRICE_FULL : PRICE_NONE);
    } else {
        /* the retention moves on: old buckets go, and series with none left */
        store_prune(f->st, f->now - STORE_RETENTION + below(f, 2 * DAY));
    }
}

/* ---- comparing two views ---------------------------------------------------- */

static void same_money(double a, double b, const char *what, const char *name)
{
    if (isnan(a) && isnan(b))
        return;
    if (!(fabs(a - b) <= 1e-9 * fmax(1, fmax(fabs(a), fabs(b)))))
        fail_msg("%s of '%s': incremental %.15g, full %.15g", what, name, a, b);
}

#define SAME(a, b, field, name) same_money((a)->field, (b)->field, #field, name)
#define SAME_INT(a, b, field, name)                                                     \
    do {                                                                                \
        if ((a)->field != (b)->field)                                                   \
            fail_msg("%s of '%s': incremental %lld, full %lld", #field, name,           \
                     (long long)(a)->field, (long long)(b)->field);                     \
    } while (0)

static void same_spend(const struct view *a, const struct view *b)
{
    const struct view_spend *x = &a->spend, *y = &b->spend;
    SAME(x, y, window_usd, "spend");
    SAME(x, y, baseline_usd, "spend");
    SAME(x, y, ratio, "spend");
    SAME(x, y, today_usd, "spend");
    SAME(x, y, last_24h_usd, "spend");
    SAME(x, y, last_7d_usd, "spend");
    SAME(x, y, burn_usd_per_hour, "spend");
    SAME(x, y, projected_today_usd, "spend");
    SAME(x, y, billed_today_usd, "spend");
    SAME(x, y, reported_usd, "spend");
    SAME_INT(x, y, no_usage, "spend");
    const struct view_rate *rates[2][2] = {{&a->cache, &b->cache}, {&a->reasoning, &b->reasoning}};
    for (int i = 0; i < 2; i++) {
        SAME(rates[i][0], rates[i][1], rate, "rates");
        SAME(rates[i][0], rates[i][1], baseline, "rates");
        SAME_INT(rates[i][0], rates[i][1], part_tokens, "rates");
        SAME_INT(rates[i][0], rates[i][1], whole_tokens, "rates");
    }
    SAME(a, b, mix_distance, "view");
    SAME_INT(a, b, baseline_days, "view");
}

static void same_tenants(const struct view *a, const struct view *b)
{
    assert_int_equal(a->ntenants, b->ntenants);
    for (size_t i = 0; i < b->ntenants; i++) {
        const struct view_tenant *y = &b->tenants[i], *x = NULL;
        for (size_t j = 0; j < a->ntenants && !x; j++)
            if (strcmp(a->tenants[j].tenant, y->tenant) == 0)
                x = &a->tenants[j];
        if (!x)
            fail_msg("tenant '%s' missing from the incremental view", y->tenant);
        SAME(x, y, window_usd, y->tenant);
        SAME(x, y, baseline_usd, y->tenant);
        SAME(x, y, ratio, y->tenant);
        SAME(x, y, today_usd, y->tenant);
        SAME(x, y, burn_usd_per_hour, y->tenant);
        SAME(x, y, budget_used, y->tenant);
        SAME_INT(x, y, requests, y->tenant);
    }
}

static void same_models(const struct view *a, const struct view *b)
{
    assert_int_equal(a->nmodels, b->nmodels);
    for (size_t i = 0; i < b->nmodels; i++) {
        const struct view_model *y = &b->models[i], *x = NULL;
        for (size_t j = 0; j < a->nmodels && !x; j++)
            if (strcmp(a->models[j].model, y->model) == 0 &&
                strcmp(a->models[j].provider, y->provider) == 0)
                x = &a->models[j];
        if (!x)
            fail_msg("model '%s' missing from the incremental view", y->model);
        SAME_INT(x, y, price, y->model);
        SAME(x, y, window_usd, y->model);
        SAME(x, y, baseline_usd, y->model);
        SAME_INT(x, y, requests, y->model);
        SAME_INT(x, y, requests_unknown, y->model);
        SAME(x, y, baseline_requests, y->model);
        SAME(x, y, share, y->model);
        SAME(x, y, baseline_share, y->model);
        SAME(x, y, hit_rate, y->model);
        SAME(x, y, baseline_hit_rate, y->model);
        SAME(x, y, reasoning, y->model);
        SAME(x, y, baseline_reasoning, y->model);
    }
    assert_int_equal(a->nunpriced, b->nunpriced);
    for (size_t i = 0; i < b->nsources; i++) {
        SAME(&a->sources[i], &b->sources[i], coverage, b->sources[i].name);
        SAME(&a->sources[i], &b->sources[i], drift, b->sources[i].name);
    }
}

static bool same_name(const char *x, const char *y)
{
    return (!x && !y) || (x && y && strcmp(x, y) == 0);
}

static void same_scopes(const struct view *a, const struct view *b)
{
    assert_int_equal(a->nscopes, b->nscopes);
    for (size_t i = 0; i < b->nscopes; i++) {
        const struct view_scope *y = &b->scopes[i], *x = NULL;
        for (size_t j = 0; j < a->nscopes && !x; j++)
            if (a->scopes[j].kind == y->kind && same_name(a->scopes[j].provider, y->provider) &&
                same_name(a->scopes[j].model, y->model) &&
                same_name(a->scopes[j].tenant, y->tenant))
                x = &a->scopes[j];
        char name[200];
        snprintf(name, sizeof name, "scope %d %s/%s/%s", (int)y->kind,
                 y->provider ? y->provider : "", y->model ? y->model : "",
                 y->tenant ? y->tenant : "");
        if (!x)
            fail_msg("%s missing from the incremental view", name);
        SAME(x, y, window_usd, name);
        SAME(x, y, baseline_usd, name);
        SAME_INT(x, y, requests, name);
        SAME(x, y, baseline_requests, name);
        SAME(x, y, hit_rate, name);
        SAME(x, y, baseline_hit_rate, name);
        SAME_INT(x, y, input_known, name);
        SAME(x, y, reasoning, name);
        SAME(x, y, baseline_reasoning, name);
        SAME_INT(x, y, output_known, name);
        SAME(x, y, mix_distance, name);
    }
}

static void same_sparklines(const struct view *a, const struct view *b)
{
    assert_int_equal(a->has_sparklines, b->has_sparklines);
    for (int i = 0; i < VIEW_HOURS; i++) {
        SAME(&a->hours[i], &b->hours[i], usd, "hours");
        SAME(&a->hours[i], &b->hours[i], baseline_usd, "hours");
        SAME(&a->hours[i], &b->hours[i], hit_rate, "hours");
        SAME(&a->hours[i], &b->hours[i], baseline_hit_rate, "hours");
        SAME(&a->hours[i], &b->hours[i], reasoning, "hours");
        SAME(&a->hours[i], &b->hours[i], baseline_reasoning, "hours");
    }
    for (int i = 0; i < VIEW_WEEK_HOURS; i++)
        same_money(a->week_usd[i], b->week_usd[i], "week_usd", "week");
}

/* ---- the runs ------------------------------------------------------------------ */

static struct source_status sources[2];
static const struct view_budget budgets[] = {{"acme", 10}, {"nobody-yet", 5}};

static struct view_params params(const struct fixture *f, int64_t window, const char *tenant)
{
    memset(sources, 0, sizeof sources);
    sources[0] = (struct source_status){.name = "spans", .type = "otel_file",
                                        .state = SOURCE_OK, .last_success = 1};
    sources[1] = (struct source_status){.name = "anthropic", .type = "anthropic",
                                        .usage_provider = "anthropic", .usage_known = true,
                                        .reports_billed = true, .state = SOURCE_OK,
                                        .last_success = 1};
    return (struct view_params){
        .now = f->now, .window = window,
        .day_start = clock_day_start(f->now), .day_end = clock_day_end(f->now),
        .budgets = budgets, .nbudgets = 2,
        .sources = sources, .nsources = 2,
        .only_tenant = tenant,
        .sparklines = true, .scopes = true,
    };
}

/* steps random steps, comparing the views after each; how many of them
 * the cache made without the whole store (and summing fewer series than
 * there are) into *partial. */
static void run(unsigned seed, int64_t window, const char *tenant, int steps, int *partial)
{
    struct fixture f = {.st = store_new(), .c = view_cache_new(), .seed = seed};
    f.now = 1773137000 + below(&f, DAY); /* 2026-03-10 */
    for (int i = 0; i < 400; i++) {     /* a history first */
        struct tally t;
        random_tally(&f, &t);
        store_add(f.st, random_series(&f), f.now - below(&f, STORE_RETENTION), &t);
    }
    store_watch(f.st, on_change, &f);
    *partial = 0;
    for (int i = 0; i < steps; i++) {
        struct view_params p = params(&f, window, tenant);
        /* one cache serves a dashboard's views (sparklines, first) and
         * an alert window's (scopes) */
        p.sparklines = i % 3 != 1;
        p.scopes = i % 3 == 1;
        struct view inc, full;
        view_cache_compute(f.c, f.st, &p, &inc);
        view_compute(f.st, &p, &full);
        same_spend(&inc, &full);
        same_tenants(&inc, &full);
        same_models(&inc, &full);
        same_scopes(&inc, &full);
        same_sparklines(&inc, &full);
        struct view_cache_work w;
        view_cache_work(f.c, &w);
        if (!w.full && w.summed < store_series_count(f.st))
            (*partial)++;
        view_free(&inc);
        view_free(&full);
        random_step(&f);
    }
    store_watch(f.st, NULL, NULL);
    view_cache_free(f.c);
    store_free(f.st);
}

static void test_incremental_view_is_the_full_view(void **state)
{
    (void)state;
    static const int64_t windows[] = {5 * 60, HOUR, DAY};
    for (unsigned seed = 1; seed <= 6; seed++) {
        int partial;
        run(seed, windows[seed % 3], NULL, 600, &partial);
        /* most steps are minutes inside an hour: the cache must have
         * worked from what changed, or this test compared nothing */
        if (partial < 200)
            fail_msg("seed %u: only %d views were incremental", seed, partial);
    }
}

static void test_incremental_drill_down_is_the_full_one(void **state)
{
    (void)state;
    int partial;
    run(7, HOUR, "acme", 400, &partial);
    assert_true(partial > 100);
}

/* Views of several windows made together (view_caches_compute: the alert
 * windows, their sums made again in one walk of the series) are each the
 * full view of its window, through the same random changes and clock
 * steps; a cache named twice is served one view at a time. */
static void test_views_made_together_are_each_the_full_view(void **state)
{
    (void)state;
    for (unsigned seed = 21; seed <= 23; seed++) {
        struct fixture f = {.st = store_new(), .seed = seed};
        f.now = 1773137000 + below(&f, DAY);
        for (int i = 0; i < 3; i++)
            f.more[i] = view_cache_new();
        for (int i = 0; i < 400; i++) {
            struct tally t;
            random_tally(&f, &t);
            store_add(f.st, random_series(&f), f.now - below(&f, STORE_RETENTION), &t);
        }
        store_watch(f.st, on_change, &f);
        int partial = 0;
        for (int step = 0; step < 300; step++) {
            static const int64_t windows[] = {HOUR, DAY, 5 * 60};
            struct view_params p[3];
            struct view_cache *c[3];
            struct view inc[3];
            for (int i = 0; i < 3; i++) {
                p[i] = params(&f, windows[i], NULL);
                p[i].sparklines = false;
                c[i] = f.more[i];
            }
            /* now and then the same cache twice (a config naming one
             * window twice) */
            size_t n = step % 7 == 3 ? 2 : 3;
            if (n == 2)
                c[1] = c[0], p[1] = p[0];
            view_caches_compute(c, f.st, p, inc, n);
            for (size_t i = 0; i < n; i++) {
                struct view full;
                view_compute(f.st, &p[i], &full);
                same_spend(&inc[i], &full);
                same_tenants(&inc[i], &full);
                same_models(&inc[i], &full);
                same_scopes(&inc[i], &full);
                view_free(&full);
                view_free(&inc[i]);
            }
            struct view_cache_work w;
            view_cache_work(c[0], &w);
            partial += !w.full;
            random_step(&f);
        }
        assert_true(partial > 100);
        store_watch(f.st, NULL, NULL);
        for (int i = 0; i < 3; i++)
            view_cache_free(f.more[i]);
        store_free(f.st);
    }
}

/* A quiet minute: only the series with a bucket crossing an edge are
 * summed again, not all of them. */
static void test_a_quiet_minute_sums_few_series(void **state)
{
    (void)state;
    struct fixture f = {.st = store_new(), .c = view_cache_new(), .seed = 9};
    f.now = clock_floor(1773137000, HOUR) + 10 * 60;
    struct tally t = {.requests = 1, .input = 100, .output = 10, .cost = 0.01};
    for (int i = 0; i < 200; i++) {
        char name[16];
        snprintf(name, sizeof name, "t%d", i);
        struct series_key k = {"spans", "openai", "gpt-5", name, ""};
        /* one bucket each, days ago: none near any edge for an hour */
        store_add(f.st, store_series(f.st, &k), f.now - 3 * DAY - 5 * HOUR - i * 60, &t);
    }
    struct series_key k = {"spans", "openai", "gpt-5", "edge", ""};
    int edge = store_series(f.st, &k);
    store_add(f.st, edge, f.now - 30, &t); /* leaves the 5-minute window soon */
    store_watch(f.st, on_change, &f);
    struct view_params p = params(&f, 5 * 60, NULL);
    struct view v;
    view_cache_compute(f.c, f.st, &p, &v);
    view_free(&v);
    f.now += 5 * 60;
    p = params(&f, 5 * 60, NULL);
    view_cache_compute(f.c, f.st, &p, &v);
    struct view_cache_work w;
    view_cache_work(f.c, &w);
    assert_false(w.full);
    assert_int_equal(w.summed, 1); /* the edge series, nothing else */
    assert_int_equal(v.spend.no_usage, 0);
    same_money(v.spend.window_usd, 0, "window", "total");
    view_free(&v);
    store_watch(f.st, NULL, NULL);
    view_cache_free(f.c);
    store_free(f.st);
}

/* A new hour moves the sparklines' slots, not the intervals: the hour
 * sums are taken again, no series is summed over every interval, and the
 * sparklines are those of a view made from nothing. */
static void test_a_new_hour_sums_few_series(void **state)
{
    (void)state;
    struct fixture f = {.st = store_new(), .c = view_cache_new(), .seed = 11};
    f.now = clock_floor(1773137000, HOUR) + 58 * 60;
    struct tally t = {.requests = 1, .input = 100, .output = 10, .cost = 0.01};
    for (int i = 0; i < 200; i++) {
        char name[16];
        snprintf(name, sizeof name, "t%d", i);
        struct series_key k = {"spans", "openai", "gpt-5", name, ""};
        /* hours ago, each in its own hour slot: far from every edge */
        store_add(f.st, store_series(f.st, &k), f.now - 3 * HOUR - i * 5 * 60 - 30 * 60, &t);
    }
    store_watch(f.st, on_change, &f);
    struct view_params p = params(&f, 5 * 60, NULL);
    struct view v, full;
    view_cache_compute(f.c, f.st, &p, &v);
    view_free(&v);
    f.now += 3 * 60; /* 01 past the next hour */
    p = params(&f, 5 * 60, NULL);
    view_cache_compute(f.c, f.st, &p, &v);
    struct view_cache_work w;
    view_cache_work(f.c, &w);
    assert_false(w.full);
    assert_true(w.summed < 10);
    view_compute(f.st, &p, &full);
    same_sparklines(&v, &full);
    same_spend(&v, &full);
    view_free(&v);
    view_free(&full);
    store_watch(f.st, NULL, NULL);
    view_cache_free(f.c);
    store_free(f.st);
}

/* Usage of t for tenants t<from>..t<to - 1> on gpt-4.1 at minute m. */
static void add_to_tenants(struct fixture *f, int from, int to, int64_t m,
                           const struct tally *t)
{
    for (int i = from; i < to; i++) {
        char name[16];
        snprintf(name, sizeof name, "t%d", i);
        struct series_key k = {"spans", "openai", "gpt-4.1", name, ""};
        store_add(f->st, store_series(f->st, &k), m, t);
    }
}

/* A minute later: the cached view moves (no full build) and its scopes
 * are what a view from scratch says. */
static void next_minute_as_full(struct fixture *f)
{
    f->now += 60;
    struct view_params p = params(f, HOUR, NULL);
    p.sparklines = false;
    struct view inc, full;
    view_cache_compute(f->c, f->st, &p, &inc);
    struct view_cache_work w;
    view_cache_work(f->c, &w);
    assert_false(w.full);
    view_compute(f->st, &p, &full);
    same_scopes(&inc, &full);
    view_free(&inc);
    view_free(&full);
}

/* A tenant pair past the reserved room: the full build reserves the
 * (tenant, model) pairs for its series count (not a power of two), and a
 * new pair after it grows the pairs and their index together. The slot
 * pair_add holds from imap_put must still be the pair's after the index
 * is rehashed, else the new pair's sums land in pair 0 (and, under ASan,
 * the write is a heap-use-after-free). */
static void test_pairs_grown_after_a_full_build(void **state)
{
    (void)state;
    struct fixture f = {.st = store_new(), .c = view_cache_new(), .seed = 13};
    f.now = clock_floor(1773137000, HOUR) + 30 * 60;
    struct tally t = {.requests = 1, .input = 100, .output = 10, .cost = 0.01};
    for (int i = 0; i < 20; i++) { /* 20 series: pairs reserved for 20 */
        char name[16];
        snprintf(name, sizeof name, "t%d", i);
        struct series_key k = {"spans", "openai", "gpt-5", name, ""};
        int id = store_series(f.st, &k);
        for (int d = 0; d <= 7; d++)
            store_add(f.st, id, f.now - d * DAY - 60, &t);
    }
    store_watch(f.st, on_change, &f);
    struct view_params p = params(&f, HOUR, NULL);
    p.sparklines = false;
    struct view inc;
    view_cache_compute(f.c, f.st, &p, &inc);
    view_free(&inc);
    add_to_tenants(&f, 20, 24, f.now - 30, &t); /* new pairs: past the room for 20 */
    next_minute_as_full(&f);
    /* the new pairs are found again: taken out and added back */
    add_to_tenants(&f, 20, 24, f.now - 20, &t);
    next_minute_as_full(&f);
    store_watch(f.st, NULL, NULL);
    view_cache_free(f.c);
    store_free(f.st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_incremental_view_is_the_full_view),
        cmocka_unit_test(test_incremental_drill_down_is_the_full_one),
        cmocka_unit_test(test_views_made_together_are_each_the_full_view),
        cmocka_unit_test(test_a_quiet_minute_sums_few_series),
        cmocka_unit_test(test_a_new_hour_sums_few_series),
        cmocka_unit_test(test_pairs_grown_after_a_full_build),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
