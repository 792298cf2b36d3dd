/** The worker methods and the CLI command on the tiny model, and the provider probe the health handler uses. */
import * as assert from 'assert';
import { generateHandlers } from '../../../../src/worker/handlers/generate';
import type { HandlerContext } from '../../../../src/worker/handlers/types';
import { probeProviders } from '../../../../src/worker/inference/providers';
import { engine } from '../../../../src/worker/inference/engine';
import { generateCommand } from '../../../../src/cli/generate';
import { CodedError } from '../../../../src/core/errors';
import type { CandidateResult, GenerateResult, LoadedModelInfo } from '../../../../src/core/sampling/request';
import { TINY } from './helpers';

function ctx(signal = new AbortController().signal) {
  const progress: unknown[] = [];
  const c: HandlerContext = { signal, progress: (d) => progress.push(d), log: () => undefined };
  return { c, progress };
}

describe('generate worker methods, CLI and provider probe', function () {
  this.timeout(60000);
  after(async () => engine.unload());

  it('probeProviders reports onnxruntime and always lists cpu', () => {
    const p = probeProviders();
    assert.strictEqual(p.onnxruntimeError, null);
    assert.match(p.onnxruntimeVersion ?? '', /^1\.\d+/);
    assert.ok(p.executionProviders.includes('cpu'));
    assert.ok(!p.executionProviders.includes('cuda') || !p.fallbackReasons.cuda);
  });

  it('model.load, then generate streams one progress message per candidate', async () => {
    const backend = { kind: 'onnx', modelPath: TINY, executionProvider: 'cpu', threads: 1 };
    const loaded = (await generateHandlers['model.load']!({ backend }, ctx().c)) as LoadedModelInfo;
    assert.strictEqual(loaded.provider, 'cpu');
    assert.strictEqual(loaded.model.numLayers, 2);
    const info = (await generateHandlers['model.info']!({}, ctx().c)) as { loaded: LoadedModelInfo };
    assert.strictEqual(info.loaded.model.id, 'tiny-model');
    const { c, progress } = ctx();
    const r = (await generateHandlers.generate!({ backend, messages: [{ role: 'user', content: 'list name of all products' }], n: 5, temperature: 0.9, maxNewTokens: 40, seed: 2 }, c)) as GenerateResult;
    assert.strictEqual(r.candidates.length, 5);
    assert.strictEqual(progress.length, 5);
    assert.deepStrictEqual((progress as CandidateResult[]).map((p) => p.index).sort(), [0, 1, 2, 3, 4]);
    assert.strictEqual(r.timings.loadMs, 0); // already loaded
  });

  it('an empty modelPath means the bundled tiny model', async () => {
    const r = (await generateHandlers.generate!({ backend: { kind: 'onnx', modelPath: '', executionProvider: 'cpu', threads: 1 }, prompt: '-- top 3 products by price\n', n: 2, temperature: 0, maxNewTokens: 30 }, ctx().c)) as GenerateResult;
    assert.strictEqual(r.model.id, 'tiny-model');
    assert.match(r.candidates[0]!.text, /^SELECT /);
  });

  it('bad params are bad_request; an aborted signal is cancelled', async () => {
    await assert.rejects(generateHandlers.generate!({ backend: { kind: 'onnx', modelPath: TINY }, n: 2 }, ctx().c), (e: unknown) => e instanceof CodedError && e.code === 'bad_request' && /messages and prompt/.test(e.message));
    await assert.rejects(generateHandlers.generate!({ backend: { kind: 'nope' }, prompt: 'x' }, ctx().c), (e: unknown) => e instanceof CodedError && e.code === 'bad_request');
    const ctl = new AbortController();
    ctl.abort();
    await assert.rejects(generateHandlers.generate!({ backend: { kind: 'onnx', modelPath: TINY, executionProvider: 'cpu' }, prompt: '-- q\n', n: 2, maxNewTokens: 4 }, ctx(ctl.signal).c), (e: unknown) => e instanceof CodedError && e.code === 'cancelled');
  });

  it('reward-lens generate --json prints the candidates of the tiny model', async () => {
    let out = '';
    const write = process.stdout.write.bind(process.stdout);
    (process.stdout as { write: unknown }).write = (s: string) => ((out += s), true);
    let rc: number;
    try {
      rc = await generateCommand(['--model', TINY, '--n', '3', '--prompt', 'top 3 products by price', '--seed', '4', '--provider', 'cpu', '--json']);
    } finally {
      (process.stdout as { write: unknown }).write = write;
    }
    assert.strictEqual(rc, 0);
    const r = JSON.parse(out) as GenerateResult;
    assert.strictEqual(r.candidates.length, 3);
    assert.ok(r.candidates.every((c) => c.text.startsWith('SELECT') && typeof c.logprobs?.mean === 'number'));
  });
});
