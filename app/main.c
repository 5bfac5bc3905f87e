/* main.c - spendtop: top for LLM spend. Argument parsing and wiring only. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "app/daemon.h"
#include "app/prices.h"
#include "app/viewer.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "core/schema.h"
#include "core/snapshot.h"
#include "core/window.h"
#include "app/version.h"
#include "tui/tui.h"

static const char usage_text[] =
    "usage: spendtop [options]\n"
    "\n"
    "  spendtop [-c FILE]          the dashboard\n"
    "  spendtop --demo             the dashboard on built-in synthetic data\n"
    "  spendtop --once [--json]    collect once, print the snapshot, exit\n"
    "  spendtop --daemon           collect and alert with no UI\n"
    "  spendtop --check-config     validate the config and exit\n"
    "  spendtop prices ...         the price table: spendtop prices --help\n"
    "\n"
    "options:\n"
    "  -c, --config FILE   config file (else $SPENDTOP_CONFIG,\n"
    "                      ~/.config/spendtop/config.toml, /etc/spendtop/config.toml)\n"
    "      --now TIME      pretend it is TIME (RFC 3339 or unix seconds)\n"
    "      --window W      1h, 6h or 24h (default from the config, else 1h)\n"
    "      --db FILE       state database (default $XDG_STATE_HOME/spendtop/spendtop.db)\n"
    "      --no-hooks      evaluate alerts but run no hook\n"
    "      --no-color      no colour (also when NO_COLOR is set)\n"
    "      --ascii         ASCII lines and sparklines (also when the locale is not UTF-8)\n"
    "      --version       print the version\n"
    "  -h, --help          this help\n"
    "\n"
    "signals (--daemon): HUP reloads the config, USR1 logs a status summary,\n"
    "USR2 polls every source now, TERM and INT stop (data flushed)\n"
    "\n"
    "exit status: 0 ok, 1 runtime error, 2 usage or config error\n"
    "see spendtop(1)\n";

enum mode { MODE_TUI, MODE_ONCE, MODE_DAEMON, MODE_CHECK };

enum {
    OPT_NOW = 256, OPT_WINDOW, OPT_DB, OPT_NO_HOOKS, OPT_NO_COLOR, OPT_ASCII,
    OPT_VERSION, OPT_DEMO, OPT_ONCE, OPT_JSON, OPT_DAEMON, OPT_CHECK,
};

/* The modes of "Running it" (README): the option that chose one, so a
 * second is refused by name rather than silently winning (--check-config
 * --daemon would otherwise start a daemon). */
static const char *mode_flag;

static int mode_option(int ch, struct app_options *o, enum mode *mode)
{
    static const struct { int ch; const char *flag; enum mode mode; } modes[] = {
        {OPT_DEMO, "--demo", MODE_TUI}, /* the dashboard, on synthetic data */
        {OPT_ONCE, "--once", MODE_ONCE},
        {OPT_DAEMON, "--daemon", MODE_DAEMON},
        {OPT_CHECK, "--check-config", MODE_CHECK},
    };
    size_t i = 0;
    while (modes[i].ch != ch)
        i++;
    if (mode_flag && strcmp(mode_flag, modes[i].flag) != 0) {
        fprintf(stderr, "spendtop: %s and %s are different modes: choose one\n", mode_flag,
                modes[i].flag);
        return 2;
    }
    mode_flag = modes[i].flag;
    *mode = modes[i].mode;
    o->demo |= ch == OPT_DEMO;
    return 0;
}

/* Arguments left after the options: none is expected (`prices` is a mode
 * of its own, and comes first). */
static int check_operands(int argc, char **argv)
{
    if (optind >= argc)
        return 0;
    if (mode_flag && strcmp(argv[optind], "prices") == 0) {
        fprintf(stderr, "spendtop: %s and prices are different modes: choose one "
                "(spendtop prices ... comes first)\n", mode_flag);
        return 2;
    }
    fprintf(stderr, "spendtop: unexpected argument '%s'\n", argv[optind]);
    fputs(usage_text, stderr);
    return 2;
}

/* ---- output ----------------------------------------------------------------- */

static bool stdout_closed;

/* A descriptor 0, 1 or 2 that was closed when we started is given
 * /dev/null, so no file we open (the database, a log, an export) can
 * become "stdout" and receive the snapshot; a closed stdout is an error
 * for whatever meant to print (output_done). */
static void guard_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        stdout_closed |= fd == 1;
        int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (n >= 0 && n != fd) {
            dup2(n, fd);
            close(n);
        }
    }
}

/* What was printed reached stdout: a full disk, a closed pipe or a closed
 * stdout is exit status 1 with a message, never a silent success. */
