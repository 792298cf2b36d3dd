/**
 * Parameters and results of the worker's `generate` method (and the CLI), shared by the ONNX and OpenAI backends.
 * parseGenerateParams narrows what arrives over IPC.
 */
import { CodedError } from '../errors';
import type { LogprobSummary } from './logprobs';
import { isChatMessage, type ChatMessage } from '../chat';
import type { FinishReason } from './stopping';
import { isJsonObject } from '../guards';

export type ExecutionProviderSetting = 'auto' | 'cuda' | 'webgpu' | 'cpu';
export type ModelDtypeSetting = 'auto' | 'fp32' | 'fp16' | 'q8' | 'q4' | 'q4f16';
const DTYPES: readonly ModelDtypeSetting[] = ['auto', 'fp32', 'fp16', 'q8', 'q4', 'q4f16'];

export interface OnnxBackendSpec {
  kind: 'onnx';
  /** Model folder (Optimum layout); empty: the small model bundled with the extension. */
  modelPath: string;
  executionProvider?: ExecutionProviderSetting;
  /** Graph under onnx/; overrides dtype. */
  onnxFile?: string;
  /** rewardLens.modelDtype: which variant under onnx/ (model.onnx, model_fp16.onnx, model_q4.onnx, ...); default auto. */
  dtype?: ModelDtypeSetting;
  /** CPU intra-op threads; default onnxruntime's (one per core). */
  threads?: number;
}

export interface OpenAIBackendSpec {
  kind: 'openai';
  /** Base URL (`http://127.0.0.1:11434/v1`) or a full `/v1/chat/completions` / `/v1/completions` URL. */
  url: string;
  model: string;
  apiKey?: string;
  /** Default: chat when messages are given, completions for a raw prompt. */
  api?: 'chat' | 'completions';
  /** Per HTTP request; default 120000. */
  timeoutMs?: number;
}

export type BackendSpec = OnnxBackendSpec | OpenAIBackendSpec;

export type { ChatMessage } from '../chat';

export interface GenerateParams {
  backend: BackendSpec;
  /** Rendered with the model's chat template (ONNX) or sent as chat messages (OpenAI). */
  messages?: ChatMessage[];
  /** Used verbatim, without a chat template. Exactly one of messages and prompt. */
  prompt?: string;
  n: number;
  /** 0 = greedy. */
  temperature: number;
  topP?: number;
  topK?: number;
  minP?: number;
  repetitionPenalty?: number;
  maxNewTokens: number;
  seed?: number;
  stop?: string[];
  /** Keep going past the end-of-sequence token (benchmarks, tests); vLLM's ignore_eos. ONNX backend only. */
  ignoreEos?: boolean;
  /** Include per-token log-probs in each candidate (default true). */
  tokenLogprobs?: boolean;
  /** ONNX: a forward pass slower than this fails with model_forward (default 120000). */
  stepTimeoutMs?: number;
  /**
   * ONNX: prompt-lookup speculative decoding drafts up to this many tokens per row and forward pass (0 = off; default
   * DEFAULT_DRAFT_TOKENS). The output distribution is the sampler's either way; copy-heavy outputs take fewer forward
   * passes.
   */
  draftTokens?: number;
}

/**
 * Draft tokens per row and pass when a request does not say (`rewardLens.draftTokens`, `--draft-tokens`). On: where
 * the answer copies its prompt (a 300-line file rewritten, N=8) 8 takes 93 forward passes instead of 255 and 1.8x
 * less time than plain decoding (bench/generate/copy.ts); where it copies little, the per-row draft lengths back off
 * and it costs about 4% per token (bench/generate/draft.ts, SQL on the bundled model), nothing measurable on random
 * weights (bench.ts). Graphs whose cache must stay dense (GroupQueryAttention) draft only at batch 1 (one candidate).
 */
export const DEFAULT_DRAFT_TOKENS = 8;

export interface CandidateResult {
  index: number;
  text: string;
  tokenCount: number;
  /** null when an endpoint offered no log-probs. */
  logprobs: LogprobSummary | null;
  tokenLogprobs?: number[];
  /** eos: the model's end token; stop: a stop string (OpenAI's "stop" covers both); length: maxNewTokens. */
  finishReason: FinishReason;
}

export interface ModelInfo {
  id: string;
  backend: 'onnx' | 'openai';
  /** Model folder or endpoint URL. */
  source: string;
  modelType?: string;
  numLayers?: number;
  vocabSize?: number;
  /** float32 / float16 KV cache. */
  kvType?: string;
  /** The graph file under onnx/ that runs, and its variant (fp32, fp16, q8, q4, q4f16, custom). */
  onnxFile?: string;
  dtype?: string;
  loadMs?: number;
}

export interface GenerateTimings {
  loadMs: number;
  prefillMs: number;
  decodeMs: number;
  decodeSteps: number;
  totalMs: number;
  promptTokens: number;
  newTokens: number;
  tokensPerSecond: number;
  /** Speculative decoding: draft tokens proposed and accepted. */
  draftedTokens?: number;
  acceptedTokens?: number;
  /** Decode passes, and the same passes counted once per row they advanced (newTokens / rowForwards: tokens per pass per sequence). */
  forwards?: number;
  rowForwards?: number;
}

export interface GenerateResult {
  candidates: CandidateResult[];
  model: ModelInfo;
  /** cpu / webgpu / cuda, or "openai" for an endpoint. */
  provider: string;
  fallbackReasons: Record<string, string>;
  /** The seed used (given or drawn), so a run can be repeated; null when an endpoint was not sent one. */
  seed: number | null;
  timings: GenerateTimings;
}

