/* hooks.c - the hook runner (see hooks.h). */
#include "alerts/hooks.h"

#include <cJSON.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alerts/outbox.h"
#include "alerts/rules.h"
#include "lib/clock.h"
#include "lib/jsonw.h"
#include "lib/log.h"
#include "lib/xalloc.h"

extern char **environ;

struct run {
    struct hooks *h;
    bool in_use;
    struct outbox_item item;
    /* the hook's, copied at the start: a reload may free its settings
     * while it runs */
    char name[128];
    /* which notification, for the log: "alert 1f2e3d4c5b6a
     * (spend_anomaly total firing)" (a page given up names it) */
    char what[400];
    int64_t timeout, attempts;
    uv_process_t proc;
    uv_pipe_t in, out, err;
    uv_timer_t timer;
    uv_write_t wr;
    char *payload;
    int open;                   /* handles not yet closed */
    bool spawned, exited, timed_out, killed, closing;
    bool shut_down;             /* SIGTERM from hooks_close: not a failure */
    int64_t status;
    int signal;
    bool eof[2];
    size_t logged;
    char line[2][512];
    size_t linelen[2];
};

struct hooks {
    uv_loop_t *loop;
    const struct hook_settings *hooks;
    size_t nhooks;
    struct db *db;
    struct run runs[HOOKS_MAX_RUNNING];
    uv_timer_t retry;
    bool retry_open;
    char **env;                 /* the base environment for every hook */
    size_t nenv;
    /* every variable ever named as holding a secret (owned copies): a
     * reload that drops a source does not take its key out of our
     * environment, so it must not give it to the hooks either */
    char **secrets;
    size_t nsecrets;
    bool closing;
    bool draining;              /* closing, and running hooks finish */
    void (*closed)(void *data);
    void *closed_data;
};

static const char *hook_name(const struct hook_settings *k)
{
    if (k->name)
        return k->name;
    return k->argc ? k->argv[0] : "sh";
}

/* ---- settings ([[hook]]) ------------------------------------------------------ */

#define DOC_COL 35

/* on = "firing" and/or "resolved": read as a list, kept as two flags */
struct on_list {
    char **v;
    size_t n;
};

static bool parse_on(struct settings_ctx *c, const struct setting *k,
                     const struct toml_value *v, void *settings)
{
    struct hook_settings *h = settings;
    const struct setting list[] = {{.name = k->name, .type = SETTING_STRING_OR_LIST,
                                       .offset = offsetof(struct on_list, v),
                                       .count_offset = offsetof(struct on_list, n)},
                                      {0}};
    struct on_list on = {NULL, 0};
    if (!settings_load_value(c, list, v, &on))
        return false;
    bool ok = true;
    h->on_firing = h->on_resolved = false;
    for (size_t j = 0; j < on.n; j++) {
        if (strcmp(on.v[j], "firing") == 0) {
            h->on_firing = true;
        } else if (strcmp(on.v[j], "resolved") == 0) {
            h->on_resolved = true;
        } else {
            settings_error(c, v, "'on' takes \"firing\" and/or \"resolved\", not \"%s\"",
                           on.v[j]);
            ok = false;
        }
    }
    settings_free(list, &on);
    return ok;
}

static void check_command(struct settings_ctx *c, const struct toml_value *v, void *settings)
{
    struct hook_settings *h = settings;
    if (h->argc == 0)
        settings_error(c, v, "'command' must not be empty");
    h->command_line = toml_line(v);
    h->command_col = toml_col(v);
}

static void check_shell(struct settings_ctx *c, const struct toml_value *v, void *settings)
{
    const struct hook_settings *h = settings;
    if (h->argv)
        settings_error(c, v, "give 'command' or 'shell', not both");
}

static const char *const scope_names[] = {"total", "provider", "model", "tenant", "source",
                                          NULL};

