// Langfuse: observeOpenAI and the Langfuse span processor.
'use strict';
exports.processor = (ctx, exporter) => {
  const { LangfuseSpanProcessor } = require('@langfuse/otel');
  return new LangfuseSpanProcessor({ exporter, publicKey: 'pk-lf-fake', secretKey: 'sk-lf-fake' });
};
exports.run = async (ctx) => {
  const OpenAI = require('openai');
  const { observeOpenAI } = require('@langfuse/openai');
  const client = observeOpenAI(new OpenAI({ baseURL: ctx.baseOpenAI, apiKey: 'sk-fake' }));
  const messages = [{ role: 'user', content: 'hi' }];
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
  await client.chat.completions.create({ model: 'gpt-5-mini', messages });
  await client.responses.create({ model: 'o4-mini', input: 'hi' });
};
