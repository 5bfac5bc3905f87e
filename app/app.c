/* app.c - the running program (see app.h). */
#include "app/app.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/otlp_json.h"
#include "lib/http.h"
#include "lib/clock.h"
#include "lib/hmap.h"
#include "core/lockfile.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "app/publish.h"
#include "app/viewer.h"
#include "app/version.h"

/* Commits: once a second while the sources read their backlog (a commit
 * rewrites the day chunk of every series an hour was sealed in: fewer and
 * larger is faster), every FLUSH_LIVE_MS once they are live (the first
 * verdict), so that a record read is durable, and on viewers' screens
 * (they look every 100 ms), a fifth of a second later. A flush with
 * nothing to write costs nothing. */
#define FLUSH_MS 1000
#define FLUSH_LIVE_MS 200

/* --demo: budgets for two demo tenants so the budget column has
 * something to show (unless the config names tenants of its own). */
static void add_demo_budgets(struct config *cfg)
{
    static const struct {
        const char *name;
        double usd;
    } budgets[] = {{"acme", 80}, {"globex", 35}};
    if (cfg->ntenants)
        return;
    cfg->ntenants = 2;
    cfg->tenants = xcalloc(2, sizeof *cfg->tenants);
    for (size_t i = 0; i < 2; i++) {
        cfg->tenants[i].name = xstrdup(budgets[i].name);
        cfg->tenants[i].daily_budget_usd = budgets[i].usd;
    }
}

/* The budgets: every [[budget]], then each [[tenant]]'s daily_budget_usd
 * as a day budget of that tenant with the default thresholds. The
 * tenants' entries borrow nothing: they are freed with the app. */
void app_make_budgets(struct app *a)
{
    const struct config *cfg = a->cfg;
    a->budget_cfg = xcalloc(cfg->nbudgets + cfg->ntenants + 1, sizeof *a->budget_cfg);
    size_t n = 0;
    for (size_t i = 0; i < cfg->nbudgets; i++)
        a->budget_cfg[n++] = cfg->budgets[i]; /* a shallow copy: freed with cfg */
    for (size_t i = 0; i < cfg->ntenants; i++) {
        /* never also a [[budget]] of its day: the config refuses both */
        char scope[300];
        snprintf(scope, sizeof scope, "tenant:%s", cfg->tenants[i].name);
        if (!isfinite(cfg->tenants[i].daily_budget_usd))
            continue;
        struct budget_settings *b = &a->budget_cfg[n++];
        budget_settings_init(b); /* thresholds and period defaults */
        free(b->scope);
        b->scope = xstrdup(scope);
        b->period = budget_period_names[0];
        b->amount_usd = cfg->tenants[i].daily_budget_usd;
    }
    a->budgets = budgets_new(a->budget_cfg, n, a->db);
    a->nbudget_cfg = n;
}

void app_free_budgets(struct app *a)
{
    budgets_free(a->budgets);
    for (size_t i = a->cfg ? a->cfg->nbudgets : 0; i < a->nbudget_cfg; i++)
        budget_settings_free(&a->budget_cfg[i]);
    free(a->budget_cfg);
    a->budgets = NULL;
    a->budget_cfg = NULL;
    a->nbudget_cfg = 0;
}

static char *make_temp_db(char *err, size_t errlen)
{
    const char *tmp = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/spendtop-demo-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a temporary database: %s", strerror(errno));
        return NULL;
    }
    close(fd);
    return xstrdup(path);
}

/* The hook runner; no hook inherits a variable a source reads its API key
 * from. */
static void start_hooks(struct app *a)
{
    const char **secret = config_secret_env(a->cfg);
    a->hooks = hooks_new(&a->loop, a->cfg->hooks, a->cfg->nhooks, secret, a->db);
    free(secret);
}

/* A view of 100,000 series allocates and frees some 50 MB of group sums,
 * once a minute and for each alert window. With glibc's defaults each such
 * block is a fresh mmap whose pages are faulted in on every view (measured:
 * a third of a view's cost) and the memory is handed back to the system
 * right after. Kept in the heap instead, the next view reuses it: the peak
 * is the same, reached by the first view anyway. A hint: if refused, views
 * are only slower. */
