/* tui_frame - how long one full dashboard frame takes at 200x60 with 1,000
 * tenants (make bench).
 *
 * Builds a store of 1,000 tenants x 3 models with 8 days of usage and an
 * incident in the last 90 minutes (20 tenants at 6x), so the Alerts pane
 * has rows too; times the view computation, then times frames drawn into a 200x60 curses
 * screen whose output goes to /dev/null: "full" repaints every cell (what
 * a resize or a first draw costs), "steady" redraws every pane with
 * unchanged content (what a clock tick costs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <curses.h>

#include "alerts/alerts.h"
#include "app/app.h"
#include "lib/clock.h"
#include "tui/tui.h"

static double secs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 1,000 tenants x 3 models, a bucket every 10 minutes for 8 days; the
 * first 20 tenants at 6x for the last 90 minutes. */
static void fill_store(struct store *st, int64_t now)
{
    const char *models[] = {"gpt-5", "o3", "claude-sonnet-4-6"};
    char name[32];
    for (int t = 0; t < 1000; t++) {
        snprintf(name, sizeof name, "tenant-%04d", t);
        for (int m = 0; m < 3; m++) {
            struct series_key k = {"spans", "openai", models[m], name, NULL};
            int id = store_series(st, &k);
            for (int64_t ts = now - STORE_RETENTION; ts < now; ts += 600) {
                struct tally x = {.requests = 1 + t % 7, .input = 2000, .input_ck = 2000,
                                  .cache_read = 900, .output = 300, .output_rk = 300,
                                  .reasoning = m == 1 ? 200 : 0, .cost = 0.01 * (1 + t % 13)};
                if (t < 20 && ts >= now - 5400)
                    x.cost *= 6;
                store_add(st, id, ts, &x);
            }
        }
    }
}

int main(void)
{
    const int64_t now = 1795348800;
    clock_set(now, true);
    struct app a = {0};
    a.cfg = config_defaults();
    a.store = store_new();
    a.window = 3600;
    fill_store(a.store, now);
    char err[256];
    a.alerts = alerts_new(&a.cfg->alerts, a.cfg->hooks, a.cfg->nhooks, NULL, false, err,
                          sizeof err);
    if (!a.alerts) {
        fprintf(stderr, "tui_frame: %s\n", err);
        return 1;
    }
    /* as at start-up: the last `for` minute by minute, so alerts fire */
    for (int64_t t = now - a.cfg->alerts.for_s; t <= now; t += 60)
        app_evaluate_alerts(&a, t);

    /* what the dashboard sees of it */
    struct app_host host;
    app_host_init(&host, &a);
    const struct host *h = &host.host;
    struct host_scope all = {.window = h->window};

    struct view v;
    double t0 = secs();
    int nviews = 5;
    for (int i = 0; i < nviews; i++) {
        h->ops->view(h->ctx, &all, &v);
        if (i < nviews - 1)
            view_free(&v);
    }
    double view_ms = (secs() - t0) * 1000 / nviews;

    setenv("TERM", "xterm-256color", 1);
    FILE *out = fopen("/dev/null", "w");
    SCREEN *s = newterm(NULL, out, stdin);
    set_term(s);
    resize_term(60, 200);
    int frames = 200;
    tui_draw_frame_for_bench(h, &v, false); /* warm up: windows created */
    t0 = secs();
    for (int i = 0; i < frames; i++) {
        clearok(curscr, TRUE); /* repaint every cell */
        tui_draw_frame_for_bench(h, &v, false);
    }
    double full_ms = (secs() - t0) * 1000 / frames;
    t0 = secs();
    for (int i = 0; i < frames; i++)
        tui_draw_frame_for_bench(h, &v, false);
    double steady_ms = (secs() - t0) * 1000 / frames;
    endwin();
    delscreen(s);
    fclose(out);
    printf("  view of 1,000 tenants x 3 models: %.2f ms to compute\n", view_ms);
    printf("  frame at 200x60: %.2f ms full repaint, %.2f ms steady redraw (%zu alerts firing)\n",
           full_ms, steady_ms, alerts_firing(a.alerts));
    view_free(&v);
    alerts_free(a.alerts);
    app_free_views(&a);
    store_free(a.store);
    config_free(a.cfg);
    free(a.statuses);
    return 0;
}
