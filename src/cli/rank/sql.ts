/**
 * reward-lens rank --task sql --db FILE --input FILE.jsonl [--weights name=w,...] [--match test-suite|bird]
 *                  [--timeout-ms N]
 * Input: one JSON object per line, {"group", "prompt", "candidate", "reference"?}; lines of the same group form one
 * GRPO group (in order of first appearance). Output: one JSON object {"groups":[...]} on stdout (see issue 3).
 * Runs in-process through the same rankSql as the worker's `sql.rank`.
 */
import * as fs from 'fs';
import { parseWeights } from '../../core/ranking/ranking';
import type { SqlRankGroupInput, SqlRankParams } from '../../core/sql/protocol';
import type { MatchMode } from '../../core/sql/resultEq';
import { toErrorInfo } from '../../core/errors';
import { closeAllExecutors } from '../../worker/sql/executor';
import { rankSql } from '../../worker/sql/rankSql';

export const RANK_SQL_USAGE =
  'usage: reward-lens rank --task sql --db FILE --input FILE.jsonl [--weights name=w,...] [--match test-suite|bird] [--eval-pipeline] [--timeout-ms N]\n' +
  '       [--max-database-mb N] [--max-result-mb N] [--compare-budget N]\n';

interface Args {
  db: string;
  input: string;
  weights?: Record<string, number>;
  match: MatchMode;
  timeoutMs?: number;
  maxDatabaseMB?: number;
  maxResultMB?: number;
  compareBudget?: number;
  evalPipeline?: boolean;
}

function parseArgs(args: string[]): Args | string {
  const out: Partial<Args> = { match: 'test-suite' };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    const [flag, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = (): string | undefined => inline ?? args[++i];
    switch (flag) {
      case '--db': out.db = value(); break;
      case '--input': out.input = value(); break;
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
      case '--match': {
        const v = value();
        if (v !== 'test-suite' && v !== 'bird') return '--match must be test-suite or bird';
        out.match = v;
        break;
      }
      case '--timeout-ms': {
        const v = Number(value());
        if (!Number.isFinite(v) || v <= 0) return '--timeout-ms must be a positive number';
        out.timeoutMs = v;
        break;
      }
      case '--max-database-mb':
      case '--max-result-mb':
      case '--compare-budget': {
        const v = Number(value());
        if (!Number.isFinite(v) || v <= 0) return `${flag} must be a positive number`;
        if (flag === '--max-database-mb') out.maxDatabaseMB = v;
        else if (flag === '--max-result-mb') out.maxResultMB = v;
        else out.compareBudget = v;
        break;
      }
      case '--eval-pipeline':
        out.evalPipeline = true;
        break;
      default:
        return `unknown option ${a}`;
    }
  }
  if (!out.db) return '--db FILE is required';
  if (!out.input) return '--input FILE.jsonl is required';
  return out as Args;
}

/** Reads the JSONL input into groups; throws with the line number of the first bad line. */
export function readSqlRankInput(text: string): SqlRankGroupInput[] {
  const groups = new Map<string, SqlRankGroupInput>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch (e) {
      throw new Error(`line ${i + 1}: not JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    if (typeof o !== 'object' || o === null) throw new Error(`line ${i + 1}: expected an object`);
    const r = o as Record<string, unknown>;
    if (typeof r.candidate !== 'string') throw new Error(`line ${i + 1}: "candidate" must be a string`);
    const key = r.group === undefined ? '' : typeof r.group === 'string' ? r.group : JSON.stringify(r.group);
    let g = groups.get(key);
    if (!g) {
      g = { group: key, prompt: typeof r.prompt === 'string' ? r.prompt : '', candidates: [], reference: null };
      groups.set(key, g);
    }
    g.candidates.push(r.candidate);
    if (typeof r.reference === 'string' && r.reference.trim() && !g.reference) g.reference = r.reference;
  });
  return [...groups.values()];
}

export async function rankSqlCommand(args: string[]): Promise<number> {
  const a = parseArgs(args);
  if (typeof a === 'string') {
    process.stderr.write(`reward-lens rank --task sql: ${a}\n${RANK_SQL_USAGE}`);
    return 2;
  }
  let groups: SqlRankGroupInput[];
  try {
    groups = readSqlRankInput(fs.readFileSync(a.input, 'utf8'));
  } catch (e) {
    process.stderr.write(`reward-lens rank --task sql: ${a.input}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const params: SqlRankParams = { dbPath: a.db, groups, match: a.match };
  if (a.weights) params.weights = a.weights;
  if (a.timeoutMs !== undefined) params.timeoutMs = a.timeoutMs;
  if (a.maxDatabaseMB !== undefined) params.maxDatabaseMB = a.maxDatabaseMB;
  if (a.maxResultMB !== undefined) params.byteCap = Math.floor(a.maxResultMB * 1024 * 1024);
  if (a.compareBudget !== undefined) params.compareBudget = a.compareBudget;
  if (a.evalPipeline) params.evalPipeline = true;
  try {
    const out = await rankSql(params);
    process.stdout.write(JSON.stringify(out) + '\n');
    return 0;
  } catch (e) {
    const err = toErrorInfo(e);
    process.stderr.write(`reward-lens rank --task sql: ${err.code}: ${err.message}\n`);
    return 1;
  } finally {
    closeAllExecutors();
  }
}
