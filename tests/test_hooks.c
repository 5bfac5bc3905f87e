/* test_hooks.c - the hook runner with real /bin/sh hooks on a real loop:
 * environment and stdin, an injection attempt that must not execute, the
 * timeout (SIGTERM, then SIGKILL for the whole group), retries, at most 4
 * at once, a hook that floods stdout, and no API keys in its environment. */
#include "tests/helpers.h"

#include <cJSON.h>
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include "alerts/hooks.h"
#include "alerts/outbox.h"
#include "app/config.h"
#include "collectors/sources.h"
#include "collectors/usage_api.h"
#include "lib/clock.h"
#include "lib/hmap.h"
#include "lib/log.h"
#include "lib/strbuf.h"

struct fx {
    char *dir;
    char dbpath[4200];
    struct config *cfg;
    struct db *db;
    uv_loop_t loop;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    f->dir = temp_dir();
    snprintf(f->dbpath, sizeof f->dbpath, "%s/s.db", f->dir);
    char err[256];
    f->db = db_open(f->dbpath, err, sizeof err);
    assert_non_null(f->db);
    f->cfg = config_defaults();
    uv_loop_init(&f->loop);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    assert_int_equal(uv_loop_close(&f->loop), 0); /* nothing left open */
    db_close(f->db);
    config_free(f->cfg);
    rm_rf(f->dir);
    free(f);
    return 0;
}

/* One hook running `shell` (with DIR replaced by the test directory). */
static struct hook_settings *shell_hook(struct fx *f, const char *shell, int64_t timeout, int attempts)
{
    f->cfg->hooks = realloc(f->cfg->hooks, (f->cfg->nhooks + 1) * sizeof *f->cfg->hooks);
    struct hook_settings *h = &f->cfg->hooks[f->cfg->nhooks++];
    memset(h, 0, sizeof *h);
    char buf[2048], *o = buf;
    for (const char *s = shell; *s && o < buf + sizeof buf - 200;) {
        if (strncmp(s, "DIR", 3) == 0) {
            o += sprintf(o, "%s", f->dir);
            s += 3;
        } else {
            *o++ = *s++;
        }
    }
    *o = '\0';
    h->shell = strdup(buf);
    h->name = strdup("test");
    h->on_firing = h->on_resolved = true;
    h->timeout = timeout;
    h->attempts = attempts;
    return h;
}

static const char *alert_json =
    "{\"id\":\"abc123\",\"kind\":\"spend_anomaly\",\"state\":\"firing\","
    "\"severity\":\"critical\",\"scope\":\"tenant:$(touch DIR/pwned)`touch DIR/pwned2`\","
    "\"window\":\"1h\",\"value\":35.02,\"baseline\":1.23,\"ratio\":28.47,\"threshold\":1.845,"
    "\"started_at\":\"2026-11-20T11:50:00Z\",\"summary\":\"tenant spend is up; rm -rf ~\"}";

static void queue(struct fx *f, size_t hook, int n)
{
    for (int i = 0; i < n; i++)
        assert_int_equal(outbox_put(f->db, &f->cfg->hooks[hook], hook, alert_json), 0);
}

static void closed(void *data) { *(int *)data = 1; }

/* Run until the queue is empty, then close. A stuck queue fails the test
 * after a minute instead of hanging it (a guard, not a timing assertion). */
static void tick(uv_timer_t *t) { (void)t; }

static void deliver(struct fx *f)
{
    const char **secret = config_secret_env(f->cfg);
    struct hooks *h = hooks_new(&f->loop, f->cfg->hooks, f->cfg->nhooks, secret, f->db);
    free(secret);
    hooks_kick(h);
    /* wake the loop now and then, so the guard is checked even while the
     * hooks sleep on a far-off timer */
    uv_timer_t guard;
    uv_timer_init(&f->loop, &guard);
    uv_timer_start(&guard, tick, 200, 200);
    int64_t deadline = clock_wall() + 60;
    while (!hooks_idle(h)) {
        if (clock_wall() > deadline)
            fail_msg("the hooks did not finish within a minute");
        uv_run(&f->loop, UV_RUN_ONCE);
    }
    uv_close((uv_handle_t *)&guard, NULL);
    int done = 0;
    hooks_close(h, closed, &done);
    while (!done)
        uv_run(&f->loop, UV_RUN_ONCE);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    hooks_free(h);
}

