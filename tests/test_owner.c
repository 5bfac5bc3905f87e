/* test_owner.c - what an owner shares with its viewers through the
 * database (core/owner.h, db.h's change log, lockfile_owner): a viewer
 * that loads once and then applies only the logged changes holds exactly
 * what a fresh load would; a transaction too big to list, or a log that
 * no longer reaches back, says "load anew"; the owner's facts and a
 * viewer's requests make the trip intact; the owner is seen without a
 * lock being taken; a viewer makes a new view for what it shows, not for
 * the owner's row rewritten by each poll. */
#include "tests/helpers.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "core/db.h"
#include "core/ingest.h"
#include "core/lockfile.h"
#include "core/owner.h"
#include "core/store.h"
#include "app/viewer.h"
#include "lib/clock.h"

static const int64_t NOW = 1795348800; /* 2026-11-22T08:00:00Z */

static char *dir;
static char dbpath[4200];

static int setup(void **state)
{
    (void)state;
    dir = temp_dir();
    snprintf(dbpath, sizeof dbpath, "%s/state.db", dir);
    clock_set(NOW, true);
    return 0;
}

/* a child a test stopped: killed however the test ends (a failed
 * assertion must not leave it holding the test's output open) */
static pid_t child_left;

static int teardown(void **state)
{
    (void)state;
    if (child_left > 0) {
        kill(child_left, SIGKILL);
        waitpid(child_left, NULL, 0);
        child_left = 0;
    }
    rm_rf(dir);
    return 0;
}

/* The owner's side: a store, an ingest and the database. */
struct owner {
    struct db *db;
    struct store *st;
    struct pricing *p;
    struct ingest *in;
};

static void owner_open(struct owner *o)
{
    char err[512];
    o->db = db_open(dbpath, err, sizeof err);
    assert_non_null(o->db);
    o->st = store_new();
    o->p = pricing_new();
    assert_true(pricing_load_default(o->p, err, sizeof err) > 0);
    o->in = ingest_new(o->st, o->db, o->p);
}

static void owner_close(struct owner *o)
{
    ingest_free(o->in);
    pricing_free(o->p);
    store_free(o->st);
    db_close(o->db);
}

/* n records of tenant, one a minute back from ts, then a flush. */
static void put(struct owner *o, const char *tenant, int64_t ts, int n)
{
    for (int i = 0; i < n; i++) {
        struct usage u = {.ts = ts - 60 * i, .source = "spans", .provider = "openai",
                          .model = "gpt-4o-mini", .tenant = tenant, .requests = 1,
                          .input = 1000 + i, .output = 10};
        ingest_sink(o->in)->put(ingest_sink(o->in), &u);
    }
    char err[256];
    assert_int_equal(ingest_flush(o->in, err, sizeof err), 0);
}

/* Everything a store holds, per tenant: requests and input over the
 * retention, which the test compares. */
static void expect_same(struct store *a, struct store *b)
{
    struct tally ta = {0}, tb = {0};
    for (size_t i = 0; i < store_series_count(a); i++) {
        struct tally t;
        store_sum(a, (int)i, 0, INT64_MAX, &t);
        tally_add(&ta, &t);
    }
    for (size_t i = 0; i < store_series_count(b); i++) {
        struct tally t;
        store_sum(b, (int)i, 0, INT64_MAX, &t);
        tally_add(&tb, &t);
    }
    assert_int_equal(store_series_count(a), store_series_count(b));
    assert_int_equal(ta.requests, tb.requests);
    assert_int_equal(ta.input, tb.input);
    assert_int_equal(ta.requests_unknown, tb.requests_unknown);
    assert_int_equal(ta.no_usage, tb.no_usage);
    assert_int_equal(ta.reported_n, tb.reported_n);
    assert_close(ta.cost, tb.cost, 1e-12);
    assert_close(ta.reported, tb.reported, 1e-12);
}

static struct db *viewer_db(void)
{
    char err[512];
    struct db *db = db_open_viewer(dbpath, err, sizeof err);
    if (!db)
        fail_msg("%s", err);
    return db;
}

