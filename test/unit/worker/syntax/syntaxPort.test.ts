/**
 * The tree-sitter syntax port: per language, real files parse and one-character corruptions are caught; messages,
 * language choice, Markdown code blocks, the "adds errors" rule for already broken files, JSON and SQL checks.
 */
import { strict as assert } from 'node:assert';
import type * as WTS from 'web-tree-sitter';
import { syntaxReward } from '../../../../src/core/patch/rewards';
import { rankPatch } from '../../../../src/worker/patch/rankPatch';
import { checkJson } from '../../../../src/worker/syntax/json';
import { LANGUAGE_IDS, languageFor, languageForFence, type LanguageId } from '../../../../src/worker/syntax/languages';
import { checkSqlSyntax } from '../../../../src/worker/syntax/sql';
import { checkLoaded, checkSyntax, syntaxCheckerFor } from '../../../../src/worker/syntax/syntaxPort';
import { editsBetween, loadedParser, loadGrammars } from '../../../../src/worker/syntax/treeSitter';
import { corpus } from './corpus';

/**
 * Tokens whose removal must break each language (measured first on the corpus: dropping `[` in bash's `[ -n x ]`
 * or a colon in YAML's `a: b` leaves valid text, and so does bash's `)` when a literal `)` follows in the same
 * string, so those are not listed). Python's colons only where a block opens.
 */
const DROPS: Record<Exclude<LanguageId, 'markdown'>, string[]> = {
  python: [')', ']', '}', ':'],
  go: ['(', ')', '{', '}', '"'],
  rust: ['(', ')', '{', '}', '"'],
  java: ['(', ')', '{', '}', '"'],
  c: [')', ']', '}', '"'],
  cpp: [')', ']', '}', '"'],
  csharp: ['(', ')', '{', '}', '"'],
  ruby: ['(', ')', '}'],
  php: ['(', ')', ']', '}', '"', "'"],
  bash: ['(', '}', '"'],
  yaml: [']', '}'],
  toml: ['[', ']', '"'],
  json: ['[', ']', '{', '}', ':', '"'],
  css: ['(', ')', '{', '}'],
  html: ['"', '<', '>'],
  typescript: ['(', ')', '[', ']', '{', '}', ':', "'"],
  tsx: ['(', ')', '[', ']', '{', '}', ':', '"', "'"],
  javascript: ['(', ')', '[', ']', '{', '}', "'"],
};

/** Leaf tokens of the given kinds (outside strings and comments: they are tokens of the tree), in document order. */
function tokens(tree: WTS.Tree, kinds: readonly string[], language: LanguageId): { kind: string; at: number }[] {
  const out: { kind: string; at: number }[] = [];
  const c = tree.walk();
  for (;;) {
    const n = c.currentNode;
    if (n.childCount === 0 && kinds.includes(n.type) && n.text === n.type) {
      const parent = n.parent?.type ?? '';
      if (!(language === 'python' && n.type === ':' && !/_statement$|_definition$|_clause$/.test(parent))) out.push({ kind: n.type, at: n.startIndex });
    }
    if (c.gotoFirstChild()) continue;
    while (!c.gotoNextSibling()) {
      if (!c.gotoParent()) {
        c.delete();
        return out;
      }
    }
  }
}

/** First, middle and last occurrence of each kind. */
function spread<T extends { kind: string }>(xs: T[], kinds: readonly string[]): T[] {
  const out: T[] = [];
  for (const k of kinds) {
    const of = xs.filter((x) => x.kind === k);
    for (const i of new Set([0, Math.floor(of.length / 2), of.length - 1])) if (of[i]) out.push(of[i]!);
  }
  return out;
}

