/**
 * Stopping criteria, checked for each row after each sampled token (transformers.js `stopping_criteria.js` shape).
 * A criterion returns a decision when the row must stop, else null.
 */
export type FinishReason = 'eos' | 'stop' | 'length';

export interface StopDecision {
  reason: FinishReason;
  /** For stop strings: the text is cut here (the stop string itself is not part of the candidate, as in OpenAI's API). */
  textEnd?: number;
}

export interface StoppingRow {
  readonly generatedIds: readonly number[];
  /** Decoded text of generatedIds (computed lazily, once per step). */
  text(): string;
}

export interface StoppingCriterion {
  check(row: StoppingRow): StopDecision | null;
}

export class EosCriterion implements StoppingCriterion {
  private readonly eos: Set<number>;
  constructor(eosIds: Iterable<number>) {
    this.eos = new Set(eosIds);
  }
  check(row: StoppingRow): StopDecision | null {
    const last = row.generatedIds[row.generatedIds.length - 1];
    return last !== undefined && this.eos.has(last) ? { reason: 'eos' } : null;
  }
}

export class MaxNewTokensCriterion implements StoppingCriterion {
  constructor(private readonly maxNewTokens: number) {}
  check(row: StoppingRow): StopDecision | null {
    return row.generatedIds.length >= this.maxNewTokens ? { reason: 'length' } : null;
  }
}

/** Stops when any stop string appears in the decoded text; the earliest occurrence wins. */
export class StopStringsCriterion implements StoppingCriterion {
  private readonly stops: string[];
  constructor(stops: readonly string[]) {
    this.stops = stops.filter((s) => s.length > 0);
  }
  get empty(): boolean {
    return this.stops.length === 0;
  }
  check(row: StoppingRow): StopDecision | null {
    if (this.stops.length === 0) return null;
    const text = row.text();
    let at = -1;
    for (const s of this.stops) {
      const i = text.indexOf(s);
      if (i >= 0 && (at < 0 || i < at)) at = i;
    }
    return at >= 0 ? { reason: 'stop', textEnd: at } : null;
  }
}

export class StoppingCriteriaList implements StoppingCriterion {
  constructor(readonly criteria: StoppingCriterion[] = []) {}
  push(c: StoppingCriterion): this {
    this.criteria.push(c);
    return this;
  }
  /** The first criterion that fires decides (EOS before stop strings before length, when listed in that order). */
  check(row: StoppingRow): StopDecision | null {
    for (const c of this.criteria) {
      const d = c.check(row);
      if (d) return d;
    }
    return null;
  }
}
