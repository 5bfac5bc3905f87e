/* pane_tenants.c - per-tenant burn: burn $/h, window $, baseline, ratio,
 * today, budget use. A table (table.h): sortable by any column,
 * filterable, scrollable; the unattributed spend is a row of its own.
 * Drilled into a tenant, it shows that tenant's 7-day trend. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/format.h"
#include "tui/pane.h"
#include "tui/table.h"
#include "tui/widgets.h"

#define UNATTRIBUTED "(unattributed)"

static const char *display_name(const struct view_tenant *t)
{
    return t->tenant[0] ? t->tenant : UNATTRIBUTED;
}

/* A budget's use: reached, bad; heading past it this period, a warning. */
static int budget_role(const struct view_budget_period *b)
{
    return b->used >= 1 ? ROLE_BAD : b->forecast_at > 0 ? ROLE_WARN : ROLE_NORMAL;
}

/* Tenant's budget i of v (from *i on), or NULL: "tenant:NAME" scopes. */
static const struct view_budget_period *next_budget(const struct view *v, const char *tenant,
                                                    size_t *i)
{
    for (; *i < v->nbudgets; (*i)++) {
        const char *s = v->budgets[*i].scope;
        if (strncmp(s, "tenant:", 7) == 0 && strcmp(s + 7, tenant) == 0)
            return &v->budgets[(*i)++];
    }
    return NULL;
}

/* The tenant's budget nearest its amount (the most used). */
static const struct view_budget_period *tightest(const struct view *v, const char *tenant)
{
    const struct view_budget_period *best = NULL, *b;
    for (size_t i = 0; (b = next_budget(v, tenant, &i));)
        if (!best || (isfinite(b->used) && !(b->used <= best->used)))
            best = b;
    return best;
}

static int name_cell(const void *row, const struct tui_ctx *c, char *buf, size_t len)
{
    const struct view_tenant *t = row;
    (void)c;
    snprintf(buf, len, "%s", display_name(t));
    return t->tenant[0] ? ROLE_NORMAL : ROLE_DIM;
}

static int ratio_cell(const void *row, const struct tui_ctx *c, char *buf, size_t len)
{
    const struct view_tenant *t = row;
    fmt_ratio(buf, len, t->ratio);
    return isfinite(t->ratio) && t->ratio > c->facts->limits.factor ? ROLE_BAD : ROLE_NORMAL;
}

static int budget_cell(const void *row, const struct tui_ctx *c, char *buf, size_t len)
{
    const struct view_tenant *t = row;
    const struct view_budget_period *b = tightest(c->view, t->tenant);
    if (!b) {
        snprintf(buf, len, "-");
        return ROLE_NORMAL;
    }
    char pct[16], fc[40];
    fmt_pct(pct, sizeof pct, b->used);
    fmt_forecast(fc, sizeof fc, b->used, b->forecast_at, c->view->now);
    /* "crosses ~Tue 14:20" in a column: "~Tue 14:20"; "not this period": nothing */
    if (strncmp(fc, "crosses ", 8) == 0)
        snprintf(buf, len, "%s %s", pct, fc + 8);
    else
        snprintf(buf, len, "%s", pct);
    return budget_role(b);
}

#define AT(field) offsetof(struct view_tenant, field)

/* Shown in this order; on a narrow terminal the higher prio go first;
 * `s` walks the sort numbers. */
static const struct table_col cols[] = {
    {"TENANT", 10, TABLE_TEXT, 0, ROLE_NORMAL, name_cell, .left = true, .flex = true, .sort = 7},
    {"BURN/H", 9, TABLE_USD, AT(burn_usd_per_hour), ROLE_NORMAL, NULL, .prio = 1, .sort = 1},
    {"WINDOW", 9, TABLE_USD, AT(window_usd), ROLE_NORMAL, NULL, .prio = 2, .sort = 2},
    {"BASE", 9, TABLE_USD, AT(baseline_usd), ROLE_DIM, NULL, .prio = 4, .sort = 3},
    {"RATIO", 7, TABLE_RATIO, AT(ratio), ROLE_NORMAL, ratio_cell, .prio = 3, .sort = 4},
    {"TODAY", 9, TABLE_USD, AT(today_usd), ROLE_NORMAL, NULL, .prio = 5, .sort = 5},
    /* "99.9% ~Fri 15:32": the widest with a forecast (used < 1) */
    {"BUDGET", 16, TABLE_PCT, AT(budget_used), ROLE_NORMAL, budget_cell, .prio = 6, .sort = 6},
};

static const char *name(const void *row)
{
    return ((const struct view_tenant *)row)->tenant;
}

static bool match(const void *row, const char *filter)
{
    return table_matches(display_name(row), filter);
}

static void pick(const void *row, struct pane_pick *out)
{
    snprintf(out->a, sizeof out->a, "%s", name(row));
    out->b[0] = '\0';
}

static void title(const struct tui_ctx *c, char *buf, size_t len)
{
    snprintf(buf, len, "Tenants%s%s%s", c->filter && *c->filter ? "  filter: " : "",
             c->filter ? c->filter : "", c->drill == DRILL_MODEL ? "  (of this model)" : "");
}

static const char *empty(const struct tui_ctx *c)
{
    return c->filter && *c->filter ? "no tenant matches the filter" : "no usage yet";
}

static const struct table_spec table = {
    .cols = cols,
    .ncols = (int)(sizeof cols / sizeof *cols),
    .header = true,
    .rows = offsetof(struct view, tenants),
    .nrows = offsetof(struct view, ntenants),
    .row_size = sizeof(struct view_tenant),
    .name = name,
    .match = match,
    .pick = pick,
    .title = title,
    .empty = empty,
};

/* One tenant: its trend, its figures, its budget. */
static void draw_drilled(struct pane *p, const struct tui_ctx *c)
{
    char t[200];
    snprintf(t, sizeof t, "Tenant %s", c->drill_tenant[0] ? c->drill_tenant : UNATTRIBUTED);
    pane_drilled(p, c, t, true, "its models are in the Models pane; Esc: back");
    const struct view_budget_period *b;
    int y = 5;
    for (size_t i = 0; y < p->h - 1 && (b = next_budget(c->view, c->drill_tenant, &i)); y++) {
        char usd[32], bar[64], pct[16], fc[40], line[200];
        fmt_usd(usd, sizeof usd, b->limit_usd);
        fmt_pct(pct, sizeof pct, b->used);
        fmt_forecast(fc, sizeof fc, b->used, b->forecast_at, c->view->now);
        widget_bar(b->used, 10, c->theme->ascii, bar, sizeof bar);
        snprintf(line, sizeof line, "budget %s/%s %s %s  %s", usd, b->period, bar, pct, fc);
        pane_text(p, c, y, 1, p->w - 2, budget_role(b), line);
    }
}

static void tenants_draw(struct pane *p, const struct tui_ctx *c)
{
    if (c->drill == DRILL_TENANT)
        draw_drilled(p, c);
    else
        table_draw(p, c, &table);
}

static enum pane_action tenants_key(struct pane *p, int ch, const struct tui_ctx *c)
{
    if (c->drill == DRILL_TENANT)
        return PANE_IGNORED;
    return table_key(p, ch, c, &table);
}

const struct pane_ops pane_tenants = {
    .title = "Tenants",
    .focusable = true,
    .drill = DRILL_TENANT,
    .draw = tenants_draw,
    .key = tenants_key,
};
