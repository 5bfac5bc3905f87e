/* test_db_upgrade.c - the schema's migrations: a database written by
 * spendtop 0.1.0 (tests/fixtures/db-0.1.0.sqlite, made by
 * make-db-0.1.0.sh) opens, upgrades in place and holds what 0.1.0 held;
 * opening again changes nothing; a newer database is refused untouched;
 * a step that fails leaves the database as it was. Every test works on a
 * copy: the fixture itself is never opened for writing. */
#include "tests/helpers.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include "alerts/alerts.h"
#include "alerts/outbox.h"
#include "app/config.h"
#include "core/db.h"
#include "core/ingest.h"
#include "core/schema.h"
#include "core/store.h"
#include "lib/clock.h"

/* The old release's own reading of the fixture (db-0.1.0.json) is
 * `--once --json --window 24h` at this time. */
static const int64_t T3 = 1795183260; /* 2026-11-20T14:01:00Z */
static const int64_t DAY = 86400;

static char *dir;
static char dbpath[4200];

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    if (!in || !out)
        fail_msg("cannot copy %s to %s", from, to);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

/* The whole file, for byte-for-byte comparisons; *len its size. */
static char *slurp(const char *path, size_t *len)
{
    struct stat sb;
    FILE *f = fopen(path, "rb");
    if (!f || fstat(fileno(f), &sb) != 0)
        fail_msg("cannot read %s", path);
    char *buf = malloc((size_t)sb.st_size + 1);
    assert_non_null(buf);
    *len = fread(buf, 1, (size_t)sb.st_size + 1, f);
    assert_int_equal(*len, (size_t)sb.st_size);
    fclose(f);
    return buf;
}

static int setup(void **state)
{
    (void)state;
    dir = temp_dir();
    snprintf(dbpath, sizeof dbpath, "%s/state.db", dir);
    const char *fx = getenv("SPENDTOP_FIXTURES");
    char from[4200];
    snprintf(from, sizeof from, "%s/db-0.1.0.sqlite", fx ? fx : "tests/fixtures");
    copy_file(from, dbpath);
    clock_set(T3, true);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rm_rf(dir);
    return 0;
}

/* Run sql on the copy with a plain connection (what the test plants or
 * inspects, beside db.c). */
static void raw_exec(const char *sql)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
    sqlite3_close(h);
}

