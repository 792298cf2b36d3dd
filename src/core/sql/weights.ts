/**
 * Default reward weights for SQL candidates. Every SQL reward is in [0, 1]; the weights restore Reasoning-SQL's
 * scale (execution 3, syntax 1, schema linking 1, n-gram 1, format 0.5; Pourreza et al. 2025).
 *
 * With a gold query, execution_match decides and the partial rewards shape the rest. `executes`, `non_empty`,
 * `schema_valid` and `consensus` are reported but weigh 0: each is implied by, or noise next to, execution_match.
 *
 * Without a gold query (the usual case in an editor) consensus (2: execution-based minimum Bayes risk /
 * self-consistency) leads; syntax 1 and executes 1 separate "prepares" from "finishes within limits" (a timeout or
 * a too-large result prepares but does not execute); non_empty 0.5 because an empty answer is usually a wrong
 * filter; schema_valid 0.5 rewards naming only real tables and columns even when the query fails for another reason.
 */
export const SQL_WEIGHTS_WITH_GOLD: Readonly<Record<string, number>> = Object.freeze({
  execution_match: 3,
  syntax: 1,
  schema_linking: 1,
  ngram: 1,
  format: 0.5,
  executes: 0,
  non_empty: 0,
  schema_valid: 0,
  consensus: 0,
});

export const SQL_WEIGHTS_NO_GOLD: Readonly<Record<string, number>> = Object.freeze({
  consensus: 2,
  syntax: 1,
  executes: 1,
  non_empty: 0.5,
  schema_valid: 0.5,
  format: 0.5,
});

export const SQL_REWARD_NAMES = [
  'syntax', 'executes', 'non_empty', 'schema_valid', 'execution_match', 'schema_linking', 'ngram', 'consensus', 'format',
] as const;
export type SqlRewardName = (typeof SQL_REWARD_NAMES)[number];

export function defaultSqlWeights(hasGold: boolean): Record<string, number> {
  return { ...(hasGold ? SQL_WEIGHTS_WITH_GOLD : SQL_WEIGHTS_NO_GOLD) };
}
