/**
 * TypeScript's parser vs tree-sitter on the same TS/JS corpus (npx tsx bench/patch/syntaxParsers.ts [--mutants N]).
 * The corpus is every tracked .ts/.tsx/.js/.mjs/.cjs file of this repository outside fixtures/; each file gets N
 * one-character corruptions (a bracket, brace, paren, colon, comma, quote or backtick dropped, seeded). One table:
 * clean files flagged (false alarms), corruptions caught, and parse time of the whole clean corpus (warm, p50 of 5).
 * The decision it informs (which parser the patch `syntax` reward uses for TS/JS) is recorded in the commit log.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type * as TS from 'typescript';
import { mulberry32 } from '../../src/core/sampling/rng';
import { languageFor } from '../../src/worker/syntax/languages';
import { checkLoaded, grammarsFor } from '../../src/worker/syntax/syntaxPort';
import { loadGrammars } from '../../src/worker/syntax/treeSitter';

const ROOT = path.resolve(__dirname, '../..');
const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const MUTANTS = arg('mutants', 4);

const ts = require('typescript') as typeof TS;

function tsErrors(file: string, text: string): number {
  const kind = file.endsWith('.tsx') ? ts.ScriptKind.TSX : /\.[cm]?ts$/.test(file) ? ts.ScriptKind.TS : ts.ScriptKind.JSX;
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, kind);
  return ((sf as unknown as { parseDiagnostics?: readonly TS.Diagnostic[] }).parseDiagnostics ?? []).length;
}

function tsitterErrors(file: string, text: string): number {
  return checkLoaded(languageFor(file)!, text)!.errors;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const files = execFileSync('git', ['ls-files', '*.ts', '*.tsx', '*.js', '*.mjs', '*.cjs'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && !f.startsWith('fixtures/') && fs.existsSync(path.join(ROOT, f)));
  const corpus = files.map((f) => ({ file: f, text: fs.readFileSync(path.join(ROOT, f), 'utf8') }));
  await loadGrammars(grammarsFor(files));
  const rand = mulberry32(13);
  const mutants: { file: string; text: string }[] = [];
  for (const { file, text } of corpus) {
    const spots = [...text.matchAll(/[()[\]{}:,"'`]/g)].map((m) => m.index!);
    for (let k = 0; k < MUTANTS && spots.length > 0; k++) {
      const at = spots[Math.floor(rand() * spots.length)]!;
      mutants.push({ file, text: text.slice(0, at) + text.slice(at + 1) });
    }
  }
  const parsers = { 'typescript (createSourceFile)': tsErrors, 'tree-sitter (wasm)': tsitterErrors };
  const rows: string[][] = [];
  const caughtBy: Record<string, boolean[]> = {};
  for (const [name, errs] of Object.entries(parsers)) {
    const times: number[] = [];
    let flagged = 0;
    for (let run = 0; run < 6; run++) {
      const t0 = performance.now();
      flagged = corpus.filter((c) => errs(c.file, c.text) > 0).length;
      if (run > 0) times.push(performance.now() - t0);
    }
    const caught = mutants.map((m) => errs(m.file, m.text) > 0);
    caughtBy[name] = caught;
    rows.push([name, `${flagged}/${corpus.length}`, `${caught.filter(Boolean).length}/${mutants.length}`, `${median(times).toFixed(0)} ms`]);
  }
  const [a, b] = Object.values(caughtBy) as [boolean[], boolean[]];
  const onlyA = a.filter((x, i) => x && !b[i]).length;
  const onlyB = b.filter((x, i) => x && !a[i]).length;
  const lines = corpus.reduce((n, c) => n + c.text.split('\n').length, 0);
  console.log(`\nTS/JS syntax parsers: ${corpus.length} files (${lines.toLocaleString('en-US')} lines), ${mutants.length} one-character corruptions; node ${process.version}, ${os.cpus().length} CPUs, load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  const head = ['parser', 'clean files flagged', 'corruptions caught', 'parse clean corpus (p50)'];
  const all = [head, ...rows];
  const w = head.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  const fmt = (r: string[]) => '| ' + r.map((x, c) => (c === 0 ? x.padEnd(w[c]!) : x.padStart(w[c]!))).join(' | ') + ' |';
  console.log([fmt(head), '|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|', ...rows.map(fmt)].join('\n'));
  console.log(`caught only by typescript: ${onlyA}; only by tree-sitter: ${onlyB}`);
  if (process.argv.includes('--show')) {
    for (const [i, m] of mutants.entries()) {
      if (a[i] === b[i]) continue;
      const at = [...m.text].findIndex((ch, j) => ch !== corpus.find((c) => c.file === m.file)!.text[j]);
      console.log(`${a[i] ? 'typescript' : 'tree-sitter'} only: ${m.file}: ${JSON.stringify(m.text.slice(Math.max(0, at - 40), at + 20))}`);
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