static void keep_freed_memory(void)
{
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
}

/* Stage 1: the config (or the defaults), the demo's additions. */
static enum app_open_result load_config(struct app *a, const struct app_options *o, struct strbuf *errs)
{
    char *path = config_find(o->config_path);
    if (path) {
        a->cfg = config_load(path, errs);
        /* a viewer reads nothing of the config but where the database is:
         * a typo in the shared config (that the daemon's reload refused)
         * must not keep the on-call from the running daemon's figures */
        if (!a->cfg && o->may_attach && (a->cfg = config_load_where(path)))
            a->config_errors = true;
        free(path);
        if (!a->cfg)
            return APP_BAD_CONFIG;
    } else {
        a->cfg = config_defaults();
    }
    if (o->demo) {
        config_use_demo(a->cfg);
        add_demo_budgets(a->cfg);
    }
    return APP_OPENED;
}

/* Stage 2: the database owned (its lock), or another's to view
 * (APP_ATTACH): before sources and prices, which a viewer needs neither
 * of. *db_path is where it is. */
static enum app_open_result take_database(struct app *a, const struct app_options *o, const char **db_path,
                         struct strbuf *errs)
{
    char err[1024];
    *db_path = o->db_path ? o->db_path : a->cfg->db_path;
    if (o->demo && !o->db_path) {
        a->temp_db = make_temp_db(err, sizeof err);
        if (!a->temp_db) {
            strbuf_printf(errs, "%s\n", err);
            return APP_FAILED;
        }
        *db_path = a->temp_db;
    }
    a->db_lock = lockfile_take(*db_path, err, sizeof err);
    /* busy; or not ours to take (a member who may read the daemon's state
     * directory, not write it, cannot open DB.lock to lock it) while an
     * owner runs: its viewer, which only reads */
    if (o->may_attach && (a->db_lock == LOCKFILE_BUSY ||
                          (a->db_lock < 0 && lockfile_owner(*db_path) > 0))) {
        a->attach_path = xstrdup(*db_path);
        return APP_ATTACH;
    }
    if (a->db_lock == LOCKFILE_BUSY) /* a --once's, ended soon? whose? */
        a->db_lock = viewer_take_busy(*db_path, err, sizeof err);
    if (a->db_lock < 0) {
        strbuf_printf(errs, "%s\n", err);
        return APP_FAILED;
    }
    return APP_OPENED;
}

/* Stage 2 for a config that cannot run (errors, or nothing to collect):
 * a daemon's figures may still be shown; without an owner the errors
 * stand, and nothing is left behind (lockfile_take would create the
 * database and its lock file for a process that is about to refuse). */
static enum app_open_result attach_only(struct app *a, const struct app_options *o,
                                        struct strbuf *errs)
{
    const char *db_path = o->db_path ? o->db_path : a->cfg->db_path;
    if (o->may_attach && lockfile_owner(db_path) > 0) {
        a->attach_path = xstrdup(db_path);
        return APP_ATTACH;
    }
    if (!a->config_errors)
        config_check_sources(a->cfg, errs);
    return APP_BAD_CONFIG;
}

static void store_changing(void *ctx, int id);

/* Stage 3: what the owner keeps - the database, the store loaded from
 * it, the ingest, the alert state. */
static enum app_open_result load_state(struct app *a, const char *db_path, struct strbuf *errs)
{
    char err[1024];
    a->db = db_open(db_path, err, sizeof err);
    if (!a->db) {
        strbuf_printf(errs, "cannot open the database: %s\n", err);
        return APP_FAILED;
    }
    a->store = store_new();
    store_watch(a->store, store_changing, a);
    /* the retention back from the newest data, never past it (a clock far
     * ahead loads what is stored, and the ingest prunes none of it) */
    if (db_load_recent(a->db, a->store, clock_now()) != 0) {
        strbuf_printf(errs, "cannot load the database %s: %s\n", db_path, db_error(a->db));
        return APP_FAILED;
    }
    a->ingest = ingest_new(a->store, a->db, a->pricing);
    if (ingest_start(a->ingest, err, sizeof err) != 0) {
        strbuf_printf(errs, "cannot load the database %s: %s\n", db_path, err);
        return APP_FAILED;
    }
    app_make_budgets(a);
    a->alerts = alerts_new(&a->cfg->alerts, a->cfg->hooks, a->cfg->nhooks, a->db,
                           !a->no_hooks, err, sizeof err);
    if (!a->alerts) {
        strbuf_printf(errs, "cannot load the alert state: %s\n", err);
        return APP_FAILED;
    }
    return APP_OPENED;
}

