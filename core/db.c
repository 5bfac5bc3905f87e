/* db.c - SQLite persistence (see db.h). */
#include "core/db.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/lockfile.h"
#include "core/schema.h"
#include "lib/log.h"
#include "lib/paths.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/* The SQLite results this file does not check, and why they cannot fail:
 * sqlite3_bind_* with SQLITE_STATIC copy nothing, so they fail only for a
 * parameter number the statement lacks (a bug every test would show);
 * sqlite3_reset and sqlite3_finalize repeat the last sqlite3_step's error,
 * handled where that step was; sqlite3_clear_bindings always returns
 * SQLITE_OK. */

/* The stored names of enum price_status: the database's own words, fixed,
 * whatever the enum's order becomes (schema.h). */
static const char *const price_names[] = {
    [PRICE_NONE] = "none", [PRICE_FULL] = "full", [PRICE_PARTIAL] = "partial",
};

/* A stored price status. A name this code does not know reads as unpriced:
 * spend unknown, never a wrong amount. */
static enum price_status price_parse(const char *name)
{
    for (size_t i = 0; i < sizeof price_names / sizeof *price_names; i++)
        if (name && price_names[i] && strcmp(name, price_names[i]) == 0)
            return (enum price_status)i;
    return PRICE_NONE;
}

static const char *price_name(enum price_status s)
{
    size_t i = (size_t)s;
    return i < sizeof price_names / sizeof *price_names && price_names[i] ? price_names[i]
                                                                          : "none";
}

/* A bucket row's columns, in the order the statements bind them. */
#define BUCKET_COLUMNS                                                          \
    "series, minute, requests, errors, input, input_ck, cache_read,"            \
    " cache_write_5m, cache_write_1h, output, output_rk, reasoning,"            \
    " requests_unknown, no_usage, reported_n, cost, billed, reported"
#define BUCKET_ROW "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
/* of which integers (the rest are REAL) */
#define BUCKET_INTS 15
#define BUCKET_REALS 3

enum stmt {
    S_SERIES_FIND, S_SERIES_ADD, S_SERIES_PRICE, S_BUCKET_PUT,
    S_BUCKET_DELETE, S_CURSOR_PUT, S_CURSOR_DELETE, S_CURSOR_LIST,
    S_PRUNE, S_CHANGE_PUT, S_CHANGE_ALL, S_CHANGES_PRUNE, S_SERIES_DELETE,
    S_SERIES_BUCKETS_DELETE, S_CHUNK_PUT, S_CHUNKS_DELETE, S_ROWS_DELETE,
    S_SERIES_CHUNKS_DELETE, S_PRUNE_CHUNKS, S_CHUNKS_FROM, S_ROWS_FROM, S_COUNT,
};

static const char *stmt_sql[S_COUNT] = {
    [S_SERIES_FIND] = "SELECT id FROM series WHERE source=? AND provider=? "
                      "AND model=? AND tenant=? AND tier=?",
    /* a new series' row in one step, nothing changed when the key is
     * stored already (then S_SERIES_FIND). Not RETURNING: SQLite buffers
     * what it returns in a temporary table per step, which cost more than
     * the SELECT it saves */
    [S_SERIES_ADD] = "INSERT INTO series(source, provider, model, tenant, tier, price, rates) "
                     "VALUES(?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
    [S_SERIES_PRICE] = "UPDATE series SET price=?, rates=? WHERE id=?",
    [S_BUCKET_PUT] = "INSERT OR REPLACE INTO buckets(" BUCKET_COLUMNS ") VALUES" BUCKET_ROW,
    [S_BUCKET_DELETE] = "DELETE FROM buckets WHERE series=? AND minute=?",
    [S_CURSOR_PUT] = "INSERT OR REPLACE INTO cursors(source, key, value) VALUES(?,?,?)",
    [S_CURSOR_DELETE] = "DELETE FROM cursors WHERE source=? AND key=?",
    [S_CURSOR_LIST] = "SELECT key, value FROM cursors WHERE source=?",
    [S_PRUNE] = "DELETE FROM buckets WHERE minute<?",
    [S_CHANGE_PUT] = "INSERT INTO changes(series, minute, chunks) VALUES(?,?,?)",
    [S_CHANGE_ALL] = "INSERT INTO changes(series, minute) VALUES(0, NULL)",
    [S_CHANGES_PRUNE] = "DELETE FROM changes WHERE seq<?",
    [S_SERIES_DELETE] = "DELETE FROM series WHERE id=?",
    [S_SERIES_BUCKETS_DELETE] = "DELETE FROM buckets WHERE series=?",
    [S_CHUNK_PUT] = "INSERT OR REPLACE INTO chunks(series, day, newest, data) VALUES(?,?,?,?)",
    [S_CHUNKS_DELETE] = "DELETE FROM chunks WHERE series=? AND day>=?",
    [S_ROWS_DELETE] = "DELETE FROM buckets WHERE series=? AND minute>=?",
    [S_SERIES_CHUNKS_DELETE] = "DELETE FROM chunks WHERE series=?",
    [S_PRUNE_CHUNKS] = "DELETE FROM chunks WHERE day<?",
    [S_CHUNKS_FROM] = "SELECT day, data FROM chunks WHERE series=? AND day>=? ORDER BY day",
    [S_ROWS_FROM] = "SELECT " BUCKET_COLUMNS " FROM buckets WHERE series=? AND minute>=?"
                    " ORDER BY minute",
};

/* The change log (schema step 6) lists the keys each transaction changed,
 * for viewers. A transaction that changes more than CHANGES_MAX keys (a
 * backfill, a first read of an export) lists none past that and says
 * "everything" instead: a viewer then loads the store anew, which is
 * cheaper than reading 100,000 keys, and the owner writes no more rows than
 * that. The newest CHANGES_KEEP rows are kept: a viewer that fell further
 * behind (stopped, suspended) loads anew too. */
#define CHANGES_MAX 4096
#define CHANGES_KEEP 50000

/* Bucket rows are written BATCH to a statement: a backfill or a first read
 * of an export writes 100k+ rows in one flush, and one step per row was
 * most of SQLite's cost. */
#define BATCH 32

struct bucket_row {
    int64_t ints[BUCKET_INTS];  /* series, minute, then the tally's counts */
    double reals[BUCKET_REALS]; /* cost, billed, reported */
};

/* A series' db id beside its store id. */
struct loaded {
    int64_t dbid;
    int id;
};

