/* usage_api.c - the polling engine for provider usage/cost APIs (see
 * usage_api.h). */
#include "collectors/usage_api.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collectors/collector.h"
#include "lib/http.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "core/store.h"
#include "lib/utf8.h"
#include "lib/xalloc.h"

#define MAX_BODY (32u * 1024 * 1024)
#define BACKOFF_CAP 300
#define ONCE_ATTEMPTS 5        /* --once gives up on a request after this */
#define ONCE_MAX_WAIT 60       /* ... and on one whose Retry-After is longer */
/* The most pages one range may take: a range is at most 192 buckets, and a
 * page holds at least one (or the API has lost its way) */
#define MAX_PAGES 1000

enum step { STEP_HOURLY, STEP_MINUTES, STEP_COSTS, STEP_DONE };

/* The records of one range, held until every page is in. */
struct batch {
    struct sink sink;          /* first: the capture sink is the batch */
    struct usage *u;
    size_t n, cap;
};

struct api {
    struct collector *c;
    const struct usage_api_settings *s;
    const struct api_provider *p;
    uv_timer_t timer;
    bool timer_open, stopping, pass_running;
    enum step step;
    int64_t t0, t1;
    int width;
    struct api_page page;
    int pages;                 /* fetched of this range */
    bool hourly_lost;          /* this pass gave up on the hourly range */
    char lost[256];            /* why it gave up on a range, "" if it did not */
    struct batch batch;
    char key[2048];
    int failures;              /* consecutive, for the backoff */
    int64_t hourly_until;      /* hourly data is complete before this */
    bool costs_backfilled;
    collector_cb once_done;
    collector_cb closed;
};

/* ---- helpers for providers ------------------------------------------------------ */

const char *api_tenant_of(const struct cJSON *result, const struct usage_api_settings *s)
{
    if (strcmp(s->tenant_by, "none") == 0)
        return "";
    const char *id = api_str(result, s->tenant_by);
    if (!id)
        return "";
    for (size_t i = 0; i < s->ntenant_names; i++)
        if (strcmp(s->tenant_name_ids[i], id) == 0)
            return s->tenant_name_values[i];
    return id;
}

void api_page_param(struct strbuf *url, const char *page)
{
    if (!page || !*page)
        return;
    strbuf_puts(url, "&page=");
    api_escape(url, page);
}

/* ---- NULs ---------------------------------------------------------------------
 *
 * cJSON decodes the escape \u0000 (and copies a raw NUL byte, which JSON
 * forbids but cJSON lets through) into a NUL inside its C string, where
 * every reader stops: the project "acme\u0000evil" would be read as
 * "acme", and its usage silently merged with acme's. As OTLP/JSON does
 * (otlp_json.c), a body that may hold one is parsed from a copy in which
 * each becomes U+FFFD (utf8.h: UTF8_REPLACEMENT): "acme\ufffdevil" is a
 * tenant of its own. Outside strings neither is valid JSON, and stays
 * invalid. */

/* A response body as a cJSON tree (NULs made U+FFFD), or NULL. */
static cJSON *parse_body(const char *body, size_t len)
{
    if (!utf8_json_has_nul(body, len))
        return cJSON_ParseWithLength(body, len);
    size_t n = utf8_json_nul_free_len(body, len);
    char *copy = xmalloc(n + 1);
    utf8_json_nul_free(body, len, copy);
    cJSON *root = cJSON_ParseWithLength(copy, n);
    free(copy);
    return root;
}

/* Both providers answer errors as {"error": {"message": ...}}. A message
 * that quotes the key (a proxy's "invalid key sk-admin-..."), has it
 * replaced: it goes to the log, the JSON and the screen. */
static void error_message(const char *body, size_t len, const char *key, char *msg,
                          size_t msglen)
{
    cJSON *root = parse_body(body, len);
    const char *m = api_str(cJSON_GetObjectItemCaseSensitive(root, "error"), "message");
    struct strbuf out = {0};
    size_t kl = strlen(key);
    for (const char *p = m ? m : ""; *p;) {
        if (kl && strncmp(p, key, kl) == 0) {
            strbuf_puts(&out, "(the key)");
            p += kl;
        } else {
            strbuf_putc(&out, *p++);
        }
    }
    snprintf(msg, msglen, "%s", strbuf_str(&out));
    strbuf_free(&out);
    cJSON_Delete(root);
}

