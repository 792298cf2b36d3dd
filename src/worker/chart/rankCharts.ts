/**
 * Ranks groups of chart candidates: parse -> static checks -> render in the sandboxed child (or matplotlib in its own
 * sandbox) -> attributes and image features -> rewards (src/core/chart) -> rankGroup (src/core/ranking).
 * Shared by the worker method `chart.rank` and the CLI (`reward-lens rank --task chart`).
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { CodedError, toErrorInfo, type ErrorInfo } from '../../core/errors';
import { parseDataFile } from '../../core/chart/csv';
import { visualFeatures, visualSimilarity, type VisualFeatures } from '../../core/chart/image';
import {
  CHART_GATE, chartGroupRewards, chartWeights,
  type CandidateEvaluation, type ChartReference,
} from '../../core/chart/rewards';
import { assertNoExternalReferences, bindDataset, fieldsValid, InvalidSpecJson, parseCandidate, type Dataset, type JsonObject } from '../../core/chart/spec';
import { checkJson } from '../syntax/json';
import type { ChartEvidence, ChartGroupOutput, ChartRankResult } from '../../core/chart/protocol';
import { rankGroup, type CandidateOutput } from '../../core/ranking';
import { decodeImage } from './imageDecode';
import { runMatplotlib, type MatplotlibOptions } from './matplotlib';
import type { ChartRenderer } from './renderer';

export interface ChartGroupInput {
  group: string;
  /** Model outputs: a Vega-Lite / Vega JSON spec (fenced or bare), or ```python matplotlib code when enabled. */
  candidates: string[];
  /** A Vega-Lite (or Vega) spec the candidates should reproduce. */
  referenceSpec?: Record<string, unknown>;
  /** A PNG/JPEG the candidates should reproduce (ChartMimic / ChartMaster chart-to-code). */
  referenceImagePath?: string;
  referenceImage?: Uint8Array;
  /** Workspace data file (.csv, .tsv, .json); read here and handed to the renderer inline. */
  dataPath?: string;
}

export interface RankChartsOptions {
  renderer: ChartRenderer;
  /** Weights laid over the group's defaults (see `chartWeights`), as given; the group reports the weights it used. */
  weights?: Record<string, number>;
  /** Per-candidate render timeout, ms. */
  timeoutMs?: number;
  /** `per-role`: our per-role text F1 instead of ChartMimic's pooled one (the default). */
  textVariant?: 'chartmimic' | 'per-role';
  /** PNG pixel scale of Vega renders. */
  scale?: number;
  /** matplotlib candidates run only when given (opt-in, trusted workspaces). */
  matplotlib?: MatplotlibOptions;
  /** Write `<group>-<index>.png` here and report `pngPath`; otherwise each candidate carries `png` (base64). */
  outDir?: string;
  /** base64 PNG in each candidate: 'auto' (default) when no `outDir`, 'always', or 'never'. */
  inlinePng?: 'auto' | 'always' | 'never';
  signal?: AbortSignal;
  /** Streams each candidate as soon as it is evaluated (before ranking). */
  onCandidate?: (group: string, index: number, evidence: ChartEvidence) => void;
}

interface Evaluated {
  evaluation: CandidateEvaluation;
  evidence: ChartEvidence;
  error: ErrorInfo | null;
}

/** A small most-recently-used cache (parsed data files, reference features): a worker ranks many groups of one request. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly size: number) {}
  get(k: string): V | undefined {
    const v = this.map.get(k);
    if (v !== undefined) { this.map.delete(k); this.map.set(k, v); }
    return v;
  }
  delete(k: string): void {
    this.map.delete(k);
  }
  set(k: string, v: V): void {
    this.map.delete(k);
    this.map.set(k, v);
    while (this.map.size > this.size) this.map.delete(this.map.keys().next().value!);
  }
}

const parsedData = new Lru<Dataset>(4);
const referenceCache = new Lru<Promise<ChartReference>>(8);

/** The data file parsed once per content (path, size, mtime): every candidate and the reference bind the same rows. */
function readDataset(p: string): Dataset {
  try {
    const st = fs.statSync(p);
    const key = `${p}\0${st.size}\0${st.mtimeMs}`;
    const hit = parsedData.get(key);
    if (hit) return hit;
    const ds = { name: path.basename(p), values: parseDataFile(p, fs.readFileSync(p, 'utf8')) };
    parsedData.set(key, ds);
    return ds;
  } catch (e) {
    throw new CodedError('bad_request', `cannot read data file ${p}: ${(e as Error).message}`);
  }
}

const sha256 = (x: string | Uint8Array): string => createHash('sha256').update(x).digest('hex');

