/* pane_spend.c - spend: the window against its baseline, today, the
 * projection, burn, 7 days, billed, and 24 hours of hourly spend drawn
 * against the baseline's shape. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/format.h"
#include "tui/pane.h"
#include "tui/widgets.h"

/* Row 1: the window's spend, its ratio to the baseline (marked when over
 * the alert factor), what it lacks (+N unpriced), the baseline. */
static void draw_headline(struct pane *p, const struct tui_ctx *c, int inner)
{
    const struct view *v = c->view;
    const struct view_spend *s = &v->spend;
    const struct theme *th = c->theme;
    char a[32], b[32], r[32], line[256], win[16];
    fmt_window(win, sizeof win, v->window);
    fmt_usd(a, sizeof a, s->window_usd);
    fmt_usd(b, sizeof b, s->baseline_usd);
    fmt_ratio(r, sizeof r, s->ratio);
    bool high = isfinite(s->ratio) && s->ratio > c->facts->limits.factor;
    snprintf(line, sizeof line, "%s %s", win, a);
    pane_text(p, c, 1, 1, inner, ROLE_NORMAL, line);
    wattron(p->win, A_BOLD);
    pane_text(p, c, 1, 1 + (int)strlen(win) + 1, inner, ROLE_NORMAL, a);
    wattroff(p->win, A_BOLD);
    int x = 1 + (int)strlen(line) + 2;
    snprintf(line, sizeof line, "%s%s", r, high ? (th->ascii ? " ^" : " \xe2\x96\xb2") : "");
    pane_text(p, c, 1, x, inner - x, high ? ROLE_BAD : ROLE_GOOD, line);
    x += (int)strlen(r) + (high ? 3 : 1);
    /* spend not in the figure: never read as $0 at a glance. Before the
     * baseline (the ratio says as much): at 80 columns it came last and
     * was cut */
    int64_t unpriced = 0;
    for (size_t i = 0; i < v->nunpriced; i++)
        unpriced += v->unpriced[i].requests;
    if (v->nunpriced && x + 1 < inner) {
        char n[16];
        fmt_count(n, sizeof n, unpriced);
        if (unpriced > 0)
            snprintf(line, sizeof line, "+%s unpriced", n);
        else
            snprintf(line, sizeof line, "+unpriced");
        x += 1 + pane_text(p, c, 1, x + 1, inner - x, ROLE_WARN, line) + 2;
    }
    snprintf(line, sizeof line, "base %s", v->baseline_days ? b : "learning");
    pane_text(p, c, 1, x, inner - x + 1, ROLE_DIM, line);
}

/* Rows 2 and 3: today, the projection, burn, and 24h and 7 days or the
 * billed figure; narrow panes move burn to row 3. */
static void draw_figures(struct pane *p, const struct tui_ctx *c, int inner)
{
    const struct view_spend *s = &c->view->spend;
    char t[32], pr[32], burn[32], d7[32], h24[32], line[256];
    fmt_usd(t, sizeof t, s->today_usd);
    fmt_usd(pr, sizeof pr, s->projected_today_usd);
    fmt_usd(burn, sizeof burn, s->burn_usd_per_hour);
    const char *per_h = isfinite(s->burn_usd_per_hour) ? "/h" : ""; /* not "n/a/h" */
    fmt_usd(d7, sizeof d7, s->last_7d_usd);
    fmt_usd(h24, sizeof h24, s->last_24h_usd);
    bool wide = inner >= 52;
    if (wide)
        snprintf(line, sizeof line, "today %s  proj %s  burn %s%s", t, pr, burn, per_h);
    else
        snprintf(line, sizeof line, "today %s  proj %s", t, pr);
    pane_text(p, c, 2, 1, inner, ROLE_NORMAL, line);
    if (isfinite(s->billed_today_usd)) {
        /* a cost endpoint's figure beside the token-priced estimate */
        char billed[32];
        fmt_usd(billed, sizeof billed, s->billed_today_usd);
        snprintf(line, sizeof line, "%s%s%s  billed today %s", wide ? "" : "burn ",
                 wide ? "" : burn, wide ? "" : per_h, billed);
    } else if (wide) {
        snprintf(line, sizeof line, "24h %s  7d %s", h24, d7);
    } else {
        snprintf(line, sizeof line, "burn %s%s  7d %s", burn, per_h, d7);
    }
    pane_text(p, c, 3, 1, inner, ROLE_NORMAL, line);
}

/* The bottom two rows: hourly spend against the baseline, on one scale;
 * hours above the alert factor x their baseline are marked. */
static void draw_hours(struct pane *p, const struct tui_ctx *c, int inner)
{
    const struct view *v = c->view;
    int cells = inner - 6 < VIEW_HOURS ? inner - 6 : VIEW_HOURS;
    double max = 0;
    for (int i = VIEW_HOURS - cells; i < VIEW_HOURS; i++) {
        if (v->hours[i].usd > max)
            max = v->hours[i].usd;
        if (isfinite(v->hours[i].baseline_usd) && v->hours[i].baseline_usd > max)
            max = v->hours[i].baseline_usd;
    }
    int row = p->h - 3;
    double factor = c->facts->limits.factor;
    pane_text(p, c, row, 1, 5, ROLE_DIM, "24h ");
    pane_text(p, c, row + 1, 1, 5, ROLE_DIM, "base");
    for (int k = 0; k < cells; k++) {
        const struct view_hour *h = &v->hours[VIEW_HOURS - cells + k];
        bool over = isfinite(h->baseline_usd) && h->usd > factor * h->baseline_usd && h->usd > 0;
        pane_text(p, c, row, 6 + k, 1, over ? ROLE_BAD : ROLE_GOOD,
                  widget_spark_glyph(h->usd, max, c->theme->ascii));
        pane_text(p, c, row + 1, 6 + k, 1, ROLE_DIM,
                  widget_spark_glyph(h->baseline_usd, max, c->theme->ascii));
    }
}

static void spend_draw(struct pane *p, const struct tui_ctx *c)
{
    int inner = p->w - 2;
    pane_frame(p, c, "Spend");
    draw_headline(p, c, inner);
    draw_figures(p, c, inner);
    if (c->view->has_sparklines && p->h >= 7)
        draw_hours(p, c, inner);
}

const struct pane_ops pane_spend = {
    .title = "Spend",
    .focusable = false,
    .draw = spend_draw,
};
