// Vercel AI SDK 7 with @ai-sdk/otel.
'use strict';
exports.instrument = () => {
  const { OpenTelemetry } = require('@ai-sdk/otel');
  const { registerTelemetry } = require('ai');
  registerTelemetry(new OpenTelemetry());
};
exports.run = (ctx) => require('./vercel-ai6.cjs').run({
  ...ctx, ai: 'ai', aiOpenAI: '@ai-sdk/openai', aiAnthropic: '@ai-sdk/anthropic', telemetry: {} });
