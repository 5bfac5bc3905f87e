/* alerts.c - alert lifecycle and notifications (see alerts.h). */
#include "alerts/alerts.h"

#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts/outbox.h"
#include "lib/clock.h"
#include "lib/hmap.h"
#include "lib/log.h"
#include "core/snapshot.h"
#include "lib/xalloc.h"

enum state { ST_PENDING, ST_FIRING, ST_RESOLVED };

/* The names of the states (the severities': rules_severity_names): what the
 * snapshot says, and what the database stores (never the enums' numbers:
 * core/schema.h). */
static const char *const state_names[] = {
    [ST_PENDING] = "pending", [ST_FIRING] = "firing", [ST_RESOLVED] = "resolved",
};

struct alert {
    char key[320];              /* kind|scope|window */
    char id[40];
    const struct alert_kind *kind;
    char scope[USAGE_SCOPE_MAX];
    int64_t window;
    enum state state;
    enum severity severity;
    int notified_severity;      /* the highest notified in this episode;
                                   -1: never notified in it */
    int64_t since;              /* pending since / started_at */
    int64_t false_since;        /* firing, but no hit since (0 = hit) */
    int64_t resolved_at;
    int64_t last_notified;
    int64_t silenced_until;
    double value, baseline, ratio, threshold;
    char summary[300];
    bool has_budget;            /* the hit's budget (not stored: a resolve
                                   after a restart goes without it) */
    struct view_budget_period budget;
    bool hit;                   /* in the current evaluation */
    bool dirty;
    /* notified in the current evaluation: what to restore if its
     * transaction does not commit, so the next evaluation notifies again */
    bool undo;
    bool undo_resolve;          /* it resolved: back to firing */
    int64_t undo_last_notified;
    int undo_notified_severity;
};

struct alerts {
    const struct alert_settings *cfg;
    const struct hook_settings *hooks;
    size_t nhooks;
    struct db *db;
    bool queue;
    struct alert *a;
    size_t n, cap;
    /* key -> 1 + the alert's index in a[]: an evaluation finds each hit's
     * alert by key, so a round costs O(hits + alerts), not their product
     * (20,000 tenants firing at once is an incident, not a corner case).
     * Built again after a round drops alerts (hmap has no deletion). */
    struct hmap index;
    /* prepared once: a round saves every alert it touched */
    sqlite3_stmt *save_st, *forget_st;
    uint64_t changes;           /* alerts_generation */
};

/* ---- persistence ---------------------------------------------------------------- */

/* Why the last statement on the handle failed (this module and the outbox
 * use the handle directly, so db_error does not know). */
static const char *sql_error(const struct alerts *al)
{
    return sqlite3_errmsg((sqlite3 *)db_handle(al->db));
}

static void bind_num(sqlite3_stmt *s, int i, double v)
{
    if (isfinite(v))
        sqlite3_bind_double(s, i, v);
    else
        sqlite3_bind_null(s, i);
}

static double col_num(sqlite3_stmt *s, int i)
{
    return sqlite3_column_type(s, i) == SQLITE_NULL ? NAN : sqlite3_column_double(s, i);
}

/* An alert row's columns, in the order save binds them and load reads them.
 * The table is made by core/schema.c's steps. */
#define ALERT_COLUMNS                                                                \
    "key, id, kind, scope, window, state, severity, notified_severity, since,"       \
    " false_since, resolved_at, last_notified, silenced_until, value, baseline,"     \
    " ratio, threshold, summary"

/* *st, prepared on first use and kept until alerts_free (a statement
 * SQLite finds stale after a schema change is prepared again by SQLite). */
