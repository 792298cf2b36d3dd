/**
 * A scripted causal LM for the sampling loop: its "KV cache" is the token of every column each row has seen, its
 * logits are a deterministic function of the tokens the attention mask keeps, so tiling, compaction, padding and chunking mistakes show up
 * as different candidates.
 */
import type { CausalLM, ForwardRequest, ForwardResult } from '../../../../src/core/sampling/model';

export interface FakeCache {
  rows: number[][];
  onCpu: boolean;
  id: number;
}

export type ScriptFn = (history: readonly number[], vocab: number) => Float32Array;

/** Default script: a smooth pseudo-random distribution that depends on the last two tokens and the length. */
export const hashScript: ScriptFn = (h, V) => {
  const out = new Float32Array(V);
  const a = h[h.length - 1] ?? 0;
  const b = h[h.length - 2] ?? 0;
  for (let i = 0; i < V; i++) out[i] = Math.sin(a * 12.9898 + b * 78.233 + i * 37.719 + h.length * 3.1) * 3;
  return out;
};

export class FakeLM implements CausalLM<FakeCache> {
  readonly calls: { batch: number; seqLen: number; cacheOnCpu: boolean; noLogits: boolean }[] = [];
  released = 0;
  created = 0;
  constructor(
    readonly vocabSize: number,
    private readonly script: ScriptFn = hashScript,
    /** fetchAll: return logits even when the request says noLogits (the path before noLogits existed). */
    private readonly opts: { gpu?: boolean; failAt?: number; hangAt?: number; fetchAll?: boolean } = {},
  ) {}

  async forward(req: ForwardRequest<FakeCache>): Promise<ForwardResult<FakeCache>> {
    const call = this.calls.length;
    this.calls.push({ batch: req.batch, seqLen: req.seqLen, cacheOnCpu: !!req.cacheOnCpu, noLogits: !!req.noLogits });
    if (this.opts.failAt === call) throw new Error('native abort: out of memory');
    if (this.opts.hangAt === call) await new Promise(() => undefined);
    await Promise.resolve();
    const V = this.vocabSize;
    const T = req.attentionMask.length / req.batch;
    // The cache holds every column's token; like attention, each position sees the columns the current mask keeps
    // (so padding and the holes speculative decoding leaves are invisible).
    const rows = req.cache ? req.cache.rows.map((r) => r.slice()) : Array.from({ length: req.batch }, () => [] as number[]);
    if (rows.length !== req.batch) throw new Error(`cache has ${rows.length} rows, batch is ${req.batch}`);
    const logits = new Float32Array(req.batch * (req.allPositions ? req.seqLen : 1) * V);
    for (let b = 0; b < req.batch; b++) {
      if (rows[b]!.length !== T - req.seqLen) throw new Error(`cache row has ${rows[b]!.length} columns, the mask says ${T - req.seqLen}`);
      for (let s = 0; s < req.seqLen; s++) rows[b]!.push(req.inputIds[b * req.seqLen + s]!);
      const visible = (upto: number) => rows[b]!.filter((_, c) => c <= upto && req.attentionMask[b * T + c] === 1);
      for (let s = 0; s < req.seqLen; s++) {
        if (req.allPositions) logits.set(this.script(visible(T - req.seqLen + s), V), (b * req.seqLen + s) * V);
      }
      if (!req.allPositions) logits.set(this.script(visible(T - 1), V), b * V);
    }
    const onCpu = !this.opts.gpu || !!req.cacheOnCpu;
    this.created++;
    // like onnxruntime without the logits output: nothing to read (a loop that reads them anyway samples garbage)
    if (req.noLogits && !this.opts.fetchAll) return { logits: new Float32Array(0), cache: { rows, onCpu, id: this.created } };
    return { logits, cache: { rows, onCpu, id: this.created } };
  }
  canSelectRows(c: FakeCache): boolean {
    return c.onCpu;
  }
  selectRows(c: FakeCache, rows: readonly number[]): FakeCache {
    if (!c.onCpu) throw new Error('selectRows on a GPU cache');
    this.created++;
    return { rows: rows.map((r) => c.rows[r]!.slice()), onCpu: true, id: this.created };
  }
  truncations = 0;
  truncate(c: FakeCache, length: number): FakeCache | null {
    if (!c.onCpu) return null;
    this.truncations++;
    this.created++;
    return { rows: c.rows.map((r) => r.slice(0, length)), onCpu: true, id: this.created };
  }
  release(): void {
    this.released++;
  }
}

/** Decodes ids as letters a..z (id 0 = 'a'), so stop strings are easy to script. */
export const letters = (ids: number[]): string => ids.map((i) => String.fromCharCode(97 + (i % 26))).join('');
