/**
 * Candidate text -> chart spec, and the static checks done before anything renders: size and nesting limits,
 * no `url`/`href` anywhere (no network, no file access), the workspace data file bound inline, and
 * `fields_valid` (every encoded field exists in the data).
 */
import { CodedError } from '../errors';
import type { Row } from './csv';
import { isJsonObject } from '../guards';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export const MAX_SPEC_CHARS = 1_000_000;
export const MAX_SPEC_DEPTH = 64;

export type ChartLanguage = 'vega-lite' | 'vega' | 'matplotlib';

export interface ParsedCandidate {
  language: ChartLanguage;
  /** The spec for vega / vega-lite; null for matplotlib. */
  spec: JsonObject | null;
  /** Python source for matplotlib. */
  code: string | null;
}

const FENCE = /```[ \t]*([\w-]*)[^\n]*\n([\s\S]*?)```/g;

const isObject = isJsonObject as (x: unknown) => x is JsonObject;

/** A spec that JSON.parse refused; `body` is the JSON text extracted from the answer, for a positioned message. */
export class InvalidSpecJson extends CodedError {
  constructor(message: string, readonly body: string) {
    super('chart_parse', message);
  }
}

/**
 * Extracts the chart from a model's answer: the first fenced block (```json, ```vega-lite, ```python ...) or the
 * whole text. `allowPython` admits matplotlib code (opt-in, trusted workspaces only).
 */
export function parseCandidate(text: string, allowPython = false): ParsedCandidate {
  if (text.length > MAX_SPEC_CHARS) throw new CodedError('chart_parse', `candidate is ${text.length} characters (limit ${MAX_SPEC_CHARS})`);
  let body = text.trim(), lang = '';
  for (const m of text.matchAll(FENCE)) {
    body = m[2]!.trim();
    lang = m[1]!.toLowerCase();
    break;
  }
  const looksPython = lang === 'python' || lang === 'py' || (!body.startsWith('{') && /\bimport\s+matplotlib|\bplt\./.test(body));
  if (looksPython) {
    if (!allowPython) throw new CodedError('chart_parse', 'matplotlib code is not enabled (rewardLens.chart.matplotlib)');
    return { language: 'matplotlib', spec: null, code: body };
  }
  if (!body.startsWith('{')) {
    const a = body.indexOf('{'), b = body.lastIndexOf('}');
    if (a < 0 || b < a) throw new CodedError('chart_parse', 'no JSON object found in the candidate');
    body = body.slice(a, b + 1);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    throw new InvalidSpecJson(`invalid JSON: ${(e as Error).message.replace(/, ".*" is not valid JSON$/s, '')}`, body);
  }
  if (!isObject(parsed)) throw new CodedError('chart_parse', 'the spec is not a JSON object');
  checkDepth(parsed);
  return { language: isVegaSpec(parsed) ? 'vega' : 'vega-lite', spec: parsed, code: null };
}

