/**
 * Reads a causal-LM folder in the Hugging Face / Optimum ONNX layout that onnx-community publishes:
 *   config.json, generation_config.json (optional), tokenizer.json, tokenizer_config.json (chat template),
 *   onnx/model.onnx (+ external data: model.onnx_data, model.onnx.data, ...).
 * Every problem is a model_folder error that names the file and says what was expected.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CodedError } from '../../core/errors';

export interface ModelConfig {
  modelType: string;
  numLayers: number;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  headDim: number;
  vocabSize: number;
  /** Positions the model was trained for (max_position_embeddings and its aliases); null when config.json has none. */
  contextLength: number | null;
  raw: Record<string, unknown>;
}

/**
 * What a config value may be before anything is allocated from it. The largest released decoders stay well inside
 * (Llama 3.1 405B: 126 layers, 128 heads, hidden 16384; Gemma 3: vocab 262144); an absurd value is a broken or
 * hostile folder, and sizing arrays or sessions from it ran the process out of memory.
 */
export const CONFIG_BOUNDS = {
  num_hidden_layers: [1, 1024],
  num_attention_heads: [1, 1024],
  num_key_value_heads: [1, 1024],
  hidden_size: [1, 131072],
  head_dim: [1, 4096],
  vocab_size: [2, 4194304],
  max_position_embeddings: [1, 16777216],
} as const;

/** Largest JSON file read from a model folder (tokenizer.json of 250k-token vocabularies is ~35 MB). */
export const MAX_JSON_BYTES = 256 * 1024 * 1024;
/** Largest chat_template.jinja read. */
export const MAX_TEMPLATE_BYTES = 1024 * 1024;

/** rewardLens.modelDtype: which of an onnx-community folder's graphs to run. */
export type ModelDtype = 'auto' | 'fp32' | 'fp16' | 'q8' | 'q4' | 'q4f16';
export const MODEL_DTYPES: readonly ModelDtype[] = ['auto', 'fp32', 'fp16', 'q8', 'q4', 'q4f16'];

/** The file names onnx-community (transformers.js) folders use under onnx/ for each variant. */
export const DTYPE_FILES: Record<Exclude<ModelDtype, 'auto'>, readonly string[]> = {
  fp32: ['model.onnx'],
  fp16: ['model_fp16.onnx'],
  q8: ['model_int8.onnx', 'model_quantized.onnx', 'model_uint8.onnx'],
  q4: ['model_q4.onnx'],
  q4f16: ['model_q4f16.onnx'],
};

/**
 * auto: on the CPU 4-bit weights first (MatMulNBits reads a quarter of fp32's bytes per decode step, and decode is
 * bound by reading weights); on a GPU the fp16-activation variants first (WebGPU kernels compute in fp16).
 */
const AUTO_ORDER: Record<'cpu' | 'gpu', readonly Exclude<ModelDtype, 'auto'>[]> = {
  cpu: ['q4', 'fp32', 'q8', 'fp16', 'q4f16'],
  gpu: ['q4f16', 'fp16', 'q4', 'fp32', 'q8'],
};

export interface GraphFile {
  /** Absolute path under onnx/ (in the folder, not a link target: external data is found next to it). */
  path: string;
  file: string;
  dtype: Exclude<ModelDtype, 'auto'> | 'custom';
}

export interface ModelFolder {
  dir: string;
  /** The folder's name, as a model id for logs and preference records. */
  id: string;
  config: ModelConfig;
  generationConfig: Record<string, unknown>;
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  chatTemplate: string | null;
  /** The graph an explicit onnxFile names, else auto's CPU choice (see pickGraph for the provider's choice). */
  onnxPath: string;
  /** Every known variant present under onnx/ (or only the explicit onnxFile). */
  graphs: GraphFile[];
  /** External-data files found next to the graphs. */
  externalData: string[];
  eosTokenIds: number[];
  padTokenId: number;
  /** Defaults from generation_config.json (temperature, top_p, top_k, repetition_penalty) when present. */
  defaults: { temperature?: number; topP?: number; topK?: number; minP?: number; repetitionPenalty?: number };
}

function fail(message: string): never {
  throw new CodedError('model_folder', message);
}

function isInside(root: string, p: string): boolean {
  const r = path.relative(root, p);
  return r === '' || (!r.startsWith('..') && !path.isAbsolute(r));
}

