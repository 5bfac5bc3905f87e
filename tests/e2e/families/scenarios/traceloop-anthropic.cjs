// Traceloop's anthropic instrumentation around the Anthropic SDK 0.x
// (Traceloop 0.27 patches Anthropic.Completions, gone in the SDK 1.x),
// whose own tracing stays on: two spans, parent and child, for each call.
'use strict';
exports.instrument = (ctx) => {
  const { AnthropicInstrumentation } = require('@traceloop/instrumentation-anthropic');
  const inst = new AnthropicInstrumentation();
  inst.setTracerProvider(ctx.provider);
  inst.manuallyInstrument(require('anthropic-sdk-0'));
};
exports.run = (ctx) => require('./anthropic-sdk.cjs').run({ ...ctx, anthropicModule: 'anthropic-sdk-0' });
