/* test_otlp_families.c - the instrumentation families table on spans
 * recorded from the real libraries (tests/fixtures/otlp/families/, made by
 * tests/e2e/families/run.cjs against tests/e2e/families/fake_llm.cjs), and
 * on hand-made spans for the edges: lenient and strict numbers, provider
 * names, wrappers. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "collectors/otlp_families.h"
#include "collectors/otlp_map.h"
#include "core/ingest.h"
#include "core/store.h"
#include "lib/clock.h"
#include "lib/strbuf.h"
#include "pricing/pricing.h"

static char *tenant_attrs[] = {"tenant.id"};
static const struct otlp_options opts = {
    .source = "spans", .tenant_attrs = tenant_attrs, .ntenant_attrs = 1};

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    struct strbuf b = {0};
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        strbuf_append(&b, buf, n);
    fclose(f);
    return strbuf_detach(&b);
}

/* What a fixture made of the ingest: its totals, and the mapping's counts. */
struct run {
    struct store *st;
    struct pricing *p;
    struct ingest *in;
    struct tally sum;
    size_t rejected, no_usage, ignored;
    char error[200];
};

static void run_start(struct run *r)
{
    memset(r, 0, sizeof *r);
    r->st = store_new();
    r->p = pricing_new();
    r->in = ingest_new(r->st, NULL, r->p);
}

static void run_end(struct run *r)
{
    ingest_free(r->in);
    pricing_free(r->p);
    store_free(r->st);
}

/* Every export (one per line) of buf into the ingest. */
static void run_text(struct run *r, char *buf)
{
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        struct otlp_result res;
        assert_int_equal(otlp_map_export(OTLP_JSON, 0, line, strlen(line), &opts,
                                         ingest_sink(r->in), &res), 0);
        r->rejected += res.rejected;
        r->no_usage += res.no_usage;
        r->ignored += res.ignored;
        if (res.error[0] && !r->error[0])
            snprintf(r->error, sizeof r->error, "%s", res.error);
    }
}

static void run_sum(struct run *r)
{
    memset(&r->sum, 0, sizeof r->sum);
    for (size_t id = 0; id < store_series_count(r->st); id++) {
        struct tally t;
        store_sum(r->st, (int)id, 0, INT64_MAX / 2, &t);
        tally_add(&r->sum, &t);
    }
}

/* The fixtures were recorded on 2026-12-01 (07:10 to 07:25 UTC). */
#define RECORDED 1796111100 /* 2026-12-01T07:45:00Z */

static void run_fixture(struct run *r, const char *name)
{

    char path[512];
    snprintf(path, sizeof path, "%s/otlp/families/%s.json",
             getenv("SPENDTOP_FIXTURES") ? getenv("SPENDTOP_FIXTURES") : "tests/fixtures", name);
    char *buf = slurp(path);
    run_text(r, buf);
    free(buf);
    run_sum(r);
}

/* Each family's recorded calls, summed. The fake provider answered call n
 * (from 1) of an OpenAI API with input 1200+100n (cached 256(1+n%3)) and
 * output 150+10n (+64n reasoning for o* and gpt-5*), and of Anthropic with
 * uncached 5000+10n, cache reads 2000+n, 5-minute writes 600+n, 1-hour
 * writes 400+2n, output 300+5n of which thinking 120+n (the calls of each
 * file: tests/e2e/families/scenarios/). The figures are what each library
 * passes on of that: e.g. OTel's instrumentation-openai no cache and no
 * reasoning, a stream without include_usage nothing (one no_usage).
 * input_ck / output_rk: the input (output) of the calls whose cache reads
 * (reasoning) are known. */