/* Stage 4: the loop, the hooks, libcurl and every source. */
static enum app_open_result start_parts(struct app *a, struct strbuf *errs)
{
    char err[1024];
    if (uv_loop_init(&a->loop) != 0) {
        strbuf_printf(errs, "cannot start the event loop\n");
        return APP_FAILED;
    }
    a->loop_open = true;
    if (!a->no_hooks && a->cfg->nhooks)
        start_hooks(a);
    a->http = http_new(&a->loop, "spendtop/" SPENDTOP_VERSION);
    if (!a->http) {
        strbuf_printf(errs, "cannot start libcurl\n");
        return APP_FAILED;
    }
    a->collectors = xcalloc(a->cfg->nsources ? a->cfg->nsources : 1, sizeof *a->collectors);
    for (size_t i = 0; i < a->cfg->nsources; i++) {
        struct collector *c = collector_new(a->cfg->sources[i], &a->loop,
                                            ingest_sink(a->ingest), err, sizeof err);
        if (!c) {
            strbuf_printf(errs, "%s\n", err);
            return APP_BAD_CONFIG;
        }
        c->data = a;
        c->http = a->http;
        a->collectors[a->ncollectors++] = c;
    }
    return APP_OPENED;
}

enum app_open_result app_open(struct app *a, const struct app_options *o, struct strbuf *errs)
{
    char err[1024];
    memset(a, 0, sizeof *a);
    keep_freed_memory();
    a->db_lock = -1;
    a->no_hooks = o->no_hooks || o->demo;
    a->demo = o->demo;
    a->config_arg = o->config_path ? xstrdup(o->config_path) : NULL;
    if (o->has_now)
        clock_set(o->now, o->once);
    const char *db_path;
    enum app_open_result rc = load_config(a, o, errs);
    if (rc == APP_OPENED && (a->config_errors || !a->cfg->nsources))
        return attach_only(a, o, errs);
    if (rc == APP_OPENED)
        rc = take_database(a, o, &db_path, errs);
    if (rc != APP_OPENED)
        return rc;
    if (!config_check_sources(a->cfg, errs))
        return APP_BAD_CONFIG;
    if (!clock_set_timezone(a->cfg->timezone)) {
        strbuf_printf(errs, "unknown time zone '%s'\n", a->cfg->timezone);
        return APP_BAD_CONFIG;
    }
    a->window = o->window ? o->window : a->cfg->window;
    a->db_file = xstrdup(db_path);
    if (!o->once && !o->daemon) {
        /* the dashboard: what opening logs (the prices, what was read) goes
         * to the log it will write, not to the terminal above its first
         * frame (failures still come back in errs); the TUI opens the log
         * again and says so if it cannot */
        if (log_open(a->cfg->log_path, err, sizeof err) == 0)
            log_set_quiet(true);
    }
    a->pricing = prices_load(a->cfg, db_path, &a->prices, err, sizeof err);
    if (!a->pricing) {
        strbuf_printf(errs, "%s\n", err);
        return APP_BAD_CONFIG;
    }
    log_msg(LOG_INFO, "prices: %s", a->prices.source);
    rc = load_state(a, db_path, errs);
    if (rc == APP_OPENED)
        rc = start_parts(a, errs);
    if (rc == APP_OPENED)
        a->publish = publish_new(a, o->daemon ? "daemon" : o->once ? "once" : "dashboard");
    return rc;
}

/* ---- --once ------------------------------------------------------------------ */

static void once_done(struct collector *c)
{
    struct app *a = c->data;
    a->pending_closes--;
}

static void hooks_closed_once(void *data)
{
    struct app *a = data;
    a->pending_closes--;
}