struct db {
    sqlite3 *h;
    sqlite3_stmt *st[S_COUNT];
    sqlite3_stmt *put_batch;           /* BATCH rows at once */
    struct bucket_row rows[BATCH];     /* put, not yet written */
    int nrows;
    int64_t *ids;          /* store series id -> db id (0 = not yet known) */
    size_t nids, ids_cap;
    int *fresh;            /* store ids whose series row this transaction inserted */
    size_t nfresh, fresh_cap;
    bool *born;            /* store id -> in fresh (beside ids, nids of them) */
    size_t born_cap;
    bool viewer;           /* db_open_viewer: reads, logs no change */
    void (*on_commit)(void *ctx); /* db_on_commit */
    void *on_commit_ctx;
    int nchanged;          /* keys logged in this transaction */
    int64_t last_change;   /* the change log's last row written */
    struct loaded *forgot; /* (db id, store id) this transaction forgot */
    size_t nforgot, forgot_cap;
    /* db_newest_minute's last answer, while this connection has changed
     * no row since (sqlite3_total_changes64 then) and no other can: the
     * owner's start asks twice (app.c, ingest.c), two scans each time */
    bool newest_known;
    int64_t newest, newest_changes;
    char err[256];
};

static int fail(struct db *db)
{
    snprintf(db->err, sizeof db->err, "%s", sqlite3_errmsg(db->h));
    return -1;
}

const char *db_error(const struct db *db) { return db->err; }
int db_fail(struct db *db) { return fail(db); }
struct sqlite3 *db_handle(struct db *db) { return db->h; }

/* Open the file, and make its schema the newest: refuse what must not be
 * touched before writing anything, then set the connection up, then
 * migrate. */
static int open_file(struct db *db, const char *path, char *err, size_t errlen)
{
    /* NOMUTEX: a connection is only ever used by the loop's thread, so
     * SQLite's per-call locking is pure cost on every row we write. */
    int rc = sqlite3_open_v2(path, &db->h,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s", db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
        return -1;
    }
    /* cannot fail on an open connection (it only sets a handler) */
    sqlite3_busy_timeout(db->h, 5000);
    if (schema_check(db->h, err, errlen) < 0)
        return -1;
    /* WAL: a reader never blocks the writer. synchronous=FULL: a commit
     * survives power loss, which the OTLP receiver promises its clients.
     * 16 KiB pages (new databases only): a backfill writes 100k+ bucket
     * rows in one transaction, and bigger pages mean fewer B-tree splits. */
    char *msg = NULL;
    if (sqlite3_exec(db->h, "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; "
                     "PRAGMA synchronous=FULL;",
                     NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db->h));
        sqlite3_free(msg);
        return -1;
    }
    return schema_upgrade(db->h, err, errlen);
}

/* The statements, prepared once (the tables exist by now). */
static int prepare(struct db *db)
{
    struct strbuf batch = {0};
    strbuf_puts(&batch, "INSERT OR REPLACE INTO buckets(" BUCKET_COLUMNS ") VALUES");
    for (int r = 0; r < BATCH; r++)
        strbuf_puts(&batch, r ? "," BUCKET_ROW : BUCKET_ROW);
    int rc = sqlite3_prepare_v2(db->h, strbuf_str(&batch), -1, &db->put_batch, NULL);
    strbuf_free(&batch);
    for (int i = 0; i < S_COUNT && rc == SQLITE_OK; i++)
        rc = sqlite3_prepare_v2(db->h, stmt_sql[i], -1, &db->st[i], NULL);
    return rc == SQLITE_OK ? 0 : -1;
}

/* A new database file made with mode 0666 less the umask, not SQLite's
 * 0644: under a umask of 0007 (the shared setup in the README) the group
 * can then read it and write its requests, and SQLite gives the -wal and
 * -shm files the database file's mode. An existing file is left as it is. */
static void create_file(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0)
        close(fd); /* an empty file is a new, empty database */
}

/* Why a database SQLite may not write cannot be written, when it is its
 * directory (SQLite makes DB-wal and DB-shm beside it): SQLite's own
 * "attempt to write a readonly database" names a file that is writable. */
static void say_directory(const char *path, char *why, size_t len)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        slash[slash == dir] = '\0'; /* "/db": "/" */
    size_t n = strlen(why);
    if (access(dir, W_OK) != 0 && (errno == EACCES || errno == EROFS) && n < len)
        snprintf(why + n, len - n, " (its directory is not writable: %s; SQLite keeps the "
                 "database's -wal and -shm files beside it)", strerror(errno));
}

struct db *db_open(const char *path, char *err, size_t errlen)
{
    char why[400];
    if (paths_make_dirs(path, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", path, why);
        return NULL;
    }
    create_file(path);
    struct db *db = xcalloc(1, sizeof *db);
    if (open_file(db, path, why, sizeof why) != 0) {
        say_directory(path, why, sizeof why);
        snprintf(err, errlen, "%s: %s", path, why);
        db_close(db);
        return NULL;
    }
    if (prepare(db) != 0) {
        snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db->h));
        db_close(db);
        return NULL;
    }
    lockfile_test_pause("created");
    return db;
}

void db_close(struct db *db)
{
    if (!db)
        return;
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(db->st[i]);
    sqlite3_finalize(db->put_batch);
    /* every statement is finalized: nothing keeps the connection busy */
    sqlite3_close(db->h);
    free(db->ids);
    free(db->fresh);
    free(db->born);
    free(db->forgot);
    free(db);
}

static void set_id(struct db *db, int id, int64_t dbid)
{
    if ((size_t)id >= db->nids) {
        xgrow(&db->ids, &db->ids_cap, (size_t)id + 1, sizeof *db->ids);
        xgrow(&db->born, &db->born_cap, (size_t)id + 1, sizeof *db->born);
        memset(db->ids + db->nids, 0, ((size_t)id + 1 - db->nids) * sizeof *db->ids);
        memset(db->born + db->nids, 0, ((size_t)id + 1 - db->nids) * sizeof *db->born);
        db->nids = (size_t)id + 1;
    }
    db->ids[id] = dbid;
}


static int cmp_loaded(const void *a, const void *b)
{
    int64_t x = ((const struct loaded *)a)->dbid, y = ((const struct loaded *)b)->dbid;
    return (x > y) - (x < y);
}

