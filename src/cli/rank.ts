/**
 * reward-lens rank --task sql|patch|chart --input FILE.jsonl|- [options]
 * One grammar (src/cli/args.ts) and one input reader (src/core/input/groups.ts) for every task; scoring goes through
 * scoreGroups (src/cli/score.ts), which the reward server uses too. Output: one JSON object {"groups": [...]} on
 * stdout; warnings (unknown fields, with their line) on stderr; bad lines are all listed and the command exits 2.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { describeProblems, INPUT_TASKS, readGroupLines, type InputReadResult, type InputTask } from '../core/input/groups';
import { parseWeights } from '../core/ranking/ranking';
import { mergeLimits } from '../core/patch/limits';
import { resolveInsideRoot } from '../node/paths';
import { ChartRenderer } from '../worker/chart/renderer';
import { closeAllExecutors } from '../worker/sql/executor';
import { parseCli, runCommand, UsageError, type CliArgs, type OptionSpec } from './args';
import { scoreGroups, type ScoreOptions } from './score';

export const RANK_USAGE = `usage: reward-lens rank --task sql|patch|chart --input FILE.jsonl|- [options]

common:
  --weights name=w,...     override reward weights (0 switches a reward off)
  --timeout-ms N           per-candidate limit: SQL statement / chart render (ms)
sql:
  --db FILE                database of groups without a "db" field
  --match test-suite|bird  execution_match semantics (default test-suite)
  --eval-pipeline          test-suite evaluation.py's default rewriting first (first statement, DISTINCT dropped)
  --max-database-mb N      largest database loaded (default 512)
  --max-result-mb N        largest result kept for comparison (default 32)
  --compare-budget N       row visits allowed for one group's result comparisons (default 20000000)
patch:
  --root DIR               workspace the candidates edit (files not given in the input, or given as a list of
                           paths, are read from it)
  --tests "CMD"            run CMD on a temporary copy of --root per candidate (exit 0 = pass)
  --tests-timeout-ms N     limit per test run (default 120000)
  --strict-swerl           SWE-RL's <think>/<solution> format required
  --limit NAME=N,...       raise a patch limit (maxCandidates, maxGroupChars, maxPatchChars, maxHunkLines,
                           maxFileLines, maxFileBytes, candidateTimeMs, groupTimeMs; repeatable)
chart:
  --data FILE              data file of groups without a "data" field
  --reference-image FILE   reference picture of groups without a reference
  --reference-spec FILE    reference Vega-Lite spec of groups without a reference
  --out DIR                write each candidate's PNG there (reported as pngPath)
  --scale N                PNG pixel scale
  --text-variant chartmimic|per-role  text reward: ChartMimic's pooled exact match (default) or per-role F1
  --matplotlib [--python PATH]  also run matplotlib candidates (sandboxed Python)

input lines: {"group", "prompt", "candidate" | "candidates", "reference"?, "db"? (sql), "files"? (patch),
"selection"? (patch), "data"? (chart)}; paths are relative to the input file.
`;

const COMMON: OptionSpec = {
  task: { type: 'string' },
  input: { type: 'string' },
  weights: { type: 'string' },
  'timeout-ms': { type: 'string' },
};
const TASK_OPTIONS: Record<InputTask, OptionSpec> = {
  sql: {
    db: { type: 'string' }, match: { type: 'string' }, 'eval-pipeline': { type: 'boolean' },
    'max-database-mb': { type: 'string' }, 'max-result-mb': { type: 'string' }, 'compare-budget': { type: 'string' },
  },
  patch: { root: { type: 'string' }, tests: { type: 'string' }, 'tests-timeout-ms': { type: 'string' }, 'strict-swerl': { type: 'boolean' }, limit: { type: 'string', multiple: true } },
  chart: {
    data: { type: 'string' }, 'reference-image': { type: 'string' }, 'reference-spec': { type: 'string' }, out: { type: 'string' },
    scale: { type: 'string' }, 'text-variant': { type: 'string' }, matplotlib: { type: 'boolean' }, python: { type: 'string' },
    // earlier spelling of --timeout-ms for charts
    timeout: { type: 'string' },
  },
};

/** The task named by --task / --task=NAME (before the task's own options are known). */
function taskOf(args: readonly string[]): InputTask {
  const { values } = parseArgs({ args: [...args], options: { task: { type: 'string' } }, strict: false, allowPositionals: true });
  const t = values.task;
  if (typeof t !== 'string' || !(INPUT_TASKS as readonly string[]).includes(t)) {
    throw new UsageError(`--task must be one of ${INPUT_TASKS.join(', ')}${typeof t === 'string' ? ` (got ${JSON.stringify(t)})` : ''}`);
  }
  return t as InputTask;
}

/** Reads the input file (or stdin for `-`): warnings to stderr; any bad line fails the run with all of them listed. */
export function readInputFile(file: string, task: InputTask, warn: (m: string) => void = (m) => process.stderr.write(m)): InputReadResult {
  let text: string;
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read --input ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const r = readGroupLines(text, task);
  if (r.warnings.length) warn(`${describeProblems(r.warnings.map((p) => ({ ...p, where: `${file}:${p.line}` })))}\n`);
  if (r.errors.length) {
    throw new UsageError(`${r.errors.length} of ${r.lines} input line${r.lines === 1 ? '' : 's'} cannot be read (nothing was ranked):\n${describeProblems(r.errors.map((p) => ({ ...p, where: `${file}:${p.line}` })))}`);
  }
  return r;
}

