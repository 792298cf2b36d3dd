/**
 * The chart renderer child process: Vega-Lite -> Vega -> SVG -> PNG (resvg-wasm, shipped DejaVu fonts).
 * Runs alone in its own process (forked with a heap cap by `renderer.ts`), so a runaway spec dies without taking
 * the worker or the extension host along. No network and no file access: the parent rejects url/href before
 * sending, this process checks the compiled Vega spec again, and vega's loader refuses every load.
 */
import * as fs from 'fs';
import { assetPath } from '../assets';
import { CodedError } from '../../core/errors';
import { assertNoExternalReferences, type Json } from '../../core/chart/spec';
import { visualFeatures } from '../../core/chart/image';
import { extractAttributes } from './scene';
import { encodeOpaquePng, isOpaque } from './pngEncode';
import { parentProcessTransport, serve } from '../../node/channel';
import type { RenderRequest, RenderSuccess, RendererEvents, RendererMethods } from './protocol';

/** Largest picture we rasterise (pixels), and the largest SVG we hand to resvg. */
const MAX_PIXELS = 4096 * 4096;
const MAX_SVG_CHARS = 64 * 1024 * 1024;

type Vega = typeof import('vega');
/** The part of vega-lite we call (its types do not resolve under moduleResolution "node": exports-only package). */
interface VegaLite {
  compile(spec: unknown, opts?: { logger?: unknown }): { spec: unknown };
}
type ResvgWasm = typeof import('@resvg/resvg-wasm');

interface Libs {
  vega: Vega;
  vl: VegaLite;
  resvg: ResvgWasm;
  fonts: Uint8Array[];
}

async function loadLibs(): Promise<Libs> {
  // vega and vega-lite are ES modules with top-level await: require() fails with ERR_REQUIRE_ASYNC_MODULE.
  const [vega, vl, resvg] = await Promise.all([import('vega'), import('vega-lite') as Promise<VegaLite>, import('@resvg/resvg-wasm')]);
  await resvg.initWasm(fs.readFileSync(assetPath('resvg.wasm', 'node_modules/@resvg/resvg-wasm/index_bg.wasm')));
  const fonts = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => new Uint8Array(fs.readFileSync(assetPath(f, `media/fonts/${f}`))));
  return { vega, vl, resvg, fonts };
}

function collectingLogger(vega: Vega, warnings: string[]): import('vega').LoggerInterface {
  let level = vega.Warn;
  const push = (kind: string) => (...args: readonly unknown[]) => {
    if (warnings.length < 50) warnings.push(`${kind}: ${args.map(String).join(' ')}`.slice(0, 300));
    return logger;
  };
  const logger = {
    level(l?: number) { if (l === undefined) return level; level = l; return logger; },
    error: push('error'),
    warn: push('warn'),
    info: () => logger,
    debug: () => logger,
  } as unknown as import('vega').LoggerInterface;
  return logger;
}

/** A vega loader that refuses everything (data URLs, image hrefs, file reads), recording the attempts. */
function refusingLoader(attempts: string[]): import('vega').Loader {
  const deny = (kind: string) => async (uri: string): Promise<never> => {
    attempts.push(`${kind}:${uri}`);
    throw new CodedError('chart_network', `external access refused (${kind}): ${uri}`);
  };
  return { options: {}, load: deny('load'), sanitize: deny('sanitize'), http: deny('http'), file: deny('file'), fileAccess: false } as unknown as import('vega').Loader;
}

