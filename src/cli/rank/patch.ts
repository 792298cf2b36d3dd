/**
 * reward-lens rank --task patch --input FILE.jsonl [--root DIR] [--weights name=w,...] [--tests "CMD"]
 *                  [--tests-timeout-ms N] [--strict-swerl]
 * Input: one JSON object per line, {"group", "prompt", "candidate", "reference"?, "files"?: {path: original text},
 * "selection"?: {path, start, end}}; lines of the same group form one GRPO group (in order of first appearance; their
 * `files` are merged, the first non-empty reference counts). Output: one JSON object {"groups":[...]} on stdout.
 * Runs in-process through the same rankPatch as the worker's `patch.rank`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { toErrorInfo } from '../../core/errors';
import type { PatchRankGroupInput, PatchRankParams } from '../../core/patch/protocol';
import { mergeLimits } from '../../core/patch/limits';
import { parseWeights } from '../../core/ranking/ranking';
import { rankPatch } from '../../worker/patch/rankPatch';

export const RANK_PATCH_USAGE =
  'usage: reward-lens rank --task patch --input FILE.jsonl [--root DIR] [--weights name=w,...] [--tests "CMD"] [--tests-timeout-ms N] [--strict-swerl] [--limit NAME=N,...]\n';

interface Args {
  input: string;
  root?: string;
  weights?: Record<string, number>;
  tests?: string;
  testsTimeoutMs?: number;
  strict: boolean;
  limits?: Record<string, number>;
}

function parseArgs(args: string[]): Args | string {
  const out: Partial<Args> = { strict: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    const [flag, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = (): string | undefined => inline ?? args[++i];
    switch (flag) {
      case '--input':
        out.input = value();
        break;
      case '--root':
        out.root = value();
        break;
      case '--weights': {
        const v = value();
        if (v === undefined) return '--weights needs a value';
        try {
          out.weights = parseWeights(v);
        } catch (e) {
          return e instanceof Error ? e.message : String(e);
        }
        break;
      }
      case '--tests':
        out.tests = value();
        if (!out.tests?.trim()) return '--tests needs a command';
        break;
      case '--tests-timeout-ms': {
        const v = Number(value());
        if (!Number.isFinite(v) || v <= 0) return '--tests-timeout-ms must be a positive number';
        out.testsTimeoutMs = v;
        break;
      }
      case '--strict-swerl':
        out.strict = true;
        break;
      case '--limit': {
        // e.g. --limit candidateTimeMs=60000,maxCandidates=512 (names: DEFAULT_PATCH_LIMITS); repeatable.
        const v = value();
        if (!v) return '--limit needs NAME=N[,NAME=N...]';
        const lim: Record<string, number> = Object.create(null);
        for (const part of v.split(',')) {
          const m = /^\s*([A-Za-z]+)\s*=\s*(\S+)\s*$/.exec(part);
          const n = m ? Number(m[2]) : NaN;
          if (!m || !Number.isFinite(n)) return `--limit: expected NAME=N, got ${JSON.stringify(part)}`;
          lim[m[1]!] = n;
        }
        try {
          mergeLimits(lim);
        } catch (e) {
          return e instanceof Error ? e.message : String(e);
        }
        out.limits = Object.assign(out.limits ?? Object.create(null), lim);
        break;
      }
      default:
        return `unknown option ${a}`;
    }
  }
  if (!out.input) return '--input FILE.jsonl is required';
  if (out.tests && !out.root) return '--tests needs --root DIR (the tests run on a temporary copy of it)';
  return out as Args;
}

/** Reads the JSONL input into groups; throws with the line number of the first bad line. */
export function readPatchRankInput(text: string): PatchRankGroupInput[] {
  const groups = new Map<string, PatchRankGroupInput>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch (e) {
      throw new Error(`line ${i + 1}: not JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error(`line ${i + 1}: expected an object`);
    const r = o as Record<string, unknown>;
    if (typeof r.candidate !== 'string') throw new Error(`line ${i + 1}: "candidate" must be a string`);
    if (r.reference !== undefined && r.reference !== null && typeof r.reference !== 'string') throw new Error(`line ${i + 1}: "reference" must be a string`);
    if (r.files !== undefined && r.files !== null) {
      if (typeof r.files !== 'object' || Array.isArray(r.files) || !Object.values(r.files).every((v) => typeof v === 'string')) {
        throw new Error(`line ${i + 1}: "files" must be an object {path: original text}`);
      }
    }
    const key = r.group === undefined ? '' : String(r.group);
    let g = groups.get(key);
    if (!g) {
      g = { group: key, prompt: typeof r.prompt === 'string' ? r.prompt : '', candidates: [], reference: null };
      groups.set(key, g);
    }
    g.candidates.push(r.candidate);
    if (!g.reference && typeof r.reference === 'string' && r.reference.trim()) g.reference = r.reference;
    if (r.files) g.files = { ...(g.files ?? {}), ...(r.files as Record<string, string>) };
    const sel = r.selection as Record<string, unknown> | undefined;
    if (!g.selection && sel && typeof sel.path === 'string' && typeof sel.start === 'number' && typeof sel.end === 'number') {
      g.selection = { path: sel.path, start: sel.start, end: sel.end };
    }
  });
  return [...groups.values()];
}

export async function rankPatchCommand(args: string[]): Promise<number> {
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    process.stderr.write(`reward-lens rank --task patch: ${parsed}\n${RANK_PATCH_USAGE}`);
    return 2;
  }
  let groups: PatchRankGroupInput[];
  try {
    groups = readPatchRankInput(fs.readFileSync(parsed.input, 'utf8'));
  } catch (e) {
    process.stderr.write(`reward-lens rank --task patch: ${parsed.input}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  if (parsed.root && !fs.existsSync(parsed.root)) {
    process.stderr.write(`reward-lens rank --task patch: --root ${parsed.root} does not exist\n`);
    return 2;
  }
  const params: PatchRankParams = { groups };
  if (parsed.root) params.root = path.resolve(parsed.root);
  if (parsed.weights) params.weights = parsed.weights;
  if (parsed.tests) params.tests = { command: parsed.tests, ...(parsed.testsTimeoutMs ? { timeoutMs: parsed.testsTimeoutMs } : {}) };
  if (parsed.strict) params.requireThinkSolution = true;
  if (parsed.limits) params.limits = parsed.limits;
  const ac = new AbortController();
  const onSig = () => ac.abort();
  process.once('SIGINT', onSig);
  try {
    const out = await rankPatch(params, { signal: ac.signal });
    process.stdout.write(JSON.stringify(out) + '\n');
    return 0;
  } catch (e) {
    const err = toErrorInfo(e);
    process.stderr.write(`reward-lens rank --task patch: ${err.code}: ${err.message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSig);
  }
}
