/* pb.h - the protobuf wire format: a strict, bounds-checked reader and a
 * small writer. Generic: it knows field numbers and wire types, never what
 * a message means (that is the caller's table).
 *
 * Reading. A message is a sequence of fields, each a tag (a varint: field
 * number << 3 | wire type) and a value:
 *   0 VARINT  up to 10 bytes, 7 bits each, least significant first
 *   1 I64     8 bytes little-endian (fixed64, sfixed64, double)
 *   2 LEN     a varint length, then that many bytes (string, bytes, a
 *             sub-message, packed repeated scalars)
 *   3/4       start/end of a group (proto2's deprecated sub-messages)
 *   5 I32     4 bytes little-endian (fixed32, sfixed32, float)
 * pb_next reads one whole field, whatever its number, so a caller skips an
 * unknown field by ignoring it: unknown fields of every wire type are
 * skipped, as the spec asks (newer senders add fields).
 *
 * What is refused (PB_ERR_*), with the offset of the field at fault:
 *   - a value cut short: a varint, a fixed value or a length past the end
 *     of its message (lengths are checked against the bytes that remain in
 *     the enclosing message, never against the whole buffer)
 *   - a varint of more than 10 bytes, or whose 10th byte sets bits above
 *     the 64th (overflow); non-minimal varints of <= 10 bytes are accepted,
 *     as the spec says
 *   - a tag whose field number is 0 or above 2^29 - 1, or wire type 6 or 7
 *   - groups: skipped when well formed (the spec's rule for unknown fields;
 *     nested groups count against the depth limit), refused when an end
 *     tag is stray or does not match its start. No OTLP field is a group,
 *     so a group where a known field is expected is a wire-type mismatch.
 *   - a known field with another wire type than the caller expects
 *     (pb_expect): refused, not skipped. A packed repeated field is
 *     accepted packed (LEN) or unpacked (one element per field), as the
 *     spec requires of parsers.
 *   - sub-messages nested deeper than the reader's max_depth.
 * The first error sticks in the pb_error every reader of one message
 * shares; later calls keep failing.
 *
 * Zero-copy: strings, bytes and sub-messages are views into the caller's
 * buffer, valid while it is; strings are NOT NUL-terminated and are not
 * checked for UTF-8 (the caller sanitises what it shows).
 */
#ifndef SPENDTOP_PB_H
#define SPENDTOP_PB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/strbuf.h"

enum pb_wire {
    PB_VARINT = 0,
    PB_I64 = 1,
    PB_LEN = 2,
    PB_SGROUP = 3,
    PB_EGROUP = 4,
    PB_I32 = 5,
};

enum pb_err {
    PB_OK = 0,
    PB_ERR_TRUNCATED,       /* a value runs past the end of its message */
    PB_ERR_VARINT_LONG,     /* a varint of more than 10 bytes */
    PB_ERR_VARINT_OVERFLOW, /* a varint above 2^64 - 1 */
    PB_ERR_FIELD_NUMBER,    /* field number 0 or above 2^29 - 1 */
    PB_ERR_WIRE_TYPE,       /* wire type 6 or 7 */
    PB_ERR_LENGTH,          /* a length past the end of its message */
    PB_ERR_GROUP,           /* a stray or mismatched end-group tag */
    PB_ERR_DEPTH,           /* nested deeper than max_depth */
    PB_ERR_WIRE_MISMATCH,   /* a known field with an unexpected wire type */
    PB_ERR_PACKED,          /* packed fixed-size values of a bad length */
};

/* The first error met while reading one message. */
struct pb_error {
    enum pb_err code;
    size_t offset;          /* of the field at fault, from the outer start */
    uint32_t field;         /* its number, 0 if the tag itself was bad */
};

struct pb_view {
    const uint8_t *p;
    size_t n;
};

struct pb_reader {
    const uint8_t *p, *end; /* what remains of this message */
    const uint8_t *base;    /* the start of the outermost message */
    unsigned depth, max_depth;
    struct pb_error *err;   /* shared by a reader and its sub-readers */
};

