/* test_alerts.c - the alert lifecycle on a fake clock: pending, firing,
 * repeat, resolve, flapping, silence, escalation; and across a restart:
 * no re-page, the resolve still delivered. Real SQLite. */
#include "tests/helpers.h"

#include <cJSON.h>
#include <sqlite3.h>

#include "alerts/alerts.h"
#include "alerts/outbox.h"
#include "app/config.h"
#include "lib/clock.h"

static const int64_t T0 = 1795176000;

struct fx {
    char *dir;
    char dbpath[4200];
    struct config *cfg;
    struct db *db;
    struct alerts *al;
};

static void open_alerts(struct fx *f, bool queue)
{
    char err[256];
    f->db = db_open(f->dbpath, err, sizeof err);
    assert_non_null(f->db);
    f->al = alerts_new(&f->cfg->alerts, f->cfg->hooks, f->cfg->nhooks, f->db, queue, err,
                       sizeof err);
    assert_non_null(f->al);
}

static void close_alerts(struct fx *f)
{
    alerts_free(f->al);
    db_close(f->db);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    f->dir = temp_dir();
    snprintf(f->dbpath, sizeof f->dbpath, "%s/s.db", f->dir);
    f->cfg = config_defaults();
    f->cfg->nhooks = 1;
    f->cfg->hooks = calloc(1, sizeof *f->cfg->hooks);
    f->cfg->hooks[0].shell = strdup("true");
    f->cfg->hooks[0].on_firing = f->cfg->hooks[0].on_resolved = true;
    f->cfg->hooks[0].timeout = 10;
    f->cfg->hooks[0].attempts = 3;
    open_alerts(f, true);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    close_alerts(f);
    config_free(f->cfg);
    rm_rf(f->dir);
    free(f);
    return 0;
}

/* The registered kind named name. */
static const struct alert_kind *kind(const char *name)
{
    const struct alert_kind *k = rules_kind_find(name);
    if (!k)
        fail_msg("no alert kind %s", name);
    return k;
}

static struct rule_hits one(const char *k, const char *scope, enum severity sev)
{
    static struct rule_hit h;
    memset(&h, 0, sizeof h);
    h.kind = kind(k);
    snprintf(h.scope, sizeof h.scope, "%s", scope);
    h.window = 3600;
    h.severity = sev;
    h.value = 30;
    h.baseline = 10;
    h.ratio = 3;
    h.threshold = 15;
    snprintf(h.summary, sizeof h.summary, "%s is up", scope);
    return (struct rule_hits){.hits = &h, .n = 1, .cap = 1};
}

static const struct rule_hits none = {0};

/* The states of the queued notifications, in order, as "firing resolved". */
static const char *queued(struct fx *f)
{
    static char out[1024];
    out[0] = '\0';
    struct outbox_item items[32];
    size_t n = outbox_due(f->db, INT64_MAX, NULL, 0, items, 32);
    for (size_t i = 0; i < n; i++) {
        cJSON *j = cJSON_Parse(items[i].json);
        strcat(out, i ? " " : "");
        strcat(out, cJSON_GetObjectItem(j, "state")->valuestring);
        cJSON_Delete(j);
    }
    outbox_items_free(items, n);
    return out;
}

static const char *first_id(struct fx *f, int64_t now)
{
    static char id[40];
    struct view v = {0};
    alerts_fill_view(f->al, &v, now);
    snprintf(id, sizeof id, "%s", v.nalerts ? v.alerts[0].id : "");
    free(v.alerts);
    return id;
}