static int output_done(int rc)
{
    errno = 0;
    if (stdout_closed) {
        fprintf(stderr, "spendtop: cannot write the output: standard output is closed\n");
        return 1;
    }
    if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
        fprintf(stderr, "spendtop: cannot write the output: %s\n",
                errno ? strerror(errno) : "write error");
        return 1;
    }
    return rc;
}

static int check_config(const char *explicit_path)
{
    char *path = config_find(explicit_path);
    struct strbuf errs = {0};
    /* no file: the defaults, which have no source, so the check below says
     * where we looked */
    struct config *cfg = path ? config_load(path, &errs) : config_defaults();
    /* a hook that cannot start is an error here (a deploy gated on this
     * check stops), a warning at a daemon's start (run) */
    if (!cfg || !config_check_sources(cfg, &errs) || !config_check_hooks(cfg, &errs)) {
        fputs(strbuf_str(&errs), stderr);
        strbuf_free(&errs);
        config_free(cfg);
        free(path);
        return 2;
    }
    config_warnings(cfg, &errs);
    fputs(strbuf_str(&errs), stderr);
    printf("%s: ok (%zu sources, %zu tenants, %zu hooks)\n", path, cfg->nsources,
           cfg->ntenants, cfg->nhooks);
    strbuf_free(&errs);
    config_free(cfg);
    free(path);
    return output_done(0);
}

static int run_once(struct app *a, bool json)
{
    char err[512];
    int rc = 0;
    if (app_collect_once(a, err, sizeof err) != 0) {
        fprintf(stderr, "spendtop: %s\n", err);
        rc = 1;
    } else if (app_every_source_failed(a)) {
        /* a cron job must not take "unknown" for a quiet hour: the
         * snapshot still shows each source with its error */
        fprintf(stderr, "spendtop: every source failed: nothing was collected\n");
        rc = 1;
    }
    struct view v;
    app_view(a, 0, NULL, NULL, NULL, false, &v);
    struct strbuf out = {0};
    if (json)
        snapshot_json(&v, &out);
    else
        snapshot_text(&v, &out);
    fputs(strbuf_str(&out), stdout);
    strbuf_free(&out);
    view_free(&v);
    return output_done(rc);
}

/* ---- viewer ---------------------------------------------------------------------- */

/* The dashboard on h; the exit status for how it ended (a signal's as a
 * shell reports it: 128 + its number). */
static int dashboard(const struct host *h, const struct tui_options *to)
{
    int signum;
    switch (tui_run(h, to, &signum)) {
    case TUI_QUIT: return 0;
    case TUI_SIGNALLED: return 128 + signum;
    case TUI_NO_TERMINAL: return 2;
    case TUI_FAILED: return 1;
    }
    return 1;
}

/* Another spendtop owns the database: the dashboard or --once show its
 * figures instead (app/viewer.h). */
static int run_viewer(const char *db_path, const char *log_path, const struct app_options *o,
                      enum mode mode, bool json, const struct tui_options *to)
{
    char err[512];
    struct viewer *v = viewer_open(db_path, o->window, log_path, err, sizeof err);
    if (!v) {
        fprintf(stderr, "spendtop: %s\n", err);
        return 1;
    }
    int rc = 0;
    if (mode == MODE_ONCE) {
        struct view view;
        viewer_view(v, NULL, false, &view);
        struct strbuf out = {0};
        if (json)
            snapshot_json(&view, &out);
        else
            snapshot_text(&view, &out);
        fputs(strbuf_str(&out), stdout);
        strbuf_free(&out);
        view_free(&view);
    } else {
        rc = dashboard(viewer_host(v), to);
    }
    viewer_free(v);
    return rc;
}

