/**
 * Pure-Node builder (onnx-proto, no Python) of a random-weight Qwen2-architecture decoder in the Optimum layout:
 *   inputs  input_ids, attention_mask, position_ids, past_key_values.{i}.key/.value  [batch, kvHeads, past, headDim]
 *   outputs logits, present.{i}.key/.value
 * Standard ONNX ops (opset 14). Options: --kv-dtype float16 (fp16 cache and logits at the graph boundary, as fp16
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
  const dataFile = 'model.onnx_data';
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
  function init(name: string, dims: number[], data: Float32Array | BigInt64Array): string {
    const dataType = data instanceof BigInt64Array ? T.INT64 : T.FLOAT;
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
    nodes.push(onnx.NodeProto.create({ opType: type, input: inputs, output: [out], name: `n${uid++}_${type}`, attribute }));
    return out;
  }
  const linear = (x: string, name: string, inF: number, outF: number, bias: boolean) => {
    const y = op('MatMul', [x, init(`${name}.weight_t`, [inF, outF], randn(inF * outF, 0.02))]);
    return bias ? op('Add', [y, init(`${name}.bias`, [outF], new Float32Array(outF))]) : y;
  };
  const EPS = f32('const.eps', 1e-6);
  const ONE = f32('const.one', 1);
  const rmsnorm = (x: string, name: string) => {
    const w = init(`${name}.weight`, [H], new Float32Array(H).fill(1));
    const ms = op('ReduceMean', [op('Mul', [x, x])], { axes: [-1], keepdims: 1 });
    return op('Mul', [op('Mul', [x, op('Div', [ONE, op('Sqrt', [op('Add', [ms, EPS])])])]), w]);
  };
  const kvIsHalf = o.kvDtype === 'float16';
  const FT = kvIsHalf ? T.FLOAT16 : T.FLOAT;

  const embed = init('model.embed_tokens.weight', [V, H], randn(V * H, 0.02));
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
  const S = op('Gather', [op('Shape', ['input_ids']), IDX1], { axis: 0 });
  const Tt = op('Gather', [op('Shape', ['attention_mask']), IDX1], { axis: 0 });
  const kpos = op('Unsqueeze', [op('Range', [ZERO, Tt, ONEI]), i64('axes.0', [0])]);
  const qpos = op('Unsqueeze', [op('Add', [op('Range', [ZERO, S, ONEI]), op('Sub', [Tt, S])]), i64('axes.last2', [-1])]);
  const causal = op('Unsqueeze', [op('LessOrEqual', [kpos, qpos]), i64('axes.01', [0, 1])]);
  const padOk = op('Unsqueeze', [op('Greater', ['attention_mask', ZERO]), i64('axes.12', [1, 2])]);
  const bias = op('Where', [op('And', [causal, padOk]), f32('const.f0', 0), f32('const.neg', -1e9)]);
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
  const inputs = [vi('input_ids', T.INT64, ['batch_size', 'sequence_length']), vi('attention_mask', T.INT64, ['batch_size', 'total_sequence_length']), vi('position_ids', T.INT64, ['batch_size', 'sequence_length'])];
  const outputs: onnx.IValueInfoProto[] = [];
  for (let l = 0; l < L; l++) {
    const pre = `model.layers.${l}`;
    const h = rmsnorm(x, `${pre}.input_layernorm`);
    const q = rope(heads(linear(h, `${pre}.self_attn.q_proj`, H, NH * HD, true), NH));
    const k = rope(heads(linear(h, `${pre}.self_attn.k_proj`, H, KVH * HD, true), KVH));
    const v = heads(linear(h, `${pre}.self_attn.v_proj`, H, KVH * HD, true), KVH);
    const past = (kv: string) => (kvIsHalf ? op('Cast', [`past_key_values.${l}.${kv}`], { to: T.FLOAT }) : `past_key_values.${l}.${kv}`);
    const kAll = op('Concat', [past('key'), k], { axis: 2 }, kvIsHalf ? undefined : `present.${l}.key`);
    const vAll = op('Concat', [past('value'), v], { axis: 2 }, kvIsHalf ? undefined : `present.${l}.value`);
    if (kvIsHalf) {
      op('Cast', [kAll], { to: T.FLOAT16 }, `present.${l}.key`);
      op('Cast', [vAll], { to: T.FLOAT16 }, `present.${l}.value`);
    }
    for (const kv of ['key', 'value']) {
      inputs.push(vi(`past_key_values.${l}.${kv}`, FT, ['batch_size', KVH, 'past_sequence_length', HD]));
      outputs.push(vi(`present.${l}.${kv}`, FT, ['batch_size', KVH, 'total_sequence_length', HD]));
    }
    const scores = op('Add', [op('Mul', [op('MatMul', [q, op('Transpose', [repeatKV(kAll)], { perm: [0, 1, 3, 2] })]), SCALE]), bias]);
    const att = op('MatMul', [op('Softmax', [scores], { axis: -1 }), repeatKV(vAll)]);
    const merged = op('Reshape', [op('Transpose', [att], { perm: [0, 2, 1, 3] }), i64(`shape.merge${l}`, [0, 0, NH * HD])]);
    x = op('Add', [x, linear(merged, `${pre}.self_attn.o_proj`, NH * HD, H, false)]);
    const h2 = rmsnorm(x, `${pre}.post_attention_layernorm`);
    const g = linear(h2, `${pre}.mlp.gate_proj`, H, I, false);
    const u = linear(h2, `${pre}.mlp.up_proj`, H, I, false);
    x = op('Add', [x, linear(op('Mul', [op('Mul', [g, op('Sigmoid', [g])]), u]), `${pre}.mlp.down_proj`, I, H, false)]);
  }
  x = rmsnorm(x, 'model.norm');
  const logits = op('MatMul', [x, op('Transpose', [embed], { perm: [1, 0] })], {}, kvIsHalf ? undefined : 'logits'); // tied lm_head
  if (kvIsHalf) op('Cast', [logits], { to: T.FLOAT16 }, 'logits');
  outputs.unshift(vi('logits', FT, ['batch_size', 'sequence_length', V]));
  if (fd >= 0) fs.closeSync(fd);

  const model = onnx.ModelProto.create({
    irVersion: 7, producerName: 'reward-lens-buildOnnx', opsetImport: [{ domain: '', version: 14 }],
    graph: onnx.GraphProto.create({ name: 'qwen2_random', node: nodes, initializer: inits, input: inputs, output: outputs }),
  });
  const bytes = onnx.ModelProto.encode(model).finish();
  fs.writeFileSync(path.join(o.out, 'onnx', 'model.onnx'), bytes);
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
  };
  const tf = opt('--tokenizer-from');
  if (tf) o.tokenizerFrom = tf;
  const t0 = Date.now();
  const r = buildModel(o);
  console.log(`wrote ${o.out}: ${(r.params / 1e6).toFixed(1)}M params, ${(r.bytes / 1e6).toFixed(1)} MB in ${Date.now() - t0} ms`);
}
