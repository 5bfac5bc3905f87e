/* test_pricing.c - the price table, model matching and the cost formula
 * (DESIGN.md §4). Expected costs are worked out by hand in the comments. */
#include "tests/helpers.h"

#include "core/ingest.h"
#include "lib/strbuf.h"
#include "pricing/pricing.h"

static const char table[] =
    "{\"sample_spec\": {\"input_cost_per_token\": 99, \"output_cost_per_token\": 99},"
    " \"m-basic\": {\"input_cost_per_token\": 1e-6, \"output_cost_per_token\": 2e-6,"
    "   \"litellm_provider\": \"openai\", \"mode\": \"chat\"},"
    " \"m-cache\": {\"input_cost_per_token\": 1e-6, \"output_cost_per_token\": 4e-6,"
    "   \"cache_read_input_token_cost\": 1e-7, \"cache_creation_input_token_cost\": 1.25e-6,"
    "   \"cache_creation_input_token_cost_above_1hr\": 2e-6,"
    "   \"output_cost_per_reasoning_token\": 3e-6},"
    " \"m-batch\": {\"input_cost_per_token\": 1e-6, \"output_cost_per_token\": 2e-6,"
    "   \"input_cost_per_token_batches\": 4e-7, \"output_cost_per_token_batches\": 1e-6},"
    " \"m-long\": {\"input_cost_per_token\": 3e-6, \"output_cost_per_token\": 1.5e-5,"
    "   \"cache_read_input_token_cost\": 3e-7,"
    "   \"input_cost_per_token_above_200k_tokens\": 6e-6,"
    "   \"output_cost_per_token_above_200k_tokens\": 2.25e-5,"
    "   \"cache_read_input_token_cost_above_200k_tokens\": 6e-7},"
    " \"gemini/g-prefixed\": {\"input_cost_per_token\": \"2e-7\", \"output_cost_per_token\": 8e-7},"
    " \"claude-x\": {\"input_cost_per_token\": 1e-6, \"output_cost_per_token\": 5e-6},"
    " \"gpt-y\": {\"input_cost_per_token\": 1e-6, \"output_cost_per_token\": 5e-6},"
    " \"image-only\": {\"input_cost_per_image\": 0.01}}";

static int setup(void **state)
{
    struct pricing *p = pricing_new();
    char err[256];
    assert_int_equal(pricing_load_json(p, table, strlen(table), err, sizeof err), 8);
    *state = p;
    return 0;
}

static int teardown(void **state)
{
    pricing_free(*state);
    return 0;
}

/* The cost of record u as the ingest prices it: its tokens through
 * ingest_pricing_tokens (where unknown cache reads and reasoning, and the
 * request size of a span, are decided), then pricing_cost. */
static double cost(struct pricing *p, const char *provider, const char *model,
                   struct usage u, enum price_status *st)
{
    const char *name;
    const struct price *pr = pricing_lookup(p, provider, model, &name);
    u.provider = provider;
    struct pricing_tokens tokens;
    ingest_pricing_tokens(&u, &tokens);
    double usd;
    enum price_status s = pricing_cost(p, pr, &tokens, &usd);
    if (st)
        *st = s;
    return usd;
}

static void test_sample_spec_is_not_a_model(void **state)
{
    const char *name;
    assert_null(pricing_lookup(*state, "openai", "sample_spec", &name));
}

static void test_input_and_output_terms(void **state)
{
    /* 1000 in x 1e-6 + 500 out x 2e-6 = 0.001 + 0.001 = 0.002 */
    struct usage u = {.input = 1000, .output = 500};
    enum price_status st;
    assert_close(cost(*state, "openai", "m-basic", u, &st), 0.002, 1e-12);
    assert_int_equal(st, PRICE_FULL);
}

