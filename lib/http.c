/* http.c - libcurl multi on libuv (see http.h). */
#include "lib/http.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>

#include "lib/strbuf.h"
#include "lib/xalloc.h"

struct sock {
    uv_poll_t poll;
    curl_socket_t fd;
    struct http *h;
};

struct transfer {
    struct http *h;
    CURL *easy;
    struct curl_slist *headers;
    struct strbuf body;
    size_t max_body;
    bool too_big;
    long retry_after;
    char error[CURL_ERROR_SIZE];
    http_cb cb;
    void *ctx;
    struct transfer *next;
};

struct http {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer;
    struct transfer *transfers;
    size_t nsocks;           /* poll handles open */
    bool closing;
    void (*closed)(void *data);
    void *closed_data;
    bool timer_closed;
    char *user_agent;
};

static int global_init;

static void check_done(struct http *h);

static void finish_close(struct http *h)
{
    if (h->closing && h->nsocks == 0 && h->timer_closed && h->closed)
        h->closed(h->closed_data);
}

static void sock_closed(uv_handle_t *handle)
{
    struct sock *s = handle->data;
    struct http *h = s->h;
    free(s);
    h->nsocks--;
    finish_close(h);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    struct sock *s = p->data;
    int flags = 0;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    int running;
    /* its errors are the transfers', reported by check_done; CURLM_BAD_SOCKET
     * (curl dropped the socket already) leaves nothing to do */
    (void)curl_multi_socket_action(s->h->multi, s->fd, flags, &running);
    check_done(s->h);
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)easy;
    struct http *h = userp;
    struct sock *s = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (s) {
            (void)uv_poll_stop(&s->poll); /* always 0 (libuv 1.x) */
            uv_close((uv_handle_t *)&s->poll, sock_closed);
            /* fails only for a socket curl does not know: it told us of it */
            (void)curl_multi_assign(h->multi, fd, NULL);
        }
        return 0;
    }
    if (!s) {
        s = xcalloc(1, sizeof *s);
        s->fd = fd;
        s->h = h;
        if (uv_poll_init_socket(h->loop, &s->poll, fd) != 0) {
            free(s);
            return -1;
        }
        s->poll.data = s;
        h->nsocks++;
        /* fails only for a socket curl does not know: it just told us of it */
        (void)curl_multi_assign(h->multi, fd, s);
    }
    int events = 0;
    if (what & CURL_POLL_IN)
        events |= UV_READABLE;
    if (what & CURL_POLL_OUT)
        events |= UV_WRITABLE;
    /* -1 (as for a socket uv cannot poll, above): curl fails the transfers
     * in progress and their callbacks say so, rather than wait for events
     * that would never come */
    return uv_poll_start(&s->poll, events, on_poll) == 0 ? 0 : -1;
}

static void on_timeout(uv_timer_t *t)
{
    struct http *h = t->data;
    int running;
    /* its errors are the transfers', reported by check_done */
    (void)curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(h);
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    struct http *h = userp;
    if (timeout_ms < 0) {
        (void)uv_timer_stop(&h->timer); /* always 0 */
        return 0;
    }
    /* never act inside curl's callback: 0 ms becomes 1 ms. uv_timer_start
     * fails only on a closing handle (http_close ends curl first); -1 then
     * fails the transfers, which could not time out any more */
    return uv_timer_start(&h->timer, on_timeout, timeout_ms ? (uint64_t)timeout_ms : 1, 0)
           == 0 ? 0 : -1;
}

/* The multi handle, driven by our socket and timer callbacks: without
 * them nothing would ever run, so any refusal ends http_new. */
static CURLM *new_multi(struct http *h)
{
    CURLM *m = curl_multi_init();
    if (m && (curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, on_socket) != CURLM_OK ||
              curl_multi_setopt(m, CURLMOPT_SOCKETDATA, h) != CURLM_OK ||
              curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, on_timer) != CURLM_OK ||
              curl_multi_setopt(m, CURLMOPT_TIMERDATA, h) != CURLM_OK)) {
        curl_multi_cleanup(m);
        m = NULL;
    }
    return m;
}

