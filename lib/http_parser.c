/* http_parser.c - strict incremental HTTP/1.x request parser (see
 * http_parser.h). Lines are gathered one at a time; the state machine
 * acts on each complete line, or on body bytes. */
#include "lib/http_parser.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void hp_init(struct http_parser *p, size_t max_body)
{
    memset(p, 0, sizeof *p);
    p->max_body = max_body;
    p->state = HP_HEAD;
}

void hp_reset(struct http_parser *p)
{
    struct strbuf body = p->body;
    size_t max = p->max_body;
    memset(p, 0, sizeof *p);
    strbuf_reset(&body);
    p->body = body;
    p->max_body = max;
    p->state = HP_HEAD;
}

void hp_free(struct http_parser *p) { strbuf_free(&p->body); }

static size_t refuse(struct http_parser *p, int status, const char *why)
{
    p->state = HP_ERROR;
    p->error_status = status;
    p->error = why;
    return 0;
}

static bool is_tchar(int c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static void trim(char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

static void copy_value(char *dst, size_t cap, const char *v, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

/* The path and query of an absolute-form target ("http://host:4318/v1/
 * traces?x", what a client sends through a proxy; a server MUST accept it,
 * RFC 9112 3.2.2) in p->target, as origin-form ("/v1/traces?x"; an empty
 * path is "/"). Its authority is the request's host, and a Host header,
 * if any, is ignored (3.2.2) - as every Host is: the receiver serves every
 * host alike. false if t (tlen bytes, no controls or spaces) is no http or
 * https URI with a host (RFC 9110 4.2: none without one, userinfo an
 * error). */
static bool absolute_form(struct http_parser *p, const char *t, size_t tlen)
{
    size_t skip;
    if (tlen > 7 && strncasecmp(t, "http://", 7) == 0)
        skip = 7;
    else if (tlen > 8 && strncasecmp(t, "https://", 8) == 0)
        skip = 8;
    else
        return false;
    size_t host = 0;
    while (skip + host < tlen && t[skip + host] != '/' && t[skip + host] != '?')
        host++;
    if (host == 0 || memchr(t + skip, '@', host))
        return false;
    const char *path = t + skip + host;
    size_t plen = tlen - skip - host;
    bool slash = plen > 0 && path[0] == '/';
    p->target[0] = '/';
    copy_value(p->target + !slash, sizeof p->target - !slash, path, plen);
    return true;
}

static void request_line(struct http_parser *p, char *l, size_t n)
{
    if (n == 14 && memcmp(l, "PRI * HTTP/2.0", 14) == 0) {
        /* HTTP/2's preface: most likely a gRPC exporter at the wrong port */
        refuse(p, 505, "HTTP/2 (gRPC?) is not served here: HTTP/1.0 and 1.1 only");
        return;
    }
    char *sp1 = memchr(l, ' ', n);
    if (!sp1 || sp1 == l) {
        refuse(p, 400, "malformed request line");
        return;
    }
    size_t mlen = (size_t)(sp1 - l);
    for (size_t i = 0; i < mlen; i++)
        if (!is_tchar((unsigned char)l[i])) {
            refuse(p, 400, "malformed method");
            return;
        }
    if (mlen >= sizeof p->method) {
        refuse(p, 501, "unknown method");
        return;
    }
    char *t = sp1 + 1;
    char *sp2 = memchr(t, ' ', n - (size_t)(t - l));
    if (!sp2 || sp2 == t) {
        refuse(p, 400, "malformed request line");
        return;
    }
    size_t tlen = (size_t)(sp2 - t);
    if (tlen >= sizeof p->target) {
        refuse(p, 414, "request target too long");
        return;
    }
    for (size_t i = 0; i < tlen; i++)
        if ((unsigned char)t[i] <= ' ' || (unsigned char)t[i] == 0x7f) {
            refuse(p, 400, "malformed request target");
            return;
        }
    if (t[0] != '/' && !absolute_form(p, t, tlen)) {
        refuse(p, 400, "a request target is a path or an http:// URI with a host");
        return;
    }
    const char *v = sp2 + 1;
    size_t vlen = n - (size_t)(v - l);
    if (vlen != 8 || strncmp(v, "HTTP/1.", 7) != 0 || (v[7] != '0' && v[7] != '1')) {
        refuse(p, vlen >= 5 && strncmp(v, "HTTP/", 5) == 0 ? 505 : 400,
               "HTTP/1.0 or HTTP/1.1 only");
        return;
    }
    copy_value(p->method, sizeof p->method, l, mlen);
    if (t[0] == '/')
        copy_value(p->target, sizeof p->target, t, tlen);
    p->minor = v[7] - '0';
    p->keep_alive = p->minor == 1;
}

static bool is_name(const char *name, size_t n, const char *want)
{
    return strlen(want) == n && strncasecmp(name, want, n) == 0;
}

/* Content-Length: decimal digits only (no sign, no list), at most 18 of
 * them so the sum cannot overflow; a second one must agree with the first
 * (two lengths would let two parsers frame the body differently). */
static void content_length(struct http_parser *p, const char *v, size_t vlen)
{
    if (vlen == 0 || vlen > 18) {
        refuse(p, 400, "malformed Content-Length");
        return;
    }
    uint64_t len = 0;
    for (size_t i = 0; i < vlen; i++) {
        if (!isdigit((unsigned char)v[i])) {
            refuse(p, 400, "malformed Content-Length");
            return;
        }
        len = len * 10 + (uint64_t)(v[i] - '0');
    }
    if (p->has_length && len != p->content_length) {
        refuse(p, 400, "conflicting Content-Length");
        return;
    }
    p->has_length = true;
    p->content_length = len;
}

/* Connection: a list of options ("keep-alive, Upgrade"); close anywhere in
 * it, or in another Connection header, closes (RFC 9112 9.6). */
static void connection(struct http_parser *p, const char *v, size_t vlen)
{
    size_t i = 0;
    while (i < vlen) {
        size_t start = i;
        while (i < vlen && v[i] != ',')
            i++;
        const char *opt = v + start;
        size_t n = i - start;
        for (; n && (*opt == ' ' || *opt == '\t'); opt++, n--) {
        }
        while (n && (opt[n - 1] == ' ' || opt[n - 1] == '\t'))
            n--;
        if (n == 5 && strncasecmp(opt, "close", 5) == 0)
            p->close_asked = true;
        else if (n == 10 && strncasecmp(opt, "keep-alive", 10) == 0)
            p->keep_alive = true;
        i++; /* the comma */
    }
    if (p->close_asked)
        p->keep_alive = false;
}

/* What one header the parser reads says; the others are syntax-checked by
 * header_line and otherwise ignored. */
static void header_value(struct http_parser *p, const char *name, size_t nlen,
                         const char *v, size_t vlen)
{
    if (is_name(name, nlen, "content-length")) {
        content_length(p, v, vlen);
    } else if (is_name(name, nlen, "transfer-encoding")) {
        if (vlen == 7 && strncasecmp(v, "chunked", 7) == 0 && p->chunked)
            refuse(p, 400, "chunked given twice"); /* chunked, chunked: RFC 9112 6.1 */
        else if (vlen == 7 && strncasecmp(v, "chunked", 7) == 0)
            p->chunked = true;
        else
            refuse(p, 501, "only the chunked transfer coding is supported");
    } else if (is_name(name, nlen, "content-type")) {
        copy_value(p->content_type, sizeof p->content_type, v, vlen);
    } else if (is_name(name, nlen, "content-encoding")) {
        copy_value(p->content_encoding, sizeof p->content_encoding, v, vlen);
    } else if (is_name(name, nlen, "connection")) {
        connection(p, v, vlen);
    } else if (is_name(name, nlen, "expect")) {
        if (p->minor == 0)
            return; /* an HTTP/1.0 client cannot have meant it (RFC 9110 10.1.1) */
        if (vlen == 12 && strncasecmp(v, "100-continue", 12) == 0)
            p->expect_continue = true;
        else
            refuse(p, 417, "unsupported Expect");
    }
}

/* One header line: its syntax (a token name, a colon, a value without
 * control characters), the count against HP_MAX_HEADERS, then its
 * meaning (header_value). */
static void header_line(struct http_parser *p, char *l, size_t n)
{
    if (l[0] == ' ' || l[0] == '\t') {
        refuse(p, 400, "obsolete header line folding");
        return;
    }
    char *colon = memchr(l, ':', n);
    if (!colon || colon == l) {
        refuse(p, 400, "malformed header");
        return;
    }
    size_t nlen = (size_t)(colon - l);
    for (size_t i = 0; i < nlen; i++)
        if (!is_tchar((unsigned char)l[i])) {
            refuse(p, 400, "malformed header name");
            return;
        }
    if (++p->nheaders > HP_MAX_HEADERS) {
        refuse(p, 431, "too many headers");
        return;
    }
    char *v = colon + 1;
    size_t vlen = n - nlen - 1;
    trim(&v, &vlen);
    for (size_t i = 0; i < vlen; i++)
        if (((unsigned char)v[i] < ' ' && v[i] != '\t') || (unsigned char)v[i] == 0x7f) {
            refuse(p, 400, "control character in a header");
            return;
        }
    header_value(p, l, nlen, v, vlen);
}

/* The empty line after the headers: decide how the body comes. */
static void end_of_head(struct http_parser *p)
{
    p->headers_done = true;
    if (p->chunked && p->has_length) {
        refuse(p, 400, "both Content-Length and chunked");
        return;
    }
    if (p->chunked) {
        p->state = HP_CHUNK_SIZE;
        return;
    }
    if (p->has_length) {
        if (p->content_length > p->max_body) {
            refuse(p, 413, "request body too large");
            return;
        }
        p->remaining = p->content_length;
        p->state = p->remaining ? HP_BODY : HP_DONE;
        return;
    }
    if (strcmp(p->method, "POST") == 0 || strcmp(p->method, "PUT") == 0) {
        refuse(p, 411, "a body needs Content-Length or chunked encoding");
        return;
    }
    p->state = HP_DONE;
}

static void chunk_size(struct http_parser *p, const char *l, size_t n)
{
    uint64_t size = 0;
    size_t i = 0;
    for (; i < n && isxdigit((unsigned char)l[i]); i++) {
        if (i >= 15) {
            refuse(p, 400, "chunk size too large");
            return;
        }
        int c = tolower((unsigned char)l[i]);
        size = size * 16 + (uint64_t)(isdigit(c) ? c - '0' : c - 'a' + 10);
    }
    if (i == 0 || (i < n && l[i] != ';' && l[i] != ' ' && l[i] != '\t')) {
        refuse(p, 400, "malformed chunk size");
        return;
    }
    if (size == 0) {
        p->state = HP_TRAILERS;
        return;
    }
    if (p->body.len + size > p->max_body) {
        refuse(p, 413, "request body too large");
        return;
    }
    p->remaining = size;
    p->state = HP_CHUNK_DATA;
}

/* A complete line (without its CRLF) in the current state. */
static void on_line(struct http_parser *p, char *l, size_t n)
{
    switch (p->state) {
    case HP_HEAD:
        if (!p->method[0]) {
            if (n == 0)
                return; /* empty lines before a request are tolerated */
            request_line(p, l, n);
        } else if (n == 0) {
            end_of_head(p);
        } else {
            header_line(p, l, n);
        }
        break;
    case HP_CHUNK_SIZE:
        chunk_size(p, l, n);
        break;
    case HP_CHUNK_END:
        if (n != 0)
            refuse(p, 400, "chunk data longer than its size");
        else
            p->state = HP_CHUNK_SIZE;
        break;
    case HP_TRAILERS:
        if (n == 0)
            p->state = HP_DONE;
        else if (++p->nheaders > HP_MAX_HEADERS)
            refuse(p, 431, "too many trailers");
        break;
    default:
        break;
    }
}

size_t hp_feed(struct http_parser *p, const char *data, size_t n)
{
    size_t used = 0;
    while (used < n && p->state != HP_DONE && p->state != HP_ERROR) {
        if (p->state == HP_BODY || p->state == HP_CHUNK_DATA) {
            size_t take = n - used;
            if (take > p->remaining)
                take = (size_t)p->remaining;
            strbuf_append(&p->body, data + used, take);
            used += take;
            p->remaining -= take;
            if (p->remaining == 0)
                p->state = p->state == HP_BODY ? HP_DONE : HP_CHUNK_END;
            continue;
        }
        char c = data[used++];
        if (p->state == HP_HEAD && p->head_len == 0 && c == 0x16 && !p->method[0])
            return refuse(p, 400, "a TLS handshake (https://?): this port speaks plain HTTP"),
                   used;
        if (p->state == HP_HEAD && ++p->head_len > HP_MAX_HEAD)
            return refuse(p, 431, "request head too large"), used;
        if (p->line_len == sizeof p->line)
            return refuse(p, 431, "line too long"), used;
        if (c == '\n') {
            if (p->line_len == 0 || p->line[p->line_len - 1] != '\r')
                return refuse(p, 400, "line not ended by CRLF"), used;
            size_t len = p->line_len - 1;
            p->line[len] = '\0';
            p->line_len = 0;
            on_line(p, p->line, len);
            continue;
        }
        if (c == '\0')
            return refuse(p, 400, "NUL in the request head"), used;
        p->line[p->line_len++] = c;
    }
    return used;
}