describe('worker/syntax tree-sitter port', function () {
  this.timeout(60_000);

  before(async () => {
    await loadGrammars(LANGUAGE_IDS);
  });

  for (const language of Object.keys(DROPS) as (keyof typeof DROPS)[]) {
    it(`${language}: real files parse; dropping ${DROPS[language].join(' ')} is caught`, () => {
      const files = corpus(language);
      let corruptions = 0;
      for (const f of files) {
        const clean = checkLoaded(language, f.text);
        assert.ok(clean, `${f.name}: no grammar`);
        assert.equal(clean.errors, 0, `${f.name} should parse: ${clean.message}`);
        const tree = loadedParser(language)!.parse(f.text)!;
        const picks = spread(tokens(tree, DROPS[language], language), DROPS[language]);
        tree.delete();
        for (const p of picks) {
          const broken = f.text.slice(0, p.at) + f.text.slice(p.at + 1);
          const r = checkLoaded(language, broken)!;
          const line = f.text.slice(0, p.at).split('\n').length;
          assert.ok(r.errors > 0, `${f.name}: dropping ${JSON.stringify(p.kind)} on line ${line} was not caught`);
          assert.match(r.message!, new RegExp(`^line \\d+:\\d+: (missing ".+"|syntax error at ".*") \\(${language}\\)$`));
          // Re-parsed incrementally from the clean file's tree (as rankPatch does): the same verdict.
          const inc = checkLoaded(language, broken, f.text)!;
          assert.deepEqual([inc.errors, inc.message], [r.errors, r.message], `${f.name}: incremental parse differs after dropping ${JSON.stringify(p.kind)} on line ${line}`);
          corruptions++;
        }
      }
      assert.ok(corruptions >= files.length, `${language}: only ${corruptions} corruptions tried on ${files.length} files`);
    });
  }

  it('incremental edits: applied in order they rebuild the new text, positions agree, and the verdict equals a fresh parse', () => {
    const [py] = corpus('python');
    const lines = py!.text.split('\n');
    const far = lines.map((l, i) => (i === 10 ? `${l}  # near the top` : i === lines.length - 5 ? `${l} (` : l)).join('\n') + '\n\n';
    const variants = [far, `\n${py!.text}`, py!.text.slice(0, -1), py!.text.replace(/\n/g, '\r\n'), 'x = 1\n'];
    for (const to of variants) {
      const edits = editsBetween(py!.text, to);
      let doc = py!.text;
      for (const e of edits) {
        const startRow = doc.slice(0, e.startIndex).split('\n').length - 1;
        assert.equal(e.startPosition.row, startRow);
        assert.equal(e.startPosition.column, e.startIndex - (doc.lastIndexOf('\n', e.startIndex - 1) + 1));
        const removed = doc.slice(e.startIndex, e.oldEndIndex);
        doc = doc.slice(0, e.startIndex) + to.slice(e.startIndex, e.newEndIndex) + doc.slice(e.oldEndIndex);
        assert.equal(e.oldEndPosition.row - e.startPosition.row, removed.split('\n').length - 1);
      }
      assert.equal(doc, to);
      const inc = checkLoaded('python', to, py!.text)!;
      const fresh = checkLoaded('python', to)!;
      assert.deepEqual([inc.errors, inc.message], [fresh.errors, fresh.message]);
    }
    assert.ok(editsBetween(py!.text, far).length >= 2, 'two far-apart edits stay two edits');
  });

  it('markdown: each fenced block is checked with its grammar, at its own line; prose and unknown fences are not', async () => {
    const [notes] = corpus('markdown');
    assert.equal(notes!.name, 'test/fixtures/syntax/notes.md');
    assert.equal((await checkSyntax('notes.md', notes!.text))!.errors, 0);
    for (const f of corpus('markdown')) assert.equal(checkLoaded('markdown', f.text)!.errors, 0, f.name);
    const brokenPy = notes!.text.replace('raise ValueError("empty")', 'raise ValueError("empty"');
    const py = (await checkSyntax('notes.md', brokenPy))!;
    assert.equal(py.errors, 1);
    assert.match(py.message!, /^line (8|9):\d+: .* \(python\)$/);
    const brokenRs = notes!.text.replace('Some(xs.iter()', 'Some(xs.iter(');
    assert.match((await checkSyntax('notes.md', brokenRs))!.message!, /^line 16:\d+: .* \(rust\)$/);
    // Fences inside a block quote or a list item: the `> ` and indentation are Markdown's, not the code's.
    const quoted = '> quoted:\n>\n> ```python\n> def f(x):\n>     return x\n> ```\n\n- item\n\n  ```python\n  def g(y):\n      return y\n  ```\n';
    assert.equal((await checkSyntax('q.md', quoted))!.errors, 0);
    assert.match((await checkSyntax('q.md', quoted.replace('return x', 'return (x')))!.message!, /^line 5:\d+: .*\(python\)$/);
    // The ```text block already holds "def (": never parsed. Unbalanced prose brackets are not code either.
    assert.equal((await checkSyntax('notes.md', notes!.text + '\nA (paren that never closes: [ {\n'))!.errors, 0);
  });

  it('messages name line, column (UTF-16, as VS Code counts) and the node', async () => {
    assert.equal((await checkSyntax('a.py', 'def f(:\n  pass\n'))!.message, 'line 1:7: missing ")" (python)');
    assert.equal((await checkSyntax('a.ts', 'function f() {\n  return 1 +;\n}\n'))!.message, 'line 2:13: missing "identifier" (typescript)');
    assert.equal((await checkSyntax('a.ts', 'const s = "a"; let = ;\n'))!.message, 'line 1:20: syntax error at "=" (typescript)');
    assert.equal((await checkSyntax('a.ts', 'const s = "😀"; let = ;\n'))!.message, 'line 1:21: syntax error at "=" (typescript)');
    assert.equal((await checkSyntax('a.go', 'package main\n\nfunc main() {\n\tx := []int{1, 2\n}\n'))!.errors > 0, true);
    assert.equal(await checkSyntax('notes.txt', 'def (:'), null);
  });

  it('language by VS Code language id first, then file name, then extension; keys from user text are not prototype members', () => {
    assert.equal(languageFor('a.py'), 'python');
    assert.equal(languageFor('src/App.TSX'), 'tsx');
    assert.equal(languageFor('lib/x.mjs'), 'javascript');
    assert.equal(languageFor('include/m.hpp'), 'cpp');
    assert.equal(languageFor('x.h'), 'c');
    assert.equal(languageFor('Gemfile'), 'ruby');
    assert.equal(languageFor('.github/workflows/ci.yml'), 'yaml');
    assert.equal(languageFor('Jenkinsfile'), null);
    assert.equal(languageFor('untitled-1', 'python'), 'python');
    assert.equal(languageFor('x.h', 'cpp'), 'cpp');
    assert.equal(languageFor('x.py', 'plaintext'), 'python');
    for (const evil of ['__proto__', 'constructor', 'a.__proto__', 'a.constructor', 'a.toString']) assert.equal(languageFor(evil, evil), null, evil);
    assert.equal(languageForFence('py'), 'python');
    assert.equal(languageForFence('rust ignore'), 'rust');
    assert.equal(languageForFence('{.cpp}'), 'cpp');
    assert.equal(languageForFence('text'), null);
    assert.equal(languageForFence('constructor'), null);
  });

  it('the SyntaxChecker: strict JSON for .json (JSONC names allowed comments), language ids win, unknown files skipped', async () => {
    const ids = new Map([['scratch.txt', 'python']]);
    const check = await syntaxCheckerFor(['package.json', 'tsconfig.json', 'scratch.txt', 'README'], { languageIds: ids });
    assert.deepEqual(check('package.json', '{"a": 1}'), { ok: true });
    const comment = check('package.json', '// why\n{"a": 1}');
    assert.ok(comment && !comment.ok && comment.errors === 1, JSON.stringify(comment));
    assert.deepEqual(check('tsconfig.json', '// why\n{"a": 1}'), { ok: true });
    const bad = check('scratch.txt', 'def f(:\n');
    assert.ok(bad && !bad.ok && bad.errors === 1 && /\(python\)$/.test(bad.message), JSON.stringify(bad));
    assert.equal(check('README', 'anything ((('), null);
  });

  it('syntaxReward: a file broken before the patch is judged on whether the patch adds errors', async () => {
    const before = 'def f(x):\n    return x +\n\n\ndef g(y):\n    return y\n';
    const check = await syntaxCheckerFor(['m.py'], { bases: { 'm.py': before } });
    const change = (after: string) => [{ path: 'm.py', status: 'modified' as const, before, after }];
    // Same error, untouched: not held against the candidate.
    assert.deepEqual(syntaxReward(change(before.replace('return y', 'return y * 2')), check), { value: 1, error: null });
    // Fixed: parses.
    assert.deepEqual(syntaxReward(change(before.replace('x +', 'x + 1')), check), { value: 1, error: null });
    // A second error added: 0, and the message says the count went up.
    const worse = syntaxReward(change(before.replace('return y', 'return y *')), check);
    assert.equal(worse.value, 0);
    // ... and the message points at the error the patch added (line 6), not at the one already there (line 2).
    assert.match(worse.error!.message, /^m\.py: line 6:\d+: .*\(python\) \(syntax errors 1 -> 2\)$/);
    // The same edit one line lower (lines shifted by an insertion above it): still the new error, at its new line.
    const shifted = syntaxReward(change(before.replace('def g(y):', '# g\ndef g(y):').replace('return y', 'return y *')), check);
    assert.match(shifted.error!.message, /^m\.py: line 7:\d+: /);
    // A clean file broken by the patch: 0 with the first error.
    const clean = 'def g(y):\n    return y\n';
    const r = syntaxReward([{ path: 'm.py', status: 'modified', before: clean, after: 'def g(y):\n    return y +\n' }], check);
    assert.equal(r.value, 0);
    assert.equal(r.error!.code, 'patch_syntax');
  });

  it('rankPatch ranks Python candidates by syntax with the grammars loaded on demand', async () => {
    const file = 'def area(w, h):\n    return w * h\n';
    const sr = (r: string) => `\`\`\`python\n### geo.py\n<<<<<<< SEARCH\n    return w * h\n=======\n${r}\n>>>>>>> REPLACE\n\`\`\``;
    const out = await rankPatch({ groups: [{ group: 'g', prompt: 'p', candidates: [sr('    return (w * h'), sr('    return w * h * 1')], files: { 'geo.py': file } }] });
    const [broken, fine] = out.groups[0]!.candidates;
    assert.equal(broken!.rewards.syntax, 0);
    assert.equal(broken!.error?.code, 'patch_syntax');
    assert.match(broken!.error!.message, /^geo\.py: line 2:\d+: .*\(python\)$/);
    assert.equal(fine!.rewards.syntax, 1);
    assert.ok(fine!.rank < broken!.rank);
  });

  it('rankPatch takes the editor\'s language id for a file whose name says nothing (patch.rank languageIds)', async () => {
    const file = 'def area(w, h):\n    return w * h\n';
    const sr = (r: string) => `\`\`\`\n### tools/area\n<<<<<<< SEARCH\n    return w * h\n=======\n${r}\n>>>>>>> REPLACE\n\`\`\``;
    const group = { group: 'g', prompt: 'p', candidates: [sr('    return (w * h'), sr('    return w * h * 1')], files: { 'tools/area': file } };
    const unknown = await rankPatch({ groups: [group] });
    assert.deepEqual(unknown.groups[0]!.candidates.map((c) => c.rewards.syntax ?? null), [null, null], 'no extension, no language id: no syntax reward');
    const known = await rankPatch({ groups: [{ ...group, languageIds: { 'tools/area': 'python' } }] });
    const [broken, fine] = known.groups[0]!.candidates;
    assert.equal(broken!.rewards.syntax, 0);
    assert.match(broken!.error!.message, /\(python\)$/);
    assert.equal(fine!.rewards.syntax, 1);
  });

  it('checkJson: the value, or where JSON.parse failed (line and column) without echoing the input', async () => {
    assert.deepEqual(await checkJson('{"mark": "bar", "data": {"values": [1, 2]}}'), { ok: true, value: { mark: 'bar', data: { values: [1, 2] } } });
    const missingValue = await checkJson('{\n  "mark": "bar",\n  "encoding": {"x": }\n}');
    assert.ok(!missingValue.ok);
    assert.deepEqual([missingValue.line, missingValue.column], [3, 20]);
    assert.match(missingValue.message, /^line 3:20: Unexpected token/);
    assert.ok(!missingValue.message.includes('"mark"'), missingValue.message);
    const trailing = await checkJson('[1, 2,]');
    assert.ok(!trailing.ok && trailing.line === 1 && trailing.column === 7, JSON.stringify(trailing));
    const comment = await checkJson('{\n  // a comment\n  "a": 1\n}');
    assert.ok(!comment.ok && comment.line === 2 && comment.column === 3, JSON.stringify(comment));
    const truncated = await checkJson('{"a": [1, 2');
    assert.ok(!truncated.ok && truncated.line === 1, JSON.stringify(truncated));
  });

  it('checkSqlSyntax: no database, a position and what was found', () => {
    assert.deepEqual(checkSqlSyntax('SELECT name, count(*) FROM customers GROUP BY name ORDER BY 2 DESC LIMIT 5'), { ok: true });
    assert.deepEqual(checkSqlSyntax('WITH t AS (SELECT 1 AS x) SELECT x FROM t;'), { ok: true });
    const r = checkSqlSyntax('SELECT name\nFROM customers\nWHERE id = = 3');
    assert.ok(!r.ok);
    assert.equal(r.line, 3);
    assert.match(r.message, /^line 3:\d+: syntax error near "="$/);
    const end = checkSqlSyntax('SELECT * FROM t WHERE');
    assert.ok(!end.ok && /unexpected end of input$/.test(end.message), JSON.stringify(end));
  });
});
