/**
 * Pure-Node builder (onnx-proto, no Python) of a random-weight Qwen2-architecture decoder in the Optimum layout:
 *   inputs  input_ids, attention_mask, position_ids, past_key_values.{i}.key/.value  [batch, kvHeads, past, headDim]
 *   outputs logits, present.{i}.key/.value
 * Standard ONNX ops (opset 14), plus com.microsoft MatMulNBits / GroupQueryAttention for --variant q4|q4f16 / --gqa
 * (see BuildOptions.variant: the variants onnx-community folders ship). Options: --kv-dtype float16 (fp16 cache and logits at the graph boundary, as fp16
 * exports have), --external-data (weights in onnx/model.onnx_data, needed past 2 GB), --preset qwen2.5-0.5b.
 * Writes OUT/onnx/model.onnx, OUT/config.json, OUT/generation_config.json; --tokenizer-from DIR copies the tokenizer.
 * Usage: npx tsx scripts/make-tiny-model/buildOnnx.ts --out build/qwen-shape --preset qwen2.5-0.5b --layers 4 --external-data --tokenizer-from DIR
 */
import * as fs from 'fs';
import * as path from 'path';
import { onnx } from 'onnx-proto';

export interface BuildOptions {
  out: string;
  vocab: number;
  hidden: number;
  inter: number;
  layers: number;
  heads: number;
  kvHeads: number;
  ropeTheta: number;
  seed: number;
  kvDtype: 'float32' | 'float16';
  externalData: boolean;
  tokenizerFrom?: string;
  /** Token ids for eos (generation_config) and pad. */
  eos?: number[];
  /**
   * Which onnx-community variant to write (same seed: the same underlying weights):
   *   fp32  onnx/model.onnx
   *   fp16  onnx/model_fp16.onnx: weights stored as float16 (cast up once), float16 KV cache and logits
   *   q4    onnx/model_q4.onnx: every linear layer and the (untied) LM head as MatMulNBits, 4 bits, blocks of 32
   *   q4f16 onnx/model_q4f16.onnx: q4 weights with a float16 KV cache and logits (activations stay float32 inside:
   *         onnxruntime's CPU provider lacks float16 kernels for several ops)
   */
  variant?: 'fp32' | 'fp16' | 'q4' | 'q4f16';
  /**
   * MatMulNBits' accuracy_level (q4 variants): 0 leaves the attribute out (onnxruntime computes in float32), 4 lets
   * the CPU provider quantise activations to int8 per block (onnxruntime-genai's model builder writes 4 for CPU).
   */
  accuracyLevel?: number;
  /**
   * Attention as com.microsoft GroupQueryAttention (fused, no head-expanded cache copy) with the input convention of
   * GQA exports: seqlens_k and total_sequence_length instead of attention_mask.
   */
  gqa?: boolean;
  /**
   * With gqa: take attention_mask (and position_ids) as an Optimum export does and derive seqlens_k (mask sum - 1) and
   * total_sequence_length (mask width) inside the graph, as onnxruntime-genai's model builder and onnx-community's
   * GroupQueryAttention exports do. The inputs look like a plain export's; the kernel still reads per-row lengths.
   */
  gqaMask?: boolean;
}

const MS_OPS = new Set(['MatMulNBits', 'GroupQueryAttention']);

function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = w[r * cols + c]!;
  return t;
}

export const VARIANT_FILES = { fp32: 'model.onnx', fp16: 'model_fp16.onnx', q4: 'model_q4.onnx', q4f16: 'model_q4f16.onnx' } as const;

/** float32 -> IEEE 754 binary16 bits (round to nearest even). */
export function floatToHalf(f: number): number {
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, f);
  const x = b.getUint32(0);
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

/**
 * Blockwise symmetric 4-bit quantisation of a [K, N] row-major weight in MatMulNBits' layout: B uint8 [N, K/32, 16]
 * (two 4-bit values per byte, low nibble first, zero point 8), scales float [N * K/32].
 */