static const struct setting hook_keys[] = {
    {.name = "name", .type = SETTING_STRING, .offset = offsetof(struct hook_settings, name),
     .example = "\"pager\"", .doc = "unique: queued pages find their hook by it"},
    {.name = "command", .type = SETTING_LIST, .offset = offsetof(struct hook_settings, argv),
     .count_offset = offsetof(struct hook_settings, argc), .check = check_command,
     .example = "[\"/usr/local/bin/page-oncall\", \"--team\", \"llm\"]",
     .doc = "argv, run directly"},
    {.name = "shell", .type = SETTING_STRING, .offset = offsetof(struct hook_settings, shell),
     .check = check_shell,
     .example = "\"curl -fsS -X POST -H 'Content-Type: application/json' --data-binary @- "
                "https://hooks.example.com/spendtop\"",
     .doc = "instead of command: a string for /bin/sh -c"},
    {.name = "on", .type = SETTING_CUSTOM, .def = "[\"firing\", \"resolved\"]",
     .parse = parse_on, .doc = "run on firing, on resolved, or both"},
    {.name = "kinds", .type = SETTING_NAMES, .offset = offsetof(struct hook_settings, kinds),
     .count_offset = offsetof(struct hook_settings, nkinds), .def = "[]",
     .names = rules_kind_names, .noun = "alert kind",
     .doc = "only these alert kinds (empty = all)"},
    {.name = "scopes", .type = SETTING_NAMES, .offset = offsetof(struct hook_settings, scopes),
     .count_offset = offsetof(struct hook_settings, nscopes), .def = "[]",
     .names = scope_names, .noun = "scope",
     .doc = "only alerts on these kinds of scope (empty = all); an incident shows up in "
            "the total and in its provider, model and tenant, so a pager usually wants "
            "[\"total\", \"tenant\", \"source\"]. The kinds"},
    {.name = "min_severity", .type = SETTING_ENUM,
     .offset = offsetof(struct hook_settings, min_severity), .def = "\"warning\"",
     .names = rules_severity_names},
    {.name = "timeout", .type = SETTING_DURATION, .offset = offsetof(struct hook_settings, timeout),
     .def = "\"10s\"", .imin = 1, .imax = CLOCK_HOUR, .doc = "then SIGTERM, then SIGKILL 2 s later"},
    {.name = "attempts", .type = SETTING_INT, .offset = offsetof(struct hook_settings, attempts),
     .def = "3", .imin = 1, .imax = 20, .doc = "a non-zero exit is retried with backoff"},
    {0},
};

void hooks_settings_init(struct hook_settings *h)
{
    settings_defaults(hook_keys, h);
}

void hooks_settings_load(struct settings_ctx *c, const struct toml_value *t,
                         struct hook_settings *h)
{
    const struct setting *tables[] = {hook_keys};
    settings_check_unknown(c, t, tables, 1, "[[hook]]");
    settings_load(c, t, hook_keys, h, "[[hook]]");
    if (!toml_table_get(t, "command") && !toml_table_get(t, "shell"))
        settings_error(c, t, "[[hook]] needs 'command' (an argv array) or 'shell'");
}

/* path names an executable regular file (a directory is "executable"
 * too, to access()). */
static bool is_executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* name (no '/') in a directory of $PATH, as execvp looks: unset is
 * glibc's default, an empty entry is the current directory. */
static bool on_path(const char *name)
{
    const char *path = getenv("PATH");
    if (!path)
        path = "/bin:/usr/bin";
    for (const char *p = path;; ) {
        size_t n = strcspn(p, ":");
        char full[4096];
        if (n == 0)
            snprintf(full, sizeof full, "%s", name);
        else
            snprintf(full, sizeof full, "%.*s/%s", (int)n, p, name);
        if (is_executable(full))
            return true;
        if (p[n] == '\0')
            return false;
        p += n + 1;
    }
}

bool hooks_settings_check_command(const struct hook_settings *h, const char *file,
                                  struct strbuf *out)
{
    if (h->argc == 0)
        return true;
    const char *prog = h->argv[0];
    bool bare = strchr(prog, '/') == NULL;
    if (bare ? on_path(prog) : is_executable(prog))
        return true;
    strbuf_printf(out, "%s:%d:%d: [[hook]] %s: command '%s' %s\n", file, h->command_line,
                  h->command_col, hook_name(h), prog,
                  bare ? "is not an executable file in any directory of $PATH"
                       : "is not an executable file");
    return false;
}

