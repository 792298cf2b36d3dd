/**
 * The port between the sampling loop (pure) and a causal language model (onnxruntime in the worker, scripted logits
 * in tests). The cache type C is opaque to the loop: CPU arrays, GPU buffers, anything the model can feed back.
 */
export interface ForwardRequest<C> {
  /** Row-major [batch, seqLen] token ids (left-padded rows carry padding ids where attentionMask is 0). */
  inputIds: readonly number[];
  batch: number;
  seqLen: number;
  /** Row-major [batch, pastLen + seqLen]: 1 for real tokens, 0 for padding. */
  attentionMask: readonly number[];
  /** Row-major [batch, seqLen]. */
  positionIds: readonly number[];
  /** null: an empty cache (first chunk of the prompt). */
  cache: C | null;
  /** Return logits for every position ([batch, seqLen, vocab]) instead of only the last ([batch, vocab]). */
  allPositions?: boolean;
  /**
   * The loop is about to rearrange rows of the returned cache (tile, drop finished rows) and canSelectRows said no
   * for the current one: return this cache in a form selectRows can handle (e.g. in CPU memory).
   */
  cacheOnCpu?: boolean;
  /**
   * The loop will not read this pass's logits (a prefill chunk before the last): the model may leave them out and
   * return an empty array. onnxruntime-node copies every output it returns into a new JS buffer ([batch, chunk,
   * vocab] floats here, 33 MB for 256 tokens at vocab 32768), so not fetching them saves that copy.
   */
  noLogits?: boolean;
}

export interface ForwardResult<C> {
  /** [batch, vocab] float32 logits at the last position of each row (or [batch, seqLen, vocab] with allPositions). */
  logits: Float32Array;
  cache: C;
}

export interface CausalLM<C> {
  readonly vocabSize: number;
  /**
   * The cache must stay one dense run of real tokens per row (GroupQueryAttention exports that read per-row lengths):
   * prompts of one call must have the same length, and speculative decoding (which leaves masked holes) is off.
   */
  readonly denseCache?: boolean;
  /**
   * Optional: finds out, once, whether this model's rows may hold masked-out positions (left padding between prompts
   * of different lengths, rejected drafts), and sets denseCache when they may not. It costs forward passes, so
   * generate() awaits it only for a request that needs masked positions.
   */
  probeMaskedPositions?(): Promise<void>;
  forward(req: ForwardRequest<C>): Promise<ForwardResult<C>>;
  /**
   * Whether selectRows can work on this cache now. A model whose GPU cache cannot be rearranged in place says no;
   * the loop then keeps finished rows in the batch one more step and asks for the next cache with cacheOnCpu.
   */
  canSelectRows(cache: C): boolean;
  /** New cache whose row j is row `rows[j]` of `cache`: tiles one prompt N ways and drops finished rows. */
  selectRows(cache: C, rows: readonly number[]): C | Promise<C>;
  /**
   * Optional: a new cache holding the first `length` positions of `cache` (speculative decoding drops the positions
   * of rejected drafts); null when it cannot (the loop then keeps them, masked out). `cache` stays valid.
   */
  truncate?(cache: C, length: number): C | null | Promise<C | null>;
  /** Frees what a cache holds (GPU buffers); called once for every cache the loop no longer needs. */
  release(cache: C): void;
}
