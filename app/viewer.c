/* viewer.c - a dashboard or --once attached to another's database (see
 * viewer.h). */
#include "app/viewer.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alerts/alerts.h"
#include "app/prices.h"
#include "core/budget.h"
#include "core/db.h"
#include "core/lockfile.h"
#include "core/owner.h"
#include "core/store.h"
#include "lib/clock.h"
#include "lib/hmap.h"
#include "lib/log.h"
#include "lib/sdnotify.h"
#include "lib/xalloc.h"

/* How often a viewer looks for changes and for the owner. It also looks
 * whenever the owner rings DB.lock after a commit (lockfile_ring; inotify
 * through uv_fs_event): a record the owner commits is on screen within a
 * frame, and the poll is the fallback (a file system without
 * notifications, an owner before the ring) and the check that the owner
 * is still there. */
#define POLL_MS 250

struct viewer {
    char *path;
    struct db *db;
    struct store *st;
    struct owner_facts facts;    /* the owner's row as last read */
    bool have_facts;
    struct alert_settings alert_cfg; /* unused by what a viewer calls */
    struct alerts *alerts;       /* the alert table as last read */
    uint64_t alerts_read;        /* the owner's alerts generation then */
    /* replaced while the dashboard's last view may still borrow from them:
     * freed at the next view (host.h: a view's strings live until then) */
    struct store *old_st;
    struct owner_facts old_facts;
    bool have_old_facts;
    int64_t seq;                 /* the change log read up to here */
    int64_t data_version;
    long owner;                  /* the owner attached to; 0: none */
    long last_owner;             /* for the note once it is gone */
    long waiting;                /* an owner that has not written its row yet */
    int64_t gone_since;          /* 0 while there is an owner */
    uint64_t generation;
    uint64_t shown;              /* shown_digest at the last refresh */
    int64_t window;              /* --window, else the owner's */
    char note[96];
    uv_loop_t loop;
    bool loop_open;
    uv_timer_t timer;
    bool timer_open;
    uv_fs_event_t ring;          /* DB.lock, which the owner rings */
    bool ring_open, ring_watching;
    int closing;                 /* handles host_stop still waits for */
    void (*stopped)(void *arg);
    void *stopped_arg;
    struct host host;
    struct prices_info prices;   /* the table in force: the owner's when it
                                    says, else a guess */
    struct budgets *budgets;     /* the owner's budgets, as facts.periods */
    int64_t budgets_day;         /* the day they were made (days remembered) */
    /* incremental views (core/view.h) of st: the dashboard's and its
     * drill-down's; a new store starts them again */
    struct view_cache *views[2];
};

/* st's watcher: the views take out the sums of a series about to change
 * (the change log applied) */
static void store_changing(void *ctx, int id)
{
    struct viewer *v = ctx;
    for (int i = 0; i < 2; i++)
        view_cache_changing(v->views[i], v->st, id);
}

/* ---- reading the owner's state ---------------------------------------------------- */

/* Replace the store; the one a view may borrow from waits for the next. */
static void swap_store(struct viewer *v, struct store *st)
{
    if (v->old_st)
        store_free(v->st); /* never shown: the shown one is old_st */
    else
        v->old_st = v->st;
    v->st = st;
    /* views of the store replaced start again (it may be freed, and its
     * address be another's) */
    for (int i = 0; i < 2; i++) {
        view_cache_free(v->views[i]);
        v->views[i] = view_cache_new();
    }
    store_watch(st, store_changing, v);
}

static void swap_facts(struct viewer *v, const struct owner_facts *f)
{
    if (v->have_old_facts) {
        owner_facts_free(&v->facts);
    } else if (v->have_facts) {
        v->old_facts = v->facts;
        v->have_old_facts = true;
    }
    v->facts = *f;
    v->have_facts = true;
    if (!clock_set_timezone(v->facts.timezone))
        clock_set_timezone("UTC");
    if (v->facts.prices_date > 0) {
        snprintf(v->prices.source, sizeof v->prices.source, "%s", v->facts.prices_source);
        v->prices.date = v->facts.prices_date;
    }
    /* the owner's budgets, computed here as it computes them (the days of
     * long periods it remembered are read in the caller's transaction);
     * a view borrows nothing from them, only from the facts kept above.
     * The facts move each second (the sources' times): budgets the same
     * as before are kept, and what their fills remember with them, until
     * the day turns (a day the owner remembered since is read then) */
    int64_t day = clock_day_start(clock_now());
    if (v->budgets && v->budgets_day == day &&
        budgets_configured_as(v->budgets, v->facts.periods, v->facts.nperiods))
        return;
    budgets_free(v->budgets);
    v->budgets = budgets_new(v->facts.periods, v->facts.nperiods, v->db);
    v->budgets_day = day;
}