/* The first column of the first row of sql on the copy, as text. */
static void raw_text(const char *path, const char *sql, char *out, size_t len)
{
    sqlite3 *h;
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
    out[0] = 0;
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
        snprintf(out, len, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    sqlite3_close(h);
}

static int raw_int(const char *path, const char *sql)
{
    char buf[64];
    raw_text(path, sql, buf, sizeof buf);
    return atoi(buf);
}

/* Every table's definition, one per line, by name. */
static void schema_of(const char *path, char *out, size_t len)
{
    raw_text(path, "SELECT group_concat(type || ' ' || name || ': ' || coalesce(sql, ''), "
             "char(10)) FROM (SELECT * FROM sqlite_master ORDER BY name)", out, len);
}

/* ---- the store and the cursors ------------------------------------------------ */

/* The sums over [t0, t1) of every series, and of the priced ones' cost. */
static void sums(const struct store *st, int64_t t0, int64_t t1, struct tally *all,
                 double *priced_usd)
{
    memset(all, 0, sizeof *all);
    *priced_usd = 0;
    for (size_t i = 0; i < store_series_count(st); i++) {
        struct tally t;
        store_sum(st, (int)i, t0, t1, &t);
        tally_add(all, &t);
        if (store_series_price(st, (int)i) != PRICE_NONE)
            *priced_usd += t.cost;
    }
}

static int series_of(const struct store *st, const char *tenant, const char *model)
{
    for (size_t i = 0; i < store_series_count(st); i++) {
        const struct series_key *k = store_series_key(st, (int)i);
        if (strcmp(k->tenant, tenant) == 0 && strcmp(k->model, model) == 0)
            return (int)i;
    }
    fail_msg("no series %s/%s", tenant, model);
    return -1;
}

struct cursors {
    char keys[4][64], values[4][128];
    int n;
};

static int collect_cursor(void *ctx, const char *key, const char *value)
{
    struct cursors *c = ctx;
    if (c->n < 4) {
        snprintf(c->keys[c->n], sizeof c->keys[0], "%s", key);
        snprintf(c->values[c->n++], sizeof c->values[0], "%s", value);
    }
    return 0;
}

static const char *cursor_value(const struct cursors *c, const char *key)
{
    for (int i = 0; i < c->n; i++)
        if (strcmp(c->keys[i], key) == 0)
            return c->values[i];
    return NULL;
}

/* The numbers are 0.1.0's own, from db-0.1.0.json (a 24h window ending at
 * T3) and, where the JSON does not say, from the fixture's rows. */
static void test_a_0_1_0_database_keeps_its_data_and_cursors(void **state)
{
    (void)state;
    /* the cursor keys name files by device and inode: read them before */
    char a_key[64], b_key[64];
    raw_text(dbpath, "SELECT key FROM cursors WHERE value LIKE '%a.json'", a_key, sizeof a_key);
    raw_text(dbpath, "SELECT key FROM cursors WHERE value LIKE '%b.json'", b_key, sizeof b_key);
    assert_int_equal(raw_int(dbpath, "PRAGMA user_version"), 1);

    char err[512];
    struct db *db = db_open(dbpath, err, sizeof err);
    if (!db)
        fail_msg("%s", err);
    assert_int_equal(raw_int(dbpath, "PRAGMA user_version"), schema_latest());
    /* its minute rows became day chunks (schema step 11) */
    assert_int_equal(raw_int(dbpath, "SELECT count(*) FROM buckets"), 0);
    assert_true(raw_int(dbpath, "SELECT count(*) FROM chunks") > 0);
    struct store *st = store_new();
    assert_int_equal(db_load(db, st, 0), 0);
    assert_int_equal(store_series_count(st), 6);
    assert_int_equal(store_bucket_count(st), 1644);

    struct tally t;
    double usd;
    sums(st, T3 - DAY, T3, &t, &usd);
    /* "models": 947 + 95 + 143 + 143 + 71 requests */
    assert_int_equal(t.requests, 1399);
    assert_int_equal(t.input, 1518100);            /* "cache": input_tokens */
    assert_int_equal(t.cache_read, 273550);        /* cache_read_tokens */
    assert_int_equal(t.output, 2938600);           /* "reasoning": output_tokens */
    assert_int_equal(t.reasoning, 2272800);        /* reasoning_tokens */
    assert_close(usd, 29.499423749999984, 1e-12);  /* "spend": window_usd */
    sums(st, T3 - 7 * DAY, T3, &t, &usd);
    assert_close(usd, 42.440014999999995, 1e-12);  /* last_7d_usd */

    /* each price status came through by name: gpt-4 has no cache-read
     * price (partial), in-house-llm no price at all ("unpriced", 71 requests) */
    assert_int_equal(store_series_price(st, series_of(st, "acme", "gpt-5-mini")), PRICE_FULL);
    assert_int_equal(store_series_price(st, series_of(st, "initech", "gpt-4")), PRICE_PARTIAL);
    int unpriced = series_of(st, "acme", "in-house-llm");
    assert_int_equal(store_series_price(st, unpriced), PRICE_NONE);
    store_sum(st, unpriced, T3 - DAY, T3, &t);
    assert_int_equal(t.requests, 71);

    /* 0.1.0 did not store price tiers: its series keep the cost they were
     * stored with when priced again (schema step 10), the unpriced one is
     * still unpriced by the default table */
    assert_string_equal(store_series_key(st, unpriced)->tier, STORE_TIER_AS_STORED);
    struct pricing *p = pricing_new();
    assert_true(pricing_load_default(p, err, sizeof err) > 0);
    struct ingest *in = ingest_new(st, db, p);
    assert_int_equal(ingest_reprice(in), 0);
    sums(st, T3 - DAY, T3, &t, &usd);
    assert_close(usd, 29.499423749999984, 1e-12);  /* as before */
    ingest_free(in);
    pricing_free(p);

    struct cursors c = {0};
    assert_int_equal(db_cursor_each(db, "spans", collect_cursor, &c), 0);
    assert_int_equal(c.n, 2);
    assert_string_equal(cursor_value(&c, a_key),
                        "1573849 25 /tmp/spendtop-fixture-0.1.0/export/a.json");
    assert_string_equal(cursor_value(&c, b_key),
                        "27533 1 /tmp/spendtop-fixture-0.1.0/export/b.json");
    store_free(st);
    db_close(db);
}

/* ---- the alert state and the outbox ------------------------------------------------ */

static const struct {
    const char *id, *kind, *state, *severity, *scope;
    int64_t window;
} old_alerts[] = {
    /* db-0.1.0.json's "alerts", every one started at 2026-11-20T11:55:00Z */
    {"8310c1d7e929", "model_mix", "firing", "critical", "total", 86400},
    {"8c461a17a0fb", "spend_anomaly", "firing", "critical", "total", 86400},
    {"ee1660cc6c3b", "spend_anomaly", "firing", "critical", "model:openai/o3", 86400},
    {"3d236ea4a995", "model_spike", "firing", "critical", "model:openai/o3", 86400},
    {"8c3aaf0a854d", "cache_drop", "firing", "critical", "model:openai/o3", 86400},
    {"8536eeca9584", "spend_anomaly", "firing", "critical", "provider:openai", 86400},
    {"b2c22241c73a", "model_mix", "firing", "critical", "provider:openai", 86400},
    {"4f8774146167", "budget", "firing", "critical", "tenant:globex", 0},
    {"f7280fa8f8fe", "spend_anomaly", "firing", "critical", "tenant:globex", 86400},
    {"8574e6cfb2a0", "model_mix", "firing", "critical", "tenant:globex", 86400},
    {"7be3e3f768ec", "cache_drop", "firing", "critical", "tenant:globex", 86400},
    {"71f70c542569", "reasoning_jump", "firing", "critical", "tenant:globex", 86400},
    {"b1e2f658bd2d", "cache_drop", "firing", "warning", "total", 86400},
    {"4c84f3affb46", "cache_drop", "firing", "warning", "provider:openai", 86400},
    {"2802039ef2c0", "spend_anomaly", "resolved", "critical", "model:openai/o3", 3600},
    {"338fe377130a", "model_spike", "resolved", "critical", "model:openai/o3", 3600},
    {"1b5ef1fab6a2", "cache_drop", "resolved", "critical", "model:openai/o3", 3600},
    {"518dee9e7769", "spend_anomaly", "resolved", "critical", "provider:openai", 3600},
    {"853158efabb7", "model_mix", "resolved", "critical", "provider:openai", 3600},
    {"780b895b1bc3", "cache_drop", "resolved", "critical", "provider:openai", 3600},
    {"949aff7add3b", "spend_anomaly", "resolved", "critical", "tenant:globex", 3600},
    {"04205742f0d5", "model_mix", "resolved", "critical", "tenant:globex", 3600},
    {"1fbcfbbf7991", "cache_drop", "resolved", "critical", "tenant:globex", 3600},
    {"849c1b128a6e", "reasoning_jump", "resolved", "critical", "tenant:globex", 3600},
    {"ceabae04ec00", "spend_anomaly", "resolved", "critical", "total", 3600},
    {"329949e038ae", "model_mix", "resolved", "critical", "total", 3600},
    {"296e4af7bd82", "cache_drop", "resolved", "critical", "total", 3600},
};
#define NOLD (sizeof old_alerts / sizeof *old_alerts)
/* The silenced one (`a` in 0.1.0's dashboard at 14:00:01): until 15:00:01. */
static const char *const SILENCED_ID = "8c461a17a0fb";
static const int64_t SILENCED_UNTIL = 1795186801;

static const struct view_alert *alert_by_id(const struct view *v, const char *id)
{
    for (size_t i = 0; i < v->nalerts; i++)
        if (strcmp(v->alerts[i].id, id) == 0)
            return &v->alerts[i];
    fail_msg("no alert %s", id);
    return NULL;
}

static void test_a_0_1_0_database_keeps_its_alerts_and_outbox(void **state)
{
    (void)state;
    char err[512];
    struct db *db = db_open(dbpath, err, sizeof err);
    if (!db)
        fail_msg("%s", err);
    struct config *cfg = config_defaults();
    struct alerts *al = alerts_new(&cfg->alerts, cfg->hooks, cfg->nhooks, db, false, err,
                                   sizeof err);
    if (!al)
        fail_msg("%s", err);
    assert_int_equal(alerts_firing(al), 14);

    struct view v;
    memset(&v, 0, sizeof v);
    alerts_fill_view(al, &v, T3);
    assert_int_equal(v.nalerts, NOLD);
    for (size_t i = 0; i < NOLD; i++) {
        const struct view_alert *a = alert_by_id(&v, old_alerts[i].id);
        assert_string_equal(a->kind, old_alerts[i].kind);
        assert_string_equal(a->state, old_alerts[i].state);
        assert_string_equal(a->severity, old_alerts[i].severity);
        assert_string_equal(a->scope, old_alerts[i].scope);
        assert_int_equal(a->window, old_alerts[i].window);
        assert_int_equal(a->started_at, 1795175700);
        /* the resolved ones resolved at 14:00 */
        assert_int_equal(a->resolved_at, strcmp(a->state, "resolved") == 0 ? 1795183200 : 0);
        assert_true(a->silenced == (strcmp(a->id, SILENCED_ID) == 0));
    }
    /* the silence ends when 0.1.0 said it would */
    alerts_fill_view(al, &v, SILENCED_UNTIL - 1);
    assert_true(alert_by_id(&v, SILENCED_ID)->silenced);
    alerts_fill_view(al, &v, SILENCED_UNTIL);
    assert_false(alert_by_id(&v, SILENCED_ID)->silenced);
    free(v.alerts);

    /* the 13 resolves queued behind a hook that was still running, in
     * order; the first four had been tried once */
    assert_int_equal(outbox_count(db), 13);
    struct outbox_item items[16];
    size_t n = outbox_due(db, INT64_MAX, NULL, 0, items, 16);
    assert_int_equal(n, 13);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(items[i].seq, 28 + (int64_t)i);
        assert_int_equal(items[i].hook, 0);
        assert_int_equal(items[i].attempts, i < 4 ? 1 : 0);
        assert_non_null(strstr(items[i].json, "\"state\":\"resolved\""));
    }
    assert_non_null(strstr(items[0].json, "\"id\":\"ceabae04ec00\""));
    outbox_items_free(items, n);
    alerts_free(al);
    config_free(cfg);
    db_close(db);
}

