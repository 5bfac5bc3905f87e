/* tui.h - the dashboard: ncurses panes on the host's libuv loop (host.h).
 *
 * The loop drives and the screen follows (tmux's rule): input, signals,
 * timers and new data only mark what changed; one uv_prepare handle, run
 * just before the loop sleeps, recomputes the view if the data (the
 * host's generation) or the minute changed and redraws with wnoutrefresh
 * + one doupdate. New data is on screen in the same loop pass it arrived
 * in, unless views come faster than one per 100 ms (or per a view's own
 * cost): then when that gap has passed. Nothing blocks, an idle dashboard
 * sleeps between clock ticks and makes one view a minute.
 *
 * The terminal is given back on every way out: q, Ctrl-C, SIGTERM, SIGHUP,
 * out-of-memory, and crash signals.
 */
#ifndef SPENDTOP_TUI_H
#define SPENDTOP_TUI_H

#include <stdbool.h>

#include "core/view.h"
#include "tui/host.h"

struct tui_options {
    bool no_color;      /* --no-color (NO_COLOR in the environment too) */
    bool ascii;         /* --ascii (a locale that is not UTF-8 too) */
};

/* How the dashboard ended; main turns it into an exit status. */
enum tui_end {
    TUI_QUIT,           /* the user quit */
    TUI_SIGNALLED,      /* SIGINT, SIGTERM or SIGHUP: which one in *signum */
    TUI_NO_TERMINAL,    /* stdin or stdout is not a terminal: a usage error */
    TUI_FAILED,         /* the log, the terminal or the loop failed (said on stderr) */
};

/* Whether the dashboard can run here (stdin and stdout are terminals);
 * if not, it says so on stderr. main asks before it opens anything: a
 * dashboard refused after its database, collectors and timers were
 * started left them behind. */
bool tui_terminal_ready(void);

/* Run the dashboard on host h (host.h) until the user quits: starts the
 * host, runs its loop, stops the host. */
enum tui_end tui_run(const struct host *h, const struct tui_options *o, int *signum);

/* One full frame of the dashboard for view v into the current curses
 * screen, as the dashboard would draw it (for the frame benchmark). */
void tui_draw_frame_for_bench(const struct host *h, const struct view *v, bool ascii);

#endif
