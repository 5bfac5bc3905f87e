/* schema.c - the ordered list of schema migrations (see schema.h). */
#include "core/schema.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hist.h"

/* One step: what it changes (for an error message), and its statements.
 * A step that needs C too has a function in step_fns (below the list),
 * run after its statements in the same transaction. */
struct step {
    const char *what;
    const char *sql;
};

/* ---- version 1 (spendtop 0.1.0) ------------------------------------------------ */

/* The store and the collectors' cursors, as 0.1.0 made them. */
#define STEP_1_STORE                                                               \
    "CREATE TABLE IF NOT EXISTS series("                                           \
    "  id INTEGER PRIMARY KEY,"                                                    \
    "  source TEXT NOT NULL, provider TEXT NOT NULL,"                              \
    "  model TEXT NOT NULL, tenant TEXT NOT NULL,"                                 \
    "  price INTEGER NOT NULL DEFAULT 1,"                                          \
    "  UNIQUE(source, provider, model, tenant));"                                  \
    "CREATE TABLE IF NOT EXISTS buckets("                                          \
    "  series INTEGER NOT NULL, minute INTEGER NOT NULL,"                          \
    "  requests INTEGER NOT NULL, errors INTEGER NOT NULL,"                        \
    "  input INTEGER NOT NULL, input_ck INTEGER NOT NULL,"                         \
    "  cache_read INTEGER NOT NULL, cache_write_5m INTEGER NOT NULL,"              \
    "  cache_write_1h INTEGER NOT NULL, output INTEGER NOT NULL,"                  \
    "  output_rk INTEGER NOT NULL, reasoning INTEGER NOT NULL,"                    \
    "  cost REAL NOT NULL, billed REAL NOT NULL,"                                  \
    "  PRIMARY KEY(series, minute)) WITHOUT ROWID;"                                \
    "CREATE TABLE IF NOT EXISTS cursors("                                          \
    "  source TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"              \
    "  PRIMARY KEY(source, key)) WITHOUT ROWID;"

/* ---- version 2 ------------------------------------------------------------------- */

/* The alert state (alerts.c) and the outbox (outbox.c) join the list. 0.1.0
 * created them at first use, after it had set version 1, so a version 1
 * database usually has them already - and may not. */
#define STEP_2_ALERTS_OUTBOX                                                       \
    "CREATE TABLE IF NOT EXISTS alerts("                                           \
    "  key TEXT PRIMARY KEY, id TEXT NOT NULL, kind INTEGER NOT NULL,"             \
    "  scope TEXT NOT NULL, window INTEGER NOT NULL, state INTEGER NOT NULL,"      \
    "  severity INTEGER NOT NULL, notified_severity INTEGER NOT NULL,"             \
    "  since INTEGER NOT NULL, false_since INTEGER NOT NULL,"                      \
    "  resolved_at INTEGER NOT NULL, last_notified INTEGER NOT NULL,"              \
    "  silenced_until INTEGER NOT NULL, value REAL, baseline REAL, ratio REAL,"    \
    "  threshold REAL, summary TEXT NOT NULL);"                                    \
    "CREATE TABLE IF NOT EXISTS outbox("                                           \
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT, hook INTEGER NOT NULL,"              \
    "  fingerprint INTEGER NOT NULL, json TEXT NOT NULL,"                          \
    "  attempts INTEGER NOT NULL, next_at INTEGER NOT NULL,"                       \
    "  created INTEGER NOT NULL);"

/* ---- version 3 ------------------------------------------------------------------- */

/* A series' price status by name (db.c), no longer enum price_status's
 * number. SQLite cannot change a column's type: the table is made anew
 * and the rows copied (ids kept: buckets refer to them). A number 0.1.0
 * never wrote becomes 'none': spend unknown, never a wrong amount. */
#define STEP_3_PRICE_BY_NAME                                                       \
    "CREATE TABLE series_v3("                                                      \
    "  id INTEGER PRIMARY KEY,"                                                    \
    "  source TEXT NOT NULL, provider TEXT NOT NULL,"                              \
    "  model TEXT NOT NULL, tenant TEXT NOT NULL,"                                 \
    "  price TEXT NOT NULL,"                                                       \
    "  UNIQUE(source, provider, model, tenant));"                                  \
    "INSERT INTO series_v3(id, source, provider, model, tenant, price)"            \
    "  SELECT id, source, provider, model, tenant,"                                \
    "         CASE price WHEN 1 THEN 'full' WHEN 2 THEN 'partial' ELSE 'none' END" \
    "  FROM series;"                                                               \
    "DROP TABLE series;"                                                           \
    "ALTER TABLE series_v3 RENAME TO series;"

