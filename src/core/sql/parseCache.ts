/**
 * Parse results kept across calls (and, in the reward server, across requests): the read-only policy's verdict, the
 * sqlglot normalisation behind ngram and schema_linking, node-sql-parser's names for schema_valid. A training run
 * sends the same gold query with every group of its prompt and every epoch, and a group repeats its own candidates;
 * under bench/serve's load these parses were about a quarter of the server's CPU (bench/serve/README.md).
 * Bounded by entries, least recently used out first; keyed by the dialect and the exact SQL text (no trimming or case
 * folding: a cached result is exactly what the parser returns for that text). Pure: no I/O, no clock.
 */

/** The one dialect our parsers read today (SQLite); the key carries it so that another grammar never shares an entry. */
export type ParseDialect = 'sqlite';

/**
 * Entries per cache: about four times the distinct texts of bench/serve's training step (256 prompts x 8 candidates:
 * 1,058 texts, 237 characters on average), so that a step's texts are still there when the next epoch sends them.
 */
export const PARSE_CACHE_ENTRIES = 4096;
/** Longer texts are parsed every time and never kept, so that a cache stays within a few tens of MB whatever it is sent. */
export const PARSE_CACHE_MAX_TEXT = 4000;

export class ParseCache<V> {
  private readonly map = new Map<string, V>();
  private hitCount = 0;
  private missCount = 0;

  constructor(
    readonly maxEntries: number = PARSE_CACHE_ENTRIES,
    readonly maxTextLength: number = PARSE_CACHE_MAX_TEXT,
  ) {
    if (!(maxEntries >= 1)) throw new RangeError('a parse cache holds at least one entry');
  }

  /** The cached result for (dialect, sql), or `parse(sql)` computed now and kept. */
  get(dialect: ParseDialect, sql: string, parse: (sql: string) => V): V {
    if (sql.length > this.maxTextLength) return parse(sql);
    // The dialect never contains '\n', so the key is unambiguous.
    const key = `${dialect}\n${sql}`;
    if (this.map.has(key)) {
      const v = this.map.get(key) as V;
      // Most recently used last: Map iterates in insertion order, so the first key is the least recently used.
      this.map.delete(key);
      this.map.set(key, v);
      this.hitCount++;
      return v;
    }
    const v = parse(sql);
    this.missCount++;
    this.map.set(key, v);
    if (this.map.size > this.maxEntries) this.map.delete(this.map.keys().next().value as string);
    return v;
  }

  get size(): number {
    return this.map.size;
  }

  /** Lookups answered from the cache, and parses done, since creation or the last clear(). */
  get stats(): { hits: number; misses: number; size: number; maxEntries: number } {
    return { hits: this.hitCount, misses: this.missCount, size: this.map.size, maxEntries: this.maxEntries };
  }

  clear(): void {
    this.map.clear();
    this.hitCount = 0;
    this.missCount = 0;
  }
}