static sqlite3_stmt *statement(struct alerts *al, sqlite3_stmt **st, const char *sql)
{
    if (!*st && sqlite3_prepare_v3((sqlite3 *)db_handle(al->db), sql, -1,
                                   SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_reset(*st); /* its last error was reported by that step */
    sqlite3_clear_bindings(*st);
    return *st;
}

static int save(struct alerts *al, const struct alert *a)
{
    sqlite3_stmt *s = statement(al, &al->save_st,
                                "INSERT OR REPLACE INTO alerts(" ALERT_COLUMNS ") VALUES"
                                "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!s)
        return -1;
    sqlite3_bind_text(s, 1, a->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, a->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, a->kind->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, a->scope, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, a->window);
    sqlite3_bind_text(s, 6, state_names[a->state], -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, rules_severity_names[a->severity], -1, SQLITE_STATIC);
    if (a->notified_severity >= 0)  /* NULL: not notified in this episode */
        sqlite3_bind_text(s, 8, rules_severity_names[a->notified_severity], -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 9, a->since);
    sqlite3_bind_int64(s, 10, a->false_since);
    sqlite3_bind_int64(s, 11, a->resolved_at);
    sqlite3_bind_int64(s, 12, a->last_notified);
    sqlite3_bind_int64(s, 13, a->silenced_until);
    bind_num(s, 14, a->value);
    bind_num(s, 15, a->baseline);
    bind_num(s, 16, a->ratio);
    bind_num(s, 17, a->threshold);
    sqlite3_bind_text(s, 18, a->summary, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_reset(s); /* done with it: nothing of it stays active */
    return rc == SQLITE_DONE ? 0 : -1;
}

static int forget(struct alerts *al, const char *key)
{
    sqlite3_stmt *s = statement(al, &al->forget_st, "DELETE FROM alerts WHERE key=?");
    if (!s)
        return -1;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : -1;
}

static struct alert *grow(struct alerts *al)
{
    xgrow(&al->a, &al->cap, al->n + 1, sizeof *al->a);
    struct alert *a = &al->a[al->n++];
    memset(a, 0, sizeof *a);
    a->notified_severity = -1;
    return a;
}

/* al->a[i] under its key in the index. */
static void index_put(struct alerts *al, size_t i)
{
    *hmap_put(&al->index, al->a[i].key, strlen(al->a[i].key)) = (void *)(uintptr_t)(i + 1);
}

/* The index made again from a[] (after alerts moved or left). */
static void index_rebuild(struct alerts *al)
{
    hmap_free(&al->index, NULL);
    memset(&al->index, 0, sizeof al->index);
    for (size_t i = 0; i < al->n; i++)
        index_put(al, i);
}

static struct alert *find(struct alerts *al, const char *key)
{
    uintptr_t i = (uintptr_t)hmap_get(&al->index, key, strlen(key));
    return i ? &al->a[i - 1] : NULL;
}

/* The index of name in names[0..n), or -1 (also for NULL). */
static int name_index(const char *const *names, int n, const unsigned char *name)
{
    for (int i = 0; name && i < n; i++)
        if (strcmp(names[i], (const char *)name) == 0)
            return i;
    return -1;
}
#define PARSE(names, name) name_index(names, (int)(sizeof names / sizeof *names), name)
#define SEVERITY(name) name_index(rules_severity_names, SEVERITY_CRITICAL + 1, name)

static void col_str(sqlite3_stmt *s, int i, char *buf, size_t len)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    snprintf(buf, len, "%s", t ? (const char *)t : "");
}

/* One row (ALERT_COLUMNS) into a. False when the row is not to be loaded:
 * a pending alert (derived again from the history, not trusted across a
 * gap of unknown length), or a name this spendtop does not know (a kind
 * a newer one added: not ours to judge). */
static bool read_row(sqlite3_stmt *s, struct alert *a)
{
    const struct alert_kind *kind = rules_kind_find((const char *)sqlite3_column_text(s, 2));
    int state = PARSE(state_names, sqlite3_column_text(s, 5));
    int severity = SEVERITY(sqlite3_column_text(s, 6));
    if (!kind || state < 0 || severity < 0 || state == ST_PENDING)
        return false;
    col_str(s, 0, a->key, sizeof a->key);
    col_str(s, 1, a->id, sizeof a->id);
    a->kind = kind;
    col_str(s, 3, a->scope, sizeof a->scope);
    a->window = sqlite3_column_int64(s, 4);
    a->state = (enum state)state;
    a->severity = (enum severity)severity;
    a->notified_severity = SEVERITY(sqlite3_column_text(s, 7));
    a->since = sqlite3_column_int64(s, 8);
    a->false_since = sqlite3_column_int64(s, 9);
    a->resolved_at = sqlite3_column_int64(s, 10);
    a->last_notified = sqlite3_column_int64(s, 11);
    a->silenced_until = sqlite3_column_int64(s, 12);
    a->value = col_num(s, 13);
    a->baseline = col_num(s, 14);
    a->ratio = col_num(s, 15);
    a->threshold = col_num(s, 16);
    col_str(s, 17, a->summary, sizeof a->summary);
    return true;
}

static int load(struct alerts *al, char *err, size_t errlen)
{
    sqlite3 *h = (sqlite3 *)db_handle(al->db);
    sqlite3_stmt *s;
    const char *sql = "SELECT " ALERT_COLUMNS " FROM alerts";
    if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "alert state: %s", sqlite3_errmsg(h));
        return -1;
    }
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct alert *a = grow(al);
        if (!read_row(s, a))
            al->n--;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "alert state: %s", sqlite3_errmsg(h));
        return -1;
    }
    index_rebuild(al);
    return 0;
}

