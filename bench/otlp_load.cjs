// otlp_load.cjs PROTOCOL PORT CLIENTS SECONDS SPANS - OTLP trace exports
// as fast as CLIENTS clients can have them accepted, each with one export
// of SPANS chat spans in flight, for SECONDS (bench/receivers.sh).
//   PROTOCOL  grpc (@grpc/grpc-js, a channel per client), http-proto or
//             http-json (node:http, a kept-alive connection per client)
// Prints "exports spans seconds p50_ms p99_ms": latency is request sent to
// answer read. Every answer is checked (gRPC OK / HTTP 200); every span has
// ids of its own, so none is a duplicate. Client and server share the
// machine: the rate is a floor.
'use strict';
const http = require('node:http');
const grpc = require('@grpc/grpc-js');

const [proto, port, clients, seconds, spans] = process.argv.slice(2);
const N = Number(spans);

// ---- a minimal protobuf writer, enough for ExportTraceServiceRequest ----
function varint(n) {
  const out = [];
  let v = BigInt(n);
  while (v >= 0x80n) { out.push(Number(v & 0x7fn) | 0x80); v >>= 7n; }
  out.push(Number(v));
  return Buffer.from(out);
}
const tag = (f, w) => varint((f << 3) | w);
const len = (f, b) => Buffer.concat([tag(f, 2), varint(b.length), b]);
const str = (f, s) => len(f, Buffer.from(s));
function fixed64(f, n) { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(n)); return Buffer.concat([tag(f, 1), b]); }
const kvs = (key, v) => len(9, Buffer.concat([str(1, key), len(2, v)]));
const sval = (s) => str(1, s);
const ival = (n) => Buffer.concat([tag(3, 0), varint(n)]);

// One export is built once with zero ids; each request is a copy with ids
// of its own written at the recorded offsets (so the client spends its
// time sending, not encoding).
let serial = 0;
let template = null;
const idAt = [];
function buildTemplate() {
  const now = BigInt(Date.now()) * 1000000n;
  const attrs = Buffer.concat([
    kvs('gen_ai.operation.name', sval('chat')), kvs('gen_ai.provider.name', sval('openai')),
    kvs('gen_ai.request.model', sval('gpt-4o-mini')), kvs('tenant.id', sval('bench')),
    kvs('gen_ai.usage.input_tokens', ival(1000)), kvs('gen_ai.usage.output_tokens', ival(100)),
  ]);
  const spansB = [];
  for (let i = 0; i < N; i++) {
    spansB.push(len(2, Buffer.concat([
      len(1, Buffer.alloc(16)), len(2, Buffer.alloc(8)), str(5, 'chat gpt-4o-mini'),
      fixed64(7, now), fixed64(8, now), attrs,
    ])));
  }
  template = len(1, len(2, Buffer.concat(spansB)));
  // each span's trace id follows its bytes 0x0a 0x10 (field 1, 16 bytes)
  for (let at = 0; (at = template.indexOf(Buffer.from([0x0a, 0x10]), at)) >= 0; at += 2)
    if (template[at + 18] === 0x12 && template[at + 19] === 0x08)
      idAt.push(at + 2);
}
function pbExport() {
  if (!template)
    buildTemplate();
  const b = Buffer.from(template);
  for (const at of idAt) {
    const id = ++serial;
    b.writeUInt32BE(process.pid, at);
    b.writeUInt32BE(id, at + 12);
    b.writeUInt32BE(id, at + 20); // the span id, after 0x12 0x08
  }
  return b;
}

// JSON the same way: built once with placeholder ids of the same width,
// each request a copy with its own ids written in as hex.
let jsonTemplate = null;
const jsonIdAt = [];
function buildJsonTemplate() {
  const now = String(BigInt(Date.now()) * 1000000n);
  const a = (k, v) => ({ key: k, value: v });
  const spansJ = [];
  for (let i = 0; i < N; i++) {
    spansJ.push({
      traceId: 'T'.repeat(32), spanId: 'S'.repeat(16), name: 'chat gpt-4o-mini',
      startTimeUnixNano: now, endTimeUnixNano: now,
      attributes: [a('gen_ai.operation.name', { stringValue: 'chat' }),
        a('gen_ai.provider.name', { stringValue: 'openai' }),
        a('gen_ai.request.model', { stringValue: 'gpt-4o-mini' }),
        a('tenant.id', { stringValue: 'bench' }),
        a('gen_ai.usage.input_tokens', { intValue: 1000 }),
        a('gen_ai.usage.output_tokens', { intValue: 100 })],
    });
  }
  jsonTemplate = Buffer.from(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: spansJ }] }] }));
  const offsets = (mark) => {
    const out = [];
    for (let at = 0; (at = jsonTemplate.indexOf(mark, at)) >= 0; at += mark.length)
      out.push(at);
    return out;
  };
  const traces = offsets(Buffer.from('T'.repeat(32)));
  const spanIds = offsets(Buffer.from('S'.repeat(16)));
  for (let i = 0; i < traces.length; i++)
    jsonIdAt.push([traces[i], spanIds[i]]);
}
function jsonExport() {
  if (!jsonTemplate)
    buildJsonTemplate();
  const b = Buffer.from(jsonTemplate);
  const pid = process.pid.toString(16).padStart(8, '0');
  for (const [traceAt, spanAt] of jsonIdAt) {
    const id = (++serial).toString(16).padStart(16, '0');
    b.write(pid + '00000000' + id, traceAt, 'latin1');
    b.write(id, spanAt, 'latin1');
  }
  return b;
}

// ---- clients ----
function grpcClient() {
  const c = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return (msg) => new Promise((resolve, reject) => {
    c.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      (b) => b, (b) => b, msg, (err) => (err ? reject(err) : resolve()));
  });
}

function httpClient(json) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const type = json ? 'application/json' : 'application/x-protobuf';
  return (msg) => new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', agent,
      headers: { 'Content-Type': type, 'Content-Length': msg.length } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(msg);
  });
}

async function run() {
  const make = proto === 'grpc' ? pbExport : proto === 'http-json' ? jsonExport : pbExport;
  const latencies = [];
  const end = Date.now() + Number(seconds) * 1000;
  const t0 = process.hrtime.bigint();
  async function loop() {
    const send = proto === 'grpc' ? grpcClient() : httpClient(proto === 'http-json');
    while (Date.now() < end) {
      const msg = make();
      const s = process.hrtime.bigint();
      await send(msg);
      latencies.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
  }
  await Promise.all(Array.from({ length: Number(clients) }, loop));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  latencies.sort((x, y) => x - y);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  console.log(`${latencies.length} ${latencies.length * N} ${secs.toFixed(2)} ${q(0.5).toFixed(2)} ${q(0.99).toFixed(2)}`);
  process.exit(0);
}

run().catch((e) => { console.error('otlp_load:', e.message); process.exit(1); });
