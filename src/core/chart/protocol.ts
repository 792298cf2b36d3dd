/** Params, results and progress of the chart worker methods (`chart.rank`, `chart.render`), shared with the panel. */
import type { ErrorInfo } from '../errors';
import type { GroupOutput, RankOutput } from '../ranking/types';
import type { ChartAttributes } from './types';

export interface ChartGroupParams {
  group: string;
  /** Model outputs: Vega-Lite/Vega JSON (fenced or bare), or ```python matplotlib code when matplotlib is enabled. */
  candidates: string[];
  /** A Vega-Lite (or Vega) spec to reproduce. */
  referenceSpec?: Record<string, unknown>;
  /** Absolute path of a PNG/JPEG reference image in the workspace. */
  referenceImagePath?: string;
  /** Absolute path of the data file (.csv, .tsv, .json) the charts plot; bound inline, never fetched by a spec. */
  dataPath?: string;
}

export interface ChartRankParams {
  groups: ChartGroupParams[];
  /** Weight overrides by reward name, laid over the group's defaults as given (see `ChartGroupOutput.weights`). */
  weights?: Record<string, number>;
  /** `per-role`: our per-role text F1 instead of ChartMimic's pooled exact-match one (the default, `chartmimic`). */
  textVariant?: 'chartmimic' | 'per-role';
  /** Per-candidate render timeout, ms (default 10000). */
  timeoutMs?: number;
  /** PNG pixel scale of Vega renders (default 1). */
  scale?: number;
  /** Enables matplotlib candidates (trusted workspaces only). */
  matplotlib?: {
    python?: string;
    timeoutMs?: number;
    memMb?: number;
    /** Folders the candidates must not read (the workspace folders); the user's home folder is hidden anyway. */
    hide?: string[];
  } | null;
  /** Write PNGs here and report `pngPath`; otherwise candidates carry base64 `png`. */
  outDir?: string;
}

/** Evidence fields each chart candidate carries next to the shared `CandidateOutput` fields. */
export interface ChartEvidence {
  language: 'vega-lite' | 'vega' | 'matplotlib' | null;
  /** base64 PNG */
  png?: string;
  pngPath?: string;
  width?: number;
  height?: number;
  attributes?: ChartAttributes;
  /** Components of `visual` against the reference image. */
  visualDetail?: { ssim: number; histogram: number };
  /** Encoded fields not found in the data (why `fields_valid` < 1). */
  fieldsMissing?: string[];
  warnings?: string[];
  /** Wall time from candidate text to scored evidence, ms. */
  renderMs: number;
  /** Vega stages inside the renderer child, ms. */
  stages?: { compileMs: number; runMs: number; svgMs: number; rasterMs: number };
}

/** Streamed once per candidate as soon as it is rendered, before the group is ranked. */
export interface ChartCandidateProgress {
  group: string;
  index: number;
  evidence: ChartEvidence;
}

export interface ChartGroupOutput extends GroupOutput {
  /**
   * The weights the group was ranked with (the applicable defaults scaled to sum 1, overlaid with the caller's; see
   * `chartWeights`). Each total is the weighted sum of the rewards with exactly these weights, 0 when `executes` is 0.
   */
  weights: Record<string, number>;
}

export interface ChartRankResult extends RankOutput {
  groups: ChartGroupOutput[];
}

export interface ChartRenderParams {
  /** A candidate's text or a spec object. */
  spec: string | Record<string, unknown>;
  dataPath?: string;
  scale?: number;
  timeoutMs?: number;
}

export type ChartRenderResult =
  | { ok: true; png: string; width: number; height: number; attributes: ChartAttributes; warnings: string[] }
  | { ok: false; error: ErrorInfo };