/* The app in its mode, or a viewer of another's database. */
static int run(enum mode mode, struct app_options *o, bool json,
               const struct tui_options *to)
{
    if (mode == MODE_TUI && !tui_terminal_ready())
        return 2; /* before anything opens: spendtop(1), a usage error */
    o->once = mode == MODE_ONCE;
    o->daemon = mode == MODE_DAEMON;
    /* the dashboard and --once become viewers of a daemon's database */
    o->may_attach = (mode == MODE_TUI || mode == MODE_ONCE) && !o->demo;
    struct app a;
    struct strbuf errs = {0};
    enum app_open_result opened = app_open(&a, o, &errs);
    int rc;
    if (opened == APP_ATTACH) {
        char *db_path = xstrdup(a.attach_path), *log_path = xstrdup(a.cfg->log_path);
        if (a.config_errors) /* said, then the daemon's figures shown */
            fprintf(stderr, "%sspendtop: the config has errors (above); showing the figures of "
                            "the spendtop that owns %s\n",
                    strbuf_str(&errs), db_path);
        strbuf_free(&errs);
        app_close(&a);
        rc = run_viewer(db_path, log_path, o, mode, json, to);
        free(db_path);
        free(log_path);
        return rc;
    }
    if (opened != APP_OPENED) {
        fputs(strbuf_str(&errs), stderr);
        strbuf_free(&errs);
        app_close(&a);
        return opened == APP_BAD_CONFIG ? 2 : 1; /* spendtop(1): 2 config, 1 runtime */
    }
    strbuf_free(&errs);
    switch (mode) {
    case MODE_DAEMON:
        /* a hook that cannot start: its other hooks and collecting work */
        config_warn_hooks(a.cfg, "");
        rc = daemon_run(&a);
        break;
    case MODE_ONCE:
        rc = run_once(&a, json);
        break;
    default: {
        struct app_host host;
        app_host_init(&host, &a);
        rc = dashboard(&host.host, to);
        break;
    }
    }
    app_close(&a);
    return rc;
}

/* What every mode needs before anything runs. */
static void process_setup(void)
{
    /* a hook or a server that closes early must not kill us: write errors
     * come back as EPIPE */
    signal(SIGPIPE, SIG_IGN);
    guard_std_fds();
    /* the columns a name takes on the user's terminal (sanitize.h: wcwidth)
     * for every table printed; LC_CTYPE only: numbers keep their '.' */
    setlocale(LC_CTYPE, "");
    log_set_ident("spendtop");
}

/* The version, and the schema: what a "newer spendtop" refusal names. */
static int print_version(void)
{
    printf("spendtop %s (database schema %d)\n", SPENDTOP_VERSION, schema_latest());
    return output_done(0);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {"now", required_argument, NULL, OPT_NOW},
        {"window", required_argument, NULL, OPT_WINDOW},
        {"db", required_argument, NULL, OPT_DB},
        {"no-hooks", no_argument, NULL, OPT_NO_HOOKS},
        {"no-color", no_argument, NULL, OPT_NO_COLOR},
        {"ascii", no_argument, NULL, OPT_ASCII},
        {"version", no_argument, NULL, OPT_VERSION},
        {"demo", no_argument, NULL, OPT_DEMO},
        {"once", no_argument, NULL, OPT_ONCE},
        {"json", no_argument, NULL, OPT_JSON},
        {"daemon", no_argument, NULL, OPT_DAEMON},
        {"check-config", no_argument, NULL, OPT_CHECK},
        {NULL, 0, NULL, 0},
    };
    process_setup();
    if (argc > 1 && strcmp(argv[1], "prices") == 0)
        return output_done(prices_main(argc - 1, argv + 1));
    struct app_options o = {0};
    enum mode mode = MODE_TUI;
    bool json = false, no_color = false, ascii = false;
    int ch;
    while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c': o.config_path = optarg; break;
        case 'h': fputs(usage_text, stdout); return output_done(0);
        case OPT_NOW:
            if (clock_parse_time(optarg, &o.now) != 0) {
                fprintf(stderr, "spendtop: --now: '%s' is not RFC 3339 (2026-11-22T10:00:00Z) "
                        "or unix seconds\n", optarg);
                return 2;
            }
            o.has_now = true;
            break;
        case OPT_WINDOW:
            if (window_parse(optarg, &o.window) != 0) {
                struct strbuf list = {0};
                window_list(&list, false);
                fprintf(stderr, "spendtop: --window must be %s\n", strbuf_str(&list));
                strbuf_free(&list);
                return 2;
            }
            break;
        case OPT_DB: o.db_path = optarg; break;
        case OPT_NO_HOOKS: o.no_hooks = true; break;
        case OPT_NO_COLOR: no_color = true; break;
        case OPT_ASCII: ascii = true; break;
        case OPT_VERSION: return print_version();
        case OPT_JSON: json = true; break;
        case OPT_DEMO: case OPT_ONCE: case OPT_DAEMON: case OPT_CHECK:
            if (mode_option(ch, &o, &mode) != 0)
                return 2;
            break;
        default:
            fputs(usage_text, stderr);
            return 2;
        }
    }
    if (check_operands(argc, argv) != 0)
        return 2;
    if (json && mode != MODE_ONCE) {
        fprintf(stderr, "spendtop: --json goes with --once\n");
        return 2;
    }
    if (mode == MODE_CHECK)
        return check_config(o.config_path);
    struct tui_options to = {.no_color = no_color, .ascii = ascii};
    return run(mode, &o, json, &to);
}