static char *slurp(struct fx *f, const char *name)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    return buf;
}

static bool exists(struct fx *f, const char *name)
{
    char path[4300];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    return stat(path, &st) == 0;
}

static void test_env_and_stdin_carry_the_alert(void **state)
{
    struct fx *f = *state;
    shell_hook(f, "env | grep ^SPENDTOP_ALERT_ | sort > DIR/env; cat > DIR/stdin", 10, 1);
    queue(f, 0, 1);
    deliver(f);
    const char *env = slurp(f, "env");
    assert_non_null(env);
    assert_non_null(strstr(env, "SPENDTOP_ALERT_ID=abc123\n"));
    assert_non_null(strstr(env, "SPENDTOP_ALERT_KIND=spend_anomaly\n"));
    assert_non_null(strstr(env, "SPENDTOP_ALERT_STATE=firing\n"));
    assert_non_null(strstr(env, "SPENDTOP_ALERT_SEVERITY=critical\n"));
    assert_non_null(strstr(env, "SPENDTOP_ALERT_WINDOW=1h\n"));
    assert_non_null(strstr(env, "SPENDTOP_ALERT_VALUE=35.02\n"));
    assert_non_null(strstr(env, "SPENDTOP_ALERT_BASELINE=1.23\n"));
    assert_non_null(strstr(env, "SPENDTOP_ALERT_RATIO=28.47\n"));
    assert_non_null(strstr(env, "SPENDTOP_ALERT_THRESHOLD=1.845\n"));
    assert_non_null(strstr(env, "SPENDTOP_ALERT_STARTED_AT=2026-11-20T11:50:00Z\n"));
    assert_non_null(strstr(env, "SPENDTOP_ALERT_SUMMARY=tenant spend is up; rm -rf ~\n"));
    cJSON *j = cJSON_Parse(slurp(f, "stdin"));
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "id")->valuestring, "abc123");
    assert_true(cJSON_GetObjectItem(j, "value")->valuedouble == 35.02);
    cJSON_Delete(j);
    assert_int_equal(outbox_count(f->db), 0);
}

static void test_untrusted_text_is_never_executed(void **state)
{
    struct fx *f = *state;
    /* the documented way to use a value: quoted, as data */
    shell_hook(f, "printf '%s\\n' \"$SPENDTOP_ALERT_SCOPE\" > DIR/scope", 10, 1);
    f->cfg->hooks = realloc(f->cfg->hooks, 2 * sizeof *f->cfg->hooks);
    struct hook_settings *argv_hook = &f->cfg->hooks[1];
    memset(argv_hook, 0, sizeof *argv_hook);
    f->cfg->nhooks = 2;
    char out[4300];
    snprintf(out, sizeof out, "%s/argv-stdin", f->dir);
    argv_hook->argc = 4;
    argv_hook->argv = calloc(5, sizeof(char *)); /* NULL-terminated, as config.c makes it */
    argv_hook->argv[0] = strdup("/bin/sh");
    argv_hook->argv[1] = strdup("-c");
    argv_hook->argv[2] = strdup("cat > \"$0\"");
    argv_hook->argv[3] = strdup(out);
    argv_hook->on_firing = true;
    argv_hook->timeout = 10;
    argv_hook->attempts = 1;
    queue(f, 0, 1);
    queue(f, 1, 1);
    deliver(f);
    const char *scope = slurp(f, "scope");
    assert_non_null(scope);
    assert_non_null(strstr(scope, "tenant:$(touch"));
    assert_false(exists(f, "pwned"));
    assert_false(exists(f, "pwned2"));
    assert_non_null(strstr(slurp(f, "argv-stdin"), "\"scope\":\"tenant:$(touch"));
}

