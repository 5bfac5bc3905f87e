/* otlp_json.h - OTLP/JSON trace data -> usage records (DESIGN.md §3).
 *
 * One ExportTraceServiceRequest (a Collector file-exporter line, or an
 * OTLP/HTTP request body) in, one record per inference span out, into a
 * sink. Shared by the file follower and the OTLP/HTTP receiver. A pure
 * function of its input: no I/O, no globals.
 *
 * Counted: spans whose gen_ai.operation.name is chat, text_completion,
 * generate_content or embeddings, or that have no operation name but carry
 * token counts. Agent, workflow and tool spans are not counted: they can
 * carry their children's totals. Current and legacy attribute names are
 * read (see the table in otlp_json.c). The tenant is the first configured
 * attribute found on the span, else on its resource.
 */
#ifndef SPENDTOP_OTLP_JSON_H
#define SPENDTOP_OTLP_JSON_H

#include <stddef.h>

#include "core/usage.h"

struct otlp_options {
    const char *source;
    char *const *tenant_attrs;
    size_t ntenant_attrs;
};

struct otlp_result {
    size_t spans;        /* spans in the document */
    size_t counted;      /* records the sink counted */
    size_t duplicates;   /* inference spans the sink had seen before */
    size_t ignored;      /* agent/tool/other spans: not usage */
    size_t rejected;     /* inference spans that could not be used */
    char error[200];     /* why the first span was rejected, or the
                            document refused */
};

/* Decode one document of len bytes. Returns 0 (some spans may still have
 * been rejected: see r), or -1 if it is not OTLP/JSON trace data, in which
 * case nothing was put and r->error says why. Documents of other signals
 * (resourceMetrics, resourceLogs) are valid and yield nothing. */
int otlp_json_decode(const char *json, size_t len, const struct otlp_options *o,
                     struct sink *sink, struct otlp_result *r);

/* Free the parse arena kept between documents (at exit). */
void otlp_json_cleanup(void);

#endif