void api_escape(struct strbuf *url, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            strbuf_putc(url, (char)*p);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            strbuf_append(url, e, 3);
        }
    }
}

int64_t api_int(const struct cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsNumber(v))
        return v->valuedouble >= 0 && v->valuedouble < 9e18 ? (int64_t)v->valuedouble : 0;
    if (cJSON_IsString(v))
        return strtoll(v->valuestring, NULL, 10);
    return 0;
}

double api_num(const struct cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsNumber(v))
        return v->valuedouble;
    if (cJSON_IsString(v)) {
        /* a decimal ("123.78912", "-4.5e-2"): not the rest strtod reads
         * (hex, "inf", "nan", leading spaces) */
        const char *t = v->valuestring;
        const char *digits = t + (t[0] == '-');
        if (*digits < '0' || *digits > '9' || t[strspn(t, "0123456789.eE+-")])
            return NAN;
        char *end;
        double d = strtod(t, &end);
        return *end == '\0' && isfinite(d) ? d : NAN;
    }
    return NAN;
}

const char *api_str(const struct cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int api_parse_page(const struct api_provider *p, bool costs, const char *body, size_t len,
                   const struct usage_api_settings *s, struct sink *out, struct api_page *page,
                   char *err, size_t errlen)
{
    cJSON *root = parse_body(body, len);
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
    if (!cJSON_IsArray(data)) {
        snprintf(err, errlen, "%s", root ? "the response has no \"data\" array"
                                         : "the response is not JSON");
        cJSON_Delete(root);
        return -1;
    }
    page->has_more = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "has_more"));
    const char *next = api_str(root, "next_page");
    if (next && strlen(next) >= sizeof page->next_page) {
        /* cut, it would ask for another page than the API meant */
        snprintf(err, errlen, "the response's next_page is %zu bytes (at most %zu)",
                 strlen(next), sizeof page->next_page - 1);
        cJSON_Delete(root);
        return -1;
    }
    snprintf(page->next_page, sizeof page->next_page, "%s", next ? next : "");
    const cJSON *bucket;
    cJSON_ArrayForEach(bucket, data) {
        int64_t ts = p->bucket_start(bucket);
        if (!ts)
            continue;
        const cJSON *r;
        cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(bucket, "results")) {
            struct usage u = {.ts = ts, .source = s->base.name, .provider = p->provider};
            if (costs ? p->cost_record(r, s, &u) : p->usage_record(r, s, &u))
                out->put(out, &u);
        }
    }
    cJSON_Delete(root);
    return 0;
}

/* ---- settings ----------------------------------------------------------------------- */

void usage_api_check_key_file(struct settings_ctx *c, const struct toml_value *v, void *settings)
{
    const struct usage_api_settings *s = settings;
    const char *path = s->api_key_file;
    struct stat st;
    if (stat(path, &st) != 0) {
        settings_error(c, v, "cannot read api_key_file '%s': %s", path, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        settings_error(c, v, "api_key_file '%s' is not a regular file", path);
    } else if (st.st_mode & (S_IRGRP | S_IROTH)) {
        settings_error(c, v, "api_key_file '%s' is readable by group or others (mode %04o): "
                       "refusing it; run chmod 600 '%s'", path, (unsigned)(st.st_mode & 07777),
                       path);
    }
    if (s->api_key_env)
        settings_error(c, v, "give 'api_key_env' or 'api_key_file', not both");
}

void usage_api_check_url(struct settings_ctx *c, const struct toml_value *v, void *settings)
{
    const struct usage_api_settings *s = settings;
    if (strncmp(s->base_url, "https://", 8) != 0 && strncmp(s->base_url, "http://", 7) != 0)
        settings_error(c, v, "'base_url' must start with https:// (or http:// for a local "
                       "test server)");
}

void usage_api_validate(struct settings_ctx *c, const struct toml_value *tbl,
                        const struct source_settings *s)
{
    if (!toml_table_get(tbl, "api_key_env") && !toml_table_get(tbl, "api_key_file"))
        settings_error(c, tbl, "source '%s' needs 'api_key_env' or 'api_key_file' (keys are "
                       "never written in the config)", s->name);
}

static int key_from_env(const char *name, char *buf, size_t len, char *err, size_t errlen)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        snprintf(err, errlen, "environment variable %s is not set", name);
        return -1;
    }
    if (strlen(v) >= len) {
        snprintf(err, errlen, "the key in %s is too long", name);
        return -1;
    }
    snprintf(buf, len, "%s", v);
    return 0;
}