void hooks_settings_free(struct hook_settings *h)
{
    settings_free(hook_keys, h);
}

void hooks_settings_example(struct strbuf *out)
{
    settings_write_comment(out, "A hook runs for each alert notification, with the facts in "
                                "SPENDTOP_ALERT_* environment variables and the alert as one "
                                "JSON object on stdin. Nothing from the data is ever spliced "
                                "into the command.");
    strbuf_puts(out, "# [[hook]]\n");
    settings_write_example(hook_keys, true, DOC_COL, out);
}

/* secret_env's names added to those h keeps out of a hook's environment */
static void add_secrets(struct hooks *h, const char *const *secret_env)
{
    for (size_t i = 0; secret_env && secret_env[i]; i++) {
        bool known = secret_env[i][0] == '\0';
        for (size_t j = 0; j < h->nsecrets && !known; j++)
            known = strcmp(h->secrets[j], secret_env[i]) == 0;
        if (known)
            continue;
        h->secrets = xrealloc(h->secrets, (h->nsecrets + 1) * sizeof *h->secrets);
        h->secrets[h->nsecrets++] = xstrdup(secret_env[i]);
    }
}

/* spendtop's environment minus every API key named so far and any
 * SPENDTOP_ALERT_* */
static void base_env(struct hooks *h, const char *const *secret_env)
{
    add_secrets(h, secret_env);
    size_t n = 0;
    for (char **e = environ; *e; e++)
        n++;
    h->env = xcalloc(n + 1, sizeof *h->env);
    for (char **e = environ; *e; e++) {
        /* TZ is spendtop's own (its [general] timezone, or UTC inside): a
         * hook gets the operator's, as it was when spendtop started */
        if (strncmp(*e, "SPENDTOP_ALERT_", 15) == 0 || strncmp(*e, "TZ=", 3) == 0)
            continue;
        bool secret = false;
        for (size_t i = 0; i < h->nsecrets; i++) {
            const char *k = h->secrets[i];
            size_t kl = strlen(k);
            if (strncmp(*e, k, kl) == 0 && (*e)[kl] == '=')
                secret = true;
        }
        if (!secret)
            h->env[h->nenv++] = *e;
    }
    const char *tz = clock_operator_tz_env();
    if (tz)
        h->env[h->nenv++] = (char *)tz; /* lives as long as the process */
}

struct hooks *hooks_new(uv_loop_t *loop, const struct hook_settings *hooks, size_t nhooks,
                        const char *const *secret_env, struct db *db)
{
    /* a hook that exits without reading its stdin makes our write fail:
     * that must be EPIPE, never a SIGPIPE that kills spendtop */
    signal(SIGPIPE, SIG_IGN);
    struct hooks *h = xcalloc(1, sizeof *h);
    h->loop = loop;
    h->hooks = hooks;
    h->nhooks = nhooks;
    h->db = db;
    base_env(h, secret_env);
    return h;
}

void hooks_free(struct hooks *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < HOOKS_MAX_RUNNING; i++) {
        outbox_items_free(&h->runs[i].item, 1);
        free(h->runs[i].payload);
    }
    free(h->env);
    for (size_t i = 0; i < h->nsecrets; i++)
        free(h->secrets[i]);
    free(h->secrets);
    free(h);
}

/* ---- one run ---------------------------------------------------------------------- */

static void log_output(struct run *r, int which, const char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = buf[i];
        bool flush = c == '\n' || r->linelen[which] == sizeof r->line[which] - 1;
        if (c != '\n')
            r->line[which][r->linelen[which]++] = c;
        if (!flush)
            continue;
        r->line[which][r->linelen[which]] = '\0';
        if (r->logged < HOOKS_LOG_CAP)
            log_msg(LOG_INFO, "hook %s %s: %s", r->name,
                    which ? "stderr" : "stdout", r->line[which]);
        else if (r->logged - r->linelen[which] < HOOKS_LOG_CAP)
            log_msg(LOG_WARN, "hook %s: more than %d KiB of output; the rest is not logged",
                    r->name, HOOKS_LOG_CAP / 1024);
        r->logged += r->linelen[which] + 1;
        r->linelen[which] = 0;
    }
}

