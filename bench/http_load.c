/* http_load.c - OTLP/HTTP trace exports as fast as CLIENTS clients can have
 * them accepted, each on its own kept-alive connection with one export of
 * SPANS chat spans in flight, for SECONDS (bench/receivers.sh):
 *
 *   http_load proto|json SPANS PORT CLIENTS SECONDS
 *
 * Every span has ids of its own (bench/otlp_export.h); every answer must be
 * 200. Prints "exports spans seconds p50_ms p99_ms", bench/otlp_load.cjs's
 * line: latency is request sent to answer read. A benchmark client, not
 * part of spendtop: poll(2) over plain sockets, so that the clients cost
 * the machine little beside the receiver they share it with.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench/otlp_export.h"
#include "lib/xalloc.h"

#define MAX_CLIENTS 256

struct client {
    int fd;
    uint8_t *req;                 /* the request: head, then the export */
    size_t sent;
    char in[8192];                /* the answer so far */
    size_t in_len;
    double started;
    bool busy;
};

static struct bench_export export;
static size_t req_len, body_at;   /* the request's size; where its body starts */
static uint32_t serial;
static double *latency;
static size_t ncalls, cap_calls;
static bool stopping;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "http_load: %s\n", what);
    exit(1);
}

static void start_request(struct client *c)
{
    bench_export_ids(&export, c->req + body_at, &serial);
    c->sent = 0;
    c->in_len = 0;
    c->busy = true;
    c->started = now();
}

/* Send what the socket takes. */
static void pump_out(struct client *c)
{
    while (c->busy && c->sent < req_len) {
        ssize_t w = send(c->fd, c->req + c->sent, req_len - c->sent, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (w < 0)
            die("send failed");
        c->sent += (size_t)w;
    }
}

/* The answer is whole: its status, or 0 while it is not. */
static int answer_status(const struct client *c)
{
    size_t head = 0;
    for (size_t i = 3; i < c->in_len && !head; i++)
        if (memcmp(c->in + i - 3, "\r\n\r\n", 4) == 0)
            head = i + 1;
    if (!head)
        return 0;
    long length = -1;
    for (size_t i = 0; i + 15 < head; i++)
        if ((i == 0 || c->in[i - 1] == '\n') && strncasecmp(c->in + i, "content-length:", 15) == 0)
            length = atol(c->in + i + 15); /* stops at the line's \r */
    if (length < 0)
        die("an answer without Content-Length");
    if (c->in_len < head + (size_t)length)
        return 0;
    return atoi(c->in + 9); /* "HTTP/1.1 200" */
}

static void answered(struct client *c)
{
    if (ncalls == cap_calls) {
        cap_calls = cap_calls ? 2 * cap_calls : 1 << 16;
        latency = xrealloc(latency, cap_calls * sizeof *latency);
    }
    latency[ncalls++] = now() - c->started;
    c->busy = false;
    if (!stopping)
        start_request(c);
}

static void pump_in(struct client *c)
{
    if (c->in_len == sizeof c->in)
        die("an answer larger than expected");
    ssize_t n = recv(c->fd, c->in + c->in_len, sizeof c->in - c->in_len, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
        die("the server closed a connection");
    if (n < 0)
        return;
    c->in_len += (size_t)n;
    int status = answer_status(c);
    if (status && status != 200) {
        fprintf(stderr, "http_load: HTTP %d: %.*s\n", status, (int)c->in_len, c->in);
        exit(1);
    }
    if (status)
        answered(c);
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        die("cannot connect");
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Drive every client until the time is up and the last answers are in. */
static void run(struct client *cl, int n, double seconds)
{
    struct pollfd pfd[MAX_CLIENTS];
    double end = now() + seconds;
    for (;;) {
        bool any = false;
        for (int i = 0; i < n; i++) {
            pump_out(&cl[i]);
            pfd[i].fd = cl[i].fd;
            pfd[i].events = POLLIN | (cl[i].busy && cl[i].sent < req_len ? POLLOUT : 0);
            any |= cl[i].busy;
        }
        if (!any)
            return;
        if (!stopping && now() >= end)
            stopping = true;
        if (poll(pfd, (nfds_t)n, 1000) < 0)
            die("poll failed");
        for (int i = 0; i < n; i++)
            if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
                pump_in(&cl[i]);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The request every client sends (with its own ids). */
static uint8_t *build_request(bool json)
{
    struct strbuf r = {0};
    strbuf_printf(&r, "POST /v1/traces HTTP/1.1\r\nHost: bench\r\nContent-Type: %s\r\n"
                  "Content-Length: %zu\r\n\r\n",
                  json ? "application/json" : "application/x-protobuf", export.body.len);
    body_at = r.len;
    strbuf_append(&r, export.body.s, export.body.len);
    req_len = r.len;
    return (uint8_t *)strbuf_detach(&r);
}

int main(int argc, char **argv)
{
    if (argc != 6 || (strcmp(argv[1], "proto") != 0 && strcmp(argv[1], "json") != 0)) {
        fprintf(stderr, "usage: http_load proto|json SPANS PORT CLIENTS SECONDS\n");
        return 2;
    }
    bool json = strcmp(argv[1], "json") == 0;
    int spans = atoi(argv[2]), port = atoi(argv[3]), n = atoi(argv[4]);
    double seconds = atof(argv[5]);
    if (spans < 1 || n < 1 || n > MAX_CLIENTS)
        return 2;
    if (json)
        bench_export_json(&export, (size_t)spans);
    else
        bench_export_pb(&export, (size_t)spans);
    uint8_t *request = build_request(json);
    static struct client cl[MAX_CLIENTS];
    for (int i = 0; i < n; i++) {
        cl[i].req = xmalloc(req_len);
        memcpy(cl[i].req, request, req_len);
        cl[i].fd = connect_to(port);
        start_request(&cl[i]);
    }
    double t0 = now();
    run(cl, n, seconds);
    double elapsed = now() - t0;
    if (ncalls == 0)
        die("no export was answered");
    qsort(latency, ncalls, sizeof *latency, cmp_double);
    printf("%zu %zu %.2f %.2f %.2f\n", ncalls, ncalls * (size_t)spans, elapsed,
           1e3 * latency[ncalls / 2], 1e3 * latency[(size_t)((double)ncalls * 0.99)]);
    for (int i = 0; i < n; i++) {
        close(cl[i].fd);
        free(cl[i].req);
    }
    free(request);
    free(latency);
    bench_export_free(&export);
    return 0;
}
