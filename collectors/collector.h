/* collector.h - one source of usage behind one small interface.
 *
 * Each source type (otel_file, demo, ...) is one file that fills one const
 * struct source_type - its name, its config keys (with type, default and
 * doc), its settings struct, its collector_ops - and is one line in the
 * registry in sources.c; nothing else changes to add a source (the
 * config, its checks and config.example.toml follow from the entry). A
 * type's settings struct starts with struct source_settings, the keys
 * every [[source]] has. A collector runs on the libuv loop
 * and never blocks it; it hands struct usage records to its sink (it never
 * touches the store) and keeps its struct source_status up to date.
 *
 * Lifecycle: collector_new -> ops->start (or ops->run_once for --once)
 * -> ops->stop, whose callback fires when every handle is closed
 * -> collector_free.
 */
#ifndef SPENDTOP_COLLECTOR_H
#define SPENDTOP_COLLECTOR_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "core/source.h"
#include "core/usage.h"
#include "lib/settings.h"
#include "lib/toml.h"

struct http;
struct collector_ops;
struct source_type;

/* What every [[source]] has; each type's settings begin with it. */
struct source_settings {
    char *name;
    const struct source_type *type;  /* NULL only in a config that failed */
    int line;                        /* where its [[source]] starts */
};

struct source_type {
    const char *name;                /* type = "otel_file" */
    const char *doc;                 /* what it reads, for config.example.toml */
    const char *example_name;        /* name = "spans" in that example */
    /* Its keys beyond name and type; offsets into its settings struct of
     * settings_size bytes, which begins with struct source_settings. */
    const struct setting *keys;
    size_t settings_size;
    /* Checks across keys once each has loaded (optional). */
    void (*validate)(struct settings_ctx *c, const struct toml_value *tbl,
                     const struct source_settings *s);
    const struct collector_ops *ops;
    const void *data;                /* the type's own (a usage API's provider) */
};

struct collector;
typedef void (*collector_cb)(struct collector *c);

struct collector_ops {
    /* Allocate c->impl from c->cfg (the type's settings); no I/O. 0, or
     * -1 with a message. */
    int (*init)(struct collector *c, char *err, size_t errlen);
    /* Begin collecting on the loop. */
    void (*start)(struct collector *c);
    /* Collect now instead of at the next tick. */
    void (*poll_now)(struct collector *c);
    /* Collect everything available now, then call done once (--once). */
    void (*run_once)(struct collector *c, collector_cb done);
    /* Close every handle; closed is called once all are closed. */
    void (*stop)(struct collector *c, collector_cb closed);
    /* Free c->impl (after stop has completed, or if never started). */
    void (*destroy)(struct collector *c);
};

struct collector {
    const struct collector_ops *ops;
    /* the owner's: called once, when the first complete pass is done (the
     * backlog read, the backfill fetched) */
    collector_cb on_caught_up;
    bool caught_up;
    const struct source_settings *cfg; /* its type's settings struct */
    uv_loop_t *loop;
    struct sink *sink;
    struct http *http;           /* the program's HTTP client (set by the owner) */
    struct source_status status;
    void *impl;
    void *data;   /* the owner's */
};

/* A collector for cfg's type (cfg outlives it). NULL with a message in err
 * on failure. */
struct collector *collector_new(const struct source_settings *cfg, uv_loop_t *loop,
                                struct sink *sink, char *err, size_t errlen);
void collector_free(struct collector *c);

/* For implementations: the first complete pass is done. */
void collector_caught_up(struct collector *c);
/* For implementations: a successful attempt that counted records. */
void collector_ok(struct collector *c, int64_t records);
/* For implementations: records counted by an attempt that also failed
 * (one file of several could not be read): they count, the state stays. */
void collector_count(struct collector *c, int64_t records);
/* For implementations: a failed attempt (logged, shown in the header). The
 * message must never contain a secret; it is sanitised. */
void collector_error(struct collector *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
