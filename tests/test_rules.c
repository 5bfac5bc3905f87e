/* test_rules.c - every alert rule just below and just above its threshold,
 * with the learning state and the minimum floors (DESIGN.md §6). */
#include "tests/helpers.h"

#include "alerts/rules.h"
#include "app/config.h"
#include "lib/clock.h"
#include "lib/strbuf.h"
#include "core/store.h"

#define HOUR 3600
#define DAY 86400
static const int64_t NOW = 1795176000; /* 2026-11-20T12:00:00Z */

struct fx {
    struct store *st;
    struct config *cfg;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    f->st = store_new();
    f->cfg = config_defaults();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    store_free(f->st);
    config_free(f->cfg);
    free(f);
    return 0;
}

static int series(struct fx *f, const char *provider, const char *model, const char *tenant)
{
    struct series_key k = {"spans", provider, model, tenant, NULL};
    return store_series(f->st, &k);
}

/* The same tally in the window of each of the 7 previous days. */
static void week(struct fx *f, int id, struct tally t)
{
    for (int d = 1; d <= 7; d++)
        store_add(f->st, id, NOW - d * DAY - 30 * 60, &t);
    /* history reaches back past day 7 */
    struct tally zero = {.requests = 0};
    store_add(f->st, id, NOW - 8 * DAY, &zero);
}

static void now_(struct fx *f, int id, struct tally t) { store_add(f->st, id, NOW - 10 * 60, &t); }

/* Hits of `kind` on `scope` for a 1h window. */
static int count(struct fx *f, const char *kind, const char *scope, enum severity *sev,
                 struct view_budget *budgets, size_t nb, struct source_status *src, size_t ns)
{
    struct view_params p = {.now = NOW, .window = HOUR, .day_start = clock_day_start(NOW),
                            .day_end = clock_day_end(NOW), .scopes = true,
                            .budgets = budgets, .nbudgets = nb, .sources = src, .nsources = ns,
                            .stale_after = (int64_t)alert_settings_get(&f->cfg->alerts,
                                                                       "stale_after")};
    struct view v;
    view_compute(f->st, &p, &v);
    struct rule_hits hits = {0};
    rules_evaluate(&v, &f->cfg->alerts, true, &hits);
    int n = 0;
    for (size_t i = 0; i < hits.n; i++) {
        if (strcmp(hits.hits[i].kind->name, kind) == 0 &&
            strcmp(hits.hits[i].scope, scope) == 0) {
            n++;
            if (sev)
                *sev = hits.hits[i].severity;
        }
    }
    rules_hits_free(&hits);
    view_free(&v);
    return n;
}

#define HITS(f, kind, scope) count((f), (kind), (scope), NULL, NULL, 0, NULL, 0)

static void test_spend_anomaly_threshold(void **state)
{
    struct fx *f = *state;
    int s = series(f, "openai", "m", "acme");
    week(f, s, (struct tally){.requests = 1, .cost = 10});
    now_(f, s, (struct tally){.requests = 1, .cost = 15}); /* 1.5 x 10: not above */
    assert_int_equal(HITS(f, "spend_anomaly", "total"), 0);
    now_(f, s, (struct tally){.cost = 0.01});              /* 15.01 */
    enum severity sev;
    assert_int_equal(count(f, "spend_anomaly", "tenant:acme", &sev, NULL, 0, NULL, 0), 1);
    assert_int_equal(sev, SEVERITY_WARNING);
    assert_int_equal(HITS(f, "spend_anomaly", "total"), 1);
    assert_int_equal(HITS(f, "spend_anomaly", "provider:openai"), 1);
    assert_int_equal(HITS(f, "spend_anomaly", "model:openai/m"), 1);
    now_(f, s, (struct tally){.cost = 15});                /* 30.01 > 2 x 15 */
    count(f, "spend_anomaly", "total", &sev, NULL, 0, NULL, 0);
    assert_int_equal(sev, SEVERITY_CRITICAL);
}

