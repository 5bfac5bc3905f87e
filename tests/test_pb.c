/* test_pb.c - the protobuf wire-format reader and writer (lib/pb.h). */
#include "tests/helpers.h"

#include "lib/pb.h"
#include "lib/strbuf.h"

/* Bytes written as a C string literal: B("\x08\x96\x01") */
#define B(s) (const uint8_t *)(s), sizeof(s) - 1

struct one {
    struct pb_error err;
    struct pb_reader r;
    struct pb_field f;
};

/* The first field of buf, or -1 with the error in o->err. */
static int first(struct one *o, const uint8_t *buf, size_t len)
{
    pb_init(&o->r, buf, len, PB_MAX_DEPTH, &o->err);
    return pb_next(&o->r, &o->f);
}

static void test_varints_of_every_length_and_their_limits(void **state)
{
    (void)state;
    struct one o;
    /* the spec's example: 150 = 0x96 0x01 */
    assert_int_equal(first(&o, B("\x08\x96\x01")), 1);
    assert_int_equal(o.f.num, 1);
    assert_int_equal(o.f.wire, PB_VARINT);
    assert_int_equal(o.f.u, 150);
    /* 2^64 - 1 takes all 10 bytes; the 10th holds bit 63 only */
    assert_int_equal(first(&o, B("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01")), 1);
    assert_true(o.f.u == UINT64_MAX);
    /* a 10th byte above 1 would be bit 64 and up: overflow */
    assert_int_equal(first(&o, B("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02")), -1);
    assert_int_equal(o.err.code, PB_ERR_VARINT_OVERFLOW);
    /* an 11th byte: overlong, even if the value would fit */
    assert_int_equal(first(&o, B("\x08\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00")), -1);
    assert_int_equal(o.err.code, PB_ERR_VARINT_LONG);
    /* a non-minimal varint within 10 bytes is valid (the spec says so) */
    assert_int_equal(first(&o, B("\x08\x80\x80\x00")), 1);
    assert_int_equal(o.f.u, 0);
    /* an int32 of -1 is sign-extended to 10 bytes */
    assert_int_equal(first(&o, B("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01")), 1);
    assert_int_equal(pb_int32(o.f.u), -1);
    assert_int_equal(pb_int64(o.f.u), -1);
    /* zigzag: 0->0, 1->-1, 2->1, 3->-2 */
    assert_int_equal(pb_sint32(3), -2);
    assert_int_equal(pb_sint32(2), 1);
    assert_true(pb_sint64(UINT64_MAX) == INT64_MIN);
}

static void test_fixed_values_are_little_endian(void **state)
{
    (void)state;
    struct one o;
    assert_int_equal(first(&o, B("\x0d\x78\x56\x34\x12")), 1); /* 1:I32 */
    assert_int_equal(o.f.wire, PB_I32);
    assert_int_equal(o.f.u, 0x12345678);
    /* 1.5 as a double: 0x3FF8000000000000 */
    assert_int_equal(first(&o, B("\x09\x00\x00\x00\x00\x00\x00\xf8\x3f")), 1);
    assert_true(pb_double(o.f.u) == 1.5);
    /* -2.0f = 0xC0000000 */
    assert_int_equal(first(&o, B("\x0d\x00\x00\x00\xc0")), 1);
    assert_true(pb_float(o.f.u) == -2.0f);
}

static void test_strings_are_views_into_the_buffer(void **state)
{
    (void)state;
    struct one o;
    static const uint8_t msg[] = "\x12\x05hello\x1a\x00";
    assert_int_equal(first(&o, msg, sizeof msg - 1), 1);
    assert_int_equal(o.f.wire, PB_LEN);
    assert_ptr_equal(o.f.view.p, msg + 2); /* zero-copy */
    assert_int_equal(o.f.view.n, 5);
    assert_int_equal(pb_next(&o.r, &o.f), 1); /* an empty one */
    assert_int_equal(o.f.num, 3);
    assert_int_equal(o.f.view.n, 0);
    assert_int_equal(pb_next(&o.r, &o.f), 0);
}

