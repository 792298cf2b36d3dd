import type { GroupOutput } from '../ranking/types';
import type { ChatMessage, GenerationFacts, HumanSignal, PreferenceRecord, RecordContext, SamplingRecord, TaskKind } from './record';
import { PREFERENCE_SCHEMA, PREFERENCE_SCHEMA_VERSION, toCandidateRecord } from './record';
import { rewardDefinitions } from '../rewardVersions';

export interface RecordInput {
  id: string;
  time: Date;
  task: TaskKind;
  prompt: ChatMessage[];
  context: RecordContext;
  modelId: string;
  sampling: SamplingRecord;
  provider: string;
  group: GroupOutput;
  /** Token counts / log-prob summaries by candidate index, when the generator reported them. */
  facts?: ReadonlyMap<number, GenerationFacts>;
  human: HumanSignal;
}

/**
 * A model id or provider must not carry credentials into the log: a URL keeps scheme, host and path only (no
 * user:password@, no query such as ?api_key=, no fragment). Anything else passes through.
 */
export function withoutCredentials(id: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(?:[^@/?#]*@)?([^?#]*)/i.exec(id.trim());
  return m ? `${m[1]}${m[2]}` : id;
}

/**
 * Assembles a record. The human signal is cleaned against the group: references to unknown candidates, self
 * preferences and out-of-range ratings are dropped, duplicates removed, so every record written is valid.
 */
export function buildPreferenceRecord(input: RecordInput): PreferenceRecord {
  const candidates = input.group.candidates.map((c) => toCandidateRecord(c, input.facts?.get(c.index)));
  const known = new Set(candidates.map((c) => c.index));
  const h = input.human;
  const prefKeys = new Set<string>();
  const preferences = h.preferences.filter((p) => {
    const key = `${p.chosen}>${p.rejected}`;
    if (p.chosen === p.rejected || !known.has(p.chosen) || !known.has(p.rejected) || prefKeys.has(key)) return false;
    prefKeys.add(key);
    return true;
  });
  const ratings: Record<string, number> = {};
  for (const [k, v] of Object.entries(h.ratings)) {
    if (known.has(Number(k)) && Number.isInteger(v) && v >= 1 && v <= 5) ratings[String(Number(k))] = v;
  }
  const weights: Record<string, number> = {};
  for (const [k, v] of Object.entries(h.weights)) if (Number.isFinite(v)) weights[k] = v;
  const rewardNames = new Set<string>();
  for (const c of candidates) for (const k of Object.keys(c.rewards)) rewardNames.add(k);
  // A plain object (JSON), from the null-prototype map rewardDefinitions returns.
  const definitions: Record<string, string> = { ...rewardDefinitions(input.task, [...rewardNames].sort()) };
  return {
    schema: PREFERENCE_SCHEMA,
    version: PREFERENCE_SCHEMA_VERSION,
    id: input.id,
    time: input.time.toISOString(),
    task: input.task,
    prompt: input.prompt.map((m) => ({ role: m.role, content: m.content })),
    context: input.context,
    model: { id: withoutCredentials(input.modelId), sampling: { ...input.sampling } },
    provider: withoutCredentials(input.provider),
    allEqual: input.group.allEqual,
    candidates,
    human: {
      accepted: h.accepted !== null && known.has(h.accepted) ? h.accepted : null,
      preferences,
      rejected: [...new Set(h.rejected.filter((i) => known.has(i)))],
      ratings,
      note: h.note,
      weights,
    },
    rewardDefinitions: definitions,
  };
}