static void test_fires_after_for_then_repeats_then_resolves_once(void **state)
{
    struct fx *f = *state;
    struct rule_hits h = one("spend_anomaly", "total", SEVERITY_WARNING);
    for (int64_t t = T0; t < T0 + 300; t += 60)
        assert_int_equal(alerts_update(f->al, &h, t), 0);   /* pending */
    assert_int_equal(alerts_firing(f->al), 0);
    assert_int_equal(alerts_update(f->al, &h, T0 + 300), 1); /* held for 5m */
    assert_int_equal(alerts_firing(f->al), 1);
    char id[40];
    snprintf(id, sizeof id, "%s", first_id(f, T0 + 300));
    /* every minute for the next hour: nothing new, the same id */
    for (int64_t t = T0 + 360; t < T0 + 300 + 3600; t += 60)
        assert_int_equal(alerts_update(f->al, &h, t), 0);
    assert_string_equal(first_id(f, T0 + 3000), id);
    /* an hour after the first notification: the repeat */
    assert_int_equal(alerts_update(f->al, &h, T0 + 300 + 3600), 1);
    /* gone: still firing for `for`, then resolved, once */
    int64_t t1 = T0 + 300 + 3660;
    for (int64_t t = t1; t < t1 + 300; t += 60)
        assert_int_equal(alerts_update(f->al, &none, t), 0);
    assert_int_equal(alerts_firing(f->al), 1);
    assert_int_equal(alerts_update(f->al, &none, t1 + 300), 1);
    assert_int_equal(alerts_firing(f->al), 0);
    assert_int_equal(alerts_update(f->al, &none, t1 + 360), 0);
    assert_string_equal(queued(f), "firing firing resolved");
    /* listed as resolved for keep_resolved, then gone */
    struct view v = {0};
    alerts_fill_view(f->al, &v, t1 + 400);
    assert_int_equal(v.nalerts, 1);
    assert_string_equal(v.alerts[0].state, "resolved");
    free(v.alerts);
    alerts_update(f->al, &none, t1 + 300 + 86400 + 60);
    v.alerts = NULL;
    alerts_fill_view(f->al, &v, t1 + 300 + 86400 + 60);
    assert_int_equal(v.nalerts, 0);
    free(v.alerts);
}

/* Evaluations dated before a firing alert's page (the clock stepped back
 * two hours, or a --once --now in the past) neither resolve it nor, when
 * the clock returns, page it again: one page for one incident. */
static void test_an_earlier_clock_neither_resolves_nor_repages(void **state)
{
    struct fx *f = *state;
    struct rule_hits h = one("spend_anomaly", "total", SEVERITY_WARNING);
    for (int64_t t = T0; t <= T0 + 300; t += 60)
        alerts_update(f->al, &h, t);
    assert_int_equal(alerts_firing(f->al), 1);
    for (int64_t t = T0 - 7200; t <= T0 - 7200 + 900; t += 60)
        assert_int_equal(alerts_update(f->al, &none, t), 0);
    assert_int_equal(alerts_firing(f->al), 1);
    for (int64_t t = T0 + 360; t <= T0 + 900; t += 60)
        assert_int_equal(alerts_update(f->al, &h, t), 0);
    assert_string_equal(queued(f), "firing");
    /* once the clock is past the page again, an absence resolves it */
    for (int64_t t = T0 + 960; t <= T0 + 960 + 300; t += 60)
        alerts_update(f->al, &none, t);
    assert_int_equal(alerts_firing(f->al), 0);
    assert_string_equal(queued(f), "firing resolved");
}

static void test_flapping_inside_for_never_pages(void **state)
{
    struct fx *f = *state;
    struct rule_hits h = one("cache_drop", "total", SEVERITY_WARNING);
    for (int64_t t = T0; t < T0 + 3600; t += 120) {
        alerts_update(f->al, &h, t);          /* on for a minute */
        alerts_update(f->al, &none, t + 60);  /* off for a minute */
    }
    assert_int_equal(alerts_firing(f->al), 0);
    assert_string_equal(queued(f), "");
}

