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
    /* " title " from column 2, its corner at w - 1 left standing */
    char t[SANITIZE_MAX];
    sanitize_text_ex(title, t, sizeof t, p->w - 5, c->theme->ascii);
    wattron(p->win, c->theme->attr[role]);
    mvwaddstr(p->win, 0, 2, " ");
    waddstr(p->win, t);
    waddstr(p->win, " ");
    wattroff(p->win, c->theme->attr[role]);
}

int pane_text(struct pane *p, const struct tui_ctx *c, int y, int x, int cols,
              int role, const char *text)
{
    if (cols <= 0 || y < 0 || y >= p->h)
        return 0;
    char t[SANITIZE_MAX];
    int used = sanitize_text_ex(text, t, sizeof t, cols, c->theme->ascii);
    wattron(p->win, c->theme->attr[role]);
    mvwaddstr(p->win, y, x, t);
    wattroff(p->win, c->theme->attr[role]);
    return used;
}

void pane_text_right(struct pane *p, const struct tui_ctx *c, int y, int x_end, int cols,
                     int role, const char *text)
{
    char t[SANITIZE_MAX];
    if (cols > x_end)
        cols = x_end;
    if (cols <= 0 || y < 0 || y >= p->h)
        return;
    cols = sanitize_text_ex(text, t, sizeof t, cols, c->theme->ascii);
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

void pane_drilled(struct pane *p, const struct tui_ctx *c, const char *title,
                  bool today, const char *hint)
{
    const struct view_spend *s = &c->view->spend;
    char a[32], b[32], d[32], line[160];
    pane_frame(p, c, title);
    pane_trend(p, c, 1);
    fmt_usd(a, sizeof a, s->window_usd);
    fmt_usd(b, sizeof b, s->baseline_usd);
    fmt_usd(d, sizeof d, s->today_usd);
    snprintf(line, sizeof line, "window %s  base %s%s%s", a, b, today ? "  today " : "",
             today ? d : "");
    pane_text(p, c, 4, 1, p->w - 2, ROLE_NORMAL, line);
    pane_text(p, c, p->h - 2, 1, p->w - 2, ROLE_DIM, hint);
}