static void test_cache_reads_and_both_cache_writes(void **state)
{
    /* input 10000 = 2000 uncached + 6000 read + 1500 5m-write + 500 1h-write
     * 2000 x 1e-6 = 0.002; 6000 x 1e-7 = 0.0006; 1500 x 1.25e-6 = 0.001875;
     * 500 x 2e-6 = 0.001; output 1000 x 4e-6 = 0.004 -> 0.009475 */
    struct usage u = {.input = 10000, .cache_known = true, .cache_read = 6000,
                      .cache_write_5m = 1500, .cache_write_1h = 500, .output = 1000};
    assert_close(cost(*state, "anthropic", "m-cache", u, NULL), 0.009475, 1e-12);
}

static void test_unknown_cache_reads_price_all_input_in_full(void **state)
{
    /* cache_read 6000 but not known: 10000 x 1e-6 = 0.01 */
    struct usage u = {.input = 10000, .cache_read = 6000};
    assert_close(cost(*state, "anthropic", "m-cache", u, NULL), 0.01, 1e-12);
}

static void test_reasoning_has_its_own_price(void **state)
{
    /* output 1000 of which 600 reasoning: 400 x 4e-6 + 600 x 3e-6 = 0.0034 */
    struct usage u = {.output = 1000, .reasoning_known = true, .reasoning = 600};
    assert_close(cost(*state, "openai", "m-cache", u, NULL), 0.0034, 1e-12);
}

static void test_reasoning_without_its_price_is_output(void **state)
{
    /* m-basic has no reasoning price: 1000 x 2e-6 = 0.002 */
    struct usage u = {.output = 1000, .reasoning_known = true, .reasoning = 600};
    assert_close(cost(*state, "openai", "m-basic", u, NULL), 0.002, 1e-12);
}

static void test_batch_uses_the_table_batch_prices(void **state)
{
    /* 1000 x 4e-7 + 500 x 1e-6 = 0.0004 + 0.0005 = 0.0009 */
    struct usage u = {.input = 1000, .output = 500, .batch = true};
    assert_close(cost(*state, "openai", "m-batch", u, NULL), 0.0009, 1e-12);
}

static void test_batch_without_batch_prices_is_half(void **state)
{
    /* (1000 x 1e-6 + 500 x 2e-6) / 2 = 0.001 */
    struct usage u = {.input = 1000, .output = 500, .batch = true};
    assert_close(cost(*state, "openai", "m-basic", u, NULL), 0.001, 1e-12);
}

static void test_long_context_tier_applies_to_a_large_request(void **state)
{
    /* input 250000 > 200k: 200000 uncached x 6e-6 = 1.2; 50000 read x 6e-7
     * = 0.03; output 1000 x 2.25e-5 = 0.0225 -> 1.2525 */
    struct usage u = {.input = 250000, .cache_known = true, .cache_read = 50000,
                      .output = 1000, .per_request = true};
    assert_close(cost(*state, "anthropic", "m-long", u, NULL), 1.2525, 1e-12);
}

static void test_long_context_tier_not_for_small_or_aggregated(void **state)
{
    /* at the threshold exactly: base rates. 200000 x 3e-6 = 0.6 */
    struct usage u = {.input = 200000, .per_request = true};
    assert_close(cost(*state, "anthropic", "m-long", u, NULL), 0.6, 1e-12);
    /* an hourly bucket of many requests: never tiered. 250000 x 3e-6 = 0.75 */
    struct usage agg = {.input = 250000};
    assert_close(cost(*state, "anthropic", "m-long", agg, NULL), 0.75, 1e-12);
}

static void test_missing_cache_price_falls_back_and_is_partial(void **state)
{
    /* m-basic has no cache prices: 1000 read x 1e-6 (input) = 0.001 */
    struct usage u = {.input = 1000, .cache_known = true, .cache_read = 1000};
    enum price_status st;
    assert_close(cost(*state, "openai", "m-basic", u, &st), 0.001, 1e-12);
    assert_int_equal(st, PRICE_PARTIAL);
}

static void test_discount_applies_per_provider(void **state)
{
    pricing_set_discount(*state, "openai", 0.2);
    struct usage u = {.input = 1000, .output = 500};
    /* 0.002 x (1 - 0.2) = 0.0016; anthropic unaffected */
    assert_close(cost(*state, "openai", "m-basic", u, NULL), 0.0016, 1e-12);
    assert_close(cost(*state, "anthropic", "m-basic", u, NULL), 0.002, 1e-12);
}

