#!/usr/bin/env node
/** Executable entry of the `reward-lens` CLI (webpack bundles this as dist/cli.js; from source: `npx tsx src/cli/bin.ts`). */
import { toErrorInfo } from '../core/errors';
import { main } from './main';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const info = toErrorInfo(e);
    process.stderr.write(`reward-lens: ${info.message} (${info.code})\n`);
    process.exitCode = 1;
  },
);
