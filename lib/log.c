/* log.c - the log (see log.h). */
#include "lib/log.h"

#include "lib/paths.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static FILE *log_file;
static enum log_level min_level = LOG_INFO;
static const char *ident = "log";
static bool quiet;
static bool journal;    /* stderr is the journal's stream: priority prefixes */

int log_open(const char *path, char *err, size_t errlen)
{
    paths_make_parents(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        return -e;
    }
    FILE *f = fdopen(fd, "a");
    if (!f) {
        int e = errno;
        close(fd);
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        return -e;
    }
    setvbuf(f, NULL, _IOLBF, 0);
    log_close();
    log_file = f;
    return 0;
}

void log_close(void)
{
    if (log_file)
        fclose(log_file);
    log_file = NULL;
}

/* systemd sets JOURNAL_STREAM to "DEV:INO" of the stream it gave the
 * service; stderr is that stream only if its device and inode match (a
 * child of the service whose stderr was redirected inherits the variable). */
static bool stderr_is_journal(void)
{
    const char *v = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    char tail;
    struct stat st;
    if (!v || sscanf(v, "%llu:%llu%c", &dev, &ino, &tail) != 2)
        return false;
    if (fstat(STDERR_FILENO, &st) != 0)
        return false;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_set_ident(const char *name)
{
    ident = name;
    journal = stderr_is_journal();
}
void log_set_quiet(bool q) { quiet = q; }

/* Escape control characters so a log line is one line of plain text. */
static void sanitise(char *out, size_t outlen, const char *in)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && n + 5 < outlen; p++) {
        if (*p < 0x20 || *p == 0x7f)
            n += (size_t)snprintf(out + n, outlen - n, "\\x%02x", *p);
        else
            out[n++] = (char)*p;
    }
    out[n] = '\0';
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    if (level < min_level)
        return;
    FILE *f = log_file ? log_file : (quiet ? NULL : stderr);
    if (!f)
        return;
    char raw[2048], clean[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    sanitise(clean, sizeof clean, raw);
    char stamp[32] = "";
    if (log_file) {
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ ", &tm);
    }
    if (f == stderr && journal) {
        /* the journal reads the syslog priority from "<N>" and adds the
         * time and the program's name itself */
        static const int priorities[] = {7, 6, 4, 3};
        fprintf(f, "<%d>%s\n", priorities[level], clean);
        return;
    }
    fprintf(f, "%s%s: %s: %s\n", stamp, ident, names[level], clean);
}
