/* test_otlp_signals.c - the agent CLIs' log events and the token metrics
 * -> usage records (collectors/otlp_signals.h).
 *
 * Fixtures in tests/fixtures/otlp/agents are OTLP/JSON exports, one per
 * line, in the shape Claude Code, Codex CLI and Gemini CLI send (event
 * names, attributes, value types, resource and scope as their telemetry
 * docs and sources give them); tests/fixtures/otlp/{logs,metrics}.{json,pb}
 * are the same exports in both encodings by OpenTelemetry JS. */
#include "tests/helpers.h"

#include <math.h>

#include "collectors/otlp_map.h"
#include "collectors/otlp_signals.h"
#include "lib/clock.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define MAXREC 32
#define MAXCUR 64

/* A sink that keeps copies of the records and the cursors it is given. */
struct capture {
    struct sink sink;
    struct usage u[MAXREC];
    char strs[MAXREC][4][128];
    int n;
    char keys[MAXCUR][64], vals[MAXCUR][128];
    int ncur;
};

static int capture_put(struct sink *s, const struct usage *u)
{
    struct capture *c = (struct capture *)s;
    if (c->n == MAXREC)
        fail_msg("too many records");
    for (int i = 0; i < c->n; i++)
        if (u->dedup_key && c->u[i].dedup_key == u->dedup_key)
            return 0;
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

static void capture_cursor(struct sink *s, const char *source, const char *key,
                           const char *value)
{
    (void)source;
    struct capture *c = (struct capture *)s;
    int i = 0;
    while (i < c->ncur && strcmp(c->keys[i], key) != 0)
        i++;
    if (i == c->ncur) {
        if (c->ncur == MAXCUR)
            fail_msg("too many cursors");
        c->ncur++;
    }
    snprintf(c->keys[i], sizeof c->keys[i], "%s", key);
    snprintf(c->vals[i], sizeof c->vals[i], "%s", value);
}

static int capture_each(struct sink *s, const char *source,
                        int (*fn)(void *ctx, const char *key, const char *value), void *ctx,
                        char *err, size_t errlen)
{
    (void)source;
    (void)err;
    (void)errlen;
    struct capture *c = (struct capture *)s;
    for (int i = 0; i < c->ncur; i++)
        if (c->vals[i][0])
            fn(ctx, c->keys[i], c->vals[i]);
    return 0;
}

static void capture_init(struct capture *c)
{
    memset(c, 0, sizeof *c);
    c->sink.put = capture_put;
    c->sink.cursor = capture_cursor;
    c->sink.cursor_each = capture_each;
}

static char *tenant_attrs[] = {"user.email", "team.id"};

static struct otlp_options options(struct otlp_state *st)
{
    return (struct otlp_options){"agents", tenant_attrs, 2, st, 0};
}

static char *slurp(const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/otlp/%s",
             getenv("SPENDTOP_FIXTURES") ? getenv("SPENDTOP_FIXTURES") : "tests/fixtures", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    struct strbuf b = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        strbuf_append(&b, buf, n);
    fclose(f);
    *len = b.len;
    return strbuf_detach(&b);
}

/* Feed lines [from, to) of an agents/ fixture (to < 0: all); the results
 * are added up into *sum. */
static void feed_lines(const char *name, int from, int to, const struct otlp_options *o,
                       struct capture *c, struct otlp_result *sum)
{
    char file[256];
    snprintf(file, sizeof file, "agents/%s", name);
    size_t len;
    char *s = slurp(file, &len);
    memset(sum, 0, sizeof *sum);
    int line = 0;
    for (char *p = s; p < s + len; line++) {
        char *nl = memchr(p, '\n', (size_t)(s + len - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(s + len - p);
        if (line >= from && (to < 0 || line < to)) {
            struct otlp_result r;
            assert_int_equal(otlp_map_export(OTLP_JSON, 0, p, n, o, &c->sink, &r), 0);
            sum->log_records += r.log_records;
            sum->data_points += r.data_points;
            sum->counted += r.counted;
            sum->duplicates += r.duplicates;
            sum->ignored += r.ignored;
            sum->superseded += r.superseded;
            sum->rejected += r.rejected;
        }
        p += n + 1;
    }
    free(s);
}

static void feed(const char *name, const struct otlp_options *o, struct capture *c,
                 struct otlp_result *sum)
{
    feed_lines(name, 0, -1, o, c, sum);
}

/* Token totals of the captured records. */
struct totals {
    int64_t requests, errors, input, cache_read, cache_write, output, reasoning;
    double reported;
};

static struct totals total(const struct capture *c)
{
    struct totals t = {0};
    for (int i = 0; i < c->n; i++) {
        const struct usage *u = &c->u[i];
        t.requests += u->requests;
        t.errors += u->errors;
        t.input += u->input;
        t.cache_read += u->cache_read;
        t.cache_write += u->cache_write_5m;
        t.output += u->output;
        t.reasoning += u->reasoning;
        t.reported += u->has_reported ? u->reported_usd : 0;
    }
    return t;
}

/* ---- log events ------------------------------------------------------------- */

static void test_claude_code_api_requests_are_records_with_its_cost_reported(void **state)
{
    (void)state;
    struct otlp_state *st = otlp_state_new();
    struct otlp_options o = options(st);
    struct capture c;
    capture_init(&c);
    struct otlp_result r;
    feed("claude-code-logs.jsonl", &o, &c, &r);
    assert_int_equal(r.log_records, 5);
    assert_int_equal(r.counted, 3);   /* two api_request, one api_error */
    assert_int_equal(r.ignored, 2);   /* user_prompt, tool_result */
    assert_int_equal(c.n, 3);
    const struct usage *u = &c.u[0];
    assert_string_equal(u->provider, "anthropic");
    assert_string_equal(u->model, "claude-sonnet-4-5-20250929");
    assert_string_equal(u->tenant, "dev@example.com"); /* record first, then team.id */
    assert_int_equal(u->ts, 1767225612);
    assert_int_equal(u->requests, 1);
    assert_false(u->requests_unknown);
    /* input_tokens is the uncached part: 12 + 20000 read + 1500 written */
    assert_int_equal(u->input, 21512);
    assert_true(u->cache_known);
    assert_int_equal(u->cache_read, 20000);
    assert_int_equal(u->cache_write_5m, 1500);
    assert_int_equal(u->output, 340);
    assert_false(u->reasoning_known);
    assert_true(u->has_reported);
    assert_true(fabs(u->reported_usd - 0.0421) < 1e-12);
    assert_true(u->per_request);
    assert_true(u->dedup_key != 0);
    /* the api_error: a failed request, no tokens */
    assert_int_equal(c.u[1].requests, 1);
    assert_int_equal(c.u[1].errors, 1);
    assert_int_equal(c.u[1].input + c.u[1].output, 0);
    assert_false(c.u[1].has_reported);
    assert_int_equal(c.u[2].input, 300);
    assert_true(c.u[2].cache_known); /* 0 read, reported as 0 */
    otlp_state_free(st);
}

/* What Claude Code 2.1.332 sent (tests/e2e/agent_claude.sh, http/json): one
 * `claude -p` session against a fake API that served 101 uncached input,
 * 1000 cache reads, 201 cache writes (151 for 5 minutes, 50 for an hour)
 * and 11 output tokens. Its api_request event says the 1-hour part
 * (cache_creation_1h_tokens), which costs more; its token metrics do not,
 * and are superseded by the event. */
static void test_claude_code_2_1_event_splits_its_cache_writes_by_ttl(void **state)
{
    (void)state;
    struct otlp_state *st = otlp_state_new();
    struct otlp_options o = options(st);
    struct capture c;
    capture_init(&c);
    struct otlp_result r;
    feed("claude-code-2.1.332-logs.jsonl", &o, &c, &r);
    assert_int_equal(r.log_records, 7);
    assert_int_equal(r.counted, 1);
    assert_int_equal(r.ignored, 6); /* settings, plugins, prompt, response */
    assert_int_equal(r.rejected, 0);
    assert_int_equal(c.n, 1);
    const struct usage *u = &c.u[0];
    assert_string_equal(u->provider, "anthropic");
    assert_string_equal(u->model, "claude-sonnet-4-6");
    assert_int_equal(u->requests, 1);
    assert_int_equal(u->input, 101 + 1000 + 201);
    assert_int_equal(u->cache_read, 1000);
    assert_int_equal(u->cache_write_5m, 151);
    assert_int_equal(u->cache_write_1h, 50);
    assert_int_equal(u->output, 11);
    assert_true(u->has_reported);
    assert_true(fabs(u->reported_usd - 0.00163425) < 1e-12);
    /* the same usage as metrics (4 token points, 1 cost point): once */
    feed("claude-code-2.1.332-metrics.jsonl", &o, &c, &r);
    assert_int_equal(r.superseded, 5);
    assert_int_equal(r.counted, 0);
    assert_int_equal(c.n, 1);
    otlp_state_free(st);
}

/* 1-hour writes above all writes: not a usage to guess at. */
static void test_claude_code_more_1h_writes_than_writes_is_rejected(void **state)
{
    (void)state;
    struct otlp_state *st = otlp_state_new();
    struct otlp_options o = options(st);
    struct capture c;
    capture_init(&c);
    const char *line =
        "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{"
        "\"timeUnixNano\":\"1767225612000000000\","
        "\"body\":{\"stringValue\":\"claude_code.api_request\"},\"attributes\":["
        "{\"key\":\"input_tokens\",\"value\":{\"intValue\":5}},"
        "{\"key\":\"cache_creation_tokens\",\"value\":{\"intValue\":10}},"
        "{\"key\":\"cache_creation_1h_tokens\",\"value\":{\"intValue\":11}}]}]}]}]}";
    struct otlp_result r;
    assert_int_equal(otlp_map_export(OTLP_JSON, 0, line, strlen(line), &o, &c.sink, &r), 0);
    assert_int_equal(r.rejected, 1);
    assert_int_equal(c.n, 0);
    assert_non_null(strstr(r.error, "1-hour cache writes (11) exceed all cache writes (10)"));
    otlp_state_free(st);
}

/* An event that counts cache writes and leaves out a zero read read none
 * (the hit rate of a cold cache is 0, not unknown). */
static void test_cache_writes_without_reads_read_none(void **state)
{
    (void)state;
    struct otlp_state *st = otlp_state_new();
    struct otlp_options o = options(st);
    struct capture c;
    capture_init(&c);
    const char *line =
        "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{"
        "\"timeUnixNano\":\"1767225612000000000\","
        "\"body\":{\"stringValue\":\"claude_code.api_request\"},\"attributes\":["
        "{\"key\":\"model\",\"value\":{\"stringValue\":\"claude-sonnet-4-5\"}},"
        "{\"key\":\"input_tokens\",\"value\":{\"intValue\":5}},"
        "{\"key\":\"output_tokens\",\"value\":{\"intValue\":7}},"
        "{\"key\":\"cache_creation_tokens\",\"value\":{\"intValue\":10}}]}]}]}]}";
    struct otlp_result r;
    assert_int_equal(otlp_map_export(OTLP_JSON, 0, line, strlen(line), &o, &c.sink, &r), 0);
    assert_int_equal(r.counted, 1);
    assert_int_equal(c.n, 1);
    assert_true(c.u[0].cache_known);
    assert_int_equal(c.u[0].cache_read, 0);
    assert_int_equal(c.u[0].cache_write_5m, 10);
    assert_int_equal(c.u[0].input, 15);
    otlp_state_free(st);
}

static void test_codex_completed_responses_count_with_counts_sent_as_text(void **state)
{
    (void)state;
    struct otlp_state *st = otlp_state_new();
    struct otlp_options o = options(st);
    struct capture c;
    capture_init(&c);
    struct otlp_result r;
    feed("codex-logs.jsonl", &o, &c, &r);
    assert_int_equal(r.log_records, 6);
    assert_int_equal(r.counted, 2);
    assert_int_equal(r.ignored, 4); /* starts, api_request, created, a failed completion */
    assert_int_equal(r.rejected, 0);
    const struct usage *u = &c.u[0];
    assert_string_equal(u->provider, "openai");
    assert_string_equal(u->model, "gpt-5-codex");
    assert_string_equal(u->tenant, "dev2@example.com");
    /* OpenAI's semantics: input includes the cached, output the reasoning */
    assert_int_equal(u->input, 9000);
    assert_int_equal(u->cache_read, 6000);
    assert_true(u->cache_known);
    assert_int_equal(u->output, 800);
    assert_int_equal(u->reasoning, 500);
    assert_true(u->reasoning_known);
    assert_false(u->has_reported);
    /* no cached_token_count: the cache is unknown, not 0% */
    assert_int_equal(c.u[1].input, 1000);
    assert_false(c.u[1].cache_known);
    assert_false(c.u[1].reasoning_known);
    otlp_state_free(st);
}

static void test_gemini_cli_thoughts_are_added_to_its_output(void **state)
{
    (void)state;
    struct otlp_state *st = otlp_state_new();
    struct otlp_options o = options(st);
    struct capture c;
    capture_init(&c);
    struct otlp_result r;
    feed("gemini-logs.jsonl", &o, &c, &r);
    assert_int_equal(r.counted, 2);
    assert_int_equal(r.ignored, 1);
    const struct usage *u = &c.u[0];
    assert_string_equal(u->provider, "gcp.gemini");
    assert_string_equal(u->model, "gemini-2.5-pro");
    assert_int_equal(u->input, 10000);     /* the prompt includes cached content */
    assert_int_equal(u->cache_read, 4000);
    assert_int_equal(u->output, 1700);     /* 500 candidates + 1200 thoughts */
    assert_int_equal(u->reasoning, 1200);
    assert_int_equal(u->errors, 0);
    assert_int_equal(c.u[1].errors, 1);    /* the api_error */
    otlp_state_free(st);
}

static void test_a_count_that_is_not_a_count_rejects_its_event(void **state)
{
    (void)state;
    /* past USAGE_COUNT_MAX (10^12) too: two such events summed overflowed */
    static const char *bad[] = {"{\"stringValue\":\"12abc\"}", "{\"intValue\":\"-5\"}",
                                "{\"doubleValue\":1.5}", "{\"boolValue\":true}",
                                "{\"intValue\":\"9223372036854775807\"}",
                                "{\"intValue\":\"1000000000001\"}",
                                "{\"stringValue\":\"1000000000001\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct strbuf b = {0};
        strbuf_printf(&b,
            "{\"resourceLogs\":[{\"resource\":{},\"scopeLogs\":[{\"logRecords\":[{"
            "\"timeUnixNano\":\"1767225600000000000\",\"body\":{\"stringValue\":\"x\"},"
            "\"attributes\":[{\"key\":\"event.name\",\"value\":{\"stringValue\":\"api_request\"}},"
            "{\"key\":\"input_tokens\",\"value\":%s}]}]}]}]}", bad[i]);
        struct capture c;
        capture_init(&c);
        struct otlp_result r;
        struct otlp_options o = options(NULL);
        assert_int_equal(otlp_map_export(OTLP_JSON, 0, b.s, b.len, &o, &c.sink, &r), 0);
        assert_int_equal(r.rejected, 1);
        assert_int_equal(c.n, 0);
        assert_non_null(strstr(r.error, "input_tokens is not a token count"));
        strbuf_free(&b);
    }
}

/* ---- metrics ------------------------------------------------------------------ */

static void test_claude_code_delta_token_metrics_make_one_record_per_model(void **state)
{
    (void)state;
    struct otlp_state *st = otlp_state_new();
    struct otlp_options o = options(st);
    struct capture c;
    capture_init(&c);
    struct otlp_result r;
    feed("claude-code-metrics.jsonl", &o, &c, &r);
    assert_int_equal(r.rejected, 0);
    assert_int_equal(c.n, 2);
    const struct usage *u = &c.u[0];
    assert_string_equal(u->model, "claude-sonnet-4-5-20250929");
    assert_int_equal(u->ts, 1767225660);
    assert_true(u->requests_unknown);
    assert_int_equal(u->requests, 0);
    assert_false(u->per_request);
    assert_int_equal(u->input, 21512);
    assert_int_equal(u->cache_read, 20000);
    assert_int_equal(u->cache_write_5m, 1500);
    assert_int_equal(u->output, 340);
    assert_true(u->cache_known);
    assert_false(u->reasoning_known);
    assert_true(fabs(u->reported_usd - 0.0421) < 1e-12);
    assert_int_equal(c.u[1].input, 300);
    assert_int_equal(c.u[1].output, 50);
    assert_true(c.u[1].cache_known); /* Claude Code reports reads: none is 0 */
    assert_true(fabs(c.u[1].reported_usd - 0.00055) < 1e-12);
    otlp_state_free(st);
}

static void test_codex_cumulative_histograms_become_deltas_across_a_restart(void **state)
{
    (void)state;
    struct otlp_state *st = otlp_state_new();
    struct otlp_options o = options(st);
    struct capture c;
    capture_init(&c);
    struct otlp_result r;
    feed("codex-metrics.jsonl", &o, &c, &r);
    assert_int_equal(r.rejected, 0);
    assert_int_equal(c.n, 3); /* the retried export adds nothing */
    struct totals t = total(&c);
    /* input 9000, then 14000 - 9000, then 2000 after the restart */
    assert_int_equal(t.input, 9000 + 5000 + 2000);
    assert_int_equal(t.cache_read, 6000 + 3000 + 0);
    assert_int_equal(t.output, 800 + 200 + 100);
    assert_int_equal(t.reasoning, 500 + 100 + 0);
    assert_int_equal(t.requests, 0);
    assert_int_equal(c.u[1].input, 5000);
    assert_int_equal(c.u[1].ts, 1767225720);
    assert_true(c.u[2].cache_known && c.u[2].reasoning_known);
    otlp_state_free(st);
}

static void test_a_restart_of_spendtop_neither_loses_nor_double_counts(void **state)
{
    (void)state;
    struct capture c;
    capture_init(&c);
    struct otlp_result r;
    /* the first export, then spendtop restarts with its saved cursors */
    struct otlp_state *a = otlp_state_new();
    struct otlp_options o = options(a);
    feed_lines("codex-metrics.jsonl", 0, 1, &o, &c, &r);
    otlp_state_free(a);
    assert_true(c.ncur >= 2); /* the streams and the emitter */
    struct otlp_state *b = otlp_state_new();
    otlp_state_load(b, &c.sink, "agents", 1767225600 + 300, 8 * 86400, NULL, 0);
    assert_int_equal(otlp_state_streams(b), 4); /* "total" is not read */
    assert_int_equal(otlp_state_emitters(b), 1);
    o = options(b);
    feed_lines("codex-metrics.jsonl", 1, -1, &o, &c, &r);
    struct totals t = total(&c);
    assert_int_equal(t.input, 16000);
    assert_int_equal(t.output, 1100);
    otlp_state_free(b);
    /* entries older than the retention are forgotten when loaded */
    struct otlp_state *old = otlp_state_new();
    otlp_state_load(old, &c.sink, "agents", 1767225600 + 9 * 86400, 8 * 86400, NULL, 0);
    assert_int_equal(otlp_state_streams(old), 0);
    otlp_state_commit(old, &c.sink, "agents");
    for (int i = 0; i < c.ncur; i++)
        assert_string_equal(c.vals[i], "");
    otlp_state_free(old);
}

/* A daemon that runs for weeks keeps in memory only the streams and
 * emitters of the retention: once an hour the older ones are dropped, and
 * their cursors with them. */
static void test_a_long_running_state_forgets_what_it_has_not_seen(void **state)
{
    (void)state;
    const int64_t t0 = 1767225600;
    clock_set(t0 + 300, true);
    struct capture c;
    capture_init(&c);
    struct otlp_state *st = otlp_state_new();
    otlp_state_load(st, &c.sink, "agents", t0 + 300, 8 * 86400, NULL, 0);
    struct otlp_options o = options(st);
    struct otlp_result r;
    feed("codex-metrics.jsonl", &o, &c, &r);
    assert_int_equal(otlp_state_streams(st), 4);
    assert_int_equal(otlp_state_emitters(st), 1);
    /* a week later, still inside the retention: kept */
    clock_set(t0 + 7 * 86400, true);
    otlp_state_commit(st, &c.sink, "agents");
    assert_int_equal(otlp_state_streams(st), 4);
    /* nine days later: gone, from memory and from the cursors */
    clock_set(t0 + 9 * 86400, true);
    otlp_state_commit(st, &c.sink, "agents");
    assert_int_equal(otlp_state_streams(st), 0);
    assert_int_equal(otlp_state_emitters(st), 0);
    for (int i = 0; i < c.ncur; i++)
        assert_string_equal(c.vals[i], "");
    otlp_state_free(st);
}

/* One cumulative sum point, value v, started at start, at time t. */
static char *cumulative(int64_t start, int64_t t, const char *v)
{
    struct strbuf b = {0};
    strbuf_printf(&b,
        "{\"resourceMetrics\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
        "\"value\":{\"stringValue\":\"app\"}}]},\"scopeMetrics\":[{\"metrics\":[{"
        "\"name\":\"gen_ai.client.token.usage\",\"histogram\":{\"aggregationTemporality\":2,"
        "\"dataPoints\":[{\"startTimeUnixNano\":\"%lld000000000\",\"timeUnixNano\":"
        "\"%lld000000000\",\"count\":\"1\",\"sum\":%s,\"attributes\":["
        "{\"key\":\"gen_ai.token.type\",\"value\":{\"stringValue\":\"input\"}},"
        "{\"key\":\"gen_ai.provider.name\",\"value\":{\"stringValue\":\"openai\"}},"
        "{\"key\":\"gen_ai.request.model\",\"value\":{\"stringValue\":\"gpt-4o\"}}]}]}}]}]}]}",
        (long long)start, (long long)t, v);
    return strbuf_detach(&b);
}

static int64_t feed_cumulative(struct otlp_state *st, int64_t start, int64_t t, const char *v,
                               struct otlp_result *r)
{
    char *doc = cumulative(start, t, v);
    struct capture c;
    capture_init(&c);
    struct otlp_options o = options(st);
    assert_int_equal(otlp_map_export(OTLP_JSON, 0, doc, strlen(doc), &o, &c.sink, r), 0);
    free(doc);
    int64_t input = 0;
    for (int i = 0; i < c.n; i++) {
        assert_string_equal(c.u[i].provider, "openai");
        assert_string_equal(c.u[i].model, "gpt-4o");
        assert_false(c.u[i].cache_known);
        input += c.u[i].input;
    }
    return input;
}

static void test_a_decrease_is_a_reset_and_never_a_negative_amount(void **state)
{
    (void)state;
    struct otlp_state *st = otlp_state_new();
    struct otlp_result r;
    assert_int_equal(feed_cumulative(st, 100, 160, "1000", &r), 1000);
    assert_int_equal(feed_cumulative(st, 100, 220, "1500", &r), 500);
    /* lower than the last value, same start: the counter was reset */
    assert_int_equal(feed_cumulative(st, 100, 280, "200", &r), 200);
    /* an older point (out of order) or the same again: nothing */
    assert_int_equal(feed_cumulative(st, 100, 250, "900", &r), 0);
    assert_int_equal(feed_cumulative(st, 100, 280, "200", &r), 0);
    /* a new start time with a higher value: the whole value is new */
    assert_int_equal(feed_cumulative(st, 300, 340, "5000", &r), 5000);
    /* a late point of the past, lower than the last: not a reset (counted
     * already), whatever its start */
    assert_int_equal(feed_cumulative(st, 300, 380, "6000", &r), 1000);
    assert_int_equal(feed_cumulative(st, 300, 360, "5500", &r), 0);
    assert_int_equal(feed_cumulative(st, 100, 300, "300", &r), 0);
    assert_int_equal(feed_cumulative(st, 300, 390, "6100", &r), 100);
    /* a negative sum is refused, not counted */
    assert_int_equal(feed_cumulative(st, 300, 400, "-7", &r), 0);
    assert_int_equal(r.rejected, 1);
    otlp_state_free(st);
}

static void test_a_retried_delta_export_counts_once(void **state)
{
    (void)state;
    size_t len;
    char *line = slurp("agents/claude-code-metrics.jsonl", &len);
    size_t n = (size_t)((char *)memchr(line, '\n', len) - line);
    struct otlp_state *st = otlp_state_new();
    struct otlp_options o = options(st);
    struct capture c;
    capture_init(&c);
    struct otlp_result r;
    assert_int_equal(otlp_map_export(OTLP_JSON, 0, line, n, &o, &c.sink, &r), 0);
    assert_int_equal(r.counted, 1);
    assert_int_equal(otlp_map_export(OTLP_JSON, 0, line, n, &o, &c.sink, &r), 0);
    assert_int_equal(r.counted, 0);
    assert_int_equal(r.duplicates, 1); /* the same key: the sink drops it */
    assert_int_equal(c.n, 1);
    free(line);
    otlp_state_free(st);
}

/* The provider the GenAI token metric names, as spendtop records it: one
 * delta histogram point with provider attribute key = value. */
static void genai_metric_provider(const char *key, const char *value, const char *want)
{
    struct strbuf b = {0};
    strbuf_printf(&b,
        "{\"resourceMetrics\":[{\"resource\":{},\"scopeMetrics\":[{\"metrics\":[{"
        "\"name\":\"gen_ai.client.token.usage\",\"histogram\":{\"aggregationTemporality\":1,"
        "\"dataPoints\":[{\"startTimeUnixNano\":\"1767225600000000000\",\"timeUnixNano\":"
        "\"1767225660000000000\",\"count\":\"1\",\"sum\":1000,\"attributes\":["
        "{\"key\":\"gen_ai.token.type\",\"value\":{\"stringValue\":\"input\"}},"
        "{\"key\":\"%s\",\"value\":{\"stringValue\":\"%s\"}},"
        "{\"key\":\"gen_ai.request.model\",\"value\":{\"stringValue\":\"gpt-4o\"}}]}]}}]}]}]}",
        key, value);
    char *doc = strbuf_detach(&b);
    struct otlp_state *st = otlp_state_new();
    struct otlp_options o = options(st);
    struct capture c;
    capture_init(&c);
    struct otlp_result r;
    assert_int_equal(otlp_map_export(OTLP_JSON, 0, doc, strlen(doc), &o, &c.sink, &r), 0);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.u[0].input, 1000);
    assert_string_equal(c.u[0].provider, want);
    free(doc);
    otlp_state_free(st);
}

/* A metric names its provider as a span does (otlp_provider_name), or the
 * same calls would be two providers by signal, and an Azure or OpenAI
 * usage source would not know these tokens as its own (DESIGN.md §4). */
static void test_the_genai_metric_names_its_provider_as_spans_do(void **state)
{
    (void)state;
    genai_metric_provider("gen_ai.provider.name", "openai", "openai");
    genai_metric_provider("gen_ai.system", "az.ai.openai", "azure.ai.openai");
    genai_metric_provider("gen_ai.system", "openai.chat", "openai");
    genai_metric_provider("gen_ai.provider.name", "Anthropic", "anthropic");
    genai_metric_provider("gen_ai.system", "vertex_ai", "gcp.vertex_ai");
    genai_metric_provider("gen_ai.system", "someone.else", "someone.else");
}

/* ---- one sender, one count ------------------------------------------------------ */

static void test_gemini_cli_own_metric_wins_over_the_genai_one_it_also_sends(void **state)
{
    (void)state;
    struct otlp_state *st = otlp_state_new();
    struct otlp_options o = options(st);
    struct capture c;
    capture_init(&c);
    struct otlp_result r;
    feed("gemini-metrics.jsonl", &o, &c, &r);
    assert_int_equal(c.n, 1);
    assert_int_equal(r.superseded, 2); /* the GenAI histogram's two points */
    const struct usage *u = &c.u[0];
    assert_string_equal(u->provider, "gcp.gemini");
    assert_int_equal(u->input, 10000);
    assert_int_equal(u->cache_read, 4000);
    assert_int_equal(u->output, 1700);
    assert_int_equal(u->reasoning, 1200);
    otlp_state_free(st);
}

static void test_events_and_metrics_of_one_session_count_once(void **state)
{
    (void)state;
    /* events first (as Claude Code sends them: every 5 s, metrics 60 s) */
    struct otlp_state *st = otlp_state_new();
    struct otlp_options o = options(st);
    struct capture c;
    capture_init(&c);
    struct otlp_result r;
    feed("claude-code-logs.jsonl", &o, &c, &r);
    feed("claude-code-metrics.jsonl", &o, &c, &r);
    assert_int_equal(r.superseded, 8); /* every token and cost point */
    struct totals t = total(&c);
    assert_int_equal(t.requests, 3);
    assert_int_equal(t.input, 21512 + 300);
    assert_int_equal(t.output, 340 + 50);
    otlp_state_free(st);
    /* metrics first: they are that session's count, the events are not */
    st = otlp_state_new();
    o = options(st);
    capture_init(&c);
    feed("claude-code-metrics.jsonl", &o, &c, &r);
    feed("claude-code-logs.jsonl", &o, &c, &r);
    assert_int_equal(r.superseded, 3);
    t = total(&c);
    assert_int_equal(t.requests, 0);
    assert_int_equal(t.input, 21512 + 300);
    assert_int_equal(t.output, 340 + 50);
    assert_true(fabs(t.reported - 0.04265) < 1e-12);
    otlp_state_free(st);
}

/* Feed two agents/ fixtures in this order into one state; c has the
 * records, *superseded how many were not counted for their emitter. */
static void feed_both(const char *first, const char *second, struct capture *c,
                      size_t *superseded)
{
    struct otlp_state *st = otlp_state_new();
    struct otlp_options o = options(st);
    capture_init(c);
    struct otlp_result r1, r2;
    feed(first, &o, c, &r1);
    feed(second, &o, c, &r2);
    assert_int_equal(r1.rejected + r2.rejected, 0);
    *superseded = r1.superseded + r2.superseded;
    otlp_state_free(st);
}

/* Claude Code's metrics naming no session (OTEL_METRICS_INCLUDE_SESSION_ID
 * =false, or a collector dropping it) beside events that name theirs: the
 * metrics are matched to the installation (user.id), or naming none to the
 * service, and count once with the events, in either order; alone they
 * count. */
static void sessionless_metrics_count_once(const char *metrics)
{
    /* events first: every token and cost point is superseded */
    struct otlp_state *st = otlp_state_new();
    struct otlp_options o = options(st);
    struct capture c;
    capture_init(&c);
    struct otlp_result r;
    feed("claude-code-logs.jsonl", &o, &c, &r);
    feed(metrics, &o, &c, &r);
    assert_int_equal(r.superseded, 8);
    assert_int_equal(r.counted, 0);
    struct totals t = total(&c);
    assert_int_equal(t.requests, 3);
    assert_int_equal(t.input, 21512 + 300);
    assert_int_equal(t.output, 340 + 50);
    otlp_state_free(st);
    /* metrics first: the events are superseded */
    st = otlp_state_new();
    o = options(st);
    capture_init(&c);
    feed(metrics, &o, &c, &r);
    assert_int_equal(r.counted, 2);
    feed("claude-code-logs.jsonl", &o, &c, &r);
    assert_int_equal(r.superseded, 3);
    assert_int_equal(r.counted, 0);
    t = total(&c);
    assert_int_equal(t.requests, 0);
    assert_int_equal(t.input, 21512 + 300);
    assert_int_equal(t.output, 340 + 50);
    assert_true(fabs(t.reported - 0.04265) < 1e-12);
    otlp_state_free(st);
}

static void test_claude_code_metrics_without_a_session_count_once_with_its_events(void **state)
{
    (void)state;
    sessionless_metrics_count_once("claude-code-metrics-nosession.jsonl");
    sessionless_metrics_count_once("claude-code-metrics-anonymous.jsonl");
    /* its beta spans claim as its events do */
    struct capture c;
    size_t superseded;
    feed_both("claude-code-traces.jsonl", "claude-code-metrics-nosession.jsonl", &c,
              &superseded);
    assert_int_equal(superseded, 8);
    feed_both("claude-code-metrics-nosession.jsonl", "claude-code-traces.jsonl", &c,
              &superseded);
    assert_int_equal(superseded, 3);
}

/* Claude Code 2.1.332 with OTEL_METRICS_INCLUDE_SESSION_ID=false (recorded
 * from the real CLI against tests/e2e/agents/claude/fake_anthropic.py):
 * neither its events nor its metrics name the session, both name the
 * installation (user.id). Its one request counts once, in either order;
 * another installation's events (claude-code-logs.jsonl, user u-1f3)
 * supersede nothing of it. */
static void test_claude_code_without_session_ids_counts_once_per_installation(void **state)
{
    (void)state;
    const char *name = "claude-code-2.1.332-nosession.jsonl";
    for (int order = 0; order < 2; order++) {
        struct otlp_state *st = otlp_state_new();
        struct otlp_options o = options(st);
        struct capture c;
        capture_init(&c);
        struct otlp_result r;
        feed("claude-code-logs.jsonl", &o, &c, &r);
        /* lines 0-2 its events, 3 its metrics */
        feed_lines(name, order ? 3 : 0, order ? 4 : 3, &o, &c, &r);
        assert_int_equal(r.counted, 1);
        feed_lines(name, order ? 0 : 3, order ? 3 : 4, &o, &c, &r);
        assert_int_equal(r.counted, 0);
        assert_int_equal(r.superseded, order ? 1 : 5); /* 4 token points, 1 cost */
        struct totals t = total(&c);
        assert_int_equal(t.requests, order ? 3 : 4);
        assert_int_equal(t.input, 21512 + 300 + 1302);
        assert_int_equal(t.output, 340 + 50 + 11);
        otlp_state_free(st);
    }
}

/* Every record of c with tokens, or of a failed call, is one of a pair, a
 * span's and an event's (requests 1 each), with the same call key, the
 * event's telling more: the sink counts each pair once, the event's
 * (core/calls.h). Returns the totals of the events', the records that
 * count. */
static struct totals one_per_call(const struct capture *c, int pairs)
{
    struct capture events;
    capture_init(&events);
    int found = 0;
    for (int i = 0; i < c->n; i++) {
        const struct usage *a = &c->u[i];
        if (!a->input && !a->output && !a->errors) {
            assert_int_equal(a->call_key, 0); /* no usage: no call to tell apart */
            continue;
        }
        assert_true(a->call_key != 0);
        int same = 0;
        for (int j = 0; j < c->n; j++)
            same += j != i && c->u[j].call_key == a->call_key;
        assert_int_equal(same, 1);
        if (a->completeness == OTLP_EVENT_COMPLETENESS) {
            events.u[events.n++] = *a;
            found++;
        } else {
            assert_true(a->completeness < OTLP_EVENT_COMPLETENESS);
        }
    }
    assert_int_equal(found, pairs);
    return total(&events);
}

/* Claude Code with its beta spans on reports each API request as a
 * claude_code.llm_request span and as an api_request event (both go to
 * the sink, as one call), and as its metrics (superseded, whichever of the
 * others came first). */
static void test_claude_code_spans_and_events_of_one_session_count_once(void **state)
{
    (void)state;
    const char *order[2][2] = {{"claude-code-traces.jsonl", "claude-code-logs.jsonl"},
                               {"claude-code-logs.jsonl", "claude-code-traces.jsonl"}};
    for (int i = 0; i < 2; i++) {
        struct capture c;
        size_t superseded;
        feed_both(order[i][0], order[i][1], &c, &superseded);
        assert_int_equal(superseded, 0);
        assert_int_equal(c.n, 6); /* two calls and a failed one, twice */
        struct totals t = one_per_call(&c, 3);
        assert_int_equal(t.requests, 3);
        assert_int_equal(t.errors, 1);
        assert_int_equal(t.input, 21512 + 300);
        assert_int_equal(t.cache_read, 20000);
        assert_int_equal(t.cache_write, 1500);
        assert_int_equal(t.output, 340 + 50);
    }
    struct capture c;
    size_t superseded;
    feed_both("claude-code-traces.jsonl", "claude-code-metrics.jsonl", &c, &superseded);
    assert_int_equal(superseded, 8); /* every token and cost point */
    assert_int_equal(c.n, 3);
    /* metrics first: its spans are superseded as its events are */
    feed_both("claude-code-metrics.jsonl", "claude-code-traces.jsonl", &c, &superseded);
    assert_int_equal(superseded, 3);
}

/* Claude Code 2.1.332 with its beta spans, each request failing (recorded
 * from the real CLI against a fake API: a 529 retried until it gave up,
 * then a connection refused): a failed request is an llm_request span with
 * an error status and an api_error event, both without tokens - one
 * request, one error, whichever came first. The first names its request
 * id (request_id, on both), the second none (no answer came). */
static void test_claude_code_failed_request_span_and_event_count_once(void **state)
{
    (void)state;
    const char *name = "claude-code-2.1.332-failed.jsonl";
    for (int order = 0; order < 2; order++) {
        struct otlp_state *st = otlp_state_new();
        struct otlp_options o = options(st);
        struct capture c;
        capture_init(&c);
        struct otlp_result r, sum = {0};
        /* as recorded (the span first), and each event before its span */
        static const int recorded[] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
        static const int swapped[] = {0, 2, 1, 3, 4, 5, 7, 6, 8};
        for (int i = 0; i < 9; i++) {
            int line = order ? swapped[i] : recorded[i];
            feed_lines(name, line, line + 1, &o, &c, &r);
            sum.rejected += r.rejected;
            sum.superseded += r.superseded;
        }
        assert_int_equal(sum.rejected + sum.superseded, 0);
        assert_int_equal(c.n, 4);
        struct totals t = one_per_call(&c, 2);
        assert_int_equal(t.requests, 2);
        assert_int_equal(t.errors, 2);
        assert_int_equal(t.input + t.output, 0);
        otlp_state_free(st);
    }
}

/* Codex CLI's handle_responses spans and its response.completed events of
 * the same calls are one call each; the turn's session_task.turn, which
 * sums them, is not a call. */
static void test_codex_spans_and_events_count_once(void **state)
{
    (void)state;
    struct capture c;
    size_t superseded;
    feed_both("codex-traces.jsonl", "codex-logs.jsonl", &c, &superseded);
    assert_int_equal(superseded, 0);
    assert_int_equal(c.n, 4);
    struct totals t = one_per_call(&c, 2);
    assert_int_equal(t.requests, 2);
    assert_int_equal(t.input, 10000);
    assert_int_equal(t.cache_read, 6000);
    assert_int_equal(t.output, 864);
    assert_int_equal(t.reasoning, 500);
    for (int i = 0; i < c.n; i++)
        assert_string_equal(c.u[i].model, c.u[i].completeness == OTLP_EVENT_COMPLETENESS
                                              ? "gpt-5-codex" : "unknown");
    feed_both("codex-traces.jsonl", "codex-metrics.jsonl", &c, &superseded);
    assert_int_equal(superseded, 10); /* every point that adds (not the retry's) */
    assert_int_equal(c.n, 2);
}

/* Codex's events are one emitter per service (its 0.171 metrics name no
 * conversation); metrics that do name it (codex-metrics.jsonl: the shape
 * of 0.60, conversation.id on every point) are the same emitter, or each
 * token would count twice, once per kind. */
static void test_codex_metrics_that_name_the_conversation_are_its_events_emitter(void **state)
{
    (void)state;
    struct capture c;
    size_t superseded;
    feed_both("codex-logs.jsonl", "codex-metrics.jsonl", &c, &superseded);
    assert_int_equal(superseded, 10);
    assert_int_equal(total(&c).requests, 2);
    feed_both("codex-metrics.jsonl", "codex-logs.jsonl", &c, &superseded);
    assert_int_equal(superseded, 2); /* the two completed responses */
    assert_int_equal(total(&c).requests, 0);
}

/* A span and an event are one call when one emitter reports the same usage
 * ending within the same second; the same usage two seconds later is
 * another call (a CLI run again, answered the same). */
static void test_a_call_key_is_the_emitters_usage_as_the_call_ended(void **state)
{
    (void)state;
    struct usage u = {.input = 12345, .cache_read = 4096, .cache_write_5m = 1024,
                      .output = 678, .reasoning = 256};
    const uint64_t t = 1796216627000000000u; /* a whole second */
    struct otlp_str none_id = {NULL, 0};
    uint64_t k = otlp_usage_call_key(7, &u, none_id, t + 599848481u);
    assert_true(k != 0);
    assert_true(otlp_usage_call_key(7, &u, none_id, t + 607598126u) == k);
    assert_true(otlp_usage_call_key(7, &u, none_id, t + 2000000000u) != k);
    assert_true(otlp_usage_call_key(7, &u, none_id, t + 60000000000u) != k);
    assert_true(otlp_usage_call_key(8, &u, none_id, t + 599848481u) != k);
    struct usage v = u;
    v.output++;
    assert_true(otlp_usage_call_key(7, &v, none_id, t + 599848481u) != k);
    v = u;
    v.cache_write_1h = 24;
    v.cache_write_5m = 1000; /* the same writes, split */
    assert_true(otlp_usage_call_key(7, &v, none_id, t + 599848481u) == k);
    struct usage none = {.tokens_unknown = true};
    assert_true(otlp_usage_call_key(7, &none, none_id, t) == 0);
    /* a failed call: its request id, else the second it ended */
    struct usage failed = {.requests = 1, .errors = 1};
    struct otlp_str id = {"req_011CVx", 10}, other = {"req_011CVy", 10};
    uint64_t f = otlp_usage_call_key(7, &failed, id, t);
    assert_true(f != 0 && f != otlp_usage_call_key(7, &failed, none_id, t));
    assert_true(otlp_usage_call_key(7, &failed, id, t + 2000000000u) == f);
    assert_true(otlp_usage_call_key(7, &failed, other, t) != f);
    assert_true(otlp_usage_call_key(8, &failed, id, t) != f);
    uint64_t g = otlp_usage_call_key(7, &failed, none_id, t + 1000000u);
    assert_true(g != 0 && otlp_usage_call_key(7, &failed, none_id, t + 999000000u) == g);
    assert_true(otlp_usage_call_key(7, &failed, none_id, t + 1000000000u) != g);
}

/* One resource of service, with one chat span: provider, model gpt-4o,
 * 1000 in, 100 out (a resourceSpans element). */
static void chat_resource(struct strbuf *b, const char *service, const char *provider,
                          const char *span_id)
{
    strbuf_printf(b,
        "{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
        "\"value\":{\"stringValue\":\"%s\"}}]},\"scopeSpans\":[{\"scope\":{\"name\":"
        "\"@opentelemetry/instrumentation-openai\"},\"spans\":[{\"traceId\":"
        "\"0af7651916cd43dd8448eb211c80319c\",\"spanId\":\"%s\",\"name\":\"chat gpt-4o\","
        "\"startTimeUnixNano\":\"150000000000\",\"endTimeUnixNano\":\"151000000000\","
        "\"attributes\":[{\"key\":\"gen_ai.operation.name\",\"value\":{\"stringValue\":"
        "\"chat\"}},{\"key\":\"gen_ai.system\",\"value\":{\"stringValue\":\"%s\"}},"
        "{\"key\":\"gen_ai.request.model\",\"value\":{\"stringValue\":\"gpt-4o\"}},"
        "{\"key\":\"gen_ai.usage.input_tokens\",\"value\":{\"intValue\":\"1000\"}},"
        "{\"key\":\"gen_ai.usage.output_tokens\",\"value\":{\"intValue\":\"100\"}}]}]}]}",
        service, span_id, provider);
}

/* An export of one chat span of service app. */
static char *chat_span(const char *provider, const char *span_id)
{
    struct strbuf b = {0};
    strbuf_printf(&b, "{\"resourceSpans\":[");
    chat_resource(&b, "app", provider, span_id);
    strbuf_printf(&b, "]}");
    return strbuf_detach(&b);
}

/* The records of doc (JSON) into c, through st; the export's result. */
static struct otlp_result feed_doc(struct otlp_state *st, char *doc, struct capture *c)
{
    struct otlp_options o = options(st);
    struct otlp_result r;
    assert_int_equal(otlp_map_export(OTLP_JSON, 0, doc, strlen(doc), &o, &c->sink, &r), 0);
    free(doc);
    return r;
}

/* OpenTelemetry's instrumentation-openai records each call as a span and
 * in gen_ai.client.token.usage, and an SDK sends both to one endpoint:
 * a service's usage of a provider counts from the kind that came first. */
static void test_an_instrumented_clients_spans_and_genai_metric_count_once(void **state)
{
    (void)state;
    /* spans first (every 5 s by default): the metric is superseded */
    struct otlp_state *st = otlp_state_new();
    struct capture c;
    capture_init(&c);
    assert_int_equal(feed_doc(st, chat_span("openai", "b7ad6b7169203331"), &c).counted, 1);
    struct otlp_result r = feed_doc(st, cumulative(100, 160, "1000"), &c);
    assert_int_equal(r.superseded, 1);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.u[0].requests, 1);
    otlp_state_free(st);
    /* the metric first: the spans of that provider are superseded, and a
     * provider the metric does not name still counts from its spans */
    st = otlp_state_new();
    capture_init(&c);
    assert_int_equal(feed_doc(st, cumulative(100, 160, "1000"), &c).counted, 1);
    r = feed_doc(st, chat_span("openai.chat", "b7ad6b7169203332"), &c);
    assert_int_equal(r.superseded, 1);
    assert_int_equal(r.counted, 0);
    r = feed_doc(st, chat_span("anthropic", "b7ad6b7169203333"), &c);
    assert_int_equal(r.counted, 1);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.u[1].provider, "anthropic");
    /* per service: another service's openai spans count, in the same
     * export as app's, which do not */
    struct strbuf b = {0};
    strbuf_printf(&b, "{\"resourceSpans\":[");
    chat_resource(&b, "other", "openai", "b7ad6b7169203334");
    strbuf_printf(&b, ",");
    chat_resource(&b, "app", "openai", "b7ad6b7169203335");
    strbuf_printf(&b, ",");
    chat_resource(&b, "other", "openai", "b7ad6b7169203336");
    strbuf_printf(&b, "]}");
    r = feed_doc(st, strbuf_detach(&b), &c);
    assert_int_equal(r.counted, 2);
    assert_int_equal(r.superseded, 1);
    otlp_state_free(st);
}

