/* otel_file.c - follows OpenTelemetry Collector file-exporter output.
 *
 * The exporter writes one Export{Trace,Logs,Metrics}ServiceRequest per
 * line with `format: json` (resourceSpans, resourceLogs or
 * resourceMetrics), or per length-prefixed frame with `format: proto`
 * (otlp_frame.h: the format is told from a file's first byte, the signal
 * of a frame from its records); each is mapped by otlp_map.h, the state of
 * cumulative metrics kept with the positions (otlp_signals.h). This
 * collector follows every file matching a glob the way `tail -F` would,
 * on a timer:
 *
 *   - files are known by (device, inode), so a rotation (rename + new file)
 *     is seen as a new file at the old path; the renamed file is read to
 *     its end before it is let go, so nothing written before the rotation
 *     is lost;
 *   - a file that shrinks below the position read was truncated
 *     (copytruncate): it is read again from the start;
 *   - positions are saved as cursors with the records they cover, so a
 *     restart resumes exactly where the last flush left off;
 *   - a malformed line is counted, logged as FILE:LINE and skipped; lines
 *     longer than 16 MiB are skipped the same way; a malformed frame is
 *     counted, logged with its byte offset and skipped, but a frame
 *     length over 16 MiB (or a compressed frame) leaves the rest of its
 *     file unread, with an error that stays the source's while the file is
 *     followed: a length-prefixed file has no way to find its next frame;
 *   - reading is sliced (a few MiB per loop pass), so a large backlog never
 *     stalls the loop;
 *   - the directories of the files (and the glob's own, when it names one)
 *     are watched (uv_fs_event: inotify): a line appended is read within
 *     KICK_MS, not at the next poll; the poll stays as the fallback (a
 *     file system without notifications, a watch the kernel refused).
 *
 * Only complete (newline-terminated) lines and complete frames are read:
 * the exporter always ends its lines, and a line without its newline, or
 * a frame shorter than its length, is still being written.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collectors/collector.h"
#include "collectors/otlp_frame.h"
#include "collectors/otlp_map.h"
#include "collectors/otlp_signals.h"
#include "core/store.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#define MAX_LINE (16u * 1024 * 1024) /* a line's or a frame's message */
#define READ_CHUNK (1u * 1024 * 1024)
/* A line's bytes kept across reads: the buffer is let go after a line
 * that needed more, so one long line costs its memory once, not for the
 * source's life. */
#define PARTIAL_KEEP (64u * 1024)
#define SLICE_BYTES (8u * 1024 * 1024)  /* per loop pass while following */
#define LOGGED_ERRORS_PER_FILE 20
/* A change notified: read this soon after it (the writes of one burst are
 * read together, and a busy writer costs at most 1000 / KICK_MS reads a
 * second). */
#define KICK_MS 20

struct tracked {
    char *path;
    dev_t dev;
    ino_t ino;
    int fd;
    int64_t offset;      /* bytes consumed, through the last complete line
                            or frame */
    int64_t line;        /* complete lines (frames) consumed */
    char *partial;       /* bytes read after the last newline (frame) */
    size_t plen, pcap;
    enum otlp_file_format format; /* from the first byte; UNKNOWN: empty */
    bool skipping;       /* inside an over-long line */
    bool stopped;        /* frames: the rest cannot be read (why) */
    char why[320];
    unsigned char stop_bytes[8]; /* the file's bytes where it stopped */
    size_t stop_n;
    bool gone;           /* no longer at its path: drain, then let go */
    bool seen;
    bool moved;          /* offset changed since the cursor was staged */
    int64_t errors_logged;
};

struct saved {
    dev_t dev;
    ino_t ino;
    int64_t offset, line;
    bool used;
};

/* A [[source]] of type otel_file. */
struct otel_file_settings {
    struct source_settings base;
    char *path;                 /* a glob */
    const char *start_at;       /* "beginning" | "end": in files found at the first start */
    struct otlp_tenants tenants;
    struct otlp_signal_set signals;
    int64_t poll_interval;      /* seconds */
};

