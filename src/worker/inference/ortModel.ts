/**
 * The onnxruntime forward pass behind the sampling loop's CausalLM port, for Optimum-layout decoder exports.
 * On WebGPU the KV cache stays on the GPU between steps (preferredOutputLocation: logits to the CPU, present.* as
 * gpu-buffer) and GPU tensors are never read with getData() (that aborts the process). Rows of a GPU cache are tiled
 * and dropped on the GPU by a second, tiny Gather session on the same device (see rowSelectGraph.ts): with
 * preferredOutputLocation set, onnxruntime-node runs through IO binding and ignores pre-allocated outputs, and sessions
 * of one process share the WebGPU device, so its buffers feed across.
 *
 * On the CPU provider every output costs a copy that JS cannot avoid: onnxruntime-node 1.30 (tensor_helper.cc,
 * OrtValueToNapiValue) copies each CPU output it returns into a new ArrayBuffer. Pre-allocated outputs (`fetches`
 * mapping names to tensors) are honoured there, onnxruntime writes into them, but the binding then copies them again
 * into the tensor it returns (checked, and measured in bench/generate/decode.ts: no faster than plain outputs). So
 * the cache goes through JS once per step (present.* becomes the next past.* without further copies), and what is not
 * needed is not fetched: the logits of prefill chunks before the last.
 */
import * as os from 'os';
import type * as OrtTypes from 'onnxruntime-node';
import { CodedError } from '../../core/errors';
import type { CausalLM, ForwardRequest, ForwardResult } from '../../core/sampling/model';
import { pickGraph, type GraphFile, type ModelDtype, type ModelFolder } from './modelFolder';
import { createSessionWithFallback, type ProviderChoice, type ProviderName } from './providers';
import type { Ort } from './ort';
import { rowSelectModel } from './rowSelectGraph';

type Tensor = OrtTypes.Tensor;
type KvType = 'float32' | 'float16';

export interface OrtCache {
  /** past_key_values.* name -> tensor [batch, kvHeads, pastLen, headDim]. */
  tensors: Map<string, Tensor>;
  batch: number;
  pastLen: number;
  onCpu: boolean;
}

export interface OrtModelOptions {
  executionProvider?: ProviderChoice;
  /** Intra-op threads on the CPU provider (default: onnxruntime's choice, one per core). */
  threads?: number;
  /** Which variant of the folder's graphs to run (rewardLens.modelDtype); default auto. */
  dtype?: ModelDtype;
  /** Write onnxruntime's profile (Chrome trace JSON) with this file prefix; `endProfiling()` closes it (bench/generate). */
  profileFilePrefix?: string;
  /**
   * Busy-waiting of onnxruntime's intra-op threads (default: see defaultSpinning). 'during-run': they spin only while
   * a forward runs and stop when it returns (session.force_spinning_stop), so the JS sampler that follows every
   * forward does not compete with spinning threads. 'off': never spin (session.intra_op.allow_spinning 0).
   * 'always': onnxruntime's own default.
   */
  spinning?: 'during-run' | 'off' | 'always';
}

/** Where the JS side of forward passes spends its time (cumulative ms; read by bench/generate/profile.ts). */
export interface ForwardStats {
  forwards: number;
  /** Building input tensors (ids, mask, positions to int64). */
  feedMs: number;
  /** session.run: the graph plus onnxruntime-node copying outputs into JS buffers. */
  runMs: number;
  /** Taking the logits out (last position, fp16 conversion). */
  logitsMs: number;
  /** Tiling / dropping cache rows. */
  selectMs: number;
}

const DEFAULT_RUN: OrtTypes.InferenceSession.RunOptions = {};
const QUIET_RUN: OrtTypes.InferenceSession.RunOptions = { logSeverityLevel: 4 };