static void test_timeout_kills_the_whole_group(void **state)
{
    struct fx *f = *state;
    /* ignores SIGTERM, and leaves a child behind in its group */
    shell_hook(f, "trap '' TERM; sleep 300 & echo $! > DIR/child; echo $$ > DIR/pid; "
                  "while :; do sleep 1; done", 1, 1);
    queue(f, 0, 1);
    deliver(f);
    int pid = atoi(slurp(f, "pid")), child = atoi(slurp(f, "child"));
    assert_true(pid > 0 && child > 0);
    /* both gone (the shell reaped by us; the orphan by init) */
    for (int i = 0; i < 50 && kill(child, 0) == 0; i++)
        nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL); /* usleep is gone from POSIX */
    assert_int_equal(kill(pid, 0), -1);
    assert_int_equal(kill(child, 0), -1);
    assert_int_equal(outbox_count(f->db), 0); /* one attempt, given up */
}

/* A hook that exits at once but leaves a child running (`cmd &`): the
 * child ends with it, orphans do not pile up one per notification. */
static void test_what_a_hook_leaves_running_ends_with_it(void **state)
{
    struct fx *f = *state;
    shell_hook(f, "sleep 300 & echo $! > DIR/child; exit 0", 10, 1);
    queue(f, 0, 1);
    deliver(f);
    int child = atoi(slurp(f, "child"));
    assert_true(child > 0);
    /* gone: signalled by us, reaped by init (awaited, a guard not a timing) */
    for (int i = 0; i < 50 && kill(child, 0) == 0; i++)
        nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL);
    assert_int_equal(kill(child, 0), -1);
    assert_int_equal(outbox_count(f->db), 0); /* and it counted as delivered */
}

/* spendtop keeps UTC (or the configured zone) in its own TZ: a hook gets
 * the operator's TZ as it was at start, and no TZ when there was none. */
static void test_a_hook_gets_the_operators_time_zone(void **state)
{
    struct fx *f = *state;
    setenv("TZ", "America/New_York", 1);
    assert_true(clock_set_timezone("UTC")); /* what spendtop does inside */
    shell_hook(f, "printf '%s' \"${TZ-unset}\" > DIR/tz", 10, 1);
    queue(f, 0, 1);
    deliver(f);
    assert_string_equal(slurp(f, "tz"), "America/New_York");
}

static void test_failure_is_retried_then_delivered(void **state)
{
    struct fx *f = *state;
    /* fails twice, then succeeds */
    shell_hook(f, "echo x >> DIR/tries; [ $(wc -l < DIR/tries) -ge 3 ]", 10, 3);
    queue(f, 0, 1);
    deliver(f);
    assert_string_equal(slurp(f, "tries"), "x\nx\nx\n");
    assert_int_equal(outbox_count(f->db), 0);
}

/* --once freezes the clock at --now, in the past or the future of the real
 * time: a retry must come due either way. */
static void retry_with_now_frozen_at(struct fx *f, int64_t now)
{
    clock_set(now, true);
    shell_hook(f, "echo x >> DIR/tries; [ $(wc -l < DIR/tries) -ge 2 ]", 10, 2);
    queue(f, 0, 1);
    deliver(f);
    assert_string_equal(slurp(f, "tries"), "x\nx\n");
    assert_int_equal(outbox_count(f->db), 0);
}

static void test_retries_come_due_with_now_frozen_in_the_past(void **state)
{
    retry_with_now_frozen_at(*state, clock_wall() - 365 * 86400);
}

static void test_retries_come_due_with_now_frozen_in_the_future(void **state)
{
    retry_with_now_frozen_at(*state, clock_wall() + 365 * 86400);
}

static void test_gives_up_after_attempts(void **state)
{
    struct fx *f = *state;
    shell_hook(f, "echo x >> DIR/tries; exit 7", 10, 2);
    queue(f, 0, 1);
    deliver(f);
    assert_string_equal(slurp(f, "tries"), "x\nx\n");
    assert_int_equal(outbox_count(f->db), 0);
}

