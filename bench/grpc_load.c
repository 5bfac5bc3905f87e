/* grpc_load.c - unary gRPC calls as fast as CLIENTS clients can make them,
 * each on its own HTTP/2 connection with one call in flight, for SECONDS:
 * calls/s and the latency of each call (request sent to trailers read).
 * Every answer is checked: grpc-status 0 and the message echoed back.
 *
 *   grpc_load PORT CLIENTS SECONDS MESSAGE_BYTES [PATH]
 *   grpc_load --otlp SPANS PORT CLIENTS SECONDS
 *
 * With --otlp each call is an OTLP ExportTraceServiceRequest of SPANS chat
 * spans to the TraceService (bench/receivers.sh), every span with ids of
 * its own (written into a copy of one export built at the start, as
 * bench/otlp_load.cjs does), answered by an empty response; it prints
 * "calls spans seconds p50_ms p99_ms", otlp_load.cjs's line.
 *
 * A benchmark client, not part of spendtop: blocking poll(2) over plain
 * sockets, nghttp2's client session for HTTP/2 (Debian 12's curl fails
 * every call that reuses a prior-knowledge connection).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench/otlp_export.h"
#include "lib/grpc_wire.h"
#include "lib/xalloc.h"

#define MAX_CLIENTS 256

struct client {
    int fd;
    nghttp2_session *h2;
    uint8_t *msg;                 /* the framed request of the call */
    uint8_t *pending;             /* bytes nghttp2 produced, not yet sent */
    size_t npending;
    double started;               /* the call in flight */
    size_t body_off, got;
    int grpc_status;
    bool busy;
};

