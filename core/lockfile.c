/* lockfile.c - one process owns a state database (see lockfile.h). */
#include "core/lockfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/paths.h"
#include "lib/xalloc.h"

/* DB.lock beside the file the path resolves to (a symlink's target), so
 * that every name of the database finds the same lock file. */
static void lock_path(char *buf, size_t len, const char *db_path)
{
    char real[PATH_MAX];
    snprintf(buf, len, "%s.lock", realpath(db_path, real) ? real : db_path);
}

/* The owner's flock on the database file itself: the lock on its identity
 * (device and inode), which a hard link or a deleted DB.lock cannot
 * dodge. One owned database per process: lockfile_release closes it. */
static int identity_fd = -1;

/* What lockfile_take made in this run (the database file, DB.lock), and
 * whether the owner's start was done (lockfile_keep): a start that fails
 * leaves neither behind (lockfile_release). */
static bool made_db, made_lock, kept;

/* The pid written in the lock file ("" when none). */
static void read_pid(int fd, char *pid, size_t len)
{
    ssize_t n = pread(fd, pid, len - 1, 0);
    pid[n > 0 ? n : 0] = '\0';
    pid[strcspn(pid, "\n")] = '\0';
}

static int busy(int fd, const char *db_path, char *err, size_t errlen)
{
    char pid[32];
    read_pid(fd, pid, sizeof pid);
    if (atol(pid) == (long)getpid())
        pid[0] = '\0'; /* our own, written before the database refused us */
    snprintf(err, errlen,
             "%s is in use by another spendtop%s%s%s, which collects and alerts "
             "for it; use --db FILE to run one with a database of its own",
             db_path, *pid ? " (pid " : "", pid, *pid ? ")" : "");
    close(fd);
    return LOCKFILE_BUSY;
}

/* Open path, creating it with mode (less the umask) if it is not there
 * (*made then says so). */
static int open_made(const char *path, int flags, mode_t mode, bool *made)
{
    for (;;) {
        int fd = open(path, flags | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        *made = fd >= 0;
        if (fd >= 0 || errno != EEXIST)
            return fd;
        fd = open(path, flags | O_CLOEXEC);
        if (fd >= 0 || errno != ENOENT)
            return fd;
        /* removed in between (a start that failed): make it */
    }
}

/* Is fd the file path names now? A lock taken on a file that another
 * process removed meanwhile (lockfile_release after a failed start) is
 * a lock on nothing: the caller takes it again, on the file there now. */
static bool still_there(int fd, const char *path)
{
    struct stat a, b;
    return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

/* The step a test stops this process at (lockfile.h), once. */
void lockfile_test_pause(const char *step)
{
    static bool paused;
    const char *want = getenv("SPENDTOP_TEST_PAUSE");
    if (!paused && want && strcmp(want, step) == 0) {
        paused = true;
        raise(SIGSTOP);
    }
}

/* DB.lock: the POSIX lock viewers query, then the flock, then the pid.
 * The POSIX lock comes first: while any lock of ours is held, it is, so a
 * process refused at any step finds the owner (lockfile_owner). (One
 * refused between two steps used to find no owner of a database being
 * made, and gave up on it.) */
static int lock_own_file(const char *db_path, bool *made, char *err, size_t errlen)
{
    char path[PATH_MAX + 8];
    lock_path(path, sizeof path, db_path);
    if (paths_make_dirs(path, err, errlen) != 0)
        return -1;
    /* CLOEXEC: a hook still running after we exit must not keep the lock.
     * 0644: viewers read the owner's pid and query the lock */
    int fd = open_made(path, O_RDWR, 0644, made);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, F_SETLK, &fl) != 0) {
        int e = errno;
        if (e == EAGAIN || e == EACCES)
            return busy(fd, db_path, err, errlen);
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        close(fd);
        return -1;
    }
    lockfile_test_pause("locked");
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        if (e == EWOULDBLOCK)
            return busy(fd, db_path, err, errlen);
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        close(fd);
        return -1;
    }
    /* a lock file an older spendtop made 0600: readable now, so that
     * viewers of other accounts can ask who owns the database */
    struct stat sb;
    if (fstat(fd, &sb) == 0 && (sb.st_mode & 0777) == 0600) {
        mode_t mask = umask(0);
        umask(mask);
        if (fchmod(fd, 0644 & ~mask) != 0) {
            /* only other accounts' viewers lose: the lock itself holds */
        }
    }
    /* the owner's pid, for the message another process prints and for
     * viewers: at once (until then the file may hold the last owner's) */
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
        /* only the message loses its pid: the lock itself holds */
    }
    return fd;
}