/* A failure, a retry and a page given up say which notification: an
 * operator reading "giving up" must know which page was lost. */
static void test_the_log_names_the_notification(void **state)
{
    struct fx *f = *state;
    char logpath[4300], err[256];
    snprintf(logpath, sizeof logpath, "%s/hooks.log", f->dir);
    assert_int_equal(log_open(logpath, err, sizeof err), 0);
    shell_hook(f, "exit 7", 10, 2);
    queue(f, 0, 1);
    deliver(f);
    log_close();
    const char *log = slurp(f, "hooks.log");
    assert_non_null(log);
    const char *what = "; alert abc123 (spend_anomaly tenant:$(touch DIR/pwned)`touch "
                       "DIR/pwned2` firing)\n";
    char line[512];
    snprintf(line, sizeof line, "hook test: exit status 7; retrying in 1s (attempt 2 of 2)%s",
             what);
    assert_non_null(strstr(log, line));
    snprintf(line, sizeof line, "hook test: exit status 7; failed 2 times, giving up on this "
             "notification%s", what);
    assert_non_null(strstr(log, line));
}

/* The firing page of an alert fails once and waits for its retry; the
 * resolve, queued meanwhile, waits behind it: the hook hears firing, then
 * resolved, never the two at once (the resolve went first, and the
 * firing a second later opened the incident again at the pager). Another
 * alert's row is not held back. */
static void test_an_alerts_notifications_keep_their_order(void **state)
{
    struct fx *f = *state;
    shell_hook(f, "cat > /dev/null; s=$SPENDTOP_ALERT_STATE; echo \"+$s\" >> DIR/trace; "
                  "if [ $s = firing ] && [ ! -e DIR/failed ]; then touch DIR/failed; "
                  "echo \"-$s\" >> DIR/trace; exit 1; fi; sleep 0.2; "
                  "echo \"$SPENDTOP_ALERT_ID $s\" >> DIR/order; echo \"-$s\" >> DIR/trace", 10, 3);
    char resolved[1024], other[1024];
    const char *st = strstr(alert_json, "\"firing\"");
    snprintf(resolved, sizeof resolved, "%.*s\"resolved\"%s", (int)(st - alert_json),
             alert_json, st + strlen("\"firing\""));
    snprintf(other, sizeof other, "%s", alert_json);
    memcpy(strstr(other, "abc123"), "def456", 6);
    assert_int_equal(outbox_put(f->db, &f->cfg->hooks[0], 0, alert_json), 0);
    assert_int_equal(outbox_put(f->db, &f->cfg->hooks[0], 0, resolved), 0);
    assert_int_equal(outbox_put(f->db, &f->cfg->hooks[0], 0, other), 0);
    /* while the firing row waits for a retry, only the other alert's may
     * start */
    struct outbox_item items[4];
    size_t n = outbox_due(f->db, INT64_MAX, NULL, 0, items, 4);
    assert_int_equal(n, 3);
    int64_t first = items[0].seq;
    outbox_items_free(items, n);
    assert_int_equal(outbox_retry(f->db, first, 1, clock_wall() + 3600), 0);
    n = outbox_startable(f->db, clock_wall(), NULL, 0, items, 4);
    assert_int_equal(n, 1);
    assert_non_null(strstr(items[0].json, "def456"));
    outbox_items_free(items, n);
    /* ... and so while it runs */
    n = outbox_startable(f->db, INT64_MAX, &first, 1, items, 4);
    assert_int_equal(n, 1);
    assert_non_null(strstr(items[0].json, "def456"));
    outbox_items_free(items, n);
    assert_int_equal(outbox_retry(f->db, first, 0, 0), 0);
    deliver(f);
    const char *order = slurp(f, "order");
    assert_non_null(order);
    /* abc123: firing before resolve */
    const char *fire = strstr(order, "abc123 firing\n"), *res = strstr(order, "abc123 resolved\n");
    assert_non_null(fire);
    assert_non_null(res);
    assert_true(fire < res);
    assert_non_null(strstr(order, "def456 firing\n"));
    /* and abc123's two never ran at once */
    const char *trace = slurp(f, "trace");
    assert_null(strstr(trace, "+resolved\n-firing"));
    assert_int_equal(outbox_count(f->db), 0);
}