/* A service whose traces are sampled: its spans came first and claimed
 * its usage of openai, so its gen_ai.client.token.usage (every call) is
 * superseded and only the sampled calls count - what README tells to fix
 * with signals = ["metrics"]. Set on a source that chose spans before
 * (its choice is kept in its state, across restarts), the metric counts
 * from then on, not after the choice expires; and turned back to all
 * signals, the metric keeps it (the spans are superseded). */
static void test_signals_metrics_counts_a_sampled_services_metric_at_once(void **state)
{
    (void)state;
    struct otlp_state *st = otlp_state_new();
    struct capture c;
    capture_init(&c);
    assert_int_equal(feed_doc(st, chat_span("openai", "b7ad6b7169203341"), &c).counted, 1);
    struct otlp_result r = feed_doc(st, cumulative(100, 160, "1000"), &c);
    assert_int_equal(r.superseded, 1); /* the stream is known: 1000 so far */
    int span_choice = -1; /* the cursor of the service's choice */
    for (int i = 0; i < c.ncur; i++)
        if (strncmp(c.vals[i], "span ", 5) == 0)
            span_choice = i;
    assert_true(span_choice >= 0);
    struct otlp_options o = options(st);
    o.signals = OTLP_METRICS;
    char *doc = cumulative(100, 220, "3500");
    assert_int_equal(otlp_map_export(OTLP_JSON, 0, doc, strlen(doc), &o, &c.sink, &r), 0);
    free(doc);
    assert_int_equal(r.counted, 1);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.u[1].input, 2500); /* what the stream added since */
    /* the new choice is staged with its record (a restart keeps it) */
    assert_int_equal(strncmp(c.vals[span_choice], "metric:gen_ai ", 14), 0);
    /* all signals again: the metric keeps the service */
    r = feed_doc(st, chat_span("openai", "b7ad6b7169203342"), &c);
    assert_int_equal(r.superseded, 1);
    assert_int_equal(feed_doc(st, cumulative(100, 280, "4000"), &c).counted, 1);
    assert_int_equal(c.u[c.n - 1].input, 500);
    otlp_state_free(st);
    /* a choice of a signal still on is kept: logs off, a Claude Code
     * session's spans (traces on) keep their claim against its metrics */
    st = otlp_state_new();
    o = options(st);
    capture_init(&c);
    feed("claude-code-traces.jsonl", &o, &c, &r);
    o.signals = OTLP_TRACES | OTLP_METRICS;
    feed("claude-code-metrics.jsonl", &o, &c, &r);
    assert_int_equal(r.counted, 0);
    assert_int_equal(r.superseded, 8);
    otlp_state_free(st);
}

