/* pb.c - the protobuf wire format (see pb.h). */
#include "lib/pb.h"

#include <stdio.h>
#include <string.h>

#define PB_MAX_FIELD ((1u << 29) - 1)

void pb_init(struct pb_reader *r, const void *buf, size_t len,
             unsigned max_depth, struct pb_error *err)
{
    r->p = buf;
    r->end = r->p + len;
    r->base = r->p;
    r->depth = 0;
    r->max_depth = max_depth;
    r->err = err;
    memset(err, 0, sizeof *err);
}

/* Record the first error only: it is the cause, later ones are echoes.
 * The rare paths (this, long varints, groups) stay out of line, so the
 * common path of pb_next needs no stack frame. */
__attribute__((noinline, cold))
static int error_at(struct pb_reader *r, enum pb_err code, size_t offset, uint32_t field)
{
    if (r->err->code == PB_OK) {
        r->err->code = code;
        r->err->offset = offset;
        r->err->field = field;
    }
    return -1;
}

/* A varint of two or more bytes at *pp, below end (the one-byte case is
 * handled inline by the callers). 0, or a PB_ERR_* code. */
__attribute__((noinline))
static enum pb_err read_varint_slow(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    const uint8_t *p = *pp;
    uint64_t x = 0;
    for (unsigned i = 0; i < 10; i++) {
        if (p == end)
            return PB_ERR_TRUNCATED;
        uint8_t b = *p++;
        if (i == 9 && b > 1)  /* the 10th byte holds only bit 63 */
            return b & 0x80 ? PB_ERR_VARINT_LONG : PB_ERR_VARINT_OVERFLOW;
        x |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *v = x;
            *pp = p;
            return PB_OK;
        }
    }
    return PB_ERR_VARINT_LONG; /* not reached: the 10th byte returned */
}

/* A varint at *pp, below end: most tags, lengths and small values are one
 * byte, read here without a call. */
static inline enum pb_err read_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    const uint8_t *p = *pp;
    if (p < end && *p < 0x80) {
        *v = *p;
        *pp = p + 1;
        return PB_OK;
    }
    return read_varint_slow(pp, end, v);
}

static uint64_t load_le(const uint8_t *p, unsigned n)
{
    uint64_t x = 0;
    for (unsigned i = 0; i < n; i++)
        x |= (uint64_t)p[i] << (8 * i);
    return x;
}

