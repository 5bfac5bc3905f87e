/* pane_models.c - the model mix: each model's share of spend now against
 * its baseline share, spend, requests, and the mix distance; unpriced
 * models marked. Drilled into a model, it shows that model's 7-day trend. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/format.h"
#include "tui/pane.h"

enum { C_NAME, C_SHARE, C_BASE, C_WINDOW, C_REQ, C_COUNT };

static const struct pane_col cols[C_COUNT] = {
    {"MODEL", 12}, {"SHARE", 7}, {"BASE", 7}, {"WINDOW", 9}, {"REQ", 6},
};
static const int prio[] = {C_SHARE, C_BASE, C_WINDOW, C_REQ};
static const int sort_cycle[] = {C_WINDOW, C_SHARE, C_BASE, C_REQ, C_NAME};

static int sort_col;
static bool sort_rev;

static double value(const struct view_model *m, int col)
{
    switch (col) {
    case C_SHARE: return m->share;
    case C_BASE: return m->baseline_share;
    case C_WINDOW: return m->window_usd;
    case C_REQ: return (double)m->requests;
    default: return 0;
    }
}

static int cmp(const void *x, const void *y)
{
    const struct view_model *a = *(const struct view_model *const *)x;
    const struct view_model *b = *(const struct view_model *const *)y;
    int r;
    if (sort_col == C_NAME) {
        r = strcmp(a->model, b->model);
    } else {
        double va = value(a, sort_col), vb = value(b, sort_col);
        va = isnan(va) ? -INFINITY : va;
        vb = isnan(vb) ? -INFINITY : vb;
        r = va < vb ? 1 : va > vb ? -1 : strcmp(a->model, b->model);
    }
    return sort_rev ? -r : r;
}

static const struct view_model **rows_of(struct pane *p, const struct tui_ctx *c, int *n)
{
    const struct view *v = c->view;
    const struct view_model **rows = calloc(v->nmodels + 1, sizeof *rows);
    *n = 0;
    if (!rows)
        return NULL;
    for (size_t i = 0; i < v->nmodels; i++)
        if (pane_matches(v->models[i].model, c->filter) ||
            pane_matches(v->models[i].provider, c->filter))
            rows[(*n)++] = &v->models[i];
    sort_col = sort_cycle[p->sort];
    sort_rev = p->reverse;
    qsort(rows, (size_t)*n, sizeof *rows, cmp);
    return rows;
}

static void remember(struct pane *p, const struct view_model *m)
{
    snprintf(p->selected[0], sizeof p->selected[0], "=%s", m->provider);
    snprintf(p->selected[1], sizeof p->selected[1], "%s", m->model);
}

static void models_draw(struct pane *p, const struct tui_ctx *c)
{
    char title[200], mix[16];
    if (c->drill == DRILL_MODEL) {
        snprintf(title, sizeof title, "Model %s/%s", c->drill_provider, c->drill_model);
        pane_frame(p, c, title);
        pane_trend(p, c, 1);
        char a[32], b[32], line[160];
        fmt_usd(a, sizeof a, c->view->spend.window_usd);
        fmt_usd(b, sizeof b, c->view->spend.baseline_usd);
        snprintf(line, sizeof line, "window %s  base %s", a, b);
        pane_text(p, c, 4, 1, p->w - 2, ROLE_NORMAL, line);
        pane_text(p, c, p->h - 2, 1, p->w - 2, ROLE_DIM, "its tenants: Tenants pane; Esc: back");
        return;
    }
    int n;
    const struct view_model **rows = rows_of(p, c, &n);
    fmt_pct(mix, sizeof mix, c->view->mix_distance);
    snprintf(title, sizeof title, "Models  mix %s%s%s", mix,
             c->filter && *c->filter ? "  filter: " : "", c->filter ? c->filter : "");
    pane_frame(p, c, title);
    struct pane_table t;
    pane_table_layout(&t, cols, C_COUNT, prio, (int)(sizeof prio / sizeof *prio), p->w - 2);
    pane_table_header(p, c, 1, &t, cols, sort_cycle[p->sort], p->reverse);
    int visible = p->h - 3;
    for (int i = 0; i < n && p->selected[0][0]; i++)
        if (strcmp(rows[i]->provider, p->selected[0] + 1) == 0 &&
            strcmp(rows[i]->model, p->selected[1]) == 0)
            p->sel = i;
    pane_clamp(p, n, visible);
    if (n == 0)
        pane_text(p, c, 2, 1, p->w - 2, ROLE_DIM,
                  c->filter && *c->filter ? "no model matches the filter" : "no usage yet");
    for (int r = 0; r < visible && p->top + r < n; r++) {
        const struct view_model *m = rows[p->top + r];
        char cells[C_COUNT][64];
        int roles[C_COUNT] = {0};
        snprintf(cells[C_NAME], 64, "%s", m->model);
        fmt_pct(cells[C_SHARE], 64, m->share);
        fmt_pct(cells[C_BASE], 64, m->baseline_share);
        roles[C_BASE] = ROLE_DIM;
        if (isfinite(m->share) && isfinite(m->baseline_share) &&
            m->share - m->baseline_share >= c->facts->limits.mix_shift)
            roles[C_SHARE] = ROLE_BAD;
        if (m->price == PRICE_NONE) {
            snprintf(cells[C_WINDOW], 64, "unpriced");
            roles[C_WINDOW] = ROLE_WARN;
        } else {
            char usd[32];
            fmt_usd(usd, sizeof usd, m->window_usd);
            /* '~': a cache price was missing and the input price stood in */
            snprintf(cells[C_WINDOW], 64, "%s%s", m->price == PRICE_PARTIAL ? "~" : "", usd);
        }
        fmt_count(cells[C_REQ], 64, m->requests);
        pane_table_row(p, c, 2 + r, &t, cells, roles, c->focused && p->top + r == p->sel);
    }
    if (n > 0 && p->sel < n)
        remember(p, rows[p->sel]);
    free(rows);
}

static enum pane_action models_key(struct pane *p, int ch, const struct tui_ctx *c)
{
    if (c->drill == DRILL_MODEL)
        return PANE_IGNORED;
    int n;
    const struct view_model **rows = rows_of(p, c, &n);
    enum pane_action a = pane_table_key(p, ch, n, (int)(sizeof sort_cycle / sizeof *sort_cycle));
    if (n > 0 && p->sel >= 0 && p->sel < n)
        remember(p, rows[p->sel]);
    free(rows);
    return a;
}

const struct pane_ops pane_models = {
    .title = "Models",
    .focusable = true,
    .draw = models_draw,
    .key = models_key,
};
