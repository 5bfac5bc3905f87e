/* test_db.c - SQLite persistence: restart reloads everything; a crash in
 * the middle of a flush keeps every committed record and never leaves a
 * cursor out of step with the data it covers. */
#include "tests/helpers.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "core/db.h"
#include "core/ingest.h"
#include "core/snapshot.h"
#include "core/store.h"
#include "core/view.h"

#include <cJSON.h>

static const int64_t NOW = 1795348800; /* 2026-11-22T08:00:00Z */

static char *dir;
static char dbpath[4200];

static int setup(void **state)
{
    (void)state;
    dir = temp_dir();
    snprintf(dbpath, sizeof dbpath, "%s/state/spendtop.db", dir);
    clock_set(NOW, true);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rm_rf(dir);
    return 0;
}

static struct usage record(const char *tenant, const char *model, int64_t ts, int64_t input)
{
    struct usage u = {.ts = ts, .source = "spans", .provider = "openai", .model = model,
                      .tenant = tenant, .requests = 1, .input = input, .output = 10,
                      .cache_known = true, .cache_read = input / 2};
    return u;
}

static void totals(struct store *st, struct tally *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < store_series_count(st); i++) {
        struct tally t;
        store_sum(st, (int)i, 0, INT64_MAX, &t);
        tally_add(out, &t);
    }
}

static int find_cursor(void *ctx, const char *key, const char *value)
{
    if (strcmp(key, "pos") == 0)
        snprintf(ctx, 64, "%s", value);
    return 0;
}

static void test_restart_reloads_everything(void **state)
{
    (void)state;
    char err[256];
    struct db *db = db_open(dbpath, err, sizeof err);
    assert_non_null(db);
    struct store *st = store_new();
    struct pricing *p = pricing_new();
    assert_true(pricing_load_default(p, err, sizeof err) > 0);
    struct ingest *in = ingest_new(st, db, p);
    struct sink *s = ingest_sink(in);
    struct usage a = record("acme", "gpt-4o-mini", NOW - 100, 1000);
    struct usage b = record("globex", "no-such-model", NOW - 4000, 500);
    s->put(s, &a);
    s->put(s, &a);
    s->put(s, &b);
    s->cursor(s, "spans", "pos", "42");
    assert_int_equal(ingest_flush(in, err, sizeof err), 0);
    assert_false(ingest_pending(in));
    struct tally before;
    totals(st, &before);
    ingest_free(in);
    store_free(st);
    db_close(db);

    db = db_open(dbpath, err, sizeof err);
    st = store_new();
    assert_int_equal(db_load(db, st, NOW - STORE_RETENTION), 0);
    struct tally after;
    totals(st, &after);
    assert_memory_equal(&before, &after, sizeof before);
    assert_int_equal(after.requests, 3);
    assert_int_equal(store_series_count(st), 2);
    for (size_t i = 0; i < 2; i++) {
        const struct series_key *k = store_series_key(st, (int)i);
        enum price_status ps = store_series_price(st, (int)i);
        assert_int_equal(ps, strcmp(k->model, "no-such-model") == 0 ? PRICE_NONE : PRICE_FULL);
    }
    char pos[64] = "";
    db_cursor_each(db, "spans", find_cursor, pos);
    assert_string_equal(pos, "42");
    /* the price status is stored by name, not by enum price_status's number */
    sqlite3_stmt *q;
    const char *sql = "SELECT group_concat(price, ' ') FROM (SELECT price FROM series "
                      "ORDER BY model)";
    assert_int_equal(sqlite3_prepare_v2((sqlite3 *)db_handle(db), sql, -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "full none");
    sqlite3_finalize(q);
    store_free(st);
    pricing_free(p);
    db_close(db);
}

static void test_uncommitted_flush_is_invisible(void **state)
{
    (void)state;
    char err[256];
    pid_t pid = fork();
    if (pid == 0) {
        struct db *db = db_open(dbpath, err, sizeof err);
        struct store *st = store_new();
        struct pricing *p = pricing_new();
        struct ingest *in = ingest_new(st, db, p);
        struct sink *s = ingest_sink(in);
        struct usage a = record("acme", "m", NOW - 100, 1000);
        s->put(s, &a);
        s->cursor(s, "spans", "pos", "100");
        if (ingest_flush(in, err, sizeof err) != 0)
            _exit(3);
        /* the next flush dies half way: data written, cursor written, no
         * commit */
        struct usage b = record("acme", "m", NOW - 50, 7000);
        s->put(s, &b);
        db_begin(db);
        struct tally t = {.requests = 2, .input = 8000};
        db_put_bucket(db, st, 0, NOW - 100, &t);
        db_cursor_put(db, "spans", "pos", "200");
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    struct db *db = db_open(dbpath, err, sizeof err);
    assert_non_null(db);
    struct store *st = store_new();
    assert_int_equal(db_load(db, st, 0), 0);
    struct tally t;
    totals(st, &t);
    assert_int_equal(t.requests, 1);
    assert_int_equal(t.input, 1000);
    char pos[64] = "";
    db_cursor_each(db, "spans", find_cursor, pos);
    assert_string_equal(pos, "100");
    store_free(st);
    db_close(db);
}

/* A writer that flushes over and over, killed with SIGKILL at a moment it
 * does not choose: afterwards the cursor (records counted so far) must
 * equal the records stored. */
static void test_kill_during_flush_keeps_cursor_and_data_in_step(void **state)
{
    (void)state;
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(ready[0]);
        char err[256];
        struct db *db = db_open(dbpath, err, sizeof err);
        struct store *st = store_new();
        struct pricing *p = pricing_new();
        struct ingest *in = ingest_new(st, db, p);
        struct sink *s = ingest_sink(in);
        char name[32], pos[32];
        for (long i = 0;; i++) {
            /* each batch: 500 records over 500 series and minutes */
            for (int j = 0; j < 500; j++) {
                snprintf(name, sizeof name, "t%d", j);
                struct usage u = record(name, "m", NOW - 60 * (j + 1), 10);
                s->put(s, &u);
            }
            snprintf(pos, sizeof pos, "%ld", (i + 1) * 500);
            s->cursor(s, "spans", "pos", pos);
            if (ingest_flush(in, err, sizeof err) != 0)
                _exit(3);
            if (i == 2 && write(ready[1], "x", 1) != 1)
                _exit(4);
        }
    }
    close(ready[1]);
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1); /* three flushes done */
    close(ready[0]);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status));
    char err[256];
    struct db *db = db_open(dbpath, err, sizeof err);
    assert_non_null(db);
    struct store *st = store_new();
    assert_int_equal(db_load(db, st, 0), 0);
    struct tally t;
    totals(st, &t);
    char pos[64] = "";
    db_cursor_each(db, "spans", find_cursor, pos);
    assert_true(atol(pos) >= 1500);
    assert_int_equal(t.requests, atol(pos));
    store_free(st);
    db_close(db);
}