int usage_api_read_secret(const struct usage_api_settings *s, char *buf, size_t len,
                          char *err, size_t errlen)
{
    if (s->api_key_env)
        return key_from_env(s->api_key_env, buf, len, err, errlen);
    if (!s->api_key_file) {
        snprintf(err, errlen, "no api_key_env or api_key_file");
        return -1;
    }
    int fd = open(s->api_key_file, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot read %s: %s", s->api_key_file, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (st.st_mode & (S_IRGRP | S_IROTH)) {
        close(fd);
        snprintf(err, errlen, "%s is readable by group or others: refusing it",
                 s->api_key_file);
        return -1;
    }
    ssize_t n = read(fd, buf, len - 1);
    int e = errno;
    close(fd);
    if (n < 0) {
        snprintf(err, errlen, "cannot read %s: %s", s->api_key_file, strerror(e));
        return -1;
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' ||
                     buf[n - 1] == '\t'))
        n--;
    buf[n] = '\0';
    if (n == 0) {
        snprintf(err, errlen, "%s is empty", s->api_key_file);
        return -1;
    }
    return 0;
}

/* ---- the batch ---------------------------------------------------------------------- */

static char *dup_or_null(const char *s) { return s ? xstrdup(s) : NULL; }

static int batch_put(struct sink *sink, const struct usage *u)
{
    struct batch *b = (struct batch *)sink;
    xgrow(&b->u, &b->cap, b->n + 1, sizeof *b->u);
    struct usage *c = &b->u[b->n++];
    *c = *u;
    c->source = dup_or_null(u->source);
    c->provider = dup_or_null(u->provider);
    c->model = dup_or_null(u->model);
    c->tenant = dup_or_null(u->tenant);
    return 1;
}

static void batch_clear(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        free((char *)b->u[i].source);
        free((char *)b->u[i].provider);
        free((char *)b->u[i].model);
        free((char *)b->u[i].tenant);
    }
    b->n = 0;
}

/* ---- cursors ---------------------------------------------------------------------- */

static int load_cursor(void *ctx, const char *key, const char *value)
{
    struct api *a = ctx;
    if (strcmp(key, "hourly_until") == 0)
        a->hourly_until = strtoll(value, NULL, 10);
    else if (strcmp(key, "costs_backfilled") == 0)
        a->costs_backfilled = strcmp(value, "1") == 0;
    return 0;
}

static void save_cursors(struct api *a)
{
    a->c->status.usage_known = true; /* a range is in: see source.h */
    char v[32];
    snprintf(v, sizeof v, "%lld", (long long)a->hourly_until);
    a->c->sink->cursor(a->c->sink, a->c->cfg->name, "hourly_until", v);
    if (a->costs_backfilled)
        a->c->sink->cursor(a->c->sink, a->c->cfg->name, "costs_backfilled", "1");
}

/* ---- a pass: hourly backfill, recent minutes, costs -------------------------------- */

static void fetch(struct api *a);
static void next_step(struct api *a);
static void end_pass(struct api *a);