static void finished(struct run *r);

static void on_closed(uv_handle_t *handle)
{
    struct run *r = handle->data;
    if (--r->open == 0)
        finished(r);
}

static void close_one(uv_handle_t *handle)
{
    if (!uv_is_closing(handle))
        uv_close(handle, on_closed);
}

static void close_all(struct run *r)
{
    if (r->closing)
        return;
    r->closing = true;
    /* uv_spawn initialises the handle even when it fails: always close it */
    close_one((uv_handle_t *)&r->proc);
    close_one((uv_handle_t *)&r->in);
    close_one((uv_handle_t *)&r->out);
    close_one((uv_handle_t *)&r->err);
    close_one((uv_handle_t *)&r->timer);
}

static void maybe_done(struct run *r)
{
    if (r->exited && r->eof[0] && r->eof[1])
        close_all(r);
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    (void)handle;
    buf->base = xmalloc(suggested);
    buf->len = suggested;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct run *r = s->data;
    int which = s == (uv_stream_t *)&r->err;
    if (n > 0)
        log_output(r, which, buf->base, (size_t)n);
    free(buf->base);
    if (n < 0) {
        if (r->linelen[which])
            log_output(r, which, "\n", 1);
        r->eof[which] = true;
        uv_read_stop(s); /* always 0 (libuv 1.x) */
        maybe_done(r);
    }
}

static void on_written(uv_write_t *w, int status)
{
    struct run *r = w->data;
    (void)status; /* a hook that does not read stdin is its own business */
    close_one((uv_handle_t *)&r->in);
}

static void on_timer(uv_timer_t *t)
{
    struct run *r = t->data;
    /* never kill(-0): a child that did not start has pid 0, and that would
     * signal our own process group */
    pid_t pg = r->proc.pid > 0 ? r->proc.pid : 0;
    if (r->exited) {
        /* exited, but something it started still holds its output open */
        if (pg)
            kill(-pg, SIGKILL);
        r->eof[0] = r->eof[1] = true;
        close_all(r);
    } else if (!r->timed_out) {
        r->timed_out = true;
        log_msg(LOG_WARN, "hook %s: still running after %llds: SIGTERM; %s", r->name,
                (long long)r->timeout, r->what);
        if (pg)
            kill(-pg, SIGTERM);
        /* cannot fail: a callback, an open handle */
        uv_timer_start(&r->timer, on_timer, HOOKS_KILL_GRACE_MS, 0);
    } else if (!r->killed) {
        r->killed = true;
        log_msg(LOG_WARN, "hook %s: ignored SIGTERM: SIGKILL; %s", r->name, r->what);
        if (pg)
            kill(-pg, SIGKILL);
    }
}

static void on_exit_cb(uv_process_t *p, int64_t status, int term_signal)
{
    struct run *r = p->data;
    r->exited = true;
    r->status = status;
    r->signal = term_signal;
    /* what it left running in its group (a `cmd &`) ends with it:
     * SIGTERM now, SIGKILL when the pipes have had their moment (on_timer);
     * its group outlives it only while such a child does, so the id
     * cannot have been reused */
    if (r->proc.pid > 0)
        kill(-r->proc.pid, SIGTERM);
    /* give the pipes a moment to drain, no more */
    uv_timer_start(&r->timer, on_timer, 1000, 0); /* cannot fail: a callback, an open handle */
    maybe_done(r);
}

static void set_env(char ***env, size_t *n, const char *name, const char *value)
{
    size_t len = strlen(name) + strlen(value) + 2;
    char *e = xmalloc(len);
    snprintf(e, len, "%s=%s", name, value);
    (*env)[(*n)++] = e;
}

