/* otlp_topb - convert an OTLP/JSON trace export (one request per line, as
 * the Collector's file exporter writes) to protobuf: each request as a
 * 4-byte big-endian length and an ExportTraceServiceRequest, which is the
 * file exporter's `format: proto` framing. For make bench: the same spans
 * in both encodings.
 *
 * Decoded by spendtop's own JSON decoder into the data model and encoded
 * back here with lib/pb's writer; tests/test_otlp.c checks the decoders
 * against OpenTelemetry JS's encoder, so this only has to be faithful to
 * the data model. Spans' resource and scope, ids, name, kind, times,
 * status, flags, attributes (values of every type) and events.
 *
 * usage: otlp_topb IN.json OUT.pb
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/otlp_json.h"
#include "lib/pb.h"
#include "lib/strbuf.h"

struct enc {
    struct strbuf req, rs, ss;      /* the request, open resource and scope */
    bool open_rs, open_ss;
    uint8_t scratch[64];
};

static void put_msg(struct strbuf *b, uint32_t field, struct strbuf *m)
{
    pb_put_bytes(b, field, m->s, m->len);
    strbuf_reset(m);
}

static void put_str(struct strbuf *b, uint32_t field, struct otlp_str s)
{
    if (s.p)
        pb_put_bytes(b, field, s.p, s.n);
}

static void put_id(struct enc *e, struct strbuf *b, uint32_t field, const struct otlp_bytes *id)
{
    size_t n;
    if (id->p && otlp_bytes_raw(id, e->scratch, sizeof e->scratch, &n) && n)
        pb_put_bytes(b, field, e->scratch, n);
}

static void put_kvs(struct strbuf *b, uint32_t field, const struct otlp_list *l);

/* An AnyValue message. */
static void put_value(struct strbuf *b, const struct otlp_value *v)
{
    struct strbuf list = {0};
    struct otlp_iter it;
    struct otlp_value x;
    switch (v->type) {
    case OTLP_EMPTY: break;
    case OTLP_STRING: pb_put_bytes(b, 1, v->u.s.p, v->u.s.n); break;
    case OTLP_BOOL: pb_put_uint(b, 2, v->u.b); break;
    case OTLP_INT: pb_put_uint(b, 3, (uint64_t)v->u.i); break;
    case OTLP_DOUBLE: pb_put_double(b, 4, v->u.d); break;
    case OTLP_BYTES: {
        uint8_t raw[4096];
        size_t n;
        if (otlp_bytes_raw(&v->u.bytes, raw, sizeof raw, &n))
            pb_put_bytes(b, 7, raw, n);
        break;
    }
    case OTLP_ARRAY:
        otlp_iter_init(&it, &v->u.list);
        while (otlp_next_value(&it, &x)) {
            struct strbuf one = {0};
            put_value(&one, &x);
            put_msg(&list, 1, &one);
            strbuf_free(&one);
        }
        put_msg(b, 5, &list);
        break;
    case OTLP_KVLIST:
        put_kvs(&list, 1, &v->u.list);
        put_msg(b, 6, &list);
        break;
    }
    strbuf_free(&list);
}

static void put_kvs(struct strbuf *b, uint32_t field, const struct otlp_list *l)
{
    struct otlp_iter it;
    struct otlp_kv kv;
    struct strbuf m = {0}, v = {0};
    otlp_iter_init(&it, l);
    while (otlp_next_kv(&it, &kv)) {
        put_str(&m, 1, kv.key);
        put_value(&v, &kv.value);
        put_msg(&m, 2, &v);
        put_msg(b, field, &m);
    }
    strbuf_free(&m);
    strbuf_free(&v);
}

static void close_scope(struct enc *e)
{
    if (e->open_ss)
        put_msg(&e->rs, 2, &e->ss);
    e->open_ss = false;
}

static void close_resource(struct enc *e)
{
    close_scope(e);
    if (e->open_rs)
        put_msg(&e->req, 1, &e->rs);
    e->open_rs = false;
}

