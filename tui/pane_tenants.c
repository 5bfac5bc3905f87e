/* pane_tenants.c - per-tenant burn: burn $/h, window $, baseline, ratio,
 * today, budget use. Sortable by any column, filterable, scrollable; the
 * unattributed spend is a row of its own. Drilled into a tenant, it shows
 * that tenant's 7-day trend. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/format.h"
#include "tui/pane.h"
#include "tui/widgets.h"

enum { C_NAME, C_BURN, C_WINDOW, C_BASE, C_RATIO, C_TODAY, C_BUDGET, C_COUNT };

static const struct pane_col cols[C_COUNT] = {
    {"TENANT", 10}, {"BURN/H", 9}, {"WINDOW", 9}, {"BASE", 9},
    {"RATIO", 7}, {"TODAY", 9}, {"BUDGET", 12},
};
static const int prio[] = {C_BURN, C_WINDOW, C_RATIO, C_BASE, C_TODAY, C_BUDGET};
/* `s` walks the columns in this order */
static const int sort_cycle[] = {C_BURN, C_WINDOW, C_BASE, C_RATIO, C_TODAY, C_BUDGET, C_NAME};

static int sort_col;   /* for the qsort comparator (single-threaded) */
static bool sort_rev;

static double value(const struct view_tenant *t, int col)
{
    switch (col) {
    case C_BURN: return t->burn_usd_per_hour;
    case C_WINDOW: return t->window_usd;
    case C_BASE: return t->baseline_usd;
    case C_RATIO: return t->ratio;
    case C_TODAY: return t->today_usd;
    case C_BUDGET: return t->budget_used;
    default: return 0;
    }
}

static int cmp(const void *x, const void *y)
{
    const struct view_tenant *a = *(const struct view_tenant *const *)x;
    const struct view_tenant *b = *(const struct view_tenant *const *)y;
    int r;
    if (sort_col == C_NAME) {
        r = strcmp(a->tenant, b->tenant);
    } else {
        double va = value(a, sort_col), vb = value(b, sort_col);
        va = isnan(va) ? -INFINITY : va;
        vb = isnan(vb) ? -INFINITY : vb;
        r = va < vb ? 1 : va > vb ? -1 : strcmp(a->tenant, b->tenant);
    }
    return sort_rev ? -r : r;
}

/* The rows shown: filtered, sorted. The caller frees. */
static const struct view_tenant **rows_of(struct pane *p, const struct tui_ctx *c, int *n)
{
    const struct view *v = c->view;
    const struct view_tenant **rows = calloc(v->ntenants + 1, sizeof *rows);
    *n = 0;
    if (!rows)
        return NULL;
    for (size_t i = 0; i < v->ntenants; i++) {
        const char *name = v->tenants[i].tenant[0] ? v->tenants[i].tenant : "(unattributed)";
        if (pane_matches(name, c->filter))
            rows[(*n)++] = &v->tenants[i];
    }
    sort_col = sort_cycle[p->sort];
    sort_rev = p->reverse;
    qsort(rows, (size_t)*n, sizeof *rows, cmp);
    return rows;
}

static void draw_drilled(struct pane *p, const struct tui_ctx *c)
{
    char title[200], a[32], b[32], d[32], line[200];
    snprintf(title, sizeof title, "Tenant %s", c->drill_tenant[0] ? c->drill_tenant : "(unattributed)");
    pane_frame(p, c, title);
    pane_trend(p, c, 1);
    const struct view *v = c->view;
    fmt_usd(a, sizeof a, v->spend.window_usd);
    fmt_usd(b, sizeof b, v->spend.baseline_usd);
    fmt_usd(d, sizeof d, v->spend.today_usd);
    snprintf(line, sizeof line, "window %s  base %s  today %s", a, b, d);
    pane_text(p, c, 4, 1, p->w - 2, ROLE_NORMAL, line);
    for (size_t i = 0; i < v->ntenants; i++) {
        const struct view_tenant *t = &v->tenants[i];
        if (strcmp(t->tenant, c->drill_tenant) != 0 || !isfinite(t->budget_usd))
            continue;
        char bar[64], pct[16];
        fmt_usd(a, sizeof a, t->budget_usd);
        fmt_pct(pct, sizeof pct, t->budget_used);
        widget_bar(t->budget_used, 10, c->theme->ascii, bar, sizeof bar);
        snprintf(line, sizeof line, "budget %s/day %s %s", a, bar, pct);
        pane_text(p, c, 5, 1, p->w - 2,
                  t->budget_used >= 1.5 ? ROLE_BAD : t->budget_used >= 1.2 ? ROLE_WARN : ROLE_NORMAL,
                  line);
    }
    pane_text(p, c, p->h - 2, 1, p->w - 2, ROLE_DIM, "its models are in the Models pane; Esc: back");
}

