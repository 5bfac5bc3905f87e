/* test_calls.c - one provider call, one count (core/calls.h) through the
 * ingest, with a real SQLite file and restarts: retried spans, two
 * instrumentations of one call in either order, in different exports,
 * across a restart, and what is not the same call. */
#include "helpers.h"

#include <sqlite3.h>

#include "core/calls.h"
#include "core/db.h"
#include "core/ingest.h"
#include "core/store.h"
#include "lib/clock.h"
#include "pricing/pricing.h"

#define NOW 1767225600 /* 2026-01-01T00:00:00Z */

static char *dir;
static char dbpath[512];

/* One spendtop process: a database, its store, its ingest. */
struct proc {
    struct db *db;
    struct store *st;
    struct pricing *p;
    struct ingest *in;
};

static void start(struct proc *x)
{
    char err[256];
    x->db = db_open(dbpath, err, sizeof err);
    assert_non_null(x->db);
    x->st = store_new();
    x->p = pricing_new();
    assert_true(pricing_load_default(x->p, err, sizeof err) > 0);
    assert_int_equal(db_load(x->db, x->st, clock_now() - STORE_RETENTION), 0);
    x->in = ingest_new(x->st, x->db, x->p);
    assert_int_equal(ingest_start(x->in, err, sizeof err), 0);
}

static void stop(struct proc *x)
{
    char err[256];
    assert_int_equal(ingest_flush(x->in, err, sizeof err), 0);
    ingest_free(x->in);
    pricing_free(x->p);
    store_free(x->st);
    db_close(x->db);
}

static struct tally totals(const struct proc *x)
{
    struct tally sum = {0};
    for (size_t id = 0; id < store_series_count(x->st); id++) {
        struct tally t;
        store_sum(x->st, (int)id, 0, INT64_MAX / 2, &t);
        tally_add(&sum, &t);
    }
    return sum;
}

static int put(struct proc *x, const struct usage *u)
{
    struct sink *s = ingest_sink(x->in);
    return s->put(s, u);
}

/* The Traceloop span of an Anthropic call (uncached 5010 + read 2001 +
 * writes 1003, no split, no reasoning: completeness 4) and the Anthropic
 * SDK's own span beneath it (601 + 402 split, 121 reasoning: 6). */
static struct usage traceloop(void)
{
    return (struct usage){
        .ts = NOW - 30, .source = "spans", .provider = "anthropic",
        .model = "claude-sonnet-4-5-20250929", .tenant = "", .requests = 1,
        .per_request = true, .input = 8014, .cache_read = 2001, .cache_write_5m = 1003,
        .output = 305, .cache_known = true, .dedup_key = 0x1001, .parent_key = 0,
        .completeness = 4,
    };
}

static struct usage sdk(void)
{
    struct usage u = traceloop();
    u.ts = NOW - 29;
    u.cache_write_5m = 601;
    u.cache_write_1h = 402;
    u.reasoning = 121;
    u.reasoning_known = true;
    u.dedup_key = 0x1002;
    u.parent_key = 0x1001; /* the key the Traceloop span has as a span */
    u.completeness = 6;
    return u;
}

static void assert_sdk_counted_once(const struct proc *x)
{
    struct tally t = totals(x);
    assert_int_equal(t.requests, 1);
    assert_int_equal(t.input, 8014);
    assert_int_equal(t.cache_write_5m, 601);
    assert_int_equal(t.cache_write_1h, 402);
    assert_int_equal(t.reasoning, 121);
}

static int setup(void **state)
{
    (void)state;
    dir = temp_dir();
    snprintf(dbpath, sizeof dbpath, "%s/state.db", dir);
    clock_set(NOW, true);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rm_rf(dir); /* and frees it */
    return 0;
}

static void test_a_span_sent_again_after_a_restart_counts_once(void **state)
{
    (void)state;
    struct proc x;
    start(&x);
    struct usage u = sdk();
    assert_int_equal(put(&x, &u), 1);
    stop(&x);
    /* the exporter never got its answer and sends the batch again */
    start(&x);
    assert_int_equal(put(&x, &u), 0);
    assert_sdk_counted_once(&x);
    assert_int_equal(ingest_stats(x.in)->duplicates, 1);
    stop(&x);
}

static void test_a_call_traced_twice_counts_once_in_either_order(void **state)
{
    (void)state;
    struct usage first[2] = {sdk(), traceloop()}, second[2] = {traceloop(), sdk()};
    struct usage *orders[2] = {first, second};
    for (int o = 0; o < 2; o++) {
        unlink(dbpath);
        struct proc x;
        start(&x);
        put(&x, &orders[o][0]);
        put(&x, &orders[o][1]);
        /* the child first: the parent tells less and is dropped; the parent
         * first: it is counted, then replaced by the child's usage */
        assert_sdk_counted_once(&x);
        stop(&x);
        start(&x); /* and so it stays in the database */
        assert_sdk_counted_once(&x);
        stop(&x);
    }
}