static void test_a_length_past_the_end_is_refused(void **state)
{
    (void)state;
    struct one o;
    assert_int_equal(first(&o, B("\x12\x06hello")), -1);
    assert_int_equal(o.err.code, PB_ERR_LENGTH);
    assert_int_equal(o.err.field, 2);
    /* a huge length does not wrap the pointer arithmetic */
    assert_int_equal(first(&o, B("\x12\xff\xff\xff\xff\xff\xff\xff\x7f" "ab")), -1);
    assert_int_equal(o.err.code, PB_ERR_LENGTH);
    /* a sub-message's field is checked against the sub-message's end, not
     * against the buffer: here the inner length (4) fits in the buffer but
     * not in its 3-byte parent */
    static const uint8_t nested[] = "\x1a\x03\x0a\x04xyz\x08\x01";
    assert_int_equal(first(&o, nested, sizeof nested - 1), 1);
    struct pb_reader sub;
    struct pb_field g;
    assert_true(pb_sub(&o.r, &o.f, &sub));
    assert_int_equal(pb_next(&sub, &g), -1);
    assert_int_equal(o.err.code, PB_ERR_LENGTH);
    assert_int_equal(o.err.offset, 2); /* from the outer start */
}

static void test_bad_tags_are_refused(void **state)
{
    (void)state;
    struct one o;
    assert_int_equal(first(&o, B("\x00\x01")), -1); /* field 0 */
    assert_int_equal(o.err.code, PB_ERR_FIELD_NUMBER);
    assert_int_equal(first(&o, B("\x0e\x01")), -1); /* wire type 6 */
    assert_int_equal(o.err.code, PB_ERR_WIRE_TYPE);
    assert_int_equal(first(&o, B("\x0f\x01")), -1); /* wire type 7 */
    assert_int_equal(o.err.code, PB_ERR_WIRE_TYPE);
    /* field 2^29 - 1 is the largest; 2^29 is not */
    assert_int_equal(first(&o, B("\xf8\xff\xff\xff\x0f\x01")), 1);
    assert_int_equal(o.f.num, (1u << 29) - 1);
    assert_int_equal(first(&o, B("\x80\x80\x80\x80\x10\x01")), -1);
    assert_int_equal(o.err.code, PB_ERR_FIELD_NUMBER);
    /* errors stick: the reader does not resume past a bad field */
    assert_int_equal(pb_next(&o.r, &o.f), -1);
}

static void test_unknown_fields_of_every_wire_type_are_skipped(void **state)
{
    (void)state;
    /* 100 varint, 101 I64, 102 LEN, 103 a group (with a nested group and a
     * LEN inside), 104 I32, then field 1 = 7 */
    static const uint8_t msg[] =
        "\xa0\x06\x96\x01"
        "\xa9\x06\x01\x02\x03\x04\x05\x06\x07\x08"
        "\xb2\x06\x03" "abc"
        "\xbb\x06" "\x08\x01" "\x13" "\x12\x01z" "\x14" "\xbc\x06"
        "\xc5\x06\x01\x02\x03\x04"
        "\x08\x07";
    struct pb_error err;
    struct pb_reader r;
    struct pb_field f;
    pb_init(&r, msg, sizeof msg - 1, PB_MAX_DEPTH, &err);
    int n, known = -1;
    while ((n = pb_next(&r, &f)) == 1)
        if (f.num == 1 && pb_expect(&r, &f, PB_VARINT))
            known = (int)f.u;
    assert_int_equal(n, 0);
    assert_int_equal(known, 7);
}

static void test_groups_must_be_closed_by_their_own_end_tag(void **state)
{
    (void)state;
    struct one o;
    /* group 1 with field 2 = 5 inside */
    assert_int_equal(first(&o, B("\x0b\x10\x05\x0c")), 1);
    assert_int_equal(o.f.wire, PB_SGROUP);
    assert_int_equal(o.f.view.n, 2);
    assert_int_equal(first(&o, B("\x0b\x10\x05\x14")), -1); /* closed by group 2 */
    assert_int_equal(o.err.code, PB_ERR_GROUP);
    assert_int_equal(first(&o, B("\x0c")), -1);             /* stray end */
    assert_int_equal(o.err.code, PB_ERR_GROUP);
    assert_int_equal(first(&o, B("\x0b\x10\x05")), -1);     /* never closed */
    assert_int_equal(o.err.code, PB_ERR_TRUNCATED);
    /* nested groups count against the depth limit */
    struct strbuf b = {0};
    for (int i = 0; i < 40; i++)
        pb_put_tag(&b, 1, PB_SGROUP);
    for (int i = 0; i < 40; i++)
        pb_put_tag(&b, 1, PB_EGROUP);
    assert_int_equal(first(&o, (const uint8_t *)b.s, b.len), -1);
    assert_int_equal(o.err.code, PB_ERR_DEPTH);
    strbuf_free(&b);
}