static void test_prune_removes_old_rows(void **state)
{
    (void)state;
    char err[256];
    struct db *db = db_open(dbpath, err, sizeof err);
    struct store *st = store_new();
    struct pricing *p = pricing_new();
    struct ingest *in = ingest_new(st, db, p);
    struct sink *s = ingest_sink(in);
    struct usage fresh = record("a", "m", NOW - 3600, 1);
    s->put(s, &fresh);
    assert_int_equal(ingest_flush(in, err, sizeof err), 0);
    /* a week and two days later the record is past the retention */
    clock_set(NOW + 9 * 86400, true);
    struct usage later = record("a", "m", NOW + 9 * 86400 - 60, 2);
    s->put(s, &later);
    assert_int_equal(ingest_flush(in, err, sizeof err), 0);
    ingest_free(in);
    store_free(st);
    st = store_new();
    assert_int_equal(db_load(db, st, 0), 0);
    struct tally t;
    totals(st, &t);
    assert_int_equal(t.input, 2);
    assert_int_equal(store_bucket_count(st), 1);
    /* a record older than the retention is not counted at all */
    in = ingest_new(st, db, p);
    struct usage ancient = record("a", "m", NOW, 5);
    assert_int_equal(ingest_sink(in)->put(ingest_sink(in), &ancient), 0);
    assert_int_equal(ingest_stats(in)->too_old, 1);
    ingest_free(in);
    store_free(st);
    pricing_free(p);
    db_close(db);
}

/* One run with a clock a year ahead (a wrong --now, a bad system clock)
 * prunes nothing: the retention is measured back from the newest data
 * stored, and a late record of the stored week is still counted. Back at
 * the right time, the week is all there. */
static void test_a_clock_far_ahead_prunes_nothing(void **state)
{
    (void)state;
    char err[256];
    struct db *db = db_open(dbpath, err, sizeof err);
    assert_non_null(db);
    struct pricing *p = pricing_new();
    struct store *st = store_new();
    struct ingest *in = ingest_new(st, db, p);
    assert_int_equal(ingest_start(in, err, sizeof err), 0);
    struct usage week = record("a", "m", NOW - 3 * 86400, 100);
    assert_int_equal(ingest_sink(in)->put(ingest_sink(in), &week), 1);
    assert_int_equal(ingest_flush(in, err, sizeof err), 0);
    ingest_free(in);
    store_free(st);

    clock_set(NOW + 365 * 86400, true);
    st = store_new();
    in = ingest_new(st, db, p);
    assert_int_equal(ingest_start(in, err, sizeof err), 0);
    struct usage late = record("a", "m", NOW - 60, 1);
    assert_int_equal(ingest_sink(in)->put(ingest_sink(in), &late), 1);
    assert_int_equal(ingest_flush(in, err, sizeof err), 0); /* the first flush prunes */
    ingest_free(in);
    store_free(st);

    clock_set(NOW, true);
    st = store_new();
    assert_int_equal(db_load(db, st, NOW - 8 * 86400), 0);
    struct tally t;
    totals(st, &t);
    assert_int_equal(t.input, 100 + 1);
    store_free(st);
    pricing_free(p);
    db_close(db);
}

/* One process's start on dbpath with prices p: the store it loads, its
 * ingest started. */
static struct ingest *start_with(struct db *db, struct pricing *p, struct store **st)
{
    char err[256];
    *st = store_new();
    assert_int_equal(db_load(db, *st, clock_now() - STORE_RETENTION), 0);
    struct ingest *in = ingest_new(*st, db, p);
    assert_int_equal(ingest_start(in, err, sizeof err), 0);
    return in;
}

/* A cost changed behind spendtop's back, in every stored row. */
static void set_stored_cost(struct db *db, double usd)
{
    char sql[96];
    snprintf(sql, sizeof sql, "UPDATE buckets SET cost = %.17g", usd);
    assert_int_equal(sqlite3_exec(db_handle(db), sql, NULL, NULL, NULL), SQLITE_OK);
}

/* gpt-4o-mini with the default table's 1.5e-7 input price, or 1e-6 */
static struct pricing *gpt_4o_mini_priced(double input_usd)
{
    char err[256];
    struct pricing *p = pricing_new();
    assert_true(pricing_load_default(p, err, sizeof err) > 0);
    if (input_usd != 1.5e-7)
        assert_true(pricing_override(p, "gpt-4o-mini", "input_cost_per_token", input_usd));
    return p;
}

/* The stored spend was priced by the table in force: a restart with the
 * same table does not price it again (so a cost changed behind spendtop's
 * back stays as it is), a restart with another table does, and says so
 * with what it priced (the next start with that table prices nothing). */
static void test_a_restart_with_the_same_table_prices_nothing_again(void **state)
{
    (void)state;
    char err[256];
    struct db *db = db_open(dbpath, err, sizeof err);
    assert_non_null(db);
    struct pricing *p = gpt_4o_mini_priced(1.5e-7), *q = gpt_4o_mini_priced(1e-6);
    struct store *st;
    struct ingest *in = start_with(db, p, &st);
    struct usage u = record("acme", "gpt-4o-mini", NOW - 100, 1000);
    assert_int_equal(ingest_sink(in)->put(ingest_sink(in), &u), 1);
    assert_int_equal(ingest_flush(in, err, sizeof err), 0);
    ingest_free(in);
    store_free(st);
    struct tally t;

    set_stored_cost(db, 12345);
    in = start_with(db, p, &st);
    totals(st, &t);
    assert_close(t.cost, 12345, 1e-9);
    assert_int_equal(ingest_flush(in, err, sizeof err), 0);
    ingest_free(in);
    store_free(st);

    /* 500 uncached input x 1e-6 + 500 cache reads x 7.5e-8 + 10 output x
     * 6e-7 = 5e-4 + 3.75e-5 + 6e-6 */
    in = start_with(db, q, &st);
    totals(st, &t);
    assert_close(t.cost, 5.435e-4, 1e-12);
    assert_int_equal(ingest_flush(in, err, sizeof err), 0);
    ingest_free(in);
    store_free(st);

    set_stored_cost(db, 54321);
    in = start_with(db, q, &st);
    totals(st, &t);
    assert_close(t.cost, 54321, 1e-9);
    ingest_free(in);
    store_free(st);
    pricing_free(p);
    pricing_free(q);
    db_close(db);
}

/* The table a start priced everything with is written with what it
 * priced, in one transaction: when that flush fails, the next start with
 * that table prices everything again. */
