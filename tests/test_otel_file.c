/* test_otel_file.c - following Collector file-exporter output: append,
 * rotation, truncation, restart, start_at, malformed and over-long lines;
 * the proto format's frames (partial, mixed signals, a bad length, zstd).
 * Real files, a real libuv loop, a real SQLite database. */
#include "tests/helpers.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "collectors/collector.h"
#include "collectors/sources.h"
#include "lib/clock.h"
#include "core/db.h"
#include "core/ingest.h"
#include "core/store.h"
#include "lib/log.h"
#include "tests/pb_build.h"

static const int64_t NOW = 1795348800;

struct fixture {
    char *dir;
    char glob[4200], file[4200], db[4200];
    struct source_settings *src;
    uv_loop_t loop;
    struct db *dbh;
    struct store *st;
    struct pricing *p;
    struct ingest *in;
    struct collector *c;
};

static void open_state(struct fixture *f)
{
    char err[256];
    f->dbh = db_open(f->db, err, sizeof err);
    assert_non_null(f->dbh);
    f->st = store_new();
    assert_int_equal(db_load(f->dbh, f->st, 0), 0);
    f->in = ingest_new(f->st, f->dbh, f->p);
    f->c = collector_new(f->src, &f->loop, ingest_sink(f->in), err, sizeof err);
    assert_non_null(f->c);
}

static void close_state(struct fixture *f)
{
    char err[256];
    assert_int_equal(ingest_flush(f->in, err, sizeof err), 0);
    collector_free(f->c);
    ingest_free(f->in);
    store_free(f->st);
    db_close(f->dbh);
}

/* The [[source]] a user would write for the test's files, polled every
 * poll_interval (tenants from tenant.id: the default). */
static struct source_settings *otel_source_polled(const char *glob, const char *start_at,
                                                  const char *poll_interval)
{
    char text[5000], err[256];
    snprintf(text, sizeof text, "name = \"spans\"\ntype = \"otel_file\"\npath = \"%s\"\n"
             "start_at = \"%s\"\npoll_interval = \"%s\"\n", glob, start_at, poll_interval);
    struct toml_value *t = toml_parse(text, strlen(text), "test", err, sizeof err);
    assert_non_null(t);
    struct strbuf errs = {0};
    struct settings_ctx c = {"test", &errs, 0};
    struct source_settings *s = sources_load(&c, t);
    if (c.nerrors)
        fail_msg("%s", strbuf_str(&errs));
    toml_free(t);
    strbuf_free(&errs);
    return s;
}