/* SPENDTOP_ALERT_* from the alert's JSON: null is the empty string. */
static char **alert_env(const struct hooks *h, const char *json, size_t *nowned)
{
    static const char *const keys[][2] = {
        {"id", "SPENDTOP_ALERT_ID"}, {"kind", "SPENDTOP_ALERT_KIND"},
        {"state", "SPENDTOP_ALERT_STATE"}, {"severity", "SPENDTOP_ALERT_SEVERITY"},
        {"scope", "SPENDTOP_ALERT_SCOPE"}, {"window", "SPENDTOP_ALERT_WINDOW"},
        {"value", "SPENDTOP_ALERT_VALUE"}, {"baseline", "SPENDTOP_ALERT_BASELINE"},
        {"ratio", "SPENDTOP_ALERT_RATIO"}, {"threshold", "SPENDTOP_ALERT_THRESHOLD"},
        {"started_at", "SPENDTOP_ALERT_STARTED_AT"}, {"summary", "SPENDTOP_ALERT_SUMMARY"},
    };
    size_t nkeys = sizeof keys / sizeof *keys;
    char **env = xcalloc(h->nenv + nkeys + 1, sizeof *env);
    size_t n = 0;
    cJSON *a = cJSON_Parse(json);
    for (size_t i = 0; i < nkeys; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, keys[i][0]);
        char num[32];
        const char *s = "";
        if (cJSON_IsString(v)) {
            s = v->valuestring;
        } else if (cJSON_IsNumber(v)) {
            jsonw_format_double(num, v->valuedouble);
            s = num;
        }
        set_env(&env, &n, keys[i][1], s);
    }
    cJSON_Delete(a);
    *nowned = n;
    for (size_t i = 0; i < h->nenv; i++)
        env[n++] = h->env[i];
    env[n] = NULL;
    return env;
}

/* The notification in a few words: "alert ID (KIND SCOPE STATE)" (the
 * scope as sent: the log escapes what it must). */
static void describe(const char *json, char *out, size_t len)
{
    cJSON *a = cJSON_Parse(json);
    const char *f[4] = {"id", "kind", "scope", "state"};
    const char *v[4];
    for (int i = 0; i < 4; i++) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(a, f[i]);
        v[i] = cJSON_IsString(x) ? x->valuestring : "?";
    }
    snprintf(out, len, "alert %s (%s %s %s)", v[0], v[1], v[2], v[3]);
    cJSON_Delete(a);
}

static int64_t backoff(int attempts)
{
    int64_t s = (int64_t)1 << (attempts > 6 ? 6 : attempts - 1);
    return s > CLOCK_MINUTE ? CLOCK_MINUTE : s;
}

static void finished(struct run *r)
{
    struct hooks *h = r->h;
    bool ok = r->spawned && r->exited && r->status == 0 && r->signal == 0 && !r->timed_out;
    const char *name = r->name, *what = r->what;
    if (r->shut_down || (h->closing && !r->exited)) {
        log_msg(LOG_WARN, "hook %s: stopped at shutdown; it will run again at the next "
                "start; %s", name, what);
    } else if (ok) {
        log_msg(LOG_INFO, "hook %s: delivered; %s", name, what);
        outbox_delete(h->db, r->item.seq);
    } else {
        int attempts = r->item.attempts + 1;
        char why[96];
        if (!r->spawned)
            snprintf(why, sizeof why, "could not start");
        else if (r->timed_out)
            snprintf(why, sizeof why, "timed out");
        else if (r->signal)
            snprintf(why, sizeof why, "killed by signal %d", r->signal);
        else
            snprintf(why, sizeof why, "exit status %lld", (long long)r->status);
        if (attempts >= r->attempts) {
            log_msg(LOG_ERROR, "hook %s: %s; failed %d time%s, giving up on this "
                    "notification; %s", name, why, attempts, attempts == 1 ? "" : "s", what);
            outbox_delete(h->db, r->item.seq);
        } else {
            log_msg(LOG_WARN, "hook %s: %s; retrying in %llds (attempt %d of %d); %s", name,
                    why, (long long)backoff(attempts), attempts + 1, (int)r->attempts, what);
            outbox_retry(h->db, r->item.seq, attempts, clock_wall() + backoff(attempts));
        }
    }
    outbox_items_free(&r->item, 1);
    free(r->payload);
    r->payload = NULL;
    r->in_use = false;
    if (h->closing) {
        for (size_t i = 0; i < HOOKS_MAX_RUNNING; i++)
            if (h->runs[i].in_use)
                return;
        if (!h->retry_open && h->closed)
            h->closed(h->closed_data);
        return;
    }
    hooks_kick(h);
}