static void test_at_most_four_at_once(void **state)
{
    struct fx *f = *state;
    /* each records its start and end under a lock-free append */
    shell_hook(f, "echo + >> DIR/trace; sleep 0.3; echo - >> DIR/trace", 10, 1);
    /* ten alerts (one alert's notifications run one after another) */
    for (int i = 0; i < 10; i++) {
        char json[1024];
        snprintf(json, sizeof json, "%s", alert_json);
        strstr(json, "abc123")[5] = (char)('0' + i);
        assert_int_equal(outbox_put(f->db, &f->cfg->hooks[0], 0, json), 0);
    }
    deliver(f);
    const char *trace = slurp(f, "trace");
    int running = 0, most = 0, starts = 0;
    for (const char *p = trace; *p; p++) {
        if (*p == '+') {
            running++;
            starts++;
        } else if (*p == '-') {
            running--;
        }
        if (running > most)
            most = running;
    }
    assert_int_equal(starts, 10);
    assert_true(most <= HOOKS_MAX_RUNNING);
    assert_true(most >= 2); /* they did overlap */
}

static void test_a_flood_of_output_is_capped_in_the_log(void **state)
{
    struct fx *f = *state;
    char logpath[4300], err[256];
    snprintf(logpath, sizeof logpath, "%s/hooks.log", f->dir);
    assert_int_equal(log_open(logpath, err, sizeof err), 0);
    shell_hook(f, "yes 'a line of hook output' | head -c 20000000", 30, 1);
    queue(f, 0, 1);
    deliver(f);
    log_close();
    struct stat st;
    assert_int_equal(stat(logpath, &st), 0);
    assert_true(st.st_size > 64 * 1024 / 2);   /* it was logged */
    assert_true(st.st_size < 512 * 1024);       /* but not 20 MB of it */
    assert_int_equal(outbox_count(f->db), 0);   /* and it succeeded */
}

static void test_api_keys_are_not_in_the_hook_environment(void **state)
{
    struct fx *f = *state;
    setenv("SPENDTOP_TEST_ADMIN_KEY", "sk-admin-do-not-leak", 1);
    f->cfg->nsources = 1;
    f->cfg->sources = calloc(1, sizeof *f->cfg->sources);
    f->cfg->sources[0] = sources_new("openai", "oa");
    ((struct usage_api_settings *)f->cfg->sources[0])->api_key_env =
        strdup("SPENDTOP_TEST_ADMIN_KEY");
    shell_hook(f, "env > DIR/env", 10, 1);
    queue(f, 0, 1);
    deliver(f);
    const char *env = slurp(f, "env");
    assert_non_null(strstr(env, "PATH="));  /* the rest of the environment is there */
    assert_null(strstr(env, "sk-admin-do-not-leak"));
    unsetenv("SPENDTOP_TEST_ADMIN_KEY");
}

/* A reload that drops the source whose key is SPENDTOP_TEST_OLD_KEY: the
 * key is still in spendtop's environment (the unit's EnvironmentFile),
 * and still no hook's business. */