/* ... polled every second: the default. */
static struct source_settings *otel_source(const char *glob, const char *start_at)
{
    return otel_source_polled(glob, start_at, "1s");
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->dir = temp_dir();
    snprintf(f->glob, sizeof f->glob, "%s/spans*.json", f->dir);
    snprintf(f->file, sizeof f->file, "%s/spans.json", f->dir);
    snprintf(f->db, sizeof f->db, "%s/state.db", f->dir);
    f->src = otel_source(f->glob, "beginning");
    f->p = pricing_new();
    clock_set(NOW, true);
    uv_loop_init(&f->loop);
    open_state(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    close_state(f);
    assert_int_equal(uv_loop_close(&f->loop), 0);
    pricing_free(f->p);
    sources_free(f->src);
    rm_rf(f->dir);
    free(f);
    return 0;
}

/* One exporter line holding one chat span. */
static char *line(int id, int input)
{
    static char buf[1024];
    snprintf(buf, sizeof buf,
        "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"tenant.id\","
        "\"value\":{\"stringValue\":\"acme\"}}]},\"scopeSpans\":[{\"spans\":[{"
        "\"traceId\":\"00000000000000000000000000000001\",\"spanId\":\"%016x\","
        "\"startTimeUnixNano\":\"%lld000000000\",\"attributes\":["
        "{\"key\":\"gen_ai.operation.name\",\"value\":{\"stringValue\":\"chat\"}},"
        "{\"key\":\"gen_ai.request.model\",\"value\":{\"stringValue\":\"m\"}},"
        "{\"key\":\"gen_ai.usage.input_tokens\",\"value\":{\"intValue\":\"%d\"}}]}]}]}]}\n",
        id, (long long)(NOW - 600), input);
    return buf;
}

static void once_done(struct collector *c) { *(int *)c->data = 1; }

static void collect(struct fixture *f)
{
    int done = 0;
    f->c->data = &done;
    f->c->ops->run_once(f->c, once_done);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    assert_true(done);
}

static int64_t input_total(struct fixture *f)
{
    int64_t n = 0;
    for (size_t i = 0; i < store_series_count(f->st); i++) {
        struct tally t;
        store_sum(f->st, (int)i, 0, INT64_MAX, &t);
        n += t.input;
    }
    return n;
}

static void test_reads_lines_and_skips_malformed_ones(void **state)
{
    struct fixture *f = *state;
    write_file(f->file, "%s", line(1, 10));
    append_file(f->file, "{\"resourceSpans\": [ this is not json\n");
    append_file(f->file, "\n");
    append_file(f->file, line(2, 20));
    collect(f);
    assert_int_equal(input_total(f), 30);
    assert_int_equal(f->c->status.records, 2);
    assert_int_equal(f->c->status.rejected, 1);
    assert_string_equal(f->c->status.last_error, "");
    assert_int_equal(f->c->status.state, SOURCE_OK);
}

static void test_follows_appends(void **state)
{
    struct fixture *f = *state;
    write_file(f->file, "%s", line(1, 10));
    collect(f);
    append_file(f->file, line(2, 20));
    collect(f);
    append_file(f->file, line(3, 40));
    collect(f);
    assert_int_equal(input_total(f), 70);
}

static void test_partial_line_waits_for_its_newline(void **state)
{
    struct fixture *f = *state;
    char *l = line(1, 10);
    size_t n = strlen(l);
    FILE *fp = fopen(f->file, "w");
    fwrite(l, 1, n / 2, fp);
    fclose(fp);
    collect(f);
    assert_int_equal(input_total(f), 0);
    assert_int_equal(f->c->status.rejected, 0);
    fp = fopen(f->file, "a");
    fwrite(l + n / 2, 1, n - n / 2, fp);
    fclose(fp);
    collect(f);
    assert_int_equal(input_total(f), 10);
}

static void test_rotation_loses_nothing(void **state)
{
    struct fixture *f = *state;
    write_file(f->file, "%s", line(1, 10));
    collect(f);
    /* written before the rotation, not read yet */
    append_file(f->file, line(2, 20));
    char rotated[4300];
    snprintf(rotated, sizeof rotated, "%s/spans.json.1", f->dir); /* out of the glob */
    assert_int_equal(rename(f->file, rotated), 0);
    write_file(f->file, "%s", line(3, 40));
    collect(f);
    assert_int_equal(input_total(f), 70);
    /* the rotated file was let go; new lines go to the new file only */
    append_file(rotated, line(4, 1000));
    append_file(f->file, line(5, 80));
    collect(f);
    assert_int_equal(input_total(f), 150);
}

static void test_rotation_to_a_name_inside_the_glob(void **state)
{
    struct fixture *f = *state;
    write_file(f->file, "%s", line(1, 10));
    collect(f);
    char rotated[4300];
    snprintf(rotated, sizeof rotated, "%s/spans-2026-11-22T08-00-00.json", f->dir);
    append_file(f->file, line(2, 20));
    assert_int_equal(rename(f->file, rotated), 0);
    write_file(f->file, "%s", line(3, 40));
    collect(f);
    /* the renamed file is the same inode: continued, not re-read */
    assert_int_equal(input_total(f), 70);
}

static void test_truncation_reads_again_from_the_start(void **state)
{
    struct fixture *f = *state;
    write_file(f->file, "%s", line(1, 10));
    append_file(f->file, line(2, 20));
    collect(f);
    assert_int_equal(input_total(f), 30);
    /* copytruncate: same inode, shorter; new spans follow */
    write_file(f->file, "%s", line(3, 40));
    collect(f);
    assert_int_equal(input_total(f), 70);
}

static void test_restart_resumes_exactly(void **state)
{
    struct fixture *f = *state;
    write_file(f->file, "%s", line(1, 10));
    append_file(f->file, line(2, 20));
    collect(f);
    close_state(f); /* flushes the data and the position together */
    append_file(f->file, line(3, 40));
    open_state(f);
    assert_int_equal(input_total(f), 30);
    collect(f);
    assert_int_equal(input_total(f), 70); /* line 3 once; 1 and 2 not again */
    close_state(f);
    open_state(f);
    collect(f);
    assert_int_equal(input_total(f), 70);
}

/* Positions that cannot be read (here: their table is away) refuse the
 * start with the reason, instead of reading the files again from their
 * beginning, which would count every line twice; once they can be read
 * the source resumes where it was. */
static void test_unreadable_positions_refuse_to_start(void **state)
{
    struct fixture *f = *state;
    write_file(f->file, "%s", line(1, 10));
    collect(f);
    close_state(f);
    char err[256];
    f->dbh = db_open(f->db, err, sizeof err);
    assert_non_null(f->dbh);
    f->st = store_new();
    assert_int_equal(db_load(f->dbh, f->st, 0), 0);
    f->in = ingest_new(f->st, f->dbh, f->p);
    sqlite3 *h = (sqlite3 *)db_handle(f->dbh);
    assert_int_equal(sqlite3_exec(h, "ALTER TABLE cursors RENAME TO cursors_away", NULL, NULL,
                                  NULL), SQLITE_OK);
    err[0] = '\0';
    assert_null(collector_new(f->src, &f->loop, ingest_sink(f->in), err, sizeof err));
    assert_non_null(strstr(err, "source spans: cannot read its stored positions: "));
    assert_int_equal(sqlite3_exec(h, "ALTER TABLE cursors_away RENAME TO cursors", NULL, NULL,
                                  NULL), SQLITE_OK);
    f->c = collector_new(f->src, &f->loop, ingest_sink(f->in), err, sizeof err);
    assert_non_null(f->c);
    append_file(f->file, line(2, 20));
    collect(f);
    assert_int_equal(input_total(f), 30); /* line 1 once */
}

/* A Collector file-exporter line of Codex CLI's cumulative token metric. */
static char *metric_line(int64_t t, int input)
{
    static char buf[1024];
    snprintf(buf, sizeof buf,
        "{\"resourceMetrics\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
        "\"value\":{\"stringValue\":\"codex_cli_rs\"}}]},\"scopeMetrics\":[{\"metrics\":[{"
        "\"name\":\"codex.turn.token_usage.input_tokens\",\"sum\":{\"isMonotonic\":true,"
        "\"aggregationTemporality\":2,\"dataPoints\":[{\"startTimeUnixNano\":"
        "\"%lld000000000\",\"timeUnixNano\":\"%lld000000000\",\"asInt\":\"%d\"}]}}]}]}]}\n",
        (long long)(NOW - 3600), (long long)t, input);
    return buf;
}

/* And one of Gemini CLI's api_response events (another emitter). */
static char *log_line(int input)
{
    static char buf[1024];
    snprintf(buf, sizeof buf,
        "{\"resourceLogs\":[{\"resource\":{},\"scopeLogs\":[{\"logRecords\":[{"
        "\"timeUnixNano\":\"%lld000000000\",\"attributes\":["
        "{\"key\":\"event.name\",\"value\":{\"stringValue\":\"gemini_cli.api_response\"}},"
        "{\"key\":\"input_token_count\",\"value\":{\"intValue\":%d}}]}]}]}]}\n",
        (long long)(NOW - 500), input);
    return buf;
}

/* Logs and metrics lines are read too; a cumulative stream's last point
 * is saved with the position, so after a restart its next point counts
 * only what is new. */
static void test_logs_and_cumulative_metrics_across_a_restart(void **state)
{
    struct fixture *f = *state;
    write_file(f->file, "%s", metric_line(NOW - 600, 1000));
    append_file(f->file, log_line(7));
    collect(f);
    assert_int_equal(input_total(f), 1007);
    close_state(f);
    append_file(f->file, metric_line(NOW - 540, 1500));
    open_state(f);
    collect(f);
    assert_int_equal(input_total(f), 1507); /* 1000, then 500 more */
    close_state(f);
    open_state(f);
    collect(f);
    assert_int_equal(input_total(f), 1507);
}

static void test_start_at_end_skips_what_is_there(void **state)
{
    struct fixture *f = *state;
    close_state(f);
    unlink(f->db);
    sources_free(f->src);
    f->src = otel_source(f->glob, "end");
    write_file(f->file, "%s", line(1, 10));
    open_state(f);
    collect(f);
    assert_int_equal(input_total(f), 0);
    append_file(f->file, line(2, 20));
    char other[4300];
    snprintf(other, sizeof other, "%s/spans-new.json", f->dir);
    write_file(other, "%s", line(3, 40)); /* a file appearing later: read whole */
    collect(f);
    assert_int_equal(input_total(f), 60);
}

static void test_overlong_line_is_skipped_not_fatal(void **state)
{
    struct fixture *f = *state;
    FILE *fp = fopen(f->file, "w");
    static char junk[1 << 20];
    memset(junk, 'x', sizeof junk);
    for (int i = 0; i < 17; i++)
        fwrite(junk, 1, sizeof junk, fp);
    fputc('\n', fp);
    fputs(line(1, 10), fp);
    fclose(fp);
    collect(f);
    assert_int_equal(input_total(f), 10);
    assert_int_equal(f->c->status.rejected, 1);
}

static int saved_offset(void *ctx, const char *key, const char *value)
{
    (void)key;
    *(long long *)ctx = atoll(value);
    return 0;
}

/* Lines longer than one read (1 MiB) end in a later read: the saved
 * position must still be exactly the end of the last line. */
static void test_position_is_exact_across_long_lines(void **state)
{
    struct fixture *f = *state;
    FILE *fp = fopen(f->file, "w");
    for (int i = 1; i <= 3; i++) {
        /* a span line padded with a 1.5 MiB attribute */
        char *l = line(i, 10 * i);
        fwrite(l, 1, strlen(l) - 9, fp); /* up to before "]}]}]}]}\n": in the attributes */
        fputs(",{\"key\":\"pad\",\"value\":{\"stringValue\":\"", fp);
        for (int k = 0; k < 1536 * 1024; k++)
            fputc('x', fp);
        fputs("\"}}]}]}]}]}\n", fp);
    }
    long size = ftell(fp);
    fclose(fp);
    collect(f);
    assert_int_equal(input_total(f), 60);
    close_state(f);
    open_state(f);
    long long offset = -1;
    char err[256];
    assert_int_equal(f->c->sink->cursor_each(f->c->sink, "spans", saved_offset, &offset, err,
                                             sizeof err), 0);
    assert_int_equal(offset, size);
    collect(f); /* nothing new: not re-read, not seen as truncated */
    assert_int_equal(input_total(f), 60);
    append_file(f->file, line(9, 1000));
    collect(f);
    assert_int_equal(input_total(f), 1060);
}

static void test_no_matching_file_is_an_error_until_one_appears(void **state)
{
    struct fixture *f = *state;
    collect(f);
    assert_int_equal(f->c->status.state, SOURCE_ERROR);
    assert_non_null(strstr(f->c->status.last_error, "no file matches"));
    write_file(f->file, "%s", line(1, 10));
    collect(f);
    assert_int_equal(f->c->status.state, SOURCE_OK);
    assert_int_equal(input_total(f), 10);
}

static void stopped(struct collector *c) { *(int *)c->data = 2; }

static void on_check(uv_timer_t *t)
{
    struct fixture *f = t->data;
    /* follow mode: wait (on the loop, not a sleep) until the line is in */
    if (input_total(f) == 10) {
        uv_close((uv_handle_t *)t, NULL);
        f->c->ops->stop(f->c, stopped);
    }
}

static void test_follow_mode_on_the_loop(void **state)
{
    struct fixture *f = *state;
    write_file(f->file, "%s", line(1, 10));
    int flag = 0;
    f->c->data = &flag;
    f->c->ops->start(f->c);
    uv_timer_t check;
    uv_timer_init(&f->loop, &check);
    check.data = f;
    uv_timer_start(&check, on_check, 10, 10);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    assert_int_equal(flag, 2);
    assert_int_equal(input_total(f), 10);
}

/* Following with a poll interval of an hour: what arrives can only come
 * from a change notification. */
struct live {
    struct fixture *f;
    uv_timer_t check, deadline;
    int64_t want;        /* input_total to wait for */
    int step;            /* 0: the first line; 1: the appended one; 2: done */
    bool late;           /* the deadline passed first */
};

static void live_stop(struct live *l)
{
    uv_close((uv_handle_t *)&l->check, NULL);
    uv_close((uv_handle_t *)&l->deadline, NULL);
    l->f->c->ops->stop(l->f->c, stopped);
}

static void live_check(uv_timer_t *t)
{
    struct live *l = t->data;
    if (input_total(l->f) != l->want)
        return;
    if (++l->step == 1) {
        /* the first line is in (the start reads at once): now append */
        append_file(l->f->file, line(2, 20));
        l->want = 30;
    } else {
        live_stop(l);
    }
}

static void live_late(uv_timer_t *t)
{
    struct live *l = t->data;
    l->late = true;
    live_stop(l);
}

static void test_an_appended_line_is_read_without_waiting_for_the_poll(void **state)
{
    struct fixture *f = *state;
    close_state(f);
    sources_free(f->src);
    f->src = otel_source_polled(f->glob, "beginning", "1h");
    open_state(f);
    write_file(f->file, "%s", line(1, 10));
    int flag = 0;
    f->c->data = &flag;
    f->c->ops->start(f->c);
    struct live l = {.f = f, .want = 10};
    uv_timer_init(&f->loop, &l.check);
    uv_timer_init(&f->loop, &l.deadline);
    l.check.data = l.deadline.data = &l;
    uv_timer_start(&l.check, live_check, 5, 5);
    /* a bound, not a measurement: far below the hour, far above a notification */
    uv_timer_start(&l.deadline, live_late, 30000, 0);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    assert_false(l.late);
    assert_int_equal(l.step, 2);
    assert_int_equal(flag, 2);
    assert_int_equal(input_total(f), 30);
}

/* ---- format: proto ------------------------------------------------------------- */

static void append_bytes(const char *path, const void *p, size_t n)
{
    FILE *fp = fopen(path, "ab");
    if (!fp)
        fail_msg("cannot append to %s", path);
    assert_int_equal(fwrite(p, 1, n, fp), n);
    fclose(fp);
}

/* The exporter's frame of msg: its length, big-endian, then msg. */
static void frame_of(struct strbuf *out, const void *msg, size_t n)
{
    unsigned char h[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                          (unsigned char)(n >> 8), (unsigned char)n};
    strbuf_append(out, (const char *)h, sizeof h);
    if (n)
        strbuf_append(out, msg, n);
}

/* One frame: a request of one record, built in rec (freed). */
static void append_frame(const char *path, const char *svc, struct strbuf *rec)
{
    struct strbuf req = {0}, fr = {0};
    pbb_request(&req, svc, "scope", rec, 1);
    frame_of(&fr, req.s, req.len);
    append_bytes(path, fr.s, fr.len);
    strbuf_free(&req);
    strbuf_free(&fr);
}

/* The frame of one chat span of input tokens, as bytes in out. */
static void span_frame(struct strbuf *out, int id, int input)
{
    struct strbuf rec = {0}, req = {0};
    pbb_span(&rec, id, NOW - 600, input);
    pbb_request(&req, "checkout-api", "opentelemetry.instrumentation.openai", &rec, 1);
    frame_of(out, req.s, req.len);
    strbuf_free(&req);
}

static void append_span_frame(const char *path, int id, int input)
{
    struct strbuf fr = {0};
    span_frame(&fr, id, input);
    append_bytes(path, fr.s, fr.len);
    strbuf_free(&fr);
}

static char *slurp_fixture(const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/otlp/%s",
             getenv("SPENDTOP_FIXTURES") ? getenv("SPENDTOP_FIXTURES") : "tests/fixtures", name);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        fail_msg("cannot open %s", path);
    struct strbuf b = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
        strbuf_append(&b, buf, n);
    fclose(fp);
    *len = b.len;
    return strbuf_detach(&b);
}