static void test_a_viewer_applying_changes_holds_what_a_fresh_load_holds(void **state)
{
    (void)state;
    struct owner o;
    owner_open(&o);
    put(&o, "acme", NOW - 600, 5);
    struct db *v = viewer_db();
    struct store *seen = store_new();
    int64_t seq = 0, dv = db_data_version(v);
    assert_int_equal(db_read_begin(v), 0);
    assert_int_equal(db_changes_last(v, &seq), 0);
    assert_int_equal(db_load(v, seen, NOW - STORE_RETENTION), 0);
    db_read_end(v);
    /* new buckets, a new tenant, a bucket replaced and one emptied */
    put(&o, "acme", NOW - 60, 2);
    put(&o, "globex", NOW - 120, 3);
    struct series_key acme = {"spans", "openai", "gpt-4o-mini", "acme", NULL};
    int id = store_series(o.st, &acme);
    store_set(o.st, id, NOW - 600,
              &(struct tally){.requests = 7, .input = 70, .requests_unknown = 2,
                              .no_usage = 3, .reported_n = 1, .reported = 0.5});
    store_set(o.st, id, NOW - 660, &(struct tally){0});
    /* the same names at another price tier: a series of its own */
    struct series_key batch = {"spans", "openai", "gpt-4o-mini", "acme", "batch"};
    store_set(o.st, store_series(o.st, &batch), NOW - 600, &(struct tally){.requests = 1});
    put(&o, "acme", NOW - 60, 0);
    assert_true(db_data_version(v) != dv); /* the owner committed */
    assert_int_equal(db_changes_apply(v, seen, &seq), 0);
    struct store *fresh = store_new();
    assert_int_equal(db_load(v, fresh, NOW - STORE_RETENTION), 0);
    expect_same(seen, fresh);
    /* the replaced bucket is the owner's value, not a sum */
    struct tally t;
    int vid = store_series(seen, &acme);
    store_sum(seen, vid, NOW - 600, NOW - 540, &t);
    assert_int_equal(t.requests, 7);
    /* and what senders told beside tokens, which the viewer reads too */
    assert_int_equal(t.requests_unknown, 2);
    assert_int_equal(t.no_usage, 3);
    assert_int_equal(t.reported_n, 1);
    assert_close(t.reported, 0.5, 1e-12);
    store_sum(seen, store_series(seen, &batch), NOW - 600, NOW - 540, &t);
    assert_int_equal(t.requests, 1);
    store_sum(seen, vid, NOW - 660, NOW - 600, &t);
    assert_int_equal(t.requests, 0);
    /* nothing new: nothing applied, same position */
    int64_t at = seq;
    assert_int_equal(db_changes_apply(v, seen, &at), 0);
    assert_int_equal(at, seq);
    store_free(fresh);
    store_free(seen);
    db_close(v);
    owner_close(&o);
}

