/* tui.c - the dashboard (see tui.h). */
#include "tui/tui.h"

#include <langinfo.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <term.h>   /* tigetstr: can the terminal place the cursor */

#include "lib/clock.h"
#include "lib/log.h"
#include "lib/sanitize.h"
#include "lib/xalloc.h"
#include "core/window.h"
#include "tui/pane.h"

#define MIN_COLS 80
#define MIN_LINES 24
/* New data makes a new view at once, unless the last view was made less
 * than VIEW_GAP_MS ago, or less than VIEW_COST_FACTOR times its own cost
 * ago: then as soon as that gap has passed. A quiet dashboard shows a
 * record within milliseconds of its arrival; a busy one over many series
 * spends at most half a core making views, whatever the rate (a larger
 * factor saves more CPU, but a record then waits that many views' time). */
#define VIEW_GAP_MS 100
#define VIEW_COST_FACTOR 1

enum { P_HEADER, P_SPEND, P_CACHE, P_REASONING, P_TENANTS, P_MODELS, P_ALERTS, P_COUNT };

static const struct pane_ops *const pane_types[P_COUNT] = {
    &pane_header, &pane_spend, &pane_cache, &pane_reasoning,
    &pane_tenants, &pane_models, &pane_alerts,
};

struct tui {
    const struct host *host;
    struct host_facts facts;     /* asked for once a frame */
    struct theme theme;
    uv_poll_t input;
    uv_signal_t sig_winch, sig_int, sig_term, sig_hup;
    uv_timer_t tick;             /* the clock, and the minute turning */
    uv_timer_t soon;             /* new data, once the gap after a view has passed */
    uv_prepare_t draw;
    struct pane panes[P_COUNT];
    WINDOW *footer, *help_win;
    int focus;                   /* a focusable pane */
    struct view view;
    bool have_view;
    bool drawn;                /* a frame with a view was drawn (logged once) */
    int64_t window;
    bool paused, help, editing;
    char filter[64];
    int filter_pane;             /* the table the filter narrows */
    enum tui_drill drill;
    char drill_tenant[160], drill_provider[160], drill_model[160];
    bool need_view, need_draw, need_layout;
    bool need_clock;             /* only what shows the time: the clock tick */
    /* rows the tables and the alert list would fill (0: not known yet),
     * from the last view not drilled into one tenant or model */
    int want_tables, want_alerts;
    uint64_t seen_generation;
    int64_t seen_minute;         /* window_minute of the last view */
    int64_t view_clock;          /* clock_now() then: the clock shown paused */
    uint64_t view_ns, view_cost_ns;  /* when the last view was made (uv_hrtime), its cost */
    char status[160];            /* a transient message in the footer */
    int64_t status_until;
    bool quitting;
    enum tui_end end;            /* why it quits */
    int signum;                  /* TUI_SIGNALLED: which */
    uv_handle_t *handles[10];    /* every handle opened, to close */
    int nhandles;
    int closing;                 /* closes not yet called back */
};

/* ---- the terminal given back, whatever happens --------------------------------- */

/* stdin's file status flags at start: uv_poll makes the descriptor
 * non-blocking, and the open file description is shared with the shell
 * and whatever runs after us, so the flags must be put back. */
static int stdin_flags = -1;

static void restore_terminal(void)
{
    if (!isendwin())
        endwin();
    if (stdin_flags != -1)
        fcntl(STDIN_FILENO, F_SETFL, stdin_flags);
}

