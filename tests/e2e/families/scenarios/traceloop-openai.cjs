// OpenLLMetry / Traceloop's openai instrumentation: chat, streams with and
// without include_usage.
'use strict';
exports.instrument = () => {
  const { registerInstrumentations } = require('@opentelemetry/instrumentation');
  const { OpenAIInstrumentation } = require('@traceloop/instrumentation-openai');
  registerInstrumentations({ instrumentations: [new OpenAIInstrumentation()] });
};
exports.run = async (ctx) => {
  const OpenAI = require('openai');
  const client = new OpenAI({ baseURL: ctx.baseOpenAI, apiKey: 'sk-fake' });
  const messages = [{ role: 'user', content: 'hi' }];
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
  await client.chat.completions.create({ model: 'gpt-5-mini', messages });
  for await (const _ of await client.chat.completions.create({
    model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } })) { }
  for await (const _ of await client.chat.completions.create({
    model: 'gpt-4o-mini', messages, stream: true })) { }
};