/* The store as the owner loaded it, and the log position it reflects. */
static int load_store(struct viewer *v)
{
    struct store *st = store_new();
    int64_t seq = 0;
    if (db_changes_last(v->db, &seq) != 0 ||
        db_load(v->db, st, clock_now() - STORE_RETENTION) != 0) {
        store_free(st);
        return -1;
    }
    swap_store(v, st);
    v->seq = seq;
    return 0;
}

static int load_alerts(struct viewer *v)
{
    char err[256];
    struct alerts *al = alerts_new(&v->alert_cfg, NULL, 0, v->db, false, err, sizeof err);
    if (!al)
        return -1;
    alerts_free(v->alerts);
    v->alerts = al;
    return 0;
}

/* A hash of what a view shows, but the time: the store, the alerts
 * listed, the owner's facts but its sources' last success. The owner
 * rewrites its row whenever a poll succeeds (each second, for a followed
 * file): a new view for that alone (10,000 tenants sorted again) was a
 * viewer's whole idle cost. Staleness moves with the clock, and the
 * dashboard makes a view every minute anyway (the app's host_generation
 * leaves the same out). */
static uint64_t shown_digest(const struct viewer *v)
{
    uint64_t h = store_generation(v->st) * 31 + (v->alerts ? alerts_digest(v->alerts) : 0);
    if (!v->have_facts)
        return h;
    struct strbuf json = {0};
    owner_facts_json_untimed(&v->facts, &json);
    h = h * 31 + hmap_hash(strbuf_str(&json), json.len);
    strbuf_free(&json);
    return h;
}

/* Everything that may have changed, in one read transaction (one
 * snapshot): the owner's row, the store (what the log names, or all of
 * it), the alerts. full: the store all over again. */
static int refresh(struct viewer *v, bool full)
{
    if (db_read_begin(v->db) != 0)
        return -1;
    struct owner_facts f;
    int rc = owner_read(v->db, &f);
    if (rc == 0)
        swap_facts(v, &f);
    else if (rc > 0)
        owner_facts_free(&f);
    rc = rc < 0 ? -1 : 0;
    if (rc == 0 && !full) {
        int changed = db_changes_apply(v->db, v->st, &v->seq);
        rc = changed < 0 ? -1 : 0;
        full = changed > 0;
    }
    if (rc == 0 && full)
        rc = load_store(v);
    /* the alert table only when the owner says its alerts changed (or
     * does not say) */
    if (rc == 0 && (full || !v->alerts || !v->facts.alerts || v->facts.alerts != v->alerts_read)) {
        rc = load_alerts(v);
        v->alerts_read = v->facts.alerts;
    }
    db_read_end(v->db);
    uint64_t shown = shown_digest(v);
    if (shown != v->shown)
        v->generation++;
    v->shown = shown;
    return rc;
}

/* ---- the owner, there or not -------------------------------------------------------- */

static void set_note(struct viewer *v)
{
    const char *mode = v->have_facts && v->facts.mode[0] ? v->facts.mode : "daemon";
    if (v->owner) {
        snprintf(v->note, sizeof v->note, "attached to %s (pid %ld)", mode, v->owner);
    } else if (v->waiting) {
        snprintf(v->note, sizeof v->note, "%s (pid %ld) starting", mode, v->waiting);
    } else if (v->gone_since) {
        char t[48];
        clock_format_local(v->gone_since, t, sizeof t);
        snprintf(v->note, sizeof v->note, "%s gone since %s", mode, t);
    } else {
        snprintf(v->note, sizeof v->note, "waiting for the owner of the database");
    }
}

/* The database is open only while an owner holds it: SQLite's last
 * connection to close removes the -wal and -shm files and the first to
 * open makes them again, and files a viewer made would be the viewer's,
 * not the daemon's (README: the shared setup). */
static bool reopen(struct viewer *v)
{
    if (v->db)
        return true;
    char err[512];
    v->db = db_open_viewer(v->path, err, sizeof err);
    if (!v->db)
        log_msg(LOG_WARN, "%s (will retry)", err);
    v->data_version = -1;
    return v->db != NULL;
}