static void on_crash(int sig)
{
    restore_terminal();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_crash_handlers(void)
{
    int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        signal(sigs[i], on_crash);
}

/* ---- layout ---------------------------------------------------------------- */

static void place(struct pane *p, int y, int x, int h, int w)
{
    if (p->win)
        delwin(p->win);
    p->win = newwin(h, w, y, x);
    p->h = h;
    p->w = w;
}

/* The tables' least height: frame, header and five rows (a drilled
 * tenant or model needs as much). */
#define MIN_TABLE_ROWS 8

struct split {
    int top, mid, alerts;   /* heights of the top row, the tables, the alerts */
};

/* How the height is shared. More room: taller top panes (more per-model
 * rows), a taller alert list, the tables take the rest. During an incident
 * the alert list grows into rows the tables do not need: many alerts and a
 * handful of tenants is exactly when the list matters most. */
static struct split split_of(const struct tui *t)
{
    int H = LINES;
    struct split s;
    s.top = 7 + (H - MIN_LINES) / 5;
    if (s.top > 14)
        s.top = 14;
    s.alerts = 4 + (H - MIN_LINES) / 6;
    if (s.alerts > 10)
        s.alerts = 10;
    int avail = H - 2 - s.top;
    int tables = t->want_tables > MIN_TABLE_ROWS ? t->want_tables : MIN_TABLE_ROWS;
    int spare = avail - s.alerts - tables;
    if (t->want_alerts > s.alerts && spare > 0)
        s.alerts += t->want_alerts - s.alerts < spare ? t->want_alerts - s.alerts : spare;
    s.mid = avail - s.alerts;
    return s;
}

static void layout(struct tui *t)
{
    int H = LINES, W = COLS;
    if (H < MIN_LINES || W < MIN_COLS)
        return;
    struct split sp = split_of(t);
    int top = sp.top, mid = sp.mid, alerts = sp.alerts;
    int sw = W / 2, cw = (W - sw) / 2, rw = W - sw - cw;
    int tw = W * 3 / 5, mw = W - tw;
    place(&t->panes[P_HEADER], 0, 0, 1, W);
    place(&t->panes[P_SPEND], 1, 0, top, sw);
    place(&t->panes[P_CACHE], 1, sw, top, cw);
    place(&t->panes[P_REASONING], 1, sw + cw, top, rw);
    place(&t->panes[P_TENANTS], 1 + top, 0, mid, tw);
    place(&t->panes[P_MODELS], 1 + top, tw, mid, mw);
    place(&t->panes[P_ALERTS], 1 + top + mid, 0, alerts, W);
    if (t->footer)
        delwin(t->footer);
    t->footer = newwin(1, W, H - 1, 0);
    t->need_layout = false;
    t->need_draw = true;
}

/* ---- drawing ------------------------------------------------------------------- */

static const char *const help_lines[] = {
    "q          quit",
    "?          this help (any key closes it)",
    "Tab S-Tab  next / previous pane (Tenants, Models, Alerts)",
    "1 2 3      window 1h / 6h / 24h",
    "s  r       sort by the next column / reverse the order",
    "/          filter the focused table as you type; Enter keeps it",
    "Esc        clear the filter, or leave a drill-down",
    "Enter      drill into the selected tenant or model",
    "p          pause / resume (collection goes on)",
    "a          silence the selected alert for its repeat interval",
    "R          poll every source now",
    "Ctrl-L     draw the whole screen again",
    "arrows j k PgUp PgDn g G   move and scroll",
};

static void draw_help(struct tui *t)
{
    int n = (int)(sizeof help_lines / sizeof *help_lines);
    int h = n + 4, w = 72;
    if (t->help_win)
        delwin(t->help_win);
    t->help_win = newwin(h, w, (LINES - h) / 2, (COLS - w) / 2);
    werase(t->help_win);
    theme_box(&t->theme, t->help_win);
    wattron(t->help_win, t->theme.attr[ROLE_TITLE]);
    mvwaddstr(t->help_win, 0, 2, " Keys ");
    wattroff(t->help_win, t->theme.attr[ROLE_TITLE]);
    for (int i = 0; i < n; i++)
        mvwaddstr(t->help_win, 2 + i, 3, help_lines[i]);
    wnoutrefresh(t->help_win);
}

static void draw_footer(struct tui *t)
{
    WINDOW *f = t->footer;
    werase(f);
    if (t->editing) {
        /* the filter cut to leave the hint after it whole */
        char line[SANITIZE_MAX + 64], clean[SANITIZE_MAX];
        sanitize_text_ex(t->filter, clean, sizeof clean, COLS - 44, t->theme.ascii);
        snprintf(line, sizeof line, "filter %s: %s_   (Enter keep, Esc clear)",
                 t->filter_pane == P_MODELS ? "models" : "tenants", clean);
        mvwaddstr(f, 0, 0, line);
    } else if (t->status[0] && clock_now() < t->status_until) {
        wattron(f, t->theme.attr[ROLE_WARN]);
        mvwaddstr(f, 0, 0, t->status);
        wattroff(f, t->theme.attr[ROLE_WARN]);
    } else {
        const char *hints = t->drill != DRILL_NONE
            ? "Esc back  Tab pane  1/2/3 window  p pause  R poll  ? help  q quit"
            : "q quit  ? help  Tab pane  1/2/3 window  s sort  r rev  / filter  Enter drill"
              "  p pause  a silence  R poll";
        wattron(f, t->theme.attr[ROLE_DIM]);
        mvwaddnstr(f, 0, 0, hints, COLS - 1);
        wattroff(f, t->theme.attr[ROLE_DIM]);
    }
    wnoutrefresh(f);
}

static void fill_ctx(struct tui *t, struct tui_ctx *c)
{
    memset(c, 0, sizeof *c);
    c->view = &t->view;
    c->facts = &t->facts;
    c->theme = &t->theme;
    /* paused, the clock is the frozen figures' (a clock running on over
     * them read as "these are the figures of now"); so are the ages */
    c->now = t->paused && t->have_view ? t->view_clock : clock_now();
    c->paused = t->paused;
    c->drill = t->drill;
    c->drill_tenant = t->drill_tenant;
    c->drill_provider = t->drill_provider;
    c->drill_model = t->drill_model;
}

/* Every pane, or (timed) only those that show the time: the header's
 * clock and the alerts' ages. */
static void draw_panes_of(struct tui *t, bool timed)
{
    struct tui_ctx c;
    fill_ctx(t, &c);
    for (int i = 0; i < P_COUNT; i++) {
        struct pane *p = &t->panes[i];
        if (timed && i != P_HEADER && i != P_ALERTS)
            continue;
        c.focused = i == t->focus;
        c.filter = i == t->filter_pane ? t->filter : NULL;
        p->ops->draw(p, &c);
        wnoutrefresh(p->win);
    }
}

static void draw_panes(struct tui *t) { draw_panes_of(t, false); }

static void render(struct tui *t)
{
    if (LINES < MIN_LINES || COLS < MIN_COLS) {
        /* one line instead of garbage */
        erase();
        char msg[64];
        snprintf(msg, sizeof msg, "terminal too small (need %dx%d)", MIN_COLS, MIN_LINES);
        mvaddnstr(0, 0, msg, COLS);
        refresh();
        t->need_layout = true;
        return;
    }
    if (t->need_layout) {
        clear();
        wnoutrefresh(stdscr);
        layout(t);
    }
    if (!t->have_view)
        return;
    t->host->ops->facts(t->host->ctx, &t->facts);
    draw_panes(t);
    draw_footer(t);
    if (t->help)
        draw_help(t);
    doupdate();
}

/* ---- the view ------------------------------------------------------------------- */

/* Which minute buckets a window ending at end (clock_window_end) covers:
 * a sum over [end - W, end) adds the buckets whose start lies in it
 * (core/store.h), so the set moves on when end passes a minute's start -
 * ended at 12:00:00 the 1h window is 11:00..11:59, at 12:00:01 (the
 * second 12:00:00 under way) 11:01..12:00. (Keyed on end / 60, the view
 * made at 12:00:00 was the last minute's again, and an idle dashboard
 * showed it a minute longer than --once said.) */
static int64_t window_minute(int64_t now)
{
    return now / 60 + (now % 60 != 0);
}

static void compute_view(struct tui *t)
{
    uint64_t start = uv_hrtime();
    if (t->have_view)
        view_free(&t->view);
    struct host_scope scope = {
        .window = t->window,
        .tenant = t->drill == DRILL_TENANT ? t->drill_tenant : NULL,
        .provider = t->drill == DRILL_MODEL ? t->drill_provider : NULL,
        .model = t->drill == DRILL_MODEL ? t->drill_model : NULL,
    };
    t->host->ops->view(t->host->ctx, &scope, &t->view);
    t->have_view = true;
    /* the alert list grows and shrinks with the alerts (only then: a new
     * layout repaints every cell); drilling in and out keeps the layout */
    if (t->drill == DRILL_NONE) {
        const struct view *v = &t->view;
        t->want_tables = (int)(v->ntenants > v->nmodels ? v->ntenants : v->nmodels) + 3;
        t->want_alerts = (int)v->nalerts + 2;
    }
    if (t->panes[P_ALERTS].win && split_of(t).alerts != t->panes[P_ALERTS].h)
        t->need_layout = true;
    t->seen_generation = t->host->ops->generation(t->host->ctx);
    t->seen_minute = window_minute(clock_window_end());
    t->view_clock = clock_now();
    t->need_view = false;
    t->need_draw = true;
    t->view_ns = uv_hrtime();
    t->view_cost_ns = t->view_ns - start;
}

static void on_soon(uv_timer_t *h)
{
    (void)h; /* it woke the loop: on_prepare, next, makes the view */
}

/* Is a new view due now? At once for what asked for one (a key, the
 * minute turning); for new data (the host's generation moved: records,
 * alerts, a source's health) once the gap after the last view has passed,
 * the soon timer waking the loop for it. Paused, only what asked. */
static bool view_due(struct tui *t)
{
    if (!t->have_view)
        return true;
    if (t->paused)
        return false;
    if (t->need_view)
        return true;
    if (t->host->ops->generation(t->host->ctx) == t->seen_generation)
        return false;
    uint64_t gap = (uint64_t)VIEW_GAP_MS * 1000000;
    if (gap < VIEW_COST_FACTOR * t->view_cost_ns)
        gap = VIEW_COST_FACTOR * t->view_cost_ns;
    uint64_t since = uv_hrtime() - t->view_ns;
    if (since >= gap)
        return true;
    if (!uv_is_active((uv_handle_t *)&t->soon))
        uv_timer_start(&t->soon, on_soon, (gap - since) / 1000000 + 1, 0); /* initialised */
    return false;
}

/* What the clock tick changes, and only that: the header's clock, the
 * alerts' ages and the footer (a message times out). The tables are not
 * drawn again (sorting 10,000 tenants every second was most of what an
 * idle dashboard did); the help over the panes is. */
static void render_clock(struct tui *t)
{
    if (LINES < MIN_LINES || COLS < MIN_COLS || !t->have_view || t->help) {
        render(t);
        return;
    }
    draw_panes_of(t, true);
    draw_footer(t);
    doupdate();
}

/* Just before the loop sleeps: one recompute and one frame at most. */
static void on_prepare(uv_prepare_t *h)
{
    struct tui *t = h->data;
    if (t->quitting)
        return;
    if (view_due(t))
        compute_view(t);
    if (t->need_draw || t->need_layout) {
        render(t);
        t->need_draw = t->need_clock = false;
        if (!t->drawn && t->have_view)
            log_msg(LOG_INFO, "dashboard: first frame drawn");
        t->drawn |= t->have_view;
    } else if (t->need_clock) {
        render_clock(t);
        t->need_clock = false;
    }
}

static void on_tick(uv_timer_t *h)
{
    struct tui *t = h->data;
    /* the clock in the header changes every tick; the view when the
     * window's minutes move on (window_minute), and otherwise only when
     * the host's data does (on_prepare asks before every sleep) */
    if (window_minute(clock_window_end()) != t->seen_minute)
        t->need_view = true;
    t->need_clock = true;
}

/* ---- keys -------------------------------------------------------------------------- */

static void set_status(struct tui *t, const char *msg)
{
    /* messages quote untrusted names (a silenced alert's scope names a
     * tenant from spans): made safe here, once, for the footer */
    sanitize_text_ex(msg, t->status, sizeof t->status, (int)sizeof t->status - 1,
                     t->theme.ascii);
    t->status_until = clock_now() + 4;
}

static void on_host_stopped(void *arg);

static void quit(struct tui *t, enum tui_end end, int signum)
{
    if (t->quitting)
        return;
    t->quitting = true;
    t->end = end;
    t->signum = signum;
    t->host->ops->stop(t->host->ctx, on_host_stopped, t);
}

static int next_focus(int from, int dir)
{
    int i = from;
    do {
        i = (i + dir + P_COUNT) % P_COUNT;
    } while (!pane_types[i]->focusable);
    return i;
}

static void edit_filter(struct tui *t, int ch)
{
    size_t n = strlen(t->filter);
    if (ch == 27) {
        t->filter[0] = '\0';
        t->editing = false;
    } else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
        t->editing = false;
    } else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
        while (n > 0 && ((unsigned char)t->filter[n - 1] & 0xc0) == 0x80)
            n--; /* a whole UTF-8 character */
        if (n > 0)
            n--;
        t->filter[n] = '\0';
    } else if (ch >= 32 && ch < 256 && ch != 127 && n + 1 < sizeof t->filter) {
        t->filter[n] = (char)ch;
        t->filter[n + 1] = '\0';
    }
    t->panes[t->filter_pane].sel = t->panes[t->filter_pane].top = 0;
}

