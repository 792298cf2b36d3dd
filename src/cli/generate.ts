/**
 * reward-lens generate --model DIR | --endpoint URL [--endpoint-model NAME] --prompt TEXT [--n 8] [--seed S]
 *                      [--max-new-tokens N] [--temperature T] [--top-p P] [--top-k K] [--min-p P]
 *                      [--repetition-penalty R] [--stop S]... [--provider auto|cuda|webgpu|cpu] [--raw] [--json]
 * Samples N candidates in this process (same engine as the worker) and prints text, token count and mean log-prob.
 * --model defaults to the bundled tiny model; --raw sends the prompt without the chat template.
 */
import * as path from 'path';
import { toErrorInfo } from '../core/errors';
import { parseGenerateParams, type GenerateParams } from '../core/sampling/request';
import { InferenceEngine } from '../worker/inference/engine';
import { bundledModelPath } from '../worker/inference/bundledModel';

const HELP = `usage: reward-lens generate (--model DIR | --endpoint URL [--endpoint-model NAME] [--api-key KEY])
                          --prompt TEXT [--n 8] [--seed S] [--max-new-tokens 128] [--temperature 0.8]
                          [--top-p 0.95] [--top-k K] [--min-p P] [--repetition-penalty R] [--stop STR]...
                          [--provider auto|cuda|webgpu|cpu] [--raw] [--json]
`;

export async function generateCommand(args: string[]): Promise<number> {
  const values: Record<string, string[]> = {};
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--help' || a === '-h') {
      process.stdout.write(HELP);
      return 0;
    }
    if (a === '--json' || a === '--raw') flags.add(a);
    else if (a.startsWith('--') && i + 1 < args.length) (values[a] ??= []).push(args[++i]!);
    else {
      process.stderr.write(`reward-lens generate: unexpected argument ${a}\n${HELP}`);
      return 2;
    }
  }
  const one = (k: string) => values[k]?.[values[k]!.length - 1];
  const numOpt = (k: string) => (one(k) !== undefined ? Number(one(k)) : undefined);
  const prompt = one('--prompt');
  if (!prompt) {
    process.stderr.write(`reward-lens generate: --prompt is required\n${HELP}`);
    return 2;
  }
  const endpoint = one('--endpoint');
  const raw: Record<string, unknown> = {
    backend: endpoint
      ? { kind: 'openai', url: endpoint, model: one('--endpoint-model') ?? '', apiKey: one('--api-key') ?? process.env.OPENAI_API_KEY }
      : { kind: 'onnx', modelPath: path.resolve(one('--model') ?? bundledModelPath()), executionProvider: one('--provider') ?? 'auto' },
    n: numOpt('--n') ?? 8,
    temperature: numOpt('--temperature') ?? 0.8,
    topP: numOpt('--top-p') ?? 0.95,
    topK: numOpt('--top-k'),
    minP: numOpt('--min-p'),
    repetitionPenalty: numOpt('--repetition-penalty'),
    maxNewTokens: numOpt('--max-new-tokens') ?? 128,
    seed: numOpt('--seed'),
    stop: values['--stop'],
    tokenLogprobs: flags.has('--json'),
  };
  if (flags.has('--raw')) raw.prompt = prompt;
  else raw.messages = [{ role: 'user', content: prompt }];
  const json = flags.has('--json');
  const engine = new InferenceEngine();
  const ctl = new AbortController();
  const onSigint = () => ctl.abort();
  process.once('SIGINT', onSigint);
  try {
    const params: GenerateParams = parseGenerateParams(JSON.parse(JSON.stringify(raw)));
    const r = await engine.generate(params, {
      signal: ctl.signal,
      log: (level, m) => process.stderr.write(`[${level}] ${m}\n`),
      onCandidate: json ? undefined : (c) => process.stderr.write(`  candidate ${c.index} done (${c.finishReason})\n`),
    });
    if (json) {
      process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      return 0;
    }
    const t = r.timings;
    process.stdout.write(`model ${r.model.id} (${r.model.backend}) on ${r.provider}` +
      (Object.keys(r.fallbackReasons).length ? ` [fallbacks: ${Object.entries(r.fallbackReasons).map(([k, v]) => `${k}: ${v}`).join('; ')}]` : '') +
      `\nprompt ${t.promptTokens} tokens, load ${t.loadMs.toFixed(0)} ms, prefill ${t.prefillMs.toFixed(0)} ms, decode ${t.decodeSteps} steps ${t.decodeMs.toFixed(0)} ms, ${t.tokensPerSecond.toFixed(1)} tokens/s\n\n`);
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
    await engine.unload();
  }
}
