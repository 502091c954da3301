// The Vercel AI SDK's normal flows against a mock server, with @ai-sdk/anthropic.
//
// run.py copies this file next to a pin's node_modules (compat/.cache/aisdk/vN/) and runs it
// there, so `ai`, `@ai-sdk/anthropic` and `zod` resolve to that pin. It reads:
//   MOCK_URL           the mock server's base URL (http://127.0.0.1:PORT)
//   COMPAT_FLOWS       optional comma-separated flow names to run (default: all)
//   COMPAT_MAX_TOKENS  optional maxOutputTokens for every flow but `default-max-tokens`;
//                      unset, each call leaves it to the SDK, as most users do
// and prints one line per flow: `@@flow {"flow", "ok", "reason", "requests", "first"}`
// ("first": the journal index of the flow's first request).

import { createAnthropic } from '@ai-sdk/anthropic';
import * as ai from 'ai';
import { z } from 'zod';

const { generateText, streamText, generateObject, tool, Output } = ai;
const stepCountIs = ai.stepCountIs ?? ai.isStepCount;

const MOCK_URL = process.env.MOCK_URL;
const MODEL = process.env.COMPAT_MODEL || 'claude-sonnet-4-6';
const MAX_TOKENS = process.env.COMPAT_MAX_TOKENS ? Number(process.env.COMPAT_MAX_TOKENS) : undefined;
const ONLY = process.env.COMPAT_FLOWS ? new Set(process.env.COMPAT_FLOWS.split(',')) : null;

const anthropic = createAnthropic({ baseURL: `${MOCK_URL}/v1`, apiKey: 'sk-ant-compat-dummy' });
const model = anthropic(MODEL);
// No retries: a refused request fails the flow at once and the request count stays honest.
const common = { model, maxRetries: 0, ...(MAX_TOKENS ? { maxOutputTokens: MAX_TOKENS } : {}) };

class Check extends Error {}

function check(condition, message) {
  if (!condition) throw new Check(message);
}

function usageOk(usage, where = 'usage') {
  check(usage, `${where} missing`);
  check(usage.inputTokens > 0, `${where}.inputTokens is ${usage.inputTokens}`);
  check(usage.outputTokens > 0, `${where}.outputTokens is ${usage.outputTokens}`);
}

async function journalCount() {
  const answer = await fetch(`${MOCK_URL}/_mock/health`);
  return (await answer.json()).exchanges;
}

// One line a user could act on: the HTTP status and the API's error message, or for a
// response the SDK could not parse, the fields its schema refused.
function describe(error) {
  if (error instanceof Check) return error.message;
  const parts = [`${error?.name ?? 'Error'}: ${error?.message ?? String(error)}`];
  if (error?.statusCode && error.statusCode !== 200) parts.push(`HTTP ${error.statusCode}`);
  let cause = error?.cause;
  for (let depth = 0; cause && depth < 4; depth += 1, cause = cause.cause) {
    if (cause.name === 'ZodError' || Array.isArray(cause.issues)) {
      const issues = cause.issues ?? [];
      parts.push(issues.map((i) => `${(i.path ?? []).join('.')}: ${i.message}`).join('; '));
    } else if (cause.name !== 'AI_TypeValidationError') {
      parts.push(`${cause.name ?? 'Error'}: ${String(cause.message ?? cause).slice(0, 300)}`);
    }
  }
  return parts.join(' | ').replace(/\s+/g, ' ');
}

// A tool whose runs are counted, so a flow can tell that the SDK executed it.
function weatherTool(calls) {
  return tool({
    description: 'Get the current weather for a city',
    inputSchema: z.object({ city: z.string().describe('the city name') }),
    execute: async ({ city }) => {
      calls.push(city);
      return { city, temperatureC: 21, conditions: 'sunny' };
    },
  });
}

const person = z.object({
  name: z.string(),
  age: z.number().int(),
  hobbies: z.array(z.string()),
});

// Long enough to be cacheable on every model (>= 4096 tokens); the nonce makes this run's
// first call write the cache even if an earlier run on the same server wrote its own.
const LONG_SYSTEM =
  `Run ${Date.now()}-${Math.random()}. ` +
  'You are a meticulous assistant for a lighthouse keeper. '.repeat(10) +
  Array.from({ length: 700 }, (_, i) => `Rule ${i}: log the lamp, the weather and the ships.`).join(' ');

