/* pane.h - one region of the dashboard behind one small interface.
 *
 * In the manner of htop's Meter/Panel classes: each pane type is one file
 * that fills one const struct pane_ops; tui.c lays the panes out and routes
 * keys. A pane formats what the view holds; it never computes money.
 */
#ifndef SPENDTOP_PANE_H
#define SPENDTOP_PANE_H

#include <stdbool.h>
#include <stdint.h>
#include <curses.h>

#include "core/view.h"
#include "tui/host.h"
#include "tui/theme.h"

enum tui_drill { DRILL_NONE, DRILL_TENANT, DRILL_MODEL };

/* What every pane may read while drawing. */
struct tui_ctx {
    const struct view *view;
    const struct host_facts *facts;   /* thresholds to colour by, the header's note */
    const struct theme *theme;
    int64_t now;
    bool paused;
    enum tui_drill drill;
    const char *drill_tenant;         /* DRILL_TENANT */
    const char *drill_provider;       /* DRILL_MODEL */
    const char *drill_model;
    const char *filter;               /* live filter of the focused table */
    bool focused;                     /* the pane being drawn has focus */
};

/* What a key did, beyond the pane itself. */
enum pane_action { PANE_IGNORED, PANE_HANDLED, PANE_DRILL, PANE_SILENCE };

struct pane;

struct pane_ops {
    const char *title;
    bool focusable;
    enum tui_drill drill;             /* what Enter on a row drills into */
    void (*draw)(struct pane *p, const struct tui_ctx *c);
    /* A key for the focused pane. PANE_DRILL / PANE_SILENCE ask tui.c to
     * act on the row under the cursor (pane.pick). */
    enum pane_action (*key)(struct pane *p, int ch, const struct tui_ctx *c);
};

/* What a table's cursor is on: a tenant (a); a provider (a) and model
 * (b); an alert id (a). */
struct pane_pick {
    char a[160], b[160];
};

struct pane {
    const struct pane_ops *ops;
    WINDOW *win;
    int h, w;
    /* tables (table.h): cursor, scroll, sort, and what the cursor is on */
    int sel, top;
    int sort;                         /* a place in the `s` cycle */
    bool reverse;
    bool picked;                      /* pick holds a row */
    struct pane_pick pick;
};

extern const struct pane_ops pane_header, pane_spend, pane_cache, pane_reasoning,
    pane_tenants, pane_models, pane_alerts;

/* Helpers for pane implementations. */
void pane_frame(struct pane *p, const struct tui_ctx *c, const char *title);
/* Text into the pane at (y, x), at most cols columns, sanitised.
 * Returns the columns it took. */
int pane_text(struct pane *p, const struct tui_ctx *c, int y, int x, int cols,
              int role, const char *text);
/* The same, right-aligned so it ends at column x_end (exclusive), at most
 * cols columns (cut, never spilling over what is left of it). */
void pane_text_right(struct pane *p, const struct tui_ctx *c, int y, int x_end, int cols,
                     int role, const char *text);
/* Up/down/PgUp/PgDn/g/G/j/k over n rows with `visible` on screen. */
bool pane_scroll_key(struct pane *p, int ch, int n, int visible);
/* Keep the cursor inside n rows and on screen. */
void pane_clamp(struct pane *p, int n, int visible);
/* The drilled scope's 7 days of hourly spend as a sparkline from row y
 * (two rows: the line and its scale). */
void pane_trend(struct pane *p, const struct tui_ctx *c, int y);
/* A pane drilled into one tenant or model: title, the trend, the window
 * against its baseline (and today, with today) on row 4, hint at the
 * bottom. Row 5 is left for the caller. */
void pane_drilled(struct pane *p, const struct tui_ctx *c, const char *title,
                  bool today, const char *hint);

#endif
