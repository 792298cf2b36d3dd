/**
 * N candidates per prompt in one batch: prefill each prompt once (left-padded, in chunks), tile its KV cache N ways,
 * decode all rows together, and drop rows from the batch as they finish. Shape after transformers.js
 * `generation/` (processors, sampler, stopping criteria, interrupt flag) with the forward pass injected.
 */
import { CodedError } from '../errors';
import type { CausalLM } from './model';
import { logSumExp, processorsFor, type LogitsProcessor, type SamplingSettings } from './logitsProcessors';
import { rowRng, type Rng } from './rng';
import { GreedySampler, MultinomialSampler, type Sampler } from './sampler';
import { EosCriterion, MaxNewTokensCriterion, StopStringsCriterion, StoppingCriteriaList, type FinishReason, type StoppingCriterion } from './stopping';

/** The part of AbortSignal the loop needs (a real AbortSignal fits). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener?(type: 'abort', listener: () => void): void;
  removeEventListener?(type: 'abort', listener: () => void): void;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface LogprobSummary {
  sum: number;
  mean: number;
  min: number;
  count: number;
}

export interface GeneratedCandidate {
  /** promptIndex * numReturnSequences + sample index. */
  index: number;
  promptIndex: number;
  text: string;
  /** Generated ids, including the EOS token when the row ended on one (its log-prob is part of the sequence's). */
  tokenIds: number[];
  tokenCount: number;
  /** log p(token | prefix) under the model's raw distribution (before temperature and filters), per token. */
  tokenLogprobs: number[];
  logprobs: LogprobSummary;
  finishReason: FinishReason;
}

export interface GenerateTimings {
  prefillMs: number;
  decodeMs: number;
  decodeSteps: number;
  /** Time spent in processors, sampling and stopping checks. */
  sampleMs: number;
  totalMs: number;
  promptTokens: number;
  newTokens: number;
  /** How many times finished rows were dropped from the batch. */
  compactions: number;
}

export interface GenerateOptions {
  /** Token ids of each prompt. */
  prompts: readonly (readonly number[])[];
  numReturnSequences: number;
  maxNewTokens: number;
  sampling: SamplingSettings;
  seed?: number;
  eosTokenIds: readonly number[];
  padTokenId: number;
  stop?: readonly string[];
  /**
   * The model's context (max_position_embeddings): a prompt that does not leave room for one new token fails before
   * any forward pass with limit_exceeded; otherwise rows stop (finish 'length') when they reach it.
   */
  contextLength?: number;
  /** Token ids to text; needed for candidate text and stop strings. */
  decode?: (ids: number[]) => string;
  signal?: AbortSignalLike;
  onCandidate?: (c: GeneratedCandidate) => void;
  /** Prompt tokens per prefill forward (bounds the [batch, chunk, vocab] logits buffer). Default 256. */
  prefillChunkSize?: number;
  /** A forward that takes longer fails with model_forward (needs timers). */
  stepTimeoutMs?: number;
  timers?: Timers;
  now?: () => number;
  /** Extra processors, run after the standard ones; extra stopping criteria, checked after the standard ones. */
  logitsProcessors?: LogitsProcessor[];
  stoppingCriteria?: StoppingCriterion[];
  sampler?: Sampler;
}

export interface GenerateOutput {
  /** Ordered by index. */
  candidates: GeneratedCandidate[];
  timings: GenerateTimings;
}

interface Row {
  index: number;
  promptIndex: number;
  promptIds: readonly number[];
  generatedIds: number[];
  tokenLogprobs: number[];
  rng: Rng;
  mask: number[];
  nextPos: number;
}

