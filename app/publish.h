/* publish.h - the owner's side of viewers (core/owner.h): what the app
 * tells them, and what they ask of it.
 *
 * Every tick (the app's flush timer: once a second while its sources read
 * their backlog, then every 200 ms) the owner rewrites its row in the
 * database when the facts changed (settings, its sources' health), and,
 * when another connection has committed since the last tick (PRAGMA
 * data_version), does what viewers asked: silence an alert, poll now.
 * After each of its commits it rings DB.lock (lockfile_ring): viewers
 * look then, not at their next poll. Requests older than a minute are
 * dropped (asked of a daemon that was not there). Nothing here waits on a
 * viewer: a viewer that hangs holds no lock the owner needs.
 */
#ifndef SPENDTOP_PUBLISH_H
#define SPENDTOP_PUBLISH_H

struct app;
struct publish;

/* For app a, which owns its database; mode is "daemon", "dashboard" or
 * "once". Writes the row at once. */
struct publish *publish_new(struct app *a, const char *mode);
void publish_tick(struct publish *p);
void publish_free(struct publish *p);

#endif