static void test_a_reprice_not_written_is_done_again(void **state)
{
    (void)state;
    char err[256];
    struct db *db = db_open(dbpath, err, sizeof err);
    assert_non_null(db);
    struct pricing *p = gpt_4o_mini_priced(1.5e-7), *q = gpt_4o_mini_priced(1e-6);
    struct store *st;
    struct ingest *in = start_with(db, p, &st);
    struct usage u = record("acme", "gpt-4o-mini", NOW - 100, 1000);
    assert_int_equal(ingest_sink(in)->put(ingest_sink(in), &u), 1);
    assert_int_equal(ingest_flush(in, err, sizeof err), 0);
    ingest_free(in);
    store_free(st);

    in = start_with(db, q, &st); /* priced again, not yet written */
    struct db *other = db_open(dbpath, err, sizeof err);
    assert_int_equal(db_begin(other), 0);
    assert_int_not_equal(ingest_flush(in, err, sizeof err), 0);
    db_rollback(other);
    db_close(other);
    ingest_free(in);
    store_free(st);

    in = start_with(db, q, &st);
    struct tally t;
    totals(st, &t);
    assert_close(t.cost, 5.435e-4, 1e-12); /* as above */
    ingest_free(in);
    store_free(st);
    pricing_free(p);
    pricing_free(q);
    db_close(db);
}

/* An owner's start loads the retention back from the newest data stored
 * (a bucket older than that, not yet pruned, is not loaded, and a clock
 * far ahead drops nothing), or from now when the clock is behind the data; and it knows the newest minute
 * without reading it again. */
static void test_a_start_loads_the_retention_back_from_the_newest_data(void **state)
{
    (void)state;
    char err[256];
    struct db *db = db_open(dbpath, err, sizeof err);
    assert_non_null(db);
    struct store *st = store_new();
    struct series_key k = {"spans", "openai", "m", "acme", ""};
    int id = store_series(st, &k);
    struct tally old = {.requests = 1, .input = 7}, recent = {.requests = 1, .input = 100};
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_put_bucket(db, st, id, NOW - 9 * 86400, &old), 0);
    assert_int_equal(db_put_bucket(db, st, id, NOW - 120, &recent), 0);
    assert_int_equal(db_commit(db), 0);
    store_free(st);

    st = store_new();
    assert_int_equal(db_load_recent(db, st, NOW), 0);
    struct tally t;
    totals(st, &t);
    assert_int_equal(t.input, 100);
    int64_t newest;
    assert_int_equal(db_newest_minute(db, &newest), 0);
    assert_int_equal(newest, NOW - 120);
    store_free(st);

    /* a clock nine days ahead: still the retention back from the data */
    st = store_new();
    assert_int_equal(db_load_recent(db, st, NOW + 9 * 86400), 0);
    totals(st, &t);
    assert_int_equal(t.input, 100);
    store_free(st);

    /* a clock ten days behind: the retention back from it holds both */
    st = store_new();
    assert_int_equal(db_load_recent(db, st, NOW - 10 * 86400 + 3600), 0);
    totals(st, &t);
    assert_int_equal(t.input, 107);
    store_free(st);
    db_close(db);
}

/* A record dated more than USAGE_FUTURE_MAX past the clock, or with a count
 * outside 0..USAGE_COUNT_MAX, is refused (-1) and says why; one just
 * inside both is counted. */
static void test_future_and_impossible_records_are_refused(void **state)
{
    (void)state;
    struct store *st = store_new();
    struct pricing *p = pricing_new();
    struct ingest *in = ingest_new(st, NULL, p);
    struct sink *s = ingest_sink(in);
    char why[160];
    struct usage ahead = record("a", "m", NOW + USAGE_FUTURE_MAX + 60, 1);
    assert_int_equal(s->put(s, &ahead), -1);
    assert_non_null(strstr(usage_refusal(&ahead, NOW, why, sizeof why), "after the"));
    struct usage skewed = record("a", "m", NOW + USAGE_FUTURE_MAX, 1);
    assert_int_equal(s->put(s, &skewed), 1);
    struct usage huge = record("a", "m", NOW, USAGE_COUNT_MAX + 1);
    assert_int_equal(s->put(s, &huge), -1);
    assert_non_null(strstr(usage_refusal(&huge, 0, why, sizeof why), "input tokens"));
    struct usage negative = record("a", "m", NOW, 1);
    negative.output = -1;
    assert_int_equal(s->put(s, &negative), -1);
    struct usage most = record("a", "m", NOW, USAGE_COUNT_MAX);
    assert_int_equal(s->put(s, &most), 1);
    assert_int_equal(ingest_stats(in)->refused, 3);
    struct tally t;
    totals(st, &t);
    assert_int_equal(t.input, 1 + USAGE_COUNT_MAX);
    ingest_free(in);
    pricing_free(p);
    store_free(st);
}

/* Bucket rows are written in batches: full ones on the way, the rest at
 * commit; a rollback writes none of them. 100 rows = 3 batches and 4. */
static void test_batched_rows_all_land_or_none(void **state)
{
    (void)state;
    char err[256];
    struct db *db = db_open(dbpath, err, sizeof err);
    assert_non_null(db);
    struct store *st = store_new();
    struct series_key k = {"spans", "openai", "gpt-4o", "acme", NULL};
    int id = store_series(st, &k);
    assert_int_equal(db_begin(db), 0);
    for (int i = 0; i < 100; i++) {
        struct tally t = {.requests = 1, .input = 1000 + i, .cost = 0.5};
        assert_int_equal(db_put_bucket(db, st, id, NOW - 6000 + 60 * i, &t), 0);
    }
    db_rollback(db);
    assert_int_equal(db_begin(db), 0);
    for (int i = 0; i < 100; i++) {
        struct tally t = {.requests = 2, .input = 2000 + i, .cost = 0.25};
        assert_int_equal(db_put_bucket(db, st, id, NOW - 6000 + 60 * i, &t), 0);
    }
    assert_int_equal(db_commit(db), 0);
    db_close(db);
    store_free(st);

    db = db_open(dbpath, err, sizeof err);
    st = store_new();
    assert_int_equal(db_load(db, st, 0), 0);
    struct tally all;
    totals(st, &all);
    assert_int_equal(all.requests, 200);                 /* the committed rows only */
    assert_int_equal(all.input, 100 * 2000 + 99 * 100 / 2);
    assert_close(all.cost, 25.0, 1e-12);
    db_close(db);
    store_free(st);
}

static void test_unwritable_database_is_a_clear_error(void **state)
{
    (void)state;
    char err[256];
    assert_null(db_open("/proc/no/such/dir/x.db", err, sizeof err));
    assert_non_null(strstr(err, "/proc/no/such/dir/x.db"));
}

/* Ingest, flush, restart, reload: the snapshot's view of `st` at NOW over
 * the last hour (only_provider may narrow it), parsed. */