export async function generate<C>(model: CausalLM<C>, o: GenerateOptions): Promise<GenerateOutput> {
  const now = o.now ?? (() => Date.now());
  const t0 = now();
  const V = model.vocabSize;
  const n = o.numReturnSequences;
  if (o.prompts.length === 0 || o.prompts.some((p) => p.length === 0)) throw new CodedError('bad_request', 'every prompt needs at least one token');
  if (!(n >= 1) || !Number.isInteger(n)) throw new CodedError('bad_request', 'numReturnSequences must be an integer >= 1');
  if (!(o.maxNewTokens >= 1)) throw new CodedError('bad_request', 'maxNewTokens must be >= 1');
  const longest = Math.max(...o.prompts.map((p) => p.length));
  let maxNew = o.maxNewTokens;
  if (o.contextLength !== undefined) {
    if (longest >= o.contextLength) {
      throw new CodedError('limit_exceeded', `the prompt is ${longest} tokens but the model's context is ${o.contextLength} tokens (max_position_embeddings in its config.json), leaving no room for an answer: shorten the prompt or use a model with a longer context`);
    }
    maxNew = Math.min(maxNew, o.contextLength - longest);
  }
  const processors = processorsFor(o.sampling);
  for (const p of o.logitsProcessors ?? []) processors.push(p);
  const sampler = o.sampler ?? (o.sampling.temperature > 0 ? new MultinomialSampler() : new GreedySampler());
  const stopStrings = new StopStringsCriterion(o.stop ?? []);
  const stopping = new StoppingCriteriaList([new EosCriterion(o.eosTokenIds), stopStrings, new MaxNewTokensCriterion(maxNew), ...(o.stoppingCriteria ?? [])]);
  const decode = o.decode ?? (() => '');
  const seed = o.seed ?? 0;
  const guard = makeGuard(model, o);
  const timings: GenerateTimings = { prefillMs: 0, decodeMs: 0, decodeSteps: 0, sampleMs: 0, totalMs: 0, promptTokens: 0, newTokens: 0, compactions: 0 };
  const finished: GeneratedCandidate[] = [];
  let cache: C | null = null;
  const swapCache = (next: C): void => {
    if (cache !== null && cache !== next) model.release(cache);
    cache = next;
  };

  try {
    // ---- prefill every distinct prompt once, left-padded to the longest ----
    guard.check();
    const P = o.prompts.length;
    const S = Math.max(...o.prompts.map((p) => p.length));
    const ids: number[] = [];
    const mask: number[][] = [];
    const pos: number[][] = [];
    for (const p of o.prompts) {
      const pad = S - p.length;
      const m = [...new Array<number>(pad).fill(0), ...p.map(() => 1)];
      ids.push(...new Array<number>(pad).fill(o.padTokenId), ...p);
      mask.push(m);
      let c = 0;
      pos.push(m.map((x) => (x ? c++ : 0)));
      timings.promptTokens += p.length;
    }
    const chunk = Math.max(1, o.prefillChunkSize ?? 256);
    let prefillLogits: Float32Array = new Float32Array(0);
    for (let start = 0; start < S; start += chunk) {
      const end = Math.min(S, start + chunk);
      const r = await guard.run({
        inputIds: sliceCols(ids, P, S, start, end),
        batch: P,
        seqLen: end - start,
        attentionMask: mask.flatMap((m) => m.slice(0, end)),
        positionIds: pos.flatMap((p) => p.slice(start, end)),
        cache,
        cacheOnCpu: end === S && n > 1,
      });
      swapCache(r.cache);
      prefillLogits = r.logits;
    }
    // ---- tile: row b of the batch is sample (b % n) of prompt floor(b / n) ----
    const tileRows = Array.from({ length: P * n }, (_, b) => Math.floor(b / n));
    if (n > 1) {
      if (!model.canSelectRows(cache!)) throw new CodedError('internal', 'the model cannot tile its prefill cache');
      swapCache(await model.selectRows(cache!, tileRows));
    }
    let logits: Float32Array = n > 1 ? selectLogitRows(prefillLogits, V, tileRows) : prefillLogits;
    let batch: (Row | null)[] = tileRows.map((p, b) => ({
      index: b,
      promptIndex: p,
      promptIds: o.prompts[p]!,
      generatedIds: [],
      tokenLogprobs: [],
      rng: rowRng(seed, b),
      mask: mask[p]!.slice(),
      nextPos: o.prompts[p]!.length,
    }));
    timings.prefillMs = now() - t0;

    // ---- decode ----
    const scratch = new Float32Array(V);
    for (;;) {
      guard.check();
      const ts = now();
      const tokens = new Array<number>(batch.length).fill(o.padTokenId);
      for (let b = 0; b < batch.length; b++) {
        const row = batch[b];
        if (!row) continue;
        const raw = logits.subarray(b * V, (b + 1) * V);
        const logZ = logSumExp(raw);
        scratch.set(raw);
        processors.process(scratch, row);
        const tok = sampler.sample(scratch, row.rng);
        row.generatedIds.push(tok);
        row.tokenLogprobs.push(raw[tok]! - logZ);
        tokens[b] = tok;
        timings.newTokens++;
        let text: string | undefined;
        const decision = stopping.check({
          generatedIds: row.generatedIds,
          text: () => (text ??= decode(row.generatedIds)),
        });
        if (decision) {
          const body = decision.reason === 'eos' ? row.generatedIds.slice(0, -1) : row.generatedIds;
          let out = decision.reason === 'eos' || text === undefined ? decode(body) : text;
          if (decision.textEnd !== undefined) out = out.slice(0, decision.textEnd);
          const c = candidate(row, out, decision.reason);
          finished.push(c);
          batch[b] = null;
          o.onCandidate?.(c);
        }
      }
      timings.sampleMs += now() - ts;
      const live = batch.filter((r): r is Row => r !== null);
      if (live.length === 0) break;
      guard.check();

      // Finished rows leave the batch. A GPU-resident cache is first brought to the CPU by the next forward.
      let wantCpu = false;
      if (live.length < batch.length) {
        if (model.canSelectRows(cache!)) {
          const keep = batch.flatMap((r, b) => (r ? [b] : []));
          swapCache(await model.selectRows(cache!, keep));
          batch = live;
          tokens.splice(0, tokens.length, ...keep.map((b) => tokens[b]!));
          timings.compactions++;
        } else wantCpu = true;
      }
      const td = now();
      for (const r of batch) r?.mask.push(1);
      const padMask = batch.find((r): r is Row => r !== null)!.mask.length;
      const r = await guard.run({
        inputIds: tokens,
        batch: batch.length,
        seqLen: 1,
        attentionMask: batch.flatMap((row) => row?.mask ?? new Array<number>(padMask).fill(1)),
        positionIds: batch.map((row) => row?.nextPos ?? 0),
        cache,
        cacheOnCpu: wantCpu,
      });
      for (const row of batch) if (row) row.nextPos++;
      swapCache(r.cache);
      logits = r.logits;
      timings.decodeSteps++;
      timings.decodeMs += now() - td;
    }
  } finally {
    if (cache !== null) model.release(cache);
    guard.dispose();
  }
  timings.totalMs = now() - t0;
  finished.sort((a, b) => a.index - b.index);
  return { candidates: finished, timings };
}