/* What the view is of changed (the window, a drill-down in or out): the
 * new view at once, paused or not, before the next key is read. Deferred
 * to the next frame, a paused screen showed the whole spend under
 * "Tenant acme" (and the whole table under it after Esc), and keys typed
 * ahead (Esc j Enter) moved over the rows of the view being left. */
static void rescope(struct tui *t)
{
    compute_view(t);
}

static void drill_into(struct tui *t, const struct pane *p)
{
    t->drill = p->ops->drill;
    if (t->drill == DRILL_TENANT) {
        snprintf(t->drill_tenant, sizeof t->drill_tenant, "%s", p->pick.a);
    } else {
        snprintf(t->drill_provider, sizeof t->drill_provider, "%s", p->pick.a);
        snprintf(t->drill_model, sizeof t->drill_model, "%s", p->pick.b);
    }
    t->filter[0] = '\0';
    rescope(t);
}

/* Esc: the filter goes first, then the drill-down. */
static void escape(struct tui *t)
{
    if (t->filter[0]) {
        t->filter[0] = '\0';
    } else if (t->drill != DRILL_NONE) {
        t->drill = DRILL_NONE;
        rescope(t);
    }
}

/* The dashboard's own keys, whatever has focus; false: not one of them. */
static bool dashboard_key(struct tui *t, int ch)
{
    switch (ch) {
    case 'q':
        quit(t, TUI_QUIT, 0);
        return true;
    case '?':
        t->help = true;
        return true;
    case '\t':
        t->focus = next_focus(t->focus, 1);
        return true;
    case KEY_BTAB:
        t->focus = next_focus(t->focus, -1);
        return true;
    case '1': case '2': case '3':
        t->window = window_at((size_t)(ch - '1'));
        rescope(t); /* a new window is worth showing even paused */
        return true;
    case 'p':
        t->paused = !t->paused;
        t->need_view = !t->paused;
        return true;
    case 'R': {
        char msg[160];
        t->host->ops->poll_now(t->host->ctx, msg, sizeof msg);
        set_status(t, msg);
        return true;
    }
    case '/':
        if (t->drill != DRILL_NONE) {
            /* the tables it filters are the whole view's, not on screen
             * (the filter went to a hidden table, and nothing moved) */
            set_status(t, "/ filters the whole view: Esc leaves the drill-down first");
            return true;
        }
        t->filter_pane = t->focus == P_MODELS ? P_MODELS : P_TENANTS;
        t->focus = t->filter_pane;
        t->filter[0] = '\0';
        t->editing = true;
        return true;
    case 27: /* Esc */
        escape(t);
        return true;
    case 12: /* Ctrl-L: every cell again, whatever wrote over them (a wall(1)
              * broadcast, a background job): curses otherwise redraws only
              * what it changed, and the garbage stayed */
        t->need_layout = true;
        return true;
    default:
        return false;
    }
}

