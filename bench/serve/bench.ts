/**
 * Reward server under a training-step load: 256 GeoQuery prompts (../shared/datasets/geography) x 8 candidates each
 * (the gold query and rewrites of it: equivalent and wrong ones), sent as requests of 8 prompts = 64 candidates by 32
 * concurrent clients for --seconds (default 60; the 10-minute run is the same loop, longer). The server runs
 * as its own process (`reward-lens serve`, source through tsx); its RSS is sampled every second.
 * Baseline in the same run: the same (gold, candidate) pairs through the test-suite oracle's own code
 * (exec_eval.eval_exec_match: sqlite3 + result_eq, ../shared/oracles) in a Python process pool of the same size as the
 * server's SQL executors, driven by 32 client threads. Note the server computes every SQL reward (syntax, schema,
 * execution_match, schema_linking, ngram, consensus...), the baseline execution match only.
 * Usage: npx tsx bench/serve/bench.ts [--seconds 60] [--baseline-seconds S (default --seconds)] [--clients 32] [--executors N (default: cores)]
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { servedUrl } from '../../test/unit/cli/serveUrl';
import { GEO_DIR, geoAvailable, loadGeo, makePairs } from '../../test/unit/worker/sql/geo';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECONDS = arg('seconds', 60);
/** The baseline's run time (default --seconds): rewards/s is a rate, so a long server run can keep a shorter baseline. */
const BASELINE_SECONDS = arg('baseline-seconds', SECONDS);
const CLIENTS = arg('clients', 32);
const EXECUTORS = arg('executors', os.cpus().length);
const REPO = path.resolve(__dirname, '../..');
const ORACLES = path.resolve(REPO, '..', 'shared', 'oracles');

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};