struct alerts *alerts_new(const struct alert_settings *cfg, const struct hook_settings *hooks,
                          size_t nhooks, struct db *db, bool queue, char *err, size_t errlen)
{
    struct alerts *al = xcalloc(1, sizeof *al);
    al->cfg = cfg;
    al->hooks = hooks;
    al->nhooks = nhooks;
    al->db = db;
    al->queue = queue && db;
    if (db && load(al, err, errlen) != 0) {
        alerts_free(al);
        return NULL;
    }
    return al;
}

void alerts_configure(struct alerts *al, const struct alert_settings *cfg,
                      const struct hook_settings *hooks, size_t nhooks)
{
    al->cfg = cfg;
    al->hooks = hooks;
    al->nhooks = nhooks;
}

void alerts_free(struct alerts *al)
{
    if (!al)
        return;
    sqlite3_finalize(al->save_st);
    sqlite3_finalize(al->forget_st);
    hmap_free(&al->index, NULL);
    free(al->a);
    free(al);
}

/* ---- lifecycle ------------------------------------------------------------------ */

static void make_id(struct alert *a)
{
    char buf[400];
    int n = snprintf(buf, sizeof buf, "%s|%lld", a->key, (long long)a->since);
    snprintf(a->id, sizeof a->id, "%012llx",
             (unsigned long long)(hmap_hash(buf, (size_t)n) & 0xffffffffffffull));
}

/* The alert as one JSON object: the snapshot's alert keys. */
static void alert_json(const struct alert *a, const char *state, struct strbuf *out)
{
    struct view_alert va;
    memset(&va, 0, sizeof va);
    snprintf(va.id, sizeof va.id, "%s", a->id);
    va.kind = a->kind->name;
    va.state = state;
    va.severity = rules_severity_names[a->severity];
    snprintf(va.scope, sizeof va.scope, "%s", a->scope);
    va.window = a->window;
    va.value = a->value;
    va.baseline = a->baseline;
    va.ratio = a->ratio;
    va.threshold = a->threshold;
    va.started_at = a->since;
    snprintf(va.summary, sizeof va.summary, "%s", a->summary);
    va.has_budget = a->has_budget;
    va.budget = a->budget;
    snapshot_alert_json(&va, out);
}

/* Does hook h want this notification? A resolve goes where the episode's
 * pages went: it is judged by the highest severity notified, not by the
 * severity at its end (a critical page whose alert eased to a warning
 * before it resolved never had its resolve sent to a critical-only
 * pager: an incident left open there for good). */
static bool hook_wants(const struct hook_settings *h, const struct alert *a, bool firing)
{
    if (firing ? !h->on_firing : !h->on_resolved)
        return false;
    int severity = (int)a->severity;
    if (!firing && a->notified_severity > severity)
        severity = a->notified_severity;
    if (h->min_severity && strcmp(h->min_severity, "critical") == 0 &&
        severity != SEVERITY_CRITICAL)
        return false;
    bool kind = h->nkinds == 0, scope = h->nscopes == 0;
    for (size_t i = 0; i < h->nkinds && !kind; i++)
        kind = strcmp(h->kinds[i], a->kind->name) == 0;
    /* a scope is "total" or "tenant:acme": its kind is what precedes ':' */
    size_t n = strcspn(a->scope, ":");
    for (size_t i = 0; i < h->nscopes && !scope; i++)
        scope = strlen(h->scopes[i]) == n && strncmp(h->scopes[i], a->scope, n) == 0;
    return kind && scope;
}