static void test_spend_anomaly_needs_min_spend(void **state)
{
    struct fx *f = *state;
    int s = series(f, "openai", "m", "acme");
    week(f, s, (struct tally){.requests = 1, .cost = 0.1});
    now_(f, s, (struct tally){.requests = 1, .cost = 0.99}); /* 9.9x but under $1 */
    assert_int_equal(HITS(f, "spend_anomaly", "total"), 0);
    now_(f, s, (struct tally){.cost = 0.01});                /* $1.00 */
    assert_int_equal(HITS(f, "spend_anomaly", "total"), 1);
}

static void test_learning_means_no_anomaly(void **state)
{
    struct fx *f = *state;
    int s = series(f, "openai", "m", "acme");
    /* 20 hours of history: no baseline day yet */
    store_add(f->st, s, NOW - 20 * HOUR, &(struct tally){.requests = 1, .cost = 0.01});
    now_(f, s, (struct tally){.requests = 500, .input = 1000000, .input_ck = 1000000,
                              .output = 1000, .output_rk = 1000, .reasoning = 900, .cost = 500});
    static const char *const windowed[] = {"spend_anomaly", "model_spike", "model_mix",
                                           "cache_drop", "reasoning_jump"};
    for (size_t k = 0; k < 5; k++)
        assert_int_equal(HITS(f, windowed[k], k == 1 ? "model:openai/m" : "total"), 0);
}

static void test_model_spike_threshold_and_floor(void **state)
{
    struct fx *f = *state;
    int s = series(f, "openai", "o3", "acme");
    week(f, s, (struct tally){.requests = 10, .cost = 1});
    now_(f, s, (struct tally){.requests = 50, .cost = 1});   /* 5 x 10: not above */
    assert_int_equal(HITS(f, "model_spike", "model:openai/o3"), 0);
    now_(f, s, (struct tally){.requests = 1});               /* 51 */
    assert_int_equal(HITS(f, "model_spike", "model:openai/o3"), 1);

    int q = series(f, "openai", "rare", "acme");
    week(f, q, (struct tally){.requests = 1, .cost = 1});
    now_(f, q, (struct tally){.requests = 19, .cost = 1});   /* 19x, under min_requests */
    assert_int_equal(HITS(f, "model_spike", "model:openai/rare"), 0);
    now_(f, q, (struct tally){.requests = 1});               /* 20 */
    assert_int_equal(HITS(f, "model_spike", "model:openai/rare"), 1);
}

static void test_model_mix_threshold(void **state)
{
    struct fx *f = *state;
    int a = series(f, "openai", "a", "acme"), b = series(f, "openai", "b", "acme");
    week(f, a, (struct tally){.requests = 1, .cost = 10});
    week(f, b, (struct tally){.requests = 1, .cost = 10});
    /* shares 74/26 against 50/50: distance 0.24 */
    now_(f, a, (struct tally){.requests = 1, .cost = 7.4});
    now_(f, b, (struct tally){.requests = 1, .cost = 2.6});
    assert_int_equal(HITS(f, "model_mix", "total"), 0);
    /* 75/25: distance 0.25, the threshold (>=) */
    now_(f, a, (struct tally){.cost = 0.1});
    now_(f, b, (struct tally){.cost = -0.1});
    assert_int_equal(HITS(f, "model_mix", "total"), 1);
    assert_int_equal(HITS(f, "model_mix", "tenant:acme"), 1);
    assert_int_equal(HITS(f, "model_mix", "provider:openai"), 1);
}

