/* lockfile.h - one process owns a state database; others can see who.
 *
 * Whoever writes a database also collects and alerts for it: two processes
 * on one database would poll the providers twice, store what each saw over
 * the other's, and both page for the same alert. So the database has an
 * owner, marked by an flock(2) on the database file itself - its identity
 * (device and inode), which a symlink, a hard link or a deleted DB.lock
 * cannot dodge - and one on DB.lock beside the file the path resolves to.
 * The kernel releases both when the owner exits, SIGKILL included, so a
 * crash never leaves a stale lock behind. The first is a second
 * descriptor on the SQLite file: closing it would drop SQLite's POSIX
 * locks in this process, so lockfile_release comes after db_close.
 *
 * Viewers (app/viewer.h) must learn whether the owner is there without
 * ever taking a lock themselves: a viewer holding even a shared lock for a
 * moment could make a daemon starting at that moment fail. So the owner
 * also holds a POSIX write lock (fcntl) on the same file, which another
 * process can query with F_GETLK without acquiring anything; the kernel
 * drops it with the owner too. DB.lock is readable by whoever can read the
 * state directory (its mode is 0644 less the umask) and holds the owner's
 * pid. The owner takes that POSIX lock before the others, so a process
 * refused by any of them finds the owner there.
 */
#ifndef SPENDTOP_LOCKFILE_H
#define SPENDTOP_LOCKFILE_H

#include <stddef.h>

/* lockfile_take's answer when another process owns the database. */
#define LOCKFILE_BUSY (-2)

/* Own db_path for this process: a descriptor to hand to lockfile_release;
 * LOCKFILE_BUSY when another process owns it (err names the owner's pid);
 * -1 with the reason in err otherwise. The database file is made (empty)
 * when it is not there, and DB.lock beside it. */
int lockfile_take(const char *db_path, char *err, size_t errlen);
/* The owner's start is done: what lockfile_take made is the database from
 * now on, kept whatever it holds (viewers may be attached to it). */
void lockfile_keep(void);
/* The database released. An owner whose start failed (lockfile_keep was
 * not called: its schema could not be made, a full disk, a config error
 * found after the lock) removes the files lockfile_take made in this run -
 * the database file and what SQLite made beside it, DB.lock - so that it
 * leaves nothing behind; files that were there before it stay. */
void lockfile_release(int fd);

/* The pid of db_path's owner, 0 when it has none, -1 when DB.lock cannot
 * be read. Acquires nothing. Never call it in the owner itself: closing
 * any descriptor of DB.lock drops the process's own POSIX lock. */
long lockfile_owner(const char *db_path);

/* The owner committed: DB.lock's times are set to now (fd: lockfile_take's;
 * nothing is written), which the kernel reports to the viewers watching
 * it (inotify), so that they look at once rather than at their next poll.
 * lockfile_path: the file they watch. */
void lockfile_ring(int fd);
void lockfile_path(const char *db_path, char *out, size_t len);

/* For tests only: when the environment's SPENDTOP_TEST_PAUSE is step, the
 * process stops itself (SIGSTOP), the first time it gets there, so that
 * a test runs another process at exactly that moment of this one's start
 * and then continues it (SIGCONT). The steps: "locked" (lockfile_take
 * holds its first lock, not yet the others), "created" (db_open has made
 * the schema; the owner's row is not written yet), "published" (the
 * owner's row is written), "opened" (lockfile_take has opened the
 * database file, and taken nothing yet). Unset, it does nothing. */
void lockfile_test_pause(const char *step);

#endif
