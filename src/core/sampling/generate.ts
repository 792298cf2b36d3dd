/**
 * N candidates per prompt in one batch: prefill each prompt once (left-padded, in chunks), tile its KV cache N ways,
 * decode all rows together, and drop rows from the batch as they finish. Shape after transformers.js
 * `generation/` (processors, sampler, stopping criteria, interrupt flag) with the forward pass injected.
 *
 * Prompt-lookup speculative decoding (`speculative`): each row drafts up to k tokens by matching its last n-gram
 * against its prompt and its own output (Saxena 2023, "prompt lookup decoding"; transformers' PromptLookupCandidate-
 * Generator), all rows verify their drafts in one forward pass of length 1 + max k over the cache, and each row keeps
 * the accepted prefix. A draft token x is accepted with probability p(x) under the processed distribution, else the
 * row takes a token from p with x removed and renormalised: the speculative-sampling rule (Leviathan et al. 2023,
 * Chen et al. 2023) for a deterministic draft, so the output distribution is exactly the sampler's; at temperature 0
 * it is token-for-token greedy decoding. Rows accept different lengths: a rejected position stays in the cache as a
 * hole with attention mask 0 (position ids are per row), and the cache is cut back to the longest accepted row.
 */
import { CodedError } from '../errors';
import type { CausalLM } from './model';
import { DistributionBuilder, rowLogSumExp, type Distribution } from './distribution';
import { promptLookup, type LookupState } from './promptLookup';
import { processorsFor, type LogitsProcessor, type SamplingSettings } from './logitsProcessors';
import { rowRng, type Rng } from './rng';
import { summarizeLogprobs, type LogprobSummary } from './logprobs';
import type { Sampler } from './sampler';
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
  /** Decode forward passes (each may verify several drafted tokens per row). */
  forwards: number;
  /**
   * The same passes counted once per row they advanced (a row leaves the count when it finishes). newTokens /
   * rowForwards is the mean tokens a sequence gets per pass (the acceptance length of speculative-decoding papers);
   * newTokens / (rows x forwards) is per pass of the whole batch, which waits for its slowest row.
   */
  rowForwards: number;
  /** Draft tokens proposed by prompt lookup, and how many of them were accepted. */
  draftedTokens: number;
  acceptedTokens: number;
}

