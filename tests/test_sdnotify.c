/* test_sdnotify.c - the service manager's notification socket, spoken to
 * by a real AF_UNIX datagram socket standing in for systemd. */
#include "tests/helpers.h"

#include <errno.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "lib/sdnotify.h"

/* A datagram socket bound at path (or, with a leading '@', in the
 * abstract namespace), as systemd binds NOTIFY_SOCKET. */
static int listen_at(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    size_t len = strlen(path);
    memcpy(addr.sun_path, path, len);
    if (path[0] == '@')
        addr.sun_path[0] = '\0';
    assert_int_equal(bind(fd, (struct sockaddr *)&addr,
                          (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)), 0);
    return fd;
}

static void receive(int fd, char *buf, size_t len)
{
    ssize_t n = recv(fd, buf, len - 1, MSG_DONTWAIT);
    assert_true(n >= 0);
    buf[n] = '\0';
}

static void test_states_reach_a_socket_named_by_its_path(void **state)
{
    (void)state;
    char *dir = temp_dir();
    char path[4200];
    snprintf(path, sizeof path, "%s/notify", dir);
    int fd = listen_at(path);
    setenv("NOTIFY_SOCKET", path, 1);
    assert_int_equal(sdnotify_send("READY=1\nSTATUS=collecting from 2 sources"), 1);
    char got[256];
    receive(fd, got, sizeof got);
    assert_string_equal(got, "READY=1\nSTATUS=collecting from 2 sources");
    close(fd);
    unsetenv("NOTIFY_SOCKET");
    rm_rf(dir);
}

static void test_states_reach_an_abstract_socket(void **state)
{
    (void)state;
    char name[64];
    snprintf(name, sizeof name, "@spendtop-test-%d", (int)getpid());
    int fd = listen_at(name);
    setenv("NOTIFY_SOCKET", name, 1);
    assert_int_equal(sdnotify_send("WATCHDOG=1"), 1);
    char got[64];
    receive(fd, got, sizeof got);
    assert_string_equal(got, "WATCHDOG=1");
    close(fd);
    unsetenv("NOTIFY_SOCKET");
}

static void test_without_a_socket_nothing_is_sent_and_nothing_fails(void **state)
{
    (void)state;
    unsetenv("NOTIFY_SOCKET");
    assert_int_equal(sdnotify_send("READY=1"), 0);
    setenv("NOTIFY_SOCKET", "relative/path", 1);
    assert_int_equal(sdnotify_send("READY=1"), -EINVAL);
    setenv("NOTIFY_SOCKET", "/nonexistent/spendtop/notify", 1);
    assert_true(sdnotify_send("READY=1") < 0);
    unsetenv("NOTIFY_SOCKET");
}

static void test_the_watchdog_interval_is_this_process_s_only(void **state)
{
    (void)state;
    unsetenv("WATCHDOG_PID");
    unsetenv("WATCHDOG_USEC");
    assert_int_equal(sdnotify_watchdog_usec(), 0);
    setenv("WATCHDOG_USEC", "30000000", 1);
    assert_int_equal(sdnotify_watchdog_usec(), 30000000);
    char pid[32];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    setenv("WATCHDOG_PID", pid, 1);
    assert_int_equal(sdnotify_watchdog_usec(), 30000000);
    /* inherited from a parent the watchdog is for */
    snprintf(pid, sizeof pid, "%d", (int)getpid() + 1);
    setenv("WATCHDOG_PID", pid, 1);
    assert_int_equal(sdnotify_watchdog_usec(), 0);
    unsetenv("WATCHDOG_PID");
    setenv("WATCHDOG_USEC", "30s", 1);
    assert_int_equal(sdnotify_watchdog_usec(), 0);
    unsetenv("WATCHDOG_USEC");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_states_reach_a_socket_named_by_its_path),
        cmocka_unit_test(test_states_reach_an_abstract_socket),
        cmocka_unit_test(test_without_a_socket_nothing_is_sent_and_nothing_fails),
        cmocka_unit_test(test_the_watchdog_interval_is_this_process_s_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
