/* collector.c - a collector's life and its status (see collector.h). */
#include "collectors/collector.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "lib/sanitize.h"
#include "lib/xalloc.h"

struct collector *collector_new(const struct source_settings *cfg, uv_loop_t *loop,
                                struct sink *sink, char *err, size_t errlen)
{
    const struct collector_ops *ops = cfg->type->ops;
    struct collector *c = xcalloc(1, sizeof *c);
    c->ops = ops;
    c->cfg = cfg;
    c->loop = loop;
    c->sink = sink;
    c->status.name = cfg->name;
    c->status.type = cfg->type->name;
    c->status.state = SOURCE_STARTING;
    c->status.started = clock_now();
    if (ops->init(c, err, errlen) != 0) {
        free(c);
        return NULL;
    }
    return c;
}

void collector_free(struct collector *c)
{
    if (!c)
        return;
    c->ops->destroy(c);
    free(c);
}

void collector_caught_up(struct collector *c)
{
    if (c->caught_up)
        return;
    c->caught_up = true;
    if (c->on_caught_up)
        c->on_caught_up(c);
}

void collector_count(struct collector *c, int64_t records)
{
    if (records > 0) {
        c->status.last_data = clock_now();
        c->status.records += records;
    }
}

void collector_ok(struct collector *c, int64_t records)
{
    if (c->status.state == SOURCE_ERROR)
        log_msg(LOG_INFO, "source %s: recovered", c->cfg->name);
    c->status.state = SOURCE_OK;
    c->status.last_error[0] = '\0';
    c->status.last_success = clock_now();
    collector_count(c, records);
}

void collector_error(struct collector *c, const char *fmt, ...)
{
    char raw[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    char clean[sizeof c->status.last_error];
    sanitize_text_ex(raw, clean, sizeof clean, 200, true);
    /* log each distinct error once, not on every retry */
    if (c->status.state != SOURCE_ERROR || strcmp(clean, c->status.last_error) != 0)
        log_msg(LOG_WARN, "source %s: %s", c->cfg->name, raw);
    memcpy(c->status.last_error, clean, sizeof clean);
    c->status.state = SOURCE_ERROR;
}
