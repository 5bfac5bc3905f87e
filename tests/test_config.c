/* test_config.c - typed config: defaults, every error path, secrets. */
#include "tests/helpers.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alerts/rules.h"
#include "app/config.h"
#include "collectors/sources.h"
#include "collectors/usage_api.h"

static char *dir;

static int setup(void **state)
{
    (void)state;
    dir = temp_dir();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rm_rf(dir);
    return 0;
}

/* Write text to DIR/name and load it; errors land in errs. */
static struct config *load(const char *text, struct strbuf *errs)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/config.toml", dir);
    write_file(path, "%s", text);
    strbuf_reset(errs);
    return config_load(path, errs);
}

/* The error text with the temp dir replaced by "DIR". */
static const char *errors_of(struct strbuf *errs)
{
    static char out[8192];
    const char *s = strbuf_str(errs);
    size_t n = 0, dl = strlen(dir);
    while (*s && n < sizeof out - 8) {
        if (strncmp(s, dir, dl) == 0) {
            memcpy(out + n, "DIR", 3);
            n += 3;
            s += dl;
        } else {
            out[n++] = *s++;
        }
    }
    out[n] = '\0';
    return out;
}

/* Where the value of a source's key landed, found through its type's key
 * table (a type's settings struct is its own). */
static const void *setting(const struct source_settings *s, const char *key)
{
    size_t off = 0;
    const struct setting *k = settings_find(s->type->keys, key, &off);
    assert_non_null(k);
    return (const char *)s + off + k->offset;
}

static const void *setting_count(const struct source_settings *s, const char *key)
{
    size_t off = 0;
    const struct setting *k = settings_find(s->type->keys, key, &off);
    assert_non_null(k);
    return (const char *)s + off + k->count_offset;
}

/* Source i of c, a usage API source. */
static const struct usage_api_settings *api(const struct config *c, size_t i)
{
    return (const struct usage_api_settings *)c->sources[i];
}

static void test_defaults(void **state)
{
    (void)state;
    struct config *c = config_defaults();
    assert_int_equal(c->refresh, 1);
    assert_string_equal(c->timezone, "UTC");
    assert_int_equal(c->window, 3600);
    assert_true(alert_settings_get(&c->alerts, "factor") == 1.5);
    assert_true(alert_settings_get(&c->alerts, "min_spend_usd") == 1.0);
    assert_true(alert_settings_get(&c->alerts, "model_spike") == 5);
    assert_true(alert_settings_get(&c->alerts, "min_requests") == 20);
    assert_true(alert_settings_get(&c->alerts, "mix_shift") == 0.25);
    assert_true(alert_settings_get(&c->alerts, "cache_drop") == 0.20);
    assert_true(alert_settings_get(&c->alerts, "min_input_tokens") == 100000);
    assert_true(alert_settings_get(&c->alerts, "reasoning_factor") == 2);
    assert_true(alert_settings_get(&c->alerts, "stale_after") == 900);
    assert_int_equal(c->alerts.for_s, 300);
    assert_int_equal(c->alerts.repeat, 3600);
    assert_int_equal(c->alerts.nwindows, 2);
    assert_int_equal(c->alerts.windows[0], 3600);
    assert_int_equal(c->alerts.windows[1], 86400);
    assert_int_equal(c->nsources, 0);
    assert_non_null(strstr(c->db_path, "spendtop/spendtop.db"));
    config_free(c);
}

static void test_state_dir_follows_xdg(void **state)
{
    (void)state;
    char buf[512];
    setenv("XDG_STATE_HOME", "/srv/state", 1);
    config_state_dir(buf, sizeof buf);
    assert_string_equal(buf, "/srv/state/spendtop");
    unsetenv("XDG_STATE_HOME");
    setenv("HOME", "/home/oncall", 1);
    config_state_dir(buf, sizeof buf);
    assert_string_equal(buf, "/home/oncall/.local/state/spendtop");
    /* no HOME (cron, a systemd service, a CI runner): the home directory
     * the password database gives, not /tmp */
    const struct passwd *pw = getpwuid(getuid());
    assert_non_null(pw);
    char want[512];
    snprintf(want, sizeof want, "%s/.local/state/spendtop", pw->pw_dir);
    unsetenv("HOME");
    config_state_dir(buf, sizeof buf);
    assert_string_equal(buf, want);
    setenv("HOME", "", 1);
    config_state_dir(buf, sizeof buf);
    assert_string_equal(buf, want);
    setenv("HOME", "/home/oncall", 1);
}