static void test_a_key_named_before_a_reload_stays_out(void **state)
{
    struct fx *f = *state;
    setenv("SPENDTOP_TEST_OLD_KEY", "sk-old-do-not-leak", 1);
    setenv("SPENDTOP_TEST_NEW_KEY", "sk-new-do-not-leak", 1);
    shell_hook(f, "env > DIR/env", 10, 1);
    const char *before[] = {"SPENDTOP_TEST_OLD_KEY", NULL};
    const char *after[] = {"SPENDTOP_TEST_NEW_KEY", NULL};
    struct hooks *h = hooks_new(&f->loop, f->cfg->hooks, f->cfg->nhooks, before, f->db);
    hooks_configure(h, f->cfg->hooks, f->cfg->nhooks, after);
    queue(f, 0, 1);
    hooks_kick(h);
    int64_t deadline = clock_wall() + 60;
    while (!hooks_idle(h)) {
        if (clock_wall() > deadline)
            fail_msg("the hook did not finish within a minute");
        uv_run(&f->loop, UV_RUN_ONCE);
    }
    int done = 0;
    hooks_close(h, closed, &done);
    while (!done)
        uv_run(&f->loop, UV_RUN_ONCE);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    hooks_free(h);
    unsetenv("SPENDTOP_TEST_OLD_KEY");
    unsetenv("SPENDTOP_TEST_NEW_KEY");
    const char *env = slurp(f, "env");
    assert_non_null(env);
    assert_non_null(strstr(env, "PATH="));
    assert_null(strstr(env, "sk-new-do-not-leak"));
    assert_null(strstr(env, "sk-old-do-not-leak"));
}

static void test_a_missing_command_is_a_failed_attempt(void **state)
{
    struct fx *f = *state;
    f->cfg->hooks = calloc(1, sizeof *f->cfg->hooks);
    f->cfg->nhooks = 1;
    f->cfg->hooks[0].argc = 1;
    f->cfg->hooks[0].argv = calloc(2, sizeof(char *));
    f->cfg->hooks[0].argv[0] = strdup("/nonexistent/pager");
    f->cfg->hooks[0].on_firing = true;
    f->cfg->hooks[0].timeout = 5;
    f->cfg->hooks[0].attempts = 1;
    queue(f, 0, 1);
    deliver(f);
    assert_int_equal(outbox_count(f->db), 0);
}

/* A reload: the notification queued for a hook that is gone is dropped,
 * the one queued for a hook that moved (index 1 -> 0) finds it - by its
 * name, though its command changed meanwhile (the operator fixed a
 * failing pager); a nameless hook is its command. */
static void test_queued_notifications_follow_their_hook_across_a_reload(void **state)
{
    struct fx *f = *state;
    shell_hook(f, "echo a >> DIR/a", 10, 1);
    shell_hook(f, "exit 1", 10, 1);          /* pager b, failing */
    shell_hook(f, "echo c >> DIR/c", 10, 1);
    free(f->cfg->hooks[0].name);
    f->cfg->hooks[0].name = strdup("a");
    free(f->cfg->hooks[1].name);
    f->cfg->hooks[1].name = strdup("b");
    free(f->cfg->hooks[2].name);
    f->cfg->hooks[2].name = NULL;            /* known by its command */
    for (size_t i = 0; i < 3; i++)
        queue(f, i, 1);
    struct hooks *h = hooks_new(&f->loop, f->cfg->hooks, f->cfg->nhooks, NULL, f->db);
    struct hook_settings *only_b = calloc(2, sizeof *only_b);
    only_b[0] = f->cfg->hooks[1]; /* the same hook (its strings are cfg's) */
    only_b[0].shell = NULL;
    char fixed[600];
    snprintf(fixed, sizeof fixed, "echo b >> %s/b", f->dir);
    only_b[0].shell = fixed;                  /* ... its command fixed */
    only_b[1] = f->cfg->hooks[2];
    char other[600];
    snprintf(other, sizeof other, "echo C >> %s/C", f->dir);
    only_b[1].shell = other;                  /* a nameless hook, another command */
    hooks_configure(h, only_b, 2, NULL);
    hooks_kick(h);
    int64_t deadline = clock_wall() + 60;
    while (!hooks_idle(h)) {
        if (clock_wall() > deadline)
            fail_msg("the hooks did not finish within a minute");
        uv_run(&f->loop, UV_RUN_ONCE);
    }
    int done = 0;
    hooks_close(h, closed, &done);
    while (!done)
        uv_run(&f->loop, UV_RUN_ONCE);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    hooks_free(h);
    free(only_b);
    assert_false(exists(f, "a"));
    assert_string_equal(slurp(f, "b"), "b\n");
    assert_false(exists(f, "c"));
    assert_false(exists(f, "C"));
    assert_int_equal(outbox_count(f->db), 0);
}

