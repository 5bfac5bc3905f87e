/* grpc_echo.c - a gRPC server built from lib/grpc_server, for the
 * end-to-end test with a real gRPC client (tests/e2e/grpc.sh) and the
 * benchmark (bench/grpc.sh).
 *
 *   grpc_echo [--port N] [--max-message BYTES]
 *
 * Methods (service grpc.echo.v1.Echo):
 *   Echo   answers with the request message
 *   Later  the same, 20 ms later (an asynchronous handler)
 *   Fail   answers INVALID_ARGUMENT with the message as grpc-message
 * Prints "listening on PORT" on stdout once it listens (port 0: any);
 * SIGTERM or SIGINT closes it and prints the server's counts on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "lib/grpc_server.h"
#include "lib/xalloc.h"

struct later {
    uv_timer_t timer;
    struct grpc_call *call;
    uint8_t *msg;
    size_t len;
};

static void echo(void *ctx, struct grpc_call *call, const uint8_t *msg, size_t len)
{
    (void)ctx;
    grpc_call_respond(call, GRPC_OK, NULL, msg, len);
}

static void later_closed(uv_handle_t *h)
{
    struct later *l = h->data;
    free(l->msg);
    free(l);
}

static void later_fire(uv_timer_t *t)
{
    struct later *l = t->data;
    grpc_call_respond(l->call, GRPC_OK, NULL, l->msg, l->len);
    uv_close((uv_handle_t *)&l->timer, later_closed);
}

static void later(void *ctx, struct grpc_call *call, const uint8_t *msg, size_t len)
{
    uv_loop_t *loop = ctx;
    struct later *l = xcalloc(1, sizeof *l);
    l->call = call;
    l->len = len;
    l->msg = len ? xmalloc(len) : NULL;
    if (len)
        memcpy(l->msg, msg, len);
    uv_timer_init(loop, &l->timer); /* cannot fail */
    l->timer.data = l;
    uv_timer_start(&l->timer, later_fire, 20, 0);
}

static void refuse(void *ctx, struct grpc_call *call, const uint8_t *msg, size_t len)
{
    (void)ctx;
    char text[256];
    snprintf(text, sizeof text, "%.*s", (int)(len < 200 ? len : 200), (const char *)msg);
    grpc_call_respond(call, GRPC_INVALID_ARGUMENT, text, NULL, 0);
}

static struct grpc_server *server;
static uv_signal_t sigterm, sigint;

static void closed(void *arg)
{
    (void)arg;
    uv_close((uv_handle_t *)&sigterm, NULL);
    uv_close((uv_handle_t *)&sigint, NULL);
}

static void on_signal(uv_signal_t *s, int signum)
{
    (void)signum;
    struct grpc_stats st;
    grpc_server_stats(server, &st);
    fprintf(stderr, "grpc_echo: answered %llu, refused %llu, refused connections %llu\n",
            (unsigned long long)st.answered, (unsigned long long)st.refused,
            (unsigned long long)st.refused_connections);
    uv_signal_stop(&sigterm);
    uv_signal_stop(&sigint);
    (void)s;
    grpc_server_close(server, closed, NULL);
}

int main(int argc, char **argv)
{
    int port = 0;
    struct grpc_limits lim = {0};
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--port") == 0)
            port = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--max-message") == 0)
            lim.max_message = (size_t)strtoull(argv[i + 1], NULL, 10);
        else {
            fprintf(stderr, "usage: grpc_echo [--port N] [--max-message BYTES]\n");
            return 2;
        }
    }
    uv_loop_t *loop = uv_default_loop();
    server = grpc_server_new(loop, &lim);
    grpc_server_method(server, "/grpc.echo.v1.Echo/Echo", echo, NULL);
    grpc_server_method(server, "/grpc.echo.v1.Echo/Later", later, loop);
    grpc_server_method(server, "/grpc.echo.v1.Echo/Fail", refuse, NULL);
    struct sockaddr_in addr;
    uv_ip4_addr("127.0.0.1", port, &addr);
    char err[256];
    if (grpc_server_listen(server, (const struct sockaddr *)&addr, err, sizeof err) != 0) {
        fprintf(stderr, "grpc_echo: cannot listen on port %d: %s\n", port, err);
        return 1;
    }
    printf("listening on %d\n", grpc_server_port(server));
    fflush(stdout);
    uv_signal_init(loop, &sigterm);
    uv_signal_init(loop, &sigint);
    uv_signal_start(&sigterm, on_signal, SIGTERM);
    uv_signal_start(&sigint, on_signal, SIGINT);
    uv_run(loop, UV_RUN_DEFAULT);
    return uv_loop_close(loop) == 0 ? 0 : 1;
}
