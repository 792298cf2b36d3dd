/**
 * The reward server (`reward-lens serve`): the rewards of `reward-lens rank` over HTTP, for TRL, verl and OpenRLHF
 * training runs. Built on fastify (body limit, JSON parsing, timeouts) with prom-client metrics.
 *
 *   POST /v1/score    {"task", "groups": [{"group"?, "prompt", "candidates", "reference"?, "db"?, "files"?, "data"?}],
 *                      "weights"?, "options"?: {"timeoutMs"?, "match"?}} -> {"groups": [...]} as `rank` prints them
 *   POST /get_reward  OpenRLHF's remote reward contract {"query", "prompts", "labels"} -> {"rewards", "scores",
 *                      "extra_logs"}
 *   GET  /health      version, reward definition ids, pool and queue states
 *   GET  /metrics     Prometheus text format
 *
 * Requests go through the same input reader (src/core/input) and scoreGroups (src/cli/score.ts) as `rank`. Paths in
 * requests resolve inside `--root` folders only (real-path containment, src/node/paths.ts). Stateless: any number of
 * servers can serve one training run.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import * as os from 'node:os';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { CodedError, toErrorInfo, type ErrorInfo } from '../../core/errors';
import { describeProblems, INPUT_TASKS, readGroupObjects, type InputTask } from '../../core/input/groups';
import { REWARD_DEFINITIONS } from '../../core/rewardVersions';
import type { GroupOutput } from '../../core/ranking/types';
import { resolveInsideRoots } from '../../node/paths';
import { ChartRenderer } from '../../worker/chart/renderer';
import { scoreGroups, type ScoreOptions, type ScoreOutput } from '../score';
import { Gate, QueueFull } from './gate';
import { ServerMetrics } from './metrics';
import { SqlPool } from './sqlPool';

export interface ServeOptions {
  host: string;
  port: number;
  /** Folders request paths may name (db, files, data, reference images). */
  roots: string[];
  /** Bearer token; required to listen on anything but loopback. */
  token?: string;
  /** Task of OpenRLHF labels that are a plain gold string (default sql). */
  defaultTask: InputTask;
  /** Database of SQL groups that name none (operator-given, absolute). */
  defaultDb?: string;
  /** Per-candidate limit (SQL statement, chart render), ms; requests may ask for less, not more. */
  timeoutMs: number;
  maxBodyBytes: number;
  maxCandidates: number;
  /** Scoring requests running at once / waiting. */
  concurrency: number;
  queue: number;
  /** SQL executors per database and the cache bound. */
  sqlExecutors: number;
  dbCacheBytes: number;
  chartProcesses: number;
  /** Time to receive a whole request (headers and body), ms: a client that sends one byte a second gets 408. */
  requestTimeoutMs: number;
  /** Log one line per request (method, route, status, time); bodies are never logged. */
  logRequests: boolean;
  version: string;
}

export const DEFAULT_SERVE_OPTIONS: ServeOptions = {
  host: '127.0.0.1',
  port: 8787,
  roots: [],
  defaultTask: 'sql',
  timeoutMs: 2000,
  maxBodyBytes: 32 * 1024 * 1024,
  maxCandidates: 4096,
  concurrency: Math.max(1, os.cpus().length),
  queue: 64,
  sqlExecutors: Math.max(1, os.cpus().length),
  dbCacheBytes: 2 * 1024 ** 3,
  chartProcesses: Math.max(1, Math.min(2, os.cpus().length)),
  requestTimeoutMs: 30_000,
  logRequests: false,
  version: '0.0.0',
};

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

class HttpError extends Error {
  constructor(readonly status: number, readonly info: ErrorInfo, readonly headers: Record<string, string> = {}) {
    super(info.message);
  }
}

const STATUS_BY_CODE: Record<string, number> = {
  bad_request: 400,
  path_outside_root: 400,
  path_unreadable: 400,
  sql_db_open: 400,
  limit_exceeded: 413,
  unauthorized: 401,
  cancelled: 499,
};

