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
 * schema to the newest version. Opening again changes nothing. Returns
 * NULL with a message in err that starts with the path: the file cannot
 * be opened, is not a database, was written by a newer spendtop (the file
 * is then left exactly as it was), or a migration failed (the database is
 * then as it was before it). */
struct db *db_open(const char *path, char *err, size_t errlen);
void db_close(struct db *db);
/* The last SQLite error message. */
const char *db_error(const struct db *db);

/* Load every series and the buckets that start at or after since into st
 * (which should be empty). Returns 0 or -1. */
int db_load(struct db *db, struct store *st, int64_t since);

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
/* Within a transaction: delete buckets that start before t. */
int db_prune(struct db *db, int64_t before);

/* Collector cursors: small strings a collector needs to resume (a file
 * offset, the last polled bucket). */
int db_cursor_put(struct db *db, const char *source, const char *key,
                  const char *value);
int db_cursor_delete(struct db *db, const char *source, const char *key);
/* Calls fn for every cursor of source; stops early if fn returns non-0. */
int db_cursor_each(struct db *db, const char *source,
                   int (*fn)(void *ctx, const char *key, const char *value),
                   void *ctx);

/* The sqlite3 handle, for modules that keep rows in tables of their own
 * (alerts.c, outbox.c). Those tables are made by the schema's steps, which
 * the module contributes to core/schema.c; a module never creates or
 * alters a table itself. */
struct sqlite3 *db_handle(struct db *db);

#endif
