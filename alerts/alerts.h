/* alerts.h - the alert lifecycle: page once, say when it is over.
 *
 * Each (kind, scope, window) is one alert. Fed the rule hits of one
 * evaluation at a time:
 *
 *   a hit            -> pending (from now)
 *   pending          -> firing once the hit has held for `for` (started_at
 *                       is when it began to hold); notify
 *   firing           -> notify again every `repeat`, or when the severity
 *                       rises; a silenced alert (the TUI's `a`) skips its
 *                       repeats until the silence ends
 *   no hit           -> a pending alert is dropped (flapping inside `for`
 *                       never pages); a firing one resolves after `for`
 *                       without hits; notify once (a notified one only
 *                       when the resolve can be queued: not under
 *                       --no-hooks)
 *   resolved         -> listed for keep_resolved, then forgotten
 *
 * An alert's id is made from its key and started_at, so it is stable while
 * it fires. State and notification times live in the database, and each
 * notification is queued there (the outbox, delivered by hooks.c) in the
 * same transaction that records it: a restart neither re-pages nor loses a
 * resolve. Pending alerts are not kept across restarts: the caller derives
 * them again by evaluating the last `for` minute by minute (alerts_replay
 * in app.c), which gives a fresh process the same verdict as a running one.
 */
#ifndef SPENDTOP_ALERTS_H
#define SPENDTOP_ALERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alerts/alert_settings.h"
#include "alerts/hooks.h"
#include "alerts/rules.h"
#include "core/db.h"
#include "core/view.h"

struct alerts;

/* Alerts by the lifecycle in cfg, notifying the nhooks hooks (cfg and
 * hooks outlive the result). queue_notifications false (--no-hooks):
 * evaluate and report, queue nothing (and so mark nothing as notified);
 * an alert a hook was told about does not resolve then (its resolve
 * could not be sent): a later run with hooks resolves it and sends it.
 * db may be NULL. */
struct alerts *alerts_new(const struct alert_settings *cfg, const struct hook_settings *hooks,
                          size_t nhooks, struct db *db, bool queue_notifications,
                          char *err, size_t errlen);
void alerts_free(struct alerts *al);
/* A reloaded config: the lifecycle and the hooks from now on (the old ones
 * may be freed once this returns). The alerts and their state are kept: a
 * firing alert stays firing, notified, and is not paged again. */
void alerts_configure(struct alerts *al, const struct alert_settings *cfg,
                      const struct hook_settings *hooks, size_t nhooks);

/* Feed the hits of one evaluation at time now. Returns the number of
 * notifications queued. */
size_t alerts_update(struct alerts *al, const struct rule_hits *hits, int64_t now);

/* Firing alerts (most severe, then oldest, first), then those resolved
 * within keep_resolved (newest first), into v->alerts. */
void alerts_fill_view(const struct alerts *al, struct view *v, int64_t now);

/* Silence a firing alert for its repeat interval. 0, or -1 if no firing
 * alert has that id; msg says what happened. */
int alerts_silence(struct alerts *al, const char *id, int64_t now, char *msg, size_t len);

/* Counts, for tests and the log. */
size_t alerts_firing(const struct alerts *al);

/* A number that changes whenever what alerts_fill_view lists changes
 * (an alert fires, resolves, is forgotten, silenced, or shows other
 * figures); an evaluation that changes nothing listed leaves it alone, so
 * a dashboard need not make a new view for it. The end of a silence
 * changes it not: that is a matter of the time asked about. */
uint64_t alerts_generation(const struct alerts *al);
/* A hash of what alerts_fill_view lists, but the time: equal for two
 * alerts objects that list the same (a viewer reads the alert table
 * afresh at every change the owner commits, and asks whether the list it
 * shows changed). */
uint64_t alerts_digest(const struct alerts *al);

#endif