static int by_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every series of the store and its tally, one sorted line each. */
static void records_text(struct fixture *f, struct strbuf *out)
{
    size_t n = store_series_count(f->st);
    char **lines = calloc(n + 1, sizeof *lines);
    for (size_t i = 0; i < n; i++) {
        const struct series_key *k = store_series_key(f->st, (int)i);
        struct tally t;
        store_sum(f->st, (int)i, 0, INT64_MAX, &t);
        struct strbuf l = {0};
        strbuf_printf(&l, "%s|%s|%s|%s|%s req=%lld err=%lld in=%lld ck=%lld cr=%lld cw=%lld "
                      "cw1h=%lld out=%lld rk=%lld rs=%lld ru=%lld nu=%lld rn=%lld cost=%.9g "
                      "reported=%.9g", k->source, k->provider, k->model, k->tenant,
                      k->tier ? k->tier : "", (long long)t.requests, (long long)t.errors,
                      (long long)t.input, (long long)t.input_ck, (long long)t.cache_read,
                      (long long)t.cache_write_5m, (long long)t.cache_write_1h,
                      (long long)t.output, (long long)t.output_rk, (long long)t.reasoning,
                      (long long)t.requests_unknown, (long long)t.no_usage,
                      (long long)t.reported_n, t.cost, t.reported);
        lines[i] = strbuf_detach(&l);
    }
    qsort(lines, n, sizeof *lines, by_text);
    for (size_t i = 0; i < n; i++) {
        strbuf_printf(out, "%s\n", lines[i]);
        free(lines[i]);
    }
    free(lines);
}

