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
  numKeyValueHeads: number;
  headDim: number;
  vocabSize: number;
  raw: Record<string, unknown>;
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
  onnxPath: string;
  /** External-data files found next to the graph. */
  externalData: string[];
  eosTokenIds: number[];
  padTokenId: number;
  /** Defaults from generation_config.json (temperature, top_p, top_k, repetition_penalty) when present. */
  defaults: { temperature?: number; topP?: number; topK?: number; minP?: number; repetitionPenalty?: number };
}

function fail(message: string): never {
  throw new CodedError('model_folder', message);
}

function readJson(dir: string, file: string, required: boolean, what: string): Record<string, unknown> | null {
  const p = path.join(dir, file);
  if (!fs.existsSync(p)) {
    if (required) fail(`${p} is missing: expected ${what}`);
    return null;
  }
  let v: unknown;
  try {
    v = JSON.parse(fs.readFileSync(p, 'utf8'));
  } catch (e) {
    fail(`${p} is not valid JSON (${e instanceof Error ? e.message : String(e)}): expected ${what}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${p} must hold a JSON object: expected ${what}`);
  return v as Record<string, unknown>;
}

const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
const ids = (x: unknown): number[] => (Array.isArray(x) ? x.filter((v): v is number => typeof v === 'number') : typeof x === 'number' ? [x] : []);

/**
 * @param onnxFile graph file under onnx/ (onnx-community folders also hold model_fp16.onnx, model_q4.onnx, ...).
 */
export function loadModelFolder(dir: string, onnxFile = 'model.onnx'): ModelFolder {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) fail(`${abs} is not a folder: expected a model folder with config.json, tokenizer.json and onnx/${onnxFile}`);
  const cfgRaw = readJson(abs, 'config.json', true, 'the model configuration (num_hidden_layers, num_attention_heads, hidden_size, vocab_size)')!;
  const need = (k: string): number => {
    const v = num(cfgRaw[k]);
    if (v === undefined) fail(`${path.join(abs, 'config.json')} has no numeric "${k}": expected a decoder-only transformer configuration`);
    return v;
  };
  const heads = need('num_attention_heads');
  const config: ModelConfig = {
    modelType: typeof cfgRaw.model_type === 'string' ? cfgRaw.model_type : 'unknown',
    numLayers: need('num_hidden_layers'),
    numKeyValueHeads: num(cfgRaw.num_key_value_heads) ?? heads,
    headDim: num(cfgRaw.head_dim) ?? need('hidden_size') / heads,
    vocabSize: need('vocab_size'),
    raw: cfgRaw,
  };
  const generationConfig = readJson(abs, 'generation_config.json', false, 'generation defaults (eos_token_id, temperature, top_p)') ?? {};
  const tokenizerJson = readJson(abs, 'tokenizer.json', true, 'a Hugging Face fast tokenizer (tokenizer.json with "model" and "added_tokens")')!;
  if (typeof tokenizerJson.model !== 'object') fail(`${path.join(abs, 'tokenizer.json')} has no "model": expected a Hugging Face fast tokenizer file`);
  const tokenizerConfig = readJson(abs, 'tokenizer_config.json', true, 'the tokenizer configuration with its chat_template')!;
  let chatTemplate: string | null = null;
  const ct = tokenizerConfig.chat_template;
  if (typeof ct === 'string') chatTemplate = ct;
  else if (Array.isArray(ct)) {
    const d = ct.find((t: unknown) => typeof t === 'object' && t !== null && (t as { name?: unknown }).name === 'default') as { template?: unknown } | undefined;
    if (typeof d?.template === 'string') chatTemplate = d.template;
  }
  if (chatTemplate === null) {
    const jinja = path.join(abs, 'chat_template.jinja'); // newer transformers save the template on its own
    if (fs.existsSync(jinja)) chatTemplate = fs.readFileSync(jinja, 'utf8');
  }

  const onnxDir = path.join(abs, 'onnx');
  const onnxPath = path.join(onnxDir, onnxFile);
  if (!fs.existsSync(onnxPath)) {
    const found = fs.existsSync(onnxDir) ? fs.readdirSync(onnxDir).filter((f) => f.endsWith('.onnx')) : [];
    fail(`${onnxPath} is missing: expected the decoder graph with a KV cache (Optimum "text-generation-with-past" export)` +
      (found.length ? `; this folder has ${found.join(', ')}` : ''));
  }
  const externalData = fs.readdirSync(onnxDir).filter((f) => f.startsWith(onnxFile) && f !== onnxFile && /(_data|\.data)(_\d+)?$/.test(f));

  const eosTokenIds = [...new Set([...ids(generationConfig.eos_token_id), ...ids(cfgRaw.eos_token_id)])];
  const tokenId = (t: unknown): number | undefined => {
    const content = typeof t === 'string' ? t : typeof t === 'object' && t !== null ? (t as { content?: unknown }).content : undefined;
    if (typeof content !== 'string') return undefined;
    const added = (tokenizerJson.added_tokens as { id: number; content: string }[] | undefined)?.find((a) => a.content === content);
    return added?.id ?? num(((tokenizerJson.model as { vocab?: Record<string, unknown> }).vocab ?? {})[content]);
  };
  if (eosTokenIds.length === 0) {
    const e = tokenId(tokenizerConfig.eos_token);
    if (e !== undefined) eosTokenIds.push(e);
  }
  if (eosTokenIds.length === 0) fail(`${path.join(abs, 'generation_config.json')} (or config.json) has no eos_token_id: expected the id(s) that end a sequence`);
  const padTokenId = num(generationConfig.pad_token_id) ?? num(cfgRaw.pad_token_id) ?? tokenId(tokenizerConfig.pad_token) ?? eosTokenIds[0]!;

  const defaults: ModelFolder['defaults'] = {};
  if (generationConfig.do_sample !== false) {
    const t = num(generationConfig.temperature); if (t !== undefined) defaults.temperature = t;
    const p = num(generationConfig.top_p); if (p !== undefined) defaults.topP = p;
    const k = num(generationConfig.top_k); if (k !== undefined) defaults.topK = k;
    const m = num(generationConfig.min_p); if (m !== undefined) defaults.minP = m;
  }
  const rp = num(generationConfig.repetition_penalty); if (rp !== undefined) defaults.repetitionPenalty = rp;

  return {
    dir: abs, id: path.basename(abs), config, generationConfig, tokenizerJson, tokenizerConfig, chatTemplate, onnxPath, externalData,
    eosTokenIds, padTokenId, defaults,
  };
}