/* Codex CLI 0.171 as it sent one `codex exec` turn (recorded from the real
 * CLI, tests/e2e/agent_codex.sh: metrics then logs, OTLP/JSON): its
 * codex.turn.token_usage points name no conversation, its events do. One
 * turn's usage counts once, in either order of arrival. */
static void codex_exec_counts_once(int first, int second, int64_t requests, int superseded)
{
    struct otlp_state *st = otlp_state_new();
    struct otlp_options o = options(st);
    struct capture c;
    capture_init(&c);
    struct otlp_result r1, r2;
    feed_lines("codex-0.171-exec.jsonl", first, first + 1, &o, &c, &r1);
    feed_lines("codex-0.171-exec.jsonl", second, second + 1, &o, &c, &r2);
    assert_int_equal(r1.superseded + r2.superseded, superseded);
    assert_int_equal(r1.rejected + r2.rejected, 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.u[0].model, "gpt-5.1-codex-mini");
    assert_string_equal(c.u[0].provider, "openai");
    struct totals t = total(&c);
    assert_int_equal(t.requests, requests);
    assert_int_equal(t.input, 12345); /* includes the cached */
    assert_int_equal(t.cache_read, 4096);
    assert_int_equal(t.cache_write, 1024);
    assert_int_equal(t.output, 678);  /* includes the reasoning */
    assert_int_equal(t.reasoning, 256);
    otlp_state_free(st);
}

