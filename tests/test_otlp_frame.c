/* test_otlp_frame.c - the Collector file exporter's proto format: a file's
 * format from its first byte, frame headers, compressed frames, and the
 * signal of a request told from its records - on OpenTelemetry JS's own
 * protobuf (the .pb files of tests/fixtures/otlp) and on built records. */
#include "tests/helpers.h"

#include "collectors/otlp_frame.h"
#include "tests/pb_build.h"

static const int64_t T = 1795348800;

static char *slurp(const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/otlp/%s",
             getenv("SPENDTOP_FIXTURES") ? getenv("SPENDTOP_FIXTURES") : "tests/fixtures", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    struct strbuf b = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        strbuf_append(&b, buf, n);
    fclose(f);
    *len = b.len;
    return strbuf_detach(&b);
}

/* The signal of msg, or 0 for none; the error (or "") into err. */
static int signal_of(const struct strbuf *msg, char *err, size_t errlen)
{
    enum otlp_signal sig = 0;
    err[0] = '\0';
    int rc = otlp_frame_signal(msg->s, msg->len, &sig, err, errlen);
    if (rc < 0)
        return -1;
    return rc == 0 ? 0 : (int)sig;
}

/* The signal of a request of one scope holding the n records. */
static int signal_of_records(struct strbuf *records, size_t n, char *err, size_t errlen)
{
    struct strbuf req = {0};
    pbb_request(&req, "svc", "scope", records, n);
    int sig = signal_of(&req, err, errlen);
    strbuf_free(&req);
    return sig;
}

static void test_a_file_is_told_by_its_first_byte(void **state)
{
    (void)state;
    /* JSON: '{', or whitespace before it */
    assert_int_equal(otlp_frame_format('{'), OTLP_FILE_LINES);
    assert_int_equal(otlp_frame_format(' '), OTLP_FILE_LINES);
    assert_int_equal(otlp_frame_format('\n'), OTLP_FILE_LINES);
    assert_int_equal(otlp_frame_format('\t'), OTLP_FILE_LINES);
    assert_int_equal(otlp_frame_format('\r'), OTLP_FILE_LINES);
    /* a frame of up to 16 MiB starts with 0x00 or 0x01 */
    assert_int_equal(otlp_frame_format(0x00), OTLP_FILE_FRAMES);
    assert_int_equal(otlp_frame_format(0x01), OTLP_FILE_FRAMES);
    /* anything else is lines, the first of them junk */
    assert_int_equal(otlp_frame_format('x'), OTLP_FILE_LINES);
    assert_int_equal(otlp_frame_format(0x02), OTLP_FILE_LINES);
    assert_int_equal(otlp_frame_format(0xef), OTLP_FILE_LINES); /* a BOM */
}

static void test_a_frame_length_is_big_endian(void **state)
{
    (void)state;
    const unsigned char h1[4] = {0, 0, 1, 2}, h2[4] = {0x7b, 0, 0, 0};
    assert_int_equal(otlp_frame_length(h1), 258);
    /* a length whose first byte is '{' is over 2 GB */
    assert_true(otlp_frame_length(h2) >= 2000000000u);
}

static void test_zstd_frames_are_recognised(void **state)
{
    (void)state;
    const unsigned char zstd[6] = {0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x00};
    const unsigned char otlp[6] = {0x0a, 0x04, 0x0a, 0x02, 0x0a, 0x00};
    assert_true(otlp_frame_compressed(zstd, sizeof zstd));
    assert_false(otlp_frame_compressed(zstd, 3));
    assert_false(otlp_frame_compressed(otlp, sizeof otlp));
}

/* What OpenTelemetry JS's protobuf serializers write for real spans,
 * Claude Code and Codex events, and counters, histograms, a gauge and an
 * exponential histogram (cumulative and delta). */
static void test_the_js_serializers_requests_are_told_apart(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        int sig;
    } cases[] = {
        {"traces.pb", OTLP_TRACES},
        {"logs.pb", OTLP_LOGS},
        {"metrics.pb", OTLP_METRICS},
        {"metrics-delta.pb", OTLP_METRICS},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t len;
        char *pb = slurp(cases[i].file, &len);
        struct strbuf msg = {pb, len, len};
        char err[200];
        int sig = signal_of(&msg, err, sizeof err);
        if (sig != cases[i].sig)
            fail_msg("%s: %d (%s), expected %d", cases[i].file, sig, err, cases[i].sig);
        free(pb);
    }
}

