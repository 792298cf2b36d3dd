export * from './sequenceMatcher';
export * from './unifiedDiff';
export * from './swerl';
export * from './unidiffFiles';
export * from './candidate';
export * from './rewards';
export * from './score';
