/** GeoQuery (../shared/datasets/geography) for tests and benchmarks: gold SQL with its first sentence's variables. */
import * as fs from 'fs';
import * as path from 'path';

export const GEO_DIR = path.resolve(__dirname, '../../../..', '..', 'shared', 'datasets', 'geography');
export const GEO_DB = path.join(GEO_DIR, 'geography.sqlite');

export interface GeoEntry {
  sql: string;
  question: string;
}

export function geoAvailable(): boolean {
  return fs.existsSync(GEO_DB) && fs.existsSync(path.join(GEO_DIR, 'geography.json'));
}

function substitute(text: string, vars: Record<string, string>): string {
  let out = text;
  // Longest names first so that state_name1 is not clobbered by a shorter name.
  for (const k of Object.keys(vars).sort((a, b) => b.length - a.length)) out = out.split(k).join(vars[k]!);
  return out;
}

export function loadGeo(): GeoEntry[] {
  const raw = JSON.parse(fs.readFileSync(path.join(GEO_DIR, 'geography.json'), 'utf8')) as Array<{ sql: string[]; sentences: Array<{ text: string; variables: Record<string, string> }> }>;
  return raw.map((e) => {
    const s = e.sentences[0]!;
    return { sql: substitute(e.sql[0]!, s.variables), question: substitute(s.text, s.variables) };
  });
}

export interface Pair {
  gold: string;
  pred: string;
  kind: string;
}

const OTHER: Record<string, string> = { arizona: 'texas', texas: 'ohio', mississippi: 'colorado', colorado: 'ohio', 'new york': 'boston' };
const strip = (sql: string) => sql.trim().replace(/;\s*$/, '').trim();

/**
 * Gold-vs-variant pairs: equivalent rewrites (aliases renamed, lower case, ORDER BY added to an unordered query,
 * columns reordered, int vs real constants), and changes that usually alter the denotation (ORDER BY reversed under
 * an ordered gold, wrong filter value, MAX<->MIN, duplicated rows, DISTINCT, LIMIT 1, an extra column).
 */
export function makePairs(entries: readonly GeoEntry[]): Pair[] {
  const pairs: Pair[] = [];
  entries.forEach((e, i) => {
    const g = strip(e.sql);
    const sub = `SELECT * FROM (${g})`;
    const variants: Pair[] = [
      { kind: 'alias-renamed', gold: e.sql, pred: g.replace(/\b(\w+?)alias(\d+)\b/g, (_, t: string, n: string) => `${t.toLowerCase().slice(0, 2)}_${n}`) },
      { kind: 'lower-case', gold: e.sql, pred: g.toLowerCase() },
      { kind: 'columns-reordered', gold: `SELECT *, 1 AS one FROM (${g})`, pred: `SELECT 1 AS one, * FROM (${g})` },
      { kind: 'int-vs-real', gold: `SELECT *, 2 FROM (${g})`, pred: `SELECT *, 2.0 FROM (${g})` },
      { kind: 'order-reversed', gold: `${sub} ORDER BY 1 ASC`, pred: `${sub} ORDER BY 1 DESC` },
      { kind: 'duplicated', gold: e.sql, pred: `${sub} UNION ALL ${sub}` },
      { kind: 'distinct', gold: e.sql, pred: `SELECT DISTINCT * FROM (${g})` },
      { kind: 'limit-1', gold: e.sql, pred: `${sub} LIMIT 1` },
      { kind: 'extra-column', gold: e.sql, pred: `SELECT *, 0 FROM (${g})` },
    ];
    if (!/order by/i.test(g)) variants.push({ kind: 'order-by-added', gold: e.sql, pred: `${sub} ORDER BY 1 DESC` });
    const agg = g.replace(/\bMAX\s*\(/, 'MIN(');
    if (agg !== g) variants.push({ kind: 'wrong-aggregate', gold: e.sql, pred: agg });
    else if (/\bCOUNT\s*\(/i.test(g)) variants.push({ kind: 'wrong-aggregate', gold: e.sql, pred: g.replace(/\bCOUNT\s*\(/i, 'SUM(') });
    const value = Object.keys(OTHER).find((v) => g.includes(`"${v}"`));
    if (value) variants.push({ kind: 'wrong-filter', gold: e.sql, pred: g.split(`"${value}"`).join(`"${OTHER[value]}"`) });
    // Every entry contributes one of the two plain rewrites plus a rotating pair of the rest (about 740 pairs).
    pairs.push(variants[i % 2]!);
    for (let k = 0; k < 2; k++) pairs.push(variants[2 + ((i * 2 + k) % (variants.length - 2))]!);
  });
  return pairs;
}