/* The log is in the state directory whatever [general] db says, and the
 * example says so (it said "next to the db"). */
static void test_log_default_is_in_the_state_dir_as_documented(void **state)
{
    (void)state;
    setenv("XDG_STATE_HOME", "/srv/state", 1);
    struct config *c = config_defaults();
    assert_string_equal(c->log_path, "/srv/state/spendtop/spendtop.log");
    config_free(c);
    struct strbuf errs = {0};
    c = load("[general]\ndb = \"/elsewhere/x.db\"\n[[source]]\nname = \"d\"\n"
             "type = \"demo\"\n", &errs);
    assert_non_null(c);
    assert_string_equal(c->log_path, "/srv/state/spendtop/spendtop.log");
    config_free(c);
    strbuf_free(&errs);
    unsetenv("XDG_STATE_HOME");
    struct strbuf ex = {0};
    config_write_example(&ex);
    const char *line = strstr(strbuf_str(&ex), "# log = ");
    assert_non_null(line);
    const char *end = strstr(line, "\n\n");
    assert_non_null(end);
    char doc[512];
    snprintf(doc, sizeof doc, "%.*s", (int)(end - line), line);
    assert_null(strstr(doc, "next to the db"));
    assert_non_null(strstr(doc, "$XDG_STATE_HOME/spendtop"));
    assert_non_null(strstr(doc, "wherever --db"));
    strbuf_free(&ex);
}

static void test_example_config_loads_with_every_default(void **state)
{
    (void)state;
    struct strbuf errs = {0};
    struct config *c = config_load("config.example.toml", &errs);
    if (!c)
        fail_msg("config.example.toml: %s", strbuf_str(&errs));
    struct config *d = config_defaults();
    /* the example documents the defaults: loading it changes nothing */
    assert_int_equal(c->refresh, d->refresh);
    assert_string_equal(c->timezone, d->timezone);
    assert_int_equal(c->window, d->window);
    for (size_t i = 0; rules_kind_at(i); i++)
        for (const struct setting *k = rules_kind_at(i)->keys; k->name; k++)
            assert_true(alert_settings_get(&c->alerts, k->name) ==
                        alert_settings_get(&d->alerts, k->name));
    assert_int_equal(c->alerts.for_s, d->alerts.for_s);
    assert_int_equal(c->alerts.repeat, d->alerts.repeat);
    assert_int_equal(c->alerts.keep_resolved, d->alerts.keep_resolved);
    assert_int_equal(c->alerts.nwindows, 2);
    config_free(c);
    config_free(d);
    strbuf_free(&errs);
}