static void test_the_better_span_replaces_the_count_across_a_restart(void **state)
{
    (void)state;
    unlink(dbpath);
    struct proc x;
    start(&x);
    struct usage parent = traceloop(), child = sdk();
    put(&x, &parent);
    stop(&x);
    start(&x);
    assert_int_equal(put(&x, &child), 1);
    assert_int_equal(ingest_stats(x.in)->replaced, 1);
    assert_sdk_counted_once(&x);
    stop(&x);
    start(&x);
    assert_sdk_counted_once(&x);
    /* and a third span of the call (a retry of the parent) changes nothing */
    assert_int_equal(put(&x, &parent), 0);
    assert_sdk_counted_once(&x);
    stop(&x);
}

/* Three spans of one call, each telling more than the last, each flushed
 * in its own transaction within the same second (their keys in another
 * order): after a restart the call counts the last one's usage (the rows
 * are read in arrival order), so the fourth, best, span takes back exactly
 * that. */
static void test_a_call_bettered_twice_takes_back_the_last_count_after_a_restart(void **state)
{
    (void)state;
    unlink(dbpath);
    struct proc x;
    start(&x);
    struct usage a = traceloop(), b = sdk(), c = sdk(), d = sdk();
    a.completeness = 1;
    a.input = 1000;
    b.dedup_key = 0x1003; /* keys out of arrival order: a, c, b */
    b.completeness = 2;
    b.input = 2000;
    c.dedup_key = 0x1002;
    c.parent_key = 0x1003;
    c.completeness = 3;
    c.input = 3000;
    d.dedup_key = 0x1004;
    d.parent_key = 0x1002;
    d.completeness = 6;
    d.input = 4000;
    char err[256];
    assert_int_equal(put(&x, &a), 1);
    assert_int_equal(ingest_flush(x.in, err, sizeof err), 0);
    assert_int_equal(put(&x, &b), 1);
    assert_int_equal(ingest_flush(x.in, err, sizeof err), 0);
    assert_int_equal(put(&x, &c), 1);
    stop(&x);
    start(&x);
    assert_int_equal(totals(&x).input, 3000);
    assert_int_equal(put(&x, &d), 1);
    assert_int_equal(totals(&x).requests, 1);
    assert_int_equal(totals(&x).input, 4000);
    stop(&x);
    start(&x);
    assert_int_equal(totals(&x).input, 4000);
    assert_int_equal(put(&x, &c), 0); /* a retry of an earlier one: nothing */
    assert_int_equal(totals(&x).input, 4000);
    stop(&x);
}

/* The database as schema version 11 kept seen_spans: keyed by the span. */
static void downgrade_seen_spans_to_11(void)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h,
        "CREATE TABLE old(span INTEGER PRIMARY KEY, at INTEGER NOT NULL,"
        "  call INTEGER NOT NULL, parent INTEGER NOT NULL, resp INTEGER NOT NULL,"
        "  score INTEGER NOT NULL, counted INTEGER NOT NULL, source TEXT, provider TEXT,"
        "  model TEXT, tenant TEXT, minute INTEGER, requests INTEGER, errors INTEGER,"
        "  input INTEGER, input_ck INTEGER, cache_read INTEGER, cache_write_5m INTEGER,"
        "  cache_write_1h INTEGER, output INTEGER, output_rk INTEGER, reasoning INTEGER,"
        "  cost REAL, billed REAL, requests_unknown INTEGER, no_usage INTEGER,"
        "  reported_n INTEGER, reported REAL, tier TEXT);"
        "INSERT INTO old SELECT span, at, call, parent, resp, score, counted, source,"
        "  provider, model, tenant, minute, requests, errors, input, input_ck, cache_read,"
        "  cache_write_5m, cache_write_1h, output, output_rk, reasoning, cost, billed,"
        "  requests_unknown, no_usage, reported_n, reported, tier"
        "  FROM seen_spans;"
        "DROP TABLE seen_spans; ALTER TABLE old RENAME TO seen_spans;"
        "PRAGMA user_version = 11;", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
}

/* Spans remembered before schema step 12 (a table keyed by span) are still
 * remembered after it: a retry counts nothing, a better span takes back
 * the count of the one that counted. */
static void test_spans_remembered_before_the_upgrade_are_kept(void **state)
{
    (void)state;
    unlink(dbpath);
    struct proc x;
    start(&x);
    struct usage parent = traceloop(), child = sdk(), other = sdk();
    other.dedup_key = 0x5005;
    other.parent_key = 0;
    put(&x, &parent);
    put(&x, &other);
    stop(&x);
    downgrade_seen_spans_to_11();
    start(&x);
    assert_int_equal(put(&x, &other), 0);
    assert_int_equal(put(&x, &child), 1);
    assert_int_equal(ingest_stats(x.in)->replaced, 1);
    struct tally t = totals(&x);
    assert_int_equal(t.requests, 2);
    assert_int_equal(t.input, 2 * 8014);
    assert_int_equal(t.cache_write_5m, 2 * 601);
    stop(&x);
}

