/**
 * Patch benchmark (npx tsx bench/patch/bench.ts [--pairs N] [--iters N]). One table:
 *  1. SequenceMatcher(None, pred, oracle, autojunk=False).ratio() on real diff pairs (SWE-RL's inner loop):
 *     ours vs CPython's difflib, measured in the same run on the same pairs (Python times only its loop), with a
 *     check that every ratio is bit-identical.
 *  2. Ranking 8 candidates (mixed formats, with a reference, one syntax error) against a real ~2,000-line TypeScript
 *     file and a ~2,000-line Python file: rankPatch p50/p95 with all rewards and the tree-sitter syntax port, the
 *     same before it (TypeScript's parser for TS, no check for Python) and with no syntax parse, all in the same run,
 *     next to CPython computing only the SWE-RL similarity of the same 8 candidates. The load average is printed.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { applyCandidate, newContentOf } from '../../src/core/patch/candidate';
import { SequenceMatcher } from '../../src/core/patch/sequenceMatcher';
import { generateUnifiedDiff } from '../../src/core/patch/unifiedDiff';
import type * as TS from 'typescript';
import type { PatchRankParams } from '../../src/core/patch/protocol';
import { chainCheckers, jsonSyntaxChecker, type SyntaxChecker } from '../../src/core/patch/rewards';
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

/** A ~2,000-line file in one language and how to make edits of it (a `return` line changed in three ways). */
interface Subject {
  label: string;
  file: string;
  abs: string;
  fence: string;
  returns: RegExp;
  addComment: (l: string) => string;
  wrap: (l: string) => string;
  breakIt: (l: string) => string;
}

const SUBJECTS: Subject[] = [
  {
    label: 'TypeScript',
    file: 'src/runtime.ts',
    // @huggingface/jinja ships its TypeScript sources (2,224 lines); it is a dependency, so it is always there.
    abs: path.join(ROOT, 'node_modules', '@huggingface', 'jinja', 'src', 'runtime.ts'),
    fence: 'ts',
    returns: /^\s+return [^;]+;\s*$/,
    addComment: (l) => l.replace('return ', 'return /* checked */ '),
    wrap: (l) => l.replace(/return (.*);/, 'return ($1);'),
    breakIt: (l) => l.replace(';', ' +;'),
  },
  {
    label: 'Python',
    file: 'difflib.py',
    // Debian's python3.11 standard library (2,056 lines); the row is skipped where it is not installed.
    abs: '/usr/lib/python3.11/difflib.py',
    fence: 'python',
    returns: /^\s+return [\w.]+(\([^()]*\))?\s*$/,
    addComment: (l) => `${l}  # checked`,
    wrap: (l) => l.replace(/return (.*)$/, 'return ($1)'),
    breakIt: (l) => `${l} +`,
  },
];

function buildGroup(s: Subject): { file: string; text: string; candidates: string[]; reference: string } {
  const file = s.file;
  const text = fs.readFileSync(s.abs, 'utf8');
  const lines = text.split('\n');
  const returns = lines.map((l, i) => (s.returns.test(l) ? i : -1)).filter((i) => i >= 0);
  const pick = (k: number) => returns[Math.floor(((k + 1) * returns.length) / 10)]!;
  const edit = (i: number, f: (l: string) => string) => lines.map((l, j) => (j === i ? f(l) : l)).join('\n');
  const sr = (i: number, f: (l: string) => string) => `\`\`\`${s.fence}\n### ${file}\n<<<<<<< SEARCH\n${lines[i - 1]}\n${lines[i]}\n=======\n${lines[i - 1]}\n${f(lines[i]!)}\n>>>>>>> REPLACE\n\`\`\``;
  const ud = (i: number, f: (l: string) => string) => `--- a/${file}\n+++ b/${file}\n${generateUnifiedDiff(text, edit(i, f))}\n`;
  const reference = sr(pick(2), s.addComment);
  const candidates = [
    sr(pick(2), s.addComment), // the reference itself
    ud(pick(2), s.addComment), // same edit as a unified diff
    sr(pick(2), s.wrap), // same place, different edit
    sr(pick(5), s.addComment), // right edit, wrong place
    ud(pick(7), s.wrap), // another place, as a diff
    `\`\`\`${s.fence}\n${edit(pick(2), s.addComment)}\n\`\`\``, // whole-file rewrite (2,000+ lines through the matcher)
    sr(pick(3), s.breakIt), // syntax error
    sr(pick(4), (l) => l + ' // not in the file').replace(/<<<<<<< SEARCH\n[^\n]*\n/, '<<<<<<< SEARCH\n  nope();\n'), // search not found
  ];
  return { file, text, candidates, reference };
}

