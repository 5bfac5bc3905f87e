/* grpc_server.h - a gRPC server for unary calls, on a libuv loop.
 *
 * HTTP/2 over cleartext TCP with prior knowledge (h2c: what gRPC clients
 * send to an http:// endpoint), framed by libnghttp2; the gRPC message
 * framing, gzip and status trailers by lib/grpc_wire. It knows nothing of
 * what the messages mean: the owner registers method paths
 * ("/package.Service/Method") with a handler, which gets the complete,
 * inflated request message and answers - at once or later, from any loop
 * callback - through its call handle. One thread, nothing blocks.
 *
 * Answers the server gives by itself (trailers-only, HTTP :status 200
 * unless said):
 *   UNIMPLEMENTED       a path no handler was registered for; a
 *                       grpc-encoding other than identity or gzip; a
 *                       codec other than protobuf (application/grpc+json:
 *                       handlers get protobuf messages only)
 *   RESOURCE_EXHAUSTED  a message above max_message (declared, or once
 *                       inflated), refused before the rest is read (for
 *                       good: OTLP exporters do not retry it)
 *   UNAVAILABLE         a connection holding max_conn_bytes already, or
 *                       every connection together max_total_bytes
 *                       (transient: clients retry)
 *   INTERNAL            broken framing (see grpc_wire.h)
 *   DEADLINE_EXCEEDED   the request did not arrive whole within
 *                       request_timeout_ms of its HEADERS
 *   HTTP 415 / 405      not application/grpc / not POST
 * A refused call's remaining DATA is discarded (the stream is reset with
 * NO_ERROR after the answer), never buffered.
 *
 * Limits (struct grpc_limits; zero fields take the defaults below):
 *   - max_streams per connection is SETTINGS_MAX_CONCURRENT_STREAMS;
 *     calls whose stream the client reset but whose handler has not
 *     answered still count against their connection, so opening and
 *     cancelling thousands of streams holds at most 2 x max_streams calls;
 *   - max_connections: one more is answered with GOAWAY (last stream 0,
 *     "too many connections") and closed; clients retry later;
 *   - the bytes of requests (as received, then as inflated, until the
 *     handler answers) and of answers (until sent) count against their
 *     connection (max_conn_bytes) and all connections (max_total_bytes);
 *   - a connection is closed after idle_timeout_ms without a request
 *     (HEADERS or DATA received) or an answer written, unless a handler
 *     holds one of its calls: PINGs and SETTINGS alone do not keep it;
 *     one that does not read its answers stops being read from;
 *   - the connection preface must be whole within head_timeout_ms of the
 *     connection, and every frame within head_timeout_ms of its first
 *     byte, however slowly it trickles in (while we read): else the
 *     connection is closed, as OTLP/HTTP closes a request head that takes
 *     longer than its 10 s.
 * A client that misbehaves - thousands of streams, a message never
 * finished, a frame or a preface trickled in, no reading - holds only its
 * own connection's share.
 */
#ifndef SPENDTOP_GRPC_SERVER_H
#define SPENDTOP_GRPC_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "lib/grpc_wire.h"

struct grpc_server;
struct grpc_call;

struct grpc_limits {
    size_t max_message;          /* request bytes, inflated: 4 MiB */
    uint32_t max_streams;        /* concurrent streams per connection: 100 */
    uint32_t max_connections;    /* 256 */
    size_t max_conn_bytes;       /* request bytes one connection holds: 16 MiB */
    size_t max_total_bytes;      /* request bytes all connections hold: 128 MiB */
    uint64_t request_timeout_ms; /* HEADERS to the end of the request: 30 s */
    uint64_t idle_timeout_ms;    /* a connection with nothing happening: 120 s */
    uint64_t head_timeout_ms;    /* the preface, a frame, from its first byte: 10 s */
};

/* Called with the request message of a call to the method's path: msg
 * (len bytes; NULL when len is 0) stays valid until the call is answered.
 * The handler must answer the call exactly once, now or later. */
typedef void (*grpc_handler)(void *ctx, struct grpc_call *call, const uint8_t *msg, size_t len);

/* A server on loop; limits may be NULL (all defaults). Not listening yet. */
struct grpc_server *grpc_server_new(uv_loop_t *loop, const struct grpc_limits *limits);

/* Serve path ("/pkg.Service/Method", at most 255 bytes) with fn(ctx, ...).
 * Before grpc_server_listen. 0, or -1 if the path is too long. */
int grpc_server_method(struct grpc_server *s, const char *path, grpc_handler fn, void *ctx);

/* Listen on addr (port 0: any free port, see grpc_server_port). 0, or a
 * negative libuv error with a message in err; after a failure the server
 * can only be closed (a retry is a new server). */
int grpc_server_listen(struct grpc_server *s, const struct sockaddr *addr, char *err,
                       size_t errlen);

/* The port it listens on, or -1. */
int grpc_server_port(const struct grpc_server *s);

/* Answer a call: status GRPC_OK sends resp (len bytes, copied; the gRPC
 * answer of a unary call is one message, possibly empty) then trailers
 * with grpc-status 0; any other status sends trailers-only with
 * grpc-status and message (NULL: none; percent-encoded, cut to 1 KiB).
 * If the client reset the stream or the connection is gone, the answer
 * is dropped. Either way the call and its request message are freed: the
 * handle is invalid afterwards. */
void grpc_call_respond(struct grpc_call *call, int status, const char *message,
                       const uint8_t *resp, size_t len);

/* Whether the client is still waiting for this call's answer (false once
 * it reset the stream or the connection closed). The call must be
 * answered all the same. */
bool grpc_call_waiting(const struct grpc_call *call);

/* The method path the call was made to (as registered). */
const char *grpc_call_method(const struct grpc_call *call);

/* Who made the call, "IP:PORT" ("?" once its connection is gone), in out. */
void grpc_call_peer(const struct grpc_call *call, char *out, size_t len);

/* fn(ctx, peer, path, status, message) for every call the server refuses
 * by itself (the answers above: for the owner's log), from peer
 * ("IP:PORT") to path (as the client wrote it; "" when there is none, as
 * for a connection that is not HTTP/2 at all: HTTP/1, which gets an
 * HTTP/1.1 505, or a TLS handshake, closed). */
typedef void (*grpc_refused_fn)(void *ctx, const char *peer, const char *path, int status,
                                const char *message);
void grpc_server_on_refused(struct grpc_server *s, grpc_refused_fn fn, void *ctx);

struct grpc_stats {
    size_t connections;          /* open now */
    size_t calls;                /* streams now + calls handlers hold */
    size_t bytes;                /* request and answer bytes held now */
    uint64_t answered;           /* calls answered with GRPC_OK, since start */
    uint64_t refused;            /* calls answered otherwise, or reset */
    uint64_t refused_connections;/* over max_connections */
};
void grpc_server_stats(const struct grpc_server *s, struct grpc_stats *out);

/* Stop listening and close every connection. done(arg) runs, and the
 * server is freed, once every handle is closed and every call a handler
 * holds has been answered (answers after close are dropped). */
void grpc_server_close(struct grpc_server *s, void (*done)(void *arg), void *arg);

#endif
