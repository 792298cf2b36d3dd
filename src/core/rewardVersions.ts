/**
 * The definition each reward follows, reported beside its value (`rank` output, reward server, preference records
 * schema 2), so a number can always be traced to the code that produced it. A definition id names the reference
 * implementation and its commit (`swerl@12f8d90`) or, for a reward of our own, `reward-lens@N`; it changes whenever
 * the value a reward gives for some input changes. Owners of each reward family keep their entries current.
 */
export const REWARD_DEFINITIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = Object.freeze({
  sql: Object.freeze({
    // taoyds/test-suite-sql-eval result_eq (+ replace_cur_year); under `--match bird` the definition is
    // SQL_BIRD_EXECUTION_MATCH (AlibabaResearch/DAMO-ConvAI bird evaluation.py).
    execution_match: 'test-suite-sql-eval@e97acc5',
    // MohammadrezaPourreza/RLForSQL with sqlglot 25.32 (src/core/sql/sqlglot.ts reproduces its normalisation).
    schema_linking: 'rlforsql@ba280b7',
    ngram: 'rlforsql@ba280b7',
    syntax: 'reward-lens@1',
    // 2: full results (no 10,000-row failure; a byte bound instead).
    executes: 'reward-lens@2',
    non_empty: 'reward-lens@2',
    schema_valid: 'reward-lens@1',
    // 2: exact integers and Python's comparison rules; null (with a limit_exceeded note) when the budget runs out.
    consensus: 'reward-lens@2',
    format: 'rlforsql@ba280b7',
  }),
  // SWE-RL: facebookresearch/swe-rl src/swerl/core/reward.py at 5aa10d6 (../shared/oracles/swerl_reward.COMMIT);
  // both equal the reference to 1e-9 (test/unit/core/patch/swerlOracle.test.ts). reward-lens@2: path, binary and
  // one-fence checks in `applies` (issue 15/10), which also changes who counts for consensus, size and syntax.
  patch: Object.freeze({
    similarity: 'swerl@5aa10d6',
    similarity_unidiff: 'swerl@5aa10d6',
    applies: 'reward-lens@2',
    // 2: tree-sitter for every language (was TypeScript/JSON only), a broken file counts when the patch adds errors;
    // 3: also null for candidates refused by the path, binary and one-fence checks.
    syntax: 'reward-lens@3',
    size: 'reward-lens@2',
    consensus: 'reward-lens@2',
    tests: 'reward-lens@2',
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

/** execution_match's definition under `--match bird` (the registry above holds the default, test-suite). */
export const SQL_BIRD_EXECUTION_MATCH = 'bird@483554e';

export type RewardTask = 'sql' | 'patch' | 'chart';

/** Definition ids of the given rewards of one task (unknown names map to `reward-lens@unknown`). */
export function rewardDefinitions(task: RewardTask, names: Iterable<string>): Record<string, string> {
  const table = REWARD_DEFINITIONS[task] ?? {};
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const n of names) out[n] = Object.prototype.hasOwnProperty.call(table, n) ? table[n]! : 'reward-lens@unknown';
  return out;
}