function candidate(row: Row, text: string, reason: FinishReason): GeneratedCandidate {
  return {
    index: row.index,
    promptIndex: row.promptIndex,
    text,
    tokenIds: row.generatedIds,
    tokenCount: row.generatedIds.length,
    tokenLogprobs: row.tokenLogprobs,
    logprobs: summarize(row.tokenLogprobs),
    finishReason: reason,
  };
}

export function summarize(lp: readonly number[]): LogprobSummary {
  let sum = 0;
  let min = lp.length ? Infinity : 0;
  for (const x of lp) {
    sum += x;
    if (x < min) min = x;
  }
  return { sum, mean: lp.length ? sum / lp.length : 0, min, count: lp.length };
}

function sliceCols(flat: readonly number[], rows: number, cols: number, start: number, end: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) for (let c = start; c < end; c++) out.push(flat[r * cols + c]!);
  return out;
}

function selectLogitRows(logits: Float32Array, V: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * V);
  rows.forEach((r, j) => out.set(logits.subarray(r * V, (r + 1) * V), j * V));
  return out;
}

/** Cancellation and step timeout around each forward; a forward that loses the race has its cache released later. */
function makeGuard<C>(model: CausalLM<C>, o: GenerateOptions) {
  let abortListener: (() => void) | undefined;
  const cancelled = () => new CodedError('cancelled', 'generation was cancelled');
  return {
    check(): void {
      if (o.signal?.aborted) throw cancelled();
    },
    async run(req: Parameters<CausalLM<C>['forward']>[0]) {
      if (o.signal?.aborted) throw cancelled();
      const fwd = (async () => model.forward(req))();
      const losers: Promise<never>[] = [];
      let timer: unknown;
      if (o.stepTimeoutMs !== undefined && o.timers) {
        const { stepTimeoutMs: ms, timers } = o;
        losers.push(new Promise<never>((_, reject) => {
          timer = timers.setTimeout(() => reject(new CodedError('model_forward', `the model's forward pass did not return within ${ms} ms`)), ms);
        }));
      }
      if (o.signal?.addEventListener) {
        const signal = o.signal;
        losers.push(new Promise<never>((_, reject) => {
          abortListener = () => reject(cancelled());
          signal.addEventListener!('abort', abortListener);
        }));
      }
      let settled = false;
      try {
        const r = await Promise.race([fwd, ...losers]);
        settled = true;
        return r;
      } catch (e) {
        if (e instanceof CodedError) throw e;
        settled = true;
        throw new CodedError('model_forward', `the model's forward pass failed: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        if (timer !== undefined) o.timers!.clearTimeout(timer);
        if (abortListener && o.signal?.removeEventListener) o.signal.removeEventListener('abort', abortListener);
        abortListener = undefined;
        if (!settled) fwd.then((late) => model.release(late.cache), () => undefined);
      }
    },
    dispose(): void {
      abortListener = undefined;
    },
  };
}
