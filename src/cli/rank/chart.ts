/**
 * reward-lens rank --task chart --input FILE.jsonl [--data FILE] [--reference-image FILE] [--reference-spec FILE]
 *                   [--out DIR] [--weights name=w,...] [--timeout MS] [--scale N] [--matplotlib [--python PATH]]
 *                   [--text-variant chartmimic|per-role]
 *
 * Input: one group per line, {"group"?, "candidates": [text, ...], "reference_spec"?: {...}, "reference_image"?: path,
 * "data"?: path}, or one candidate per line {"group"?, "text"} (lines of one group are collected in order).
 * Paths inside the file are relative to the file. Flags give every group a data file / reference that lacks one.
 * Output: {"groups": [...]} on stdout (the shared RankOutput shape); with --out each candidate's PNG is written there
 * and reported as `pngPath`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseWeights } from '../../core/ranking';
import { ChartRenderer } from '../../worker/chart/renderer';
import { rankCharts, type ChartGroupInput } from '../../worker/chart/rankCharts';
import type { MatplotlibOptions } from '../../worker/chart/matplotlib';

const USAGE = 'usage: reward-lens rank --task chart --input FILE.jsonl [--data FILE] [--reference-image FILE] [--reference-spec FILE] [--out DIR] [--weights name=w,...] [--timeout MS] [--scale N] [--matplotlib] [--python PATH] [--text-variant chartmimic|per-role]\n';

interface Flags {
  input?: string;
  data?: string;
  referenceImage?: string;
  referenceSpec?: string;
  out?: string;
  weights?: string;
  timeout?: string;
  scale?: string;
  matplotlib: boolean;
  python?: string;
  textVariant?: string;
}

function parseFlags(args: string[]): Flags {
  const f: Flags = { matplotlib: false };
  const names: Record<string, keyof Flags> = {
    '--input': 'input', '--data': 'data', '--reference-image': 'referenceImage', '--reference-spec': 'referenceSpec',
    '--out': 'out', '--weights': 'weights', '--timeout': 'timeout', '--scale': 'scale', '--python': 'python', '--text-variant': 'textVariant',
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--matplotlib') { f.matplotlib = true; continue; }
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const key = names[flag];
    const value = inline ?? args[++i];
    if (!key || value === undefined) throw new Error(`unknown or incomplete option ${a}`);
    (f as unknown as Record<string, string>)[key] = value;
  }
  return f;
}

function str(o: Record<string, unknown>, ...keys: string[]): string | undefined {
  for (const k of keys) if (typeof o[k] === 'string') return o[k] as string;
  return undefined;
}

/** Reads the JSONL input into groups. */
export function readChartGroups(file: string, flags: Pick<Flags, 'data' | 'referenceImage' | 'referenceSpec'> = {}): ChartGroupInput[] {
  const base = path.dirname(path.resolve(file));
  const rel = (p: string | undefined): string | undefined => (p === undefined ? undefined : path.resolve(base, p));
  const groups = new Map<string, ChartGroupInput>();
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, n) => {
    if (!line.trim()) return;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`${file}:${n + 1}: ${(e as Error).message}`);
    }
    const name = o.group === undefined ? (Array.isArray(o.candidates) ? String(groups.size) : '0') : String(o.group);
    const g = groups.get(name) ?? { group: name, candidates: [] };
    if (Array.isArray(o.candidates)) g.candidates.push(...o.candidates.map(String));
    else {
      const text = str(o, 'text', 'completion', 'candidate');
      if (text === undefined) throw new Error(`${file}:${n + 1}: expected "candidates" (array) or "text"`);
      g.candidates.push(text);
    }
    const spec = o.reference_spec ?? o.referenceSpec;
    if (spec && typeof spec === 'object') g.referenceSpec = spec as Record<string, unknown>;
    const img = rel(str(o, 'reference_image', 'referenceImage', 'referenceImagePath'));
    if (img) g.referenceImagePath = img;
    const data = rel(str(o, 'data', 'dataPath', 'data_path'));
    if (data) g.dataPath = data;
    groups.set(name, g);
  });
  const refSpec = flags.referenceSpec ? (JSON.parse(fs.readFileSync(flags.referenceSpec, 'utf8')) as Record<string, unknown>) : undefined;
  for (const g of groups.values()) {
    if (flags.data && !g.dataPath) g.dataPath = path.resolve(flags.data);
    if (flags.referenceImage && !g.referenceImagePath) g.referenceImagePath = path.resolve(flags.referenceImage);
    if (refSpec && !g.referenceSpec) g.referenceSpec = refSpec;
  }
  return [...groups.values()];
}

export async function rankChartCommand(args: string[]): Promise<number> {
  let flags: Flags;
  try {
    flags = parseFlags(args);
    if (!flags.input) throw new Error('--input is required');
    if (flags.textVariant !== undefined && flags.textVariant !== 'chartmimic' && flags.textVariant !== 'per-role') throw new Error('--text-variant must be chartmimic or per-role');
  } catch (e) {
    process.stderr.write(`reward-lens rank --task chart: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const renderer = new ChartRenderer(flags.timeout ? { timeoutMs: Number(flags.timeout) } : {});
  try {
    const groups = readChartGroups(flags.input, flags);
    const matplotlib: MatplotlibOptions | undefined = flags.matplotlib ? { ...(flags.python ? { python: flags.python } : {}) } : undefined;
    const out = await rankCharts(groups, {
      renderer,
      inlinePng: 'never',
      ...(flags.weights ? { weights: parseWeights(flags.weights) } : {}),
      ...(flags.timeout ? { timeoutMs: Number(flags.timeout) } : {}),
      ...(flags.scale ? { scale: Number(flags.scale) } : {}),
      ...(flags.textVariant === 'per-role' ? { textVariant: 'per-role' as const } : {}),
      ...(flags.out ? { outDir: path.resolve(flags.out) } : {}),
      ...(matplotlib ? { matplotlib } : {}),
    });
    process.stdout.write(JSON.stringify(out) + '\n');
    return 0;
  } catch (e) {
    const err = e as { code?: string; message?: string };
    process.stderr.write(`reward-lens rank --task chart: ${err.code ? `[${err.code}] ` : ''}${err.message ?? String(e)}\n`);
    return 1;
  } finally {
    renderer.dispose();
  }
}
