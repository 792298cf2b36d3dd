/**
 * SequenceMatcher / unified_diff against CPython's difflib on >= 5,000 pairs: random strings, random line lists,
 * real line pairs (git history or node_modules versions) and real diff pairs (as SWE-RL compares them).
 * ratio() must be bit-identical (===), opcodes and grouped opcodes identical.
 */
import { strict as assert } from 'node:assert';
import { SequenceMatcher, type Sequence } from '../../../../src/core/patch/sequenceMatcher';
import { generateUnifiedDiff, pySplitLines, pyStrip, unifiedDiff } from '../../../../src/core/patch/unifiedDiff';
import { diffPairs, realFilePairs, rng } from './realPairs';
import { REPO_ROOT, pythonAvailable, runOracle } from './pyOracle';

interface Case {
  kind: string;
  a: Sequence;
  b: Sequence;
  autojunk: boolean;
  want: string[];
  n?: number;
}

interface OracleOut {
  ratio?: number;
  quick?: number;
  opcodes?: unknown[];
  blocks?: unknown[];
  grouped?: unknown[];
  udiff?: string;
}

const ASTRAL = ['😀', '𝔘', '🙂'];

function randomString(rand: () => number, alphabet: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) {
    const r = rand();
    if (r < 0.01) s += ASTRAL[Math.floor(rand() * ASTRAL.length)];
    else s += String.fromCharCode(97 + Math.floor(rand() * alphabet));
  }
  return s;
}

function mutate(rand: () => number, s: string[], vocab: () => string): string[] {
  const out = s.slice();
  const edits = Math.floor(rand() * 8);
  for (let e = 0; e < edits; e++) {
    const p = Math.floor(rand() * (out.length + 1));
    const r = rand();
    if (r < 0.33) out.splice(p, 1);
    else if (r < 0.66) out.splice(p, 0, vocab());
    else out.splice(p, 1, vocab());
  }
  return out;
}

function randomStringCase(rand: () => number): Case {
  const alphabet = 1 + Math.floor(rand() * 26);
  const len = Math.floor(rand() * (rand() < 0.2 ? 700 : 120));
  const a = randomString(rand, alphabet, len);
  const b = rand() < 0.5 ? randomString(rand, alphabet, Math.floor(rand() * 2 * len + 1)) : mutate(rand, Array.from(a), () => randomString(rand, alphabet, 1)).join('');
  return { kind: 'string', a, b, autojunk: rand() < 0.5, want: ['ratio', 'opcodes', 'blocks', 'quick'] };
}

function buildCases(rand: () => number): Case[] {
  const cases: Case[] = [];
  // 2,000 random strings: small alphabets make many ties (the tie-breaking rules matter), lengths past 200 turn
  // autojunk's popularity rule on; about half are edits of each other.
  for (let k = 0; k < 2000; k++) cases.push(randomStringCase(rand));
  // 1,500 random line lists, from a small vocabulary so lines repeat (blank lines, braces).
  const vocabWords = ['', '}', '{', '  return x;', 'import a', 'const b = 1;', '// c', '\tif (x) {', 'else', 'end'];
  for (let k = 0; k < 1500; k++) {
    const vocabSize = 2 + Math.floor(rand() * (vocabWords.length - 2));
    const v = () => (rand() < 0.1 ? `line ${Math.floor(rand() * 50)}` : vocabWords[Math.floor(rand() * vocabSize)]!);
    const len = Math.floor(rand() * (rand() < 0.2 ? 400 : 60));
    const a = Array.from({ length: len }, v);
    const b = rand() < 0.7 ? mutate(rand, a, v) : Array.from({ length: Math.floor(rand() * 60) }, v);
    cases.push({ kind: 'lines', a, b, autojunk: rand() < 0.5, want: ['ratio', 'opcodes', 'grouped'], n: Math.floor(rand() * 5) });
  }
  return cases;
}

describe('core/patch SequenceMatcher vs CPython difflib', function () {
  this.timeout(300_000);
  let cases: Case[] = [];
  let udiffCases: { old: string; new: string; source: string }[] = [];
  let expected: OracleOut[] = [];
  let expectedUdiff: OracleOut[] = [];

  before(function () {
    if (!pythonAvailable()) {
      console.log('    (skipped: python3 with difflib is not on PATH)');
      this.skip();
    }
    const rand = rng(4242);
    cases = buildCases(rand);
    const files = realFilePairs(REPO_ROOT, 600);
    // Real line lists (unified_diff's matcher: autojunk on) and real diff texts compared as SWE-RL does.
    for (const f of files) cases.push({ kind: `real-lines ${f.source}`, a: pySplitLines(f.old), b: pySplitLines(f.new), autojunk: true, want: ['ratio', 'opcodes', 'grouped'], n: 3 });
    for (const d of diffPairs(files, 700, 7, 1500)) cases.push({ kind: `real-diff ${d.source}`, a: d.pred, b: d.oracle, autojunk: false, want: ['ratio', 'opcodes'] });
    while (cases.length < 5000) cases.push(randomStringCase(rand));
    udiffCases = files.map((f) => ({ old: f.old, new: f.new, source: f.source }));
    expected = runOracle<OracleOut>(cases);
    expectedUdiff = runOracle<OracleOut>(udiffCases.map((u) => ({ udiff: [u.old, u.new], n: 3 })));
  });

  it('covers at least 5,000 pairs, with real ones', () => {
    assert.ok(cases.length >= 5000, `only ${cases.length} cases`);
    const real = cases.filter((c) => c.kind.startsWith('real-')).length;
    console.log(`    ${cases.length} pairs (${real} real), ${udiffCases.length} real unified diffs`);
    assert.ok(real >= 500, `only ${real} real pairs`);
  });

  it('ratio() is bit-identical and opcodes / matching blocks / grouped opcodes are identical', () => {
    let failures = 0;
    cases.forEach((c, i) => {
      const sm = new SequenceMatcher(null, c.a, c.b, c.autojunk);
      const want = expected[i]!;
      const got: OracleOut = {};
      if (want.ratio !== undefined) got.ratio = sm.ratio();
      if (want.quick !== undefined) got.quick = sm.quickRatio();
      if (want.opcodes) got.opcodes = sm.getOpcodes();
      if (want.blocks) got.blocks = sm.getMatchingBlocks().map((m) => [m.a, m.b, m.size]);
      if (want.grouped) got.grouped = sm.getGroupedOpcodes(c.n ?? 3);
      try {
        assert.deepStrictEqual(got, want);
      } catch (e) {
        if (failures++ < 3) console.log(`    mismatch #${i} ${c.kind}: ${(e as Error).message.slice(0, 600)}`);
      }
    });
    assert.equal(failures, 0, `${failures} of ${cases.length} pairs differ from CPython`);
  });

  it('unified diff of real file pairs is identical to difflib.unified_diff (SWE-RL normalisation)', () => {
    let failures = 0;
    udiffCases.forEach((u, i) => {
      if (generateUnifiedDiff(u.old, u.new) !== expectedUdiff[i]!.udiff && failures++ < 3) console.log(`    udiff mismatch: ${u.source}`);
    });
    assert.equal(failures, 0);
  });
});

