/**
 * Runs generate requests in the worker (and in the CLI's process): keeps one ONNX model loaded, renders prompts,
 * drives the sampling loop and shapes results. One generation at a time: onnxruntime already uses every core.
 */
import { CodedError } from '../../core/errors';
import { generate } from '../../core/sampling/generate';
import { DEFAULT_DRAFT_TOKENS, type CandidateResult, type GenerateParams, type GenerateResult, type LoadedModelInfo, type ModelInfo, type OnnxBackendSpec } from '../../core/sampling/request';
import { bundledModelPath } from './bundledModel';
import { loadModelFolder, type ModelFolder } from './modelFolder';
import { openaiGenerate } from './openai';
import { OrtCausalLM } from './ortModel';
import { TextTokenizer } from './tokenizer';

export interface RunContext {
  signal?: AbortSignal;
  onCandidate?: (c: CandidateResult) => void;
  log?: (level: 'info' | 'warn', message: string) => void;
}

interface Loaded {
  key: string;
  folder: ModelFolder;
  tokenizer: TextTokenizer;
  lm: OrtCausalLM;
}

const nodeTimers = { setTimeout: (f: () => void, ms: number): unknown => setTimeout(f, ms), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };

export class InferenceEngine {
  private loaded: Loaded | null = null;
  private loading: Promise<Loaded> | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  /** Loads (or reuses) the model of an ONNX backend. */
  async load(spec: OnnxBackendSpec): Promise<LoadedModelInfo> {
    const l = await this.ensure(spec);
    return this.describe(l);
  }

  info(): LoadedModelInfo | null {
    return this.loaded ? this.describe(this.loaded) : null;
  }

  async unload(): Promise<void> {
    const l = this.loaded;
    this.loaded = null;
    if (l) await l.lm.dispose();
  }

