/**
 * Reads a chart's attributes from a rendered Vega scenegraph (`view.scenegraph().root`): mark types and counts, texts
 * by role, data-mark colours, the facet/concat grid, layers and the data values drawn.
 * Chart types come from the Vega-Lite mark `style` that the compiler writes on each Vega mark (bar, point, tick...),
 * falling back to the Vega mark type, and use the vocabulary shared with the matplotlib tracer.
 */
import { normalizeColor } from '../../core/chart/color';
import { emptyTexts, roundNumber, type ChartAttributes, type LayoutCell, type TextRole } from '../../core/chart/types';

/** The few scenegraph fields we read (vega's scenegraph objects are plain JS objects). */
interface SceneMark {
  marktype?: string;
  role?: string;
  name?: string;
  items?: SceneItem[];
}
interface SceneItem {
  x?: number;
  y?: number;
  text?: unknown;
  fill?: unknown;
  stroke?: unknown;
  datum?: Record<string, unknown>;
  items?: SceneMark[];
}

const TEXT_ROLES: Record<string, TextRole> = {
  'title-text': 'title',
  'title-subtitle': 'title',
  'axis-title': 'axisTitle',
  'axis-label': 'axisLabel',
  'legend-title': 'legendTitle',
  'legend-label': 'legendLabel',
};

const STYLE_TYPES: Record<string, string> = {
  bar: 'bar', line: 'line', trail: 'line', point: 'point', circle: 'point', square: 'point', area: 'area', arc: 'arc',
  rect: 'rect', tick: 'tick', rule: 'rule', text: 'text', geoshape: 'geoshape', image: 'image',
};
const MARKTYPE_TYPES: Record<string, string> = {
  rect: 'bar', symbol: 'point', line: 'line', trail: 'line', area: 'area', arc: 'arc', rule: 'rule', text: 'text',
  shape: 'geoshape', path: 'geoshape', image: 'image',
};
const COMPOSITE = /^(boxplot|errorbar|errorband)/;
const STROKED = new Set(['line', 'rule', 'trail']);
const MAX_NUMBERS = 5000;

/** Mark name -> Vega-Lite style, read from the compiled Vega spec. */
export function markStyles(vgSpec: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const stack: unknown[] = [vgSpec];
  while (stack.length) {
    const node = stack.pop();
    if (!node || typeof node !== 'object') continue;
    const m = node as { name?: unknown; style?: unknown; marks?: unknown };
    if (typeof m.name === 'string' && m.style !== undefined) {
      const s = Array.isArray(m.style) ? m.style[0] : m.style;
      if (typeof s === 'string') out.set(m.name, s);
    }
    if (Array.isArray(m.marks)) stack.push(...m.marks);
  }
  return out;
}

function chartType(mark: SceneMark, styles: Map<string, string>): string {
  const style = mark.name ? styles.get(mark.name) : undefined;
  if (style) {
    const c = COMPOSITE.exec(style);
    if (c) return c[1] === 'boxplot' ? 'boxplot' : 'errorbar';
    if (STYLE_TYPES[style]) return STYLE_TYPES[style]!;
  }
  return MARKTYPE_TYPES[mark.marktype ?? ''] ?? 'other';
}

function itemColor(mark: SceneMark, item: SceneItem): string | null {
  const fill = normalizeColor(item.fill), stroke = normalizeColor(item.stroke);
  if (STROKED.has(mark.marktype ?? '')) return stroke ?? fill;
  return fill ?? stroke;
}

export function extractAttributes(root: SceneMark, vgSpec: unknown, size: { width: number; height: number }): ChartAttributes {
  const styles = markStyles(vgSpec);
  const texts = emptyTexts();
  const types: string[] = [];
  const markCounts: Record<string, number> = {};
  const colors = new Set<string>();
  const numbers = new Set<number>();
  let legends = 0;
  const seenComposite = new Set<string>();
  // A composite mark (boxplot = rules + rects + ticks) counts once per cell, like one plotting call.
  const visit = (mark: SceneMark, cell: string): void => {
    const role = mark.role ?? '';
    if (role === 'legend') legends += mark.items?.length ?? 0;
    const items = mark.items ?? [];
    if (role === 'mark') {
      const type = chartType(mark, styles);
      markCounts[type] = (markCounts[type] ?? 0) + items.length;
      if (type === 'boxplot' || type === 'errorbar') {
        if (!seenComposite.has(`${cell}|${type}`)) { types.push(type); seenComposite.add(`${cell}|${type}`); }
      } else if (items.length) types.push(type);
      for (const it of items) {
        const c = itemColor(mark, it);
        if (c) colors.add(`${type}--${c}`);
        if (it.datum && numbers.size < MAX_NUMBERS) {
          for (const [k, v] of Object.entries(it.datum)) {
            if (typeof v === 'number' && Number.isFinite(v) && !/_(start|end)$|^__/.test(k)) numbers.add(roundNumber(v));
          }
        }
      }
    }
    if (mark.marktype === 'text') {
      const r = TEXT_ROLES[role] ?? 'other';
      for (const it of items) {
        if (it.text === undefined || it.text === null) continue;
        // A multi-line text (an array) is drawn line by line, and logged so, as matplotlib draws and ChartMimic logs.
        for (const line of Array.isArray(it.text) ? it.text.map(String) : [String(it.text)]) if (line !== '') texts[r].push(line);
      }
    }
    items.forEach((it, i) => {
      const childCell = role === 'scope' && (mark.name === 'cell' || /concat_\d+_group$/.test(mark.name ?? '')) ? `${mark.name}#${i}` : cell;
      for (const child of it.items ?? []) visit(child, childCell);
    });
  };
  visit(root, 'root');
  const { layout, facts } = gridOf(root);
  const layers = new Set([...styles.keys()].map((n) => /^layer_(\d+)_/.exec(n)?.[1]).filter((x) => x !== undefined));
  if (layers.size > 1) facts.push(`layers:${layers.size}`);
  if (legends) facts.push(`legends:${legends}`);
  return {
    source: 'vega', texts, types, markCounts, colors: [...colors], layout, layoutFacts: facts,
    numbers: [...numbers].sort((a, b) => a - b), width: size.width, height: size.height,
  };
}

/** The facet / concat grid: cells are the items of the top-level `cell` or `concat_i_group` scopes. */
function gridOf(root: SceneMark): { layout: LayoutCell[]; facts: string[] } {
  const frame = root.items?.[0];
  const cells: Array<{ x: number; y: number }> = [];
  const facts: string[] = [];
  for (const m of frame?.items ?? []) {
    if (m.role !== 'scope') continue;
    if (m.name === 'cell') { facts.push('facet'); for (const it of m.items ?? []) cells.push({ x: it.x ?? 0, y: it.y ?? 0 }); }
    else if (/^concat_\d+_group$/.test(m.name ?? '')) { if (!facts.includes('concat')) facts.push('concat'); for (const it of m.items ?? []) cells.push({ x: it.x ?? 0, y: it.y ?? 0 }); }
  }
  if (!cells.length) return { layout: [{ nrows: 1, ncols: 1, row0: 0, row1: 0, col0: 0, col1: 0 }], facts };
  const xs = [...new Set(cells.map((c) => Math.round(c.x)))].sort((a, b) => a - b);
  const ys = [...new Set(cells.map((c) => Math.round(c.y)))].sort((a, b) => a - b);
  const layout = cells.map((c) => {
    const col = xs.indexOf(Math.round(c.x)), row = ys.indexOf(Math.round(c.y));
    return { nrows: ys.length, ncols: xs.length, row0: row, row1: row, col0: col, col1: col };
  });
  return { layout, facts };
}