static void test_codex_exec_events_and_metrics_count_once(void **state)
{
    (void)state;
    codex_exec_counts_once(0, 1, 0, 1); /* as recorded: the event superseded */
    /* input, cached, cache writes, output, reasoning */
    codex_exec_counts_once(1, 0, 1, 5);
}

static void test_the_signals_option_turns_a_signal_off(void **state)
{
    (void)state;
    struct otlp_state *st = otlp_state_new();
    struct otlp_options o = options(st);
    o.signals = OTLP_TRACES | OTLP_LOGS;
    struct capture c;
    capture_init(&c);
    struct otlp_result r;
    feed("claude-code-metrics.jsonl", &o, &c, &r);
    assert_int_equal(c.n, 0);
    assert_int_equal(r.ignored, r.data_points);
    feed("claude-code-logs.jsonl", &o, &c, &r);
    assert_int_equal(c.n, 3);
    o.signals = OTLP_METRICS;
    feed("codex-logs.jsonl", &o, &c, &r);
    assert_int_equal(r.counted, 0);
    size_t len;
    char *traces = slurp("traces.json", &len);
    assert_int_equal(otlp_map_export(OTLP_JSON, 0, traces, len, &o, &c.sink, &r), 0);
    assert_int_equal(r.spans, 4);
    assert_int_equal(r.counted, 0);
    free(traces);
    otlp_state_free(st);
    /* the option's names */
    char *names[] = {"logs", "traces"};
    assert_int_equal(otlp_signals_mask(names, 2), OTLP_LOGS | OTLP_TRACES);
    assert_int_equal(otlp_signals_mask(names, 0), 0);
}