static void test_model_mix_spend_floor(void **state)
{
    struct fx *f = *state;
    int a = series(f, "openai", "a", "acme"), b = series(f, "openai", "b", "acme");
    week(f, a, (struct tally){.requests = 3, .cost = 0.5});
    week(f, b, (struct tally){.requests = 3, .cost = 0.5});
    /* a few requests all on one model: distance 1, but $0.99 in the window */
    now_(f, a, (struct tally){.requests = 3, .cost = 0.99});
    assert_int_equal(HITS(f, "model_mix", "total"), 0);
    assert_int_equal(HITS(f, "model_mix", "tenant:acme"), 0);
    /* $1.00: min_spend_usd reached */
    now_(f, a, (struct tally){.cost = 0.01});
    assert_int_equal(HITS(f, "model_mix", "total"), 1);
    assert_int_equal(HITS(f, "model_mix", "tenant:acme"), 1);
}

static void test_cache_drop_threshold_and_floor(void **state)
{
    struct fx *f = *state;
    int s = series(f, "anthropic", "m", "acme");
    /* baseline hit rate 60% */
    week(f, s, (struct tally){.requests = 1, .input = 200000, .input_ck = 200000,
                              .cache_read = 120000, .cost = 1});
    /* 40.5%: above 60% - 20% */
    now_(f, s, (struct tally){.requests = 1, .input = 200000, .input_ck = 200000,
                              .cache_read = 81000, .cost = 1});
    assert_int_equal(HITS(f, "cache_drop", "total"), 0);
    /* 39.5%: below */
    now_(f, s, (struct tally){.cache_read = -2000});
    assert_int_equal(HITS(f, "cache_drop", "total"), 1);
    assert_int_equal(HITS(f, "cache_drop", "tenant:acme"), 1);

    int q = series(f, "anthropic", "small", "initech");
    week(f, q, (struct tally){.requests = 1, .input = 99999, .input_ck = 99999,
                              .cache_read = 60000, .cost = 1});
    now_(f, q, (struct tally){.requests = 1, .input = 99999, .input_ck = 99999, .cost = 1});
    assert_int_equal(HITS(f, "cache_drop", "tenant:initech"), 0); /* under 100k tokens */
}

static void test_reasoning_jump_threshold_known_and_floor(void **state)
{
    struct fx *f = *state;
    int s = series(f, "openai", "o3", "acme");
    /* baseline 20% reasoning */
    week(f, s, (struct tally){.requests = 30, .output = 1000, .output_rk = 1000,
                              .reasoning = 200, .cost = 1});
    now_(f, s, (struct tally){.requests = 30, .output = 1000, .output_rk = 1000,
                              .reasoning = 400, .cost = 1});        /* 2 x 20%: not above */
    assert_int_equal(HITS(f, "reasoning_jump", "total"), 0);
    now_(f, s, (struct tally){.reasoning = 10});                      /* 41% */
    assert_int_equal(HITS(f, "reasoning_jump", "total"), 1);

    /* reasoning unknown: no verdict */
    int u = series(f, "openai", "unknown", "globex");
    week(f, u, (struct tally){.requests = 30, .output = 1000, .cost = 1});
    now_(f, u, (struct tally){.requests = 30, .output = 1000, .cost = 1});
    assert_int_equal(HITS(f, "reasoning_jump", "tenant:globex"), 0);

    /* fewer than min_requests */
    int q = series(f, "openai", "o3", "initech");
    week(f, q, (struct tally){.requests = 19, .output = 1000, .output_rk = 1000,
                              .reasoning = 100, .cost = 1});
    now_(f, q, (struct tally){.requests = 19, .output = 1000, .output_rk = 1000,
                              .reasoning = 900, .cost = 1});
    assert_int_equal(HITS(f, "reasoning_jump", "tenant:initech"), 0);
}

/* A baseline whose usage was all unpriced has unknown spend, not $0: a
 * tenant moving from an unpriced house model to a priced one is not "up
 * from $0" (it paged). Days known are averaged alone: one unpriced-only
 * day among priced ones does not count as a $0 day. */