/** One 4-bit value of column n at row k (8, the zero point, past K). A function, not a closure made per element. */
function q4(w: Float32Array, k: number, K: number, N: number, n: number, scale: number): number {
  return k < K ? Math.max(0, Math.min(15, Math.round(w[k * N + n]! / scale) + 8)) : 8;
}

export function quantizeQ4(w: Float32Array, K: number, N: number, block = 32): { b: Uint8Array; scales: Float32Array } {
  const nb = Math.ceil(K / block);
  const b = new Uint8Array(N * nb * (block / 2));
  const scales = new Float32Array(N * nb);
  for (let n = 0; n < N; n++) {
    for (let kb = 0; kb < nb; kb++) {
      let amax = 0;
      for (let i = 0; i < block; i++) {
        const k = kb * block + i;
        if (k < K) amax = Math.max(amax, Math.abs(w[k * N + n]!));
      }
      const scale = amax / 7 || 1;
      scales[n * nb + kb] = scale;
      for (let i = 0; i < block; i += 2) {
        const k0 = kb * block + i;
        b[(n * nb + kb) * (block / 2) + i / 2] = q4(w, k0, K, N, n, scale) | (q4(w, k0 + 1, K, N, n, scale) << 4);
      }
    }
  }
  return { b, scales };
}

export const PRESETS: Record<string, Partial<BuildOptions>> = {
  tiny: { vocab: 512, hidden: 128, inter: 256, layers: 2, heads: 4, kvHeads: 2, ropeTheta: 10000 },
  'qwen2.5-0.5b': { vocab: 151936, hidden: 896, inter: 4864, layers: 24, heads: 14, kvHeads: 2, ropeTheta: 1000000 },
};