static void start(struct hooks *h, struct run *r, struct outbox_item *it)
{
    memset(r, 0, sizeof *r);
    r->h = h;
    r->in_use = true;
    r->item = *it;
    const struct hook_settings *k = &h->hooks[it->hook];
    snprintf(r->name, sizeof r->name, "%s", hook_name(k));
    describe(it->json, r->what, sizeof r->what);
    r->timeout = k->timeout;
    r->attempts = k->attempts;

    char *sh_args[] = {"/bin/sh", "-c", k->shell, NULL};
    char **args = k->shell ? sh_args : k->argv;
    size_t owned;
    char **env = alert_env(h, it->json, &owned);

    /* pipes without IPC and a timer: their inits always return 0 */
    uv_pipe_init(h->loop, &r->in, 0);
    uv_pipe_init(h->loop, &r->out, 0);
    uv_pipe_init(h->loop, &r->err, 0);
    uv_timer_init(h->loop, &r->timer);
    r->in.data = r->out.data = r->err.data = r->timer.data = r->proc.data = r;
    r->open = 5; /* three pipes, the timer, the process */
    uv_stdio_container_t stdio[3] = {
        {.flags = UV_CREATE_PIPE | UV_READABLE_PIPE, .data.stream = (uv_stream_t *)&r->in},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&r->out},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&r->err},
    };
    uv_process_options_t o = {
        .exit_cb = on_exit_cb,
        .file = args[0],
        .args = args,
        .env = env,
        /* its own session and process group: no terminal, and the whole
         * group can be killed at the timeout */
        .flags = UV_PROCESS_DETACHED,
        .stdio_count = 3,
        .stdio = stdio,
    };
    int rc = uv_spawn(h->loop, &r->proc, &o);
    for (size_t i = 0; i < owned; i++)
        free(env[i]);
    free(env);
    if (rc != 0) {
        log_msg(LOG_ERROR, "hook %s: cannot run %s: %s; %s", hook_name(k), args[0],
                uv_strerror(rc), r->what);
        r->eof[0] = r->eof[1] = r->exited = true;
        close_all(r);
        return;
    }
    r->spawned = true;
    /* the alert as one JSON line on stdin */
    size_t len = strlen(it->json);
    r->payload = xmalloc(len + 2);
    memcpy(r->payload, it->json, len);
    r->payload[len] = '\n';
    uv_buf_t buf = uv_buf_init(r->payload, (unsigned)len + 1);
    r->wr.data = r;
    if (uv_write(&r->wr, (uv_stream_t *)&r->in, &buf, 1, on_written) != 0)
        close_one((uv_handle_t *)&r->in);
    /* an output we cannot read is one we will not wait for: the exit and
     * the timer still end the run */
    if (uv_read_start((uv_stream_t *)&r->out, on_alloc, on_read) != 0)
        r->eof[0] = true;
    if (uv_read_start((uv_stream_t *)&r->err, on_alloc, on_read) != 0)
        r->eof[1] = true;
    /* cannot fail: a callback, an open handle */
    uv_timer_start(&r->timer, on_timer, (uint64_t)k->timeout * 1000, 0);
}

/* ---- the queue ---------------------------------------------------------------------- */

static void on_retry(uv_timer_t *t) { hooks_kick(t->data); }

/* Point it at its hook: the one at its index if that is still the hook
 * it was queued for, else the hook it is for (a reload removed or moved
 * hooks, or changed the command of a named one). False if that hook is no
 * longer configured. */