static void test_a_full_config(void **state)
{
    (void)state;
    struct strbuf errs = {0};
    char key[4200];
    snprintf(key, sizeof key, "%s/key", dir);
    write_file(key, "sk-admin-secret\n");
    chmod(key, 0600);
    char text[8192];
    snprintf(text, sizeof text,
        "[general]\nrefresh = \"2s\"\ntimezone = \"Europe/Berlin\"\nwindow = \"6h\"\n"
        "[pricing]\ndiscounts = { openai = 0.15 }\naliases = { \"r\" = \"gpt-4o\" }\n"
        "[pricing.models.\"llama\"]\ninput_cost_per_token = 1e-7\noutput_cost_per_token = 2e-7\n"
        "[alerts]\nfactor = 2.0\nwindows = [\"30m\", \"6h\"]\nfor = \"10m\"\n"
        "[[tenant]]\nname = \"acme\"\ndaily_budget_usd = 250\n"
        "[[source]]\nname = \"spans\"\ntype = \"otel_file\"\npath = \"/var/x/*.json\"\n"
        "start_at = \"end\"\ntenant_attribute = [\"tenant.id\", \"enduser.id\"]\n"
        "[[source]]\nname = \"oa\"\ntype = \"openai\"\napi_key_file = \"%s\"\n"
        "tenant_by = \"api_key_id\"\n[source.tenant_names]\nkey_1 = \"acme\"\n"
        "[[hook]]\ncommand = [\"/bin/echo\", \"paged\"]\non = \"firing\"\n"
        "kinds = [\"budget\"]\nmin_severity = \"critical\"\ntimeout = \"3s\"\nattempts = 5\n"
        "scopes = [\"total\", \"tenant\"]\n",
        key);
    struct config *c = load(text, &errs);
    if (!c)
        fail_msg("%s", strbuf_str(&errs));
    assert_int_equal(c->refresh, 2);
    assert_string_equal(c->timezone, "Europe/Berlin");
    assert_int_equal(c->window, 21600);
    assert_int_equal(c->ndiscounts, 1);
    assert_true(c->discount_fractions[0] == 0.15);
    assert_string_equal(c->alias_to[0], "gpt-4o");
    assert_int_equal(c->nprice_fields, 2);
    assert_true(alert_settings_get(&c->alerts, "factor") == 2.0);
    assert_int_equal(c->alerts.windows[0], 1800);
    assert_int_equal(c->alerts.for_s, 600);
    assert_string_equal(c->tenants[0].name, "acme");
    assert_true(c->tenants[0].daily_budget_usd == 250);
    assert_int_equal(c->nsources, 2);
    assert_string_equal(c->sources[0]->type->name, "otel_file");
    assert_string_equal(*(const char *const *)setting(c->sources[0], "start_at"), "end");
    assert_int_equal(*(const size_t *)setting_count(c->sources[0], "tenant_attribute"), 2);
    assert_string_equal((*(char **const *)setting(c->sources[0], "tenant_attribute"))[1],
                        "enduser.id");
    assert_string_equal(c->sources[1]->type->name, "openai");
    const struct usage_api_settings *oa = (const struct usage_api_settings *)c->sources[1];
    assert_string_equal(oa->base_url, "https://api.openai.com/v1");
    assert_string_equal(oa->tenant_by, "api_key_id");
    assert_string_equal(oa->tenant_name_values[0], "acme");
    assert_int_equal(c->nhooks, 1);
    assert_int_equal(c->hooks[0].argc, 2);
    assert_null(c->hooks[0].argv[2]); /* an argv for exec: NULL-terminated */
    assert_true(c->hooks[0].on_firing);
    assert_false(c->hooks[0].on_resolved);
    assert_string_equal(c->hooks[0].min_severity, "critical");
    assert_int_equal(c->hooks[0].attempts, 5);
    assert_int_equal(c->hooks[0].nscopes, 2);
    assert_string_equal(c->hooks[0].scopes[1], "tenant");
    char secret[128], err[256];
    assert_int_equal(usage_api_read_secret(oa, secret, sizeof secret, err, sizeof err), 0);
    assert_string_equal(secret, "sk-admin-secret");
    config_free(c);
    strbuf_free(&errs);
}

static void test_unknown_keys_say_where_and_what_was_meant(void **state)
{
    (void)state;
    struct strbuf errs = {0};
    assert_null(load("[alerts]\nfactr = 2\n\n[general]\n  refersh = \"1s\"\n[nope]\n", &errs));
    assert_string_equal(errors_of(&errs),
        "DIR/config.toml:6:2: unknown key 'nope' in the top level\n"
        "DIR/config.toml:5:3: unknown key 'refersh' in [general] (did you mean 'refresh'?)\n"
        "DIR/config.toml:2:1: unknown key 'factr' in [alerts] (did you mean 'factor'?)\n");
    strbuf_free(&errs);
}

static void test_type_and_range_errors_name_the_value(void **state)
{
    (void)state;
    struct strbuf errs = {0};
    assert_null(load("[alerts]\nfactor = \"high\"\nmix_shift = 3\nfor = \"5 minutes\"\n"
                     "windows = []\n[general]\nwindow = \"2h\"\ntimezone = \"Mars/Base\"\n", &errs));
    assert_string_equal(errors_of(&errs),
        "DIR/config.toml:8:12: unknown time zone 'Mars/Base' (use \"UTC\", \"local\" or a name like \"Europe/Berlin\")\n"
        "DIR/config.toml:7:10: 'window' must be \"1h\", \"6h\" or \"24h\"\n"
        "DIR/config.toml:2:10: 'factor' must be a number, not string\n"
        "DIR/config.toml:3:13: 'mix_shift' must be between 0.01 and 1\n"
        "DIR/config.toml:4:7: 'for' must be a duration like \"30s\", \"5m\", \"1h\"\n"
        "DIR/config.toml:5:11: 'windows' must be a non-empty array of durations, e.g. [\"1h\", \"24h\"]\n");
    strbuf_free(&errs);
}