static void test_a_transaction_too_big_to_list_says_load_anew(void **state)
{
    (void)state;
    struct owner o;
    owner_open(&o);
    put(&o, "acme", NOW - 60, 1);
    struct db *v = viewer_db();
    int64_t seq = 0;
    assert_int_equal(db_changes_last(v, &seq), 0);
    put(&o, "acme", NOW - 120, 5000); /* 5000 buckets in one flush */
    struct store *seen = store_new();
    assert_int_equal(db_changes_apply(v, seen, &seq), 1);
    /* the log holds at most a few thousand of that flush's keys */
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2((sqlite3 *)db_handle(v),
                                        "SELECT count(*) FROM changes", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_true(sqlite3_column_int(s, 0) < 5000);
    sqlite3_finalize(s);
    store_free(seen);
    db_close(v);
    owner_close(&o);
}

static void test_a_log_that_no_longer_reaches_back_says_load_anew(void **state)
{
    (void)state;
    struct owner o;
    owner_open(&o);
    put(&o, "acme", NOW - 60, 3);
    /* the oldest rows pruned, as the owner does past CHANGES_KEEP */
    assert_int_equal(sqlite3_exec((sqlite3 *)db_handle(o.db),
                                  "DELETE FROM changes WHERE seq < 3", NULL, NULL, NULL),
                     SQLITE_OK);
    struct db *v = viewer_db();
    struct store *seen = store_new();
    int64_t seq = 0;
    assert_int_equal(db_changes_apply(v, seen, &seq), 1);
    seq = 1; /* row 2 is gone, 3 is next: still a gap */
    assert_int_equal(db_changes_apply(v, seen, &seq), 1);
    seq = 2;
    assert_int_equal(db_changes_apply(v, seen, &seq), 0);
    store_free(seen);
    db_close(v);
    owner_close(&o);
}

static void test_a_viewer_refuses_another_schema_version(void **state)
{
    (void)state;
    struct owner o;
    owner_open(&o);
    assert_int_equal(sqlite3_exec((sqlite3 *)db_handle(o.db), "PRAGMA user_version=5", NULL,
                                  NULL, NULL), SQLITE_OK);
    char err[512];
    assert_null(db_open_viewer(dbpath, err, sizeof err));
    assert_non_null(strstr(err, "schema version 5"));
    owner_close(&o);
}

static void test_the_owners_facts_make_the_trip_intact(void **state)
{
    (void)state;
    struct owner o;
    owner_open(&o);
    struct view_budget budgets[] = {{"acme", 250}, {"globex \"q\"", NAN}};
    struct source_status src[2] = {
        {.name = "spans", .type = "otel_file", .state = SOURCE_OK, .started = NOW - 50,
         .last_success = NOW - 1, .last_data = NOW - 2, .records = 42, .rejected = 3,
         .no_usage = 1},
        {.name = "openai-prod", .type = "openai", .usage_provider = "openai",
         .reports_billed = true, .usage_known = true, .state = SOURCE_ERROR,
         .last_error = "HTTP 401: bad key"},
    };
    double th[] = {0.5, 0.8, 1.0};
    struct budget_settings periods[] = {
        {.scope = "total", .period = budget_period_names[2], .amount_usd = 5000,
         .thresholds = th, .nthresholds = 3},
        {.scope = "tenant:acme", .period = budget_period_names[0], .amount_usd = 250},
    };
    struct owner_facts f = {.pid = 812, .mode = "daemon", .started = NOW - 50,
                            .timezone = "Europe/Berlin", .window = 21600, .refresh = 2,
                            .stale_after = 900, .factor = 1.5, .mix_shift = 0.25,
                            .cache_drop = 0.2, .reasoning_factor = 2, .budgets = budgets,
                            .nbudgets = 2, .periods = periods, .nperiods = 2,
                            .prices = "default 2026-07-24, 1 override",
                            .prices_source = "/var/lib/spendtop/prices.json",
                            .prices_date = NOW - 86400, .sources = src, .nsources = 2};
    struct strbuf json = {0};
    owner_facts_json(&f, &json);
    assert_int_equal(owner_publish(o.db, &f, strbuf_str(&json)), 0);
    strbuf_free(&json);

    struct db *v = viewer_db();
    struct owner_facts r;
    assert_int_equal(owner_read(v, &r), 0);
    assert_int_equal(r.pid, 812);
    assert_string_equal(r.mode, "daemon");
    assert_string_equal(r.timezone, "Europe/Berlin");
    assert_int_equal(r.window, 21600);
    assert_int_equal(r.refresh, 2);
    assert_int_equal(r.stale_after, 900);
    assert_close(r.factor, 1.5, 0);
    assert_close(r.cache_drop, 0.2, 0);
    assert_int_equal(r.nbudgets, 2);
    assert_string_equal(r.budgets[1].tenant, "globex \"q\"");
    assert_close(r.budgets[0].daily_usd, 250, 0);
    assert_nan(r.budgets[1].daily_usd); /* no budget stays unknown, never $0 */
    /* the budgets per period, their period the very name budget.c compares */
    assert_int_equal(r.nperiods, 2);
    assert_string_equal(r.periods[0].scope, "total");
    assert_ptr_equal(r.periods[0].period, budget_period_names[2]);
    assert_close(r.periods[0].amount_usd, 5000, 0);
    assert_int_equal(r.periods[0].nthresholds, 3);
    assert_close(r.periods[0].thresholds[1], 0.8, 0);
    assert_ptr_equal(r.periods[1].period, budget_period_names[0]);
    assert_int_equal(r.periods[1].nthresholds, 0);
    /* the prices in force, for a viewer's header and age flag */
    assert_string_equal(r.prices, "default 2026-07-24, 1 override");
    assert_string_equal(r.prices_source, "/var/lib/spendtop/prices.json");
    assert_int_equal(r.prices_date, NOW - 86400);
    assert_int_equal(r.nsources, 2);
    assert_string_equal(r.sources[0].name, "spans");
    assert_null(r.sources[0].usage_provider);
    assert_int_equal(r.sources[0].state, SOURCE_OK);
    assert_int_equal(r.sources[0].records, 42);
    assert_int_equal(r.sources[0].rejected, 3);
    assert_int_equal(r.sources[0].no_usage, 1);
    assert_int_equal(r.sources[0].last_data, NOW - 2);
    assert_string_equal(r.sources[1].usage_provider, "openai");
    assert_true(r.sources[1].reports_billed);
    /* a viewer counts as the owner does: which usage sources answered */
    assert_false(r.sources[0].usage_known);
    assert_true(r.sources[1].usage_known);
    assert_int_equal(r.sources[1].state, SOURCE_ERROR);
    assert_string_equal(r.sources[1].last_error, "HTTP 401: bad key");
    owner_facts_free(&r);
    db_close(v);
    owner_close(&o);
}

static void test_no_owner_row_yet_is_said(void **state)
{
    (void)state;
    struct owner o;
    owner_open(&o);
    struct db *v = viewer_db();
    struct owner_facts r;
    assert_int_equal(owner_read(v, &r), 1);
    owner_facts_free(&r);
    db_close(v);
    owner_close(&o);
}

/* A full disk while the owner rewrites its row: the reason is said (the
 * daemon logs "cannot tell viewers what changed (will retry): %s" with
 * db_error, which said nothing on this path). The database's size is
 * capped at what it holds now (max_page_count), as a full disk would. */
static void test_a_row_the_disk_has_no_room_for_says_why(void **state)
{
    (void)state;
    struct owner o;
    owner_open(&o);
    struct owner_facts f = {.pid = 812, .mode = "daemon", .timezone = "UTC"};
    assert_int_equal(owner_publish(o.db, &f, "{}"), 0);
    sqlite3 *h = db_handle(o.db);
    assert_int_equal(sqlite3_exec(h, "PRAGMA max_page_count = 1", NULL, NULL, NULL), SQLITE_OK);
    char *big = malloc(1 << 20);
    assert_non_null(big);
    memset(big, 'x', (1 << 20) - 1);
    big[(1 << 20) - 1] = '\0';
    assert_int_equal(owner_publish(o.db, &f, big), -1);
    if (!strstr(db_error(o.db), "database or disk is full"))
        fail_msg("the reason said: '%s'", db_error(o.db));
    free(big);
    owner_close(&o);
}

struct got {
    char kinds[8][16], args[8][64];
    int n;
};

static void got_one(void *ctx, const char *kind, const char *arg, int64_t at, long pid)
{
    struct got *g = ctx;
    assert_int_equal(at, NOW);
    assert_int_equal(pid, (long)getpid());
    snprintf(g->kinds[g->n], sizeof g->kinds[0], "%s", kind);
    snprintf(g->args[g->n], sizeof g->args[0], "%s", arg);
    g->n++;
}

static void test_requests_reach_the_owner_once_in_order(void **state)
{
    (void)state;
    struct owner o;
    owner_open(&o);
    struct db *v = viewer_db();
    assert_true(db_writable(v));
    assert_int_equal(owner_request_put(v, "silence", "abc123", NOW), 0);
    assert_int_equal(owner_request_put(v, "poll", "", NOW), 0);
    struct got g = {0};
    assert_int_equal(owner_requests_take(o.db, got_one, &g), 2);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.kinds[0], "silence");
    assert_string_equal(g.args[0], "abc123");
    assert_string_equal(g.kinds[1], "poll");
    /* done once */
    assert_int_equal(owner_requests_take(o.db, got_one, &g), 0);
    assert_int_equal(g.n, 2);
    db_close(v);
    owner_close(&o);
}

