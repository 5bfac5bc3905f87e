/* http_parser.h - a small, strict, incremental HTTP/1.x request parser.
 *
 * For the OTLP/HTTP receiver: feed it bytes as they arrive (in any split),
 * it says when a request is complete or why it is refused. No I/O, no
 * allocation beyond the body buffer: a pure function of its input, so it
 * can be tested byte by byte and fuzzed.
 *
 * What it accepts - and its limits:
 *   - HTTP/1.0 and HTTP/1.1; origin-form targets ("/v1/traces"), and
 *     absolute-form ones ("http://host:4318/v1/traces", RFC 9112 3.2.2:
 *     a server MUST accept them) as their path and query, their Host
 *     header ignored (as every Host is: one receiver serves every host);
 *     not "*" (OPTIONS) or authority-form (CONNECT);
 *     HTTP/2's preface (505) and a TLS handshake (400) are refused
 *     saying what they are (an exporter pointed at the wrong port);
 *   - Connection is a list: close anywhere in it closes;
 *   - CRLF line ends only; no obsolete line folding; header names are
 *     tokens with no space before the colon;
 *   - request line and headers together at most HP_MAX_HEAD bytes (else
 *     431), at most HP_MAX_HEADERS headers;
 *   - a body by Content-Length or chunked Transfer-Encoding, never both
 *     (request smuggling); chunk extensions and trailers are read and
 *     ignored; other transfer codings get 501;
 *   - a body larger than max_body gets 413, decided from Content-Length
 *     before any of it is read where it can be;
 *   - a POST without a length gets 411; Expect other than 100-continue
 *     gets 417.
 * Pipelined requests: hp_feed stops at the end of a request, so the rest
 * of the bytes belong to the next one (after hp_reset).
 */
#ifndef SPENDTOP_HTTP_PARSER_H
#define SPENDTOP_HTTP_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/strbuf.h"

#define HP_MAX_HEAD (16 * 1024)
#define HP_MAX_HEADERS 100

enum hp_state {
    HP_HEAD,          /* reading the request line and headers */
    HP_BODY,          /* Content-Length bytes */
    HP_CHUNK_SIZE,
    HP_CHUNK_DATA,
    HP_CHUNK_END,     /* the CRLF after a chunk's data */
    HP_TRAILERS,
    HP_DONE,          /* a whole request: method, target, headers, body */
    HP_ERROR,         /* refused: error_status and error say why */
};

struct http_parser {
    enum hp_state state;
    size_t max_body;
    /* the request */
    char method[16];
    char target[2048];
    int minor;                    /* HTTP/1.minor */
    char content_type[128];
    char content_encoding[64];
    bool has_length, chunked, keep_alive, expect_continue;
    bool close_asked;             /* Connection: close, which keep-alive cannot undo */
    uint64_t content_length;
    struct strbuf body;
    bool headers_done;            /* the head is parsed (body may follow) */
    /* refusal */
    int error_status;
    const char *error;
    /* internals */
    char line[HP_MAX_HEAD];
    size_t line_len;
    size_t head_len;
    int nheaders;
    uint64_t remaining;
};

void hp_init(struct http_parser *p, size_t max_body);
/* Ready for the next request on the same connection. */
void hp_reset(struct http_parser *p);
void hp_free(struct http_parser *p);
/* Feed n bytes; returns how many were used (fewer than n only when the
 * request ended, or was refused, before them). */
size_t hp_feed(struct http_parser *p, const char *data, size_t n);

#endif
