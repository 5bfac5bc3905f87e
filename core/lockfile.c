/* lockfile.c - one process owns a state database (see lockfile.h). */
#include "core/lockfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "lib/paths.h"

int lockfile_take(const char *db_path, char *err, size_t errlen)
{
    char path[4200];
    snprintf(path, sizeof path, "%s.lock", db_path);
    paths_make_parents(path);
    /* CLOEXEC: a hook still running after we exit must not keep the lock */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        char pid[32] = "";
        ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        if (e == EWOULDBLOCK)
            snprintf(err, errlen,
                     "%s is in use by another spendtop%s%s%s, which collects and alerts "
                     "for it; use --db FILE to run one with a database of its own",
                     db_path, *pid ? " (pid " : "", pid, *pid ? ")" : "");
        else
            snprintf(err, errlen, "%s: %s", path, strerror(e));
        close(fd);
        return -1;
    }
    /* the owner's pid, for the message another process prints */
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
        /* only the message loses its pid: the lock itself holds */
    }
    return fd;
}

void lockfile_release(int fd)
{
    /* the file stays: unlinking it could let a third process lock a new
     * file while a second still waits on the old one */
    if (fd >= 0)
        close(fd);
}