struct http *http_new(uv_loop_t *loop, const char *user_agent)
{
    if (global_init == 0 && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return NULL;
    global_init++;
    struct http *h = xcalloc(1, sizeof *h);
    h->loop = loop;
    h->multi = new_multi(h);
    if (!h->multi) {
        free(h);
        if (--global_init == 0)
            curl_global_cleanup();
        return NULL;
    }
    h->user_agent = xstrdup(user_agent);
    (void)uv_timer_init(loop, &h->timer); /* always 0 */
    h->timer.data = h;
    return h;
}

static size_t on_body(char *data, size_t size, size_t n, void *userp)
{
    struct transfer *t = userp;
    size_t len = size * n;
    if (t->body.len + len > t->max_body) {
        t->too_big = true;
        return 0; /* aborts the transfer */
    }
    strbuf_append(&t->body, data, len);
    return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *userp)
{
    struct transfer *t = userp;
    size_t len = size * n;
    if (len > 12 && strncasecmp(data, "retry-after:", 12) == 0) {
        char v[64];
        size_t vl = len - 12 < sizeof v - 1 ? len - 12 : sizeof v - 1;
        memcpy(v, data + 12, vl);
        v[vl] = '\0';
        char *end;
        long s = strtol(v, &end, 10);
        if (end != v && s >= 0) {
            t->retry_after = s;
        } else {
            /* an HTTP date (RFC 9110 §10.2.3): the seconds until then, by
             * our clock (curl_getdate: -1 when it is no date) */
            time_t when = curl_getdate(v, NULL), now = time(NULL);
            t->retry_after = when < 0 ? 60 : when > now ? (long)(when - now) : 0;
        }
    }
    return len;
}

static void free_transfer(struct transfer *t)
{
    curl_slist_free_all(t->headers);
    strbuf_free(&t->body);
    free(t);
}

static void unlink_transfer(struct http *h, struct transfer *t)
{
    for (struct transfer **p = &h->transfers; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            return;
        }
    }
}

/* The request's header list; false when curl could not copy one (out of
 * memory): a request without its key must not go out. */
static bool make_headers(struct transfer *t, const struct http_request *req)
{
    for (const char *const *hd = req->headers; hd && *hd; hd++) {
        struct curl_slist *l = curl_slist_append(t->headers, *hd);
        if (!l)
            return false;
        t->headers = l;
    }
    return true;
}

/* Every option of a transfer. The first one curl refuses (out of memory
 * copying a string, or an option this libcurl lacks) is returned: a request
 * never goes out with TLS verification or the protocol list unset. */
static CURLcode set_options(CURL *e, struct transfer *t, const struct http_request *req,
                            const char *user_agent)
{
    CURLcode rc;
    if ((rc = curl_easy_setopt(e, CURLOPT_URL, req->url)) != CURLE_OK ||
        (rc = curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers)) != CURLE_OK ||
        (rc = curl_easy_setopt(e, CURLOPT_USERAGENT, user_agent)) != CURLE_OK ||
        (rc = curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms)) != CURLE_OK ||
        (rc = curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, req->timeout_ms)) != CURLE_OK ||
        (rc = curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK ||
        (rc = curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L)) != CURLE_OK ||
        (rc = curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L)) != CURLE_OK ||
        (rc = curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https")) != CURLE_OK ||
        (rc = curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "")) != CURLE_OK ||
        (rc = curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body)) != CURLE_OK ||
        (rc = curl_easy_setopt(e, CURLOPT_WRITEDATA, t)) != CURLE_OK ||
        (rc = curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header)) != CURLE_OK ||
        (rc = curl_easy_setopt(e, CURLOPT_HEADERDATA, t)) != CURLE_OK ||
        (rc = curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error)) != CURLE_OK)
        return rc;
    return curl_easy_setopt(e, CURLOPT_PRIVATE, t);
}