/* ---- version 4 ------------------------------------------------------------------- */

/* An alert's kind, state and severity by name (alerts.c); the severity
 * last notified is NULL where 0.1.0 wrote -1 (none in this episode). The
 * numbers are 0.1.0's enums, frozen here: this step must mean the same
 * whatever the enums become. A number 0.1.0 never wrote keeps its digits
 * ('kind#9'), which names nothing: the row is skipped when loaded, as 0.1.0
 * skipped it. */
#define STEP_4_ALERTS_BY_NAME                                                      \
    "CREATE TABLE alerts_v4("                                                      \
    "  key TEXT PRIMARY KEY, id TEXT NOT NULL, kind TEXT NOT NULL,"                \
    "  scope TEXT NOT NULL, window INTEGER NOT NULL, state TEXT NOT NULL,"         \
    "  severity TEXT NOT NULL, notified_severity TEXT,"                            \
    "  since INTEGER NOT NULL, false_since INTEGER NOT NULL,"                      \
    "  resolved_at INTEGER NOT NULL, last_notified INTEGER NOT NULL,"              \
    "  silenced_until INTEGER NOT NULL, value REAL, baseline REAL, ratio REAL,"    \
    "  threshold REAL, summary TEXT NOT NULL);"                                    \
    "INSERT INTO alerts_v4(key, id, kind, scope, window, state, severity,"         \
    "    notified_severity, since, false_since, resolved_at, last_notified,"       \
    "    silenced_until, value, baseline, ratio, threshold, summary)"              \
    "  SELECT key, id,"                                                            \
    "    CASE kind WHEN 0 THEN 'spend_anomaly' WHEN 1 THEN 'model_spike'"          \
    "      WHEN 2 THEN 'model_mix' WHEN 3 THEN 'cache_drop'"                       \
    "      WHEN 4 THEN 'reasoning_jump' WHEN 5 THEN 'budget'"                      \
    "      WHEN 6 THEN 'source_stale' ELSE 'kind#' || kind END,"                   \
    "    scope, window,"                                                           \
    "    CASE state WHEN 0 THEN 'pending' WHEN 1 THEN 'firing'"                    \
    "      WHEN 2 THEN 'resolved' ELSE 'state#' || state END,"                     \
    "    CASE severity WHEN 0 THEN 'warning' WHEN 1 THEN 'critical'"               \
    "      ELSE 'severity#' || severity END,"                                      \
    "    CASE notified_severity WHEN 0 THEN 'warning' WHEN 1 THEN 'critical' END," \
    "    since, false_since, resolved_at, last_notified, silenced_until,"          \
    "    value, baseline, ratio, threshold, summary"                               \
    "  FROM alerts;"                                                               \
    "DROP TABLE alerts;"                                                           \
    "ALTER TABLE alerts_v4 RENAME TO alerts;"

/* ---- version 5 ------------------------------------------------------------------- */

/* The spans remembered so that each provider call counts once across
 * restarts (core/calls.h): one row per span, keyed by the hash of its
 * (traceId, spanId); the counted span of a call carries the call's count
 * (its series by name, minute and tally) so that a restart can still
 * replace it with a better span's. Pruned by arrival time (at) every few
 * minutes, by a scan: an index on it cost every insert more than the scans
 * it saves (a first read of 200,000 spans: 2.3 s with it, 1.5 s without). */
#define STEP_5_SEEN_SPANS                                                          \
    "CREATE TABLE seen_spans("                                                     \
    "  span INTEGER PRIMARY KEY, at INTEGER NOT NULL, call INTEGER NOT NULL,"      \
    "  parent INTEGER NOT NULL, resp INTEGER NOT NULL, score INTEGER NOT NULL,"    \
    "  counted INTEGER NOT NULL, source TEXT, provider TEXT, model TEXT,"          \
    "  tenant TEXT, minute INTEGER, requests INTEGER, errors INTEGER,"             \
    "  input INTEGER, input_ck INTEGER, cache_read INTEGER,"                       \
    "  cache_write_5m INTEGER, cache_write_1h INTEGER, output INTEGER,"            \
    "  output_rk INTEGER, reasoning INTEGER, cost REAL, billed REAL);"