static void close_db(struct viewer *v)
{
    db_close(v->db);
    v->db = NULL;
}

static void watch_ring(struct viewer *v);

/* The owner now (lock holder) against the one attached to: gone, back,
 * or another. A new owner is attached to once it has written its row
 * (until then its sources' health is its predecessor's). */
static void check_owner(struct viewer *v)
{
    long pid = lockfile_owner(v->path);
    if (pid < 0)
        return; /* cannot tell: say nothing new */
    if (pid == 0) {
        v->waiting = 0;
        close_db(v);
        if (v->owner) {
            v->last_owner = v->owner;
            v->owner = 0;
            v->gone_since = clock_now();
            log_msg(LOG_WARN, "the owner of %s (pid %ld) is gone", v->path, v->last_owner);
            v->generation++;
        }
    } else if (pid != v->owner && reopen(v)) {
        struct owner_facts f;
        int rc = owner_read(v->db, &f);
        v->waiting = pid;
        if (rc == 0 && f.pid == pid && refresh(v, true) == 0) {
            v->owner = pid;
            v->waiting = 0;
            v->gone_since = 0;
            watch_ring(v); /* a new owner may have made DB.lock anew */
            log_msg(LOG_INFO, "attached to %s (pid %ld) on %s", f.mode, pid, v->path);
        }
        if (rc >= 0)
            owner_facts_free(&f);
    }
    set_note(v);
}

static void poll_once(struct viewer *v);

static void on_ring(uv_fs_event_t *h, const char *name, int events, int status)
{
    (void)name;
    (void)events;
    if (status == 0)
        poll_once(h->data);
}

/* Watch DB.lock for the owner's rings (again: the file may be another by
 * now). Without a watch (no inotify, no file yet) the poll does it all. */
static void watch_ring(struct viewer *v)
{
    if (!v->ring_open)
        return;
    if (v->ring_watching)
        uv_fs_event_stop(&v->ring);
    char path[PATH_MAX + 8];
    lockfile_path(v->path, path, sizeof path);
    v->ring_watching = uv_fs_event_start(&v->ring, on_ring, path, 0) == 0;
}

static void poll_once(struct viewer *v)
{
    check_owner(v);
    if (!v->db)
        return;
    int64_t dv = db_data_version(v->db);
    if (dv >= 0 && dv != v->data_version) {
        v->data_version = dv;
        if (refresh(v, false) != 0)
            log_msg(LOG_WARN, "cannot read %s (will retry): %s", v->path, db_error(v->db));
    }
}

static void on_poll(uv_timer_t *t)
{
    poll_once(t->data);
}

/* How long a viewer starting waits for an owner that is starting too
 * (and for a --once owner to finish), checking every START_STEP_MS. */
#define START_WAIT_MS 10000
#define START_STEP_MS 50

/* Has the owner pid finished its start? Its row is written (publish.c
 * writes it last), and - an owner in --once, whose row is written before
 * it reads anything and is not written again - it has ended. */
static bool owner_started(struct viewer *v, long pid, bool *once)
{
    struct owner_facts f;
    int rc = owner_read(v->db, &f);
    bool started = rc == 0 && f.pid == pid;
    *once = started && strcmp(f.mode, "once") == 0;
    if (rc >= 0)
        owner_facts_free(&f);
    return started && !*once;
}

/* A viewer starting at the moment its owner starts (two spendtops run at
 * once on a new database: one owns it, the other views it) waits for the
 * owner to finish its start: what it holds before then is an empty store
 * and no sources, which would show as "$0.00, all quiet". Bounded: an
 * owner that has not written its row in START_WAIT_MS is an error; a
 * --once owner still reading then is shown as it is (its sources
 * "starting", the figures not known yet). 0, or -1 with err. */
