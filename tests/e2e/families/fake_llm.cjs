// fake_llm.cjs - a local stand-in for the OpenAI and Anthropic APIs whose
// every answer is written down: what usage it reported, so a test can say
// what spendtop must count.
//
//   POST /v1/chat/completions   OpenAI Chat Completions (stream, with or
//                               without stream_options.include_usage)
//   POST /v1/responses          OpenAI Responses (stream or not)
//   POST /v1/messages           Anthropic Messages (stream or not)
//
// Each answer's usage is made from a call counter, so no two calls report
// the same numbers (a call counted twice, or one lost, shows). Reasoning
// tokens for reasoning models (o*, gpt-5*) and for Anthropic; cached
// tokens always; Anthropic cache reads and 5-minute and 1-hour writes.
//
// start(truthPath) -> Promise<{port, close}>; each answer appends one JSON
// line to truthPath, in spendtop's own terms (DESIGN.md §3): input is ALL
// input (cached and cache writes included), output ALL output (reasoning
// included); usage=false for a stream that sent no usage.
'use strict';
const http = require('http');
const fs = require('fs');

// The dated id a provider answers with for the model asked for.
const DATED = {
  'gpt-4o-mini': 'gpt-4o-mini-2024-07-18',
  'gpt-5-mini': 'gpt-5-mini-2025-08-07',
  'o4-mini': 'o4-mini-2025-04-16',
  'claude-sonnet-4-5': 'claude-sonnet-4-5-20250929',
  'claude-haiku-4-5': 'claude-haiku-4-5-20251001',
};

function reasons(model) {
  return /^(o\d|gpt-5)/.test(model);
}

// The usage of the n-th call (n from 1).
function openaiUsage(n, model) {
  const input = 1200 + 100 * n;
  const cached = 256 * (1 + (n % 3));
  const reasoning = reasons(model) ? 64 * n : 0;
  const output = 150 + 10 * n + reasoning;
  return { input, cached, output, reasoning };
}

function anthropicUsage(n) {
  // the reference's case: uncached 5,000 and 2,000 cached; then writes
  return {
    uncached: 5000 + 10 * n, read: 2000 + n, w5m: 600 + n, w1h: 400 + 2 * n,
    output: 300 + 5 * n, thinking: 120 + n,
  };
}

function sse(res, events) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const [event, data] of events) {
    if (event) res.write(`event: ${event}\n`);
    res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
  }
  res.end();
}

function json(res, body) {
  const b = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b),
                       'request-id': 'req_fake', 'x-request-id': 'req_fake' });
  res.end(b);
}

function chat(n, req, res, record) {
  const model = DATED[req.model] || req.model;
  const u = openaiUsage(n, req.model);
  const usage = {
    prompt_tokens: u.input, completion_tokens: u.output, total_tokens: u.input + u.output,
    prompt_tokens_details: { cached_tokens: u.cached, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: u.reasoning, audio_tokens: 0,
                                 accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
  const id = `chatcmpl-fake${n}`;
  const created = Math.floor(Date.now() / 1000);
  const withUsage = !req.stream || !!(req.stream_options && req.stream_options.include_usage);
  record({ api: 'openai.chat', model, input: u.input, cache_read: u.cached, cache_write_5m: 0,
           cache_write_1h: 0, output: u.output, reasoning: u.reasoning, usage: withUsage,
           stream: !!req.stream, id });
  if (!req.stream) {
    return json(res, {
      id, object: 'chat.completion', created, model, system_fingerprint: 'fp_fake',
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok', refusal: null },
                  logprobs: null, finish_reason: 'stop' }],
      usage,
    });
  }
  const chunk = (choices, extra) => ['', { id, object: 'chat.completion.chunk', created, model,
                                           system_fingerprint: 'fp_fake', choices, ...extra }];
  const ev = [
    chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
          withUsage ? { usage: null } : {}),
    chunk([{ index: 0, delta: { content: 'ok' }, logprobs: null, finish_reason: null }],
          withUsage ? { usage: null } : {}),
    chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }],
          withUsage ? { usage: null } : {}),
  ];
  if (withUsage) ev.push(chunk([], { usage }));
  ev.push(['', '[DONE]']);
  sse(res, ev);
}

