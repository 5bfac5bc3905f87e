/* otlp_frame.h - the Collector file exporter's `format: proto` output.
 *
 * With `format: proto` (and with any `compression`) the exporter writes
 * each Export{Trace,Logs,Metrics}ServiceRequest as a frame: a 4-byte
 * big-endian length, then that many bytes (protocols.md §4). This module
 * says what a file and a frame are; following the file (frames cut by a
 * read, positions, rotation) is otel_file.c's. Pure functions, no I/O.
 *
 * The format of a file, from its first byte: a frame starts with the
 * high byte of its length, which is 0x00 for any frame under 16 MiB (0x01
 * for one of 16 MiB or a little more: the reader refuses those with their
 * length); a JSON export starts with '{' (0x7B), perhaps after JSON
 * whitespace (0x09, 0x0A, 0x0D, 0x20). A frame length whose first byte is
 * one of those would be at least 150 MB, so the two cannot be confused.
 * Any other first byte is read as lines, as before frames were read: a
 * JSON file whose first line is junk loses that line only (frames would
 * lose the whole file, unable to find a next frame).
 *
 * The signal of a message. Protobuf does not say what a message is, and
 * the three requests share their envelope (field 1: the resource groups;
 * in each, field 2: the scope groups; in each, field 2: the records). The
 * records differ: a frame is read as the one record type - Span,
 * LogRecord or Metric - that every record of it fits, where a record fits
 * a type if each of its fields has the wire type that type gives its
 * number (a number the type does not have fits: its decoder skips it),
 * and, for a Span, its trace_id and span_id, when present, have the
 * lengths the spec fixes (16 and 8 bytes). Why that settles real data:
 *   - a Span always has its start time, field 7 as fixed64 (a LogRecord's
 *     7 is a varint, a Metric's 7 bytes, a Sum);
 *   - a LogRecord has its observed time, field 11 as fixed64 (the SDKs
 *     set it on every record; a Span's and a Metric's 11 is bytes), most
 *     also a time (1, fixed64) and a severity (2, varint);
 *   - a Metric has a name, field 1 as bytes (a LogRecord's 1 is fixed64)
 *     whose length is not a trace_id's 16 bytes - and usually a Sum
 *     (7 as bytes), which no other type allows.
 * When two types are still left (records with none of those fields: a
 * Gauge metric named with exactly 16 bytes, a record that is empty), the
 * strict decoder (otlp_pb.h) tries each: the frame is of the type it
 * decodes whole as, if there is exactly one. Otherwise it cannot be told
 * and is an error - nothing is guessed. Records of different types in one
 * message, or a record that fits none, are errors too.
 */
#ifndef SPENDTOP_OTLP_FRAME_H
#define SPENDTOP_OTLP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collectors/otlp.h"

enum otlp_file_format {
    OTLP_FILE_UNKNOWN,      /* nothing written yet */
    OTLP_FILE_LINES,        /* format: json, one request per line */
    OTLP_FILE_FRAMES,       /* format: proto, length-prefixed frames */
};

/* The format of a file whose first byte is first. */
enum otlp_file_format otlp_frame_format(unsigned char first);

/* A frame: OTLP_FRAME_HEADER bytes of length, then the message. */
#define OTLP_FRAME_HEADER 4
/* The message length a frame header (OTLP_FRAME_HEADER bytes) gives. */
uint32_t otlp_frame_length(const void *header);

/* True if the message is zstd-compressed (the exporter's `compression:
 * zstd`): it starts with zstd's magic number 28 B5 2F FD. An OTLP request
 * never does (its first byte is a field-1 tag, 0x0A). */
bool otlp_frame_compressed(const void *msg, size_t len);

/* The signal of the len-byte request at msg (see above). 1 with *sig set;
 * 0 if it holds no record at all (nothing to read, whatever its type);
 * -1 with the reason in err. */
int otlp_frame_signal(const void *msg, size_t len, enum otlp_signal *sig, char *err,
                      size_t errlen);

#endif
