import type { RewardInfo } from './protocol/webview';

/**
 * What each reward measures, shown on hover in the review panel. Ranges are those of the reward functions
 * (SWE-RL's similarity is -1 on a format error).
 */
export const REWARD_INFO: Record<string, RewardInfo> = {
  // SQL (Reasoning-SQL, test-suite-sql-eval, self-consistency)
  syntax: { description: 'The statement parses and prepares (SQL) / every patched file still parses (patch).', min: 0, max: 1 },
  executes: { description: 'It ran without error within the time, row and size limits (SQL) / the chart spec parsed, compiled and rendered (chart; 0 zeroes the total).', min: 0, max: 1 },
  non_empty: { description: 'The query returned at least one row.', min: 0, max: 1 },
  schema_valid: { description: 'Every table and column the query references exists in the database.', min: 0, max: 1 },
  execution_match: { description: 'Same result as the gold query: rows as a multiset, columns up to permutation, order only when the gold query has ORDER BY (test-suite-sql-eval).', min: 0, max: 1 },
  schema_linking: { description: 'Recall of the gold query\'s tables and columns (Reasoning-SQL).', min: 0, max: 1 },
  ngram: { description: 'Jaccard similarity of bigram sets of the normalised query and the gold query, aliases removed (Reasoning-SQL).', min: 0, max: 1 },
  consensus: { description: 'Agreement with the other candidates of the group: same result (SQL), mean patch similarity (patch), mean attribute similarity (chart). Self-consistency when there is no reference.', min: 0, max: 1 },
  format: { description: 'Reasoning-SQL tag reward: <reasoning> and <answer> present and nothing after them.', min: 0, max: 0.5 },
  // patch (SWE-RL)
  similarity: { description: 'SWE-RL reward: difflib SequenceMatcher ratio of this patch\'s per-file diff to the reference patch, mean over files; -1 on a format error.', min: -1, max: 1 },
  applies: { description: 'The patch applies cleanly to the current text.', min: 0, max: 1 },
  size: { description: 'Smaller, more local edits score higher, so ties go to the minimal change.', min: 0, max: 1 },
  tests: { description: 'The configured test command passed on a temporary copy with the patch applied.', min: 0, max: 1 },
  // chart (ChartMaster, ChartMimic)
  attributes: { description: 'ChartMaster attribute similarity: Jaccard over colours, numbers, texts and layout facts of the rendered chart and the reference.', min: 0, max: 1 },
  text: { description: 'ChartMimic text F1: titles, axis titles, labels and legend entries.', min: 0, max: 1 },
  type: { description: 'ChartMimic chart-type F1 over mark types and counts.', min: 0, max: 1 },
  layout: { description: 'ChartMimic layout F1: facets, concatenation, layers.', min: 0, max: 1 },
  color: { description: 'ChartMimic colour F1: best one-to-one colour matching, a pair scores max(0, 1 - CIE76 dE / 100).', min: 0, max: 1 },
  visual: { description: 'Image similarity to the reference: SSIM at a fixed size combined with a colour-histogram term.', min: 0, max: 1 },
  fields_valid: { description: 'Every encoded field exists in the data.', min: 0, max: 1 },
};

export function rewardInfoFor(names: Iterable<string>): Record<string, RewardInfo> {
  const out: Record<string, RewardInfo> = {};
  for (const n of names) out[n] = REWARD_INFO[n] ?? { description: n };
  return out;
}
