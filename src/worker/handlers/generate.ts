import { CodedError } from '../../core/errors';
import type { LoadedModelInfo, GenerateResult } from '../../core/sampling/request';
import { parseBackend, parseGenerateParams } from '../../core/sampling/request';
import { engine } from '../inference/engine';
import { workerHandlers } from './types';

/** Worker methods of the generate task (see src/core/protocol/worker.ts). */
export const generateHandlers = workerHandlers({
  async generate(params, ctx): Promise<GenerateResult> {
    const p = parseGenerateParams(params);
    return engine.generate(p, {
      signal: ctx.signal,
      onCandidate: (c) => ctx.progress(c),
      log: (level, m) => ctx.log(level, m),
    });
  },

  async 'model.load'(params): Promise<LoadedModelInfo> {
    const backend = parseBackend((params as { backend?: unknown } | null)?.backend);
    if (backend.kind !== 'onnx') throw new CodedError('bad_request', 'model.load takes an onnx backend');
    return engine.load(backend);
  },

  async 'model.info'(): Promise<{ loaded: LoadedModelInfo | null }> {
    return { loaded: engine.info() };
  },
});
