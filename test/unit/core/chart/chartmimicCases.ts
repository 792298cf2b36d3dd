/**
 * Generated cases for the ChartMimic reward oracle tests, our answer to each, and the comparison with the reference's.
 * The same cases go to ChartMimic's own code (chartmimic_oracle.py, ../shared/oracles) and, for a small golden subset
 * with stored answers, to test/fixtures/chart/chartmimic-golden.json.
 */
import { chartMimicRgb, colorPairSimilarity, deltaE2000, hexToRgb, rgbToLabColormath } from '../../../../src/core/chart/color';
import { colorF1, filterColors, layoutF1, textF1, typeF1, type Prf } from '../../../../src/core/chart/similarity';
import { emptyTexts, type ChartAttributes, type LayoutCell, type TextRole } from '../../../../src/core/chart/types';
import { mulberry32, type Rng } from '../../../../src/core/sampling/rng';
import { barAttributes } from './fixtures';

export interface PyLayout { nrows: number; ncols: number; row_start: number; row_end: number; col_start: number; col_end: number }

export type Case =
  | { kind: 'pair'; a: string; b: string }
  | { kind: 'filter'; colors: string[] }
  | { kind: 'color'; gen: string[]; gold: string[] }
  /** Texts by role; the oracle gets every role but the tick labels (`axisLabel`), pooled, as ChartMimic logs them. */
  | { kind: 'text'; gen: Partial<Record<TextRole, string[]>>; gold: Partial<Record<TextRole, string[]>> }
  | { kind: 'type'; gen: Array<[string, number]>; gold: Array<[string, number]> }
  | { kind: 'layout'; gen: PyLayout[]; gold: PyLayout[] };

export type Answer = Record<string, unknown>;

/** The reward each kind of case checks (the agreement table groups by it). */
export const REWARD_OF: Record<Case['kind'], string> = {
  pair: 'color (CIEDE2000 pair score)', filter: 'color (merge of > 10 colours)', color: 'color (F1)',
  text: 'text (F1)', type: 'type (F1)', layout: 'layout (F1)',
};

const hex2 = (n: number): string => Math.max(0, Math.min(255, Math.round(n))).toString(16).padStart(2, '0');
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
  '#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac', '#000000', '#ffffff'];
const TYPES = ['bar', 'line', 'point', 'area'];
const WORDS = ['Revenue', 'revenue', 'Revenue ', 'Quarter', 'Q1', 'Q2', 'North', 'South', 'Über', 'Sales (M$)', 'region', '2024', 'a  b', 'a b'];
const ROLES: TextRole[] = ['title', 'axisTitle', 'axisLabel', 'legendTitle', 'legendLabel', 'other'];

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[Math.floor(rng() * xs.length)]!;
}

function randomHex(rng: Rng): string {
  const r = rng();
  if (r < 0.3) return pick(rng, PALETTE);
  if (r < 0.4) { const g = hex2(rng() * 256); return `#${g}${g}${g}`; } // greys: zero chroma
  return `#${hex2(rng() * 256)}${hex2(rng() * 256)}${hex2(rng() * 256)}`;
}

function near(rng: Rng, hex: string, spread: number): string {
  const [r, g, b] = hexToRgb(hex);
  const j = (): number => (rng() - 0.5) * 2 * spread;
  return `#${hex2(r + j())}${hex2(g + j())}${hex2(b + j())}`;
}

function pairCase(rng: Rng): Case {
  const a = randomHex(rng);
  const r = rng();
  let b: string;
  if (r < 0.05) b = a;
  else if (r < 0.45) b = near(rng, a, 4 + rng() * 40);
  else if (r < 0.55) { const [x, y, z] = hexToRgb(a); b = `#${hex2(255 - x)}${hex2(255 - y)}${hex2(255 - z)}`; } // opposite hues
  else b = randomHex(rng);
  if (rng() < 0.02) return { kind: 'pair', a: pick(rng, ['cmap:viridis', 'cmap:magma']), b: rng() < 0.5 ? b : pick(rng, ['cmap:viridis', 'cmap:magma']) };
  return { kind: 'pair', a, b };
}