/* A directory watched for changes to the files in it. */
struct watch {
    uv_fs_event_t h;
    struct otel_file *f;
    char *dir;
    bool started;        /* false: the kernel refused it (polled only) */
    bool needed;         /* in the current scan */
};

struct otel_file {
    struct collector *c;
    const struct otel_file_settings *s;
    uv_timer_t timer;
    bool timer_open;
    bool kicked;         /* a change was notified: the timer is due soon */
    struct watch **watches;
    size_t nwatches, watches_cap;
    size_t closing;      /* handles whose close is not called back yet */
    bool stopping;
    struct tracked *files;
    size_t nfiles, cap;
    struct saved *saved;
    size_t nsaved, saved_cap;
    bool scanned_once;
    bool read_failed;   /* during the current read_all */
    collector_cb closed;
    struct otlp_options opts;
};

/* One read buffer for every source: a read is consumed before the next
 * one starts, on the one loop thread, so sources need not each keep a
 * buffer of READ_CHUNK (1,000 sources held a gigabyte). Allocated with
 * the first source, freed with the last. */
static char *read_buf;
static size_t read_users;

/* ---- cursors ----------------------------------------------------------------- */

static void cursor_name(const struct tracked *t, char *buf, size_t len)
{
    snprintf(buf, len, "file:%ju:%ju", (uintmax_t)t->dev, (uintmax_t)t->ino);
}

static int load_cursor(void *ctx, const char *key, const char *value)
{
    struct otel_file *f = ctx;
    uintmax_t dev, ino;
    long long off, line;
    if (sscanf(key, "file:%ju:%ju", &dev, &ino) != 2 ||
        sscanf(value, "%lld %lld", &off, &line) != 2)
        return 0;
    xgrow(&f->saved, &f->saved_cap, f->nsaved + 1, sizeof *f->saved);
    f->saved[f->nsaved++] = (struct saved){(dev_t)dev, (ino_t)ino, off, line, false};
    return 0;
}

static void stage_cursor(struct otel_file *f, struct tracked *t)
{
    char key[64], val[4200];
    cursor_name(t, key, sizeof key);
    snprintf(val, sizeof val, "%lld %lld %s", (long long)t->offset,
             (long long)t->line, t->path);
    f->c->sink->cursor(f->c->sink, f->c->cfg->name, key, val);
    t->moved = false;
}

/* ---- records ------------------------------------------------------------------- */

/* Where the record being read is, for a message: FILE:LINE for a line,
 * FILE:BYTE for a frame (a binary file has no lines), with "frame at". */
static void where(const struct tracked *t, char *buf, size_t len)
{
    if (t->format == OTLP_FILE_FRAMES)
        snprintf(buf, len, "%s: frame at byte %lld", t->path, (long long)t->offset);
    else
        snprintf(buf, len, "%s:%lld", t->path, (long long)t->line);
}

static void malformed(struct otel_file *f, struct tracked *t, const char *why)
{
    char at[4200];
    f->c->status.rejected++;
    where(t, at, sizeof at);
    if (t->errors_logged < LOGGED_ERRORS_PER_FILE)
        log_msg(LOG_WARN, "%s: skipped: %s", at, why);
    else if (t->errors_logged == LOGGED_ERRORS_PER_FILE)
        log_msg(LOG_WARN, "%s: more malformed %s; not logging each", t->path,
                t->format == OTLP_FILE_FRAMES ? "frames" : "lines");
    t->errors_logged++;
}

/* One export decoded as enc (sig for protobuf). Returns records counted. */
static int64_t process_export(struct otel_file *f, struct tracked *t, enum otlp_encoding enc,
                              enum otlp_signal sig, const char *s, size_t n)
{
    struct otlp_result r;
    if (otlp_map_export(enc, sig, s, n, &f->opts, f->c->sink, &r) != 0) {
        malformed(f, t, r.error);
        return 0;
    }
    f->c->status.no_usage += (int64_t)r.no_usage;
    if (r.rejected) {
        f->c->status.rejected += (int64_t)r.rejected;
        if (t->errors_logged++ < LOGGED_ERRORS_PER_FILE) {
            char at[4200];
            where(t, at, sizeof at);
            log_msg(LOG_WARN, "%s: %zu record(s) skipped: %s", at, r.rejected, r.error);
        }
    }
    return (int64_t)r.counted;
}

