/**
 * The chat prompt for text-to-SQL: the schema as CREATE TABLE statements with sample values in comments (the layout
 * used by most text-to-SQL prompts, e.g. BIRD / Reasoning-SQL's schema strings), then the question.
 * With `tagged`, the system message asks for Reasoning-SQL's `<reasoning>` / `<answer>` format, which the `format`
 * reward scores; otherwise for a single ```sql block.
 */
import type { SqlSchema, SqlTable } from './schema';
import type { SqlValue } from './types';
import type { ChatMessage } from '../chat';

export type { ChatMessage } from '../chat';

export interface SqlPromptOptions {
  tagged?: boolean;
  /** Sample values shown per column (default 3; 0 hides them). */
  samples?: number;
}

/** Reasoning-SQL's SYSTEM_PROMPT (RLForSQL grpo_training_llm_partial_reward.py). */
export const TAGGED_FORMAT = 'Respond in the following format:\n<reasoning>\n...\n</reasoning>\n<answer>\n...\n</answer>';

function quoteIdent(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

function sampleText(v: SqlValue): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `'${(v.length > 40 ? v.slice(0, 40) + '…' : v).replace(/'/g, "''").replace(/\s+/g, ' ')}'`;
  if ('int' in v) return v.int;
  return `X'${v.blob.slice(0, 16)}'`;
}

export function tableDdl(t: SqlTable, samples = 3): string {
  const lines = t.columns.map((c) => {
    const parts = [quoteIdent(c.name)];
    if (c.type) parts.push(c.type);
    if (c.notNull) parts.push('NOT NULL');
    const line = '  ' + parts.join(' ');
    const shown = c.samples.slice(0, samples);
    return { line, comment: shown.length > 0 ? ` -- e.g. ${shown.map(sampleText).join(', ')}` : '' };
  });
  const extra: string[] = [];
  if (t.primaryKey.length > 0) extra.push(`  PRIMARY KEY (${t.primaryKey.map(quoteIdent).join(', ')})`);
  for (const fk of t.foreignKeys) {
    extra.push(`  FOREIGN KEY (${fk.columns.map(quoteIdent).join(', ')}) REFERENCES ${quoteIdent(fk.refTable)}(${fk.refColumns.map(quoteIdent).join(', ')})`);
  }
  const all = [...lines.map((l) => ({ ...l })), ...extra.map((line) => ({ line, comment: '' }))];
  const body = all.map((l, i) => l.line + (i < all.length - 1 ? ',' : '') + l.comment).join('\n');
  const head = t.kind === 'view' ? `-- view\nCREATE TABLE ${quoteIdent(t.name)}` : `CREATE TABLE ${quoteIdent(t.name)}`;
  const rows = t.rowCount !== null ? ` -- ${t.rowCount} rows` : '';
  return `${head} (${rows}\n${body}\n);`;
}

export function schemaText(schema: SqlSchema, samples = 3): string {
  return schema.tables.map((t) => tableDdl(t, samples)).join('\n\n');
}

export function buildSqlPrompt(schema: SqlSchema, question: string, opts: SqlPromptOptions = {}): ChatMessage[] {
  const system = [
    'You are an expert in SQLite. Write one read-only SQLite query (SELECT or WITH ... SELECT) that answers the question',
    'over the database below. Use only the tables and columns shown.',
    opts.tagged
      ? `Think step by step in <reasoning>, then give only the query in <answer>.\n${TAGGED_FORMAT}`
      : 'Reply with the query in a single ```sql code block and nothing else.',
  ].join(' ');
  const user = `Database schema:\n${schemaText(schema, opts.samples ?? 3)}\n\nQuestion: ${question.trim()}`;
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}
