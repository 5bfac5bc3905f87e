/* otlp_grpc.h - OTLP/gRPC for an OTLP receiver source.
 *
 * The otlp_http source also listens for gRPC on its `grpc_listen` address
 * (conventionally :4317): HTTP/2 over cleartext TCP, as SDKs send to an
 * http:// endpoint, served by lib/grpc_server.h. The unary Export of the
 * three collector services,
 *   /opentelemetry.proto.collector.{trace,logs,metrics}.v1.
 *       {Trace,Logs,Metrics}Service/Export
 * is received by otlp_receive.h like an OTLP/HTTP protobuf body (with its
 * group commit, otlp_commit.h), and answered:
 *   OK                  only once the records are durable, with the
 *                       Export*ServiceResponse (partial_success when some
 *                       records were unusable)
 *   INVALID_ARGUMENT    a message that is not the service's request
 *   RESOURCE_EXHAUSTED  a message above max_message (declared or inflated;
 *                       grpc-encoding gzip is accepted)
 *   UNAVAILABLE         the database could not be written: senders retry,
 *                       and the retry is counted once (otlp_receive.h);
 *                       or the connection (or all) holds too many request
 *                       bytes for now: two messages of max_message, at
 *                       least 16 MiB (128 MiB in all)
 * Slow clients hold only their own connection (lib/grpc_server.h's
 * defaults): the HTTP/2 preface, and every frame, must be whole within
 * 10 s of their first byte (OTLP/HTTP's request head: 10 s), a request
 * within 30 s of its HEADERS (DEADLINE_EXCEEDED), and a connection without
 * a request for 120 s is closed (PINGs do not count).
 * A socket that cannot be bound is retried every few seconds (the source
 * shows the error meanwhile), as the HTTP listener is.
 */
#ifndef SPENDTOP_OTLP_GRPC_H
#define SPENDTOP_OTLP_GRPC_H

#include <stddef.h>
#include <sys/socket.h>

#include "collectors/collector.h"
#include "collectors/otlp_map.h"

struct otlp_grpc;

struct otlp_commit;

/* A gRPC receiver for c on addr (label: how the config wrote it), mapping
 * with o, answering once commit's flush made the records durable, logging
 * the calls it refuses through refusals (all borrowed: they must outlive
 * the receiver). Not listening yet. */
struct otlp_refusals;
struct otlp_grpc *otlp_grpc_new(struct collector *c, const struct otlp_options *o,
                                struct otlp_commit *commit, struct otlp_refusals *refusals,
                                const struct sockaddr_storage *addr, const char *label,
                                size_t max_message);
/* Listen (and keep retrying until it can). */
void otlp_grpc_start(struct otlp_grpc *g);
/* Stop: close the listener and every connection; done(arg) once all is
 * closed, and g is freed. */
void otlp_grpc_stop(struct otlp_grpc *g, void (*done)(void *arg), void *arg);

#endif