describe('core/patch SequenceMatcher documented examples', () => {
  it('matches the doctests of difflib.py', () => {
    assert.equal(new SequenceMatcher(null, 'abcd', 'bcde').ratio(), 0.75);
    assert.deepEqual(new SequenceMatcher(null, ' abcd', 'abcd abcd').findLongestMatch(0, 5, 0, 9), { a: 0, b: 4, size: 5 });
    assert.deepEqual(new SequenceMatcher((x) => x === ' ', ' abcd', 'abcd abcd').findLongestMatch(0, 5, 0, 9), { a: 1, b: 0, size: 4 });
    assert.deepEqual(new SequenceMatcher(null, 'abxcd', 'abcd').getMatchingBlocks(), [
      { a: 0, b: 0, size: 2 },
      { a: 3, b: 2, size: 2 },
      { a: 5, b: 4, size: 0 },
    ]);
    assert.deepEqual(new SequenceMatcher(null, 'qabxcd', 'abycdf').getOpcodes(), [
      ['delete', 0, 1, 0, 0],
      ['equal', 1, 3, 0, 2],
      ['replace', 3, 4, 2, 3],
      ['equal', 4, 6, 3, 5],
      ['insert', 6, 6, 5, 6],
    ]);
    const a = Array.from({ length: 39 }, (_, i) => String(i + 1));
    const b = a.slice();
    b.splice(8, 0, 'i');
    b[20] += 'x';
    b.splice(23, 5);
    b[30] += 'y';
    assert.deepEqual(new SequenceMatcher(null, a, b).getGroupedOpcodes(), [
      [['equal', 5, 8, 5, 8], ['insert', 8, 8, 8, 9], ['equal', 8, 11, 9, 12]],
      [['equal', 16, 19, 17, 20], ['replace', 19, 20, 20, 21], ['equal', 20, 22, 21, 23], ['delete', 22, 27, 23, 23], ['equal', 27, 30, 23, 26]],
      [['equal', 31, 34, 27, 30], ['replace', 34, 35, 30, 31], ['equal', 35, 38, 31, 34]],
    ]);
    assert.deepEqual(unifiedDiff('one two three four'.split(' '), 'zero one tree four'.split(' '), { fromfile: 'Original', tofile: 'Current', fromfiledate: '2005-01-26 23:30:50', tofiledate: '2010-04-02 10:20:52', lineterm: '' }), [
      '--- Original\t2005-01-26 23:30:50',
      '+++ Current\t2010-04-02 10:20:52',
      '@@ -1,4 +1,4 @@',
      '+zero',
      ' one',
      '-two',
      '-three',
      '+tree',
      ' four',
    ]);
  });

  it('str.splitlines() and str.strip() agree with python3 on strings full of line breaks and spaces', function () {
    if (!pythonAvailable()) this.skip();
    const special = ['\n', '\r', '\r\n', '\v', '\f', '\x1c', '\x1d', '\x1e', '\x1f', '\x85', '\u2028', '\u2029', ' ', '\t', '\xa0', '\u3000', '\ufeff', '\u200b', 'a', 'b'];
    const rand = rng(3);
    const texts = Array.from({ length: 400 }, () => Array.from({ length: Math.floor(rand() * 12) }, () => special[Math.floor(rand() * special.length)]!).join(''));
    const want = runOracle<{ splitlines: string[]; strip: string }>(texts.map((text) => ({ text })));
    texts.forEach((t, i) => {
      assert.deepEqual(pySplitLines(t), want[i]!.splitlines, JSON.stringify(t));
      assert.equal(pyStrip(t), want[i]!.strip, JSON.stringify(t));
    });
  });

  it('splits lines like str.splitlines()', () => {
    assert.deepEqual(pySplitLines('a\r\nb\rc\nd\x0be\x0cf\x1cg\x85h\u2028i\n'), ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']);
    assert.deepEqual(pySplitLines(''), []);
    assert.deepEqual(pySplitLines('\n'), ['']);
    assert.deepEqual(pySplitLines('x\n\n'), ['x', '']);
  });
});