function responses(n, req, res, record) {
  const model = DATED[req.model] || req.model;
  const u = openaiUsage(n, req.model);
  const id = `resp_fake${n}`;
  record({ api: 'openai.responses', model, input: u.input, cache_read: u.cached,
           cache_write_5m: 0, cache_write_1h: 0, output: u.output, reasoning: u.reasoning,
           usage: true, stream: !!req.stream, id });
  const msg = { type: 'message', id: `msg_fake${n}`, status: 'completed', role: 'assistant',
                content: [{ type: 'output_text', text: 'ok', annotations: [], logprobs: [] }] };
  const base = {
    id, object: 'response', created_at: Math.floor(Date.now() / 1000), model,
    error: null, incomplete_details: null, instructions: null, metadata: {},
    parallel_tool_calls: true, temperature: 1, tool_choice: 'auto', tools: [], top_p: 1,
    text: { format: { type: 'text' } }, reasoning: { effort: null, summary: null },
    service_tier: 'default', truncation: 'disabled', store: true,
  };
  const usage = {
    input_tokens: u.input, input_tokens_details: { cached_tokens: u.cached },
    output_tokens: u.output, output_tokens_details: { reasoning_tokens: u.reasoning },
    total_tokens: u.input + u.output,
  };
  const done = { ...base, status: 'completed', output: [msg], usage };
  if (!req.stream)
    return json(res, done);
  let seq = 0;
  const e = (type, body) => [type, { type, sequence_number: seq++, ...body }];
  sse(res, [
    e('response.created', { response: { ...base, status: 'in_progress', output: [], usage: null } }),
    e('response.in_progress', { response: { ...base, status: 'in_progress', output: [], usage: null } }),
    e('response.output_item.added', { output_index: 0,
      item: { ...msg, status: 'in_progress', content: [] } }),
    e('response.content_part.added', { item_id: msg.id, output_index: 0, content_index: 0,
      part: { type: 'output_text', text: '', annotations: [], logprobs: [] } }),
    e('response.output_text.delta', { item_id: msg.id, output_index: 0, content_index: 0,
      delta: 'ok', logprobs: [] }),
    e('response.output_text.done', { item_id: msg.id, output_index: 0, content_index: 0,
      text: 'ok', logprobs: [] }),
    e('response.content_part.done', { item_id: msg.id, output_index: 0, content_index: 0,
      part: msg.content[0] }),
    e('response.output_item.done', { output_index: 0, item: msg }),
    e('response.completed', { response: done }),
  ]);
}

function messages(n, req, res, record) {
  const model = DATED[req.model] || req.model;
  const u = anthropicUsage(n);
  const id = `msg_fake${n}`;
  record({ api: 'anthropic', model, input: u.uncached + u.read + u.w5m + u.w1h,
           cache_read: u.read, cache_write_5m: u.w5m, cache_write_1h: u.w1h,
           output: u.output, reasoning: u.thinking, usage: true, stream: !!req.stream, id });
  const usage = {
    input_tokens: u.uncached, cache_creation_input_tokens: u.w5m + u.w1h,
    cache_read_input_tokens: u.read,
    cache_creation: { ephemeral_5m_input_tokens: u.w5m, ephemeral_1h_input_tokens: u.w1h },
    output_tokens: u.output, output_tokens_details: { thinking_tokens: u.thinking },
    service_tier: 'standard',
  };
  const message = { id, type: 'message', role: 'assistant', model,
                    content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn',
                    stop_sequence: null, usage };
  if (!req.stream)
    return json(res, message);
  const start = { ...message, content: [], stop_reason: null,
                  usage: { ...usage, output_tokens: 1, output_tokens_details: undefined } };
  sse(res, [
    ['message_start', { type: 'message_start', message: start }],
    ['content_block_start', { type: 'content_block_start', index: 0,
                              content_block: { type: 'text', text: '' } }],
    ['content_block_delta', { type: 'content_block_delta', index: 0,
                              delta: { type: 'text_delta', text: 'ok' } }],
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
    ['message_delta', { type: 'message_delta',
                        delta: { stop_reason: 'end_turn', stop_sequence: null },
                        usage: { output_tokens: u.output,
                                 output_tokens_details: { thinking_tokens: u.thinking } } }],
    ['message_stop', { type: 'message_stop' }],
  ]);
}

const ROUTES = {
  '/v1/chat/completions': chat,
  '/v1/responses': responses,
  '/v1/messages': messages,
};

function start(truthPath) {
  let n = 0;
  const record = (t) => fs.appendFileSync(truthPath, JSON.stringify(t) + '\n');
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const path = req.url.split('?')[0];
      const route = ROUTES[path];
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
      } catch {
        body = null;
      }
      if (req.method !== 'POST' || !route || !body) {
        res.writeHead(404, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: { message: `no ${req.method} ${path}` } }));
      }
      route(++n, body, res, record);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({
      port: server.address().port,
      close: () => new Promise((r) => server.close(r)),
    }));
  });
}

module.exports = { start };
