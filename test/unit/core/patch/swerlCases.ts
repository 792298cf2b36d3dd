/**
 * Cases for the SWE-RL oracle tests, built from real edits (this repository's git history: parent and child version
 * of every modified text file): for each edit, oracle patches and candidate answers in every format Reward Lens
 * reads (search/replace with and without tags, several edits in one fence, marker lines with trailing spaces, CRLF,
 * no-op edits, search text that is not there, tagged answers without blocks, fenced and unfenced whole-file
 * rewrites, CRLF fences, unified diffs from jsdiff and from difflib, fenced diffs, two-file edits, CRLF files).
 * Each case says which function of the reference computes its expected value (swerl_oracle.py) from the generator's
 * own intent (the text a whole-file answer means, the content a diff was made from), never from Reward Lens's parse.
 */
import { createTwoFilesPatch } from 'diff';
import { SequenceMatcher } from '../../../../src/core/patch/sequenceMatcher';
import { generateUnifiedDiff } from '../../../../src/core/patch/unifiedDiff';
import { partialEdit, rng, type FilePair } from './realPairs';

type Files = Record<string, string>;

export type PyCall =
  | { fn: 'search_replace' | 'search_replace_untagged'; ctx: Files; oracle: Files; output: string }
  | { fn: 'reward'; ctx: Files; oracle: Files; pred: Files }
  | { fn: 'unidiff'; oracle_patches: string[]; pred_patches: string[] };

export interface OracleCase {
  id: string;
  files: Files;
  reference: string;
  candidate: string;
  strict: boolean;
  /** Expected `similarity`. */
  py: PyCall;
  /** Expected `similarity_unidiff` (a unified-diff candidate against a unified-diff reference). */
  pyUnidiff?: PyCall;
}

/** Text a whole-file answer cannot carry unambiguously (documented in README): fences, SWE-RL tags and markers, diff headers. */
const NOT_WHOLE_FILE = /^(?:```|@@ -|--- |\+\+\+ |diff --git |<<<<<<< SEARCH|>>>>>>> REPLACE|### )|<\/?(?:think|solution)>/m;
/** Line boundaries of Python's splitlines other than \n: a difflib-made diff of such a file is not a line diff for git. */
const ODD_BREAKS = /[\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

const lang = (p: string) => /\.(\w+)$/.exec(p)?.[1] ?? '';

function block(path: string, search: string, replace: string, fenceLang = 'python'): string {
  return `\`\`\`${fenceLang}\n### ${path}\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n\`\`\``;
}

/** Search/replace edits turning `old` into `target`, one per changed region, with one line of context. */
function edits(old: string, target: string): { search: string; replace: string }[] {
  const a = old.split('\n');
  const b = target.split('\n');
  const out: { search: string; replace: string }[] = [];
  for (const [tag, i1, i2, j1, j2] of new SequenceMatcher(null, a, b).getOpcodes()) {
    if (tag === 'equal') continue;
    let s = a.slice(i1, i2);
    let r = b.slice(j1, j2);
    if (i1 > 0) {
      s = [a[i1 - 1]!, ...s];
      r = [a[i1 - 1]!, ...r];
    } else if (i2 < a.length) {
      s = [...s, a[i2]!];
      r = [...r, a[i2]!];
    }
    const search = s.join('\n');
    const replace = r.join('\n');
    if (search !== replace && search !== '') out.push({ search, replace });
  }
  return out;
}

const fence = (text: string, fenceLang: string) => `\`\`\`${fenceLang}\n${text}${text.endsWith('\n') ? '' : '\n'}\`\`\``;
const tagged = (answer: string) => `<think>\nApply the change the issue asks for.\n</think>\n<solution>\n${answer}\n</solution>`;
const jsdiff = (p: string, a: string, b: string) => createTwoFilesPatch(`a/${p}`, `b/${p}`, a, b);
const difflibDiff = (p: string, a: string, b: string) => `--- a/${p}\n+++ b/${p}\n${generateUnifiedDiff(a, b)}\n`;

