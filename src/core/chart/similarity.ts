/**
 * ChartMimic-style F1 scores (ChartMimic/ChartMimic `chart2code/utils/evaluator/{text,layout,chart_type,color}_evaluator.py`)
 * and ChartMaster's attribute Jaccard (WentaoTan/ChartMaster, ChartSimRL R_attr), over `ChartAttributes`.
 * Convention: when both sides have nothing of a kind, the score is 1 (nothing to get wrong); when one side is empty, 0.
 */
import { maxAssignment } from './assignment';
import { colorPairSimilarity } from './color';
import { allTexts, cellKey, type ChartAttributes, type TextRole } from './types';
import { jaccard } from '../sets';

export interface Prf {
  precision: number;
  recall: number;
  f1: number;
}

function prf(matched: number, nGen: number, nGold: number): Prf {
  if (nGen === 0 && nGold === 0) return { precision: 1, recall: 1, f1: 1 };
  if (nGen === 0 || nGold === 0) return { precision: 0, recall: 0, f1: 0 };
  const precision = matched / nGen, recall = matched / nGold;
  return { precision, recall, f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0 };
}

/** F1 of two multisets of strings (precision over generated, recall over gold). */
export function multisetF1(gen: readonly string[], gold: readonly string[]): Prf {
  const counts = new Map<string, number>();
  for (const g of gold) counts.set(g, (counts.get(g) ?? 0) + 1);
  let hit = 0;
  for (const g of gen) {
    const c = counts.get(g) ?? 0;
    if (c > 0) { hit++; counts.set(g, c - 1); }
  }
  return prf(hit, gen.length, gold.length);
}

const normText = (s: string): string => s.replace(/\s+/g, ' ').trim();

const TEXT_ROLES_SCORED: TextRole[] = ['title', 'axisTitle', 'legendTitle', 'legendLabel', 'other'];

/**
 * Drawn strings other than axis tick labels: ChartMimic's TextEvaluator runs with `use_axs=False`, which removes the
 * ticks before logging, so titles, axis titles, legends and annotations decide the score (tick labels are data).
 */
export function chartTexts(a: ChartAttributes): string[] {
  return TEXT_ROLES_SCORED.flatMap((r) => a.texts[r]).map(normText).filter(Boolean);
}

/**
 * Text F1, ChartMimic's multiset F1 over drawn strings (tick labels excluded), computed per text role and averaged
 * over the roles present on either side. ChartMimic pools all strings, so a missing chart title costs 1/n of the
 * score; per role it costs a whole role, which matches how much a reader misses it. The pooled F1 is `chartTextF1`.
 */
export function textF1(gen: ChartAttributes, gold: ChartAttributes): Prf {
  const parts: Prf[] = [];
  for (const r of TEXT_ROLES_SCORED) {
    const g = gen.texts[r].map(normText).filter(Boolean), t = gold.texts[r].map(normText).filter(Boolean);
    if (g.length || t.length) parts.push(multisetF1(g, t));
  }
  if (!parts.length) return { precision: 1, recall: 1, f1: 1 };
  const mean = (k: keyof Prf): number => parts.reduce((s, p) => s + p[k], 0) / parts.length;
  return { precision: mean('precision'), recall: mean('recall'), f1: mean('f1') };
}

/** ChartMimic's pooled text F1 (all roles but tick labels in one multiset). */
export function chartTextF1(gen: ChartAttributes, gold: ChartAttributes): Prf {
  return multisetF1(chartTexts(gen), chartTexts(gold));
}

export function typeF1(gen: ChartAttributes, gold: ChartAttributes): Prf {
  return multisetF1(gen.types, gold.types);
}

export function layoutF1(gen: ChartAttributes, gold: ChartAttributes): Prf {
  return multisetF1(gen.layout.map(cellKey), gold.layout.map(cellKey));
}

function splitTyped(entries: readonly string[]): Map<string, string[]> {
  const byType = new Map<string, string[]>();
  for (const e of entries) {
    const i = e.lastIndexOf('--');
    const type = i >= 0 ? e.slice(0, i) : '';
    const color = i >= 0 ? e.slice(i + 2) : e;
    const list = byType.get(type) ?? [];
    list.push(color);
    byType.set(type, list);
  }
  return byType;
}

/**
 * Colour F1: colours are grouped by chart type; inside a group the best one-to-one assignment maximises the summed
 * pair score max(0, 1 - dE76/100) (exact match 1/0 when a side is not a hex colour, e.g. "cmap:viridis").
 * precision = matched / |generated|, recall = matched / |gold|.
 */
export function colorF1(gen: ChartAttributes, gold: ChartAttributes): Prf {
  const g = splitTyped(gen.colors), r = splitTyped(gold.colors);
  let matched = 0;
  for (const [type, gl] of g) {
    const rl = r.get(type);
    if (!rl) continue;
    const sim = gl.map((a) => rl.map((b) => (a.startsWith('#') && b.startsWith('#') ? colorPairSimilarity(a, b) : a === b ? 1 : 0)));
    matched += maxAssignment(sim).total;
  }
  return prf(matched, gen.colors.length, gold.colors.length);
}

/** The four attribute sets ChartMaster compares. */
export function attributeSets(a: ChartAttributes): { colors: string[]; numbers: string[]; texts: string[]; layout: string[] } {
  return {
    colors: a.colors.map((c) => c.slice(c.lastIndexOf('--') + 2)),
    numbers: a.numbers.map((n) => String(n)),
    texts: allTexts(a).map(normText).filter(Boolean),
    layout: [...a.layout.map(cellKey), ...a.layoutFacts, ...a.types.map((t) => `type:${t}`)],
  };
}

/**
 * ChartMaster's R_attr: Jaccard similarity of attribute sets. We take the mean of the per-kind Jaccards (colours,
 * numbers, texts, layout facts incl. chart types) over the kinds present on either side, so that hundreds of data
 * values do not drown a title or a colour. 1 when both charts have no attributes at all.
 */
export function attributeSimilarity(gen: ChartAttributes, gold: ChartAttributes): number {
  const a = attributeSets(gen), b = attributeSets(gold);
  const parts = [jaccard(a.colors, b.colors), jaccard(a.numbers, b.numbers), jaccard(a.texts, b.texts), jaccard(a.layout, b.layout)]
    .filter((x): x is number => x !== null);
  return parts.length ? parts.reduce((s, x) => s + x, 0) / parts.length : 1;
}