/**
 * The real path of `rel` inside the model folder, or null when it does not exist. A file that is (or passes
 * through) a symbolic link leaving the folder is refused, so a hostile folder cannot make us read, and quote in an
 * error, a file elsewhere on the machine. One exception keeps the Hugging Face hub cache working: its snapshot
 * folders (`models--org--name/snapshots/<rev>/`) link every file to `models--org--name/blobs/<sha>`.
 * Only regular files are accepted (a FIFO or a device would block the read forever).
 */
export function folderFile(dir: string, rel: string): string | null {
  const p = path.join(dir, rel);
  let real: string;
  try {
    real = fs.realpathSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      let dangling = false;
      try {
        dangling = fs.lstatSync(p).isSymbolicLink();
      } catch {
        /* really missing */
      }
      if (dangling) fail(`${rel} in ${dir} is a symbolic link to nothing: expected a file inside the model folder`);
      return null;
    }
    fail(`${rel} in ${dir} cannot be read (${code ?? 'unknown error'})`);
  }
  const realDir = fs.realpathSync(dir);
  const hubBlobs = /[\\/]models--[^\\/]+[\\/]snapshots[\\/][^\\/]+$/.test(realDir) ? path.join(realDir, '..', '..', 'blobs') : null;
  if (!isInside(realDir, real) && !(hubBlobs && isInside(hubBlobs, real))) {
    fail(`${rel} in ${dir} is a symbolic link that leaves the model folder: refused (copy the file into the folder)`);
  }
  const st = fs.statSync(real);
  if (!st.isFile()) fail(`${rel} in ${dir} is not a regular file`);
  return real;
}

function readBounded(dir: string, rel: string, real: string, limit: number): string {
  const size = fs.statSync(real).size;
  if (size > limit) throw new CodedError('limit_exceeded', `${rel} in ${dir} is ${size} bytes, over the ${limit}-byte limit for model-folder text files`);
  return fs.readFileSync(real, 'utf8');
}