/* Queue one notification for every hook that wants it, adding to *queued.
 * False when one could not be queued (the database is full, say): then the
 * alert is not marked as notified, and the next evaluation tries again -
 * a hook may hear of it twice, but never not at all. */
static bool notify(struct alerts *al, struct alert *a, bool firing, int64_t now,
                   size_t *queued)
{
    bool lost = false;
    struct strbuf json = {0};
    alert_json(a, firing ? "firing" : "resolved", &json);
    for (size_t i = 0; i < al->nhooks; i++) {
        if (!hook_wants(&al->hooks[i], a, firing))
            continue;
        if (outbox_put(al->db, &al->hooks[i], i, strbuf_str(&json)) == 0) {
            (*queued)++;
        } else {
            lost = true;
            log_msg(LOG_ERROR, "alert %s: cannot queue its notification (will retry): %s",
                    a->id, sql_error(al));
        }
    }
    strbuf_free(&json);
    if (lost)
        return false;
    log_msg(LOG_INFO, "alert %s %s (%s): %s", a->id, firing ? "firing" : "resolved",
            rules_severity_names[a->severity], a->summary);
    if (!a->undo) {
        a->undo = true;
        a->undo_last_notified = a->last_notified;
        a->undo_notified_severity = a->notified_severity;
    }
    if (firing) {
        a->last_notified = now;
        /* the highest told in this episode: a repeat at a lesser severity
         * does not lower it (what hook_wants sends a resolve by) */
        if ((int)a->severity > a->notified_severity)
            a->notified_severity = (int)a->severity;
    } else {
        a->undo_resolve = true;
    }
    return true;
}

/* The evaluation's transaction did not commit: its notifications are not
 * in the outbox, so nothing may say they were sent. */
static void undo_notifications(struct alerts *al)
{
    for (size_t i = 0; i < al->n; i++) {
        struct alert *a = &al->a[i];
        if (a->undo) {
            a->last_notified = a->undo_last_notified;
            a->notified_severity = a->undo_notified_severity;
        }
        if (a->undo_resolve) {
            al->changes++;
            a->state = ST_FIRING; /* false_since stays: it resolves again at once */
            a->resolved_at = 0;
        }
        a->dirty = true;         /* and its row is saved next time */
    }
}

static bool same_num(double x, double y)
{
    return x == y || (isnan(x) && isnan(y));
}

/* The hit's figures into a; true if an alert shown (not pending) now
 * shows something else. */
static bool take(struct alert *a, const struct rule_hit *h)
{
    bool same = same_num(a->value, h->value) && same_num(a->baseline, h->baseline) &&
                same_num(a->ratio, h->ratio) && same_num(a->threshold, h->threshold) &&
                a->severity == h->severity && strcmp(a->summary, h->summary) == 0;
    a->value = h->value;
    a->baseline = h->baseline;
    a->ratio = h->ratio;
    a->threshold = h->threshold;
    a->severity = h->severity;
    snprintf(a->summary, sizeof a->summary, "%s", h->summary);
    a->has_budget = h->has_budget;
    a->budget = h->budget;
    return !same;
}

/* Was the one-shot event key notified already? (An error reads as "yes":
 * a page missed is logged; a page repeated every minute is worse.) */
static bool once_sent(struct alerts *al, const char *key)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db_handle(al->db), "SELECT 1 FROM notified_once WHERE key = ?",
                           -1, &s, NULL) != SQLITE_OK) {
        log_msg(LOG_ERROR, "cannot read the notifications sent: %s", sql_error(al));
        return true;
    }
    sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc != SQLITE_DONE;
}

/* Remember key as sent (within the evaluation's transaction), and forget
 * keys older than any period (a month and a day). */
