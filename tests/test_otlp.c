/* test_otlp.c - the OTLP decoders: JSON and protobuf into one data model
 * (collectors/otlp.h, otlp_json.h, otlp_pb.h).
 *
 * The fixture pairs in tests/fixtures/otlp were written by OpenTelemetry
 * JS's own serialisers (gen.sh): the same export in both encodings, so the
 * two decoders must give the same data model, field by field. */
#include "tests/helpers.h"

#include <inttypes.h>

#include "collectors/otlp.h"
#include "collectors/otlp_json.h"
#include "collectors/otlp_pb.h"
#include "lib/pb.h"
#include "lib/strbuf.h"

/* ---- the data model as text: one line per resource, scope and record ------- */

struct dump {
    struct strbuf b;
    int records;
};

static void dump_str(struct strbuf *b, struct otlp_str s)
{
    strbuf_putc(b, '"');
    strbuf_append(b, s.p ? s.p : "", s.p ? s.n : 0);
    strbuf_putc(b, '"');
}

static void dump_bytes(struct strbuf *b, const struct otlp_bytes *x)
{
    char hex[256];
    otlp_bytes_hex(x, hex, sizeof hex);
    strbuf_puts(b, hex);
}

static void dump_kvs(struct strbuf *b, const struct otlp_list *l);

static void dump_value(struct strbuf *b, const struct otlp_value *v)
{
    struct otlp_iter it;
    struct otlp_value x;
    switch (v->type) {
    case OTLP_EMPTY: strbuf_puts(b, "empty"); break;
    case OTLP_STRING: strbuf_puts(b, "s:"); dump_str(b, v->u.s); break;
    case OTLP_BOOL: strbuf_puts(b, v->u.b ? "true" : "false"); break;
    case OTLP_INT: strbuf_printf(b, "i:%" PRId64, v->u.i); break;
    case OTLP_DOUBLE: strbuf_printf(b, "d:%.17g", v->u.d); break;
    case OTLP_BYTES: strbuf_puts(b, "b:"); dump_bytes(b, &v->u.bytes); break;
    case OTLP_ARRAY:
        strbuf_putc(b, '(');
        otlp_iter_init(&it, &v->u.list);
        while (otlp_next_value(&it, &x)) {
            dump_value(b, &x);
            strbuf_putc(b, ' ');
        }
        strbuf_putc(b, ')');
        break;
    case OTLP_KVLIST: dump_kvs(b, &v->u.list); break;
    }
}

static void dump_kvs(struct strbuf *b, const struct otlp_list *l)
{
    struct otlp_iter it;
    struct otlp_kv kv;
    strbuf_putc(b, '[');
    otlp_iter_init(&it, l);
    while (otlp_next_kv(&it, &kv)) {
        dump_str(b, kv.key);
        strbuf_putc(b, '=');
        dump_value(b, &kv.value);
        strbuf_putc(b, ' ');
    }
    strbuf_putc(b, ']');
}

static void on_resource(void *ctx, enum otlp_signal sig, const struct otlp_resource *r)
{
    struct dump *d = ctx;
    strbuf_printf(&d->b, "resource %d ", sig);
    dump_kvs(&d->b, &r->attrs);
    strbuf_putc(&d->b, '\n');
}

static void on_scope(void *ctx, enum otlp_signal sig, const struct otlp_resource *r,
                     const struct otlp_scope *s)
{
    (void)r;
    struct dump *d = ctx;
    strbuf_printf(&d->b, "scope %d ", sig);
    dump_str(&d->b, s->name);
    dump_str(&d->b, s->version);
    dump_kvs(&d->b, &s->attrs);
    strbuf_putc(&d->b, '\n');
}

