/* outbox.h - notifications waiting for their hook, kept in the database.
 *
 * alerts.c queues one row per (notification, hook) in the transaction that
 * records the alert as notified; hooks.c delivers rows and deletes them,
 * or schedules a retry. Rows survive a restart, so a notification is
 * neither lost nor sent twice by a restart. A row remembers which hook it
 * is for - a named hook by its name, so that a pager whose command is
 * fixed while the row waits still gets it; a nameless one by its command
 * - and a row whose hook the config no longer has is dropped (logged).
 *
 * The outbox table is made by the schema's steps (core/schema.c), like
 * every table: db_open has made it by the time anything here runs.
 */
#ifndef SPENDTOP_OUTBOX_H
#define SPENDTOP_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/db.h"

struct hook_settings;

struct outbox_item {
    int64_t seq;
    size_t hook;           /* index into the configured hooks */
    uint64_t fingerprint;
    char *json;            /* the alert object (owned; outbox_items_free) */
    int attempts;          /* made so far */
    int64_t next_at;
};

/* Who a queued row is for: a named hook's name (configs refuse a name
 * used twice), a nameless hook's command. */
uint64_t outbox_fingerprint(const struct hook_settings *h);
/* Whether a row queued with fingerprint is for hook h: its fingerprint,
 * or the name-and-command one rows queued before names alone were used
 * hold (h unchanged since). */
bool outbox_is_for(const struct hook_settings *h, uint64_t fingerprint);
/* Within the caller's transaction; due at once. Delivery times are wall-
 * clock times (clock_wall), not the replayed clock of --now. */
int outbox_put(struct db *db, const struct hook_settings *h, size_t hook_index,
               const char *alert_json);
/* Up to max rows due at now, oldest first, skipping the seqs in busy. */
size_t outbox_due(struct db *db, int64_t now, const int64_t *busy, size_t nbusy,
                  struct outbox_item *out, size_t max);
/* What may start now: outbox_due's rows, but a row waits while an
 * earlier row for the same hook and the same alert (its id) is queued -
 * running (in busy) or waiting for its retry. A hook hears of an alert
 * in the order it was queued: a firing page that failed and waits for
 * its retry is not overtaken by the resolve, which would leave the pager
 * an incident opened after it was closed; nor do the two run at once. */
size_t outbox_startable(struct db *db, int64_t now, const int64_t *busy, size_t nbusy,
                        struct outbox_item *out, size_t max);
void outbox_items_free(struct outbox_item *items, size_t n);
int outbox_delete(struct db *db, int64_t seq);
int outbox_retry(struct db *db, int64_t seq, int attempts, int64_t next_at);
/* Rows waiting (due or not). */
size_t outbox_count(struct db *db);
/* The earliest next_at later than after, or 0 if none is. */
int64_t outbox_next(struct db *db, int64_t after);

#endif