static void test_toml_syntax_errors_have_a_position(void **state)
{
    (void)state;
    struct strbuf errs = {0};
    assert_null(load("[general]\nrefresh = \"1s\n", &errs));
    assert_string_equal(errors_of(&errs), "DIR/config.toml:2:14: unterminated string\n");
    assert_null(load("a = 1\na = 2\n", &errs));
    assert_string_equal(errors_of(&errs),
        "DIR/config.toml:2:1: duplicate key 'a' (first defined at line 1)\n");
    strbuf_free(&errs);
}

static void test_source_errors(void **state)
{
    (void)state;
    struct strbuf errs = {0};
    assert_null(load(
        "[[source]]\nname = \"a\"\n"                                  /* no type */
        "[[source]]\nname = \"b\"\ntype = \"kafka\"\n"               /* unknown type */
        "[[source]]\nname = \"c\"\ntype = \"otel_file\"\nstart_at = \"middle\"\n"
        "[[source]]\nname = \"c\"\ntype = \"openai\"\napi_key = \"sk-oops\"\n"
        "[[source]]\ntype = \"anthropic\"\napi_key_env = \"X\"\napi_key_file = \"/nonexistent\"\n"
        "tenant_by = \"project_id\"\n", &errs));
    /* the types are the registry's: otel_file, otlp_http, openai, anthropic or demo */
    const char *names[16];
    size_t n = 0;
    while (n < 15 && sources_type_at(n)) {
        names[n] = sources_type_at(n)->name;
        n++;
    }
    names[n] = NULL;
    assert_string_equal(names[0], "otel_file");
    struct strbuf types = {0}, want = {0};
    settings_join(&types, names, "", ", ", " or ");
    strbuf_printf(&want,
        "DIR/config.toml:1:1: [[source]] 'a' needs a 'type' (%s)\n"
        "DIR/config.toml:5:8: unknown source type 'kafka' (%s)\n", strbuf_str(&types),
        strbuf_str(&types));
    strbuf_puts(&want,
        "DIR/config.toml:6:1: source 'c' needs a 'path' (a file or a glob)\n"
        "DIR/config.toml:9:12: 'start_at' must be \"beginning\" or \"end\"\n"
        "DIR/config.toml:13:1: unknown key 'api_key' in [[source]] of type openai (did you mean 'api_key_env'?)\n"
        "DIR/config.toml:10:1: source 'c' needs 'api_key_env' or 'api_key_file' (keys are never written in the config)\n"
        "DIR/config.toml:11:8: source name 'c' is used twice (names key the saved cursors)\n"
        "DIR/config.toml:14:1: [[source]] needs a 'name'\n"
        "DIR/config.toml:17:16: cannot read api_key_file '/nonexistent': No such file or directory\n"
        "DIR/config.toml:17:16: give 'api_key_env' or 'api_key_file', not both\n"
        "DIR/config.toml:18:13: 'tenant_by' must be \"workspace_id\", \"api_key_id\" or \"none\"\n");
    assert_string_equal(errors_of(&errs), strbuf_str(&want));
    strbuf_free(&types);
    strbuf_free(&want);
    strbuf_free(&errs);
}

/* An OTLP receiver's gRPC address and the signals a source counts. */
static void test_otlp_grpc_listen_and_signals(void **state)
{
    (void)state;
    struct strbuf errs = {0};
    struct config *c = load("[[source]]\nname = \"otlp\"\ntype = \"otlp_http\"\n"
                            "grpc_listen = \"127.0.0.1:4317\"\nsignals = [\"logs\"]\n"
                            "[[source]]\nname = \"f\"\ntype = \"otel_file\"\npath = \"x\"\n",
                            &errs);
    assert_non_null(c);
    assert_string_equal(*(char *const *)setting(c->sources[0], "grpc_listen"), "127.0.0.1:4317");
    assert_int_equal(*(const size_t *)setting_count(c->sources[0], "signals"), 1);
    assert_string_equal((*(char *const *const *)setting(c->sources[0], "signals"))[0], "logs");
    /* by default every signal */
    assert_int_equal(*(const size_t *)setting_count(c->sources[1], "signals"), 3);
    config_free(c);
    assert_null(load("[[source]]\nname = \"otlp\"\ntype = \"otlp_http\"\n"
                     "grpc_listen = \"4317\"\nsignals = [\"spans\"]\n", &errs));
    assert_string_equal(errors_of(&errs),
                        "DIR/config.toml:4:15: 'grpc_listen' must be HOST:PORT\n"
                        "DIR/config.toml:5:11: unknown signal 'spans' (one of traces, logs, metrics)\n");
    strbuf_free(&errs);
}

