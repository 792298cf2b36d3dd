/** generate through the real forked worker: streaming progress, cancellation, and the provider in health. */
import * as assert from 'assert';
import { WorkerClient } from '../../../../src/node/workerClient';
import { CodedError } from '../../../../src/core/errors';
import type { CandidateResult, GenerateParams } from '../../../../src/core/sampling/request';
import { TINY } from './helpers';

describe('generate over worker IPC (forked worker, tiny model)', function () {
  this.timeout(90000);
  let client: WorkerClient;
  before(() => {
    client = new WorkerClient();
  });
  after(() => client.dispose());
  const backend = { kind: 'onnx' as const, modelPath: TINY, executionProvider: 'cpu' as const, threads: 1 };

  it('streams one progress message per candidate, then the result; health shows the provider', async () => {
    const progress: CandidateResult[] = [];
    const params: GenerateParams = { backend, messages: [{ role: 'user', content: 'top 5 products by price' }], n: 6, temperature: 1, topP: 0.95, maxNewTokens: 40, seed: 9 };
    const r = await client.call('generate', params,
      { onProgress: (c) => progress.push(c), timeoutMs: 60000 });
    assert.strictEqual(r.candidates.length, 6);
    assert.deepStrictEqual(progress.map((c) => c.index).sort(), [0, 1, 2, 3, 4, 5]);
    assert.ok(r.candidates.every((c) => c.text.startsWith('SELECT')));
    const h = await client.call('health', {});
    assert.strictEqual(h.activeProvider, 'cpu');
    const info = await client.call('model.info', {});
    assert.strictEqual(info.loaded?.provider, 'cpu');
  });

  it('cancels a running generation and keeps serving', async () => {
    const ac = new AbortController();
    const long: GenerateParams = { backend, prompt: 'SELECT', n: 8, temperature: 1, maxNewTokens: 900, seed: 1, ignoreEos: true };
    const p = client.call('generate', long, { signal: ac.signal, timeoutMs: 60000 });
    setTimeout(() => ac.abort(), 300);
    await assert.rejects(p, (e: unknown) => e instanceof CodedError && e.code === 'cancelled');
    const short: GenerateParams = { backend, prompt: '-- top 3 products by price\n', n: 2, temperature: 0, maxNewTokens: 30 };
    const r = await client.call('generate', short);
    assert.strictEqual(r.candidates.length, 2);
  });
});
