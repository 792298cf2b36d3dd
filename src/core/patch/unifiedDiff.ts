/**
 * CPython's `difflib.unified_diff` and the two string helpers the SWE-RL reward leans on (`str.splitlines`,
 * `str.strip`), ported so that the text they produce is byte-for-byte what Python produces.
 * The hunks come from `SequenceMatcher(None, a, b)` (autojunk on, as in difflib) grouped with n lines of context;
 * any other diff algorithm (Myers, patience) gives different hunks and therefore different SWE-RL rewards.
 */
import { SequenceMatcher } from './sequenceMatcher';

export interface UnifiedDiffOptions {
  fromfile?: string;
  tofile?: string;
  fromfiledate?: string;
  tofiledate?: string;
  /** Lines of context (difflib's `n`, default 3). */
  n?: number;
  /** Appended to the control lines (`---`, `+++`, `@@`); default "\n" as in difflib. SWE-RL passes "". */
  lineterm?: string;
  /** Budget check called during the match (throws to stop); see SequenceMatcher.check. */
  check?: () => void;
}

/** Python's `_format_range_unified`. */
function formatRangeUnified(start: number, stop: number): string {
  let beginning = start + 1;
  const length = stop - start;
  if (length === 1) return `${beginning}`;
  if (!length) beginning -= 1;
  return `${beginning},${length}`;
}

/** `list(difflib.unified_diff(a, b, ...))`. */
export function unifiedDiff(a: readonly string[], b: readonly string[], opts: UnifiedDiffOptions = {}): string[] {
  const { fromfile = '', tofile = '', fromfiledate = '', tofiledate = '', n = 3, lineterm = '\n' } = opts;
  const out: string[] = [];
  let started = false;
  const sm = new SequenceMatcher(null, a, b);
  sm.check = opts.check;
  for (const group of sm.getGroupedOpcodes(n)) {
    if (!started) {
      started = true;
      const fromdate = fromfiledate ? `\t${fromfiledate}` : '';
      const todate = tofiledate ? `\t${tofiledate}` : '';
      out.push(`--- ${fromfile}${fromdate}${lineterm}`);
      out.push(`+++ ${tofile}${todate}${lineterm}`);
    }
    const first = group[0]!;
    const last = group[group.length - 1]!;
    const file1Range = formatRangeUnified(first[1], last[2]);
    const file2Range = formatRangeUnified(first[3], last[4]);
    out.push(`@@ -${file1Range} +${file2Range} @@${lineterm}`);
    for (const [tag, i1, i2, j1, j2] of group) {
      if (tag === 'equal') {
        for (let i = i1; i < i2; i++) out.push(' ' + a[i]!);
        continue;
      }
      if (tag === 'replace' || tag === 'delete') for (let i = i1; i < i2; i++) out.push('-' + a[i]!);
      if (tag === 'replace' || tag === 'insert') for (let j = j1; j < j2; j++) out.push('+' + b[j]!);
    }
  }
  return out;
}

// Python's str.splitlines() boundaries: \n \r \r\n \v \f \x1c \x1d \x1e \x85 \u2028 \u2029.
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;

/** Python's `str.splitlines()` (no keepends): no trailing empty element, same set of line boundaries. */
export function pySplitLines(s: string): string[] {
  if (s.length === 0) return [];
  const parts = s.split(LINE_BREAK);
  // A trailing boundary does not start a new (empty) line.
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

// Python's str.isspace() set differs from JS's \s: it has \x1c-\x1f and \x85, and lacks \ufeff.
const PY_SPACE = '\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';

/** Python's `str.strip()` with no argument. */
export function pyStrip(s: string): string {
  let i = 0;
  let j = s.length;
  while (i < j && PY_SPACE.includes(s[i]!)) i++;
  while (j > i && PY_SPACE.includes(s[j - 1]!)) j--;
  return s.slice(i, j);
}

/**
 * SWE-RL's `generate_unified_diff(old, new, n)`: `unified_diff(old.splitlines(), new.splitlines(), fromfile="old",
 * tofile="new", lineterm="", n=n)` without its two header lines, joined with "\n"; "" when nothing changed.
 */
export function generateUnifiedDiff(oldCode: string, newCode: string, nContext = 3, check?: () => void): string {
  const lines = unifiedDiff(pySplitLines(oldCode), pySplitLines(newCode), { fromfile: 'old', tofile: 'new', lineterm: '', n: nContext, ...(check ? { check } : {}) });
  return lines.length === 0 ? '' : lines.slice(2).join('\n');
}
