/* otlp_map.h - an OTLP export -> usage records (DESIGN.md §3).
 *
 * The one mapping from the OTLP data model (otlp.h) to struct usage, for
 * both encodings: an export is decoded by otlp_json.h or otlp_pb.h and
 * each record it holds is mapped here and put into a sink. Shared by the
 * file follower and the OTLP receivers. A pure function of its input: no
 * I/O, no globals.
 *
 * Spans: each is read by the row of its instrumentation family
 * (otlp_families.h): an inference call is counted, a wrapper (agent,
 * workflow, chain, step, ai.generateText, invoke_agent: they can carry
 * their children's totals) or any other span is ignored, an inference span
 * that cannot be read is rejected with the reason. An inference span
 * without token counts (a stream without include_usage) is one request of
 * unknown tokens (usage.tokens_unknown). The tenant is the first
 * configured attribute found on the span, else on its resource. A span is
 * identified by (traceId, spanId), the same from either encoding, and
 * names its parent and its response id, so the sink can count one
 * provider call once however many instrumentations traced it.
 *
 * Log records and metric data points: the agent CLIs' usage events and
 * the token metrics become records too (otlp_signals.h); other log records
 * and metrics are `ignored`.
 */
#ifndef SPENDTOP_OTLP_MAP_H
#define SPENDTOP_OTLP_MAP_H

#include <stddef.h>

#include "collectors/otlp.h"
#include "core/usage.h"
#include "lib/settings.h"

struct otlp_state;

struct otlp_options {
    const char *source;
    char *const *tenant_attrs;
    size_t ntenant_attrs;
    /* What the source remembers between exports (cumulative metric
     * streams, which signal counts each emitter's usage: otlp_signals.h),
     * or NULL: each export alone. */
    struct otlp_state *state;
    /* The signals whose usage counts (enum otlp_signal bits); 0: all. */
    unsigned signals;
};

/* The key every OTLP source has, tenant_attribute, for a source type's
 * key table (an SETTING_INCLUDE row): it lands in a struct otlp_tenants. */
struct otlp_tenants {
    char **attrs;               /* span attributes, then resource attributes */
    size_t nattrs;
};
extern const struct setting otlp_tenant_keys[];

struct otlp_result {
    size_t spans;        /* spans in the export */
    size_t log_records;  /* log records in the export */
    size_t data_points;  /* metric data points in the export */
    size_t counted;      /* records the sink counted */
    size_t duplicates;   /* records the sink did not count: seen before, a
                            call counted already, or past the retention */
    size_t ignored;      /* agent/tool/other spans, logs, metrics: not usage */
    size_t superseded;   /* usage its emitter reports by another signal,
                            counted from that one (otlp_signals.h) */
    size_t rejected;     /* records that could not be used */
    size_t no_usage;     /* counted inference spans without token counts */
    char error[200];     /* why the first record was rejected, or the
                            export refused */
};

enum otlp_encoding {
    OTLP_JSON,           /* any signal: the document says which */
    OTLP_PROTOBUF,       /* an Export*ServiceRequest of the given signal */
};

/* Decode one export of len bytes and put its usage into sink. sig says
 * which request a protobuf message is (JSON: 0, the document says). Returns 0 (some
 * records may still have been rejected: see r), or -1 if the export could
 * not be decoded, in which case nothing was put and r->error says why. */
int otlp_map_export(enum otlp_encoding enc, enum otlp_signal sig, const void *buf,
                    size_t len, const struct otlp_options *o, struct sink *sink,
                    struct otlp_result *r);

#endif
