/* schema.h - the database's tables, as one ordered list of migrations.
 *
 * The schema is not declared; it is the result of steps. Step N takes a
 * database from version N to N + 1 (SQLite's PRAGMA user_version: 0 is a
 * new, empty file), and a new database is made by running every step from
 * the first. So a database written by any release, and one made today,
 * end in the same tables, by the same statements.
 *
 * THE RULE: never edit a step that has been released - a database out
 * there was made by its text. To change the schema, append a step (and
 * the release notes say which version it makes). Every table of every
 * module is made here: the store's (series, buckets), the collectors'
 * cursors, the alert state, the notification outbox, the spans remembered
 * to count each call once (calls.c). A module that
 * owns a table contributes its steps to this list and never creates or
 * alters a table itself.
 *
 * Stored values that stand for a C enum are stored by NAME ('firing',
 * 'spend_anomaly', 'partial'), never by the enum's number: reordering an
 * enum must not silently change what stored rows mean.
 */
#ifndef SPENDTOP_SCHEMA_H
#define SPENDTOP_SCHEMA_H

#include <stddef.h>

struct sqlite3;

/* The newest version this code knows (the number of steps). */
int schema_latest(void);

/* schema_check's answer when the database was busy (another connection
 * held what the reads needed past the busy timeout): try again. */
#define SCHEMA_BUSY (-2)

/* Is this a database we may write? Reads only, so that a database this
 * code must refuse is left exactly as it was, and all in one read
 * transaction (one snapshot: a schema another process commits meanwhile
 * is seen whole or not at all) unless the caller has one open. Returns
 * its version (0 for a new file), or -1 with a message in err: not an
 * SQLite database, written by a newer spendtop (never downgraded), or
 * another program's (SCHEMA_BUSY: busy). Ours is marked (PRAGMA
 * application_id, from version 7 on); unmarked, a file is ours only if it
 * is empty (version 0, no tables) or of an older release (version 1 to 6
 * with the store's tables). */
int schema_check(struct sqlite3 *h, char *err, size_t errlen);

/* Run the steps from the database's version to schema_latest(), in one
 * transaction with the version change (a failed step leaves the database
 * as it was). Checks the version again under the write lock. 0, or -1
 * with a message in err that names the failed step. */
int schema_upgrade(struct sqlite3 *h, char *err, size_t errlen);

#endif