interface Pair {
  path: string;
  old: string;
  new: string;
}

/**
 * Default-mode cases of one edit, plus the same candidates under --strict-swerl (expected: the reference's
 * calculate_search_replace_reward on the raw text, whatever its shape).
 */
function casesForPair(pr: Pair, k: number, rand: () => number): OracleCase[] {
  const { path, old } = pr;
  const files: Files = { [path]: old };
  const oracle: Files = { [path]: pr.new };
  const l = lang(path);
  const out: OracleCase[] = [];
  const wholeOk = !NOT_WHOLE_FILE.test(old) && !NOT_WHOLE_FILE.test(pr.new);
  const refDiff = jsdiff(path, old, pr.new);
  // The oracle patch alternates between a unified diff and a fenced whole-file answer.
  const reference = k % 2 === 0 || !wholeOk ? refDiff : fence(pr.new, l);
  const add = (id: string, candidate: string, py: PyCall, pyUnidiff?: PyCall) => {
    out.push({ id: `${k}:${path}:${id}`, files, reference, candidate, strict: false, py, ...(pyUnidiff ? { pyUnidiff } : {}) });
  };
  const sr = (id: string, text: string) => add(id, text, { fn: 'search_replace_untagged', ctx: files, oracle, output: text });
  const srTagged = (id: string, text: string) => add(id, text, { fn: 'search_replace', ctx: files, oracle, output: text });
  const rewrite = (id: string, text: string, pred: string) => add(id, text, { fn: 'reward', ctx: files, oracle, pred: { [path]: pred } });

  const partial = partialEdit(old, pr.new, rand, 0.3 + 0.5 * rand());
  const all = edits(old, pr.new);
  const some = all.filter(() => rand() < 0.6);
  if (some.length === 0 && all.length > 0) some.push(all[Math.floor(rand() * all.length)]!);
  if (all.length > 0) {
    sr('sr-some', some.map((e) => block(path, e.search, e.replace, l)).join('\n\n'));
    sr('sr-all', all.map((e) => block(path, e.search, e.replace, l)).join('\n'));
    srTagged('sr-tagged', tagged(some.map((e) => block(path, e.search, e.replace, l)).join('\n\n')));
    const e0 = all[0]!;
    sr('sr-trailing-space', block(path, e0.search, e0.replace, l).replace('<<<<<<< SEARCH', '<<<<<<< SEARCH  '));
    sr('sr-crlf', block(path, e0.search, e0.replace, l).replace(/\n/g, '\r\n'));
    sr('sr-noop', block(path, e0.search, e0.search, l));
    sr('sr-not-found', block(path, e0.search + '\n# not in the file', e0.replace, l));
    if (all.length >= 2) {
      // Several edits in one fence, as an older prompt of ours invited.
      const body = all.slice(0, 3).map((e) => `<<<<<<< SEARCH\n${e.search}\n=======\n${e.replace}\n>>>>>>> REPLACE`).join('\n');
      srTagged('sr-one-fence', tagged(`\`\`\`${l}\n### ${path}\n${body}\n\`\`\``));
    }
  }
  srTagged('tagged-no-block', tagged(fence(pr.new, l)));
  if (wholeOk && !NOT_WHOLE_FILE.test(partial)) {
    rewrite('whole-fenced', fence(partial, l), partial);
    rewrite('whole-fenced-crlf', fence(partial, l).replace(/\n/g, '\r\n'), partial);
    if (!partial.includes('\r')) rewrite('whole-unfenced', partial, partial);
    rewrite('whole-noop', fence(old, l), old);
  }
  const candDiff = jsdiff(path, old, partial);
  const unidiff: PyCall | undefined = reference === refDiff ? { fn: 'unidiff', oracle_patches: [refDiff], pred_patches: [candDiff] } : undefined;
  add('diff-jsdiff', candDiff, { fn: 'reward', ctx: files, oracle, pred: { [path]: partial } }, unidiff);
  add('diff-fenced', '```diff\n' + jsdiff(path, old, pr.new) + '```', { fn: 'reward', ctx: files, oracle, pred: { [path]: pr.new } });
  if (!ODD_BREAKS.test(old) && !ODD_BREAKS.test(partial) && old.endsWith('\n')) {
    const d = difflibDiff(path, old, partial + '\n');
    add('diff-difflib', d, { fn: 'reward', ctx: files, oracle, pred: { [path]: partial + '\n' } }, reference === refDiff ? { fn: 'unidiff', oracle_patches: [refDiff], pred_patches: [d] } : undefined);
  }
  const strict = out.map((c): OracleCase => ({ id: `${c.id}:strict`, files, reference, candidate: c.candidate, strict: true, py: { fn: 'search_replace', ctx: files, oracle, output: c.candidate } }));
  return out.concat(strict);
}

