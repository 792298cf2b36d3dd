/**
 * Candidates from an OpenAI-compatible server (vLLM, llama.cpp, Ollama, OpenAI): /v1/chat/completions for messages,
 * /v1/completions for a raw prompt. Asks for all n in one request; when a server returns fewer choices (Ollama and
 * llama.cpp ignore n), the rest come from parallel requests. Log-probs are requested and kept when offered.
 */
import { CodedError } from '../../core/errors';
import { summarizeLogprobs } from '../../core/sampling/logprobs';
import type { CandidateResult, GenerateParams, GenerateResult, OpenAIBackendSpec } from '../../core/sampling/request';
import type { FinishReason } from '../../core/sampling/stopping';

export interface OpenAIContext {
  signal?: AbortSignal;
  onCandidate?: (c: CandidateResult) => void;
  log?: (level: 'info' | 'warn', message: string) => void;
  fetchImpl?: typeof fetch;
}

export function endpointUrl(base: string, api: 'chat' | 'completions'): string {
  const u = base.replace(/\/+$/, '');
  if (/\/(chat\/)?completions$/.test(u)) return u;
  const tail = api === 'chat' ? '/chat/completions' : '/completions';
  return /\/v\d+$/.test(u) ? u + tail : `${u}/v1${tail}`;
}

interface Choice {
  text: string;
  finishReason: FinishReason;
  tokenLogprobs: number[] | null;
  completionTokens?: number;
}

export async function openaiGenerate(spec: OpenAIBackendSpec, params: GenerateParams, ctx: OpenAIContext = {}): Promise<GenerateResult> {
  const api = spec.api ?? (params.messages ? 'chat' : 'completions');
  const url = endpointUrl(spec.url, api);
  const t0 = performance.now();
  let wantLogprobs = true;
  const body = (n: number, seedOffset: number): Record<string, unknown> => {
    const b: Record<string, unknown> = { model: spec.model, n, temperature: params.temperature, max_tokens: params.maxNewTokens };
    if (api === 'chat') b.messages = params.messages ?? [{ role: 'user', content: params.prompt }];
    else b.prompt = params.prompt ?? params.messages!.map((m) => m.content).join('\n');
    if (params.topP !== undefined) b.top_p = params.topP;
    if (params.topK !== undefined) b.top_k = params.topK; // vLLM, llama.cpp, Ollama accept these extensions
    if (params.minP !== undefined) b.min_p = params.minP;
    if (params.repetitionPenalty !== undefined) b.repetition_penalty = params.repetitionPenalty;
    if (params.seed !== undefined) b.seed = params.seed + seedOffset;
    if (params.stop?.length) b.stop = params.stop.slice(0, 4);
    if (wantLogprobs) b.logprobs = api === 'chat' ? true : 1;
    return b;
  };
  const candidates: CandidateResult[] = [];
  const emit = (c: Choice) => {
    const lp = c.tokenLogprobs;
    const r: CandidateResult = {
      index: candidates.length,
      text: c.text,
      tokenCount: lp?.length ?? c.completionTokens ?? 0,
      logprobs: lp ? summarizeLogprobs(lp) : null,
      finishReason: c.finishReason,
    };
    if (lp && params.tokenLogprobs !== false) r.tokenLogprobs = lp;
    candidates.push(r);
    ctx.onCandidate?.(r);
  };

  let first: Choice[];
  try {
    first = await request(url, body(params.n, 0), spec, api, ctx);
  } catch (e) {
    // Some servers refuse the logprobs field: ask again without it.
    if (e instanceof CodedError && e.code === 'endpoint_http' && /\b(400|422)\b/.test(e.message) && /logprob/i.test(e.message)) {
      wantLogprobs = false;
      ctx.log?.('warn', `${url} refused logprobs; continuing without them`);
      first = await request(url, body(params.n, 0), spec, api, ctx);
    } else throw e;
  }
  for (const c of first.slice(0, params.n)) emit(c);
  const missing = params.n - candidates.length;
  if (missing > 0) {
    ctx.log?.('info', `${url} returned ${first.length} of ${params.n} choices; sending ${missing} more requests in parallel`);
    await Promise.all(Array.from({ length: missing }, async (_, i) => {
      const more = await request(url, body(1, i + 1), spec, api, ctx);
      if (!more[0]) throw new CodedError('endpoint_bad_response', `${url} returned no choices`);
      emit(more[0]);
    }));
  }
  const totalMs = performance.now() - t0;
  const newTokens = candidates.reduce((a, c) => a + c.tokenCount, 0);
  return {
    candidates,
    model: { id: spec.model, backend: 'openai', source: url },
    provider: 'openai',
    fallbackReasons: {},
    seed: params.seed ?? null,
    timings: { loadMs: 0, prefillMs: 0, decodeMs: totalMs, decodeSteps: 0, totalMs, promptTokens: 0, newTokens, tokensPerSecond: totalMs > 0 ? (newTokens * 1000) / totalMs : 0 },
  };
}

