export * from './types';
export * from './ranking';