/* A key for the focused pane, and what the pane then asks for. */
static void pane_key(struct tui *t, int ch)
{
    struct pane *focused = &t->panes[t->focus];
    struct tui_ctx c;
    fill_ctx(t, &c);
    c.focused = true;
    c.filter = t->focus == t->filter_pane ? t->filter : NULL;
    switch (focused->ops->key ? focused->ops->key(focused, ch, &c) : PANE_IGNORED) {
    case PANE_DRILL:
        drill_into(t, focused);
        break;
    case PANE_SILENCE: {
        char msg[160];
        if (t->host->ops->silence(t->host->ctx, focused->pick.a, msg, sizeof msg) == 0)
            t->need_view = true;
        set_status(t, msg);
        break;
    }
    case PANE_IGNORED:
        /* the footer offers `a`: off an alert it says why nothing happened
         * (silently ignored, the alert looked silenced to whoever pressed it) */
        if (ch == 'a')
            set_status(t, t->focus == P_ALERTS
                              ? "no alert to silence"
                              : "a silences the alert under the cursor: Tab to the Alerts pane");
        break;
    default:
        break;
    }
}

static void on_key(struct tui *t, int ch)
{
    if (ch == KEY_RESIZE) {
        t->need_layout = true;
        return;
    }
    t->need_draw = true;
    if (t->help) {
        t->help = false; /* any key closes it */
        touchwin(stdscr);
        wnoutrefresh(stdscr);
        return;
    }
    if (t->editing)
        edit_filter(t, ch);
    else if (!dashboard_key(t, ch))
        pane_key(t, ch);
}