/* A fresh database, the clock at now. */
static void start_afresh(struct fixture *f, int64_t now)
{
    close_state(f);
    unlink(f->db);
    unlink(f->file);
    clock_set(now, true);
    open_state(f);
}

/* The fixtures' exports (OpenTelemetry JS's own serializers: the same
 * spans, Claude Code and Codex events, and counters, histograms and a
 * gauge encoded both ways) read from JSON lines, then from frames:
 * the same records. Spans and events are of 2026-01-01, metrics of
 * 2026-12-01 (each read at its own time: nothing is in the future). */
static void test_proto_frames_count_as_their_json_lines_do(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *names[2];
        int64_t now;
        int64_t input;
    } epochs[] = {
        /* two chat spans: 1200 + 5000; Claude Code 12 + 20000 read + 1500
         * written; Codex 9000 (as tests/test_otlp_receive.c) */
        {{"traces", "logs"}, 1767225600 + 3600, 6200 + 21512 + 9000},
        /* claude_code.token.usage: 12 input + 20000 cacheRead */
        {{"metrics", NULL}, 1796106159 + 3600, 20012},
    };
    for (size_t e = 0; e < sizeof epochs / sizeof *epochs; e++) {
        struct strbuf from_json = {0}, from_pb = {0}, frames = {0};
        start_afresh(f, epochs[e].now);
        for (size_t i = 0; i < 2 && epochs[e].names[i]; i++) {
            char name[64];
            size_t len;
            snprintf(name, sizeof name, "%s.json", epochs[e].names[i]);
            char *json = slurp_fixture(name, &len);
            append_bytes(f->file, json, len);
            append_bytes(f->file, "\n", 1);
            free(json);
            snprintf(name, sizeof name, "%s.pb", epochs[e].names[i]);
            char *pb = slurp_fixture(name, &len);
            frame_of(&frames, pb, len);
            free(pb);
        }
        collect(f);
        assert_int_equal(input_total(f), epochs[e].input);
        assert_int_equal(f->c->status.rejected, 0);
        int64_t records = f->c->status.records;
        records_text(f, &from_json);

        start_afresh(f, epochs[e].now);
        append_bytes(f->file, frames.s, frames.len);
        collect(f);
        assert_int_equal(f->c->status.rejected, 0);
        assert_int_equal(f->c->status.records, records);
        records_text(f, &from_pb);
        assert_string_equal(strbuf_str(&from_pb), strbuf_str(&from_json));
        strbuf_free(&from_json);
        strbuf_free(&from_pb);
        strbuf_free(&frames);
    }
}

