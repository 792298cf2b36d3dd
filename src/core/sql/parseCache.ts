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
  /**
   * One map per dialect, keyed by the text itself: a composite key string would be a new string to hash on every
   * lookup, where the caller's own string (the same gold, group after group) keeps its hash.
   */
  private readonly maps = new Map<ParseDialect, Map<string, V>>();
  private hitCount = 0;
  private missCount = 0;

  /** `maxEntries` bounds each dialect's entries; texts longer than `maxTextLength` are never kept. */
  constructor(
    readonly maxEntries: number = PARSE_CACHE_ENTRIES,
    readonly maxTextLength: number = PARSE_CACHE_MAX_TEXT,
  ) {
    if (!(maxEntries >= 1)) throw new RangeError('a parse cache holds at least one entry');
  }

  /** The cached result for (dialect, sql), or `parse(sql)` computed now and kept. */
  get(dialect: ParseDialect, sql: string, parse: (sql: string) => V): V {
    if (sql.length > this.maxTextLength) return parse(sql);
    let map = this.maps.get(dialect);
    if (!map) this.maps.set(dialect, (map = new Map()));
    if (map.has(sql)) {
      const v = map.get(sql) as V;
      // Most recently used last: Map iterates in insertion order, so the first key is the least recently used.
      map.delete(sql);
      map.set(sql, v);
      this.hitCount++;
      return v;
    }
    const v = parse(sql);
    this.missCount++;
    map.set(sql, v);
    if (map.size > this.maxEntries) map.delete(map.keys().next().value as string);
    return v;
  }

  /** Entries kept, all dialects. */
  get size(): number {
    let n = 0;
    for (const m of this.maps.values()) n += m.size;
    return n;
  }

  /** Lookups answered from the cache, and parses done, since creation or the last clear(). */
  get stats(): { hits: number; misses: number; size: number; maxEntries: number } {
    return { hits: this.hitCount, misses: this.missCount, size: this.size, maxEntries: this.maxEntries };
  }

  clear(): void {
    this.maps.clear();
    this.hitCount = 0;
    this.missCount = 0;
  }
}