static void test_an_unpriced_baseline_is_unknown_not_zero(void **state)
{
    struct fx *f = *state;
    int house = series(f, "openai", "house-llm-7", "acme");
    store_series_set_price(f->st, house, PRICE_NONE);
    int mini = series(f, "openai", "gpt-4o-mini", "acme");
    week(f, house, (struct tally){.requests = 1, .input = 10000000, .input_ck = 10000000});
    now_(f, mini, (struct tally){.requests = 1, .input = 1000, .cost = 2.1});
    struct view_params p = {.now = NOW, .window = HOUR, .day_start = clock_day_start(NOW),
                            .day_end = clock_day_end(NOW), .scopes = true};
    struct view v;
    view_compute(f->st, &p, &v);
    assert_true(isnan(v.spend.baseline_usd));
    assert_true(isnan(v.spend.ratio));
    assert_int_equal(v.ntenants, 1);
    assert_true(isnan(v.tenants[0].baseline_usd));
    view_free(&v);
    assert_int_equal(HITS(f, "spend_anomaly", "total"), 0);
    assert_int_equal(HITS(f, "spend_anomaly", "tenant:acme"), 0);
    /* a priced day besides: the baseline is the known days' mean */
    store_add(f->st, mini, NOW - 2 * DAY - 30 * 60, &(struct tally){.requests = 1, .cost = 3});
    view_compute(f->st, &p, &v);
    assert_true(v.spend.baseline_usd == 3);
    view_free(&v);
}

static void test_source_stale_after(void **state)
{
    struct fx *f = *state;
    struct source_status src = {.name = "spans", .type = "otel_file", .state = SOURCE_OK,
                                .started = NOW - 3 * HOUR, .last_success = NOW - 10,
                                .last_data = NOW - 900};
    assert_int_equal(count(f, "source_stale", "source:spans", NULL, NULL, 0, &src, 1), 0);
    src.last_data = NOW - 901;  /* no new data for just over 15m */
    assert_int_equal(count(f, "source_stale", "source:spans", NULL, NULL, 0, &src, 1), 1);
    src.last_data = NOW - 10;
    src.last_success = NOW - 2000; /* no successful poll */
    enum severity sev = SEVERITY_WARNING; /* count must set it */
    assert_int_equal(count(f, "source_stale", "source:spans", &sev, NULL, 0, &src, 1), 1);
    assert_int_equal(sev, SEVERITY_CRITICAL); /* past 2 x 15m */
    /* never succeeded since the start, 16 minutes ago */
    struct source_status fresh = {.name = "oa", .type = "openai", .state = SOURCE_ERROR,
                                  .started = NOW - 960};
    assert_int_equal(count(f, "source_stale", "source:oa", NULL, NULL, 0, &fresh, 1), 1);
}

/* The summary says how long in the unit that reads: seconds under two
 * minutes (a stale_after of 30s is not "0 min"), then minutes. */
static void test_source_stale_summary_says_how_long(void **state)
{
    struct fx *f = *state;
    struct source_status src = {.name = "spans", .type = "otel_file", .state = SOURCE_OK,
                                .started = NOW - 3 * HOUR, .last_success = NOW - 10};
    const struct {
        int64_t age;
        const char *says;
    } cases[] = {{45, "source:spans: no new data for 45s"},
                 {1000, "source:spans: no new data for 16m"}};
    /* stale_after = 30s */
    char path[] = "/tmp/test_rules_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char toml[] = "[alerts]\nstale_after = \"30s\"\n";
    assert_int_equal(write(fd, toml, sizeof toml - 1), (ssize_t)(sizeof toml - 1));
    close(fd);
    struct strbuf err = {0};
    struct config *cfg = config_load(path, &err);
    unlink(path);
    assert_non_null(cfg);
    strbuf_free(&err);
    for (size_t k = 0; k < 2; k++) {
        src.last_data = NOW - cases[k].age;
        struct view_params p = {.now = NOW, .window = HOUR, .day_start = clock_day_start(NOW),
                                .day_end = clock_day_end(NOW), .sources = &src, .nsources = 1};
        struct view v;
        view_compute(f->st, &p, &v);
        struct rule_hits hits = {0};
        rules_evaluate(&v, &cfg->alerts, true, &hits);
        int n = 0;
        for (size_t i = 0; i < hits.n; i++)
            if (strcmp(hits.hits[i].kind->name, "source_stale") == 0) {
                n++;
                assert_string_equal(hits.hits[i].summary, cases[k].says);
            }
        assert_int_equal(n, 1);
        rules_hits_free(&hits);
        view_free(&v);
    }
    config_free(cfg);
}