/* Traces, logs and metrics pipelines writing one file: each frame is read
 * as what its records are. */
static void test_frames_of_every_signal_in_one_file(void **state)
{
    struct fixture *f = *state;
    struct strbuf rec = {0};
    pbb_span(&rec, 1, NOW - 600, 1200);
    append_frame(f->file, "checkout-api", &rec);
    pbb_claude_event(&rec, NOW - 500, 12, 20000, 1500, "session-1");
    append_frame(f->file, "claude-code", &rec);
    pbb_codex_metric(&rec, NOW - 3600, NOW - 400, 9000);
    append_frame(f->file, "codex_cli_rs", &rec);
    pbb_gauge(&rec, "queue.depth", NOW - 400, 7.5);
    append_frame(f->file, "worker", &rec);
    pbb_codex_metric(&rec, NOW - 3600, NOW - 340, 9500);
    append_frame(f->file, "codex_cli_rs", &rec);
    collect(f);
    /* 1200 (span) + 12 + 20000 + 1500 (event) + 9000 (the stream's first
     * point, whole) + 500 (its next) = 32212; the gauge is no usage */
    assert_int_equal(input_total(f), 32212);
    assert_int_equal(f->c->status.records, 4);
    assert_int_equal(f->c->status.rejected, 0);
    assert_int_equal(f->c->status.state, SOURCE_OK);
}

