// grpc_calls.cjs PORT DB - OTLP/gRPC calls as a real client makes them
// (@grpc/grpc-js), for tests/e2e/grpc_receiver.sh: the Export of each
// service, gzip, a message over the limit (plain and inflated), one that
// does not decode, and a database that refuses writes (UNAVAILABLE, then
// OK on the retry). The messages are made by OpenTelemetry JS's own
// serialisers from one span, one Claude Code event and Claude Code's token
// counters, all timed now. Prints one line per check; exits non-zero on
// the first that fails.
'use strict';
const assert = require('node:assert');
const { spawn } = require('node:child_process');
const grpc = require('@grpc/grpc-js');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { TracerProvider, SimpleSpanProcessor, InMemorySpanExporter } = require('@opentelemetry/sdk-trace');
const { LoggerProvider, SimpleLogRecordProcessor, InMemoryLogRecordExporter } = require('@opentelemetry/sdk-logs');
const { MeterProvider, MetricReader } = require('@opentelemetry/sdk-metrics');
const {
  ProtobufTraceSerializer, ProtobufLogsSerializer, ProtobufMetricsSerializer,
} = require('@opentelemetry/otlp-transformer');

const [port, db] = process.argv.slice(2);
const target = `127.0.0.1:${port}`;
const identity = (b) => b;
const plain = new grpc.Client(target, grpc.credentials.createInsecure());
const gzip = new grpc.Client(target, grpc.credentials.createInsecure(),
  { 'grpc.default_compression_algorithm': 2 });
const SVC = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
};
const resource = resourceFromAttributes({ 'service.name': 'grpc-e2e', 'tenant.id': 'grpc' });

async function messages() {
  const spans = new InMemorySpanExporter();
  const tp = new TracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
  tp.getTracer('e2e').startSpan('chat', { attributes: {
    'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 1000,
    'gen_ai.usage.cache_read.input_tokens': 300, 'gen_ai.usage.output_tokens': 200 } }).end();
  await tp.forceFlush();
  const logs = new InMemoryLogRecordExporter();
  const lp = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: logs })] });
  lp.getLogger('com.anthropic.claude_code.events').emit({ body: 'claude_code.api_request',
    attributes: { 'event.name': 'api_request', 'session.id': 'events', model: 'claude-haiku-4-5',
      input_tokens: 100, cache_read_tokens: 1000, cache_creation_tokens: 0, output_tokens: 50 } });
  await lp.forceFlush();
  class Reader extends MetricReader { async onForceFlush() {} async onShutdown() {} }
  const reader = new Reader();
  const mp = new MeterProvider({ resource, readers: [reader] });
  const c = mp.getMeter('com.anthropic.claude_code').createCounter('claude_code.token.usage');
  const a = { 'session.id': 'metrics', model: 'claude-haiku-4-5' };
  c.add(10, { ...a, type: 'input' });
  c.add(500, { ...a, type: 'cacheRead' });
  const { resourceMetrics } = await reader.collect();
  return {
    traces: Buffer.from(ProtobufTraceSerializer.serializeRequest(spans.getFinishedSpans())),
    logs: Buffer.from(ProtobufLogsSerializer.serializeRequest(logs.getFinishedLogRecords())),
    metrics: Buffer.from(ProtobufMetricsSerializer.serializeRequest(resourceMetrics)),
  };
}

function call(client, path, msg) {
  return new Promise((resolve) => {
    client.makeUnaryRequest(path, identity, identity, msg, new grpc.Metadata(),
      { deadline: Date.now() + 30000 }, (err, res) => resolve({ err, res }));
  });
}

async function ok(name, client, path, msg) {
  const { err, res } = await call(client, path, msg);
  assert.ifError(err);
  assert.strictEqual(res.length, 0, `${name}: an empty Export*ServiceResponse`);
  console.log(`ok ${name}`);
}

async function refused(name, client, path, msg, code, text) {
  const { err } = await call(client, path, msg);
  assert.ok(err, `${name}: accepted`);
  assert.strictEqual(err.code, code, `${name}: ${grpc.status[err.code]} ${err.details}`);
  assert.ok(!text || err.details.includes(text), `${name}: '${err.details}'`);
  console.log(`ok ${name}: ${grpc.status[code]} (${err.details})`);
}

// Another connection holds the database's write lock until told to let go.
function lockDatabase() {
  const py = spawn('python3', ['-c', [
    'import sqlite3, sys',
    'c = sqlite3.connect(sys.argv[1], isolation_level=None)',
    'c.execute("BEGIN EXCLUSIVE")',
    'print("locked", flush=True)',
    'sys.stdin.read()',
    'c.execute("ROLLBACK")',
  ].join('\n'), db], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve) => py.stdout.once('data', () => resolve(py)));
}

async function main() {
  const m = await messages();
  await ok('traces (gzip)', gzip, SVC.traces, m.traces);
  await ok('traces again: the same span counts once', plain, SVC.traces, m.traces);
  await ok('metrics', plain, SVC.metrics, m.metrics);
  const big = Buffer.alloc(200000, 0x41);
  await refused('over the limit', plain, SVC.logs, big, grpc.status.RESOURCE_EXHAUSTED);
  await refused('over the limit once inflated', gzip, SVC.logs, big, grpc.status.RESOURCE_EXHAUSTED);
  await refused('undecodable', plain, SVC.metrics, Buffer.from([0x0a, 0x05, 0x0a]),
    grpc.status.INVALID_ARGUMENT, 'protobuf');
  await refused('unknown service', plain, '/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export',
    m.traces, grpc.status.UNIMPLEMENTED);
  const lock = await lockDatabase();
  await refused('the database refuses writes', plain, SVC.logs, m.logs, grpc.status.UNAVAILABLE, 'retry');
  lock.stdin.end();
  await new Promise((resolve) => lock.on('exit', resolve));
  await ok('the retry', plain, SVC.logs, m.logs);
  plain.close();
  gzip.close();
}

main().catch((e) => { console.error('FAIL:', e.message); process.exit(1); });
