/* outbox.c - the notification queue in SQLite (see outbox.h). */
#include "alerts/outbox.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts/hooks.h"
#include "lib/clock.h"
#include "lib/hmap.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/* The SQLite results this file does not check, and why they cannot fail:
 * sqlite3_bind_* with SQLITE_STATIC copy nothing, so they fail only for a
 * parameter number the statement lacks (a bug every test would show);
 * sqlite3_reset and sqlite3_finalize repeat the last sqlite3_step's error,
 * handled where that step was; sqlite3_clear_bindings always returns
 * SQLITE_OK. */

static sqlite3 *h_of(struct db *db) { return (sqlite3 *)db_handle(db); }

static uint64_t fingerprint_of(const struct strbuf *b)
{
    return hmap_hash(strbuf_str(b), b->len) >> 1; /* fits a signed INTEGER */
}

/* What queued rows of spendtop before 0.9 hold: the name and the command
 * (and what rows of a nameless hook still hold). */
static uint64_t fingerprint_command(const struct hook_settings *h)
{
    struct strbuf b = {0};
    strbuf_printf(&b, "%s\x1f%s\x1f", h->name ? h->name : "", h->shell ? h->shell : "");
    for (size_t i = 0; i < h->argc; i++)
        strbuf_printf(&b, "%s\x1f", h->argv[i]);
    uint64_t f = fingerprint_of(&b);
    strbuf_free(&b);
    return f;
}

uint64_t outbox_fingerprint(const struct hook_settings *h)
{
    if (!h->name)
        return fingerprint_command(h);
    /* a named hook is its name: a pager whose command an operator fixed
     * while its notification waited (failing, retried) is still the hook
     * that notification is for. (A prefix no command row can have.) */
    struct strbuf b = {0};
    strbuf_printf(&b, "\x1e" "name\x1f%s", h->name);
    uint64_t f = fingerprint_of(&b);
    strbuf_free(&b);
    return f;
}

bool outbox_is_for(const struct hook_settings *h, uint64_t fingerprint)
{
    return outbox_fingerprint(h) == fingerprint ||
           (h->name && fingerprint_command(h) == fingerprint);
}

static int step_done(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : -1;
}

int outbox_put(struct db *db, const struct hook_settings *h, size_t hook_index,
               const char *alert_json)
{
    int64_t now = clock_wall();
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(h_of(db), "INSERT INTO outbox(hook, fingerprint, json, attempts, "
                           "next_at, created) VALUES(?,?,?,0,?,?)", -1, &s, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(s, 1, (int64_t)hook_index);
    sqlite3_bind_int64(s, 2, (int64_t)outbox_fingerprint(h));
    sqlite3_bind_text(s, 3, alert_json, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, now);
    sqlite3_bind_int64(s, 5, now);
    return step_done(s);
}

/* One row of a SELECT of OUTBOX_ROW into *it. */
#define OUTBOX_ROW "seq, hook, fingerprint, json, attempts, next_at"
static void read_item(sqlite3_stmt *s, struct outbox_item *it)
{
    it->seq = sqlite3_column_int64(s, 0);
    it->hook = (size_t)sqlite3_column_int64(s, 1);
    it->fingerprint = (uint64_t)sqlite3_column_int64(s, 2);
    it->json = xstrdup((const char *)sqlite3_column_text(s, 3));
    it->attempts = sqlite3_column_int(s, 4);
    it->next_at = sqlite3_column_int64(s, 5);
}

static bool is_busy(int64_t seq, const int64_t *busy, size_t nbusy)
{
    for (size_t i = 0; i < nbusy; i++)
        if (busy[i] == seq)
            return true;
    return false;
}

size_t outbox_due(struct db *db, int64_t now, const int64_t *busy, size_t nbusy,
                  struct outbox_item *out, size_t max)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(h_of(db), "SELECT " OUTBOX_ROW " FROM outbox WHERE next_at <= ? "
                           "ORDER BY seq", -1, &s, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_int64(s, 1, now);
    size_t n = 0;
    while (n < max && sqlite3_step(s) == SQLITE_ROW)
        if (!is_busy(sqlite3_column_int64(s, 0), busy, nbusy))
            read_item(s, &out[n++]);
    sqlite3_finalize(s);
    return n;
}

size_t outbox_startable(struct db *db, int64_t now, const int64_t *busy, size_t nbusy,
                        struct outbox_item *out, size_t max)
{
    sqlite3_stmt *s;
    /* every row in order, due or not: a row waiting for its retry holds
     * back the later rows of its alert for its hook. json_valid first: a
     * row that is not JSON (never written so) must not stop the queue */
    if (sqlite3_prepare_v2(h_of(db), "SELECT " OUTBOX_ROW ", CASE WHEN json_valid(json) "
                           "THEN json_extract(json, '$.id') END FROM outbox ORDER BY seq", -1,
                           &s, NULL) != SQLITE_OK)
        return 0;
    struct hmap held = {0}; /* "fingerprint|id" of alerts with a row ahead */
    size_t n = 0;
    while (n < max && sqlite3_step(s) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(s, 0);
        const unsigned char *id = sqlite3_column_text(s, 6);
        bool wait = is_busy(seq, busy, nbusy) || sqlite3_column_int64(s, 5) > now;
        if (id) {
            char key[160];
            int len = snprintf(key, sizeof key, "%llx|%s",
                               (unsigned long long)sqlite3_column_int64(s, 2), id);
            size_t klen = len < (int)sizeof key ? (size_t)len : sizeof key - 1;
            void **slot = hmap_put(&held, key, klen);
            if (*slot)
                continue; /* an earlier row of its alert is still queued */
            *slot = (void *)1;
        }
        if (!wait)
            read_item(s, &out[n++]);
    }
    sqlite3_finalize(s);
    hmap_free(&held, NULL);
    return n;
}

void outbox_items_free(struct outbox_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(items[i].json);
        items[i].json = NULL;
    }
}

int outbox_delete(struct db *db, int64_t seq)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(h_of(db), "DELETE FROM outbox WHERE seq=?", -1, &s, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(s, 1, seq);
    return step_done(s);
}

int outbox_retry(struct db *db, int64_t seq, int attempts, int64_t next_at)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(h_of(db), "UPDATE outbox SET attempts=?, next_at=? WHERE seq=?",
                           -1, &s, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int(s, 1, attempts);
    sqlite3_bind_int64(s, 2, next_at);
    sqlite3_bind_int64(s, 3, seq);
    return step_done(s);
}

static int64_t scalar(struct db *db, const char *sql)
{
    sqlite3_stmt *s;
    int64_t v = 0;
    if (sqlite3_prepare_v2(h_of(db), sql, -1, &s, NULL) != SQLITE_OK)
        return 0;
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

size_t outbox_count(struct db *db) { return (size_t)scalar(db, "SELECT count(*) FROM outbox"); }

int64_t outbox_next(struct db *db, int64_t after)
{
    sqlite3_stmt *s;
    int64_t v = 0;
    if (sqlite3_prepare_v2(h_of(db), "SELECT coalesce(min(next_at), 0) FROM outbox "
                           "WHERE next_at > ?", -1, &s, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_int64(s, 1, after);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}
