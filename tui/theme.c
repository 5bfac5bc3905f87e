/* theme.c - colours and glyph styles (see theme.h). */
#include "tui/theme.h"

void theme_init(struct theme *t, bool color, bool ascii)
{
    t->color = color && has_colors();
    t->ascii = ascii;
    t->attr[ROLE_NORMAL] = A_NORMAL;
    t->attr[ROLE_SELECTED] = A_REVERSE;
    t->attr[ROLE_FOCUS] = A_REVERSE | A_BOLD;
    t->attr[ROLE_HEADER] = A_REVERSE;
    if (!t->color) {
        t->attr[ROLE_TITLE] = A_BOLD;
        t->attr[ROLE_DIM] = A_DIM;
        t->attr[ROLE_GOOD] = A_NORMAL;
        t->attr[ROLE_WARN] = A_BOLD;
        t->attr[ROLE_BAD] = A_BOLD | A_UNDERLINE;
        return;
    }
    start_color();
    use_default_colors();
    init_pair(1, COLOR_CYAN, -1);
    init_pair(2, COLOR_GREEN, -1);
    init_pair(3, COLOR_YELLOW, -1);
    init_pair(4, COLOR_RED, -1);
    init_pair(5, COLOR_BLACK, COLOR_CYAN);
    t->attr[ROLE_TITLE] = (attr_t)COLOR_PAIR(1) | A_BOLD;
    t->attr[ROLE_DIM] = A_DIM;
    t->attr[ROLE_GOOD] = (attr_t)COLOR_PAIR(2);
    t->attr[ROLE_WARN] = (attr_t)COLOR_PAIR(3) | A_BOLD;
    t->attr[ROLE_BAD] = (attr_t)COLOR_PAIR(4) | A_BOLD;
    t->attr[ROLE_HEADER] = (attr_t)COLOR_PAIR(5);
}

void theme_box(const struct theme *t, WINDOW *w)
{
    if (t->ascii)
        wborder(w, '|', '|', '-', '-', '+', '+', '+', '+');
    else
        box(w, 0, 0);
}
