/* pane_models.c - the model mix: each model's share of spend now against
 * its baseline share, spend, requests, and the mix distance; unpriced
 * models marked. A table (table.h). Drilled into a model, it shows that
 * model's 7-day trend. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include "core/format.h"
#include "tui/pane.h"
#include "tui/table.h"

/* A share up by the alert rule's mix shift is bad. */
static int share_cell(const void *row, const struct tui_ctx *c, char *buf, size_t len)
{
    const struct view_model *m = row;
    fmt_pct(buf, len, m->share);
    bool shifted = isfinite(m->share) && isfinite(m->baseline_share) &&
                   m->share - m->baseline_share >= c->facts->limits.mix_shift;
    return shifted ? ROLE_BAD : ROLE_NORMAL;
}

static int window_cell(const void *row, const struct tui_ctx *c, char *buf, size_t len)
{
    const struct view_model *m = row;
    (void)c;
    if (m->price == PRICE_NONE) {
        snprintf(buf, len, "unpriced");
        return ROLE_WARN;
    }
    char usd[32];
    fmt_usd(usd, sizeof usd, m->window_usd);
    /* '~': a cache price was missing and the input price stood in */
    snprintf(buf, len, "%s%s", m->price == PRICE_PARTIAL ? "~" : "", usd);
    return ROLE_NORMAL;
}

#define AT(field) offsetof(struct view_model, field)

static const struct table_col cols[] = {
    {"MODEL", 12, TABLE_TEXT, AT(model), ROLE_NORMAL, NULL, .left = true, .flex = true, .sort = 5},
    {"SHARE", 7, TABLE_PCT, AT(share), ROLE_NORMAL, share_cell, .prio = 1, .sort = 2},
    {"BASE", 7, TABLE_PCT, AT(baseline_share), ROLE_DIM, NULL, .prio = 2, .sort = 3},
    {"WINDOW", 9, TABLE_USD, AT(window_usd), ROLE_NORMAL, window_cell, .prio = 3, .sort = 1},
    {"REQ", 6, TABLE_COUNT, AT(requests), ROLE_NORMAL, NULL, .prio = 4, .sort = 4},
};

static const char *name(const void *row)
{
    return ((const struct view_model *)row)->model;
}

static bool match(const void *row, const char *filter)
{
    const struct view_model *m = row;
    return table_matches(m->model, filter) || table_matches(m->provider, filter);
}

static void pick(const void *row, struct pane_pick *out)
{
    const struct view_model *m = row;
    snprintf(out->a, sizeof out->a, "%s", m->provider);
    snprintf(out->b, sizeof out->b, "%s", m->model);
}

static void title(const struct tui_ctx *c, char *buf, size_t len)
{
    char mix[16];
    fmt_pct(mix, sizeof mix, c->view->mix_distance);
    snprintf(buf, len, "Models  mix %s%s%s", mix, c->filter && *c->filter ? "  filter: " : "",
             c->filter ? c->filter : "");
}

static const char *empty(const struct tui_ctx *c)
{
    return c->filter && *c->filter ? "no model matches the filter" : "no usage yet";
}

static const struct table_spec table = {
    .cols = cols,
    .ncols = (int)(sizeof cols / sizeof *cols),
    .header = true,
    .rows = offsetof(struct view, models),
    .nrows = offsetof(struct view, nmodels),
    .row_size = sizeof(struct view_model),
    .name = name,
    .match = match,
    .pick = pick,
    .title = title,
    .empty = empty,
};

static void models_draw(struct pane *p, const struct tui_ctx *c)
{
    if (c->drill != DRILL_MODEL) {
        table_draw(p, c, &table);
        return;
    }
    char t[400];
    snprintf(t, sizeof t, "Model %s/%s", c->drill_provider, c->drill_model);
    pane_drilled(p, c, t, false, "its tenants: Tenants pane; Esc: back");
}

static enum pane_action models_key(struct pane *p, int ch, const struct tui_ctx *c)
{
    if (c->drill == DRILL_MODEL)
        return PANE_IGNORED;
    return table_key(p, ch, c, &table);
}

const struct pane_ops pane_models = {
    .title = "Models",
    .focusable = true,
    .drill = DRILL_MODEL,
    .draw = models_draw,
    .key = models_key,
};