/* Rows queued before hooks were known by name alone (by name and
 * command) still find their unchanged hook. */
static void test_rows_queued_by_name_and_command_find_their_hook(void **state)
{
    struct fx *f = *state;
    struct hook_settings *k = shell_hook(f, "echo x >> DIR/x", 10, 1);
    struct strbuf b = {0};
    strbuf_printf(&b, "%s\x1f%s\x1f", k->name, k->shell);
    uint64_t old = hmap_hash(strbuf_str(&b), b.len) >> 1;
    strbuf_free(&b);
    assert_true(outbox_is_for(k, old));
    assert_true(outbox_is_for(k, outbox_fingerprint(k)));
    assert_true(outbox_fingerprint(k) != old);
    char *shell = k->shell;
    k->shell = (char *)"echo y";
    assert_false(outbox_is_for(k, old));             /* an old row: the command too */
    k->shell = shell;
}

/* The daemon's stop: a running hook is not killed but finishes (and its
 * notification is done); hooks_close, the dashboard's quit, kills it. */
static void stop_while_running(struct fx *f, bool drain)
{
    shell_hook(f, "touch DIR/started; sleep 1; echo done > DIR/done", 10, 1);
    queue(f, 0, 1);
    struct hooks *h = hooks_new(&f->loop, f->cfg->hooks, f->cfg->nhooks, NULL, f->db);
    hooks_kick(h);
    uv_timer_t guard;
    uv_timer_init(&f->loop, &guard);
    uv_timer_start(&guard, tick, 20, 20);
    int64_t deadline = clock_wall() + 60;
    while (!exists(f, "started")) {
        if (clock_wall() > deadline)
            fail_msg("the hook did not start within a minute");
        uv_run(&f->loop, UV_RUN_ONCE);
    }
    uv_close((uv_handle_t *)&guard, NULL);
    int done = 0;
    if (drain)
        hooks_drain(h, closed, &done);
    else
        hooks_close(h, closed, &done);
    while (!done)
        uv_run(&f->loop, UV_RUN_ONCE);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    hooks_free(h);
}

static void test_a_drain_lets_a_running_hook_finish(void **state)
{
    struct fx *f = *state;
    stop_while_running(f, true);
    assert_true(exists(f, "done"));
    assert_int_equal(outbox_count(f->db), 0);   /* delivered */
}

static void test_a_close_stops_a_running_hook_and_keeps_it_queued(void **state)
{
    struct fx *f = *state;
    stop_while_running(f, false);
    assert_false(exists(f, "done"));
    assert_int_equal(outbox_count(f->db), 1);   /* for the next start */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* first: the operator's TZ is the one before the process's first
         * clock_set_timezone or hooks_new */
        cmocka_unit_test_setup_teardown(test_a_hook_gets_the_operators_time_zone, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_env_and_stdin_carry_the_alert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_untrusted_text_is_never_executed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_kills_the_whole_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_what_a_hook_leaves_running_ends_with_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_failure_is_retried_then_delivered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retries_come_due_with_now_frozen_in_the_past, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retries_come_due_with_now_frozen_in_the_future, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gives_up_after_attempts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_log_names_the_notification, setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_alerts_notifications_keep_their_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_at_most_four_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_flood_of_output_is_capped_in_the_log, setup, teardown),
        cmocka_unit_test_setup_teardown(test_api_keys_are_not_in_the_hook_environment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_key_named_before_a_reload_stays_out, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_missing_command_is_a_failed_attempt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rows_queued_by_name_and_command_find_their_hook,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_queued_notifications_follow_their_hook_across_a_reload,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_drain_lets_a_running_hook_finish, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_close_stops_a_running_hook_and_keeps_it_queued,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