/* The alert state a process started now would have: evaluate the last
 * `for` minute by minute, ending at now. */
static void replay_alerts(struct app *a)
{
    int64_t now = clock_now();
    int64_t t = now - a->cfg->alerts.for_s;
    for (; t < now; t += 60)
        app_evaluate_alerts(a, t);
    app_evaluate_alerts(a, now);
}

int app_collect_once(struct app *a, char *err, size_t errlen)
{
    a->pending_closes = a->ncollectors;
    for (size_t i = 0; i < a->ncollectors; i++)
        a->collectors[i]->ops->run_once(a->collectors[i], once_done);
    while (a->pending_closes > 0 && uv_run(&a->loop, UV_RUN_ONCE))
        ;
    /* the HTTP client is done for --once: close its handles */
    a->http_closed = true;
    a->pending_closes = 1;
    http_close(a->http, hooks_closed_once, a);
    while (a->pending_closes > 0 && uv_run(&a->loop, UV_RUN_ONCE))
        ;
    int rc = ingest_flush(a->ingest, err, errlen);
    replay_alerts(a);
    /* what was read, for a viewer that waited for this --once to end (its
     * row was written before it read anything) */
    if (a->publish)
        publish_tick(a->publish);
    /* notifications due are delivered before --once exits */
    if (a->hooks) {
        while (!hooks_idle(a->hooks) && uv_run(&a->loop, UV_RUN_ONCE))
            ;
        a->pending_closes = 1;
        hooks_close(a->hooks, hooks_closed_once, a);
        while (a->pending_closes > 0 && uv_run(&a->loop, UV_RUN_ONCE))
            ;
    }
    return rc;
}

bool app_every_source_failed(const struct app *a)
{
    for (size_t i = 0; i < a->ncollectors; i++) {
        /* in error but having read (a glob with one file it cannot read
         * past a bad frame, a usage API whose costs step failed): it
         * collected what it read */
        const struct source_status *s = &a->collectors[i]->status;
        if (s->state != SOURCE_ERROR || s->last_success || s->records)
            return false;
    }
    return a->ncollectors > 0;
}

/* ---- running ------------------------------------------------------------------- */

void app_flush(struct app *a)
{
    char err[512];
    if (ingest_flush(a->ingest, err, sizeof err) != 0)
        log_msg(LOG_ERROR, "%s", err);
}

static void on_flush_timer(uv_timer_t *t)
{
    struct app *a = t->data;
    app_flush(a);
    publish_tick(a->publish);
}

static void on_alert_timer(uv_timer_t *t)
{
    struct app *a = t->data;
    app_flush(a);
    app_evaluate_alerts(a, clock_now());
    /* again just after the next minute turns: windows move by the minute */
    uint64_t ms = (uint64_t)(60 - clock_now() % 60) * 1000 + 200;
    /* cannot fail: a callback, an open handle */
    uv_timer_start(&a->alert_timer, on_alert_timer, ms, 0);
}

/* Alerting starts once every source has read its backlog (a verdict on
 * half-read data would be wrong), or after CATCH_UP_MAX_MS whatever a slow
 * source is doing: the last `for` is replayed, then every minute. */
#define CATCH_UP_MAX_MS 60000

static void on_first_verdict(uv_check_t *c)
{
    struct app *a = c->data;
    /* cannot fail: active handles of this loop */
    uv_check_stop(&a->verdict_check);
    uv_idle_stop(&a->verdict_idle);
    app_flush(a);
    uv_timer_set_repeat(&a->flush_timer, FLUSH_LIVE_MS);
    replay_alerts(a);
    log_msg(LOG_INFO, "alerts: first verdict (the last %" PRId64 " minutes evaluated again)",
            a->cfg->alerts.for_s / 60);
    uv_timer_start(&a->alert_timer, on_alert_timer, /* cannot fail: as above */
                   (uint64_t)(60 - clock_now() % 60) * 1000 + 200, 0);
}

static void nothing(uv_idle_t *i) { (void)i; }

/* The replay is a view per window per minute of `for`: seconds at
 * 100,000 series, which the dashboard's first frame does not need (it
 * shows the alert state stored). It runs in the loop's check phase, after
 * the pass's prepare phase, where the dashboard draws; the idle handle
 * keeps that pass from waiting for I/O in between. */