/* What would fail at start fails the check: a port past 65535, a host
 * name where the receiver binds an address; a duration finer than a
 * second says that none is (issue 15.13). */
static void test_addresses_and_durations_fail_the_check_not_the_start(void **state)
{
    (void)state;
    struct strbuf errs = {0};
    assert_null(load("[[source]]\nname = \"otlp\"\ntype = \"otlp_http\"\n"
                     "listen = \"127.0.0.1:99999\"\ngrpc_listen = \"localhost:4317\"\n"
                     "[[source]]\nname = \"f\"\ntype = \"otel_file\"\npath = \"x\"\n"
                     "[alerts]\nfor = \"200ms\"\n", &errs));
    assert_string_equal(errors_of(&errs),
                        "DIR/config.toml:11:7: 'for' must be whole seconds or more (\"1s\", "
                        "\"5m\", \"1h\"): no spendtop setting is finer than a second\n"
                        "DIR/config.toml:4:10: 'listen' must be HOST:PORT with a port from 1 "
                        "to 65535\n"
                        "DIR/config.toml:5:15: 'grpc_listen' must be HOST:PORT with HOST an IPv4 "
                        "address or [an IPv6 address] (not a name)\n");
    strbuf_reset(&errs);
    struct config *c = load("[[source]]\nname = \"otlp\"\ntype = \"otlp_http\"\n"
                            "listen = \"[::1]:4318\"\ngrpc_listen = \":4317\"\n", &errs);
    assert_non_null(c);
    config_free(c);
    strbuf_free(&errs);
}

static void test_key_file_readable_by_others_is_refused(void **state)
{
    (void)state;
    struct strbuf errs = {0};
    char key[4200], text[8192];
    snprintf(key, sizeof key, "%s/key", dir);
    write_file(key, "sk-admin-secret\n");
    chmod(key, 0644);
    snprintf(text, sizeof text, "[[source]]\nname = \"oa\"\ntype = \"openai\"\n"
             "api_key_file = \"%s\"\n", key);
    assert_null(load(text, &errs));
    assert_non_null(strstr(strbuf_str(&errs), "readable by group or others (mode 0644)"));
    assert_null(strstr(strbuf_str(&errs), "sk-admin-secret"));
    chmod(key, 0640);
    assert_null(load(text, &errs));
    chmod(key, 0600);
    struct config *c = load(text, &errs);
    assert_non_null(c);
    /* made readable after loading: refused when read, and never shown */
    chmod(key, 0604);
    char secret[64], err[256];
    assert_int_equal(usage_api_read_secret(api(c, 0), secret, sizeof secret, err, sizeof err), -1);
    assert_non_null(strstr(err, "readable by group or others"));
    assert_null(strstr(err, "sk-admin"));
    config_free(c);
    strbuf_free(&errs);
}

static void test_key_from_the_environment(void **state)
{
    (void)state;
    struct strbuf errs = {0};
    struct config *c = load("[[source]]\nname = \"oa\"\ntype = \"openai\"\n"
                            "api_key_env = \"SPENDTOP_TEST_KEY\"\n", &errs);
    assert_non_null(c);
    char secret[64], err[256];
    unsetenv("SPENDTOP_TEST_KEY");
    assert_int_equal(usage_api_read_secret(api(c, 0), secret, sizeof secret, err, sizeof err), -1);
    assert_string_equal(err, "environment variable SPENDTOP_TEST_KEY is not set");
    strbuf_reset(&errs);
    config_warnings(c, &errs);
    assert_non_null(strstr(strbuf_str(&errs), "warning: source 'oa': environment variable SPENDTOP_TEST_KEY is not set here"));
    setenv("SPENDTOP_TEST_KEY", "sk-from-env", 1);
    assert_int_equal(usage_api_read_secret(api(c, 0), secret, sizeof secret, err, sizeof err), 0);
    assert_string_equal(secret, "sk-from-env");
    config_free(c);
    strbuf_free(&errs);
}

