/* grpc_wire.c - the gRPC message framing, gzip with a cap, grpc-message
 * encoding (see grpc_wire.h). */
#include "lib/grpc_wire.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lib/xalloc.h"

void grpc_reader_init(struct grpc_reader *r, size_t max_message, bool gzip)
{
    memset(r, 0, sizeof *r);
    r->max_message = max_message;
    r->gzip = gzip;
}

void grpc_reader_free(struct grpc_reader *r)
{
    free(r->buf);
    r->buf = NULL;
    r->len = r->cap = 0;
}

static int refuse(struct grpc_reader *r, int status, const char *why)
{
    grpc_reader_free(r);
    r->status = status;
    r->error = why;
    return status;
}

/* The prefix is whole: check it before keeping any of the message. */
static int read_prefix(struct grpc_reader *r)
{
    const uint8_t *p = r->prefix;
    if (p[0] > 1)
        return refuse(r, GRPC_INTERNAL, "the message's compressed flag is neither 0 nor 1");
    if (p[0] == 1 && !r->gzip)
        return refuse(r, GRPC_INTERNAL, "a compressed message on a call without grpc-encoding");
    uint32_t length = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
    if (length > r->max_message)
        return refuse(r, GRPC_RESOURCE_EXHAUSTED,
                      "the message is larger than the server's maximum message size");
    r->compressed = p[0] == 1;
    r->length = length;
    if (length == 0)
        r->messages++;
    return GRPC_OK;
}

int grpc_reader_feed(struct grpc_reader *r, const uint8_t *data, size_t n)
{
    while (n > 0 && r->status == GRPC_OK) {
        if (r->messages > 0)
            return refuse(r, GRPC_INTERNAL, "a unary call carries one request message, not more");
        if (r->have_prefix < GRPC_PREFIX_LEN) {
            size_t k = GRPC_PREFIX_LEN - r->have_prefix;
            k = k < n ? k : n;
            memcpy(r->prefix + r->have_prefix, data, k);
            r->have_prefix += k;
            data += k;
            n -= k;
            if (r->have_prefix == GRPC_PREFIX_LEN)
                read_prefix(r);
            continue;
        }
        size_t k = r->length - r->len;
        k = k < n ? k : n;
        /* grow with what arrived: a declared length costs nothing yet */
        if (r->len + k > r->cap) {
            size_t cap = r->cap ? r->cap * 2 : 4096;
            while (cap < r->len + k)
                cap *= 2;
            r->cap = cap < r->length ? cap : r->length;
            r->buf = xrealloc(r->buf, r->cap);
        }
        memcpy(r->buf + r->len, data, k);
        r->len += k;
        data += k;
        n -= k;
        if (r->len == r->length)
            r->messages++;
    }
    return r->status;
}

int grpc_reader_finish(struct grpc_reader *r, uint8_t **msg, size_t *len)
{
    *msg = NULL;
    *len = 0;
    if (r->status != GRPC_OK)
        return r->status;
    if (r->messages == 0)
        return refuse(r, GRPC_INTERNAL, r->have_prefix == 0 ? "the request carries no message"
                                                            : "the request ended inside its message");
    uint8_t *buf = r->buf;
    size_t n = r->len;
    r->buf = NULL;
    r->len = r->cap = 0;
    if (!r->compressed) {
        *msg = buf;
        *len = n;
        return GRPC_OK;
    }
    const char *why = NULL;
    int status = grpc_gunzip(buf, n, r->max_message, msg, len, &why);
    free(buf);
    if (status != GRPC_OK) {
        r->status = status;
        r->error = why;
    }
    return status;
}

/* Room for more output: double, but never past max + 1 (one byte more
 * than allowed is enough to know the message is too large). */
static void grow_output(uint8_t **buf, size_t *cap, size_t hint, size_t max)
{
    size_t ncap = *cap ? *cap * 2 : (hint < 256 ? 256 : hint);
    if (ncap > max + 1 || ncap < *cap)
        ncap = max + 1;
    *buf = xrealloc(*buf, ncap);
    *cap = ncap;
}

