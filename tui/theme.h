/* theme.h - how things look: colour (or none), and line/glyph style.
 *
 * With colour off (--no-color, or NO_COLOR set to anything) start_color()
 * is never called, so not one colour escape reaches the terminal; roles
 * fall back to bold/reverse/dim. With ascii (--ascii, or a locale that is
 * not UTF-8) borders and sparklines use plain ASCII.
 */
#ifndef SPENDTOP_THEME_H
#define SPENDTOP_THEME_H

#include <stdbool.h>
#include <curses.h>

enum theme_role {
    ROLE_NORMAL,
    ROLE_TITLE,       /* pane titles */
    ROLE_FOCUS,       /* the focused pane's title */
    ROLE_DIM,         /* secondary text (baselines, hints) */
    ROLE_GOOD,
    ROLE_WARN,
    ROLE_BAD,         /* above the alert threshold, errors */
    ROLE_HEADER,      /* the top line */
    ROLE_SELECTED,    /* the cursor row */
    ROLE_COUNT,
};

struct theme {
    bool color;
    bool ascii;
    attr_t attr[ROLE_COUNT];
};

/* After initscr(). */
void theme_init(struct theme *t, bool color, bool ascii);
/* A pane border. */
void theme_box(const struct theme *t, WINDOW *w);

#endif
