// The official TypeScript SDK's (@anthropic-ai/sdk) normal flows against a mock server.
//
// run.py copies this file next to the pin's node_modules (compat/.cache/anthropic-js/) and
// runs it there, so the imports resolve to that pin. The client is made as a user makes it,
// with baseURL (the mock) and a dummy key; no retries except in the retry flows, so a refused
// request fails at once and the request counts stay honest. It reads:
//   MOCK_URL           the mock server's base URL (http://127.0.0.1:PORT)
//   COMPAT_FLOWS       optional comma-separated flow names to run (default: all)
//   COMPAT_MODEL       optional model id (default claude-sonnet-4-6)
//   COMPAT_MAX_TOKENS  optional max_tokens for every flow (default 1024)
// and prints one line per flow: `@@flow {"flow", "ok", "reason", "requests", "first",
// "expected", "skipped"}` ("expected": statuses the flow provoked on purpose).

import Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';

const MOCK_URL = process.env.MOCK_URL;
const MODEL = process.env.COMPAT_MODEL || 'claude-sonnet-4-6';
const MAX_TOKENS = process.env.COMPAT_MAX_TOKENS ? Number(process.env.COMPAT_MAX_TOKENS) : 1024;
const ONLY = process.env.COMPAT_FLOWS ? new Set(process.env.COMPAT_FLOWS.split(',')) : null;

const client = new Anthropic({ baseURL: MOCK_URL, apiKey: 'sk-ant-compat-dummy', maxRetries: 0 });

// Optional helpers: a version without them skips the flows that need them.
async function optional(path) {
  try {
    return await import(path);
  } catch {
    return null;
  }
}
const zodHelpers = await optional('@anthropic-ai/sdk/helpers/zod');
const betaZodHelpers = await optional('@anthropic-ai/sdk/helpers/beta/zod');

class Check extends Error {}
class Skip extends Error {}

function check(condition, message) {
  if (!condition) throw new Check(message);
}

const ask = (text) => [{ role: 'user', content: text }];
const textOf = (message) =>
  message.content.filter((b) => b.type === 'text').map((b) => b.text).join('');

function usageOk(usage) {
  check(usage?.input_tokens > 0, `usage.input_tokens is ${usage?.input_tokens}`);
  check(usage?.output_tokens > 0, `usage.output_tokens is ${usage?.output_tokens}`);
}

