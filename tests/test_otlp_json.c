/* test_otlp_json.c - OTLP spans -> usage records (DESIGN.md §3), from JSON,
 * and from protobuf the same. */
#include "tests/helpers.h"

#include "collectors/otlp_map.h"
#include "lib/clock.h"
#include "core/ingest.h"
#include "core/store.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "tests/pb_build.h"

/* A sink that keeps copies of what it is given. */
struct capture {
    struct sink sink;
    struct usage u[16];
    char strs[16][4][128];
    int n;
};

static int capture_put(struct sink *s, const struct usage *u)
{
    struct capture *c = (struct capture *)s;
    if (c->n == 16)
        fail_msg("too many records");
    c->u[c->n] = *u;
    const char *src[4] = {u->source, u->provider, u->model, u->tenant};
    for (int i = 0; i < 4; i++)
        snprintf(c->strs[c->n][i], 128, "%s", src[i] ? src[i] : "(null)");
    c->u[c->n].source = c->strs[c->n][0];
    c->u[c->n].provider = c->strs[c->n][1];
    c->u[c->n].model = c->strs[c->n][2];
    c->u[c->n].tenant = c->strs[c->n][3];
    c->n++;
    return 1;
}

static char *tenant_attrs[] = {"tenant.id", "enduser.id"};
static const struct otlp_options opts = {.source = "spans", .tenant_attrs = tenant_attrs,
                                         .ntenant_attrs = 2};

/* A one-span document: attrs is the inside of the attributes array. */
static char *doc(const char *resource_attrs, const char *span_extra, const char *attrs)
{
    struct strbuf b = {0};
    strbuf_printf(&b,
        "{\"resourceSpans\":[{\"resource\":{\"attributes\":[%s]},"
        "\"scopeSpans\":[{\"scope\":{\"name\":\"t\"},\"spans\":[{"
        "\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\","
        "\"name\":\"chat\",\"kind\":3,\"startTimeUnixNano\":\"1767225600123456789\","
        "\"endTimeUnixNano\":\"1767225601000000000\",%s\"attributes\":[%s]}]}]}]}",
        resource_attrs, span_extra, attrs);
    return strbuf_detach(&b);
}

#define S(k, v) "{\"key\":\"" k "\",\"value\":{\"stringValue\":\"" v "\"}}"
#define I(k, v) "{\"key\":\"" k "\",\"value\":{\"intValue\":\"" #v "\"}}"
#define N(k, v) "{\"key\":\"" k "\",\"value\":{\"intValue\":" #v "}}"

static int decode(const char *json, struct capture *c, struct otlp_result *r)
{
    memset(c, 0, sizeof *c);
    c->sink.put = capture_put;
    return otlp_map_export(OTLP_JSON, 0, json, strlen(json), &opts, &c->sink, r);
}

static void test_the_otlp_example_is_accepted_with_zero_usage(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/otlp-example-trace.json",
             getenv("SPENDTOP_FIXTURES") ? getenv("SPENDTOP_FIXTURES") : "tests/fixtures");
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    struct capture c;
    struct otlp_result r;
    assert_int_equal(decode(buf, &c, &r), 0);
    assert_int_equal(r.spans, 1);
    assert_int_equal(r.ignored, 1);
    assert_int_equal(c.n, 0);
}

/* OTLP before 0.15 named the scope level instrumentationLibrarySpans (and
 * its scope instrumentationLibrary): its spans count as under scopeSpans,
 * never passed over as a document with nothing in it. */
static void test_the_pre_0_15_scope_names_are_read(void **state)
{
    (void)state;
    char *d = doc("", "", S("gen_ai.operation.name", "chat") "," S("gen_ai.provider.name", "openai")
                  "," S("gen_ai.request.model", "gpt-4o-mini") "," I("gen_ai.usage.input_tokens", 1200)
                  "," I("gen_ai.usage.output_tokens", 300));
    char *at = strstr(d, "\"scopeSpans\":[{\"scope\"");
    assert_non_null(at);
    struct strbuf b = {0};
    strbuf_printf(&b, "%.*s\"instrumentationLibrarySpans\":[{\"instrumentationLibrary\"%s",
                  (int)(at - d), d, at + strlen("\"scopeSpans\":[{\"scope\""));
    char *old = strbuf_detach(&b);
    struct capture c;
    struct otlp_result r;
    assert_int_equal(decode(old, &c, &r), 0);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.u[0].input, 1200);
    assert_int_equal(c.u[0].output, 300);
    assert_string_equal(c.u[0].model, "gpt-4o-mini");
    free(old);
    free(d);
}

