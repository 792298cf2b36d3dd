/**
 * Reasoning-SQL's n-gram reward (RLForSQL utils/ngrams.py `jaccard_similarity(predicted, gold, n)`): both queries are
 * normalised by sqlglot (parse + generate, SQLite dialect; here sqlglot.ts reproduces it), lower-cased and split into
 * `\w+` tokens; every token equal to a table alias or an `AS` alias, and every `as`, is dropped; the score is the
 * Jaccard similarity of the two sets of n-grams (bigrams by default), 0 when both are empty. A query sqlglot cannot
 * parse is tokenised as written, with nothing dropped.
 */
import { jaccard } from '../sets';
import { sqlglotNormalise } from './sqlglot';
import { ParseCache } from './parseCache';

/** Python's `\w` on str: letters, digits and numerics of any script, and `_`. */
const WORD = /[\p{L}\p{N}_]+/gu;

/** Token lists kept across calls (src/core/sql/parseCache.ts): the gold's are read once per candidate. */
export const ngramTokenCache = new ParseCache<readonly string[]>();

export function ngramTokens(sql: string): readonly string[] {
  return ngramTokenCache.get('sqlite', sql, ngramTokensUncached);
}

/** ngramTokens without the cache (tests compare the two). */
export function ngramTokensUncached(sql: string): string[] {
  const g = sqlglotNormalise(sql);
  const text = g ? g.sql : sql;
  const drop = new Set(g ? [...g.tableAliases, ...g.aliases].map((a) => a.toLowerCase()) : []);
  return (text.toLowerCase().match(WORD) ?? []).filter((t) => !drop.has(t) && t !== 'as');
}

export function ngramSet(words: readonly string[], n = 2): Set<string> {
  if (n <= 1) return new Set(words);
  const s = new Set<string>();
  for (let i = 0; i + n <= words.length; i++) s.add(words.slice(i, i + n).join(' '));
  return s;
}

export function ngramSimilarity(goldSql: string, predSql: string, n = 2): number {
  // The reference's `if not union: return 0.0`.
  return jaccard(ngramSet(ngramTokens(predSql), n), ngramSet(ngramTokens(goldSql), n)) ?? 0;
}
