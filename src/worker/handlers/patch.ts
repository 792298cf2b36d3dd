import type { HandlerTable } from './types';

/** Worker methods of the patch task (see src/core/protocol/worker.ts). */
export const patchHandlers: HandlerTable = {};
