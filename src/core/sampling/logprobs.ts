/** The per-candidate summary of sampled tokens' log-probabilities, shared by generation, the worker and the log. */
export interface LogprobSummary {
  /** Sum of the sampled tokens' log-probabilities (the sequence log-likelihood under the sampler). */
  sum: number;
  mean: number;
  min: number;
  /** Number of tokens summarized. */
  count: number;
}

/** Summary of per-token log-probabilities; zeros (count 0) for an empty list. */
export function summarizeLogprobs(lps: readonly number[]): LogprobSummary {
  let sum = 0;
  let min = lps.length ? Infinity : 0;
  for (const x of lps) {
    sum += x;
    if (x < min) min = x;
  }
  return { sum, mean: lps.length ? sum / lps.length : 0, min, count: lps.length };
}
