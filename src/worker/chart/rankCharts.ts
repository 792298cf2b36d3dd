/**
 * Ranks groups of chart candidates: parse -> static checks -> render in the sandboxed child (or matplotlib in its own
 * sandbox) -> attributes and image features -> rewards (src/core/chart) -> rankGroup (src/core/ranking).
 * Shared by the worker method `chart.rank` and the CLI (`reward-lens rank --task chart`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { CodedError, toErrorInfo, type ErrorInfo } from '../../core/errors';
import { parseDataFile } from '../../core/chart/csv';
import { visualFeatures, visualSimilarity, type VisualFeatures } from '../../core/chart/image';
import {
  CHART_GATE, chartGroupRewards, chartWeights,
  type CandidateEvaluation, type ChartReference,
} from '../../core/chart/rewards';
import { assertNoExternalReferences, bindDataset, fieldsValid, parseCandidate, type Dataset, type JsonObject } from '../../core/chart/spec';
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

function readDataset(p: string): Dataset {
  try {
    return { name: path.basename(p), values: parseDataFile(p, fs.readFileSync(p, 'utf8')) };
  } catch (e) {
    throw new CodedError('bad_request', `cannot read data file ${p}: ${(e as Error).message}`);
  }
}

async function prepareReference(input: ChartGroupInput, dataset: Dataset | undefined, opts: RankChartsOptions): Promise<ChartReference | null> {
  const ref: ChartReference = {};
  if (input.referenceSpec) {
    const spec = bindDataset(input.referenceSpec as JsonObject, dataset);
    assertNoExternalReferences(spec);
    const language = parseCandidate(JSON.stringify(spec)).language as 'vega' | 'vega-lite';
    const r = await opts.renderer.render(spec, { language, scale: opts.scale ?? 1, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
    if (!r.ok) throw new CodedError('bad_request', `the reference spec does not render: ${r.error.message}`);
    ref.attributes = r.attributes;
    ref.visual = r.features;
  }
  const bytes = input.referenceImage ?? (input.referenceImagePath ? readBytes(input.referenceImagePath) : undefined);
  if (bytes) ref.visual = visualFeatures(await decodeImage(bytes)); // an explicit image wins over the rendered spec
  return ref.attributes || ref.visual ? ref : null;
}

function readBytes(p: string): Uint8Array {
  try {
    return new Uint8Array(fs.readFileSync(p));
  } catch (e) {
    throw new CodedError('bad_request', `cannot read reference image ${p}: ${(e as Error).message}`);
  }
}

async function evaluate(text: string, dataset: Dataset | undefined, dataPath: string | undefined, needVisual: boolean, opts: RankChartsOptions): Promise<Evaluated & { pngBytes?: Uint8Array }> {
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
    return fail(e);
  }
  if (parsed.language === 'matplotlib') {
    const r = await runMatplotlib(parsed.code!, { ...opts.matplotlib!, ...(dataPath ? { dataPath } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
    if (!r.ok) return fail(r.error, 'matplotlib');
    const image = await decodeImage(r.png);
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
    language: parsed.language, scale: opts.scale ?? 1,
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}), ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (!r.ok) return fail(r.error, parsed.language, r.warnings);
  return {
    evaluation: { executed: true, attributes: r.attributes, fieldsValid: fv ? fv.score : null, ...(needVisual ? { visual: r.features } : {}) },
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

export async function rankChartGroup(input: ChartGroupInput, opts: RankChartsOptions): Promise<ChartGroupOutput> {
  const dataset = input.dataPath ? readDataset(input.dataPath) : undefined;
  const reference = await prepareReference(input, dataset, opts);
  // Candidates render concurrently, one per renderer process (matplotlib runs as many Python processes at most).
  const evaluated = new Array<Evaluated & { pngBytes?: Uint8Array }>(input.candidates.length);
  // Identical texts (common in a sampled group) are rendered once.
  const seen = new Map<string, Promise<Evaluated & { pngBytes?: Uint8Array }>>();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < input.candidates.length) {
      const i = next++;
      if (opts.signal?.aborted) throw new CodedError('cancelled', 'cancelled');
      const text = input.candidates[i]!;
      let pending = seen.get(text);
      if (!pending) { pending = evaluate(text, dataset, input.dataPath, !!reference?.visual, opts); seen.set(text, pending); }
      const shared = await pending;
      const e = { ...shared, evidence: { ...shared.evidence } };
      if (e.evaluation.visual && reference?.visual) {
        const v = visualSimilarity(e.evaluation.visual, reference.visual);
        e.evidence.visualDetail = { ssim: v.ssim, histogram: v.histogram };
      }
      if (e.pngBytes) {
        if (opts.outDir) {
          fs.mkdirSync(opts.outDir, { recursive: true });
          const p = path.join(opts.outDir, `${safeName(input.group)}-${i}.png`);
          fs.writeFileSync(p, e.pngBytes);
          e.evidence.pngPath = p;
        }
        const inline = opts.inlinePng ?? 'auto';
        if (inline === 'always' || (inline === 'auto' && !opts.outDir)) e.evidence.png = Buffer.from(e.pngBytes).toString('base64');
      }
      evaluated[i] = e;
      opts.onCandidate?.(input.group, i, e.evidence);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.renderer.processes, input.candidates.length) }, lane));
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