static void test_hook_and_tenant_errors(void **state)
{
    (void)state;
    struct strbuf errs = {0};
    assert_null(load("[[hook]]\nname = \"x\"\n"
                     "[[hook]]\ncommand = [\"a\"]\nshell = \"b\"\non = [\"fired\"]\n"
                     "kinds = [\"spend_anomalies\"]\nmin_severity = \"page\"\nattempts = 0\n"
                     "[[tenant]]\ndaily_budget_usd = -1\n", &errs));
    assert_string_equal(errors_of(&errs),
        "DIR/config.toml:10:1: [[tenant]] needs a 'name'\n"
        "DIR/config.toml:11:20: 'daily_budget_usd' must be between 1e-06 and 1e+12\n"
        "DIR/config.toml:1:1: [[hook]] needs 'command' (an argv array) or 'shell'\n"
        "DIR/config.toml:5:9: give 'command' or 'shell', not both\n"
        "DIR/config.toml:6:6: 'on' takes \"firing\" and/or \"resolved\", not \"fired\"\n"
        "DIR/config.toml:7:9: unknown alert kind 'spend_anomalies' (did you mean 'spend_anomaly'?)\n"
        "DIR/config.toml:8:16: 'min_severity' must be \"warning\" or \"critical\"\n"
        "DIR/config.toml:9:12: 'attempts' must be between 1 and 20\n");
    strbuf_free(&errs);
}

/* A tenant's daily_budget_usd is its day budget: a [[budget]] of its day
 * as well is one of them ignored without a word; other periods, other
 * tenants are not. */
static void test_a_day_budget_twice_is_an_error(void **state)
{
    (void)state;
    struct strbuf errs = {0};
    const char *tenant = "[[tenant]]\nname = \"acme\"\ndaily_budget_usd = 250\n"
                         "[[tenant]]\nname = \"globex\"\n";
    char text[512];
    snprintf(text, sizeof text, "%s[[budget]]\nscope = \"tenant:acme\"\nperiod = \"day\"\n"
             "amount_usd = 300\n", tenant);
    assert_null(load(text, &errs));
    assert_string_equal(errors_of(&errs),
        "DIR/config.toml:6:1: a day budget of 'tenant:acme' is configured twice: here and as "
        "[[tenant]] 'acme''s daily_budget_usd (keep one)\n");
    strbuf_free(&errs);
    snprintf(text, sizeof text, "%s[[budget]]\nscope = \"tenant:acme\"\nperiod = \"week\"\n"
             "amount_usd = 300\n[[budget]]\nscope = \"tenant:globex\"\nperiod = \"day\"\n"
             "amount_usd = 300\n", tenant);
    struct config *c = load(text, &errs);
    assert_non_null(c);
    config_free(c);
    strbuf_free(&errs);
}

static void test_nothing_to_collect_is_an_error(void **state)
{
    (void)state;
    struct strbuf errs = {0};
    struct config *c = config_defaults();       /* no config file at all */
    assert_false(config_check_sources(c, &errs));
    assert_non_null(strstr(strbuf_str(&errs), "no config file found (looked for $SPENDTOP_CONFIG"));
    assert_non_null(strstr(strbuf_str(&errs), "spendtop --demo"));
    config_free(c);
    strbuf_free(&errs);
    c = load("[alerts]\nfactor = 2\n", &errs);  /* a file, but no [[source]] */
    assert_non_null(c);
    assert_false(config_check_sources(c, &errs));
    assert_string_equal(errors_of(&errs),
        "DIR/config.toml:1:1: no [[source]]: nothing to collect (config.example.toml shows "
        "each type; spendtop --demo runs on synthetic data)\n");
    config_free(c);
    strbuf_free(&errs);
    /* a name that is there but empty keys no cursor */
    assert_null(load("[[source]]\nname = \"\"\ntype = \"otel_file\"\npath = \"/x\"\n", &errs));
    assert_string_equal(errors_of(&errs), "DIR/config.toml:2:8: a source's name must not be "
                                          "empty (names key the saved cursors)\n");
    strbuf_free(&errs);
    c = load("[[source]]\nname = \"s\"\ntype = \"otel_file\"\npath = \"/x/*.json\"\n", &errs);
    assert_non_null(c);
    assert_true(config_check_sources(c, &errs));
    assert_string_equal(strbuf_str(&errs), "");
    config_free(c);
    strbuf_free(&errs);
}