/* ---- lines --------------------------------------------------------------------- */

/* One complete line (without its newline); t->line is its number. */
static int64_t process_line(struct otel_file *f, struct tracked *t,
                            const char *s, size_t n)
{
    while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i == n)
        return 0; /* blank */
    return process_export(f, t, OTLP_JSON, 0, s + i, n - i);
}

static void partial_append(struct tracked *t, const char *s, size_t n)
{
    xgrow(&t->partial, &t->pcap, t->plen + n, 1);
    memcpy(t->partial + t->plen, s, n);
    t->plen += n;
}

/* Forget the bytes kept of a line or frame that needed more than one read:
 * one long record costs its memory once, not for the source's life. */
static void partial_clear(struct tracked *t)
{
    t->plen = 0;
    if (t->pcap > PARTIAL_KEEP) {
        free(t->partial);
        t->partial = NULL;
        t->pcap = 0;
    }
}

/* Consume n freshly read bytes of a file of lines. Returns records counted. */
static int64_t consume_lines(struct otel_file *f, struct tracked *t, const char *s, size_t n)
{
    int64_t counted = 0;
    while (n > 0) {
        const char *nl = memchr(s, '\n', n);
        if (!nl) {
            if (!t->skipping && t->plen + n > MAX_LINE) {
                t->skipping = true;
                t->offset += (int64_t)t->plen;
                t->plen = 0;
            }
            if (t->skipping)
                t->offset += (int64_t)n;
            else
                partial_append(t, s, n);
            return counted;
        }
        size_t len = (size_t)(nl - s);
        t->line++;
        if (t->skipping) {
            malformed(f, t, "line longer than 16 MiB");
            t->skipping = false;
        } else if (t->plen) {
            /* the line began in an earlier read: its first bytes are in
             * partial, and count towards the offset once, here */
            size_t earlier = t->plen;
            if (earlier + len > MAX_LINE) {
                malformed(f, t, "line longer than 16 MiB");
            } else {
                partial_append(t, s, len);
                counted += process_line(f, t, t->partial, t->plen);
            }
            t->offset += (int64_t)earlier;
            partial_clear(t);
        } else {
            counted += process_line(f, t, s, len);
        }
        t->offset += (int64_t)len + 1;
        t->moved = true;
        s = nl + 1;
        n -= len + 1;
    }
    return counted;
}

/* ---- frames -------------------------------------------------------------------- */

/* The rest of a file of frames cannot be read: a length-prefixed stream
 * has no way to find its next frame once one is wrong. Said once, and the
 * source stays in error while the file is followed (read_all); the
 * position stays at the frame, so nothing from it on counts as read. */
__attribute__((format(printf, 3, 4)))
static void stop_file(struct otel_file *f, struct tracked *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->why, sizeof t->why, fmt, ap);
    va_end(ap);
    t->stopped = true;
    partial_clear(t);
    /* to see the file written anew (an exporter restarted without
     * compression truncates it: at byte 0, its size cannot tell) */
    ssize_t n = pread(t->fd, t->stop_bytes, sizeof t->stop_bytes, t->offset);
    t->stop_n = n > 0 ? (size_t)n : 0;
    collector_error(f->c, "%s", t->why);
}

/* One complete frame's message (n bytes at s) at t->offset. Returns
 * records counted. */
