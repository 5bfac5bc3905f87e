// Arize OpenInference's LangChain instrumentation.
'use strict';
exports.instrument = () => {
  const { LangChainInstrumentation } = require('@arizeai/openinference-instrumentation-langchain');
  const lc = new LangChainInstrumentation();
  lc.manuallyInstrument(require('@langchain/core/callbacks/manager'));
};
exports.run = require('./traceloop-langchain.cjs').run;
