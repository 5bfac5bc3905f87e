/* pb_build.h - OTLP protobuf requests for tests, written with lib/pb.h's
 * writer field by field (shared/reference/otlp-protobuf-fields.md), in the
 * shapes real senders use: a GenAI chat span, Claude Code's api_request
 * event, Codex CLI's cumulative token metric, a gauge. Each record is
 * built into a strbuf; pbb_request wraps records in one resource and one
 * scope. Times are unix seconds. */
#ifndef SPENDTOP_TESTS_PB_BUILD_H
#define SPENDTOP_TESTS_PB_BUILD_H

#include <stdint.h>
#include <string.h>

#include "lib/pb.h"
#include "lib/strbuf.h"

#define PBB_NS 1000000000ull

/* A message built in m, as field of b. */
static inline void pbb_put_msg(struct strbuf *b, uint32_t field, struct strbuf *m)
{
    pb_put_bytes(b, field, m->s, m->len);
    strbuf_free(m);
}

static inline void pbb_put_str(struct strbuf *b, uint32_t field, const char *s)
{
    pb_put_bytes(b, field, s, strlen(s));
}

/* A KeyValue as field of b: value is an AnyValue built in any. */
static inline void pbb_kv(struct strbuf *b, uint32_t field, const char *key, struct strbuf *any)
{
    struct strbuf kv = {0};
    pbb_put_str(&kv, 1, key);
    pbb_put_msg(&kv, 2, any);
    pbb_put_msg(b, field, &kv);
}

static inline void pbb_kv_str(struct strbuf *b, uint32_t field, const char *key, const char *v)
{
    struct strbuf any = {0};
    pbb_put_str(&any, 1, v);
    pbb_kv(b, field, key, &any);
}

static inline void pbb_kv_int(struct strbuf *b, uint32_t field, const char *key, int64_t v)
{
    struct strbuf any = {0};
    pb_put_uint(&any, 3, (uint64_t)v);
    pbb_kv(b, field, key, &any);
}

static inline void pbb_kv_double(struct strbuf *b, uint32_t field, const char *key, double v)
{
    struct strbuf any = {0};
    pb_put_double(&any, 4, v);
    pbb_kv(b, field, key, &any);
}

/* An Export*ServiceRequest of one resource (service.name svc, tenant.id
 * acme) and one scope holding the n records (each freed). */
static inline void pbb_request(struct strbuf *out, const char *svc, const char *scope,
                               struct strbuf *records, size_t n)
{
    struct strbuf res = {0}, sc = {0}, sg = {0}, rg = {0};
    pbb_kv_str(&res, 1, "service.name", svc);
    pbb_kv_str(&res, 1, "tenant.id", "acme");
    pbb_put_str(&sc, 1, scope);
    pbb_put_msg(&sg, 1, &sc);
    for (size_t i = 0; i < n; i++)
        pbb_put_msg(&sg, 2, &records[i]);
    pbb_put_msg(&rg, 1, &res);
    pbb_put_msg(&rg, 2, &sg);
    pbb_put_msg(out, 1, &rg);
}

/* A GenAI chat span (OpenTelemetry's semantic conventions) of input
 * tokens, started at t. */
static inline void pbb_span(struct strbuf *b, int id, int64_t t, int input)
{
    unsigned char trace[16] = {0x5b, 0x8e, [15] = 1}, span[8] = {0xee, [7] = 0};
    span[7] = (unsigned char)id;
    span[6] = (unsigned char)(id >> 8);
    pb_put_bytes(b, 1, trace, sizeof trace);
    pb_put_bytes(b, 2, span, sizeof span);
    pbb_put_str(b, 5, "chat gpt-4o-mini");
    pb_put_uint(b, 6, 3); /* CLIENT */
    pb_put_fixed64(b, 7, (uint64_t)t * PBB_NS);
    pb_put_fixed64(b, 8, (uint64_t)(t + 1) * PBB_NS);
    pbb_kv_str(b, 9, "gen_ai.operation.name", "chat");
    pbb_kv_str(b, 9, "gen_ai.provider.name", "openai");
    pbb_kv_str(b, 9, "gen_ai.request.model", "gpt-4o-mini");
    pbb_kv_int(b, 9, "gen_ai.usage.input_tokens", input);
    pbb_kv_int(b, 9, "gen_ai.usage.output_tokens", 35);
}