/** Two edits of different files in one answer: the mean over the union of files. */
function casesForTwo(p: Pair, q: Pair, k: number, rand: () => number): OracleCase[] {
  const files: Files = { [p.path]: p.old, [q.path]: q.old };
  const oracle: Files = { [p.path]: p.new, [q.path]: q.new };
  const reference = jsdiff(p.path, p.old, p.new) + jsdiff(q.path, q.old, q.new);
  const pp = partialEdit(p.old, p.new, rand, 0.5);
  const out: OracleCase[] = [];
  const ep = edits(p.old, p.new);
  const eq = edits(q.old, q.new);
  if (ep.length > 0 && eq.length > 0) {
    const text = [ep[0]!, eq[0]!].map((e, i) => block(i === 0 ? p.path : q.path, e.search, e.replace)).join('\n');
    out.push({ id: `${k}:two:sr`, files, reference, candidate: text, strict: false, py: { fn: 'search_replace_untagged', ctx: files, oracle, output: text } });
    const t = tagged(text);
    out.push({ id: `${k}:two:sr:strict`, files, reference, candidate: t, strict: true, py: { fn: 'search_replace', ctx: files, oracle, output: t } });
  }
  // Only one of the two files changed by the candidate: the other scores 0 in the mean.
  const d = jsdiff(p.path, p.old, pp);
  out.push({
    id: `${k}:two:diff-one-file`,
    files,
    reference,
    candidate: d,
    strict: false,
    py: { fn: 'reward', ctx: files, oracle, pred: { [p.path]: pp } },
    pyUnidiff: { fn: 'unidiff', oracle_patches: [reference], pred_patches: [d] },
  });
  return out;
}

const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');

/**
 * Cases from real file pairs, in order, until both modes have `target` cases: each pair as is, every fifth also with
 * CRLF line endings, and consecutive pairs combined into two-file edits. `maxDiffChars` bounds the size of an edit
 * (the reference's similarity is quadratic in it).
 */
export function buildOracleCases(pairs: readonly FilePair[], target = Infinity, seed = 10, maxDiffChars = 4000): OracleCase[] {
  const rand = rng(seed);
  const usable: Pair[] = [];
  const seen = new Set<string>();
  for (const fp of pairs) {
    const path = fp.source.split(' ').slice(2).join(' ') || 'file.txt';
    if (generateUnifiedDiff(fp.old, fp.new).length > maxDiffChars) continue;
    let p = path;
    for (let n = 2; seen.has(p); n++) p = `v${n}/${path}`;
    seen.add(p);
    usable.push({ path: p, old: fp.old, new: fp.new });
  }
  const out: OracleCase[] = [];
  let strict = 0;
  for (let k = 0; k < usable.length && Math.min(out.length - strict, strict) < target; k++) {
    const pr = usable[k]!;
    const add = (cs: OracleCase[]) => {
      out.push(...cs);
      strict += cs.filter((c) => c.strict).length;
    };
    add(casesForPair(pr, k, rand));
    if (k % 5 === 0) add(casesForPair({ path: `crlf/${pr.path}`, old: crlf(pr.old), new: crlf(pr.new) }, k, rand));
    if (k % 2 === 1) add(casesForTwo(usable[k - 1]!, pr, k, rand));
  }
  return out;
}
