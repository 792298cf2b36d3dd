/**
 * reward-lens serve [--host 127.0.0.1] [--port 8787] [--root DIR]... [--token-file FILE] [limits]
 * The reward server for training runs (src/cli/serve/server.ts). Runs until SIGINT/SIGTERM.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { INPUT_TASKS, type InputTask } from '../core/input/groups';
import { parseCli, runCommand, UsageError, type OptionSpec } from './args';
import { DEFAULT_SERVE_OPTIONS, isLoopback, startRewardServer, type ServeOptions } from './serve/server';

const D = DEFAULT_SERVE_OPTIONS;
export const SERVE_USAGE = `usage: reward-lens serve [options]

  --host HOST              address to listen on (default ${D.host}; anything but loopback needs --token-file)
  --port N                 port (default ${D.port}; 0 picks a free one)
  --root DIR               folder that request paths (db, files, data) may name; repeatable
  --token-file FILE        require "Authorization: Bearer <token>" (the file's first line)
  --task sql|patch|chart   task of OpenRLHF labels that are a plain gold string (default ${D.defaultTask})
  --db FILE                database of SQL groups that name none
  --timeout-ms N           per-candidate limit, SQL statement / chart render (default ${D.timeoutMs})
  --max-body-mb N          request body limit (default ${D.maxBodyBytes / 2 ** 20})
  --max-candidates N       candidates per request (default ${D.maxCandidates})
  --concurrency N          scoring requests running at once (default ${D.concurrency}, the cores)
  --queue N                requests waiting before 503 + Retry-After (default ${D.queue})
  --sql-executors N        SQL execution threads per database (default ${D.sqlExecutors}, the cores)
  --db-cache-mb N          memory for cached databases (default ${D.dbCacheBytes / 2 ** 20})
  --chart-processes N      chart renderer processes (default ${D.chartProcesses})
  --request-timeout-ms N   time to receive a whole request (default ${D.requestTimeoutMs})
  --log-requests           one log line per request (bodies are never logged)

endpoints: POST /v1/score, POST /get_reward (OpenRLHF), GET /health, GET /metrics (Prometheus)
`;

const OPTIONS: OptionSpec = {
  host: { type: 'string' },
  port: { type: 'string' },
  root: { type: 'string', multiple: true },
  'token-file': { type: 'string' },
  task: { type: 'string' },
  db: { type: 'string' },
  'timeout-ms': { type: 'string' },
  'max-body-mb': { type: 'string' },
  'max-candidates': { type: 'string' },
  concurrency: { type: 'string' },
  queue: { type: 'string' },
  'sql-executors': { type: 'string' },
  'db-cache-mb': { type: 'string' },
  'chart-processes': { type: 'string' },
  'request-timeout-ms': { type: 'string' },
  'log-requests': { type: 'boolean' },
};

function version(): string {
  for (const p of [path.join(__dirname, '..', 'package.json'), path.join(__dirname, '..', '..', 'package.json')]) {
    try {
      return (JSON.parse(fs.readFileSync(p, 'utf8')) as { version: string }).version;
    } catch {
      // next
    }
  }
  return 'unknown';
}

/** Parses the serve flags into server options (exported for tests). */
export function serveOptions(args: string[]): ServeOptions | 'help' {
  const a = parseCli(args, OPTIONS);
  if (a.help) return 'help';
  const int = (name: string, min: number, max?: number) => a.num(name, { integer: true, min, ...(max !== undefined ? { max } : {}) });
  const o: ServeOptions = { ...D, version: version() };
  o.host = a.str('host') ?? D.host;
  o.port = int('port', 0, 65535) ?? D.port;
  o.roots = a.list('root').map((r) => {
    if (!fs.existsSync(r) || !fs.statSync(r).isDirectory()) throw new UsageError(`--root ${r} is not a folder`);
    return fs.realpathSync(r);
  });
  const tf = a.str('token-file');
  if (tf !== undefined) {
    let token: string;
    try {
      token = fs.readFileSync(tf, 'utf8').split(/\r?\n/)[0]!.trim();
    } catch (e) {
      throw new UsageError(`--token-file ${tf}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (token.length < 16) throw new UsageError(`--token-file ${tf}: the token must be at least 16 characters`);
    o.token = token;
  }
  if (!isLoopback(o.host) && !o.token) throw new UsageError(`--host ${o.host} is reachable from other machines: give --token-file FILE (bearer token), or keep the default 127.0.0.1`);
  o.defaultTask = a.choice('task', INPUT_TASKS, 'sql') as InputTask;
  const db = a.str('db');
  if (db !== undefined) {
    if (!fs.existsSync(db)) throw new UsageError(`--db ${db} does not exist`);
    o.defaultDb = fs.realpathSync(db);
  }
  o.timeoutMs = int('timeout-ms', 1, 600_000) ?? D.timeoutMs;
  const mb = a.num('max-body-mb', { min: 0.001, max: 4096 });
  if (mb !== undefined) o.maxBodyBytes = Math.floor(mb * 2 ** 20);
  o.maxCandidates = int('max-candidates', 1) ?? D.maxCandidates;
  o.concurrency = int('concurrency', 1) ?? D.concurrency;
  o.queue = int('queue', 0) ?? D.queue;
  o.sqlExecutors = int('sql-executors', 1, 256) ?? D.sqlExecutors;
  const cache = a.num('db-cache-mb', { min: 1 });
  if (cache !== undefined) o.dbCacheBytes = Math.floor(cache * 2 ** 20);
  o.chartProcesses = int('chart-processes', 1, 64) ?? D.chartProcesses;
  o.requestTimeoutMs = int('request-timeout-ms', 100) ?? D.requestTimeoutMs;
  o.logRequests = a.flag('log-requests');
  return o;
}

export async function serveCommand(args: string[]): Promise<number> {
  return runCommand('serve', SERVE_USAGE, async () => {
    const o = serveOptions(args);
    if (o === 'help') {
      process.stdout.write(SERVE_USAGE);
      return 0;
    }
    const server = await startRewardServer(o);
    process.stderr.write(`reward-lens serve: listening on ${server.url} (roots: ${o.roots.length ? o.roots.join(', ') : 'none: requests cannot name files'}; ${o.token ? 'bearer token required' : 'loopback only'})\n`);
    // Tests and scripts read the URL from this line on stdout.
    process.stdout.write(`${server.url}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await server.close();
    return 0;
  });
}
