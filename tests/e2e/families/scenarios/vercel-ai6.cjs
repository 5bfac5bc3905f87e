// Vercel AI SDK 6 (experimental_telemetry): generateText and streamText
// over OpenAI (Responses and Chat) and Anthropic.
'use strict';
exports.run = async (ctx) => {
  const { generateText, streamText } = require(ctx.ai || 'ai6');
  const { createOpenAI } = require(ctx.aiOpenAI || 'ai-sdk-openai-3');
  const { createAnthropic } = require(ctx.aiAnthropic || 'ai-sdk-anthropic-3');
  const openai = createOpenAI({ baseURL: ctx.baseOpenAI, apiKey: 'sk-fake' });
  const anthropic = createAnthropic({ baseURL: `${ctx.baseAnthropic}/v1`, apiKey: 'sk-ant-fake' });
  const t = ctx.telemetry || { experimental_telemetry: { isEnabled: true } };
  await generateText({ model: openai('gpt-5-mini'), prompt: 'hi', ...t });
  await generateText({ model: openai.chat('gpt-4o-mini'), prompt: 'hi', ...t });
  await generateText({ model: anthropic('claude-sonnet-4-5'), prompt: 'hi', ...t });
  const s = streamText({ model: openai.chat('gpt-4o-mini'), prompt: 'hi', ...t });
  for await (const _ of s.textStream) { }
  await s.usage;
};