static int once_put(struct alerts *al, const char *key, int64_t now)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db_handle(al->db),
                           "INSERT OR REPLACE INTO notified_once(key, at) VALUES(?, ?)", -1,
                           &s, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, now);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    char sql[96];
    snprintf(sql, sizeof sql, "DELETE FROM notified_once WHERE at < %lld",
             (long long)(now - 32 * (int64_t)CLOCK_DAY));
    if (rc != SQLITE_DONE || sqlite3_exec(db_handle(al->db), sql, NULL, NULL, NULL) != SQLITE_OK)
        return -1;
    return 0;
}

/* A one-shot event (rule_hit.once): notified now unless its key was,
 * remembered in the same transaction as its outbox rows. Without a
 * database or with --no-hooks nothing is sent or remembered. */
static void notify_once(struct alerts *al, const struct rule_hit *h, int64_t now,
                        size_t *queued)
{
    if (!al->queue || !al->db || once_sent(al, h->once))
        return;
    struct alert *a = xcalloc(1, sizeof *a);
    snprintf(a->key, sizeof a->key, "%s", h->once);
    a->kind = h->kind;
    snprintf(a->scope, sizeof a->scope, "%s", h->scope);
    a->window = h->window;
    a->state = ST_FIRING;
    a->since = now;
    take(a, h);
    make_id(a);
    if (notify(al, a, true, now, queued) && once_put(al, h->once, now) != 0)
        log_msg(LOG_ERROR, "cannot remember notification %s: %s", h->once, sql_error(al));
    free(a);
}

/* An evaluation, step 1: each hit lands on its alert, found by key. A key
 * not seen before, or one whose alert had resolved, starts a new episode:
 * pending from now. Every other alert is marked as not hit. */
static void apply_hits(struct alerts *al, const struct rule_hits *hits, int64_t now,
                       size_t *queued)
{
    for (size_t i = 0; i < al->n; i++)
        al->a[i].hit = false;
    for (size_t i = 0; i < hits->n; i++) {
        const struct rule_hit *h = &hits->hits[i];
        if (h->once[0]) {
            notify_once(al, h, now, queued);
            continue;
        }
        char key[320];
        snprintf(key, sizeof key, "%s|%s|%lld", h->kind->name, h->scope,
                 (long long)h->window);
        struct alert *a = find(al, key);
        if (!a || a->state == ST_RESOLVED) {
            bool added = !a;
            al->changes += !added; /* a resolved alert, no longer listed */
            if (added)
                a = grow(al);
            memset(a, 0, sizeof *a);
            snprintf(a->key, sizeof a->key, "%s", key);
            a->kind = h->kind;
            snprintf(a->scope, sizeof a->scope, "%s", h->scope);
            a->window = h->window;
            a->state = ST_PENDING;
            a->notified_severity = -1;
            a->since = now;
            if (added)
                index_put(al, (size_t)(a - al->a));
        }
        if (take(a, h) && a->state != ST_PENDING)
            al->changes++;
        a->hit = true;
        a->dirty = true;
    }
}

/* Step 2 for a pending alert: dropped without a hit (it never fired),
 * firing once its hit has held for `for`. */
static void advance_pending(struct alerts *al, struct alert *a, int64_t now, size_t *queued)
{
    if (!a->hit) {
        a->state = ST_RESOLVED; /* dropped by sweep: it never fired */
        a->resolved_at = 0;
        a->dirty = true;
    } else if (now - a->since >= al->cfg->for_s) {
        a->state = ST_FIRING;
        a->false_since = 0;
        al->changes++;
        make_id(a);
        if (al->queue)
            notify(al, a, true, now, queued);
    }
}

/* Step 2 for a firing alert: with a hit, notify again when it is worse,
 * due for its repeat (and not silenced) or never told; without hits for
 * `for`, resolved. */
/* A budget alert's budget as the evaluation has it (hits->budgets), for
 * its resolve: without a hit the alert kept the last firing figures, and
 * after a restart none at all (not stored) - the resolve went without the
 * "budget" object the hooks are promised for either kind. */
static void take_budget(struct alert *a, const struct rule_hits *hits)
{
    for (size_t i = 0; a->kind->budget && i < hits->nbudgets; i++) {
        const struct view_budget_period *b = &hits->budgets[i];
        if (strcmp(b->scope, a->scope) == 0 && rules_budget_window(b) == a->window) {
            a->has_budget = true;
            a->budget = *b;
            return;
        }
    }
}

