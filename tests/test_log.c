/* test_log.c - the log's lines on stderr, plain and for the journal. */
#include "tests/helpers.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "lib/log.h"

/* Log one line of each level with stderr on a fresh file, JOURNAL_STREAM
 * set to journal_stream (NULL: unset, "match": the file's own dev:ino);
 * the file's text into out. */
static void log_to_file(const char *journal_stream, char *out, size_t len)
{
    char *dir = temp_dir();
    char path[4200];
    snprintf(path, sizeof path, "%s/stderr", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    if (journal_stream && strcmp(journal_stream, "match") == 0) {
        char value[64];
        snprintf(value, sizeof value, "%llu:%llu", (unsigned long long)st.st_dev,
                 (unsigned long long)st.st_ino);
        setenv("JOURNAL_STREAM", value, 1);
    } else if (journal_stream) {
        setenv("JOURNAL_STREAM", journal_stream, 1);
    } else {
        unsetenv("JOURNAL_STREAM");
    }
    log_set_ident("spendtop");
    log_msg(LOG_ERROR, "disk %s", "full");
    log_msg(LOG_WARN, "slow");
    log_msg(LOG_INFO, "line\nbreak");
    fflush(stderr);
    assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
    close(saved);
    unsetenv("JOURNAL_STREAM");
    log_set_ident("spendtop");
    ssize_t n = pread(fd, out, len - 1, 0);
    assert_true(n >= 0);
    out[n] = '\0';
    close(fd);
    rm_rf(dir);
}

static void test_plain_lines_name_the_program_and_the_level(void **state)
{
    (void)state;
    char text[1024];
    log_to_file(NULL, text, sizeof text);
    assert_string_equal(text, "spendtop: error: disk full\n"
                              "spendtop: warn: slow\n"
                              "spendtop: info: line\\x0abreak\n");
}

static void test_the_journal_gets_syslog_priorities(void **state)
{
    (void)state;
    char text[1024];
    log_to_file("match", text, sizeof text);
    /* <3> err, <4> warning, <6> info (sd-daemon.h's SD_ERR ...) */
    assert_string_equal(text, "<3>disk full\n<4>slow\n<6>line\\x0abreak\n");
}

static void test_a_journal_stream_that_is_not_stderr_is_ignored(void **state)
{
    (void)state;
    char text[1024];
    /* inherited from a parent whose stderr was the journal, redirected since */
    log_to_file("1:1", text, sizeof text);
    assert_string_equal(text, "spendtop: error: disk full\n"
                              "spendtop: warn: slow\n"
                              "spendtop: info: line\\x0abreak\n");
    log_to_file("garbage", text, sizeof text);
    assert_non_null(strstr(text, "spendtop: warn: slow\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_lines_name_the_program_and_the_level),
        cmocka_unit_test(test_the_journal_gets_syslog_priorities),
        cmocka_unit_test(test_a_journal_stream_that_is_not_stderr_is_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
