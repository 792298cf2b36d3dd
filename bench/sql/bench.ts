/**
 * SQL ranking benchmark: 16 candidates per group against GeoQuery (../shared) and a generated ~50 MB database.
 * Prints one table: DB load time, p50 ranking time per group (with and without a gold query), p50 of the
 * executor's own time for the 16 statements, and the same 16 statements through the native sqlite3 CLI
 * (/usr/bin/sqlite3) in the same run: `.timer on` statement time (the DB already open: the fair "once loaded"
 * baseline) and whole-process wall time (spawn + open + run). Ratios are per group, measured back to back, then p50.
 * The "warm" columns run the no-gold rank a second time at once: the first run starts cold (the machine just ran
 * something else, as an editor does between requests), the second shows what the same work costs warm.
 * With --before DIR (a checkout of an earlier commit with its dependencies, e.g. `git archive <commit> | tar -x -C DIR`
 * and a node_modules link), that checkout's executor and rankSql are measured too, in the same process, group by
 * group alternating with this one's, each against the same native run: before/after ratios from one run.
 * --only geo|generated runs one database.
 * Usage: npx tsx bench/sql/bench.ts [--reps N] [--before DIR] [--only geo|generated]
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { SqlExecutor } from '../../src/worker/sql/executor';
import { rankSql } from '../../src/worker/sql/rankSql';
import { GEO_DB, geoAvailable, loadGeo } from '../../test/unit/worker/sql/geo';

const SQLITE3 = '/usr/bin/sqlite3';
const flag = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const REPS = Number(flag('reps') ?? 0) || 7;
const ONLY = flag('only');
const BEFORE = flag('before');

/** One implementation under test: this checkout's, or the --before one's. */
interface Impl {
  name: string;
  open: typeof SqlExecutor.open;
  rankSql: typeof rankSql;
}
const impls: Impl[] = [{ name: 'this', open: (p, o) => SqlExecutor.open(p, o), rankSql }];
if (BEFORE) {
  const dir = path.resolve(BEFORE);
  const ex = require(path.join(dir, 'src/worker/sql/executor.ts')) as { SqlExecutor: typeof SqlExecutor };
  const rk = require(path.join(dir, 'src/worker/sql/rankSql.ts')) as { rankSql: typeof rankSql };
  impls.unshift({ name: 'before', open: (p, o) => ex.SqlExecutor.open(p, o), rankSql: rk.rankSql });
}

const p50 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function makeBigDb(file: string): void {
  if (fs.existsSync(file) && fs.statSync(file).size > 45e6) return;
  fs.rmSync(file, { force: true });
  const script = `
PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT NOT NULL, signup INTEGER NOT NULL);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50000)
INSERT INTO users SELECT x, 'user' || x, CASE x % 7 WHEN 0 THEN 'US' WHEN 1 THEN 'DE' WHEN 2 THEN 'FR' WHEN 3 THEN 'JP' WHEN 4 THEN 'BR' WHEN 5 THEN 'IN' ELSE 'KE' END, 1600000000 + (x * 7919) % 31536000 FROM c;
CREATE TABLE events(id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), kind TEXT NOT NULL, ts INTEGER NOT NULL, amount REAL NOT NULL, note TEXT);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 600000)
INSERT INTO events SELECT x, 1 + (x * 40503) % 50000, CASE (x * 31) % 5 WHEN 0 THEN 'view' WHEN 1 THEN 'click' WHEN 2 THEN 'cart' WHEN 3 THEN 'buy' ELSE 'refund' END,
  1600000000 + (x * 104729) % 31536000, ((x * 7907) % 100000) / 100.0,
  printf('note %08d %s %s', (x * 48271) % 99999989, substr('abcdefghijklmnopqrstuvwxyz', 1 + x % 20, 6), hex(x * 2654435761)) FROM c;
CREATE INDEX events_user ON events(user_id);
VACUUM;`;
  execFileSync(SQLITE3, [file], { input: script });
}