function procStatus(pid: number, key: string): number {
  try {
    const m = new RegExp(`${key}:\\s+(\\d+)`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
const rssKb = (pid: number) => procStatus(pid, 'VmRSS');

/** One point of the server's memory timeline: RSS, threads, and the main thread's V8 heap and external memory (/metrics). */
interface MemPoint { t: number; rssKb: number; threads: number; heapMb: number; heapTotalMb: number; externalMb: number }
async function memPoint(url: string, pid: number, t: number): Promise<MemPoint> {
  let heapMb = NaN;
  let heapTotalMb = NaN;
  let externalMb = NaN;
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    const num = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20;
    heapMb = num('reward_lens_nodejs_heap_size_used_bytes');
    heapTotalMb = num('reward_lens_nodejs_heap_size_total_bytes');
    externalMb = num('reward_lens_nodejs_external_memory_bytes');
  } catch {
    /* the timeline keeps NaN for a missed scrape */
  }
  return { t, rssKb: rssKb(pid), threads: procStatus(pid, 'Threads'), heapMb, heapTotalMb, externalMb };
}

/** 256 prompts x 8 candidates: gold + 7 rewrites (equivalent or not), from makePairs (test/unit/worker/sql/geo.ts). */
function workload(): { gold: string; candidates: string[] }[] {
  const entries = loadGeo();
  const pairs = makePairs(entries);
  const byGold = new Map<string, string[]>();
  for (const p of pairs) {
    const list = byGold.get(p.gold) ?? [];
    list.push(p.pred);
    byGold.set(p.gold, list);
  }
  // Rewrites that keep the entry's own gold (some variants rewrite the gold too); padded with copies of the gold and
  // a wrong query so that each prompt has 8 candidates, like a sampled group.
  const prompts = entries.filter((e) => byGold.has(e.sql)).map((e) => {
    const c = [e.sql, ...byGold.get(e.sql)!].slice(0, 8);
    while (c.length < 8) c.push(c.length % 2 ? 'SELECT name FROM city LIMIT 3' : e.sql.toLowerCase());
    return { gold: e.sql, candidates: c };
  });
  const out: { gold: string; candidates: string[] }[] = [];
  for (let i = 0; out.length < 256; i++) out.push(prompts[i % prompts.length]!);
  return out;
}

async function startServer(): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/cli/bin.ts'), 'serve', '--port', '0', '--root', GEO_DIR, '--sql-executors', String(EXECUTORS), '--concurrency', String(EXECUTORS * 2), '--queue', '256', '--timeout-ms', '5000'], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await servedUrl(child);
  return { url, pid: child.pid!, stop: async () => { child.kill('SIGTERM'); await new Promise((r) => child.once('exit', r)); } };
}

async function benchServer(requests: { groups: object[] }[]): Promise<{ candidates: number; seconds: number; lat: number[]; rss: number[]; errors: number; timeline: MemPoint[] }> {
  const s = await startServer();
  const post = async (body: object) => {
    const r = await fetch(`${s.url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const j = (await r.json()) as { groups?: { candidates: unknown[] }[] };
    if (r.status !== 200) throw new Error(`${r.status} ${JSON.stringify(j).slice(0, 200)}`);
    return j.groups!.reduce((n, g) => n + g.candidates.length, 0);
  };
  await post({ task: 'sql', ...requests[0]! }); // warm: load the database into the executors
  const rss: number[] = [rssKb(s.pid)];
  const sampler = setInterval(() => rss.push(rssKb(s.pid)), 1000);
  const timeline: MemPoint[] = [await memPoint(s.url, s.pid, 0)];
  const step = Math.max(10, Math.round(SECONDS / 10));
  const tl0 = performance.now();
  const timelineSampler = setInterval(() => void memPoint(s.url, s.pid, Math.round((performance.now() - tl0) / 1000)).then((p) => timeline.push(p)), step * 1000);
  const lat: number[] = [];
  let candidates = 0;
  let errors = 0;
  let next = 0;
  const t0 = performance.now();
  const deadline = t0 + SECONDS * 1000;
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (performance.now() < deadline) {
      const body = requests[next++ % requests.length]!;
      const t = performance.now();
      try {
        const n = await post({ task: 'sql', ...body });
        candidates += n;
        lat.push(performance.now() - t);
      } catch {
        errors++;
      }
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  clearInterval(timelineSampler);
  rss.push(rssKb(s.pid));
  timeline.push(await memPoint(s.url, s.pid, Math.round(seconds)));
  await s.stop();
  return { candidates, seconds, lat, rss, errors, timeline };
}

function benchOracle(requests: [string, string][][], db: string): Promise<{ candidates: number; seconds: number; latencies_ms: number[]; rss_kb: number[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [path.join(__dirname, 'oracle_pool.py')], { env: { ...process.env, PYTHONPATH: ORACLES }, stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (c) => (c === 0 ? resolve(JSON.parse(out)) : reject(new Error(`oracle pool exited ${c}`))));
    child.stdin.end(JSON.stringify({ requests, db, seconds: BASELINE_SECONDS, clients: CLIENTS, processes: EXECUTORS }));
  });
}

async function main(): Promise<void> {
  if (!geoAvailable() || !fs.existsSync(path.join(ORACLES, 'exec_eval.py'))) {
    console.log('skipped: ../shared/datasets/geography and ../shared/oracles are needed');
    return;
  }
  const prompts = workload();
  // Requests of 8 prompts x 8 candidates = 64 candidates; 256 prompts = 32 requests per training step.
  const serverReqs: { groups: object[] }[] = [];
  const oracleReqs: [string, string][][] = [];
  for (let i = 0; i < prompts.length; i += 8) {
    const chunk = prompts.slice(i, i + 8);
    serverReqs.push({ groups: chunk.map((p, k) => ({ group: `${i + k}`, prompt: '', candidates: p.candidates, reference: p.gold, db: 'geography.sqlite' })) });
    oracleReqs.push(chunk.flatMap((p) => p.candidates.map((c): [string, string] => [p.gold, c])));
  }
  const load0 = fs.readFileSync('/proc/loadavg', 'utf8').trim();
  const srv = await benchServer(serverReqs);
  const load1 = fs.readFileSync('/proc/loadavg', 'utf8').trim();
  const ora = await benchOracle(oracleReqs, path.join(GEO_DIR, 'geography.sqlite'));
  const load2 = fs.readFileSync('/proc/loadavg', 'utf8').trim();
  const mb = (kb: number) => (kb / 1024).toFixed(0);
  const row = (name: string, n: number, s: number, lat: number[], rss: number[]) =>
    `| ${name} | ${(n / s).toFixed(0)} | ${pct(lat, 50).toFixed(0)} | ${pct(lat, 99).toFixed(0)} | ${mb(rss[1] ?? rss[0]!)} / ${mb(Math.max(...rss))} / ${mb(rss[rss.length - 1]!)} |`;
  console.log(`\nbench/serve: server ${SECONDS} s, baseline ${BASELINE_SECONDS} s, ${CLIENTS} clients, requests of 64 candidates (8 GeoQuery prompts x 8), ${EXECUTORS} SQL executors / oracle processes, ${os.cpus().length} cores`);
  console.log(`loadavg before: ${load0}; after server: ${load1}; after baseline: ${load2}\n`);
  console.log('| scorer | rewards/s | p50 ms / request | p99 ms / request | RSS MB first / max / last |');
  console.log('| --- | --- | --- | --- | --- |');
  console.log(row('reward-lens serve (all SQL rewards)', srv.candidates, srv.seconds, srv.lat, srv.rss));
  console.log(row('test-suite eval_exec_match, process pool (execution match only)', ora.candidates, ora.seconds, ora.latencies_ms, ora.rss_kb));
  console.log('\nServer memory over the run (RSS of the whole process, worker threads included; heap and external: main thread):\n');
  console.log('| t s | RSS MB | threads | main heap used MB | main heap total MB | main external MB |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const p of srv.timeline) console.log(`| ${p.t} | ${mb(p.rssKb)} | ${p.threads} | ${p.heapMb.toFixed(0)} | ${p.heapTotalMb.toFixed(0)} | ${p.externalMb.toFixed(0)} |`);
  console.log(`\nratio rewards/s: ${((srv.candidates / srv.seconds) / (ora.candidates / ora.seconds)).toFixed(2)}x; server requests: ${srv.lat.length} ok, ${srv.errors} failed; baseline requests: ${ora.latencies_ms.length}`);
}

void main();