static void start_alerting(struct app *a)
{
    if (a->alerting)
        return;
    a->alerting = true;
    uv_timer_stop(&a->alert_timer); /* the catch-up timeout; cannot fail */
    /* cannot fail: initialised handles of this loop, callbacks given */
    uv_check_start(&a->verdict_check, on_first_verdict);
    uv_idle_start(&a->verdict_idle, nothing);
}

static void on_caught_up(struct collector *c)
{
    struct app *a = c->data;
    for (size_t i = 0; i < a->ncollectors; i++)
        if (!a->collectors[i]->caught_up)
            return;
    start_alerting(a);
}

static void on_catch_up_timeout(uv_timer_t *t)
{
    struct app *a = t->data;
    log_msg(LOG_WARN, "a source is still catching up after %ds: alerting starts anyway",
            CATCH_UP_MAX_MS / 1000);
    start_alerting(a);
}

void app_start_collector(struct app *a, struct collector *c)
{
    c->data = a;
    c->http = a->http;
    c->on_caught_up = on_caught_up;
    c->ops->start(c);
}

void app_start(struct app *a)
{
    /* timer inits always return 0; starts cannot fail (a callback, an
     * open handle) */
    uv_timer_init(&a->loop, &a->flush_timer);
    a->flush_timer.data = a;
    a->flush_timer_open = true;
    uv_timer_start(&a->flush_timer, on_flush_timer, FLUSH_MS, FLUSH_MS);
    uv_timer_init(&a->loop, &a->alert_timer);
    a->alert_timer.data = a;
    a->alert_timer_open = true;
    uv_timer_start(&a->alert_timer, on_catch_up_timeout, CATCH_UP_MAX_MS, 0);
    uv_check_init(&a->loop, &a->verdict_check);
    uv_idle_init(&a->loop, &a->verdict_idle);
    a->verdict_check.data = a->verdict_idle.data = a;
    a->verdict_open = true;
    /* every one has its callback before any can call it */
    for (size_t i = 0; i < a->ncollectors; i++)
        a->collectors[i]->on_caught_up = on_caught_up;
    for (size_t i = 0; i < a->ncollectors; i++)
        app_start_collector(a, a->collectors[i]);
    if (a->ncollectors == 0)
        start_alerting(a);
}

void app_poll_now(struct app *a)
{
    for (size_t i = 0; i < a->ncollectors; i++)
        a->collectors[i]->ops->poll_now(a->collectors[i]);
}

static void one_closed(struct app *a)
{
    if (--a->pending_closes == 0 && a->on_stopped)
        a->on_stopped(a);
}

static void collector_closed(struct collector *c) { one_closed(c->data); }

static void flush_timer_closed(uv_handle_t *h)
{
    struct app *a = h->data;
    a->flush_timer_open = false;
    one_closed(a);
}

static void alert_timer_closed(uv_handle_t *h)
{
    struct app *a = h->data;
    a->alert_timer_open = false;
    one_closed(a);
}

static void verdict_closed(uv_handle_t *h)
{
    struct app *a = h->data;
    one_closed(a);
}

static void hooks_closed(void *data) { one_closed(data); }

void app_stop(struct app *a, void (*on_stopped)(struct app *a))
{
    a->on_stopped = on_stopped;
    a->pending_closes = a->ncollectors + 1; /* +1 keeps it from hitting 0 early */
    for (size_t i = 0; i < a->ncollectors; i++)
        a->collectors[i]->ops->stop(a->collectors[i], collector_closed);
    if (a->flush_timer_open) {
        a->pending_closes++;
        uv_close((uv_handle_t *)&a->flush_timer, flush_timer_closed);
    }
    if (a->alert_timer_open) {
        a->pending_closes++;
        uv_close((uv_handle_t *)&a->alert_timer, alert_timer_closed);
    }
    if (a->verdict_open) {
        a->verdict_open = false;
        a->pending_closes += 2;
        uv_close((uv_handle_t *)&a->verdict_check, verdict_closed);
        uv_close((uv_handle_t *)&a->verdict_idle, verdict_closed);
    }
    if (a->hooks) {
        a->pending_closes++;
        if (a->drain_hooks)
            hooks_drain(a->hooks, hooks_closed, a);
        else
            hooks_close(a->hooks, hooks_closed, a);
    }
    if (a->http && !a->http_closed) {
        a->http_closed = true;
        a->pending_closes++;
        http_close(a->http, hooks_closed, a);
    }
    one_closed(a);
}

