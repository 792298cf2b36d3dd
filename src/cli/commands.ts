import { rankCommand } from './rank';
import { generateCommand } from './generate';
import { exportCommand } from './export';
import { serveCommand } from './serve';
import { pythonClientCommand } from './pythonClient';
import { rescoreCommand } from './rescore';

export type CliCommand = (args: string[]) => Promise<number>;

/** Subcommands other than `health`. Task issues add theirs here. */
export const commands: Record<string, CliCommand> = {
  rank: rankCommand,
  generate: generateCommand,
  export: exportCommand,
  serve: serveCommand,
  'python-client': pythonClientCommand,
  rescore: rescoreCommand,
};