/* A bucket row's tally, from its column first (requests) on, in BUCKET_COLUMNS' order. */
static void read_tally(sqlite3_stmt *q, int first, struct tally *t)
{
    *t = (struct tally){
        .requests = sqlite3_column_int64(q, first),
        .errors = sqlite3_column_int64(q, first + 1),
        .input = sqlite3_column_int64(q, first + 2),
        .input_ck = sqlite3_column_int64(q, first + 3),
        .cache_read = sqlite3_column_int64(q, first + 4),
        .cache_write_5m = sqlite3_column_int64(q, first + 5),
        .cache_write_1h = sqlite3_column_int64(q, first + 6),
        .output = sqlite3_column_int64(q, first + 7),
        .output_rk = sqlite3_column_int64(q, first + 8),
        .reasoning = sqlite3_column_int64(q, first + 9),
        .requests_unknown = sqlite3_column_int64(q, first + 10),
        .no_usage = sqlite3_column_int64(q, first + 11),
        .reported_n = sqlite3_column_int64(q, first + 12),
        .cost = sqlite3_column_double(q, first + 13),
        .billed = sqlite3_column_double(q, first + 14),
        .reported = sqlite3_column_double(q, first + 15),
    };
}

static int64_t hour_floor(int64_t t) { return clock_floor(t, CLOCK_HOUR); }

/* A series' rates (store.h) as its row keeps them: their doubles'
 * little-endian bits, NULL for none. */
static void bind_rates(sqlite3_stmt *s, int i, const struct tally_rates *r)
{
    if (!r) {
        sqlite3_bind_null(s, i);
        return;
    }
    uint8_t b[TALLY_RATES * 8];
    for (int k = 0; k < TALLY_RATES; k++) {
        uint64_t u;
        memcpy(&u, &r->per_token[k], sizeof u);
        u = htole64(u);
        memcpy(b + 8 * k, &u, sizeof u);
    }
    sqlite3_bind_blob(s, i, b, sizeof b, SQLITE_TRANSIENT);
}

/* Column col's rates into *r: 1, 0 when NULL (none), -1 when they are not
 * rates (its chunks cannot be read without them). */
static int column_rates(sqlite3_stmt *q, int col, struct tally_rates *r)
{
    if (sqlite3_column_type(q, col) == SQLITE_NULL)
        return 0;
    const uint8_t *b = sqlite3_column_blob(q, col);
    if (!b || sqlite3_column_bytes(q, col) != TALLY_RATES * 8)
        return -1;
    for (int k = 0; k < TALLY_RATES; k++) {
        uint64_t u;
        memcpy(&u, b + 8 * k, sizeof u);
        u = le64toh(u);
        memcpy(&r->per_token[k], &u, sizeof u);
    }
    return 1;
}

/* Put series id's rates from column col (before its chunks). */
static int load_rates(struct db *db, struct store *st, int id, sqlite3_stmt *q, int col,
                      int64_t dbid)
{
    struct tally_rates r;
    int got = column_rates(q, col, &r);
    if (got < 0) {
        snprintf(db->err, sizeof db->err, "series %lld: its rates are not %d numbers "
                 "(the database is damaged)", (long long)dbid, TALLY_RATES);
        return -1;
    }
    store_series_set_rates(st, id, got ? &r : NULL);
    return 0;
}

/* The store id of db id dbid (map sorted by db id), or NULL. */
static const struct loaded *find_loaded(const struct loaded *map, size_t n, int64_t dbid)
{
    struct loaded key = {dbid, 0};
    return n ? bsearch(&key, map, n, sizeof *map, cmp_loaded) : NULL;
}

/* Every series row into st; map[0..*n) their (db id, store id), sorted. */
static int load_series(struct db *db, struct store *st, struct loaded **map, size_t *n)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db->h, "SELECT count(*) FROM series", -1, &q, NULL) != SQLITE_OK)
        return fail(db);
    size_t cap = sqlite3_step(q) == SQLITE_ROW ? (size_t)sqlite3_column_int64(q, 0) : 0;
    sqlite3_finalize(q);
    /* a hint: a failed count (a step's error comes back below) reserves none */
    store_reserve(st, store_series_count(st) + cap);
    *map = cap ? xmalloc(cap * sizeof **map) : NULL;
    if (sqlite3_prepare_v2(db->h, "SELECT id, source, provider, model, tenant, "
                           "price, tier, rates FROM series ORDER BY id", -1, &q, NULL) != SQLITE_OK)
        return fail(db);
    int rc = 0;
    while (rc == 0 && sqlite3_step(q) == SQLITE_ROW) {
        struct series_key k = {
            (const char *)sqlite3_column_text(q, 1),
            (const char *)sqlite3_column_text(q, 2),
            (const char *)sqlite3_column_text(q, 3),
            (const char *)sqlite3_column_text(q, 4),
            (const char *)sqlite3_column_text(q, 6),
        };
        int id = store_series(st, &k);
        store_series_set_price(st, id, price_parse((const char *)sqlite3_column_text(q, 5)));
        rc = load_rates(db, st, id, q, 7, sqlite3_column_int64(q, 0));
        set_id(db, id, sqlite3_column_int64(q, 0));
        xgrow(map, &cap, *n + 1, sizeof **map);
        (*map)[(*n)++] = (struct loaded){sqlite3_column_int64(q, 0), id};
    }
    sqlite3_finalize(q);
    if (*n > 1)
        qsort(*map, *n, sizeof **map, cmp_loaded);
    return rc;
}

/* One series' day chunks and rows, read before they are put: room for
 * all of them is made at once (put a day at a time, a series' stream was
 * reallocated and copied for each: half of a start at 160 buckets a
 * series; its rows put after every series' chunks moved a third of the
 * streams again, and left their old blocks as holes in the heap: a
 * quarter of a start's peak at 100,000 series). */
struct day_at {
    int64_t day;
    size_t at, len;
};
struct row {
    int64_t minute;
    struct tally t;
};
struct days {
    int id;
    uint8_t *buf;
    size_t len, cap;
    struct day_at *d;
    size_t n, dcap;
    struct row *rows;
    size_t nrows, rcap, room;
};

static void days_put(struct store *st, struct days *ds, int64_t from)
{
    if (ds->n || ds->nrows)
        store_reserve_chunks(st, ds->id, ds->len + ds->room, ds->n);
    for (size_t i = 0; i < ds->n; i++)
        store_load_chunk(st, ds->id, ds->d[i].day, from, ds->buf + ds->d[i].at, ds->d[i].len);
    for (size_t i = 0; i < ds->nrows; i++)
        store_load_bucket(st, ds->id, ds->rows[i].minute, &ds->rows[i].t);
    if (ds->n || ds->nrows)
        store_fit_chunks(st, ds->id);
    ds->n = ds->len = ds->nrows = ds->room = 0;
}

static void days_add(struct days *ds, int64_t day, const uint8_t *data, size_t len)
{
    xgrow(&ds->buf, &ds->cap, ds->len + len, 1);
    memcpy(ds->buf + ds->len, data, len);
    xgrow(&ds->d, &ds->dcap, ds->n + 1, sizeof *ds->d);
    ds->d[ds->n++] = (struct day_at){day, ds->len, len};
    ds->len += len;
}