static int await_owner(struct viewer *v, char *err, size_t errlen)
{
    bool once = false, said = false;
    long last = 0;
    for (int waited = 0;; waited += START_STEP_MS) {
        long pid = lockfile_owner(v->path);
        if (pid <= 0 && once)
            log_msg(LOG_INFO, "the spendtop that owned %s (--once, pid %ld) has finished: "
                    "showing what it stored", v->path, last);
        if (pid <= 0 || owner_started(v, pid, &once))
            return 0; /* no owner: what is stored is shown */
        last = pid;
        if (waited >= START_WAIT_MS && once) {
            log_msg(LOG_WARN, "the spendtop that owns %s (--once, pid %ld) is still reading "
                    "after %d s: showing what it has stored so far", v->path, pid,
                    START_WAIT_MS / 1000);
            return 0;
        }
        if (waited >= START_WAIT_MS) {
            snprintf(err, errlen, "%s: its owner (pid %ld) has not finished starting in %d s: "
                     "try again when it has", v->path, pid, START_WAIT_MS / 1000);
            return -1;
        }
        if (!said)
            log_msg(LOG_INFO, "waiting for the spendtop that owns %s (pid %ld) to finish %s",
                    v->path, pid, once ? "its --once" : "starting");
        said = true;
        nanosleep(&(struct timespec){.tv_nsec = START_STEP_MS * 1000000L}, NULL);
    }
}

/* ---- views ------------------------------------------------------------------------------ */

void viewer_view(struct viewer *v, const struct host_scope *scope, bool sparklines,
                 struct view *out)
{
    /* the caller has freed the view that borrowed from these */
    if (v->old_st) {
        store_free(v->old_st);
        v->old_st = NULL;
    }
    if (v->have_old_facts) {
        owner_facts_free(&v->old_facts);
        v->have_old_facts = false;
    }
    int64_t now = clock_window_end();
    int64_t window = scope && scope->window ? scope->window : v->window;
    struct view_params p = {
        .now = now,
        .window = window ? window : v->facts.window ? v->facts.window : CLOCK_HOUR,
        .day_start = clock_day_start(now),
        .day_end = clock_day_end(now),
        .stale_after = v->facts.stale_after,
        .budgets = v->facts.budgets,
        .nbudgets = v->facts.nbudgets,
        .sources = v->facts.sources,
        .nsources = v->facts.nsources,
        .only_tenant = scope ? scope->tenant : NULL,
        .only_provider = scope ? scope->provider : NULL,
        .only_model = scope ? scope->model : NULL,
        .sparklines = sparklines,
    };
    if (v->have_facts && v->facts.prices[0])
        p.prices = v->facts.prices;
    view_cache_compute(v->views[scope && (scope->tenant || scope->provider || scope->model)],
                       v->st, &p, out);
    if (v->budgets)
        budgets_fill_view(v->budgets, v->st, &p, out);
    alerts_fill_view(v->alerts, out, now);
    prices_flag_view(&v->prices, now, out);
}

/* ---- the dashboard's host ------------------------------------------------------------- */

static void host_start(void *ctx)
{
    struct viewer *v = ctx;
    /* cannot fail: the loop is open and the timer ours */
    uv_timer_init(&v->loop, &v->timer);
    v->timer.data = v;
    v->timer_open = true;
    uv_timer_start(&v->timer, on_poll, POLL_MS, POLL_MS);
    v->ring_open = uv_fs_event_init(&v->loop, &v->ring) == 0;
    v->ring.data = v;
    watch_ring(v);
}

static void handle_closed(uv_handle_t *h)
{
    struct viewer *v = h->data;
    if (--v->closing == 0)
        v->stopped(v->stopped_arg);
}

static void host_stop(void *ctx, void (*done)(void *arg), void *arg)
{
    struct viewer *v = ctx;
    v->stopped = done;
    v->stopped_arg = arg;
    v->closing = v->timer_open + v->ring_open;
    if (v->timer_open)
        uv_close((uv_handle_t *)&v->timer, handle_closed);
    if (v->ring_open)
        uv_close((uv_handle_t *)&v->ring, handle_closed);
    v->timer_open = v->ring_open = v->ring_watching = false;
    if (v->closing == 0)
        done(arg);
}

static void host_view(void *ctx, const struct host_scope *s, struct view *out)
{
    viewer_view(ctx, s, true, out);
}

static uint64_t host_generation(void *ctx)
{
    return ((struct viewer *)ctx)->generation;
}

static void host_facts(void *ctx, struct host_facts *out)
{
    struct viewer *v = ctx;
    memset(out, 0, sizeof *out);
    out->limits = (struct host_limits){
        .factor = v->facts.factor,
        .mix_shift = v->facts.mix_shift,
        .cache_drop = v->facts.cache_drop,
        .reasoning_factor = v->facts.reasoning_factor,
    };
    snprintf(out->note, sizeof out->note, "%s", v->note);
    out->gone = !v->owner && !v->waiting;
}

