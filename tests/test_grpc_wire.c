/* test_grpc_wire.c - the gRPC message framing, byte by byte: the prefix in
 * any split, the limits decided before the bytes are kept, gzip inflated
 * to a hard cap, grpc-message percent-encoded. */
#include "tests/helpers.h"

#include <stdbool.h>
#include <stdint.h>
#include <zlib.h>

#include "lib/grpc_wire.h"

static size_t gzip_into(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    deflateEnd(&z);
    return cap - z.avail_out;
}

/* Feed data one byte at a time, then finish. */
static int read_bytewise(const uint8_t *data, size_t n, size_t max, bool gzip, uint8_t **msg,
                         size_t *len, const char **error)
{
    struct grpc_reader r;
    grpc_reader_init(&r, max, gzip);
    for (size_t i = 0; i < n; i++)
        grpc_reader_feed(&r, data + i, 1);
    int status = grpc_reader_finish(&r, msg, len);
    *error = r.error;
    grpc_reader_free(&r);
    return status;
}

static void test_a_message_arrives_in_any_split(void **state)
{
    (void)state;
    static const uint8_t body[] = {0, 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'};
    uint8_t *msg;
    size_t len;
    const char *error;
    assert_int_equal(read_bytewise(body, sizeof body, 100, false, &msg, &len, &error), GRPC_OK);
    assert_int_equal(len, 5);
    assert_memory_equal(msg, "hello", 5);
    free(msg);
    /* and all at once */
    struct grpc_reader r;
    grpc_reader_init(&r, 100, false);
    assert_int_equal(grpc_reader_feed(&r, body, sizeof body), GRPC_OK);
    assert_int_equal(grpc_reader_finish(&r, &msg, &len), GRPC_OK);
    assert_memory_equal(msg, "hello", 5);
    free(msg);
    grpc_reader_free(&r);
}

static void test_an_empty_message_is_one_message(void **state)
{
    (void)state;
    static const uint8_t body[] = {0, 0, 0, 0, 0};
    uint8_t *msg;
    size_t len = 99;
    const char *error;
    assert_int_equal(read_bytewise(body, sizeof body, 100, false, &msg, &len, &error), GRPC_OK);
    assert_int_equal(len, 0);
    assert_null(msg);
}

static void test_a_length_above_the_limit_is_refused_from_the_prefix(void **state)
{
    (void)state;
    /* 101 bytes declared, limit 100: refused with only the prefix read,
     * and nothing kept of what follows */
    uint8_t body[5 + 101] = {0, 0, 0, 0, 101};
    struct grpc_reader r;
    grpc_reader_init(&r, 100, false);
    assert_int_equal(grpc_reader_feed(&r, body, 5), GRPC_RESOURCE_EXHAUSTED);
    assert_int_equal(grpc_reader_feed(&r, body + 5, 101), GRPC_RESOURCE_EXHAUSTED);
    assert_null(r.buf);
    assert_int_equal(r.len, 0);
    grpc_reader_free(&r);
    /* exactly 100 is fine */
    body[4] = 100;
    uint8_t *msg;
    size_t len;
    const char *error;
    assert_int_equal(read_bytewise(body, 105, 100, false, &msg, &len, &error), GRPC_OK);
    assert_int_equal(len, 100);
    free(msg);
}

static void test_memory_follows_the_bytes_not_the_declared_length(void **state)
{
    (void)state;
    /* 4 MiB declared, 10 bytes sent */
    uint8_t body[15] = {0, 0, 0x40, 0, 0};
    struct grpc_reader r;
    grpc_reader_init(&r, 4 << 20, false);
    assert_int_equal(grpc_reader_feed(&r, body, sizeof body), GRPC_OK);
    assert_true(r.cap <= 4096);
    uint8_t *msg;
    size_t len;
    assert_int_equal(grpc_reader_finish(&r, &msg, &len), GRPC_INTERNAL);
    assert_string_equal(r.error, "the request ended inside its message");
    grpc_reader_free(&r);
}

struct framing_case {
    const char *what;
    const uint8_t *body;
    size_t len;
    bool gzip;
    const char *error;
};

static void test_broken_framing_is_internal(void **state)
{
    (void)state;
    static const uint8_t flag2[] = {2, 0, 0, 0, 1, 'x'};
    static const uint8_t two[] = {0, 0, 0, 0, 1, 'x', 0, 0, 0, 0, 1, 'y'};
    static const uint8_t half_prefix[] = {0, 0, 0};
    static const uint8_t compressed[] = {1, 0, 0, 0, 1, 'x'};
    static const uint8_t junk[] = {1, 0, 0, 0, 4, 'j', 'u', 'n', 'k'};
    static const struct framing_case cases[] = {
        {"flag 2", flag2, sizeof flag2, true, "the message's compressed flag is neither 0 nor 1"},
        {"two", two, sizeof two, false, "a unary call carries one request message, not more"},
        {"nothing", NULL, 0, false, "the request carries no message"},
        {"half a prefix", half_prefix, sizeof half_prefix, false,
         "the request ended inside its message"},
        {"flag 1, identity", compressed, sizeof compressed, false,
         "a compressed message on a call without grpc-encoding"},
        {"not gzip", junk, sizeof junk, true, "the message is not valid gzip"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t *msg;
        size_t len;
        const char *error;
        int status = read_bytewise(cases[i].body, cases[i].len, 100, cases[i].gzip, &msg, &len,
                                   &error);
        if (status != GRPC_INTERNAL || strcmp(error, cases[i].error) != 0) {
            print_error("%s: status %d, %s\n", cases[i].what, status, error);
            fail();
        }
        assert_null(msg);
    }
}

static void test_gzip_is_inflated_up_to_the_limit_and_no_further(void **state)
{
    (void)state;
    /* 1 MiB of zeros compress to ~1 KiB */
    size_t n = 1 << 20;
    uint8_t *zeros = calloc(1, n);
    uint8_t z[8192];
    size_t zlen = gzip_into(zeros, n, z, sizeof z);
    uint8_t *out;
    size_t outlen;
    const char *why;
    assert_int_equal(grpc_gunzip(z, zlen, n, &out, &outlen, &why), GRPC_OK);
    assert_int_equal(outlen, n);
    assert_memory_equal(out, zeros, n);
    free(out);
    /* one byte less allowed: refused, having inflated at most limit + 1 */
    assert_int_equal(grpc_gunzip(z, zlen, n - 1, &out, &outlen, &why), GRPC_RESOURCE_EXHAUSTED);
    assert_null(out);
    assert_string_equal(why, "the inflated message is larger than the server's maximum message size");
    /* cut short: truncated */
    assert_int_equal(grpc_gunzip(z, zlen - 4, n, &out, &outlen, &why), GRPC_INTERNAL);
    assert_string_equal(why, "the gzip message is truncated");
    /* two gzip members are one message (RFC 1952) */
    uint8_t two[64];
    size_t a = gzip_into((const uint8_t *)"ab", 2, two, sizeof two);
    size_t b = gzip_into((const uint8_t *)"cd", 2, two + a, sizeof two - a);
    assert_int_equal(grpc_gunzip(two, a + b, 100, &out, &outlen, &why), GRPC_OK);
    assert_int_equal(outlen, 4);
    assert_memory_equal(out, "abcd", 4);
    free(out);
    free(zeros);
}

static void test_a_gzip_message_through_the_reader(void **state)
{
    (void)state;
    uint8_t body[128];
    size_t zlen = gzip_into((const uint8_t *)"compressed hello", 16, body + 5, sizeof body - 5);
    body[0] = 1;
    body[1] = body[2] = body[3] = 0;
    body[4] = (uint8_t)zlen;
    uint8_t *msg;
    size_t len;
    const char *error;
    assert_int_equal(read_bytewise(body, 5 + zlen, 100, true, &msg, &len, &error), GRPC_OK);
    assert_int_equal(len, 16);
    assert_memory_equal(msg, "compressed hello", 16);
    free(msg);
    /* inflating past the limit: the cap is the same max_message */
    assert_int_equal(read_bytewise(body, 5 + zlen, 15, true, &msg, &len, &error),
                     GRPC_RESOURCE_EXHAUSTED);
}

static void test_the_prefix_is_big_endian(void **state)
{
    (void)state;
    uint8_t p[5];
    grpc_prefix_write(p, 0x01020304);
    static const uint8_t want[] = {0, 1, 2, 3, 4};
    assert_memory_equal(p, want, 5);
}

static void test_grpc_message_is_percent_encoded_and_cut_whole(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(grpc_message_encode("50% off\r\n", out, sizeof out), 15);
    assert_string_equal(out, "50%25 off%0D%0A");
    /* UTF-8 is encoded byte by byte: é is C3 A9 */
    grpc_message_encode("caf\xc3\xa9", out, sizeof out);
    assert_string_equal(out, "caf%C3%A9");
    /* a cut never splits a character: "ab" + é needs 2 + 6 bytes + NUL */
    assert_int_equal(grpc_message_encode("ab\xc3\xa9", out, 8), 2);
    assert_string_equal(out, "ab");
    assert_int_equal(grpc_message_encode("ab\xc3\xa9", out, 9), 8);
    /* nor an escape */
    assert_int_equal(grpc_message_encode("a%", out, 4), 1);
    assert_string_equal(out, "a");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_message_arrives_in_any_split),
        cmocka_unit_test(test_an_empty_message_is_one_message),
        cmocka_unit_test(test_a_length_above_the_limit_is_refused_from_the_prefix),
        cmocka_unit_test(test_memory_follows_the_bytes_not_the_declared_length),
        cmocka_unit_test(test_broken_framing_is_internal),
        cmocka_unit_test(test_gzip_is_inflated_up_to_the_limit_and_no_further),
        cmocka_unit_test(test_a_gzip_message_through_the_reader),
        cmocka_unit_test(test_the_prefix_is_big_endian),
        cmocka_unit_test(test_grpc_message_is_percent_encoded_and_cut_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
