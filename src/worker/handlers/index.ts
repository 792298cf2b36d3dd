import type { HandlerTable } from './types';
import { coreHandlers } from './core';
import { sqlHandlers } from './sql';
import { patchHandlers } from './patch';
import { chartHandlers } from './chart';
import { generateHandlers } from './generate';

export const handlers: HandlerTable = {
  ...coreHandlers,
  ...sqlHandlers,
  ...patchHandlers,
  ...chartHandlers,
  ...generateHandlers,
};
