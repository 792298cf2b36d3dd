/**
 * Copy-heavy generation benchmark (issue 14 item 4): N=8 rewrites of a source file with a one-line change, 256 new
 * tokens each (EOS ignored), temperature 0.8 + top-p 0.95, on a model that has learnt to copy
 * (`scripts/make-tiny-model/make.sh --corpus edit` builds it into build/tiny-model-edit/out; a random-weight model
 * never copies, so prompt lookup would draft nothing it keeps). Reward Lens plain, Reward Lens with prompt lookup
 * at several draft lengths k, and @huggingface/transformers generate() on the same folder, each case in its own
 * process through bench.ts's harness, all in one run.
 *
 * The prompt is the edit corpus's own format (editCorpus.ts): the instruction with the old and the new line, then
 * the file. The file is the first lines of BENCH_COPY_FILE, as many as the model's context (max_position_embeddings)
 * leaves room for beside the new tokens, at most 300. Default: src/core/sampling/generate.ts, a file of this
 * repository, which the model was not trained on, as of commit PINNED (read with git, so the prompt stays the one the
 * README's tables were measured on when the file changes; the working file, with a warning, where git cannot show
 * it). The changed line is within the first lines, so the 256 new tokens pass it.
 * Usage: npx tsx bench/generate/copy.ts   (BENCH_COPY_MODEL, BENCH_COPY_FILE, BENCH_NEW (256), BENCH_KS ("4,8,16"),
 *        BENCH_SEED (1): the sampling seed of our cases)
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tokenizer } from '@huggingface/tokenizers';
import { runCase, type CaseResult } from './bench';
import { changeLine, editPromptText } from '../../scripts/make-tiny-model/editCorpus';
import { mulberry32 } from '../../src/core/sampling/rng';

const REPO = path.resolve(__dirname, '..', '..');
const N = 8;
const MODEL = path.resolve(process.env.BENCH_COPY_MODEL ?? path.join(REPO, 'build', 'tiny-model-edit', 'out'));
const DEFAULT_FILE = 'src/core/sampling/generate.ts';
/** The commit whose DEFAULT_FILE the tables in README.md were measured on (prompt 5,635 tokens). */
const PINNED = 'cef9c6d';
const FILE = path.resolve(process.env.BENCH_COPY_FILE ?? path.join(REPO, DEFAULT_FILE));