static void test_override_changes_one_field(void **state)
{
    assert_true(pricing_override(*state, "m-basic", "output_cost_per_token", 1e-5));
    assert_false(pricing_override(*state, "m-basic", "no_such_field", 1));
    /* 1000 x 1e-6 + 500 x 1e-5 = 0.006 */
    struct usage u = {.input = 1000, .output = 500};
    assert_close(cost(*state, "openai", "m-basic", u, NULL), 0.006, 1e-12);
}

static void test_override_can_price_an_unknown_model(void **state)
{
    pricing_override(*state, "in-house-llm", "input_cost_per_token", 1e-7);
    pricing_override(*state, "in-house-llm", "output_cost_per_token", 1e-7);
    struct usage u = {.input = 1000, .output = 1000};
    assert_close(cost(*state, "openai", "in-house-llm", u, NULL), 0.0002, 1e-12);
}

static void test_exact_key_wins(void **state)
{
    const char *name;
    assert_non_null(pricing_lookup(*state, "openai", "m-basic", &name));
    assert_string_equal(name, "m-basic");
}

static void test_provider_prefixed_key(void **state)
{
    const char *name;
    assert_non_null(pricing_lookup(*state, "gcp.gemini", "g-prefixed", &name));
    assert_string_equal(name, "g-prefixed");
    /* a numeric string price is read like LiteLLM does: 1000 x 2e-7 */
    struct usage u = {.input = 1000};
    assert_close(cost(*state, "gcp.gemini", "g-prefixed", u, NULL), 0.0002, 1e-12);
}

static void test_date_suffixes_are_stripped(void **state)
{
    const char *name;
    assert_non_null(pricing_lookup(*state, "anthropic", "claude-x-20250514", &name));
    assert_string_equal(name, "claude-x");
    assert_non_null(pricing_lookup(*state, "openai", "gpt-y-2024-07-18", &name));
    assert_string_equal(name, "gpt-y");
    /* not a date: no match, and no fuzzier guess */
    assert_null(pricing_lookup(*state, "openai", "gpt-y-preview", &name));
    assert_null(pricing_lookup(*state, "openai", "gpt-y-1234", &name));
    assert_null(pricing_lookup(*state, "openai", "gpt", &name));
}

static void test_aliases_come_last(void **state)
{
    const char *name;
    assert_null(pricing_lookup(*state, "openai", "our-router-default", &name));
    pricing_add_alias(*state, "our-router-default", "m-basic");
    assert_non_null(pricing_lookup(*state, "openai", "our-router-default", &name));
    assert_string_equal(name, "m-basic");
}

static void test_unpriced_is_never_zero(void **state)
{
    const char *name;
    const struct price *pr = pricing_lookup(*state, "openai", "mystery-model", &name);
    assert_null(pr);
    assert_string_equal(name, "mystery-model");
    struct usage u = {.input = 1000, .output = 1000};
    enum price_status st;
    double usd = cost(*state, "openai", "mystery-model", u, &st);
    assert_int_equal(st, PRICE_NONE);
    assert_nan(usd);
}

static void test_entry_without_token_prices_is_unpriced(void **state)
{
    const char *name;
    assert_null(pricing_lookup(*state, "openai", "image-only", &name));
}