/* ---- version 6 ------------------------------------------------------------------- */

/* Viewers (issue 13): the owner of a database (the daemon) shares it with
 * read-mostly viewers through three small tables.
 *   owner     one row: who owns the database (pid, mode), the settings its
 *             views are computed with and its sources' health, as JSON
 *             (core/owner.c); rewritten when they change
 *   changes   the store's keys each committed transaction changed (db.c),
 *             so that a viewer reads only what is new: a bucket (series,
 *             minute), a series row (minute NULL), or everything (series
 *             0: a transaction too big to list); the oldest are pruned
 *   requests  what a viewer asks of the owner ('silence' an alert, 'poll'
 *             now); the owner deletes each once done */
#define STEP_6_VIEWERS                                                             \
    "CREATE TABLE owner("                                                          \
    "  id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL,"               \
    "  mode TEXT NOT NULL, started INTEGER NOT NULL, facts TEXT NOT NULL);"        \
    "CREATE TABLE changes("                                                        \
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT, series INTEGER NOT NULL,"            \
    "  minute INTEGER);"                                                           \
    "CREATE TABLE requests("                                                       \
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,"                 \
    "  arg TEXT NOT NULL, at INTEGER NOT NULL, pid INTEGER NOT NULL);"

/* ---- version 7 ------------------------------------------------------------------- */

/* spendtop's mark in the file's header (PRAGMA application_id, "SPTP"):
 * a database from this version on is ours only with it, and a file with
 * another application's mark is never written (schema_check). */
#define APPLICATION_ID 1397773392 /* 0x53505450 */
#define STR_(x) #x
#define STR(x) STR_(x)
#define STEP_7_MARK "PRAGMA application_id=" STR(APPLICATION_ID) ";"
/* The version from which the mark must be there (the step after it). */
#define MARKED_FROM 7

/* ---- version 8 ------------------------------------------------------------------- */

/* Budgets (core/budget.h): each whole day's spend of a budgeted scope,
 * for periods longer than the 8 days the store holds; and the one-shot
 * notifications already sent (alerts.c: a budget threshold notifies once
 * per period, across restarts), by the key that says what was sent. */
#define STEP_8_BUDGETS                                                             \
    "CREATE TABLE budget_days("                                                    \
    "  scope TEXT NOT NULL, day INTEGER NOT NULL, usd REAL NOT NULL,"              \
    "  PRIMARY KEY(scope, day)) WITHOUT ROWID;"                                    \
    "CREATE TABLE notified_once("                                                  \
    "  key TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;"

/* ---- version 9 ------------------------------------------------------------------- */

/* What collectors told and the store dropped before (store.h, struct
 * tally): records whose request count is unknown (usage from metrics),
 * calls counted without token counts, and the sender's own cost (Claude
 * Code's cost_usd) with the number of records that carried one. In the
 * buckets and in the counted span of each remembered call (calls.c), which
 * a restart may still take back. Rows written before this step hold 0:
 * what they did not store cannot be recovered (their metric usage reads as
 * 0 known requests, no reported cost). */
#define STEP_9_TALLY_UNKNOWNS                                                      \
    "ALTER TABLE buckets ADD COLUMN requests_unknown INTEGER NOT NULL DEFAULT 0;"  \
    "ALTER TABLE buckets ADD COLUMN no_usage INTEGER NOT NULL DEFAULT 0;"          \
    "ALTER TABLE buckets ADD COLUMN reported_n INTEGER NOT NULL DEFAULT 0;"        \
    "ALTER TABLE buckets ADD COLUMN reported REAL NOT NULL DEFAULT 0;"             \
    "ALTER TABLE seen_spans ADD COLUMN requests_unknown INTEGER;"                  \
    "ALTER TABLE seen_spans ADD COLUMN no_usage INTEGER;"                          \
    "ALTER TABLE seen_spans ADD COLUMN reported_n INTEGER;"                        \
    "ALTER TABLE seen_spans ADD COLUMN reported REAL;"

/* ---- version 10 ------------------------------------------------------------------- */

/* Spend is computed from the stored tokens with the price table in force
 * (DESIGN.md §4), so a series also keys the price dimensions a record's
 * cost depends on beyond its model (store.h: the tier, e.g. "batch>200k").
 * SQLite cannot widen a UNIQUE constraint: the table is made anew and the
 * rows copied, ids kept (buckets refer to them). Series from before hold
 * '?' (STORE_TIER_AS_STORED): whether their usage was batch or long-context
 * was not stored and cannot be recovered, so their stored cost stands
 * (repriced only while unpriced, as standard). The counted span of a
 * remembered call names its series' tier too. */
#define STEP_10_SERIES_TIER                                                        \
    "CREATE TABLE series_v10("                                                     \
    "  id INTEGER PRIMARY KEY,"                                                    \
    "  source TEXT NOT NULL, provider TEXT NOT NULL,"                              \
    "  model TEXT NOT NULL, tenant TEXT NOT NULL, tier TEXT NOT NULL,"             \
    "  price TEXT NOT NULL,"                                                       \
    "  UNIQUE(source, provider, model, tenant, tier));"                            \
    "INSERT INTO series_v10(id, source, provider, model, tenant, tier, price)"     \
    "  SELECT id, source, provider, model, tenant, '?', price FROM series;"        \
    "DROP TABLE series;"                                                           \
    "ALTER TABLE series_v10 RENAME TO series;"                                     \
    "ALTER TABLE seen_spans ADD COLUMN tier TEXT;"

/* ---- version 11 ------------------------------------------------------------------ */

/* A compact store (issue 16): a series' sealed hours, one row per day, as
 * the store encodes them (core/chunk.h: hour records with their sums, a
 * few bytes a bucket), so that a restart reads megabytes, not a row per
 * minute; `newest` is the row's newest minute (what pruning counts from).
 * The buckets table keeps the minutes of hours still open (a row each, so
 * that a busy minute's commits write rows, not a day's chunk). The rows
 * stored before this step become chunks here (rows_to_chunks).
 * A change logged names the day its chunks changed from (`chunks`), its
 * rows by the minute they changed from. WITHOUT ROWID: the key is the
 * table's order, with no index beside it (a sparse series' day is a few
 * dozen bytes; a dense one's, up to 30 KB, spills to overflow pages). */
#define STEP_11_CHUNKS                                                             \
    "CREATE TABLE chunks("                                                         \
    "  series INTEGER NOT NULL, day INTEGER NOT NULL, newest INTEGER NOT NULL,"    \
    "  data BLOB NOT NULL, PRIMARY KEY(series, day)) WITHOUT ROWID;"               \
    "ALTER TABLE changes ADD COLUMN chunks INTEGER;"

/* Write series dbid's history h as day chunks. */
static int put_days(sqlite3_stmt *ins, int64_t dbid, struct hist *h, uint8_t **buf,
                    size_t *cap)
{
    hist_seal(h);
    for (int64_t day = clock_floor(hist_first(h), CLOCK_DAY);
         h->len && day <= h->last; day += CLOCK_DAY) {
        int64_t newest;
        size_t count, len = hist_day(h, day, buf, cap, &newest, &count);
        if (!len)
            continue;
        sqlite3_bind_int64(ins, 1, dbid);
        sqlite3_bind_int64(ins, 2, day);
        sqlite3_bind_int64(ins, 3, newest);
        sqlite3_bind_blob(ins, 4, *buf, (int)len, SQLITE_STATIC);
        int rc = sqlite3_step(ins);
        sqlite3_reset(ins);
        if (rc != SQLITE_DONE)
            return -1;
    }
    hist_free(h);
    return 0;
}

/* Step 11: the rows, every one, into chunks (and out of the buckets table):
 * read in key order, one series at a time. The columns are version 11's,
 * named here: this step must mean the same whatever the tally becomes. */
static int rows_to_chunks(sqlite3 *h, char *err, size_t errlen)
{
    sqlite3_stmt *q = NULL, *ins = NULL;
    int rc = sqlite3_prepare_v2(h, "SELECT series, minute, requests, errors, input, input_ck,"
                                " cache_read, cache_write_5m, cache_write_1h, output, output_rk,"
                                " reasoning, requests_unknown, no_usage, reported_n, cost,"
                                " billed, reported FROM buckets ORDER BY series, minute",
                                -1, &q, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(h, "INSERT INTO chunks(series, day, newest, data)"
                                " VALUES(?,?,?,?)", -1, &ins, NULL);
    struct hist hs;
    memset(&hs, 0, sizeof hs);
    hist_free(&hs);
    uint8_t *buf = NULL;
    size_t cap = 0;
    int64_t dbid = 0;
    while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (sqlite3_column_int64(q, 0) != dbid && put_days(ins, dbid, &hs, &buf, &cap) != 0)
            break;
        dbid = sqlite3_column_int64(q, 0);
        int64_t c[13];
        for (int i = 0; i < 13; i++)
            c[i] = sqlite3_column_int64(q, 2 + i);
        struct tally t = {c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9],
                          c[10], c[11], c[12], sqlite3_column_double(q, 15),
                          sqlite3_column_double(q, 16), sqlite3_column_double(q, 17)};
        hist_write(&hs, sqlite3_column_int64(q, 1), &t, false);
        rc = SQLITE_OK;
    }
    if (rc == SQLITE_DONE && put_days(ins, dbid, &hs, &buf, &cap) == 0 &&
        sqlite3_exec(h, "DELETE FROM buckets", NULL, NULL, NULL) == SQLITE_OK)
        rc = SQLITE_OK;
    else
        snprintf(err, errlen, "%s", sqlite3_errmsg(h));
    hist_free(&hs);
    free(buf);
    sqlite3_finalize(q);
    sqlite3_finalize(ins);
    return rc == SQLITE_OK ? 0 : -1;
}

