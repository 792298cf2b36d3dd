import { workerHandlers } from './types';
import { parsePatchRankParams } from '../../core/patch/protocol';
import { rankPatch } from '../patch/rankPatch';

/** Worker methods of the patch task (see src/core/protocol/worker.ts). */
export const patchHandlers = workerHandlers({
  async 'patch.rank'(params, ctx) {
    const p = parsePatchRankParams(params);
    return rankPatch(p, { signal: ctx.signal, progress: (x) => ctx.progress(x) });
  },
});
