/* test_otel_file.c - following Collector file-exporter output: append,
 * rotation, truncation, restart, start_at, malformed and over-long lines.
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
