/* table.c - the table pane (see table.h). */
#include "tui/table.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/format.h"
#include "lib/xalloc.h"

#define TABLE_MAX_COLS 12
#define CELL_MAX 256

/* One row as sorted: its key for the sort column copied beside it, so
 * that the comparator needs no state of its own (qsort has no context
 * argument; a file-static "current column" would be shared by every
 * table). */
struct entry {
    double key;
    const char *name;
    const void *row;
};

/* Which columns a width shows, in display order, and how wide each is. */
struct layout {
    int col[TABLE_MAX_COLS];
    int width[TABLE_MAX_COLS];
    int n;
};

bool table_matches(const char *text, const char *filter)
{
    if (!filter || !*filter)
        return true;
    size_t fl = strlen(filter);
    for (const char *s = text; *s; s++) {
        size_t i = 0;
        while (i < fl && s[i] && tolower((unsigned char)s[i]) == tolower((unsigned char)filter[i]))
            i++;
        if (i == fl)
            return true;
    }
    return false;
}

/* ---- columns ------------------------------------------------------------------- */

/* The number a column holds for a row (NAN for text). */
static double col_value(const struct table_col *col, const void *row)
{
    const char *at = (const char *)row + col->offset;
    switch (col->kind) {
    case TABLE_COUNT: {
        int64_t n;
        memcpy(&n, at, sizeof n);
        return (double)n;
    }
    case TABLE_USD: case TABLE_PCT: case TABLE_RATIO: {
        double v;
        memcpy(&v, at, sizeof v);
        return v;
    }
    default:
        return NAN;
    }
}

/* A cell's text into buf; returns its role. */
static int col_cell(const struct table_col *col, const void *row, const struct tui_ctx *c,
                    char *buf, size_t len)
{
    if (col->cell)
        return col->cell(row, c, buf, len);
    double v = col_value(col, row);
    switch (col->kind) {
    case TABLE_USD: fmt_usd(buf, len, v); break;
    case TABLE_PCT: fmt_pct(buf, len, v); break;
    case TABLE_RATIO: fmt_ratio(buf, len, v); break;
    case TABLE_COUNT: fmt_count(buf, len, (int64_t)v); break;
    default: {
        const char *s;
        memcpy(&s, (const char *)row + col->offset, sizeof s);
        snprintf(buf, len, "%s", s ? s : "");
        break;
    }
    }
    return col->role;
}

/* The columns of the `s` cycle. */
static int sort_count(const struct table_spec *t)
{
    int n = 0;
    for (int i = 0; i < t->ncols; i++)
        n += t->cols[i].sort > 0;
    return n;
}

/* The column at place k of the `s` cycle (-1: none). */
static int sort_column(const struct table_spec *t, int k)
{
    for (int i = 0; i < t->ncols; i++)
        if (t->cols[i].sort == k + 1)
            return i;
    return -1;
}

/* What fits in `inner` columns: every prio 0 column, then the others in
 * priority order while they fit; the flexible column takes the rest. */
static void layout_of(struct layout *l, const struct table_spec *t, int inner)
{
    bool on[TABLE_MAX_COLS] = {false};
    int used = -1, ncols = t->ncols < TABLE_MAX_COLS ? t->ncols : TABLE_MAX_COLS;
    for (int i = 0; i < ncols; i++)
        if (t->cols[i].prio == 0) {
            on[i] = true;
            used += 1 + t->cols[i].width;
        }
    for (int prio = 1; prio <= ncols; prio++)
        for (int i = 0; i < ncols; i++)
            if (t->cols[i].prio == prio && used + 1 + t->cols[i].width <= inner) {
                on[i] = true;
                used += 1 + t->cols[i].width;
            }
    l->n = 0;
    for (int i = 0; i < ncols; i++) {
        if (!on[i])
            continue;
        l->col[l->n] = i;
        l->width[l->n] = t->cols[i].width + (t->cols[i].flex ? inner - used : 0);
        l->n++;
    }
}

/* Whether the layout shows column col. */
static bool layout_shows(const struct layout *l, int col)
{
    for (int i = 0; i < l->n; i++)
        if (l->col[i] == col)
            return true;
    return false;
}

