/* usage.h - THE record every collector produces (DESIGN.md §3, a contract).
 *
 * One record is the usage of one (provider, model, tenant) in one time
 * bucket (provider usage APIs) or one span (OpenTelemetry). Collectors fill
 * it and hand it to a sink; nothing downstream ever sees the source format.
 *
 * Token semantics:
 *   input      ALL input tokens, cached and cache writes included
 *   cache_read input tokens served from the prompt cache (subset of input);
 *              only meaningful when cache_known
 *   cache_write_5m / cache_write_1h  input tokens written to the cache
 *   output     ALL output tokens, reasoning included
 *   reasoning  reasoning tokens (subset of output); only when reasoning_known
 */
#ifndef SPENDTOP_USAGE_H
#define SPENDTOP_USAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Untrusted names (span attributes, API fields) are cut to this many bytes
 * on the way in. */
#define USAGE_NAME_MAX 128

/* The longest alert scope those names make, NUL included:
 * "model:" PROVIDER "/" MODEL, each name up to USAGE_NAME_MAX bytes. A
 * shorter buffer cut two long model names to one scope: one alert for two
 * models, named after neither. */
#define USAGE_SCOPE_MAX (6 + USAGE_NAME_MAX + 1 + USAGE_NAME_MAX + 1)

/* The model of a cost-report record (billed_usd only): kept apart from the
 * usage a source reports, so each can be re-polled and replaced alone. */
#define USAGE_BILLED_MODEL "(billed)"

/* The most of any one count (tokens, requests) one record may carry: 10^12,
 * a thousand times the largest context window for every request of a busy
 * day. Beyond it a record is refused, never stored: sums of such counts
 * would overflow, and no sender means them. */
#define USAGE_COUNT_MAX INT64_C(1000000000000)
/* How far ahead of spendtop's clock a record may be dated (clock skew
 * between hosts): later ones are refused, never stored, so one sender's
 * wrong clock can neither fill the future nor move what is pruned. */
#define USAGE_FUTURE_MAX (5 * 60)
#define USAGE_FUTURE_TEXT "5 minutes"

/* Service tiers with prices of their own (the table's *_priority and
 * *_flex keys); batch is `batch`. */
enum usage_service { USAGE_SERVICE_STANDARD, USAGE_SERVICE_PRIORITY, USAGE_SERVICE_FLEX };

/* The service tier named by a provider ("priority", "priority_on_demand",
 * "flex", "flex_discount"; anything else, "default" and "scale" included,
 * is standard). */
static inline enum usage_service usage_service_named(const char *s, size_t n)
{
    if (s && n >= 8 && memcmp(s, "priority", 8) == 0)
        return USAGE_SERVICE_PRIORITY;
    if (s && n >= 4 && memcmp(s, "flex", 4) == 0)
        return USAGE_SERVICE_FLEX;
    return USAGE_SERVICE_STANDARD;
}

struct usage {
    int64_t ts;             /* bucket start or span start, unix seconds UTC */
    const char *source;     /* configured source name */
    const char *provider;   /* "openai", "anthropic", "gcp.gemini", ... */
    const char *model;      /* the id as reported; ingest maps it to the
                               price-table entry it matches */
    const char *tenant;     /* "" = unattributed */
    int64_t requests;
    int64_t errors;
    int64_t input;
    int64_t cache_read;
    int64_t cache_write_5m;
    int64_t cache_write_1h;
    int64_t output;
    int64_t reasoning;
    bool cache_known;
    bool reasoning_known;
    bool batch;             /* billed at batch rates */
    enum usage_service service; /* the service tier it was served at */
    /* A sum of requests each of which was long-context (Anthropic's usage
     * report groups by context_window: "200k-1M"): priced at the table's
     * long-context rates, like one span whose input is over 200k. */
    bool long_context;
    bool per_request;       /* one request (a span): long-context tiers
                               apply to its own input size */
    bool has_billed;
    double billed_usd;      /* cost-endpoint amount (has_billed) */
    /* The sender's own cost figure for this usage (Claude Code's cost_usd):
     * shown beside spendtop's estimate, never instead of it. */
    bool has_reported;
    double reported_usd;
    /* How many requests made this usage is not known (a metric data point
     * turned into a delta): `requests` is 0 and means "unknown", never 0. */
    bool requests_unknown;
    /* An inference call that reported no token counts at all (a stream
     * without include_usage): one request whose tokens, and so whose spend,
     * are unknown. The token fields are 0 and mean "unknown". */
    bool tokens_unknown;
    uint64_t dedup_key;     /* non-zero for a span: a hash of (traceId,
                               spanId); a key seen before is not counted */
    /* One provider call, one count: two instrumentations can trace the same
     * call (a span and an inference span beneath it, or two spans with the
     * same response id). A span names its parent (a hash of (traceId,
     * parentSpanId), 0 for a root) and its answer (a hash of (traceId,
     * gen_ai.response.id), 0 when unknown); of the spans of one call only
     * the one with the higher completeness (how many token classes it told,
     * 0..6) counts. */
    uint64_t parent_key;
    uint64_t call_key;
    int completeness;
};

/* Where collectors send what they collect. Borrowed strings need only live
 * during the call. */
struct sink {
    /* Count one record. Returns 1 if counted, 0 if not (a duplicate span,
     * or older than the retention), -1 if refused (usage_refusal says
     * why). */
    int (*put)(struct sink *sink, const struct usage *u);
    /* Remember a collector position ("" forgets it); it is stored in the
     * same transaction as every record put before it, so resuming from it
     * neither loses nor double counts. */
    void (*cursor)(struct sink *sink, const char *source, const char *key,
                   const char *value);
    /* The saved positions of source, as fn(ctx, key, value). 0, or -1
     * with the reason in err when they cannot be read: the collector must
     * not start then, since starting over from nothing would count again
     * what it counted before. */
    int (*cursor_each)(struct sink *sink, const char *source,
                       int (*fn)(void *ctx, const char *key, const char *value),
                       void *ctx, char *err, size_t errlen);
    /* Forget every record of source in [t0, t1) - its billed records
     * (model USAGE_BILLED_MODEL) if billed, else its usage: a re-poll is
     * about to deliver that range again (replace, never add). */
    void (*clear_range)(struct sink *sink, const char *source, int64_t t0,
                        int64_t t1, bool billed);
    /* Make everything put so far durable now (the OTLP receiver answers
     * only then). 0, or -1 with a message in err. */
    int (*flush)(struct sink *sink, char *err, size_t errlen);
};

/* Why a record is refused at time now, or NULL if it may be counted: a
 * count that is negative or above USAGE_COUNT_MAX, or a time more than
 * USAGE_FUTURE_MAX after now (now 0: the time is not checked). The reason
 * is written into buf (len bytes), which is returned. */
const char *usage_refusal(const struct usage *u, int64_t now, char *buf, size_t len);

#endif