/* The flock on the database file itself, fd. 0, LOCKFILE_BUSY or -1. */
static int take_identity(int fd, const char *db_path, char *err, size_t errlen)
{
    if (flock(fd, LOCK_EX | LOCK_NB) == 0)
        return 0;
    int e = errno;
    if (e != EWOULDBLOCK) {
        snprintf(err, errlen, "%s: %s", db_path, strerror(e));
        return -1;
    }
    char path[PATH_MAX + 8];
    lock_path(path, sizeof path, db_path);
    int lfd = open(path, O_RDONLY | O_CLOEXEC);
    if (lfd >= 0)
        return busy(lfd, db_path, err, errlen);
    snprintf(err, errlen, "%s is in use by another spendtop, which collects and alerts "
             "for it; use --db FILE to run one with a database of its own", db_path);
    return LOCKFILE_BUSY;
}

/* What this run made of db_path's files (made_db, made_lock), removed -
 * DB, then what SQLite keeps beside it, then DB.lock - while DB.lock is
 * still ours: no one can take the database in between, and one that
 * opened the files before finds its locks on removed files (still_there)
 * and starts again. */
static void remove_made(const char *db_path)
{
    char path[PATH_MAX + 8];
    if (made_db) {
        unlink(db_path);
        static const char *const beside[] = {"-wal", "-shm", "-journal"};
        for (size_t i = 0; i < sizeof beside / sizeof *beside; i++) {
            snprintf(path, sizeof path, "%s%s", db_path, beside[i]);
            unlink(path);
        }
    }
    if (made_lock) {
        lock_path(path, sizeof path, db_path);
        unlink(path);
    }
    made_db = made_lock = false;
}

/* The path lockfile_release removes what was made at (the one taken). */
static char *taken_path;

int lockfile_take(const char *db_path, char *err, size_t errlen)
{
    if (paths_make_dirs(db_path, err, errlen) != 0)
        return -1;
    char path[PATH_MAX + 8]; /* DB.lock */
    lock_path(path, sizeof path, db_path);
    made_db = made_lock = false;
    for (;;) {
        /* the database file first (created empty if new: SQLite takes an
         * empty file for a new database), so that a process refused below
         * finds it there; 0666 less the umask, as db_open would make it
         * (under the umask 0007 of the README's shared setup, the group
         * writes its requests) */
        bool made;
        int fd = open_made(db_path, O_RDONLY, 0666, &made);
        if (fd < 0) {
            snprintf(err, errlen, "%s: %s", db_path, strerror(errno));
            return -1;
        }
        made_db = made_db || made;
        lockfile_test_pause("opened");
        int lock = lock_own_file(db_path, &made, err, errlen);
        made_lock = made_lock || (lock >= 0 && made);
        int rc = lock < 0 ? lock : take_identity(fd, db_path, err, errlen);
        if (rc < 0 && lock >= 0)
            remove_made(db_path); /* refused, DB.lock still ours: nothing left */
        bool moved = rc == 0 && !(still_there(fd, db_path) && still_there(lock, path));
        if (rc < 0 || moved) {
            /* no lock of ours is on the database file (closing it drops
             * none); closing DB.lock drops ours on it */
            close(fd);
            if (lock >= 0)
                close(lock);
        }
        if (rc < 0) {
            made_db = made_lock = false; /* (refused by DB.lock: not ours) */
            return rc;
        }
        if (moved)
            continue;
        identity_fd = fd;
        kept = false;
        free(taken_path);
        taken_path = xstrdup(db_path);
        return lock;
    }
}

void lockfile_keep(void)
{
    kept = true;
}

void lockfile_release(int fd)
{
    /* a start that failed: what it made goes (DB.lock still ours) */
    if (fd >= 0 && !kept && taken_path)
        remove_made(taken_path);
    free(taken_path);
    taken_path = NULL;
    /* after db_close only (lockfile.h): closing a descriptor of the
     * database file drops SQLite's POSIX locks on it in this process */
    if (fd >= 0 && identity_fd >= 0) {
        close(identity_fd);
        identity_fd = -1;
    }
    /* DB.lock stays when it was there before, or the owner's start was
     * done: viewers ask it who owns the database */
    if (fd >= 0)
        close(fd);
}

void lockfile_ring(int fd)
{
    if (fd >= 0)
        (void)futimens(fd, NULL); /* a viewer that misses it polls anyway */
}

void lockfile_path(const char *db_path, char *out, size_t len)
{
    lock_path(out, len, db_path);
}

long lockfile_owner(const char *db_path)
{
    char path[PATH_MAX + 8];
    lock_path(path, sizeof path, db_path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    long pid = -1;
    if (fcntl(fd, F_GETLK, &fl) == 0) {
        pid = 0;
        if (fl.l_type != F_UNLCK) {
            /* the pid the owner wrote (its own, as it tells viewers in
             * the database, whatever pid namespace we are in), else the
             * kernel's l_pid, else 1 ("someone") */
            char text[32];
            read_pid(fd, text, sizeof text);
            pid = atol(text) > 0 ? atol(text) : fl.l_pid > 0 ? (long)fl.l_pid : 1;
        }
    }
    close(fd);
    return pid;
}
