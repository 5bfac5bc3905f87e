/* db.h - SQLite persistence: buckets, collector cursors, alert state.
 *
 * One database file per spendtop state (--db, default
 * $XDG_STATE_HOME/spendtop/spendtop.db), in WAL mode so that readers
 * (a dashboard attached to a daemon's state) never block the writer.
 *
 * Its tables are made and changed by one ordered list of migrations
 * (core/schema.h), run by db_open in one transaction: a database written
 * by an older spendtop is upgraded in place, one written by a newer one is
 * refused and left untouched (never downgraded). The rule for the list:
 * never edit a released step, append one. Every column that stands for an
 * enum holds the value's name, and every statement names its columns.
 *
 * Writes are batched: the caller opens one transaction per flush, writes
 * every changed bucket and every advanced cursor in it, and commits. A crash
 * mid-flush therefore loses nothing that was committed and never leaves a
 * cursor ahead of the data it covers (or behind data it already counted).
 */
#ifndef SPENDTOP_DB_H
#define SPENDTOP_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/store.h"

struct db;

/* Open (creating the file and its directory if needed) and bring the
 * schema to the newest version. Opening again changes nothing; two
 * opening a new database at once make its schema once (the steps run in
 * one transaction that holds the write lock, and what was there is looked
 * at again under it). Returns NULL with a message in err that starts with
 * the path: a directory cannot be made, the file cannot be opened, is not
 * a database, was written by a newer spendtop (the file is then left
 * exactly as it was), or a migration failed (the database is then as it
 * was before it). */
struct db *db_open(const char *path, char *err, size_t errlen);
void db_close(struct db *db);
/* The last SQLite error message. */
const char *db_error(const struct db *db);
/* For modules that run statements on db_handle: the connection's last
 * SQLite error becomes db_error's (else a caller logging db_error after
 * such a statement failed says an old reason, or none). Returns -1. */
int db_fail(struct db *db);

/* Load every series and the buckets that start at or after since into st
 * (which should be empty). Returns 0 or -1. */
int db_load(struct db *db, struct store *st, int64_t since);
/* What an owner's start loads: every series and the buckets of the
 * retention back from the newest data stored, or from now when that is
 * earlier (a clock far ahead loads what is stored), found in the same
 * read (db_newest_minute then answers without reading again). 0 or -1. */
int db_load_recent(struct db *db, struct store *st, int64_t now);

int db_begin(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);

/* Within a transaction: store series id's key and price status. */
int db_put_series(struct db *db, const struct store *st, int id);
/* Within a transaction: the absolute value of one bucket (a zero tally
 * deletes it). Rows are written in batches, the last of them by db_commit
 * (whose failure is then theirs too); db_rollback drops them. */
int db_put_bucket(struct db *db, const struct store *st, int id,
                  int64_t minute, const struct tally *t);
/* Within a transaction, what store_persist_each reports (store.h): delete
 * series id's chunks from day chunks_from on and its rows from minute
 * rows_from on (INT64_MAX: none), then write its chunks (db_put_chunk,
 * count: the buckets it holds) and its open hour's rows (db_put_bucket).
 * The change log names the series and where its rows and chunks changed
 * from: a viewer reads the series again from the earliest. */
int db_put_from(struct db *db, const struct store *st, int id, int64_t chunks_from,
                int64_t rows_from);
int db_put_chunk(struct db *db, const struct store *st, int id, int64_t day,
                 const uint8_t *data, size_t len, int64_t newest, size_t count);
/* Within a transaction: store series id was freed (store.h): delete its
 * row and any bucket left of it, and forget its db id (the store may give
 * the id to a new series, written after this). db_rollback remembers it
 * again. The change log then says "everything": viewers load anew,
 * without the series. */
int db_forget_series(struct db *db, int id);
/* Within a transaction: delete buckets that start before t. */
int db_prune(struct db *db, int64_t before);
/* *out = the start of the newest bucket stored, INT64_MIN when there is
 * none (what pruning is measured from: data, never one run's clock). 0 or
 * -1 (db_error). */
int db_newest_minute(struct db *db, int64_t *out);

/* Which price table the stored spend was priced by (pricing_fingerprint):
 * *known false when that is not known. 0 or -1 (db_error). */
int db_prices_applied(struct db *db, bool *known, uint64_t *fp);
/* Within the transaction that writes what it priced: the stored spend is
 * priced by fp (known), or by no one table (not known). */
int db_put_prices_applied(struct db *db, bool known, uint64_t fp);

/* Collector cursors: small strings a collector needs to resume (a file
 * offset, the last polled bucket). */
int db_cursor_put(struct db *db, const char *source, const char *key,
                  const char *value);
int db_cursor_delete(struct db *db, const char *source, const char *key);
/* Calls fn for every cursor of source; stops early if fn returns non-0. */
int db_cursor_each(struct db *db, const char *source,
                   int (*fn)(void *ctx, const char *key, const char *value),
                   void *ctx);

/* ---- viewers ------------------------------------------------------------------
 *
 * An owner's every transaction logs the keys it changed (the `changes`
 * table: a bucket, a series row, or "everything" for a transaction too
 * big to list); the newest few tens of thousands are kept. A viewer reads
 * the store as db_load puts it together, then only what the log says
 * changed since. */

/* Open a database that another process owns, to view it: never created,
 * never migrated (a schema version other than this spendtop's is refused
 * with a message saying so), a busy timeout of 200 ms, no change logged.
 * Writable only where the file's permissions allow (db_writable). */
struct db *db_open_viewer(const char *path, char *err, size_t errlen);
/* db_open_viewer for a viewer starting: an owner that has just taken the
 * database writes (or upgrades) its schema first, and a viewer started
 * in that moment waits for it - while the owner lives, up to 10 s, then a
 * message that says so - rather than refusing a database that is about to
 * be right. An empty one that no owner is making is refused as such, and
 * one whose owner ended without making it (its start failed, and it left
 * nothing: lockfile.h) is said so. */
struct db *db_open_viewer_ready(const char *path, char *err, size_t errlen);
bool db_writable(struct db *db);
/* SQLite's PRAGMA data_version: it changes whenever another connection
 * has committed. -1 on error. */
int64_t db_data_version(struct db *db);
/* fn(ctx) after each commit of this connection, once it is durable and
 * readers see it (SQLite's WAL hook; the WAL is checkpointed at 1,000
 * pages, as SQLite's own hook does, which this one replaces): the owner
 * tells its viewers (lockfile_ring) then, not at its next tick. */
void db_on_commit(struct db *db, void (*fn)(void *ctx), void *ctx);
/* A read transaction: what is read inside is one snapshot. A viewer never
 * keeps one open longer than its reads (an open one holds back the
 * owner's WAL checkpoints). */
int db_read_begin(struct db *db);
void db_read_end(struct db *db);
/* The newest change logged (0: none yet), into *seq. */
int db_changes_last(struct db *db, int64_t *seq);
/* Put every change logged after *seq into st (the bucket's value now, or
 * its absence; new series; price status), advancing *seq. Returns 0; 1
 * when st must be loaded anew instead (the log no longer reaches back to
 * *seq, or it says "everything"); -1 on error. */
int db_changes_apply(struct db *db, struct store *st, int64_t *seq);

/* The sqlite3 handle, for modules that keep rows in tables of their own
 * (alerts.c, outbox.c). Those tables are made by the schema's steps, which
 * the module contributes to core/schema.c; a module never creates or
 * alters a table itself. */
struct sqlite3 *db_handle(struct db *db);

#endif
