/* test_otlp_receive.c - one export in, its answer out (collectors/
 * otlp_receive.h): the answer in the request's encoding, partial success
 * per signal, a database that refuses a write: UNAVAILABLE, then the
 * sender's retry is counted once; and the log of refusals, 10 lines a
 * minute of each kind and, when the minute ends, how many more. */
#include "tests/helpers.h"

#include "collectors/otlp_receive.h"
#include "collectors/otlp_signals.h"
#include "core/ingest.h"
#include "core/store.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/pb.h"
#include "lib/strbuf.h"

/* The real ingest, behind a flush that can be made to fail. */
struct flaky {
    struct sink sink;
    struct sink *in;
    int fail;        /* flushes still to refuse */
};

static int flaky_put(struct sink *s, const struct usage *u)
{
    struct flaky *f = (struct flaky *)s;
    return f->in->put(f->in, u);
}

static void flaky_cursor(struct sink *s, const char *source, const char *key, const char *v)
{
    struct flaky *f = (struct flaky *)s;
    f->in->cursor(f->in, source, key, v);
}

static int flaky_flush(struct sink *s, char *err, size_t errlen)
{
    struct flaky *f = (struct flaky *)s;
    if (f->fail > 0) {
        f->fail--;
        snprintf(err, errlen, "database write failed (will retry): disk I/O error");
        return -1;
    }
    return f->in->flush(f->in, err, errlen);
}

static char *slurp(const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/otlp/%s",
             getenv("SPENDTOP_FIXTURES") ? getenv("SPENDTOP_FIXTURES") : "tests/fixtures", name);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        fail_msg("cannot open %s", path);
    struct strbuf b = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
        strbuf_append(&b, buf, n);
    fclose(fp);
    *len = b.len;
    return strbuf_detach(&b);
}

static char *tenants[] = {"user.email"};

static void test_the_answer_comes_in_the_requests_encoding(void **state)
{
    (void)state;
    clock_set(1767225600 + 3600, true);
    struct otlp_options o = {.source = "otlp", .tenant_attrs = tenants, .ntenant_attrs = 1};
    struct otlp_reply rep;
    size_t len;
    char *pb = slurp("logs.pb", &len);
    /* a capture-less sink: put counts, flush absent */
    struct store *st = store_new();
    struct pricing *p = pricing_new();
    struct ingest *in = ingest_new(st, NULL, p);
    otlp_receive(OTLP_PROTOBUF, OTLP_LOGS, pb, len, &o, ingest_sink(in), &rep);
    assert_int_equal(rep.outcome, OTLP_ACCEPTED);
    assert_int_equal(rep.result.counted, 2);
    assert_int_equal(rep.body.len, 0); /* an empty ExportLogsServiceResponse */
    strbuf_free(&rep.body);
    free(pb);
    /* a rejected log record: partial_success { rejected_log_records, error_message } */
    const char *bad = "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{"
                      "\"timeUnixNano\":\"1\",\"attributes\":[{\"key\":\"event.name\","
                      "\"value\":{\"stringValue\":\"api_request\"}},{\"key\":\"input_tokens\","
                      "\"value\":{\"stringValue\":\"lots\"}}]}]}]}]}";
    otlp_receive(OTLP_JSON, OTLP_LOGS, bad, strlen(bad), &o, ingest_sink(in), &rep);
    assert_int_equal(rep.outcome, OTLP_ACCEPTED);
    assert_non_null(strstr(strbuf_str(&rep.body),
                           "{\"partialSuccess\":{\"rejectedLogRecords\":\"1\",\"errorMessage\":"));
    strbuf_free(&rep.body);
    /* the same in protobuf: field 1 { 1: 1, 2: "..." } */
    struct strbuf msg = {0}, rl = {0}, sl = {0}, lr = {0}, kv = {0}, v = {0};
    pb_put_bytes(&v, 1, "api_request", 11);
    pb_put_bytes(&kv, 1, "event.name", 10);
    pb_put_bytes(&kv, 2, v.s, v.len);
    pb_put_fixed64(&lr, 1, 1);
    pb_put_bytes(&lr, 6, kv.s, kv.len);
    strbuf_reset(&kv);
    strbuf_reset(&v);
    pb_put_uint(&v, 2, 1); /* a bool is not a count */
    pb_put_bytes(&kv, 1, "output_tokens", 13);
    pb_put_bytes(&kv, 2, v.s, v.len);
    pb_put_bytes(&lr, 6, kv.s, kv.len);
    pb_put_bytes(&sl, 2, lr.s, lr.len);
    pb_put_bytes(&rl, 2, sl.s, sl.len);
    pb_put_bytes(&msg, 1, rl.s, rl.len);
    otlp_receive(OTLP_PROTOBUF, OTLP_LOGS, msg.s, msg.len, &o, ingest_sink(in), &rep);
    assert_int_equal(rep.outcome, OTLP_ACCEPTED);
    assert_true(rep.body.len > 6);
    assert_memory_equal(rep.body.s, "\x0a", 1);
    assert_memory_equal(rep.body.s + 2, "\x08\x01\x12", 3);
    static const char why[] = "api_request: output_tokens is not a token count";
    assert_int_equal(rep.body.len, 6 + sizeof why - 1);
    assert_memory_equal(rep.body.s + 6, why, sizeof why - 1);
    strbuf_free(&rep.body);
    strbuf_free(&msg);
    strbuf_free(&rl);
    strbuf_free(&sl);
    strbuf_free(&lr);
    strbuf_free(&kv);
    strbuf_free(&v);
    /* undecodable: INVALID, nothing stored */
    int64_t before = ingest_stats(in)->counted;
    otlp_receive(OTLP_PROTOBUF, OTLP_METRICS, "\x0a\x09\x0a", 3, &o, ingest_sink(in), &rep);
    assert_int_equal(rep.outcome, OTLP_INVALID);
    assert_non_null(strstr(rep.message, "protobuf"));
    assert_int_equal(ingest_stats(in)->counted, before);
    strbuf_free(&rep.body);
    ingest_free(in);
    pricing_free(p);
    store_free(st);
}

