import type { ErrorInfo } from '../errors';

/** Reward values by name. `null` means "does not apply" (summed as 0 and ignored, like TRL's nansum). */
export type Rewards = Record<string, number | null>;

/** One scored candidate, as the CLI prints it and the extension and panel receive it. */
export interface CandidateOutput {
  index: number;
  text: string;
  rewards: Record<string, number>;
  total: number;
  advantage: number;
  rank: number;
  error: ErrorInfo | null;
  /** Task evidence: `result` for SQL, `png`/`pngPath` for charts, `files`/`summary` for patches, ... */
  [evidence: string]: unknown;
}

export interface GroupOutput {
  group: string;
  /** Every candidate has the same total: the group carries no GRPO signal (DAPO's dynamic sampling drops it). */
  allEqual: boolean;
  candidates: CandidateOutput[];
}

export interface RankOutput {
  groups: GroupOutput[];
}