static uint8_t *request;          /* the framed message, sent by every call */
static size_t request_len;
static size_t answer_len;         /* what a call's answer must be */
static const char *path = "/grpc.echo.v1.Echo/Echo";
static struct bench_export export; /* --otlp: its spans; n 0 otherwise */
static uint32_t serial;
static double *latency;
static size_t ncalls, cap_calls, errors;
static bool stopping;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static ssize_t read_body(nghttp2_session *h2, int32_t id, uint8_t *buf, size_t len,
                         uint32_t *flags, nghttp2_data_source *src, void *user)
{
    (void)h2;
    (void)id;
    (void)src;
    struct client *c = user;
    size_t n = request_len - c->body_off;
    n = n < len ? n : len;
    memcpy(buf, c->msg + c->body_off, n);
    c->body_off += n;
    if (c->body_off == request_len)
        *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

static void start_call(struct client *c)
{
    if (export.n)
        bench_export_ids(&export, c->msg + GRPC_PREFIX_LEN, &serial);
    nghttp2_nv nv[] = {
        {(uint8_t *)":method", (uint8_t *)"POST", 7, 4, 0},
        {(uint8_t *)":scheme", (uint8_t *)"http", 7, 4, 0},
        {(uint8_t *)":authority", (uint8_t *)"bench", 10, 5, 0},
        {(uint8_t *)":path", (uint8_t *)path, 5, strlen(path), 0},
        {(uint8_t *)"content-type", (uint8_t *)"application/grpc", 12, 16, 0},
        {(uint8_t *)"te", (uint8_t *)"trailers", 2, 8, 0},
    };
    nghttp2_data_provider dp = {.read_callback = read_body};
    c->body_off = c->got = 0;
    c->grpc_status = -1;
    c->busy = true;
    c->started = now();
    if (nghttp2_submit_request(c->h2, NULL, nv, 6, &dp, NULL) < 0) {
        fprintf(stderr, "grpc_load: cannot submit a request\n");
        exit(1);
    }
}

static int on_header(nghttp2_session *h2, const nghttp2_frame *f, const uint8_t *name,
                     size_t nlen, const uint8_t *value, size_t vlen, uint8_t flags, void *user)
{
    (void)h2;
    (void)f;
    (void)flags;
    struct client *c = user;
    if (nlen == 11 && memcmp(name, "grpc-status", 11) == 0)
        c->grpc_status = vlen == 1 && value[0] == '0' ? 0 : 1;
    return 0;
}

static int on_data(nghttp2_session *h2, uint8_t flags, int32_t id, const uint8_t *data,
                   size_t len, void *user)
{
    (void)h2;
    (void)flags;
    (void)id;
    (void)data;
    ((struct client *)user)->got += len;
    return 0;
}

static int on_close(nghttp2_session *h2, int32_t id, uint32_t code, void *user)
{
    (void)h2;
    (void)id;
    struct client *c = user;
    if (code != 0 || c->grpc_status != 0 || c->got != answer_len)
        errors++;
    if (ncalls == cap_calls) {
        cap_calls = cap_calls ? 2 * cap_calls : 1 << 16;
        latency = xrealloc(latency, cap_calls * sizeof *latency);
    }
    latency[ncalls++] = now() - c->started;
    c->busy = false;
    if (!stopping)
        start_call(c);
    return 0;
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("grpc_load: connect");
        exit(1);
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Send what nghttp2 has, as far as the socket takes it. */
static void pump_out(struct client *c)
{
    for (;;) {
        if (c->npending == 0) {
            const uint8_t *data;
            ssize_t n = nghttp2_session_mem_send(c->h2, &data);
            if (n <= 0)
                return;
            c->pending = xrealloc(c->pending, (size_t)n);
            memcpy(c->pending, data, (size_t)n);
            c->npending = (size_t)n;
        }
        ssize_t w = send(c->fd, c->pending, c->npending, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (w < 0) {
            perror("grpc_load: send");
            exit(1);
        }
        memmove(c->pending, c->pending + w, c->npending - (size_t)w);
        c->npending -= (size_t)w;
    }
}

static void pump_in(struct client *c)
{
    uint8_t buf[65536];
    ssize_t n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        fprintf(stderr, "grpc_load: the server closed a connection\n");
        exit(1);
    }
    if (n > 0 && nghttp2_session_mem_recv(c->h2, buf, (size_t)n) != n) {
        fprintf(stderr, "grpc_load: HTTP/2 error\n");
        exit(1);
    }
}

static void open_client(struct client *c, int port)
{
    nghttp2_session_callbacks *cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_close);
    nghttp2_session_client_new(&c->h2, cb, c);
    nghttp2_session_callbacks_del(cb);
    nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, NULL, 0);
    c->fd = connect_to(port);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Drive every client until the time is up and the last calls are in. */
static void run(struct client *cl, int n, double seconds)
{
    struct pollfd pfd[MAX_CLIENTS];
    double end = now() + seconds;
    for (;;) {
        bool any = false;
        for (int i = 0; i < n; i++) {
            pump_out(&cl[i]);
            pfd[i].fd = cl[i].fd;
            pfd[i].events = POLLIN | (cl[i].npending ? POLLOUT : 0);
            any |= cl[i].busy;
        }
        if (!any)
            return;
        if (!stopping && now() >= end)
            stopping = true;
        if (poll(pfd, (nfds_t)n, 1000) < 0) {
            perror("grpc_load: poll");
            exit(1);
        }
        for (int i = 0; i < n; i++)
            if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
                pump_in(&cl[i]);
    }
}

/* The echo server's request: size bytes of letters. */
static void build_echo(size_t size)
{
    request_len = GRPC_PREFIX_LEN + size;
    request = xcalloc(1, request_len);
    for (size_t i = 0; i < size; i++)
        request[GRPC_PREFIX_LEN + i] = (uint8_t)('a' + i % 26);
    answer_len = request_len;
}

static void report(double elapsed)
{
    qsort(latency, ncalls, sizeof *latency, cmp_double);
    double p50 = 1e3 * latency[ncalls / 2], p99 = 1e3 * latency[(size_t)((double)ncalls * 0.99)];
    if (export.n) {
        printf("%zu %zu %.2f %.2f %.2f\n", ncalls, ncalls * export.n, elapsed, p50, p99);
        if (errors)
            fprintf(stderr, "grpc_load: %zu calls failed\n", errors);
        return;
    }
    printf("%zu calls in %.2f s: %.0f calls/s; latency p50 %.3f ms, p99 %.3f ms, max %.3f ms; "
           "%zu failed\n", ncalls, elapsed, (double)ncalls / elapsed, p50, p99,
           1e3 * latency[ncalls - 1], errors);
}

int main(int argc, char **argv)
{
    bool otlp = argc == 6 && strcmp(argv[1], "--otlp") == 0;
    if (argc < 5 || (otlp && atoi(argv[2]) < 1)) {
        fprintf(stderr, "usage: grpc_load PORT CLIENTS SECONDS MESSAGE_BYTES [PATH]\n"
                        "       grpc_load --otlp SPANS PORT CLIENTS SECONDS\n");
        return 2;
    }
    char **arg = otlp ? argv + 3 : argv + 1;
    int port = atoi(arg[0]), n = atoi(arg[1]);
    double seconds = atof(arg[2]);
    if (n < 1 || n > MAX_CLIENTS)
        return 2;
    if (otlp) {
        path = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
        bench_export_pb(&export, (size_t)atoi(argv[2]));
        request_len = GRPC_PREFIX_LEN + export.body.len;
        request = xcalloc(1, request_len);
        memcpy(request + GRPC_PREFIX_LEN, export.body.s, export.body.len);
        answer_len = GRPC_PREFIX_LEN; /* an empty ExportTraceServiceResponse */
    } else {
        size_t size = (size_t)atol(arg[3]);
        if (size > 16 << 20)
            return 2;
        if (argc > 5)
            path = argv[5];
        build_echo(size);
    }
    grpc_prefix_write(request, (uint32_t)(request_len - GRPC_PREFIX_LEN));
    static struct client cl[MAX_CLIENTS];
    for (int i = 0; i < n; i++) {
        /* each its own copy: its ids change while another's is being sent */
        cl[i].msg = otlp ? xmalloc(request_len) : request;
        if (otlp)
            memcpy(cl[i].msg, request, request_len);
        open_client(&cl[i], port);
        start_call(&cl[i]);
    }
    double t0 = now();
    run(cl, n, seconds);
    double elapsed = now() - t0;
    if (ncalls == 0) {
        fprintf(stderr, "grpc_load: no call finished\n");
        return 1;
    }
    report(elapsed);
    for (int i = 0; i < n; i++) {
        nghttp2_session_del(cl[i].h2);
        close(cl[i].fd);
        free(cl[i].pending);
        if (cl[i].msg != request)
            free(cl[i].msg);
    }
    free(request);
    free(latency);
    bench_export_free(&export);
    return errors ? 1 : 0;
}