static int64_t input_of(struct store *st)
{
    int64_t n = 0;
    for (size_t i = 0; i < store_series_count(st); i++) {
        struct tally t;
        store_sum(st, (int)i, 0, INT64_MAX, &t);
        n += t.input;
    }
    return n;
}

struct export {
    const char *name;
    enum otlp_encoding enc;
    enum otlp_signal sig;
    int64_t input;
};

/* Each export at clock now into a fresh database: refused once, then the
 * retry accepted and counted once, in the store and on disk. */
static void receive_retried(const struct export *exports, size_t n, int64_t now)
{
    clock_set(now, true);
    char *dir = temp_dir();
    char path[4200], err[256];
    snprintf(path, sizeof path, "%s/state.db", dir);
    struct db *db = db_open(path, err, sizeof err);
    assert_non_null(db);
    struct store *st = store_new();
    struct pricing *p = pricing_new();
    struct ingest *in = ingest_new(st, db, p);
    struct flaky f = {{flaky_put, flaky_cursor, NULL, NULL, flaky_flush}, ingest_sink(in), 0};
    struct otlp_state *os = otlp_state_new();
    struct otlp_options o = {.source = "otlp", .tenant_attrs = tenants, .ntenant_attrs = 1,
                             .state = os};
    int64_t want = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len;
        char *buf = slurp(exports[i].name, &len);
        struct otlp_reply rep;
        /* cppcheck-suppress unreadVariable ; read by flaky_flush through the sink */
        f.fail = 1;
        otlp_receive(exports[i].enc, exports[i].sig, buf, len, &o, &f.sink, &rep);
        assert_int_equal(rep.outcome, OTLP_UNAVAILABLE);
        assert_non_null(strstr(rep.message, "disk I/O error"));
        strbuf_free(&rep.body);
        /* the sender retries */
        otlp_receive(exports[i].enc, exports[i].sig, buf, len, &o, &f.sink, &rep);
        assert_int_equal(rep.outcome, OTLP_ACCEPTED);
        strbuf_free(&rep.body);
        free(buf);
        want += exports[i].input;
        assert_int_equal(input_of(st), want);
    }
    /* and on disk, once */
    otlp_state_free(os);
    ingest_free(in);
    store_free(st);
    st = store_new();
    assert_int_equal(db_load(db, st, 0), 0);
    assert_int_equal(input_of(st), want);
    store_free(st);
    pricing_free(p);
    db_close(db);
    rm_rf(dir);
}