static const struct {
    const char *fixture;
    int64_t requests, input, input_ck, cache_read, w5m, w1h, output, output_rk, reasoning;
    size_t no_usage;
} expected[] = {
    /* chat 1300/160, chat gpt-5-mini 1400/298, stream 1500/180, stream
     * without usage (1600/190 unknown), responses o4-mini 1700/520:
     * input 1300+1400+1500+1700 = 5900, output 160+298+180+520 = 1158 */
    {"otel-openai", 5, 5900, 0, 0, 0, 0, 1158, 0, 0, 1},
    /* message 1: 5010+2001+601+402 = 8014 in, 305 out (121 thinking);
     * stream 2: 5020+2002+602+404 = 8028 in, 310 out (122): 16042, 615 */
    {"anthropic-sdk", 2, 16042, 16042, 4003, 1203, 806, 615, 615, 243, 0},
    {"anthropic-sdk-0", 2, 16042, 16042, 4003, 1203, 806, 615, 615, 243, 0},
    /* Traceloop's openai: no cache, no reasoning, and both streams without
     * usage (it reads none from a stream): 1300+1400 in, 160+298 out */
    {"traceloop-openai", 4, 2700, 0, 0, 0, 0, 458, 0, 0, 2},
    /* Traceloop (uncached input 5010, cache read 2001, writes 1003) around
     * the SDK's own span: each call once, the SDK's more complete count */
    {"traceloop-anthropic", 2, 16042, 16042, 4003, 1203, 806, 615, 615, 243, 0},
    /* through LangChain: gpt-4o-mini 1300/160; Claude's input as LangChain
     * passes it, 5020 uncached, no cache figures: 6320, 470 */
    {"traceloop-langchain", 2, 6320, 0, 0, 0, 0, 470, 0, 0, 0},
    /* chat 1300 (512 cached)/160, gpt-5-mini 1400 (768)/298 (128), a
     * stream with include_usage that OpenInference reads no usage from,
     * responses o4-mini 1600 (512)/446 (256) */
    {"openinference-openai", 4, 4300, 4300, 1792, 0, 0, 904, 904, 384, 1},
    /* cache writes 1003 and 1006 as one figure each: priced as 5-minute */
    {"openinference-anthropic", 2, 16042, 16042, 4003, 2009, 0, 615, 0, 0, 0},
    /* gpt-4o-mini 1300 (512)/160; Claude 8028 (2002 read)/310 */
    {"openinference-langchain", 2, 9328, 9328, 2514, 0, 0, 470, 0, 0, 0},
    /* doGenerate gpt-5-mini 1300 (512)/224 (64), chat 1400 (768)/170,
     * Claude 8042 (2003 read, 603 + 406 written)/315 (123), doStream
     * 1600 (512)/190; the ai.generateText/streamText wrappers not at all */
    {"vercel-ai6", 4, 12342, 12342, 3795, 603, 406, 899, 899, 187, 0},
    /* @ai-sdk/otel by default: no reasoning, cache writes as one figure */
    {"vercel-ai7", 4, 12342, 12342, 3795, 1009, 0, 899, 0, 0, 0},
    /* with its usage and provider metadata attributes switched on */
    {"vercel-ai7-details", 4, 12342, 12342, 3795, 603, 406, 899, 899, 187, 0},
    /* usage_details parts: input 788 + cached 512, output 160 + reasoning
     * 0; 632 + 768, 170 + 128; responses 1244 + 256, 180 + 192 */
    {"langfuse-openai", 3, 4200, 4200, 1536, 0, 0, 830, 830, 320, 0},
};

static void test_each_family_counts_what_its_library_reported(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof expected / sizeof *expected; i++) {
        struct run r;
        run_start(&r);
        run_fixture(&r, expected[i].fixture);
        const struct tally *t = &r.sum;
        int64_t got[] = {t->requests, t->input, t->input_ck, t->cache_read, t->cache_write_5m,
                         t->cache_write_1h, t->output, t->output_rk, t->reasoning,
                         (int64_t)r.no_usage, (int64_t)r.rejected};
        const int64_t want[] = {expected[i].requests, expected[i].input, expected[i].input_ck,
                                expected[i].cache_read, expected[i].w5m, expected[i].w1h,
                                expected[i].output, expected[i].output_rk, expected[i].reasoning,
                                (int64_t)expected[i].no_usage, 0};
        for (size_t k = 0; k < sizeof got / sizeof *got; k++)
            if (got[k] != want[k])
                fail_msg("%s: figure %zu is %lld, want %lld (%s)", expected[i].fixture, k,
                         (long long)got[k], (long long)want[k], r.error);
        run_end(&r);
    }
}

/* The providers the price table and the usage sources know, whatever the
 * library wrote (openai.chat, openai.responses, anthropic.messages) or
 * left out (the Traceloop Anthropic span says anthropic by its row). */