static void test_flapping_while_firing_does_not_repage(void **state)
{
    struct fx *f = *state;
    struct rule_hits h = one("cache_drop", "total", SEVERITY_WARNING);
    for (int64_t t = T0; t <= T0 + 300; t += 60)
        alerts_update(f->al, &h, t);
    assert_string_equal(queued(f), "firing");
    /* off two minutes, on again, off two minutes ...: shorter than `for` */
    for (int64_t t = T0 + 360; t < T0 + 1800; t += 180) {
        alerts_update(f->al, &none, t);
        alerts_update(f->al, &none, t + 60);
        alerts_update(f->al, &h, t + 120);
    }
    assert_int_equal(alerts_firing(f->al), 1);
    assert_string_equal(queued(f), "firing");
}

static void test_escalation_notifies_and_silence_holds_repeats(void **state)
{
    struct fx *f = *state;
    struct rule_hits w = one("spend_anomaly", "tenant:acme", SEVERITY_WARNING);
    for (int64_t t = T0; t <= T0 + 300; t += 60)
        alerts_update(f->al, &w, t);
    struct rule_hits c = one("spend_anomaly", "tenant:acme", SEVERITY_CRITICAL);
    assert_int_equal(alerts_update(f->al, &c, T0 + 360), 1); /* worse: tell again */
    assert_int_equal(alerts_update(f->al, &c, T0 + 420), 0);
    char msg[160];
    assert_int_equal(alerts_silence(f->al, first_id(f, T0 + 420), T0 + 420, msg, sizeof msg), 0);
    assert_non_null(strstr(msg, "silenced spend_anomaly tenant:acme for 60m"));
    struct view v = {0};
    alerts_fill_view(f->al, &v, T0 + 430);
    assert_true(v.alerts[0].silenced);
    free(v.alerts);
    /* the repeat (an hour after T0 + 360) falls inside the silence: held */
    assert_int_equal(alerts_update(f->al, &c, T0 + 360 + 3600), 0);
    /* after the silence ends, the repeat */
    assert_int_equal(alerts_update(f->al, &c, T0 + 420 + 3600), 1);
    assert_int_equal(alerts_silence(f->al, "no-such-id", T0, msg, sizeof msg), -1);
}

static void test_restart_neither_repages_nor_forgets_the_resolve(void **state)
{
    struct fx *f = *state;
    struct rule_hits h = one("model_spike", "model:openai/o3", SEVERITY_WARNING);
    for (int64_t t = T0; t <= T0 + 300; t += 60)
        alerts_update(f->al, &h, t);
    assert_string_equal(queued(f), "firing");
    char id[40];
    snprintf(id, sizeof id, "%s", first_id(f, T0 + 300));
    close_alerts(f);
    open_alerts(f, true); /* a new process */
    assert_int_equal(alerts_firing(f->al), 1);
    assert_string_equal(first_id(f, T0 + 360), id);
    assert_int_equal(alerts_update(f->al, &h, T0 + 360), 0); /* no re-page */
    /* it ends while we are down; after the restart, the resolve goes out */
    close_alerts(f);
    open_alerts(f, true);
    for (int64_t t = T0 + 600; t < T0 + 900; t += 60)
        alerts_update(f->al, &none, t);
    assert_int_equal(alerts_update(f->al, &none, T0 + 900), 1);
    assert_string_equal(queued(f), "firing resolved");
}

/* The JSON of the last queued notification's "budget" (NULL: none). */
static cJSON *last_budget(struct fx *f, cJSON **doc)
{
    struct outbox_item items[32];
    size_t n = outbox_due(f->db, INT64_MAX, NULL, 0, items, 32);
    assert_true(n > 0);
    *doc = cJSON_Parse(items[n - 1].json);
    outbox_items_free(items, n);
    return cJSON_GetObjectItem(*doc, "budget");
}

/* A budget_forecast alert's resolve carries its budget as it is then,
 * after a restart too (the budget is not stored with the alert: the
 * resolve went without the object the hooks are promised). */