/* 0.1.0 could only write kinds 0..6; one it did not know (a kind of a
 * build that never shipped) keeps its digits and is skipped, as 0.1.0
 * skipped it. */
static void test_an_alert_of_an_unknown_kind_is_kept_and_skipped(void **state)
{
    (void)state;
    raw_exec("UPDATE alerts SET kind = 9 WHERE id = 'ceabae04ec00'");
    char err[512];
    struct db *db = db_open(dbpath, err, sizeof err);
    assert_non_null(db);
    struct config *cfg = config_defaults();
    struct alerts *al = alerts_new(&cfg->alerts, cfg->hooks, cfg->nhooks, db, false, err,
                                   sizeof err);
    assert_non_null(al);
    struct view v;
    memset(&v, 0, sizeof v);
    alerts_fill_view(al, &v, T3);
    assert_int_equal(v.nalerts, NOLD - 1);
    free(v.alerts);
    alerts_free(al);
    config_free(cfg);
    db_close(db);
    char kind[32];
    raw_text(dbpath, "SELECT kind FROM alerts WHERE id = 'ceabae04ec00'", kind, sizeof kind);
    assert_string_equal(kind, "kind#9");
}

/* ---- the schema itself ------------------------------------------------------------- */

/* Migrated or made new, a database ends in the same tables. */
static void test_an_upgraded_database_has_the_schema_of_a_new_one(void **state)
{
    (void)state;
    char err[512], fresh[4200];
    snprintf(fresh, sizeof fresh, "%s/new.db", dir);
    struct db *db = db_open(fresh, err, sizeof err);
    assert_non_null(db);
    db_close(db);
    db = db_open(dbpath, err, sizeof err);
    assert_non_null(db);
    db_close(db);
    static char a[8192], b[8192];
    schema_of(fresh, a, sizeof a);
    schema_of(dbpath, b, sizeof b);
    assert_non_null(strstr(a, "price TEXT NOT NULL"));
    assert_string_equal(a, b);
    assert_int_equal(raw_int(fresh, "PRAGMA user_version"), schema_latest());
    assert_int_equal(raw_int(fresh, "PRAGMA page_size"), 16384);
    /* both carry spendtop's mark ("SPTP") */
    assert_int_equal(raw_int(fresh, "PRAGMA application_id"), 0x53505450);
    assert_int_equal(raw_int(dbpath, "PRAGMA application_id"), 0x53505450);
}

