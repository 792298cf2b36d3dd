/**
 * Python's notion of a decimal digit, for the ports of reference code that parse numbers with `\d` or `int()`:
 * every Unicode character of category Nd in CPython 3.11's Unicode 14.0 (JS's `\d` is ASCII only and its `\p{Nd}`
 * follows a newer Unicode). Python's `int("\u0663")` is 3, and "@@ -\u0661 +\u0661 @@" is a hunk header to
 * python-unidiff.
 */

/** The code point of the zero of each run of ten Nd digits (every run is 0-9 in order). */
const PY_DIGIT_ZEROS: readonly number[] = (
  '30 660 6f0 7c0 966 9e6 a66 ae6 b66 be6 c66 ce6 d66 de6 e50 ed0 f20 1040 1090 17e0 1810 1946 19d0 1a80 1a90 1b50 ' +
  '1bb0 1c40 1c50 a620 a8d0 a900 a9d0 a9f0 aa50 abf0 ff10 104a0 10d30 11066 110f0 11136 111d0 112f0 11450 114d0 ' +
  '11650 116c0 11730 118e0 11950 11c50 11d50 11da0 16a60 16ac0 16b50 1d7ce 1d7d8 1d7e2 1d7ec 1d7f6 1e140 1e2f0 ' +
  '1e950 1fbf0'
)
  .split(' ')
  .map((h) => parseInt(h, 16));

/** A regex character class (for a RegExp with the `u` flag) matching what Python's `\d` matches in a str pattern. */
export const PY_DIGIT_CLASS = `[${PY_DIGIT_ZEROS.map((z) => `\\u{${z.toString(16)}}-\\u{${(z + 9).toString(16)}}`).join('')}]`;

/** The value 0-9 of a Python decimal digit (a code point), or -1. */
export function pyDigitValue(cp: number): number {
  let lo = 0;
  let hi = PY_DIGIT_ZEROS.length - 1;
  if (cp < PY_DIGIT_ZEROS[0]!) return -1;
  while (lo < hi) {
    const m = (lo + hi + 1) >>> 1;
    if (PY_DIGIT_ZEROS[m]! <= cp) lo = m;
    else hi = m - 1;
  }
  const v = cp - PY_DIGIT_ZEROS[lo]!;
  return v <= 9 ? v : -1;
}

/** CPython's limit on the digits `int(str)` converts (sys.get_int_max_str_digits() default): more raise ValueError. */
export const PY_INT_MAX_STR_DIGITS = 4300;

// What `int(str, base)` skips around the number: str.isspace() characters except \x1c-\x1f, which int() rejects.
const INT_SPACE = new Set([0x9, 0xa, 0xb, 0xc, 0xd, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000]);

/**
 * Python's `int(s, base)` for base 2..36 (and 10 by default), as a BigInt, or null where Python raises ValueError:
 * surrounding whitespace, a sign, digits of any script (Nd) and ASCII letters, single underscores between digits,
 * a 0x/0o/0b prefix matching the base (its zero in any script), and at most PY_INT_MAX_STR_DIGITS digits (non-power-of-two bases only).
 */
export function pyInt(s: string, base = 10): bigint | null {
  const cps = Array.from(s, (c) => c.codePointAt(0)!);
  let i = 0;
  let j = cps.length;
  while (i < j && INT_SPACE.has(cps[i]!)) i++;
  while (j > i && INT_SPACE.has(cps[j - 1]!)) j--;
  let neg = false;
  if (i < j && (cps[i] === 0x2b || cps[i] === 0x2d)) neg = cps[i++] === 0x2d;
  const prefix = base === 16 ? 0x78 : base === 8 ? 0x6f : base === 2 ? 0x62 : -1;
  let underscoreOk = false;
  if (j - i >= 2 && pyDigitValue(cps[i]!) === 0 && (cps[i + 1]! | 0x20) === prefix) {
    i += 2;
    underscoreOk = true; // "0x_f" is valid
  }
  const values: number[] = [];
  let lastUnderscore = false;
  for (let k = i; k < j; k++) {
    const c = cps[k]!;
    if (c === 0x5f) {
      if (lastUnderscore || (!values.length && !underscoreOk)) return null;
      lastUnderscore = true;
      continue;
    }
    let v = pyDigitValue(c);
    if (v < 0 && c < 0x80) {
      const lower = c | 0x20;
      if (lower >= 0x61 && lower <= 0x7a) v = lower - 0x61 + 10;
    }
    if (v < 0 || v >= base) return null;
    values.push(v);
    lastUnderscore = false;
  }
  if (!values.length || lastUnderscore) return null;
  if ((base & (base - 1)) !== 0 && values.length > PY_INT_MAX_STR_DIGITS) return null;
  let n = 0n;
  const b = BigInt(base);
  for (const v of values) n = n * b + BigInt(v);
  return neg ? -n : n;
}