/* Claude Code's api_request event at t: uncached input, cache reads and
 * writes beside it (the record's input is their sum). */
static inline void pbb_claude_event(struct strbuf *b, int64_t t, int input, int cache_read,
                                    int cache_creation, const char *session)
{
    struct strbuf body = {0};
    pb_put_fixed64(b, 1, (uint64_t)t * PBB_NS);
    pb_put_uint(b, 2, 9); /* INFO */
    pbb_put_str(b, 3, "INFO");
    pbb_put_str(&body, 1, "claude_code.api_request");
    pbb_put_msg(b, 5, &body);
    pbb_kv_str(b, 6, "event.name", "api_request");
    pbb_kv_str(b, 6, "model", "claude-sonnet-4-6");
    pbb_kv_int(b, 6, "input_tokens", input);
    pbb_kv_int(b, 6, "output_tokens", 340);
    pbb_kv_int(b, 6, "cache_read_tokens", cache_read);
    pbb_kv_int(b, 6, "cache_creation_tokens", cache_creation);
    pbb_kv_double(b, 6, "cost_usd", 0.0421);
    pbb_kv_str(b, 6, "session.id", session);
    pb_put_fixed64(b, 11, (uint64_t)t * PBB_NS + 5000);
    pbb_put_str(b, 12, "claude_code.api_request");
}

/* Codex CLI's cumulative input-token counter: value at t, started at
 * start. */
static inline void pbb_codex_metric(struct strbuf *b, int64_t start, int64_t t, int64_t value)
{
    struct strbuf sum = {0}, point = {0};
    pbb_put_str(b, 1, "codex.turn.token_usage.input_tokens");
    pbb_put_str(b, 3, "{token}");
    pb_put_fixed64(&point, 2, (uint64_t)start * PBB_NS);
    pb_put_fixed64(&point, 3, (uint64_t)t * PBB_NS);
    pb_put_fixed64(&point, 6, (uint64_t)value); /* as_int: sfixed64 */
    pbb_kv_str(&point, 7, "model", "gpt-5-codex");
    pbb_put_msg(&sum, 1, &point);
    pb_put_uint(&sum, 2, 2); /* CUMULATIVE */
    pb_put_uint(&sum, 3, 1); /* monotonic */
    pbb_put_msg(b, 7, &sum);
}

/* A gauge named name, one point of value at t. */
static inline void pbb_gauge(struct strbuf *b, const char *name, int64_t t, double value)
{
    struct strbuf gauge = {0}, point = {0};
    pbb_put_str(b, 1, name);
    pb_put_fixed64(&point, 3, (uint64_t)t * PBB_NS);
    pb_put_double(&point, 4, value);
    pbb_put_msg(&gauge, 1, &point);
    pbb_put_msg(b, 5, &gauge);
}

/* A histogram (the GenAI token usage's shape) named name, delta. */
static inline void pbb_histogram(struct strbuf *b, const char *name, int64_t t, double sum)
{
    struct strbuf h = {0}, point = {0};
    pbb_put_str(b, 1, name);
    pb_put_fixed64(&point, 2, (uint64_t)(t - 60) * PBB_NS);
    pb_put_fixed64(&point, 3, (uint64_t)t * PBB_NS);
    pb_put_fixed64(&point, 4, 1);
    pb_put_double(&point, 5, sum);
    pbb_kv_str(&point, 9, "gen_ai.token.type", "input");
    pbb_put_msg(&h, 1, &point);
    pb_put_uint(&h, 2, 1); /* DELTA */
    pbb_put_msg(b, 9, &h);
}

#endif
