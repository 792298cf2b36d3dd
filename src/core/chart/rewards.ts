/**
 * Chart rewards, each in [0, 1] (null = does not apply to this group):
 *   executes      1 when the candidate parses, compiles and renders; the gate (0 makes the total 0, ChartSimRL).
 *   attributes    ChartMaster R_attr: mean per-kind Jaccard of colours, numbers, texts, layout facts (spec reference).
 *   text, type, layout, color   ChartMimic F1s against the reference chart (spec reference).
 *   visual        0.5 * SSIM + 0.5 * colour-histogram intersection against the reference image (see image.ts).
 *   fields_valid  share of encoded fields that exist in the data (reference-free, Vega-Lite only).
 *   consensus     mean attribute similarity to the other candidates that rendered (reference-free; Con-RAG PS-GRPO).
 */
import type { ChartAttributes } from './types';
import { attributeSimilarity, colorF1, layoutF1, textF1, typeF1 } from './similarity';
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

const r6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** Rewards for one group of candidates of one prompt. */
export function chartGroupRewards(cands: readonly CandidateEvaluation[], reference: ChartReference | null): ChartRewards[] {
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
      out.text = r6(textF1(c.attributes, refA).f1);
      out.type = r6(typeF1(c.attributes, refA).f1);
      out.layout = r6(layoutF1(c.attributes, refA).f1);
      out.color = r6(colorF1(c.attributes, refA).f1);
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
 * Keeps the weights of rewards that apply to this group (non-null for some candidate) and scales them to sum 1,
 * so totals are comparable across groups with and without a reference.
 */
export function applicableWeights(weights: Record<string, number>, rewards: readonly Record<string, number | null>[]): Record<string, number> {
  const applies = (k: string): boolean => rewards.some((r) => Object.prototype.hasOwnProperty.call(r, k) && r[k] !== null && r[k] !== undefined);
  const kept = Object.entries(weights).filter(([k, w]) => w !== 0 && applies(k));
  const sum = kept.reduce((s, [, w]) => s + Math.abs(w), 0);
  return Object.fromEntries(kept.map(([k, w]) => [k, sum ? w / sum : 0]));
}