static void test_a_budget_alerts_resolve_carries_its_budget(void **state)
{
    struct fx *f = *state;
    struct view_budget_period b;
    memset(&b, 0, sizeof b);
    snprintf(b.scope, sizeof b.scope, "tenant:acme");
    snprintf(b.period, sizeof b.period, "day");
    b.limit_usd = 100;
    b.spent_usd = 40;
    b.used = 0.4;
    struct rule_hits h = one("budget_forecast", "tenant:acme", SEVERITY_WARNING);
    h.hits[0].window = rules_budget_window(&b);
    h.hits[0].has_budget = true;
    h.hits[0].budget = b;
    for (int64_t t = T0; t <= T0 + 300; t += 60)
        alerts_update(f->al, &h, t);
    assert_string_equal(queued(f), "firing");
    close_alerts(f);
    open_alerts(f, true); /* a new process: the alert has no budget */
    /* the forecast no longer crosses: no hit, the budget at $45 */
    b.spent_usd = 45;
    b.used = 0.45;
    struct rule_hits quiet = {.budgets = &b, .nbudgets = 1};
    size_t sent = 0;
    for (int64_t t = T0 + 360; t <= T0 + 660; t += 60)
        sent += alerts_update(f->al, &quiet, t);
    assert_int_equal(sent, 1);
    assert_string_equal(queued(f), "firing resolved");
    cJSON *doc;
    cJSON *budget = last_budget(f, &doc);
    assert_non_null(budget);
    assert_string_equal(cJSON_GetObjectItem(budget, "scope")->valuestring, "tenant:acme");
    assert_true(cJSON_GetObjectItem(budget, "spent_usd")->valuedouble == 45);
    cJSON_Delete(doc);
}

static void test_pending_is_not_trusted_across_a_restart(void **state)
{
    struct fx *f = *state;
    struct rule_hits h = one("model_mix", "total", SEVERITY_WARNING);
    alerts_update(f->al, &h, T0);
    close_alerts(f);
    open_alerts(f, true);
    /* a day later, one hit: pending again from now, not since T0 */
    assert_int_equal(alerts_update(f->al, &h, T0 + 86400), 0);
    assert_int_equal(alerts_firing(f->al), 0);
}

static void test_no_hooks_queues_nothing_and_a_later_run_pages_once(void **state)
{
    struct fx *f = *state;
    close_alerts(f);
    open_alerts(f, false);
    struct rule_hits h = one("reasoning_jump", "total", SEVERITY_WARNING);
    for (int64_t t = T0; t <= T0 + 300; t += 60)
        assert_int_equal(alerts_update(f->al, &h, t), 0);
    assert_int_equal(alerts_firing(f->al), 1); /* evaluated and reported */
    assert_string_equal(queued(f), "");
    close_alerts(f);
    open_alerts(f, true); /* with hooks again: nobody was told yet */
    assert_int_equal(alerts_update(f->al, &h, T0 + 360), 1);
    assert_int_equal(alerts_update(f->al, &h, T0 + 420), 0);
}

/* A --once --no-hooks between a daemon's runs, after the incident ended:
 * it cannot send the resolve, so it must not resolve the alert either -
 * else the resolve is never sent and the pager's incident stays open
 * (it was: resolved silently, nothing queued ever after). */
static void test_no_hooks_does_not_swallow_a_resolve(void **state)
{
    struct fx *f = *state;
    struct rule_hits h = one("spend_anomaly", "total", SEVERITY_WARNING);
    for (int64_t t = T0; t <= T0 + 300; t += 60)
        alerts_update(f->al, &h, t);
    assert_string_equal(queued(f), "firing");
    close_alerts(f);
    open_alerts(f, false); /* --no-hooks, the incident over */
    for (int64_t t = T0 + 3600; t <= T0 + 3600 + 900; t += 60)
        assert_int_equal(alerts_update(f->al, &none, t), 0);
    assert_int_equal(alerts_firing(f->al), 1); /* its resolve is owed */
    assert_string_equal(queued(f), "firing");
    close_alerts(f);
    open_alerts(f, true); /* with hooks: the resolve, once */
    assert_int_equal(alerts_update(f->al, &none, T0 + 3600 + 960), 1);
    assert_int_equal(alerts_firing(f->al), 0);
    assert_int_equal(alerts_update(f->al, &none, T0 + 3600 + 1020), 0);
    assert_string_equal(queued(f), "firing resolved");
}