static int64_t process_frame(struct otel_file *f, struct tracked *t, const char *s, size_t n)
{
    if (otlp_frame_compressed(s, n)) {
        stop_file(f, t, "%s: frame at byte %lld is zstd-compressed, which spendtop does not "
                  "read: set compression off in the file exporter", t->path,
                  (long long)t->offset);
        return 0;
    }
    enum otlp_signal sig;
    char why[200];
    int rc = otlp_frame_signal(s, n, &sig, why, sizeof why);
    if (rc < 0)
        malformed(f, t, why);
    if (rc <= 0)
        return 0; /* malformed, or no record at all */
    return process_export(f, t, OTLP_PROTOBUF, sig, s, n);
}

/* A frame header (at t->offset) giving len: false, with the file stopped,
 * if no frame can be that long. */
static bool frame_length_ok(struct otel_file *f, struct tracked *t, uint32_t len)
{
    if (len <= MAX_LINE)
        return true;
    stop_file(f, t, "%s: frame at byte %lld says it is %" PRIu32 " bytes long, over the "
              "16 MiB limit: the rest of the file cannot be read", t->path,
              (long long)t->offset, len);
    return false;
}

/* The frame of n bytes (header included) whose message is at msg is
 * read: count it and move past it, unless it stopped the file. */
static int64_t frame_done(struct otel_file *f, struct tracked *t, const char *msg, size_t n)
{
    int64_t counted = process_frame(f, t, msg, n - OTLP_FRAME_HEADER);
    if (t->stopped)
        return counted;
    t->offset += (int64_t)n;
    t->line++;
    t->moved = true;
    return counted;
}

/* Consume n freshly read bytes of a file of frames. Returns records
 * counted. A frame in one read is read where it is; one cut by a read is
 * gathered in partial, its header first (its length is checked before any
 * more of it is kept). */
static int64_t consume_frames(struct otel_file *f, struct tracked *t, const char *s, size_t n)
{
    const size_t hdr = OTLP_FRAME_HEADER;
    int64_t counted = 0;
    while (n > 0 && !t->stopped) {
        if (t->plen == 0 && n >= hdr) {
            uint32_t len = otlp_frame_length(s);
            if (!frame_length_ok(f, t, len))
                break;
            if (n - hdr >= len) {
                counted += frame_done(f, t, s + hdr, hdr + len);
                s += hdr + len;
                n -= hdr + len;
                continue;
            }
        }
        /* a frame cut by the read: gathered in partial */
        size_t want = t->plen < hdr ? hdr : hdr + otlp_frame_length(t->partial);
        size_t take = want - t->plen < n ? want - t->plen : n;
        partial_append(t, s, take);
        s += take;
        n -= take;
        if (t->plen < hdr)
            continue; /* the rest of its header is still to come */
        uint32_t len = otlp_frame_length(t->partial);
        if (!frame_length_ok(f, t, len))
            break;
        if (t->plen < hdr + len)
            continue; /* the rest of its message */
        counted += frame_done(f, t, t->partial + hdr, t->plen);
        partial_clear(t);
    }
    return counted;
}

/* ---- reading a file -------------------------------------------------------------- */

/* Tell t's format from its first byte. False while it is empty. */
static bool recognise(struct otel_file *f, struct tracked *t)
{
    unsigned char first;
    ssize_t n = pread(t->fd, &first, 1, 0);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
        collector_error(f->c, "%s: %s", t->path, strerror(errno));
        f->read_failed = true;
    }
    if (n != 1)
        return false;
    t->format = otlp_frame_format(first);
    if (t->format == OTLP_FILE_FRAMES)
        log_msg(LOG_INFO, "source %s: %s holds protobuf frames (format: proto)",
                f->c->cfg->name, t->path);
    return true;
}

/* Was t truncated (shorter than what was read), or, stopped, written anew
 * (other bytes where it stopped)? */
static const char *rewritten(const struct tracked *t)
{
    struct stat st;
    if (fstat(t->fd, &st) == 0 && st.st_size < t->offset + (int64_t)t->plen)
        return "truncated";
    unsigned char now[sizeof t->stop_bytes];
    ssize_t n = t->stopped ? pread(t->fd, now, t->stop_n, t->offset) : -1;
    if (n >= 0 && ((size_t)n != t->stop_n || memcmp(now, t->stop_bytes, t->stop_n) != 0))
        return "written anew";
    return NULL;
}

