/**
 * Denotation equality of two query results.
 * - `resultEq`: test-suite-sql-eval's `result_eq` (taoyds/test-suite-sql-eval exec_eval.py): both empty -> equal;
 *   row and column counts must agree; some column permutation must make the rows equal as a multiset, or as a list
 *   when order matters (the gold SQL contains "order by").
 * - `birdEq`: BIRD's `set(predicted_res) == set(ground_truth_res)` (bird/llm/src/evaluation.py).
 * Values compare as Python compares what sqlite3 returns (1 == 1.0; '1' != 1; None == None).
 */
import type { SqlResultSet, SqlValue } from './types';

export type MatchMode = 'test-suite' | 'bird';

/** test-suite-sql-eval's rule: `order_matters = 'order by' in g_str.lower()` (a literal substring test). */
export function orderMattersFor(goldSql: string): boolean {
  return goldSql.toLowerCase().includes('order by');
}

function valueKey(v: SqlValue): string {
  if (v === null) return 'z';
  if (typeof v === 'number') return 'n' + String(v === 0 ? 0 : v);
  if (typeof v === 'string') return 's' + v;
  return 'b' + v.blob;
}

function rowKey(row: readonly SqlValue[]): string {
  return JSON.stringify(row.map(valueKey));
}

/** Python's repr() of a float (float_repr_style 'short'): shortest round-trip digits, exponent when e < -4 or e >= 16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mant, expS] = Math.abs(x).toExponential().split('e') as [string, string];
  const e = Number(expS);
  const digits = mant.replace('.', '');
  if (e < -4 || e >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  if (e >= 0) return `${sign}${digits.slice(0, e + 1).padEnd(e + 1, '0')}.${digits.slice(e + 1) || '0'}`;
  return `${sign}0.${'0'.repeat(-e - 1)}${digits}`;
}

/** `str(x) + str(type(x))` for the value Python's sqlite3 would return (kind from SqlResultSet.kinds). */
function pySortKey(v: SqlValue, kind: string | undefined): string {
  if (v === null) return "None<class 'NoneType'>";
  if (typeof v === 'string') return `${v}<class 'str'>`;
  if (typeof v === 'number') {
    const isInt = kind === 'i' || (kind === undefined && Number.isInteger(v));
    if (isInt) return `${Number.isSafeInteger(v) ? String(v) : BigInt(v).toString()}<class 'int'>`;
    return `${pyFloatRepr(v)}<class 'float'>`;
  }
  return `b'${v.blob}'<class 'bytes'>`;
}

/** Python's `tuple(sorted(row, key=lambda x: str(x) + str(type(x))))`, as a hashable key. */
function unorderRowKey(row: readonly SqlValue[], kinds: string | undefined): string {
  const items = row.map((v, i) => ({ v, k: pySortKey(v, kinds?.[i]), i }));
  // Python's sort is stable and compares str by code point; JS < on strings compares UTF-16 units (same for BMP).
  items.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i));
  return rowKey(items.map((x) => x.v));
}

function setOf(keys: readonly string[]): Set<string> {
  return new Set(keys);
}

function setsEqual(a: Set<string>, b: Set<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

function multisetEq(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const d = new Map<string, number>();
  for (const k of a) d.set(k, (d.get(k) ?? 0) + 1);
  for (const k of b) {
    const c = (d.get(k) ?? 0) - 1;
    if (c < 0) return false;
    d.set(k, c);
  }
  return true;
}

/**
 * `result_eq(result1=gold, result2=pred, order_matters)`. Where the reference samples 20 random rows to prune
 * column permutations, this prunes with necessary conditions that hold for every row (each predicted column must
 * carry the same multiset of values as the gold column it maps to), so the answer is the same and deterministic.
 */
export function resultEq(gold: SqlResultSet, pred: SqlResultSet, orderMatters: boolean): boolean {
  const r1 = gold.rows;
  const r2 = pred.rows;
  if (r1.length === 0 && r2.length === 0) return true;
  if (r1.length !== r2.length) return false;
  const numCols = r1[0]!.length;
  if (r2[0]!.length !== numCols) return false;

  const s1 = r1.map((row, i) => unorderRowKey(row, gold.kinds?.[i]));
  const s2 = r2.map((row, i) => unorderRowKey(row, pred.kinds?.[i]));
  if (orderMatters) {
    for (let i = 0; i < s1.length; i++) if (s1[i] !== s2[i]) return false;
  } else if (!setsEqual(setOf(s1), setOf(s2))) return false;

  const colSig = (rows: readonly SqlValue[][], c: number) => rows.map((r) => valueKey(r[c]!)).sort().join('\u0000');
  const sig1 = Array.from({ length: numCols }, (_, c) => colSig(r1, c));
  const sig2 = Array.from({ length: numCols }, (_, c) => colSig(r2, c));
  const allowed = sig1.map((s) => sig2.flatMap((t, j) => (t === s ? [j] : [])));
  const keys1 = r1.map(rowKey);
  const set1 = orderMatters ? null : setOf(keys1);

  const perm: number[] = [];
  const used = new Array<boolean>(numCols).fill(false);
  const check = (): boolean => {
    const keys2 = r2.map((row) => rowKey(perm.map((j) => row[j]!)));
    if (orderMatters) return keys1.every((k, i) => k === keys2[i]);
    return setsEqual(set1!, setOf(keys2)) && multisetEq(keys1, keys2);
  };
  const search = (c: number): boolean => {
    if (c === numCols) return check();
    for (const j of allowed[c]!) {
      if (used[j]) continue;
      used[j] = true;
      perm.push(j);
      if (search(c + 1)) return true;
      perm.pop();
      used[j] = false;
    }
    return false;
  };
  return search(0);
}

/** BIRD: rows compared as sets of tuples, column order significant, duplicates and row order ignored. */
export function birdEq(gold: SqlResultSet, pred: SqlResultSet): boolean {
  return setsEqual(setOf(gold.rows.map(rowKey)), setOf(pred.rows.map(rowKey)));
}

export function resultsMatch(mode: MatchMode, gold: SqlResultSet, pred: SqlResultSet, orderMatters: boolean): boolean {
  return mode === 'bird' ? birdEq(gold, pred) : resultEq(gold, pred, orderMatters);
}