/* seen_spans' columns at version 11, all but the key of step 12 */
#define SEEN_SPANS_COLS_11                                                         \
    "span, at, call, parent, resp, score, counted, source, provider, model,"       \
    "tenant, minute, requests, errors, input, input_ck, cache_read,"               \
    "cache_write_5m, cache_write_1h, output, output_rk, reasoning, cost, billed,"  \
    "requests_unknown, no_usage, reported_n, reported, tier"

/* ---- version 12 ------------------------------------------------------------------- */

/* The remembered spans in the order they arrived (core/calls.c): keyed by
 * their 64-bit hashes, every flush's rows went to random pages of the
 * table, about one 4 KiB page written (and checkpointed) per span for a
 * flush of a few hundred, which is what an OTLP receiver's group commit
 * makes: 0.15x the file path's ingest at 16 clients. Keyed by arrival, a
 * flush appends to the table's last pages. Spans are looked up in memory,
 * never by key in the table: a call's counted span is now the last
 * counted row of the call in arrival order (no row is updated to say it
 * no longer counts), and a span remembered again is a second row, the
 * later one read last. The rows are copied in their arrival second's
 * order, which is enough: before this step a call had one counted row. */
#define STEP_12_SEEN_SPANS_BY_ARRIVAL                                              \
    "CREATE TABLE seen_spans_v12("                                                 \
    "  seq INTEGER PRIMARY KEY,"                                                   \
    "  span INTEGER NOT NULL, at INTEGER NOT NULL, call INTEGER NOT NULL,"         \
    "  parent INTEGER NOT NULL, resp INTEGER NOT NULL, score INTEGER NOT NULL,"    \
    "  counted INTEGER NOT NULL, source TEXT, provider TEXT, model TEXT,"          \
    "  tenant TEXT, minute INTEGER, requests INTEGER, errors INTEGER,"             \
    "  input INTEGER, input_ck INTEGER, cache_read INTEGER,"                       \
    "  cache_write_5m INTEGER, cache_write_1h INTEGER, output INTEGER,"            \
    "  output_rk INTEGER, reasoning INTEGER, cost REAL, billed REAL,"              \
    "  requests_unknown INTEGER, no_usage INTEGER, reported_n INTEGER,"            \
    "  reported REAL, tier TEXT);"                                                 \
    "INSERT INTO seen_spans_v12(" SEEN_SPANS_COLS_11 ")"                           \
    "  SELECT " SEEN_SPANS_COLS_11 " FROM seen_spans ORDER BY at, span;"           \
    "DROP TABLE seen_spans;"                                                       \
    "ALTER TABLE seen_spans_v12 RENAME TO seen_spans;"

