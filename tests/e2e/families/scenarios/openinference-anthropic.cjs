// Arize OpenInference's anthropic instrumentation, the SDK's own tracing off.
'use strict';
exports.instrument = () => {
  process.env.ANTHROPIC_OPEN_TELEMETRY = 'false';
  const { registerInstrumentations } = require('@opentelemetry/instrumentation');
  const { AnthropicInstrumentation } = require('@arizeai/openinference-instrumentation-anthropic');
  registerInstrumentations({ instrumentations: [new AnthropicInstrumentation()] });
};
exports.run = require('./anthropic-sdk.cjs').run;