static void test_current_attribute_names(void **state)
{
    (void)state;
    char *j = doc(S("tenant.id", "from-resource"), "\"status\":{\"code\":2},",
        S("gen_ai.operation.name", "chat") "," S("gen_ai.provider.name", "openai") ","
        S("gen_ai.request.model", "gpt-4o-mini") "," S("gen_ai.response.model", "gpt-4o-mini-2024-07-18") ","
        I("gen_ai.usage.input_tokens", 1200) "," I("gen_ai.usage.output_tokens", 350) ","
        I("gen_ai.usage.cache_read.input_tokens", 800) ","
        I("gen_ai.usage.cache_creation.input_tokens", 100) ","
        I("gen_ai.usage.reasoning.output_tokens", 50) "," S("tenant.id", "acme"));
    struct capture c;
    struct otlp_result r;
    assert_int_equal(decode(j, &c, &r), 0);
    free(j);
    assert_int_equal(c.n, 1);
    struct usage *u = &c.u[0];
    assert_int_equal(u->ts, 1767225600); /* nanoseconds -> seconds */
    assert_string_equal(u->source, "spans");
    assert_string_equal(u->provider, "openai");
    assert_string_equal(u->model, "gpt-4o-mini-2024-07-18"); /* response wins */
    assert_string_equal(u->tenant, "acme");                  /* span before resource */
    assert_int_equal(u->requests, 1);
    assert_int_equal(u->errors, 1);                          /* status ERROR */
    assert_int_equal(u->input, 1200);
    assert_true(u->cache_known);
    assert_int_equal(u->cache_read, 800);
    assert_int_equal(u->cache_write_5m, 100);
    assert_int_equal(u->output, 350);
    assert_true(u->reasoning_known);
    assert_int_equal(u->reasoning, 50);
    assert_true(u->per_request);
    assert_true(u->dedup_key != 0);
}

/* The tier that served a call, as OpenAI's instrumentations say it: its
 * priority or flex prices apply (standard without the attribute). */
static void test_the_service_tier_of_a_span(void **state)
{
    (void)state;
    const char *tiers[] = {"priority", "flex", "default"};
    enum usage_service want[] = {USAGE_SERVICE_PRIORITY, USAGE_SERVICE_FLEX,
                                 USAGE_SERVICE_STANDARD};
    for (int i = 0; i < 3; i++) {
        char attrs[512];
        snprintf(attrs, sizeof attrs, "%s,{\"key\":\"openai.response.service_tier\","
                 "\"value\":{\"stringValue\":\"%s\"}}",
                 S("gen_ai.operation.name", "chat") "," S("gen_ai.provider.name", "openai") ","
                 S("gen_ai.request.model", "gpt-5") "," I("gen_ai.usage.input_tokens", 10) ","
                 I("gen_ai.usage.output_tokens", 1), tiers[i]);
        char *j = doc(S("tenant.id", "t"), "", attrs);
        struct capture c;
        struct otlp_result r;
        assert_int_equal(decode(j, &c, &r), 0);
        free(j);
        assert_int_equal(c.n, 1);
        assert_int_equal(c.u[0].service, want[i]);
    }
}