/* ---- version 13 ------------------------------------------------------------------- */

/* Which price table the stored spend was priced by (pricing_fingerprint,
 * core/ingest.c), written in the transaction that writes what it priced:
 * a start with the same table need not price every stored bucket again.
 * No row: not known (a database from before, or a table changed and not
 * yet applied), so the next start prices everything again. */
#define STEP_13_PRICES_APPLIED                                                     \
    "CREATE TABLE IF NOT EXISTS prices_applied("                                   \
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"                                     \
    "  fingerprint INTEGER NOT NULL);"

/* ---- version 14 ------------------------------------------------------------------ */

/* Day chunks may write an hour's last bucket as the rest of its sum
 * (core/chunk.h): no table changes, but a spendtop of version 13 would
 * refuse those hours one by one; told the version, it refuses the
 * database as a newer one's, in one clear error. */
#define STEP_14_CHUNK_REST "-- day chunks: an hour's last bucket as the rest of its sum"

/* ---- version 15 ------------------------------------------------------------------ */

/* A series' rates (store.h struct tally_rates): its chunks write each cost
 * as its distance from what the bucket's tokens come to at them (a byte,
 * not 8), so they are read with them; NULL: costs raw (every chunk from
 * before). The column is added by add_rates (below), once: a step that
 * runs again (a version number set back by hand) must not fail on it. */
