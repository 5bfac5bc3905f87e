/* pane.c - helpers shared by the panes (see pane.h). */
#include "tui/pane.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "lib/sanitize.h"
#include "core/format.h"
#include "tui/widgets.h"

void pane_frame(struct pane *p, const struct tui_ctx *c, const char *title)
{
    werase(p->win);
    theme_box(c->theme, p->win);
    int role = c->focused ? ROLE_FOCUS : ROLE_TITLE;
    char t[SANITIZE_MAX];
    sanitize_text_ex(title, t, sizeof t, p->w - 4, c->theme->ascii);
    wattron(p->win, c->theme->attr[role]);
    mvwaddstr(p->win, 0, 2, " ");
    waddstr(p->win, t);
    waddstr(p->win, " ");
    wattroff(p->win, c->theme->attr[role]);
}

void pane_text(struct pane *p, const struct tui_ctx *c, int y, int x, int cols,
               int role, const char *text)
{
    if (cols <= 0 || y < 0 || y >= p->h)
        return;
    char t[SANITIZE_MAX];
    sanitize_text_ex(text, t, sizeof t, cols, c->theme->ascii);
    wattron(p->win, c->theme->attr[role]);
    mvwaddstr(p->win, y, x, t);
    wattroff(p->win, c->theme->attr[role]);
}

void pane_text_right(struct pane *p, const struct tui_ctx *c, int y, int x_end,
                     int role, const char *text)
{
    char t[SANITIZE_MAX];
    int cols = sanitize_text_ex(text, t, sizeof t, x_end, c->theme->ascii);
    if (y < 0 || y >= p->h)
        return;
    wattron(p->win, c->theme->attr[role]);
    mvwaddstr(p->win, y, x_end - cols, t);
    wattroff(p->win, c->theme->attr[role]);
}

void pane_clamp(struct pane *p, int n, int visible)
{
    if (p->sel >= n)
        p->sel = n - 1;
    if (p->sel < 0)
        p->sel = 0;
    if (visible < 1)
        visible = 1;
    if (p->top > p->sel)
        p->top = p->sel;
    if (p->sel >= p->top + visible)
        p->top = p->sel - visible + 1;
    if (p->top > n - visible)
        p->top = n - visible;
    if (p->top < 0)
        p->top = 0;
}

bool pane_scroll_key(struct pane *p, int ch, int n, int visible)
{
    switch (ch) {
    case KEY_UP: case 'k': p->sel--; break;
    case KEY_DOWN: case 'j': p->sel++; break;
    case KEY_PPAGE: p->sel -= visible; break;
    case KEY_NPAGE: p->sel += visible; break;
    case KEY_HOME: case 'g': p->sel = 0; break;
    case KEY_END: case 'G': p->sel = n - 1; break;
    default: return false;
    }
    pane_clamp(p, n, visible);
    return true;
}

bool pane_matches(const char *text, const char *filter)
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

void pane_trend(struct pane *p, const struct tui_ctx *c, int y)
{
    const struct view *v = c->view;
    int inner = p->w - 2;
    if (!v->has_sparklines || inner < 8)
        return;
    /* 168 hours into the width: each cell sums `per` hours, newest last */
    int per = (VIEW_WEEK_HOURS + inner - 1) / inner;
    int cells = VIEW_WEEK_HOURS / per;
    double sums[VIEW_WEEK_HOURS], max = 0;
    for (int k = 0; k < cells; k++) {
        sums[k] = 0;
        for (int h = 0; h < per; h++)
            sums[k] += v->week_usd[VIEW_WEEK_HOURS - (cells - k) * per + h];
        if (sums[k] > max)
            max = sums[k];
    }
    for (int k = 0; k < cells; k++)
        pane_text(p, c, y, 1 + k, 1, ROLE_GOOD, widget_spark_glyph(sums[k], max, c->theme->ascii));
    char m[32], line[96];
    fmt_usd(m, sizeof m, max);
    snprintf(line, sizeof line, "7 days, %d h per cell, peak %s", per, m);
    pane_text(p, c, y + 1, 1, inner, ROLE_DIM, line);
}

void pane_table_layout(struct pane_table *t, const struct pane_col *cols, int ncols,
                       const int *prio, int nprio, int inner)
{
    bool on[PANE_MAX_COLS] = {false};
    int used = cols[0].width;
    for (int i = 0; i < nprio; i++) {
        int c = prio[i];
        if (used + 1 + cols[c].width <= inner) {
            on[c] = true;
            used += 1 + cols[c].width;
        }
    }
    t->n = 0;
    for (int c = 0; c < ncols && c < PANE_MAX_COLS; c++) {
        if (c != 0 && !on[c])
            continue;
        t->shown[t->n] = c;
        t->width[t->n] = c == 0 ? cols[0].width + (inner - used) : cols[c].width;
        t->n++;
    }
}

void pane_table_header(struct pane *p, const struct tui_ctx *c, int y,
                       const struct pane_table *t, const struct pane_col *cols,
                       int sort, bool reverse)
{
    int x = 1;
    for (int i = 0; i < t->n; i++) {
        int col = t->shown[i];
        char title[64];
        const char *mark = col != sort ? ""
                           : c->theme->ascii ? (reverse ? "+" : "-")
                                             : (reverse ? "\xe2\x96\xb2" : "\xe2\x96\xbc");
        snprintf(title, sizeof title, "%s%s", cols[col].title, mark);
        if (col == 0)
            pane_text(p, c, y, x, t->width[i], ROLE_DIM, title);
        else
            pane_text_right(p, c, y, x + t->width[i], ROLE_DIM, title);
        x += t->width[i] + 1;
    }
}

void pane_table_row(struct pane *p, const struct tui_ctx *c, int y,
                    const struct pane_table *t, char cells[][64], const int *roles,
                    bool selected)
{
    if (selected) {
        wattron(p->win, c->theme->attr[ROLE_SELECTED]);
        mvwhline(p->win, y, 1, ' ', p->w - 2);
        wattroff(p->win, c->theme->attr[ROLE_SELECTED]);
    }
    int x = 1;
    for (int i = 0; i < t->n; i++) {
        int col = t->shown[i];
        int role = selected ? ROLE_SELECTED : roles[col];
        if (col == 0)
            pane_text(p, c, y, x, t->width[i], role, cells[col]);
        else
            pane_text_right(p, c, y, x + t->width[i], role, cells[col]);
        x += t->width[i] + 1;
    }
}

enum pane_action pane_table_key(struct pane *p, int ch, int nrows, int nsort)
{
    if (pane_scroll_key(p, ch, nrows, p->h - 3))
        return PANE_HANDLED;
    if (ch == 's') {
        p->sort = (p->sort + 1) % nsort;
        return PANE_HANDLED;
    }
    if (ch == 'r') {
        p->reverse = !p->reverse;
        return PANE_HANDLED;
    }
    if ((ch == '\n' || ch == '\r' || ch == KEY_ENTER) && nrows > 0)
        return PANE_DRILL;
    return PANE_IGNORED;
}