/* The second open finds nothing to do and writes nothing. */
static void test_opening_twice_changes_nothing(void **state)
{
    (void)state;
    char err[512];
    struct db *db = db_open(dbpath, err, sizeof err);
    assert_non_null(db);
    db_close(db);
    size_t n1, n2;
    char *once = slurp(dbpath, &n1);
    db = db_open(dbpath, err, sizeof err);
    assert_non_null(db);
    struct store *st = store_new();
    assert_int_equal(db_load(db, st, 0), 0);
    assert_int_equal(store_bucket_count(st), 1644);
    store_free(st);
    db_close(db);
    char *twice = slurp(dbpath, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(once, twice, n1);
    free(once);
    free(twice);
}

/* A newer spendtop's database: refused with a clear error, and not one
 * byte changes (not even the journal mode: it is checked first). */
static void test_a_newer_database_is_refused_untouched(void **state)
{
    (void)state;
    char newer[4200], wal[4300], sql[128];
    snprintf(newer, sizeof newer, "%s/newer.db", dir);
    snprintf(wal, sizeof wal, "%s-wal", newer);
    sqlite3 *h;
    assert_int_equal(sqlite3_open(newer, &h), SQLITE_OK);
    snprintf(sql, sizeof sql, "CREATE TABLE future(x); PRAGMA user_version=%d",
             schema_latest() + 1);
    assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    size_t n1, n2;
    char *before = slurp(newer, &n1);

    char err[512];
    assert_null(db_open(newer, err, sizeof err));
    assert_non_null(strstr(err, newer));
    assert_non_null(strstr(err, "written by a newer spendtop"));
    char *after = slurp(newer, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(before, after, n1);
    struct stat sb;
    assert_int_equal(stat(wal, &sb), -1);
    assert_int_equal(raw_int(newer, "PRAGMA user_version"), schema_latest() + 1);
    free(before);
    free(after);
}

/* Another program's database (--db pointing at the wrong file): its own
 * tables and no version, an incompatible `buckets` table, another
 * application_id, a version without our tables, or a version that must
 * carry our mark and does not. Each is refused, naming the reason, and
 * not one byte changes (no journal mode, no table, no version). */
static void test_another_programs_database_is_refused_untouched(void **state)
{
    (void)state;
    static const struct {
        const char *sql;
        const char *why;
    } foreign[] = {
        {"CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)", "'notes'"},
        {"CREATE TABLE buckets(day TEXT, amount REAL)", "no spendtop mark"},
        {"CREATE TABLE series(x); CREATE TABLE buckets(x); CREATE TABLE cursors(x);"
         "PRAGMA application_id=1234", "application_id 1234"},
        {"CREATE TABLE notes(x); PRAGMA user_version=3", "without spendtop's tables"},
        {"CREATE TABLE series(x); CREATE TABLE buckets(x); CREATE TABLE cursors(x);"
         "PRAGMA user_version=7", "without spendtop's application_id"},
    };
    for (size_t i = 0; i < sizeof foreign / sizeof *foreign; i++) {
        char path[4200], wal[4300];
        snprintf(path, sizeof path, "%s/foreign-%zu.db", dir, i);
        snprintf(wal, sizeof wal, "%s-wal", path);
        sqlite3 *h;
        assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
        assert_int_equal(sqlite3_exec(h, foreign[i].sql, NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(h);
        size_t n1, n2;
        char *before = slurp(path, &n1);
        char err[512];
        assert_null(db_open(path, err, sizeof err));
        if (!strstr(err, foreign[i].why))
            fail_msg("%zu: %s", i, err);
        char *after = slurp(path, &n2);
        assert_int_equal(n1, n2);
        assert_memory_equal(before, after, n1);
        struct stat sb;
        assert_int_equal(stat(wal, &sb), -1);
        free(before);
        free(after);
    }
}

/* A step fails (here: the name it builds its new table under is taken):
 * the error names the step, and every step before it is undone too - the
 * database is 0.1.0's again, numbers and all. */
static void test_a_failed_step_leaves_the_database_as_it_was(void **state)
{
    (void)state;
    raw_exec("CREATE TABLE series_v3(x)");
    char err[512];
    assert_null(db_open(dbpath, err, sizeof err));
    assert_non_null(strstr(err, "schema step 2 to 3 (series price status by name)"));
    assert_int_equal(raw_int(dbpath, "PRAGMA user_version"), 1);
    assert_int_equal(raw_int(dbpath, "SELECT price FROM series WHERE model = 'gpt-4'"), 2);
    assert_int_equal(raw_int(dbpath, "SELECT count(*) FROM series"), 6);

    /* once the way is clear, the upgrade goes through */
    raw_exec("DROP TABLE series_v3");
    struct db *db = db_open(dbpath, err, sizeof err);
    assert_non_null(db);
    db_close(db);
    char price[16];
    raw_text(dbpath, "SELECT price FROM series WHERE model = 'gpt-4'", price, sizeof price);
    assert_string_equal(price, "partial");
}

static void test_a_file_that_is_not_a_database_is_a_clear_error(void **state)
{
    (void)state;
    write_file(dbpath, "%s", "this is not an SQLite database, it only sits where one should\n");
    char err[512];
    assert_null(db_open(dbpath, err, sizeof err));
    assert_non_null(strstr(err, dbpath));
    assert_non_null(strstr(err, "not a database"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_0_1_0_database_keeps_its_data_and_cursors,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_0_1_0_database_keeps_its_alerts_and_outbox,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_alert_of_an_unknown_kind_is_kept_and_skipped,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_upgraded_database_has_the_schema_of_a_new_one,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_opening_twice_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_newer_database_is_refused_untouched, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_failed_step_leaves_the_database_as_it_was,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_another_programs_database_is_refused_untouched,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_file_that_is_not_a_database_is_a_clear_error,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