int http_get(struct http *h, const struct http_request *req, http_cb cb, void *ctx,
             char *err, size_t errlen)
{
    if (h->closing) {
        snprintf(err, errlen, "the HTTP client is closing");
        return -1;
    }
    struct transfer *t = xcalloc(1, sizeof *t);
    t->h = h;
    t->cb = cb;
    t->ctx = ctx;
    t->max_body = req->max_body;
    t->retry_after = -1;
    t->easy = curl_easy_init();
    if (!t->easy) {
        snprintf(err, errlen, "cannot start an HTTP request (libcurl)");
        free(t);
        return -1;
    }
    CURL *e = t->easy;
    CURLcode rc = make_headers(t, req) ? set_options(e, t, req, h->user_agent)
                                       : CURLE_OUT_OF_MEMORY;
    CURLMcode mrc = CURLM_OK;
    if (rc == CURLE_OK) {
        t->next = h->transfers;
        h->transfers = t;
        mrc = curl_multi_add_handle(h->multi, e);
        if (mrc != CURLM_OK)
            unlink_transfer(h, t);
    }
    if (rc != CURLE_OK || mrc != CURLM_OK) {
        snprintf(err, errlen, "cannot start an HTTP request: %s",
                 rc != CURLE_OK ? curl_easy_strerror(rc) : curl_multi_strerror(mrc));
        curl_easy_cleanup(e);
        free_transfer(t);
        return -1;
    }
    return 0;
}

/* After every socket_action: drain the finished transfers (all of them,
 * even when nothing is running any more, or the last DONE is lost). */
static void check_done(struct http *h)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(h->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        CURL *e = m->easy_handle;
        CURLcode code = m->data.result;
        struct transfer *t = NULL;
        /* cannot fail: CURLINFO_PRIVATE was set on every handle we add */
        (void)curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&t);
        struct http_response r = {.retry_after = t->retry_after};
        if (code == CURLE_OK) {
            /* a finished transfer has its response code (0 if none came) */
            (void)curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r.status);
        } else if (t->too_big) {
            snprintf(r.error, sizeof r.error, "response body larger than %zu bytes", t->max_body);
        } else {
            snprintf(r.error, sizeof r.error, "%s", t->error[0] ? t->error : curl_easy_strerror(code));
        }
        r.body = strbuf_str(&t->body);
        r.len = t->body.len;
        /* fails only for a handle not in this multi: it just came out of it */
        (void)curl_multi_remove_handle(h->multi, e);
        curl_easy_cleanup(e);
        unlink_transfer(h, t);
        t->cb(t->ctx, &r);
        free_transfer(t);
    }
}

static void timer_closed(uv_handle_t *handle)
{
    struct http *h = handle->data;
    h->timer_closed = true;
    finish_close(h);
}

void http_close(struct http *h, void (*closed)(void *data), void *data)
{
    h->closing = true;
    h->closed = closed;
    h->closed_data = data;
    while (h->transfers) {
        struct transfer *t = h->transfers;
        h->transfers = t->next;
        (void)curl_multi_remove_handle(h->multi, t->easy); /* as in check_done */
        curl_easy_cleanup(t->easy);
        free_transfer(t);
    }
    /* now, while the loop runs: closing the connection cache calls the
     * socket callback, which closes each poll handle */
    curl_multi_cleanup(h->multi);
    h->multi = NULL;
    uv_close((uv_handle_t *)&h->timer, timer_closed);
}

void http_free(struct http *h)
{
    if (!h)
        return;
    if (h->multi)
        curl_multi_cleanup(h->multi);
    free(h->user_agent);
    free(h);
    if (--global_init == 0)
        curl_global_cleanup();
}
