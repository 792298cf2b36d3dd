import type { HandlerTable } from './types';

/** Worker methods of the sql task (see src/core/protocol/worker.ts). */
export const sqlHandlers: HandlerTable = {};
