/* test_table.c - the table pane (tui/table.h) through its three instances:
 * sorting (bigger first, unknown last, `s` and `r`), the cursor that stays
 * on its row, the filter, columns dropped on a narrow pane, an alert scope
 * that pushes its row right, and what Enter and `a` ask for.
 *
 * Drawn into a real curses screen whose output goes to /dev/null, read
 * back cell by cell; ASCII lines so a row reads as bytes. */
#include "tests/helpers.h"

#include <curses.h>

#include "tui/pane.h"

static SCREEN *screen;
static FILE *devnull;

static int setup(void **state)
{
    (void)state;
    setenv("TERM", "xterm-256color", 1);
    devnull = fopen("/dev/null", "w");
    screen = newterm(NULL, devnull, stdin);
    if (!screen)
        return -1;
    set_term(screen);
    resize_term(40, 160);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    endwin();
    delscreen(screen);
    fclose(devnull);
    return 0;
}

struct fixture {
    struct view view;
    struct theme theme;
    struct host_facts facts;
    struct tui_ctx ctx;
    struct pane pane;
};

static void fixture_init(struct fixture *f, const struct pane_ops *ops, int h, int w)
{
    memset(f, 0, sizeof *f);
    theme_init(&f->theme, false, true);
    f->facts.limits = (struct host_limits){.factor = 3, .mix_shift = 0.25, .cache_drop = 0.2,
                                           .reasoning_factor = 1.5};
    f->view.baseline_days = 7;
    f->ctx = (struct tui_ctx){.view = &f->view, .theme = &f->theme, .facts = &f->facts,
                              .now = 1795176000, .focused = true};
    f->pane.ops = ops;
    f->pane.win = newwin(h, w, 0, 0);
    f->pane.h = h;
    f->pane.w = w;
}

static void fixture_free(struct fixture *f)
{
    delwin(f->pane.win);
}

static void draw(struct fixture *f)
{
    f->pane.ops->draw(&f->pane, &f->ctx);
}

static enum pane_action key(struct fixture *f, int ch)
{
    return f->pane.ops->key(&f->pane, ch, &f->ctx);
}

/* Row y inside the borders, trailing blanks cut. */
static const char *line(struct fixture *f, int y)
{
    static char buf[512];
    mvwinnstr(f->pane.win, y, 1, buf, f->pane.w - 2);
    for (size_t n = strlen(buf); n > 0 && buf[n - 1] == ' '; n--)
        buf[n - 1] = '\0';
    return buf;
}

/* The first word of row y. */
static const char *first(struct fixture *f, int y)
{
    static char word[160];
    word[0] = '\0';
    sscanf(line(f, y), "%159s", word);
    return word;
}

static struct view_tenant tenant(const char *name, double burn, double window)
{
    return (struct view_tenant){.tenant = name, .burn_usd_per_hour = burn, .window_usd = window,
                                .baseline_usd = NAN, .ratio = NAN, .today_usd = window,
                                .budget_usd = NAN, .budget_used = NAN};
}

static void test_tenants_sort_bigger_first_unknown_last(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, &pane_tenants, 10, 100);
    struct view_tenant t[] = {tenant("acme", 2, 5), tenant("globex", 9, 1),
                              tenant("hooli", NAN, 9), tenant("", 0.5, 0.5)};
    f.view.tenants = t;
    f.view.ntenants = 4;
    draw(&f);
    /* BURN/H first (the default sort): 9, 2, 0.5, then unknown */
    assert_string_equal(first(&f, 2), "globex");
    assert_string_equal(first(&f, 3), "acme");
    assert_string_equal(first(&f, 4), "(unattributed)");
    assert_string_equal(first(&f, 5), "hooli");
    assert_non_null(strstr(line(&f, 1), "BURN/H-")); /* the sort mark, ASCII */
    /* s: WINDOW, bigger first: hooli 9, acme 5, globex 1, (unattributed) */
    assert_int_equal(key(&f, 's'), PANE_HANDLED);
    draw(&f);
    assert_string_equal(first(&f, 2), "hooli");
    assert_string_equal(first(&f, 5), "(unattributed)");
    /* r: the other way round */
    assert_int_equal(key(&f, 'r'), PANE_HANDLED);
    draw(&f);
    assert_string_equal(first(&f, 2), "(unattributed)");
    assert_string_equal(first(&f, 5), "hooli");
    assert_non_null(strstr(line(&f, 1), "WINDOW+"));
    fixture_free(&f);
}

static void test_the_cursor_stays_on_its_row(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, &pane_tenants, 10, 100);
    struct view_tenant t[] = {tenant("acme", 3, 3), tenant("globex", 2, 2), tenant("hooli", 1, 1)};
    f.view.tenants = t;
    f.view.ntenants = 3;
    draw(&f);
    key(&f, 'j'); /* onto globex, the second row */
    draw(&f);
    assert_true(f.pane.picked);
    assert_string_equal(f.pane.pick.a, "globex");
    /* globex's burn jumps: it is the first row now, and still the cursor's */
    f.view.tenants[1].burn_usd_per_hour = 10;
    draw(&f);
    assert_string_equal(first(&f, 2), "globex");
    assert_int_equal(f.pane.sel, 0);
    assert_string_equal(f.pane.pick.a, "globex");
    /* Enter drills into it */
    assert_int_equal(key(&f, '\r'), PANE_DRILL);
    assert_string_equal(f.pane.pick.a, "globex");
    fixture_free(&f);
}