static void test_legacy_attribute_names(void **state)
{
    (void)state;
    struct capture c;
    struct otlp_result r;
    /* OpenLLMetry before 0.5: gen_ai.system, prompt/completion tokens,
     * underscore cache names, llm.usage.reasoning_tokens; request model only */
    char *j = doc("", "",
        S("gen_ai.system", "anthropic") "," S("gen_ai.request.model", "claude-sonnet-4-20250514") ","
        N("gen_ai.usage.prompt_tokens", 5000) "," N("gen_ai.usage.completion_tokens", 700) ","
        N("gen_ai.usage.cache_read_input_tokens", 3000) ","
        N("gen_ai.usage.cache_creation_input_tokens", 500) ","
        N("llm.usage.reasoning_tokens", 200) "," S("enduser.id", "user-7"));
    assert_int_equal(decode(j, &c, &r), 0);
    free(j);
    assert_int_equal(c.n, 1); /* no operation name, but usage: counted */
    assert_string_equal(c.u[0].provider, "anthropic");
    assert_string_equal(c.u[0].model, "claude-sonnet-4-20250514");
    assert_string_equal(c.u[0].tenant, "user-7"); /* the second tenant attribute */
    assert_int_equal(c.u[0].input, 5000);
    assert_int_equal(c.u[0].output, 700);
    assert_int_equal(c.u[0].cache_read, 3000);
    assert_int_equal(c.u[0].cache_write_5m, 500);
    assert_int_equal(c.u[0].reasoning, 200);
    /* OpenLIT's details names, and gen_ai.system's legacy "xai" */
    j = doc("", "",
        S("gen_ai.operation.name", "chat") "," S("gen_ai.system", "xai") ","
        S("gen_ai.request.model", "grok-4.3") ","
        I("gen_ai.usage.input_tokens", 100) "," I("gen_ai.usage.output_tokens", 40) ","
        I("gen_ai.usage.prompt_tokens_details.cached_tokens", 60) ","
        I("gen_ai.usage.completion_tokens_details.reasoning_tokens", 10));
    assert_int_equal(decode(j, &c, &r), 0);
    free(j);
    assert_string_equal(c.u[0].provider, "x_ai");
    assert_int_equal(c.u[0].cache_read, 60);
    assert_int_equal(c.u[0].reasoning, 10);
    /* and gen_ai.usage.reasoning_tokens */
    j = doc("", "", S("gen_ai.operation.name", "text_completion") ","
        I("gen_ai.usage.input_tokens", 1) "," I("gen_ai.usage.output_tokens", 9) ","
        I("gen_ai.usage.reasoning_tokens", 4));
    assert_int_equal(decode(j, &c, &r), 0);
    free(j);
    assert_int_equal(c.u[0].reasoning, 4);
    assert_string_equal(c.u[0].model, "unknown");
}

static void test_unknown_cache_and_reasoning_stay_unknown(void **state)
{
    (void)state;
    struct capture c;
    struct otlp_result r;
    /* what opentelemetry-instrumentation-openai emits: no cache attribute */
    char *j = doc("", "", S("gen_ai.operation.name", "chat") "," S("gen_ai.system", "openai") ","
        I("gen_ai.usage.input_tokens", 100) "," I("gen_ai.usage.output_tokens", 40));
    assert_int_equal(decode(j, &c, &r), 0);
    free(j);
    assert_false(c.u[0].cache_known);
    assert_false(c.u[0].reasoning_known);
    assert_string_equal(c.u[0].tenant, "");
}

/* A span that counts cache writes and leaves its zero reads out (a cold
 * or collapsed cache) read none: its hit rate is 0, not unknown, or a
 * cache_drop would never see the collapse. */
static void test_cache_writes_alone_mean_no_reads(void **state)
{
    (void)state;
    struct capture c;
    struct otlp_result r;
    char *j = doc("", "", S("gen_ai.operation.name", "chat") "," S("gen_ai.system", "anthropic") ","
        S("gen_ai.request.model", "claude-sonnet-4-5") ","
        I("gen_ai.usage.input_tokens", 1000) "," I("gen_ai.usage.output_tokens", 40) ","
        I("gen_ai.usage.cache_creation_input_tokens", 500));
    assert_int_equal(decode(j, &c, &r), 0);
    free(j);
    assert_int_equal(c.n, 1);
    assert_true(c.u[0].cache_known);
    assert_int_equal(c.u[0].cache_read, 0);
    assert_int_equal(c.u[0].cache_write_5m, 500);
}

/* A call that failed (span status ERROR: a 429, a 500) and reports no
 * tokens is a failed request, not a call of unknown spend: it counts in
 * requests and errors, never in no_usage - as the agent CLIs' api_error
 * events. The same span without the error is a call of unknown spend. */