static void days_add_row(struct days *ds, int64_t minute, sqlite3_stmt *q)
{
    xgrow(&ds->rows, &ds->rcap, ds->nrows + 1, sizeof *ds->rows);
    struct row *r = &ds->rows[ds->nrows++];
    r->minute = minute;
    read_tally(q, 2, &r->t);
    ds->room += store_row_room(&r->t);
}

/* A statement's current row's db series id; INT64_MAX past its end. */
static int64_t series_at(sqlite3_stmt *q, int rc)
{
    return rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : INT64_MAX;
}

/* Series dbid's chunks from q (its current row's result rc on), added
 * to ds when keep; returns the result of the step past them. */
static int days_gather_chunks(struct days *ds, sqlite3_stmt *q, int rc, int64_t dbid, bool keep,
                              int64_t *newest)
{
    for (; rc == SQLITE_ROW && series_at(q, rc) == dbid; rc = sqlite3_step(q)) {
        const uint8_t *data = sqlite3_column_blob(q, 2);
        int64_t last = sqlite3_column_int64(q, 3);
        *newest = last > *newest ? last : *newest;
        if (keep && data)
            days_add(ds, sqlite3_column_int64(q, 1), data, (size_t)sqlite3_column_bytes(q, 2));
    }
    return rc;
}

/* The same for its rows from r. */
static int days_gather_rows(struct days *ds, sqlite3_stmt *r, int rc, int64_t dbid, bool keep,
                            int64_t *newest)
{
    for (; rc == SQLITE_ROW && series_at(r, rc) == dbid; rc = sqlite3_step(r)) {
        int64_t minute = sqlite3_column_int64(r, 1);
        *newest = minute > *newest ? minute : *newest;
        if (keep)
            days_add_row(ds, minute, r);
    }
    return rc;
}

/* The day chunks from since's day on and the rows (the buckets of hours
 * not in a chunk) from since on (INT64_MIN: all), both in (series, time)
 * order, read side by side: each series' hours appended to its stream as
 * they are (no bucket decoded twice), then its rows. *newest = the newest
 * minute they hold, if later. */
static int load_chunks(struct db *db, struct store *st, const struct loaded *map, size_t n,
                       int64_t since, int64_t *newest)
{
    sqlite3_stmt *q, *r;
    if (sqlite3_prepare_v2(db->h, "SELECT series, day, data, newest FROM chunks WHERE day >= ? "
                           "ORDER BY series, day", -1, &q, NULL) != SQLITE_OK)
        return fail(db);
    /* in key order (the table's own: no sort) */
    if (sqlite3_prepare_v2(db->h, "SELECT " BUCKET_COLUMNS " FROM buckets WHERE minute >= ?"
                           " ORDER BY series, minute", -1, &r, NULL) != SQLITE_OK) {
        sqlite3_finalize(q);
        return fail(db);
    }
    bool all = since == INT64_MIN;
    sqlite3_bind_int64(q, 1, all ? INT64_MIN : since - CLOCK_DAY + 1);
    sqlite3_bind_int64(r, 1, since);
    int64_t from = all ? INT64_MIN : hour_floor(since);
    struct days ds = {0};
    int qrc = sqlite3_step(q), rrc = sqlite3_step(r);
    while (qrc == SQLITE_ROW || rrc == SQLITE_ROW) {
        int64_t dbid = series_at(q, qrc) < series_at(r, rrc) ? series_at(q, qrc)
                                                             : series_at(r, rrc);
        const struct loaded *m = find_loaded(map, n, dbid);
        ds.id = m ? m->id : -1;
        qrc = days_gather_chunks(&ds, q, qrc, dbid, m != NULL, newest);
        rrc = days_gather_rows(&ds, r, rrc, dbid, m != NULL, newest);
        if (m)
            days_put(st, &ds, from);
    }
    free(ds.buf);
    free(ds.d);
    free(ds.rows);
    /* the statement that failed last: its error is the one db_error says */
    sqlite3_finalize(rrc == SQLITE_DONE ? r : q);
    sqlite3_finalize(rrc == SQLITE_DONE ? q : r);
    return qrc == SQLITE_DONE && rrc == SQLITE_DONE ? 0 : fail(db);
}

/* The database's size in bytes (its pages; 0 if it cannot tell). */
static size_t db_size(struct db *db)
{
    sqlite3_stmt *q;
    int64_t bytes = 0;
    if (sqlite3_prepare_v2(db->h, "SELECT page_count * page_size FROM pragma_page_count(), "
                           "pragma_page_size()", -1, &q, NULL) != SQLITE_OK)
        return 0;
    if (sqlite3_step(q) == SQLITE_ROW)
        bytes = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return bytes > 0 ? (size_t)bytes : 0;
}

/* Every series, and the chunks and rows from since on (INT64_MIN: all);
 * *newest = the newest minute read (INT64_MIN: none). */
static int load_all(struct db *db, struct store *st, int64_t since, int64_t *newest)
{
    struct loaded *map = NULL;
    size_t n = 0;
    *newest = INT64_MIN;
    int rc = load_series(db, st, &map, &n);
    /* the series' streams, in about as many bytes as the database has */
    xalloc_heap_reserve(db_size(db));
    if (rc == 0)
        rc = load_chunks(db, st, map, n, since, newest);
    xalloc_heap_reserve_end();
    free(map);
    return rc;
}

int db_load(struct db *db, struct store *st, int64_t since)
{
    int64_t newest;
    int rc = load_all(db, st, since, &newest);
    /* the older hours of the first day read */
    store_trim(st, since);
    /* loading is not a change: nothing needs writing back */
    store_dirty_clear(st);
    return rc;
}

int db_load_recent(struct db *db, struct store *st, int64_t now)
{
    /* everything, then what is older than the retention goes: the data
     * stored reaches back at most a day and a prune's interval further
     * (ingest.c prunes it), and the scans that found the newest minute
     * before the load were two more reads of every row (0.05 s of a start
     * at 100,000 series) */
    int64_t newest;
    int rc = load_all(db, st, INT64_MIN, &newest);
    store_trim(st, (newest != INT64_MIN && newest < now ? newest : now) - STORE_RETENTION);
    store_dirty_clear(st);
    if (rc == 0) { /* what db_newest_minute answers until a row changes */
        db->newest_known = true;
        db->newest = newest;
        db->newest_changes = sqlite3_total_changes64(db->h);
    }
    return rc;
}