/* A request to the owner; false (msg says why) when it cannot be made. */
static bool ask(struct viewer *v, const char *kind, const char *arg, char *msg, size_t len)
{
    if (!v->owner || !v->db) {
        snprintf(msg, len, "no daemon to ask: %s", v->note);
        return false;
    }
    if (owner_request_put(v->db, kind, arg, clock_wall()) != 0) {
        snprintf(msg, len, db_writable(v->db)
                 ? "the daemon is busy: try again"
                 : "read-only: asking the daemon needs write access to its state directory");
        return false;
    }
    return true;
}

static int host_silence(void *ctx, const char *alert_id, char *msg, size_t len)
{
    struct viewer *v = ctx;
    struct view tmp;
    memset(&tmp, 0, sizeof tmp);
    alerts_fill_view(v->alerts, &tmp, clock_now());
    const struct view_alert *found = NULL;
    for (size_t i = 0; i < tmp.nalerts && !found; i++)
        if (strcmp(tmp.alerts[i].id, alert_id) == 0 && strcmp(tmp.alerts[i].state, "firing") == 0)
            found = &tmp.alerts[i];
    int rc = -1;
    if (!found)
        snprintf(msg, len, "no firing alert to silence");
    else if (ask(v, "silence", alert_id, msg, len)) {
        snprintf(msg, len, "asked the daemon to silence %s %s", found->kind, found->scope);
        rc = 0;
    }
    free(tmp.alerts);
    return rc;
}

static void host_poll_now(void *ctx, char *msg, size_t len)
{
    if (ask(ctx, "poll", "", msg, len))
        snprintf(msg, len, "asked the daemon to poll every source now");
    else
        log_msg(LOG_WARN, "%s", msg);
}

static const struct host_ops viewer_host_ops = {
    .start = host_start,
    .stop = host_stop,
    .view = host_view,
    .generation = host_generation,
    .facts = host_facts,
    .silence = host_silence,
    .poll_now = host_poll_now,
};

/* ---- life ----------------------------------------------------------------------------- */

struct viewer *viewer_open(const char *db_path, int64_t window, const char *log_path,
                           char *err, size_t errlen)
{
    struct viewer *v = xcalloc(1, sizeof *v);
    v->path = xstrdup(db_path);
    v->window = window;
    v->data_version = -1;
    v->st = store_new();
    for (int i = 0; i < 2; i++)
        v->views[i] = view_cache_new();
    store_watch(v->st, store_changing, v);
    prices_info_guess(db_path, &v->prices);
    alert_settings_init(&v->alert_cfg);
    v->db = db_open_viewer_ready(db_path, err, errlen);
    if (!v->db || await_owner(v, err, errlen) != 0) {
        viewer_free(v);
        return NULL;
    }
    check_owner(v);
    if (!v->owner && (reopen(v), !v->db || refresh(v, true) != 0)) {
        snprintf(err, errlen, "cannot read %s%s%s", db_path, v->db ? ": " : "",
                 v->db ? db_error(v->db) : "");
        viewer_free(v);
        return NULL;
    }
    v->data_version = db_data_version(v->db);
    if (!v->owner)
        close_db(v); /* its owner went in the meantime */
    if (uv_loop_init(&v->loop) != 0) {
        snprintf(err, errlen, "cannot start the event loop");
        viewer_free(v);
        return NULL;
    }
    v->loop_open = true;
    v->host = (struct host){
        .ops = &viewer_host_ops,
        .ctx = v,
        .loop = &v->loop,
        .log_path = log_path,
        .window = window ? window : v->facts.window ? v->facts.window : CLOCK_HOUR,
        .refresh = v->facts.refresh > 0 ? v->facts.refresh : 1,
    };
    return v;
}

const struct host *viewer_host(struct viewer *v) { return &v->host; }

void viewer_free(struct viewer *v)
{
    if (!v)
        return;
    if (v->loop_open && uv_loop_close(&v->loop) != 0)
        log_msg(LOG_WARN, "viewer: event loop closed with handles still open");
    alerts_free(v->alerts);
    budgets_free(v->budgets);
    alert_settings_free(&v->alert_cfg);
    store_free(v->st);
    store_free(v->old_st);
    for (int i = 0; i < 2; i++)
        view_cache_free(v->views[i]);
    if (v->have_facts)
        owner_facts_free(&v->facts);
    if (v->have_old_facts)
        owner_facts_free(&v->old_facts);
    db_close(v->db);
    free(v->path);
    free(v);
}