static void test_a_failed_call_without_tokens_is_not_unknown_usage(void **state)
{
    (void)state;
    const char *attrs = S("gen_ai.operation.name", "chat") "," S("gen_ai.provider.name", "openai")
                        "," S("gen_ai.request.model", "gpt-4o-mini");
    for (int failed = 0; failed < 2; failed++) {
        char *d = doc("", failed ? "\"status\":{\"code\":2,\"message\":\"429\"}," : "", attrs);
        struct capture c;
        struct otlp_result r;
        assert_int_equal(decode(d, &c, &r), 0);
        assert_int_equal(c.n, 1);
        assert_int_equal(c.u[0].requests, 1);
        assert_int_equal(c.u[0].errors, failed);
        assert_int_equal(c.u[0].tokens_unknown, !failed);
        assert_int_equal(r.no_usage, !failed);
        free(d);
    }
}

static void test_agent_and_tool_spans_are_not_counted(void **state)
{
    (void)state;
    const char *ops[] = {"invoke_agent", "create_agent", "execute_tool", "invoke_workflow",
                         "retrieval"};
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        char attrs[512];
        snprintf(attrs, sizeof attrs, S("gen_ai.operation.name", "%s") ","
                 I("gen_ai.usage.input_tokens", 90000) "," I("gen_ai.usage.output_tokens", 9000),
                 ops[i]);
        char *j = doc("", "", attrs);
        struct capture c;
        struct otlp_result r;
        assert_int_equal(decode(j, &c, &r), 0);
        free(j);
        assert_int_equal(c.n, 0);
        assert_int_equal(r.ignored, 1);
    }
    /* every inference operation is counted */
    const char *inference[] = {"chat", "text_completion", "generate_content", "embeddings"};
    for (size_t i = 0; i < 4; i++) {
        char attrs[256];
        snprintf(attrs, sizeof attrs, S("gen_ai.operation.name", "%s"), inference[i]);
        char *j = doc("", "", attrs);
        struct capture c;
        struct otlp_result r;
        assert_int_equal(decode(j, &c, &r), 0);
        free(j);
        assert_int_equal(c.n, 1);
    }
    /* a span with neither operation nor usage (an HTTP span) is not usage */
    char *j = doc("", "", S("http.method", "POST"));
    struct capture c;
    struct otlp_result r;
    assert_int_equal(decode(j, &c, &r), 0);
    free(j);
    assert_int_equal(c.n, 0);
}

static void test_integers_as_numbers_and_strings(void **state)
{
    (void)state;
    struct capture c;
    struct otlp_result r;
    char *j = doc("", "", S("gen_ai.operation.name", "chat") ","
        N("gen_ai.usage.input_tokens", 123) "," I("gen_ai.usage.output_tokens", 45));
    assert_int_equal(decode(j, &c, &r), 0);
    free(j);
    assert_int_equal(c.u[0].input, 123);
    assert_int_equal(c.u[0].output, 45);
    /* startTimeUnixNano as a JSON number too */
    const char *num_time =
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"spanId\":\"01\","
        "\"startTimeUnixNano\":1767225600000000000,\"attributes\":["
        S("gen_ai.operation.name", "chat") "]}]}]}]}";
    assert_int_equal(decode(num_time, &c, &r), 0);
    assert_int_equal(c.u[0].ts, 1767225600);
}

static void test_cache_beyond_an_inclusive_input_is_rejected(void **state)
{
    (void)state;
    struct capture c;
    struct otlp_result r;
    /* The conventions' input includes the cache: input 200 with 3000 cache
     * reads cannot be. Whether a family's input includes the cache is its
     * row's to say (otlp_families.c), never a guess from the magnitudes. */
    char *j = doc("", "", S("gen_ai.operation.name", "chat") ","
        I("gen_ai.usage.input_tokens", 200) "," I("gen_ai.usage.cache_read.input_tokens", 3000) ","
        I("gen_ai.usage.output_tokens", 10));
    assert_int_equal(decode(j, &c, &r), 0);
    free(j);
    assert_int_equal(c.n, 0);
    assert_int_equal(r.rejected, 1);
    assert_non_null(strstr(r.error, "cache tokens (3000) exceed input tokens (200)"));
}