int grpc_gunzip(const uint8_t *in, size_t len, size_t max, uint8_t **out, size_t *outlen,
                const char **why)
{
    *out = NULL;
    *outlen = 0;
    if (len > UINT_MAX || max >= SIZE_MAX / 2) {
        *why = "the compressed message is too large";
        return GRPC_RESOURCE_EXHAUSTED;
    }
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
        *why = "cannot start zlib";
        return GRPC_INTERNAL;
    }
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    uint8_t *buf = NULL;
    size_t cap = 0, used = 0;
    int status = GRPC_OK;
    *why = NULL;
    for (;;) {
        if (used == cap) {
            if (cap > max) {
                status = GRPC_RESOURCE_EXHAUSTED;
                *why = "the inflated message is larger than the server's maximum message size";
                break;
            }
            grow_output(&buf, &cap, 4 * len, max);
        }
        size_t room = cap - used;
        z.next_out = buf + used;
        z.avail_out = room > UINT_MAX ? UINT_MAX : (uInt)room;
        uInt before = z.avail_out;
        int rc = inflate(&z, Z_NO_FLUSH);
        used += before - z.avail_out;
        if (used > max)
            continue; /* reported at the top, with the buffer full */
        if (rc == Z_STREAM_END && z.avail_in == 0)
            break;
        if (rc == Z_STREAM_END) {
            /* another gzip member follows (RFC 1952 allows several) */
            if (inflateReset(&z) == Z_OK)
                continue;
        }
        if (rc == Z_OK)
            continue;
        /* there was room for output, so Z_BUF_ERROR means no input left */
        status = GRPC_INTERNAL;
        *why = rc == Z_BUF_ERROR ? "the gzip message is truncated" : "the message is not valid gzip";
        break;
    }
    inflateEnd(&z);
    if (status != GRPC_OK) {
        free(buf);
        return status;
    }
    if (used == 0) {
        free(buf);
        buf = NULL;
    }
    *out = buf;
    *outlen = used;
    return GRPC_OK;
}

const char *grpc_status_name(int status)
{
    switch (status) {
    case GRPC_OK: return "OK";
    case GRPC_CANCELLED: return "CANCELLED";
    case GRPC_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case GRPC_DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case GRPC_RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case GRPC_UNIMPLEMENTED: return "UNIMPLEMENTED";
    case GRPC_INTERNAL: return "INTERNAL";
    case GRPC_UNAVAILABLE: return "UNAVAILABLE";
    default: return "UNKNOWN";
    }
}

void grpc_prefix_write(uint8_t out[GRPC_PREFIX_LEN], uint32_t len)
{
    out[0] = 0;
    out[1] = (uint8_t)(len >> 24);
    out[2] = (uint8_t)(len >> 16);
    out[3] = (uint8_t)(len >> 8);
    out[4] = (uint8_t)len;
}

/* Bytes in the UTF-8 character at s (1 for a byte that starts none). */
static size_t utf8_char_len(const unsigned char *s)
{
    size_t n = s[0] < 0x80 ? 1 : (s[0] >> 5) == 6 ? 2 : (s[0] >> 4) == 14 ? 3
             : (s[0] >> 3) == 30 ? 4 : 1;
    for (size_t k = 1; k < n; k++)
        if ((s[k] & 0xC0) != 0x80)
            return 1;
    return n;
}

size_t grpc_message_encode(const char *text, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *s = (const unsigned char *)text;
    size_t o = 0;
    if (cap == 0)
        return 0;
    while (*s) {
        size_t n = utf8_char_len(s), need = 0;
        for (size_t k = 0; k < n; k++)
            need += s[k] >= 0x20 && s[k] <= 0x7E && s[k] != '%' ? 1 : 3;
        if (o + need >= cap)
            break;
        for (size_t k = 0; k < n; k++) {
            if (s[k] >= 0x20 && s[k] <= 0x7E && s[k] != '%') {
                out[o++] = (char)s[k];
            } else {
                out[o++] = '%';
                out[o++] = hex[s[k] >> 4];
                out[o++] = hex[s[k] & 15];
            }
        }
        s += n;
    }
    out[o] = '\0';
    return o;
}