static void advance_firing(struct alerts *al, struct alert *a, const struct rule_hits *hits,
                           int64_t now, size_t *queued)
{
    const struct alert_settings *c = al->cfg;
    if (a->hit) {
        a->false_since = 0;
        bool worse = (int)a->severity > a->notified_severity;
        bool repeat = a->last_notified && now - a->last_notified >= c->repeat &&
                      now >= a->silenced_until;
        bool never = a->last_notified == 0;
        if (al->queue && (worse || repeat || never))
            notify(al, a, true, now, queued);
        return;
    }
    /* an evaluation dated before the alert was last told about (a clock
     * stepped back, a --once --now in the past) cannot resolve it: its
     * page would be taken back, and given again when the clock returns */
    if (now < a->last_notified)
        return;
    if (!a->false_since)
        a->false_since = now;
    /* resolved once the resolve is queued (a resolve only for an alert
     * someone was told about). Under --no-hooks a resolve owed to a hook
     * cannot be queued: the alert stays firing (false_since kept) until a
     * run with hooks resolves it and sends the resolve - a --once
     * --no-hooks between a daemon's runs must not swallow it */
    if (now - a->false_since >= c->for_s)
        take_budget(a, hits);
    if (now - a->false_since >= c->for_s &&
        (!a->last_notified || (al->queue && notify(al, a, false, now, queued)))) {
        a->state = ST_RESOLVED;
        a->resolved_at = now;
        al->changes++;
    }
    a->dirty = true;
}

/* Step 3: drop what never fired and what resolved longer than
 * keep_resolved ago (their rows too), save the rest that changed. */
static void sweep(struct alerts *al, int64_t now)
{
    size_t keep = 0;
    for (size_t i = 0; i < al->n; i++) {
        struct alert *a = &al->a[i];
        bool gone = a->state == ST_RESOLVED &&
                    (a->resolved_at == 0 || now - a->resolved_at > al->cfg->keep_resolved);
        if (gone) {
            al->changes += a->resolved_at != 0; /* it was listed */
            if (al->db)
                forget(al, a->key);
            continue;
        }
        if (al->db && a->dirty && save(al, a) != 0)
            log_msg(LOG_ERROR, "cannot save alert %s: %s", a->key, sql_error(al));
        a->dirty = false;
        if (keep != i)
            al->a[keep] = *a;
        keep++;
    }
    bool moved = keep != al->n;
    al->n = keep;
    if (moved)
        index_rebuild(al);
}

/* Step 4: the round's transaction committed, or every notification it
 * recorded is undone (and tried again next round). The count queued. */
static size_t finish(struct alerts *al, size_t queued)
{
    if (al->db && db_commit(al->db) != 0) {
        log_msg(LOG_ERROR, "cannot save the alert state (will retry): %s", db_error(al->db));
        db_rollback(al->db);
        undo_notifications(al);
        queued = 0;
    }
    for (size_t i = 0; i < al->n; i++)
        al->a[i].undo = al->a[i].undo_resolve = false;
    return queued;
}

size_t alerts_update(struct alerts *al, const struct rule_hits *hits, int64_t now)
{
    size_t queued = 0;
    /* every change of this evaluation, one transaction; without one a
     * notification could reach the outbox and its alert's row not, so an
     * evaluation that cannot begin changes nothing and the next one does
     * it all */
    if (al->db && db_begin(al->db) != 0) {
        log_msg(LOG_ERROR, "cannot save the alert state (will retry): %s", db_error(al->db));
        return 0;
    }
    apply_hits(al, hits, now, &queued);
    for (size_t i = 0; i < al->n; i++) {
        struct alert *a = &al->a[i];
        if (a->state == ST_PENDING)
            advance_pending(al, a, now, &queued);
        else if (a->state == ST_FIRING)
            advance_firing(al, a, hits, now, &queued);
    }
    sweep(al, now);
    return finish(al, queued);
}

/* ---- views ------------------------------------------------------------------------ */

