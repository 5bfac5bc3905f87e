// budget.js PORT BIG - OTLP/gRPC exports as a Collector sends them to an
// otlp_http source's grpc_listen (max_body above 16 MiB), for
// tests/e2e/grpc_budget.sh: one message of BIG bytes, then ten of 2 MB at
// once on one channel (the Collector's sending queue shares a connection).
// Each must be OK: a message max_body allows is never refused by the
// server's byte budgets, and a budget refusal, were there one, must be
// UNAVAILABLE (retried), never RESOURCE_EXHAUSTED (the data dropped).
// Then a message that does not decode and an unknown method, refused.
// Prints the number of spans acknowledged.
'use strict';
const grpc = require('@grpc/grpc-js');

const [port, big] = process.argv.slice(2);
const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(),
  { 'grpc.max_send_message_length': -1 });
const identity = (b) => b;
const PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

// protobuf by hand: a tag, a varint, a length-delimited field
function varint(n) {
  const out = [];
  while (n > 127) { out.push((n % 128) | 128); n = Math.floor(n / 128); }
  out.push(n);
  return Buffer.from(out);
}
const bytes = (field, b) => Buffer.concat([varint(field * 8 + 2), varint(b.length), b]);
const str = (field, s) => bytes(field, Buffer.from(s));
function attr(key, value) {
  const any = typeof value === 'number' ? Buffer.concat([varint(3 * 8), varint(value)])
    : str(1, value);
  return bytes(9, Buffer.concat([str(1, key), bytes(2, any)]));
}
let next = 1;
// an ExportTraceServiceRequest of one chat span padded to about size bytes
function request(size) {
  const id = Buffer.alloc(8);
  id.writeUInt32BE(next++, 4);
  const start = Buffer.alloc(8);
  start.writeBigUInt64LE(BigInt(Date.now() - 60000) * 1000000n);
  const span = Buffer.concat([bytes(1, Buffer.alloc(16, 7)), bytes(2, id), str(5, 'chat'),
    Buffer.from([7 * 8 + 1]), start,
    attr('gen_ai.operation.name', 'chat'), attr('gen_ai.provider.name', 'openai'),
    attr('gen_ai.request.model', 'gpt-4o-mini'), attr('gen_ai.usage.input_tokens', 1000),
    attr('gen_ai.usage.output_tokens', 100), attr('pad', 'x'.repeat(size))]);
  return bytes(1, bytes(2, bytes(2, span)));
}
const call = (msg) => new Promise((resolve) => client.makeUnaryRequest(PATH, identity, identity,
  msg, new grpc.Metadata(), { deadline: Date.now() + 60000 },
  (err) => resolve(err ? `${grpc.status[err.code]}: ${err.details}` : 'OK')));

(async () => {
  const fail = (what, got) => { console.error(`FAIL: ${what}: ${got}`); process.exit(1); };
  const one = await call(request(Number(big)));
  if (one !== 'OK')
    fail(`one message of ${big} bytes, within max_body`, one);
  const ten = await Promise.all(Array.from({ length: 10 }, () => call(request(2000000))));
  const bad = ten.filter((r) => r !== 'OK');
  if (bad.length)
    fail('ten messages of 2 MB at once', bad.join('; '));
  // refusals, for grpc_budget.sh to find in the log
  const undecodable = await call(Buffer.from([0x0a, 0x05, 0x01]));
  if (!undecodable.startsWith('INVALID_ARGUMENT'))
    fail('a message that does not decode', undecodable);
  const nope = await new Promise((resolve) => client.makeUnaryRequest(
    '/opentelemetry.proto.collector.trace.v1.TraceService/Nope', identity, identity,
    Buffer.alloc(0), new grpc.Metadata(), { deadline: Date.now() + 60000 },
    (err) => resolve(err ? grpc.status[err.code] : 'OK')));
  if (nope !== 'UNIMPLEMENTED')
    fail('an unknown method', nope);
  console.log(11);
  client.close();
})();
