// run.cjs SCENARIO OUTDIR [--otlp URL] [--simple] [--metrics]
//
// Runs one instrumentation scenario (scenarios/SCENARIO.cjs) as an
// application would: an OpenTelemetry tracer provider is registered
// globally, the scenario's instrumentation is set up, and its library
// calls the fake provider (fake_llm.cjs). Spans are exported as OTLP/JSON:
// by default one ExportTraceServiceRequest per line to OUTDIR/spans.json
// (what the Collector's file exporter writes); with --otlp, posted to URL
// with the OTLP/HTTP JSON exporter. --simple exports every span on its own
// as it ends (SimpleSpanProcessor), so the spans of one call arrive in
// separate exports. With --metrics, a global meter provider is registered
// too (as @opentelemetry/sdk-node does), and what the instrumentation
// recorded (gen_ai.client.token.usage: the same calls again) is appended
// to OUTDIR/spans.json as an ExportMetricsServiceRequest line after the
// spans. The fake provider's answers go to OUTDIR/truth.jsonl.
//
// A scenario module exports:
//   instrument(ctx)  before the library is required: register instrumentations
//   run(ctx)         make the calls (ctx.baseOpenAI, ctx.baseAnthropic, ctx.port)
//   processor(ctx, exporter)  optional: its own span processor (Langfuse's)
'use strict';
const fs = require('fs');
const path = require('path');
const { start } = require('./fake_llm.cjs');

function fileExporter(file) {
  const { JsonTraceSerializer } = require('@opentelemetry/otlp-transformer');
  const { ExportResultCode } = require('@opentelemetry/core');
  return {
    export(spans, done) {
      const body = Buffer.from(JsonTraceSerializer.serializeRequest(spans)).toString('utf8');
      fs.appendFileSync(file, body + '\n');
      done({ code: ExportResultCode.SUCCESS });
    },
    shutdown() { return Promise.resolve(); },
    forceFlush() { return Promise.resolve(); },
  };
}

async function main() {
  const [name, outdir, ...opts] = process.argv.slice(2);
  const otlp = opts.includes('--otlp') ? opts[opts.indexOf('--otlp') + 1] : null;
  const simple = opts.includes('--simple');
  const withMetrics = opts.includes('--metrics');
  const scenario = require(path.join(__dirname, 'scenarios', `${name}.cjs`));
  const fake = await start(path.join(outdir, 'truth.jsonl'));
  const ctx = {
    port: fake.port,
    baseOpenAI: `http://127.0.0.1:${fake.port}/v1`,
    baseAnthropic: `http://127.0.0.1:${fake.port}`,
    otlp,
  };
  process.env.OPENAI_API_KEY = 'sk-fake';
  process.env.ANTHROPIC_API_KEY = 'sk-ant-fake';

  const { NodeTracerProvider, BatchSpanProcessor, SimpleSpanProcessor } =
    require('@opentelemetry/sdk-trace-node');
  const { resourceFromAttributes } = require('@opentelemetry/resources');
  let exporter = null;
  if (otlp) {
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
    exporter = new OTLPTraceExporter({ url: otlp });
  }
  if (!exporter)
    exporter = fileExporter(path.join(outdir, 'spans.json'));
  const processor = scenario.processor ? scenario.processor(ctx, exporter)
    : simple ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': `families-${name}`, 'tenant.id': 'acme' }),
    spanProcessors: [processor],
  });
  provider.register();
  ctx.provider = provider;
  let reader = null;
  if (withMetrics) {
    const { MeterProvider, MetricReader } = require('@opentelemetry/sdk-metrics');
    const { metrics } = require('@opentelemetry/api');
    // collected once, at the end: what a periodic reader would export
    reader = new (class extends MetricReader {
      async onForceFlush() {}
      async onShutdown() {}
    })();
    metrics.setGlobalMeterProvider(new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': `families-${name}`,
                                         'tenant.id': 'acme' }),
      readers: [reader],
    }));
  }
  if (scenario.instrument)
    await scenario.instrument(ctx);
  await scenario.run(ctx);
  await provider.forceFlush();
  await provider.shutdown();
  if (reader) {
    const { JsonMetricsSerializer } = require('@opentelemetry/otlp-transformer');
    const { resourceMetrics } = await reader.collect();
    const body = Buffer.from(JsonMetricsSerializer.serializeRequest(resourceMetrics));
    fs.appendFileSync(path.join(outdir, 'spans.json'), body.toString('utf8') + '\n');
  }
  await fake.close();
}

main().catch((e) => {
  console.error(`run.cjs: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