/* One cell at x on row y; returns where the next one starts. With fill,
 * a left-aligned cell's padding and the gap after it take its role too:
 * a row in one role is one unbroken line (underlined whole where colour
 * is off). */
static int put_cell(struct pane *p, const struct tui_ctx *c, const struct table_col *col,
                    int width, int x, int y, int role, const char *text, bool fill)
{
    int edge = p->w - 1;
    if (x >= edge)
        return x;
    if (!col->left) {
        /* cut to its width: spilt left, "22.0% ~Fri 15:32" ran into the
         * column before it ("$2.2022.0%") */
        int end = x + width < edge ? x + width : edge;
        pane_text_right(p, c, y, end, end - x, role, text);
        return x + width + 1;
    }
    if (col->flex) {
        pane_text(p, c, y, x, width < edge - x ? width : edge - x, role, text);
        return x + width + 1;
    }
    int most = edge - x - col->keep;
    if (most < width)
        most = width;
    int used = pane_text(p, c, y, x, most < edge - x ? most : edge - x, role, text);
    int next = x + (used > width ? used : width) + 1;
    if (fill && x + used < edge) {
        wattron(p->win, c->theme->attr[role]);
        mvwhline(p->win, y, x + used, ' ', (next < edge ? next : edge) - (x + used));
        wattroff(p->win, c->theme->attr[role]);
    }
    return next;
}

/* ---- rows ----------------------------------------------------------------------- */

static int entry_cmp(const void *x, const void *y)
{
    const struct entry *a = x, *b = y;
    /* bigger first, unknown last; ties (and text columns) by name */
    if (a->key != b->key)
        return a->key < b->key ? 1 : -1;
    return strcmp(a->name, b->name);
}

/* The view's array of this table's rows; *n of them. */
static const char *view_rows(const struct table_spec *t, const struct view *v, size_t *n)
{
    const void *base;
    memcpy(&base, (const char *)v + t->rows, sizeof base);
    memcpy(n, (const char *)v + t->nrows, sizeof *n);
    return base;
}

/* The rows shown, filtered and in the pane's sort; *n of them. The caller
 * frees. */
static struct entry *rows_of(const struct pane *p, const struct tui_ctx *c,
                             const struct table_spec *t, int *n)
{
    size_t total;
    const char *base = view_rows(t, c->view, &total);
    struct entry *e = xcalloc(total ? total : 1, sizeof *e);
    int sc = sort_column(t, p->sort);
    const struct table_col *col = sc >= 0 ? &t->cols[sc] : NULL;
    bool filtered = t->match && c->filter && *c->filter;
    *n = 0;
    for (size_t i = 0; i < total; i++) {
        const void *row = base + i * t->row_size;
        if (filtered && !t->match(row, c->filter))
            continue;
        double k = col ? col_value(col, row) : 0;
        e[*n] = (struct entry){isnan(k) ? -INFINITY : k, t->name(row), row};
        (*n)++;
    }
    if (!col)
        return e; /* no sort columns: the view's order */
    qsort(e, (size_t)*n, sizeof *e, entry_cmp);
    /* reversed, the unknown (n/a) stay last: what is known is what the
     * order is of, and a screen of n/a rows on top hid it */
    int known = *n;
    if (col->kind != TABLE_TEXT)
        while (known > 0 && e[known - 1].key == -INFINITY)
            known--;
    for (int i = 0, j = known - 1; p->reverse && i < j; i++, j--) {
        struct entry tmp = e[i];
        e[i] = e[j];
        e[j] = tmp;
    }
    return e;
}

/* Keep the cursor on the row it was on, wherever that row is now. */
static void follow_pick(struct pane *p, const struct table_spec *t, const struct entry *e, int n)
{
    if (!p->picked)
        return;
    for (int i = 0; i < n; i++) {
        struct pane_pick k;
        t->pick(e[i].row, &k);
        if (strcmp(k.a, p->pick.a) == 0 && strcmp(k.b, p->pick.b) == 0) {
            p->sel = i;
            return;
        }
    }
}

