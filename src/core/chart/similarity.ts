/**
 * ChartMimic's F1 scores (ChartMimic/ChartMimic `chart2code/utils/evaluator/{text,chart_type,layout,color}_evaluator.py`
 * at c9e149c, with `color_utils.py`) and ChartMaster's attribute Jaccard (WentaoTan/ChartMaster, ChartSimRL R_attr),
 * over `ChartAttributes`. As in ChartMimic, a side with nothing of a kind scores 0, also when both sides are empty.
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

/** precision = matched / |generated|, recall = matched / |gold|, F1 their harmonic mean; 0 when either side is empty. */
function prf(matched: number, nGen: number, nGold: number): Prf {
  if (nGen === 0 || nGold === 0) return { precision: 0, recall: 0, f1: 0 };
  const precision = matched / nGen, recall = matched / nGold;
  return { precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall) };
}

/** F1 of two multisets of strings (each gold item matches one equal generated item), as ChartMimic counts them. */
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
 * The strings ChartMimic's TextEvaluator logs: every drawn string (one per drawn line) except axis tick labels (it
 * runs with `use_axs=False`, which removes the ticks before drawing), pooled over the whole chart, as drawn. Empty
 * strings are not drawn.
 */
export function chartTexts(a: ChartAttributes): string[] {
  return TEXT_ROLES_SCORED.flatMap((r) => a.texts[r]).filter((t) => t !== '');
}

/** Text F1 as ChartMimic computes it (`use_position=False`): exact-match multiset F1 over `chartTexts`. */
export function textF1(gen: ChartAttributes, gold: ChartAttributes): Prf {
  return multisetF1(chartTexts(gen), chartTexts(gold));
}

/**
 * The `per-role` text variant (opt-in, not ChartMimic's): multiset F1 per text role (whitespace collapsed), averaged
 * over the roles present on either side, so a missing chart title costs a whole role instead of 1/n of the strings.
 */
export function textF1ByRole(gen: ChartAttributes, gold: ChartAttributes): Prf {
  const parts: Prf[] = [];
  for (const r of TEXT_ROLES_SCORED) {
    const g = gen.texts[r].map(normText).filter(Boolean), t = gold.texts[r].map(normText).filter(Boolean);
    if (g.length || t.length) parts.push(multisetF1(g, t));
  }
  if (!parts.length) return { precision: 0, recall: 0, f1: 0 };
  const mean = (k: keyof Prf): number => parts.reduce((s, p) => s + p[k], 0) / parts.length;
  return { precision: mean('precision'), recall: mean('recall'), f1: mean('f1') };
}

/** Chart-type F1 over per-call type counts (ChartTypeEvaluator: matched = sum of min(count, gold count)). */
export function typeF1(gen: ChartAttributes, gold: ChartAttributes): Prf {
  return multisetF1(gen.types, gold.types);
}

/** Layout F1 over subplot grid cells (LayoutEvaluator: exact equality of nrows, ncols, row and column spans). */
export function layoutF1(gen: ChartAttributes, gold: ChartAttributes): Prf {
  return multisetF1(gen.layout.map(cellKey), gold.layout.map(cellKey));
}

/** The two fields of a logged colour "type--colour", as Python's `s.split("--")[0]` and `[1]` read them. */
function typedColor(entry: string): [string, string] {
  const parts = entry.split('--');
  return [parts[0]!, parts[1] ?? ''];
}

/**
 * ChartMimic's merge of similar colours (`filter_color`), applied to a chart's logged colours when more than 10 are
 * drawn: in order, keep a colour unless its pair score with a colour already kept (of any chart type) exceeds 0.7.
 */
export function filterColors(entries: readonly string[]): string[] {
  const kept: string[] = [];
  const keptColors: string[] = [];
  for (const e of entries) {
    const c = typedColor(e)[1];
    if (kept.length && keptColors.some((k) => colorPairSimilarity(c, k) > 0.7)) continue;
    kept.push(e);
    keptColors.push(c);
  }
  return kept;
}

/** A chart's colours as ChartMimic's colour evaluator sees them: merged when more than 10. */
export function chartMimicColors(entries: readonly string[]): string[] {
  return entries.length > 10 ? filterColors(entries) : [...entries];
}

/**
 * Colour F1 (ColorEvaluator): colours grouped by chart type; per type the best one-to-one assignment of generated to
 * gold colours maximises the summed pair score (ChartMimic searches all permutations; the Hungarian algorithm finds
 * the same maximum); the per-type maxima summed over the union of types give precision = sum / |generated| and
 * recall = sum / |gold|. Each side is first merged by `chartMimicColors`.
 */
export function colorF1(gen: ChartAttributes, gold: ChartAttributes): Prf {
  return colorListF1(chartMimicColors(gen.colors), chartMimicColors(gold.colors));
}

/** Colour F1 of two logged colour lists ("type--colour"), without the merge step. */
export function colorListF1(gen: readonly string[], gold: readonly string[]): Prf {
  if (!gen.length || !gold.length) return prf(0, gen.length, gold.length);
  const group = (list: readonly string[]): Map<string, string[]> => {
    const m = new Map<string, string[]>();
    for (const e of list) {
      const [t, c] = typedColor(e);
      const l = m.get(t);
      if (l) l.push(c); else m.set(t, [c]);
    }
    return m;
  };
  const g = group(gen), r = group(gold);
  let matched = 0;
  for (const [type, gl] of g) {
    const rl = r.get(type);
    if (!rl) continue;
    matched += maxAssignment(gl.map((a) => rl.map((b) => colorPairSimilarity(a, b)))).total;
  }
  return prf(matched, gen.length, gold.length);
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