export class OrtCausalLM implements CausalLM<OrtCache> {
  readonly vocabSize: number;
  private readonly pastNames: string[];
  private readonly presentNames: string[];
  private readonly hasPositionIds: boolean;
  /** Newer exports take num_logits_to_keep / logits_to_keep: 1 skips the vocabulary head for all but the last position. */
  private readonly logitsToKeepName: string | undefined;
  private disposed = false;
  /**
   * Each row's cache must be one dense, right-aligned run of real tokens (no left padding between prompts of different
   * lengths, no masked holes): GroupQueryAttention exports that take seqlens_k / total_sequence_length, and those that
   * take an attention_mask but reduce it to per-row lengths inside the graph (onnxruntime-genai's builder,
   * onnx-community's GQA exports), which probeMaskedPositions finds out the first time a request needs masked
   * positions.
   */
  get denseCache(): boolean {
    return this.dense;
  }
  private dense: boolean;
  private maskProbe: Promise<void> | null = null;
  /** The graph file this session runs (its dtype variant). */
  readonly graph!: GraphFile;
  private readonly hasAttentionMask: boolean;
  private readonly seqlensName: string | undefined;
  private readonly totalLenName: string | undefined;
  private quietRuns = false;
  readonly stats: ForwardStats = { forwards: 0, feedMs: 0, runMs: 0, logitsMs: 0, selectMs: 0 };
  /**
   * Fetch every output even when a pass's logits are not needed (the copying path before noLogits); set from
   * REWARD_LENS_ORT_FETCH_ALL=1, and switched per run by bench/generate/profile.ts to compare both in one process.
   */
  fetchAllOutputs = process.env.REWARD_LENS_ORT_FETCH_ALL === '1';
  /** WebGPU only: gathers cache rows on the device. */
  private selector: OrtTypes.InferenceSession | null = null;

  private constructor(
    private readonly ort: Ort,
    readonly session: OrtTypes.InferenceSession,
    readonly folder: ModelFolder,
    readonly provider: ProviderName,
    readonly fallbackReasons: Record<string, string>,
    readonly kvType: KvType,
    readonly logitsType: KvType,
    readonly loadMs: number,
  ) {
    this.vocabSize = folder.config.vocabSize;
    this.pastNames = session.inputNames.filter((n) => n.startsWith('past_key_values.'));
    this.presentNames = this.pastNames.map((n) => n.replace('past_key_values.', 'present.'));
    this.hasPositionIds = session.inputNames.includes('position_ids');
    this.logitsToKeepName = session.inputNames.find((n) => n === 'num_logits_to_keep' || n === 'logits_to_keep');
    this.hasAttentionMask = session.inputNames.includes('attention_mask');
    this.seqlensName = session.inputNames.find((n) => n === 'seqlens_k');
    this.totalLenName = session.inputNames.find((n) => n === 'total_sequence_length');
    this.dense = this.seqlensName !== undefined || this.totalLenName !== undefined;
  }

  static async load(folder: ModelFolder, opts: OrtModelOptions = {}): Promise<OrtCausalLM> {
    const t0 = Date.now();
    const L = folder.config.numLayers;
    const presentNames = Array.from({ length: 2 * L }, (_, j) => `present.${j >> 1}.${j & 1 ? 'value' : 'key'}`);
    const attempt = await createSessionWithFallback(opts.executionProvider ?? 'auto', async (ort, provider) => {
      const so: OrtTypes.InferenceSession.SessionOptions = {
        executionProviders: [provider],
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
      };
      const spinning = opts.spinning ?? defaultSpinning();
      if (spinning !== 'always') so.extra = { session: spinning === 'off' ? { intra_op: { allow_spinning: '0' } } : { force_spinning_stop: '1' } };
      if (opts.profileFilePrefix) {
        so.enableProfiling = true;
        so.profileFilePrefix = opts.profileFilePrefix;
      }
      if (provider === 'cpu' && opts.threads) {
        so.intraOpNumThreads = opts.threads;
        so.interOpNumThreads = 1;
      }
      if (provider === 'webgpu') {
        so.preferredOutputLocation = { logits: 'cpu', ...Object.fromEntries(presentNames.map((n) => [n, 'gpu-buffer' as const])) };
      }
      const graph = pickGraph(folder, opts.dtype ?? 'auto', provider);
      let session: OrtTypes.InferenceSession;
      try {
        session = await ort.InferenceSession.create(graph.path, so);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        if (provider === 'cpu') throw new CodedError('model_load', `${graph.path} could not be loaded by onnxruntime: ${msg}`);
        throw e;
      }
      const lm = OrtCausalLM.fromSession(ort, session, folder, provider, graph);
      try {
        if (provider === 'webgpu') {
          lm.selector = await ort.InferenceSession.create(rowSelectModel(lm.pastNames, lm.kvType, folder.config.numKeyValueHeads, folder.config.headDim), {
            executionProviders: ['webgpu'], preferredOutputLocation: 'gpu-buffer', logSeverityLevel: 3,
          });
        }
        await lm.smokeTest();
      } catch (e) {
        await lm.dispose().catch(() => undefined);
        throw e;
      }
      return lm;
    });
    const lm = attempt.session;
    (lm as { fallbackReasons: Record<string, string> }).fallbackReasons = attempt.fallbackReasons;
    (lm as { loadMs: number }).loadMs = Date.now() - t0;
    return lm;
  }