/* The summary is one line however the tenant is named: a newline or an
 * escape sequence from a span shows as a visible escape there
 * (SPENDTOP_ALERT_SUMMARY), while the scope keeps the name as sent. */
static void test_summary_is_one_clean_line(void **state)
{
    struct fx *f = *state;
    const char *evil = "a\nb\x1b]0;pwned\x07\xff";
    int s = series(f, "openai", "m", evil);
    week(f, s, (struct tally){.requests = 1, .cost = 10});
    now_(f, s, (struct tally){.requests = 1, .cost = 100});
    struct view_params p = {.now = NOW, .window = HOUR, .day_start = clock_day_start(NOW),
                            .day_end = clock_day_end(NOW), .scopes = true};
    struct view v;
    view_compute(f->st, &p, &v);
    struct rule_hits hits = {0};
    rules_evaluate(&v, &f->cfg->alerts, true, &hits);
    char scope[200];
    snprintf(scope, sizeof scope, "tenant:%s", evil);
    int n = 0;
    for (size_t i = 0; i < hits.n; i++) {
        const struct rule_hit *h = &hits.hits[i];
        for (const unsigned char *c = (const unsigned char *)h->summary; *c; c++)
            assert_true(*c >= 0x20 && *c != 0x7f);
        if (strcmp(h->scope, scope) == 0) {
            n++;
            assert_non_null(strstr(h->summary, "tenant:a\\x0ab\\x1b]0;pwned\\x07\\xff spend"));
        }
    }
    assert_int_equal(n, 1);
    rules_hits_free(&hits);
    view_free(&v);
}

/* The longest names a span can give (128 bytes each) make scopes of 263
 * bytes: two models that differ only at their ends are two alerts. */
static void test_the_longest_model_scopes_stay_apart(void **state)
{
    struct fx *f = *state;
    char provider[129], model[2][129], scope[2][6 + 128 + 1 + 128 + 1];
    memset(provider, 'p', 128);
    provider[128] = '\0';
    for (int i = 0; i < 2; i++) {
        memset(model[i], 'm', 127);
        model[i][127] = (char)('0' + i);
        model[i][128] = '\0';
        memcpy(scope[i], "model:", 6);
        memcpy(scope[i] + 6, provider, 128);
        scope[i][6 + 128] = '/';
        memcpy(scope[i] + 6 + 128 + 1, model[i], 129);
        int s = series(f, provider, model[i], "acme");
        week(f, s, (struct tally){.requests = 1, .cost = 10});
        now_(f, s, (struct tally){.requests = 1, .cost = 100});
    }
    assert_int_equal(HITS(f, "spend_anomaly", scope[0]), 1);
    assert_int_equal(HITS(f, "spend_anomaly", scope[1]), 1);
}

int main(void)
{
    clock_set_timezone("UTC");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_spend_anomaly_threshold, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spend_anomaly_needs_min_spend, setup, teardown),
        cmocka_unit_test_setup_teardown(test_learning_means_no_anomaly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_model_spike_threshold_and_floor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_model_mix_threshold, setup, teardown),
        cmocka_unit_test_setup_teardown(test_model_mix_spend_floor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_drop_threshold_and_floor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reasoning_jump_threshold_known_and_floor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_unpriced_baseline_is_unknown_not_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_stale_after, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_stale_summary_says_how_long, setup, teardown),
        cmocka_unit_test_setup_teardown(test_summary_is_one_clean_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_longest_model_scopes_stay_apart, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