function readJson(dir: string, file: string, required: boolean, what: string): Record<string, unknown> | null {
  const real = folderFile(dir, file);
  const p = path.join(dir, file);
  if (real === null) {
    if (required) fail(`${p} is missing: expected ${what}`);
    return null;
  }
  let v: unknown;
  try {
    v = JSON.parse(readBounded(dir, file, real, MAX_JSON_BYTES));
  } catch (e) {
    if (e instanceof CodedError) throw e;
    // V8's message quotes the text around the error; name the position only.
    const at = /position (\d+)/.exec(e instanceof Error ? e.message : '')?.[1];
    fail(`${p} is not valid JSON${at ? ` (at position ${at})` : ''}: expected ${what}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${p} must hold a JSON object: expected ${what}`);
  return v as Record<string, unknown>;
}

const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
const ids = (x: unknown): number[] => (Array.isArray(x) ? x.filter((v): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0) : typeof x === 'number' && Number.isInteger(x) && x >= 0 ? [x] : []);

/** The config values the loader sizes things from, each an integer inside CONFIG_BOUNDS. */
export function parseConfig(cfgRaw: Record<string, unknown>, file: string): ModelConfig {
  const check = (k: keyof typeof CONFIG_BOUNDS, v: number): number => {
    const [lo, hi] = CONFIG_BOUNDS[k];
    if (!Number.isInteger(v) || v < lo || v > hi) fail(`${file}: ${k} is ${v}: expected an integer in [${lo}, ${hi}]`);
    return v;
  };
  const need = (k: keyof typeof CONFIG_BOUNDS): number => {
    const v = num(cfgRaw[k]);
    if (v === undefined) fail(`${file} has no numeric "${k}": expected a decoder-only transformer configuration`);
    return check(k, v);
  };
  const opt = (k: keyof typeof CONFIG_BOUNDS, raw: unknown): number | undefined => {
    const v = num(raw);
    return v === undefined ? undefined : check(k, v);
  };
  const heads = need('num_attention_heads');
  const kv = opt('num_key_value_heads', cfgRaw.num_key_value_heads) ?? heads;
  if (heads % kv !== 0) fail(`${file}: num_attention_heads ${heads} is not a multiple of num_key_value_heads ${kv}`);
  let headDim = opt('head_dim', cfgRaw.head_dim);
  if (headDim === undefined) {
    const hidden = need('hidden_size');
    if (hidden % heads !== 0) fail(`${file}: hidden_size ${hidden} is not a multiple of num_attention_heads ${heads} (and there is no head_dim)`);
    headDim = check('head_dim', hidden / heads);
  }
  const ctxRaw = cfgRaw.max_position_embeddings ?? cfgRaw.n_positions ?? cfgRaw.max_sequence_length ?? cfgRaw.seq_length;
  return {
    modelType: typeof cfgRaw.model_type === 'string' ? cfgRaw.model_type : 'unknown',
    numLayers: need('num_hidden_layers'),
    numAttentionHeads: heads,
    numKeyValueHeads: kv,
    headDim,
    vocabSize: need('vocab_size'),
    contextLength: opt('max_position_embeddings', ctxRaw) ?? null,
    raw: cfgRaw,
  };
}

/**
 * The graph to run for a dtype setting on a provider: an explicit onnxFile always; a named dtype must be present;
 * auto takes the first present in AUTO_ORDER.
 */
export function pickGraph(folder: Pick<ModelFolder, 'dir' | 'graphs'>, dtype: ModelDtype, provider: 'cpu' | 'webgpu' | 'cuda'): GraphFile {
  const custom = folder.graphs.find((g) => g.dtype === 'custom');
  if (custom) return custom;
  const order = dtype === 'auto' ? AUTO_ORDER[provider === 'cpu' ? 'cpu' : 'gpu'] : [dtype];
  for (const d of order) {
    const g = folder.graphs.find((x) => x.dtype === d);
    if (g) return g;
  }
  fail(`${folder.dir}/onnx has no ${dtype} graph (${DTYPE_FILES[dtype as Exclude<ModelDtype, 'auto'>]?.join(' or ')}): it has ${folder.graphs.map((g) => `${g.file} (${g.dtype})`).join(', ')}; set rewardLens.modelDtype to one of those or to auto`);
}

/**
 * @param onnxFile one graph file under onnx/; without it every variant onnx-community ships is found (model.onnx,
 *   model_fp16.onnx, model_q4.onnx, ...) and pickGraph chooses per provider and rewardLens.modelDtype.
 */
export function loadModelFolder(dir: string, onnxFile?: string): ModelFolder {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) fail(`${abs} is not a folder: expected a model folder with config.json, tokenizer.json and onnx/${onnxFile ?? 'model.onnx'}`);
  if (onnxFile !== undefined && !/^[\w.-]+\.onnx$/.test(onnxFile)) throw new CodedError('bad_request', `onnxFile ${JSON.stringify(onnxFile)} must be a file name under onnx/ ending in .onnx`);
  const cfgRaw = readJson(abs, 'config.json', true, 'the model configuration (num_hidden_layers, num_attention_heads, hidden_size, vocab_size)')!;
  const config = parseConfig(cfgRaw, path.join(abs, 'config.json'));
  const generationConfig = readJson(abs, 'generation_config.json', false, 'generation defaults (eos_token_id, temperature, top_p)') ?? {};
  const tokenizerJson = readJson(abs, 'tokenizer.json', true, 'a Hugging Face fast tokenizer (tokenizer.json with "model" and "added_tokens")')!;
  if (typeof tokenizerJson.model !== 'object' || tokenizerJson.model === null) fail(`${path.join(abs, 'tokenizer.json')} has no "model": expected a Hugging Face fast tokenizer file`);
  const tokenizerConfig = readJson(abs, 'tokenizer_config.json', true, 'the tokenizer configuration with its chat_template')!;
  let chatTemplate: string | null = null;
  const ct = tokenizerConfig.chat_template;
  if (typeof ct === 'string') chatTemplate = ct;
  else if (Array.isArray(ct)) {
    const d = ct.find((t: unknown) => typeof t === 'object' && t !== null && (t as { name?: unknown }).name === 'default') as { template?: unknown } | undefined;
    if (typeof d?.template === 'string') chatTemplate = d.template;
  }
  if (chatTemplate === null) {
    const jinja = folderFile(abs, 'chat_template.jinja'); // newer transformers save the template on its own
    if (jinja) chatTemplate = readBounded(abs, 'chat_template.jinja', jinja, MAX_TEMPLATE_BYTES);
  }
  if (chatTemplate !== null && chatTemplate.length > MAX_TEMPLATE_BYTES) {
    throw new CodedError('limit_exceeded', `the chat_template in ${abs} is ${chatTemplate.length} characters, over the ${MAX_TEMPLATE_BYTES}-character limit`);
  }

  const onnxDir = path.join(abs, 'onnx');
  const graphs: GraphFile[] = [];
  const candidates: [string, GraphFile['dtype']][] = onnxFile !== undefined ? [[onnxFile, 'custom']]
    : (Object.entries(DTYPE_FILES) as [Exclude<ModelDtype, 'auto'>, readonly string[]][]).flatMap(([d, files]) => files.map((f) => [f, d] as [string, GraphFile['dtype']]));
  for (const [file, dtype] of candidates) {
    if (graphs.some((g) => g.dtype === dtype && dtype !== 'custom')) continue; // first file name of a variant wins
    if (folderFile(abs, path.join('onnx', file)) !== null) graphs.push({ path: path.join(onnxDir, file), file, dtype });
  }
  if (graphs.length === 0) {
    const want = onnxFile ?? 'model.onnx';
    const found = fs.existsSync(onnxDir) && fs.statSync(onnxDir).isDirectory() ? fs.readdirSync(onnxDir).filter((f) => f.endsWith('.onnx')) : [];
    fail(`${path.join(onnxDir, want)} is missing: expected the decoder graph with a KV cache (Optimum "text-generation-with-past" export)` +
      (onnxFile === undefined ? ` or one of its variants (${Object.values(DTYPE_FILES).flat().filter((f) => f !== 'model.onnx').join(', ')})` : '') +
      (found.length ? `; this folder has ${found.join(', ')}` : ''));
  }
  const onnxPath = pickGraph({ dir: abs, graphs }, 'auto', 'cpu').path;
  // onnxruntime finds external data next to the graph, by the name inside it; a linked data file must stay inside too.
  const externalData = fs.readdirSync(onnxDir).filter((f) => graphs.some((g) => f.startsWith(g.file) && f !== g.file) && /(_data|\.data)(_\d+)?$/.test(f));
  for (const f of externalData) folderFile(abs, path.join('onnx', f));

  const eosTokenIds = [...new Set([...ids(generationConfig.eos_token_id), ...ids(cfgRaw.eos_token_id)])];
  const tokenId = (t: unknown): number | undefined => {
    const content = typeof t === 'string' ? t : typeof t === 'object' && t !== null ? (t as { content?: unknown }).content : undefined;
    if (typeof content !== 'string') return undefined;
    const addedList = Array.isArray(tokenizerJson.added_tokens) ? (tokenizerJson.added_tokens as { id?: unknown; content?: unknown }[]) : [];
    const added = addedList.find((a) => typeof a === 'object' && a !== null && a.content === content);
    const vocab = (tokenizerJson.model as { vocab?: unknown }).vocab;
    const fromVocab = vocab && typeof vocab === 'object' && !Array.isArray(vocab) && Object.prototype.hasOwnProperty.call(vocab, content) ? num((vocab as Record<string, unknown>)[content]) : undefined;
    return num(added?.id) ?? fromVocab;
  };
  if (eosTokenIds.length === 0) {
    const e = tokenId(tokenizerConfig.eos_token);
    if (e !== undefined) eosTokenIds.push(e);
  }
  if (eosTokenIds.length === 0) fail(`${path.join(abs, 'generation_config.json')} (or config.json) has no eos_token_id: expected the id(s) that end a sequence`);
  const padTokenId = num(generationConfig.pad_token_id) ?? num(cfgRaw.pad_token_id) ?? tokenId(tokenizerConfig.pad_token) ?? eosTokenIds[0]!;
  for (const [what, id] of [...eosTokenIds.map((e) => ['eos_token_id', e] as const), ['pad_token_id', padTokenId] as const]) {
    if (!Number.isInteger(id) || id < 0 || id >= config.vocabSize) fail(`${abs}: ${what} ${id} is outside the vocabulary (config.json vocab_size ${config.vocabSize})`);
  }

  const defaults: ModelFolder['defaults'] = {};
  if (generationConfig.do_sample !== false) {
    const t = num(generationConfig.temperature); if (t !== undefined) defaults.temperature = t;
    const p = num(generationConfig.top_p); if (p !== undefined) defaults.topP = p;
    const k = num(generationConfig.top_k); if (k !== undefined) defaults.topK = k;
    const m = num(generationConfig.min_p); if (m !== undefined) defaults.minP = m;
  }
  const rp = num(generationConfig.repetition_penalty); if (rp !== undefined) defaults.repetitionPenalty = rp;

  return {
    dir: abs, id: path.basename(abs), config, generationConfig, tokenizerJson, tokenizerConfig, chatTemplate, onnxPath, graphs, externalData,
    eosTokenIds, padTokenId, defaults,
  };
}