void app_close(struct app *a)
{
    if (a->ingest)
        app_flush(a);
    for (size_t i = 0; i < a->ncollectors; i++)
        collector_free(a->collectors[i]);
    free(a->collectors);
    if (a->loop_open && uv_loop_close(&a->loop) != 0)
        log_msg(LOG_WARN, "event loop closed with handles still open");
    ingest_free(a->ingest);
    alerts_free(a->alerts);
    app_free_budgets(a);
    hooks_free(a->hooks);
    if (a->http && !a->http_closed && a->loop_open) {
        /* opened but never run (an error at start): close it here */
        a->http_closed = true;
        http_close(a->http, NULL, NULL);
        uv_run(&a->loop, UV_RUN_DEFAULT); /* its result: handles left, not an error */
    }
    http_free(a->http);
    db_close(a->db);
    publish_free(a->publish);
    lockfile_release(a->db_lock);
    free(a->attach_path);
    app_free_views(a);
    store_free(a->store);
    pricing_free(a->pricing);
    config_free(a->cfg);
    free(a->config_arg);
    free(a->db_file);
    free(a->statuses);
    otlp_json_cleanup();
    if (a->temp_db) {
        /* the database and the files SQLite and the lock keep beside it */
        static const char *const suffixes[] = {"", ".lock", "-wal", "-shm"};
        for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
            char p[4200];
            snprintf(p, sizeof p, "%s%s", a->temp_db, suffixes[i]);
            unlink(p);
        }
        free(a->temp_db);
    }
    memset(a, 0, sizeof *a);
    a->db_lock = -1; /* closing twice closes nothing twice */
}

/* ---- views --------------------------------------------------------------------- */

/* The incremental views kept (core/view.h), from one view to the next: one
 * per window the dashboard and the alert rules ask for (the dashboard's
 * and an alert window of the same length share one), and the
 * drill-down's apart, so that going in and out of one does not start the
 * other again from the whole store. */
struct app_views {
    struct app_view {
        int64_t window;
        bool drill;
        uint64_t used;         /* when last asked for, in uses */
        struct view_cache *cache;
    } *v;
    size_t n, cap;
    uint64_t uses;
};

/* The cache for views of window (drill: a drill-down's). Beyond one per
 * alert window and two more, the one least recently used goes (a reload
 * may have changed the windows). */
static struct view_cache *view_cache_of(struct app *a, int64_t window, bool drill)
{
    if (!a->views)
        a->views = xcalloc(1, sizeof *a->views);
    struct app_views *vs = a->views;
    vs->uses++;
    for (size_t i = 0; i < vs->n; i++)
        if (vs->v[i].window == window && vs->v[i].drill == drill) {
            vs->v[i].used = vs->uses;
            return vs->v[i].cache;
        }
    if (vs->n >= a->cfg->alerts.nwindows + 2) {
        size_t old = 0;
        for (size_t i = 1; i < vs->n; i++)
            old = vs->v[i].used < vs->v[old].used ? i : old;
        view_cache_free(vs->v[old].cache);
        vs->v[old] = vs->v[--vs->n];
    }
    xgrow(&vs->v, &vs->cap, vs->n + 1, sizeof *vs->v);
    vs->v[vs->n] = (struct app_view){window, drill, vs->uses, view_cache_new()};
    return vs->v[vs->n++].cache;
}

/* The store's watcher: every cache takes out the sums of a series about
 * to change (view_cache_changing). */
static void store_changing(void *ctx, int id)
{
    struct app *a = ctx;
    for (size_t i = 0; a->views && i < a->views->n; i++)
        view_cache_changing(a->views->v[i].cache, a->store, id);
}

