/* sources.h - the registry of source types, and [[source]] settings.
 *
 * Every source type is one entry (struct source_type, collector.h) in the
 * list in sources.c. A [[source]] table is read by its type's key table
 * into that type's settings struct; the config never knows one type from
 * another, and config.example.toml's source sections are written from the
 * same entries.
 */
#ifndef SPENDTOP_SOURCES_H
#define SPENDTOP_SOURCES_H

#include <stddef.h>

#include "collectors/collector.h"
#include "lib/settings.h"
#include "lib/strbuf.h"
#include "lib/toml.h"

/* The registry, in its order; NULL past the end. */
const struct source_type *sources_type_at(size_t i);
/* The type named name, or NULL. */
const struct source_type *sources_type(const char *name);

/* One [[source]] table (or a non-table, reported) into the settings of
 * its type, with every problem reported to c. Never NULL: after a problem
 * the result may lack its type (free it all the same). */
struct source_settings *sources_load(struct settings_ctx *c, const struct toml_value *t);
/* A source of type with every default, named name (--demo). NULL if there
 * is no such type. */
struct source_settings *sources_new(const char *type, const char *name);
void sources_free(struct source_settings *s);

/* The environment variables s names (api_key_env: they hold secrets), up
 * to max of them into names; returns how many. */
size_t sources_env(const struct source_settings *s, const char **names, size_t max);
/* Warnings that are not errors: an environment variable s names that is
 * not set here. file is the config's path. */
void sources_warnings(const struct source_settings *s, const char *file, struct strbuf *out);

/* One commented-out example section per type, for config.example.toml. */
void sources_example(struct strbuf *out);

#endif