static void test_malformed_documents_are_refused_clearly(void **state)
{
    (void)state;
    struct capture c;
    struct otlp_result r;
    assert_int_equal(decode("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[", &c, &r), -1);
    assert_non_null(strstr(r.error, "invalid JSON"));
    assert_int_equal(decode("not json at all", &c, &r), -1);
    assert_int_equal(decode("[1,2,3]", &c, &r), -1);
    assert_int_equal(decode("{\"hello\":\"world\"}", &c, &r), -1);
    assert_non_null(strstr(r.error, "resourceSpans"));
    assert_int_equal(decode("{\"resourceSpans\":7}", &c, &r), -1);
    /* a document and then more: not an export (whitespace after it is) */
    assert_int_equal(decode("{\"resourceSpans\":[]}xyz", &c, &r), -1);
    assert_non_null(strstr(r.error, "data after the document"));
    assert_int_equal(decode("{\"resourceSpans\":[]}{}", &c, &r), -1);
    assert_int_equal(decode("{\"resourceSpans\":[]} \r\n", &c, &r), 0);
    /* metrics and logs share files with traces: not errors, nothing read */
    assert_int_equal(decode("{\"resourceMetrics\":[]}", &c, &r), 0);
    assert_int_equal(decode("{\"resourceLogs\":[]}", &c, &r), 0);
    assert_int_equal(decode("{}", &c, &r), 0);
    assert_int_equal(c.n, 0);
    /* a span without a start time cannot be placed: rejected, others kept */
    const char *two =
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":["
        "{\"spanId\":\"01\",\"attributes\":[" S("gen_ai.operation.name", "chat") "]},"
        "{\"spanId\":\"02\",\"startTimeUnixNano\":\"1767225600000000000\",\"attributes\":["
        S("gen_ai.operation.name", "chat") "]}]}]}]}";
    assert_int_equal(decode(two, &c, &r), 0);
    assert_int_equal(r.rejected, 1);
    assert_int_equal(c.n, 1);
    assert_non_null(strstr(r.error, "startTimeUnixNano"));
}

static void test_duplicate_spans_count_once(void **state)
{
    (void)state;
    clock_set(1767225600 + 3600, true);
    struct store *st = store_new();
    struct pricing *p = pricing_new();
    struct ingest *in = ingest_new(st, NULL, p);
    char *a = doc("", "", S("gen_ai.operation.name", "chat") "," I("gen_ai.usage.input_tokens", 10));
    /* the same ids in upper case: ids are case-insensitive hex */
    char *b = xstrdup(a);
    char *tid = strstr(b, "5b8efff798038103d269b633813fc60c");
    for (char *q = tid; q < tid + 32; q++)
        *q = (char)(*q >= 'a' && *q <= 'f' ? *q - 32 : *q);
    struct otlp_result r;
    assert_int_equal(otlp_map_export(OTLP_JSON, 0, a, strlen(a), &opts, ingest_sink(in), &r), 0);
    assert_int_equal(r.counted, 1);
    assert_int_equal(otlp_map_export(OTLP_JSON, 0, b, strlen(b), &opts, ingest_sink(in), &r), 0);
    assert_int_equal(r.counted, 0);
    assert_int_equal(r.duplicates, 1);
    assert_int_equal(ingest_stats(in)->duplicates, 1);
    struct tally t;
    store_sum(st, 0, 0, INT64_MAX, &t);
    assert_int_equal(t.requests, 1);
    assert_int_equal(t.input, 10);
    free(a);
    free(b);
    ingest_free(in);
    pricing_free(p);
    store_free(st);
}

