/* otlp_receive.h - one OTLP export request in, its answer out.
 *
 * What the OTLP receivers share (otlp_http.c for OTLP/HTTP, otlp_grpc.c
 * for OTLP/gRPC): decode and map an Export{Trace,Logs,Metrics}Service
 * request (otlp_map.h), make it durable (sink->flush) and build the answer
 * in the request's own encoding:
 *
 *   JSON      {} or {"partialSuccess":{"rejectedSpans" | "rejectedLogRecords"
 *             | "rejectedDataPoints": "N", "errorMessage": "..."}}
 *   protobuf  Export*ServiceResponse: empty, or partial_success (1) with
 *             the rejected count (1) and error_message (2)
 *
 * The outcome, mapped by each protocol to its own status:
 *   ACCEPTED     durable (some records may have been rejected: partial)
 *   INVALID      the message could not be decoded: nothing was stored
 *   UNAVAILABLE  the database could not be written: the sender should
 *                retry; records already taken stay pending in the sink and
 *                are written with its next flush, and a retry of the same
 *                export is recognised by the records' dedup keys (spans by
 *                their ids, log events and metric points by their content)
 */
#ifndef SPENDTOP_OTLP_RECEIVE_H
#define SPENDTOP_OTLP_RECEIVE_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "collectors/otlp_map.h"
#include "lib/strbuf.h"

enum otlp_outcome { OTLP_ACCEPTED, OTLP_INVALID, OTLP_UNAVAILABLE };

struct otlp_reply {
    enum otlp_outcome outcome;
    struct otlp_result result;   /* what the export held */
    struct strbuf body;          /* ACCEPTED: the answer message */
    char message[256];           /* otherwise: why (for the sender) */
};

/* Receive one export of signal sig (len bytes, already inflated) in
 * encoding enc, flushing the sink. out->body is the caller's to free
 * (strbuf_free). */
void otlp_receive(enum otlp_encoding enc, enum otlp_signal sig, const void *buf, size_t len,
                  const struct otlp_options *o, struct sink *sink, struct otlp_reply *out);

/* The same in two halves, for a group commit (otlp_commit.h): decode and
 * map - INVALID, or ACCEPTED with the answer made but not yet durable;
 * then, once the flush it waited for is done, stored() makes it ACCEPTED
 * or UNAVAILABLE. */
void otlp_receive_decode(enum otlp_encoding enc, enum otlp_signal sig, const void *buf,
                         size_t len, const struct otlp_options *o, struct sink *sink,
                         struct otlp_reply *out);
void otlp_receive_stored(struct otlp_reply *out, bool durable, const char *err);

struct collector;
/* Tell the source's status what became of an export from peer
 * ("IP:PORT"): records counted, rejected ones (logged through
 * log->records), a refused write (an error until the next success). */
struct otlp_refusals;
void otlp_receive_account(struct collector *c, const struct otlp_reply *rep,
                          struct otlp_refusals *log, const char *peer);

/* The log of refused requests and rejected records, for a source:
 * whoever misconfigured an exporter (a path, a type, an encoding) or
 * sends unusable records finds why in the log, and a client refused in a
 * loop cannot flood it - at most OTLP_REFUSALS_LOGGED lines a minute of
 * each kind, then, when that minute ends (a timer: whether or not more
 * come), one saying how many more there were. */
#define OTLP_REFUSALS_LOGGED 10
#define OTLP_REFUSALS_MINUTE_MS 60000
struct otlp_log_limit {
    const char *more;            /* the summary's words: "request(s) refused" */
    uint64_t since;              /* the minute's start (ms, the loop's clock) */
    unsigned logged;             /* lines in it */
    uint64_t unlogged;           /* refusals beyond them */
};
struct otlp_refusals {
    struct otlp_log_limit requests;  /* refused whole */
    struct otlp_log_limit records;   /* rejected in an accepted export */
    const char *source;
    uint64_t minute_ms;
    uv_timer_t timer;                /* the end of a minute with some unlogged */
    void (*closed)(void *arg);
    void *closed_arg;
};
/* Ready to log for source (borrowed) on loop, in minutes of minute_ms
 * (OTLP_REFUSALS_MINUTE_MS; a test's are shorter). */
void otlp_receive_refusals_init(struct otlp_refusals *r, uv_loop_t *loop, const char *source,
                        uint64_t minute_ms);
/* Log the counts not yet said, now, and close the timer: done(arg) once
 * it is closed. No refusal may be logged after this. */
void otlp_receive_refusals_close(struct otlp_refusals *r, void (*done)(void *arg), void *arg);
/* Log one refusal of l, one of r's (printf-style, after "source NAME:
 * refused "). */
void otlp_receive_refused(struct otlp_refusals *r, struct otlp_log_limit *l, const char *fmt,
                          ...) __attribute__((format(printf, 3, 4)));

/* An error body for OTLP/HTTP in encoding enc: google.rpc.Status, as
 * JSON {"code":N,"message":"..."} or protobuf (code 1, message 2). */
void otlp_status_body(enum otlp_encoding enc, int grpc_code, const char *message,
                      struct strbuf *out);

#endif
