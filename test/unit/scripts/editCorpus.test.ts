/** scripts/make-tiny-model/editCorpus.ts: the copy/edit corpus the benchmark's copy-capable model is trained on. */
import * as assert from 'assert';
import { changeLine, editPromptText, makeEditCorpus } from '../../../scripts/make-tiny-model/editCorpus';
import { mulberry32 } from '../../../src/core/sampling/rng';

const FILES = [
  Array.from({ length: 60 }, (_, i) => `export function f${i}(a, b) {\n  return a * ${i} + b; // "step ${i}"\n}`).join('\n'),
  Array.from({ length: 80 }, (_, i) => `const value${i} = compute('item${i}', ${i * 3});`).join('\n'),
];

describe('make-tiny-model editCorpus', () => {
  it('changeLine returns a different line (number, string or identifier replaced)', () => {
    const rnd = mulberry32(3);
    for (const line of ['  return a * 12 + b;', "  log('hello world');", '  const total = items.length;', '}}}}}}}}']) {
      for (let i = 0; i < 20; i++) assert.notStrictEqual(changeLine(line, ['other', 'name'], rnd), line, line);
    }
  });

  it('each document is the request plus the file with exactly that one line changed, and ends the answer', () => {
    const text = makeEditCorpus(FILES, 40, 600, 11);
    const docs = text.split('<|endoftext|>').map((d) => d.replace(/^\n/, '')).filter((d) => d.length);
    assert.strictEqual(docs.length, 40);
    for (const d of docs) {
      const m = /^<\|im_start\|>user\nRewrite the whole file with one change: replace the line\n(.*)\nwith\n(.*)\n\n([\s\S]*)<\|im_end\|>\n<\|im_start\|>assistant\n([\s\S]*)<\|im_end\|>\n$/.exec(d);
      assert.ok(m, d.slice(0, 200));
      const [, oldLine, newLine, file, answer] = m;
      assert.notStrictEqual(oldLine, newLine);
      const a = file!.split('\n');
      const b = answer!.split('\n');
      assert.strictEqual(a.length, b.length);
      const diff = a.map((l, i) => i).filter((i) => a[i] !== b[i]);
      assert.strictEqual(diff.length, 1, 'exactly one line differs');
      assert.strictEqual(a[diff[0]!], oldLine);
      assert.strictEqual(b[diff[0]!], newLine);
      assert.ok(a.join('\n').length <= 600 || a.length === 8, 'a window stays within its character budget');
      assert.strictEqual(editPromptText(file!, oldLine!, newLine!) + answer + '<|im_end|>\n', d);
    }
    assert.strictEqual(makeEditCorpus(FILES, 40, 600, 11), text, 'deterministic for a seed');
  });
});