#define STEP_15_SERIES_RATES "-- series.rates: the prices a series' chunks are written with"

/* THE list: step i takes version i to i + 1. Append only (schema.h). */
static const struct step steps[] = {
    {"the store's series and buckets, the collectors' cursors", STEP_1_STORE},
    {"the alert state and the notification outbox", STEP_2_ALERTS_OUTBOX},
    {"series price status by name", STEP_3_PRICE_BY_NAME},
    {"alert kind, state and severity by name", STEP_4_ALERTS_BY_NAME},
    {"the spans remembered to count each call once", STEP_5_SEEN_SPANS},
    {"what the owner shares with viewers", STEP_6_VIEWERS},
    {"spendtop's mark (application_id)", STEP_7_MARK},
    {"budget days and one-shot notifications", STEP_8_BUDGETS},
    {"unknown request counts, calls without usage, reported cost",
     STEP_9_TALLY_UNKNOWNS},
    {"series keyed by price tier, for prices applied at read", STEP_10_SERIES_TIER},
    {"sealed hours as compact day chunks", STEP_11_CHUNKS},
    {"the remembered spans in arrival order", STEP_12_SEEN_SPANS_BY_ARRIVAL},
    {"the price table the stored spend was priced by", STEP_13_PRICES_APPLIED},
    {"an hour's last bucket as the rest of its sum", STEP_14_CHUNK_REST},
    {"costs kept as their distance from the series' prices", STEP_15_SERIES_RATES},
};

#define NSTEPS ((int)(sizeof steps / sizeof *steps))

/* STEP_15_SERIES_RATES's column, unless it is there. */
static int add_rates(sqlite3 *h, char *err, size_t errlen)
{
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(h, "SELECT count(*) FROM pragma_table_info('series')"
                                " WHERE name = 'rates'", -1, &q, NULL);
    bool there = false;
    if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        there = sqlite3_column_int(q, 0) > 0;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(q);
    if (rc == SQLITE_OK && !there)
        rc = sqlite3_exec(h, "ALTER TABLE series ADD COLUMN rates BLOB", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(h));
        return -1;
    }
    return 0;
}

/* The steps' functions, by step (from its version). */
static int (*const step_fns[NSTEPS])(sqlite3 *h, char *err, size_t errlen) = {
    [10] = rows_to_chunks,
    [14] = add_rates,
};

int schema_latest(void) { return NSTEPS; }

/* An integer PRAGMA into *v. A file that is not a database fails here, on
 * its first read. */
static int read_pragma(sqlite3 *h, const char *sql, int *v, char *err, size_t errlen)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(h, sql, -1, &s, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW)
            *v = sqlite3_column_int(s, 0);
        sqlite3_finalize(s); /* it repeats the step's error, handled below */
    }
    if (rc != SQLITE_ROW) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(h));
        return -1;
    }
    return 0;
}

/* How many of the tables every spendtop database has (version 1 on) the
 * file holds, and the name of one table that is none of them (into
 * other, "" if none). -1 on a read error. */
static int our_tables(sqlite3 *h, char *other, size_t len)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(h, "SELECT name FROM sqlite_master WHERE type = 'table' "
                           "AND name NOT LIKE 'sqlite_%'", -1, &s, NULL) != SQLITE_OK)
        return -1;
    int ours = 0, rc;
    other[0] = '\0';
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(s, 0);
        if (name && (strcmp(name, "series") == 0 || strcmp(name, "buckets") == 0 ||
                     strcmp(name, "cursors") == 0))
            ours++;
        else if (name && !other[0])
            snprintf(other, len, "%.60s", name);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? ours : -1;
}

