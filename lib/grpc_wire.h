/* grpc_wire.h - the gRPC wire format below HTTP/2, as pure functions.
 *
 * A gRPC message on an HTTP/2 stream is a 5-byte prefix - one byte
 * "compressed" flag (0 or 1) and a 4-byte big-endian length - followed by
 * that many bytes. This module reads the one request message of a unary
 * call from DATA bytes in any split, inflates it when it is gzip, and
 * writes the prefix and the percent-encoded grpc-message of an answer.
 * No I/O and no HTTP/2: lib/grpc_server.c feeds it, the fuzzer too.
 *
 * Limits: a message whose declared length is above max_message is refused
 * from its prefix alone, before any of its bytes are kept; a gzip message
 * is inflated with the same cap on its output (a gzip bomb stops there).
 * Memory grows with the bytes that arrived, never with a declared length.
 *
 * Refusals are gRPC status codes, as gRPC's own servers give them:
 * RESOURCE_EXHAUSTED for a message above the limit (before or after
 * inflating), INTERNAL for broken framing (a flag other than 0 or 1, a
 * compressed message on a call without grpc-encoding, a stream that ends
 * inside a message or carries no message or two, gzip that does not
 * inflate). INVALID_ARGUMENT is left to the method's handler, for a
 * message that frames well but does not decode.
 */
#ifndef SPENDTOP_GRPC_WIRE_H
#define SPENDTOP_GRPC_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The status codes this project gives or reads (grpc/doc/statuscodes.md). */
enum grpc_status {
    GRPC_OK = 0,
    GRPC_CANCELLED = 1,
    GRPC_UNKNOWN = 2,
    GRPC_INVALID_ARGUMENT = 3,
    GRPC_DEADLINE_EXCEEDED = 4,
    GRPC_RESOURCE_EXHAUSTED = 8,
    GRPC_UNIMPLEMENTED = 12,
    GRPC_INTERNAL = 13,
    GRPC_UNAVAILABLE = 14,
};

/* Its name ("UNAVAILABLE"), or "UNKNOWN" for a code not above. */
const char *grpc_status_name(int status);

#define GRPC_PREFIX_LEN 5

/* The request message of one unary call, gathered from its DATA bytes. */
struct grpc_reader {
    size_t max_message;
    bool gzip;                    /* the call's grpc-encoding is gzip */
    uint8_t prefix[GRPC_PREFIX_LEN];
    size_t have_prefix;           /* bytes of the prefix read so far */
    bool compressed;              /* the message's flag */
    size_t length;                /* its declared length (<= max_message) */
    uint8_t *buf;                 /* its bytes so far */
    size_t len, cap;
    int messages;                 /* whole messages seen (1 for a good call) */
    int status;                   /* GRPC_OK, or the refusal */
    const char *error;            /* why, when status != GRPC_OK */
};

/* gzip: the call's grpc-encoding is gzip, so a message may be compressed. */
void grpc_reader_init(struct grpc_reader *r, size_t max_message, bool gzip);
void grpc_reader_free(struct grpc_reader *r);

/* Feed n DATA bytes. Returns GRPC_OK or the refusal (also kept in
 * r->status and r->error); once refused, further bytes are ignored. */
int grpc_reader_feed(struct grpc_reader *r, const uint8_t *data, size_t n);

/* The stream ended: there must be exactly one whole message. On GRPC_OK,
 * *msg (owned by the caller, free(); NULL when *len is 0) and *len are the
 * message, inflated when its flag says so. r no longer holds the bytes
 * either way. */
int grpc_reader_finish(struct grpc_reader *r, uint8_t **msg, size_t *len);

/* Inflate a gzip member into at most max bytes: GRPC_OK with *out
 * (caller frees; NULL when *outlen is 0) and *outlen, RESOURCE_EXHAUSTED
 * past max, INTERNAL when it is not whole, valid gzip. *why says which. */
int grpc_gunzip(const uint8_t *in, size_t len, size_t max, uint8_t **out, size_t *outlen,
                const char **why);

/* The 5-byte prefix of an uncompressed message of len bytes. */
void grpc_prefix_write(uint8_t out[GRPC_PREFIX_LEN], uint32_t len);

/* text as a grpc-message header value: bytes outside printable ASCII and
 * '%' become %XX. Cut, at a UTF-8 character boundary, to fit cap (which
 * includes the NUL). Returns the length written. */
size_t grpc_message_encode(const char *text, char *out, size_t cap);

#endif