void app_free_views(struct app *a)
{
    if (a->store)
        store_watch(a->store, NULL, NULL);
    for (size_t i = 0; a->views && i < a->views->n; i++)
        view_cache_free(a->views->v[i].cache);
    if (a->views)
        free(a->views->v);
    free(a->views);
    a->views = NULL;
}

/* The sources' health as views read it (view_params.sources points into
 * it): taken once before the views of one moment. */
static void take_statuses(struct app *a)
{
    a->statuses = xrealloc(a->statuses, (a->ncollectors ? a->ncollectors : 1) *
                                            sizeof *a->statuses);
    for (size_t i = 0; i < a->ncollectors; i++)
        a->statuses[i] = a->collectors[i]->status;
}

/* A view's parameters as the app sets them. They point into the struct
 * (its budgets, its price table's name) and into a->statuses. */
struct view_inputs {
    struct view_params p;
    struct view_budget *budgets;
    char prices[96];
};

static void inputs_make(struct app *a, int64_t now, int64_t window, const char *only_tenant,
                        const char *only_provider, const char *only_model, bool sparklines,
                        bool scopes, struct view_inputs *in)
{
    in->budgets = xcalloc(a->cfg->ntenants ? a->cfg->ntenants : 1, sizeof *in->budgets);
    size_t nb = 0;
    for (size_t i = 0; i < a->cfg->ntenants; i++)
        in->budgets[nb++] = (struct view_budget){a->cfg->tenants[i].name,
                                                 a->cfg->tenants[i].daily_budget_usd};
    in->p = (struct view_params){
        .now = now,
        .window = window ? window : a->window,
        .day_start = clock_day_start(now),
        .day_end = clock_day_end(now),
        .stale_after = (int64_t)alert_settings_get(&a->cfg->alerts, "stale_after"),
        .budgets = in->budgets,
        .nbudgets = nb,
        .sources = a->statuses,
        .nsources = a->ncollectors,
        .only_tenant = only_tenant,
        .only_provider = only_provider,
        .only_model = only_model,
        .sparklines = sparklines,
        .scopes = scopes,
    };
    if (a->pricing) { /* bench/tui_frame's app has none */
        pricing_describe(a->pricing, in->prices, sizeof in->prices);
        in->p.prices = in->prices;
    }
}

/* What the budgets add to a view made with in; in's buffers go. */
static void inputs_finish(struct app *a, struct view_inputs *in, struct view *out)
{
    if (a->budgets && in->p.scopes) /* an alert evaluation: the days long periods need */
        budgets_remember(a->budgets, a->store, &in->p);
    if (a->budgets)
        budgets_fill_view(a->budgets, a->store, &in->p, out);
    free(in->budgets);
}

/* The view at now, from its window's cache. */
static void view_at(struct app *a, int64_t now, int64_t window, const char *only_tenant,
                    const char *only_provider, const char *only_model, bool sparklines,
                    struct view *out)
{
    take_statuses(a);
    struct view_inputs in;
    inputs_make(a, now, window, only_tenant, only_provider, only_model, sparklines, false,
                &in);
    bool drill = only_tenant || only_provider || only_model;
    view_cache_compute(view_cache_of(a, in.p.window, drill), a->store, &in.p, out);
    inputs_finish(a, &in, out);
}

void app_view(struct app *a, int64_t window, const char *only_tenant,
              const char *only_provider, const char *only_model,
              bool sparklines, struct view *out)
{
    int64_t now = clock_window_end();
    view_at(a, now, window, only_tenant, only_provider, only_model, sparklines, out);
    alerts_fill_view(a->alerts, out, now);
    prices_flag_view(&a->prices, now, out); /* shown, never a rule's input */
}