function sourceText(): { text: string; label: string } {
  if (process.env.BENCH_COPY_FILE) return { text: fs.readFileSync(FILE, 'utf8'), label: path.relative(REPO, FILE) };
  try {
    const text = execFileSync('git', ['show', `${PINNED}:${DEFAULT_FILE}`], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return { text, label: `${DEFAULT_FILE} at ${PINNED}` };
  } catch {
    console.warn(`git cannot show ${PINNED}:${DEFAULT_FILE} (no git, or a shallow clone): using the working file, so the prompt differs from the README's tables`);
    return { text: fs.readFileSync(FILE, 'utf8'), label: `${DEFAULT_FILE} (working copy)` };
  }
}
const NEW = Number(process.env.BENCH_NEW ?? 256);
const KS = (process.env.BENCH_KS ?? '4,8,16').split(',').map(Number);
const MAX_LINES = 300;

interface Workload {
  /** Where the file came from (the pinned commit, the working copy, BENCH_COPY_FILE). */
  source: string;
  ids: number[];
  expected: number[];
  lines: number;
  oldLine: string;
  newLine: string;
  changedAt: number;
}

function workload(): Workload {
  const cfg = JSON.parse(fs.readFileSync(path.join(MODEL, 'config.json'), 'utf8')) as { max_position_embeddings: number };
  const tok = new Tokenizer(JSON.parse(fs.readFileSync(path.join(MODEL, 'tokenizer.json'), 'utf8')), JSON.parse(fs.readFileSync(path.join(MODEL, 'tokenizer_config.json'), 'utf8')));
  const enc = (s: string) => tok.encode(s, { add_special_tokens: false }).ids;
  const { text, label } = sourceText();
  const src = text.replace(/\r/g, '').split('\n');
  // the change: the first line of at least 30 characters after line 5 (deterministic), changed as the corpus does
  const changedAt = src.findIndex((l, i) => i >= 5 && l.trim().length >= 30);
  const oldLine = src[changedAt]!;
  const words = [...new Set(src.join('\n').match(/\b[A-Za-z_][A-Za-z0-9_]{2,}\b/g) ?? ['value'])];
  const newLine = changeLine(oldLine, words, mulberry32(7));
  for (let n = Math.min(MAX_LINES, src.length); n > changedAt; n--) {
    const file = src.slice(0, n);
    const ids = enc(editPromptText(file.join('\n'), oldLine, newLine));
    if (ids.length + NEW <= cfg.max_position_embeddings) {
      const edited = file.slice();
      edited[changedAt] = newLine;
      return { source: label, ids, expected: enc(edited.join('\n')).slice(0, NEW), lines: n, oldLine, newLine, changedAt };
    }
  }
  throw new Error(`the model's context (${cfg.max_position_embeddings}) has no room for ${NEW} new tokens after the prompt`);
}

/** Leading tokens of a row equal to the expected rewrite (the same text can tokenise differently: a lower bound). */
function copiedPrefix(out: readonly number[], expected: readonly number[]): number {
  let i = 0;
  while (i < out.length && i < expected.length && out[i] === expected[i]) i++;
  return i;
}

function main(): void {
  const w = workload();
  const tok = new Tokenizer(JSON.parse(fs.readFileSync(path.join(MODEL, 'tokenizer.json'), 'utf8')), JSON.parse(fs.readFileSync(path.join(MODEL, 'tokenizer_config.json'), 'utf8')));
  const load0 = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`model ${path.relative(REPO, MODEL)}; file ${w.source}, first ${w.lines} lines (line ${w.changedAt + 1} changed), prompt ${w.ids.length} tokens, ${NEW} new tokens x N=${N}`);
  console.log(`old: ${w.oldLine.trim()}\nnew: ${w.newLine.trim()}`);
  const cases: { name: string; r: CaseResult }[] = [];
  const co = { ids: w.ids, newTokens: NEW };
  cases.push({ name: 'transformers.js', r: runCase('baseline', MODEL, co) });
  cases.push({ name: 'ours plain', r: runCase('ours', MODEL, co) });
  for (const k of KS) cases.push({ name: `ours k=${k}`, r: runCase('ours-spec', MODEL, { ...co, k }) });
  const load1 = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const base = cases[0]!.r;
  const head = ['engine', 'forwards', 'tokens/row/pass', 'tokens per row pass', 'accepted/drafted', 'prefill ms', 'total ms', 'new tok/s', 'peak RSS MB', 'vs transformers.js', 'copied prefix (mean/min)', 'rows with the change'];
  const rows = cases.map(({ r }) => {
    const outs = r.outputs ?? [];
    const pre = outs.map((o) => copiedPrefix(o, w.expected));
    const changed = outs.filter((o) => tok.decode(o).includes(w.newLine.trim())).length;
    return [r.engine, r.forwards === undefined ? '-' : String(r.forwards), r.forwards ? (r.newTokens / N / r.forwards).toFixed(2) : '-', r.rowForwards ? (r.newTokens / r.rowForwards).toFixed(2) : '-',
      r.draftedTokens ? `${r.acceptedTokens}/${r.draftedTokens}` : r.forwards === undefined ? '-' : '0/0', r.prefillMs === null ? '-' : r.prefillMs.toFixed(0),
      r.totalMs.toFixed(0), (r.newTokens / (r.totalMs / 1000)).toFixed(1), r.peakRssMb.toFixed(0), r === base ? '1.00x' : `${(base.totalMs / r.totalMs).toFixed(2)}x`,
      pre.length ? `${(pre.reduce((a, b) => a + b, 0) / pre.length).toFixed(0)}/${Math.min(...pre)}` : '-', outs.length ? `${changed}/${outs.length}` : '-'];
  });
  console.log(`\nload average ${load0} (start) / ${load1} (end); CPU provider, ${os.cpus().length} cores, onnxruntime-node ${require('onnxruntime-node/package.json').version}`);
  const wd = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => c.padEnd(wd[i]!)).join(' | ') + ' |';
  console.log(line(head));
  console.log('|' + wd.map((x) => '-'.repeat(x + 2)).join('|') + '|');
  for (const r of rows) console.log(line(r));
  const sample = cases[1]!.r.outputs?.[0];
  if (sample) console.log(`\nrow 0 of ours plain, first 300 characters:\n${tok.decode(sample).slice(0, 300)}`);
}

main();