const BIG_QUERIES = [
  'SELECT count(*) FROM events',
  'SELECT kind, count(*) FROM events GROUP BY kind',
  'SELECT kind, sum(amount) FROM events GROUP BY kind ORDER BY 2 DESC',
  'SELECT count(*) FROM events WHERE amount > 500',
  'SELECT u.country, count(*) FROM events e JOIN users u ON u.id = e.user_id GROUP BY u.country',
  'SELECT user_id, sum(amount) AS s FROM events GROUP BY user_id ORDER BY s DESC LIMIT 10',
  "SELECT avg(amount) FROM events WHERE kind = 'buy'",
  'SELECT count(DISTINCT user_id) FROM events',
  'SELECT max(ts) - min(ts) FROM events',
  'SELECT country, count(*) FROM users GROUP BY country',
  "SELECT * FROM events WHERE note LIKE 'note 0000%' LIMIT 50",
  'SELECT kind, count(*) FROM events WHERE ts BETWEEN 1600000000 AND 1610000000 GROUP BY kind',
  "SELECT u.name, count(*) AS c FROM users u JOIN events e ON e.user_id = u.id WHERE u.country = 'DE' GROUP BY u.id ORDER BY c DESC LIMIT 5",
  "SELECT count(*) FROM users WHERE id NOT IN (SELECT user_id FROM events WHERE kind = 'refund')",
  'SELECT substr(note, 15, 6) AS k, count(*) FROM events GROUP BY k ORDER BY 2 DESC LIMIT 5',
  'SELECT round(amount / 100) AS b, count(*) FROM events GROUP BY b ORDER BY b',
];

/** The 16 statements in one native sqlite3 process: statement time and CPU time (.timer) and process wall time, ms. */
function native(db: string, queries: readonly string[]): { stmtMs: number; cpuMs: number; wallMs: number } {
  const input = '.timer on\n' + queries.map((q) => q.trim().replace(/;\s*$/, '') + ';').join('\n') + '\n';
  const t0 = performance.now();
  const r = spawnSync(SQLITE3, ['-readonly', '-batch', db], { input, maxBuffer: 256 << 20 });
  const wallMs = performance.now() - t0;
  // A failing candidate is part of the workload (exit status 1); sqlite3 goes on with the next statement.
  if (r.error) throw r.error;
  let stmtMs = 0;
  let cpuMs = 0;
  for (const m of r.stdout.toString().matchAll(/Run Time: real ([0-9.]+) user ([0-9.]+) sys ([0-9.]+)/g)) {
    stmtMs += Number(m[1]) * 1000;
    cpuMs += (Number(m[2]) + Number(m[3])) * 1000;
  }
  return { stmtMs, cpuMs, wallMs };
}

interface Row {
  db: string;
  impl: string;
  sizeMb: number;
  loadMs: number;
  rankGoldMs: number;
  rankNoGoldMs: number;
  execMs: number;
  nativeStmtMs: number;
  nativeWallMs: number;
  /** p50 over groups of (rank no-gold / native statement time), each pair measured back to back. */
  ratioNoGoldStmt: number;
  ratioGoldStmt: number;
  /**
   * CPU time of the no-gold rank (this process, all threads: main, execution thread, V8's helpers) and of the native
   * statements (.timer user + sys), p50 per group: what a loaded machine's scheduling delays do not enter.
   */
  cpuNoGoldMs: number;
  nativeCpuMs: number;
  /**
   * The no-gold rank run again at once (thread and caches warm), and its statements' own time: against the first
   * run, what a group pays for starting cold after the machine did something else (here: the native run).
   */
  rankWarmMs: number;
  execWarmMs: number;
  ratioWarmStmt: number;
}

