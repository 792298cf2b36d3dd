/**
 * Copy/edit corpus for a benchmark model that copies (issue 14 item 4): "rewrite the whole file with this one-line
 * change" conversations whose answer is the file with the change. A random-weight model never copies, so prompt
 * lookup drafts are never kept on it; a model trained on this learns induction (copy) heads in minutes of CPU.
 *
 * Source text: JavaScript/TypeScript files read from node_modules as raw text (windows of whole lines), which is
 * fine for a local benchmark model that is never committed or shipped. This repository's own src/ is left out, so
 * the bench can rewrite one of its files without the model having seen it.
 * Usage: npx tsx scripts/make-tiny-model/editCorpus.ts OUT_FILE [N_DOCS] [MAX_CHARS_PER_FILE] [SEED]
 */
import * as fs from 'fs';
import * as path from 'path';
import { mulberry32 } from '../../src/core/sampling/rng';

/** The user turn: instruction first (old and new line verbatim), then the file. */
export function editRequest(file: string, oldLine: string, newLine: string): string {
  return `Rewrite the whole file with one change: replace the line\n${oldLine}\nwith\n${newLine}\n\n${file}`;
}

/** ChatML prompt for one request, as the tokenizer's chat template renders it with add_generation_prompt. */
export function editPromptText(file: string, oldLine: string, newLine: string): string {
  return `<|im_start|>user\n${editRequest(file, oldLine, newLine)}<|im_end|>\n<|im_start|>assistant\n`;
}

/** Readable source files under `root` (not minified, not generated bundles), sorted for determinism. */
export function sourceFiles(root: string, max = 4000): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 8 || out.length >= max * 4) return;
    let ents: fs.Dirent[];
    try { ents = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    ents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of ents) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) { if (e.name !== '.bin' && e.name !== 'test' && e.name !== '__tests__') walk(p, depth + 1); }
      else if (/\.(m?js|ts)$/.test(e.name) && !/\.(d|min)\.|bundle|\.umd\./.test(e.name)) out.push(p);
    }
  };
  walk(root, 0);
  const ok: string[] = [];
  const seen = new Set<string>();
  for (const p of out) {
    let s: string;
    try { if (fs.statSync(p).size < 2000 || fs.statSync(p).size > 200_000) continue; s = fs.readFileSync(p, 'utf8'); } catch { continue; }
    const lines = s.split('\n');
    if (lines.length < 40 || lines.some((l) => l.length > 200) || s.length / lines.length > 90 || /[^\x09\x0a\x0d\x20-\x7e]/.test(s)) continue;
    const key = s.slice(0, 400);
    if (seen.has(key)) continue; // the same file shipped by several packages
    seen.add(key);
    ok.push(s);
    if (ok.length >= max) break;
  }
  return ok;
}

/** A plausible one-line change: another number, another string, or another identifier from the file. */
export function changeLine(line: string, words: readonly string[], rnd: () => number): string {
  const out = changeOnce(line, words, rnd);
  return out === line ? `${line} // changed` : out;
}

function changeOnce(line: string, words: readonly string[], rnd: () => number): string {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)] as T;
  const nums = [...line.matchAll(/\b\d+\b/g)];
  const strs = [...line.matchAll(/(['"])([^'"\\]{1,40})\1/g)];
  const ids = [...line.matchAll(/\b[A-Za-z_][A-Za-z0-9_]{2,}\b/g)];
  const r = rnd();
  if (nums.length && r < 0.35) {
    const m = pick(nums);
    return line.slice(0, m.index) + String(Math.floor(rnd() * 2000)) + line.slice(m.index! + m[0].length);
  }
  if (strs.length && r < 0.6) {
    const m = pick(strs);
    return line.slice(0, m.index) + m[1] + pick(words) + m[1] + line.slice(m.index! + m[0].length);
  }
  if (ids.length) {
    const m = pick(ids);
    let w = pick(words);
    if (w === m[0]) w = `${w}2`;
    return line.slice(0, m.index) + w + line.slice(m.index! + m[0].length);
  }
  return `${line} // ${pick(words)}`;
}

/**
 * nDocs conversations; each file is a window of whole lines of at most maxChars (length drawn uniformly so the
 * model sees short and long copies), and each document ends with `<|endoftext|>`.
 */
export function makeEditCorpus(files: readonly string[], nDocs: number, maxChars: number, seed = 0x2545f491): string {
  const rnd = mulberry32(seed);
  const docs: string[] = [];
  for (let i = 0; i < nDocs; i++) {
    const src = files[Math.floor(rnd() * files.length)]!.replace(/\r/g, '').split('\n');
    const want = maxChars * (0.15 + 0.85 * rnd());
    let a = Math.floor(rnd() * Math.max(1, src.length - 20));
    let b = a;
    let chars = 0;
    while (b < src.length && chars + src[b]!.length + 1 <= want) chars += src[b++]!.length + 1;
    if (b - a < 8) { a = 0; b = Math.min(src.length, 8); }
    const lines = src.slice(a, b);
    const cand = lines.map((l, j) => [l, j] as const).filter(([l]) => l.trim().length >= 8);
    if (!cand.length) { i--; continue; }
    const [old, at] = cand[Math.floor(rnd() * cand.length)]!;
    const words = [...new Set(lines.join('\n').match(/\b[A-Za-z_][A-Za-z0-9_]{2,}\b/g) ?? ['value'])];
    const neu = changeLine(old, words, rnd);
    const edited = lines.slice();
    edited[at] = neu;
    docs.push(`${editPromptText(lines.join('\n'), old, neu)}${edited.join('\n')}<|im_end|>\n<|endoftext|>`);
  }
  return docs.join('\n');
}

if (require.main === module) {
  const out = process.argv[2] ?? 'build/tiny-model-edit/corpus.txt';
  const n = Number(process.argv[3] ?? 3000);
  const maxChars = Number(process.argv[4] ?? 3000);
  const files = sourceFiles(path.resolve(__dirname, '..', '..', 'node_modules'));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, makeEditCorpus(files, n, maxChars, process.argv[5] === undefined ? undefined : Number(process.argv[5])));
  console.log(`wrote ${out}: ${n} docs from ${files.length} files, ${fs.statSync(out).size} bytes`);
}
