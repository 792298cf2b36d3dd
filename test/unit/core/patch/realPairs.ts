/**
 * Real text for the SequenceMatcher oracle tests and the patch benchmark: pairs of versions of the same file.
 * Source 1: this repository's own git history (`git log`, parent vs child blob of every modified file).
 * Source 2, when history is thin: files that ship at two versions inside node_modules (a package hoisted at one
 * version and nested under another package at another), e.g. node_modules/diff vs node_modules/mocha/node_modules/diff.
 * Diff pairs (an "oracle" patch and a "predicted" patch of the same file, as SWE-RL compares them) are built by
 * reverting a random subset of the real change's hunks: a partly right patch of a real edit.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SequenceMatcher } from '../../../../src/core/patch/sequenceMatcher';
import { generateUnifiedDiff, pySplitLines } from '../../../../src/core/patch/unifiedDiff';

export interface FilePair {
  source: string;
  old: string;
  new: string;
}

export interface DiffPair {
  source: string;
  oracle: string;
  pred: string;
}

const TEXT_EXT = /\.(ts|js|mjs|cjs|json|md|txt|py|css|html|yml|yaml)$/;
const MAX_CHARS = 60_000;

/** Seeded PRNG (mulberry32) so every run sees the same cases. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function isUsable(a: string, b: string): boolean {
  return a !== b && a.length < MAX_CHARS && b.length < MAX_CHARS && !a.includes('\u0000') && !b.includes('\u0000');
}

/** Parent/child versions of modified text files in the git history of `repoRoot` (newest first). */
export function gitFilePairs(repoRoot: string, max: number): FilePair[] {
  let log: string;
  try {
    log = execFileSync('git', ['-C', repoRoot, 'log', '--no-merges', '--diff-filter=M', '--format=@%H', '--name-only', '-n', '2000'], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return [];
  }
  const specs: { commit: string; file: string }[] = [];
  let commit = '';
  for (const line of log.split('\n')) {
    if (line.startsWith('@')) commit = line.slice(1);
    else if (line && commit && TEXT_EXT.test(line)) specs.push({ commit, file: line });
  }
  const out: FilePair[] = [];
  for (const { commit: c, file } of specs) {
    if (out.length >= max) break;
    try {
      const show = (rev: string) => execFileSync('git', ['-C', repoRoot, 'show', `${rev}:${file}`], { encoding: 'utf8', maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
      const a = show(`${c}^`);
      const b = show(c);
      if (isUsable(a, b)) out.push({ source: `git ${c.slice(0, 8)} ${file}`, old: a, new: b });
    } catch {
      // file added in a merge parent or renamed: skip
    }
  }
  return out;
}

function listFiles(dir: string, rel = '', out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((x, y) => (x.name < y.name ? -1 : 1))) {
    if (e.name === 'node_modules') continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) listFiles(p, `${rel}${e.name}/`, out);
    else if (TEXT_EXT.test(e.name)) out.push(rel + e.name);
  }
  return out;
}

/** Same file at two versions of one npm package (hoisted copy vs a nested copy). */
export function nodeModulesFilePairs(repoRoot: string, max: number): FilePair[] {
  const nm = path.join(repoRoot, 'node_modules');
  if (!fs.existsSync(nm)) return [];
  const owners = fs.readdirSync(nm).filter((d) => fs.existsSync(path.join(nm, d, 'node_modules'))).sort();
  const out: FilePair[] = [];
  for (const owner of owners) {
    const nestedRoot = path.join(nm, owner, 'node_modules');
    const names: string[] = [];
    for (const d of fs.readdirSync(nestedRoot).sort()) {
      if (d.startsWith('.')) continue;
      if (d.startsWith('@')) for (const s of fs.readdirSync(path.join(nestedRoot, d)).sort()) names.push(`${d}/${s}`);
      else names.push(d);
    }
    for (const name of names) {
      const top = path.join(nm, name);
      const nested = path.join(nestedRoot, name);
      if (!fs.existsSync(path.join(top, 'package.json')) || !fs.existsSync(path.join(nested, 'package.json'))) continue;
      let v0: string;
      let v1: string;
      try {
        v0 = JSON.parse(fs.readFileSync(path.join(top, 'package.json'), 'utf8')).version;
        v1 = JSON.parse(fs.readFileSync(path.join(nested, 'package.json'), 'utf8')).version;
      } catch {
        continue;
      }
      if (v0 === v1) continue;
      const [olderDir, newerDir] = v0 < v1 ? [top, nested] : [nested, top];
      for (const f of listFiles(olderDir)) {
        const q = path.join(newerDir, f);
        if (!fs.existsSync(q)) continue;
        const a = fs.readFileSync(path.join(olderDir, f), 'utf8');
        const b = fs.readFileSync(q, 'utf8');
        if (isUsable(a, b)) out.push({ source: `npm ${name} ${f}`, old: a, new: b });
        if (out.length >= max) return out;
      }
    }
  }
  return out;
}

/** Up to `max` real file pairs: git history first, topped up from node_modules. */
export function realFilePairs(repoRoot: string, max: number): FilePair[] {
  const git = gitFilePairs(repoRoot, max);
  return git.length >= max ? git : git.concat(nodeModulesFilePairs(repoRoot, max - git.length));
}

/** `old` with a random subset of the real change's line opcodes applied (the rest reverted). */
export function partialEdit(old: string, newer: string, rand: () => number, keep = 0.5): string {
  const a = pySplitLines(old);
  const b = pySplitLines(newer);
  const out: string[] = [];
  for (const [tag, i1, i2, j1, j2] of new SequenceMatcher(null, a, b).getOpcodes()) {
    if (tag === 'equal' || rand() >= keep) out.push(...a.slice(i1, i2));
    else out.push(...b.slice(j1, j2));
  }
  return out.join('\n');
}

/**
 * `count` (oracle diff, predicted diff) pairs: the oracle is the real change, the prediction keeps a random half
 * of its hunks. Pairs whose diffs exceed `maxDiffChars` are skipped (to bound the Python oracle's time).
 */
export function diffPairs(files: FilePair[], count: number, seed = 1, maxDiffChars = Infinity): DiffPair[] {
  const rand = rng(seed);
  const out: DiffPair[] = [];
  if (files.length === 0) return out;
  const oracleCache = new Map<number, string>();
  for (let round = 0; out.length < count && round < 50; round++) {
    let added = 0;
    for (let f = 0; f < files.length && out.length < count; f++) {
      const fp = files[f]!;
      let oracle = oracleCache.get(f);
      if (oracle === undefined) oracleCache.set(f, (oracle = generateUnifiedDiff(fp.old, fp.new)));
      if (!oracle || oracle.length > maxDiffChars) continue;
      const pred = generateUnifiedDiff(fp.old, partialEdit(fp.old, fp.new, rand, 0.3 + 0.5 * rand()));
      if (!pred || pred.length > maxDiffChars) continue;
      out.push({ source: fp.source, oracle, pred });
      added++;
    }
    if (added === 0) break;
  }
  return out;
}