/**
 * The retired TypeScript-parser checker (src/worker/patch/tsSyntax.ts until the tree-sitter port replaced it), kept
 * here as the "before" of the TypeScript row: createSourceFile's parse diagnostics, JSON.parse for .json.
 */
function typescriptParserChecker(): SyntaxChecker {
  const ts = require('typescript') as typeof TS;
  const tsChecker: SyntaxChecker = (p, text) => {
    if (!/\.([cm]?[jt]sx?)$/i.test(p)) return null;
    const kind = /x$/i.test(p) ? (/tsx$/i.test(p) ? ts.ScriptKind.TSX : ts.ScriptKind.JSX) : /ts$/i.test(p) ? ts.ScriptKind.TS : ts.ScriptKind.JS;
    const sf = ts.createSourceFile(p, text, ts.ScriptTarget.Latest, false, kind);
    const first = (sf as unknown as { parseDiagnostics?: readonly TS.Diagnostic[] }).parseDiagnostics?.[0];
    return first ? { ok: false, message: ts.flattenDiagnosticMessageText(first.messageText, '\n') } : { ok: true };
  };
  return chainCheckers(tsChecker, jsonSyntaxChecker);
}

async function timeRank(params: PatchRankParams, syntax: SyntaxChecker | undefined): Promise<{ times: number[]; syntaxRewards: (number | undefined)[] }> {
  const opts = syntax ? { syntax } : {};
  const warm = await rankPatch(params, opts); // warm-up: loads the parser (TypeScript or the grammar) once, as the worker does on its first request
  const times: number[] = [];
  for (let i = 0; i < ITERS; i++) {
    const t0 = performance.now();
    await rankPatch(params, opts);
    times.push(performance.now() - t0);
  }
  return { times, syntaxRewards: warm.groups[0]!.candidates.map((c) => c.rewards.syntax) };
}

async function rankBench(s: Subject): Promise<string[][]> {
  if (!fs.existsSync(s.abs)) return [[`rank 8 candidates vs ${s.abs}: not installed here, skipped`, '', '', '']];
  const g = buildGroup(s);
  const files = { [g.file]: g.text };
  const params: PatchRankParams = { groups: [{ group: 'bench', prompt: '', candidates: g.candidates, reference: g.reference, files }] };
  const after = await timeRank(params, undefined);
  // Before this port: TypeScript's parser for TS/JS (and JSON.parse), nothing for Python.
  const before = await timeRank(params, s.label === 'TypeScript' ? typescriptParserChecker() : jsonSyntaxChecker);
  // The same ranking with no syntax parse at all: the like-for-like comparison with the Python column.
  const none = await timeRank(params, () => null);
  // The syntax-error candidate (index 6) must be caught by the port, or the timing compares different work.
  if (after.syntaxRewards[6] !== 0) throw new Error(`${s.label}: the syntax-error candidate was not caught (${after.syntaxRewards[6]})`);
  const ctx = { files };
  const preds = g.candidates.map((c) => {
    const r = applyCandidate(c, ctx);
    return r.ok ? newContentOf(r.changes) : null;
  });
  const ref = applyCandidate(g.reference, ctx);
  if (!ref.ok) throw new Error('reference does not apply');
  const py = python(PY_GROUP, [files, newContentOf(ref.changes), preds, ITERS]) as { times: number[] };
  const lines = g.text.split('\n').length;
  const pyMs = median(py.times);
  const row = (what: string, xs: number[]) => [what, `${median(xs).toFixed(1)} ms`, `${pyMs.toFixed(1)} ms`, `${(pyMs / median(xs)).toFixed(1)}x`];
  const beforeName = s.label === 'TypeScript' ? "before: TypeScript's parser" : 'before: no Python syntax check';
  return [
    row(`rank 8 candidates vs a ${lines.toLocaleString('en-US')}-line ${s.label} file, p50, all rewards (after: tree-sitter)`, after.times),
    [`  same, p95`, `${pct(after.times, 95).toFixed(1)} ms`, `${pct(py.times, 95).toFixed(1)} ms`, ''],
    row(`  ${beforeName}, p50`, before.times),
    row(`  without any syntax parse, p50`, none.times),
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
  const rows = [...ratioBench()];
  for (const subject of SUBJECTS) rows.push(...(await rankBench(subject)));
  const load = fs.existsSync('/proc/loadavg') ? fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') : os.loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`\npatch benchmark: node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), python3 ${spawnSync('python3', ['-V'], { encoding: 'utf8' }).stdout.trim()}, load average ${load}`);
  console.log(table(rows));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
