import type { WorkerHandlers } from './types';
import { coreHandlers } from './core';
import { sqlHandlers } from './sql';
import { patchHandlers } from './patch';
import { chartHandlers } from './chart';
import { generateHandlers } from './generate';

/** Every method of `WorkerMethods` (src/core/protocol/worker.ts); the type makes a missing one a compile error. */
export const handlers: WorkerHandlers = {
  ...coreHandlers,
  ...sqlHandlers,
  ...patchHandlers,
  ...chartHandlers,
  ...generateHandlers,
};
