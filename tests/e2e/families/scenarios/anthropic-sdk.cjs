// The Anthropic SDK's built-in tracing (on while a global tracer provider
// exists): a message and a stream.
'use strict';
exports.run = async (ctx) => {
  const Anthropic = require(ctx.anthropicModule || '@anthropic-ai/sdk');
  const client = new (Anthropic.default || Anthropic)({ baseURL: ctx.baseAnthropic, apiKey: 'sk-ant-fake' });
  const req = { model: 'claude-sonnet-4-5', max_tokens: 1024,
                messages: [{ role: 'user', content: 'hi' }] };
  await client.messages.create(req);
  const stream = await client.messages.create({ ...req, stream: true });
  for await (const _ of stream) { }
};
