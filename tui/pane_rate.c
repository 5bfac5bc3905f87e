/* pane_rate.c - the two rate panes: prompt-cache hit rate and reasoning
 * ratio. Now vs baseline, an hourly sparkline, and a row per model; "n/a"
 * where the sources do not report cache reads or reasoning (unknown is not
 * 0%). One widget, two instances. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/format.h"
#include "tui/pane.h"
#include "tui/widgets.h"

static double hour_value(const struct view_hour *h, bool cache, bool base)
{
    if (cache)
        return base ? h->baseline_hit_rate : h->hit_rate;
    return base ? h->baseline_reasoning : h->reasoning;
}

/* Is now worse than the baseline by the alert rule's measure? */
static bool regressed(const struct tui_ctx *c, bool cache, double now, double base)
{
    if (!isfinite(now) || !isfinite(base))
        return false;
    if (cache)
        return now < base - c->facts->limits.cache_drop;
    return now > c->facts->limits.reasoning_factor * base;
}

static void rate_draw(struct pane *p, const struct tui_ctx *c, bool cache)
{
    const struct view *v = c->view;
    const struct view_rate *rt = cache ? &v->cache : &v->reasoning;
    pane_frame(p, c, cache ? "Cache hit rate" : "Reasoning ratio");
    int inner = p->w - 2;
    char now[32], base[32], line[128];
    fmt_pct(now, sizeof now, rt->rate);
    fmt_pct(base, sizeof base, rt->baseline);
    bool bad = regressed(c, cache, rt->rate, rt->baseline);
    const char *arrow = "";
    /* an arrow only for a move worth the eye: a point or more */
    if (isfinite(rt->rate) && isfinite(rt->baseline) && fabs(rt->rate - rt->baseline) >= 0.01) {
        bool up = rt->rate > rt->baseline;
        arrow = c->theme->ascii ? (up ? " ^" : " v") : (up ? " \xe2\x96\xb2" : " \xe2\x96\xbc");
    }
    snprintf(line, sizeof line, "now  %s%s", now, arrow);
    pane_text(p, c, 1, 1, inner, bad ? ROLE_BAD : ROLE_NORMAL, line);
    snprintf(line, sizeof line, "base %s", base);
    pane_text(p, c, 2, 1, inner, ROLE_DIM, line);
    int row = 3;
    if (v->has_sparklines) {
        int cells = inner < VIEW_HOURS ? inner : VIEW_HOURS;
        for (int k = 0; k < cells; k++) {
            const struct view_hour *h = &v->hours[VIEW_HOURS - cells + k];
            double x = hour_value(h, cache, false);
            bool off = regressed(c, cache, x, hour_value(h, cache, true));
            pane_text(p, c, row, 1 + k, 1, off ? ROLE_BAD : ROLE_GOOD,
                      widget_spark_glyph(x, 1.0, c->theme->ascii));
        }
        row++;
    }
    /* per model, by spend; the value then its baseline where room allows */
    for (size_t i = 0; i < v->nmodels && row < p->h - 1; i++) {
        const struct view_model *m = &v->models[i];
        double x = cache ? m->hit_rate : m->reasoning;
        double b = cache ? m->baseline_hit_rate : m->baseline_reasoning;
        if (m->requests == 0)
            continue;
        fmt_pct(now, sizeof now, x);
        int numw = (int)strlen(now);
        bool wide = inner >= 30;
        if (wide) {
            fmt_pct(base, sizeof base, b);
            snprintf(line, sizeof line, "%s/%s", now, base);
            numw = (int)strlen(line);
        }
        pane_text(p, c, row, 1, inner - numw - 1, ROLE_NORMAL, m->model);
        pane_text_right(p, c, row, p->w - 1, inner, regressed(c, cache, x, b) ? ROLE_BAD : ROLE_NORMAL,
                        wide ? line : now);
        row++;
    }
}

static void cache_draw(struct pane *p, const struct tui_ctx *c) { rate_draw(p, c, true); }
static void reasoning_draw(struct pane *p, const struct tui_ctx *c) { rate_draw(p, c, false); }

const struct pane_ops pane_cache = {
    .title = "Cache hit rate",
    .focusable = false,
    .draw = cache_draw,
};

const struct pane_ops pane_reasoning = {
    .title = "Reasoning ratio",
    .focusable = false,
    .draw = reasoning_draw,
};
