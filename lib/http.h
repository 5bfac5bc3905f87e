/* http.h - HTTP GETs on the libuv loop (libcurl's multi interface).
 *
 * One curl multi handle for the program, driven by libuv in the manner of
 * curl's multi-uv example: CURLMOPT_SOCKETFUNCTION keeps a uv_poll_t per
 * socket, CURLMOPT_TIMERFUNCTION arms one uv_timer_t, and every event goes
 * to curl_multi_socket_action, after which finished transfers are drained
 * with curl_multi_info_read. Nothing blocks the loop.
 *
 * Every request: TLS verification on, http/https only, a User-Agent naming
 * spendtop and its version, connect and total timeouts, and a cap on the
 * response body (a runaway body is an error, not an out-of-memory).
 */
#ifndef SPENDTOP_HTTP_H
#define SPENDTOP_HTTP_H

#include <stddef.h>
#include <uv.h>

struct http;

struct http_request {
    const char *url;
    const char *const *headers;   /* "Name: value", NULL-terminated */
    long connect_timeout_ms;
    long timeout_ms;
    size_t max_body;
};

struct http_response {
    long status;                  /* 0 when the transfer failed */
    const char *body;             /* NUL-terminated; valid during the callback */
    size_t len;
    long retry_after;             /* seconds from Retry-After; -1 if none */
    char error[256];              /* transfer error, "" if none */
};

typedef void (*http_cb)(void *ctx, const struct http_response *r);

/* user_agent (copied) is sent with every request. NULL when libcurl
 * cannot start. */
struct http *http_new(uv_loop_t *loop, const char *user_agent);
/* Start a GET; cb is called later (never from inside http_get), once.
 * Returns 0, or -1 if the request could not be started (why in err; cb is
 * then never called). */
int http_get(struct http *h, const struct http_request *req, http_cb cb, void *ctx,
             char *err, size_t errlen);
/* Abort every transfer (their callbacks are not called) and close the
 * handles; closed(data) when done. Then http_free. */
void http_close(struct http *h, void (*closed)(void *data), void *data);
void http_free(struct http *h);

#endif
