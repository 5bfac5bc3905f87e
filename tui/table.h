/* table.h - the table pane: rows of one kind, described by columns.
 *
 * In the manner of htop's field tables (one entry per column: its title,
 * its width, how it prints, how it sorts), the Tenants, Models and Alerts
 * panes are each one const struct table_spec and a few small functions.
 * What every table does is here, once: the frame and the column titles,
 * columns dropped in priority order on a narrow terminal, sorting (`s`
 * the next column, `r` reverse), the live filter, scrolling, and the
 * cursor that stays on its row (a tenant, a model, an alert) while the
 * numbers move and the rows reorder.
 *
 * A table keeps its state in its struct pane (sel, top, sort, reverse,
 * pick); nothing is file-static, so two instances never share a sort.
 */
#ifndef SPENDTOP_TABLE_H
#define SPENDTOP_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/pane.h"

/* How a column's value prints (core/format.h, short width) and sorts. */
enum table_kind {
    TABLE_TEXT,     /* a const char *; sorts by the row's name */
    TABLE_USD,      /* a double */
    TABLE_PCT,      /* a double, a fraction */
    TABLE_RATIO,    /* a double */
    TABLE_COUNT,    /* an int64_t */
};

struct table_col {
    const char *title;
    int width;                  /* columns (the flexible one: at least) */
    enum table_kind kind;
    size_t offset;              /* of the value in the row (offsetof) */
    int role;                   /* theme role of the cell */
    /* Text other than the kind's (a bar, "unpriced", a colour by a
     * threshold): into buf, returning the role. The value at offset still
     * sorts. NULL: the kind's format and `role`. */
    int (*cell)(const void *row, const struct tui_ctx *c, char *buf, size_t len);
    /* Left-aligned text and at least `width` wide: a longer value pushes
     * the rest of its row right, as printf's %-14s does (an alert's scope
     * is the point of its row; cut, it would hide which model). Otherwise
     * right-aligned in `width` (numbers). */
    bool left;
    /* Left and not flex: a longer value pushes the rest right only while
     * this many columns of the row are left after it; cut there (a
     * 128-byte tenant in an alert's scope pushed its window and figures
     * off the row). 0: to the pane's edge. */
    int keep;
    bool flex;                  /* takes the width the shown columns leave; cut to it */
    int prio;                   /* 0 always shown; 1, 2, ...: kept in this order while they fit */
    int sort;                   /* 1, 2, ...: its place in the `s` cycle (1 the first); 0: none */
};

struct table_spec {
    const struct table_col *cols;
    int ncols;
    bool header;                /* a row of column titles under the frame */
    /* The rows: an array in struct view (offsetof its pointer and of its
     * count), of row_size each, in the view's order. */
    size_t rows, nrows, row_size;
    /* What ties in a sort are broken by, and what TABLE_TEXT sorts by. */
    const char *(*name)(const void *row);
    /* Does the row match the filter (table_matches on its names)? NULL:
     * the table is not filtered. */
    bool (*match)(const void *row, const char *filter);
    /* What the cursor is on, for pane.pick. */
    void (*pick)(const void *row, struct pane_pick *out);
    /* Every cell of a row in one role (alerts by severity); NULL: each
     * column's. */
    int (*row_role)(const void *row, const struct tui_ctx *c);
    void (*title)(const struct tui_ctx *c, char *buf, size_t len);
    /* What an empty table says ("no usage yet"). */
    const char *(*empty)(const struct tui_ctx *c);
};

/* The whole pane: frame, titles, rows; pane.pick is the row under the
 * cursor afterwards (picked false when there is none). */
void table_draw(struct pane *p, const struct tui_ctx *c, const struct table_spec *t);
/* The keys every table takes: move and scroll; with sort columns `s` and
 * `r`; Enter drills (PANE_DRILL) where the pane's ops say what into.
 * pane.pick follows the cursor. */
enum pane_action table_key(struct pane *p, int ch, const struct tui_ctx *c,
                           const struct table_spec *t);
/* Case-insensitive substring: the filter. An empty filter matches. */
bool table_matches(const char *text, const char *filter);

#endif