static void test_a_partial_frame_is_read_once_complete(void **state)
{
    struct fixture *f = *state;
    struct strbuf fr = {0};
    span_frame(&fr, 1, 1200);
    /* part of the header, then part of the message, then the rest */
    size_t cuts[] = {0, 2, fr.len / 2, fr.len};
    for (size_t i = 1; i < 4; i++) {
        append_bytes(f->file, fr.s + cuts[i - 1], cuts[i] - cuts[i - 1]);
        collect(f);
        assert_int_equal(input_total(f), i < 3 ? 0 : 1200);
        assert_int_equal(f->c->status.rejected, 0);
    }
    collect(f);
    assert_int_equal(input_total(f), 1200);
    append_span_frame(f->file, 2, 10);
    collect(f);
    assert_int_equal(input_total(f), 1210);
    strbuf_free(&fr);
}

static void test_a_restart_resumes_after_the_last_complete_frame(void **state)
{
    struct fixture *f = *state;
    struct strbuf fr = {0};
    append_span_frame(f->file, 1, 10);
    append_span_frame(f->file, 2, 20);
    struct stat st;
    assert_int_equal(stat(f->file, &st), 0);
    span_frame(&fr, 3, 40);
    append_bytes(f->file, fr.s, fr.len - 5); /* being written */
    collect(f);
    assert_int_equal(input_total(f), 30);
    close_state(f); /* flushes the data and the position together */
    open_state(f);
    long long offset = -1;
    char err[256];
    assert_int_equal(f->c->sink->cursor_each(f->c->sink, "spans", saved_offset, &offset, err,
                                             sizeof err), 0);
    assert_int_equal(offset, (long long)st.st_size); /* past frame 2, not into 3 */
    append_bytes(f->file, fr.s + fr.len - 5, 5);
    collect(f);
    assert_int_equal(input_total(f), 70); /* frame 3 once; 1 and 2 not again */
    close_state(f);
    open_state(f);
    collect(f);
    assert_int_equal(input_total(f), 70);
    strbuf_free(&fr);
}

