/** What a rendered chart (Vega scenegraph or a traced matplotlib figure) says about itself, in one vocabulary. */

export type TextRole = 'title' | 'axisTitle' | 'axisLabel' | 'legendTitle' | 'legendLabel' | 'other';

/** One subplot / facet / concat cell on a grid, as ChartMimic's layout evaluator reads matplotlib subplot specs. */
export interface LayoutCell {
  nrows: number;
  ncols: number;
  row0: number;
  row1: number;
  col0: number;
  col1: number;
}

/**
 * Chart types in a shared vocabulary: bar, line, point, area, arc, rect, tick, rule, text, boxplot, errorbar,
 * image, geoshape, other. Vega-Lite marks and matplotlib plotting calls both map onto it.
 */
export type ChartType = string;

export interface ChartAttributes {
  /** Which renderer produced them. */
  source: 'vega' | 'matplotlib';
  texts: Record<TextRole, string[]>;
  /** One entry per drawn data-mark instance (per plotting call / per facet cell), ChartMimic's type counts. */
  types: ChartType[];
  /** Number of drawn items (bars, points, line segments...) per type. */
  markCounts: Record<ChartType, number>;
  /** Distinct colours of data marks per type, "type--#rrggbb" (ChartMimic's log format). */
  colors: string[];
  layout: LayoutCell[];
  /** Composition facts: "facet", "concat", "layers:2", "legend", ... */
  layoutFacts: string[];
  /** Distinct data values drawn (numbers rounded to 4 significant digits). */
  numbers: number[];
  width: number;
  height: number;
}

/** An RGBA image, 8 bits per channel, row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

export function emptyTexts(): Record<TextRole, string[]> {
  return { title: [], axisTitle: [], axisLabel: [], legendTitle: [], legendLabel: [], other: [] };
}

export function allTexts(a: ChartAttributes): string[] {
  return Object.values(a.texts).flat();
}

/** Rounds to 4 significant digits so 0.30000000000000004 and 0.3 compare equal across renderers. */
export function roundNumber(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x === 0 ? 0 : x;
  return Number(x.toPrecision(4));
}

export function cellKey(c: LayoutCell): string {
  return `${c.nrows}x${c.ncols}@${c.row0}-${c.row1},${c.col0}-${c.col1}`;
}