static void test_default_table_has_the_major_chat_models(void **state)
{
    (void)state;
    struct pricing *p = pricing_new();
    char err[256];
    assert_true(pricing_load_default(p, err, sizeof err) > 150);
    const char *name;
    const char *models[][2] = {
        {"openai", "gpt-5"}, {"openai", "gpt-4o-mini"}, {"openai", "o3"},
        {"anthropic", "claude-sonnet-4-6"}, {"anthropic", "claude-haiku-4-5"},
        {"gcp.gemini", "gemini-2.5-flash"}, {"gcp.vertex_ai", "gemini-2.5-pro"},
        {"x_ai", "grok-4.3"}, {"deepseek", "deepseek-chat"},
    };
    for (size_t i = 0; i < sizeof models / sizeof *models; i++)
        if (!pricing_lookup(p, models[i][0], models[i][1], &name))
            fail_msg("default table lacks %s/%s", models[i][0], models[i][1]);
    /* embeddings calls count (DESIGN.md §3): the table prices their models,
     * never leaving them unpriced: 1000 input tokens x 1.5e-7 */
    const struct price *emb = pricing_lookup(p, "gcp.vertex_ai", "gemini-embedding-001", &name);
    assert_non_null(emb);
    struct usage eu = {.provider = "gcp.vertex_ai", .input = 1000};
    struct pricing_tokens et;
    ingest_pricing_tokens(&eu, &et);
    double eusd;
    pricing_cost(p, emb, &et, &eusd);
    assert_close(eusd, 0.00015, 1e-12);
    /* the generator's response ids carry a date: gpt-5-2026-06-01 -> gpt-5 */
    assert_non_null(pricing_lookup(p, "openai", "gpt-5-2026-06-01", &name));
    assert_string_equal(name, "gpt-5");
    /* real prices: gpt-4o-mini 1000 in x 1.5e-7 + 1000 out x 6e-7 */
    const struct price *pr = pricing_lookup(p, "openai", "gpt-4o-mini", &name);
    struct usage u = {.provider = "openai", .input = 1000, .output = 1000};
    struct pricing_tokens tokens;
    ingest_pricing_tokens(&u, &tokens);
    double usd;
    pricing_cost(p, pr, &tokens, &usd);
    assert_close(usd, 0.00075, 1e-12);
    pricing_free(p);
}

static void test_real_litellm_file_loads(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/litellm-prices-2026-07-24.json",
             getenv("SPENDTOP_FIXTURES") ? getenv("SPENDTOP_FIXTURES") : "tests/fixtures");
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    struct pricing *p = pricing_new();
    char err[256];
    assert_int_equal(pricing_load_json(p, buf, n, err, sizeof err), 218);
    /* claude-sonnet-4-20250514 has 200k tiers and 1h writes in the real file:
     * 300000 in (> 200k) of which 100000 read, 10000 1h-write, 1000 out:
     * uncached 190000 x 6e-6 = 1.14; read 100000 x 6e-7 = 0.06;
     * 1h 10000 x 6e-6 = 0.06 (no 1h tier in the file); out 1000 x 2.25e-5 =
     * 0.0225 -> 1.2825 */
    const char *name;
    const struct price *pr = pricing_lookup(p, "anthropic", "claude-sonnet-4-20250514", &name);
    assert_non_null(pr);
    struct usage u = {.provider = "anthropic", .input = 300000, .cache_known = true,
                      .cache_read = 100000, .cache_write_1h = 10000, .output = 1000,
                      .per_request = true};
    struct pricing_tokens tokens;
    ingest_pricing_tokens(&u, &tokens);
    double usd;
    pricing_cost(p, pr, &tokens, &usd);
    assert_close(usd, 1.2825, 1e-9);
    pricing_free(p);
}

static void test_bad_json_is_a_clear_error(void **state)
{
    (void)state;
    struct pricing *p = pricing_new();
    char err[256];
    assert_int_equal(pricing_load_json(p, "{\"a\": ", 6, err, sizeof err), -1);
    assert_non_null(strstr(err, "invalid JSON"));
    assert_int_equal(pricing_load_json(p, "[1,2]", 5, err, sizeof err), -1);
    pricing_free(p);
}

