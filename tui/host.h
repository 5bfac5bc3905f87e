/* host.h - what the dashboard sees of the running program.
 *
 * The dashboard draws views and sends a few requests; it does not need to
 * know who collects. The host is the app that owns the database and runs
 * the sources (app_host_init in app/app.h), or a viewer attached to a
 * daemon's database (app/viewer.h), with the same ops. Everything
 * the tui/ files know of the program is in this file: they include no
 * app/ header and touch no struct app or struct config.
 *
 * Like collector_ops: a const table of functions and a context pointer
 * handed back to each of them. All calls are made on the host's loop.
 *
 * Time is lib/clock's: the host has set the clock (--now) and the zone
 * before tui_run, and the dashboard reads clock_now() like everyone else.
 */
#ifndef SPENDTOP_HOST_H
#define SPENDTOP_HOST_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "core/view.h"

/* What one view is of: a window, and optionally one tenant or one model
 * (a drill-down). NULL: no restriction. */
struct host_scope {
    int64_t window;                 /* seconds; 0 = the host's default */
    const char *tenant;
    const char *provider, *model;   /* both, or neither */
};

/* The thresholds the panes colour figures by: the alert rules' own, so
 * that red on screen and a page agree. */
struct host_limits {
    double factor;                  /* spend over factor x its baseline */
    double mix_shift;               /* a model's share up by this much */
    double cache_drop;              /* hit rate down by this much */
    double reasoning_factor;        /* reasoning over factor x baseline */
};

/* What the dashboard shows about the program, asked for every frame (a
 * reloaded config or a re-attached daemon may change it). */
struct host_facts {
    struct host_limits limits;
    /* Said in the header after the sources, e.g. "attached to daemon
     * (pid 812)"; empty for a dashboard that collects itself. */
    char note[96];
    /* Attached to a daemon that is gone (none collects these figures
     * now): the header says GONE where it would say LIVE, and the note
     * (when it went) comes first, where a narrow terminal still shows it. */
    bool gone;
};

struct host_ops {
    /* Begin: an owner starts its sources and timers. Called once, after
     * the dashboard's own handles are on the loop. */
    void (*start)(void *ctx);
    /* End: close every handle the host has on the loop, then call
     * done(arg) (the loop may then run out). */
    void (*stop)(void *ctx, void (*done)(void *arg), void *arg);
    /* The view now for scope, with sparklines and the alert list; out is
     * overwritten and freed by the caller with view_free, before it asks
     * for the next: a view's strings may borrow from the host until then. */
    void (*view)(void *ctx, const struct host_scope *scope, struct view *out);
    /* A number that changes whenever anything a view shows changes but
     * the time: records, the alerts listed, what the sources say of their
     * health (a new view is worth computing). Asked for before every
     * sleep of the loop: it must cost next to nothing. */
    uint64_t (*generation)(void *ctx);
    void (*facts)(void *ctx, struct host_facts *out);
    /* Silence the alert with this id for its repeat interval. Returns 0,
     * or -1 (unknown id); msg says what happened, for the footer. */
    int (*silence)(void *ctx, const char *alert_id, char *msg, size_t len);
    /* Poll every source now (the R key); msg says what happened, for the
     * footer (a viewer with no daemon to ask polls nothing). */
    void (*poll_now)(void *ctx, char *msg, size_t len);
};

struct host {
    const struct host_ops *ops;
    void *ctx;
    uv_loop_t *loop;                /* the dashboard's handles go here */
    const char *log_path;           /* the log, while curses has the terminal */
    int64_t window;                 /* the window shown first, seconds */
    int64_t refresh;                /* seconds between ticks */
};

#endif
