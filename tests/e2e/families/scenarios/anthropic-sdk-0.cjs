// The Anthropic SDK 0.x's built-in tracing.
'use strict';
const base = require('./anthropic-sdk.cjs');
exports.run = (ctx) => base.run({ ...ctx, anthropicModule: 'anthropic-sdk-0' });