/* spendtop prices: which key matched, by which rule, as the lookup does. */
static void test_the_match_is_explained_by_its_rule(void **state)
{
    struct pricing *p = *state;
    pricing_add_alias(p, "router-default", "claude-x");
    static const struct {
        const char *provider, *model, *key;
        enum pricing_rule rule;
    } cases[] = {
        {"openai", "m-basic", "m-basic", PRICING_EXACT},
        {"gcp.gemini", "g-prefixed", "gemini/g-prefixed", PRICING_PREFIXED},
        {"openai", "gpt-y-2025-04-14", "gpt-y", PRICING_DATE_STRIPPED},
        {"gcp.gemini", "g-prefixed-20250101", "gemini/g-prefixed", PRICING_DATE_STRIPPED},
        {"anthropic", "router-default", "claude-x", PRICING_ALIAS},
        {"openai", "mystery", NULL, PRICING_UNMATCHED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        enum pricing_rule rule;
        const char *key, *name;
        const struct price *pr = pricing_explain(p, cases[i].provider, cases[i].model, &rule,
                                                 &key);
        assert_int_equal(rule, cases[i].rule);
        if (cases[i].key)
            assert_string_equal(key, cases[i].key);
        else
            assert_null(key);
        /* the lookup agrees: the same entry */
        assert_ptr_equal(pricing_lookup(p, cases[i].provider, cases[i].model, &name), pr);
    }
    assert_string_equal(pricing_rule_names[PRICING_DATE_STRIPPED], "date-stripped");
    /* an entry without token prices matches, and prices nothing */
    enum pricing_rule rule;
    const char *key, *name;
    const struct price *img = pricing_explain(p, NULL, "image-only", &rule, &key);
    assert_non_null(img);
    assert_false(pricing_priced(img));
    assert_null(pricing_lookup(p, NULL, "image-only", &name));
}

static void count_field(void *ctx, const char *field, double v)
{
    struct strbuf *b = ctx;
    strbuf_printf(b, "%s=%g;", field, v);
}

/* Every price of an entry under its LiteLLM name, tiers included. */
static void test_each_field_names_every_price(void **state)
{
    struct pricing *p = *state;
    enum pricing_rule rule;
    const char *key;
    struct strbuf b = {0};
    pricing_each_field(pricing_explain(p, NULL, "m-long", &rule, &key), count_field, &b);
    assert_string_equal(strbuf_str(&b),
                        "input_cost_per_token=3e-06;output_cost_per_token=1.5e-05;"
                        "cache_read_input_token_cost=3e-07;"
                        "input_cost_per_token_above_200k_tokens=6e-06;"
                        "output_cost_per_token_above_200k_tokens=2.25e-05;"
                        "cache_read_input_token_cost_above_200k_tokens=6e-07;");
    strbuf_free(&b);
}

/* Made-up ids past PRICING_MEMO_MAX are looked up, never remembered: an
 * unpriced one's name is then the caller's own string (the memo, and so
 * memory, stays bounded), and ids seen before still answer from the memo. */
static void test_the_memo_is_bounded(void **state)
{
    const char *name;
    char id[32];
    assert_null(pricing_lookup(*state, "openai", "first-made-up", &name));
    const char *first = name;
    for (int i = 0; i < PRICING_MEMO_MAX + 10; i++) {
        snprintf(id, sizeof id, "made-up-%d", i);
        assert_null(pricing_lookup(*state, "openai", id, &name));
    }
    assert_ptr_equal(name, id);          /* not remembered: the caller's */
    assert_null(pricing_lookup(*state, "openai", "first-made-up", &name));
    assert_ptr_equal(name, first);       /* remembered before the bound */
    assert_non_null(pricing_lookup(*state, "openai", "m-basic", &name));
    assert_string_equal(name, "m-basic");
}

/* The prices in force are named: the table (the default's date, or a
 * loaded table's hash) and how many overrides the config made. */
static void test_the_prices_in_force_are_named(void **state)
{
    char buf[96], err[256];
    pricing_describe(*state, buf, sizeof buf);
    assert_int_equal(strncmp(buf, "table ", 6), 0);   /* "table <8 hex>, 0 overrides" */
    assert_string_equal(buf + 14, ", 0 overrides");
    assert_true(pricing_override(*state, "m-basic", "input_cost_per_token", 1e-6));
    pricing_add_alias(*state, "router", "m-basic");
    pricing_set_discount(*state, "openai", 0.1);
    pricing_describe(*state, buf, sizeof buf);
    assert_string_equal(buf + 14, ", 3 overrides");
    struct pricing *d = pricing_new();
    assert_true(pricing_load_default(d, err, sizeof err) > 0);
    pricing_describe(d, buf, sizeof buf);
    assert_string_equal(buf, "default 2026-07-24, 0 overrides");
    pricing_free(d);
}

/* A table's fingerprint names its content: two tables made the same way
 * share it, and each kind of change (another text, an override, a
 * discount, an alias, a clear) gives another. */
static void test_the_fingerprint_changes_with_every_change(void **state)
{
    char err[256];
    struct pricing *q = pricing_new();
    assert_int_equal(pricing_load_json(q, table, strlen(table), err, sizeof err), 8);
    assert_true(pricing_fingerprint(q) == pricing_fingerprint(*state));
    uint64_t seen[6];
    int n = 0;
    seen[n++] = pricing_fingerprint(q);
    assert_true(pricing_override(q, "m-basic", "input_cost_per_token", 1e-6));
    seen[n++] = pricing_fingerprint(q);
    pricing_set_discount(q, "openai", 0.1);
    seen[n++] = pricing_fingerprint(q);
    pricing_add_alias(q, "router", "m-basic");
    seen[n++] = pricing_fingerprint(q);
    pricing_clear(q);
    seen[n++] = pricing_fingerprint(q);
    assert_int_equal(pricing_load_json(q, "{}", 2, err, sizeof err), 0);
    seen[n++] = pricing_fingerprint(q);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            assert_true(seen[i] != seen[j]);
    /* the same override again: the same steps, the same name */
    struct pricing *r = pricing_new();
    assert_int_equal(pricing_load_json(r, table, strlen(table), err, sizeof err), 8);
    assert_true(pricing_override(r, "m-basic", "input_cost_per_token", 1e-6));
    assert_true(pricing_fingerprint(r) == seen[1]);
    /* another value is another table */
    assert_true(pricing_override(r, "m-basic", "input_cost_per_token", 2e-6));
    assert_true(pricing_fingerprint(r) != seen[1]);
    pricing_free(r);
    pricing_free(q);
}

/* Entries copied from the real LiteLLM table of 2026-07-24
 * (tests/fixtures/prices-tiers-2026-07-24.json). */
static struct pricing *tiers_table(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/prices-tiers-2026-07-24.json",
             getenv("SPENDTOP_FIXTURES") ? getenv("SPENDTOP_FIXTURES") : "tests/fixtures");
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    struct pricing *p = pricing_new();
    char err[256];
    assert_int_equal(pricing_load_json(p, buf, n, err, sizeof err), 4);
    return p;
}