static int cmp_alerts(const void *x, const void *y)
{
    const struct view_alert *a = x, *b = y;
    bool fa = strcmp(a->state, "firing") == 0, fb = strcmp(b->state, "firing") == 0;
    if (fa != fb)
        return fa ? -1 : 1;
    if (fa) {
        int sa = strcmp(a->severity, "critical") == 0, sb = strcmp(b->severity, "critical") == 0;
        if (sa != sb)
            return sa ? -1 : 1;
        /* the whole bill before any part of it */
        int ta = strcmp(a->scope, "total") == 0, tb = strcmp(b->scope, "total") == 0;
        if (ta != tb)
            return ta ? -1 : 1;
        if (a->started_at != b->started_at)
            return a->started_at < b->started_at ? -1 : 1;
    } else if (a->resolved_at != b->resolved_at) {
        return a->resolved_at > b->resolved_at ? -1 : 1;
    }
    return strcmp(a->scope, b->scope);
}

void alerts_fill_view(const struct alerts *al, struct view *v, int64_t now)
{
    free(v->alerts);
    v->alerts = xcalloc(al->n ? al->n : 1, sizeof *v->alerts);
    v->nalerts = 0;
    for (size_t i = 0; i < al->n; i++) {
        const struct alert *a = &al->a[i];
        if (a->state == ST_PENDING)
            continue;
        struct view_alert *va = &v->alerts[v->nalerts++];
        snprintf(va->id, sizeof va->id, "%s", a->id);
        va->kind = a->kind->name;
        va->state = state_names[a->state];
        va->severity = rules_severity_names[a->severity];
        snprintf(va->scope, sizeof va->scope, "%s", a->scope);
        va->window = a->window;
        va->value = a->value;
        va->baseline = a->baseline;
        va->ratio = a->ratio;
        va->threshold = a->threshold;
        va->started_at = a->since;
        va->resolved_at = a->resolved_at;
        snprintf(va->summary, sizeof va->summary, "%s", a->summary);
        va->silenced = a->state == ST_FIRING && now < a->silenced_until;
    }
    qsort(v->alerts, v->nalerts, sizeof *v->alerts, cmp_alerts);
}

int alerts_silence(struct alerts *al, const char *id, int64_t now, char *msg, size_t len)
{
    for (size_t i = 0; i < al->n; i++) {
        struct alert *a = &al->a[i];
        if (a->state != ST_FIRING || strcmp(a->id, id) != 0)
            continue;
        a->silenced_until = now + al->cfg->repeat;
        al->changes++;
        char d[16];
        clock_format_duration(al->cfg->repeat, d, sizeof d);
        snprintf(msg, len, "silenced %s %s for %s", a->kind->name, a->scope, d);
        if (al->db && save(al, a) != 0)
            log_msg(LOG_ERROR, "cannot save alert %s: %s", a->key, sql_error(al));
        log_msg(LOG_INFO, "alert %s silenced for %s", a->id, d);
        return 0;
    }
    snprintf(msg, len, "no firing alert to silence");
    return -1;
}

size_t alerts_firing(const struct alerts *al)
{
    size_t n = 0;
    for (size_t i = 0; i < al->n; i++)
        n += al->a[i].state == ST_FIRING;
    return n;
}

uint64_t alerts_generation(const struct alerts *al) { return al->changes; }

uint64_t alerts_digest(const struct alerts *al)
{
    uint64_t h = 0;
    for (size_t i = 0; i < al->n; i++) {
        const struct alert *a = &al->a[i];
        if (a->state == ST_PENDING)
            continue;
        const int64_t n[] = {a->state, a->severity, a->window, a->since, a->resolved_at,
                             a->silenced_until};
        const double d[] = {a->value, a->baseline, a->ratio, a->threshold};
        h = h * 31 + hmap_hash(n, sizeof n);
        h = h * 31 + hmap_hash(d, sizeof d);
        h = h * 31 + hmap_hash(a->id, strlen(a->id));
        h = h * 31 + hmap_hash(a->kind->name, strlen(a->kind->name));
        h = h * 31 + hmap_hash(a->scope, strlen(a->scope));
        h = h * 31 + hmap_hash(a->summary, strlen(a->summary));
    }
    return h;
}