static void test_the_same_response_id_is_the_same_call_only_within_a_trace(void **state)
{
    (void)state;
    unlink(dbpath);
    struct proc x;
    start(&x);
    struct usage a = sdk(), b = sdk(), c = sdk();
    a.parent_key = b.parent_key = c.parent_key = 0;
    a.call_key = b.call_key = 0x77; /* siblings of one trace, one response */
    b.dedup_key = 0x2002;
    c.dedup_key = 0x3003;
    c.call_key = 0x78;              /* the same id in another trace */
    assert_int_equal(put(&x, &a), 1);
    assert_int_equal(put(&x, &b), 0);
    assert_int_equal(put(&x, &c), 1);
    assert_int_equal(totals(&x).requests, 2);
    assert_int_equal(ingest_stats(x.in)->same_call, 1);
    stop(&x);
}

/* A span nested in another inference span is the same call traced twice -
 * unless the provider answered them apart (different response ids): then
 * it is a call of its own (a model called from inside another call's
 * span), counted beside it, in either order and across a restart. The
 * same response id, or none on either side, is still one call. */
static void test_nested_spans_answered_apart_are_two_calls(void **state)
{
    (void)state;
    for (int o = 0; o < 2; o++) {
        unlink(dbpath);
        struct proc x;
        struct usage outer = traceloop(), inner = sdk();
        outer.call_key = 0xa1a1a1a1a1a1;
        inner.call_key = 0xb2b2b2b2b2b2;
        start(&x);
        assert_int_equal(put(&x, o ? &inner : &outer), 1);
        stop(&x);
        start(&x); /* the other arrives after a restart */
        assert_int_equal(put(&x, o ? &outer : &inner), 1);
        struct tally t = totals(&x);
        assert_int_equal(t.requests, 2);
        assert_int_equal(t.input, 2 * 8014);
        assert_int_equal(t.cache_write_5m, 1003 + 601);
        stop(&x);
    }
    /* the same answer beneath: one call, the better span counted */
    unlink(dbpath);
    struct proc x;
    struct usage outer = traceloop(), inner = sdk();
    outer.call_key = inner.call_key = 0xa1a1a1a1a1a1;
    start(&x);
    put(&x, &outer);
    put(&x, &inner);
    assert_sdk_counted_once(&x);
    stop(&x);
    /* an answer on one side only: one call */
    unlink(dbpath);
    outer.call_key = 0;
    start(&x);
    put(&x, &outer);
    put(&x, &inner);
    assert_sdk_counted_once(&x);
    stop(&x);
}

static void test_what_came_before_the_horizon_is_forgotten(void **state)
{
    (void)state;
    unlink(dbpath);
    struct proc x;
    start(&x);
    struct usage u = sdk();
    put(&x, &u);
    stop(&x);
    /* 25 hours later the span is no longer remembered: a copy counts */
    clock_set(NOW + CALLS_HORIZON + 3600, true);
    start(&x);
    u.ts = clock_now() - 10;
    assert_int_equal(put(&x, &u), 1);
    stop(&x);
    clock_set(NOW, true);
}

static void test_a_failed_flush_keeps_the_spans_to_write(void **state)
{
    (void)state;
    unlink(dbpath);
    struct proc x;
    start(&x);
    struct usage u = sdk();
    put(&x, &u);
    /* another connection holds the write lock: the flush fails, and the
     * span stays pending with the buckets it went to */
    struct db *other = db_open(dbpath, (char[256]){0}, 256);
    assert_int_equal(db_begin(other), 0);
    char err[256];
    assert_int_not_equal(ingest_flush(x.in, err, sizeof err), 0);
    assert_true(ingest_pending(x.in));
    db_rollback(other);
    db_close(other);
    stop(&x);
    start(&x);
    assert_int_equal(put(&x, &u), 0);
    assert_sdk_counted_once(&x);
    stop(&x);
}

/* A first read of a large export stages more spans than are remembered
 * before its one flush: the oldest are dropped unwritten (as a flush
 * between would have forgotten them), the newest are written, and a
 * better span of the newest call still replaces its count, across a
 * restart. */