  private static fromSession(ort: Ort, session: OrtTypes.InferenceSession, folder: ModelFolder, provider: ProviderName, graph: GraphFile): OrtCausalLM {
    const file = graph.path;
    const ins = session.inputNames;
    const outs = session.outputNames;
    const expected = 'inputs input_ids, attention_mask (or seqlens_k and total_sequence_length), position_ids, past_key_values.N.key/value and outputs logits, present.N.key/value (an Optimum text-generation-with-past export)';
    const gqaInputs = ins.includes('seqlens_k') || ins.includes('total_sequence_length');
    for (const n of gqaInputs ? ['input_ids', 'seqlens_k', 'total_sequence_length'] : ['input_ids', 'attention_mask']) if (!ins.includes(n)) throw new CodedError('model_folder', `${file} has no input "${n}": expected ${expected}`);
    if (!outs.includes('logits')) throw new CodedError('model_folder', `${file} has no output "logits": expected ${expected}`);
    const L = folder.config.numLayers;
    if (ins.filter((n) => n.startsWith('past_key_values.')).length !== 2 * L) {
      const graphLayers = ins.filter((n) => /^past_key_values\.\d+\.key$/.test(n)).length;
      throw new CodedError('model_folder', `${file} has ${graphLayers} layers of KV-cache inputs but config.json says num_hidden_layers ${L}: the config does not belong to this graph`);
    }
    for (let i = 0; i < L; i++) for (const kv of ['key', 'value']) {
      if (!ins.includes(`past_key_values.${i}.${kv}`)) throw new CodedError('model_folder', `${file} has no input "past_key_values.${i}.${kv}" (config.json says ${L} layers): expected ${expected}`);
      if (!outs.includes(`present.${i}.${kv}`)) throw new CodedError('model_folder', `${file} has no output "present.${i}.${kv}": expected ${expected}`);
    }
    // Static dimensions in the graph must agree with config.json: the cache is allocated from the config.
    const cfg = folder.config;
    const dimsOf = (m: OrtTypes.InferenceSession.ValueMetadata | undefined): readonly (number | string)[] => (m && m.isTensor && Array.isArray(m.shape) ? m.shape : []);
    const pastDims = dimsOf(session.inputMetadata.find((m) => m.name === 'past_key_values.0.key'));
    for (const [axis, want, key] of [[1, cfg.numKeyValueHeads, 'num_key_value_heads'], [3, cfg.headDim, 'head_dim']] as const) {
      const got = pastDims[axis];
      if (typeof got === 'number' && got !== want) throw new CodedError('model_folder', `${file}: past_key_values.0.key has ${got} at axis ${axis} but config.json gives ${key} ${want}: the config does not belong to this graph`);
    }
    const vGraph = dimsOf(session.outputMetadata.find((m) => m.name === 'logits'))[2];
    if (typeof vGraph === 'number' && vGraph !== cfg.vocabSize) throw new CodedError('model_folder', `${file}: logits have ${vGraph} entries per token but config.json says vocab_size ${cfg.vocabSize}: the config does not belong to this graph`);
    const known = new Set(['input_ids', 'attention_mask', 'position_ids', 'num_logits_to_keep', 'logits_to_keep', 'seqlens_k', 'total_sequence_length']);
    const extra = ins.filter((n) => !known.has(n) && !n.startsWith('past_key_values.'));
    if (extra.length) throw new CodedError('model_folder', `${file} has inputs this loader does not feed (${extra.join(', ')}): expected ${expected}`);
    const meta = (name: string, list: readonly OrtTypes.InferenceSession.ValueMetadata[]) => list.find((m) => m.name === name);
    const typeOf = (m: OrtTypes.InferenceSession.ValueMetadata | undefined): KvType => {
      const t = m && m.isTensor ? m.type : 'float32';
      if (t !== 'float32' && t !== 'float16') throw new CodedError('model_folder', `${file}: ${m?.name} is ${t}: expected float32 or float16`);
      return t;
    };
    const kvType = typeOf(meta('past_key_values.0.key', session.inputMetadata));
    const logitsType = typeOf(meta('logits', session.outputMetadata));
    const lm = new OrtCausalLM(ort, session, folder, provider, {}, kvType, logitsType, 0);
    (lm as { graph: GraphFile }).graph = graph;
    return lm;
  }

