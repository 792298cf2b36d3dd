/**
 * reward-lens generate --model DIR | --endpoint URL [--endpoint-model NAME] (--prompt TEXT|-|--prompt-file F) [--n 8] [--seed S]
 *                      [--max-new-tokens N] [--temperature T] [--top-p P] [--top-k K] [--min-p P]
 *                      [--repetition-penalty R] [--stop S]... [--provider auto|cuda|webgpu|cpu] [--raw] [--json]
 *                      [--dtype auto|fp32|fp16|q8|q4|q4f16] [--draft-tokens K]
 * Samples N candidates in the inference worker (the child process the extension runs, with its allocator settings)
 * and prints text, token count and mean log-prob.
 * --model defaults to the bundled tiny model; --raw sends the prompt without the chat template.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { toErrorInfo } from '../core/errors';
import { draftingSummary, parseGenerateParams, type GenerateParams } from '../core/sampling/request';
import { WorkerClient, defaultWorkerEntry } from '../node/workerClient';
import { bundledModelPath } from '../worker/inference/bundledModel';
import { parseCli, UsageError, type CliArgs, type OptionSpec } from './args';

const HELP = `usage: reward-lens generate (--model DIR | --endpoint URL [--endpoint-model NAME] [--api-key KEY])
                          (--prompt TEXT | --prompt - | --prompt-file FILE) [--n 8] [--seed S]
                          [--max-new-tokens 128] [--temperature 0.8] [--top-p 0.95] [--top-k K] [--min-p P]
                          [--repetition-penalty R] [--stop STR]... [--provider auto|cuda|webgpu|cpu] [--raw] [--json]
                          [--dtype auto|fp32|fp16|q8|q4|q4f16] [--draft-tokens K]

--dtype picks the graph of an onnx-community folder (onnx/model.onnx, model_fp16.onnx, model_q4.onnx, ...; auto: q4
on the CPU, q4f16/fp16 on a GPU, when present). --draft-tokens K (0-32, default 8; 0 = off) drafts up to K tokens
per row by prompt lookup and verifies them in one pass; the output distribution is the sampler's either way.

Long prompts: --prompt-file FILE, or --prompt - to read the prompt from stdin (a command-line argument is limited by
the operating system and is visible to other users in the process list).
`;

const OPTIONS: OptionSpec = {
  model: { type: 'string' },
  endpoint: { type: 'string' },
  'endpoint-model': { type: 'string' },
  'api-key': { type: 'string' },
  prompt: { type: 'string' },
  'prompt-file': { type: 'string' },
  n: { type: 'string' },
  seed: { type: 'string' },
  'max-new-tokens': { type: 'string' },
  temperature: { type: 'string' },
  'top-p': { type: 'string' },
  'top-k': { type: 'string' },
  'min-p': { type: 'string' },
  'repetition-penalty': { type: 'string' },
  stop: { type: 'string', multiple: true },
  provider: { type: 'string' },
  dtype: { type: 'string' },
  'draft-tokens': { type: 'string' },
  raw: { type: 'boolean' },
  json: { type: 'boolean' },
};

/** The prompt from --prompt TEXT, --prompt - (stdin) or --prompt-file FILE (exactly one). */
function readPrompt(a: CliArgs): string {
  const inline = a.str('prompt');
  const file = a.str('prompt-file');
  if (inline !== undefined && file !== undefined) throw new UsageError('give either --prompt or --prompt-file, not both');
  let text: string | undefined;
  if (file !== undefined || inline === '-') {
    const src = file ?? '-';
    try {
      text = fs.readFileSync(src === '-' ? 0 : src, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read the prompt from ${src === '-' ? 'stdin' : src}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  } else text = inline;
  if (!text) throw new UsageError('--prompt TEXT, --prompt - (stdin) or --prompt-file FILE is required');
  return text;
}

export async function generateCommand(args: string[]): Promise<number> {
  let a: ReturnType<typeof parseCli>;
  let prompt: string;
  let raw: Record<string, unknown>;
  try {
    a = parseCli(args, OPTIONS);
    if (a.help) {
      process.stdout.write(HELP);
      return 0;
    }
    prompt = readPrompt(a);
    const endpoint = a.str('endpoint');
    const int = (name: string, min: number) => a.num(name, { integer: true, min });
    raw = {
      backend: endpoint
        ? { kind: 'openai', url: endpoint, model: a.str('endpoint-model') ?? '', apiKey: a.str('api-key') ?? process.env.OPENAI_API_KEY }
        : { kind: 'onnx', modelPath: path.resolve(a.str('model') ?? bundledModelPath()), executionProvider: a.choice('provider', ['auto', 'cuda', 'webgpu', 'cpu'] as const, 'auto'), dtype: a.choice('dtype', ['auto', 'fp32', 'fp16', 'q8', 'q4', 'q4f16'] as const, 'auto') },
      n: int('n', 1) ?? 8,
      temperature: a.num('temperature', { min: 0 }) ?? 0.8,
      topP: a.num('top-p', { min: 0, max: 1 }) ?? 0.95,
      topK: int('top-k', 0),
      minP: a.num('min-p', { min: 0, max: 1 }),
      repetitionPenalty: a.num('repetition-penalty', { min: 0 }),
      maxNewTokens: int('max-new-tokens', 1) ?? 128,
      seed: a.num('seed', { integer: true }),
      stop: a.has('stop') ? a.list('stop') : undefined,
      tokenLogprobs: a.flag('json'),
      draftTokens: int('draft-tokens', 0),
    };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`reward-lens generate: ${e.message}\n${HELP}`);
    return 2;
  }
  const flags = new Set<string>([...(a.flag('raw') ? ['--raw'] : []), ...(a.flag('json') ? ['--json'] : [])]);
  if (flags.has('--raw')) raw.prompt = prompt;
  else raw.messages = [{ role: 'user', content: prompt }];
  const json = flags.has('--json');
  const ctl = new AbortController();
  const onSigint = () => ctl.abort();
  process.once('SIGINT', onSigint);
  const client = new WorkerClient({ entry: defaultWorkerEntry(), autoRestart: false, log: (level, m) => {
    // the worker's own messages (what the engine logs: model load, fallbacks) and the client's problems
    if (level === 'warn' || level === 'error' || (level === 'info' && m.startsWith('[worker'))) process.stderr.write(`[${level}] ${m}\n`);
  } });
  try {
    const params: GenerateParams = parseGenerateParams(JSON.parse(JSON.stringify(raw)));
    const r = await client.call('generate', params, {
      signal: ctl.signal,
      timeoutMs: 6 * 60 * 60 * 1000,
      onProgress: json ? undefined : (c) => process.stderr.write(`  candidate ${c.index} done (${c.finishReason})\n`),
    });
    if (json) {
      process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      return 0;
    }
    const t = r.timings;
    const drafting = draftingSummary(t);
    process.stdout.write(`model ${r.model.id} (${r.model.backend}) on ${r.provider}` +
      (Object.keys(r.fallbackReasons).length ? ` [fallbacks: ${Object.entries(r.fallbackReasons).map(([k, v]) => `${k}: ${v}`).join('; ')}]` : '') +
      `\nprompt ${t.promptTokens} tokens, load ${t.loadMs.toFixed(0)} ms, prefill ${t.prefillMs.toFixed(0)} ms, decode ${t.decodeSteps} steps ${t.decodeMs.toFixed(0)} ms, ${t.tokensPerSecond.toFixed(1)} tokens/s` +
      (drafting ? `; ${drafting}` : '') + '\n\n');
    for (const c of r.candidates) {
      const lp = c.logprobs ? c.logprobs.mean.toFixed(3) : 'n/a';
      process.stdout.write(`#${c.index}  tokens=${c.tokenCount}  mean_logprob=${lp}  finish=${c.finishReason}\n${c.text}\n\n`);
    }
    return 0;
  } catch (e) {
    const info = toErrorInfo(e);
    if (json) process.stdout.write(JSON.stringify({ error: info }) + '\n');
    process.stderr.write(`reward-lens generate: ${info.code}: ${info.message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
    client.dispose();
  }
}