static void test_a_read_only_viewer_reads_and_cannot_ask(void **state)
{
    (void)state;
    if (geteuid() == 0)
        skip(); /* root writes whatever the mode says */
    struct owner o;
    owner_open(&o);
    put(&o, "acme", NOW - 60, 1);
    assert_int_equal(chmod(dbpath, 0444), 0);
    struct db *v = viewer_db();
    assert_false(db_writable(v));
    assert_int_equal(owner_request_put(v, "poll", "", NOW), -1);
    db_close(v);
    owner_close(&o);
}

static void test_the_owner_is_seen_without_taking_a_lock(void **state)
{
    (void)state;
    char err[512];
    assert_int_equal(lockfile_owner(dbpath), 0); /* no lock file yet */
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t child = fork();
    if (child == 0) {
        /* the owner: takes the database, says so, waits to be killed */
        int fd = lockfile_take(dbpath, err, sizeof err);
        if (write(fds[1], fd >= 0 ? "y" : "n", 1) != 1)
            _exit(2);
        for (;;)
            pause();
    }
    char c = 0;
    assert_int_equal(read(fds[0], &c, 1), 1);
    assert_int_equal(c, 'y');
    assert_int_equal(lockfile_owner(dbpath), (long)child);
    assert_int_equal(lockfile_owner(dbpath), (long)child); /* asking took nothing */
    assert_int_equal(lockfile_take(dbpath, err, sizeof err), LOCKFILE_BUSY);
    assert_non_null(strstr(err, "in use by another spendtop"));
    kill(child, SIGKILL);
    int status;
    waitpid(child, &status, 0);
    close(fds[0]);
    close(fds[1]);
    assert_int_equal(lockfile_owner(dbpath), 0);
    int fd = lockfile_take(dbpath, err, sizeof err);
    assert_true(fd >= 0);
    lockfile_release(fd);
}

/* An owner that has just taken a new database writes its schema next: a
 * viewer opening it in between finds schema version 0. db_open_viewer
 * refuses that; db_open_viewer_ready waits for the owner to finish. */
static void test_a_starting_viewer_waits_for_the_owners_schema(void **state)
{
    (void)state;
    char err[512];
    int up[2], go[2];
    assert_int_equal(pipe(up), 0);
    assert_int_equal(pipe(go), 0);
    pid_t child = fork();
    if (child == 0) {
        /* the owner: takes the database (an empty file), says so, writes
         * its schema when told to, then holds it until the test closes
         * its end of the pipe, or ends however it ends */
        close(up[0]);
        close(go[1]);
        int fd = lockfile_take(dbpath, err, sizeof err);
        char c;
        if (write(up[1], fd >= 0 ? "y" : "n", 1) != 1 || read(go[0], &c, 1) != 1)
            _exit(2);
        struct db *db = db_open(dbpath, err, sizeof err);
        (void)db;
        while (read(go[0], &c, 1) > 0)
            ;
        _exit(0);
    }
    close(up[1]);
    char c = 0;
    assert_int_equal(read(up[0], &c, 1), 1);
    assert_int_equal(c, 'y');
    assert_null(db_open_viewer(dbpath, err, sizeof err));
    assert_non_null(strstr(err, "schema version 0"));
    assert_int_equal(write(go[1], "g", 1), 1);
    struct db *v = db_open_viewer_ready(dbpath, err, sizeof err);
    close(go[1]); /* the owner ends */
    close(up[0]);
    close(go[0]);
    int status;
    waitpid(child, &status, 0);
    assert_non_null(v);
    db_close(v);
    /* with no owner there is nothing to wait for: an empty file is refused */
    char empty[4300];
    snprintf(empty, sizeof empty, "%s.empty", dbpath);
    int fd = open(empty, O_CREAT | O_WRONLY, 0600);
    assert_true(fd >= 0);
    close(fd);
    assert_null(db_open_viewer_ready(empty, err, sizeof err));
    assert_non_null(strstr(err, "schema version 0"));
    unlink(empty);
}

