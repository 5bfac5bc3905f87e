/* otlp_json.h - OTLP/JSON -> the OTLP data model (otlp.h).
 *
 * One JSON document: an Export{Trace,Logs,Metrics}ServiceRequest, i.e. a
 * Collector file-exporter line or an OTLP/HTTP JSON body. The signal is
 * what the document holds (resourceSpans, resourceLogs, resourceMetrics;
 * one document may hold several). The OTLP JSON mapping: lowerCamelCase
 * keys, ids in hex, 64-bit integers as decimal strings (numbers accepted
 * too), enums as numbers (their names accepted too), bytesValue in base64.
 *
 * Lenient per record, as a file of many exporters' lines needs: an item
 * that is not an object where a record should be is reported to
 * visitor->invalid and the rest is visited; a value that is not what its
 * key says ("intValue": "abc") is OTLP_EMPTY; unknown keys are ignored.
 * Refused whole (-1, nothing visited): text that is not JSON, a document
 * that is not an object or holds no OTLP signal, a signal key whose value
 * is not an array. An empty object ({}) is a valid empty export.
 */
#ifndef SPENDTOP_OTLP_JSON_H
#define SPENDTOP_OTLP_JSON_H

#include <stddef.h>

#include "collectors/otlp.h"

/* Decode len bytes of json and visit what they hold. 0, or -1 with the
 * reason in err (and nothing visited). */
int otlp_json_visit(const char *json, size_t len, const struct otlp_visitor *v,
                    char *err, size_t errlen);

/* Free the parse arena kept between documents (at exit). */
void otlp_json_cleanup(void);

#endif
