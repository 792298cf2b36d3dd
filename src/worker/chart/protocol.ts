/** The protocol between the chart renderer parent (`renderer.ts`) and its forked child (`rendererChild.ts`), on the one channel (src/node/channel.ts). */
import type { EventGuards } from '../../core/protocol/channel';
import { isObjectLike } from '../../core/guards';
import type { ChartAttributes } from '../../core/chart/types';
import type { VisualFeatures } from '../../core/chart/image';

export interface RenderRequest {
  /** A Vega-Lite or Vega spec, already checked for URLs and with the data bound inline. */
  spec: unknown;
  language: 'vega-lite' | 'vega';
  /** Pixel scale of the PNG (1 = the chart's own size). */
  scale: number;
  /** Also send the raw RGBA pixels back (tests; the visual reward uses `features`). */
  rgba?: boolean;
}

export interface RenderSuccess {
  ok: true;
  png: Uint8Array;
  /** The picture's features for the visual reward, computed here so that they are computed in parallel. */
  features: VisualFeatures;
  /** The same picture as raw RGBA, when asked for. */
  rgba?: Uint8Array;
  width: number;
  height: number;
  attributes: ChartAttributes;
  warnings: string[];
  timings: { compileMs: number; runMs: number; svgMs: number; rasterMs: number };
}

/** A failed render is the call's error (`{code, message}`), e.g. chart_parse, chart_network, chart_render. */
export interface RendererMethods {
  render: { params: RenderRequest; result: RenderSuccess; progress: never };
}

export interface RendererEvents {
  ready: { pid: number };
  /** The child could not load vega or the wasm rasteriser; it exits next. */
  fatal: { message: string };
}

export const rendererEventGuards: EventGuards<RendererEvents> = {
  ready: (x): x is RendererEvents['ready'] => isObjectLike(x) && typeof x.pid === 'number',
  fatal: (x): x is RendererEvents['fatal'] => isObjectLike(x) && typeof x.message === 'string',
};