static inline uint64_t load_le64(const uint8_t *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
           (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
           (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static inline uint64_t load_le32(const uint8_t *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
}

__attribute__((noinline))
static int skip_group(struct pb_reader *r, struct pb_field *f);

/* The value of f, whose tag ended at p. Runs for every field of every
 * message: the common cases take no call. */
static inline int read_value(struct pb_reader *r, struct pb_field *f, const uint8_t *p)
{
    const uint8_t *end = r->end;
    enum pb_err e = PB_OK;
    uint64_t n;
    switch (f->wire) {
    case PB_VARINT:
        e = read_varint(&p, end, &f->u);
        break;
    case PB_LEN:
        e = read_varint(&p, end, &n);
        if (e == PB_OK && n > (uint64_t)(end - p))
            e = PB_ERR_LENGTH;
        if (e == PB_OK) {
            f->view.p = p;
            f->view.n = (size_t)n;
            p += n;
        }
        break;
    case PB_I64:
        if (end - p < 8)
            return error_at(r, PB_ERR_TRUNCATED, f->offset, f->num);
        f->u = load_le64(p);
        p += 8;
        break;
    case PB_I32:
        if (end - p < 4)
            return error_at(r, PB_ERR_TRUNCATED, f->offset, f->num);
        f->u = load_le32(p);
        p += 4;
        break;
    case PB_SGROUP:
        r->p = p;
        return skip_group(r, f);
    case PB_EGROUP:
        return error_at(r, PB_ERR_GROUP, f->offset, f->num);
    }
    if (e != PB_OK)
        return error_at(r, e, f->offset, f->num);
    r->p = p;
    return 1;
}

/* pb_next in general: any tag, any value, every check. */
__attribute__((noinline))
static int next_slow(struct pb_reader *r, struct pb_field *f)
{
    const uint8_t *p = r->p;
    if (r->err->code != PB_OK)
        return -1;
    if (p == r->end)
        return 0;
    f->offset = (size_t)(p - r->base);
    uint64_t tag;
    enum pb_err e = read_varint(&p, r->end, &tag);
    if (e != PB_OK)
        return error_at(r, e, f->offset, 0);
    if ((tag >> 3) - 1 >= PB_MAX_FIELD) /* 0 wraps around: refused too */
        return error_at(r, PB_ERR_FIELD_NUMBER, f->offset, 0);
    f->num = (uint32_t)(tag >> 3);
    if ((tag & 7) > PB_I32)
        return error_at(r, PB_ERR_WIRE_TYPE, f->offset, f->num);
    f->wire = (enum pb_wire)(tag & 7);
    f->u = 0;
    f->view.p = NULL;
    f->view.n = 0;
    return read_value(r, f, p);
}

/* The common case inline, with no call and no stack: a one-byte tag (field
 * numbers up to 15) and a one-byte varint or length, or a fixed value, all
 * within the message. Anything else, errors included, goes the slow way,
 * which checks everything. */
int pb_next(struct pb_reader *r, struct pb_field *f)
{
    const uint8_t *p = r->p, *end = r->end;
    if (p == end) /* the end of every message comes here */
        return r->err->code != PB_OK ? -1 : 0;
    if (end - p < 2 || r->err->code != PB_OK)
        return next_slow(r, f);
    unsigned tag = p[0], wire = tag & 7;
    if (tag >= 0x80 || tag < 8)
        return next_slow(r, f);
    size_t left = (size_t)(end - p) - 1;
    f->offset = (size_t)(p - r->base);
    f->num = tag >> 3;
    f->wire = (enum pb_wire)wire;
    f->u = 0;
    f->view.p = NULL;
    f->view.n = 0;
    if (wire == PB_LEN && p[1] < 0x80 && p[1] < left) {
        f->view.p = p + 2;
        f->view.n = p[1];
        r->p = p + 2 + p[1];
        return 1;
    }
    if (wire == PB_VARINT && p[1] < 0x80) {
        f->u = p[1];
        r->p = p + 2;
        return 1;
    }
    if (wire == PB_I64 && left >= 8) {
        f->u = load_le64(p + 1);
        r->p = p + 9;
        return 1;
    }
    if (wire == PB_I32 && left >= 4) {
        f->u = load_le32(p + 1);
        r->p = p + 5;
        return 1;
    }
    return next_slow(r, f);
}

/* A group: fields up to the end tag of the same number, nested groups
 * included (each one level deeper). f->view becomes the fields between. */
static int skip_group(struct pb_reader *r, struct pb_field *f)
{
    if (r->depth + 1 > r->max_depth)
        return error_at(r, PB_ERR_DEPTH, f->offset, f->num);
    struct pb_reader in = *r;
    in.depth++;
    const uint8_t *start = r->p;
    for (;;) {
        if (in.p == in.end)
            return error_at(r, PB_ERR_TRUNCATED, f->offset, f->num);
        const uint8_t *at = in.p;
        size_t offset = (size_t)(at - r->base);
        uint64_t tag;
        enum pb_err e = read_varint(&in.p, in.end, &tag);
        if (e != PB_OK)
            return error_at(r, e, offset, 0);
        if ((tag & 7) == PB_EGROUP) {
            if (tag >> 3 != f->num)
                return error_at(r, PB_ERR_GROUP, offset, (uint32_t)(tag >> 3));
            f->view.p = start;
            f->view.n = (size_t)(at - start);
            r->p = in.p;
            return 1;
        }
        in.p = at; /* read it again as a whole field */
        struct pb_field g;
        if (pb_next(&in, &g) < 0)
            return -1;
    }
}

bool pb_expect(struct pb_reader *r, const struct pb_field *f, enum pb_wire w)
{
    if (f->wire == w)
        return true;
    error_at(r, PB_ERR_WIRE_MISMATCH, f->offset, f->num);
    return false;
}

bool pb_sub(struct pb_reader *r, const struct pb_field *f, struct pb_reader *sub)
{
    if (!pb_expect(r, f, PB_LEN))
        return false;
    if (r->depth + 1 > r->max_depth) {
        error_at(r, PB_ERR_DEPTH, f->offset, f->num);
        return false;
    }
    sub->p = f->view.p;
    sub->end = f->view.p + f->view.n;
    sub->base = r->base;
    sub->depth = r->depth + 1;
    sub->max_depth = r->max_depth;
    sub->err = r->err;
    return true;
}

bool pb_packed_init(struct pb_reader *r, const struct pb_field *f,
                    enum pb_wire w, struct pb_packed *it)
{
    memset(it, 0, sizeof *it);
    it->wire = w;
    it->r = r;
    it->offset = f->offset;
    if (f->wire == w) {
        it->single = true;
        it->u = f->u;
        it->p = NULL;
        it->end = (const uint8_t *)1; /* one element left */
        return true;
    }
    if (f->wire != PB_LEN) {
        error_at(r, PB_ERR_WIRE_MISMATCH, f->offset, f->num);
        return false;
    }
    unsigned size = w == PB_I64 ? 8 : w == PB_I32 ? 4 : 0;
    if (size && f->view.n % size) {
        error_at(r, PB_ERR_PACKED, f->offset, f->num);
        return false;
    }
    it->p = f->view.p;
    it->end = f->view.p + f->view.n;
    return true;
}

int pb_packed_next(struct pb_packed *it, uint64_t *v)
{
    if (it->single) {
        if (!it->end)
            return 0;
        it->end = NULL;
        *v = it->u;
        return 1;
    }
    if (it->p == it->end)
        return 0;
    if (it->wire == PB_VARINT) {
        enum pb_err e = read_varint(&it->p, it->end, v);
        return e == PB_OK ? 1 : error_at(it->r, e, it->offset, 0);
    }
    unsigned n = it->wire == PB_I64 ? 8 : 4;
    *v = load_le(it->p, n);
    it->p += n;
    return 1;
}

const char *pb_strerror(enum pb_err code)
{
    switch (code) {
    case PB_OK: return "no error";
    case PB_ERR_TRUNCATED: return "truncated value";
    case PB_ERR_VARINT_LONG: return "varint longer than 10 bytes";
    case PB_ERR_VARINT_OVERFLOW: return "varint above 64 bits";
    case PB_ERR_FIELD_NUMBER: return "invalid field number";
    case PB_ERR_WIRE_TYPE: return "invalid wire type";
    case PB_ERR_LENGTH: return "length past the end of the message";
    case PB_ERR_GROUP: return "mismatched end-group tag";
    case PB_ERR_DEPTH: return "nested too deeply";
    case PB_ERR_WIRE_MISMATCH: return "unexpected wire type for the field";
    case PB_ERR_PACKED: return "packed values of a bad length";
    }
    return "unknown error";
}

void pb_format_error(const struct pb_error *e, char *buf, size_t len)
{
    if (e->field)
        snprintf(buf, len, "%s (field %u at byte %zu)", pb_strerror(e->code),
                 e->field, e->offset);
    else
        snprintf(buf, len, "%s (at byte %zu)", pb_strerror(e->code), e->offset);
}

/* ---- writing ---------------------------------------------------------------- */

void pb_put_varint(struct strbuf *b, uint64_t v)
{
    char buf[10];
    size_t n = 0;
    do {
        buf[n] = (char)(v & 0x7f);
        v >>= 7;
        if (v)
            buf[n] = (char)(buf[n] | 0x80);
        n++;
    } while (v);
    strbuf_append(b, buf, n);
}

void pb_put_tag(struct strbuf *b, uint32_t field, enum pb_wire w)
{
    pb_put_varint(b, (uint64_t)field << 3 | (uint64_t)w);
}

void pb_put_uint(struct strbuf *b, uint32_t field, uint64_t v)
{
    pb_put_tag(b, field, PB_VARINT);
    pb_put_varint(b, v);
}

static void put_le(struct strbuf *b, uint64_t v, unsigned n)
{
    char buf[8];
    for (unsigned i = 0; i < n; i++)
        buf[i] = (char)(v >> (8 * i));
    strbuf_append(b, buf, n);
}

void pb_put_fixed64(struct strbuf *b, uint32_t field, uint64_t v)
{
    pb_put_tag(b, field, PB_I64);
    put_le(b, v, 8);
}

void pb_put_fixed32(struct strbuf *b, uint32_t field, uint32_t v)
{
    pb_put_tag(b, field, PB_I32);
    put_le(b, v, 4);
}

void pb_put_double(struct strbuf *b, uint32_t field, double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u); /* the IEEE 754 bits, as the wire wants them */
    pb_put_fixed64(b, field, u);
}

void pb_put_bytes(struct strbuf *b, uint32_t field, const void *p, size_t n)
{
    pb_put_tag(b, field, PB_LEN);
    pb_put_varint(b, n);
    if (n) /* p may be NULL for an empty value */
        strbuf_append(b, p, n);
}