static cJSON *snapshot_of(const struct store *st, const char *only_provider)
{
    struct view_params vp = {.now = NOW, .window = 3600, .day_start = NOW - 8 * 3600,
                             .day_end = NOW + 16 * 3600, .only_provider = only_provider};
    struct view v;
    view_compute(st, &vp, &v);
    struct strbuf out = {0};
    snapshot_json(&v, &out);
    cJSON *root = cJSON_Parse(strbuf_str(&out));
    assert_non_null(root);
    strbuf_free(&out);
    view_free(&v);
    return root;
}

static const cJSON *model_of(const cJSON *root, const char *model)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, cJSON_GetObjectItem(root, "models"))
        if (strcmp(cJSON_GetObjectItem(m, "model")->valuestring, model) == 0)
            return m;
    fail_msg("no model %s in the snapshot", model);
    return NULL;
}

static double num(const cJSON *o, const char *k) { return cJSON_GetObjectItem(o, k)->valuedouble; }

/* What senders tell beside tokens reaches the snapshot through the store
 * and the database: Claude Code's cost_usd (reported_usd, summed, null
 * where none was reported), usage from metrics (requests unknown: null
 * for a model that has only that, and counted), and a call without token
 * counts (no_usage) - which a more complete span of the same call, after
 * a restart, takes back like the rest of its count. */
static void test_reported_cost_and_unknowns_reach_the_snapshot_across_a_restart(void **state)
{
    (void)state;
    char err[256];
    struct pricing *p = pricing_new();
    assert_true(pricing_load_default(p, err, sizeof err) > 0);
    struct usage event = {.ts = NOW - 300, .source = "claude", .provider = "anthropic",
                          .model = "claude-haiku-4-5", .tenant = "dev", .requests = 1,
                          .input = 1100, .cache_known = true, .cache_read = 1000,
                          .output = 50, .has_reported = true, .reported_usd = 0.01};
    struct usage event2 = event;
    event2.ts = NOW - 200;
    event2.reported_usd = 0.0025;
    struct usage metric = {.ts = NOW - 100, .source = "claude", .provider = "anthropic",
                           .model = "claude-haiku-4-5", .tenant = "dev", .input = 10,
                           .output = 20, .requests_unknown = true};
    struct usage metric_only = metric;
    metric_only.model = "claude-sonnet-4-5";
    struct usage stream = {.ts = NOW - 60, .source = "spans", .provider = "openai",
                           .model = "gpt-4o-mini", .tenant = "dev", .requests = 1,
                           .tokens_unknown = true, .dedup_key = 0x51, .call_key = 0x99};

    struct db *db = db_open(dbpath, err, sizeof err);
    assert_non_null(db);
    struct store *st = store_new();
    struct ingest *in = ingest_new(st, db, p);
    assert_int_equal(ingest_start(in, err, sizeof err), 0);
    struct sink *s = ingest_sink(in);
    const struct usage *all[] = {&event, &event2, &metric, &metric_only, &stream};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        assert_int_equal(s->put(s, all[i]), 1);
    assert_int_equal(ingest_flush(in, err, sizeof err), 0);
    ingest_free(in);
    store_free(st);
    db_close(db);

    db = db_open(dbpath, err, sizeof err);
    st = store_new();
    assert_int_equal(db_load(db, st, NOW - STORE_RETENTION), 0);
    cJSON *root = snapshot_of(st, NULL);
    const cJSON *spend = cJSON_GetObjectItem(root, "spend");
    assert_close(num(spend, "reported_usd"), 0.0125, 1e-12); /* 0.01 + 0.0025 */
    assert_int_equal(num(spend, "no_usage"), 1);
    const cJSON *haiku = model_of(root, "claude-haiku-4-5");
    assert_int_equal(num(haiku, "requests"), 2);         /* the two events */
    assert_int_equal(num(haiku, "requests_unknown"), 1); /* and one metric record */
    const cJSON *sonnet = model_of(root, "claude-sonnet-4-5");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(sonnet, "requests")));
    assert_int_equal(num(sonnet, "requests_unknown"), 1);
    assert_int_equal(num(model_of(root, "gpt-4o-mini"), "requests"), 1);
    cJSON_Delete(root);
    /* nothing reported in a scope: null, never $0 */
    root = snapshot_of(st, "openai");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "spend"),
                                                 "reported_usd")));
    cJSON_Delete(root);

    /* the same call again, now with its usage: it replaces the count */
    in = ingest_new(st, db, p);
    assert_int_equal(ingest_start(in, err, sizeof err), 0);
    s = ingest_sink(in);
    struct usage better = stream;
    better.dedup_key = 0x52;
    better.tokens_unknown = false;
    better.input = 100;
    better.output = 10;
    better.completeness = 2;
    assert_int_equal(s->put(s, &better), 1);
    assert_int_equal(ingest_stats(in)->replaced, 1);
    root = snapshot_of(st, NULL);
    assert_int_equal(num(cJSON_GetObjectItem(root, "spend"), "no_usage"), 0);
    assert_int_equal(num(model_of(root, "gpt-4o-mini"), "requests"), 1);
    cJSON_Delete(root);
    ingest_free(in);
    store_free(st);
    pricing_free(p);
    db_close(db);
}

