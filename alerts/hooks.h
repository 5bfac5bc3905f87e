/* hooks.h - deliver alert notifications by running the configured hooks.
 *
 * Each outbox row runs its [[hook]] through uv_spawn: `command` as an argv
 * (no shell), or `shell` through /bin/sh -c. The alert's facts are in
 * SPENDTOP_ALERT_* environment variables and the alert is one JSON object
 * on stdin; nothing from the data is ever spliced into a command line (a
 * tenant named `$(rm -rf ~)` reaches a hook only as the value of
 * SPENDTOP_ALERT_SCOPE). The environment is spendtop's own, minus the
 * variables that hold API keys, with the operator's TZ (as it was at
 * start: spendtop sets its own to the configured zone or UTC).
 *
 * A hook runs in its own session (no terminal: it cannot draw over the
 * dashboard); its stdout and stderr go to the log, at most 64 KiB per run.
 * Past its timeout it gets SIGTERM, then SIGKILL 2 s later (its whole
 * process group). When it exits, what it left running in its group
 * (`cmd &`) gets SIGTERM, and SIGKILL a second later. A failure is retried with backoff (1 s, 2 s, 4 s, ...,
 * at most 60 s) up to `attempts`, then logged as failed (each line names
 * the notification: kind, scope, state, alert id). At most 4 hooks run at
 * once; the rest wait in the outbox. One alert's notifications reach a
 * hook one at a time, in the order they were queued (outbox_startable).
 */
#ifndef SPENDTOP_HOOKS_H
#define SPENDTOP_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "core/db.h"
#include "lib/settings.h"
#include "lib/strbuf.h"
#include "lib/toml.h"

#define HOOKS_MAX_RUNNING 4
#define HOOKS_KILL_GRACE_MS 2000
#define HOOKS_LOG_CAP (64 * 1024)

/* One [[hook]]. */
struct hook_settings {
    char *name;
    char **argv;                /* command = [...]: run directly (NULL-terminated) */
    size_t argc;
    char *shell;                /* shell = "...": run by /bin/sh -c */
    bool on_firing, on_resolved;
    char **kinds;               /* only these alert kinds (none = all) */
    size_t nkinds;
    char **scopes;              /* only these kinds of scope: "total",
                                   "provider", "model", "tenant", "source"
                                   (none = all) */
    size_t nscopes;
    const char *min_severity;   /* "warning" (or NULL) | "critical" */
    int64_t timeout;            /* seconds */
    int64_t attempts;
    int command_line, command_col; /* where 'command' is in the file */
};

/* Every default into h (zeroed by the caller). */
void hooks_settings_init(struct hook_settings *h);
/* One [[hook]] table t over h (which has its defaults). */
void hooks_settings_load(struct settings_ctx *c, const struct toml_value *t,
                         struct hook_settings *h);
void hooks_settings_free(struct hook_settings *h);
/* Whether h's command can start here: false, with "FILE:LINE:COL: why"
 * appended to out, when command[0] has a '/' and is not an executable
 * file, or is a bare name that no directory of $PATH holds as one (the
 * search uv_spawn's execvp makes, with the environment a hook inherits).
 * A typo there would otherwise surface only when an alert fires. A shell
 * hook is not looked into (its command is /bin/sh's to find). */
bool hooks_settings_check_command(const struct hook_settings *h, const char *file,
                                  struct strbuf *out);
/* The [[hook]] section of config.example.toml. */
void hooks_settings_example(struct strbuf *out);

struct hooks;

/* Run hooks (nhooks of them, which outlive h; queued rows name them by
 * index). secret_env: NULL-terminated names of environment variables that
 * hold secrets (API keys), read during the call: no hook inherits them. */
struct hooks *hooks_new(uv_loop_t *loop, const struct hook_settings *hooks, size_t nhooks,
                        const char *const *secret_env, struct db *db);
/* Start what is due (and arm a timer for what is not yet). */
void hooks_kick(struct hooks *h);
/* Nothing running and nothing queued. */
bool hooks_idle(const struct hooks *h);
/* Stop: running hooks are sent SIGTERM (their rows stay queued for the
 * next start); closed(data) once every handle is closed. */
void hooks_close(struct hooks *h, void (*closed)(void *data), void *data);
/* Stop (the daemon's SIGTERM): nothing new starts, running hooks finish
 * or meet their timeout as usual (a failure stays queued for the next
 * start); closed(data) once every handle is closed. */
void hooks_drain(struct hooks *h, void (*closed)(void *data), void *data);
/* A new set of hooks (a reloaded config), with the same contract as
 * hooks_new's - but a variable named in secret_env at any earlier call
 * stays out of a hook's environment too (a source the reload dropped
 * leaves its key in ours); the old array may be freed once this returns. Queued
 * notifications find their hook again by its fingerprint (name, command):
 * those of a hook no longer configured are dropped, with a warning, when
 * they come due. Hooks running now finish under the settings they started
 * with. */
void hooks_configure(struct hooks *h, const struct hook_settings *hooks, size_t nhooks,
                     const char *const *secret_env);
/* After closed (or if never kicked). */
void hooks_free(struct hooks *h);

#endif