/* Frames longer than one read (1 MiB) end in a later read: each is read
 * once, and the saved position is exactly the end of the last. */
static void test_frames_longer_than_a_read(void **state)
{
    struct fixture *f = *state;
    char *pad = malloc(1536 * 1024 + 1);
    memset(pad, 'x', 1536 * 1024);
    pad[1536 * 1024] = '\0';
    for (int i = 1; i <= 3; i++) {
        struct strbuf rec = {0};
        pbb_span(&rec, i, NOW - 600, 10 * i);
        pbb_kv_str(&rec, 9, "pad", pad);
        append_frame(f->file, "checkout-api", &rec);
    }
    free(pad);
    struct stat st;
    assert_int_equal(stat(f->file, &st), 0);
    collect(f);
    assert_int_equal(input_total(f), 60);
    assert_int_equal(f->c->status.rejected, 0);
    close_state(f);
    open_state(f);
    long long offset = -1;
    char err[256];
    assert_int_equal(f->c->sink->cursor_each(f->c->sink, "spans", saved_offset, &offset, err,
                                             sizeof err), 0);
    assert_int_equal(offset, (long long)st.st_size);
    collect(f); /* nothing new */
    assert_int_equal(input_total(f), 60);
    append_span_frame(f->file, 9, 1000);
    collect(f);
    assert_int_equal(input_total(f), 1060);
}

/* How many times text is in the log file at path. */
static int log_count(const char *path, const char *text)
{
    size_t len;
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    struct strbuf b = {0};
    char buf[4096];
    while ((len = fread(buf, 1, sizeof buf, fp)) > 0)
        strbuf_append(&b, buf, len);
    fclose(fp);
    int n = 0;
    for (const char *p = strbuf_str(&b); (p = strstr(p, text)) != NULL; p += strlen(text))
        n++;
    strbuf_free(&b);
    return n;
}

static void log_here(struct fixture *f, char *path, size_t len)
{
    char err[256];
    snprintf(path, len, "%s/log", f->dir);
    assert_int_equal(log_open(path, err, sizeof err), 0);
}

/* A frame length over 16 MiB: the rest of that file cannot be found
 * (nothing marks where its next frame begins); the file's error stays
 * the source's, logged once, and the other files are read on. */
static void test_a_bad_frame_length_stops_that_file_only(void **state)
{
    struct fixture *f = *state;
    char logfile[4300], other[4300];
    log_here(f, logfile, sizeof logfile);
    snprintf(other, sizeof other, "%s/spans-2.json", f->dir);
    append_span_frame(f->file, 1, 10);
    struct stat st;
    assert_int_equal(stat(f->file, &st), 0);
    const unsigned char bad[4] = {0x01, 0x00, 0x00, 0x01}; /* 16 MiB + 1 */
    append_bytes(f->file, bad, sizeof bad);
    append_bytes(f->file, "junk", 4);
    append_span_frame(f->file, 2, 1000); /* past it: never read */
    append_span_frame(other, 3, 20);
    collect(f);
    assert_int_equal(input_total(f), 30);
    assert_int_equal(f->c->status.state, SOURCE_ERROR);
    char want[4400];
    snprintf(want, sizeof want, "%s: frame at byte %lld says it is 16777217 bytes long, over "
             "the 16 MiB limit: the rest of the file cannot be read", f->file,
             (long long)st.st_size);
    assert_string_equal(f->c->status.last_error, want);
    assert_int_equal(f->c->status.records, 2);
    /* the other file is still followed; the error stays, said once */
    append_span_frame(other, 4, 40);
    collect(f);
    collect(f);
    assert_int_equal(input_total(f), 70);
    assert_int_equal(f->c->status.records, 3);
    assert_int_equal(f->c->status.state, SOURCE_ERROR);
    assert_string_equal(f->c->status.last_error, want);
    log_close();
    assert_int_equal(log_count(logfile, "over the 16 MiB limit"), 1);
}