  /** One token through the graph: catches providers that create a session but cannot run it (missing kernels). */
  private async smokeTest(): Promise<void> {
    const r = await this.forward({ inputIds: [this.folder.padTokenId], batch: 1, seqLen: 1, attentionMask: [1], positionIds: [0], cache: null });
    const tiled = await this.selectRows(r.cache, [0, 0]);
    this.release(r.cache);
    const r2 = await this.forward({ inputIds: [this.folder.padTokenId, this.folder.padTokenId], batch: 2, seqLen: 1, attentionMask: [1, 1, 1, 1], positionIds: [1, 1], cache: tiled });
    this.release(tiled);
    this.release(r2.cache);
    if (!r.logits.every((x) => Number.isFinite(x))) throw new Error('the smoke-test forward produced non-finite logits');
  }

  /** See CausalLM.probeMaskedPositions: runs probeMaskHoles once (two small forwards), on the first request that needs it. */
  probeMaskedPositions(): Promise<void> {
    if (this.dense) return Promise.resolve();
    return (this.maskProbe ??= this.probeMaskHoles().then((ok) => {
      if (!ok) this.dense = true;
    }));
  }

  /**
   * Whether the graph ignores a masked-out position in the middle of a row and runs a multi-token pass over a cache at
   * batch 2, as speculative decoding needs (its rejected drafts stay in the cache, masked). Two rows differ only in
   * the token at a masked position: a graph that honours the mask gives both rows the same logits. A graph that
   * reduces the mask to per-row lengths (GroupQueryAttention fed attention_mask) reads the masked token as real and
   * drops the last one, or refuses the pass (onnxruntime's CPU kernel: "batch_size must be 1 when sequence_length > 1
   * and past context is given").
   */
  private async probeMaskHoles(): Promise<boolean> {
    const V = this.vocabSize;
    const t = (i: number) => (i * 7 + 1) % V;
    let pre: ForwardResult<OrtCache> | null = null;
    let next: ForwardResult<OrtCache> | null = null;
    this.quietRuns = true;
    try {
      pre = await this.forward({ inputIds: [t(1), t(2), t(3), t(4), t(1), t(2), t(5), t(4)], batch: 2, seqLen: 4, attentionMask: [1, 1, 0, 1, 1, 1, 0, 1], positionIds: [0, 1, 2, 2, 0, 1, 2, 2], cache: null });
      next = await this.forward({ inputIds: [t(6), t(7), t(6), t(7)], batch: 2, seqLen: 2, attentionMask: [1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1], positionIds: [3, 4, 3, 4], cache: pre.cache });
      const lg = next.logits;
      let scale = 0;
      let diff = 0;
      for (let i = 0; i < V; i++) {
        scale = Math.max(scale, Math.abs(lg[i]!));
        diff = Math.max(diff, Math.abs(lg[i]! - lg[V + i]!));
      }
      return diff <= 1e-3 * Math.max(1, scale);
    } catch {
      return false;
    } finally {
      this.quietRuns = false;
      if (pre) this.release(pre.cache);
      if (next) this.release(next.cache);
    }
  }