function statusOf(info: ErrorInfo): number {
  return Object.prototype.hasOwnProperty.call(STATUS_BY_CODE, info.code) ? STATUS_BY_CODE[info.code]! : 500;
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Special tokens a decoder leaves at the end of a response when told not to skip them (OpenRLHF does). */
const TRAILING_SPECIAL = /(?:\s*(?:<\|im_end\|>|<\|endoftext\|>|<\|eot_id\|>|<\|end\|>|<\/s>|<\|end_of_text\|>))+\s*$/;

/** OpenRLHF's query is prompt + response (decoded with special tokens): the response is what follows the prompt. */
export function responseOf(query: string, prompt: string): string {
  let r = query;
  if (prompt && query.startsWith(prompt)) r = query.slice(prompt.length);
  else if (prompt) {
    const at = query.lastIndexOf(prompt);
    if (at >= 0) r = query.slice(at + prompt.length);
  }
  return r.replace(TRAILING_SPECIAL, '');
}

interface Label {
  task: InputTask;
  fields: Record<string, unknown>;
}

/** A label is the gold answer (for the default task), or a JSON object {"task", "reference", "db"?, ...}. */
export function parseLabel(label: unknown, defaultTask: InputTask, i: number): Label {
  let o: unknown = label;
  if (typeof label === 'string') {
    const t = label.trim();
    if (t.startsWith('{')) {
      try {
        o = JSON.parse(t);
      } catch {
        o = label; // gold text that happens to start with "{" (a chart spec is JSON; a broken one stays text)
      }
      if (isObj(o) && !('task' in o) && !('reference' in o)) o = label; // a bare chart spec: it is the reference
    }
  }
  if (typeof o === 'string' || o === null || o === undefined) return { task: defaultTask, fields: { reference: o ?? null } };
  if (!isObj(o)) throw new CodedError('bad_request', `labels[${i}] must be a string or an object {"task", "reference", ...}`);
  const task = o.task ?? defaultTask;
  if (typeof task !== 'string' || !(INPUT_TASKS as readonly string[]).includes(task)) throw new CodedError('bad_request', `labels[${i}].task must be one of ${INPUT_TASKS.join(', ')}`);
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (k !== 'task') fields[k] = v;
  return { task: task as InputTask, fields };
}

/** Upper bound of a group's total, for OpenRLHF's `scores` in [0, 1]: the sum of the positive weights that apply. */
function maxTotal(g: GroupOutput): number {
  const w = (g as { weights?: Record<string, number> }).weights;
  if (!w) return 1; // chart weights are renormalised: totals already lie in [0, 1]
  const names = new Set(g.candidates.flatMap((c) => Object.keys(c.rewards)));
  let m = 0;
  for (const [k, v] of Object.entries(w)) if (v > 0 && names.has(k)) m += v;
  return m > 0 ? m : 1;
}

export interface RewardServer {
  app: FastifyInstance;
  url: string;
  sqlPool: SqlPool;
  metrics: ServerMetrics;
  close(): Promise<void>;
}

export async function startRewardServer(partial: Partial<ServeOptions>): Promise<RewardServer> {
  const o: ServeOptions = { ...DEFAULT_SERVE_OPTIONS, ...partial };
  if (!isLoopback(o.host) && !o.token) {
    throw new CodedError('bad_request', `refusing to listen on ${o.host} without a token: anyone who can reach it could use it. Give --token-file FILE, or keep the default 127.0.0.1`);
  }
  const metrics = new ServerMetrics();
  const gate = new Gate(o.concurrency, o.queue, (active, queued) => {
    metrics.inFlight.set(active);
    metrics.queueDepth.set(queued);
  });
  const sqlPool = new SqlPool({ size: o.sqlExecutors, maxBytes: o.dbCacheBytes });
  let renderer: ChartRenderer | null = null;
  const chartRenderer = () => (renderer ??= new ChartRenderer({ processes: o.chartProcesses, timeoutMs: o.timeoutMs }));
  const tokenDigest = o.token ? digest(o.token) : null;

  const app = Fastify({
    // Never the body; the URL only (no query strings are used by any route).
    logger: o.logRequests ? { level: 'info', serializers: { req: (r: { method: string; url: string }) => ({ method: r.method, url: r.url }) } } : false,
    bodyLimit: o.maxBodyBytes,
    requestTimeout: o.requestTimeoutMs,
    // Node checks request timeouts on this interval (default 30 s): check often so a slow client is cut on time.
    http: { connectionsCheckingInterval: Math.min(1000, o.requestTimeoutMs), headersTimeout: o.requestTimeoutMs, requestTimeout: o.requestTimeoutMs },
    return503OnClosing: true,
    // JSON bodies only; secure-json-parse refuses "__proto__" and "constructor.prototype" keys (400).
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    http2: false,
  });

  // JSON only: a text/plain body is a "simple" cross-origin request a web page could send without a preflight.
  app.removeContentTypeParser('text/plain');

  const send = (reply: FastifyReply, status: number, info: ErrorInfo, headers: Record<string, string> = {}) => {
    metrics.errors.inc({ code: info.code });
    for (const [k, v] of Object.entries(headers)) void reply.header(k, v);
    return reply.code(status).send({ error: info });
  };

  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, _req, reply) => {
    if (err instanceof HttpError) return send(reply, err.status, err.info, err.headers);
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return send(reply, 413, { code: 'limit_exceeded', message: `the request body is over ${o.maxBodyBytes} bytes (--max-body-mb raises the limit)` });
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return send(reply, 415, { code: 'bad_request', message: 'send JSON with Content-Type: application/json' });
    if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      return send(reply, 400, { code: 'bad_request', message: `the body is not valid JSON: ${err.message}` });
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return send(reply, err.statusCode, { code: 'bad_request', message: err.message });
    const info = toErrorInfo(err);
    return send(reply, statusOf(info), info);
  });

  app.addHook('onRequest', async (req) => {
    // Without a token the server only answers requests addressed to loopback: a web page cannot reach it through
    // DNS rebinding (Host: evil.example resolving to 127.0.0.1).
    if (!tokenDigest) {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
      if (!isLoopback(host)) throw new HttpError(403, { code: 'forbidden', message: 'this server answers requests to 127.0.0.1/localhost only (start it with --token-file to serve other hosts)' });
      return;
    }
    const h = req.headers.authorization ?? '';
    const m = /^Bearer (.+)$/i.exec(h);
    // Constant-time comparison of fixed-length digests: the time taken says nothing about the token.
    if (!m || !timingSafeEqual(digest(m[1]!.trim()), tokenDigest)) {
      throw new HttpError(401, { code: 'unauthorized', message: m ? 'wrong bearer token' : 'missing bearer token (Authorization: Bearer <token>)' }, { 'WWW-Authenticate': 'Bearer' });
    }
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unknown';
    metrics.requests.inc({ route, status: String(reply.statusCode) });
    metrics.latency.observe({ route }, reply.elapsedTime / 1000);
  });

  const resolve = (p: string): string => {
    if (o.roots.length === 0) throw new CodedError('path_outside_root', `${JSON.stringify(p)}: the server has no --root; start it with --root DIR to allow paths inside DIR`);
    return resolveInsideRoots(o.roots, p);
  };

  /** Scores the groups of one task with the server's pools and limits; counts rewards, timeouts and verdicts. */
  const score = async (task: InputTask, items: unknown[], weights: unknown, options: unknown, signal: AbortSignal): Promise<ScoreOutput & { warnings?: string[] }> => {
    const read = readGroupObjects(items, task);
    if (read.errors.length) throw new CodedError('bad_request', describeProblems(read.errors));
    const candidates = read.groups.reduce((n, g) => n + g.candidates.length, 0);
    if (candidates > o.maxCandidates) {
      throw new CodedError('limit_exceeded', `${candidates} candidates in one request, over the limit of ${o.maxCandidates} (--max-candidates raises it; or split the request)`);
    }
    const opts: ScoreOptions = { resolve, signal, timeoutMs: o.timeoutMs, inlinePng: 'never' };
    if (o.defaultDb) opts.defaultDb = o.defaultDb;
    if (weights !== undefined && weights !== null) {
      if (!isObj(weights)) throw new CodedError('bad_request', 'weights must be an object {reward: number}');
      const w: Record<string, number> = {};
      for (const [k, v] of Object.entries(weights)) {
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new CodedError('bad_request', `weights.${k} must be a number`);
        Object.defineProperty(w, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
      opts.weights = w;
    }
    if (options !== undefined && options !== null) {
      if (!isObj(options)) throw new CodedError('bad_request', 'options must be an object');
      for (const k of Object.keys(options)) if (k !== 'timeoutMs' && k !== 'match') throw new CodedError('bad_request', `unknown option "${k}" (options: timeoutMs, match)`);
      if (options.timeoutMs !== undefined) {
        const t = options.timeoutMs;
        if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) throw new CodedError('bad_request', 'options.timeoutMs must be a positive number');
        if (t > o.timeoutMs) throw new CodedError('limit_exceeded', `options.timeoutMs ${t} is over the server's limit of ${o.timeoutMs} ms (--timeout-ms raises it)`);
        opts.timeoutMs = t;
      }
      if (options.match !== undefined) {
        if (options.match !== 'test-suite' && options.match !== 'bird') throw new CodedError('bad_request', 'options.match must be "test-suite" or "bird"');
        opts.match = options.match;
      }
    }
    if (task === 'sql') opts.runSql = (p, s) => sqlPool.run(p, s);
    if (task === 'chart') opts.renderer = chartRenderer();
    const out: ScoreOutput & { warnings?: string[] } = await scoreGroups(task, read.groups, opts);
    metrics.rewards.inc({ task }, candidates);
    for (const g of out.groups) {
      for (const c of g.candidates) {
        if (!c.error) continue;
        metrics.errors.inc({ code: c.error.code });
        if (/timeout/.test(c.error.code)) metrics.timeouts.inc({ task });
      }
    }
    if (read.warnings.length) out.warnings = read.warnings.map((w) => `${w.where}: ${w.message}`);
    return out;
  };

  /** Runs a scoring request under the admission gate; a client that goes away cancels its work. */
  const admitted = async <T>(req: FastifyRequest, reply: FastifyReply, fn: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const ac = new AbortController();
    const onClose = () => {
      if (!reply.sent) ac.abort();
    };
    req.raw.socket.once('close', onClose);
    let release: () => void;
    try {
      release = await gate.enter(ac.signal);
    } catch (e) {
      req.raw.socket.off('close', onClose);
      if (e instanceof QueueFull) {
        metrics.rejected.inc();
        throw new HttpError(503, { code: 'busy', message: e.message }, { 'Retry-After': '1' });
      }
      throw new HttpError(499, { code: 'cancelled', message: 'the client went away' });
    }
    try {
      return await fn(ac.signal);
    } finally {
      release();
      req.raw.socket.off('close', onClose);
    }
  };

  app.post('/v1/score', async (req, reply) => {
    const body = req.body;
    if (!isObj(body)) throw new CodedError('bad_request', 'the body must be a JSON object {"task", "groups": [...]}');
    for (const k of Object.keys(body)) if (!['task', 'groups', 'weights', 'options'].includes(k)) throw new CodedError('bad_request', `unknown field "${k}" (fields: task, groups, weights, options)`);
    const task = body.task;
    if (typeof task !== 'string' || !(INPUT_TASKS as readonly string[]).includes(task)) throw new CodedError('bad_request', `task must be one of ${INPUT_TASKS.join(', ')}`);
    if (!Array.isArray(body.groups)) throw new CodedError('bad_request', 'groups must be a list');
    return admitted(req, reply, (signal) => score(task as InputTask, body.groups as unknown[], body.weights, body.options, signal));
  });

  app.post('/get_reward', async (req, reply) => {
    const body = req.body;
    if (!isObj(body)) throw new CodedError('bad_request', 'the body must be a JSON object {"query", "prompts", "labels"}');
    const query = body.query;
    const prompts = body.prompts ?? [];
    const labels = body.labels ?? [];
    if (!Array.isArray(query) || !query.every((q) => typeof q === 'string')) throw new CodedError('bad_request', 'query must be a list of strings');
    if (!Array.isArray(prompts) || !prompts.every((p) => typeof p === 'string')) throw new CodedError('bad_request', 'prompts must be a list of strings');
    if (!Array.isArray(labels)) throw new CodedError('bad_request', 'labels must be a list');
    if ((prompts.length && prompts.length !== query.length) || (labels.length && labels.length !== query.length)) {
      throw new CodedError('bad_request', `query (${query.length}), prompts (${prompts.length}) and labels (${labels.length}) must have the same length`);
    }
    if (query.length === 0) return { rewards: [], scores: [], extra_logs: {} }; // a batch split over servers leaves some empty
    if (query.length > o.maxCandidates) throw new CodedError('limit_exceeded', `${query.length} queries in one request, over the limit of ${o.maxCandidates} (--max-candidates raises it)`);
    // Samples of one prompt and label form one GRPO group, in order of first appearance.
    const byTask = new Map<InputTask, { groups: Map<string, { fields: Record<string, unknown>; prompt: string; candidates: string[]; at: number[] }> }>();
    query.forEach((q: string, i) => {
      const prompt = (prompts[i] as string | undefined) ?? '';
      const label = parseLabel(labels[i] ?? null, o.defaultTask, i);
      let t = byTask.get(label.task);
      if (!t) byTask.set(label.task, (t = { groups: new Map() }));
      const key = JSON.stringify([prompt, label.fields]);
      let g = t.groups.get(key);
      if (!g) t.groups.set(key, (g = { fields: label.fields, prompt, candidates: [], at: [] }));
      g.candidates.push(responseOf(q, prompt));
      g.at.push(i);
    });
    const rewards = new Array<number>(query.length).fill(0);
    const scores = new Array<number>(query.length).fill(0);
    const extra = new Map<string, number[]>();
    const errors = new Array<number>(query.length).fill(0);
    await admitted(req, reply, async (signal) => {
      for (const [task, t] of byTask) {
        const list = [...t.groups.values()];
        const items = list.map((g, k) => ({ ...g.fields, group: String(k), prompt: g.prompt, candidates: g.candidates }));
        const out = await score(task, items, undefined, undefined, signal);
        out.groups.forEach((og, k) => {
          const at = list[k]!.at;
          const top = maxTotal(og);
          og.candidates.forEach((c, j) => {
            const i = at[j]!;
            rewards[i] = c.total;
            scores[i] = Math.min(1, Math.max(0, c.total / top));
            if (c.error) errors[i] = 1;
            for (const [name, v] of Object.entries(c.rewards)) {
              let col = extra.get(name);
              if (!col) extra.set(name, (col = new Array<number>(query.length).fill(0)));
              col[i] = v;
            }
          });
        });
      }
    });
    const extra_logs: Record<string, number[]> = { candidate_error: errors };
    for (const [k, v] of extra) Object.defineProperty(extra_logs, k, { value: v, enumerable: true, writable: true, configurable: true });
    return { rewards, scores, extra_logs };
  });

  app.get('/health', async () => ({
    status: 'ok',
    version: o.version,
    definitions: REWARD_DEFINITIONS,
    tasks: INPUT_TASKS,
    roots: o.roots.length,
    pools: {
      sql: sqlPool.state(),
      chart: renderer ? { processes: renderer.processes, started: true } : { processes: o.chartProcesses, started: false },
    },
    queue: { inFlight: gate.inFlight, queued: gate.queued, concurrency: o.concurrency, max: o.queue },
    limits: { timeoutMs: o.timeoutMs, maxBodyBytes: o.maxBodyBytes, maxCandidates: o.maxCandidates, requestTimeoutMs: o.requestTimeoutMs },
  }));

  app.get('/metrics', async (_req, reply) => {
    void reply.header('Content-Type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  await app.listen({ host: o.host, port: o.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  const hostForUrl = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    app,
    url: `http://${hostForUrl}:${port}`,
    sqlPool,
    metrics,
    close: async () => {
      await app.close();
      sqlPool.closeAll();
      renderer?.dispose();
    },
  };
}