static char *slurp(const char *name, size_t *len)
{
    char path[4096];
    const char *dir = getenv("SPENDTOP_FIXTURES");
    snprintf(path, sizeof path, "%s/otlp/%s", dir ? dir : "tests/fixtures", name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    struct strbuf b = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        strbuf_append(&b, buf, n);
    fclose(f);
    *len = b.len;
    return strbuf_detach(&b);
}

/* tests/fixtures/otlp/traces.{json,pb}: one export, written both ways by
 * OpenTelemetry JS's serialisers. */
static void test_the_same_spans_give_the_same_records_from_json_and_protobuf(void **state)
{
    (void)state;
    size_t jlen, plen;
    char *json = slurp("traces.json", &jlen), *pb = slurp("traces.pb", &plen);
    static struct capture cj, cp;
    struct otlp_result rj, rp;
    memset(&cj, 0, sizeof cj);
    memset(&cp, 0, sizeof cp);
    cj.sink.put = cp.sink.put = capture_put;
    assert_int_equal(otlp_map_export(OTLP_JSON, 0, json, jlen, &opts, &cj.sink, &rj), 0);
    assert_int_equal(otlp_map_export(OTLP_PROTOBUF, OTLP_TRACES, pb, plen, &opts, &cp.sink, &rp), 0);
    /* four spans: the agent and the HTTP span are not usage */
    assert_int_equal(rj.spans, 4);
    assert_int_equal(rj.counted, 2);
    assert_int_equal(rj.ignored, 2);
    assert_memory_equal(&rj, &rp, offsetof(struct otlp_result, error));
    assert_int_equal(cj.n, 2);
    assert_int_equal(cp.n, 2);
    for (int i = 0; i < 2; i++) {
        struct usage *a = &cj.u[i], *b = &cp.u[i];
        assert_string_equal(a->source, b->source);
        assert_string_equal(a->provider, b->provider);
        assert_string_equal(a->model, b->model);
        assert_string_equal(a->tenant, b->tenant);
        assert_int_equal(a->ts, b->ts);
        assert_int_equal(a->requests, b->requests);
        assert_int_equal(a->errors, b->errors);
        assert_int_equal(a->input, b->input);
        assert_int_equal(a->cache_read, b->cache_read);
        assert_int_equal(a->cache_write_5m, b->cache_write_5m);
        assert_int_equal(a->output, b->output);
        assert_int_equal(a->reasoning, b->reasoning);
        assert_int_equal(a->cache_known, b->cache_known);
        assert_int_equal(a->reasoning_known, b->reasoning_known);
        assert_true(a->dedup_key == b->dedup_key); /* hex and raw ids alike */
        assert_true(a->dedup_key != 0);
    }
    /* what gen.mjs sent */
    assert_string_equal(cp.u[0].model, "gpt-4o-mini-2024-07-18");
    assert_string_equal(cp.u[0].tenant, "user-42");   /* enduser.id on the span */
    assert_int_equal(cp.u[0].ts, 1767225601);
    assert_int_equal(cp.u[0].input, 1200);
    assert_int_equal(cp.u[0].cache_read, 800);
    assert_int_equal(cp.u[0].output, 350);
    assert_true(cp.u[0].reasoning_known);
    assert_string_equal(cp.u[1].provider, "anthropic");
    assert_string_equal(cp.u[1].tenant, "globex");
    assert_int_equal(cp.u[1].errors, 1);              /* status ERROR */
    assert_int_equal(cp.u[1].cache_write_5m, 500);
    assert_true(cp.u[1].cache_known);                 /* writes, no read: none read */
    assert_int_equal(cp.u[1].cache_read, 0);
    free(json);
    free(pb);
}

/* A span sent as JSON and again as protobuf is counted once. */
static void test_a_span_in_both_encodings_counts_once(void **state)
{
    (void)state;
    clock_set(1767225600 + 3600, true);
    struct store *st = store_new();
    struct pricing *p = pricing_new();
    struct ingest *in = ingest_new(st, NULL, p);
    size_t jlen, plen;
    char *json = slurp("traces.json", &jlen), *pb = slurp("traces.pb", &plen);
    struct otlp_result r;
    assert_int_equal(otlp_map_export(OTLP_JSON, 0, json, jlen, &opts, ingest_sink(in), &r), 0);
    assert_int_equal(r.counted, 2);
    assert_int_equal(otlp_map_export(OTLP_PROTOBUF, OTLP_TRACES, pb, plen, &opts,
                                     ingest_sink(in), &r), 0);
    assert_int_equal(r.counted, 0);
    assert_int_equal(r.duplicates, 2);
    free(json);
    free(pb);
    ingest_free(in);
    pricing_free(p);
    store_free(st);
}

/* Logs and metrics are decoded and mapped (test_otlp_signals.c says how);
 * a malformed protobuf export puts nothing. */
static void test_logs_and_metrics_are_mapped_and_bad_protobuf_puts_nothing(void **state)
{
    (void)state;
    size_t len;
    char *logs = slurp("logs.pb", &len);
    struct capture c;
    struct otlp_result r;
    memset(&c, 0, sizeof c);
    c.sink.put = capture_put;
    assert_int_equal(otlp_map_export(OTLP_PROTOBUF, OTLP_LOGS, logs, len, &opts, &c.sink, &r), 0);
    assert_int_equal(r.log_records, 2);
    assert_int_equal(r.counted, 2);
    free(logs);
    char *metrics = slurp("metrics.json", &len);
    assert_int_equal(otlp_map_export(OTLP_JSON, 0, metrics, len, &opts, &c.sink, &r), 0);
    assert_true(r.data_points >= 8);
    assert_int_equal(r.counted, 1);
    assert_int_equal(c.n, 3);
    free(metrics);
    /* the traces, cut short by one byte */
    char *pb = slurp("traces.pb", &len);
    assert_int_equal(otlp_map_export(OTLP_PROTOBUF, OTLP_TRACES, pb, len - 1, &opts, &c.sink, &r), -1);
    assert_non_null(strstr(r.error, "protobuf: length past the end"));
    assert_int_equal(r.spans, 0);
    assert_int_equal(c.n, 3);
    free(pb);
}

/* ---- a NUL in a name ---------------------------------------------------------- */

#define FFFD "\xef\xbf\xbd"

static int decode_len(const char *json, size_t len, struct capture *c, struct otlp_result *r)
{
    memset(c, 0, sizeof *c);
    c->sink.put = capture_put;
    return otlp_map_export(OTLP_JSON, 0, json, len, &opts, &c->sink, r);
}

/* A NUL in a JSON string (the escape \u0000, or a raw byte cJSON lets
 * through) is U+FFFD: the name is never cut short into another name. */
static void test_a_nul_in_a_json_name_is_u_fffd_not_the_end(void **state)
{
    (void)state;
    struct capture c;
    struct otlp_result r;
    const char *base = S("gen_ai.operation.name", "chat") "," S("gen_ai.provider.name", "openai")
                       "," I("gen_ai.usage.input_tokens", 1000) ",";
    struct strbuf b = {0};
    strbuf_printf(&b, "%s%s,%s", base, S("gen_ai.request.model", "gpt-4o-mini\\u0000-fake"),
                  S("tenant.id", "acme\\u0000-evil"));
    char *json = doc("", "", strbuf_str(&b));
    assert_int_equal(decode(json, &c, &r), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.u[0].tenant, "acme" FFFD "-evil");
    assert_string_equal(c.u[0].model, "gpt-4o-mini" FFFD "-fake");
    free(json);
    /* an escaped backslash and "u0000" is that text, not a NUL */
    strbuf_reset(&b);
    strbuf_printf(&b, "%s%s,%s", base, S("gen_ai.request.model", "gpt-4o-mini"),
                  S("tenant.id", "acme\\\\u0000\\\\\\u0000"));
    json = doc("", "", strbuf_str(&b));
    assert_int_equal(decode(json, &c, &r), 0);
    assert_string_equal(c.u[0].tenant, "acme\\u0000\\" FFFD);
    assert_string_equal(c.u[0].model, "gpt-4o-mini");
    free(json);
    /* an attribute key with a NUL is not the tenant attribute */
    strbuf_reset(&b);
    strbuf_printf(&b, "%s%s,%s", base, S("gen_ai.request.model", "gpt-4o-mini"),
                  S("tenant.id\\u0000x", "mallory"));
    json = doc(S("tenant.id", "acme"), "", strbuf_str(&b));
    assert_int_equal(decode(json, &c, &r), 0);
    assert_string_equal(c.u[0].tenant, "acme");
    free(json);
    /* a raw NUL byte in a string: the same */
    strbuf_reset(&b);
    strbuf_printf(&b, "%s%s,%s", base, S("gen_ai.request.model", "gpt-4o-mini"),
                  S("tenant.id", "acme@-evil"));
    json = doc("", "", strbuf_str(&b));
    size_t len = strlen(json);
    *strchr(json, '@') = '\0';
    assert_int_equal(decode_len(json, len, &c, &r), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.u[0].tenant, "acme" FFFD "-evil");
    free(json);
    strbuf_free(&b);
    /* an error's byte offset is the document's, raw NULs before it or not */
    static const char bad[] = "{\"resourceSpans\":[],\"x\":\"\0\0\"}xyz";
    assert_int_equal(decode_len(bad, sizeof bad - 1, &c, &r), -1);
    assert_string_equal(r.error, "invalid JSON at byte 29: data after the document");
    static const char bad2[] = "{\"resourceSpans\":[],\"x\":\"\0\\u0000\",]";
    assert_int_equal(decode_len(bad2, sizeof bad2 - 1, &c, &r), -1);
    assert_string_equal(r.error, "invalid JSON at byte 34");
    /* a NUL outside a string is still not JSON */
    static const char bad3[] = "{\"resourceSpans\":[]\0}";
    assert_int_equal(decode_len(bad3, sizeof bad3 - 1, &c, &r), -1);
    assert_non_null(strstr(r.error, "invalid JSON at byte 19"));
}

/* A protobuf string may hold a NUL byte: U+FFFD too, the same records as
 * from JSON's \u0000. */
static void test_a_nul_in_a_protobuf_name_is_u_fffd_as_in_json(void **state)
{
    (void)state;
    static const char tenant[] = "acme\0-evil", model[] = "gpt-4o-mini\0-fake",
                      key[] = "tenant.id\0x";
    struct { const char *k; size_t kn; const char *v; size_t vn; } attrs[] = {
        {"gen_ai.operation.name", 21, "chat", 4},
        {"gen_ai.provider.name", 20, "openai", 6},
        {"gen_ai.request.model", 20, model, sizeof model - 1},
        {"tenant.id", 9, tenant, sizeof tenant - 1},
        {key, sizeof key - 1, "mallory", 7},
    };
    unsigned char trace[16] = {0x5b, 0x8e, [15] = 1}, span_id[8] = {0xee, [7] = 1};
    struct strbuf span = {0}, out = {0};
    pb_put_bytes(&span, 1, trace, sizeof trace);
    pb_put_bytes(&span, 2, span_id, sizeof span_id);
    pb_put_fixed64(&span, 7, 1767225600ull * PBB_NS);
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++) {
        struct strbuf any = {0}, kv = {0};
        pb_put_bytes(&any, 1, attrs[i].v, attrs[i].vn);
        pb_put_bytes(&kv, 1, attrs[i].k, attrs[i].kn);
        pbb_put_msg(&kv, 2, &any);
        pbb_put_msg(&span, 9, &kv);
    }
    pbb_kv_int(&span, 9, "gen_ai.usage.input_tokens", 1000);
    pbb_request(&out, "svc", "t", &span, 1);
    struct capture c;
    struct otlp_result r;
    memset(&c, 0, sizeof c);
    c.sink.put = capture_put;
    assert_int_equal(otlp_map_export(OTLP_PROTOBUF, OTLP_TRACES, out.s, out.len, &opts,
                                     &c.sink, &r), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.u[0].tenant, "acme" FFFD "-evil");
    assert_string_equal(c.u[0].model, "gpt-4o-mini" FFFD "-fake");
    strbuf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_otlp_example_is_accepted_with_zero_usage),
        cmocka_unit_test(test_current_attribute_names),
        cmocka_unit_test(test_the_pre_0_15_scope_names_are_read),
        cmocka_unit_test(test_the_service_tier_of_a_span),
        cmocka_unit_test(test_legacy_attribute_names),
        cmocka_unit_test(test_unknown_cache_and_reasoning_stay_unknown),
        cmocka_unit_test(test_cache_writes_alone_mean_no_reads),
        cmocka_unit_test(test_agent_and_tool_spans_are_not_counted),
        cmocka_unit_test(test_a_failed_call_without_tokens_is_not_unknown_usage),
        cmocka_unit_test(test_integers_as_numbers_and_strings),
        cmocka_unit_test(test_cache_beyond_an_inclusive_input_is_rejected),
        cmocka_unit_test(test_malformed_documents_are_refused_clearly),
        cmocka_unit_test(test_duplicate_spans_count_once),
        cmocka_unit_test(test_the_same_spans_give_the_same_records_from_json_and_protobuf),
        cmocka_unit_test(test_a_span_in_both_encodings_counts_once),
        cmocka_unit_test(test_logs_and_metrics_are_mapped_and_bad_protobuf_puts_nothing),
        cmocka_unit_test(test_a_nul_in_a_json_name_is_u_fffd_not_the_end),
        cmocka_unit_test(test_a_nul_in_a_protobuf_name_is_u_fffd_as_in_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