static void test_more_spans_than_remembered_before_one_flush(void **state)
{
    (void)state;
    unlink(dbpath);
    struct proc x;
    start(&x);
    const uint64_t n = CALLS_MAX + CALLS_MAX / 2 + 5;
    struct usage u = traceloop();
    for (uint64_t i = 1; i <= n; i++) {
        u.dedup_key = 0x100000 + i;
        assert_int_equal(put(&x, &u), 1);
    }
    /* the SDK's span beneath the newest: better (6 > 4), it replaces it */
    struct usage b = sdk();
    b.parent_key = 0x100000 + n;
    b.dedup_key = 0x900001;
    assert_int_equal(put(&x, &b), 1);
    stop(&x);
    start(&x);
    /* the newest span is remembered; the first was dropped: it counts */
    u.dedup_key = 0x100000 + n;
    assert_int_equal(put(&x, &u), 0);
    u.dedup_key = 0x100001;
    assert_int_equal(put(&x, &u), 1);
    /* n calls, the first twice: n + 1 requests, the newest counted as the
     * SDK's span (402 one-hour writes) */
    assert_int_equal(totals(&x).requests, (int64_t)n + 1);
    assert_int_equal(totals(&x).cache_write_1h, 402);
    /* and a better one still (7) takes the SDK's count back */
    struct usage c = sdk();
    c.dedup_key = 0x900002;
    c.parent_key = 0x100000 + n;
    c.cache_write_1h = 0;
    c.completeness = 7;
    assert_int_equal(put(&x, &c), 1);
    assert_int_equal(totals(&x).requests, (int64_t)n + 1);
    assert_int_equal(totals(&x).cache_write_1h, 0);
    stop(&x);
}

/* Another connection renames a column of seen_spans (so that its rows
 * cannot be read back), or renames it back. */
static void rename_seen_column(const char *from, const char *to)
{
    sqlite3 *h;
    char sql[200];
    snprintf(sql, sizeof sql, "ALTER TABLE seen_spans RENAME COLUMN %s TO %s", from, to);
    assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
}

static int keep_pos(void *ctx, const char *key, const char *value)
{
    if (strcmp(key, "pos") == 0)
        snprintf(ctx, 16, "%s", value);
    return 0;
}

/* The remembered spans are read back when the first span arrives, not at
 * the start: a start whose table of them cannot be read still starts,
 * counts a record that is no span and writes it. The first span is then
 * refused (whether it was counted before is unknown), and every flush
 * from then on fails, writing nothing - not its source's position past
 * it. Readable again, a restart finds that span counted once. */
static void test_remembered_spans_are_read_when_the_first_span_arrives(void **state)
{
    (void)state;
    unlink(dbpath);
    struct proc x;
    start(&x);
    struct usage span = sdk();
    assert_int_equal(put(&x, &span), 1);
    stop(&x);

    rename_seen_column("tier", "tier_gone");
    start(&x); /* ingest_start succeeds */
    struct usage metric = sdk();
    metric.dedup_key = metric.parent_key = 0;
    assert_int_equal(put(&x, &metric), 1);
    char err[256];
    struct sink *s = ingest_sink(x.in);
    s->cursor(s, "spans", "pos", "1");
    assert_int_equal(ingest_flush(x.in, err, sizeof err), 0);
    assert_int_equal(put(&x, &span), -1);
    s->cursor(s, "spans", "pos", "2");
    assert_int_not_equal(ingest_flush(x.in, err, sizeof err), 0);
    assert_non_null(strstr(err, "restart spendtop"));
    assert_int_not_equal(ingest_flush(x.in, err, sizeof err), 0);
    ingest_free(x.in);
    pricing_free(x.p);
    store_free(x.st);
    db_close(x.db);

    rename_seen_column("tier_gone", "tier");
    start(&x);
    char pos[16] = "";
    assert_int_equal(db_cursor_each(x.db, "spans", keep_pos, pos), 0);
    assert_string_equal(pos, "1");
    assert_int_equal(put(&x, &span), 0);
    /* the span once, the metric record once */
    assert_int_equal(totals(&x).requests, 2);
    assert_int_equal(totals(&x).input, 2 * 8014);
    stop(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_span_sent_again_after_a_restart_counts_once),
        cmocka_unit_test(test_a_call_traced_twice_counts_once_in_either_order),
        cmocka_unit_test(test_the_better_span_replaces_the_count_across_a_restart),
        cmocka_unit_test(test_a_call_bettered_twice_takes_back_the_last_count_after_a_restart),
        cmocka_unit_test(test_spans_remembered_before_the_upgrade_are_kept),
        cmocka_unit_test(test_the_same_response_id_is_the_same_call_only_within_a_trace),
        cmocka_unit_test(test_what_came_before_the_horizon_is_forgotten),
        cmocka_unit_test(test_a_failed_flush_keeps_the_spans_to_write),
        cmocka_unit_test(test_more_spans_than_remembered_before_one_flush),
        cmocka_unit_test(test_remembered_spans_are_read_when_the_first_span_arrives),
        cmocka_unit_test(test_nested_spans_answered_apart_are_two_calls),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
