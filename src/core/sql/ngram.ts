/**
 * Reasoning-SQL's n-gram reward: Jaccard similarity of the bigram sets of `\w+` tokens of the normalised,
 * lower-cased queries, with table and column aliases and `AS` removed (Pourreza et al. 2025; RLForSQL utils/ngrams.py).
 * Normalisation: table aliases are replaced by their table names where they qualify a column (`T1.name` ->
 * `city.name`) and dropped where they are declared (`city AS T1` -> `city`); column aliases are dropped where they are
 * declared (`count(*) AS n` -> `count(*)`). Aliases come from node-sql-parser's AST; when it cannot parse the query,
 * declarations of the form `FROM|JOIN table [AS] alias` are found with the lexer alone.
 */
import { lex, type Token } from './lexer';
import { sqlRefs } from './sqlRefs';
import { jaccard } from '../sets';

const CLAUSE_WORDS = new Set([
  'WHERE', 'GROUP', 'ORDER', 'HAVING', 'LIMIT', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS', 'NATURAL', 'ON',
  'USING', 'UNION', 'EXCEPT', 'INTERSECT', 'WINDOW', 'OFFSET', 'OUTER', 'AND', 'OR', 'SELECT', 'FROM', 'AS', 'INDEXED', 'NOT',
  'BY', 'ASC', 'DESC', 'ALL', 'DISTINCT', 'IN', 'IS', 'LIKE', 'GLOB', 'BETWEEN', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'EXISTS',
]);

function tokenName(t: Token | undefined): string | null {
  if (!t) return null;
  if (t.kind === 'word') return t.text.toLowerCase();
  if (t.kind === 'ident') return t.value.toLowerCase();
  return null;
}

/** The normalised token texts of a query (lower-cased words, aliases resolved or removed, `as` removed). */
export function normalisedTokens(sql: string): string[] {
  const { tokens } = lex(sql);
  const refs = sqlRefs(sql);
  const tableAliases: Record<string, string> = { ...(refs?.tableAliases ?? {}) };
  const columnAliases = new Set(refs?.columnAliases ?? []);
  if (!refs) {
    for (let i = 0; i + 1 < tokens.length; i++) {
      const kw = tokens[i]!.kind === 'word' ? tokens[i]!.value : '';
      if (kw !== 'FROM' && kw !== 'JOIN' && tokens[i]!.text !== ',') continue;
      const table = tokenName(tokens[i + 1]);
      let j = i + 2;
      if (tokens[j]?.value === 'AS') j++;
      const alias = tokens[j];
      if (table && alias && (alias.kind === 'ident' || (alias.kind === 'word' && !CLAUSE_WORDS.has(alias.value)))) {
        tableAliases[tokenName(alias)!] = table;
      }
    }
  }
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const name = tokenName(t);
    const prev = tokens[i - 1];
    const next = tokens[i + 1];
    if (t.kind === 'word' && t.value === 'AS') {
      // `expr AS alias` / `table AS alias`: drop both; `CAST(x AS type)` keeps the type word.
      const alias = tokenName(next);
      if (alias !== null && (alias in tableAliases || columnAliases.has(alias))) i++;
      continue;
    }
    if (name !== null && name in tableAliases) {
      if (next?.text === '.') {
        out.push(tableAliases[name]!);
        continue;
      }
      // A bare alias right after its table name is its declaration.
      if (tokenName(prev) === tableAliases[name]) continue;
    }
    if (name !== null && columnAliases.has(name) && prev && (!next || next.text === ',' || next.value === 'FROM')) {
      // Implicit column alias declaration (`count(*) n,`, `name n FROM`): it follows an expression, not a keyword.
      const afterExpr = prev.kind === 'op' ? prev.text === ')' : !(prev.kind === 'word' && (CLAUSE_WORDS.has(prev.value) || prev.value === 'DISTINCT'));
      if (afterExpr) continue;
    }
    out.push(t.kind === 'string' ? t.value.toLowerCase() : t.kind === 'ident' ? t.value.toLowerCase() : t.text.toLowerCase());
  }
  return out;
}

export function wordTokens(sql: string): string[] {
  return normalisedTokens(sql)
    .join(' ')
    .match(/\w+/g)
    ?.filter((w) => w !== 'as') ?? [];
}

export function ngramSet(words: readonly string[], n = 2): Set<string> {
  const s = new Set<string>();
  for (let i = 0; i + n <= words.length; i++) s.add(words.slice(i, i + n).join(' '));
  return s;
}

export function ngramSimilarity(goldSql: string, predSql: string, n = 2): number {
  // Two queries too short for any n-gram are alike on this measure.
  return jaccard(ngramSet(wordTokens(goldSql), n), ngramSet(wordTokens(predSql), n)) ?? 1;
}