static int exec(struct db *db, const char *sql)
{
    return sqlite3_exec(db->h, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : fail(db);
}

/* Step a reset-and-bound statement to completion. */
static int run(struct db *db, sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : fail(db);
}

/* Rows [first, first + n) of the pending ones through s. */
static int put_rows(struct db *db, sqlite3_stmt *s, int first, int n)
{
    int p = 1;
    for (int r = first; r < first + n; r++) {
        for (int i = 0; i < BUCKET_INTS; i++)
            sqlite3_bind_int64(s, p++, db->rows[r].ints[i]);
        for (int i = 0; i < BUCKET_REALS; i++)
            sqlite3_bind_double(s, p++, db->rows[r].reals[i]);
    }
    return run(db, s);
}

/* Write the pending bucket rows: a full batch at once, fewer one by one. */
static int write_rows(struct db *db)
{
    int rc = 0;
    if (db->nrows == BATCH)
        rc = put_rows(db, db->put_batch, 0, BATCH);
    else
        for (int r = 0; r < db->nrows && rc == 0; r++)
            rc = put_rows(db, db->st[S_BUCKET_PUT], r, 1);
    db->nrows = 0;
    return rc;
}

int db_begin(struct db *db)
{
    db->nchanged = 0;
    return exec(db, "BEGIN IMMEDIATE");
}

/* Log that series dbid changed: its rows from minute on, its chunks from
 * day chunks on (either INT64_MAX: not), or (both INT64_MAX) the series
 * row itself. Past CHANGES_MAX in one transaction, db_commit says
 * "everything" instead. */
static int log_change(struct db *db, int64_t dbid, int64_t minute, int64_t chunks)
{
    if (db->viewer || ++db->nchanged > CHANGES_MAX)
        return 0;
    sqlite3_stmt *s = db->st[S_CHANGE_PUT];
    sqlite3_bind_int64(s, 1, dbid);
    if (minute != INT64_MAX)
        sqlite3_bind_int64(s, 2, minute);
    else
        sqlite3_bind_null(s, 2);
    if (chunks != INT64_MAX)
        sqlite3_bind_int64(s, 3, chunks);
    else
        sqlite3_bind_null(s, 3);
    if (run(db, s) != 0)
        return -1;
    db->last_change = sqlite3_last_insert_rowid(db->h);
    return 0;
}

/* Before COMMIT: the "everything" row of a transaction too big to list,
 * and the log cut to its newest CHANGES_KEEP rows. */
static int close_changes(struct db *db)
{
    if (db->nchanged == 0)
        return 0;
    if (db->nchanged > CHANGES_MAX) {
        if (run(db, db->st[S_CHANGE_ALL]) != 0)
            return -1;
        db->last_change = sqlite3_last_insert_rowid(db->h);
    }
    /* by the log's own last row: other tables' inserts move SQLite's
     * last_insert_rowid too (seen_spans' keys are 64-bit hashes) */
    sqlite3_stmt *s = db->st[S_CHANGES_PRUNE];
    sqlite3_bind_int64(s, 1, db->last_change - CHANGES_KEEP);
    return run(db, s);
}

/* The transaction ended: no series row is new in the next one. */
static void forget_born(struct db *db)
{
    for (size_t i = 0; i < db->nfresh; i++)
        db->born[db->fresh[i]] = false;
}

/* Series id's row was inserted by this transaction: it has no chunk and no
 * bucket row but what this transaction wrote, from a store pruned already
 * (ingest.h), so there is nothing of it to delete or prune. (A row id is
 * reused only after the series holding it was forgotten, with its rows.) */
static bool born_now(const struct db *db, size_t id)
{
    return id < db->nids && db->born[id];
}

int db_commit(struct db *db)
{
    if (write_rows(db) != 0 || close_changes(db) != 0 || exec(db, "COMMIT") != 0)
        return -1;
    forget_born(db);
    db->nfresh = 0;
    db->nchanged = 0;
    db->nforgot = 0;
    return 0;
}

void db_rollback(struct db *db)
{
    db->nrows = 0;
    db->nchanged = 0;
    /* a failed ROLLBACK means no transaction is open (SQLite ended it with
     * the error that brought us here): nothing is left to undo */
    sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
    /* the series rows this transaction inserted are gone: forget their ids,
     * or a retry would write buckets under ids that do not exist */
    for (size_t i = 0; i < db->nfresh; i++)
        db->ids[db->fresh[i]] = 0;
    forget_born(db);
    db->nfresh = 0;
    /* and the rows it deleted are back, under their ids (after the fresh
     * ones: an id freed and reused in it had its old row) */
    for (size_t i = db->nforgot; i-- > 0;)
        db->ids[db->forgot[i].id] = db->forgot[i].dbid;
    db->nforgot = 0;
}

static void bind_key(sqlite3_stmt *s, const struct series_key *k)
{
    sqlite3_bind_text(s, 1, k->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, k->provider, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, k->model, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, k->tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, k->tier, -1, SQLITE_STATIC);
}

/* The db id of store series id's stored row, or 0. */
static int64_t series_find(struct db *db, const struct series_key *k)
{
    sqlite3_stmt *f = db->st[S_SERIES_FIND];
    bind_key(f, k);
    int64_t dbid = 0;
    if (sqlite3_step(f) == SQLITE_ROW)
        dbid = sqlite3_column_int64(f, 0);
    sqlite3_reset(f);
    sqlite3_clear_bindings(f);
    return dbid;
}

/* The db id of store series id, inserting the series (with its price
 * status) if new: one statement for a new series, which a first read of
 * an export makes by the hundred thousand. -1 on failure. */
static int64_t series_id(struct db *db, const struct store *st, int id)
{
    if ((size_t)id < db->nids && db->ids[id])
        return db->ids[id];
    const struct series_key *k = store_series_key(st, id);
    sqlite3_stmt *ins = db->st[S_SERIES_ADD];
    bind_key(ins, k);
    sqlite3_bind_text(ins, 6, price_name(store_series_price(st, id)), -1, SQLITE_STATIC);
    bind_rates(ins, 7, store_series_rates(st, id));
    if (run(db, ins) != 0)
        return -1;
    bool added = sqlite3_changes(db->h) == 1;
    int64_t dbid = added ? sqlite3_last_insert_rowid(db->h) : series_find(db, k);
    if (!dbid) {
        snprintf(db->err, sizeof db->err, "series row neither added nor found");
        return -1;
    }
    set_id(db, id, dbid);
    if (added) {
        xgrow(&db->fresh, &db->fresh_cap, db->nfresh + 1, sizeof *db->fresh);
        db->fresh[db->nfresh++] = id;
        db->born[id] = true;
    }
    return dbid;
}

int db_put_series(struct db *db, const struct store *st, int id)
{
    int64_t dbid = series_id(db, st, id);
    if (dbid < 0)
        return -1;
    /* a row this transaction inserted has the price status and rates already */
    if (!born_now(db, (size_t)id)) {
        sqlite3_stmt *s = db->st[S_SERIES_PRICE];
        sqlite3_bind_text(s, 1, price_name(store_series_price(st, id)), -1, SQLITE_STATIC);
        bind_rates(s, 2, store_series_rates(st, id));
        sqlite3_bind_int64(s, 3, dbid);
        if (run(db, s) != 0)
            return -1;
    }
    return log_change(db, dbid, INT64_MAX, INT64_MAX);
}

int db_put_bucket(struct db *db, const struct store *st, int id,
                  int64_t minute, const struct tally *t)
{
    int64_t dbid = series_id(db, st, id);
    if (dbid < 0 || log_change(db, dbid, minute, INT64_MAX) != 0)
        return -1;
    if (tally_is_zero(t)) {
        if (write_rows(db) != 0)
            return -1;
        sqlite3_stmt *d = db->st[S_BUCKET_DELETE];
        sqlite3_bind_int64(d, 1, dbid);
        sqlite3_bind_int64(d, 2, minute);
        return run(db, d);
    }
    db->rows[db->nrows++] = (struct bucket_row){
        {dbid, minute, t->requests, t->errors, t->input, t->input_ck, t->cache_read,
         t->cache_write_5m, t->cache_write_1h, t->output, t->output_rk, t->reasoning,
         t->requests_unknown, t->no_usage, t->reported_n},
        {t->cost, t->billed, t->reported}};
    /* outside a transaction there is no commit to wait for */
    if (db->nrows == BATCH || sqlite3_get_autocommit(db->h))
        return write_rows(db);
    return 0;
}

/* Bind and run s with (dbid, v). */
static int run_pair(struct db *db, sqlite3_stmt *s, int64_t dbid, int64_t v)
{
    sqlite3_bind_int64(s, 1, dbid);
    sqlite3_bind_int64(s, 2, v);
    return run(db, s);
}

int db_put_from(struct db *db, const struct store *st, int id, int64_t chunks_from,
                int64_t rows_from)
{
    int64_t dbid = series_id(db, st, id);
    if (dbid < 0)
        return -1;
    /* nothing to delete: the rows pending stay pending, a batch fills */
    if (born_now(db, (size_t)id))
        return log_change(db, dbid, rows_from, chunks_from);
    if (write_rows(db) != 0)
        return -1;
    if (chunks_from != INT64_MAX &&
        run_pair(db, db->st[S_CHUNKS_DELETE], dbid, chunks_from) != 0)
        return -1;
    if (rows_from != INT64_MAX && run_pair(db, db->st[S_ROWS_DELETE], dbid, rows_from) != 0)
        return -1;
    return log_change(db, dbid, rows_from, chunks_from);
}

int db_put_chunk(struct db *db, const struct store *st, int id, int64_t day,
                 const uint8_t *data, size_t len, int64_t newest, size_t count)
{
    int64_t dbid = series_id(db, st, id);
    /* a chunk counts as its buckets towards "too many to list" */
    db->nchanged += count > CHANGES_MAX ? CHANGES_MAX : (int)count;
    if (dbid < 0 || log_change(db, dbid, INT64_MAX, day) != 0)
        return -1;
    sqlite3_stmt *s = db->st[S_CHUNK_PUT];
    sqlite3_bind_int64(s, 1, dbid);
    sqlite3_bind_int64(s, 2, day);
    sqlite3_bind_int64(s, 3, newest);
    sqlite3_bind_blob(s, 4, data, (int)len, SQLITE_STATIC);
    return run(db, s);
}

int db_forget_series(struct db *db, int id)
{
    if ((size_t)id >= db->nids || !db->ids[id])
        return 0; /* never written */
    if (write_rows(db) != 0)
        return -1;
    int64_t dbid = db->ids[id];
    sqlite3_stmt *b = db->st[S_SERIES_BUCKETS_DELETE], *s = db->st[S_SERIES_DELETE],
                 *c = db->st[S_SERIES_CHUNKS_DELETE];
    sqlite3_bind_int64(b, 1, dbid);
    sqlite3_bind_int64(s, 1, dbid);
    sqlite3_bind_int64(c, 1, dbid);
    if (run(db, b) != 0 || run(db, c) != 0 || run(db, s) != 0)
        return -1;
    xgrow(&db->forgot, &db->forgot_cap, db->nforgot + 1, sizeof *db->forgot);
    db->forgot[db->nforgot++] = (struct loaded){dbid, id};
    db->ids[id] = 0;
    /* the change log names series by row id, and this row is gone: a
     * viewer could not tell which of its series to free. So the commit
     * says "everything" and viewers load anew, without it - at most once a
     * prune (ingest's PRUNE_EVERY), and only when a series was freed */
    db->nchanged = CHANGES_MAX + 1;
    return 0;
}

int db_prune(struct db *db, int64_t before)
{
    if (write_rows(db) != 0)
        return -1;
    /* a series whose row this transaction inserted has nothing stored to
     * prune (born_now): when every series is such (a first read of an
     * export), there is nothing to scan for */
    bool stored = false;
    for (size_t i = 0; i < db->nids && !stored; i++)
        stored = db->ids[i] && !born_now(db, i);
    if (!stored)
        return 0;
    /* Two plain scans, not two lookups down each series' key: a scan
     * reads the small rows of both tables once (a chunk's blob is not
     * looked at), where the lookups cost 0.1 s of every first flush at
     * 100,000 series. The rows before it go, and the chunks of days that
     * end by it (the day that straddles it keeps its older hours until it
     * does: db_load trims them). */
    sqlite3_stmt *b = db->st[S_PRUNE], *c = db->st[S_PRUNE_CHUNKS];
    sqlite3_bind_int64(b, 1, before);
    sqlite3_bind_int64(c, 1, before - CLOCK_DAY + 1);
    return run(db, b) != 0 || run(db, c) != 0 ? -1 : 0;
}

int db_newest_minute(struct db *db, int64_t *out)
{
    int64_t changes = sqlite3_total_changes64(db->h);
    if (db->newest_known && !db->viewer && changes == db->newest_changes) {
        *out = db->newest;
        return 0;
    }
    /* Two plain scans, not a step down each series' key: the rows are
     * small (a chunk's blob is not read for its newest), and at 100,000
     * series the per-series lookups took 0.7 s of every start */
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db->h, "SELECT max(coalesce((SELECT max(minute) FROM buckets), "
                           "-1 << 62), coalesce((SELECT max(newest) FROM chunks), -1 << 62))",
                           -1, &q, NULL) != SQLITE_OK)
        return fail(db);
    int rc = sqlite3_step(q);
    *out = rc == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL
               ? sqlite3_column_int64(q, 0) : INT64_MIN;
    if (*out <= -(INT64_C(1) << 62))
        *out = INT64_MIN; /* no data */
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW)
        return fail(db);
    db->newest_known = true;
    db->newest = *out;
    db->newest_changes = changes;
    return 0;
}

