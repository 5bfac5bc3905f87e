/* otlp_export.h - the trace export the receiver benches send
 * (bench/grpc_load.c, bench/http_load.c): SPANS chat spans as
 * bench/otlp_load.cjs makes them, in protobuf or JSON, built once with the
 * places of every span's ids, so that each request is a copy of it with
 * ids of its own (a client spends its time sending, not encoding).
 * Benchmark code, not part of spendtop. */
#ifndef SPENDTOP_BENCH_OTLP_EXPORT_H
#define SPENDTOP_BENCH_OTLP_EXPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/pb.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

struct bench_export {
    struct strbuf body;         /* ExportTraceServiceRequest */
    size_t *trace_at;           /* per span: where its trace id is */
    size_t *span_at;            /* and its span id */
    size_t n;
    bool json;                  /* ids as hex text, else bytes */
};

static inline void bench_attr(struct strbuf *b, const char *key, const char *s, int64_t i)
{
    struct strbuf v = {0}, kv = {0};
    if (s)
        pb_put_bytes(&v, 1, s, strlen(s));
    else
        pb_put_uint(&v, 3, (uint64_t)i);
    pb_put_bytes(&kv, 1, key, strlen(key));
    pb_put_bytes(&kv, 2, v.s, v.len);
    pb_put_bytes(b, 9, kv.s, kv.len);
    strbuf_free(&v);
    strbuf_free(&kv);
}

/* protobuf: one ResourceSpans (1) of one ScopeSpans (2) of the spans (2) */
static inline void bench_export_pb(struct bench_export *x, size_t spans)
{
    static const uint8_t zero[16];
    uint64_t ns = (uint64_t)time(NULL) * 1000000000u;
    struct strbuf all = {0}, scope = {0};
    memset(x, 0, sizeof *x);
    x->trace_at = xcalloc(spans, sizeof *x->trace_at);
    x->span_at = xcalloc(spans, sizeof *x->span_at);
    for (size_t i = 0; i < spans; i++) {
        struct strbuf sp = {0};
        pb_put_bytes(&sp, 1, zero, 16);
        pb_put_bytes(&sp, 2, zero, 8);
        pb_put_bytes(&sp, 5, "chat gpt-4o-mini", 16);
        pb_put_fixed64(&sp, 7, ns);
        pb_put_fixed64(&sp, 8, ns);
        bench_attr(&sp, "gen_ai.operation.name", "chat", 0);
        bench_attr(&sp, "gen_ai.provider.name", "openai", 0);
        bench_attr(&sp, "gen_ai.request.model", "gpt-4o-mini", 0);
        bench_attr(&sp, "tenant.id", "bench", 0);
        bench_attr(&sp, "gen_ai.usage.input_tokens", NULL, 1000);
        bench_attr(&sp, "gen_ai.usage.output_tokens", NULL, 100);
        pb_put_bytes(&all, 2, sp.s, sp.len);
        /* after the span's own tag and length: 0x0a 0x10, the trace id,
         * 0x12 0x08, the span id */
        x->trace_at[i] = all.len - sp.len + 2;
        x->span_at[i] = x->trace_at[i] + 18;
        strbuf_free(&sp);
    }
    pb_put_bytes(&scope, 2, all.s, all.len);
    pb_put_bytes(&x->body, 1, scope.s, scope.len);
    /* the spans end the message: what comes before them is the wrappers' */
    size_t head = x->body.len - all.len;
    for (size_t i = 0; i < spans; i++) {
        x->trace_at[i] += head;
        x->span_at[i] += head;
    }
    x->n = spans;
    strbuf_free(&all);
    strbuf_free(&scope);
}

/* JSON (OTLP/HTTP's, ids in hex), the same spans */
static inline void bench_export_json(struct bench_export *x, size_t spans)
{
    unsigned long long ns = (unsigned long long)time(NULL) * 1000000000ull;
    memset(x, 0, sizeof *x);
    x->trace_at = xcalloc(spans, sizeof *x->trace_at);
    x->span_at = xcalloc(spans, sizeof *x->span_at);
    x->json = true;
    x->n = spans;
    strbuf_puts(&x->body, "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[");
    for (size_t i = 0; i < spans; i++) {
        strbuf_puts(&x->body, i ? ",{\"traceId\":\"" : "{\"traceId\":\"");
        x->trace_at[i] = x->body.len;
        strbuf_puts(&x->body, "00000000000000000000000000000000\",\"spanId\":\"");
        x->span_at[i] = x->body.len;
        strbuf_printf(&x->body, "0000000000000000\",\"name\":\"chat gpt-4o-mini\","
                      "\"startTimeUnixNano\":\"%llu\",\"endTimeUnixNano\":\"%llu\","
                      "\"attributes\":["
                      "{\"key\":\"gen_ai.operation.name\",\"value\":{\"stringValue\":\"chat\"}},"
                      "{\"key\":\"gen_ai.provider.name\",\"value\":{\"stringValue\":\"openai\"}},"
                      "{\"key\":\"gen_ai.request.model\",\"value\":{\"stringValue\":\"gpt-4o-mini\"}},"
                      "{\"key\":\"tenant.id\",\"value\":{\"stringValue\":\"bench\"}},"
                      "{\"key\":\"gen_ai.usage.input_tokens\",\"value\":{\"intValue\":1000}},"
                      "{\"key\":\"gen_ai.usage.output_tokens\",\"value\":{\"intValue\":100}}]}",
                      ns, ns);
    }
    strbuf_puts(&x->body, "]}]}]}");
}

static inline void bench_put_be32(uint8_t *p, uint32_t v)
{
    for (int k = 0; k < 4; k++)
        p[k] = (uint8_t)(v >> (24 - 8 * k));
}

static inline void bench_put_hex32(uint8_t *p, uint32_t v)
{
    static const char hex[] = "0123456789abcdef";
    for (int k = 0; k < 8; k++)
        p[k] = (uint8_t)hex[(v >> (28 - 4 * k)) & 15];
}

/* Ids of their own for every span of msg, a copy of x->body: the trace id
 * is the process id, zeros and a serial number, the span id the serial. */
static inline void bench_export_ids(const struct bench_export *x, uint8_t *msg, uint32_t *serial)
{
    uint32_t pid = (uint32_t)getpid();
    for (size_t i = 0; i < x->n; i++) {
        uint32_t id = ++*serial;
        uint8_t *t = msg + x->trace_at[i], *s = msg + x->span_at[i];
        if (x->json) {
            bench_put_hex32(t, pid);
            bench_put_hex32(t + 24, id);
            bench_put_hex32(s + 8, id);
        } else {
            bench_put_be32(t, pid);
            bench_put_be32(t + 12, id);
            bench_put_be32(s + 4, id);
        }
    }
}

static inline void bench_export_free(struct bench_export *x)
{
    strbuf_free(&x->body);
    free(x->trace_at);
    free(x->span_at);
}

#endif
