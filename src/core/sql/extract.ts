/** Getting the SQL out of a model completion, and the Reasoning-SQL tag (format) reward. */

export interface ExtractedSql {
  sql: string;
  /** Where it came from: the <answer> tag, a fenced code block, or the whole text. */
  source: 'answer' | 'fence' | 'raw';
}

const FENCE = /```[ \t]*([A-Za-z0-9_-]*)[^\n]*\n([\s\S]*?)```/g;

/**
 * SQL from `<answer>...</answer>` (itself possibly fenced), else the last ```sql fenced block (Reasoning-SQL's
 * `extract_sql_queries` takes the last), else any last fenced block, else the whole text.
 */
export function extractSql(text: string): ExtractedSql {
  const answer = /<answer>([\s\S]*?)(?:<\/answer>|$)/i.exec(text);
  if (answer) {
    const inner = answer[1]!;
    const fenced = lastFence(inner, true) ?? lastFence(inner, false);
    return { sql: (fenced ?? inner).trim(), source: 'answer' };
  }
  const fenced = lastFence(text, true) ?? lastFence(text, false);
  if (fenced !== null) return { sql: fenced.trim(), source: 'fence' };
  return { sql: text.trim(), source: 'raw' };
}

function lastFence(text: string, sqlOnly: boolean): string | null {
  let last: string | null = null;
  for (const m of text.matchAll(FENCE)) {
    const lang = m[1]!.toLowerCase();
    if (sqlOnly ? lang === 'sql' || lang === 'sqlite' : true) last = m[2]!;
  }
  return last;
}

/**
 * Reasoning-SQL's tag reward, `count_xml` in MohammadrezaPourreza/RLForSQL grpo_training_llm_partial_reward.py:
 * 0.125 per well-placed tag line, minus 0.001 per character after the closing answer tag; at most 0.5.
 * Returned here divided by 0.5 and clamped to [0, 1] (every reward is in [0, 1]; the default weight 0.5 restores
 * the paper's scale).
 */
export function countXml(text: string): number {
  let count = 0;
  const occurrences = (s: string) => text.split(s).length - 1;
  if (occurrences('<reasoning>\n') === 1) count += 0.125;
  if (occurrences('\n</reasoning>\n') === 1) count += 0.125;
  if (occurrences('\n<answer>\n') === 1) {
    count += 0.125;
    count -= text.split('\n</answer>\n').at(-1)!.length * 0.001;
  }
  if (occurrences('\n</answer>') === 1) {
    count += 0.125;
    count -= (text.split('\n</answer>').at(-1)!.length - 1) * 0.001;
  }
  return count;
}

export function formatReward(text: string): number {
  return Math.min(1, Math.max(0, countXml(text) / 0.5));
}