/* ---- both encodings ---------------------------------------------------------------- */

static void records_text(const struct capture *c, struct strbuf *b)
{
    for (int i = 0; i < c->n; i++) {
        const struct usage *u = &c->u[i];
        strbuf_printf(b, "%lld %s %s %s %s r=%lld%s e=%lld in=%lld cr=%lld%s cw=%lld out=%lld "
                      "rs=%lld%s rep=%.17g%s key=%llx\n", (long long)u->ts, u->source,
                      u->provider, u->model, u->tenant, (long long)u->requests,
                      u->requests_unknown ? "?" : "", (long long)u->errors,
                      (long long)u->input, (long long)u->cache_read,
                      u->cache_known ? "" : "?", (long long)u->cache_write_5m,
                      (long long)u->output, (long long)u->reasoning,
                      u->reasoning_known ? "" : "?", u->reported_usd,
                      u->has_reported ? "" : "?", (unsigned long long)u->dedup_key);
    }
}

static void same_records(const char *json_name, const char *pb_name, enum otlp_signal sig,
                         int expect)
{
    size_t jl, pl;
    char *json = slurp(json_name, &jl), *pb = slurp(pb_name, &pl);
    struct capture cj, cp;
    capture_init(&cj);
    capture_init(&cp);
    struct otlp_result rj, rp;
    struct otlp_options o = options(NULL);
    assert_int_equal(otlp_map_export(OTLP_JSON, 0, json, jl, &o, &cj.sink, &rj), 0);
    assert_int_equal(otlp_map_export(OTLP_PROTOBUF, sig, pb, pl, &o, &cp.sink, &rp), 0);
    assert_int_equal(cj.n, expect);
    struct strbuf a = {0}, b = {0};
    records_text(&cj, &a);
    records_text(&cp, &b);
    assert_string_equal(strbuf_str(&a), strbuf_str(&b));
    assert_int_equal(rj.counted, rp.counted);
    assert_int_equal(rj.ignored, rp.ignored);
    assert_int_equal(rj.superseded, rp.superseded);
    strbuf_free(&a);
    strbuf_free(&b);
    free(json);
    free(pb);
}