/* UNAVAILABLE while the database refuses, then OK, each export once. The
 * fixtures' spans and events are of 2026-01-01, their metrics of
 * 2026-12-01: each is received at its own time (no record is dated in the
 * receiver's future). */
static void test_a_refused_write_is_unavailable_and_the_retry_counts_once(void **state)
{
    (void)state;
    static const struct export january[] = {
        /* two chat spans: 1200 + 5000 */
        {"traces.pb", OTLP_PROTOBUF, OTLP_TRACES, 6200},
        /* Claude Code 12 + 20000 read + 1500 written; Codex 9000 */
        {"logs.json", OTLP_JSON, OTLP_LOGS, 21512 + 9000},
    };
    static const struct export december[] = {
        /* claude_code.token.usage: 12 input + 20000 cacheRead (the GenAI
         * and Codex metrics of the same emitter are superseded) */
        {"metrics-delta.pb", OTLP_PROTOBUF, OTLP_METRICS, 20012},
        /* the same as cumulative streams, first seen: counted whole */
        {"metrics.pb", OTLP_PROTOBUF, OTLP_METRICS, 20012},
    };
    receive_retried(january, 2, 1767225600 + 3600);
    receive_retried(december, 2, 1796106159 + 3600);
}

/* How many times text is in the file at path. */
static int count_in(const char *path, const char *text)
{
    size_t len;
    char *all = NULL;
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    struct strbuf b = {0};
    char buf[4096];
    while ((len = fread(buf, 1, sizeof buf, fp)) > 0)
        strbuf_append(&b, buf, len);
    fclose(fp);
    all = strbuf_detach(&b);
    int n = 0;
    for (const char *p = all ? all : ""; (p = strstr(p, text)) != NULL; p += strlen(text))
        n++;
    free(all);
    return n;
}

static void refusals_closed(void *arg) { *(bool *)arg = true; }

/* Past 10 refusals of a kind in a minute, the rest are counted, and the
 * count is logged when the minute ends - by a timer, with no refusal after
 * it (a client refused in a burst, then quiet, was never told of); the
 * next minute logs anew. Closing says the counts not yet said. The
 * minute is 20 ms here. */
static void test_refusals_past_the_limit_are_counted_when_the_minute_ends(void **state)
{
    (void)state;
    char *dir = temp_dir();
    char path[4200], err[256];
    snprintf(path, sizeof path, "%s/log", dir);
    assert_int_equal(log_open(path, err, sizeof err), 0);
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    struct otlp_refusals r;
    otlp_receive_refusals_init(&r, &loop, "otlp", 20);
    for (int i = 0; i < 13; i++)
        otlp_receive_refused(&r, &r.requests, "POST /nowhere %d: 404", i);
    for (int i = 0; i < 11; i++)
        otlp_receive_refused(&r, &r.records, "1 record(s) of an export %d", i);
    assert_int_equal(count_in(path, "refused POST /nowhere"), 10);
    assert_int_equal(count_in(path, " more request"), 0);
    assert_int_equal(count_in(path, " more export"), 0);
    /* nothing else happens: the loop runs until the minute's end */
    assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
    assert_int_equal(count_in(path, "source otlp: 3 more request(s) refused in the last "
                                    "minute"), 1);
    assert_int_equal(count_in(path, "source otlp: 1 more export(s) with records refused in "
                                    "the last minute"), 1);
    /* a new minute: logged again, and past its 10 counted until closed */
    for (int i = 0; i < 12; i++)
        otlp_receive_refused(&r, &r.requests, "POST /again %d: 404", i);
    assert_int_equal(count_in(path, "refused POST /again"), 10);
    bool closed = false;
    otlp_receive_refusals_close(&r, refusals_closed, &closed);
    assert_int_equal(count_in(path, "source otlp: 2 more request(s) refused"), 1);
    assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
    assert_true(closed);
    assert_int_equal(uv_loop_close(&loop), 0);
    log_close();
    rm_rf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_answer_comes_in_the_requests_encoding),
        cmocka_unit_test(test_a_refused_write_is_unavailable_and_the_retry_counts_once),
        cmocka_unit_test(test_refusals_past_the_limit_are_counted_when_the_minute_ends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
