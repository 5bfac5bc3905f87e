"""chat_spans.py - imported by end-to-end scripts: chat spans of known
token counts, one per row, as one OTLP/JSON export line (the Collector
file exporter's form)."""
import json


def attr(k, v):
    return {"key": k, "value": {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}}


def write(path, rows, provider="openai"):
    """rows: (tenant, model, input_tokens, unix seconds); trace and span ids 1, 2, ..."""
    spans = [{"traceId": "%032x" % (i + 1), "spanId": "%016x" % (i + 1),
              "startTimeUnixNano": str(ts * 10**9),
              "attributes": [attr("gen_ai.operation.name", "chat"),
                             attr("gen_ai.provider.name", provider),
                             attr("gen_ai.request.model", model),
                             attr("gen_ai.usage.input_tokens", tokens),
                             attr("tenant.id", tenant)]}
             for i, (tenant, model, tokens, ts) in enumerate(rows)]
    with open(path, "w") as f:
        f.write(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}) + "\n")
