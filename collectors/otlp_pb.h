/* otlp_pb.h - OTLP protobuf -> the OTLP data model (otlp.h).
 *
 * One Export{Trace,Logs,Metrics}ServiceRequest message (the body of an
 * OTLP/HTTP application/x-protobuf request, a gRPC Export message, or one
 * message of the Collector file exporter's proto format). Protobuf does not
 * say what it holds: the caller says which signal (from the path or the
 * gRPC method).
 *
 * Strict, through lib/pb.h: the message is validated whole first - every
 * field the data model carries, every attribute and nested value at any
 * depth, and the wire type of every known field - and visited only if it
 * is well formed, so a malformed message visits nothing (a mapping never
 * counts half of it). Unknown fields are skipped; known messages the form
 * does not carry (links, exemplars) are checked for their wire type only.
 * Nesting is limited to PB_MAX_DEPTH. A non-repeated message field sent
 * twice: the last one counts (protobuf would merge them; no encoder sends
 * that). Strings are not checked for UTF-8.
 */
#ifndef SPENDTOP_OTLP_PB_H
#define SPENDTOP_OTLP_PB_H

#include <stddef.h>

#include "collectors/otlp.h"

/* Decode the len bytes at buf as the request of signal sig and visit it.
 * 0, or -1 with the reason in err ("protobuf: truncated value (field 9 at
 * byte 120) in Span") and nothing visited. */
int otlp_pb_visit(const void *buf, size_t len, enum otlp_signal sig,
                  const struct otlp_visitor *v, char *err, size_t errlen);

#endif
