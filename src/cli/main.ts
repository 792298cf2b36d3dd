#!/usr/bin/env node
/**
 * reward-lens: the same core and worker from a terminal (and from training pipelines).
 *   reward-lens health                       print the worker's health JSON
 *   reward-lens rank --task sql|patch|chart  score and rank candidates (JSONL in, one JSON object out)
 *   reward-lens generate ...                 sample N candidates from a local ONNX model or an endpoint
 *   reward-lens export ...                   preference log -> TRL / verl / OpenRLHF datasets
 *   reward-lens serve ...                    the rewards over HTTP for training runs
 */
import { WorkerClient, defaultWorkerEntry } from '../node/workerClient';
import { commands } from './commands';

const USAGE = `usage: reward-lens <command> [options]

commands:
  health                         print the inference worker's health as JSON
  rank --task sql|patch|chart    rank candidates read from --input FILE.jsonl (see README)
  generate                       sample candidates from --model DIR or --endpoint URL
  export                         write a training dataset from a preference log
  serve                          reward server for TRL / verl / OpenRLHF training runs (HTTP)
  python-client --out FILE       write the server's Python client (TRL, verl, OpenRLHF adapters)
  rescore --log FILE             re-score logged groups with today's rewards; report what moved
  help                           this text
`;

async function health(): Promise<number> {
  const client = new WorkerClient({ entry: defaultWorkerEntry(), autoRestart: false, log: (level, m) => { if (level === 'error' || level === 'warn') process.stderr.write(`${m}\n`); } });
  try {
    const h = await client.call('health', {}, { timeoutMs: 30000 });
    process.stdout.write(JSON.stringify(h, null, 2) + '\n');
    return 0;
  } finally {
    client.dispose();
  }
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    process.stdout.write(USAGE);
    return cmd ? 0 : 2;
  }
  if (cmd === 'health') return health();
  const run = commands[cmd];
  if (!run) {
    process.stderr.write(`reward-lens: unknown command "${cmd}"\n\n${USAGE}`);
    return 2;
  }
  return run(rest);
}