/* ---- two starting at once on a new database -------------------------------------- */

/* The interleaving: the first connection made after arm() runs, at the
 * start of its first statement that lists the tables (schema_check's
 * last read), a whole db_open of the same file by another connection -
 * another process making the schema at exactly that moment. */
static bool armed, interleaved, made;

static int at_table_list(unsigned type, void *ctx, void *stmt, void *sql)
{
    (void)type;
    (void)ctx;
    (void)stmt;
    if (interleaved || !strstr(sql, "sqlite_master"))
        return 0;
    interleaved = true;
    char err[512];
    struct db *other = db_open(dbpath, err, sizeof err);
    made = other != NULL;
    db_close(other);
    return 0;
}

static int hook_connection(sqlite3 *h, const char **msg, const void *api)
{
    (void)msg;
    (void)api;
    if (armed) {
        armed = false; /* the next connection (db_open's, inside) is left alone */
        sqlite3_trace_v2(h, SQLITE_TRACE_STMT, at_table_list, NULL);
    }
    return SQLITE_OK;
}

/* A new file as db_open leaves it just before its schema: empty, in WAL
 * mode (which writes the header: a reader's snapshot then never blocks
 * the writer), and the hook armed for the next connection. */
static void new_wal_file_armed(void)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "PRAGMA journal_mode=WAL", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    armed = true;
    interleaved = made = false;
    /* (the cast to void (*)(void) is what sqlite3_auto_extension takes) */
    assert_int_equal(sqlite3_auto_extension((void (*)(void))hook_connection), SQLITE_OK);
}

/* A viewer checking the schema while the owner commits it: it sees the
 * schema whole or not at all (one snapshot), never "tables, and no
 * mark" - which was "not a spendtop database (it has tables, e.g.
 * 'outbox', and no spendtop mark)" about the one its owner was making. */
static void test_a_viewer_sees_a_schema_made_meanwhile_whole_or_not_at_all(void **state)
{
    (void)state;
    char err[512];
    new_wal_file_armed();
    struct db *v = db_open_viewer(dbpath, err, sizeof err);
    sqlite3_reset_auto_extension();
    assert_true(interleaved);
    assert_true(made);
    assert_null(v); /* not yet: what it saw was the empty file */
    if (!strstr(err, "schema version 0"))
        fail_msg("%s", err);
    v = db_open_viewer(dbpath, err, sizeof err); /* and now the whole schema */
    assert_non_null(v);
    db_close(v);
}

/* Two making the same new database: the second, which looked while the
 * first committed, opens the whole schema the first made (its steps run
 * once). */
static void test_a_second_maker_opens_the_schema_the_first_made(void **state)
{
    (void)state;
    char err[512];
    new_wal_file_armed();
    struct db *db = db_open(dbpath, err, sizeof err);
    sqlite3_reset_auto_extension();
    assert_true(interleaved);
    assert_true(made);
    if (!db)
        fail_msg("%s", err);
    /* the series table once, made by the first: the second wrote nothing */
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db_handle(db), "SELECT count(*) FROM sqlite_master "
                                        "WHERE name = 'series'", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 1);
    sqlite3_finalize(q);
    db_close(db);
}

/* An owner between the steps of taking its database (stopped there, as
 * lockfile_test_pause lets a test stop it): a process refused now finds
 * it (lockfile_owner), so a viewer waits for its schema - it used to find
 * no owner of an empty file and refuse it ("schema version 0 ... run the
 * same spendtop as its owner"). One that never comes is said, in 10 s. */
static void test_a_process_refused_while_the_owner_takes_the_database_finds_it(void **state)
{
    (void)state;
    char err[512];
    int up[2];
    assert_int_equal(pipe(up), 0);
    pid_t child = fork();
    if (child == 0) {
        /* the owner: stops at "locked", then makes the schema and holds it */
        close(up[0]);
        setenv("SPENDTOP_TEST_PAUSE", "locked", 1);
        int fd = lockfile_take(dbpath, err, sizeof err);
        struct db *db = fd >= 0 ? db_open(dbpath, err, sizeof err) : NULL;
        if (write(up[1], db ? "y" : "n", 1) != 1)
            _exit(2);
        for (;;)
            pause();
    }
    close(up[1]);
    child_left = child;
    int status;
    assert_int_equal(waitpid(child, &status, WUNTRACED), child);
    assert_true(WIFSTOPPED(status));
    assert_int_equal(lockfile_take(dbpath, err, sizeof err), LOCKFILE_BUSY);
    assert_int_equal(lockfile_owner(dbpath), (long)child);
    /* the owner never goes on: the wait ends, and says why */
    assert_null(db_open_viewer_ready(dbpath, err, sizeof err));
    assert_non_null(strstr(err, "has not made its tables in 10 s"));
    kill(child, SIGCONT);
    char c = 0;
    assert_int_equal(read(up[0], &c, 1), 1);
    assert_int_equal(c, 'y');
    struct db *v = db_open_viewer_ready(dbpath, err, sizeof err);
    assert_non_null(v);
    db_close(v);
    close(up[0]);
}

