/**
 * Denotation equality of two query results.
 * - `resultEq`: test-suite-sql-eval's `result_eq` (taoyds/test-suite-sql-eval exec_eval.py): both empty -> equal;
 *   row and column counts must agree; `quick_rej` (rows with their values sorted by `str(x) + str(type(x))` must be
 *   equal as a set, or as a list when order matters); then some column permutation must make the rows equal as a
 *   multiset, or as a list when order matters (the gold SQL contains "order by").
 * - `birdEq`: BIRD's `set(predicted_res) == set(ground_truth_res)` (bird/llm/src/evaluation.py).
 * Values compare as Python compares what sqlite3 returns (1 == 1.0; '1' != 1; None == None; ints exactly).
 *
 * The reference enumerates column permutations (pruned by 20 sampled rows); that is factorial when many columns
 * carry the same values. This search returns the same answer with conditions that every permutation the reference
 * accepts must satisfy: each predicted column carries the same multiset of values as the gold column it maps to;
 * predicted columns equal value for value are interchangeable (tried once); under ORDER BY the mapping is a matching
 * of equal column vectors (no search); otherwise a partial mapping must already give equal multisets of projected
 * rows. What remains is bounded by a work budget whose exhaustion is a `limit_exceeded` verdict, never a hang.
 */
import { CodedError } from '../errors';
import { isBigInt, type SqlResultSet, type SqlValue } from './types';

export type MatchMode = 'test-suite' | 'bird';

/** test-suite-sql-eval's rule: `order_matters = 'order by' in g_str.lower()` (a literal substring test). */
export function orderMattersFor(goldSql: string): boolean {
  return goldSql.toLowerCase().includes('order by');
}

/** Work (row visits of the column-permutation search) allowed per group before the verdict is `limit_exceeded`. */
export const DEFAULT_COMPARE_BUDGET = 20_000_000;
export const COMPARE_BUDGET_NAME = 'rewardLens.sql.compareBudget / --compare-budget';

export interface CompareBudget {
  readonly limit: number;
  left: number;
}

export function compareBudget(limit = DEFAULT_COMPARE_BUDGET): CompareBudget {
  return { limit, left: limit };
}

function spend(budget: CompareBudget, work: number): void {
  budget.left -= work;
  if (budget.left < 0) {
    throw new CodedError(
      'limit_exceeded',
      `comparing results needed more than ${budget.limit} row visits of the column-permutation search (the limit is set by ${COMPARE_BUDGET_NAME})`,
    );
  }
}

/** Exact decimal text of an integer-valued double (Python compares int and float exactly). */
function intText(v: number): string {
  return Number.isSafeInteger(v) ? String(v) : BigInt(v).toString();
}

/**
 * A self-delimiting key with Python's equality: equal keys iff equal values (so keys concatenate unambiguously).
 * Integer-valued floats share their int's key (1 == 1.0), -0.0 == 0.
 */