async function admin(method, path, body) {
  const answer = await fetch(`${MOCK_URL}/_mock${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await answer.text();
  return text ? JSON.parse(text) : null;
}

const journalCount = async () => (await admin('GET', '/health')).exchanges;
const statusesSince = async (first) =>
  (await admin('GET', '/journal')).exchanges.slice(first).map((e) => e.status);

let expected = new Set();

// One line a user could act on: the API's error for a refused request, else the exception.
function describe(error) {
  if (error instanceof Check || error instanceof Skip) return error.message;
  const api = error?.error?.error;
  if (error instanceof Anthropic.APIError && api?.message) {
    return `${error.constructor.name}: HTTP ${error.status} ${api.type}: ${api.message}`;
  }
  const where = String(error?.stack ?? '').split('\n')[1]?.trim() ?? '';
  return `${error?.name ?? 'Error'}: ${error?.message ?? String(error)} ${where}`.replace(/\s+/g, ' ');
}

function weatherTool(calls) {
  return betaZodHelpers.betaZodTool({
    name: 'get_weather',
    description: 'Get the current weather for a city',
    inputSchema: z.object({ city: z.string().describe('the city name') }),
    run: async ({ city }) => {
      calls.push(city);
      return `21 C and sunny in ${city}`;
    },
  });
}

function needToolRunner() {
  if (!betaZodHelpers || typeof client.beta?.messages?.toolRunner !== 'function') {
    throw new Skip('no beta.messages.toolRunner in this version');
  }
}

async function retry(status) {
  expected.add(status);
  const first = await journalCount();
  await admin('POST', '/faults', { kind: 'error', status, times: 1, headers: { 'retry-after-ms': '10' } });
  const started = Date.now();
  const message = await client.withOptions({ maxRetries: 2 }).messages.create({
    model: MODEL,
    max_tokens: MAX_TOKENS,
    messages: ask('Say hello.'),
  });
  const waited = Date.now() - started;
  check(textOf(message), 'no text after the retry');
  const seen = await statusesSince(first);
  check(JSON.stringify(seen) === JSON.stringify([status, 200]), `the journal shows [${seen}], expected [${status}, 200]`);
  check(waited < 5000, `the retry took ${waited} ms (retry-after-ms was 10)`);
}

const person = z.object({ name: z.string(), age: z.number().int(), hobbies: z.array(z.string()) });

const flows = {
  async create() {
    const message = await client.messages.create({
      model: MODEL,
      max_tokens: MAX_TOKENS,
      messages: ask('Say hello in one short sentence.'),
    });
    check(message.id.startsWith('msg_'), `id ${message.id}`);
    check(textOf(message), 'no text in the reply');
    check(message.stop_reason === 'end_turn', `stop_reason ${message.stop_reason}`);
    usageOk(message.usage);
    check(message._request_id, 'no _request_id');
  },

  async 'stream-helper'() {
    const stream = client.messages.stream({
      model: MODEL,
      max_tokens: MAX_TOKENS,
      messages: ask('Tell me a two-sentence story about a lighthouse.'),
    });
    let streamed = '';
    stream.on('text', (delta) => {
      streamed += delta;
    });
    const final = await stream.finalMessage();
    check(streamed, "no 'text' events");
    check(streamed === textOf(final), `streamed ${streamed.length} chars != final message's`);
    check((await stream.finalText()) === streamed, 'finalText() differs from the streamed text');
    check(final.stop_reason === 'end_turn', `stop_reason ${final.stop_reason}`);
    usageOk(final.usage);
  },

  async 'raw-stream'() {
    const events = await client.messages.create({
      model: MODEL,
      max_tokens: MAX_TOKENS,
      messages: ask('Count to five.'),
      stream: true,
    });
    const kinds = [];
    let text = '';
    let outputTokens = 0;
    for await (const event of events) {
      kinds.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      if (event.type === 'message_delta') outputTokens = event.usage.output_tokens;
    }
    check(kinds[0] === 'message_start', `first event ${kinds[0]}`);
    check(kinds.at(-1) === 'message_stop', `last event ${kinds.at(-1)}`);
    for (const kind of ['content_block_start', 'content_block_delta', 'content_block_stop']) {
      check(kinds.includes(kind), `no ${kind} event`);
    }
    check(text, 'no text_delta');
    check(outputTokens > 0, `message_delta usage.output_tokens ${outputTokens}`);
  },

  async 'tool-runner'() {
    needToolRunner();
    const calls = [];
    const runner = client.beta.messages.toolRunner({
      model: MODEL,
      max_tokens: MAX_TOKENS,
      tools: [weatherTool(calls)],
      messages: ask('What is the weather in Paris?'),
      max_iterations: 5,
    });
    const messages = [];
    for await (const message of runner) messages.push(message);
    check(calls.length >= 1, 'the tool was never executed');
    check(messages.length >= 2, `${messages.length} message(s)`);
    const final = messages.at(-1);
    check(final.stop_reason === 'end_turn', `loop ended with stop_reason ${final.stop_reason}`);
    check(textOf(final), 'the loop did not end in text');
  },

  async 'tool-runner-await'() {
    // `await runner`: the loop run to its end, as most code uses it.
    needToolRunner();
    const calls = [];
    const final = await client.beta.messages.toolRunner({
      model: MODEL,
      max_tokens: MAX_TOKENS,
      tools: [weatherTool(calls)],
      messages: ask('What is the weather in Oslo?'),
      max_iterations: 5,
    });
    check(calls.length >= 1, 'the tool was never executed');
    check(final.stop_reason === 'end_turn', `loop ended with stop_reason ${final.stop_reason}`);
    check(textOf(final), 'the loop did not end in text');
  },

  async 'tool-runner-stream'() {
    needToolRunner();
    const calls = [];
    const runner = client.beta.messages.toolRunner({
      model: MODEL,
      max_tokens: MAX_TOKENS,
      tools: [weatherTool(calls)],
      messages: ask('What is the weather in Lima?'),
      max_iterations: 5,
      stream: true,
    });
    const finals = [];
    let deltas = 0;
    for await (const stream of runner) {
      for await (const event of stream) if (event.type === 'content_block_delta') deltas += 1;
      finals.push(await stream.finalMessage());
    }
    check(calls.length >= 1, 'the tool was never executed');
    check(finals.length >= 2, `${finals.length} streamed message(s)`);
    check(deltas > 0, 'no content_block_delta event');
    check(finals.at(-1).stop_reason === 'end_turn', `stop_reason ${finals.at(-1).stop_reason}`);
    check(textOf(finals.at(-1)), 'the loop did not end in text');
  },

  async parse() {
    if (!zodHelpers || typeof client.messages.parse !== 'function') throw new Skip('no messages.parse in this version');
    const parsed = await client.messages.parse({
      model: MODEL,
      max_tokens: MAX_TOKENS,
      messages: ask('Invent a person.'),
      output_config: { format: zodHelpers.zodOutputFormat(person) },
    });
    const output = parsed.parsed_output;
    check(output && typeof output.name === 'string' && Number.isInteger(output.age), `parsed_output ${JSON.stringify(output)}`);
  },

  async 'count-tokens'() {
    const counted = await client.messages.countTokens({
      model: MODEL,
      messages: ask('How many tokens is this?'),
      system: 'You are terse.',
      tools: [{ name: 'noop', description: 'Nothing.', input_schema: { type: 'object' } }],
    });
    check(counted.input_tokens > 0, `input_tokens ${counted.input_tokens}`);
  },

  async 'models-list'() {
    const first = await journalCount();
    let page = await client.models.list({ limit: 2 });
    const pages = [page.data];
    while (page.hasNextPage()) {
      page = await page.getNextPage();
      pages.push(page.data);
    }
    const ids = pages.flat().map((m) => m.id);
    check(pages.every((d) => d.length <= 2), `page sizes ${pages.map((d) => d.length)}`);
    check(pages.length >= 2, `${pages.length} page(s) for ${ids.length} model(s)`);
    check(new Set(ids).size === ids.length, 'a model appears on two pages');
    check(ids.includes(MODEL), `${MODEL} not listed`);
    const statuses = await statusesSince(first);
    check(statuses.filter((s) => s === 200).length === pages.length, 'one request per page expected');
    const auto = [];
    for await (const model of client.models.list({ limit: 2 })) auto.push(model.id);
    check(JSON.stringify(auto) === JSON.stringify(ids), `auto-pagination listed ${auto.length} model(s), pages ${ids.length}`);
    const one = await client.models.retrieve(MODEL);
    check(one.id === MODEL && one.display_name, `retrieve gave ${one.id}`);
  },

  'retry-429': () => retry(429),
  'retry-529': () => retry(529),

  async 'error-400'() {
    expected.add(400);
    try {
      await client.messages.create({ model: MODEL, max_tokens: MAX_TOKENS, messages: [] });
    } catch (error) {
      check(error instanceof Anthropic.BadRequestError, `${error?.constructor?.name}: ${error?.message}`);
      const api = error.error?.error?.message;
      check(api, `no error.message in the body: ${JSON.stringify(error.error)}`);
      check(error.message.includes(api), `the exception's message ${JSON.stringify(error.message)} lacks ${JSON.stringify(api)}`);
      check(error.requestID, 'no requestID');
      return;
    }
    throw new Check('an empty messages list was accepted');
  },

  async 'error-404'() {
    expected.add(404);
    try {
      await client.messages.create({ model: 'claude-nonexistent-0', max_tokens: MAX_TOKENS, messages: ask('Hi.') });
    } catch (error) {
      check(error instanceof Anthropic.NotFoundError, `${error?.constructor?.name}: ${error?.message}`);
      check(error.message.includes('claude-nonexistent-0'), `message ${JSON.stringify(error.message)}`);
      return;
    }
    throw new Check('an unknown model was accepted');
  },
};

for (const [name, flow] of Object.entries(flows)) {
  if (ONLY && !ONLY.has(name)) continue;
  expected = new Set();
  const before = await journalCount();
  let ok = true;
  let reason = '';
  let skipped = false;
  try {
    await flow();
  } catch (error) {
    if (error instanceof Skip) {
      skipped = true;
      reason = error.message;
    } else {
      ok = false;
      reason = describe(error);
    }
  }
  if (expected.size) await admin('DELETE', '/faults');
  const requests = (await journalCount()) - before;
  const line = { flow: name, ok, reason, requests, first: before, expected: [...expected], skipped };
  console.log(`@@flow ${JSON.stringify(line)}`);
}