/**
 * The reference's attributes and visual features, computed once per content (the same reference serves every
 * candidate of the group, and every group ranked against it: Regenerate, a JSONL of groups).
 */
async function prepareReference(input: ChartGroupInput, dataset: Dataset | undefined, opts: RankChartsOptions): Promise<ChartReference | null> {
  const bytes = input.referenceImage ?? (input.referenceImagePath ? readBytes(input.referenceImagePath) : undefined);
  const parts: Array<Promise<ChartReference>> = [];
  if (input.referenceSpec) {
    const spec = bindDataset(input.referenceSpec as JsonObject, dataset);
    assertNoExternalReferences(spec);
    const language = parseCandidate(JSON.stringify(spec)).language as 'vega' | 'vega-lite';
    // An explicit image wins over the rendered spec for `visual`: then the spec's picture is not needed.
    const key = `spec\0${opts.scale ?? 1}\0${!bytes}\0${sha256(JSON.stringify(spec))}`;
    let p = referenceCache.get(key);
    if (!p) {
      p = opts.renderer.render(spec, {
        language, scale: opts.scale ?? 1, features: !bytes, png: false,
        ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}), ...(opts.signal ? { signal: opts.signal } : {}),
      }).then((r) => {
        if (!r.ok) throw new CodedError('bad_request', `the reference spec does not render: ${r.error.message}`);
        return { attributes: r.attributes, ...(r.features ? { visual: r.features } : {}) };
      });
      referenceCache.set(key, p);
      p.catch(() => referenceCache.delete(key)); // a failure (timeout, cancel) is not remembered
    }
    parts.push(p);
  }
  if (bytes) {
    const key = `image\0${sha256(bytes)}`;
    let p = referenceCache.get(key);
    if (!p) {
      p = decodeImage(bytes).then((img) => ({ visual: visualFeatures(img) }));
      referenceCache.set(key, p);
      p.catch(() => referenceCache.delete(key));
    }
    parts.push(p);
  }
  const got = await Promise.all(parts);
  const ref: ChartReference = Object.assign({}, ...got) as ChartReference;
  return ref.attributes || ref.visual ? ref : null;
}

function readBytes(p: string): Uint8Array {
  try {
    return new Uint8Array(fs.readFileSync(p));
  } catch (e) {
    throw new CodedError('bad_request', `cannot read reference image ${p}: ${(e as Error).message}`);
  }
}

async function evaluate(text: string, dataset: Dataset | undefined, dataPath: string | undefined, needVisual: boolean, wantPng: boolean, opts: RankChartsOptions, pythonSlot: <T>(f: () => Promise<T>) => Promise<T>): Promise<Evaluated & { pngBytes?: Uint8Array }> {
  const t0 = performance.now();
  const fail = (e: unknown, language: ChartEvidence['language'] = null, warnings?: string[]): Evaluated => ({
    evaluation: { executed: false },
    evidence: { language, renderMs: performance.now() - t0, ...(warnings?.length ? { warnings } : {}) },
    error: toErrorInfo(e, 'chart_render'),
  });
  let parsed;
  try {
    parsed = parseCandidate(text, !!opts.matplotlib);
  } catch (e) {
    if (e instanceof InvalidSpecJson) {
      // Where the JSON broke (line and column of the spec), from the syntax port's JSON check.
      const at = await checkJson(e.body);
      if (!at.ok) return fail(new CodedError('chart_parse', `invalid JSON at ${at.message}`));
    }
    return fail(e);
  }
  if (parsed.language === 'matplotlib') {
    const code = parsed.code!;
    const r = await pythonSlot(() => runMatplotlib(code, { ...opts.matplotlib!, ...(dataPath ? { dataPath } : {}), ...(opts.signal ? { signal: opts.signal } : {}) }));
    if (!r.ok) return fail(r.error, 'matplotlib');
    let image;
    try {
      image = await decodeImage(r.png);
    } catch (e) {
      // One candidate's unreadable picture fails that candidate, not the group.
      return fail(new CodedError('chart_render', `matplotlib candidate wrote no readable PNG: ${(e as Error).message}`), 'matplotlib');
    }
    return {
      evaluation: { executed: true, attributes: r.attributes, fieldsValid: null, ...(needVisual ? { visual: visualFeatures(image) } : {}) },
      evidence: { language: 'matplotlib', width: image.width, height: image.height, attributes: r.attributes, renderMs: performance.now() - t0 },
      error: null, pngBytes: r.png,
    };
  }
  let spec: JsonObject;
  try {
    spec = bindDataset(parsed.spec!, dataset);
    assertNoExternalReferences(spec);
  } catch (e) {
    return fail(e, parsed.language);
  }
  const fv = parsed.language === 'vega-lite' ? fieldsValid(spec) : null;
  const r = await opts.renderer.render(spec, {
    language: parsed.language, scale: opts.scale ?? 1, features: needVisual, png: wantPng,
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}), ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (!r.ok) return fail(r.error, parsed.language, r.warnings);
  return {
    evaluation: { executed: true, attributes: r.attributes, fieldsValid: fv ? fv.score : null, ...(needVisual && r.features ? { visual: r.features } : {}) },
    evidence: {
      language: parsed.language, width: r.width, height: r.height, attributes: r.attributes, renderMs: performance.now() - t0, stages: r.timings,
      ...(fv && fv.missing.length ? { fieldsMissing: fv.missing } : {}), ...(r.warnings.length ? { warnings: r.warnings } : {}),
    },
    error: null, pngBytes: r.png,
  };
}