/** A chart's logged colours: distinct "type--colour" entries, at most `perType` per chart type. */
function colorList(rng: Rng, n: number, perType: number, base: readonly string[]): string[] {
  const out = new Set<string>();
  const counts = new Map<string, number>();
  for (let tries = 0; out.size < n && tries < n * 20; tries++) {
    const type = pick(rng, TYPES);
    if ((counts.get(type) ?? 0) >= perType) continue;
    const r = rng();
    const c = r < 0.5 && base.length ? near(rng, pick(rng, base), rng() * 30) : r < 0.97 ? randomHex(rng) : 'cmap:viridis';
    const e = `${type}--${c}`;
    if (out.has(e)) continue;
    out.add(e);
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return [...out];
}

function textSide(rng: Rng): Partial<Record<TextRole, string[]>> {
  const n = rng() < 0.1 ? 0 : Math.floor(rng() * 9);
  const out: Partial<Record<TextRole, string[]>> = {};
  for (let i = 0; i < n; i++) (out[pick(rng, ROLES)] ??= []).push(pick(rng, WORDS));
  return out;
}

function typeSide(rng: Rng): Array<[string, number]> {
  if (rng() < 0.1) return [];
  const names = [...TYPES, 'pie', 'hist'].filter(() => rng() < 0.4);
  return names.map((t) => [t, 1 + Math.floor(rng() * 3)]);
}

function layoutSide(rng: Rng): PyLayout[] {
  if (rng() < 0.1) return [];
  const [nrows, ncols] = pick(rng, [[1, 1], [1, 2], [2, 1], [2, 2], [2, 3]] as const);
  const n = 1 + Math.floor(rng() * nrows * ncols);
  return Array.from({ length: n }, () => {
    const r0 = Math.floor(rng() * nrows), c0 = Math.floor(rng() * ncols);
    const r1 = rng() < 0.2 ? nrows - 1 : r0, c1 = rng() < 0.2 ? ncols - 1 : c0;
    return { nrows, ncols, row_start: r0, row_end: r1, col_start: c0, col_end: c1 };
  });
}

/**
 * "#" colours ChartMimic's hex_to_rgb reads other than as CSS would (found by a differential fuzz): five digits, a
 * doubled "#", signs, spaces, other scripts' digits, upper case, an alpha suffix.
 */
const ODD_HEX = ['#ff000', '##ff0000', '#-f-f-f', '# f f f', '#\u0663\u06630000', '#FF0000', '#ff0000aa', '#12345', '#+7+7+7'];

/** `n` cases of each kind (pairs 4n, plus ODD_HEX against generated colours), reproducible from `seed`. */
export function generateCases(seed: number, n: number): Case[] {
  const rng = mulberry32(seed);
  const cases: Case[] = [];
  for (let i = 0; i < 4 * n; i++) cases.push(pairCase(rng));
  for (const a of ODD_HEX) for (let i = 0; i < 3; i++) cases.push({ kind: 'pair', a, b: i === 0 ? '#ff0000' : randomHex(rng) });
  for (let i = 0; i < n; i++) cases.push({ kind: 'filter', colors: colorList(rng, 11 + Math.floor(rng() * 10), 6, PALETTE) });
  for (let i = 0; i < n; i++) {
    const gold = colorList(rng, rng() < 0.05 ? 0 : 1 + Math.floor(rng() * 16), 6, []);
    const gen = colorList(rng, rng() < 0.05 ? 0 : 1 + Math.floor(rng() * 16), 6, gold.map((e) => e.split('--')[1]!).filter((c) => c.startsWith('#')));
    cases.push({ kind: 'color', gen, gold });
  }
  for (let i = 0; i < n; i++) cases.push({ kind: 'text', gen: textSide(rng), gold: textSide(rng) });
  for (let i = 0; i < n; i++) {
    const gold = typeSide(rng);
    cases.push({ kind: 'type', gen: rng() < 0.2 ? gold.map(([t, c]) => [t, c]) : typeSide(rng), gold });
  }
  for (let i = 0; i < n; i++) {
    const gold = layoutSide(rng);
    cases.push({ kind: 'layout', gen: rng() < 0.2 ? gold.map((x) => ({ ...x })) : layoutSide(rng), gold });
  }
  return cases;
}

/** What ChartMimic's TextEvaluator is given for one side: every drawn string but the tick labels. */
export function oracleTexts(side: Partial<Record<TextRole, string[]>>): string[] {
  return ROLES.filter((r) => r !== 'axisLabel').flatMap((r) => side[r] ?? []);
}

/** The case as the Python oracle reads it. */
export function toOracle(c: Case): Record<string, unknown> {
  if (c.kind === 'text') return { kind: 'text', gen: oracleTexts(c.gen), gold: oracleTexts(c.gold) };
  return c as unknown as Record<string, unknown>;
}

const attrs = (over: Partial<ChartAttributes>): ChartAttributes => barAttributes(over);
const cell = (x: PyLayout): LayoutCell => ({ nrows: x.nrows, ncols: x.ncols, row0: x.row_start, row1: x.row_end, col0: x.col_start, col1: x.col_end });
const prfOf = (p: Prf): Answer => ({ precision: p.precision, recall: p.recall, f1: p.f1 });

/** Our answer, through the same functions the rewards use. */
export function ours(c: Case): Answer {
  switch (c.kind) {
    case 'pair': {
      const ra = chartMimicRgb(c.a), rb = chartMimicRgb(c.b);
      const de = ra && rb ? deltaE2000(rgbToLabColormath(ra), rgbToLabColormath(rb)) : null;
      return { sim: colorPairSimilarity(c.a, c.b), ...(de === null ? {} : { de }) };
    }
    case 'filter':
      return { kept: filterColors(c.colors) };
    case 'color':
      return prfOf(colorF1(attrs({ colors: c.gen }), attrs({ colors: c.gold })));
    case 'text':
      return prfOf(textF1(attrs({ texts: { ...emptyTexts(), ...c.gen } }), attrs({ texts: { ...emptyTexts(), ...c.gold } })));
    case 'type': {
      const expand = (d: Array<[string, number]>): string[] => d.flatMap(([t, k]) => Array<string>(k).fill(t));
      return prfOf(typeF1(attrs({ types: expand(c.gen) }), attrs({ types: expand(c.gold) })));
    }
    case 'layout':
      return prfOf(layoutF1(attrs({ layout: c.gen.map(cell) }), attrs({ layout: c.gold.map(cell) })));
  }
}

/** null when our answer agrees with the reference's (CIEDE2000 to 1e-6, F1s to 1e-9, lists exactly), else why not. */
export function disagreement(c: Case, mine: Answer, ref: Answer): string | null {
  if ('error' in ref) return `oracle error: ${String(ref.error)}`;
  const num = (k: string, tol: number): string | null => {
    const a = mine[k], b = ref[k];
    if (typeof a !== 'number' || typeof b !== 'number' || !(Math.abs(a - b) <= tol)) return `${k}: ours ${String(a)}, reference ${String(b)}`;
    return null;
  };
  switch (c.kind) {
    case 'pair':
      return num('sim', 1e-6) ?? (c.a.startsWith('#') && c.b.startsWith('#') ? num('de', 1e-6) : null);
    case 'filter':
      return JSON.stringify(mine.kept) === JSON.stringify(ref.kept) ? null : `kept: ours ${JSON.stringify(mine.kept)}, reference ${JSON.stringify(ref.kept)}`;
    default:
      return num('precision', 1e-9) ?? num('recall', 1e-9) ?? num('f1', 1e-9);
  }
}