/* ---- a start that fails ---------------------------------------------------------- */

static bool exists(const char *path, const char *suffix)
{
    char p[4300];
    snprintf(p, sizeof p, "%s%s", path, suffix);
    return access(p, F_OK) == 0;
}

/* An owner whose start fails after it took a new database (its schema
 * made or not: a full disk, a config error found after the lock) leaves
 * nothing: no empty database for the next start to take for one, no
 * DB.lock. One whose start was done keeps it; files that were there
 * before a failed start stay. */
static void test_a_start_that_fails_leaves_nothing_it_made(void **state)
{
    (void)state;
    char err[512];
    /* failed before its schema */
    int fd = lockfile_take(dbpath, err, sizeof err);
    assert_true(fd >= 0);
    assert_true(exists(dbpath, "") && exists(dbpath, ".lock"));
    lockfile_release(fd);
    assert_false(exists(dbpath, ""));
    assert_false(exists(dbpath, ".lock"));
    /* failed after it (a viewer's connection keeps the -wal and -shm) */
    fd = lockfile_take(dbpath, err, sizeof err);
    assert_true(fd >= 0);
    struct db *db = db_open(dbpath, err, sizeof err);
    assert_non_null(db);
    struct db *v = viewer_db();
    db_close(db);
    assert_true(exists(dbpath, "-wal"));
    lockfile_release(fd);
    db_close(v);
    assert_false(exists(dbpath, ""));
    assert_false(exists(dbpath, "-wal"));
    assert_false(exists(dbpath, "-shm"));
    assert_false(exists(dbpath, ".lock"));
    /* done: kept */
    fd = lockfile_take(dbpath, err, sizeof err);
    assert_true(fd >= 0);
    lockfile_keep();
    lockfile_release(fd);
    assert_true(exists(dbpath, "") && exists(dbpath, ".lock"));
    /* there before: a failed start leaves it as it was */
    fd = lockfile_take(dbpath, err, sizeof err);
    assert_true(fd >= 0);
    lockfile_release(fd);
    assert_true(exists(dbpath, "") && exists(dbpath, ".lock"));
}

/* A new database is made 0666 less the umask, as db_open makes one: under
 * the README's shared setup (umask 0007) the group may write requests. It
 * was made 0640 there (lockfile_take creates the file before db_open). */