/* compression: zstd - one error naming the cause and the fix, for the
 * file, not for each frame; once the exporter writes the file anew
 * without compression, it is read. */
static void test_compressed_frames_are_one_clear_error(void **state)
{
    struct fixture *f = *state;
    char logfile[4300];
    log_here(f, logfile, sizeof logfile);
    const unsigned char zstd[12] = {0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x04, 0x21, 0x00,
                                    0x00, 0x0a, 0x02, 0x0a};
    struct strbuf fr = {0};
    frame_of(&fr, zstd, sizeof zstd);
    frame_of(&fr, zstd, sizeof zstd);
    append_bytes(f->file, fr.s, fr.len);
    collect(f);
    collect(f);
    assert_int_equal(input_total(f), 0);
    assert_int_equal(f->c->status.state, SOURCE_ERROR);
    char want[4400];
    snprintf(want, sizeof want, "%s: frame at byte 0 is zstd-compressed, which spendtop does "
             "not read: set compression off in the file exporter", f->file);
    assert_string_equal(f->c->status.last_error, want);
    log_close();
    assert_int_equal(log_count(logfile, "zstd-compressed"), 1);
    /* the exporter restarted without compression (append: false
     * truncates): the file is read from its start */
    FILE *fp = fopen(f->file, "wb");
    fclose(fp);
    append_span_frame(f->file, 1, 10);
    append_span_frame(f->file, 2, 20);
    collect(f);
    assert_int_equal(input_total(f), 30);
    assert_int_equal(f->c->status.state, SOURCE_OK);
    strbuf_free(&fr);
}

/* A frame whose records could be spans or metrics alike is an error for
 * that frame alone, counted as rejected; the next is read. */
static void test_a_frame_whose_signal_cannot_be_told_is_skipped(void **state)
{
    struct fixture *f = *state;
    struct strbuf rec = {0};
    pbb_gauge(&rec, "process.cpu.util", NOW - 400, 0.5); /* a 16-byte name: a trace id? */
    append_frame(f->file, "worker", &rec);
    append_span_frame(f->file, 1, 10);
    collect(f);
    assert_int_equal(input_total(f), 10);
    assert_int_equal(f->c->status.rejected, 1);
    assert_int_equal(f->c->status.state, SOURCE_OK);
}

/* A file is told by its first byte each time it starts anew. */
static void test_a_truncated_file_is_recognised_again(void **state)
{
    struct fixture *f = *state;
    struct stat st;
    for (int i = 1; i <= 5; i++)
        append_span_frame(f->file, i, 10);
    collect(f);
    assert_int_equal(input_total(f), 50);
    assert_int_equal(stat(f->file, &st), 0);
    off_t frames = st.st_size;
    write_file(f->file, "%s", line(6, 40)); /* now format: json */
    append_file(f->file, line(7, 40));
    assert_int_equal(stat(f->file, &st), 0);
    assert_true(st.st_size < frames); /* seen as truncated */
    collect(f);
    assert_int_equal(input_total(f), 130);
    FILE *fp = fopen(f->file, "wb"); /* and proto again */
    fclose(fp);
    append_span_frame(f->file, 8, 80);
    collect(f);
    assert_int_equal(input_total(f), 210);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reads_lines_and_skips_malformed_ones, setup, teardown),
        cmocka_unit_test_setup_teardown(test_follows_appends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_line_waits_for_its_newline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotation_loses_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotation_to_a_name_inside_the_glob, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncation_reads_again_from_the_start, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_resumes_exactly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_positions_refuse_to_start, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_logs_and_cumulative_metrics_across_a_restart, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_start_at_end_skips_what_is_there, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlong_line_is_skipped_not_fatal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_position_is_exact_across_long_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_matching_file_is_an_error_until_one_appears, setup, teardown),
        cmocka_unit_test_setup_teardown(test_follow_mode_on_the_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_appended_line_is_read_without_waiting_for_the_poll,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_proto_frames_count_as_their_json_lines_do, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_frames_of_every_signal_in_one_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_partial_frame_is_read_once_complete, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_restart_resumes_after_the_last_complete_frame,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_frames_longer_than_a_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_bad_frame_length_stops_that_file_only, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_compressed_frames_are_one_clear_error, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_frame_whose_signal_cannot_be_told_is_skipped,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_truncated_file_is_recognised_again, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