static void on_resource(void *ctx, enum otlp_signal sig, const struct otlp_resource *r)
{
    (void)sig;
    struct enc *e = ctx;
    struct strbuf res = {0};
    close_resource(e);
    put_kvs(&res, 1, &r->attrs);
    put_msg(&e->rs, 1, &res);
    put_str(&e->rs, 3, r->schema_url);
    e->open_rs = true;
    strbuf_free(&res);
}

static void on_scope(void *ctx, enum otlp_signal sig, const struct otlp_resource *r,
                     const struct otlp_scope *s)
{
    (void)sig;
    (void)r;
    struct enc *e = ctx;
    struct strbuf scope = {0};
    close_scope(e);
    put_str(&scope, 1, s->name);
    put_str(&scope, 2, s->version);
    put_kvs(&scope, 3, &s->attrs);
    put_msg(&e->ss, 1, &scope);
    put_str(&e->ss, 3, s->schema_url);
    e->open_ss = true;
    strbuf_free(&scope);
}

static void on_span(void *ctx, const struct otlp_resource *r, const struct otlp_scope *sc,
                    const struct otlp_span *s)
{
    (void)r;
    (void)sc;
    struct enc *e = ctx;
    struct strbuf b = {0}, m = {0};
    put_id(e, &b, 1, &s->trace_id);
    put_id(e, &b, 2, &s->span_id);
    put_str(&b, 3, s->trace_state);
    put_id(e, &b, 4, &s->parent_span_id);
    put_str(&b, 5, s->name);
    if (s->kind)
        pb_put_uint(&b, 6, (uint64_t)(int64_t)s->kind);
    pb_put_fixed64(&b, 7, s->start_ns);
    pb_put_fixed64(&b, 8, s->end_ns);
    put_kvs(&b, 9, &s->attrs);
    struct otlp_iter it;
    struct otlp_event ev;
    otlp_iter_init(&it, &s->events);
    while (otlp_next_event(&it, &ev)) {
        pb_put_fixed64(&m, 1, ev.time_ns);
        put_str(&m, 2, ev.name);
        put_kvs(&m, 3, &ev.attrs);
        put_msg(&b, 11, &m);
    }
    put_str(&m, 2, s->status_message);
    if (s->status_code)
        pb_put_uint(&m, 3, (uint64_t)(int64_t)s->status_code);
    if (m.len)
        put_msg(&b, 15, &m);
    if (s->flags)
        pb_put_fixed32(&b, 16, s->flags);
    put_msg(&e->ss, 2, &b);
    strbuf_free(&b);
    strbuf_free(&m);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: otlp_topb IN.json OUT.pb\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "r"), *out = fopen(argv[2], "wb");
    if (!in || !out) {
        perror(!in ? argv[1] : argv[2]);
        return 1;
    }
    struct enc e;
    memset(&e, 0, sizeof e);
    struct otlp_visitor v = {.ctx = &e, .resource = on_resource, .scope = on_scope,
                             .span = on_span};
    char *line = NULL, err[200];
    size_t cap = 0;
    ssize_t n;
    long lines = 0;
    while ((n = getline(&line, &cap, in)) > 0) {
        lines++;
        if (otlp_json_visit(line, (size_t)n, &v, err, sizeof err) != 0) {
            fprintf(stderr, "%s:%ld: %s\n", argv[1], lines, err);
            return 1;
        }
        close_resource(&e);
        unsigned char len[4] = {(unsigned char)(e.req.len >> 24), (unsigned char)(e.req.len >> 16),
                                (unsigned char)(e.req.len >> 8), (unsigned char)e.req.len};
        fwrite(len, 1, 4, out);
        fwrite(e.req.s ? e.req.s : "", 1, e.req.len, out);
        strbuf_reset(&e.req);
    }
    free(line);
    strbuf_free(&e.req);
    strbuf_free(&e.rs);
    strbuf_free(&e.ss);
    otlp_json_cleanup();
    fclose(in);
    return fclose(out) == 0 ? 0 : 1;
}