static void test_a_new_database_is_the_groups_to_write_under_umask_0007(void **state)
{
    (void)state;
    char err[512];
    mode_t old = umask(0007);
    int fd = lockfile_take(dbpath, err, sizeof err);
    umask(old);
    assert_true(fd >= 0);
    struct stat sb;
    assert_int_equal(stat(dbpath, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0660);
    lockfile_keep();
    lockfile_release(fd);
}

/* A process that opened the database file just before a failed start
 * removed it, and locks what it opened once that start is gone: its
 * locks would be on a removed file, and the next process would take the
 * new one too. It takes the database again, on the file there now. */
static void test_a_lock_on_a_file_removed_meanwhile_is_taken_again(void **state)
{
    (void)state;
    char err[512];
    int up[2], go[2];
    assert_int_equal(pipe(up), 0);
    assert_int_equal(pipe(go), 0);
    pid_t child = fork();
    if (child == 0) {
        /* the next (forked before the test's take: it shares no lock of
         * it): when told, stops having opened the file, then takes it and
         * holds it */
        close(up[0]);
        close(go[1]);
        char g;
        if (read(go[0], &g, 1) != 1)
            _exit(2);
        setenv("SPENDTOP_TEST_PAUSE", "opened", 1);
        int lock = lockfile_take(dbpath, err, sizeof err);
        if (write(up[1], lock >= 0 ? "y" : "n", 1) != 1)
            _exit(2);
        for (;;)
            pause();
    }
    close(up[1]);
    close(go[0]);
    child_left = child;
    int fd = lockfile_take(dbpath, err, sizeof err); /* a start that will fail */
    assert_true(fd >= 0);
    assert_int_equal(write(go[1], "g", 1), 1);
    close(go[1]);
    int status;
    assert_int_equal(waitpid(child, &status, WUNTRACED), child);
    assert_true(WIFSTOPPED(status));
    lockfile_release(fd); /* the failed start: the files go */
    assert_false(exists(dbpath, ""));
    kill(child, SIGCONT);
    char c = 0;
    assert_int_equal(read(up[0], &c, 1), 1);
    assert_int_equal(c, 'y');
    close(up[0]);
    /* the child owns the database that is there */
    assert_true(exists(dbpath, ""));
    int dbfd = open(dbpath, O_RDONLY);
    assert_true(dbfd >= 0);
    assert_int_equal(flock(dbfd, LOCK_EX | LOCK_NB), -1);
    close(dbfd);
    assert_int_equal(lockfile_owner(dbpath), (long)child);
    assert_int_equal(lockfile_take(dbpath, err, sizeof err), LOCKFILE_BUSY);
}

/* ---- a viewer's new views ------------------------------------------------------------ */

/* The child owner of viewer_new_views: one source whose facts it
 * publishes, told what to change by one byte on go ('t' the source's last
 * success, 'r' its records, 'a' an alert row written, 'g' its alerts'
 * generation moved, 'q' stop); says 'y' on up after each. Exits 2 on any
 * failure (the parent then reads no 'y'). */
static void owner_of_views(int up, int go)
{
    char err[512];
    if (lockfile_take(dbpath, err, sizeof err) < 0)
        _exit(2);
    struct owner o;
    o.db = db_open(dbpath, err, sizeof err);
    if (!o.db)
        _exit(2);
    struct source_status src = {.name = "spans", .type = "otel_file", .state = SOURCE_OK,
                                .started = NOW - 50, .last_success = NOW - 1, .records = 1};
    struct owner_facts f = {.pid = (long)getpid(), .mode = "daemon", .started = NOW - 50,
                            .timezone = "UTC", .window = 3600, .refresh = 1,
                            .stale_after = 900, .factor = 1.5, .sources = &src,
                            .nsources = 1, .alerts = 1};
    for (char c = 'y'; c != 'q';) {
        if (c == 't')
            src.last_success++;
        else if (c == 'r')
            src.records++;
        else if (c == 'g')
            f.alerts++;
        else if (c == 'a' &&
                 sqlite3_exec((sqlite3 *)db_handle(o.db),
                              "INSERT INTO alerts(key, id, kind, scope, window, state,"
                              " severity, notified_severity, since, false_since,"
                              " resolved_at, last_notified, silenced_until, value,"
                              " baseline, ratio, threshold, summary) VALUES"
                              " ('spend_anomaly|total|3600', 'a1', 'spend_anomaly', 'total',"
                              " 3600, 'firing', 'warning', 'warning', 1795348740, 0, 0,"
                              " 1795348740, 0, 3, 1, 3, 1.5, 'spend 3x its baseline')",
                              NULL, NULL, NULL) != SQLITE_OK)
            _exit(2);
        struct strbuf json = {0};
        owner_facts_json(&f, &json);
        if (owner_publish(o.db, &f, strbuf_str(&json)) != 0 || write(up, "y", 1) != 1)
            _exit(2);
        strbuf_free(&json);
        if (read(go, &c, 1) != 1)
            _exit(2);
    }
    db_close(o.db);
    _exit(0);
}

/* Tell the owner c, wait for it to commit, and let the viewer poll once
 * (its timer's next turn). Returns the host's generation after. */
static uint64_t owner_does(const struct host *h, int up, int go, char c)
{
    char y = 0;
    assert_int_equal(write(go, &c, 1), 1);
    assert_int_equal(read(up, &y, 1), 1);
    assert_int_equal(y, 'y');
    uv_run(h->loop, UV_RUN_ONCE);
    return h->ops->generation(h->ctx);
}

static void stopped(void *arg) { *(bool *)arg = true; }

/* A followed file's source succeeds at every poll, and the owner
 * rewrites its row each time: a viewer must not make a new view (sort
 * every tenant again) for that alone, while anything a view shows - a
 * source's counts, an alert - still makes one. And it reads the alert
 * table again when the owner says its alerts changed, not at every
 * commit. */
static void test_a_viewer_makes_a_new_view_only_for_what_it_shows(void **state)
{
    (void)state;
    int up[2], go[2];
    assert_int_equal(pipe(up), 0);
    assert_int_equal(pipe(go), 0);
    pid_t child = fork();
    if (child == 0)
        owner_of_views(up[1], go[0]);
    child_left = child;
    char y = 0, err[512];
    assert_int_equal(read(up[0], &y, 1), 1);
    struct viewer *v = viewer_open(dbpath, 0, NULL, err, sizeof err);
    if (!v)
        fail_msg("%s", err);
    const struct host *h = viewer_host(v);
    h->ops->start(h->ctx);
    uint64_t g = h->ops->generation(h->ctx);

    assert_true(owner_does(h, up[0], go[1], 't') == g); /* its time alone */
    struct view view;
    viewer_view(v, NULL, false, &view);
    assert_int_equal(view.sources[0].last_success, NOW); /* taken all the same */
    assert_int_equal(view.nalerts, 0);
    view_free(&view);
    uint64_t g2 = owner_does(h, up[0], go[1], 'r');
    assert_true(g2 != g);
    assert_true(owner_does(h, up[0], go[1], 'a') == g2); /* not read: not said */
    viewer_view(v, NULL, false, &view);
    assert_int_equal(view.nalerts, 0);
    view_free(&view);
    assert_true(owner_does(h, up[0], go[1], 'g') != g2);
    viewer_view(v, NULL, false, &view);
    assert_int_equal(view.sources[0].records, 2);
    assert_int_equal(view.nalerts, 1);
    view_free(&view);

    assert_int_equal(write(go[1], "q", 1), 1);
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    child_left = 0;
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    bool done = false;
    h->ops->stop(h->ctx, stopped, &done);
    uv_run(h->loop, UV_RUN_DEFAULT);
    assert_true(done);
    viewer_free(v);
    for (int i = 0; i < 2; i++) {
        close(up[i]);
        close(go[i]);
    }
}

/* ---- the owner rings after each commit -------------------------------------------------- */

static void committed(void *ctx)
{
    /* called once the commit is visible: another connection reads it */
    struct db *v = viewer_db();
    struct owner_facts r;
    *(int *)ctx = owner_read(v, &r) == 0 ? (int)r.pid : -1;
    owner_facts_free(&r);
    db_close(v);
}

static void rung(uv_fs_event_t *h, const char *name, int events, int status)
{
    (void)name;
    (void)events;
    *(int *)h->data += status == 0;
}

static void no_event(uv_timer_t *t) { (void)t; }

/* db_on_commit calls back once a commit is there for readers, and
 * lockfile_ring reaches an inotify watch on lockfile_path's file: what a
 * viewer waits on instead of its next poll. */
static void test_a_commit_rings_the_lock_file(void **state)
{
    (void)state;
    char err[512];
    int fd = lockfile_take(dbpath, err, sizeof err);
    assert_true(fd >= 0);
    struct owner o;
    owner_open(&o);
    int seen = 0;
    db_on_commit(o.db, committed, &seen);
    struct owner_facts f = {.pid = 4242, .mode = "daemon", .timezone = "UTC"};
    struct strbuf json = {0};
    owner_facts_json(&f, &json);
    assert_int_equal(owner_publish(o.db, &f, strbuf_str(&json)), 0);
    strbuf_free(&json);
    assert_int_equal(seen, 4242);
    /* the hook replaces SQLite's own, which checkpointed the WAL: it
     * still does (48 MB written in 30 commits; unchecked the WAL holds
     * them all, checkpointed it starts over from 1,000 pages of 16 KiB) */
    sqlite3 *h = (sqlite3 *)db_handle(o.db);
    assert_int_equal(sqlite3_exec(h, "CREATE TABLE scratch(b BLOB)", NULL, NULL, NULL),
                     SQLITE_OK);
    for (int i = 0; i < 30; i++)
        assert_int_equal(sqlite3_exec(h, "INSERT INTO scratch VALUES (zeroblob(1600000))",
                                      NULL, NULL, NULL), SQLITE_OK);
    char wal[4300];
    snprintf(wal, sizeof wal, "%s-wal", dbpath);
    struct stat stw;
    assert_int_equal(stat(wal, &stw), 0);
    if (stw.st_size > 32 << 20)
        fail_msg("the WAL is %lld bytes: not checkpointed", (long long)stw.st_size);

    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    uv_fs_event_t watch;
    int events = 0;
    watch.data = &events;
    char path[PATH_MAX + 8];
    lockfile_path(dbpath, path, sizeof path);
    assert_int_equal(uv_fs_event_init(&loop, &watch), 0);
    assert_int_equal(uv_fs_event_start(&watch, rung, path, 0), 0);
    uv_timer_t limit; /* no event: fail, not hang */
    uv_timer_init(&loop, &limit);
    uv_timer_start(&limit, no_event, 10000, 0);
    lockfile_ring(fd);
    uv_run(&loop, UV_RUN_ONCE); /* returns once the event (or the limit) is in */
    assert_true(events >= 1);
    uv_close((uv_handle_t *)&watch, NULL);
    uv_close((uv_handle_t *)&limit, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    owner_close(&o);
    lockfile_release(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_viewer_applying_changes_holds_what_a_fresh_load_holds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_transaction_too_big_to_list_says_load_anew, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_log_that_no_longer_reaches_back_says_load_anew, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_viewer_refuses_another_schema_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_starting_viewer_waits_for_the_owners_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_owners_facts_make_the_trip_intact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_owner_row_yet_is_said, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_row_the_disk_has_no_room_for_says_why, setup, teardown),
        cmocka_unit_test_setup_teardown(test_requests_reach_the_owner_once_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_read_only_viewer_reads_and_cannot_ask, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_owner_is_seen_without_taking_a_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_viewer_sees_a_schema_made_meanwhile_whole_or_not_at_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_second_maker_opens_the_schema_the_first_made, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_process_refused_while_the_owner_takes_the_database_finds_it, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_start_that_fails_leaves_nothing_it_made, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_lock_on_a_file_removed_meanwhile_is_taken_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_new_database_is_the_groups_to_write_under_umask_0007, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_viewer_makes_a_new_view_only_for_what_it_shows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_commit_rings_the_lock_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
