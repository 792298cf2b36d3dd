// vega-lite and fast-png are exports-only ES modules whose types do not resolve under moduleResolution "node";
// the renderer declares the few functions it calls (see rendererChild.ts, imageDecode.ts).
declare module 'vega-lite' {
  export function compile(spec: unknown, opts?: { logger?: unknown }): { spec: unknown };
}
declare module 'fast-png' {
  export function decode(data: Uint8Array): unknown;
  export function convertIndexedToRgb(img: unknown): Uint8Array;
}
