/** Prompt-lookup speculative decoding on the tiny model through onnxruntime: greedy output unchanged, fewer passes. */
import * as assert from 'assert';
import { generate } from '../../../../src/core/sampling/generate';
import { loadModelFolder } from '../../../../src/worker/inference/modelFolder';
import { OrtCausalLM } from '../../../../src/worker/inference/ortModel';
import { TextTokenizer } from '../../../../src/worker/inference/tokenizer';
import { TINY } from './helpers';

describe('speculative decoding on the tiny model (CPU)', function () {
  this.timeout(120000);
  let lm: OrtCausalLM;
  let tok: TextTokenizer;
  const folder = loadModelFolder(TINY);
  before(async () => {
    tok = new TextTokenizer(folder);
    lm = await OrtCausalLM.load(folder, { executionProvider: 'cpu', threads: 1 });
  });
  after(() => lm.dispose());

  it('temperature 0: the same tokens as plain decoding, with drafts accepted and rejected', async () => {
    const prompts = [
      tok.encode(tok.applyChatTemplate([{ role: 'user', content: 'SELECT name, price FROM products ORDER BY price DESC LIMIT 3; again please' }])),
      tok.encode(tok.applyChatTemplate([{ role: 'user', content: 'top 5 customers by total order amount' }])),
    ];
    const o = { prompts, numReturnSequences: 3, maxNewTokens: 80, sampling: { temperature: 0 }, seed: 1, eosTokenIds: [], padTokenId: folder.padTokenId }; // past EOS: a small model repeats itself, which lookup copies
    const plain = await generate(lm, o);
    const spec = await generate(lm, { ...o, speculative: { maxDraft: 4 } });
    assert.deepStrictEqual(spec.candidates.map((c) => c.tokenIds), plain.candidates.map((c) => c.tokenIds));
    for (let i = 0; i < plain.candidates.length; i++) {
      const a = plain.candidates[i]!.tokenLogprobs;
      const b = spec.candidates[i]!.tokenLogprobs;
      assert.ok(a.every((x, j) => Math.abs(x - b[j]!) < 1e-3), `candidate ${i}: log-probs`);
    }
    const t = spec.timings;
    assert.ok(t.acceptedTokens > 0 && t.acceptedTokens < t.draftedTokens, `accepted ${t.acceptedTokens} of ${t.draftedTokens}`);
    assert.ok(t.forwards < plain.timings.forwards, `${t.forwards} vs ${plain.timings.forwards} passes`);
  });
});
