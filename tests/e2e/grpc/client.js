// client.js PORT - a real gRPC client (@grpc/grpc-js) against
// tests/grpc_echo (started with --max-message 65536): unary calls with
// identity and gzip encoding, the server's refusals as grpc-js reports
// them, and 200 calls at once on one channel. Exits non-zero on the first
// mismatch; prints one line per check.
'use strict';
const assert = require('node:assert');
const grpc = require('@grpc/grpc-js');

const port = process.argv[2];
const target = `127.0.0.1:${port}`;
const identity = (b) => b;
const plain = new grpc.Client(target, grpc.credentials.createInsecure());
// grpc-js compresses every message it sends on this channel (grpc-encoding: gzip)
const gzip = new grpc.Client(target, grpc.credentials.createInsecure(), {
    'grpc.default_compression_algorithm': 2,
});

function call(client, method, msg) {
    return new Promise((resolve) => {
        client.makeUnaryRequest(`/grpc.echo.v1.Echo/${method}`, identity, identity, msg,
            new grpc.Metadata(), { deadline: Date.now() + 10000 },
            (err, res) => resolve({ err, res }));
    });
}

async function expectOk(name, client, method, msg) {
    const { err, res } = await call(client, method, msg);
    assert.ifError(err);
    assert.ok(Buffer.compare(res, msg) === 0, `${name}: the echo differs`);
    console.log(`ok ${name}`);
}

async function expectStatus(name, client, method, msg, code, text) {
    const { err } = await call(client, method, msg);
    assert.ok(err, `${name}: no error`);
    assert.strictEqual(err.code, code, `${name}: ${err.code} ${err.details}`);
    if (text)
        assert.ok(err.details.includes(text), `${name}: details '${err.details}'`);
    console.log(`ok ${name}: ${grpc.status[code]} (${err.details})`);
}

async function main() {
    const text = Buffer.from('spendtop counts tokens. '.repeat(2000)); // 48000 bytes
    await expectOk('unary call', plain, 'Echo', Buffer.from('hello'));
    await expectOk('empty message', plain, 'Echo', Buffer.alloc(0));
    await expectOk('asynchronous answer', plain, 'Later', Buffer.from('later'));
    await expectOk('gzip request', gzip, 'Echo', text);
    await expectStatus('over the limit', plain, 'Echo', Buffer.alloc(100000),
        grpc.status.RESOURCE_EXHAUSTED, 'maximum message size');
    // 1 MiB of zeros is ~1 KiB gzipped: only inflating it goes over 64 KiB
    await expectStatus('gzip bomb', gzip, 'Echo', Buffer.alloc(1 << 20),
        grpc.status.RESOURCE_EXHAUSTED, 'inflated');
    await expectStatus('handler status', plain, 'Fail', Buffer.from('bad 100% "input"'),
        grpc.status.INVALID_ARGUMENT, 'bad 100% "input"');
    await expectStatus('unknown method', plain, 'Nope', Buffer.from('x'),
        grpc.status.UNIMPLEMENTED, '/grpc.echo.v1.Echo/Nope');
    const many = [];
    for (let i = 0; i < 200; i++) {
        const msg = Buffer.from(`call ${i}`);
        many.push(call(i % 2 ? gzip : plain, 'Echo', msg).then(({ err, res }) => {
            assert.ifError(err);
            assert.ok(Buffer.compare(res, msg) === 0);
        }));
    }
    await Promise.all(many);
    console.log('ok 200 concurrent calls');
    // the server is still fine after all that
    await expectOk('unary call again', plain, 'Echo', Buffer.from('again'));
    plain.close();
    gzip.close();
}

main().catch((e) => {
    console.error(`FAIL: ${e.message}`);
    process.exit(1);
});
