/**
 * Chart rewards, each in [0, 1] (null = does not apply to this group):
 *   executes      1 when the candidate parses, compiles and renders; the gate (0 makes the total 0, ChartSimRL).
 *   attributes    ChartMaster R_attr: mean per-kind Jaccard of colours, numbers, texts, layout facts (spec reference).
 *   text, type, layout, color   ChartMimic's F1s against the reference chart (spec reference), as its evaluators
 *                 compute them (see similarity.ts); `text: 'per-role'` selects our per-role text variant instead.
 *   visual        0.5 * SSIM + 0.5 * colour-histogram intersection against the reference image (see image.ts).
 *   fields_valid  share of encoded fields that exist in the data (reference-free, Vega-Lite only).
 *   consensus     mean attribute similarity to the other candidates that rendered (reference-free; Con-RAG PS-GRPO).
 */
import type { ChartAttributes } from './types';
import { attributeSimilarity, colorF1, layoutF1, textF1, textF1ByRole, typeF1 } from './similarity';
import { visualSimilarity, type VisualFeatures } from './image';

export const CHART_REWARD_NAMES = ['executes', 'attributes', 'text', 'type', 'layout', 'color', 'visual', 'fields_valid', 'consensus'] as const;
export type ChartRewardName = (typeof CHART_REWARD_NAMES)[number];
export type ChartRewards = Record<ChartRewardName, number | null>;

/** `executes` is the gate, not a weighted term. */
export const CHART_GATE: string[] = ['executes'];

/**
 * Default weights. With a reference the reference decides and consensus is off; without one, consensus and
 * fields_valid are all there is. Weights are renormalised over the rewards that apply (see `applicableWeights`), so a
 * group's totals lie in [0, 1] and an exact reproduction of the reference scores 1.
 */
export const DEFAULT_CHART_WEIGHTS: Record<ChartRewardName, number> = {
  executes: 0,
  attributes: 1,
  text: 1,
  type: 1,
  layout: 0.5,
  color: 1,
  visual: 2,
  fields_valid: 0.5,
  consensus: 0,
};
export const DEFAULT_CHART_WEIGHTS_REFERENCE_FREE: Record<ChartRewardName, number> = {
  executes: 0,
  attributes: 0,
  text: 0,
  type: 0,
  layout: 0,
  color: 0,
  visual: 0,
  fields_valid: 1,
  consensus: 1,
};

export interface ChartReference {
  /** Attributes of a rendered reference spec (absent for an image reference). */
  attributes?: ChartAttributes;
  /** Visual features of the reference image (or of the rendered reference spec). */
  visual?: VisualFeatures;
}

export interface CandidateEvaluation {
  executed: boolean;
  attributes?: ChartAttributes;
  visual?: VisualFeatures;
  /** From `fieldsValid` (null: not checked, e.g. matplotlib or raw Vega). */
  fieldsValid?: number | null;
}

/** Named variants of the reference rewards (the default of each is the reference implementation's behaviour). */
export interface ChartRewardOptions {
  /** `chartmimic` (default): pooled exact-match text F1; `per-role`: mean of per-role F1s (`textF1ByRole`). */
  text?: 'chartmimic' | 'per-role';
}

const r6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** Rewards for one group of candidates of one prompt. */
export function chartGroupRewards(cands: readonly CandidateEvaluation[], reference: ChartReference | null, options: ChartRewardOptions = {}): ChartRewards[] {
  const text = options.text === 'per-role' ? textF1ByRole : textF1;
  const refA = reference?.attributes, refV = reference?.visual;
  return cands.map((c, i) => {
    const out: ChartRewards = {
      executes: c.executed ? 1 : 0,
      attributes: null, text: null, type: null, layout: null, color: null, visual: null,
      fields_valid: null, consensus: null,
    };
    if (refA) for (const k of ['attributes', 'text', 'type', 'layout', 'color'] as const) out[k] = 0;
    if (refV) out.visual = 0;
    if (!c.executed) return out;
    if (refA && c.attributes) {
      out.attributes = r6(attributeSimilarity(c.attributes, refA));
      out.text = text(c.attributes, refA).f1; // the reference's value, unrounded
      out.type = typeF1(c.attributes, refA).f1;
      out.layout = layoutF1(c.attributes, refA).f1;
      out.color = colorF1(c.attributes, refA).f1;
    }
    if (refV && c.visual) out.visual = r6(visualSimilarity(c.visual, refV).visual);
    out.fields_valid = c.fieldsValid === undefined || c.fieldsValid === null ? null : r6(c.fieldsValid);
    const others = cands.filter((o, j) => j !== i && o.executed && o.attributes);
    if (c.attributes && others.length) {
      out.consensus = r6(others.reduce((s, o) => s + attributeSimilarity(c.attributes!, o.attributes!), 0) / others.length);
    }
    return out;
  });
}

/** The defaults for this kind of reference, overlaid with the user's weights (user wins). */
export function defaultChartWeights(hasReference: boolean, user?: Record<string, number>): Record<string, number> {
  return { ...(hasReference ? DEFAULT_CHART_WEIGHTS : DEFAULT_CHART_WEIGHTS_REFERENCE_FREE), ...(user ?? {}) };
}

/**
 * The weights a chart group is ranked with, and reports (as SQL and patch ranking report theirs): the defaults for
 * this kind of reference, restricted to the rewards that apply to the group (non-null for some candidate) and scaled
 * to sum 1 so that default totals lie in [0, 1] and an exact reproduction scores 1; a reward that applies but weighs 0
 * by default is listed with 0. The caller's weights are then laid over them as given (not rescaled): the total is
 * the plain weighted sum with exactly these weights (and the `executes` gate), so the panel's re-ranking with the
 * reported weights reproduces it, and sending the reported weights back (Regenerate) gives the same scale.
 */
export function chartWeights(rewards: readonly Record<string, number | null>[], hasReference: boolean, user?: Record<string, number>): Record<string, number> {
  const defaults = hasReference ? DEFAULT_CHART_WEIGHTS : DEFAULT_CHART_WEIGHTS_REFERENCE_FREE;
  const applies = (k: string): boolean => rewards.some((r) => r[k] !== null && r[k] !== undefined);
  const names = CHART_REWARD_NAMES.filter(applies);
  const out: Record<string, number> = Object.create(null) as Record<string, number>;
  const weighted = names.filter((k) => defaults[k] !== 0);
  const sum = weighted.reduce((s, k) => s + Math.abs(defaults[k]), 0);
  let acc = 0;
  for (const k of names) {
    if (defaults[k] === 0 || !sum) { out[k] = 0; continue; }
    // The last weighted reward takes what is left of 1, so that all rewards at 1 sum to exactly 1 in floating point.
    const w = k === weighted[weighted.length - 1] ? 1 - acc : defaults[k] / sum;
    out[k] = w;
    acc += w;
  }
  if (user) for (const [k, w] of Object.entries(user)) if (Number.isFinite(w)) out[k] = w;
  return { ...out };
}