/* A file without the mark: a new, empty one, or one of a release before
 * the mark, which has our tables. Anything else is another program's. */
static int check_unmarked(sqlite3 *h, int v, char *err, size_t errlen)
{
    char other[64];
    int ours = our_tables(h, other, sizeof other);
    if (ours < 0) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(h));
        return -1;
    }
    if (v == 0 && (ours > 0 || other[0])) {
        snprintf(err, errlen, "not a spendtop database (it has tables, e.g. '%s', and "
                 "no spendtop mark): left as it is; use another --db",
                 other[0] ? other : "buckets");
        return -1;
    }
    if (v > 0 && (v >= MARKED_FROM || ours < 3)) {
        snprintf(err, errlen, "not a spendtop database (schema version %d without "
                 "spendtop's %s): left as it is; use another --db", v,
                 v >= MARKED_FROM ? "application_id" : "tables");
        return -1;
    }
    return 0;
}

/* schema_check within a read transaction. */
static int check(sqlite3 *h, char *err, size_t errlen)
{
    int v = 0, app = 0;
    if (read_pragma(h, "PRAGMA user_version", &v, err, errlen) != 0 ||
        read_pragma(h, "PRAGMA application_id", &app, err, errlen) != 0)
        return -1;
    if (app != 0 && app != APPLICATION_ID) {
        snprintf(err, errlen, "another application's database (application_id %d): left "
                 "as it is; use another --db", app);
        return -1;
    }
    if (v > NSTEPS) {
        snprintf(err, errlen, "written by a newer spendtop (schema version %d, this one "
                 "knows up to %d; spendtop --version says a binary's): left as it is; use "
                 "that spendtop or another --db", v, NSTEPS);
        return -1;
    }
    if (v < 0) {
        snprintf(err, errlen, "schema version %d was never spendtop's: left as it is", v);
        return -1;
    }
    if (app == 0 && check_unmarked(h, v, err, errlen) != 0)
        return -1;
    return v;
}

int schema_check(sqlite3 *h, char *err, size_t errlen)
{
    /* One snapshot: read statement by statement, another process could
     * commit its new schema between two reads, and what this saw - no
     * version, no mark, then the tables that came with them - would be
     * "not a spendtop database" about one a spendtop is making. */
    bool own = sqlite3_get_autocommit(h) != 0;
    if (own && sqlite3_exec(h, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(h));
        return -1;
    }
    int v = check(h, err, errlen);
    int code = sqlite3_errcode(h);
    if (v < 0 && (code == SQLITE_BUSY || code == SQLITE_LOCKED))
        v = SCHEMA_BUSY;
    /* reads only: ending it cannot lose anything (and a failed read may
     * have ended it already) */
    if (own && !sqlite3_get_autocommit(h))
        sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
    return v;
}

static int exec(sqlite3 *h, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(h, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(h));
    sqlite3_free(msg);
    return -1;
}

/* Within the transaction: steps from..NSTEPS, then the version. */
static int run_steps(sqlite3 *h, int from, char *err, size_t errlen)
{
    char msg[200];
    for (int v = from; v < NSTEPS; v++) {
        if (exec(h, steps[v].sql, msg, sizeof msg) != 0 ||
            (step_fns[v] && step_fns[v](h, msg, sizeof msg) != 0)) {
            snprintf(err, errlen, "schema step %d to %d (%s): %s", v, v + 1, steps[v].what,
                     msg);
            return -1;
        }
    }
    char pragma[48];
    snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", NSTEPS);
    return exec(h, pragma, err, errlen);
}

int schema_upgrade(sqlite3 *h, char *err, size_t errlen)
{
    int from = schema_check(h, err, errlen);
    if (from < 0)
        return -1;
    if (from == NSTEPS)
        return 0;
    /* the write lock first, then the version again: what was read above
     * may have been changed by another process since */
    if (exec(h, "BEGIN IMMEDIATE", err, errlen) != 0)
        return -1;
    from = schema_check(h, err, errlen);
    if (from < 0 || run_steps(h, from, err, errlen) != 0 ||
        exec(h, "COMMIT", err, errlen) != 0) {
        /* cannot fail in a way that matters: a failed ROLLBACK leaves the
         * transaction to die with the connection, uncommitted */
        sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}
