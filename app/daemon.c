/* daemon.c - spendtop --daemon (see daemon.h). */
#include "app/daemon.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alerts/outbox.h"
#include "app/reload.h"
#include "core/view.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/sdnotify.h"

enum { SIG_HUP, SIG_INT, SIG_TERM, SIG_USR1, SIG_USR2, NSIGNALS };

struct daemon {
    struct app *a;
    struct reload *reload;
    uv_signal_t signals[NSIGNALS];
    size_t nsignals;             /* initialised, to be closed */
    uv_timer_t watchdog;
    bool watchdog_open;
    bool stopping;
};

static const int signums[NSIGNALS] = {
    [SIG_HUP] = SIGHUP, [SIG_INT] = SIGINT, [SIG_TERM] = SIGTERM,
    [SIG_USR1] = SIGUSR1, [SIG_USR2] = SIGUSR2,
};

/* sd_notify, logged when the socket is there but refuses */
static void notify(const char *state)
{
    int rc = sdnotify_send(state);
    if (rc < 0)
        log_msg(LOG_WARN, "cannot notify the service manager: %s", strerror(-rc));
}

static void on_watchdog(uv_timer_t *t)
{
    (void)t;
    notify("WATCHDOG=1");
}

static void stopped(struct app *a)
{
    (void)a;
}

static void stop(struct daemon *d, int signum)
{
    if (d->stopping) {
        log_msg(LOG_INFO, "signal %d: already stopping (running hooks get their timeout)",
                signum);
        return;
    }
    d->stopping = true;
    log_msg(LOG_INFO, "signal %d: stopping", signum);
    notify("STOPPING=1");
    reload_stop(d->reload);
    d->a->drain_hooks = true;
    app_stop(d->a, stopped);
}

static void reload(struct daemon *d)
{
    if (d->stopping)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    char state[96];
    snprintf(state, sizeof state, "RELOADING=1\nMONOTONIC_USEC=%llu",
             (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
    notify(state);
    log_msg(LOG_INFO, "SIGHUP: reloading the config");
    reload_request(d->reload);
    notify("READY=1");
}

/* SIGUSR1: what an operator asks a running daemon first. */
static void log_status(const struct app *a)
{
    const struct ingest_stats *st = ingest_stats(a->ingest);
    size_t queued = a->db ? outbox_count(a->db) : 0;
    log_msg(LOG_INFO, "status: %zu sources, %lld records counted since start "
            "(%lld duplicates), %zu alerts firing, %zu notifications queued%s",
            a->ncollectors, (long long)st->counted, (long long)st->duplicates,
            alerts_firing(a->alerts), queued, a->no_hooks ? " (--no-hooks)" : "");
    int64_t now = clock_now();
    int64_t stale_after = (int64_t)alert_settings_get(&a->cfg->alerts, "stale_after");
    for (size_t i = 0; i < a->ncollectors; i++) {
        const struct source_status *s = &a->collectors[i]->status;
        char ago[32] = "never";
        if (s->last_success)
            snprintf(ago, sizeof ago, "%llds ago", (long long)(now - s->last_success));
        log_msg(LOG_INFO, "status: source %s (%s): %s, %lld records, %lld rejected, "
                "last success %s%s%s", a->collectors[i]->cfg->name,
                a->collectors[i]->cfg->type->name, view_source_status(s, now, stale_after),
                (long long)s->records, (long long)s->rejected, ago,
                s->state == SOURCE_ERROR ? ", last error: " : "",
                s->state == SOURCE_ERROR ? s->last_error : "");
    }
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct daemon *d = h->data;
    switch (signum) {
    case SIGHUP: reload(d); break;
    case SIGUSR1: log_status(d->a); break;
    case SIGUSR2:
        if (!d->stopping) {
            log_msg(LOG_INFO, "SIGUSR2: polling every source now");
            app_poll_now(d->a);
        }
        break;
    default: stop(d, signum); break;
    }
}

/* The signal handles and the watchdog do not keep the loop alive (uv_unref):
 * it ends when the app has stopped, and they are closed after it. */
static int start_handles(struct daemon *d)
{
    uv_loop_t *loop = &d->a->loop;
    for (size_t i = 0; i < NSIGNALS; i++) {
        int rc = uv_signal_init(loop, &d->signals[i]);
        if (rc == 0) {
            d->nsignals++;
            d->signals[i].data = d;
            rc = uv_signal_start(&d->signals[i], on_signal, signums[i]);
        }
        if (rc != 0) {
            log_msg(LOG_ERROR, "cannot handle signal %d: %s", signums[i], uv_strerror(rc));
            return -1;
        }
        uv_unref((uv_handle_t *)&d->signals[i]);
    }
    uint64_t usec = sdnotify_watchdog_usec();
    if (usec) {
        uint64_t ms = usec / 2000 ? usec / 2000 : 1;
        uv_timer_init(loop, &d->watchdog); /* cannot fail: no allocation */
        d->watchdog.data = d;
        d->watchdog_open = true;
        uv_timer_start(&d->watchdog, on_watchdog, ms, ms);
        uv_unref((uv_handle_t *)&d->watchdog);
    }
    return 0;
}

static void close_handles(struct daemon *d)
{
    for (size_t i = 0; i < d->nsignals; i++)
        uv_close((uv_handle_t *)&d->signals[i], NULL);
    if (d->watchdog_open)
        uv_close((uv_handle_t *)&d->watchdog, NULL);
    uv_run(&d->a->loop, UV_RUN_DEFAULT); /* the close callbacks */
    /* a stray signal between here and the exit must not kill us either */
    signal(SIGHUP, SIG_IGN);
    signal(SIGUSR1, SIG_IGN);
    signal(SIGUSR2, SIG_IGN);
}

int daemon_run(struct app *a)
{
    struct daemon d = {.a = a, .reload = reload_new(a)};
    int rc = 0;
    if (start_handles(&d) != 0) {
        rc = 1;
    } else {
        app_start(a);
        log_msg(LOG_INFO, "collecting from %zu sources", a->ncollectors);
        char state[64];
        snprintf(state, sizeof state, "READY=1\nSTATUS=collecting from %zu sources",
                 a->ncollectors);
        notify(state);
        uv_run(&a->loop, UV_RUN_DEFAULT);
    }
    close_handles(&d);
    reload_free(d.reload);
    return rc;
}
