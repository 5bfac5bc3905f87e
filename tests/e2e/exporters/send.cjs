// send.cjs - real OpenTelemetry JS exporters send known usage to spendtop
// (tests/e2e/exporters.sh). Run with NODE_PATH at the installed packages.
//
//   node send.cjs exporters HTTP_PORT GRPC_PORT   the nine exporter packages
//       (@opentelemetry/exporter-{trace,logs,metrics}-otlp-{http,proto,grpc};
//       GRPC_PORT 0 leaves the gRPC ones out), each its own tenant
//   node send.cjs sdk-node                        @opentelemetry/sdk-node as
//       configured by the environment (OTEL_EXPORTER_OTLP_PROTOCOL unset)
//   node send.cjs claude-code HTTP_PORT           one session's event AND its
//       token metrics (as Claude Code sends both; DELTA, its default), over
//       http/protobuf, tenant "claude-code": counted once
//   node send.cjs file DIR                        what the Collector's file
//       exporter would write of a span, an event and the metrics (tenant
//       "file"), by the serializers the exporters use: DIR/json/export.json
//       (format: json, a line each) and DIR/proto/export.bin (format: proto,
//       a 4-byte big-endian length and the protobuf message each)
//
// Every sender sends the same usage under its own tenant "<signal>-<protocol>":
//   a span   chat gpt-4o-mini: input 1000 (300 cached), output 200
//   an event Claude Code api_request claude-haiku-4-5: input_tokens 100,
//            cache_read_tokens 1000, output_tokens 50, cost_usd 0.01
//   metrics  claude_code.token.usage claude-haiku-4-5 (cumulative, the SDK's
//            default): input 10, cacheRead 500, output 20
// A failed export exits non-zero.
'use strict';
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { TracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace');
const { LoggerProvider, SimpleLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const { MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');

const MODEL = 'claude-haiku-4-5';

function resource(tenant) {
  return resourceFromAttributes({ 'service.name': 'e2e-' + tenant, 'tenant.id': tenant });
}

function span(tracer) {
  tracer.startSpan('chat gpt-4o-mini', {
    attributes: {
      'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.cache_read.input_tokens': 300, 'gen_ai.usage.output_tokens': 200,
    },
  }).end();
}

function event(logger, tenant) {
  logger.emit({
    eventName: 'claude_code.api_request', body: 'claude_code.api_request',
    attributes: {
      'event.name': 'api_request', 'session.id': 'events-' + tenant, model: MODEL,
      input_tokens: 100, cache_read_tokens: 1000, cache_creation_tokens: 0,
      output_tokens: 50, cost_usd: 0.01, duration_ms: 900,
    },
  });
}

function tokens(meter, tenant) {
  const c = meter.createCounter('claude_code.token.usage', { unit: 'tokens' });
  const a = { 'session.id': 'metrics-' + tenant, model: MODEL };
  c.add(10, { ...a, type: 'input' });
  c.add(500, { ...a, type: 'cacheRead' });
  c.add(20, { ...a, type: 'output' });
}

async function traces(Exporter, url, tenant) {
  const tp = new TracerProvider({
    resource: resource(tenant),
    spanProcessors: [new SimpleSpanProcessor({ exporter: new Exporter({ url }) })],
  });
  span(tp.getTracer('e2e'));
  await tp.forceFlush();
  await tp.shutdown();
}

async function logs(Exporter, url, tenant) {
  const lp = new LoggerProvider({
    resource: resource(tenant),
    processors: [new SimpleLogRecordProcessor({ exporter: new Exporter({ url }) })],
  });
  event(lp.getLogger('com.anthropic.claude_code.events'), tenant);
  await lp.forceFlush();
  await lp.shutdown();
}

async function metrics(Exporter, url, tenant) {
  const reader = new PeriodicExportingMetricReader({
    exporter: new Exporter({ url }), exportIntervalMillis: 3600000,
  });
  const mp = new MeterProvider({ resource: resource(tenant), readers: [reader] });
  tokens(mp.getMeter('com.anthropic.claude_code'), tenant);
  await mp.forceFlush();
  await mp.shutdown();
}

// An exporter that failed reports through the global error handler or the
// export result; either way the process must not end quietly.
function watchErrors() {
  const { diag, DiagLogLevel } = require('@opentelemetry/api');
  diag.setLogger({
    error: (...a) => { console.error('otel error:', ...a); process.exitCode = 1; },
    warn: (...a) => console.error('otel warn:', ...a),
    info: () => {}, debug: () => {}, verbose: () => {},
  }, DiagLogLevel.WARN);
}

async function exporters(httpPort, grpcPort) {
  const base = `http://127.0.0.1:${httpPort}`;
  const protocols = [
    ['http', base, (s) => `${base}/v1/${s}`],
    ['proto', base, (s) => `${base}/v1/${s}`],
  ];
  if (grpcPort !== '0')
    protocols.push(['grpc', null, () => `http://127.0.0.1:${grpcPort}`]);
  for (const [proto, , url] of protocols) {
    const pkg = (sig) => require(`@opentelemetry/exporter-${sig}-otlp-${proto}`);
    await traces(pkg('trace').OTLPTraceExporter, url('traces'), `traces-${proto}`);
    await logs(pkg('logs').OTLPLogExporter, url('logs'), `logs-${proto}`);
    await metrics(pkg('metrics').OTLPMetricExporter, url('metrics'), `metrics-${proto}`);
  }
}

// sdk-node: exporters, protocol and endpoint from the environment, as an
// application configured only by OTEL_* variables would have them.
async function sdkNode() {
  const { NodeSDK } = require('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({ resource: resourceFromAttributes({ 'tenant.id': 'sdk-node' }) });
  sdk.start();
  const api = require('@opentelemetry/api');
  span(api.trace.getTracer('e2e'));
  event(api.logs.getLogger('com.anthropic.claude_code.events'), 'sdk-node');
  tokens(api.metrics.getMeter('com.anthropic.claude_code'), 'sdk-node');
  await sdk.shutdown(); // flushes every signal
}

// Claude Code's way: the same usage as an event and as metrics, one session.
async function claudeCode(httpPort) {
  const { AggregationTemporality } = require('@opentelemetry/sdk-metrics');
  const base = `http://127.0.0.1:${httpPort}`;
  const pkg = (sig) => require(`@opentelemetry/exporter-${sig}-otlp-proto`);
  const res = resource('claude-code');
  const lp = new LoggerProvider({
    resource: res,
    processors: [new SimpleLogRecordProcessor({ exporter: new (pkg('logs').OTLPLogExporter)({ url: `${base}/v1/logs` }) })],
  });
  const reader = new PeriodicExportingMetricReader({
    exporter: new (pkg('metrics').OTLPMetricExporter)({
      url: `${base}/v1/metrics`, temporalityPreference: AggregationTemporality.DELTA,
    }),
    exportIntervalMillis: 3600000,
  });
  const mp = new MeterProvider({ resource: res, readers: [reader] });
  const session = { 'session.id': 'session-1', model: MODEL };
  lp.getLogger('com.anthropic.claude_code.events').emit({
    body: 'claude_code.api_request',
    attributes: { ...session, 'event.name': 'api_request', input_tokens: 100,
      cache_read_tokens: 1000, cache_creation_tokens: 0, output_tokens: 50, cost_usd: 0.01 },
  });
  await lp.forceFlush(); // every 5 s in Claude Code; metrics every 60 s
  const c = mp.getMeter('com.anthropic.claude_code').createCounter('claude_code.token.usage');
  c.add(100, { ...session, type: 'input' });
  c.add(1000, { ...session, type: 'cacheRead' });
  c.add(50, { ...session, type: 'output' });
  await mp.forceFlush();
  await lp.shutdown();
  await mp.shutdown();
}

// The file exporter's two formats, from the same exported data: each
// signal's request serialized by @opentelemetry/otlp-transformer, the
// code the OTLP exporters send with.
async function files(dir) {
  const fs = require('node:fs');
  const t = require('@opentelemetry/otlp-transformer');
  const { InMemorySpanExporter } = require('@opentelemetry/sdk-trace');
  const { InMemoryLogRecordExporter } = require('@opentelemetry/sdk-logs');
  const { MetricReader } = require('@opentelemetry/sdk-metrics');
  const res = resource('file');
  const spans = new InMemorySpanExporter();
  const tp = new TracerProvider({ resource: res, spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
  span(tp.getTracer('e2e'));
  await tp.forceFlush();
  const logs = new InMemoryLogRecordExporter();
  const lp = new LoggerProvider({ resource: res, processors: [new SimpleLogRecordProcessor({ exporter: logs })] });
  event(lp.getLogger('com.anthropic.claude_code.events'), 'file');
  await lp.forceFlush();
  class Reader extends MetricReader {
    async onForceFlush() {}
    async onShutdown() {}
  }
  const reader = new Reader();
  const mp = new MeterProvider({ resource: res, readers: [reader] });
  tokens(mp.getMeter('com.anthropic.claude_code'), 'file');
  const { resourceMetrics } = await reader.collect();
  const exports = [
    [t.JsonTraceSerializer, t.ProtobufTraceSerializer, spans.getFinishedSpans()],
    [t.JsonLogsSerializer, t.ProtobufLogsSerializer, logs.getFinishedLogRecords()],
    [t.JsonMetricsSerializer, t.ProtobufMetricsSerializer, resourceMetrics],
  ];
  const lines = [], frames = [];
  for (const [json, pb, data] of exports) {
    lines.push(Buffer.from(json.serializeRequest(data)).toString() + '\n');
    const msg = Buffer.from(pb.serializeRequest(data));
    const len = Buffer.alloc(4);
    len.writeUInt32BE(msg.length);
    frames.push(len, msg);
  }
  fs.mkdirSync(`${dir}/json`);
  fs.mkdirSync(`${dir}/proto`);
  fs.writeFileSync(`${dir}/json/export.json`, lines.join(''));
  fs.writeFileSync(`${dir}/proto/export.bin`, Buffer.concat(frames));
}

watchErrors();
const [mode, a, b] = process.argv.slice(2);
const run = { 'sdk-node': sdkNode, 'claude-code': () => claudeCode(a), file: () => files(a) }[mode];
(run ? run() : exporters(a, b)).catch((e) => {
  console.error('send.cjs:', e);
  process.exit(1);
});
