/**
 * Patch benchmark (npx tsx bench/patch/bench.ts [--pairs N] [--iters N]). One table:
 *  1. SequenceMatcher(None, pred, oracle, autojunk=False).ratio() on real diff pairs (SWE-RL's inner loop):
 *     ours vs CPython's difflib, measured in the same run on the same pairs (Python times only its loop), with a
 *     check that every ratio is bit-identical.
 *  2. Ranking 8 candidates (mixed formats, with a reference) against a real ~2,000-line file: rankPatch p50/p95,
 *     next to CPython computing only the SWE-RL similarity of the same 8 candidates.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { applyCandidate, newContentOf } from '../../src/core/patch/candidate';
import { SequenceMatcher } from '../../src/core/patch/sequenceMatcher';
import { generateUnifiedDiff } from '../../src/core/patch/unifiedDiff';
import { rankPatch } from '../../src/worker/patch/rankPatch';
import { diffPairs, realFilePairs } from '../../test/unit/core/patch/realPairs';

const ROOT = path.resolve(__dirname, '../..');
const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const N_PAIRS = arg('pairs', 2000);
const ITERS = arg('iters', 30);
const MAX_DIFF_CHARS = 3000;

const PY_RATIOS = `
import difflib, json, sys, time
pairs = json.loads(sys.stdin.read())
t0 = time.perf_counter()
out = [difflib.SequenceMatcher(None, p, o, autojunk=False).ratio() for p, o in pairs]
dt = time.perf_counter() - t0
json.dump({"ms": dt * 1000, "ratios": out}, sys.stdout)
`;

const PY_GROUP = `
import difflib, json, sys, time
ctx, oracle_new, preds, iters = json.loads(sys.stdin.read())
def udiff(old, new):
    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), fromfile="old", tofile="new", lineterm="", n=3))
    return "\\n".join(lines[2:]) if lines else ""
def norm(new):
    return {p: d for p, c in new.items() if (d := udiff(ctx.get(p, ""), c))}
def reward(pred_new):
    o, p = norm(oracle_new), norm(pred_new)
    sims = [0.0 if not o.get(k) or not p.get(k) else difflib.SequenceMatcher(None, p[k], o[k], autojunk=False).ratio() for k in set(o) | set(p)]
    return sum(sims) / len(sims)
times = []
for _ in range(iters):
    t0 = time.perf_counter()
    rs = [reward(p) if p is not None else -1.0 for p in preds]
    times.append((time.perf_counter() - t0) * 1000)
json.dump({"times": times, "rewards": rs}, sys.stdout)
`;

function python(script: string, input: unknown): unknown {
  const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

function median(xs: number[]): number {
  return pct(xs, 50);
}

function ratioBench(): string[][] {
  const files = realFilePairs(ROOT, 600);
  const pairs = diffPairs(files, N_PAIRS, 11, MAX_DIFF_CHARS);
  const chars = pairs.map((p) => p.pred.length + p.oracle.length);
  // Ours: two runs, the second timed (JIT warm, as the worker is after its first request).
  let ours: number[] = [];
  let ms = 0;
  for (let run = 0; run < 2; run++) {
    const t0 = performance.now();
    ours = pairs.map((p) => new SequenceMatcher(null, p.pred, p.oracle, false).ratio());
    ms = performance.now() - t0;
  }
  const py = python(PY_RATIOS, pairs.map((p) => [p.pred, p.oracle])) as { ms: number; ratios: number[] };
  const mismatches = ours.filter((r, i) => r !== py.ratios[i]).length;
  const src = files.length > 0 ? (files[0]!.source.startsWith('git') ? 'git history' : 'node_modules versions') : 'none';
  return [
    [`ratio() on ${pairs.length} real diff pairs (${src}; median ${median(chars)} chars/pair, max ${MAX_DIFF_CHARS}/diff)`, `${ms.toFixed(0)} ms`, `${py.ms.toFixed(0)} ms`, `${(py.ms / ms).toFixed(1)}x`],
    [`  identical ratios (===)`, `${pairs.length - mismatches}/${pairs.length}`, '', ''],
  ];
}

function buildGroup(): { file: string; text: string; candidates: string[]; reference: string } {
  const candidatesPath = path.join(ROOT, 'node_modules', 'diff', 'dist', 'diff.js');
  const file = 'src/diff.js';
  const text = fs.readFileSync(candidatesPath, 'utf8');
  const lines = text.split('\n');
  const returns = lines.map((l, i) => (/^\s+return [^;]+;\s*$/.test(l) ? i : -1)).filter((i) => i >= 0);
  const pick = (k: number) => returns[Math.floor(((k + 1) * returns.length) / 10)]!;
  const edit = (i: number, f: (l: string) => string) => lines.map((l, j) => (j === i ? f(l) : l)).join('\n');
  const sr = (i: number, f: (l: string) => string) => `\`\`\`js\n### ${file}\n<<<<<<< SEARCH\n${lines[i - 1]}\n${lines[i]}\n=======\n${lines[i - 1]}\n${f(lines[i]!)}\n>>>>>>> REPLACE\n\`\`\``;
  const ud = (i: number, f: (l: string) => string) => `--- a/${file}\n+++ b/${file}\n${generateUnifiedDiff(text, edit(i, f))}\n`;
  const addComment = (l: string) => l.replace('return ', 'return /* checked */ ');
  const wrap = (l: string) => l.replace(/return (.*);/, 'return ($1);');
  const reference = sr(pick(2), addComment);
  const candidates = [
    sr(pick(2), addComment), // the reference itself
    ud(pick(2), addComment), // same edit as a unified diff
    sr(pick(2), wrap), // same place, different edit
    sr(pick(5), addComment), // right edit, wrong place
    ud(pick(7), wrap), // another place, as a diff
    `\`\`\`js\n${edit(pick(2), addComment)}\n\`\`\``, // whole-file rewrite (2,000+ lines through the matcher)
    sr(pick(3), (l) => l.replace(';', ' +;')), // syntax error
    sr(pick(4), (l) => l + ' // not in the file').replace(/<<<<<<< SEARCH\n[^\n]*\n/, '<<<<<<< SEARCH\n  nope();\n'), // search not found
  ];
  return { file, text, candidates, reference };
}