int db_prices_applied(struct db *db, bool *known, uint64_t *fp)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db->h, "SELECT fingerprint FROM prices_applied WHERE id=1", -1, &q,
                           NULL) != SQLITE_OK)
        return fail(db);
    int rc = sqlite3_step(q);
    *known = rc == SQLITE_ROW;
    *fp = *known ? (uint64_t)sqlite3_column_int64(q, 0) : 0;
    sqlite3_finalize(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(db);
}

int db_put_prices_applied(struct db *db, bool known, uint64_t fp)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db->h, known ? "INSERT OR REPLACE INTO prices_applied(id, "
                                          "fingerprint) VALUES(1, ?)"
                                        : "DELETE FROM prices_applied",
                           -1, &s, NULL) != SQLITE_OK)
        return fail(db);
    if (known)
        sqlite3_bind_int64(s, 1, (int64_t)fp);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : fail(db);
}

int db_cursor_put(struct db *db, const char *source, const char *key,
                  const char *value)
{
    sqlite3_stmt *s = db->st[S_CURSOR_PUT];
    sqlite3_bind_text(s, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, value, -1, SQLITE_STATIC);
    return run(db, s);
}

int db_cursor_delete(struct db *db, const char *source, const char *key)
{
    sqlite3_stmt *s = db->st[S_CURSOR_DELETE];
    sqlite3_bind_text(s, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
    return run(db, s);
}

int db_cursor_each(struct db *db, const char *source,
                   int (*fn)(void *ctx, const char *key, const char *value),
                   void *ctx)
{
    sqlite3_stmt *s = db->st[S_CURSOR_LIST];
    sqlite3_bind_text(s, 1, source, -1, SQLITE_STATIC); /* unbound before we return */
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (fn(ctx, (const char *)sqlite3_column_text(s, 0),
               (const char *)sqlite3_column_text(s, 1)) != 0)
            break;
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(db);
}

/* ---- viewers ------------------------------------------------------------------- */

/* db_open_viewer; *not_yet: refused for what an owner starting now
 * mends in a moment (a schema it has not written or upgraded yet, or the
 * database busy with that); *version: the schema version found (-1: none
 * read). */
static struct db *open_viewer(const char *path, char *err, size_t errlen, bool *not_yet,
                              int *version)
{
    *not_yet = false;
    *version = -1;
    struct db *db = xcalloc(1, sizeof *db);
    db->viewer = true;
    /* READWRITE without CREATE: a database that is not there is an error,
     * and one the file's permissions let us only read opens read-only
     * (then asking the owner is not possible, reading is) */
    int rc = sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path,
                 db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
        db_close(db);
        return NULL;
    }
    /* short: a viewer's loop must not stall, and nothing it does is urgent
     * (cannot fail on an open connection) */
    sqlite3_busy_timeout(db->h, 200);
    char why[300];
    int v = schema_check(db->h, why, sizeof why);
    *version = v;
    *not_yet = (v >= 0 && v < schema_latest()) || v == SCHEMA_BUSY;
    if (v >= 0 && v != schema_latest())
        snprintf(why, sizeof why, "schema version %d, this spendtop reads version %d: "
                 "run the same spendtop as its owner", v, schema_latest());
    if (v != schema_latest() || prepare(db) != 0) {
        snprintf(err, errlen, "%s: %s", path, v == schema_latest() ? sqlite3_errmsg(db->h) : why);
        db_close(db);
        return NULL;
    }
    return db;
}