/* Set up the range of step s; false if it has nothing to fetch. */
static bool plan(struct api *a, enum step s)
{
    int64_t now = clock_now();
    int64_t hour = clock_floor(now, CLOCK_HOUR);
    a->step = s;
    a->page.has_more = false;
    a->page.next_page[0] = '\0';
    a->pages = 0;
    batch_clear(&a->batch);
    switch (s) {
    case STEP_HOURLY: {
        /* the first whole hour the history keeps: the hour before it
         * would be refused as too old (and said so, on every first start) */
        int64_t oldest = clock_floor(now - STORE_RETENTION + CLOCK_HOUR - 1, CLOCK_HOUR);
        a->t0 = a->hourly_until > oldest ? a->hourly_until : oldest;
        a->t1 = hour - CLOCK_HOUR;
        a->width = CLOCK_HOUR;
        return a->t0 < a->t1;
    }
    case STEP_MINUTES:
        /* the last whole hour and the current one: starts on an hour, so
         * it replaces hourly buckets whole */
        a->t0 = hour - CLOCK_HOUR;
        a->t1 = clock_floor(now, CLOCK_MINUTE) + CLOCK_MINUTE;
        a->width = CLOCK_MINUTE;
        return true;
    case STEP_COSTS: {
        int64_t day = clock_floor(now, CLOCK_DAY);
        a->t0 = day - (a->costs_backfilled ? CLOCK_DAY : CLOCK_WEEK);
        a->t1 = day + CLOCK_DAY;
        a->width = CLOCK_DAY;
        return true;
    }
    case STEP_DONE:
        return false;
    }
    return false;
}

/* Give up on the current range (not stored, its cursor not moved: the
 * next pass asks again) and go on with the next. */
static void skip_step(struct api *a)
{
    snprintf(a->lost, sizeof a->lost, "%s", a->c->status.last_error);
    a->failures = 0;
    a->hourly_lost |= a->step == STEP_HOURLY;
    next_step(a);
}

static void next_step(struct api *a)
{
    for (enum step s = a->step + 1; s < STEP_DONE; s++) {
        if (plan(a, s)) {
            fetch(a);
            return;
        }
    }
    end_pass(a);
}

static void on_timer(uv_timer_t *t);

static void schedule(struct api *a, int64_t seconds)
{
    if (a->stopping || !a->timer_open)
        return;
    /* cannot fail: a callback, an open handle (checked above) */
    uv_timer_start(&a->timer, on_timer, (uint64_t)(seconds > 0 ? seconds : 0) * 1000, 0);
}

static void once_closed(uv_handle_t *h)
{
    struct api *a = h->data;
    collector_cb done = a->once_done;
    a->timer_open = false;
    a->once_done = NULL;
    done(a->c);
}

static void end_pass(struct api *a)
{
    a->pass_running = false;
    batch_clear(&a->batch);
    /* a range given up on stays the source's error, whatever came after */
    if (a->lost[0])
        collector_error(a->c, "%s", a->lost);
    if (a->once_done) {
        /* --once: the pass is the whole job; its retry timer goes too */
        a->stopping = true;
        uv_close((uv_handle_t *)&a->timer, once_closed);
        return;
    }
    collector_caught_up(a->c);
    schedule(a, a->s->interval);
}

static const char *step_name(enum step s)
{
    return s == STEP_COSTS ? "costs" : "usage";
}

/* Every page of the range is in: replace what the source had for it. */
static void commit(struct api *a)
{
    struct sink *out = a->c->sink;
    bool billed = a->step == STEP_COSTS;
    out->clear_range(out, a->c->cfg->name, a->t0, a->t1, billed);
    int64_t n = 0, outside = 0;
    for (size_t i = 0; i < a->batch.n; i++) {
        const struct usage *u = &a->batch.u[i];
        /* a bucket the API sent from outside the range asked for would
         * not be cleared by the next poll of this range: it would add */
        if (u->ts < a->t0 || u->ts >= a->t1)
            outside++;
        else
            n += out->put(out, u) > 0;
    }
    if (outside)
        log_msg(LOG_WARN, "source %s: %s: %lld records dated outside the range asked for, "
                "not counted", a->c->cfg->name, step_name(a->step), (long long)outside);
    if (a->step == STEP_HOURLY)
        a->hourly_until = a->t1;
    else if (a->step == STEP_MINUTES && a->t0 > a->hourly_until && !a->hourly_lost)
        a->hourly_until = a->t0;
    else if (a->step == STEP_COSTS)
        a->costs_backfilled = true;
    save_cursors(a);
    a->failures = 0;
    collector_ok(a->c, n);
}