/* Read up to budget bytes (0 = to the end). Returns false at EOF, or when
 * the file cannot be read further. */
static bool drain(struct otel_file *f, struct tracked *t, size_t budget, int64_t *counted)
{
    const char *how = rewritten(t);
    if (how) {
        log_msg(LOG_INFO, "%s was %s: reading it again from the start", t->path, how);
        t->offset = t->line = 0;
        t->plen = 0;
        t->skipping = false;
        t->stopped = false; /* written anew: its format too */
        t->format = OTLP_FILE_UNKNOWN;
        t->moved = true;
        lseek(t->fd, 0, SEEK_SET);
    }
    if (t->stopped || (t->format == OTLP_FILE_UNKNOWN && !recognise(f, t)))
        return false;
    size_t done = 0;
    for (;;) {
        if (budget && done >= budget)
            return true;
        ssize_t n = read(t->fd, read_buf, READ_CHUNK);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN) {
                collector_error(f->c, "%s: %s", t->path, strerror(errno));
                f->read_failed = true;
            }
            return false;
        }
        if (n == 0)
            return false;
        done += (size_t)n;
        if (t->format == OTLP_FILE_FRAMES)
            *counted += consume_frames(f, t, read_buf, (size_t)n);
        else
            *counted += consume_lines(f, t, read_buf, (size_t)n);
        if (t->stopped)
            return false;
    }
}

/* ---- scanning ------------------------------------------------------------------ */

static struct saved *find_saved(struct otel_file *f, dev_t dev, ino_t ino)
{
    for (size_t i = 0; i < f->nsaved; i++)
        if (f->saved[i].dev == dev && f->saved[i].ino == ino)
            return &f->saved[i];
    return NULL;
}

static void track(struct otel_file *f, const char *path, const struct stat *st)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        collector_error(f->c, "%s: %s", path, strerror(errno));
        return;
    }
    xgrow(&f->files, &f->cap, f->nfiles + 1, sizeof *f->files);
    struct tracked *t = &f->files[f->nfiles++];
    memset(t, 0, sizeof *t);
    t->path = xstrdup(path);
    t->dev = st->st_dev;
    t->ino = st->st_ino;
    t->fd = fd;
    t->seen = true;
    struct saved *s = find_saved(f, st->st_dev, st->st_ino);
    if (s && s->offset <= st->st_size) {
        t->offset = s->offset;
        t->line = s->line;
        s->used = true;
    } else if (s) {
        log_msg(LOG_INFO, "%s is shorter than when last read: reading it from the start", path);
        s->used = true;
    } else if (!f->scanned_once && strcmp(f->s->start_at, "end") == 0) {
        t->offset = st->st_size;
        t->moved = true;
    }
    lseek(fd, t->offset, SEEK_SET);
    log_msg(LOG_INFO, "source %s: following %s from byte %lld", f->c->cfg->name, path,
            (long long)t->offset);
}

static void untrack(struct otel_file *f, size_t i)
{
    struct tracked *t = &f->files[i];
    char key[64];
    cursor_name(t, key, sizeof key);
    /* the position of a file we let go of is no longer needed */
    f->c->sink->cursor(f->c->sink, f->c->cfg->name, key, "");
    close(t->fd);
    free(t->path);
    free(t->partial);
    f->files[i] = f->files[--f->nfiles];
}

