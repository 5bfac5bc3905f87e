/* pane_header.c - the top line: sources and their health, the host's note
 * (a viewer's "attached to daemon (pid N)"), clock, window, live, paused or
 * gone (a viewer's daemon). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/sanitize.h"
#include "core/format.h"
#include "tui/pane.h"

/* After the sources: folding past the store's caps (some tenants or
 * models are not shown under their own names), and the prices in force,
 * where there is room. Returns the next column. */
static int header_store_notes(struct pane *p, const struct tui_ctx *c, int x, int limit)
{
    const struct view *v = c->view;
    char item[128];
    if (v->folding.active && x < limit) {
        snprintf(item, sizeof item, "folding: %s",
                 v->folding.series >= v->folding.series_max ? "series cap" : "names capped");
        x += pane_text(p, c, 0, x, limit - x, ROLE_WARN, item) + 2;
    }
    if (v->prices[0] && x < limit) {
        snprintf(item, sizeof item, "prices: %s", v->prices);
        x += pane_text(p, c, 0, x, limit - x, ROLE_DIM, item) + 2;
    }
    return x;
}

/* The host's note at x if now (it goes before the sources when the daemon
 * is gone, after them otherwise). Returns the next column. */
static int header_note(struct pane *p, const struct tui_ctx *c, int x, int limit, bool now)
{
    if (!now || !c->facts->note[0] || x >= limit)
        return x;
    return x + pane_text(p, c, 0, x, limit - x, c->facts->gone ? ROLE_BAD : ROLE_HEADER,
                         c->facts->note) + 2;
}

/* The sources from x: those that collect, or (prices) the price table's
 * entry when it is flagged. Returns the next column. */
static int header_sources(struct pane *p, const struct tui_ctx *c, int x, int limit, bool prices)
{
    const struct theme *th = c->theme;
    for (size_t i = 0; i < c->view->nsources && x < limit; i++) {
        const struct view_source *s = &c->view->sources[i];
        if ((strcmp(s->type, "price_table") == 0) != prices)
            continue;
        int role = strcmp(s->status, "ok") == 0 ? ROLE_GOOD
                   : strcmp(s->status, "starting") == 0 ? ROLE_DIM
                   : strcmp(s->status, "stale") == 0 ? ROLE_WARN : ROLE_BAD;
        char recs[32], n[16], item[240];
        /* a stale price table (app/prices.h) counts no records: its age in
         * days; which table it is, the store's notes say */
        if (strcmp(s->type, "price_table") == 0)
            snprintf(recs, sizeof recs, "%lldd",
                     (long long)((c->now - s->last_success) / CLOCK_DAY));
        else
            fmt_count(recs, sizeof recs, s->records);
        int len = snprintf(item, sizeof item, "%s %s %s %s", s->name,
                           th->ascii ? "*" : "\xe2\x97\x8f", s->status, recs);
        /* what could not be counted, or was counted without its spend */
        if (s->rejected && len > 0 && (size_t)len < sizeof item) {
            fmt_count(n, sizeof n, s->rejected);
            len += snprintf(item + len, sizeof item - (size_t)len, " %s rejected", n);
        }
        if (s->no_usage && len > 0 && (size_t)len < sizeof item) {
            fmt_count(n, sizeof n, s->no_usage);
            snprintf(item + len, sizeof item - (size_t)len, " %s no usage", n);
        }
        /* by columns drawn, not bytes: the dot is 3 bytes, 1 column */
        x += pane_text(p, c, 0, x, limit - x, role, item) + 2;
    }
    return x;
}

static void header_draw(struct pane *p, const struct tui_ctx *c)
{
    WINDOW *w = p->win;
    const struct theme *th = c->theme;
    werase(w);
    wattron(w, th->attr[ROLE_HEADER]);
    mvwhline(w, 0, 0, ' ', p->w);
    mvwaddstr(w, 0, 1, "spendtop");
    wattroff(w, th->attr[ROLE_HEADER]);

    /* right side first: it must always show */
    bool gone = c->facts->gone;
    int state_role = gone ? ROLE_BAD : c->paused ? ROLE_WARN : ROLE_HEADER;
    char right[160], clock[48], win[16];
    fmt_clock(clock, sizeof clock, c->now);
    fmt_window(win, sizeof win, c->view->window);
    const char *sep = th->ascii ? "|" : "\xe2\x94\x82";
    snprintf(right, sizeof right, " %s%s window %s %s %s %s %s ",
             c->view->baseline_days ? "" : "learning ", sep, win, sep, clock, sep,
             gone ? "GONE" : c->paused ? "PAUSED" : "LIVE");
    char tmp[SANITIZE_MAX];
    int rcols = sanitize_text_ex(right, tmp, sizeof tmp, p->w, th->ascii);
    int x = 10;
    int limit = p->w - rcols - 1;
    x = header_note(p, c, x, limit, gone);
    /* the sources that collect, then where the figures come from when
     * not from this process (a viewer's "attached to daemon (pid N)":
     * whole at 120 columns, where the price table's age after it is cut
     * first), then the price table, then the store's notes */
    x = header_sources(p, c, x, limit, false);
    x = header_note(p, c, x, limit, !gone);
    x = header_sources(p, c, x, limit, true);
    header_store_notes(p, c, x, limit);
    wattron(w, th->attr[state_role]);
    mvwaddstr(w, 0, p->w - rcols, tmp);
    wattroff(w, th->attr[state_role]);
}

const struct pane_ops pane_header = {
    .title = "",
    .focusable = false,
    .draw = header_draw,
};