static bool find_hook(const struct hooks *h, struct outbox_item *it)
{
    if (it->hook < h->nhooks && outbox_is_for(&h->hooks[it->hook], it->fingerprint))
        return true;
    for (size_t i = 0; i < h->nhooks; i++) {
        if (outbox_is_for(&h->hooks[i], it->fingerprint)) {
            it->hook = i;
            return true;
        }
    }
    return false;
}

void hooks_kick(struct hooks *h)
{
    if (h->closing || !h->db)
        return;
    int64_t busy[HOOKS_MAX_RUNNING];
    size_t nbusy = 0, free_slots = 0;
    for (size_t i = 0; i < HOOKS_MAX_RUNNING; i++) {
        if (h->runs[i].in_use)
            busy[nbusy++] = h->runs[i].item.seq;
        else
            free_slots++;
    }
    int64_t now = clock_wall();
    struct outbox_item items[HOOKS_MAX_RUNNING];
    size_t n = free_slots ? outbox_startable(h->db, now, busy, nbusy, items, free_slots) : 0;
    for (size_t i = 0; i < n; i++) {
        struct outbox_item *it = &items[i];
        if (!find_hook(h, it)) {
            char what[400];
            describe(it->json, what, sizeof what);
            log_msg(LOG_WARN, "a queued notification (%s) is for a hook no longer "
                    "configured: dropped", what);
            outbox_delete(h->db, it->seq);
            outbox_items_free(it, 1);
            continue;
        }
        for (size_t s = 0; s < HOOKS_MAX_RUNNING; s++) {
            if (!h->runs[s].in_use) {
                start(h, &h->runs[s], it);
                break;
            }
        }
    }
    /* wake up for the next retry (rows due but not started wait for a
     * run to finish, or for the retry of a row ahead of them) */
    int64_t next = outbox_next(h->db, now);
    if (next > now) {
        if (!h->retry_open) {
            uv_timer_init(h->loop, &h->retry); /* always 0 (libuv 1.x) */
            h->retry.data = h;
            h->retry_open = true;
        }
        /* cannot fail: a callback, an open handle */
        uv_timer_start(&h->retry, on_retry, (uint64_t)(next - now) * 1000, 0);
    } else if (h->retry_open) {
        uv_timer_stop(&h->retry); /* always 0 (libuv 1.x) */
    }
}

bool hooks_idle(const struct hooks *h)
{
    for (size_t i = 0; i < HOOKS_MAX_RUNNING; i++)
        if (h->runs[i].in_use)
            return false;
    return !h->db || outbox_count(h->db) == 0;
}

static void retry_closed(uv_handle_t *t)
{
    struct hooks *h = t->data;
    h->retry_open = false;
    for (size_t i = 0; i < HOOKS_MAX_RUNNING; i++)
        if (h->runs[i].in_use)
            return;
    if (h->closed)
        h->closed(h->closed_data);
}

void hooks_configure(struct hooks *h, const struct hook_settings *hooks, size_t nhooks,
                     const char *const *secret_env)
{
    h->hooks = hooks;
    h->nhooks = nhooks;
    free(h->env);
    h->env = NULL;
    h->nenv = 0;
    base_env(h, secret_env);
}

void hooks_drain(struct hooks *h, void (*closed)(void *data), void *data)
{
    h->draining = true;
    hooks_close(h, closed, data);
}

void hooks_close(struct hooks *h, void (*closed)(void *data), void *data)
{
    h->closing = true;
    h->closed = closed;
    h->closed_data = data;
    bool running = false;
    for (size_t i = 0; i < HOOKS_MAX_RUNNING; i++) {
        struct run *r = &h->runs[i];
        if (!r->in_use)
            continue;
        running = true;
        if (!h->draining && r->spawned && !r->exited && r->proc.pid > 0) {
            r->shut_down = true;
            kill(-r->proc.pid, SIGTERM);
        }
    }
    if (h->retry_open) {
        uv_close((uv_handle_t *)&h->retry, retry_closed);
        return;
    }
    if (!running && closed)
        closed(data);
}