/* A pager that hears only critical alerts is paged; the alert eases to a
 * warning (its repeat is not for the pager), then resolves: the pager
 * hears the resolve (it did not: an incident opened there for good). */
static void test_a_resolve_goes_where_the_page_went(void **state)
{
    struct fx *f = *state;
    f->cfg->hooks[0].min_severity = "critical";
    struct rule_hits c = one("spend_anomaly", "total", SEVERITY_CRITICAL);
    int64_t t = T0;
    for (; t <= T0 + 300; t += 60)
        alerts_update(f->al, &c, t);
    assert_string_equal(queued(f), "firing");
    struct rule_hits w = one("spend_anomaly", "total", SEVERITY_WARNING);
    for (; t <= T0 + 300 + 3600; t += 60)
        alerts_update(f->al, &w, t); /* a repeat at warning: not for this hook */
    assert_string_equal(queued(f), "firing");
    close_alerts(f);
    open_alerts(f, true); /* across a restart too */
    for (int64_t end = t + 300; t <= end; t += 60)
        alerts_update(f->al, &none, t);
    assert_int_equal(alerts_firing(f->al), 0);
    assert_string_equal(queued(f), "firing resolved");
}

static void test_hook_filters(void **state)
{
    struct fx *f = *state;
    f->cfg->hooks[0].min_severity = "critical";
    struct rule_hits w = one("spend_anomaly", "total", SEVERITY_WARNING);
    for (int64_t t = T0; t <= T0 + 300; t += 60)
        alerts_update(f->al, &w, t);
    assert_string_equal(queued(f), ""); /* a warning, for a critical-only hook */
    f->cfg->hooks[0].min_severity = "warning";
    f->cfg->hooks[0].nkinds = 1;
    f->cfg->hooks[0].kinds = calloc(1, sizeof(char *));
    f->cfg->hooks[0].kinds[0] = strdup("budget");
    f->cfg->hooks[0].on_resolved = false;
    struct rule_hit both[2];
    both[0] = one("budget", "tenant:acme", SEVERITY_WARNING).hits[0]; /* one() reuses */
    both[1] = one("model_mix", "total", SEVERITY_WARNING).hits[0];    /* its storage */
    for (int64_t t = T0 + 600; t <= T0 + 900; t += 60) {
        struct rule_hits bh = {.hits = both, .n = 2, .cap = 2};
        alerts_update(f->al, &bh, t);
    }
    assert_string_equal(queued(f), "firing"); /* the budget one only */
    for (int64_t t = T0 + 960; t <= T0 + 1260; t += 60)
        alerts_update(f->al, &none, t);
    assert_string_equal(queued(f), "firing"); /* no resolves for this hook */
}

/* The database refuses (full disk): a notification that did not reach the
 * outbox is tried again at the next evaluation - never silently lost. */
static int refuse_commit(void *ctx)
{
    (void)ctx;
    return 1; /* SQLite turns the COMMIT into a ROLLBACK */
}