/* A hook's name is what its queued notifications find it by. */
static void test_a_hook_name_is_used_once(void **state)
{
    (void)state;
    struct strbuf errs = {0};
    assert_null(load("[[hook]]\nname = \"pager\"\ncommand = [\"a\"]\n"
                     "[[hook]]\nname = \"pager\"\ncommand = [\"b\"]\n"
                     "[[hook]]\ncommand = [\"a\"]\n[[hook]]\ncommand = [\"a\"]\n", &errs));
    assert_string_equal(errors_of(&errs),
        "DIR/config.toml:5:8: hook name 'pager' is used twice (a queued notification finds "
        "its hook by name)\n");
    strbuf_free(&errs);
}

static void test_hook_scopes_are_checked(void **state)
{
    (void)state;
    struct strbuf errs = {0};
    assert_null(load("[[hook]]\ncommand = [\"a\"]\nscopes = [\"total\", \"tenants\", \"team\"]\n",
                     &errs));
    assert_string_equal(errors_of(&errs),
        "DIR/config.toml:3:10: unknown scope 'tenants' (did you mean 'tenant'?)\n"
        "DIR/config.toml:3:10: unknown scope 'team' (one of total, provider, model, tenant, "
        "source)\n");
    strbuf_free(&errs);
}

static void test_price_overrides_are_checked(void **state)
{
    (void)state;
    struct strbuf errs = {0};
    assert_null(load("[pricing]\ndiscounts = { openai = 1.5 }\n"
                     "[pricing.models.\"m\"]\ninput_cost = 1e-6\noutput_cost_per_token = -1\n", &errs));
    assert_string_equal(errors_of(&errs),
        "DIR/config.toml:2:24: discount for 'openai' must be a fraction from 0 to below 1 (0.15 = 15% off)\n"
        "DIR/config.toml:4:1: unknown price field 'input_cost' for model 'm' (LiteLLM names, e.g. input_cost_per_token)\n"
        "DIR/config.toml:5:25: 'output_cost_per_token' must be a non-negative number (USD per token)\n");
    strbuf_free(&errs);
}

static void test_search_order(void **state)
{
    (void)state;
    char xdg[4200], path[4300];
    snprintf(xdg, sizeof xdg, "%s/xdg", dir);
    snprintf(path, sizeof path, "%s/spendtop", xdg);
    mkdir(xdg, 0700);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/spendtop/config.toml", xdg);
    write_file(path, "\n");
    setenv("XDG_CONFIG_HOME", xdg, 1);
    unsetenv("SPENDTOP_CONFIG");
    char *found = config_find(NULL);
    assert_string_equal(found, path);
    free(found);
    setenv("SPENDTOP_CONFIG", "/from/env.toml", 1);
    found = config_find(NULL);
    assert_string_equal(found, "/from/env.toml");
    free(found);
    found = config_find("/explicit.toml");
    assert_string_equal(found, "/explicit.toml");
    free(found);
    unsetenv("SPENDTOP_CONFIG");
    unsetenv("XDG_CONFIG_HOME");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_state_dir_follows_xdg),
        cmocka_unit_test_setup_teardown(test_log_default_is_in_the_state_dir_as_documented, setup,
                                        teardown),
        cmocka_unit_test(test_example_config_loads_with_every_default),
        cmocka_unit_test_setup_teardown(test_a_full_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_keys_say_where_and_what_was_meant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_type_and_range_errors_name_the_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_toml_syntax_errors_have_a_position, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_otlp_grpc_listen_and_signals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_addresses_and_durations_fail_the_check_not_the_start,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_file_readable_by_others_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_from_the_environment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hook_and_tenant_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_day_budget_twice_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_hook_name_is_used_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hook_scopes_are_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_to_collect_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_price_overrides_are_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_order, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
