/** Messages between the chart renderer parent (`renderer.ts`) and its forked child (`rendererChild.ts`). */
import type { ErrorInfo } from '../../core/errors';
import type { ChartAttributes } from '../../core/chart/types';
import type { VisualFeatures } from '../../core/chart/image';

export interface RenderRequest {
  id: number;
  /** A Vega-Lite or Vega spec, already checked for URLs and with the data bound inline. */
  spec: unknown;
  language: 'vega-lite' | 'vega';
  /** Pixel scale of the PNG (1 = the chart's own size). */
  scale: number;
  /** Also send the raw RGBA pixels back (tests; the visual reward uses `features`). */
  rgba?: boolean;
  /** Compute the visual features (default true); false when no reference image will read them. */
  features?: boolean;
  /** Encode the PNG (default true); false when no one will show or write it. */
  png?: boolean;
}

export interface RenderSuccess {
  id: number;
  ok: true;
  /** Absent when the request said `png: false`. */
  png?: Uint8Array;
  /** The picture's features for the visual reward, computed here so that they are computed in parallel; absent
   * when the request said `features: false`. */
  features?: VisualFeatures;
  /** The same picture as raw RGBA, when asked for. */
  rgba?: Uint8Array;
  width: number;
  height: number;
  attributes: ChartAttributes;
  warnings: string[];
  timings: { compileMs: number; runMs: number; svgMs: number; rasterMs: number };
}

export interface RenderFailure {
  id: number;
  ok: false;
  error: ErrorInfo;
  warnings?: string[];
}

export type RenderResponse = RenderSuccess | RenderFailure;
export type ChildToParent = RenderResponse | { ready: true; pid: number } | { fatal: string };
