/* toml.h - a TOML 1.0 parser.
 *
 * Hand-written because no C TOML library is packaged for Debian 12. It
 * parses a whole document into a tree that remembers where every key and
 * value came from, so that config errors can say FILE:LINE:COL.
 *
 * Conformance is checked by tests/toml_suite against the toml-test corpus
 * (TOML 1.0 file list); the few valid documents it does not decode exactly
 * are listed in tests/toml-skips.txt.
 *
 * Limits: integers are int64 (out of range is an error), floats are double,
 * key lookup is linear (documents are config files, not data sets).
 */
#ifndef SPENDTOP_TOML_H
#define SPENDTOP_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum toml_type {
    TOML_TABLE,
    TOML_ARRAY,
    TOML_STRING,
    TOML_INTEGER,
    TOML_FLOAT,
    TOML_BOOL,
    TOML_DATETIME,       /* offset date-time */
    TOML_DATETIME_LOCAL,
    TOML_DATE_LOCAL,
    TOML_TIME_LOCAL,
};

struct toml_datetime {
    int year, month, day;
    int hour, minute, second;
    long nanosecond;
    int frac_digits;     /* digits of fractional seconds as written */
    int offset_minutes;  /* TOML_DATETIME only; 0 for Z */
};

struct toml_value;

/* Parse len bytes of text. filename is used in error messages only. On
 * error returns NULL and writes "FILE:LINE:COL: message" into err. */
struct toml_value *toml_parse(const char *text, size_t len,
                              const char *filename, char *err, size_t errlen);
void toml_free(struct toml_value *root);

enum toml_type toml_type(const struct toml_value *v);
const char *toml_type_name(enum toml_type t);
/* Where the value starts in the document (1-based). */
int toml_line(const struct toml_value *v);
int toml_col(const struct toml_value *v);

/* Tables keep keys in document order. */
size_t toml_table_size(const struct toml_value *t);
const char *toml_table_key(const struct toml_value *t, size_t i);
size_t toml_table_key_len(const struct toml_value *t, size_t i);
int toml_table_key_line(const struct toml_value *t, size_t i);
int toml_table_key_col(const struct toml_value *t, size_t i);
const struct toml_value *toml_table_value(const struct toml_value *t, size_t i);
/* NULL if absent (or t is not a table). */
const struct toml_value *toml_table_get(const struct toml_value *t,
                                        const char *key);

size_t toml_array_size(const struct toml_value *a);
const struct toml_value *toml_array_at(const struct toml_value *a, size_t i);

/* Scalars; calling the wrong accessor for the type returns 0/NULL. */
const char *toml_string(const struct toml_value *v);
size_t toml_string_len(const struct toml_value *v);
int64_t toml_integer(const struct toml_value *v);
double toml_float(const struct toml_value *v);
bool toml_bool(const struct toml_value *v);
const struct toml_datetime *toml_datetime(const struct toml_value *v);
/* RFC 3339 text of a date/time value (e.g. "1979-05-27T07:32:00Z"). */
void toml_datetime_format(const struct toml_value *v, char *buf, size_t len);

#endif