static void test_a_known_field_with_the_wrong_wire_type_is_refused(void **state)
{
    (void)state;
    struct one o;
    /* field 7 expected as I64 (a fixed64 time) arrives as a varint */
    assert_int_equal(first(&o, B("\x08\x01\x38\x05")), 1);
    assert_int_equal(pb_next(&o.r, &o.f), 1);
    assert_false(pb_expect(&o.r, &o.f, PB_I64));
    assert_int_equal(o.err.code, PB_ERR_WIRE_MISMATCH);
    assert_int_equal(o.err.field, 7);
    assert_int_equal(o.err.offset, 2);
    char msg[128];
    pb_format_error(&o.err, msg, sizeof msg);
    assert_string_equal(msg, "unexpected wire type for the field (field 7 at byte 2)");
    /* a sub-message expected, a varint found */
    struct pb_reader sub;
    assert_int_equal(first(&o, B("\x08\x01")), 1);
    assert_false(pb_sub(&o.r, &o.f, &sub));
    assert_int_equal(o.err.code, PB_ERR_WIRE_MISMATCH);
}

/* Read every field of a message, descending into field 3 (a sub-message
 * in the test below). 0 if it ended cleanly, -1 if refused. */
static int walk(struct pb_reader *r)
{
    struct pb_field f;
    int n;
    while ((n = pb_next(r, &f)) == 1) {
        if (f.num == 3) {
            struct pb_reader sub;
            if (!pb_sub(r, &f, &sub) || walk(&sub) < 0)
                return -1;
        }
    }
    return n;
}

static void test_truncation_at_every_byte_is_refused(void **state)
{
    (void)state;
    /* every wire type, a sub-message and a group */
    struct strbuf inner = {0}, b = {0};
    pb_put_uint(&inner, 1, 300);
    pb_put_bytes(&inner, 2, "gen_ai", 6);
    pb_put_uint(&b, 1, 1ull << 40);
    pb_put_fixed64(&b, 2, 0x1122334455667788ull);
    pb_put_bytes(&b, 3, inner.s, inner.len);
    pb_put_fixed32(&b, 4, 7);
    pb_put_tag(&b, 5, PB_SGROUP);
    pb_put_uint(&b, 1, 9);
    pb_put_tag(&b, 5, PB_EGROUP);
    pb_put_bytes(&b, 6, "", 0);
    /* the offsets where a top-level field starts: a cut there is a shorter
     * valid message; anywhere else it must be refused */
    bool boundary[256] = {false};
    struct pb_error err;
    struct pb_reader r;
    struct pb_field f;
    pb_init(&r, b.s, b.len, PB_MAX_DEPTH, &err);
    while (pb_next(&r, &f) == 1)
        boundary[f.offset] = true;
    boundary[b.len] = true;
    assert_true(b.len < sizeof boundary);
    for (size_t k = 0; k <= b.len; k++) {
        /* a copy of exactly k bytes, so ASan catches any read past it */
        uint8_t *cut = malloc(k ? k : 1);
        memcpy(cut, b.s, k);
        pb_init(&r, cut, k, PB_MAX_DEPTH, &err);
        int rc = walk(&r);
        if (boundary[k]) {
            assert_int_equal(rc, 0);
        } else {
            if (rc != -1)
                fail_msg("a cut at byte %zu of %zu was accepted", k, b.len);
            assert_true(err.code == PB_ERR_TRUNCATED || err.code == PB_ERR_LENGTH);
        }
        free(cut);
    }
    strbuf_free(&inner);
    strbuf_free(&b);
}

static void test_nesting_deeper_than_the_limit_is_refused(void **state)
{
    (void)state;
    /* depth d: field 3 holding field 3 holding ... d times */
    for (unsigned d = 3; d <= 5; d++) {
        struct strbuf b = {0};
        for (unsigned i = 0; i < d; i++) {
            struct strbuf outer = {0};
            pb_put_bytes(&outer, 3, b.s, b.len);
            strbuf_free(&b);
            b = outer;
        }
        struct pb_error err;
        struct pb_reader r;
        pb_init(&r, b.s, b.len, 4, &err);
        int rc = walk(&r);
        if (d <= 4) {
            assert_int_equal(rc, 0);
        } else {
            assert_int_equal(rc, -1);
            assert_int_equal(err.code, PB_ERR_DEPTH);
        }
        strbuf_free(&b);
    }
}