export async function render(libs: Libs, req: RenderRequest): Promise<RenderSuccess> {
  const { vega, vl, resvg } = libs;
  const warnings: string[] = [];
  const logger = collectingLogger(vega, warnings);
  const t0 = performance.now();
  let vgSpec: unknown;
  try {
    vgSpec = req.language === 'vega' ? req.spec : vl.compile(req.spec, { logger }).spec;
  } catch (e) {
    throw new CodedError('chart_parse', `Vega-Lite compile failed: ${(e as Error).message}`);
  }
  assertNoExternalReferences(vgSpec as Json);
  // A declared size already over the limit is refused before the dataflow runs (a 200000-pixel axis alone lays out
  // thousands of ticks); the laid-out bounds, checked below, are never smaller than the declared view.
  const declared = vgSpec as { width?: unknown; height?: unknown };
  if (typeof declared.width === 'number' && typeof declared.height === 'number' && !(declared.width * declared.height * req.scale * req.scale <= MAX_PIXELS)) {
    throw new CodedError('chart_render', `chart is ${Math.round(declared.width * req.scale)}x${Math.round(declared.height * req.scale)} pixels (limit ${MAX_PIXELS})`);
  }
  let runtime: import('vega').Runtime;
  try {
    runtime = vega.parse(vgSpec as import('vega').Spec);
  } catch (e) {
    throw new CodedError('chart_parse', `Vega parse failed: ${(e as Error).message}`);
  }
  const t1 = performance.now();
  const attempts: string[] = [];
  const view = new vega.View(runtime, { renderer: 'none', loader: refusingLoader(attempts), logger, logLevel: vega.Warn });
  try {
    await view.runAsync();
    if (attempts.length) throw new CodedError('chart_network', `external access attempted: ${attempts.slice(0, 3).join(', ')}`);
    const errors = warnings.filter((w) => w.startsWith('error:'));
    if (errors.length) throw new CodedError('chart_render', errors[0]!.slice(7));
    const t2 = performance.now();
    const root = (view.scenegraph() as unknown as { root: unknown }).root as { bounds?: { x1: number; x2: number; y1: number; y2: number } };
    const b = root.bounds;
    const w = b ? (b.x2 - b.x1) * req.scale : 0, h = b ? (b.y2 - b.y1) * req.scale : 0;
    if (!(w * h <= MAX_PIXELS)) throw new CodedError('chart_render', `chart is ${Math.round(w)}x${Math.round(h)} pixels (limit ${MAX_PIXELS})`);
    const svg = await view.toSVG(req.scale);
    if (svg.length > MAX_SVG_CHARS) throw new CodedError('chart_render', `SVG is ${svg.length} characters (limit ${MAX_SVG_CHARS})`);
    const t3 = performance.now();
    const r = new resvg.Resvg(svg, {
      background: 'white',
      font: { fontBuffers: libs.fonts, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans', serifFamily: 'DejaVu Sans', monospaceFamily: 'DejaVu Sans' },
    });
    const img = r.render();
    // Only what someone reads: the PNG for the panel or --out, the features when a reference image is compared.
    const width = img.width, height = img.height;
    const needPixels = req.png !== false || req.features !== false || req.rgba;
    const pixels = needPixels ? img.pixels : undefined;
    // resvg paints the white background first, so the picture is opaque and Node's zlib encodes it (pngEncode.ts);
    // resvg's own encoder (which un-premultiplies alpha) stays for anything else.
    const png = req.png === false ? undefined : isOpaque(pixels!) ? encodeOpaquePng(pixels!, width, height) : img.asPng();
    const features = req.features !== false ? visualFeatures({ width, height, data: pixels! }) : undefined;
    const rgba = req.rgba ? new Uint8Array(pixels!) : undefined;
    img.free();
    r.free();
    const t4 = performance.now();
    const attributes = extractAttributes((view.scenegraph() as unknown as { root: never }).root, vgSpec, { width, height });
    return {
      ok: true, ...(png ? { png } : {}), ...(features ? { features } : {}), ...(rgba ? { rgba } : {}), width, height, attributes, warnings,
      timings: { compileMs: t1 - t0, runMs: t2 - t1, svgMs: t3 - t2, rasterMs: t4 - t3 },
    };
  } finally {
    view.finalize();
  }
}

async function main(): Promise<void> {
  let libs: Libs | undefined;
  const served = serve<RendererMethods, RendererEvents>(parentProcessTransport(), {
    render: async (params) => {
      if (!libs) throw new CodedError('not_available', 'chart renderer is still starting');
      if (!isRenderRequest(params)) throw new CodedError('bad_request', 'render: params must be {spec, language: "vega-lite" | "vega", scale: number}');
      return render(libs, params);
    },
  }, { fallbackCode: 'chart_render', log: (level, message) => process.stderr.write(`chart renderer ${level}: ${message}\n`) });
  try {
    libs = await loadLibs();
  } catch (e) {
    served.emit('fatal', { message: `renderer failed to load: ${(e as Error).message}` });
    setTimeout(() => process.exit(1), 100);
    return;
  }
  // Warm up compile, dataflow, SVG and raster paths (JIT, font parsing) before saying ready, so that the first
  // candidate after a (re)start is not the one that pays for it and times out on a loaded machine.
  try {
    await render(libs, {
      language: 'vega-lite', scale: 1,
      spec: { title: 'warm-up', data: { values: [{ a: 'A', b: 1 }, { a: 'B', b: 2 }] }, mark: 'bar', encoding: { x: { field: 'a', type: 'nominal' }, y: { field: 'b', type: 'quantitative' }, color: { field: 'a' } } },
    });
  } catch {
    /* a failed warm-up only costs time later */
  }
  process.on('disconnect', () => process.exit(0));
  served.emit('ready', { pid: process.pid });
}

function isRenderRequest(x: unknown): x is RenderRequest {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Partial<RenderRequest>;
  const flag = (v: unknown): boolean => v === undefined || typeof v === 'boolean';
  return (r.language === 'vega-lite' || r.language === 'vega') && typeof r.scale === 'number' && r.scale > 0 && 'spec' in r
    && flag(r.rgba) && flag(r.features) && flag(r.png);
}

if (process.send) void main();
