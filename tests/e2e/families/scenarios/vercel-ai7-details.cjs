// Vercel AI SDK 7 with @ai-sdk/otel, its usage details and provider
// metadata switched on (reasoning tokens, Anthropic's 1-hour cache writes).
'use strict';
exports.instrument = () => {
  const { OpenTelemetry } = require('@ai-sdk/otel');
  const { registerTelemetry } = require('ai');
  registerTelemetry(new OpenTelemetry({ usage: true, providerMetadata: true }));
};
exports.run = require('./vercel-ai7.cjs').run;