async function benchDb(label: string, dbPath: string, groups: Array<{ reference: string; candidates: string[] }>): Promise<Row[]> {
  const runs = [];
  for (const impl of impls) {
    const tl = performance.now();
    const ex = await impl.open(dbPath, { heapLimitBytes: 512 << 20 });
    const loadMs = performance.now() - tl;
    // Warm-up: one pass over every group (page cache, JIT), as a loaded editor session would be.
    for (const g of groups) await impl.rankSql({ dbPath, groups: [{ group: 'w', prompt: '', candidates: g.candidates }], timeoutMs: 60_000 }, { executor: ex });
    runs.push({ impl, ex, loadMs, gold: [] as number[], noGold: [] as number[], cpu: [] as number[], exec: [] as number[], rNoGold: [] as number[], rGold: [] as number[], warm: [] as number[], execWarm: [] as number[], rWarm: [] as number[] });
  }
  const nStmt: number[] = [];
  const nCpu: number[] = [];
  const nWall: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    for (const [i, g] of groups.entries()) {
      const params = { dbPath, timeoutMs: 60_000 };
      // Each implementation in turn, then the native run they are both compared with.
      for (const r of runs) {
        let t = performance.now();
        const out = await r.impl.rankSql({ ...params, groups: [{ group: `g${i}`, prompt: '', candidates: g.candidates, reference: g.reference }] }, { executor: r.ex });
        r.gold.push(performance.now() - t);
        t = performance.now();
        const c0 = process.cpuUsage();
        await r.impl.rankSql({ ...params, groups: [{ group: `g${i}`, prompt: '', candidates: g.candidates }] }, { executor: r.ex });
        r.noGold.push(performance.now() - t);
        const c = process.cpuUsage(c0);
        r.cpu.push((c.user + c.system) / 1000);
        r.exec.push(out.groups[0]!.candidates.reduce((a, c) => a + c.elapsedMs, 0));
        t = performance.now();
        const again = await r.impl.rankSql({ ...params, groups: [{ group: `g${i}`, prompt: '', candidates: g.candidates }] }, { executor: r.ex });
        r.warm.push(performance.now() - t);
        r.execWarm.push(again.groups[0]!.candidates.reduce((a, c) => a + c.elapsedMs, 0));
      }
      const n = native(dbPath, g.candidates);
      nStmt.push(n.stmtMs);
      nCpu.push(n.cpuMs);
      nWall.push(n.wallMs);
      for (const r of runs) {
        r.rNoGold.push(r.noGold.at(-1)! / n.stmtMs);
        r.rGold.push(r.gold.at(-1)! / n.stmtMs);
        r.rWarm.push(r.warm.at(-1)! / n.stmtMs);
      }
    }
  }
  for (const r of runs) r.ex.close();
  return runs.map((r) => ({
    db: label,
    impl: r.impl.name,
    sizeMb: fs.statSync(dbPath).size / 1e6,
    loadMs: r.loadMs,
    rankGoldMs: p50(r.gold),
    rankNoGoldMs: p50(r.noGold),
    execMs: p50(r.exec),
    nativeStmtMs: p50(nStmt),
    nativeWallMs: p50(nWall),
    ratioNoGoldStmt: p50(r.rNoGold),
    ratioGoldStmt: p50(r.rGold),
    cpuNoGoldMs: p50(r.cpu),
    nativeCpuMs: p50(nCpu),
    rankWarmMs: p50(r.warm),
    execWarmMs: p50(r.execWarm),
    ratioWarmStmt: p50(r.rWarm),
  }));
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const load0 = fs.readFileSync('/proc/loadavg', 'utf8').trim();
  if (ONLY === 'generated') {
    /* skipped by --only */
  } else if (geoAvailable()) {
    const entries = loadGeo();
    const groups = Array.from({ length: 12 }, (_, i) => {
      const cands = Array.from({ length: 16 }, (_, k) => entries[(i * 16 + k) % entries.length]!.sql);
      return { reference: cands[0]!, candidates: cands };
    });
    rows.push(...(await benchDb('GeoQuery', GEO_DB, groups)));
  } else console.log(`GeoQuery skipped: ${GEO_DB} not found`);
  const big = path.join(os.tmpdir(), 'reward-lens-bench-50mb.sqlite');
  let genMs = 0;
  if (ONLY !== 'geo') {
    const tg = performance.now();
    makeBigDb(big);
    genMs = performance.now() - tg;
    rows.push(...(await benchDb('generated', big, [{ reference: BIG_QUERIES[1]!, candidates: BIG_QUERIES }])));
  }
  const load1 = fs.readFileSync('/proc/loadavg', 'utf8').trim();

  const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  const head = ['database', ...(BEFORE ? ['code'] : []), 'MB', 'load ms', 'rank p50 (gold) ms', 'rank p50 (no gold) ms', 'sql.js exec p50 ms', 'sqlite3 stmt p50 ms', 'sqlite3 process p50 ms', 'rank/stmt (no gold)', 'rank/stmt (gold)', 'rank/process (no gold)', 'CPU ms rank (no gold)', 'CPU ms sqlite3', 'CPU rank/sqlite3', 'warm: rank ms', 'warm: sql.js exec ms', 'warm rank/stmt'];
  const body = rows.map((r) => [r.db, ...(BEFORE ? [r.impl] : []), r.sizeMb.toFixed(1), fmt(r.loadMs), fmt(r.rankGoldMs), fmt(r.rankNoGoldMs), fmt(r.execMs), fmt(r.nativeStmtMs), fmt(r.nativeWallMs), r.ratioNoGoldStmt.toFixed(2) + 'x', r.ratioGoldStmt.toFixed(2) + 'x', (r.rankNoGoldMs / r.nativeWallMs).toFixed(2) + 'x', fmt(r.cpuNoGoldMs), fmt(r.nativeCpuMs), (r.cpuNoGoldMs / r.nativeCpuMs).toFixed(2) + 'x', fmt(r.rankWarmMs), fmt(r.execWarmMs), r.ratioWarmStmt.toFixed(2) + 'x']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  console.log(`\n16 candidates per group, ${REPS} reps, node ${process.version}, ${os.cpus().length} CPUs${BEFORE ? `, before = ${BEFORE}` : ''}; generated DB ready in ${fmt(genMs)} ms (cached in ${big})`);
  console.log(`loadavg before: ${load0}; after: ${load1}`);
  console.log(line(head));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const b of body) console.log(line(b));
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
