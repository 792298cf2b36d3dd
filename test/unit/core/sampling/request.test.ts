/** What the CLI and the extension's log say about drafting, from a request's timings. */
import * as assert from 'assert';
import { draftingSummary, type GenerateTimings } from '../../../../src/core/sampling/request';

const base: GenerateTimings = { loadMs: 0, prefillMs: 10, decodeMs: 100, decodeSteps: 93, totalMs: 110, promptTokens: 5635, newTokens: 2048, tokensPerSecond: 1 };

describe('draftingSummary', () => {
  it('says how many drafts were kept and the tokens each row got per pass', () => {
    assert.strictEqual(draftingSummary({ ...base, draftedTokens: 4644, acceptedTokens: 1366, forwards: 93, rowForwards: 681 }), 'drafts kept 1366 of 4644 (29%), 3.01 tokens per row pass');
  });
  it('leaves the pass count out when the worker did not report it, and is silent when nothing was drafted', () => {
    assert.strictEqual(draftingSummary({ ...base, draftedTokens: 10, acceptedTokens: 0 }), 'drafts kept 0 of 10 (0%)');
    assert.strictEqual(draftingSummary({ ...base, draftedTokens: 0, acceptedTokens: 0 }), null);
    assert.strictEqual(draftingSummary(base), null);
  });
});