export function isVegaSpec(spec: JsonObject): boolean {
  const schema = typeof spec.$schema === 'string' ? spec.$schema : '';
  if (/\/vega\/v\d/.test(schema)) return true;
  if (/\/vega-lite\//.test(schema)) return false;
  return Array.isArray(spec.marks) && spec.mark === undefined && spec.layer === undefined;
}

/**
 * Iterative walk (no recursion: a hostile spec must not overflow the stack). `skip(key)` true: visit the entry but
 * do not descend into it.
 */
function walk(root: Json, visit: (key: string, value: Json, parent: JsonObject | Json[], depth: number, path: string) => void, skip?: (key: string) => boolean): void {
  const stack: Array<[Json, number, string]> = [[root, 0, '$']];
  while (stack.length) {
    const [node, depth, path] = stack.pop()!;
    if (Array.isArray(node)) {
      node.forEach((v, i) => { visit(String(i), v, node, depth + 1, `${path}[${i}]`); stack.push([v, depth + 1, `${path}[${i}]`]); });
    } else if (isObject(node)) {
      for (const [k, v] of Object.entries(node)) {
        visit(k, v, node, depth + 1, `${path}.${k}`);
        if (!skip?.(k)) stack.push([v, depth + 1, `${path}.${k}`]);
      }
    }
  }
}

export function checkDepth(spec: Json): void {
  let max = 0;
  const stack: Array<[Json, number]> = [[spec, 0]];
  while (stack.length) {
    const [node, d] = stack.pop()!;
    if (d > max) max = d;
    if (max > MAX_SPEC_DEPTH) throw new CodedError('chart_parse', `spec nested deeper than ${MAX_SPEC_DEPTH} levels`);
    if (Array.isArray(node)) for (const v of node) stack.push([v, d + 1]);
    else if (isObject(node)) for (const v of Object.values(node)) stack.push([v, d + 1]);
  }
}

/** Every `url`/`href` in the spec (data URLs, image marks, links), as JSON paths. Any of them rejects the candidate. */
export function findExternalReferences(spec: Json): string[] {
  const found: string[] = [];
  walk(spec, (key, value, parent, _d, path) => {
    if (!Array.isArray(parent) && (key === 'url' || key === 'href') && value !== null) found.push(`${path}=${JSON.stringify(value).slice(0, 80)}`);
  }, (key) => key === 'values' || key === 'datasets'); // inline rows are data: a column named "url" fetches nothing by itself

  return found;
}

export function assertNoExternalReferences(spec: Json): void {
  const refs = findExternalReferences(spec);
  if (refs.length) throw new CodedError('chart_network', `the spec references external resources (no network or file access): ${refs.slice(0, 3).join(', ')}`);
}

export interface Dataset {
  /** File name of the workspace data file (e.g. "sales.csv"); a candidate's `data.url` naming it is bound inline. */
  name: string;
  values: Row[];
}

const COMPOSITE_KEYS = ['layer', 'concat', 'hconcat', 'vconcat'] as const;

function baseName(p: string): string {
  const s = p.split(/[?#]/)[0]!;
  return s.slice(s.replace(/\\/g, '/').lastIndexOf('/') + 1).toLowerCase();
}

/**
 * Binds the user's data file into a Vega-Lite spec (returns a copy): a `data` naming the file (`{url: ".../name"}`)
 * or a named source (`{name: ...}`) becomes `{values}`; a top-level spec with no data gets the values.
 * Other URLs stay and are rejected by `assertNoExternalReferences`.
 */
export function bindDataset(spec: JsonObject, dataset: Dataset | undefined): JsonObject {
  const copy = JSON.parse(JSON.stringify(spec)) as JsonObject;
  if (!dataset) return copy;
  const want = baseName(dataset.name);
  const values = dataset.values as unknown as Json;
  const bindOne = (data: Json): Json => {
    if (!isObject(data)) return data;
    // Only a relative or bare file name is bound; anything with a scheme (https:, file:, //host) stays and is rejected.
    if (typeof data.url === 'string' && !/^([a-z][\w+.-]*:|\/\/)/i.test(data.url.trim()) && baseName(data.url) === want) {
      const format = isObject(data.format) ? data.format : undefined;
      const out: JsonObject = { values };
      if (format && isObject(format.parse)) out.format = { parse: format.parse };
      return out;
    }
    if (typeof data.name === 'string' && data.values === undefined && data.url === undefined) return { values };
    return data;
  };
  const stack: JsonObject[] = [copy];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.data !== undefined) node.data = bindOne(node.data);
    for (const k of COMPOSITE_KEYS) {
      const arr = node[k];
      if (Array.isArray(arr)) for (const s of arr) if (isObject(s)) stack.push(s);
    }
    if (isObject(node.spec)) stack.push(node.spec);
  }
  if (copy.data === undefined && !isVegaSpec(copy)) copy.data = { values };
  return copy;
}

const TRANSFORM_DEFAULT_OUTPUTS: Record<string, string[]> = {
  fold: ['key', 'value'],
  density: ['value', 'density'],
  quantile: ['prob', 'value'],
  sequence: ['data'],
  stack: [],
};

/**
 * Reference-free `fields_valid`: the share of encoded fields (in every `encoding`, incl. conditions, sorts and
 * repeat lists) that exist as a data column or are produced by a transform (`as`). 1 when nothing is encoded.
 * A `pivot` or `lookup` makes field names data-dependent: those specs are not penalised.
 */
export function fieldsValid(spec: JsonObject): { score: number; missing: string[]; checked: number } {
  const available = new Set<string>();
  let lenient = false;
  const used: string[] = [];
  walk(spec, (key, value, parent) => {
    if (Array.isArray(parent)) return;
    if (key === 'values' && Array.isArray(value)) {
      for (const row of value.slice(0, 1000)) if (isObject(row)) for (const k of Object.keys(row)) available.add(k);
    }
    if (key === 'sequence' && isObject(value)) available.add(typeof value.as === 'string' ? value.as : 'data');
    if (key === 'as') {
      for (const v of Array.isArray(value) ? value : [value]) if (typeof v === 'string') available.add(v);
    }
    if (key === 'pivot' || key === 'lookup' || key === 'flatten') lenient = true;
    if (key in TRANSFORM_DEFAULT_OUTPUTS && isObject(parent) && !isObject(value) && key !== 'stack') {
      if (parent.as === undefined) for (const f of TRANSFORM_DEFAULT_OUTPUTS[key]!) available.add(f);
    }
    if (key === 'encoding' && isObject(value)) collectEncodingFields(value, used);
    if (key === 'repeat') {
      const lists = Array.isArray(value) ? [value] : isObject(value) ? Object.values(value) : [];
      for (const l of lists) if (Array.isArray(l)) for (const f of l) if (typeof f === 'string') used.push(f);
    }
  });
  if (lenient || used.length === 0) return { score: 1, missing: [], checked: used.length };
  const missing = used.filter((f) => !available.has(rootField(f)) && !available.has(f));
  return { score: (used.length - missing.length) / used.length, missing: [...new Set(missing)], checked: used.length };
}

function rootField(f: string): string {
  // "a.b" is nested access unless the dot is escaped ("a\\.b").
  const m = /^((?:\\.|[^.\\[])+)/.exec(f);
  return (m ? m[1]! : f).replace(/\\(.)/g, '$1');
}

function collectEncodingFields(encoding: JsonObject, out: string[]): void {
  const stack: Json[] = Object.values(encoding);
  while (stack.length) {
    const def = stack.pop()!;
    if (Array.isArray(def)) { stack.push(...def); continue; }
    if (!isObject(def)) continue;
    if (typeof def.field === 'string' && def.field !== '*') out.push(def.field);
    if (def.condition !== undefined) stack.push(def.condition);
    if (isObject(def.sort) && typeof def.sort.field === 'string') out.push(def.sort.field);
  }
}