static void test_providers_are_the_usage_sources_names(void **state)
{
    (void)state;
    const char *fixtures[] = {"vercel-ai6", "vercel-ai7", "traceloop-anthropic",
                              "openinference-langchain", "otel-openai", "anthropic-sdk"};
    for (size_t i = 0; i < sizeof fixtures / sizeof *fixtures; i++) {
        struct run r;
        run_start(&r);
        run_fixture(&r, fixtures[i]);
        for (size_t id = 0; id < store_series_count(r.st); id++) {
            const char *p = store_series_key(r.st, (int)id)->provider;
            if (strcmp(p, "openai") != 0 && strcmp(p, "anthropic") != 0)
                fail_msg("%s: provider %s", fixtures[i], p);
        }
        run_end(&r);
    }
    char buf[64];
    static const char *const names[][2] = {
        {"openai.chat", "openai"},           {"openai.responses", "openai"},
        {"anthropic.messages", "anthropic"}, {"az.ai.openai", "azure.ai.openai"},
        {"azure.ai.openai", "azure.ai.openai"}, {"azure.responses", "azure.ai.openai"},
        {"aws.bedrock", "aws.bedrock"},      {"amazon-bedrock", "aws.bedrock"},
        {"gcp.vertex_ai", "gcp.vertex_ai"},  {"google.vertex.chat", "gcp.vertex_ai"},
        {"vertex_ai", "gcp.vertex_ai"},      {"gcp.gemini", "gcp.gemini"},
        {"google.generative-ai", "gcp.gemini"}, {"gcp.gen_ai", "gcp.gen_ai"},
        {"xai", "x_ai"},                     {"mistralai", "mistral_ai"},
        {"OpenAI", "openai"},                {"my-llm-gateway", "my-llm-gateway"},
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        assert_string_equal(otlp_provider_name(names[i][0], strlen(names[i][0]), buf,
                                               sizeof buf), names[i][1]);
}

/* ---- hand-made spans --------------------------------------------------------------- */

static char *doc(const char *scope, const char *attrs)
{
    struct strbuf b = {0};
    strbuf_printf(&b,
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"scope\":{\"name\":\"%s\"},\"spans\":[{"
        "\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\","
        "\"name\":\"chat\",\"startTimeUnixNano\":\"%lld000000000\",\"attributes\":[%s]}]}]}]}",
        scope, (long long)clock_now() - 60, attrs);
    return strbuf_detach(&b);
}

#define S(k, v) "{\"key\":\"" k "\",\"value\":{\"stringValue\":\"" v "\"}}"
#define I(k, v) "{\"key\":\"" k "\",\"value\":{\"intValue\":\"" #v "\"}}"
#define D(k, v) "{\"key\":\"" k "\",\"value\":{\"doubleValue\":" #v "}}"
#define B(k, v) "{\"key\":\"" k "\",\"value\":{\"boolValue\":" #v "}}"

static void one(struct run *r, const char *scope, const char *attrs)
{
    run_start(r);
    char *j = doc(scope, attrs);
    run_text(r, j);
    free(j);
    run_sum(r);
}

static void test_whole_numbers_are_read_in_any_type(void **state)
{
    (void)state;
    struct run r;
    /* 1500 as a string, 200.0 as a double, 300 as an int */
    one(&r, "x", S("gen_ai.operation.name", "chat") "," S("gen_ai.usage.input_tokens", "1500")
        "," D("gen_ai.usage.cache_read.input_tokens", 200.0) ","
        I("gen_ai.usage.output_tokens", 300));
    assert_int_equal(r.rejected, 0);
    assert_int_equal(r.sum.requests, 1);
    assert_int_equal(r.sum.input, 1500);
    assert_int_equal(r.sum.cache_read, 200);
    assert_int_equal(r.sum.output, 300);
    run_end(&r);
}

/* A sender that formats its counts as floats writes "1500.0" or "1.5e3":
 * a well-formed whole number, read as the count it is (as a doubleValue
 * 1500.0 is), never refused - in a span attribute and inside a JSON
 * attribute's parts alike. */
static void test_a_whole_count_written_as_a_float_string_is_read(void **state)
{
    (void)state;
    struct run r;
    one(&r, "x", S("gen_ai.operation.name", "chat") "," S("gen_ai.usage.input_tokens", "1500.0")
        "," S("gen_ai.usage.cache_read.input_tokens", "2E2") ","
        S("gen_ai.usage.output_tokens", "3.00e+2"));
    assert_int_equal(r.rejected, 0);
    assert_int_equal(r.sum.input, 1500);
    assert_int_equal(r.sum.cache_read, 200);
    assert_int_equal(r.sum.output, 300);
    run_end(&r);
    one(&r, "x", S("langfuse.observation.type", "generation") ","
        S("langfuse.observation.usage_details", "{\\\"input\\\":\\\"1.5e3\\\"}"));
    assert_int_equal(r.rejected, 0);
    assert_int_equal(r.sum.input, 1500);
    run_end(&r);
}

static void test_a_count_that_is_not_a_whole_number_rejects_the_span(void **state)
{
    (void)state;
    static const struct {
        const char *attr, *why;
    } bad[] = {
        {I("gen_ai.usage.input_tokens", -5), "gen_ai.usage.input_tokens: -5 is not a token count"},
        {D("gen_ai.usage.input_tokens", 12.5), "gen_ai.usage.input_tokens: 12.5 is not a token count"},
        {D("gen_ai.usage.output_tokens", 1e25), "gen_ai.usage.output_tokens: 1e+25 is not a token count"},
        {S("gen_ai.usage.input_tokens", "12a"), "gen_ai.usage.input_tokens: a string that is not"},
        {S("gen_ai.usage.input_tokens", "0x10"), "a string that is not a whole number"},
        {S("gen_ai.usage.input_tokens", "-3"), "a string that is not a whole number"},
        {S("gen_ai.usage.input_tokens", "1500.5"), "a string that is not a whole number"},
        {S("gen_ai.usage.input_tokens", "1e25"), "a string that is not a whole number"},
        {S("gen_ai.usage.input_tokens", "1."), "a string that is not a whole number"},
        {S("gen_ai.usage.input_tokens", " 15"), "a string that is not a whole number"},
        {S("gen_ai.usage.input_tokens", "inf"), "a string that is not a whole number"},
        {S("gen_ai.usage.input_tokens", ""), "a string that is not a whole number"},
        /* a double as a string (the JSON mapping's form) in decimal only */
        {"{\"key\":\"gen_ai.usage.input_tokens\",\"value\":{\"doubleValue\":\"0x10\"}}",
         "gen_ai.usage.input_tokens: not a number"},
        {B("gen_ai.usage.output_tokens", true), "gen_ai.usage.output_tokens: not a number"},
        {S("langfuse.observation.type", "generation") ","
         S("langfuse.observation.usage_details", "{\\\"input\\\":-1}"),
         "langfuse.observation.usage_details: input is not a token count"},
        {S("langfuse.observation.type", "generation") ","
         S("langfuse.observation.usage_details", "not json"),
         "langfuse.observation.usage_details is not a JSON object"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct run r;
        char attrs[512];
        snprintf(attrs, sizeof attrs, "%s,%s", S("gen_ai.operation.name", "chat"), bad[i].attr);
        one(&r, "x", attrs);
        if (r.rejected != 1 || !strstr(r.error, bad[i].why))
            fail_msg("case %zu: rejected %zu, error '%s'", i, r.rejected, r.error);
        assert_int_equal(r.sum.requests, 0);
        run_end(&r);
    }
}

static void test_an_inference_span_without_usage_is_a_request_of_unknown_tokens(void **state)
{
    (void)state;
    struct run r;
    one(&r, "x", S("gen_ai.operation.name", "chat") "," S("gen_ai.response.model", "gpt-4o"));
    assert_int_equal(r.no_usage, 1);
    assert_int_equal(r.sum.requests, 1);
    assert_int_equal(r.sum.input + r.sum.output, 0);
    run_end(&r);
}

/* Gemini CLI 0.61's llm_call span (recorded from the real CLI, tests/e2e/
 * agent_gemini.sh) names no provider and carries no token counts: its
 * usage is in its api_response events and token metrics. Counted, it was a
 * second request of each call, with usage unknown (no_usage). */
static void test_gemini_cli_llm_call_spans_are_not_calls(void **state)
{
    (void)state;
    struct run r;
    run_start(&r);
    char path[512];
    snprintf(path, sizeof path, "%s/otlp/agents/gemini-0.61-traces.json",
             getenv("SPENDTOP_FIXTURES") ? getenv("SPENDTOP_FIXTURES") : "tests/fixtures");
    char *buf = slurp(path);
    run_text(&r, buf);
    free(buf);
    run_sum(&r);
    assert_int_equal(r.rejected, 0);
    assert_int_equal(r.no_usage, 0);
    assert_int_equal(r.ignored, 1);
    assert_int_equal(store_series_count(r.st), 0);
    run_end(&r);
}

static void test_wrappers_are_never_counted(void **state)
{
    (void)state;
    static const char *const wrappers[] = {
        S("gen_ai.operation.name", "invoke_agent") "," I("gen_ai.usage.input_tokens", 100),
        S("gen_ai.operation.name", "agent_step") "," I("gen_ai.usage.input_tokens", 100),
        S("ai.operationId", "ai.generateText") "," I("ai.usage.inputTokens", 100),
        S("openinference.span.kind", "CHAIN") "," I("llm.token_count.prompt", 100),
        S("langfuse.observation.type", "span") ","
        S("langfuse.observation.usage_details", "{\\\"input\\\":100}"),
        /* and what a wrapper carries is not checked: it is not read */
        S("gen_ai.operation.name", "invoke_agent") "," I("gen_ai.usage.input_tokens", -1),
    };
    for (size_t i = 0; i < sizeof wrappers / sizeof *wrappers; i++) {
        struct run r;
        one(&r, "x", wrappers[i]);
        if (r.sum.requests || r.rejected || r.ignored != 1)
            fail_msg("wrapper %zu: requests %lld, rejected %zu", i, (long long)r.sum.requests,
                     r.rejected);
        run_end(&r);
    }
}

/* Inclusiveness is the family's: the same numbers mean 8014 input tokens
 * from Traceloop's JS Anthropic instrumentation (uncached 5010 + 2001 +
 * 1003), and 5010 from a library of the conventions, whose input includes
 * the cache (2001 + 1003 of the 5010). */
static void test_whether_input_includes_the_cache_is_the_familys(void **state)
{
    (void)state;
    const char *attrs = S("gen_ai.operation.name", "chat") ","
        I("gen_ai.usage.input_tokens", 5010) "," I("gen_ai.usage.cache_read.input_tokens", 2001)
        "," I("gen_ai.usage.cache_creation.input_tokens", 1003) ","
        I("gen_ai.usage.output_tokens", 305);
    struct run r;
    one(&r, "@traceloop/instrumentation-anthropic", attrs);
    assert_int_equal(r.sum.input, 8014);
    assert_int_equal(r.sum.cache_write_5m, 1003);
    run_end(&r);
    one(&r, "opentelemetry.instrumentation.anthropic", attrs);
    assert_int_equal(r.sum.input, 5010);
    run_end(&r);
}

/* Every row's attribute names fit the index (a new row can outgrow it). */
static void test_the_table_fits_its_index(void **state)
{
    (void)state;
    struct otlp_span_attrs *a = calloc(1, sizeof *a);
    otlp_span_attrs_begin(a);
    for (size_t f = 0; f < otlp_families_count; f++) {
        for (int k = 0; k < OTLP_F_COUNT; k++) {
            const char *s = otlp_families[f].attrs[k];
            if (!s)
                continue;
            while (*s) {
                size_t n = strcspn(s, " #");
                struct otlp_kv kv = {{s, n}, {.type = OTLP_INT}};
                otlp_span_attrs_take(a, &kv); /* false for a repeat in this span */
                otlp_span_attrs_begin(a);
                if (!otlp_span_attrs_take(a, &kv))
                    fail_msg("%s: %.*s is not indexed", otlp_families[f].name, (int)n, s);
                s += strcspn(s, " ");
                while (*s == ' ')
                    s++;
            }
        }
    }
    free(a);
}

int main(void)
{
    clock_set(RECORDED, true);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_family_counts_what_its_library_reported),
        cmocka_unit_test(test_providers_are_the_usage_sources_names),
        cmocka_unit_test(test_whole_numbers_are_read_in_any_type),
        cmocka_unit_test(test_a_whole_count_written_as_a_float_string_is_read),
        cmocka_unit_test(test_a_count_that_is_not_a_whole_number_rejects_the_span),
        cmocka_unit_test(test_an_inference_span_without_usage_is_a_request_of_unknown_tokens),
        cmocka_unit_test(test_wrappers_are_never_counted),
        cmocka_unit_test(test_gemini_cli_llm_call_spans_are_not_calls),
        cmocka_unit_test(test_whether_input_includes_the_cache_is_the_familys),
        cmocka_unit_test(test_the_table_fits_its_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