static void on_input(uv_poll_t *h, int status, int events)
{
    struct tui *t = h->data;
    (void)events;
    if (status < 0) {
        quit(t, TUI_FAILED, 0); /* the terminal went away */
        return;
    }
    int ch;
    while ((ch = getch()) != ERR && !t->quitting)
        on_key(t, ch);
}

/* ---- signals ------------------------------------------------------------------------ */

static void on_winch(uv_signal_t *s, int signum)
{
    struct tui *t = s->data;
    (void)signum;
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resize_term(ws.ws_row, ws.ws_col);
    t->need_layout = true; /* immediately: the next loop pass redraws */
}

static void on_stop_signal(uv_signal_t *s, int signum)
{
    quit(s->data, TUI_SIGNALLED, signum);
}

/* ---- lifecycle --------------------------------------------------------------------- */

static void handle_closed(uv_handle_t *h)
{
    struct tui *t = h->data;
    t->closing--;
}

/* Close every handle opened so far, each once. */
static void close_handles(struct tui *t)
{
    for (int i = 0; i < t->nhandles; i++) {
        if (uv_is_closing(t->handles[i]))
            continue;
        t->closing++;
        uv_close(t->handles[i], handle_closed);
    }
}

static void on_host_stopped(void *arg)
{
    close_handles(arg);
}