  async forward(req: ForwardRequest<OrtCache>): Promise<ForwardResult<OrtCache>> {
    try {
      return await this.forwardUnchecked(req);
    } catch (e) {
      if (e instanceof CodedError) throw e;
      throw new CodedError('model_forward', `onnxruntime (${this.provider}) failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async forwardUnchecked(req: ForwardRequest<OrtCache>): Promise<ForwardResult<OrtCache>> {
    if (this.disposed) throw new CodedError('model_forward', 'the model was unloaded');
    const { Tensor } = this.ort;
    const st = this.stats;
    const t0 = performance.now();
    st.forwards++;
    const { batch: B, seqLen: S } = req;
    const T = req.attentionMask.length / B;
    const pastLen = T - S;
    const cfg = this.folder.config;
    const feeds: Record<string, Tensor> = { input_ids: new Tensor('int64', int64(req.inputIds), [B, S]) };
    if (this.hasAttentionMask) feeds.attention_mask = new Tensor('int64', int64(req.attentionMask), [B, T]);
    if (this.seqlensName) {
      // GroupQueryAttention: per row, the index of its last real token in the cache after this pass
      const k = new Int32Array(B);
      for (let b = 0; b < B; b++) {
        let n = 0;
        for (let t = 0; t < T; t++) n += req.attentionMask[b * T + t]!;
        if (n !== T) throw new CodedError('model_forward', `${this.graph.file} (GroupQueryAttention) needs every row's tokens dense: row ${b} has ${T - n} masked positions`);
        k[b] = n - 1;
      }
      feeds[this.seqlensName] = new Tensor('int32', k, [B]);
    }
    if (this.totalLenName) feeds[this.totalLenName] = new Tensor('int32', Int32Array.of(T), []);
    if (this.hasPositionIds) feeds.position_ids = new Tensor('int64', int64(req.positionIds), [B, S]);
    if (this.logitsToKeepName) feeds[this.logitsToKeepName] = new Tensor('int64', BigInt64Array.of(req.allPositions ? 0n : 1n), []);
    const created: Tensor[] = [];
    if (req.cache) {
      if (req.cache.batch !== B || req.cache.pastLen !== pastLen) {
        throw new CodedError('model_forward', `cache shape [${req.cache.batch}, ${req.cache.pastLen}] does not match the request [${B}, ${pastLen}]`);
      }
      for (const n of this.pastNames) feeds[n] = req.cache.tensors.get(n)!;
    } else {
      if (pastLen !== 0) throw new CodedError('model_forward', 'a request with past tokens needs a cache');
      for (const n of this.pastNames) {
        const t = new Tensor(this.kvType, this.kvType === 'float16' ? new Uint16Array(0) : new Float32Array(0), [B, cfg.numKeyValueHeads, 0, cfg.headDim]);
        feeds[n] = t;
        created.push(t);
      }
    }
    let out: OrtTypes.InferenceSession.ReturnType;
    const t1 = performance.now();
    st.feedMs += t1 - t0;
    // Only the CPU path: with preferredOutputLocation (WebGPU) the binding pairs fetched outputs with locations by
    // position, so a subset of outputs would get the wrong ones.
    const skipLogits = req.noLogits === true && !this.fetchAllOutputs && this.provider === 'cpu';
    try {
      // the mask probe expects some graphs to refuse its pass: that error is an answer, not a log line
      const opts = this.quietRuns ? QUIET_RUN : DEFAULT_RUN;
      out = skipLogits ? await this.session.run(feeds, this.presentNames, opts) : await this.session.run(feeds, opts);
    } catch (e) {
      throw new CodedError('model_forward', `onnxruntime (${this.provider}) failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      for (const t of created) t.dispose();
    }
    const t2 = performance.now();
    st.runMs += t2 - t1;
    const logits = skipLogits ? new Float32Array(0) : this.takeLogits(out.logits!, req, B, S);
    st.logitsMs += performance.now() - t2;
    const tensors = new Map<string, Tensor>();
    let onCpu = true;
    this.pastNames.forEach((n, i) => {
      const t = out[this.presentNames[i]!]!;
      if (t.location !== 'cpu') onCpu = false;
      tensors.set(n, t);
    });
    return { logits, cache: { tensors, batch: B, pastLen: T, onCpu } };
  }

  private takeLogits(logitsT: Tensor, req: ForwardRequest<OrtCache>, B: number, S: number): Float32Array {
    if (logitsT.location !== 'cpu') throw new CodedError('model_forward', `logits came back on ${logitsT.location}: expected the CPU`);
    const V = this.vocabSize;
    const dims = logitsT.dims;
    if (dims.length !== 3 || dims[0] !== B || dims[2] !== V) throw new CodedError('model_forward', `logits have shape [${dims.join(', ')}]: expected [${B}, ${S}, ${V}]`);
    const Sout = dims[1]!;
    const logits = req.allPositions
      ? toFloat32(logitsT.data as Float32Array | Uint16Array, 0, B * Sout * V)
      : lastPositions(logitsT.data as Float32Array | Uint16Array, B, Sout, V);
    logitsT.dispose();
    return logits;
  }

  canSelectRows(c: OrtCache): boolean {
    return c.onCpu || this.selector !== null;
  }

  async selectRows(c: OrtCache, rows: readonly number[]): Promise<OrtCache> {
    const t0 = performance.now();
    try {
      return await this.selectRowsUntimed(c, rows);
    } finally {
      this.stats.selectMs += performance.now() - t0;
    }
  }

  private async selectRowsUntimed(c: OrtCache, rows: readonly number[]): Promise<OrtCache> {
    const { Tensor } = this.ort;
    if (!c.onCpu) {
      if (!this.selector) throw new CodedError('internal', 'selectRows on a GPU cache needs the row-select session');
      const feeds: Record<string, Tensor> = { rows: new Tensor('int64', int64(rows), [rows.length]) };
      for (const [n, t] of c.tensors) feeds[n] = t;
      let out: OrtTypes.InferenceSession.ReturnType;
      try {
        out = await this.selector.run(feeds);
      } catch (e) {
        throw new CodedError('model_forward', `selecting cache rows on ${this.provider} failed: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        feeds.rows!.dispose();
      }
      const tensors = new Map<string, Tensor>();
      for (const n of c.tensors.keys()) tensors.set(n, out[`sel.${n}`]!);
      return { tensors, batch: rows.length, pastLen: c.pastLen, onCpu: false };
    }
    const tensors = new Map<string, Tensor>();
    for (const [name, t] of c.tensors) {
      const src = t.data as Float32Array | Uint16Array;
      const rowLen = src.length / c.batch;
      const dst = new (src.constructor as Float32ArrayConstructor | Uint16ArrayConstructor)(rowLen * rows.length);
      rows.forEach((r, j) => dst.set(src.subarray(r * rowLen, (r + 1) * rowLen), j * rowLen));
      tensors.set(name, new Tensor(t.type as KvType, dst, [rows.length, ...t.dims.slice(1)]));
    }
    return { tensors, batch: rows.length, pastLen: c.pastLen, onCpu: true };
  }