static void test_the_filter_narrows_and_says_so(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, &pane_models, 10, 80);
    struct view_model m[] = {
        {.provider = "openai", .model = "o3", .window_usd = 3, .requests = 10, .share = 0.6,
         .baseline_share = 0.5},
        {.provider = "anthropic", .model = "claude-haiku-4-5", .window_usd = 2, .requests = 5,
         .share = 0.4, .baseline_share = 0.5},
    };
    f.view.models = m;
    f.view.nmodels = 2;
    f.ctx.filter = "ANTHRO"; /* the provider, any case */
    draw(&f);
    assert_string_equal(first(&f, 2), "claude-haiku-4-5");
    assert_string_equal(line(&f, 3), "");
    assert_non_null(strstr(line(&f, 0), "filter: ANTHRO"));
    f.ctx.filter = "gemini";
    draw(&f);
    assert_non_null(strstr(line(&f, 2), "no model matches the filter"));
    /* nothing to drill into */
    assert_int_equal(key(&f, '\r'), PANE_IGNORED);
    fixture_free(&f);
}

static void test_a_narrow_pane_drops_columns_by_priority(void **state)
{
    (void)state;
    struct fixture f;
    /* 48 inside the borders: TENANT 10, then BURN/H 9, WINDOW 9, RATIO 7,
     * BASE 9 = 10 + 4 x 1 + 34 = 48; TODAY and BUDGET no longer fit */
    fixture_init(&f, &pane_tenants, 8, 50);
    struct view_tenant t[] = {tenant("acme", 2, 5)};
    f.view.tenants = t;
    f.view.ntenants = 1;
    draw(&f);
    const char *h = line(&f, 1);
    assert_non_null(strstr(h, "BURN/H"));
    assert_non_null(strstr(h, "BASE"));
    assert_non_null(strstr(h, "RATIO"));
    assert_null(strstr(h, "TODAY"));
    assert_null(strstr(h, "BUDGET"));
    fixture_free(&f);
}

static void test_a_long_alert_scope_pushes_its_row_right(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, &pane_alerts, 6, 120);
    struct view_alert a[2] = {
        {.id = "a1", .kind = "spend_anomaly", .state = "firing", .severity = "critical",
         .scope = "total", .window = 3600, .value = 40, .baseline = 10, .ratio = 4,
         .started_at = 1795176000 - 300},
        {.id = "a2", .kind = "cache_drop", .state = "firing", .severity = "warning",
         .scope = "model:anthropic/claude-haiku-4-5", .window = 86400, .value = 0.1,
         .baseline = 0.5, .ratio = 0.2, .started_at = 1795176000 - 60},
    };
    f.view.alerts = a;
    f.view.nalerts = 2;
    draw(&f);
    /* as printf's "%-4s %-14s %-24s %-5s %s" would: columns at least as
     * wide as their width, a longer scope moves the rest along */
    assert_string_equal(line(&f, 1),
                        "CRIT spend_anomaly  total                    1h    $40.00 vs $10.00 (4.00x)"
                        "  since 5m");
    assert_string_equal(line(&f, 2),
                        "WARN cache_drop     model:anthropic/claude-haiku-4-5 24h   10.0% vs 50.0%"
                        " (0.20x)  since 60s");
    assert_non_null(strstr(line(&f, 0), "Alerts  2 firing"));
    /* `a` silences the alert under the cursor; s and r do nothing here */
    assert_int_equal(key(&f, 'j'), PANE_HANDLED);
    assert_int_equal(key(&f, 's'), PANE_IGNORED);
    assert_int_equal(key(&f, 'a'), PANE_SILENCE);
    assert_string_equal(f.pane.pick.a, "a2");
    fixture_free(&f);
}

static void test_no_alerts_says_why(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, &pane_alerts, 6, 100);
    f.view.baseline_days = 0;
    draw(&f);
    assert_non_null(strstr(line(&f, 1), "no alerts (learning"));
    assert_false(f.pane.picked);
    assert_int_equal(key(&f, 'a'), PANE_IGNORED);
    fixture_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tenants_sort_bigger_first_unknown_last),
        cmocka_unit_test(test_the_cursor_stays_on_its_row),
        cmocka_unit_test(test_the_filter_narrows_and_says_so),
        cmocka_unit_test(test_a_narrow_pane_drops_columns_by_priority),
        cmocka_unit_test(test_a_long_alert_scope_pushes_its_row_right),
        cmocka_unit_test(test_no_alerts_says_why),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