static void on_span(void *ctx, const struct otlp_resource *r, const struct otlp_scope *s,
                    const struct otlp_span *sp)
{
    (void)r;
    (void)s;
    struct dump *d = ctx;
    struct strbuf *b = &d->b;
    d->records++;
    strbuf_puts(b, "span trace=");
    dump_bytes(b, &sp->trace_id);
    strbuf_puts(b, " id=");
    dump_bytes(b, &sp->span_id);
    strbuf_puts(b, " parent=");
    dump_bytes(b, &sp->parent_span_id);
    strbuf_puts(b, " name=");
    dump_str(b, sp->name);
    strbuf_printf(b, " kind=%d start=%" PRIu64 " end=%" PRIu64 " status=%d ", sp->kind,
                  sp->start_ns, sp->end_ns, sp->status_code);
    dump_str(b, sp->status_message);
    strbuf_printf(b, " flags=%u ", sp->flags);
    dump_kvs(b, &sp->attrs);
    struct otlp_iter it;
    struct otlp_event e;
    otlp_iter_init(&it, &sp->events);
    while (otlp_next_event(&it, &e)) {
        strbuf_printf(b, " event@%" PRIu64 " ", e.time_ns);
        dump_str(b, e.name);
        dump_kvs(b, &e.attrs);
    }
    strbuf_putc(b, '\n');
}

static void on_log(void *ctx, const struct otlp_resource *r, const struct otlp_scope *s,
                   const struct otlp_log *l)
{
    (void)r;
    (void)s;
    struct dump *d = ctx;
    struct strbuf *b = &d->b;
    d->records++;
    strbuf_printf(b, "log time=%" PRIu64 " observed=%" PRIu64 " severity=%d ", l->time_ns,
                  l->observed_ns, l->severity);
    dump_str(b, l->severity_text);
    strbuf_puts(b, " event=");
    dump_str(b, l->event_name);
    strbuf_puts(b, " trace=");
    dump_bytes(b, &l->trace_id);
    strbuf_puts(b, " span=");
    dump_bytes(b, &l->span_id);
    strbuf_printf(b, " flags=%u body=", l->flags);
    dump_value(b, &l->body);
    strbuf_putc(b, ' ');
    dump_kvs(b, &l->attrs);
    strbuf_putc(b, '\n');
}

static void on_metric(void *ctx, const struct otlp_resource *r, const struct otlp_scope *s,
                      const struct otlp_metric *m)
{
    (void)r;
    (void)s;
    struct dump *d = ctx;
    strbuf_puts(&d->b, "metric ");
    dump_str(&d->b, m->name);
    dump_str(&d->b, m->unit);
    dump_str(&d->b, m->description);
    strbuf_printf(&d->b, " type=%d temporality=%d monotonic=%d\n", m->type, m->temporality,
                  m->monotonic);
}

static void on_point(void *ctx, const struct otlp_resource *r, const struct otlp_scope *s,
                     const struct otlp_metric *m, const struct otlp_point *p)
{
    (void)r;
    (void)s;
    (void)m;
    struct dump *d = ctx;
    d->records++;
    strbuf_printf(&d->b, "  point start=%" PRIu64 " time=%" PRIu64 " flags=%u number=%d",
                  p->start_ns, p->time_ns, p->flags, p->number);
    if (p->number == OTLP_NUMBER_INT)
        strbuf_printf(&d->b, " int=%" PRId64, p->as_int);
    if (p->number == OTLP_NUMBER_DOUBLE)
        strbuf_printf(&d->b, " double=%.17g", p->as_double);
    strbuf_printf(&d->b, " count=%" PRIu64, p->count);
    if (p->has_sum)
        strbuf_printf(&d->b, " sum=%.17g", p->sum);
    if (p->has_min)
        strbuf_printf(&d->b, " min=%.17g", p->min);
    if (p->has_max)
        strbuf_printf(&d->b, " max=%.17g", p->max);
    strbuf_putc(&d->b, ' ');
    dump_kvs(&d->b, &p->attrs);
    strbuf_putc(&d->b, '\n');
}

static void on_invalid(void *ctx, enum otlp_signal sig, const char *why)
{
    struct dump *d = ctx;
    strbuf_printf(&d->b, "invalid %d %s\n", sig, why);
}

