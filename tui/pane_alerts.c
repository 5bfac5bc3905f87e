/* pane_alerts.c - alerts: firing first (severity, kind, scope, value vs
 * baseline, since), then recently resolved. `a` silences the one under the
 * cursor for its repeat interval. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/format.h"
#include "tui/pane.h"

/* Money for spend/budget kinds, a percentage for rates, a count for
 * requests, a duration for staleness. */
static void show_value(char *buf, size_t len, const char *kind, double v)
{
    if (strcmp(kind, "spend_anomaly") == 0 || strcmp(kind, "budget") == 0)
        fmt_usd(buf, len, v);
    else if (strcmp(kind, "model_spike") == 0)
        fmt_count(buf, len, isfinite(v) ? (int64_t)v : 0);
    else if (strcmp(kind, "source_stale") == 0)
        fmt_duration(buf, len, isfinite(v) ? (int64_t)v : 0);
    else
        fmt_pct(buf, len, v);
}

static void alerts_draw(struct pane *p, const struct tui_ctx *c)
{
    const struct view *v = c->view;
    size_t firing = 0;
    for (size_t i = 0; i < v->nalerts; i++)
        firing += strcmp(v->alerts[i].state, "firing") == 0;
    char title[64];
    snprintf(title, sizeof title, "Alerts  %zu firing", firing);
    pane_frame(p, c, title);
    int visible = p->h - 2;
    pane_clamp(p, (int)v->nalerts, visible);
    if (v->nalerts == 0)
        pane_text(p, c, 1, 1, p->w - 2, ROLE_DIM,
                  v->baseline_days ? "no alerts" : "no alerts (learning: less than a day of history)");
    for (int r = 0; r < visible && p->top + r < (int)v->nalerts; r++) {
        const struct view_alert *a = &v->alerts[p->top + r];
        bool on = strcmp(a->state, "firing") == 0;
        char val[32], base[32], ratio[32], win[16], since[48], line[640];
        show_value(val, sizeof val, a->kind, a->value);
        show_value(base, sizeof base, a->kind, a->baseline);
        fmt_ratio(ratio, sizeof ratio, a->ratio);
        fmt_window(win, sizeof win, a->window);
        fmt_duration(since, sizeof since, c->now - (on ? a->started_at : a->resolved_at));
        char versus[160];
        if (isfinite(a->baseline)) {
            snprintf(versus, sizeof versus, "%s vs %s (%s)", val, base, ratio);
        } else {
            /* a distance or an age has no baseline: show what it crossed */
            char th[32];
            show_value(th, sizeof th, a->kind, a->threshold);
            snprintf(versus, sizeof versus, "%s (threshold %s)", val, th);
        }
        snprintf(line, sizeof line, "%-4s %-14s %-24s %-5s %s  %s %s%s",
                 on ? (strcmp(a->severity, "critical") == 0 ? "CRIT" : "WARN") : "ok",
                 a->kind, a->scope, win, versus, on ? "since" : "resolved",
                 since, a->silenced ? "  [silenced]" : "");
        bool sel = c->focused && p->top + r == p->sel;
        int role = sel ? ROLE_SELECTED
                   : !on ? ROLE_DIM
                   : a->silenced ? ROLE_DIM
                   : strcmp(a->severity, "critical") == 0 ? ROLE_BAD : ROLE_WARN;
        if (sel) {
            wattron(p->win, c->theme->attr[ROLE_SELECTED]);
            mvwhline(p->win, 1 + r, 1, ' ', p->w - 2);
            wattroff(p->win, c->theme->attr[ROLE_SELECTED]);
        }
        pane_text(p, c, 1 + r, 1, p->w - 2, role, line);
        if (sel)
            snprintf(p->selected[0], sizeof p->selected[0], "%s", a->id);
    }
}

static enum pane_action alerts_key(struct pane *p, int ch, const struct tui_ctx *c)
{
    int n = (int)c->view->nalerts;
    if (pane_scroll_key(p, ch, n, p->h - 2))
        return PANE_HANDLED;
    if (ch == 'a' && n > 0 && p->sel >= 0 && p->sel < n) {
        snprintf(p->selected[0], sizeof p->selected[0], "%s", c->view->alerts[p->sel].id);
        return PANE_SILENCE;
    }
    return PANE_IGNORED;
}

const struct pane_ops pane_alerts = {
    .title = "Alerts",
    .focusable = true,
    .draw = alerts_draw,
    .key = alerts_key,
};
