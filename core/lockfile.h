/* lockfile.h - one process owns a state database.
 *
 * Whoever writes a database also collects and alerts for it: two processes
 * on one database would poll the providers twice, store what each saw over
 * the other's, and both page for the same alert. So the database has an
 * owner, marked by an flock(2) on DB.lock (a file of its own: a second
 * descriptor on the SQLite file, once closed, would drop SQLite's POSIX
 * locks). The kernel releases the lock when the owner exits, SIGKILL
 * included, so a crash never leaves a stale lock behind.
 */
#ifndef SPENDTOP_LOCKFILE_H
#define SPENDTOP_LOCKFILE_H

#include <stddef.h>

/* Own db_path for this process: a descriptor to hand to lockfile_release,
 * or -1 with the reason in err (naming the owner's pid when another
 * process holds it). */
int lockfile_take(const char *db_path, char *err, size_t errlen);
void lockfile_release(int fd);

#endif