/* Remember the row under the cursor (none: picked is false). */
static void set_pick(struct pane *p, const struct table_spec *t, const struct entry *e, int n)
{
    p->picked = n > 0 && p->sel >= 0 && p->sel < n;
    if (p->picked)
        t->pick(e[p->sel].row, &p->pick);
}

/* ---- drawing ---------------------------------------------------------------------- */

static void draw_header(struct pane *p, const struct tui_ctx *c, const struct table_spec *t,
                        const struct layout *l, int y)
{
    int sorted = sort_column(t, p->sort);
    const char *mark = c->theme->ascii ? (p->reverse ? "+" : "-")
                                       : (p->reverse ? "\xe2\x96\xb2" : "\xe2\x96\xbc");
    int x = 1;
    for (int i = 0; i < l->n; i++) {
        const struct table_col *col = &t->cols[l->col[i]];
        char title[64];
        snprintf(title, sizeof title, "%s%s", col->title, l->col[i] == sorted ? mark : "");
        x = put_cell(p, c, col, l->width[i], x, y, ROLE_DIM, title, false);
    }
}

static void draw_row(struct pane *p, const struct tui_ctx *c, const struct table_spec *t,
                     const struct layout *l, int y, const void *row, bool selected)
{
    if (selected) {
        wattron(p->win, c->theme->attr[ROLE_SELECTED]);
        mvwhline(p->win, y, 1, ' ', p->w - 2);
        wattroff(p->win, c->theme->attr[ROLE_SELECTED]);
    }
    int row_role = t->row_role ? t->row_role(row, c) : -1;
    int x = 1;
    for (int i = 0; i < l->n; i++) {
        const struct table_col *col = &t->cols[l->col[i]];
        char text[CELL_MAX];
        int role = col_cell(col, row, c, text, sizeof text);
        if (selected)
            role = ROLE_SELECTED;
        else if (row_role >= 0)
            role = row_role;
        x = put_cell(p, c, col, l->width[i], x, y, role, text, row_role >= 0);
    }
}

void table_draw(struct pane *p, const struct tui_ctx *c, const struct table_spec *t)
{
    char title[200];
    t->title(c, title, sizeof title);
    pane_frame(p, c, title);
    int n;
    struct entry *e = rows_of(p, c, t, &n);
    struct layout l;
    layout_of(&l, t, p->w - 2);
    int y0 = 1;
    if (t->header)
        draw_header(p, c, t, &l, y0++);
    int visible = p->h - 1 - y0;
    follow_pick(p, t, e, n);
    pane_clamp(p, n, visible);
    if (n == 0)
        pane_text(p, c, y0, 1, p->w - 2, ROLE_DIM, t->empty(c));
    for (int r = 0; r < visible && p->top + r < n; r++)
        draw_row(p, c, t, &l, y0 + r, e[p->top + r].row, c->focused && p->top + r == p->sel);
    set_pick(p, t, e, n);
    free(e);
}

enum pane_action table_key(struct pane *p, int ch, const struct tui_ctx *c,
                           const struct table_spec *t)
{
    int n;
    struct entry *e = rows_of(p, c, t, &n);
    /* from the row the cursor is on, wherever the view now has it (a key
     * can come before the frame that drew a new view) */
    follow_pick(p, t, e, n);
    int nsort = sort_count(t);
    enum pane_action a = PANE_IGNORED;
    if (pane_scroll_key(p, ch, n, p->h - (t->header ? 3 : 2)))
        a = PANE_HANDLED;
    else if (ch == 's' && nsort > 0) {
        /* the next column on screen: by one the width left out, the rows
         * were in an order nothing shown explains, and no title marked */
        struct layout l;
        layout_of(&l, t, p->w - 2);
        for (int k = 0; k < nsort; k++) {
            p->sort = (p->sort + 1) % nsort;
            if (layout_shows(&l, sort_column(t, p->sort)))
                break;
        }
        a = PANE_HANDLED;
    } else if (ch == 'r' && nsort > 0) {
        p->reverse = !p->reverse;
        a = PANE_HANDLED;
    } else if ((ch == '\n' || ch == '\r' || ch == KEY_ENTER) && n > 0 &&
               p->ops->drill != DRILL_NONE)
        a = PANE_DRILL;
    set_pick(p, t, e, n);
    free(e);
    return a;
}
