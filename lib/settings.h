/* settings.h - typed settings from a TOML table, driven by a table of keys.
 *
 * A key table describes one TOML table the way tmux's options table or
 * htop's field tables describe theirs: one row per key with its name, its
 * type, its default, a one-line doc and where its value lands (an offset
 * into the owner's settings struct). From that one row:
 *   - settings_defaults fills a struct with every default,
 *   - settings_load fills it from a parsed table and reports every problem
 *     as "FILE:LINE:COL: message" (type errors name the type the row
 *     wants; unknown keys get a did-you-mean, settings_check_unknown),
 *   - settings_write_example prints the table as documented TOML
 *     (config.example.toml is made of these).
 * Defaults are TOML text ("1.5", "\"5m\"", "[\"1h\", \"24h\"]") read by the
 * same code as the user's config: the default the program runs on and the
 * one the example shows cannot differ.
 *
 * Nothing here knows what the settings mean: each owner (a source type, an
 * alert kind, a config section) keeps its own struct and its own table.
 * Rows run in table order, so a row's check may look at the rows above it.
 */
#ifndef SPENDTOP_SETTINGS_H
#define SPENDTOP_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/strbuf.h"
#include "lib/toml.h"

/* Where problems go. Start with nerrors = 0; errors NULL only counts. */
struct settings_ctx {
    const char *file;
    struct strbuf *errors;
    int nerrors;
};

enum setting_type {
    SETTING_STRING,         /* char * (owned; no NUL inside) */
    SETTING_ENV,            /* char *: the name of an environment variable */
    SETTING_HOSTPORT,       /* char *: "HOST:PORT" */
    SETTING_LIST,           /* char ** (NULL-terminated, so an argv) + size_t
                              count at count_offset: an array of strings */
    SETTING_STRING_OR_LIST, /* the same; one string is a list of one */
    SETTING_NAMES,          /* the same, each one of names (noun: what a name is) */
    SETTING_ENUM,           /* const char *: the entry of names given (not owned) */
    SETTING_INT,            /* int64_t in [imin, imax] */
    SETTING_DURATION,       /* int64_t seconds ("30s", "5m", "1h30m"), in [imin, imax] */
    SETTING_FLOAT,          /* double in [min, max]; integers are accepted */
    SETTING_BOOL,           /* bool */
    SETTING_MAP,            /* a table of strings: char ** keys at offset, char **
                              values at value_offset, size_t count at count_offset */
    SETTING_CUSTOM,         /* parse (and release) do everything */
    SETTING_INCLUDE,        /* the rows of include, for the struct at offset */
};

struct setting;

/* A check on a value that loaded: report problems with settings_error.
 * settings is the struct the row's value landed in. */
typedef void (*setting_check_fn)(struct settings_ctx *c, const struct toml_value *v,
                                 void *settings);
/* SETTING_CUSTOM: read v into settings; false (with the problem reported)
 * leaves settings as they were. */
typedef bool (*setting_parse_fn)(struct settings_ctx *c, const struct setting *k,
                                 const struct toml_value *v, void *settings);
/* SETTING_CUSTOM: free what parse allocated in settings. */
typedef void (*setting_release_fn)(const struct setting *k, void *settings);

struct setting {
    const char *name;
    enum setting_type type;
    size_t offset;                  /* where the value lands */
    size_t value_offset;            /* SETTING_MAP: where the values land */
    size_t count_offset;            /* lists and maps: where the count lands */
    const char *def;                /* the default as TOML text; NULL = none */
    const char *example;            /* TOML text shown when there is no default;
                                       with a newline: a block shown as is */
    const char *doc;                /* one line, for the example */
    int64_t imin, imax;             /* SETTING_INT, SETTING_DURATION */
    double min, max;                /* SETTING_FLOAT */
    const char *const *names;       /* SETTING_ENUM, SETTING_NAMES: NULL-terminated
                                       (SETTING_CUSTOM: shown in its doc) */
    const char *noun;               /* SETTING_NAMES: "alert kind" */
    bool required;                  /* "X needs a 'name'" when absent ... */
    const char *need;               /* ... followed by " (need)" if set */
    setting_check_fn check;
    setting_parse_fn parse;          /* SETTING_CUSTOM */
    setting_release_fn release;      /* SETTING_CUSTOM, optional */
    const struct setting *include; /* SETTING_INCLUDE */
};