async function request(url: string, body: Record<string, unknown>, spec: OpenAIBackendSpec, api: 'chat' | 'completions', ctx: OpenAIContext): Promise<Choice[]> {
  const timeoutMs = spec.timeoutMs ?? 120_000;
  const ctl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctl.abort();
  }, timeoutMs);
  const onAbort = () => ctl.abort();
  ctx.signal?.addEventListener('abort', onAbort);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (spec.apiKey) headers.authorization = `Bearer ${spec.apiKey}`;
  let text: string;
  let status: number;
  try {
    if (ctx.signal?.aborted) throw new CodedError('cancelled', 'generation was cancelled');
    const res = await (ctx.fetchImpl ?? fetch)(url, { method: 'POST', headers, body: JSON.stringify(body), signal: ctl.signal });
    status = res.status;
    text = await res.text();
  } catch (e) {
    if (e instanceof CodedError) throw e;
    if (ctx.signal?.aborted) throw new CodedError('cancelled', 'generation was cancelled');
    if (timedOut) throw new CodedError('endpoint_timeout', `${url} did not answer within ${timeoutMs} ms`);
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const code = cause?.code ?? '';
    if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|EHOSTUNREACH|ENETUNREACH|UND_ERR_SOCKET/.test(code)) {
      throw new CodedError('endpoint_refused', `could not connect to ${url} (${code}${cause?.message ? `: ${cause.message}` : ''})`);
    }
    throw new CodedError('endpoint_refused', `request to ${url} failed: ${cause?.message ?? (e instanceof Error ? e.message : String(e))}`);
  } finally {
    clearTimeout(timer);
    ctx.signal?.removeEventListener('abort', onAbort);
  }
  if (status < 200 || status >= 300) {
    throw new CodedError('endpoint_http', `${url} answered HTTP ${status}: ${text.slice(0, 300)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CodedError('endpoint_bad_response', `${url} did not answer with JSON: ${text.slice(0, 200)}`);
  }
  const choices = (json as { choices?: unknown }).choices;
  if (!Array.isArray(choices)) throw new CodedError('endpoint_bad_response', `${url} answered without a "choices" array`);
  const usage = (json as { usage?: { completion_tokens?: unknown } }).usage;
  const perChoiceTokens = typeof usage?.completion_tokens === 'number' && choices.length === 1 ? usage.completion_tokens : undefined;
  return choices.map((c: unknown, i): Choice => {
    const o = (c ?? {}) as Record<string, unknown>;
    const t = api === 'chat' ? ((o.message as { content?: unknown } | undefined)?.content) : o.text;
    if (typeof t !== 'string') throw new CodedError('endpoint_bad_response', `${url}: choice ${i} has no ${api === 'chat' ? 'message.content' : 'text'} string`);
    const fr = o.finish_reason === 'length' ? 'length' : 'stop';
    let lp: number[] | null = null;
    const l = o.logprobs as Record<string, unknown> | null | undefined;
    if (l && Array.isArray(l.content)) lp = (l.content as { logprob?: unknown }[]).map((x) => (typeof x.logprob === 'number' ? x.logprob : NaN));
    else if (l && Array.isArray(l.token_logprobs)) lp = (l.token_logprobs as unknown[]).map((x) => (typeof x === 'number' ? x : NaN));
    if (lp && lp.some((x) => Number.isNaN(x))) lp = null;
    const r: Choice = { text: t, finishReason: fr, tokenLogprobs: lp };
    if (perChoiceTokens !== undefined) r.completionTokens = perChoiceTokens;
    return r;
  });
}
