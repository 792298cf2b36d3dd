import type { CliCommand } from './commands';
import { rankSqlCommand } from './rank/sql';
import { rankPatchCommand } from './rank/patch';
import { rankChartCommand } from './rank/chart';

/** Task rankers: `reward-lens rank --task NAME ...`. Each task issue registers its own. */
const tasks: Record<string, CliCommand> = {
  sql: rankSqlCommand,
  patch: rankPatchCommand,
  chart: rankChartCommand,
};

export async function rankCommand(args: string[]): Promise<number> {
  const i = args.indexOf('--task');
  const task = i >= 0 ? args[i + 1] : undefined;
  const rest = i >= 0 ? [...args.slice(0, i), ...args.slice(i + 2)] : args;
  const run = task ? tasks[task] : undefined;
  if (!run) {
    process.stderr.write(`reward-lens rank: --task must be one of: ${Object.keys(tasks).join(', ') || '(none available yet)'}\n`);
    return 2;
  }
  return run(rest);
}