struct pb_field {
    uint32_t num;
    enum pb_wire wire;
    uint64_t u;             /* VARINT, I64, I32: the value */
    struct pb_view view;    /* LEN: the bytes; SGROUP: the group's fields */
    size_t offset;          /* of the tag, from the outer start */
};

/* The default depth limit: generous for OTLP (a span's attribute is at
 * depth 6; each nested array or kvlist adds 2), far from the stack's. */
#define PB_MAX_DEPTH 32

/* A reader over len bytes at buf; err is reset and shared with every
 * sub-reader. */
void pb_init(struct pb_reader *r, const void *buf, size_t len,
             unsigned max_depth, struct pb_error *err);

/* Read the next field into f. 1: a field was read; 0: the message ended
 * cleanly; -1: malformed (r->err says why; every later call fails too). */
int pb_next(struct pb_reader *r, struct pb_field *f);

/* True if f has wire type w; else records PB_ERR_WIRE_MISMATCH for f. */
bool pb_expect(struct pb_reader *r, const struct pb_field *f, enum pb_wire w);

/* A reader over the sub-message f (which must be LEN), one level deeper.
 * False (with the error recorded) on a wire mismatch or past max_depth. */
bool pb_sub(struct pb_reader *r, const struct pb_field *f, struct pb_reader *sub);

/* Iterating a repeated scalar field: one occurrence f holds either one
 * element (wire type w) or several packed into a LEN. */
struct pb_packed {
    const uint8_t *p, *end;
    enum pb_wire wire;      /* of each element: VARINT, I64 or I32 */
    bool single;            /* unpacked: the one value below */
    uint64_t u;
    struct pb_reader *r;    /* where errors go */
    size_t offset;
};

/* Start iterating occurrence f as elements of wire type w. False (with
 * the error recorded) if f is neither w nor LEN, or if packed fixed-size
 * elements do not fill the LEN exactly. */
bool pb_packed_init(struct pb_reader *r, const struct pb_field *f,
                    enum pb_wire w, struct pb_packed *it);
/* 1: *v is the next element; 0: done; -1: malformed (a cut varint). */
int pb_packed_next(struct pb_packed *it, uint64_t *v);

/* Value conversions of the scalar types. */
static inline double pb_double(uint64_t u)
{
    union { uint64_t u; double d; } x = {u};
    return x.d;
}
static inline float pb_float(uint64_t u)
{
    union { uint32_t u; float f; } x = {(uint32_t)u};
    return x.f;
}
/* int32 and enums travel as sign-extended varints: keep the low 32 bits. */
static inline int32_t pb_int32(uint64_t u) { return (int32_t)(uint32_t)u; }
static inline int64_t pb_int64(uint64_t u) { return (int64_t)u; }
static inline int32_t pb_sint32(uint64_t u)
{
    uint32_t x = (uint32_t)u;
    return (int32_t)((x >> 1) ^ (0u - (x & 1)));
}
static inline int64_t pb_sint64(uint64_t u)
{
    return (int64_t)((u >> 1) ^ (0 - (u & 1)));
}

/* "truncated value (field 9 at byte 123)" into buf. */
void pb_format_error(const struct pb_error *e, char *buf, size_t len);
/* A phrase for code ("truncated value", ...). */
const char *pb_strerror(enum pb_err code);

/* ---- writing (answers, tests, converters) -------------------------------
 * Appends to a strbuf. A sub-message is built in its own strbuf and added
 * with pb_put_bytes (its length must be known before it is written). */
void pb_put_varint(struct strbuf *b, uint64_t v);
void pb_put_tag(struct strbuf *b, uint32_t field, enum pb_wire w);
void pb_put_uint(struct strbuf *b, uint32_t field, uint64_t v);       /* VARINT */
void pb_put_fixed64(struct strbuf *b, uint32_t field, uint64_t v);    /* I64 */
void pb_put_fixed32(struct strbuf *b, uint32_t field, uint32_t v);    /* I32 */
void pb_put_double(struct strbuf *b, uint32_t field, double d);       /* I64 */
void pb_put_bytes(struct strbuf *b, uint32_t field, const void *p, size_t n); /* LEN */

#endif