function safeName(s: string): string {
  return s.replace(/[^\w.-]+/g, '_').slice(0, 80) || 'group';
}

/** At most `n` of the given tasks at a time. */
function limiter(n: number): <T>(f: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(f: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await f();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

export async function rankChartGroup(input: ChartGroupInput, opts: RankChartsOptions): Promise<ChartGroupOutput> {
  const dataset = input.dataPath ? readDataset(input.dataPath) : undefined;
  const needVisual = !!(input.referenceSpec || input.referenceImage || input.referenceImagePath);
  const inline = opts.inlinePng ?? 'auto';
  // The PNG is evidence only (the rewards read the pixels' features): made when someone reads it.
  const wantPng = !!opts.outDir || inline === 'always' || (inline === 'auto' && !opts.outDir);
  // The reference is prepared while the candidates render: nothing about their rendering depends on it.
  const referenceP = prepareReference(input, dataset, opts);
  referenceP.catch(() => undefined);
  // Every candidate goes to the renderer pool at once, so each child always has the next spec queued while the
  // parent scores the last one; identical texts (common in a sampled group) are rendered once; matplotlib runs as
  // many Python processes at a time as the pool has renderers.
  const pythonSlot = limiter(Math.max(1, opts.renderer.processes));
  const seen = new Map<string, Promise<Evaluated & { pngBytes?: Uint8Array }>>();
  const pending = input.candidates.map((text) => {
    let p = seen.get(text);
    if (!p) { p = evaluate(text, dataset, input.dataPath, needVisual, wantPng, opts, pythonSlot); seen.set(text, p); }
    return p;
  });
  const evaluated = await Promise.all(pending.map(async (p, i) => {
    const [shared, reference] = await Promise.all([p, referenceP]);
    const e = { ...shared, evidence: { ...shared.evidence } };
    if (e.evaluation.visual && reference?.visual) {
      const v = visualSimilarity(e.evaluation.visual, reference.visual);
      e.evidence.visualDetail = { ssim: v.ssim, histogram: v.histogram };
    }
    if (e.pngBytes) {
      if (opts.outDir) {
        fs.mkdirSync(opts.outDir, { recursive: true });
        const file = path.join(opts.outDir, `${safeName(input.group)}-${i}.png`);
        fs.writeFileSync(file, e.pngBytes);
        e.evidence.pngPath = file;
      }
      if (inline === 'always' || (inline === 'auto' && !opts.outDir)) e.evidence.png = Buffer.from(e.pngBytes).toString('base64');
    }
    opts.onCandidate?.(input.group, i, e.evidence);
    return e;
  }));
  if (opts.signal?.aborted) throw new CodedError('cancelled', 'cancelled');
  const reference = await referenceP;
  const rewards = chartGroupRewards(evaluated.map((e) => e.evaluation), reference, opts.textVariant ? { text: opts.textVariant } : {});
  const weights = chartWeights(rewards, !!reference, opts.weights);
  const ranked = rankGroup(rewards, { weights, gate: CHART_GATE });
  const candidates: CandidateOutput[] = evaluated.map((e, i) => {
    const s = ranked.scored[i]!;
    const r: Record<string, number> = {};
    for (const [k, v] of Object.entries(rewards[i]!)) if (v !== null) r[k] = v;
    // The total is rankGroup's, unrounded: the panel re-ranks with `weights` and the same code and must agree.
    return { index: i, text: input.candidates[i]!, rewards: r, total: s.total, advantage: s.advantage, rank: s.rank, error: e.error, ...e.evidence };
  });
  return { group: input.group, allEqual: ranked.allEqual, candidates, weights };
}

export async function rankCharts(groups: readonly ChartGroupInput[], opts: RankChartsOptions): Promise<ChartRankResult> {
  const out: ChartGroupOutput[] = [];
  for (const g of groups) out.push(await rankChartGroup(g, opts));
  return { groups: out };
}

export type { ChartEvidence, VisualFeatures };
