import type { GroupOutput } from '../../../../src/core/ranking/types';
import { rankGroup } from '../../../../src/core/ranking/ranking';
import type { HumanSignal, PreferenceRecord, TaskKind } from '../../../../src/core/preferences/record';
import { emptyHumanSignal } from '../../../../src/core/preferences/record';
import { buildPreferenceRecord } from '../../../../src/core/preferences/build';

export const SQL_WEIGHTS = { execution_match: 3, syntax: 1, schema_linking: 1, ngram: 1 };

/** A ranked group from reward rows, through the real rankGroup. */
export function makeGroup(texts: string[], rewards: Record<string, number>[], weights: Record<string, number> = SQL_WEIGHTS, group = 'g'): GroupOutput {
  const r = rankGroup(rewards, { weights });
  return {
    group,
    allEqual: r.allEqual,
    candidates: texts.map((text, i) => ({
      index: i,
      text,
      rewards: rewards[i]!,
      total: r.scored[i]!.total,
      advantage: r.scored[i]!.advantage,
      rank: r.scored[i]!.rank,
      error: null,
      // evidence the log must not keep:
      result: { columns: ['n'], rows: [[1]], rowCount: 1 },
    })),
  };
}

export interface RecordSpec {
  id?: string;
  task?: TaskKind;
  texts?: string[];
  rewards?: Record<string, number>[];
  human?: Partial<HumanSignal>;
  reference?: string | null;
  question?: string;
}

export function makeRecord(spec: RecordSpec = {}): PreferenceRecord {
  const texts = spec.texts ?? ['SELECT name FROM state', 'SELECT * FROM state', 'SELEC name FROM state'];
  const rewards =
    spec.rewards ??
    texts.map((_, i) => ({ execution_match: i === 0 ? 3 : 0, syntax: i === 2 ? 0 : 1, schema_linking: 1 - i * 0.25, ngram: 1 / (i + 1) }));
  const task = spec.task ?? 'sql';
  const question = spec.question ?? 'What are the names of all states?';
  return buildPreferenceRecord({
    id: spec.id ?? 'rec-1',
    time: new Date('2026-11-26T12:00:00Z'),
    task,
    prompt: [
      { role: 'system', content: 'You write SQLite queries.' },
      { role: 'user', content: question },
    ],
    context:
      task === 'sql'
        ? { database: { path: 'data/geo.sqlite', sha256: 'ab'.repeat(32), schema: 'CREATE TABLE state (name TEXT, population INT);' }, reference: spec.reference === undefined ? 'SELECT name FROM state' : spec.reference }
        : task === 'patch'
          ? { files: [{ path: 'src/a.py', sha256: 'cd'.repeat(32) }], reference: spec.reference ?? null }
          : { dataFile: { path: 'data/cars.csv', sha256: 'ef'.repeat(32) }, reference: spec.reference ?? null },
    modelId: 'Qwen2.5-Coder-0.5B-Instruct',
    sampling: { n: texts.length, temperature: 0.8, topP: 0.95, maxNewTokens: 256, seed: 7 },
    provider: 'cpu',
    group: makeGroup(texts, rewards),
    facts: new Map(texts.map((t, i) => [i, { tokenCount: t.length, logprobs: { sum: -1 - i, mean: -0.1, min: -2, count: 10 } }])),
    human: { ...emptyHumanSignal(SQL_WEIGHTS), ...spec.human },
  });
}
