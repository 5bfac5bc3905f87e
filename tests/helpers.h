/* helpers.h - small things the cmocka tests share (header-only). */
#ifndef SPENDTOP_TEST_HELPERS_H
#define SPENDTOP_TEST_HELPERS_H

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

/* cmocka's fail() ends the test (it longjmps out), but its header does not
 * say so, and scan-build followed paths past it: `if (!c) fail_msg(...);`
 * then c->x read as a null dereference. */
#ifdef __clang_analyzer__
#undef fail
#define fail() abort()
#endif

/* |a - b| within rel relative (or both NAN). */
#define assert_close(a, b, rel)                                                 \
    do {                                                                        \
        double a_ = (a), b_ = (b);                                              \
        if (!(isnan(a_) && isnan(b_)) &&                                        \
            !(fabs(a_ - b_) <= (rel) * fmax(fabs(a_), fabs(b_)) + 1e-15))       \
            fail_msg("%s = %.12g, expected %.12g", #a, a_, b_);                 \
    } while (0)

#define assert_nan(a)                                                           \
    do {                                                                        \
        double a_ = (a);                                                        \
        if (!isnan(a_))                                                         \
            fail_msg("%s = %.12g, expected unknown (NAN)", #a, a_);             \
    } while (0)

/* A fresh directory under $TMPDIR; the caller removes it (rm_rf). */
static inline char *temp_dir(void)
{
    const char *base = getenv("TMPDIR");
    char *path = malloc(4096);
    snprintf(path, 4096, "%s/spendtop-test-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(path))
        fail_msg("mkdtemp failed");
    return path;
}

static inline void rm_rf(char *path)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0)
        fail_msg("cannot remove %s", path);
    free(path);
}

/* fmt is checked like printf's at every call */
__attribute__((format(printf, 2, 3)))
static inline void write_file(const char *path, const char *fmt, ...)
{
    FILE *f = fopen(path, "w");
    if (!f)
        fail_msg("cannot write %s", path);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
}

static inline void append_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "a");
    if (!f)
        fail_msg("cannot append to %s", path);
    fputs(text, f);
    fclose(f);
}

#endif
