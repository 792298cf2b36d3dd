/**
 * Cases for the oracle tests, built independently of the code under test: GeoQuery gold SQL (../shared/datasets),
 * seeded mutations of it (the kinds of mistakes and rewrites models make), pairs of different gold queries, and
 * queries over a small generated database of awkward values (integers beyond 2^53, int vs real, NULLs, astral and
 * private-use characters, invalid UTF-8 text, blobs).
 */
import * as fs from 'fs';
import initSqlJs from 'sql.js';
import { mulberry32 } from '../../../../src/core/sampling/rng';
import { loadGeo, makePairs, type GeoEntry, type Pair } from './geo';

export type Rng = () => number;
const pick = <T>(rnd: Rng, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

/** One mutation of a query; returns null when the mutation does not apply. */
type Mutation = (sql: string, rnd: Rng) => string | null;

const strip = (sql: string) => sql.trim().replace(/;\s*$/, '').trim();

const MUTATIONS: Record<string, Mutation> = {
  'swap-select-columns': (s) => {
    const m = /^SELECT\s+(DISTINCT\s+)?(.+?)\s+FROM\s/is.exec(s);
    if (!m || /\(/.test(m[2]!)) return null;
    const cols = m[2]!.split(',').map((c) => c.trim());
    if (cols.length < 2) return `SELECT ${m[1] ?? ''}${cols[0]}, ${cols[0]} FROM ${s.slice(m[0].length)}`;
    return `SELECT ${m[1] ?? ''}${[...cols].reverse().join(', ')} FROM ${s.slice(m[0].length)}`;
  },
  'drop-condition': (s) => {
    const i = s.search(/\s+AND\s+/i);
    if (i < 0) return null;
    const rest = s.slice(i).replace(/^\s+AND\s+/i, '');
    const stop = rest.search(/\s+(AND|OR|GROUP|ORDER|LIMIT|HAVING)\s|\)/i);
    return s.slice(0, i) + (stop < 0 ? '' : rest.slice(stop));
  },
  'change-aggregate': (s, rnd) => {
    const aggs = ['MAX', 'MIN', 'COUNT', 'SUM', 'AVG'];
    const m = /\b(MAX|MIN|COUNT|SUM|AVG)\s*\(/i.exec(s);
    if (!m) return null;
    const to = pick(rnd, aggs.filter((a) => a !== m[1]!.toUpperCase()));
    return s.slice(0, m.index) + to + '(' + s.slice(m.index + m[0].length);
  },
  'add-distinct': (s) => (/^SELECT\s+DISTINCT/i.test(s) ? s.replace(/^SELECT\s+DISTINCT\s+/i, 'SELECT ') : s.replace(/^SELECT\s+/i, 'SELECT DISTINCT ')),
  'add-order-by': (s, rnd) => (/order by|limit/i.test(s) ? null : `${s} ORDER BY 1${pick(rnd, ['', ' ASC', ' DESC'])}`),
  'add-limit': (s, rnd) => (/limit/i.test(s) ? null : `${s} LIMIT ${pick(rnd, ['1', '3', '10', '2 OFFSET 1', '1, 2'])}`),
  'is-not-null': (s) => {
    const m = /WHERE\s+([A-Za-z_][\w.]*)/i.exec(s);
    return m ? s.replace(/WHERE\s+/i, `WHERE ${m[1]} IS NOT NULL AND `) : null;
  },
  'ifnull': (s) => {
    const m = /SELECT\s+(DISTINCT\s+)?([A-Za-z_][\w.]*)/i.exec(s);
    return m ? s.replace(m[0], `SELECT ${m[1] ?? ''}IFNULL(${m[2]}, 0)`) : null;
  },
  'not-in': (s) => (/\sIN\s*\(/.test(s) ? s.replace(/\sIN\s*\(/, ' NOT IN (') : null),
  'comment': (s, rnd) => (rnd() < 0.5 ? `-- ${pick(rnd, ['answer', 'the query', 'count rows'])}\n${s}` : s.replace(/\bFROM\b/, '/* source table */ FROM')),
  'lower-case': (s) => s.toLowerCase(),
  'implicit-alias': (s) => s.replace(/\bAS\s+(\w+alias\d+)/g, '$1'),
  'rename-alias': (s) => s.replace(/\b(\w+?)alias(\d+)\b/g, (_: string, t: string, n: string) => `${t.toLowerCase().slice(0, 1)}${n}`),
  'column-alias': (s) => {
    const m = /^SELECT\s+(DISTINCT\s+)?(.+?)\s+FROM\s/is.exec(s);
    if (!m) return null;
    return `SELECT ${m[1] ?? ''}${m[2]} AS answer FROM ${s.slice(m[0].length)}`;
  },
  'single-quotes': (s) => s.replace(/"([^"]*)"/g, "'$1'"),
  'change-value': (s, rnd) => {
    const m = /"([a-z ]+)"/.exec(s);
    return m ? s.split(`"${m[1]}"`).join(`"${pick(rnd, ['texas', 'ohio', 'new york', 'boston', 'mississippi'])}"`) : s.replace(/\b(\d+)\b/, (d) => String(Number(d) + 1));
  },
  'comparison-flip': (s) => (/ > /.test(s) ? s.replace(/ > /, ' >= ') : / = /.test(s) ? s.replace(/ = /, ' <> ') : null),
  'big-integer': (s) => s.replace(/^SELECT\s+/i, 'SELECT 9007199254740993 + 0, '),
  'null-column': (s) => s.replace(/^SELECT\s+/i, 'SELECT NULL, '),
  'unicode-literal': (s, rnd) => s.replace(/^SELECT\s+/i, `SELECT '${pick(rnd, ['café', 'naïve', '東京', '😀', '\uE000x', 'Ω'])}', `),
  'between': (s) => (/ > (\d+)/.test(s) ? s.replace(/ > (\d+)/, (_, d: string) => ` BETWEEN ${d} AND ${Number(d) * 100}`) : null),
  'cast': (s) => s.replace(/\b(MAX|MIN|SUM|AVG)\s*\(([^()]+)\)/i, 'CAST($1($2) AS REAL)'),
  'trailing-semicolon': (s) => `${s};`,
  'second-statement': (s) => `${s}; SELECT 1`,
  'like': (s) => (/ = "([a-z ]+)"/.test(s) ? s.replace(/ = "([a-z ]+)"/, (_, v: string) => ` LIKE '${v.slice(0, 3)}%'`) : null),
  'case-when': (s) => {
    const m = /^SELECT\s+([A-Za-z_][\w.]*)/i.exec(s);
    return m ? s.replace(m[0], `SELECT CASE WHEN ${m[1]} IS NULL THEN 'none' ELSE ${m[1]} END`) : null;
  },
  'group-count': (s) => (/GROUP BY/i.test(s) ? null : null),
  'union': (s) => (/order by|limit/i.test(s) ? null : `${s} UNION ${s}`),
  'subquery': (s) => `SELECT * FROM (${s}) AS sub`,
  'cte': (s) => `WITH q AS (${s}) SELECT * FROM q`,
  'join': (s) => (/FROM (\w+) AS (\w+)\s+WHERE/i.test(s) ? null : null),
};

export const MUTATION_NAMES = Object.keys(MUTATIONS).filter((k) => !['group-count', 'join'].includes(k));

/** Applies 1-2 random mutations; returns the mutated SQL and the names applied. */
export function mutate(sql: string, rnd: Rng): { sql: string; kind: string } {
  let s = strip(sql);
  const kinds: string[] = [];
  const n = rnd() < 0.7 ? 1 : 2;
  for (let k = 0; k < n; k++) {
    for (let tries = 0; tries < 6; tries++) {
      const name = pick(rnd, MUTATION_NAMES);
      const out = MUTATIONS[name]!(s, rnd);
      if (out !== null && out !== s) {
        s = out;
        kinds.push(name);
        break;
      }
    }
  }
  return { sql: s, kind: kinds.join('+') || 'identity' };
}

/** GeoQuery gold-vs-candidate pairs: the hand-made rewrites of geo.ts, seeded mutations and other entries' gold. */
export function geoCases(entries: readonly GeoEntry[] = loadGeo(), perEntry = 6, seed = 1): Pair[] {
  const rnd = mulberry32(seed);
  const out: Pair[] = [...makePairs(entries)];
  entries.forEach((e) => {
    for (let k = 0; k < perEntry; k++) {
      const m = mutate(e.sql, rnd);
      out.push({ kind: m.kind, gold: e.sql, pred: m.sql });
    }
    out.push({ kind: 'other-gold', gold: e.sql, pred: pick(rnd, entries).sql });
  });
  return out;
}

/** A small database of awkward values, written to `file` (the same bytes for both sides of the oracle test). */
export async function writeOddDb(file: string): Promise<void> {
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  db.run('CREATE TABLE odd (id INTEGER PRIMARY KEY, i INTEGER, r REAL, t TEXT, b BLOB, n NUMERIC)');
  const rows = [
    "(1, 9007199254740992, 9007199254740992.0, 'a', X'00', 1)",
    "(2, 9007199254740993, 9007199254740994.0, 'b', X'27', 1.0)",
    "(3, 9223372036854775807, 1e16, 'café', X'22', '1')",
    "(4, -9223372036854775808, 0.1, '😀', X'5c0a', NULL)",
    "(5, 5, 5.0, '\uE000', X'ff', 5.5)",
    "(6, 0, -0.0, '', X'', 0)",
    "(7, NULL, NULL, NULL, NULL, NULL)",
    "(8, 1, 1.5, 'Ω', X'616263', 2)",
    "(9, 1, 1.0, CAST(X'61C362' AS TEXT), X'C362', 3)",
    "(10, 2, 1e-5, CAST(X'ED A080' AS TEXT), X'00ff', 4)",
    "(11, 9007199254740993, 1e300, 'a', X'00', 1)",
    "(12, 5, 5.0, '5', X'35', 5)",
  ].map((r) => r.replace("X'ED A080'", "X'EDA080'"));
  db.run(`INSERT INTO odd VALUES ${rows.join(', ')}`);
  db.run('CREATE TABLE pairs (k INTEGER, v INTEGER, w TEXT)');
  db.run("INSERT INTO pairs VALUES (1, 2, 'x'), (2, 1, 'x'), (1, 2, 'x'), (3, 3, 'y'), (2, 1, 'z'), (NULL, 1, 'x'), (1, NULL, NULL)");
  fs.writeFileSync(file, db.export());
  db.close();
}

/** Queries over the odd database, grouped so that pairs within a group have comparable shapes. */
export const ODD_QUERIES: readonly string[] = [
  'SELECT i FROM odd',
  'SELECT i FROM odd WHERE id < 3',
  'SELECT i + 0 FROM odd WHERE id < 3',
  'SELECT r FROM odd WHERE id < 3',
  'SELECT CAST(i AS REAL) FROM odd WHERE id < 3',
  'SELECT i FROM odd WHERE id IN (2, 11)',
  'SELECT DISTINCT i FROM odd WHERE id IN (2, 11)',
  'SELECT i FROM odd WHERE id = 2',
  'SELECT i + 1 FROM odd WHERE id = 1',
  'SELECT i FROM odd WHERE id = 2 UNION ALL SELECT i FROM odd WHERE id = 11',
  'SELECT i, r FROM odd',
  'SELECT r, i FROM odd',
  'SELECT i, r FROM odd ORDER BY id',
  'SELECT r, i FROM odd ORDER BY id',
  'SELECT i, r FROM odd ORDER BY id DESC',
  'SELECT i, n FROM odd',
  'SELECT n, i FROM odd',
  'SELECT t FROM odd',
  'SELECT t FROM odd ORDER BY t',
  'SELECT t FROM odd ORDER BY id',
  'SELECT DISTINCT t FROM odd',
  'SELECT t, b FROM odd',
  'SELECT b, t FROM odd',
  'SELECT t, id FROM odd WHERE id IN (9, 10)',
  "SELECT 'ab', id FROM odd WHERE id IN (9, 10)",
  "SELECT 'a', id FROM odd WHERE id IN (9, 10)",
  'SELECT b FROM odd',
  'SELECT b FROM odd ORDER BY b',
  'SELECT n FROM odd',
  'SELECT n FROM odd ORDER BY n',
  'SELECT CAST(n AS TEXT) FROM odd',
  'SELECT i, r, t, n FROM odd',
  'SELECT n, t, r, i FROM odd',
  'SELECT t, n, i, r FROM odd',
  'SELECT i, r, t, n FROM odd ORDER BY id',
  'SELECT n, t, r, i FROM odd ORDER BY id',
  'SELECT i, r, t, n, b FROM odd WHERE id > 4',
  'SELECT b, n, t, r, i FROM odd WHERE id > 4',
  'SELECT i, i, r FROM odd',
  'SELECT r, i, i FROM odd',
  'SELECT id, 5 FROM odd WHERE id = 5',
  'SELECT id, 5.0 FROM odd WHERE id = 5',
  "SELECT id, '5' FROM odd WHERE id = 5",
  'SELECT i, r FROM odd WHERE id = 5',
  'SELECT r, i FROM odd WHERE id = 5',
  'SELECT 5, 5.5 FROM odd WHERE id = 5',
  'SELECT 5.0, 5.5 FROM odd WHERE id = 5',
  'SELECT 1, 1.5',
  'SELECT 1.0, 1.5',
  'SELECT 1.5, 1',
  'SELECT k, v FROM pairs',
  'SELECT v, k FROM pairs',
  'SELECT k, v FROM pairs ORDER BY k',
  'SELECT v, k FROM pairs ORDER BY k',
  'SELECT DISTINCT k, v FROM pairs',
  'SELECT k, v, w FROM pairs',
  'SELECT w, v, k FROM pairs',
  'SELECT v, w, k FROM pairs',
  'SELECT k, v FROM pairs WHERE w = \'x\'',
  'SELECT v, k FROM pairs WHERE w = \'x\'',
  'SELECT k, v FROM pairs WHERE k IS NOT NULL',
  'SELECT k, count(*) FROM pairs GROUP BY k',
  'SELECT count(*), k FROM pairs GROUP BY k',
  'SELECT k FROM pairs WHERE 0',
  'SELECT v FROM pairs WHERE 0',
  'SELECT YEAR(CURDATE())',
  'SELECT year ( curdate( ) ) ',
  'SELECT 2020',
  'SELECT 2021',
  'SELECT DISTINCT k FROM pairs',
  'SELECT k FROM pairs',
  'SELECT k FROM pairs WHERE v > = 2',
  'SELECT k FROM pairs WHERE v >= 2',
  'SELECT COUNT(DISTINCT k) FROM pairs',
  'SELECT COUNT(k) FROM pairs',
  'SELECT k FROM pairs; SELECT 1',
  'SELECT nope FROM pairs',
];

/** Every ordered pair of odd queries (gold must run; the oracle reports when it does not). */
export function oddCases(): Pair[] {
  const out: Pair[] = [];
  for (const g of ODD_QUERIES) for (const p of ODD_QUERIES) out.push({ kind: 'odd', gold: g, pred: p });
  return out;
}