async function rankBench(): Promise<string[][]> {
  const g = buildGroup();
  const files = { [g.file]: g.text };
  const params = { groups: [{ group: 'bench', prompt: '', candidates: g.candidates, reference: g.reference, files }] };
  await rankPatch(params); // warm-up: loads TypeScript's parser once, as the worker does on its first request
  const times: number[] = [];
  for (let i = 0; i < ITERS; i++) {
    const t0 = performance.now();
    await rankPatch(params);
    times.push(performance.now() - t0);
  }
  // The same ranking with the TypeScript parse switched off: the like-for-like comparison with the Python column.
  const noSyntax: number[] = [];
  for (let i = 0; i < ITERS; i++) {
    const t0 = performance.now();
    await rankPatch(params, { syntax: () => null });
    noSyntax.push(performance.now() - t0);
  }
  const ctx = { files };
  const preds = g.candidates.map((c) => {
    const r = applyCandidate(c, ctx);
    return r.ok ? newContentOf(r.changes) : null;
  });
  const ref = applyCandidate(g.reference, ctx);
  if (!ref.ok) throw new Error('reference does not apply');
  const py = python(PY_GROUP, [files, newContentOf(ref.changes), preds, ITERS]) as { times: number[] };
  const lines = g.text.split('\n').length;
  return [
    [`rank 8 candidates vs a ${lines.toLocaleString('en-US')}-line file, p50 (ours: all rewards; CPython: similarity only)`, `${median(times).toFixed(1)} ms`, `${median(py.times).toFixed(1)} ms`, `${(median(py.times) / median(times)).toFixed(1)}x`],
    [`  same, p95`, `${pct(times, 95).toFixed(1)} ms`, `${pct(py.times, 95).toFixed(1)} ms`, ''],
    [`  same without the TypeScript syntax parse, p50`, `${median(noSyntax).toFixed(1)} ms`, `${median(py.times).toFixed(1)} ms`, `${(median(py.times) / median(noSyntax)).toFixed(1)}x`],
  ];
}

function table(rows: string[][]): string {
  const head = ['measurement', 'Reward Lens (TS)', 'CPython difflib', 'speed-up'];
  const all = [head, ...rows];
  const w = head.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  const fmt = (r: string[]) => '| ' + r.map((x, c) => (c === 0 ? x.padEnd(w[c]!) : x.padStart(w[c]!))).join(' | ') + ' |';
  return [fmt(head), '|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|', ...rows.map(fmt)].join('\n');
}

async function main(): Promise<void> {
  const rows = [...ratioBench(), ...(await rankBench())];
  console.log(`\npatch benchmark: node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), python3 ${spawnSync('python3', ['-V'], { encoding: 'utf8' }).stdout.trim()}`);
  console.log(table(rows));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