  /** CPU caches only: copies the first `length` positions of every [batch, kvHeads, len, headDim] tensor. */
  truncate(c: OrtCache, length: number): OrtCache | null {
    if (!c.onCpu || length >= c.pastLen) return null;
    const t0 = performance.now();
    const { Tensor } = this.ort;
    const tensors = new Map<string, Tensor>();
    for (const [name, t] of c.tensors) {
      const [B, H, T, D] = t.dims as [number, number, number, number];
      const src = t.data as Float32Array | Uint16Array;
      const dst = new (src.constructor as Float32ArrayConstructor | Uint16ArrayConstructor)(B * H * length * D);
      for (let bh = 0; bh < B * H; bh++) dst.set(src.subarray(bh * T * D, bh * T * D + length * D), bh * length * D);
      tensors.set(name, new Tensor(t.type as KvType, dst, [B, H, length, D]));
    }
    this.stats.selectMs += performance.now() - t0;
    return { tensors, batch: c.batch, pastLen: length, onCpu: true };
  }

  release(c: OrtCache): void {
    for (const t of c.tensors.values()) t.dispose();
    c.tensors.clear();
  }

  /** Closes onnxruntime's profile (when profileFilePrefix was given: PREFIX_<date>.json). */
  endProfiling(): void {
    this.session.endProfiling();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.selector?.release();
    await this.session.release();
  }
}

/**
 * 'off' on machines with at most 4 cores, 'during-run' above. On the shared 2-core machine, with VS Code, the
 * extension host and other processes on the same cores, threads that busy-wait between kernels slowed the graph
 * itself: decode 250-294 ms/step with spinning off vs 426-633 with it (bench/generate/decode.ts, BENCH_SPIN, load
 * 10-13). With many cores a spinning thread is a small share of the machine and saves wake-ups between kernels, so
 * there only the spinning after a forward (pure waste: the sampler runs next) is stopped.
 */
export function defaultSpinning(cores = os.availableParallelism?.() ?? os.cpus().length): 'off' | 'during-run' {
  return cores <= 4 ? 'off' : 'during-run';
}

function int64(xs: readonly number[]): BigInt64Array {
  const a = new BigInt64Array(xs.length);
  for (let i = 0; i < xs.length; i++) a[i] = BigInt(xs[i]!);
  return a;
}

function lastPositions(data: Float32Array | Uint16Array, B: number, S: number, V: number): Float32Array {
  const out = new Float32Array(B * V);
  for (let b = 0; b < B; b++) {
    const off = (b * S + S - 1) * V;
    if (data instanceof Float32Array) out.set(data.subarray(off, off + V), b * V);
    else for (let i = 0; i < V; i++) out[b * V + i] = halfToFloat(data[off + i]!);
  }
  return out;
}

function toFloat32(data: Float32Array | Uint16Array, off: number, n: number): Float32Array {
  if (data instanceof Float32Array) return data.slice(off, off + n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = halfToFloat(data[off + i]!);
  return out;
}

/** IEEE 754 binary16 bits to a number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}