/* A failure worth retrying: wait, then the same request again. */
static void retry(struct api *a, int64_t wait, const char *why)
{
    a->failures++;
    if (a->once_done && wait > ONCE_MAX_WAIT)
        collector_error(a->c, "%s: %s (Retry-After: %lld s, not waited for by --once)",
                        step_name(a->step), why, (long long)wait);
    else
        collector_error(a->c, "%s: %s", step_name(a->step), why);
    if (a->once_done && (a->failures >= ONCE_ATTEMPTS || wait > ONCE_MAX_WAIT)) {
        /* this range is lost for this run; the others are not (costs
         * when usage fails, and the other way round) */
        skip_step(a);
        return;
    }
    if (wait >= 0) {
        /* Retry-After: at least a second (0 would retry at once, for as
         * long as the server says so) */
        wait = wait < 1 ? 1 : wait;
    } else {
        /* exponential, capped, with jitter so sources do not retry in step */
        int64_t cap = (int64_t)1 << (a->failures > 9 ? 9 : a->failures);
        if (cap > BACKOFF_CAP)
            cap = BACKOFF_CAP;
        wait = cap / 2 + random() % (cap / 2 + 1);
    }
    log_msg(LOG_INFO, "source %s: %s: retrying in %llds (attempt %d)", a->c->cfg->name,
            step_name(a->step), (long long)wait, a->failures + 1);
    schedule(a, wait);
}

static void on_response(void *ctx, const struct http_response *r)
{
    struct api *a = ctx;
    if (r->status == 0) {
        retry(a, -1, r->error);
        return;
    }
    if (r->status < 200 || r->status >= 300) {
        char msg[256] = "";
        error_message(r->body, r->len, a->key, msg, sizeof msg);
        char why[400];
        snprintf(why, sizeof why, "HTTP %ld%s%s", r->status, msg[0] ? ": " : "", msg);
        if (r->status == 429) {
            retry(a, r->retry_after >= 0 ? r->retry_after : -1, why);
        } else if (r->status >= 500) {
            retry(a, -1, why);
        } else {
            /* 401/403 (a wrong key) and other refusals: this source is in
             * error until its next interval; the others go on */
            a->failures = 0;
            collector_error(a->c, "%s: %s", step_name(a->step), why);
            end_pass(a);
        }
        return;
    }
    char err[256];
    struct api_page page = {0};
    int rc = api_parse_page(a->p, a->step == STEP_COSTS, r->body, r->len, a->s,
                            &a->batch.sink, &page, err, sizeof err);
    if (rc != 0) {
        retry(a, -1, err);
        return;
    }
    if (page.has_more) {
        /* a cursor that does not move, or never ends, would fetch (and
         * hold) pages forever; without one the rest cannot be asked for
         * (taken as the end, the range was stored short, silently): this
         * range is not stored, the pass goes on */
        const char *why = !page.next_page[0] ? "was missing"
                          : strcmp(page.next_page, a->page.next_page) == 0 ? "did not move"
                          : ++a->pages >= MAX_PAGES ? "never ended" : NULL;
        if (why) {
            collector_error(a->c, "%s: the API's next_page %s after %d pages: range "
                            "[%lld, %lld) not stored", step_name(a->step), why, a->pages + 1,
                            (long long)a->t0, (long long)a->t1);
            skip_step(a);
            return;
        }
        a->page = page;
        fetch(a);
        return;
    }
    commit(a);
    next_step(a);
}