static void scan(struct otel_file *f)
{
    for (size_t i = 0; i < f->nfiles; i++)
        f->files[i].seen = false;
    glob_t g;
    int rc = glob(f->s->path, GLOB_NOSORT, NULL, &g);
    if (rc != 0 && rc != GLOB_NOMATCH) {
        collector_error(f->c, "cannot list %s", f->s->path);
        return;
    }
    size_t matched = 0;
    for (size_t i = 0; rc == 0 && i < g.gl_pathc; i++) {
        struct stat st;
        if (stat(g.gl_pathv[i], &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        matched++;
        bool known = false;
        for (size_t j = 0; j < f->nfiles; j++) {
            struct tracked *t = &f->files[j];
            if (t->dev == st.st_dev && t->ino == st.st_ino) {
                known = t->seen = true;
                if (strcmp(t->path, g.gl_pathv[i]) != 0) {
                    free(t->path);
                    t->path = xstrdup(g.gl_pathv[i]);
                }
            }
        }
        if (!known)
            track(f, g.gl_pathv[i], &st);
    }
    if (rc == 0)
        globfree(&g);
    for (size_t i = 0; i < f->nfiles; i++)
        if (!f->files[i].seen)
            f->files[i].gone = true;
    if (!f->scanned_once) {
        /* cursors of files that are no longer there */
        for (size_t i = 0; i < f->nsaved; i++) {
            if (f->saved[i].used)
                continue;
            struct tracked fake = {.dev = f->saved[i].dev, .ino = f->saved[i].ino};
            char key[64];
            cursor_name(&fake, key, sizeof key);
            f->c->sink->cursor(f->c->sink, f->c->cfg->name, key, "");
        }
    }
    f->scanned_once = true;
    if (matched == 0 && f->nfiles == 0)
        collector_error(f->c, "no file matches %s", f->s->path);
}

/* Read every file; budget per file (0 = to the end). True if more is
 * waiting. */
static bool read_all(struct otel_file *f, size_t budget)
{
    int64_t counted = 0;
    bool more = false;
    f->read_failed = false;
    for (size_t i = 0; i < f->nfiles;) {
        struct tracked *t = &f->files[i];
        bool left = drain(f, t, budget, &counted);
        if (t->moved)
            stage_cursor(f, t);
        if (!left && t->gone) {
            if (t->plen)
                log_msg(LOG_WARN, "%s: %zu bytes after the last complete %s were never "
                        "completed", t->path, t->plen,
                        t->format == OTLP_FILE_FRAMES ? "frame" : "line");
            untrack(f, i);
            continue;
        }
        more |= left;
        i++;
    }
    /* a file that cannot be read further (stop_file) keeps the source in
     * error while it is followed; what the others hold still counts */
    bool stopped = false;
    for (size_t i = 0; i < f->nfiles; i++)
        stopped |= f->files[i].stopped;
    if (f->nfiles > 0 && !f->read_failed && !stopped)
        collector_ok(f->c, counted);
    else
        collector_count(f->c, counted);
    return more;
}

/* ---- change notifications ------------------------------------------------------ */

static void on_timer(uv_timer_t *h);

/* Read soon (a change was notified), unless that is already arranged. */
static void kick(struct otel_file *f)
{
    if (!f->timer_open || f->stopping || f->kicked)
        return;
    f->kicked = true;
    uv_timer_start(&f->timer, on_timer, KICK_MS, 0); /* cannot fail: initialised */
}

/* Is name (a file in a watched directory) one we follow or may follow? */
static bool relevant(const struct otel_file *f, const char *name)
{
    if (!name)
        return true; /* the kernel did not say: look */
    const char *slash = strrchr(f->s->path, '/');
    if (fnmatch(slash ? slash + 1 : f->s->path, name, FNM_PERIOD) == 0)
        return true;
    for (size_t i = 0; i < f->nfiles; i++) {
        const char *base = strrchr(f->files[i].path, '/');
        if (strcmp(base ? base + 1 : f->files[i].path, name) == 0)
            return true; /* renamed out of the glob, still being drained */
    }
    return false;
}

static void on_fs_event(uv_fs_event_t *h, const char *name, int events, int status)
{
    struct watch *w = h->data;
    (void)events;
    /* an error (the directory went away): the poll finds out what happened */
    if (status < 0 || relevant(w->f, name))
        kick(w->f);
}

static void handle_closed(struct otel_file *f)
{
    if (--f->closing == 0 && f->stopping)
        f->closed(f->c);
}

static void on_watch_closed(uv_handle_t *h)
{
    struct watch *w = h->data;
    struct otel_file *f = w->f;
    free(w->dir);
    free(w);
    handle_closed(f);
}

static void unwatch(struct otel_file *f, size_t i)
{
    struct watch *w = f->watches[i];
    f->watches[i] = f->watches[--f->nwatches];
    f->closing++;
    uv_close((uv_handle_t *)&w->h, on_watch_closed);
}

/* Mark dir as needed, watching it if it is not yet. A watch the kernel
 * refuses (inotify's limits) is said once and left to the poll. */
static void need_dir(struct otel_file *f, const char *dir)
{
    for (size_t i = 0; i < f->nwatches; i++) {
        if (strcmp(f->watches[i]->dir, dir) == 0) {
            f->watches[i]->needed = true;
            return;
        }
    }
    struct watch *w = xcalloc(1, sizeof *w);
    w->f = f;
    w->dir = xstrdup(dir);
    w->needed = true;
    uv_fs_event_init(f->c->loop, &w->h); /* cannot fail: it only zeroes the handle */
    w->h.data = w;
    int rc = uv_fs_event_start(&w->h, on_fs_event, dir, 0);
    w->started = rc == 0;
    if (rc != 0)
        log_msg(LOG_INFO, "source %s: cannot watch %s for changes (%s): reading it every %llds",
                f->c->cfg->name, dir, uv_strerror(rc), (long long)f->s->poll_interval);
    xgrow(&f->watches, &f->watches_cap, f->nwatches + 1, sizeof *f->watches);
    f->watches[f->nwatches++] = w;
}

/* The directory part of path into buf ("." for none). */
static void dir_of(const char *path, char *buf, size_t len)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(buf, len, ".");
    else if (slash == path)
        snprintf(buf, len, "/");
    else
        snprintf(buf, len, "%.*s", (int)(slash - path), path);
}

/* Watch the directory of every file followed, and the glob's directory
 * when it is one (a file that does not exist yet appears there); stop
 * watching the others. */
static void watch_dirs(struct otel_file *f)
{
    char dir[4096];
    for (size_t i = 0; i < f->nwatches; i++)
        f->watches[i]->needed = false;
    dir_of(f->s->path, dir, sizeof dir);
    struct stat st;
    if (!strpbrk(dir, "*?[") && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        need_dir(f, dir);
    for (size_t i = 0; i < f->nfiles; i++) {
        dir_of(f->files[i].path, dir, sizeof dir);
        need_dir(f, dir);
    }
    for (size_t i = f->nwatches; i-- > 0;)
        if (!f->watches[i]->needed)
            unwatch(f, i);
}

static void on_timer(uv_timer_t *h)
{
    struct otel_file *f = h->data;
    f->kicked = false;
    scan(f);
    watch_dirs(f);
    bool more = read_all(f, SLICE_BYTES);
    if (!more)
        collector_caught_up(f->c);
    /* a backlog: continue on the next loop pass instead of waiting */
    uint64_t next = more ? 0 : (uint64_t)f->s->poll_interval * 1000;
    uv_timer_start(&f->timer, on_timer, next, 0); /* cannot fail: a callback, an open handle */
}

/* ---- ops --------------------------------------------------------------------------- */

static void file_destroy(struct collector *c);

static int file_init(struct collector *c, char *err, size_t errlen)
{
    struct otel_file *f = xcalloc(1, sizeof *f);
    f->c = c;
    if (read_users++ == 0)
        read_buf = xmalloc(READ_CHUNK);
    f->s = (const struct otel_file_settings *)c->cfg;
    f->opts.source = c->cfg->name;
    f->opts.tenant_attrs = f->s->tenants.attrs;
    f->opts.ntenant_attrs = f->s->tenants.nattrs;
    f->opts.signals = otlp_signals_mask(f->s->signals.names, f->s->signals.n);
    f->opts.state = otlp_state_new();
    c->impl = f;
    if (c->sink->cursor_each(c->sink, c->cfg->name, load_cursor, f, err, errlen) != 0 ||
        otlp_state_load(f->opts.state, c->sink, c->cfg->name, clock_now(), STORE_RETENTION,
                        err, errlen) != 0) {
        file_destroy(c);
        return -1;
    }
    return 0;
}

static void file_start(struct collector *c)
{
    struct otel_file *f = c->impl;
    uv_timer_init(c->loop, &f->timer); /* always 0 (libuv 1.x) */
    f->timer.data = f;
    f->timer_open = true;
    uv_timer_start(&f->timer, on_timer, 0, 0); /* cannot fail: a callback, an open handle */
}

static void file_poll_now(struct collector *c)
{
    struct otel_file *f = c->impl;
    if (f->timer_open)
        uv_timer_start(&f->timer, on_timer, 0, 0); /* cannot fail: a callback, an open handle */
}

static void file_run_once(struct collector *c, collector_cb done)
{
    struct otel_file *f = c->impl;
    scan(f);
    read_all(f, 0);
    done(c);
}

static void on_timer_closed(uv_handle_t *h)
{
    struct otel_file *f = h->data;
    f->timer_open = false;
    handle_closed(f);
}

/* Close the timer and every watch; closed(c) once all are called back. */
static void file_stop(struct collector *c, collector_cb closed)
{
    struct otel_file *f = c->impl;
    f->closed = closed;
    f->stopping = true;
    f->closing++; /* held until every close below is asked for */
    if (f->timer_open) {
        f->closing++;
        uv_close((uv_handle_t *)&f->timer, on_timer_closed);
    }
    while (f->nwatches > 0)
        unwatch(f, f->nwatches - 1);
    handle_closed(f);
}

static void file_destroy(struct collector *c)
{
    struct otel_file *f = c->impl;
    if (!f)
        return;
    for (size_t i = 0; i < f->nfiles; i++) {
        close(f->files[i].fd);
        free(f->files[i].path);
        free(f->files[i].partial);
    }
    free(f->files);
    free(f->watches);   /* empty: file_stop closed and freed each */
    free(f->saved);
    if (--read_users == 0) {
        free(read_buf);
        read_buf = NULL;
    }
    otlp_state_free(f->opts.state);
    free(f);
    c->impl = NULL;
}

static const struct collector_ops ops = {
    .init = file_init,
    .start = file_start,
    .poll_now = file_poll_now,
    .run_once = file_run_once,
    .stop = file_stop,
    .destroy = file_destroy,
};

static const char *const start_at_names[] = {"beginning", "end", NULL};

static const struct setting keys[] = {
    {.name = "path", .type = SETTING_STRING, .offset = offsetof(struct otel_file_settings, path),
     .required = true, .need = "a file or a glob", .example = "\"/var/lib/otelcol/genai-*.json\"",
     .doc = "required: a file or a glob"},
    {.name = "start_at", .type = SETTING_ENUM, .offset = offsetof(struct otel_file_settings, start_at),
     .names = start_at_names, .def = "\"beginning\"",
     .doc = "where to start in files found at the first start"},
    {.name = "tenants", .type = SETTING_INCLUDE, .include = otlp_tenant_keys,
     .offset = offsetof(struct otel_file_settings, tenants)},
    {.name = "signals", .type = SETTING_INCLUDE, .include = otlp_signal_keys,
     .offset = offsetof(struct otel_file_settings, signals)},
    {.name = "poll_interval", .type = SETTING_DURATION,
     .offset = offsetof(struct otel_file_settings, poll_interval), .def = "\"1s\"", .imin = 1,
     .imax = CLOCK_HOUR, .doc = "how often to look for new lines and files where no change is notified (the fallback: directories are watched)"},
    {0},
};

const struct source_type otel_file_source = {
    .name = "otel_file",
    .doc = "OpenTelemetry Collector file exporter output (format: json or proto, not "
           "compressed: spans, log records and metrics), followed like tail -F: rotation, "
           "truncation and restarts lose nothing and count nothing twice.",
    .example_name = "spans",
    .keys = keys,
    .settings_size = sizeof(struct otel_file_settings),
    .ops = &ops,
};