static void test_the_same_export_gives_the_same_records_from_json_and_protobuf(void **state)
{
    (void)state;
    /* Claude Code's api_request and Codex's completed response */
    same_records("logs.json", "logs.pb", OTLP_LOGS, 2);
    /* claude_code tokens + cost (one record); the GenAI histogram and
     * Codex's split input metric come from the same emitter (one service,
     * no session) and are superseded: cumulative and delta */
    same_records("metrics.json", "metrics.pb", OTLP_METRICS, 1);
    same_records("metrics-delta.json", "metrics-delta.pb", OTLP_METRICS, 1);
}

/* A log event's count as text: any well-formed whole decimal ("1500",
 * "1500.0", "1.5e3"), never a fraction, a sign, hex or a space - the same
 * rule as a span's (collectors/otlp.h otlp_text_count). */
static void test_a_count_as_text_is_read_when_it_is_whole(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int64_t want;   /* -1: refused */
    } cases[] = {
        {"1500", 1500}, {"1500.0", 1500}, {"1.5e3", 1500}, {"15E+2", 1500}, {"150000e-2", 1500},
        {"007", 7}, {"0.0", 0}, {"1000000000000", 1000000000000},
        {"1000000000001", -1}, {"1500.5", -1}, {"1e25", -1}, {"-3", -1}, {"+3", -1},
        {"0x10", -1}, {" 15", -1}, {"15 ", -1}, {"1.", -1}, {".5", -1}, {"e3", -1},
        {"1e", -1}, {"inf", -1}, {"nan", -1}, {"", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct otlp_value v = {.type = OTLP_STRING,
                               .u.s = {cases[i].text, strlen(cases[i].text)}};
        int64_t n = -1;
        bool ok = otlp_value_count(&v, &n);
        if (ok != (cases[i].want >= 0) || (ok && n != cases[i].want))
            fail_msg("'%s': %s %lld", cases[i].text, ok ? "read" : "refused", (long long)n);
    }
    /* an amount (cost_usd) as text: decimal, never hex */
    static const char *const amounts[] = {"0.25", "2.5e-1", "0x10", "0x1p4", "inf"};
    for (size_t i = 0; i < 5; i++) {
        struct otlp_value v = {.type = OTLP_STRING, .u.s = {amounts[i], strlen(amounts[i])}};
        double d = -1;
        bool ok = otlp_value_amount(&v, &d);
        if (ok != (i < 2) || (ok && d != 0.25))
            fail_msg("amount '%s': %s %g", amounts[i], ok ? "read" : "refused", d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_claude_code_api_requests_are_records_with_its_cost_reported),
        cmocka_unit_test(test_claude_code_2_1_event_splits_its_cache_writes_by_ttl),
        cmocka_unit_test(test_claude_code_more_1h_writes_than_writes_is_rejected),
        cmocka_unit_test(test_cache_writes_without_reads_read_none),
        cmocka_unit_test(test_codex_completed_responses_count_with_counts_sent_as_text),
        cmocka_unit_test(test_gemini_cli_thoughts_are_added_to_its_output),
        cmocka_unit_test(test_a_count_that_is_not_a_count_rejects_its_event),
        cmocka_unit_test(test_claude_code_delta_token_metrics_make_one_record_per_model),
        cmocka_unit_test(test_codex_cumulative_histograms_become_deltas_across_a_restart),
        cmocka_unit_test(test_a_restart_of_spendtop_neither_loses_nor_double_counts),
        cmocka_unit_test(test_a_long_running_state_forgets_what_it_has_not_seen),
        cmocka_unit_test(test_a_decrease_is_a_reset_and_never_a_negative_amount),
        cmocka_unit_test(test_a_retried_delta_export_counts_once),
        cmocka_unit_test(test_the_genai_metric_names_its_provider_as_spans_do),
        cmocka_unit_test(test_gemini_cli_own_metric_wins_over_the_genai_one_it_also_sends),
        cmocka_unit_test(test_events_and_metrics_of_one_session_count_once),
        cmocka_unit_test(test_claude_code_metrics_without_a_session_count_once_with_its_events),
        cmocka_unit_test(test_claude_code_without_session_ids_counts_once_per_installation),
        cmocka_unit_test(test_claude_code_spans_and_events_of_one_session_count_once),
        cmocka_unit_test(test_claude_code_failed_request_span_and_event_count_once),
        cmocka_unit_test(test_codex_spans_and_events_count_once),
        cmocka_unit_test(test_a_call_key_is_the_emitters_usage_as_the_call_ended),
        cmocka_unit_test(test_an_instrumented_clients_spans_and_genai_metric_count_once),
        cmocka_unit_test(test_codex_metrics_that_name_the_conversation_are_its_events_emitter),
        cmocka_unit_test(test_codex_exec_events_and_metrics_count_once),
        cmocka_unit_test(test_the_signals_option_turns_a_signal_off),
        cmocka_unit_test(test_signals_metrics_counts_a_sampled_services_metric_at_once),
        cmocka_unit_test(test_the_same_export_gives_the_same_records_from_json_and_protobuf),
        cmocka_unit_test(test_a_count_as_text_is_read_when_it_is_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