/* rc from a uv_*_init of h: on success h is ours, to close. */
static int opened(struct tui *t, int rc, void *h)
{
    if (rc == 0) {
        ((uv_handle_t *)h)->data = t;
        t->handles[t->nhandles++] = h;
    }
    return rc;
}

static int start_signal(struct tui *t, uv_signal_t *s, uv_signal_cb cb, int signum)
{
    int rc = opened(t, uv_signal_init(t->host->loop, s), s);
    return rc ? rc : uv_signal_start(s, cb, signum);
}

/* The signals, before curses starts: it then leaves SIGWINCH to the loop.
 * Returns 0 or a libuv error. */
static int start_signals(struct tui *t)
{
    int rc = start_signal(t, &t->sig_winch, on_winch, SIGWINCH);
    if (rc == 0)
        rc = start_signal(t, &t->sig_int, on_stop_signal, SIGINT);
    if (rc == 0)
        rc = start_signal(t, &t->sig_term, on_stop_signal, SIGTERM);
    if (rc == 0)
        rc = start_signal(t, &t->sig_hup, on_stop_signal, SIGHUP);
    return rc;
}

/* Keys, the tick, the timer for new data, and the draw just before each
 * sleep. Returns 0 or a libuv error. */
static int start_loop(struct tui *t)
{
    uv_loop_t *loop = t->host->loop;
    uint64_t ms = (uint64_t)t->host->refresh * 1000;
    int rc = opened(t, uv_poll_init(loop, &t->input, STDIN_FILENO), &t->input);
    if (rc == 0)
        rc = uv_poll_start(&t->input, UV_READABLE, on_input);
    if (rc == 0)
        rc = opened(t, uv_timer_init(loop, &t->tick), &t->tick);
    if (rc == 0)
        rc = uv_timer_start(&t->tick, on_tick, ms, ms);
    if (rc == 0)
        rc = opened(t, uv_timer_init(loop, &t->soon), &t->soon);
    if (rc == 0)
        rc = opened(t, uv_prepare_init(loop, &t->draw), &t->draw);
    if (rc == 0)
        rc = uv_prepare_start(&t->draw, on_prepare);
    return rc;
}

/* The terminal to curses. NULL (said on stderr) if it cannot be used. */
static SCREEN *start_curses(struct tui *t, bool color, bool ascii)
{
    SCREEN *screen = newterm(NULL, stdout, stdin);
    if (!screen) {
        fprintf(stderr, "spendtop: cannot use this terminal (TERM=%s)\n",
                getenv("TERM") ? getenv("TERM") : "");
        return NULL;
    }
    set_term(screen);
    /* no cursor addressing (TERM=dumb: an editor's shell buffer, a
     * pipe-like console): curses would draw the footer and nothing else */
    const char *cup = tigetstr("cup");
    if (cup == NULL || cup == (const char *)-1) {
        endwin();
        delscreen(screen);
        fprintf(stderr, "spendtop: this terminal cannot place the cursor (TERM=%s): "
                "the dashboard needs one (try --once)\n",
                getenv("TERM") ? getenv("TERM") : "");
        return NULL;
    }
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    theme_init(&t->theme, color, ascii);
    refresh();
    return screen;
}