/* Priority and flex usage costs what the table's *_priority and *_flex
 * keys say; a model without them is priced at standard rates and shown
 * partially priced. One request: 10000 in (2000 cached), 1000 out. */
static void test_priority_and_flex_prices_from_the_real_table(void **state)
{
    (void)state;
    struct pricing *p = tiers_table();
    struct usage u = {.input = 10000, .cache_known = true, .cache_read = 2000, .output = 1000,
                      .requests = 1, .per_request = true};
    enum price_status st;
    /* gpt-5 priority: 8000 x 2.5e-6 + 2000 x 2.5e-7 + 1000 x 2e-5 = 0.0405 */
    u.service = USAGE_SERVICE_PRIORITY;
    assert_close(cost(p, "openai", "gpt-5", u, &st), 0.0405, 1e-12);
    assert_int_equal(st, PRICE_FULL);
    /* flex: 8000 x 6.25e-7 + 2000 x 6.25e-8 + 1000 x 5e-6 = 0.010125 */
    u.service = USAGE_SERVICE_FLEX;
    assert_close(cost(p, "openai", "gpt-5", u, &st), 0.010125, 1e-12);
    assert_int_equal(st, PRICE_FULL);
    /* gpt-4.1 has no flex prices: standard, 8000 x 2e-6 + 2000 x 5e-7 +
     * 1000 x 8e-6 = 0.025, partially priced */
    assert_close(cost(p, "openai", "gpt-4.1", u, &st), 0.025, 1e-12);
    assert_int_equal(st, PRICE_PARTIAL);
    /* and its priority prices: 8000 x 3.5e-6 + 2000 x 8.75e-7 + 1000 x 1.4e-5 */
    u.service = USAGE_SERVICE_PRIORITY;
    assert_close(cost(p, "openai", "gpt-4.1", u, &st), 0.028 + 0.00175 + 0.014, 1e-12);
    assert_int_equal(st, PRICE_FULL);
    /* batch wins over a service tier: the table's batch prices,
     * 8000 x 1e-6 + 2000 x 5e-7 / 2 + 1000 x 4e-6 = 0.0125 */
    u.batch = true;
    assert_close(cost(p, "openai", "gpt-4.1", u, &st), 0.0125, 1e-12);
    pricing_free(p);
}