export function buildModel(o: BuildOptions): { bytes: number; params: number } {
  const { hidden: H, heads: NH, kvHeads: KVH, layers: L, vocab: V, inter: I } = o;
  const HD = H / NH;
  const T = onnx.TensorProto.DataType;
  fs.mkdirSync(path.join(o.out, 'onnx'), { recursive: true });
  const dataFile = `${VARIANT_FILES[o.variant ?? 'fp32']}_data`;
  const dataPath = path.join(o.out, 'onnx', dataFile);
  const fd = o.externalData ? fs.openSync(dataPath, 'w') : -1;
  let dataOffset = 0;
  let params = 0;

  let s = o.seed >>> 0; // mulberry32 + Box-Muller: seeded N(0, std) weights
  const rnd = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const randn = (n: number, std: number) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i += 2) {
      const r = std * Math.sqrt(-2 * Math.log(rnd() + 1e-12));
      const th = 2 * Math.PI * rnd();
      a[i] = r * Math.cos(th);
      if (i + 1 < n) a[i + 1] = r * Math.sin(th);
    }
    return a;
  };

  const nodes: onnx.INodeProto[] = [];
  const inits: onnx.ITensorProto[] = [];
  let uid = 0;
  function init(name: string, dims: number[], data: Float32Array | BigInt64Array | Uint8Array | Uint16Array): string {
    const dataType = data instanceof BigInt64Array ? T.INT64 : data instanceof Uint8Array ? T.UINT8 : data instanceof Uint16Array ? T.FLOAT16 : T.FLOAT;
    const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (data instanceof Float32Array) params += data.length;
    if (fd >= 0 && raw.byteLength >= 1024) {
      fs.writeSync(fd, raw);
      inits.push(onnx.TensorProto.create({
        name, dims, dataType, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [{ key: 'location', value: dataFile }, { key: 'offset', value: String(dataOffset) }, { key: 'length', value: String(raw.byteLength) }],
      }));
      dataOffset += raw.byteLength;
    } else inits.push(onnx.TensorProto.create({ name, dims, dataType, rawData: raw }));
    return name;
  }
  const i64 = (name: string, v: number[]) => init(name, [v.length], BigInt64Array.from(v.map(BigInt)));
  const f32 = (name: string, v: number) => init(name, [], Float32Array.of(v));
  const A = onnx.AttributeProto.AttributeType;
  function op(type: string, inputs: string[], attrs: Record<string, number | number[]> = {}, outName?: string): string {
    const out = outName ?? `${type}_${uid++}`;
    const attribute = Object.entries(attrs).map(([k, v]) => Array.isArray(v)
      ? onnx.AttributeProto.create({ name: k, type: A.INTS, ints: v })
      : Number.isInteger(v) ? onnx.AttributeProto.create({ name: k, type: A.INT, i: v }) : onnx.AttributeProto.create({ name: k, type: A.FLOAT, f: v }));
    nodes.push(onnx.NodeProto.create({ opType: type, input: inputs, output: [out], name: `n${uid++}_${type}`, attribute, ...(MS_OPS.has(type) ? { domain: 'com.microsoft' } : {}) }));
    return out;
  }
  const variant = o.variant ?? 'fp32';
  const q4 = variant === 'q4' || variant === 'q4f16';
  /** A float32 weight as the variant stores it: fp16 bits cast up once in the graph, else float32. */
  const weight = (name: string, dims: number[], w: Float32Array): string => {
    if (variant !== 'fp16') return init(name, dims, w);
    params += w.length;
    const h = init(`${name}.fp16`, dims, Uint16Array.from(w, floatToHalf));
    return op('Cast', [h], { to: T.FLOAT });
  };
  const matmulQ4 = (x: string, name: string, w: Float32Array, K: number, N: number, count = true) => {
    const { b, scales } = quantizeQ4(w, K, N);
    if (count) params += w.length; // the tied LM head's copy is not a parameter of its own
    return op('MatMulNBits', [x, init(`${name}.q4`, [N, Math.ceil(K / 32), 16], b), init(`${name}.scales`, [N * Math.ceil(K / 32)], scales)], { K, N, bits: 4, block_size: 32, ...(o.accuracyLevel ? { accuracy_level: o.accuracyLevel } : {}) });
  };
  const linear = (x: string, name: string, inF: number, outF: number, bias: boolean) => {
    const w = randn(inF * outF, 0.02);
    const y = q4 ? matmulQ4(x, name, w, inF, outF) : op('MatMul', [x, weight(`${name}.weight_t`, [inF, outF], w)]);
    return bias ? op('Add', [y, init(`${name}.bias`, [outF], new Float32Array(outF))]) : y;
  };
  const EPS = f32('const.eps', 1e-6);
  const ONE = f32('const.one', 1);
  const rmsnorm = (x: string, name: string) => {
    const w = init(`${name}.weight`, [H], new Float32Array(H).fill(1));
    const ms = op('ReduceMean', [op('Mul', [x, x])], { axes: [-1], keepdims: 1 });
    return op('Mul', [op('Mul', [x, op('Div', [ONE, op('Sqrt', [op('Add', [ms, EPS])])])]), w]);
  };
  const kvIsHalf = o.kvDtype === 'float16' || variant === 'fp16' || variant === 'q4f16';
  const FT = kvIsHalf ? T.FLOAT16 : T.FLOAT;

  const embedW = randn(V * H, 0.02);
  const embed = weight('model.embed_tokens.weight', [V, H], embedW);
  let x = op('Gather', [embed, 'input_ids'], { axis: 0 });
  const invFreq = new Float32Array(HD / 2).map((_, i) => 1 / Math.pow(o.ropeTheta, (2 * i) / HD));
  const posf = op('Unsqueeze', [op('Cast', ['position_ids'], { to: T.FLOAT }), i64('axes.last', [-1])]);
  const freqs = op('Mul', [posf, init('rope.inv_freq', [HD / 2], invFreq)]);
  const emb = op('Unsqueeze', [op('Concat', [freqs, freqs], { axis: -1 }), i64('axes.1', [1])]);
  const cos = op('Cos', [emb]);
  const sin = op('Sin', [emb]);
  const IDX1 = init('const.idx1', [], BigInt64Array.of(1n));
  const ZERO = init('const.zero', [], BigInt64Array.of(0n));
  const ONEI = init('const.onei', [], BigInt64Array.of(1n));
  let bias = '';
  if (!o.gqa) {
    const S = op('Gather', [op('Shape', ['input_ids']), IDX1], { axis: 0 });
    const Tt = op('Gather', [op('Shape', ['attention_mask']), IDX1], { axis: 0 });
    const kpos = op('Unsqueeze', [op('Range', [ZERO, Tt, ONEI]), i64('axes.0', [0])]);
    const qpos = op('Unsqueeze', [op('Add', [op('Range', [ZERO, S, ONEI]), op('Sub', [Tt, S])]), i64('axes.last2', [-1])]);
    const causal = op('Unsqueeze', [op('LessOrEqual', [kpos, qpos]), i64('axes.01', [0, 1])]);
    const padOk = op('Unsqueeze', [op('Greater', ['attention_mask', ZERO]), i64('axes.12', [1, 2])]);
    bias = op('Where', [op('And', [causal, padOk]), f32('const.f0', 0), f32('const.neg', -1e9)]);
  }
  if (o.gqa && o.gqaMask) {
    const sum = op('ReduceSum', ['attention_mask', i64('axes.rs', [1])], { keepdims: 0 });
    op('Cast', [op('Sub', [sum, ONEI])], { to: T.INT32 }, 'seqlens_k');
    op('Cast', [op('Gather', [op('Shape', ['attention_mask']), IDX1], { axis: 0 })], { to: T.INT32 }, 'total_sequence_length');
  }
  const SCALE = f32('const.scale', 1 / Math.sqrt(HD));
  const half = i64('rope.half', [HD / 2]);
  const full = i64('rope.full', [HD]);
  const z1 = i64('rope.zero', [0]);
  const ax3 = i64('rope.ax3', [3]);
  const rope = (t: string) => {
    const t1 = op('Slice', [t, z1, half, ax3]);
    const t2 = op('Slice', [t, half, full, ax3]);
    return op('Add', [op('Mul', [t, cos]), op('Mul', [op('Concat', [op('Neg', [t2]), t1], { axis: 3 }), sin])]);
  };
  const heads = (t: string, n: number) => op('Transpose', [op('Reshape', [t, i64(`shape.heads${uid++}`, [0, 0, n, HD])])], { perm: [0, 2, 1, 3] });
  const repeatKV = (t: string) => NH === KVH ? t
    : op('Reshape', [op('Expand', [op('Unsqueeze', [t, i64(`ax2_${uid++}`, [2])]), i64(`rep_${uid++}`, [1, 1, NH / KVH, 1, 1])]), i64(`shape.rep${uid++}`, [0, NH, -1, HD])]);

  const dim = (d: string | number) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d });
  const vi = (name: string, elemType: number, dims: (string | number)[]) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType, shape: { dim: dims.map(dim) } } } });
  const inputs = o.gqa && !o.gqaMask
    ? [vi('input_ids', T.INT64, ['batch_size', 'sequence_length']), vi('position_ids', T.INT64, ['batch_size', 'sequence_length']), vi('seqlens_k', T.INT32, ['batch_size']), vi('total_sequence_length', T.INT32, [])]
    : [vi('input_ids', T.INT64, ['batch_size', 'sequence_length']), vi('attention_mask', T.INT64, ['batch_size', 'total_sequence_length']), vi('position_ids', T.INT64, ['batch_size', 'sequence_length'])];
  const outputs: onnx.IValueInfoProto[] = [];
  for (let l = 0; l < L; l++) {
    const pre = `model.layers.${l}`;
    const h = rmsnorm(x, `${pre}.input_layernorm`);
    const q = rope(heads(linear(h, `${pre}.self_attn.q_proj`, H, NH * HD, true), NH));
    const k = rope(heads(linear(h, `${pre}.self_attn.k_proj`, H, KVH * HD, true), KVH));
    const v = heads(linear(h, `${pre}.self_attn.v_proj`, H, KVH * HD, true), KVH);
    const past = (kv: string) => (kvIsHalf ? op('Cast', [`past_key_values.${l}.${kv}`], { to: T.FLOAT }) : `past_key_values.${l}.${kv}`);
    for (const kv of ['key', 'value']) {
      inputs.push(vi(`past_key_values.${l}.${kv}`, FT, ['batch_size', KVH, 'past_sequence_length', HD]));
      outputs.push(vi(`present.${l}.${kv}`, FT, ['batch_size', KVH, 'total_sequence_length', HD]));
    }
    if (o.gqa) {
      const flat = (t: string, n: number) => op('Reshape', [op('Transpose', [t], { perm: [0, 2, 1, 3] }), i64(`shape.flat${uid++}`, [0, 0, n * HD])]);
      const att = `gqa_${l}`;
      const pk = kvIsHalf ? `gqa_pk_${l}` : `present.${l}.key`;
      const pv = kvIsHalf ? `gqa_pv_${l}` : `present.${l}.value`;
      nodes.push(onnx.NodeProto.create({
        opType: 'GroupQueryAttention', domain: 'com.microsoft', name: `gqa_node_${l}`,
        input: [flat(q, NH), flat(k, KVH), flat(v, KVH), past('key'), past('value'), 'seqlens_k', 'total_sequence_length'],
        output: [att, pk, pv],
        attribute: [onnx.AttributeProto.create({ name: 'num_heads', type: A.INT, i: NH }), onnx.AttributeProto.create({ name: 'kv_num_heads', type: A.INT, i: KVH }),
          onnx.AttributeProto.create({ name: 'scale', type: A.FLOAT, f: 1 / Math.sqrt(HD) })],
      }));
      if (kvIsHalf) {
        op('Cast', [pk], { to: T.FLOAT16 }, `present.${l}.key`);
        op('Cast', [pv], { to: T.FLOAT16 }, `present.${l}.value`);
      }
      x = op('Add', [x, linear(att, `${pre}.self_attn.o_proj`, NH * HD, H, false)]);
    } else {
    const kAll = op('Concat', [past('key'), k], { axis: 2 }, kvIsHalf ? undefined : `present.${l}.key`);
    const vAll = op('Concat', [past('value'), v], { axis: 2 }, kvIsHalf ? undefined : `present.${l}.value`);
    if (kvIsHalf) {
      op('Cast', [kAll], { to: T.FLOAT16 }, `present.${l}.key`);
      op('Cast', [vAll], { to: T.FLOAT16 }, `present.${l}.value`);
    }
    const scores = op('Add', [op('Mul', [op('MatMul', [q, op('Transpose', [repeatKV(kAll)], { perm: [0, 1, 3, 2] })]), SCALE]), bias]);
    const att = op('MatMul', [op('Softmax', [scores], { axis: -1 }), repeatKV(vAll)]);
    const merged = op('Reshape', [op('Transpose', [att], { perm: [0, 2, 1, 3] }), i64(`shape.merge${l}`, [0, 0, NH * HD])]);
    x = op('Add', [x, linear(merged, `${pre}.self_attn.o_proj`, NH * HD, H, false)]);
    }
    const h2 = rmsnorm(x, `${pre}.post_attention_layernorm`);
    const g = linear(h2, `${pre}.mlp.gate_proj`, H, I, false);
    const u = linear(h2, `${pre}.mlp.up_proj`, H, I, false);
    x = op('Add', [x, linear(op('Mul', [op('Mul', [g, op('Sigmoid', [g])]), u]), `${pre}.mlp.down_proj`, I, H, false)]);
  }
  x = rmsnorm(x, 'model.norm');
  // tied lm_head; quantised variants quantise it separately (MatMulNBits reads it as a [H, V] weight)
  const logits = q4
    ? op('Identity', [matmulQ4(x, 'lm_head', transpose(embedW, V, H), H, V, false)], {}, kvIsHalf ? undefined : 'logits')
    : op('MatMul', [x, op('Transpose', [embed], { perm: [1, 0] })], {}, kvIsHalf ? undefined : 'logits');
  if (kvIsHalf) op('Cast', [logits], { to: T.FLOAT16 }, 'logits');
  outputs.unshift(vi('logits', FT, ['batch_size', 'sequence_length', V]));
  if (fd >= 0) fs.closeSync(fd);

  const model = onnx.ModelProto.create({
    irVersion: 7, producerName: 'reward-lens-buildOnnx', opsetImport: [{ domain: '', version: 14 }, ...(q4 || o.gqa ? [{ domain: 'com.microsoft', version: 1 }] : [])],
    graph: onnx.GraphProto.create({ name: 'qwen2_random', node: nodes, initializer: inits, input: inputs, output: outputs }),
  });
  const bytes = onnx.ModelProto.encode(model).finish();
  fs.writeFileSync(path.join(o.out, 'onnx', VARIANT_FILES[variant]), bytes);
  const eos = o.eos ?? [V - 3, V - 1];
  fs.writeFileSync(path.join(o.out, 'config.json'), JSON.stringify({
    architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', hidden_act: 'silu', torch_dtype: o.kvDtype, use_cache: true,
    bos_token_id: eos[0], eos_token_id: eos[0], vocab_size: V, hidden_size: H, intermediate_size: I, num_hidden_layers: L,
    num_attention_heads: NH, num_key_value_heads: KVH, head_dim: HD, max_position_embeddings: 32768, rope_theta: o.ropeTheta,
    rms_norm_eps: 1e-6, tie_word_embeddings: true,
  }, null, 2));
  fs.writeFileSync(path.join(o.out, 'generation_config.json'), JSON.stringify({ bos_token_id: eos[0], eos_token_id: eos, pad_token_id: eos[0], do_sample: true, temperature: 0.7, top_p: 0.9 }, null, 2));
  if (o.tokenizerFrom) for (const f of ['tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(o.tokenizerFrom, f), path.join(o.out, f));
  return { bytes: bytes.length + dataOffset, params };
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const opt = (k: string) => { const i = argv.indexOf(k); return i >= 0 ? argv[i + 1] : undefined; };
  const preset = PRESETS[opt('--preset') ?? 'tiny'];
  if (!preset) throw new Error(`unknown preset; one of ${Object.keys(PRESETS).join(', ')}`);
  const n = (k: string, d: number | undefined) => (opt(k) !== undefined ? Number(opt(k)) : d!);
  const o: BuildOptions = {
    out: opt('--out') ?? 'build/node-built',
    vocab: n('--vocab', preset.vocab), hidden: n('--hidden', preset.hidden), inter: n('--inter', preset.inter), layers: n('--layers', preset.layers),
    heads: n('--heads', preset.heads), kvHeads: n('--kv-heads', preset.kvHeads), ropeTheta: n('--rope-theta', preset.ropeTheta), seed: n('--seed', 1),
    kvDtype: opt('--kv-dtype') === 'float16' ? 'float16' : 'float32',
    externalData: argv.includes('--external-data'),
    gqa: argv.includes('--gqa') || argv.includes('--gqa-mask'),
    gqaMask: argv.includes('--gqa-mask'),
    accuracyLevel: n('--accuracy-level', 0),
  };
  const variant = opt('--variant');
  if (variant) {
    if (!(variant in VARIANT_FILES)) throw new Error(`--variant: one of ${Object.keys(VARIANT_FILES).join(', ')}`);
    o.variant = variant as keyof typeof VARIANT_FILES;
  }
  const tf = opt('--tokenizer-from');
  if (tf) o.tokenizerFrom = tf;
  const t0 = Date.now();
  const r = buildModel(o);
  console.log(`wrote ${o.out}: ${(r.params / 1e6).toFixed(1)}M params, ${(r.bytes / 1e6).toFixed(1)} MB in ${Date.now() - t0} ms`);
}
