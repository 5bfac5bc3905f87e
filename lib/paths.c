/* paths.c - filesystem helpers (see paths.h). */
#include "lib/paths.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/xalloc.h"

int paths_make_dirs(const char *path, char *err, size_t errlen)
{
    char *copy = xstrdup(path);
    int rc = 0;
    for (char *p = copy + 1; *p && rc == 0; p++) {
        if (*p != '/' || p[-1] == '/')
            continue;
        *p = '\0';
        /* one that is there already is fine, whatever mkdir said (EEXIST,
         * or EACCES and EROFS from some file systems); a file in the way
         * is said by the next step (ENOTDIR). The reason is mkdir's,
         * saved before stat can change errno. */
        struct stat sb;
        if (mkdir(copy, 0700) != 0 && errno != EEXIST) {
            int e = errno;
            if (stat(copy, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
                snprintf(err, errlen, "cannot create directory %s: %s", copy, strerror(e));
                rc = -1;
            }
        }
        *p = '/';
    }
    free(copy);
    return rc;
}

void paths_make_parents(const char *path)
{
    char err[1];
    (void)paths_make_dirs(path, err, sizeof err);
}
