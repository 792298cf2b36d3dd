/**
 * Bounds for everything in patch ranking that can grow with its input (issue 15), and the work budget that stops a
 * computation when its time is up or the caller cancels. A limit hit is `{code: 'limit_exceeded', message}`, the
 * message naming the limit and how to raise it (`--limit NAME=N` on the command line, `limits.NAME` in the worker's
 * `patch.rank` params).
 */
import { CodedError } from '../errors';

export interface PatchLimits {
  /** Candidates in one group. */
  maxCandidates: number;
  /** Characters of one group: candidates, reference and given files together. */
  maxGroupChars: number;
  /** Characters of one candidate (or of the reference). */
  maxPatchChars: number;
  /** Lines of one hunk of a unified diff. */
  maxHunkLines: number;
  /** Lines of one file, before or after a change. */
  maxFileLines: number;
  /** Bytes of one file read from the root. */
  maxFileBytes: number;
  /**
   * Milliseconds of work for one candidate (applying it, its similarity to the reference, its share of consensus).
   * SWE-RL's similarity is a character-level difflib ratio: quadratic in the size of the two diffs.
   */
  candidateTimeMs: number;
  /** Milliseconds of scoring work for one group (the test command has its own limit, `tests.timeoutMs`). */
  groupTimeMs: number;
}

export const DEFAULT_PATCH_LIMITS: Readonly<PatchLimits> = Object.freeze({
  maxCandidates: 256,
  maxGroupChars: 16_000_000,
  maxPatchChars: 1_000_000,
  maxHunkLines: 10_000,
  maxFileLines: 100_000,
  maxFileBytes: 8 * 1024 * 1024,
  candidateTimeMs: 10_000,
  groupTimeMs: 120_000,
});

export const PATCH_LIMIT_NAMES = Object.keys(DEFAULT_PATCH_LIMITS) as (keyof PatchLimits)[];

/** How a user raises a limit, for the message. */
export function raiseHint(name: keyof PatchLimits): string {
  return `raise it with --limit ${name}=N (reward-lens rank --task patch) or limits.${name} (patch.rank params)`;
}

export function limitError(name: keyof PatchLimits, value: number, what: string): CodedError {
  return new CodedError('limit_exceeded', `${what} exceeds the limit ${name}=${value}; ${raiseHint(name)}`);
}

/** Merges overrides (validated: positive finite numbers, known names) over the defaults. */
export function mergeLimits(overrides?: Partial<Record<string, number>> | null): PatchLimits {
  const out: PatchLimits = { ...DEFAULT_PATCH_LIMITS };
  if (!overrides) return out;
  for (const [k, v] of Object.entries(overrides)) {
    if (!(PATCH_LIMIT_NAMES as string[]).includes(k)) throw new CodedError('bad_request', `unknown patch limit ${JSON.stringify(k)} (known: ${PATCH_LIMIT_NAMES.join(', ')})`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new CodedError('bad_request', `limit ${k} must be a positive number`);
    out[k as keyof PatchLimits] = v;
  }
  return out;
}

/**
 * Stops long synchronous work: `check()` throws once the time spent inside `run()` exceeds the limit, when the
 * parent budget (the group's) runs out, or when `cancelled()` says so. Loops call it every few thousand steps
 * (SequenceMatcher rows, hunk positions); it reads the clock on every 16th call. Time is counted only while this
 * budget's own work runs, so a candidate is not charged for the others' work between its steps.
 */
export class WorkBudget {
  private calls = 0;
  private spent = 0;
  private start = -1;
  constructor(
    private readonly limitMs: number,
    private readonly onTimeout: () => CodedError,
    private readonly cancelled: () => boolean = () => false,
    private readonly now: () => number = Date.now,
    private readonly parent: WorkBudget | null = null,
  ) {}

  /** Starts the clock for good (a budget that counts wall time, e.g. a group's). */
  begin(): this {
    this.start = this.now();
    return this;
  }

  /** Runs `fn`, counting its time against the budget; `fn` receives the check to call inside its loops. */
  run<T>(fn: (check: () => void) => T): T {
    this.start = this.now();
    try {
      this.checkNow();
      return fn(() => this.check());
    } finally {
      this.spent += this.now() - this.start;
      this.start = -1;
    }
  }

  check(): void {
    if ((++this.calls & 15) !== 0) return;
    this.checkNow();
  }

  checkNow(): void {
    if (this.cancelled()) throw new CodedError('cancelled', 'ranking cancelled');
    this.parent?.checkNow();
    const used = this.spent + (this.start >= 0 ? this.now() - this.start : 0);
    if (used > this.limitMs) throw this.onTimeout();
  }
}

/** Optional budget threaded through the similarity code (undefined = no checks). */
export type Check = (() => void) | undefined;