struct db *db_open_viewer(const char *path, char *err, size_t errlen)
{
    bool not_yet;
    int v;
    return open_viewer(path, err, errlen, &not_yet, &v);
}

struct db *db_open_viewer_ready(const char *path, char *err, size_t errlen)
{
    enum { STEP_MS = 50, WAIT_MS = 10000 };
    bool not_yet;
    int v;
    long making = 0; /* the owner waited for */
    for (int waited = 0;; waited += STEP_MS) {
        struct db *db = open_viewer(path, err, errlen, &not_yet, &v);
        if (!db && making && access(path, F_OK) != 0 && errno == ENOENT)
            /* its start failed, and it left nothing (lockfile.h) */
            snprintf(err, errlen, "%s: the spendtop that was making it (pid %ld) ended "
                     "without making it (its start failed: see what it said); run spendtop "
                     "again", path, making);
        if (db || !not_yet)
            return db;
        long owner = lockfile_owner(path);
        if (owner <= 0 && v == 0) /* said plainly: no one is making it */
            snprintf(err, errlen, "%s: schema version 0 (an empty database) and no "
                     "spendtop making it: run spendtop on it to make it", path);
        if (owner <= 0)
            return NULL;
        if (waited >= WAIT_MS) {
            snprintf(err, errlen, "%s: its owner (pid %ld) has not made its tables in %d s: "
                     "try again when it has started", path, owner, WAIT_MS / 1000);
            return NULL;
        }
        if (waited == 0)
            log_msg(LOG_INFO, "waiting for the spendtop that owns %s (pid %ld) to make "
                    "its tables", path, owner);
        making = owner;
        nanosleep(&(struct timespec){.tv_nsec = STEP_MS * 1000000L}, NULL);
    }
}

bool db_writable(struct db *db) { return sqlite3_db_readonly(db->h, "main") == 0; }

/* SQLite's default WAL hook checkpoints from this many pages on */
#define WAL_CHECKPOINT_PAGES 1000

static int wal_committed(void *ctx, sqlite3 *h, const char *name, int pages)
{
    struct db *db = ctx;
    if (pages >= WAL_CHECKPOINT_PAGES)
        sqlite3_wal_checkpoint_v2(h, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    db->on_commit(db->on_commit_ctx);
    return SQLITE_OK;
}

void db_on_commit(struct db *db, void (*fn)(void *ctx), void *ctx)
{
    db->on_commit = fn;
    db->on_commit_ctx = ctx;
    sqlite3_wal_hook(db->h, wal_committed, db);
}

int64_t db_data_version(struct db *db)
{
    sqlite3_stmt *s;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db->h, "PRAGMA data_version", -1, &s, NULL) != SQLITE_OK)
        return fail(db);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v < 0 ? fail(db) : v;
}

int db_read_begin(struct db *db) { return exec(db, "BEGIN"); }

void db_read_end(struct db *db)
{
    /* a read transaction only: ending it cannot lose anything */
    sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
}

