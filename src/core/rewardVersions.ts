/**
 * The definition each reward follows, reported beside its value (`rank` output, reward server, preference records
 * schema 2), so a number can always be traced to the code that produced it. A definition id names the reference
 * implementation and its commit (`swerl@12f8d90`) or, for a reward of our own, `reward-lens@N`; it changes whenever
 * the value a reward gives for some input changes. Owners of each reward family keep their entries current.
 */
export const REWARD_DEFINITIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = Object.freeze({
  sql: Object.freeze({
    execution_match: 'test-suite-sql-eval@unversioned',
    schema_linking: 'rlforsql@unversioned',
    ngram: 'rlforsql@unversioned',
    syntax: 'reward-lens@1',
    executes: 'reward-lens@1',
    non_empty: 'reward-lens@1',
    schema_valid: 'reward-lens@1',
    consensus: 'reward-lens@1',
    format: 'rlforsql@unversioned',
  }),
  patch: Object.freeze({
    similarity: 'swerl@unversioned',
    applies: 'reward-lens@1',
    // 2: tree-sitter for every language (was TypeScript/JSON only); a broken file counts when the patch adds errors.
    syntax: 'reward-lens@2',
    size: 'reward-lens@1',
    consensus: 'reward-lens@1',
    tests: 'reward-lens@1',
  }),
  chart: Object.freeze({
    executes: 'reward-lens@1',
    attributes: 'chartmaster@unversioned',
    text: 'chartmimic@c9e149c',
    type: 'chartmimic@c9e149c',
    layout: 'chartmimic@c9e149c',
    color: 'chartmimic@c9e149c',
    visual: 'reward-lens@1',
    fields_valid: 'reward-lens@1',
    consensus: 'reward-lens@1',
  }),
});

export type RewardTask = 'sql' | 'patch' | 'chart';

/** Definition ids of the given rewards of one task (unknown names map to `reward-lens@unknown`). */
export function rewardDefinitions(task: RewardTask, names: Iterable<string>): Record<string, string> {
  const table = REWARD_DEFINITIONS[task] ?? {};
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const n of names) out[n] = Object.prototype.hasOwnProperty.call(table, n) ? table[n]! : 'reward-lens@unknown';
  return out;
}