void app_evaluate_alerts(struct app *a, int64_t t)
{
    /* the windows' views together: what their caches must sum again from
     * the store (at a start, after a reload) is summed in one walk */
    size_t n = a->cfg->alerts.nwindows, k = n ? n : 1;
    struct view_inputs *in = xcalloc(k, sizeof *in);
    struct view_params *p = xcalloc(k, sizeof *p);
    struct view_cache **c = xcalloc(k, sizeof *c);
    struct view *v = xcalloc(k, sizeof *v);
    take_statuses(a);
    for (size_t i = 0; i < n; i++) {
        inputs_make(a, t, a->cfg->alerts.windows[i], NULL, NULL, NULL, false, true, &in[i]);
        p[i] = in[i].p;
        c[i] = view_cache_of(a, p[i].window, false);
    }
    view_caches_compute(c, a->store, p, v, n);
    struct rule_hits hits = {0};
    for (size_t i = 0; i < n; i++) {
        inputs_finish(a, &in[i], &v[i]);
        /* budgets and staleness do not depend on the window: once */
        rules_evaluate(&v[i], &a->cfg->alerts, i == 0, &hits);
        view_free(&v[i]);
    }
    free(v);
    free(c);
    free(p);
    free(in);
    alerts_update(a->alerts, &hits, t);
    rules_hits_free(&hits);
    if (a->hooks)
        hooks_kick(a->hooks);
}

int app_silence(struct app *a, const char *alert_id, char *msg, size_t len)
{
    return alerts_silence(a->alerts, alert_id, clock_now(), msg, len);
}

/* ---- the dashboard's host (tui/host.h) ------------------------------------------ */

static struct app *host_app(void *ctx)
{
    return ((struct app_host *)ctx)->app;
}

static void host_start(void *ctx)
{
    app_start(host_app(ctx));
}

static void host_stopped(struct app *a)
{
    struct app_host *h = a->data;
    h->stopped(h->stopped_arg);
}

static void host_stop(void *ctx, void (*done)(void *arg), void *arg)
{
    struct app_host *h = ctx;
    h->stopped = done;
    h->stopped_arg = arg;
    h->app->data = h;
    app_stop(h->app, host_stopped);
}

static void host_view(void *ctx, const struct host_scope *s, struct view *out)
{
    app_view(host_app(ctx), s->window, s->tenant, s->provider, s->model, true, out);
}

/* What a view shows, but the time: the store, the alerts listed, and what
 * each source says of itself in the header (its state, error and counts).
 * A poll that found nothing new changes none of it (staleness moves with
 * the clock, and the dashboard makes a view every minute anyway). */
static uint64_t host_generation(void *ctx)
{
    struct app *a = host_app(ctx);
    uint64_t g = store_generation(a->store) * 31 + alerts_generation(a->alerts);
    for (size_t i = 0; i < a->ncollectors; i++) {
        const struct source_status *s = &a->collectors[i]->status;
        int64_t facts[4] = {s->state, s->records, s->rejected, s->no_usage};
        g = g * 31 + hmap_hash(facts, sizeof facts);
        g = g * 31 + hmap_hash(s->last_error, strlen(s->last_error));
    }
    return g;
}

static void host_facts(void *ctx, struct host_facts *out)
{
    const struct alert_settings *al = &host_app(ctx)->cfg->alerts;
    memset(out, 0, sizeof *out);
    out->limits = (struct host_limits){
        .factor = alert_settings_get(al, "factor"),
        .mix_shift = alert_settings_get(al, "mix_shift"),
        .cache_drop = alert_settings_get(al, "cache_drop"),
        .reasoning_factor = alert_settings_get(al, "reasoning_factor"),
    };
}

static int host_silence(void *ctx, const char *alert_id, char *msg, size_t len)
{
    return app_silence(host_app(ctx), alert_id, msg, len);
}

static void host_poll_now(void *ctx, char *msg, size_t len)
{
    app_poll_now(host_app(ctx));
    snprintf(msg, len, "polling every source now");
}

static const struct host_ops app_host_ops = {
    .start = host_start,
    .stop = host_stop,
    .view = host_view,
    .generation = host_generation,
    .facts = host_facts,
    .silence = host_silence,
    .poll_now = host_poll_now,
};

void app_host_init(struct app_host *h, struct app *a)
{
    memset(h, 0, sizeof *h);
    h->app = a;
    h->host = (struct host){
        .ops = &app_host_ops,
        .ctx = h,
        .loop = &a->loop,
        .log_path = a->cfg->log_path,
        .window = a->window,
        .refresh = a->cfg->refresh,
    };
}