static struct otlp_visitor visitor(struct dump *d)
{
    memset(d, 0, sizeof *d);
    return (struct otlp_visitor){d, on_resource, on_scope, on_span, on_log,
                                 on_metric, on_point, on_invalid};
}

/* ---- fixtures ------------------------------------------------------------------ */

static char *slurp(const char *name, size_t *len)
{
    char path[4096];
    const char *dir = getenv("SPENDTOP_FIXTURES");
    snprintf(path, sizeof path, "%s/otlp/%s", dir ? dir : "tests/fixtures", name);
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

/* The fixture pair name.json / name.pb, decoded; both dumps returned. */
static void decode_pair(const char *name, enum otlp_signal sig, char **json_dump, char **pb_dump)
{
    char file[64], err[200];
    size_t jlen, plen;
    snprintf(file, sizeof file, "%s.json", name);
    char *json = slurp(file, &jlen);
    snprintf(file, sizeof file, "%s.pb", name);
    char *pb = slurp(file, &plen);
    struct dump dj, dp;
    struct otlp_visitor vj = visitor(&dj), vp = visitor(&dp);
    if (otlp_json_visit(json, jlen, &vj, err, sizeof err) != 0)
        fail_msg("%s.json: %s", name, err);
    if (otlp_pb_visit(pb, plen, sig, &vp, err, sizeof err) != 0)
        fail_msg("%s.pb: %s", name, err);
    assert_true(dj.records > 0);
    *json_dump = strbuf_detach(&dj.b);
    *pb_dump = strbuf_detach(&dp.b);
    free(json);
    free(pb);
}

static void test_the_same_traces_decode_the_same_from_json_and_protobuf(void **state)
{
    (void)state;
    char *j, *p;
    decode_pair("traces", OTLP_TRACES, &j, &p);
    assert_string_equal(j, p);
    /* and they are what gen.mjs sent: ids as hex, times in ns, typed values */
    assert_non_null(strstr(j, "resource 1 [\"service.name\"=s:\"checkout-api\" "
                              "\"tenant.id\"=s:\"acme\" \"deployment.replicas\"=i:3 ]"));
    assert_non_null(strstr(j, "scope 1 \"opentelemetry.instrumentation.openai\"\"0.40.0\""));
    assert_non_null(strstr(j, "span trace=5b8efff7000000000000000000000002 id=eee19b7e00000003 "
                              "parent=eee19b7e00000001 name=\"chat gpt-4o-mini\" kind=3 "
                              "start=1767225601250000000 end=1767225602500000000 status=0"));
    assert_non_null(strstr(j, "\"gen_ai.usage.input_tokens\"=i:1200 "));
    assert_non_null(strstr(j, "\"gen_ai.response.finish_reasons\"=(s:\"stop\" ) "));
    assert_non_null(strstr(j, "\"gen_ai.request.temperature\"=d:0.25 "));
    assert_non_null(strstr(j, "\"gen_ai.request.stream\"=false "));
    assert_non_null(strstr(j, " event@1767225602000000000 \"gen_ai.choice\""));
    assert_non_null(strstr(j, "status=2 \"overloaded\""));
    free(j);
    free(p);
}

static void test_the_same_logs_decode_the_same_from_json_and_protobuf(void **state)
{
    (void)state;
    char *j, *p;
    decode_pair("logs", OTLP_LOGS, &j, &p);
    assert_string_equal(j, p);
    assert_non_null(strstr(j, "log time=1767225610000000000 observed=1767225610000005000 "
                              "severity=9 \"INFO\" event=\"claude_code.api_request\""));
    assert_non_null(strstr(j, "\"cost_usd\"=d:0.042099999999999999 "));
    assert_non_null(strstr(j, "\"cache_read_tokens\"=i:20000 "));
    /* a kvlist body holding an array of every scalar type */
    assert_non_null(strstr(j, "body=[\"kind\"=s:\"response.completed\" "
                              "\"tokens\"=(i:1 d:2.5 s:\"x\" true ) ]"));
    free(j);
    free(p);
}

static void test_the_same_metrics_decode_the_same_from_json_and_protobuf(void **state)
{
    (void)state;
    const char *names[] = {"metrics", "metrics-delta"};
    for (int i = 0; i < 2; i++) {
        char *j, *p;
        decode_pair(names[i], OTLP_METRICS, &j, &p);
        assert_string_equal(j, p);
        char want[128];
        /* a monotonic sum (type 2) with the reader's temporality (2 cumulative, 1 delta) */
        snprintf(want, sizeof want, "metric \"claude_code.token.usage\"\"tokens\"\"\" "
                 "type=2 temporality=%d monotonic=1", i == 0 ? 2 : 1);
        assert_non_null(strstr(j, want));
        /* JS counters are doubles unless told otherwise */
        assert_non_null(strstr(j, "number=2 double=20000 count=0 [\"type\"=s:\"cacheRead\" "));
        /* the histogram's count and sum: 1200 + 800 input tokens */
        assert_non_null(strstr(j, "count=2 sum=2000 min=800 max=1200 "
                                  "[\"gen_ai.token.type\"=s:\"input\" "));
        /* an up-down counter is a non-monotonic sum; a gauge; an exponential histogram */
        assert_non_null(strstr(j, "number=2 double=-2 "));
        assert_non_null(strstr(j, "number=1 int=9000 count=0 [\"model\"=s:\"gpt-5-codex\" ]"));
        assert_non_null(strstr(j, "number=2 double=7.5 "));
        assert_non_null(strstr(j, "type=4 temporality="));
        assert_non_null(strstr(j, "count=3 sum=4.75 min=0.5 max=3 "));
        free(j);
        free(p);
    }
}

/* ---- protobuf built by hand, with lib/pb's writer -------------------------------- */

static void put_msg(struct strbuf *b, uint32_t field, struct strbuf *m)
{
    pb_put_bytes(b, field, m->s, m->len);
    strbuf_free(m);
}

static void put_str(struct strbuf *b, uint32_t field, const char *s)
{
    pb_put_bytes(b, field, s, strlen(s));
}

/* A KeyValue with a string (or, s NULL, an int) value, as field `field`. */
static void put_kv(struct strbuf *b, uint32_t field, const char *k, const char *s, int64_t i)
{
    struct strbuf kv = {0}, v = {0};
    if (s)
        put_str(&v, 1, s);
    else
        pb_put_uint(&v, 3, (uint64_t)i);
    put_str(&kv, 1, k);
    put_msg(&kv, 2, &v);
    put_msg(b, field, &kv);
}

/* A chat span whose input tokens are n and span id byte id. */
static void put_span(struct strbuf *b, int id, int64_t n)
{
    struct strbuf s = {0};
    uint8_t tid[16] = {0x5b, 0x8e}, sid[8] = {0xee, (uint8_t)id};
    pb_put_bytes(&s, 1, tid, 16);
    pb_put_bytes(&s, 2, sid, 8);
    put_str(&s, 5, "chat");
    pb_put_fixed64(&s, 7, 1767225600000000000ull);
    put_kv(&s, 9, "gen_ai.operation.name", "chat", 0);
    put_kv(&s, 9, "gen_ai.usage.input_tokens", NULL, n);
    put_msg(b, 2, &s);
}

/* An ExportTraceServiceRequest: one resource, one scope, spans. */
static char *request(const struct strbuf *spans, size_t *len)
{
    struct strbuf scope = {0}, ss = {0}, res = {0}, rs = {0}, req = {0};
    put_str(&scope, 1, "t");
    put_msg(&ss, 1, &scope);
    strbuf_append(&ss, spans->s, spans->len);
    put_kv(&res, 1, "tenant.id", "acme", 0);
    put_msg(&rs, 1, &res);
    put_msg(&rs, 2, &ss);
    put_msg(&req, 1, &rs);
    *len = req.len;
    return strbuf_detach(&req);
}

static int visit_pb(const char *buf, size_t len, struct dump *d, char *err)
{
    struct otlp_visitor v = visitor(d);
    return otlp_pb_visit(buf, len, OTLP_TRACES, &v, err, 200);
}

static void test_unknown_fields_at_every_level_are_skipped(void **state)
{
    (void)state;
    struct strbuf spans = {0};
    put_span(&spans, 1, 42);
    size_t len;
    char *plain = request(&spans, &len);
    struct dump d0, d1;
    char err[200];
    assert_int_equal(visit_pb(plain, len, &d0, err), 0);
    /* the same, with a field 99 of each wire type (and a group) added to
     * the span, the key-value, the any-value and the request */
    struct strbuf junk = {0};
    pb_put_uint(&junk, 99, 7);
    pb_put_fixed64(&junk, 98, 1);
    pb_put_fixed32(&junk, 97, 1);
    put_str(&junk, 96, "later field");
    pb_put_tag(&junk, 95, PB_SGROUP);
    pb_put_uint(&junk, 1, 1);
    pb_put_tag(&junk, 95, PB_EGROUP);
    struct strbuf s = {0}, kv = {0}, v = {0}, with = {0};
    uint8_t tid[16] = {0x5b, 0x8e}, sid[8] = {0xee, 1};
    strbuf_append(&s, junk.s, junk.len);
    pb_put_bytes(&s, 1, tid, 16);
    pb_put_bytes(&s, 2, sid, 8);
    put_str(&s, 5, "chat");
    pb_put_fixed64(&s, 7, 1767225600000000000ull);
    put_kv(&s, 9, "gen_ai.operation.name", "chat", 0);
    strbuf_append(&v, junk.s, junk.len);
    pb_put_uint(&v, 3, 42);
    strbuf_append(&kv, junk.s, junk.len);
    put_str(&kv, 1, "gen_ai.usage.input_tokens");
    put_msg(&kv, 2, &v);
    put_msg(&s, 9, &kv);
    put_msg(&with, 2, &s);
    char *noisy = request(&with, &len);
    struct strbuf tail = {0};
    strbuf_append(&tail, noisy, len);
    strbuf_append(&tail, junk.s, junk.len); /* and on the request itself */
    assert_int_equal(visit_pb(tail.s, tail.len, &d1, err), 0);
    assert_string_equal(strbuf_str(&d0.b), strbuf_str(&d1.b));
    assert_int_equal(d1.records, 1);
    strbuf_free(&d0.b);
    strbuf_free(&d1.b);
    strbuf_free(&spans);
    strbuf_free(&junk);
    strbuf_free(&with);
    strbuf_free(&tail);
    free(plain);
    free(noisy);
}

static void test_a_resource_after_its_spans_still_applies(void **state)
{
    (void)state;
    /* field order is the sender's: resource (1) after scope_spans (2) */
    struct strbuf spans = {0}, ss = {0}, res = {0}, rs = {0}, req = {0};
    put_span(&spans, 1, 5);
    strbuf_append(&ss, spans.s, spans.len);
    put_msg(&rs, 2, &ss);
    put_kv(&res, 1, "tenant.id", "late", 0);
    put_msg(&rs, 1, &res);
    put_msg(&req, 1, &rs);
    struct dump d;
    char err[200];
    assert_int_equal(visit_pb(req.s, req.len, &d, err), 0);
    const char *out = strbuf_str(&d.b);
    /* the resource line comes first, with its attributes */
    assert_true(strncmp(out, "resource 1 [\"tenant.id\"=s:\"late\" ]", 34) == 0);
    strbuf_free(&d.b);
    strbuf_free(&spans);
    strbuf_free(&req);
}

/* Refused whole: -1, a message naming the problem, and nothing visited -
 * not even the good span before the bad one. */
static void expect_refused(const struct strbuf *bad_span, const char *why)
{
    struct strbuf spans = {0};
    put_span(&spans, 1, 10);
    strbuf_append(&spans, bad_span->s, bad_span->len);
    size_t len;
    char *req = request(&spans, &len);
    struct dump d;
    char err[200];
    assert_int_equal(visit_pb(req, len, &d, err), -1);
    if (!strstr(err, why))
        fail_msg("error '%s' does not say '%s'", err, why);
    assert_int_equal(strncmp(err, "protobuf: ", 10), 0);
    assert_int_equal(d.b.len, 0);
    assert_int_equal(d.records, 0);
    strbuf_free(&d.b);
    strbuf_free(&spans);
    free(req);
}

static void test_malformed_protobuf_is_refused_and_nothing_visited(void **state)
{
    (void)state;
    struct strbuf s = {0}, b = {0};
    /* a start time (fixed64) sent as a varint */
    pb_put_uint(&s, 7, 5);
    put_msg(&b, 2, &s);
    expect_refused(&b, "unexpected wire type for the field (field 7");
    strbuf_free(&b);
    /* ... and named where it was found */
    pb_put_uint(&s, 7, 5);
    put_msg(&b, 2, &s);
    expect_refused(&b, "in Span");
    strbuf_free(&b);
    /* an int attribute whose varint runs to 11 bytes */
    struct strbuf kv = {0};
    put_str(&kv, 1, "n");
    strbuf_append(&kv, "\x12\x0c\x18\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", 14);
    put_msg(&s, 9, &kv);
    put_msg(&b, 2, &s);
    expect_refused(&b, "varint longer than 10 bytes");
    strbuf_free(&b);
    /* a string value whose length runs past its key-value */
    put_str(&kv, 1, "n");
    strbuf_append(&kv, "\x12\x03\x0a\x09" "ab", 6);
    put_msg(&s, 9, &kv);
    put_msg(&b, 2, &s);
    expect_refused(&b, "length past the end");
    strbuf_free(&b);
    /* a group where a known message field (status) is expected */
    pb_put_tag(&s, 15, PB_SGROUP);
    pb_put_tag(&s, 15, PB_EGROUP);
    put_msg(&b, 2, &s);
    expect_refused(&b, "unexpected wire type");
    strbuf_free(&b);
    /* an attribute nested 40 arrays deep */
    struct strbuf v = {0};
    put_str(&v, 1, "deep");
    for (int i = 0; i < 40; i++) {
        struct strbuf arr = {0}, any = {0};
        put_msg(&arr, 1, &v);
        put_msg(&any, 5, &arr);
        v = any;
    }
    put_str(&kv, 1, "n");
    put_msg(&kv, 2, &v);
    put_msg(&s, 9, &kv);
    put_msg(&b, 2, &s);
    expect_refused(&b, "nested too deeply");
    strbuf_free(&b);
}

static void test_a_message_cut_anywhere_is_refused(void **state)
{
    (void)state;
    size_t len;
    char *pb = slurp("traces.pb", &len);
    for (size_t k = 1; k < len; k++) {
        char *cut = malloc(k);
        memcpy(cut, pb, k);
        struct dump d;
        char err[200];
        if (visit_pb(cut, k, &d, err) != -1)
            fail_msg("a cut at byte %zu of %zu was accepted", k, len);
        assert_int_equal(d.b.len, 0);
        free(cut);
    }
    free(pb);
}

static void test_repeated_scalars_may_come_packed_or_not(void **state)
{
    (void)state;
    /* a histogram point with bucket counts unpacked, bounds packed */
    struct strbuf pt = {0}, h = {0}, m = {0}, sm = {0}, rm = {0}, req = {0};
    pb_put_fixed64(&pt, 4, 3);
    pb_put_double(&pt, 5, 4.5);
    pb_put_fixed64(&pt, 6, 1);
    pb_put_fixed64(&pt, 6, 2);
    pb_put_bytes(&pt, 7, "\0\0\0\0\0\0\xf0\x3f", 8);
    put_msg(&h, 1, &pt);
    pb_put_uint(&h, 2, 1);
    put_str(&m, 1, "gen_ai.client.token.usage");
    put_msg(&m, 9, &h);
    put_msg(&sm, 2, &m);
    put_msg(&rm, 2, &sm);
    put_msg(&req, 1, &rm);
    struct dump d;
    struct otlp_visitor v = visitor(&d);
    char err[200];
    assert_int_equal(otlp_pb_visit(req.s, req.len, OTLP_METRICS, &v, err, sizeof err), 0);
    assert_non_null(strstr(strbuf_str(&d.b), "type=3 temporality=1 "));
    assert_non_null(strstr(strbuf_str(&d.b), "count=3 sum=4.5 "));
    strbuf_free(&d.b);
    /* packed fixed64 counts of a length that is not a multiple of 8 */
    strbuf_reset(&req);
    struct strbuf pt2 = {0}, h2 = {0}, m2 = {0}, sm2 = {0}, rm2 = {0};
    pb_put_bytes(&pt2, 6, "1234567", 7);
    put_msg(&h2, 1, &pt2);
    put_msg(&m2, 9, &h2);
    put_msg(&sm2, 2, &m2);
    put_msg(&rm2, 2, &sm2);
    put_msg(&req, 1, &rm2);
    v = visitor(&d);
    assert_int_equal(otlp_pb_visit(req.s, req.len, OTLP_METRICS, &v, err, sizeof err), -1);
    assert_non_null(strstr(err, "packed values of a bad length"));
    assert_int_equal(d.records, 0);
    strbuf_free(&req);
}

/* ---- JSON details ------------------------------------------------------------------ */

static void test_json_enums_by_name_and_numbers_as_strings(void **state)
{
    (void)state;
    const char *doc =
        "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"name\":\"m\","
        "\"sum\":{\"aggregationTemporality\":\"AGGREGATION_TEMPORALITY_DELTA\","
        "\"isMonotonic\":true,\"dataPoints\":[{\"asInt\":\"-9007199254740993\","
        "\"timeUnixNano\":\"18446744073709551615\"},{\"asDouble\":\"NaN\"},7]}}]}]}],"
        "\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"severityNumber\":"
        "\"SEVERITY_NUMBER_WARN3\",\"body\":{\"bytesValue\":\"3q2+7w==\"},"
        "\"attributes\":[{\"key\":\"n\",\"value\":{\"intValue\":1.5}},"
        "{\"key\":\"x\",\"value\":{\"intValue\":\"abc\"}},{\"nokey\":1}]}]}]}]}";
    struct dump d;
    struct otlp_visitor v = visitor(&d);
    char err[200];
    assert_int_equal(otlp_json_visit(doc, strlen(doc), &v, err, sizeof err), 0);
    const char *out = strbuf_str(&d.b);
    assert_non_null(strstr(out, "type=2 temporality=1 monotonic=1"));
    /* an int64 beyond a double's 53 bits, and the largest uint64 time */
    assert_non_null(strstr(out, "time=18446744073709551615 flags=0 number=1 int=-9007199254740993"));
    assert_non_null(strstr(out, "number=2 double=nan"));
    assert_non_null(strstr(out, "invalid 4 a data point that is not an object"));
    /* WARN3 = 15; base64 bytes; a non-integral intValue stays a double; an
     * intValue that is no number is empty; a key-value without a key is
     * skipped */
    assert_non_null(strstr(out, "severity=15 "));
    assert_non_null(strstr(out, "body=b:deadbeef [\"n\"=d:1.5 \"x\"=empty ]"));
    strbuf_free(&d.b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_same_traces_decode_the_same_from_json_and_protobuf),
        cmocka_unit_test(test_the_same_logs_decode_the_same_from_json_and_protobuf),
        cmocka_unit_test(test_the_same_metrics_decode_the_same_from_json_and_protobuf),
        cmocka_unit_test(test_unknown_fields_at_every_level_are_skipped),
        cmocka_unit_test(test_a_resource_after_its_spans_still_applies),
        cmocka_unit_test(test_malformed_protobuf_is_refused_and_nothing_visited),
        cmocka_unit_test(test_a_message_cut_anywhere_is_refused),
        cmocka_unit_test(test_repeated_scalars_may_come_packed_or_not),
        cmocka_unit_test(test_json_enums_by_name_and_numbers_as_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
