/* paths.c - filesystem helpers (see paths.h). */
#include "lib/paths.h"

#include <stdlib.h>
#include <sys/stat.h>

#include "lib/xalloc.h"

void paths_make_parents(const char *path)
{
    char *copy = xstrdup(path);
    for (char *p = copy + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        mkdir(copy, 0700);
        *p = '/';
    }
    free(copy);
}
