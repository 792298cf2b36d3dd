/**
 * Draft tokens for speculative decoding by prompt lookup (Saxena 2023; transformers' PromptLookupCandidateGenerator):
 * find the row's last n-gram earlier in prompt + output and propose the tokens that followed it. Code edits,
 * search/replace blocks and SQL copy long spans of their prompt, so the continuation of a match is often right.
 */

export interface LookupState {
  /** Where in prompt + output the previous draft was copied from, advanced by what was kept; -1: none. */
  next: number;
}

/**
 * Up to k tokens that followed an earlier occurrence of the last n-gram (n from maxN down to 1). A copy in progress
 * is continued from its source first (`state.next`: the caller advances it by what the verify pass kept), so it stays
 * on its source where the n-gram also occurs elsewhere; otherwise the earliest match wins, as in transformers.
 * Sets `state.next` to where the returned draft starts.
 */
export function promptLookup(prompt: readonly number[], out: readonly number[], maxN: number, k: number, state?: LookupState): number[] {
  const L = prompt.length + out.length;
  const at = (i: number) => (i < prompt.length ? prompt[i]! : out[i - prompt.length]!);
  if (k <= 0 || L < 2) return [];
  const take = (from: number): number[] => {
    const d: number[] = [];
    for (let i = from; i < L && d.length < k; i++) d.push(at(i));
    return d;
  };
  // continue the previous copy when its source still lines up with the last token
  if (state && state.next > 0 && state.next < L && at(state.next - 1) === at(L - 1)) {
    const d = take(state.next);
    if (d.length) return d;
  }
  for (let n = Math.min(maxN, L - 1); n >= 1; n--) {
    for (let i = 0; i + n < L; i++) {
      let ok = true;
      for (let j = 0; j < n; j++) {
        if (at(i + j) !== at(L - n + j)) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      const d = take(i + n);
      if (d.length) {
        if (state) state.next = i + n;
        return d;
      }
    }
  }
  if (state) state.next = -1;
  return [];
}