int db_changes_last(struct db *db, int64_t *seq)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db->h, "SELECT coalesce(max(seq), 0) FROM changes", -1, &s,
                           NULL) != SQLITE_OK)
        return fail(db);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *seq = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : fail(db);
}

/* Does the log still reach back to just after seq? */
static int changes_reach(struct db *db, int64_t seq, bool *reach)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db->h, "SELECT min(seq) FROM changes", -1, &s, NULL) != SQLITE_OK)
        return fail(db);
    int rc = sqlite3_step(s);
    *reach = rc == SQLITE_ROW && (sqlite3_column_type(s, 0) == SQLITE_NULL ||
                                  sqlite3_column_int64(s, 0) <= seq + 1);
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : fail(db);
}

/* Read series id (db id dbid) again from t on (hour-aligned): its chunks
 * if they changed, and its rows. */
static int reread_series(struct db *db, struct store *st, int id, int64_t dbid, int64_t t,
                         bool chunks)
{
    store_drop_from(st, id, t);
    sqlite3_stmt *c = db->st[S_CHUNKS_FROM], *r = db->st[S_ROWS_FROM];
    int rc = SQLITE_DONE;
    if (chunks) {
        sqlite3_bind_int64(c, 1, dbid);
        sqlite3_bind_int64(c, 2, t - CLOCK_DAY + 1);
        while ((rc = sqlite3_step(c)) == SQLITE_ROW) {
            const uint8_t *data = sqlite3_column_blob(c, 1);
            if (data)
                store_load_chunk(st, id, sqlite3_column_int64(c, 0), t, data,
                                 (size_t)sqlite3_column_bytes(c, 1));
        }
        sqlite3_reset(c);
        if (rc != SQLITE_DONE)
            return fail(db);
    }
    sqlite3_bind_int64(r, 1, dbid);
    sqlite3_bind_int64(r, 2, t);
    while ((rc = sqlite3_step(r)) == SQLITE_ROW) {
        struct tally x;
        read_tally(r, 2, &x);
        store_load_bucket(st, id, sqlite3_column_int64(r, 1), &x);
    }
    sqlite3_reset(r);
    return rc == SQLITE_DONE ? 0 : fail(db);
}

/* A series to read again, from t (hour-aligned). */
struct reread {
    int64_t dbid, t;
    int id;
    bool chunks;
};

static int cmp_reread(const void *a, const void *b)
{
    const struct reread *x = a, *y = b;
    return (x->dbid > y->dbid) - (x->dbid < y->dbid);
}

/* One logged change into st: the series (created if new), its price and
 * rates; what it holds from the change on is read again once all are seen
 * (one read per series, of what the database holds now). -1: its rates
 * are damaged. */
static int apply_change(struct db *db, sqlite3_stmt *q, struct store *st, struct reread **rr,
                        size_t *n, size_t *cap)
{
    struct series_key k = {
        (const char *)sqlite3_column_text(q, 4), (const char *)sqlite3_column_text(q, 5),
        (const char *)sqlite3_column_text(q, 6), (const char *)sqlite3_column_text(q, 7),
        (const char *)sqlite3_column_text(q, 8),
    };
    if (!k.source || !k.provider || !k.model || !k.tenant)
        return 0; /* a series row that is not there: nothing to show */
    int id = store_series(st, &k);
    store_series_set_price(st, id, price_parse((const char *)sqlite3_column_text(q, 9)));
    /* before its chunks are read: they are written with its row's rates */
    if (load_rates(db, st, id, q, 10, sqlite3_column_int64(q, 3)) != 0)
        return -1;
    bool rows = sqlite3_column_type(q, 1) != SQLITE_NULL;
    bool chunks = sqlite3_column_type(q, 2) != SQLITE_NULL;
    if (!rows && !chunks)
        return 0;
    int64_t t = rows ? hour_floor(sqlite3_column_int64(q, 1)) : INT64_MAX;
    if (chunks && sqlite3_column_int64(q, 2) < t)
        t = sqlite3_column_int64(q, 2);
    xgrow(rr, cap, *n + 1, sizeof **rr);
    (*rr)[(*n)++] = (struct reread){sqlite3_column_int64(q, 3), t, id, chunks};
    return 0;
}

/* Read again each series of rr[0..n), from the earliest of its changes. */
static int reread_all(struct db *db, struct store *st, struct reread *rr, size_t n)
{
    if (n > 1)
        qsort(rr, n, sizeof *rr, cmp_reread);
    for (size_t i = 0; i < n;) {
        struct reread r = rr[i];
        for (i++; i < n && rr[i].dbid == r.dbid; i++) {
            r.t = rr[i].t < r.t ? rr[i].t : r.t;
            r.chunks = r.chunks || rr[i].chunks;
            r.id = rr[i].id; /* the newest: a reused id names the series now */
        }
        if (reread_series(db, st, r.id, r.dbid, r.t, r.chunks) != 0)
            return -1;
    }
    return 0;
}

int db_changes_apply(struct db *db, struct store *st, int64_t *seq)
{
    bool reach;
    if (changes_reach(db, *seq, &reach) != 0)
        return -1;
    if (!reach)
        return 1;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db->h,
                           "SELECT c.seq, c.minute, c.chunks, c.series, s.source, s.provider,"
                           " s.model, s.tenant, s.tier, s.price, s.rates"
                           " FROM changes c LEFT JOIN series s ON s.id = c.series"
                           " WHERE c.seq > ? ORDER BY c.seq",
                           -1, &q, NULL) != SQLITE_OK)
        return fail(db);
    sqlite3_bind_int64(q, 1, *seq);
    int64_t from = *seq;
    int rc, result = 0;
    struct reread *rr = NULL;
    size_t n = 0, cap = 0, rows = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        rows++;
        *seq = sqlite3_column_int64(q, 0);
        if (sqlite3_column_int64(q, 3) == 0)
            result = result < 0 ? result : 1; /* everything: the caller loads anew */
        else if (result == 0 && apply_change(db, q, st, &rr, &n, &cap) != 0)
            result = -1;
    }
    sqlite3_finalize(q);
    if (rc == SQLITE_DONE && result == 0 && reread_all(db, st, rr, n) != 0)
        result = -1;
    free(rr);
    /* what was applied is the database's already: nothing to write back.
     * Nothing applied (the owner committed something else: its row, an
     * alert): nothing to clear, and no walk over every series */
    if (rows)
        store_dirty_clear(st);
    if (result < 0 || rc != SQLITE_DONE) {
        /* the next call reads these changes again (each is read whole
         * again: applying one twice is applying it once) */
        *seq = from;
        return result < 0 ? -1 : fail(db);
    }
    return result;
}