/* How long a process that may not view (a daemon) waits for a --once that
 * holds its database to end: a --once reads every source to its end
 * once, seconds as a rule; systemd gives a start 90 s. */
#define ONCE_WAIT_MS 60000

/* The lock holder pid's row: 1 and its mode in f when it has written it
 * (its start is done), else 0 (not yet; or it cannot be read now, which
 * the caller's bound on the holder's start covers). *db: the connection,
 * opened when it can be. */
static int holder_row(const char *db_path, long pid, struct db **db, struct owner_facts *f)
{
    if (!*db) {
        char why[512];
        *db = db_open_viewer(db_path, why, sizeof why); /* no schema yet: not yet */
    }
    if (!*db)
        return 0;
    int rc = owner_read(*db, f);
    if (rc == 0 && f->pid == pid)
        return 1;
    if (rc >= 0)
        owner_facts_free(f);
    return 0;
}

int viewer_take_busy(const char *db_path, char *err, size_t errlen)
{
    struct db *db = NULL;
    long once = 0, held = 0; /* the --once waited for; the holder */
    int held_since = 0;      /* when the holder was first seen */
    int rc = LOCKFILE_BUSY;
    for (int waited = 0;; waited += START_STEP_MS) {
        long pid = lockfile_owner(db_path);
        if (pid == 0) {
            /* the holder is gone: take it now (refused again with no
             * holder named: another name's owner holds the file itself) */
            char why[1024];
            db_close(db); /* before the lock: ours is the only connection then */
            db = NULL;
            rc = lockfile_take(db_path, why, sizeof why);
            if (rc == LOCKFILE_BUSY && lockfile_owner(db_path) > 0)
                continue; /* another took it meanwhile: who? */
            if (rc >= 0 && held)
                log_msg(LOG_INFO, "the spendtop%s (pid %ld) that held %s has finished: "
                        "starting", held == once ? " --once" : "", held, db_path);
            if (rc < 0)
                snprintf(err, errlen, "%s", why);
            break;
        }
        if (pid < 0)
            break; /* cannot tell who: the refusal as it was */
        if (pid != held) {
            held = pid;
            held_since = waited;
        }
        struct owner_facts f;
        int row = holder_row(db_path, pid, &db, &f);
        if (row == 1 && strcmp(f.mode, "once") != 0) {
            if (strcmp(f.mode, "dashboard") == 0)
                snprintf(err, errlen, "%s is in use by another spendtop (a dashboard, pid %ld: "
                         "quit it first), which collects and alerts for it", db_path, pid);
            else
                snprintf(err, errlen, "%s is in use by another spendtop (pid %ld), which "
                         "collects and alerts for it; use --db FILE to run one with a "
                         "database of its own", db_path, pid);
            owner_facts_free(&f);
            break;
        }
        if (row == 1)
            owner_facts_free(&f);
        if (row == 1 && once != pid) {
            once = pid;
            char state[200];
            snprintf(state, sizeof state, "STATUS=waiting for spendtop --once (pid %ld) to "
                     "finish with the database", pid);
            sdnotify_send(state);
            log_msg(LOG_INFO, "%s is in use by a spendtop --once (pid %ld): waiting up to %d s "
                    "for it to finish", db_path, pid, ONCE_WAIT_MS / 1000);
        }
        if (row == 0 && waited == held_since)
            log_msg(LOG_INFO, "waiting for the spendtop that owns %s (pid %ld) to finish "
                    "starting", db_path, pid);
        if (row == 0 && waited - held_since >= START_WAIT_MS) {
            snprintf(err, errlen, "%s is in use by another spendtop (pid %ld), which has not "
                     "finished starting in %d s: try again when it has", db_path, pid,
                     START_WAIT_MS / 1000);
            break;
        }
        if (row == 1 && waited >= ONCE_WAIT_MS) {
            snprintf(err, errlen, "%s is in use by another spendtop (--once, pid %ld), still "
                     "reading after %d s: start this one when it has finished (or stop it)",
                     db_path, pid, ONCE_WAIT_MS / 1000);
            break;
        }
        nanosleep(&(struct timespec){.tv_nsec = START_STEP_MS * 1000000L}, NULL);
    }
    db_close(db);
    return rc;
}