static void test_each_record_type_is_told_by_its_own_fields(void **state)
{
    (void)state;
    char err[200];
    struct strbuf r[2] = {{0}};
    pbb_span(&r[0], 1, T, 100);
    pbb_span(&r[1], 2, T, 200);
    assert_int_equal(signal_of_records(r, 2, err, sizeof err), OTLP_TRACES);
    pbb_claude_event(&r[0], T, 12, 20000, 1500, "s1");
    assert_int_equal(signal_of_records(r, 1, err, sizeof err), OTLP_LOGS);
    pbb_codex_metric(&r[0], T - 60, T, 9000);
    assert_int_equal(signal_of_records(r, 1, err, sizeof err), OTLP_METRICS);
    /* a gauge alone fits a Span's fields by wire type (1 and 5 are bytes
     * in both), but a trace_id is 16 bytes and this name is not */
    pbb_gauge(&r[0], "queue.depth", T, 7.5);
    assert_int_equal(signal_of_records(r, 1, err, sizeof err), OTLP_METRICS);
}

/* Left with two types, the strict decoder decides: a histogram named with
 * 16 bytes fits a Span by wire type (its data, field 9, is bytes as a
 * Span's attributes are), but a Histogram's temporality (2, a varint) is
 * no KeyValue's value (2, bytes). */
static void test_the_strict_decoder_settles_what_wire_types_leave_open(void **state)
{
    (void)state;
    char err[200];
    struct strbuf r[1] = {{0}};
    pbb_histogram(&r[0], "gen_ai.tok.usage", T, 1200); /* 16 bytes */
    assert_int_equal(signal_of_records(r, 1, err, sizeof err), OTLP_METRICS);
}

/* What cannot be told is an error, never a guess. */
static void test_what_cannot_be_told_is_an_error(void **state)
{
    (void)state;
    char err[200];
    struct strbuf r[2] = {{0}};
    /* a gauge named with 16 bytes and no description decodes whole as a
     * span too (an id, a name) */
    pbb_gauge(&r[0], "process.cpu.util", T, 0.5);
    assert_int_equal(signal_of_records(r, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot tell whether the request holds spans, log records or "
                                "metrics"));
    /* an empty record is any of them */
    r[0] = (struct strbuf){0};
    assert_int_equal(signal_of_records(r, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot tell"));
}

static void test_mixed_or_foreign_records_are_errors(void **state)
{
    (void)state;
    char err[200];
    struct strbuf r[2] = {{0}};
    pbb_span(&r[0], 1, T, 100);
    pbb_claude_event(&r[1], T, 12, 0, 0, "s1");
    assert_int_equal(signal_of_records(r, 2, err, sizeof err), -1);
    assert_string_equal(err, "protobuf: spans, log records and metrics mixed in one request");
    /* a log record's time (1, fixed64) and a span's start (7, fixed64) */
    pb_put_fixed64(&r[0], 1, 1);
    pb_put_fixed64(&r[0], 7, 1);
    assert_int_equal(signal_of_records(r, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "is neither a span, a log record nor a metric"));
}

static void test_a_request_without_records_has_nothing_to_read(void **state)
{
    (void)state;
    char err[200];
    struct strbuf empty = {0};
    assert_int_equal(signal_of(&empty, err, sizeof err), 0);
    /* a resource and a scope, no record */
    assert_int_equal(signal_of_records(NULL, 0, err, sizeof err), 0);
}

static void test_malformed_protobuf_is_an_error(void **state)
{
    (void)state;
    char err[200];
    struct strbuf r[1] = {{0}}, req = {0};
    pbb_span(&r[0], 1, T, 100);
    pbb_request(&req, "svc", "scope", r, 1);
    req.len -= 3; /* cut */
    assert_int_equal(signal_of(&req, err, sizeof err), -1);
    assert_non_null(strstr(err, "protobuf: "));
    assert_non_null(strstr(err, "in the export request"));
    strbuf_free(&req);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_file_is_told_by_its_first_byte),
        cmocka_unit_test(test_a_frame_length_is_big_endian),
        cmocka_unit_test(test_zstd_frames_are_recognised),
        cmocka_unit_test(test_the_js_serializers_requests_are_told_apart),
        cmocka_unit_test(test_each_record_type_is_told_by_its_own_fields),
        cmocka_unit_test(test_the_strict_decoder_settles_what_wire_types_leave_open),
        cmocka_unit_test(test_what_cannot_be_told_is_an_error),
        cmocka_unit_test(test_mixed_or_foreign_records_are_errors),
        cmocka_unit_test(test_a_request_without_records_has_nothing_to_read),
        cmocka_unit_test(test_malformed_protobuf_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