/* *_above_272k_tokens tiers like the 200k ones; Anthropic's context_window
 * "200k-1M" groups at the long-context rate. */
static void test_272k_tiers_and_long_context_groups_from_the_real_table(void **state)
{
    (void)state;
    struct pricing *p = tiers_table();
    enum price_status st;
    /* gpt-5.4, one request of 300000 in (> 272k), 1000 out:
     * 300000 x 5e-6 + 1000 x 2.25e-5 = 1.5225; 272000 in is not over it:
     * 272000 x 2.5e-6 + 1000 x 1.5e-5 = 0.695 */
    struct usage big = {.input = 300000, .output = 1000, .requests = 1, .per_request = true};
    assert_close(cost(p, "openai", "gpt-5.4", big, &st), 1.5225, 1e-12);
    assert_int_equal(st, PRICE_FULL);
    big.input = 272000;
    assert_close(cost(p, "openai", "gpt-5.4", big, &st), 0.695, 1e-12);
    /* priority over 272k: no priority tier rate, the standard tier's, partial */
    big.input = 300000;
    big.service = USAGE_SERVICE_PRIORITY;
    assert_close(cost(p, "openai", "gpt-5.4", big, &st), 1.5225, 1e-12);
    assert_int_equal(st, PRICE_PARTIAL);
    /* a usage-report bucket of long-context requests (not one span):
     * 500000 in x 6e-6 + 2000 out x 2.25e-5 = 3.045; the same as
     * 0-200k: 500000 x 3e-6 + 2000 x 1.5e-5 = 1.53 */
    struct usage group = {.input = 500000, .output = 2000, .long_context = true};
    assert_close(cost(p, "anthropic", "claude-sonnet-4-5", group, &st), 3.045, 1e-12);
    group.long_context = false;
    assert_close(cost(p, "anthropic", "claude-sonnet-4-5", group, &st), 1.53, 1e-12);
    pricing_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sample_spec_is_not_a_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_match_is_explained_by_its_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each_field_names_every_price, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_memo_is_bounded, setup, teardown),
        cmocka_unit_test(test_priority_and_flex_prices_from_the_real_table),
        cmocka_unit_test(test_272k_tiers_and_long_context_groups_from_the_real_table),
        cmocka_unit_test_setup_teardown(test_the_prices_in_force_are_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_fingerprint_changes_with_every_change, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_input_and_output_terms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_reads_and_both_cache_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_cache_reads_price_all_input_in_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reasoning_has_its_own_price, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reasoning_without_its_price_is_output, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_uses_the_table_batch_prices, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_without_batch_prices_is_half, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_context_tier_applies_to_a_large_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_context_tier_not_for_small_or_aggregated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_cache_price_falls_back_and_is_partial, setup, teardown),
        cmocka_unit_test_setup_teardown(test_discount_applies_per_provider, setup, teardown),
        cmocka_unit_test_setup_teardown(test_override_changes_one_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_override_can_price_an_unknown_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exact_key_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_provider_prefixed_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_date_suffixes_are_stripped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aliases_come_last, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unpriced_is_never_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entry_without_token_prices_is_unpriced, setup, teardown),
        cmocka_unit_test(test_default_table_has_the_major_chat_models),
        cmocka_unit_test(test_real_litellm_file_loads),
        cmocka_unit_test(test_bad_json_is_a_clear_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