static void test_a_notification_the_database_refused_is_retried(void **state)
{
    struct fx *f = *state;
    sqlite3 *h = (sqlite3 *)db_handle(f->db);
    struct rule_hits hit = one("spend_anomaly", "total", SEVERITY_WARNING);
    for (int64_t t = T0; t < T0 + 300; t += 60)
        alerts_update(f->al, &hit, t);
    /* the outbox cannot take it (its table is away for now) */
    assert_int_equal(sqlite3_exec(h, "ALTER TABLE outbox RENAME TO outbox_away", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(alerts_update(f->al, &hit, T0 + 300), 0);
    assert_int_equal(alerts_firing(f->al), 1);            /* the screen still knows */
    assert_int_equal(sqlite3_exec(h, "ALTER TABLE outbox_away RENAME TO outbox", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(alerts_update(f->al, &hit, T0 + 360), 1);
    assert_int_equal(alerts_update(f->al, &hit, T0 + 420), 0);
    assert_string_equal(queued(f), "firing");

    /* the commit fails as the alert resolves: the resolve is queued again */
    for (int64_t t = T0 + 480; t < T0 + 780; t += 60)
        assert_int_equal(alerts_update(f->al, &none, t), 0);
    sqlite3_commit_hook(h, refuse_commit, NULL);
    assert_int_equal(alerts_update(f->al, &none, T0 + 780), 0);
    sqlite3_commit_hook(h, NULL, NULL);
    assert_int_equal(alerts_firing(f->al), 1);
    assert_string_equal(queued(f), "firing");
    assert_int_equal(alerts_update(f->al, &none, T0 + 840), 1);
    assert_int_equal(alerts_firing(f->al), 0);
    assert_string_equal(queued(f), "firing resolved");

    /* and a firing notification whose commit failed, after a restart */
    struct rule_hits other = one("cache_drop", "total", SEVERITY_WARNING);
    for (int64_t t = T0 + 900; t < T0 + 1200; t += 60)
        alerts_update(f->al, &other, t);
    sqlite3_commit_hook(h, refuse_commit, NULL);
    assert_int_equal(alerts_update(f->al, &other, T0 + 1200), 0);
    sqlite3_commit_hook(h, NULL, NULL);
    close_alerts(f);
    open_alerts(f, true);
    for (int64_t t = T0 + 1260; t < T0 + 1560; t += 60) /* pending again: not trusted */
        alerts_update(f->al, &other, t);
    assert_int_equal(alerts_update(f->al, &other, T0 + 1560), 1);
    assert_string_equal(queued(f), "firing resolved firing");
}

/* The evaluation cannot open its transaction (one is open already, as
 * another writer's would be): nothing changes, in memory or in the outbox,
 * and the next evaluation does it all. */
static void test_an_evaluation_that_cannot_begin_changes_nothing(void **state)
{
    struct fx *f = *state;
    sqlite3 *h = (sqlite3 *)db_handle(f->db);
    struct rule_hits hit = one("spend_anomaly", "total", SEVERITY_WARNING);
    for (int64_t t = T0; t < T0 + 300; t += 60)
        alerts_update(f->al, &hit, t);
    assert_int_equal(sqlite3_exec(h, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(alerts_update(f->al, &hit, T0 + 300), 0);
    assert_int_equal(sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(alerts_firing(f->al), 0);
    assert_string_equal(queued(f), "");
    assert_int_equal(alerts_update(f->al, &hit, T0 + 360), 1);
    assert_int_equal(alerts_firing(f->al), 1);
    assert_string_equal(queued(f), "firing");
}

/* A pager that wants the incident, not every scope it shows up in. */
static void test_hook_scopes(void **state)
{
    struct fx *f = *state;
    f->cfg->hooks[0].nscopes = 1;
    f->cfg->hooks[0].scopes = calloc(1, sizeof(char *));
    f->cfg->hooks[0].scopes[0] = strdup("tenant");
    struct rule_hit hits[3];
    hits[0] = one("spend_anomaly", "total", SEVERITY_WARNING).hits[0]; /* one() reuses */
    hits[1] = one("spend_anomaly", "tenant:acme", SEVERITY_WARNING).hits[0];
    hits[2] = one("spend_anomaly", "tenants:x", SEVERITY_WARNING).hits[0]; /* no prefix match */
    size_t q = 0;
    for (int64_t t = T0; t <= T0 + 300; t += 60) {
        struct rule_hits h = {.hits = hits, .n = 3, .cap = 3};
        q += alerts_update(f->al, &h, t);
    }
    assert_int_equal(alerts_firing(f->al), 3);
    assert_int_equal(q, 1);                   /* tenant:acme only */
    assert_string_equal(queued(f), "firing");
}

/* What a row says, as text ("" for NULL). */
static const char *row_text(struct fx *f, const char *sql)
{
    static char out[256];
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2((sqlite3 *)db_handle(f->db), sql, -1, &s, NULL),
                     SQLITE_OK);
    out[0] = '\0';
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
        snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return out;
}

/* Kinds, states and severities are stored by name: an enum reordered by a
 * later release cannot make a stored alert mean another. */
static void test_an_alert_is_stored_by_its_names(void **state)
{
    struct fx *f = *state;
    struct rule_hits hit = one("cache_drop", "tenant:acme", SEVERITY_CRITICAL);
    alerts_update(f->al, &hit, T0);
    assert_string_equal(row_text(f, "SELECT kind || ' ' || state || ' ' || severity || ' ' || "
                                    "coalesce(notified_severity, '-') FROM alerts"),
                        "cache_drop pending critical -");
    for (int64_t t = T0 + 60; t <= T0 + 300; t += 60)
        alerts_update(f->al, &hit, t);
    assert_string_equal(row_text(f, "SELECT kind || ' ' || state || ' ' || severity || ' ' || "
                                    "coalesce(notified_severity, '-') FROM alerts"),
                        "cache_drop firing critical critical");
}

/* Two models whose scopes ("model:" + a 128-byte provider + "/" + a
 * 128-byte model, the longest names a span can give) differ only at their
 * ends are two alerts, each listed, stored and notified under its whole
 * scope - never cut to one scope that names neither. */
static void test_the_longest_scopes_stay_whole_and_apart(void **state)
{
    struct fx *f = *state;
    char scope[2][6 + 128 + 1 + 128 + 1];
    static struct rule_hit h[2];
    for (int i = 0; i < 2; i++) {
        /* "model:" 128 x '0' "/" 127 x '0' and i */
        memset(scope[i], '0', sizeof scope[i] - 1);
        memcpy(scope[i], "model:", 6);
        scope[i][6 + 128] = '/';
        scope[i][sizeof scope[i] - 2] = (char)('0' + i);
        scope[i][sizeof scope[i] - 1] = '\0';
        assert_int_equal(strlen(scope[i]), sizeof scope[i] - 1);
        h[i] = one("spend_anomaly", scope[i], SEVERITY_WARNING).hits[0];
        assert_string_equal(h[i].scope, scope[i]);
    }
    struct rule_hits both = {.hits = h, .n = 2, .cap = 2};
    for (int64_t t = T0; t <= T0 + 300; t += 60)
        alerts_update(f->al, &both, t);
    assert_int_equal(alerts_firing(f->al), 2);
    struct view v = {0};
    alerts_fill_view(f->al, &v, T0 + 300);
    assert_int_equal(v.nalerts, 2);
    for (int i = 0; i < 2; i++)
        assert_true(strcmp(v.alerts[0].scope, scope[i]) == 0 ||
                    strcmp(v.alerts[1].scope, scope[i]) == 0);
    free(v.alerts);
    struct outbox_item items[4];
    size_t n = outbox_due(f->db, INT64_MAX, NULL, 0, items, 4);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        cJSON *j = cJSON_Parse(items[i].json);
        const char *got = cJSON_GetObjectItem(j, "scope")->valuestring;
        assert_true(strcmp(got, scope[0]) == 0 || strcmp(got, scope[1]) == 0);
        cJSON_Delete(j);
    }
    outbox_items_free(items, n);
}

/* Hits for scopes "tenant:<prefix><i>" for i in [from, to), interleaved
 * with those for "tenant:<other><i>" when other is not NULL. */
static void many(struct rule_hits *out, const char *prefix, const char *other, int from,
                 int to)
{
    out->n = 0;
    for (int i = from; i < to; i++) {
        char scope[64];
        snprintf(scope, sizeof scope, "tenant:%s%d", prefix, i);
        rules_add(out, kind("spend_anomaly"), scope, 3600, 30, 10, 15, false);
        if (other) {
            snprintf(scope, sizeof scope, "tenant:%s%d", other, i);
            rules_add(out, kind("spend_anomaly"), scope, 3600, 30, 10, 15, false);
        }
    }
}

/* Alerts are found by key, and the index follows them as others come and
 * go: 100 tenants fire once each, keep their ids, resolve once each, while
 * 100 others flap in between them, across a restart. */
static void test_many_alerts_each_keep_their_own_lifecycle(void **state)
{
    struct fx *f = *state;
    struct rule_hits a = {0}, ab = {0}, half = {0};
    many(&a, "a", NULL, 0, 100);
    many(&ab, "a", "b", 0, 100);
    many(&half, "a", NULL, 50, 100);
    /* the b's hit once, between the a's, and are dropped a minute later:
     * every a moves in the list */
    assert_int_equal(alerts_update(f->al, &ab, T0), 0);
    for (int64_t t = T0 + 60; t < T0 + 300; t += 60)
        assert_int_equal(alerts_update(f->al, &a, t), 0);
    assert_int_equal(alerts_firing(f->al), 0);
    assert_int_equal(alerts_update(f->al, &a, T0 + 300), 100); /* each a once */
    assert_int_equal(alerts_firing(f->al), 100);
    struct view before = {0};
    alerts_fill_view(f->al, &before, T0 + 300);
    assert_int_equal(before.nalerts, 100);
    /* the b's again, pending beside the firing a's; a restart forgets them */
    for (int64_t t = T0 + 360; t < T0 + 600; t += 60)
        assert_int_equal(alerts_update(f->al, &ab, t), 0);
    close_alerts(f);
    open_alerts(f, true);
    assert_int_equal(alerts_update(f->al, &a, T0 + 600), 0); /* no re-page */
    struct view after = {0};
    alerts_fill_view(f->al, &after, T0 + 600);
    assert_int_equal(after.nalerts, 100);
    for (size_t i = 0; i < 100; i++) {      /* the same alerts, the same ids */
        assert_string_equal(after.alerts[i].id, before.alerts[i].id);
        assert_string_equal(after.alerts[i].scope, before.alerts[i].scope);
    }
    /* a0..a49 end: after `for`, fifty resolves, once */
    for (int64_t t = T0 + 660; t < T0 + 960; t += 60)
        assert_int_equal(alerts_update(f->al, &half, t), 0);
    assert_int_equal(alerts_update(f->al, &half, T0 + 960), 50);
    assert_int_equal(alerts_firing(f->al), 50);
    assert_int_equal(alerts_update(f->al, &half, T0 + 1020), 0);
    /* a resolved a0 that hits again is a new episode: pending, a new id */
    struct rule_hits again = {0};
    many(&again, "a", NULL, 0, 100);
    for (int64_t t = T0 + 1080; t < T0 + 1380; t += 60)
        assert_int_equal(alerts_update(f->al, &again, t), 0);
    assert_int_equal(alerts_update(f->al, &again, T0 + 1380), 50);
    assert_int_equal(alerts_firing(f->al), 100);
    free(before.alerts);
    free(after.alerts);
    rules_hits_free(&a);
    rules_hits_free(&ab);
    rules_hits_free(&half);
    rules_hits_free(&again);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fires_after_for_then_repeats_then_resolves_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flapping_inside_for_never_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_earlier_clock_neither_resolves_nor_repages, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_flapping_while_firing_does_not_repage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escalation_notifies_and_silence_holds_repeats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_neither_repages_nor_forgets_the_resolve, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_budget_alerts_resolve_carries_its_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending_is_not_trusted_across_a_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_hooks_queues_nothing_and_a_later_run_pages_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_hooks_does_not_swallow_a_resolve, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_resolve_goes_where_the_page_went, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hook_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hook_scopes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_notification_the_database_refused_is_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_evaluation_that_cannot_begin_changes_nothing,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_alert_is_stored_by_its_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_longest_scopes_stay_whole_and_apart, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_many_alerts_each_keep_their_own_lifecycle, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