/** --limit NAME=N[,NAME=N...], repeatable; names and values checked by the patch ranker's own table. */
function patchLimitsOf(values: readonly string[]): Record<string, number> | undefined {
  if (values.length === 0) return undefined;
  const lim: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const part of values.flatMap((v) => v.split(','))) {
    const m = /^([A-Za-z]+)=(.+)$/.exec(part.trim());
    const n = m ? Number(m[2]) : NaN;
    if (!m || !Number.isFinite(n)) throw new UsageError(`--limit: expected NAME=N, got ${JSON.stringify(part)}`);
    lim[m[1]!] = n;
  }
  try {
    mergeLimits(lim);
  } catch (e) {
    throw new UsageError(`--limit: ${(e as Error).message}`);
  }
  return lim;
}

function weightsOf(a: CliArgs): Record<string, number> | undefined {
  const w = a.str('weights');
  if (w === undefined) return undefined;
  try {
    return parseWeights(w);
  } catch (e) {
    throw new UsageError(`--weights: ${(e as Error).message}`);
  }
}

export async function rankCommand(args: string[]): Promise<number> {
  return runCommand('rank', RANK_USAGE, async () => {
    if (args.includes('--help') || args.includes('-h')) {
      process.stdout.write(RANK_USAGE);
      return 0;
    }
    const task = taskOf(args);
    const a = parseCli(args, { ...COMMON, ...TASK_OPTIONS[task] });
    const input = a.required('input');
    const base = input === '-' ? process.cwd() : path.dirname(path.resolve(input));
    // Paths in the input are relative to the input file; patch `files` given as paths are read from --root (inside it).
    const opts: ScoreOptions = { resolve: (p, kind) => (kind === 'file' && opts.patchRoot ? resolveInsideRoot(opts.patchRoot, p) : path.resolve(base, p)) };
    const weights = weightsOf(a);
    if (weights) opts.weights = weights;
    const timeoutMs = a.num('timeout-ms', { min: 1, max: 3_600_000 }) ?? (task === 'chart' ? a.num('timeout', { min: 1, max: 3_600_000 }) : undefined);
    if (timeoutMs !== undefined) opts.timeoutMs = timeoutMs;
    let renderer: ChartRenderer | undefined;
    if (task === 'sql') {
      const db = a.str('db');
      if (db !== undefined) opts.defaultDb = path.resolve(db);
      opts.match = a.choice('match', ['test-suite', 'bird'] as const, 'test-suite');
      const sqlLimits: NonNullable<ScoreOptions['sqlLimits']> = {};
      const maxDb = a.num('max-database-mb', { min: 1 });
      if (maxDb !== undefined) sqlLimits.maxDatabaseMB = maxDb;
      const maxResult = a.num('max-result-mb', { min: 0.001 });
      if (maxResult !== undefined) sqlLimits.maxResultMB = maxResult;
      const budget = a.num('compare-budget', { min: 1 });
      if (budget !== undefined) sqlLimits.compareBudget = budget;
      if (a.flag('eval-pipeline')) sqlLimits.evalPipeline = true;
      if (Object.keys(sqlLimits).length) opts.sqlLimits = sqlLimits;
    } else if (task === 'patch') {
      const root = a.str('root');
      const tests = a.str('tests');
      if (tests !== undefined && !tests.trim()) throw new UsageError('--tests needs a command');
      if (tests !== undefined && !root) throw new UsageError('--tests needs --root DIR (the tests run on a temporary copy of it)');
      if (root !== undefined) {
        if (!fs.existsSync(root)) throw new UsageError(`--root ${root} does not exist`);
        opts.patchRoot = path.resolve(root);
      }
      if (tests) {
        const t = a.num('tests-timeout-ms', { min: 1 });
        opts.tests = { command: tests, ...(t !== undefined ? { timeoutMs: t } : {}) };
      }
      if (a.flag('strict-swerl')) opts.strictSwerl = true;
      const limits = patchLimitsOf(a.list('limit'));
      if (limits) opts.patchLimits = limits;
    } else {
      const data = a.str('data');
      if (data !== undefined) opts.defaultData = path.resolve(data);
      const img = a.str('reference-image');
      if (img !== undefined) opts.defaultReferenceImage = path.resolve(img);
      const spec = a.str('reference-spec');
      if (spec !== undefined) {
        try {
          opts.defaultReferenceSpec = JSON.parse(fs.readFileSync(spec, 'utf8')) as Record<string, unknown>;
        } catch (e) {
          throw new UsageError(`--reference-spec ${spec}: ${(e as Error).message}`);
        }
      }
      const out = a.str('out');
      if (out !== undefined) opts.outDir = path.resolve(out);
      const scale = a.num('scale', { min: 0.1, max: 8 });
      if (scale !== undefined) opts.scale = scale;
      opts.textVariant = a.choice('text-variant', ['chartmimic', 'per-role'] as const, 'chartmimic');
      if (a.flag('matplotlib')) opts.matplotlib = { ...(a.str('python') ? { python: a.str('python')! } : {}), hide: [process.cwd()] }; // the candidates see an empty folder where the user's project is
      else if (a.has('python')) throw new UsageError('--python is used with --matplotlib');
    }
    const { groups } = readInputFile(input, task);
    if (task === 'chart') opts.renderer = renderer = new ChartRenderer(timeoutMs !== undefined ? { timeoutMs } : {});
    const ac = new AbortController();
    const onSig = () => ac.abort();
    process.once('SIGINT', onSig);
    opts.signal = ac.signal;
    try {
      const out = await scoreGroups(task, groups, opts);
      process.stdout.write(JSON.stringify(out) + '\n');
      return 0;
    } finally {
      process.off('SIGINT', onSig);
      renderer?.dispose();
      if (task === 'sql') closeAllExecutors();
    }
  });
}