static int64_t raw_count(struct db *db, const char *sql)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2((sqlite3 *)db_handle(db), sql, -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

/* A series whose data aged out leaves the database with its last bucket
 * (so a restart does not bring it back to count against the cap), and the
 * new series that takes its store id gets a row of its own. */
static void test_aged_out_series_leave_the_database(void **state)
{
    (void)state;
    char err[256];
    struct pricing *p = pricing_new();
    assert_true(pricing_load_default(p, err, sizeof err) > 0);
    struct db *db = db_open(dbpath, err, sizeof err);
    assert_non_null(db);
    struct store *st = store_new();
    struct ingest *in = ingest_new(st, db, p);
    struct sink *s = ingest_sink(in);
    clock_set(NOW - 9 * 86400, true);
    struct usage old = record("old-tenant", "gpt-4o-mini", NOW - 9 * 86400 - 60, 1000);
    assert_int_equal(s->put(s, &old), 1);
    assert_int_equal(ingest_flush(in, err, sizeof err), 0);
    assert_int_equal(raw_count(db, "SELECT count(*) FROM series"), 1);
    /* a viewer attached meanwhile */
    struct db *v = db_open_viewer(dbpath, err, sizeof err);
    assert_non_null(v);
    struct store *vst = store_new();
    int64_t seq = 0;
    assert_int_equal(db_changes_last(v, &seq), 0);
    assert_int_equal(db_load(v, vst, NOW - 9 * 86400 - STORE_RETENTION), 0);
    assert_int_equal(store_series_count(vst), 1);

    /* nine days later, newer data: the retention reaches back from it
     * (ingest.c's reference), and old-tenant's minute is gone */
    clock_set(NOW, true);
    struct usage young = record("new-tenant", "gpt-4o-mini", NOW - 60, 500);
    assert_int_equal(s->put(s, &young), 1);
    assert_int_equal(store_series_count(st), 2);
    assert_int_equal(ingest_flush(in, err, sizeof err), 0);
    assert_int_equal(raw_count(db, "SELECT count(*) FROM series"), 1);
    assert_int_equal(raw_count(db, "SELECT count(*) FROM series WHERE tenant = 'old-tenant'"),
                     0);
    assert_int_equal(raw_count(db, "SELECT count(*) FROM buckets"), 1);
    assert_false(store_series_live(st, 0));
    /* the viewer is told to load anew (the log cannot name a row that is
     * gone), and what it loads has no old-tenant */
    assert_int_equal(db_changes_apply(v, vst, &seq), 1);
    store_free(vst);
    vst = store_new();
    assert_int_equal(db_load(v, vst, NOW - STORE_RETENTION), 0);
    assert_int_equal(store_series_count(vst), 1);
    assert_string_equal(store_series_key(vst, 0)->tenant, "new-tenant");
    store_free(vst);
    db_close(v);
    struct usage newer = record("newer-tenant", "gpt-4o-mini", NOW - 30, 250);
    assert_int_equal(s->put(s, &newer), 1);
    assert_int_equal(store_series_count(st), 2); /* id 0 again */
    assert_int_equal(ingest_flush(in, err, sizeof err), 0);
    assert_int_equal(raw_count(db, "SELECT count(*) FROM series WHERE tenant = 'newer-tenant'"),
                     1);
    assert_int_equal(raw_count(db, "SELECT count(*) FROM buckets"), 2);
    struct tally before;
    totals(st, &before);
    ingest_free(in);
    store_free(st);
    db_close(db);

    db = db_open(dbpath, err, sizeof err);
    st = store_new();
    assert_int_equal(db_load(db, st, NOW - STORE_RETENTION), 0);
    struct tally after;
    totals(st, &after);
    assert_memory_equal(&before, &after, sizeof before);
    assert_int_equal(after.input, 500 + 250);
    for (size_t i = 0; i < store_series_count(st); i++)
        assert_string_not_equal(store_series_key(st, (int)i)->tenant, "old-tenant");
    store_free(st);
    pricing_free(p);
    db_close(db);
}

/* The window and baseline spend of a store at NOW over the last hour. */
static void spend_at_now(const struct store *st, double *window, double *baseline, size_t *unpriced)
{
    struct view_params vp = {.now = NOW, .window = 3600, .day_start = NOW - 8 * 3600,
                             .day_end = NOW + 16 * 3600};
    struct view v;
    view_compute(st, &vp, &v);
    *window = v.spend.window_usd;
    *baseline = v.spend.baseline_usd;
    *unpriced = v.nunpriced;
    view_free(&v);
}

/* Spend is the stored tokens priced by the table in force (DESIGN.md §4):
 * a model priced after the fact has its spend in the window and in every
 * baseline day, a discount changes history, batch usage keeps its batch
 * rate, and billed amounts never change. */
static void test_a_price_added_later_prices_the_stored_history(void **state)
{
    (void)state;
    char err[256];
    struct pricing *p = pricing_new();
    assert_true(pricing_load_default(p, err, sizeof err) > 0);
    struct db *db = db_open(dbpath, err, sizeof err);
    assert_non_null(db);
    struct store *st = store_new();
    struct ingest *in = ingest_new(st, db, p);
    struct sink *s = ingest_sink(in);
    /* mystery-model-9000: 1000 in, 10 out, now and at the same time of
     * each of the 7 previous days (the baseline: learning needs a day) */
    for (int d = 0; d <= 7; d++) {
        struct usage u = record("acme", "mystery-model-9000", NOW - 600 - d * 86400, 1000);
        u.cache_known = false;
        assert_int_equal(s->put(s, &u), 1);
    }
    /* gpt-4o-mini at batch rates: 2000 in (1000 cached), 10 out */
    struct usage batch = record("acme", "gpt-4o-mini", NOW - 300, 2000);
    batch.batch = true;
    assert_int_equal(s->put(s, &batch), 1);
    struct usage bill = {.ts = NOW - 1200, .source = "oa", .provider = "openai",
                         .model = USAGE_BILLED_MODEL, .tenant = "", .has_billed = true,
                         .billed_usd = 5};
    assert_int_equal(s->put(s, &bill), 1);
    assert_int_equal(ingest_flush(in, err, sizeof err), 0);
    double win, base;
    size_t unpriced;
    spend_at_now(st, &win, &base, &unpriced);
    /* batch: 1000 uncached x 7.5e-8 + 1000 cached x 7.5e-8 / 2 + 10 x 3e-7 */
    double batch_usd = 1000 * 7.5e-8 + 1000 * 3.75e-8 + 10 * 3e-7;
    assert_close(win, batch_usd, 1e-12);
    assert_int_equal(unpriced, 1);
    ingest_free(in);
    store_free(st);
    db_close(db);

    /* the operator prices it, and gives openai a 20% discount */
    assert_true(pricing_override(p, "mystery-model-9000", "input_cost_per_token", 1e-6));
    assert_true(pricing_override(p, "mystery-model-9000", "output_cost_per_token", 2e-6));
    pricing_set_discount(p, "openai", 0.2);
    db = db_open(dbpath, err, sizeof err);
    st = store_new();
    assert_int_equal(db_load(db, st, NOW - STORE_RETENTION), 0);
    in = ingest_new(st, db, p);
    assert_int_equal(ingest_start(in, err, sizeof err), 0);
    double mystery = (1000 * 1e-6 + 10 * 2e-6) * 0.8; /* 0.000816 */
    spend_at_now(st, &win, &base, &unpriced);
    assert_close(win, mystery + batch_usd * 0.8, 1e-12);
    assert_close(base, mystery, 1e-12);                /* the same every day */
    assert_int_equal(unpriced, 0);
    struct tally t;
    totals(st, &t);
    assert_close(t.billed, 5, 1e-15);                  /* never repriced */
    /* written back: a reader of the database sees the same */
    assert_int_equal(ingest_flush(in, err, sizeof err), 0);
    ingest_free(in);
    store_free(st);
    st = store_new();
    assert_int_equal(db_load(db, st, NOW - STORE_RETENTION), 0);
    spend_at_now(st, &win, &base, &unpriced);
    assert_close(win, mystery + batch_usd * 0.8, 1e-12);
    store_free(st);
    pricing_free(p);
    db_close(db);
}

/* The database keeps what the store keeps (issue 16 d.2): sealed hours as
 * one chunk per series and day, only the open hour's minutes as rows; a
 * late record into a sealed hour rewrites its day; a restart reads the
 * same sums back. */
static void test_sealed_hours_are_kept_as_day_chunks(void **state)
{
    (void)state;
    char err[256];
    struct db *db = db_open(dbpath, err, sizeof err);
    assert_non_null(db);
    struct store *st = store_new();
    struct pricing *p = pricing_new();
    struct ingest *in = ingest_new(st, db, p);
    struct sink *s = ingest_sink(in);
    /* every 10 minutes for 3 days, two tenants: 864 buckets */
    for (int64_t t = NOW - 3 * 86400 + 300; t < NOW; t += 600) {
        struct usage a = record("acme", "gpt-4o-mini", t, 1000);
        struct usage b = record("globex", "gpt-4o-mini", t, 300);
        s->put(s, &a);
        s->put(s, &b);
    }
    assert_int_equal(ingest_flush(in, err, sizeof err), 0);
    /* rows: the open hour's, 6 a tenant; the rest in 4 days of chunks */
    assert_int_equal(raw_count(db, "SELECT count(*) FROM buckets"), 12);
    assert_int_equal(raw_count(db, "SELECT count(*) FROM chunks"), 8);
    /* a late record into a sealed hour two days back */
    struct usage late = record("acme", "gpt-4o-mini", NOW - 2 * 86400 + 30, 77);
    s->put(s, &late);
    assert_int_equal(ingest_flush(in, err, sizeof err), 0);
    assert_int_equal(raw_count(db, "SELECT count(*) FROM buckets"), 12);
    struct tally before;
    totals(st, &before);
    assert_int_equal(before.requests, 865);
    assert_int_equal(before.input, 432 * 1300 + 77);
    ingest_free(in);
    store_free(st);
    db_close(db);

    db = db_open(dbpath, err, sizeof err);
    st = store_new();
    assert_int_equal(db_load(db, st, NOW - STORE_RETENTION), 0);
    assert_int_equal(store_bucket_count(st), 865);
    struct tally after;
    totals(st, &after);
    assert_memory_equal(&before, &after, sizeof before);
    store_free(st);
    db_close(db);
    pricing_free(p);
}

/* Every series' sum, the same in two stores (their ids may differ: by key). */
static void assert_same_sums(struct store *a, struct store *b)
{
    size_t seen = 0;
    for (size_t i = 0; i < store_series_count(a); i++) {
        if (!store_series_live(a, (int)i))
            continue;
        int j = store_series(b, store_series_key(a, (int)i));
        struct tally x, y;
        store_sum(a, (int)i, 0, INT64_MAX, &x);
        store_sum(b, j, 0, INT64_MAX, &y);
        assert_memory_equal(&x, &y, sizeof x);
        assert_true(x.cost > 0);
        seen++;
    }
    assert_int_equal(seen, 2);
}

/* The rest of the test below: a restart reads the rates back; another
 * table prices everything again with its own, which the viewer follows;
 * raw costs again take more bytes than the small chunks did. */
static void rates_after_a_restart(struct db *db, struct pricing *p, struct pricing *q,
                                  struct db *v, struct store *vst, int64_t *seq, int64_t small)
{
    struct store *st;
    struct ingest *in;
    char err[256];
    in = start_with(db, p, &st);
    assert_same_sums(st, vst);
    ingest_free(in);
    store_free(st);
    in = start_with(db, q, &st);
    assert_int_equal(ingest_flush(in, err, sizeof err), 0);
    assert_int_equal(db_changes_apply(v, vst, seq), 0);
    assert_same_sums(st, vst);
    struct store *again = store_new();
    assert_int_equal(db_load(db, again, NOW - STORE_RETENTION), 0);
    assert_same_sums(st, again);
    store_free(again);
    /* with raw costs the same chunks take 7 bytes more a cost */
    for (size_t i = 0; i < store_series_count(st); i++)
        store_series_set_rates(st, (int)i, NULL);
    assert_int_equal(ingest_flush(in, err, sizeof err), 0);
    assert_int_equal(raw_count(db, "SELECT count(*) FROM series WHERE rates IS NULL"), 2);
    assert_true(raw_count(db, "SELECT sum(length(data)) FROM chunks") > small + 1000);
    again = store_new();
    assert_int_equal(db_load(db, again, NOW - STORE_RETENTION), 0);
    assert_same_sums(st, again);
    store_free(again);
    ingest_free(in);
    store_free(st);
}

/* A priced series' chunks write each cost as its distance from what its
 * tokens come to at the series' rates, kept in its row: a restart and a
 * viewer read every cost back exactly; rates that change (a new table, or
 * set anew) rewrite the row and every chunk in one commit; rates the
 * database cannot read are a clear error, not wrong money. */
static void test_costs_are_stored_with_the_rates_they_are_written_with(void **state)
{
    (void)state;
    char err[256];
    struct db *db = db_open(dbpath, err, sizeof err);
    assert_non_null(db);
    struct pricing *p = gpt_4o_mini_priced(1.5e-7), *q = gpt_4o_mini_priced(1e-6);
    struct store *st;
    struct ingest *in = start_with(db, p, &st);
    struct sink *s = ingest_sink(in);
    for (int64_t t = NOW - 3 * 86400 + 300; t < NOW; t += 700) {
        struct usage a = record("acme", "gpt-4o-mini", t, 1000 + t % 997);
        struct usage b = record("globex", "gpt-4o-mini", t + 1, 300 + t % 89);
        s->put(s, &a);
        s->put(s, &b);
        s->put(s, &b); /* two records in a bucket: a sum's cost */
    }
    assert_int_equal(ingest_flush(in, err, sizeof err), 0);
    assert_int_equal(raw_count(db, "SELECT count(*) FROM series WHERE length(rates) = 48"), 2);
    int64_t small = raw_count(db, "SELECT sum(length(data)) FROM chunks");

    /* a viewer attached now */
    struct db *v = db_open_viewer(dbpath, err, sizeof err);
    assert_non_null(v);
    struct store *vst = store_new();
    int64_t seq = 0;
    assert_int_equal(db_changes_last(v, &seq), 0);
    assert_int_equal(db_load(v, vst, NOW - STORE_RETENTION), 0);
    assert_same_sums(st, vst);

    /* the same rates set anew (another copy), then other rates: the second
     * rewrites the row and every chunk, and the viewer follows */
    int acme = store_series(st, &(struct series_key){"spans", "openai", "gpt-4o-mini", "acme",
                                                     ""});
    struct tally_rates r = *store_series_rates(st, acme);
    store_series_set_rates(st, acme, &r);
    assert_int_equal(store_dirty_count(st), 0);
    r.per_token[0] *= 3;
    store_series_set_rates(st, acme, &r);
    assert_int_equal(store_dirty_count(st), 1);
    assert_int_equal(ingest_flush(in, err, sizeof err), 0);
    assert_int_equal(db_changes_apply(v, vst, &seq), 0);
    assert_same_sums(st, vst);
    ingest_free(in);
    store_free(st);
    rates_after_a_restart(db, p, q, v, vst, &seq, small);
    store_free(vst);
    db_close(v);

    /* rates that are not rates: the load says so */
    assert_int_equal(sqlite3_exec(db_handle(db), "UPDATE series SET rates = x'0102'",
                                  NULL, NULL, NULL), SQLITE_OK);
    st = store_new();
    assert_int_equal(db_load(db, st, NOW - STORE_RETENTION), -1);
    assert_non_null(strstr(db_error(db), "rates"));
    store_free(st);
    pricing_free(p);
    pricing_free(q);
    db_close(db);
}

/* Series k's sum over [t0, t1) as a load of the whole database reads it
 * (INT64_MIN: every chunk it holds). */
static void sum_stored(struct db *db, const struct series_key *k, int64_t t0, int64_t t1,
                       struct tally *out)
{
    struct store *st = store_new();
    assert_int_equal(db_load(db, st, INT64_MIN), 0);
    store_sum(st, store_series(st, k), t0, t1, out);
    store_free(st);
}

/* A day read back as written, or gone whole (it is older than the store). */
static void assert_as_written_or_gone(const struct tally *t, double written, const char *who)
{
    if (t->requests == 0 && t->cost == 0)
        return;
    if (t->cost != written)
        fail_msg("%s reads the old day written as %.17g as %.17g", who, written, t->cost);
}

/* The database keeps a series' chunks written with the rates of its row:
 * when the rates change, a chunk the store no longer holds (a day older
 * than its first bucket, kept whole until it ends by the prune's cutoff)
 * must not stay written with the old ones under the new row - read with
 * them it is another amount (here by an owner restarted after the clock
 * stepped back, whose load keeps that day's hours). Rewritten or deleted
 * with the rest, either will do: it is older than the retention. */
static void test_a_rates_change_leaves_no_chunk_written_with_the_old_rates(void **state)
{
    (void)state;
    char err[256];
    struct db *db = db_open(dbpath, err, sizeof err);
    assert_non_null(db);
    struct pricing *p = gpt_4o_mini_priced(1.5e-7);
    struct store *st;
    struct ingest *in = start_with(db, p, &st);
    struct sink *s = ingest_sink(in);
    const struct series_key k = {"spans", "openai", "gpt-4o-mini", "acme", ""};
    int64_t old = NOW - STORE_RETENTION + 600, day = old - old % CLOCK_DAY;
    struct usage a = record("acme", "gpt-4o-mini", old, 1000);
    struct usage b = record("acme", "gpt-4o-mini", NOW - 3600, 2000);
    assert_int_equal(s->put(s, &a), 1);
    assert_int_equal(s->put(s, &b), 1);
    assert_int_equal(ingest_flush(in, err, sizeof err), 0);
    struct tally t;
    sum_stored(db, &k, day, day + CLOCK_DAY, &t);
    double written = t.cost;
    assert_true(written > 0);
    /* two hours on, the old hour ages out of the store; its day stays in
     * the database (it does not end by the cutoff) */
    clock_set(NOW + 2 * 3600, true);
    struct usage c = record("acme", "gpt-4o-mini", NOW + 2 * 3600 - 60, 3000);
    assert_int_equal(s->put(s, &c), 1);
    assert_int_equal(ingest_flush(in, err, sizeof err), 0);
    sum_stored(db, &k, day, day + CLOCK_DAY, &t);
    assert_true(t.cost == written);
    /* new rates (a new price table does the same): the row and the chunks
     * the store holds are written again */
    int id = store_series(st, &k);
    struct tally_rates r = *store_series_rates(st, id);
    r.per_token[0] *= 3;
    store_series_set_rates(st, id, &r);
    assert_int_equal(ingest_flush(in, err, sizeof err), 0);
    ingest_free(in);
    store_free(st);

    clock_set(NOW - 3600, true);
    st = store_new();
    assert_int_equal(db_load_recent(db, st, clock_now()), 0);
    store_sum(st, store_series(st, &k), day, day + CLOCK_DAY, &t);
    store_free(st);
    clock_set(NOW, true);
    assert_as_written_or_gone(&t, written, "a restart");
    sum_stored(db, &k, day, day + CLOCK_DAY, &t);
    assert_as_written_or_gone(&t, written, "a load of everything");
    pricing_free(p);
    db_close(db);
}

/* A change a viewer cannot apply (its series' rates damaged) is read
 * again by the next call, not skipped: once the row is whole again, the
 * viewer has what the owner has. */
static void test_a_change_a_viewer_cannot_apply_is_read_again(void **state)
{
    (void)state;
    char err[256];
    struct db *db = db_open(dbpath, err, sizeof err);
    assert_non_null(db);
    struct pricing *p = gpt_4o_mini_priced(1.5e-7);
    struct store *st;
    struct ingest *in = start_with(db, p, &st);
    struct sink *s = ingest_sink(in);
    struct usage a = record("acme", "gpt-4o-mini", NOW - 7200, 1000);
    struct usage b = record("globex", "gpt-4o-mini", NOW - 7200, 300);
    s->put(s, &a);
    s->put(s, &b);
    assert_int_equal(ingest_flush(in, err, sizeof err), 0);
    struct db *v = db_open_viewer(dbpath, err, sizeof err);
    assert_non_null(v);
    struct store *vst = store_new();
    int64_t seq = 0;
    assert_int_equal(db_changes_last(v, &seq), 0);
    assert_int_equal(db_load(v, vst, NOW - STORE_RETENTION), 0);

    a.ts = b.ts = NOW - 60;
    s->put(s, &a);
    s->put(s, &b);
    assert_int_equal(ingest_flush(in, err, sizeof err), 0);
    sqlite3 *h = db_handle(db);
    assert_int_equal(sqlite3_exec(h, "CREATE TABLE kept AS SELECT id, rates FROM series;"
                                  "UPDATE series SET rates = x'01'", NULL, NULL, NULL), SQLITE_OK);
    int64_t before = seq;
    assert_int_equal(db_changes_apply(v, vst, &seq), -1);
    assert_true(seq == before);
    assert_int_equal(sqlite3_exec(h, "UPDATE series SET rates = (SELECT rates FROM kept"
                                  " WHERE kept.id = series.id); DROP TABLE kept",
                                  NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(db_changes_apply(v, vst, &seq), 0);
    assert_true(seq > before);
    assert_same_sums(st, vst);
    ingest_free(in);
    store_free(st);
    store_free(vst);
    db_close(v);
    pricing_free(p);
    db_close(db);
}

/* A load reads each series' day chunks and its rows side by side: a series
 * with both (its rows an hour older than the newest), one with rows only,
 * one with chunks only, and rows of a series the database does not name
 * all come back as they were stored. */
static void test_a_load_merges_each_series_chunks_and_rows(void **state)
{
    (void)state;
    char err[256];
    struct db *db = db_open(dbpath, err, sizeof err);
    assert_non_null(db);
    struct store *st = store_new();
    struct pricing *p = pricing_new();
    struct ingest *in = ingest_new(st, db, p);
    struct sink *s = ingest_sink(in);
    /* acme: two days, its last hour 3 hours back; initech: a day ending
     * 5 hours back, then sealed by a later flush of its own */
    for (int64_t t = NOW - 2 * 86400 + 120; t < NOW - 3 * 3600; t += 900) {
        struct usage a = record("acme", "gpt-4o-mini", t, 1000);
        s->put(s, &a);
    }
    for (int64_t t = NOW - 86400; t < NOW - 5 * 3600; t += 1800) {
        struct usage c = record("initech", "gpt-4o-mini", t, 40);
        s->put(s, &c);
    }
    assert_int_equal(ingest_flush(in, err, sizeof err), 0);
    /* globex: this hour only */
    struct usage g = record("globex", "gpt-4o-mini", NOW - 60, 300);
    s->put(s, &g);
    s->put(s, &g);
    assert_int_equal(ingest_flush(in, err, sizeof err), 0);
    struct tally before;
    totals(st, &before);
    size_t buckets = store_bucket_count(st);
    ingest_free(in);
    store_free(st);
    int64_t rows = raw_count(db, "SELECT count(*) FROM buckets");
    assert_true(rows > 0);
    /* rows of a series no series row names are not loaded */
    sqlite3_exec((sqlite3 *)db_handle(db),
                 "INSERT INTO buckets SELECT 999, minute, requests, errors, input, input_ck,"
                 " cache_read, cache_write_5m, cache_write_1h, output, output_rk, reasoning,"
                 " cost, billed, requests_unknown, no_usage, reported_n, reported FROM buckets",
                 NULL, NULL, NULL);
    assert_int_equal(raw_count(db, "SELECT count(*) FROM buckets"), 2 * rows);
    assert_true(raw_count(db, "SELECT count(*) FROM chunks") > 0);
    assert_true(raw_count(db, "SELECT count(DISTINCT series) FROM buckets WHERE series IN "
                              "(SELECT series FROM chunks)") > 0);
    assert_true(raw_count(db, "SELECT count(DISTINCT series) FROM buckets WHERE series NOT IN "
                              "(SELECT series FROM chunks)") > 1);
    db_close(db);

    db = db_open(dbpath, err, sizeof err);
    st = store_new();
    assert_int_equal(db_load(db, st, NOW - STORE_RETENTION), 0);
    assert_int_equal(store_bucket_count(st), buckets);
    struct tally after;
    totals(st, &after);
    assert_memory_equal(&before, &after, sizeof before);
    assert_int_equal(after.requests, 180 + 38 + 2);
    store_free(st);
    db_close(db);
    pricing_free(p);
}

/* Records older than the history reaches are not counted, and the log
 * says so at the 1st, the 10th, the 100th (an old export replayed must
 * not read as "$0.00, ok" with nothing said). */
static void test_records_older_than_the_history_are_said(void **state)
{
    (void)state;
    char err[256], logpath[4300];
    snprintf(logpath, sizeof logpath, "%s/log", dir);
    assert_int_equal(log_open(logpath, err, sizeof err), 0);
    struct store *st = store_new();
    struct pricing *p = pricing_new();
    struct ingest *in = ingest_new(st, NULL, p);
    struct sink *s = ingest_sink(in);
    for (int i = 0; i < 12; i++) {
        struct usage old = record("acme", "gpt-4o-mini", NOW - STORE_RETENTION - 3600 - i, 10);
        assert_int_equal(s->put(s, &old), 0);
    }
    struct usage fresh = record("acme", "gpt-4o-mini", NOW - 60, 10);
    assert_int_equal(s->put(s, &fresh), 1);
    assert_int_equal(ingest_stats(in)->too_old, 12);
    log_close();
    FILE *fp = fopen(logpath, "r");
    assert_non_null(fp);
    char line[1024];
    int said = 0;
    while (fgets(line, sizeof line, fp))
        if (strstr(line, "older than the history keeps")) {
            said++;
            assert_non_null(strstr(line, said == 1 ? ": 1 record older" : ": 10 records older"));
            assert_non_null(strstr(line, "source 'spans'"));
        }
    fclose(fp);
    assert_int_equal(said, 2);
    ingest_free(in);
    store_free(st);
    pricing_free(p);
}

/* One series row per key: a series a process makes without having loaded
 * the database (its row stored by an earlier one) is found, not added
 * again, and its price status is written over the stored one. */
static void test_a_stored_series_made_again_is_found_and_updated(void **state)
{
    (void)state;
    char err[256];
    struct series_key k = {"spans", "openai", "gpt-4o-mini", "acme", ""};
    struct db *db = db_open(dbpath, err, sizeof err);
    assert_non_null(db);
    struct store *st = store_new();
    int id = store_series(st, &k);
    store_series_set_price(st, id, PRICE_NONE);
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_put_series(db, st, id), 0);
    assert_int_equal(db_commit(db), 0);
    store_free(st);
    db_close(db);
    db = db_open(dbpath, err, sizeof err);
    assert_non_null(db);
    st = store_new(); /* not loaded */
    store_series(st, &(struct series_key){"spans", "openai", "gpt-4o", "acme", ""});
    id = store_series(st, &k);
    store_series_set_price(st, id, PRICE_FULL);
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_put_series(db, st, 0), 0);
    assert_int_equal(db_put_series(db, st, id), 0);
    assert_int_equal(db_commit(db), 0);
    assert_int_equal(raw_count(db, "SELECT count(*) FROM series"), 2);
    assert_int_equal(raw_count(db, "SELECT count(*) FROM series WHERE model = 'gpt-4o-mini'"
                                   " AND price = 'full'"), 1);
    store_free(st);
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_restart_reloads_everything, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uncommitted_flush_is_invisible, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill_during_flush_keeps_cursor_and_data_in_step, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune_removes_old_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_clock_far_ahead_prunes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_start_loads_the_retention_back_from_the_newest_data,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_restart_with_the_same_table_prices_nothing_again,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_reprice_not_written_is_done_again, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_future_and_impossible_records_are_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_batched_rows_all_land_or_none, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_database_is_a_clear_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_records_older_than_the_history_are_said, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_load_merges_each_series_chunks_and_rows, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sealed_hours_are_kept_as_day_chunks, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_aged_out_series_leave_the_database, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_price_added_later_prices_the_stored_history,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_reported_cost_and_unknowns_reach_the_snapshot_across_a_restart, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_a_stored_series_made_again_is_found_and_updated,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_costs_are_stored_with_the_rates_they_are_written_with,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_change_a_viewer_cannot_apply_is_read_again, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_a_rates_change_leaves_no_chunk_written_with_the_old_rates, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