// streamText logs stream errors to the console unless told otherwise; drain() raises them.
const quiet = () => {};

// Collects every part of a streamText full stream; an `error` part fails the flow.
async function drain(result) {
  // (streamText was given onError: quiet, so a failure surfaces here once.)
  const parts = [];
  let text = '';
  let reasoning = '';
  for await (const part of result.fullStream) {
    parts.push(part.type);
    if (part.type === 'text-delta') text += part.text ?? part.delta ?? part.textDelta ?? '';
    if (part.type === 'reasoning-delta') reasoning += part.text ?? part.delta ?? '';
    if (part.type === 'error') throw part.error;
  }
  return { parts, text, reasoning };
}

const flows = {
  async 'generate-text'() {
    const result = await generateText({ ...common, prompt: 'Say hello in one short sentence.' });
    check(result.text.length > 0, 'empty text');
    check(result.finishReason === 'stop', `finishReason ${result.finishReason}`);
    usageOk(result.usage);
  },

  async 'stream-text'() {
    const errors = [];
    const result = streamText({
      ...common,
      prompt: 'Tell me a two-sentence story about a lighthouse.',
      onError: ({ error }) => errors.push(error),
    });
    let streamed = '';
    for await (const delta of result.textStream) streamed += delta;
    if (errors.length) throw errors[0];
    const text = await result.text;
    check(text.length > 0, 'empty text');
    check(streamed === text, `streamed text (${streamed.length} chars) != final text (${text.length} chars)`);
    check((await result.finishReason) === 'stop', `finishReason ${await result.finishReason}`);
    usageOk(await result.usage);
  },

  async 'tool-loop'() {
    const calls = [];
    const result = await generateText({
      ...common,
      tools: { getWeather: weatherTool(calls) },
      stopWhen: stepCountIs(5),
      prompt: 'What is the weather in Paris?',
    });
    check(calls.length >= 1, 'the tool was never executed');
    check(result.steps.length >= 2, `${result.steps.length} step(s)`);
    check(result.finishReason === 'stop', `loop ended with finishReason ${result.finishReason} after ${result.steps.length} steps`);
    check(result.text.length > 0, 'the loop did not end in text');
    usageOk(result.totalUsage ?? result.usage, 'totalUsage');
  },

  async 'stream-tool-loop'() {
    const calls = [];
    const result = streamText({
      ...common,
      onError: quiet,
      tools: { getWeather: weatherTool(calls) },
      stopWhen: stepCountIs(5),
      prompt: 'What is the weather in Oslo?',
    });
    const { parts } = await drain(result);
    const steps = await result.steps;
    check(calls.length >= 1, 'the tool was never executed');
    check(parts.includes('tool-call') && parts.includes('tool-result'), `no tool-call/tool-result parts: ${[...new Set(parts)]}`);
    check(steps.length >= 2, `${steps.length} step(s)`);
    check((await result.finishReason) === 'stop', `finishReason ${await result.finishReason}`);
    const text = await result.text;
    check(text.length > 0, 'the loop did not end in text');
    usageOk(await result.totalUsage, 'totalUsage');
  },

  async 'tool-input-examples'() {
    // input_examples on a tool: @ai-sdk/anthropic adds the advanced-tool-use beta for it.
    const calls = [];
    const getWeather = {
      ...weatherTool(calls),
      inputExamples: [{ input: { city: 'Paris' } }, { input: { city: 'Tokyo' } }],
    };
    const result = await generateText({
      ...common,
      tools: { getWeather },
      stopWhen: stepCountIs(5),
      prompt: 'What is the weather in Rome?',
    });
    check(calls.length >= 1, 'the tool was never executed');
    check(result.finishReason === 'stop', `finishReason ${result.finishReason} after ${result.steps.length} steps`);
    check(result.text.length > 0, 'the loop did not end in text');
  },

  async 'strict-tool'() {
    const calls = [];
    const getWeather = { ...weatherTool(calls), strict: true };
    const result = await generateText({
      ...common,
      tools: { getWeather },
      stopWhen: stepCountIs(5),
      prompt: 'What is the weather in Cairo?',
    });
    check(calls.length >= 1, 'the tool was never executed');
    check(result.finishReason === 'stop', `finishReason ${result.finishReason} after ${result.steps.length} steps`);
    check(result.text.length > 0, 'the loop did not end in text');
  },

  async 'generate-object'() {
    const result = await generateObject({
      ...common,
      schema: person,
      prompt: 'Invent a person with a name, an age and some hobbies.',
    });
    check(person.safeParse(result.object).success, `object does not match: ${JSON.stringify(result.object)}`);
    usageOk(result.usage);
  },

  async 'output-object'() {
    const result = await generateText({
      ...common,
      output: Output.object({ schema: person }),
      prompt: 'Invent a person with a name, an age and some hobbies.',
    });
    const output = result.output ?? result.experimental_output;
    check(person.safeParse(output).success, `output does not match: ${JSON.stringify(output)}`);
    usageOk(result.usage);
  },

  async thinking() {
    const result = await generateText({
      ...common,
      prompt: 'How many prime numbers are there below 20?',
      providerOptions: { anthropic: { thinking: { type: 'enabled', budgetTokens: 2048 } } },
    });
    check((result.reasoningText ?? '').length > 0, 'no reasoning text');
    check(result.text.length > 0, 'empty text');
    usageOk(result.usage);
  },

  async 'stream-thinking'() {
    const result = streamText({
      ...common,
      onError: quiet,
      prompt: 'How many prime numbers are there below 20?',
      providerOptions: { anthropic: { thinking: { type: 'adaptive', display: 'summarized' } } },
    });
    const { text: streamed, reasoning } = await drain(result);
    const text = await result.text;
    check(text.length > 0, 'empty text');
    check(streamed === text, 'streamed text != final text');
    check(reasoning.length > 0, 'no reasoning streamed');
    usageOk(await result.usage);
  },

  async 'thinking-tool-loop'() {
    // The thinking block must go back, signed, with the tool result.
    const calls = [];
    const result = await generateText({
      ...common,
      tools: { getWeather: weatherTool(calls) },
      stopWhen: stepCountIs(5),
      prompt: 'What is the weather in Lima?',
      providerOptions: { anthropic: { thinking: { type: 'enabled', budgetTokens: 2048 } } },
    });
    check(calls.length >= 1, 'the tool was never executed');
    check(result.finishReason === 'stop', `finishReason ${result.finishReason} after ${result.steps.length} steps`);
    check(result.text.length > 0, 'the loop did not end in text');
  },

  async 'cache-control'() {
    // A long document marked for caching, then the same request again: the second call
    // should read what the first wrote.
    const messages = [
      {
        role: 'user',
        content: [
          {
            type: 'text',
            text: LONG_SYSTEM,
            providerOptions: { anthropic: { cacheControl: { type: 'ephemeral' } } },
          },
          { type: 'text', text: 'What should I log tonight?' },
        ],
      },
    ];
    const first = await generateText({ ...common, messages });
    const second = await generateText({ ...common, messages });
    check(second.text.length > 0, 'empty text');
    const written = first.usage.inputTokenDetails?.cacheWriteTokens;
    const read = second.usage.inputTokenDetails?.cacheReadTokens;
    check(written > 0, `first call wrote ${written} cache tokens`);
    check(read > 0, `second call read ${read} cache tokens`);
  },

  async effort() {
    const result = await generateText({
      ...common,
      prompt: 'Name one colour.',
      providerOptions: { anthropic: { effort: 'low' } },
    });
    check(result.text.length > 0, 'empty text');
    usageOk(result.usage);
  },

  async 'default-max-tokens'() {
    // What most users write: no maxOutputTokens, so the SDK sends the model's maximum.
    const result = await generateText({ model, maxRetries: 0, prompt: 'Say hello.' });
    check(result.text.length > 0, 'empty text');
  },
};

for (const [name, flow] of Object.entries(flows)) {
  if (ONLY && !ONLY.has(name)) continue;
  const before = await journalCount();
  let ok = true;
  let reason = '';
  try {
    await flow();
  } catch (error) {
    ok = false;
    reason = describe(error);
  }
  const requests = (await journalCount()) - before;
  console.log(`@@flow ${JSON.stringify({ flow: name, ok, reason, requests, first: before })}`);
}