/* Curses' windows gone and the terminal given back. */
static void stop_curses(struct tui *t, SCREEN *screen)
{
    for (int i = 0; i < P_COUNT; i++)
        if (t->panes[i].win)
            delwin(t->panes[i].win);
    if (t->footer)
        delwin(t->footer);
    if (t->help_win)
        delwin(t->help_win);
    /* a blank screen to leave: a terminal that restores the one we came
     * from only in part (tmux, when the pane grew while we ran) shows
     * blank lines there, not the last frame */
    clear();
    refresh();
    restore_terminal();
    delscreen(screen);
}

static struct tui *tui_new(const struct host *h)
{
    struct tui *t = xcalloc(1, sizeof *t);
    t->host = h;
    t->window = h->window;
    t->focus = P_TENANTS;
    t->filter_pane = P_TENANTS;
    t->need_layout = true;
    for (int i = 0; i < P_COUNT; i++)
        t->panes[i].ops = pane_types[i];
    return t;
}

static void tui_free(struct tui *t)
{
    if (t->have_view)
        view_free(&t->view);
    free(t);
}

/* The host started and the loop run until the host has stopped and every
 * handle is closed. */
static void run(struct tui *t, bool color)
{
    const struct host *h = t->host;
    h->ops->start(h->ctx);
    log_msg(LOG_INFO, "dashboard started (%s, %s)", color ? "colour" : "no colour",
            t->theme.ascii ? "ascii" : "utf-8");
    uv_run(h->loop, UV_RUN_DEFAULT); /* its result: handles left, not an error */
}

/* What opened before a failure closed again, the loop left as it was. */
static void unwind(struct tui *t)
{
    close_handles(t);
    while (t->closing > 0)
        uv_run(t->host->loop, UV_RUN_NOWAIT); /* as above */
}

bool tui_terminal_ready(void)
{
    if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
        return true;
    fprintf(stderr, "spendtop: the dashboard needs a terminal (try --once or --daemon)\n");
    return false;
}

enum tui_end tui_run(const struct host *h, const struct tui_options *o, int *signum)
{
    *signum = 0;
    if (!tui_terminal_ready())
        return TUI_NO_TERMINAL;
    /* LC_CTYPE only: numbers keep their '.' whatever the user's locale */
    setlocale(LC_CTYPE, "");
    bool ascii = o->ascii || strcmp(nl_langinfo(CODESET), "UTF-8") != 0;
    bool color = !o->no_color && getenv("NO_COLOR") == NULL;

    /* from here the terminal belongs to curses: the log goes to its file */
    char err[512];
    if (log_open(h->log_path, err, sizeof err) != 0) {
        fprintf(stderr, "spendtop: cannot open the log: %s\n", err);
        return TUI_FAILED;
    }
    log_set_quiet(true);

    struct tui *t = tui_new(h);
    stdin_flags = fcntl(STDIN_FILENO, F_GETFL);
    int rc = start_signals(t);
    xalloc_set_fatal_hook(restore_terminal);
    install_crash_handlers();
    SCREEN *screen = rc == 0 ? start_curses(t, color, ascii) : NULL;
    if (screen && (rc = start_loop(t)) == 0)
        run(t, color);
    else
        unwind(t);
    if (screen)
        stop_curses(t, screen);
    xalloc_set_fatal_hook(NULL);
    enum tui_end end = t->end;
    *signum = t->signum;
    if (rc != 0)
        fprintf(stderr, "spendtop: cannot start the dashboard: %s\n", uv_strerror(rc));
    if (rc != 0 || !screen)
        end = TUI_FAILED;
    tui_free(t);
    return end;
}

void tui_draw_frame_for_bench(const struct host *h, const struct view *v, bool ascii)
{
    static struct tui t;
    t.host = h;
    theme_init(&t.theme, false, ascii);
    for (int i = 0; i < P_COUNT; i++)
        t.panes[i].ops = pane_types[i];
    t.focus = P_TENANTS;
    t.filter_pane = P_TENANTS;
    if (!t.panes[0].win || t.panes[0].w != COLS)
        layout(&t);
    t.view = *v;
    t.have_view = true;
    h->ops->facts(h->ctx, &t.facts);
    draw_panes(&t);
    draw_footer(&t);
    doupdate();
}
