// Traceloop's LangChain instrumentation: a chain over ChatOpenAI and
// ChatAnthropic.
'use strict';
exports.instrument = () => {
  const { registerInstrumentations } = require('@opentelemetry/instrumentation');
  const { LangChainInstrumentation } = require('@traceloop/instrumentation-langchain');
  registerInstrumentations({ instrumentations: [new LangChainInstrumentation()] });
};
exports.run = async (ctx) => {
  const { ChatOpenAI } = require('@langchain/openai');
  const { ChatAnthropic } = require('@langchain/anthropic');
  const gpt = new ChatOpenAI({ model: 'gpt-4o-mini', apiKey: 'sk-fake',
                                configuration: { baseURL: ctx.baseOpenAI } });
  await gpt.invoke('hi');
  const claude = new ChatAnthropic({ model: 'claude-sonnet-4-5', apiKey: 'sk-ant-fake',
                                     anthropicApiUrl: ctx.baseAnthropic });
  await claude.invoke('hi');
};