static void tenants_draw(struct pane *p, const struct tui_ctx *c)
{
    if (c->drill == DRILL_TENANT) {
        draw_drilled(p, c);
        return;
    }
    int n;
    const struct view_tenant **rows = rows_of(p, c, &n);
    char title[160];
    snprintf(title, sizeof title, "Tenants%s%s%s", c->filter && *c->filter ? "  filter: " : "",
             c->filter ? c->filter : "", c->drill == DRILL_MODEL ? "  (of this model)" : "");
    pane_frame(p, c, title);
    struct pane_table t;
    pane_table_layout(&t, cols, C_COUNT, prio, (int)(sizeof prio / sizeof *prio), p->w - 2);
    pane_table_header(p, c, 1, &t, cols, sort_cycle[p->sort], p->reverse);
    int visible = p->h - 3;
    /* keep the cursor on the same tenant as the numbers move */
    for (int i = 0; i < n && p->selected[0][0]; i++)
        if (strcmp(rows[i]->tenant, p->selected[0] + 1) == 0)
            p->sel = i;
    pane_clamp(p, n, visible);
    if (n == 0)
        pane_text(p, c, 2, 1, p->w - 2, ROLE_DIM,
                  c->filter && *c->filter ? "no tenant matches the filter" : "no usage yet");
    for (int r = 0; r < visible && p->top + r < n; r++) {
        const struct view_tenant *tn = rows[p->top + r];
        char cells[C_COUNT][64];
        int roles[C_COUNT] = {0};
        snprintf(cells[C_NAME], 64, "%s", tn->tenant[0] ? tn->tenant : "(unattributed)");
        roles[C_NAME] = tn->tenant[0] ? ROLE_NORMAL : ROLE_DIM;
        fmt_usd(cells[C_BURN], 64, tn->burn_usd_per_hour);
        fmt_usd(cells[C_WINDOW], 64, tn->window_usd);
        fmt_usd(cells[C_BASE], 64, tn->baseline_usd);
        roles[C_BASE] = ROLE_DIM;
        fmt_ratio(cells[C_RATIO], 64, tn->ratio);
        roles[C_RATIO] = isfinite(tn->ratio) && tn->ratio > c->facts->limits.factor ? ROLE_BAD : ROLE_NORMAL;
        fmt_usd(cells[C_TODAY], 64, tn->today_usd);
        if (isfinite(tn->budget_used)) {
            char bar[40], pct[16];
            widget_bar(tn->budget_used, 5, c->theme->ascii, bar, sizeof bar);
            fmt_pct(pct, sizeof pct, tn->budget_used);
            snprintf(cells[C_BUDGET], 64, "%s %s", bar, pct);
            roles[C_BUDGET] = tn->budget_used >= 1.5 ? ROLE_BAD
                              : tn->budget_used >= 1.2 ? ROLE_WARN : ROLE_NORMAL;
        } else {
            snprintf(cells[C_BUDGET], 64, "-");
        }
        bool sel = c->focused && p->top + r == p->sel;
        pane_table_row(p, c, 2 + r, &t, cells, roles, sel);
    }
    if (n > 0 && p->sel < n)
        snprintf(p->selected[0], sizeof p->selected[0], "=%s", rows[p->sel]->tenant);
    free(rows);
}

static enum pane_action tenants_key(struct pane *p, int ch, const struct tui_ctx *c)
{
    if (c->drill == DRILL_TENANT)
        return PANE_IGNORED;
    int n;
    const struct view_tenant **rows = rows_of(p, c, &n);
    enum pane_action a = pane_table_key(p, ch, n, (int)(sizeof sort_cycle / sizeof *sort_cycle));
    if (n > 0 && p->sel < n && p->sel >= 0)
        snprintf(p->selected[0], sizeof p->selected[0], "=%s", rows[p->sel]->tenant);
    free(rows);
    return a;
}

const struct pane_ops pane_tenants = {
    .title = "Tenants",
    .focusable = true,
    .draw = tenants_draw,
    .key = tenants_key,
};