function valueKey(v: SqlValue): string {
  if (v === null) return 'z;';
  if (typeof v === 'number') return Number.isInteger(v) ? `n${intText(v)};` : `n${String(v)};`;
  if (typeof v === 'string') return `s${v.length}:${v}`;
  if (isBigInt(v)) return `n${v.int};`;
  return `b${v.blob};`;
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

/** Python's repr() of bytes (given as hex): b'..' with \t \n \r \\ \xNN escapes; "..." when it holds ' and no ". */
export function pyBytesRepr(hex: string): string {
  const bytes: number[] = [];
  for (let i = 0; i + 1 < hex.length; i += 2) bytes.push(parseInt(hex.slice(i, i + 2), 16));
  const quote = bytes.includes(0x27) && !bytes.includes(0x22) ? '"' : "'";
  let s = 'b' + quote;
  for (const b of bytes) {
    if (b === 0x5c) s += '\\\\';
    else if (b === 0x09) s += '\\t';
    else if (b === 0x0a) s += '\\n';
    else if (b === 0x0d) s += '\\r';
    else if (b === quote.charCodeAt(0)) s += '\\' + quote;
    else if (b < 0x20 || b >= 0x7f) s += '\\x' + b.toString(16).padStart(2, '0');
    else s += String.fromCharCode(b);
  }
  return s + quote;
}

/** `str(x) + str(type(x))` for the value Python's sqlite3 would return (kind from SqlResultSet.kinds). */
function pySortKey(v: SqlValue, kind: string | undefined): string {
  if (v === null) return "None<class 'NoneType'>";
  if (typeof v === 'string') return `${v}<class 'str'>`;
  if (typeof v === 'number') {
    const isInt = kind === 'i' || (kind === undefined && Number.isInteger(v));
    if (isInt) return `${intText(v)}<class 'int'>`;
    return `${pyFloatRepr(v)}<class 'float'>`;
  }
  if (isBigInt(v)) return `${v.int}<class 'int'>`;
  return `${pyBytesRepr(v.blob)}<class 'bytes'>`;
}

/** Python compares str by code point; JS `<` compares UTF-16 units (they differ for astral vs U+E000..U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** Keys computed once per result (consensus compares every pair of a group). */
interface Prepared {
  n: number;
  cols: number;
  /** valueKey per cell, row-major. */
  cell: string[];
  rowKeys?: string[];
  unordered?: string[];
  colVec?: string[];
  colSig?: string[];
}

const prepared = new WeakMap<SqlResultSet, Prepared>();

function prep(r: SqlResultSet): Prepared {
  let p = prepared.get(r);
  if (!p) {
    const n = r.rows.length;
    const cols = n > 0 ? r.rows[0]!.length : 0;
    const cell = new Array<string>(n * cols);
    for (let i = 0; i < n; i++) {
      const row = r.rows[i]!;
      for (let c = 0; c < cols; c++) cell[i * cols + c] = valueKey(row[c] ?? null);
    }
    p = { n, cols, cell };
    prepared.set(r, p);
  }
  return p;
}

function rowKeys(r: SqlResultSet): string[] {
  const p = prep(r);
  if (!p.rowKeys) {
    p.rowKeys = new Array<string>(p.n);
    for (let i = 0; i < p.n; i++) p.rowKeys[i] = p.cell.slice(i * p.cols, (i + 1) * p.cols).join('');
  }
  return p.rowKeys;
}

/** Python's `tuple(sorted(row, key=lambda x: str(x) + str(type(x))))` per row, as keys (stable sort, code points). */
function unorderedKeys(r: SqlResultSet): string[] {
  const p = prep(r);
  if (!p.unordered) {
    p.unordered = new Array<string>(p.n);
    for (let i = 0; i < p.n; i++) {
      const row = r.rows[i]!;
      const kinds = r.kinds?.[i];
      const items = row.map((v, c) => ({ k: pySortKey(v, kinds?.[c]), c }));
      items.sort((a, b) => compareCodePoints(a.k, b.k) || a.c - b.c);
      let key = '';
      for (const it of items) key += p.cell[i * p.cols + it.c]!;
      p.unordered[i] = key;
    }
  }
  return p.unordered;
}

/** Column c's values in row order (ORDER BY) and as a sorted multiset. */
function columnVectors(r: SqlResultSet): string[] {
  const p = prep(r);
  if (!p.colVec) {
    p.colVec = [];
    for (let c = 0; c < p.cols; c++) {
      let s = '';
      for (let i = 0; i < p.n; i++) s += p.cell[i * p.cols + c]!;
      p.colVec.push(s);
    }
  }
  return p.colVec;
}

function columnSignatures(r: SqlResultSet): string[] {
  const p = prep(r);
  if (!p.colSig) {
    p.colSig = [];
    for (let c = 0; c < p.cols; c++) {
      const col = new Array<string>(p.n);
      for (let i = 0; i < p.n; i++) col[i] = p.cell[i * p.cols + c]!;
      col.sort();
      p.colSig.push(col.join(''));
    }
  }
  return p.colSig;
}

function setsEqual(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  if (sa.size !== sb.size) return false;
  for (const x of sa) if (!sb.has(x)) return false;
  return true;
}

function counts(keys: readonly string[]): Map<string, number> {
  const d = new Map<string, number>();
  for (const k of keys) d.set(k, (d.get(k) ?? 0) + 1);
  return d;
}

function sameCounts(d: Map<string, number>, keys: readonly string[]): boolean {
  const left = new Map(d);
  for (const k of keys) {
    const c = (left.get(k) ?? 0) - 1;
    if (c < 0) return false;
    left.set(k, c);
  }
  return true;
}

/**
 * `result_eq(result1=gold, result2=pred, order_matters)`. Throws CodedError('limit_exceeded') when the permutation
 * search would exceed the budget (shared by the comparisons of one group).
 */
export function resultEq(gold: SqlResultSet, pred: SqlResultSet, orderMatters: boolean, budget: CompareBudget = compareBudget()): boolean {
  const r1 = gold.rows;
  const r2 = pred.rows;
  if (r1.length === 0 && r2.length === 0) return true;
  if (r1.length !== r2.length) return false;
  const numCols = r1[0]!.length;
  if (r2[0]!.length !== numCols) return false;
  if (gold === pred) return true;

  const u1 = unorderedKeys(gold);
  const u2 = unorderedKeys(pred);
  if (orderMatters) {
    for (let i = 0; i < u1.length; i++) if (u1[i] !== u2[i]) return false;
  } else if (!setsEqual(u1, u2)) return false;

  if (orderMatters) {
    // A permutation makes the lists equal iff every gold column vector has an equal, distinct predicted one.
    const need = counts(columnVectors(gold));
    return sameCounts(need, columnVectors(pred));
  }

  // Permutation-invariant necessary condition: the multisets of column value-multisets agree.
  const sig1 = columnSignatures(gold);
  const sig2 = columnSignatures(pred);
  if (!sameCounts(counts(sig1), sig2)) return false;
  // `set(result1) == set(result2_perm) and multiset_eq(...)`: the multiset condition implies the set one, and it is
  // checked on growing prefixes of the mapping (the full mapping's check is the reference's).

  // Predicted columns equal value for value give the same permuted rows: keep one representative per class.
  const vec2 = columnVectors(pred);
  const classOf = new Map<string, number>();
  const classSize: number[] = [];
  const rep: number[] = [];
  const classOfCol = vec2.map((v, j) => {
    let k = classOf.get(v);
    if (k === undefined) {
      k = classSize.length;
      classOf.set(v, k);
      classSize.push(0);
      rep.push(j);
    }
    classSize[k]!++;
    return k;
  });
  // Candidates per gold column: classes whose columns carry the same multiset; most constrained gold column first.
  const allowed = sig1.map((s) => [...new Set(sig2.flatMap((t, j) => (t === s ? [classOfCol[j]!] : [])))]);
  const order = [...Array(numCols).keys()].sort((a, b) => allowed[a]!.length - allowed[b]!.length || a - b);
  const p1 = prep(gold);
  const p2 = prep(pred);
  const n = r1.length;
  // Gold rows projected on the first k columns of `order`, as multisets, built once per depth.
  const goldPrefix: string[][] = [new Array<string>(n).fill('')];
  const goldPrefixCounts: Array<Map<string, number>> = [counts(goldPrefix[0]!)];
  for (let k = 0; k < numCols; k++) {
    const c = order[k]!;
    const prev = goldPrefix[k]!;
    const next = prev.map((s, i) => s + p1.cell[i * numCols + c]!);
    goldPrefix.push(next);
    goldPrefixCounts.push(counts(next));
  }
  const used = new Array<number>(classSize.length).fill(0);
  const predPrefix: string[][] = [goldPrefix[0]!];
  const search = (k: number): boolean => {
    if (k === numCols) return true;
    const c = order[k]!;
    for (const cls of allowed[c]!) {
      if (used[cls]! >= classSize[cls]!) continue;
      spend(budget, n);
      const j = rep[cls]!;
      const prev = predPrefix[k]!;
      const next = new Array<string>(n);
      for (let i = 0; i < n; i++) next[i] = prev[i]! + p2.cell[i * numCols + j]!;
      if (!sameCounts(goldPrefixCounts[k + 1]!, next)) continue;
      used[cls]!++;
      predPrefix[k + 1] = next;
      if (search(k + 1)) return true;
      used[cls]!--;
    }
    return false;
  };
  return search(0);
}

/** BIRD: rows compared as sets of tuples, column order significant, duplicates and row order ignored. */
export function birdEq(gold: SqlResultSet, pred: SqlResultSet): boolean {
  // evaluation.py fetches with sqlite3's default text_factory, which raises on invalid UTF-8: the pair scores 0.
  if (gold.invalidUtf8 || pred.invalidUtf8) return false;
  if (gold === pred) return true;
  return setsEqual(rowKeys(gold), rowKeys(pred));
}

export function resultsMatch(mode: MatchMode, gold: SqlResultSet, pred: SqlResultSet, orderMatters: boolean, budget?: CompareBudget): boolean {
  return mode === 'bird' ? birdEq(gold, pred) : resultEq(gold, pred, orderMatters, budget);
}