static void test_repeated_scalars_packed_or_not(void **state)
{
    (void)state;
    struct strbuf b = {0};
    /* field 6: packed fixed64 {1, 2}, then an unpacked 3; field 2: packed
     * varints {150, 1} */
    char le[16] = {1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0};
    pb_put_bytes(&b, 6, le, 16);
    pb_put_fixed64(&b, 6, 3);
    pb_put_bytes(&b, 2, "\x96\x01\x01", 3);
    struct pb_error err;
    struct pb_reader r;
    struct pb_field f;
    pb_init(&r, b.s, b.len, PB_MAX_DEPTH, &err);
    uint64_t got[8] = {0}, v;
    int n = 0;
    while (pb_next(&r, &f) == 1) {
        struct pb_packed it;
        assert_true(pb_packed_init(&r, &f, f.num == 6 ? PB_I64 : PB_VARINT, &it));
        while (n < 8 && pb_packed_next(&it, &v) == 1)
            got[n++] = v;
    }
    assert_int_equal(n, 5);
    assert_int_equal(got[0], 1);
    assert_int_equal(got[1], 2);
    assert_int_equal(got[2], 3);
    assert_int_equal(got[3], 150);
    assert_int_equal(got[4], 1);
    /* packed fixed64 whose length is not a multiple of 8 */
    struct one o;
    assert_int_equal(first(&o, B("\x32\x07" "1234567")), 1);
    struct pb_packed it;
    assert_false(pb_packed_init(&o.r, &o.f, PB_I64, &it));
    assert_int_equal(o.err.code, PB_ERR_PACKED);
    /* a varint cut inside a packed run */
    assert_int_equal(first(&o, B("\x12\x02\x01\x96")), 1);
    assert_true(pb_packed_init(&o.r, &o.f, PB_VARINT, &it));
    assert_int_equal(pb_packed_next(&it, &v), 1);
    assert_int_equal(pb_packed_next(&it, &v), -1);
    assert_int_equal(o.err.code, PB_ERR_TRUNCATED);
    /* a repeated fixed64 sent as a varint is the wrong wire type */
    assert_int_equal(first(&o, B("\x30\x01")), 1);
    assert_false(pb_packed_init(&o.r, &o.f, PB_I64, &it));
    assert_int_equal(o.err.code, PB_ERR_WIRE_MISMATCH);
    strbuf_free(&b);
}

static void test_what_is_written_reads_back(void **state)
{
    (void)state;
    struct strbuf b = {0};
    pb_put_uint(&b, 1, 0);
    pb_put_uint(&b, 2, UINT64_MAX);
    pb_put_double(&b, 3, -0.25);
    pb_put_fixed32(&b, 4, 0xdeadbeef);
    pb_put_bytes(&b, 536870911, "x", 1);
    struct pb_error err;
    struct pb_reader r;
    struct pb_field f;
    pb_init(&r, b.s, b.len, PB_MAX_DEPTH, &err);
    assert_int_equal(pb_next(&r, &f), 1);
    assert_int_equal(f.u, 0);
    assert_int_equal(pb_next(&r, &f), 1);
    assert_true(f.u == UINT64_MAX);
    assert_int_equal(b.s[3], (char)0xff); /* field 1 (2 bytes), tag, 9 x 0xff, 0x01 */
    assert_int_equal(pb_next(&r, &f), 1);
    assert_true(pb_double(f.u) == -0.25);
    assert_int_equal(pb_next(&r, &f), 1);
    assert_int_equal(f.u, 0xdeadbeef);
    assert_int_equal(pb_next(&r, &f), 1);
    assert_int_equal(f.num, 536870911);
    assert_memory_equal(f.view.p, "x", 1);
    assert_int_equal(pb_next(&r, &f), 0);
    strbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_varints_of_every_length_and_their_limits),
        cmocka_unit_test(test_fixed_values_are_little_endian),
        cmocka_unit_test(test_strings_are_views_into_the_buffer),
        cmocka_unit_test(test_a_length_past_the_end_is_refused),
        cmocka_unit_test(test_bad_tags_are_refused),
        cmocka_unit_test(test_unknown_fields_of_every_wire_type_are_skipped),
        cmocka_unit_test(test_groups_must_be_closed_by_their_own_end_tag),
        cmocka_unit_test(test_a_known_field_with_the_wrong_wire_type_is_refused),
        cmocka_unit_test(test_truncation_at_every_byte_is_refused),
        cmocka_unit_test(test_nesting_deeper_than_the_limit_is_refused),
        cmocka_unit_test(test_repeated_scalars_packed_or_not),
        cmocka_unit_test(test_what_is_written_reads_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
