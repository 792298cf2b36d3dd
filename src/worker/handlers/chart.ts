import type { HandlerTable } from './types';

/** Worker methods of the chart task (see src/core/protocol/worker.ts). */
export const chartHandlers: HandlerTable = {};