/** What `model.load` takes and `model.info` returns. */
export interface LoadedModelInfo {
  model: ModelInfo;
  provider: string;
  fallbackReasons: Record<string, string>;
}


function bad(msg: string): never {
  throw new CodedError('bad_request', msg);
}

function optNum(o: Record<string, unknown>, k: string, lo: number, hi: number, int = false): number | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (int && !Number.isInteger(v))) bad(`${k} must be ${int ? 'an integer' : 'a number'} in [${lo}, ${hi}]`);
  return v;
}

/**
 * One line on what prompt-lookup drafting did in a request ("drafts kept 1366 of 4644 (29%), 3.01 tokens per row
 * pass"), for logs and the CLI; null when nothing was drafted (drafting off, an endpoint, or nothing to copy).
 */
export function draftingSummary(t: GenerateTimings): string | null {
  const drafted = t.draftedTokens ?? 0;
  if (drafted <= 0) return null;
  const kept = t.acceptedTokens ?? 0;
  const perPass = t.rowForwards ? `, ${(t.newTokens / t.rowForwards).toFixed(2)} tokens per row pass` : '';
  return `drafts kept ${kept} of ${drafted} (${Math.round((100 * kept) / drafted)}%)${perPass}`;
}

export function parseBackend(x: unknown): BackendSpec {
  if (!isJsonObject(x)) bad('backend must be an object');
  if (x.kind === 'onnx') {
    if (typeof x.modelPath !== 'string') bad('backend.modelPath must be a folder path (empty for the bundled model)');
    const ep = x.executionProvider ?? 'auto';
    if (ep !== 'auto' && ep !== 'cuda' && ep !== 'webgpu' && ep !== 'cpu') bad('backend.executionProvider must be auto, cuda, webgpu or cpu');
    const spec: OnnxBackendSpec = { kind: 'onnx', modelPath: x.modelPath, executionProvider: ep };
    if (typeof x.onnxFile === 'string') spec.onnxFile = x.onnxFile;
    if (x.dtype !== undefined) {
      if (!DTYPES.includes(x.dtype as ModelDtypeSetting)) bad(`backend.dtype must be one of ${DTYPES.join(', ')}`);
      spec.dtype = x.dtype as ModelDtypeSetting;
    }
    const threads = optNum(x, 'threads', 1, 1024, true);
    if (threads !== undefined) spec.threads = threads;
    return spec;
  }
  if (x.kind === 'openai') {
    if (typeof x.url !== 'string' || !/^https?:\/\//.test(x.url)) bad('backend.url must be an http(s) URL');
    if (typeof x.model !== 'string') bad('backend.model must be a string');
    const spec: OpenAIBackendSpec = { kind: 'openai', url: x.url, model: x.model };
    if (typeof x.apiKey === 'string' && x.apiKey) spec.apiKey = x.apiKey;
    if (x.api === 'chat' || x.api === 'completions') spec.api = x.api;
    const t = optNum(x, 'timeoutMs', 1, 3_600_000, true);
    if (t !== undefined) spec.timeoutMs = t;
    return spec;
  }
  bad('backend.kind must be "onnx" or "openai"');
}

export function parseGenerateParams(x: unknown): GenerateParams {
  if (!isJsonObject(x)) bad('generate params must be an object');
  const backend = parseBackend(x.backend);
  const p: GenerateParams = {
    backend,
    n: optNum(x, 'n', 1, 256, true) ?? 1,
    temperature: optNum(x, 'temperature', 0, 10) ?? 1,
    maxNewTokens: optNum(x, 'maxNewTokens', 1, 32768, true) ?? 256,
  };
  if (x.messages !== undefined) {
    if (!Array.isArray(x.messages) || x.messages.length === 0 || !x.messages.every(isChatMessage)) {
      bad('messages must be a non-empty array of {role: "system" | "user" | "assistant", content: string}');
    }
    p.messages = (x.messages as ChatMessage[]).map((m) => ({ role: m.role, content: m.content }));
  }
  if (x.prompt !== undefined) {
    if (typeof x.prompt !== 'string' || !x.prompt) bad('prompt must be a non-empty string');
    p.prompt = x.prompt;
  }
  if ((p.messages === undefined) === (p.prompt === undefined)) bad('give exactly one of messages and prompt');
  const topP = optNum(x, 'topP', 0, 1); if (topP !== undefined) { if (topP === 0) bad('topP must be > 0'); p.topP = topP; }
  const topK = optNum(x, 'topK', 0, 1e7, true); if (topK !== undefined) p.topK = topK;
  const minP = optNum(x, 'minP', 0, 1); if (minP !== undefined) p.minP = minP;
  const rp = optNum(x, 'repetitionPenalty', 0.01, 100); if (rp !== undefined) p.repetitionPenalty = rp;
  const seed = optNum(x, 'seed', 0, 2 ** 32 - 1, true); if (seed !== undefined) p.seed = seed;
  const st = optNum(x, 'stepTimeoutMs', 1, 86_400_000, true); if (st !== undefined) p.stepTimeoutMs = st;
  const dt = optNum(x, 'draftTokens', 0, 32, true); if (dt !== undefined) p.draftTokens = dt;
  if (x.stop !== undefined) {
    if (!Array.isArray(x.stop) || !x.stop.every((s) => typeof s === 'string')) bad('stop must be an array of strings');
    p.stop = (x.stop as string[]).filter((s) => s.length > 0);
  }
  if (x.tokenLogprobs !== undefined) p.tokenLogprobs = x.tokenLogprobs === true;
  if (x.ignoreEos === true) p.ignoreEos = true;
  return p;
}