export interface SpeculativeOptions {
  /** Most tokens drafted per row and pass (k); the verify pass has length k + 1. */
  maxDraft: number;
  /** Longest n-gram matched (tried from this down to minNgram). Default 3. */
  ngram?: number;
  /**
   * Shortest n-gram matched. Default 2: a match on the last token alone proposes what followed any occurrence of a
   * common token, rarely kept, and every proposal widens the whole batch's verify pass (measured on the tiny model:
   * 1.02 tokens per pass and 1.5x slower than plain decoding with single-token matches). Columns another row's draft
   * already opened are filled down to single-token matches: they widen nothing.
   */
  minNgram?: number;
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
  /** Prompt-lookup speculative decoding; off when absent (or with a custom sampler). */
  speculative?: SpeculativeOptions;
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
  lookup: LookupState;
  /** This row's current draft length (adapts to how much of its drafts was kept) and steps left before a retry. */
  k: number;
  cooldown: number;
  /** Logits (offset into `src`) of the next token, still to be sampled; null: the last generated token is new. */
  src: Float32Array | null;
  srcOff: number;
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
  const dists = new DistributionBuilder(o.sampling, processors, o.logitsProcessors?.length ?? 0, o.sampler);
  const wantsDraft = o.speculative !== undefined && !o.sampler && o.speculative.maxDraft >= 1;
  const ragged = o.prompts.some((p) => p.length !== longest);
  if ((wantsDraft || ragged) && model.probeMaskedPositions) await model.probeMaskedPositions();
  if (model.denseCache && ragged) {
    throw new CodedError('bad_request', 'this model keeps a dense cache per row (GroupQueryAttention): prompts generated together must have the same length');
  }
  // A dense cache (GroupQueryAttention) cannot keep a rejected draft as a masked hole. At batch 1 it need not: each
  // verify pass's cache comes back to the CPU and is cut to the accepted prefix, so the row stays one dense run (the
  // kernels take a multi-token pass over a cache at batch 1, not above). A GPU-resident cache stays off (a copy back
  // every pass would cost more than drafting saves).
  const denseOne = !!model.denseCache && o.prompts.length * n === 1 && typeof model.truncate === 'function';
  const specWanted = o.speculative && wantsDraft && (!model.denseCache || denseOne) ? { k: Math.floor(o.speculative.maxDraft), n: Math.max(1, Math.floor(o.speculative.ngram ?? 3)), minN: Math.max(1, Math.floor(o.speculative.minNgram ?? 2)) } : null;
  const stopStrings = new StopStringsCriterion(o.stop ?? []);
  const stopping = new StoppingCriteriaList([new EosCriterion(o.eosTokenIds), stopStrings, new MaxNewTokensCriterion(maxNew), ...(o.stoppingCriteria ?? [])]);
  const decode = o.decode ?? (() => '');
  const seed = o.seed ?? 0;
  const guard = makeGuard(model, o);
  const timings: GenerateTimings = { prefillMs: 0, decodeMs: 0, decodeSteps: 0, sampleMs: 0, totalMs: 0, promptTokens: 0, newTokens: 0, compactions: 0, forwards: 0, rowForwards: 0, draftedTokens: 0, acceptedTokens: 0 };
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
        noLogits: end < S,
      });
      swapCache(r.cache);
      prefillLogits = r.logits;
    }
    const spec = denseOne && !model.canSelectRows(cache!) ? null : specWanted; // a GPU-resident cache: see denseOne
    // ---- tile: row b of the batch is sample (b % n) of prompt floor(b / n) ----
    const tileRows = Array.from({ length: P * n }, (_, b) => Math.floor(b / n));
    if (n > 1) {
      if (!model.canSelectRows(cache!)) throw new CodedError('internal', 'the model cannot tile its prefill cache');
      swapCache(await model.selectRows(cache!, tileRows));
    }
    const logits: Float32Array = n > 1 ? selectLogitRows(prefillLogits, V, tileRows) : prefillLogits;
    let batch: (Row | null)[] = tileRows.map((p, b) => ({
      index: b,
      promptIndex: p,
      promptIds: o.prompts[p]!,
      generatedIds: [],
      tokenLogprobs: [],
      rng: rowRng(seed, b),
      mask: mask[p]!.slice(),
      nextPos: o.prompts[p]!.length,
      src: logits,
      srcOff: b * V,
      lookup: { next: -1 },
      k: spec?.k ?? 0,
      cooldown: 0,
    }));
    timings.prefillMs = now() - t0;

    /** Appends a token to a row; true when the row is finished (and has left the batch). */
    const push = (b: number, row: Row, tok: number, lp: number): boolean => {
      row.generatedIds.push(tok);
      row.tokenLogprobs.push(lp);
      timings.newTokens++;
      let text: string | undefined;
      const decision = stopping.check({
        generatedIds: row.generatedIds,
        text: () => (text ??= decode(row.generatedIds)),
      });
      if (!decision) return false;
      const body = decision.reason === 'eos' ? row.generatedIds.slice(0, -1) : row.generatedIds;
      let out = decision.reason === 'eos' || text === undefined ? decode(body) : text;
      if (decision.textEnd !== undefined) out = out.slice(0, decision.textEnd);
      const c = candidate(row, out, decision.reason);
      finished.push(c);
      batch[b] = null;
      o.onCandidate?.(c);
      return true;
    };
    /** log p(tok) under the raw distribution of logits[off, off + V); the distribution's build may have its normaliser. */
    const rawLogprob = (src: Float32Array, off: number, tok: number, dist: Distribution) => src[off + tok]! - (dist.rawLogSumExp ?? rowLogSumExp(src, off, V));

    // ---- decode ----
    for (;;) {
      guard.check();
      const ts = now();
      // rows whose next token is still a distribution sample it now
      for (let b = 0; b < batch.length; b++) {
        const row = batch[b];
        if (!row || !row.src) continue;
        const dist = dists.build(row.src, row.srcOff, V, row);
        const tok = dist.sample(row.rng);
        const lp = rawLogprob(row.src, row.srcOff, tok, dist);
        row.src = null;
        push(b, row, tok, lp);
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
          timings.compactions++;
        } else wantCpu = true;
      }
      // drafts: each live row's last token (not yet in the cache) plus up to k looked-up tokens
      const drafts: number[][] = batch.map((row) => {
        if (!row || !spec) return [];
        if (row.k === 0 && --row.cooldown <= 0) row.k = 1; // probe again after a pause
        const budget = Math.min(row.k, maxNew - row.generatedIds.length);
        return budget > 0 ? promptLookup(row.promptIds, row.generatedIds, spec.n, budget, row.lookup, spec.minN) : [];
      });
      const S = 1 + Math.max(...drafts.map((d) => d.length));
      // The pass is S wide for every row, and a row's unused columns are computed anyway (masked out): fill them with
      // drafts that its own adaptive length would not risk, down to single-token matches. They cost no forward work,
      // only a check each when they are reached; the acceptance rule keeps the output distribution the sampler's.
      // A row that drafted looks up again with the wider budget: its lookup state now points at its draft's source,
      // so this continues that copy (no new search).
      const own = drafts.map((d) => d.length);
      if (spec && S > 1) {
        batch.forEach((row, b) => {
          const want = row ? Math.min(S - 1, maxNew - row.generatedIds.length) : 0;
          if (row && want > own[b]!) drafts[b] = promptLookup(row.promptIds, row.generatedIds, spec.n, want, row.lookup, own[b]! ? spec.minN : 1);
        });
      }
      const td = now();
      const padMask = batch.find((r): r is Row => r !== null)!.mask.length;
      const inputIds: number[] = [];
      const attentionMask: number[] = [];
      const positionIds: number[] = [];
      batch.forEach((row, b) => {
        const d = drafts[b]!;
        timings.draftedTokens += d.length;
        for (let j = 0; j < S; j++) {
          inputIds.push(!row ? o.padTokenId : j === 0 ? row.generatedIds[row.generatedIds.length - 1]! : j <= d.length ? d[j - 1]! : o.padTokenId);
          positionIds.push(row ? row.nextPos + j : 0);
        }
        if (row) for (const m of row.mask) attentionMask.push(m);
        else for (let j = 0; j < padMask; j++) attentionMask.push(1);
        for (let j = 0; j < S; j++) attentionMask.push(!row || j <= d.length ? 1 : 0);
      });
      const r = await guard.run({ inputIds, batch: batch.length, seqLen: S, attentionMask, positionIds, cache, cacheOnCpu: wantCpu || (denseOne && S > 1), allPositions: S > 1 });
      swapCache(r.cache);
      const out = r.logits;
      timings.decodeSteps++;
      timings.forwards++;
      timings.rowForwards += live.length; // the rows this pass advances (finished ones are null or dropped)
      timings.decodeMs += now() - td;

      // verify: keep each row's accepted prefix; the first rejected draft is replaced by a draw from p without it
      const tv = now();
      let longest = 0;
      for (let b = 0; b < batch.length; b++) {
        const row = batch[b];
        if (!row) continue;
        const d = drafts[b]!;
        let accepted = 0;
        let done = false;
        let rejected = false;
        for (let j = 0; j < d.length && !done; j++) {
          const off = (b * S + j) * V;
          const dist = dists.build(out, off, V, row);
          const x = d[j]!;
          const px = dist.prob(x);
          if (px >= 1 || (px > 0 && row.rng() < px)) {
            accepted++;
            timings.acceptedTokens++;
            done = push(b, row, x, rawLogprob(out, off, x, dist));
          } else {
            const y = dist.sampleExcluding(x, row.rng);
            done = push(b, row, y, rawLogprob(out, off, y, dist));
            rejected = true;
          }
          if (rejected) break;
        }
        // the row's cache now holds its last token and the accepted drafts; the rest of the pass is masked out
        for (let j = 0; j < S; j++) row.mask.push(j <= accepted ? 1 : 0);
        row.nextPos += 1 + accepted;
        if (d.length) {
          row.lookup.next += accepted + 1; // the source token after the kept ones lines up with the next
          // Adapt the draft length (as transformers' assistant-token heuristic does): every rejected draft widens
          // everyone's verify pass for nothing, so a row whose drafts fail at once backs off, down to a pause. Only
          // the row's own draft counts; the free fill (above) neither widens the pass nor backs the row off, but a
          // row whose fill was kept drafts again at once.
          const mine = own[b]!;
          if (mine > 0 && accepted >= mine) row.k = Math.min(spec!.k, row.k * 2);
          else if (mine > 0 && accepted === 0) {
            row.k >>= 1;
            if (row.k === 0) row.cooldown = 16;
          } else if (mine === 0 && accepted > 0 && row.k === 0) {
            row.k = 1;
            row.cooldown = 0;
          }
        }
        if (done) continue;
        longest = Math.max(longest, accepted);
        // nothing rejected: the next token comes from the last verified position (sampled at the top of the loop)
        if (!rejected) {
          row.src = out;
          row.srcOff = (b * S + accepted) * V;
        }
      }
      timings.sampleMs += now() - tv;
      // cut the cache back to the longest accepted row: columns past it are masked out for every row
      const keepLen = padMask + 1 + longest;
      if (S > 1 && keepLen < padMask + S && model.truncate) {
        const cut = await model.truncate(cache!, keepLen);
        if (cut !== null) {
          swapCache(cut);
          for (const row of batch) if (row) row.mask.length = keepLen;
        } else if (denseOne) throw new CodedError('internal', 'a dense cache could not be cut back after a verify pass');
      }
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
    logprobs: summarizeLogprobs(row.tokenLogprobs),
    finishReason: reason,
  };
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
