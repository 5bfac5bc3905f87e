/* pane_alerts.c - alerts: firing first (severity, kind, scope, window,
 * value vs baseline, since), then recently resolved, in the order the
 * alerts module gives. A table (table.h) without titles or sorting, each
 * row in the colour of its severity. `a` silences the one under the
 * cursor for its repeat interval. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/format.h"
#include "tui/pane.h"
#include "tui/table.h"

static bool firing(const struct view_alert *a)
{
    return strcmp(a->state, "firing") == 0;
}

static bool critical(const struct view_alert *a)
{
    return strcmp(a->severity, "critical") == 0;
}

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

static int state_cell(const void *row, const struct tui_ctx *c, char *buf, size_t len)
{
    const struct view_alert *a = row;
    (void)c;
    snprintf(buf, len, "%s", !firing(a) ? "ok" : critical(a) ? "CRIT" : "WARN");
    return ROLE_NORMAL;
}

static int scope_cell(const void *row, const struct tui_ctx *c, char *buf, size_t len)
{
    (void)c;
    snprintf(buf, len, "%s", ((const struct view_alert *)row)->scope);
    return ROLE_NORMAL;
}

static int window_cell(const void *row, const struct tui_ctx *c, char *buf, size_t len)
{
    (void)c;
    fmt_window(buf, len, ((const struct view_alert *)row)->window);
    return ROLE_NORMAL;
}

/* "$43.45 vs $9.61 (4.52x)  since 12m", or against the threshold where
 * there is no baseline (a distance, an age); "[silenced]  " before it. */
static int detail_cell(const void *row, const struct tui_ctx *c, char *buf, size_t len)
{
    const struct view_alert *a = row;
    bool on = firing(a);
    char val[32], base[32], since[48], versus[160];
    show_value(val, sizeof val, a->kind, a->value);
    fmt_duration(since, sizeof since, c->now - (on ? a->started_at : a->resolved_at));
    if (isfinite(a->baseline)) {
        char ratio[32];
        show_value(base, sizeof base, a->kind, a->baseline);
        fmt_ratio(ratio, sizeof ratio, a->ratio);
        snprintf(versus, sizeof versus, "%s vs %s (%s)", val, base, ratio);
    } else {
        show_value(base, sizeof base, a->kind, a->threshold);
        snprintf(versus, sizeof versus, "%s (threshold %s)", val, base);
    }
    /* silenced first: at 80 columns the end of the detail is cut */
    snprintf(buf, len, "%s%s  %s %s", a->silenced ? "[silenced]  " : "", versus,
             on ? "since" : "resolved", since);
    return ROLE_NORMAL;
}

/* Columns as wide as the widest usual value; a longer one pushes the
 * rest of its row right (table.h). */
static const struct table_col cols[] = {
    {"STATE", 4, TABLE_TEXT, 0, ROLE_NORMAL, state_cell, .left = true},
    {"KIND", 14, TABLE_TEXT, offsetof(struct view_alert, kind), ROLE_NORMAL, NULL, .left = true},
    /* a scope pushes the rest right, but leaves the window and the value */
    {"SCOPE", 24, TABLE_TEXT, 0, ROLE_NORMAL, scope_cell, .left = true, .keep = 20},
    {"WINDOW", 5, TABLE_TEXT, 0, ROLE_NORMAL, window_cell, .left = true},
    {"DETAIL", 0, TABLE_TEXT, 0, ROLE_NORMAL, detail_cell, .left = true, .flex = true},
};

static const char *name(const void *row)
{
    return ((const struct view_alert *)row)->id;
}

static void pick(const void *row, struct pane_pick *out)
{
    snprintf(out->a, sizeof out->a, "%s", name(row));
    out->b[0] = '\0';
}

/* Resolved and silenced alerts step back; firing ones by severity. */
static int row_role(const void *row, const struct tui_ctx *c)
{
    const struct view_alert *a = row;
    (void)c;
    if (!firing(a) || a->silenced)
        return ROLE_DIM;
    return critical(a) ? ROLE_BAD : ROLE_WARN;
}

static void title(const struct tui_ctx *c, char *buf, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < c->view->nalerts; i++)
        n += firing(&c->view->alerts[i]);
    snprintf(buf, len, "Alerts  %zu firing", n);
}

static const char *empty(const struct tui_ctx *c)
{
    return c->view->baseline_days ? "no alerts" : "no alerts (learning: less than a day of history)";
}

static const struct table_spec table = {
    .cols = cols,
    .ncols = (int)(sizeof cols / sizeof *cols),
    .header = false,
    .rows = offsetof(struct view, alerts),
    .nrows = offsetof(struct view, nalerts),
    .row_size = sizeof(struct view_alert),
    .name = name,
    .pick = pick,
    .row_role = row_role,
    .title = title,
    .empty = empty,
};

static void alerts_draw(struct pane *p, const struct tui_ctx *c)
{
    table_draw(p, c, &table);
}

static enum pane_action alerts_key(struct pane *p, int ch, const struct tui_ctx *c)
{
    enum pane_action a = table_key(p, ch, c, &table);
    if (a == PANE_IGNORED && ch == 'a' && p->picked)
        return PANE_SILENCE;
    return a;
}

const struct pane_ops pane_alerts = {
    .title = "Alerts",
    .focusable = true,
    .drill = DRILL_NONE,
    .draw = alerts_draw,
    .key = alerts_key,
};
