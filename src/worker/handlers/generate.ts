import type { HandlerTable } from './types';

/** Worker methods of the generate task (see src/core/protocol/worker.ts). */
export const generateHandlers: HandlerTable = {};