/* Every row's default into settings (zeroed by the caller). A default that
 * does not load is a bug in the table: it aborts, naming the row. */
void settings_defaults(const struct setting *keys, void *settings);
/* Every key of tbl in order: a missing required key, a type or range error,
 * a failed check, each reported; what names the table for "X needs a 'k'"
 * ("[[tenant]]", "source 'billing'"). Unknown keys are not looked at. */
void settings_load(struct settings_ctx *c, const struct toml_value *tbl,
                   const struct setting *keys, void *settings, const char *what);
/* One row of keys (named key; it must exist), as settings_load does it. */
void settings_load_key(struct settings_ctx *c, const struct toml_value *tbl,
                       const struct setting *keys, const char *key, void *settings,
                       const char *what);
/* One value v by row k (not an include) into settings, without its
 * check: true if it loaded. For custom rows made of other rows. */
bool settings_load_value(struct settings_ctx *c, const struct setting *k,
                         const struct toml_value *v, void *settings);
/* Report each key of tbl that is in none of tables (n of them), with the
 * nearest known key when one is close: "unknown key 'x' in WHERE". */
void settings_check_unknown(struct settings_ctx *c, const struct toml_value *tbl,
                            const struct setting *const *tables, size_t n,
                            const char *where);
/* Whether every row has the same value in a and b (strings and lists by
 * content; NAN equals NAN). A SETTING_CUSTOM row is never known to be
 * equal: false. */
bool settings_equal(const struct setting *keys, const void *a, const void *b);
/* Free what the rows own in settings (not settings itself). */
void settings_free(const struct setting *keys, void *settings);
/* The row named key (searching includes); NULL if none. *settings_offset
 * (if not NULL) gets the offset of the struct that row's offset is in. */
const struct setting *settings_find(const struct setting *keys, const char *key,
                                    size_t *settings_offset);

/* Example TOML for the rows: "name = default   # doc" (or, with no
 * default, the example commented out), docs wrapped at 80 columns from
 * column doc_col. commented: every line starts with "# " (a section to
 * copy and uncomment). Rows whose value is a block come last. */
void settings_write_example(const struct setting *keys, bool commented, int doc_col,
                            struct strbuf *out);
/* One row's example (not an include), as settings_write_example does it. */
void settings_write_key(struct strbuf *out, const struct setting *k, bool commented,
                        int doc_col);
/* text as comment lines ("# ..."), wrapped at 80 columns. */
void settings_write_comment(struct strbuf *out, const char *text);
/* One example line: "key = value", the doc from doc_col, wrapped. */
void settings_write_line(struct strbuf *out, bool commented, const char *assign,
                         const char *doc, int doc_col);

/* ---- for owners' own checks ------------------------------------------------------ */

void settings_error(struct settings_ctx *c, const struct toml_value *v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void settings_error_at(struct settings_ctx *c, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The value of key in tbl if it is of type t (a float also takes an
 * integer); else NULL, with "'key' must be WHAT, not TYPE" when present. */
const struct toml_value *settings_want(struct settings_ctx *c, const struct toml_value *tbl,
                                       const char *key, enum toml_type t, const char *what);
/* The entry of allowed (NULL-terminated) that word was probably meant to
 * be: a word cut short, or a few edits away. NULL if none is close. */
const char *settings_near(const char *word, const char *const *allowed);
/* names joined for people: quote each with quote, sep between, last before
 * the last ("\"1h\", \"6h\" or \"24h\""). */
void settings_join(struct strbuf *out, const char *const *names, const char *quote,
                   const char *sep, const char *last);

#endif