static void fetch(struct api *a)
{
    struct strbuf url = {0};
    if (a->step == STEP_COSTS)
        a->p->cost_url(a->s, a->t0, a->t1, a->page.next_page, &url);
    else
        a->p->usage_url(a->s, a->t0, a->t1, a->width, a->page.next_page, &url);
    struct strbuf h[API_MAX_HEADERS] = {{0}};
    size_t nh = 0;
    a->p->auth_headers(a->key, h, &nh);
    const char *headers[API_MAX_HEADERS + 2];
    for (size_t i = 0; i < nh; i++)
        headers[i] = strbuf_str(&h[i]);
    headers[nh++] = "Accept: application/json";
    headers[nh] = NULL;
    int64_t timeout = a->s->timeout * 1000;
    struct http_request req = {
        .url = strbuf_str(&url),
        .headers = headers,
        .connect_timeout_ms = timeout < 10000 ? timeout : 10000,
        .timeout_ms = timeout,
        .max_body = MAX_BODY,
    };
    char err[256];
    int rc = http_get(a->c->http, &req, on_response, a, err, sizeof err);
    for (size_t i = 0; i < API_MAX_HEADERS; i++) {
        /* the key lives in these buffers: wipe them */
        if (h[i].s)
            memset(h[i].s, 0, h[i].cap);
        strbuf_free(&h[i]);
    }
    strbuf_free(&url);
    if (rc != 0)
        retry(a, -1, err);
}

static void begin_pass(struct api *a)
{
    if (a->pass_running)
        return;
    char err[256];
    if (usage_api_read_secret(a->s, a->key, sizeof a->key, err, sizeof err) != 0) {
        collector_error(a->c, "%s", err);
        a->pass_running = true;
        end_pass(a);
        return;
    }
    a->pass_running = true;
    a->hourly_lost = false;
    a->lost[0] = '\0';
    a->step = STEP_HOURLY;
    if (plan(a, STEP_HOURLY))
        fetch(a);
    else
        next_step(a);
}

static void on_timer(uv_timer_t *t)
{
    struct api *a = t->data;
    if (a->pass_running)
        fetch(a);      /* a retry of the current request */
    else
        begin_pass(a);
}

/* ---- collector ops ------------------------------------------------------------------ */

static void api_destroy(struct collector *c);

static int api_init(struct collector *c, char *err, size_t errlen)
{
    struct api *a = xcalloc(1, sizeof *a);
    a->c = c;
    a->s = (const struct usage_api_settings *)c->cfg;
    a->p = c->cfg->type->data;
    a->batch.sink.put = batch_put;
    c->impl = a;
    c->status.usage_provider = a->p->provider;
    c->status.reports_billed = true;
    if (c->sink->cursor_each(c->sink, c->cfg->name, load_cursor, a, err, errlen) != 0) {
        api_destroy(c);
        return -1;
    }
    c->status.usage_known = a->hourly_until > 0 || a->costs_backfilled;
    return 0;
}

static void api_start(struct collector *c)
{
    struct api *a = c->impl;
    uv_timer_init(c->loop, &a->timer); /* always 0 (libuv 1.x) */
    a->timer.data = a;
    a->timer_open = true;
    schedule(a, 0);
}

static void api_poll_now(struct collector *c)
{
    struct api *a = c->impl;
    if (!a->pass_running)
        schedule(a, 0);
}

static void api_run_once(struct collector *c, collector_cb done)
{
    struct api *a = c->impl;
    a->once_done = done;
    uv_timer_init(c->loop, &a->timer); /* always 0 (libuv 1.x) */
    a->timer.data = a;
    a->timer_open = true;
    begin_pass(a);
}

static void timer_closed(uv_handle_t *h)
{
    struct api *a = h->data;
    a->timer_open = false;
    a->closed(a->c);
}

static void api_stop(struct collector *c, collector_cb closed)
{
    struct api *a = c->impl;
    a->stopping = true;
    if (!a->timer_open) {
        closed(c);
        return;
    }
    a->closed = closed;
    uv_close((uv_handle_t *)&a->timer, timer_closed);
}

static void api_destroy(struct collector *c)
{
    struct api *a = c->impl;
    if (!a)
        return;
    batch_clear(&a->batch);
    free(a->batch.u);
    memset(a->key, 0, sizeof a->key);
    free(a);
    c->impl = NULL;
}

/* Every provider usage API source (the provider is its type's data). */
const struct collector_ops usage_api_ops = {
    .init = api_init,
    .start = api_start,
    .poll_now = api_poll_now,
    .run_once = api_run_once,
    .stop = api_stop,
    .destroy = api_destroy,
};