  generate(params: GenerateParams, ctx: RunContext = {}): Promise<GenerateResult> {
    const run = this.queue.then(() => this.run(params, ctx));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async run(params: GenerateParams, ctx: RunContext): Promise<GenerateResult> {
    if (ctx.signal?.aborted) throw new CodedError('cancelled', 'generation was cancelled');
    if (params.backend.kind === 'openai') return openaiGenerate(params.backend, params, ctx);
    const t0 = Date.now();
    const wasLoaded = this.loaded?.key === keyOf(params.backend.modelPath ? params.backend : { ...params.backend, modelPath: bundledModelPath() });
    const l = await this.ensure(params.backend);
    const loadMs = wasLoaded ? 0 : Date.now() - t0;
    const promptText = params.messages ? l.tokenizer.applyChatTemplate(params.messages) : params.prompt!;
    const promptIds = l.tokenizer.encode(promptText);
    if (promptIds.length === 0) throw new CodedError('bad_request', 'the prompt encodes to no tokens');
    const V = l.folder.config.vocabSize;
    const outside = promptIds.find((id) => id < 0 || id >= V);
    if (outside !== undefined) throw new CodedError('model_folder', `${l.folder.dir}/tokenizer.json produced token id ${outside} but config.json says vocab_size ${V}: the tokenizer does not belong to this model`);
    const d = l.folder.defaults;
    const withLogprobs = params.tokenLogprobs !== false;
    const shape = (c: { index: number; text: string; tokenCount: number; logprobs: CandidateResult['logprobs']; tokenLogprobs: number[]; finishReason: CandidateResult['finishReason'] }): CandidateResult => {
      const r: CandidateResult = { index: c.index, text: c.text, tokenCount: c.tokenCount, logprobs: c.logprobs, finishReason: c.finishReason };
      if (withLogprobs) r.tokenLogprobs = c.tokenLogprobs;
      return r;
    };
    const sampling = {
      temperature: params.temperature,
      topP: params.topP ?? d.topP,
      topK: params.topK ?? d.topK,
      minP: params.minP ?? d.minP,
      repetitionPenalty: params.repetitionPenalty ?? d.repetitionPenalty,
    };
    const seed = params.seed ?? Math.floor(Math.random() * 2 ** 32);
    let out;
    try {
      out = await generate(l.lm, {
        prompts: [promptIds],
        numReturnSequences: params.n,
        maxNewTokens: params.maxNewTokens,
        ...(l.folder.config.contextLength !== null ? { contextLength: l.folder.config.contextLength } : {}),
        sampling: Object.fromEntries(Object.entries(sampling).filter(([, v]) => v !== undefined)) as typeof sampling,
        seed,
        eosTokenIds: params.ignoreEos ? [] : l.folder.eosTokenIds,
        padTokenId: l.folder.padTokenId,
        stop: params.stop ?? [],
        decode: (ids) => l.tokenizer.decode(ids),
        signal: ctx.signal,
        onCandidate: ctx.onCandidate ? (c) => ctx.onCandidate!(shape(c)) : undefined,
        stepTimeoutMs: params.stepTimeoutMs ?? 120_000,
        // generate() turns drafting off on graphs whose cache must stay dense (OrtCausalLM.probeMaskedPositions)
        ...((params.draftTokens ?? DEFAULT_DRAFT_TOKENS) > 0 ? { speculative: { maxDraft: params.draftTokens ?? DEFAULT_DRAFT_TOKENS } } : {}),
        timers: nodeTimers,
        now: () => performance.now(),
      });
    } catch (e) {
      if (e instanceof CodedError && e.code === 'model_forward') {
        // The session may still be busy in native code (a hang) or broken: load afresh next time.
        ctx.log?.('warn', `dropping the loaded model after a failed forward: ${e.message}`);
        if (this.loaded === l) this.loaded = null;
      }
      throw e;
    }
    const t = out.timings;
    return {
      candidates: out.candidates.map(shape),
      model: this.modelInfo(l),
      provider: l.lm.provider,
      fallbackReasons: l.lm.fallbackReasons,
      seed,
      timings: {
        loadMs, prefillMs: t.prefillMs, decodeMs: t.decodeMs, decodeSteps: t.decodeSteps, totalMs: t.totalMs + loadMs,
        promptTokens: t.promptTokens, newTokens: t.newTokens, tokensPerSecond: t.totalMs > 0 ? (t.newTokens * 1000) / t.totalMs : 0,
        draftedTokens: t.draftedTokens, acceptedTokens: t.acceptedTokens, forwards: t.forwards, rowForwards: t.rowForwards,
      },
    };
  }

  private async ensure(given: OnnxBackendSpec): Promise<Loaded> {
    const spec = given.modelPath ? given : { ...given, modelPath: bundledModelPath() };
    const key = keyOf(spec);
    if (this.loaded?.key === key) return this.loaded;
    if (this.loading) await this.loading.catch(() => undefined);
    if (this.loaded?.key === key) return this.loaded;
    const p = (async () => {
      await this.unload();
      const folder = loadModelFolder(spec.modelPath, spec.onnxFile);
      const tokenizer = new TextTokenizer(folder);
      const lm = await OrtCausalLM.load(folder, { executionProvider: spec.executionProvider ?? 'auto', threads: spec.threads, dtype: spec.dtype ?? 'auto' });
      const l: Loaded = { key, folder, tokenizer, lm };
      this.loaded = l;
      return l;
    })();
    this.loading = p;
    try {
      return await p;
    } finally {
      this.loading = null;
    }
  }

  private modelInfo(l: Loaded): ModelInfo {
    const c = l.folder.config;
    return { id: l.folder.id, backend: 'onnx', source: l.folder.dir, modelType: c.modelType, numLayers: c.numLayers, vocabSize: c.vocabSize, kvType: l.lm.kvType, loadMs: l.lm.loadMs, onnxFile: l.lm.graph.file, dtype: l.lm.graph.dtype };
  }

  private describe(l: Loaded): LoadedModelInfo {
    return { model: this.modelInfo(l), provider: l.lm.provider, fallbackReasons: l.lm.fallbackReasons };
  }
}

function keyOf(s: OnnxBackendSpec): string {
  return JSON.stringify([s.modelPath, s.onnxFile ?? '', s.dtype ?? 'auto', s.executionProvider ?? 'auto', s.threads ?? 0]);
}

/** The worker's one engine. */
export const engine = new InferenceEngine();
