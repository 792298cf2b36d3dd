/**
 * Issue 11, hostile requests against the reward server: malformed JSON, a 100 MB body, `../` and symlinked paths,
 * 10,000 candidates, a client sending one byte a second, wrong and missing tokens, a foreign Host header, a full
 * queue, a runaway candidate: each a clear 4xx/5xx with {error: {code, message}}, nothing read outside the roots,
 * and the server still answering afterwards.
 */
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { serveOptions } from '../../../src/cli/serve';
import { startRewardServer, type RewardServer } from '../../../src/cli/serve/server';
import { UsageError } from '../../../src/cli/args';
import { REPO } from './helpers';
import { servedUrl } from './serveUrl';

async function req(url: string, body: string | Buffer | undefined, headers: Record<string, string> = {}, method = 'POST'): Promise<{ status: number; json: any; headers: Headers }> {
  const r = await fetch(url, { method, headers: { 'content-type': 'application/json', ...headers }, ...(body !== undefined ? { body } : {}) });
  const text = await r.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // metrics text
  }
  return { status: r.status, json, headers: r.headers };
}

async function alive(s: RewardServer, headers: Record<string, string> = {}): Promise<void> {
  const h = await req(`${s.url}/health`, undefined, headers, 'GET');
  assert.strictEqual(h.status, 200);
  assert.strictEqual(h.json.status, 'ok');
}

describe('reward server: hostile requests', function () {
  this.timeout(120_000);
  let dir: string;
  let root: string;
  let outside: string;
  let s: RewardServer;

  before(async () => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'rl-hostile-')));
    root = path.join(dir, 'root');
    outside = path.join(dir, 'outside');
    fs.mkdirSync(root);
    fs.mkdirSync(outside);
    fs.copyFileSync(path.join(REPO, 'fixtures/sample-workspace/shop.sqlite'), path.join(root, 'shop.sqlite'));
    fs.copyFileSync(path.join(REPO, 'fixtures/sample-workspace/shop.sqlite'), path.join(outside, 'secret.sqlite'));
    fs.writeFileSync(path.join(outside, 'secret.ts'), 'export const SECRET = "do not read me";\n');
    fs.symlinkSync(path.join(outside, 'secret.sqlite'), path.join(root, 'link.sqlite'));
    fs.symlinkSync(outside, path.join(root, 'linkdir'));
    s = await startRewardServer({ port: 0, roots: [root], requestTimeoutMs: 1500, maxCandidates: 1000, timeoutMs: 2000 });
  });
  after(async () => {
    await s?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('malformed JSON, wrong content type, wrong shapes: 400/415 with a message', async () => {
    for (const body of ['{"task": "sql", "groups": [', 'null', '[]', '{"task": "nope", "groups": []}', '{"task": "sql", "groups": {}}', '{"task":"sql","groups":[{"candidates":[1]}]}', '{"task":"sql","groups":[],"extra":1}', '{"__proto__": {"x": 1}, "task": "sql", "groups": []}']) {
      const r = await req(`${s.url}/v1/score`, body);
      assert.strictEqual(r.status, 400, `${body} -> ${r.status} ${JSON.stringify(r.json)}`);
      assert.strictEqual(typeof r.json.error.message, 'string');
      assert.ok(r.json.error.code);
    }
    const t = await req(`${s.url}/v1/score`, 'task=sql', { 'content-type': 'text/plain' });
    assert.strictEqual(t.status, 415);
    const g = await req(`${s.url}/get_reward`, JSON.stringify({ query: ['a', 'b'], prompts: ['a'], labels: [] }));
    assert.strictEqual(g.status, 400);
    assert.match(g.json.error.message, /same length/);
    await alive(s);
  });

  it('a 100 MB body is refused with 413 naming --max-body-mb', async () => {
    const big = Buffer.alloc(100 * 1024 * 1024, 0x20);
    const r = await req(`${s.url}/v1/score`, big).catch((e: Error) => ({ status: -1, json: { error: { code: 'client', message: e.message } }, headers: new Headers() }));
    // The server answers 413 as soon as Content-Length is over the limit (the client may see the socket close first).
    if (r.status !== -1) {
      assert.strictEqual(r.status, 413);
      assert.strictEqual(r.json.error.code, 'limit_exceeded');
      assert.match(r.json.error.message, /--max-body-mb/);
    }
    const m = await req(`${s.url}/metrics`, undefined, {}, 'GET');
    assert.match(String(m.json), /reward_lens_errors_total\{code="limit_exceeded"\} [1-9]/);
    await alive(s);
  });

  it('../, absolute and symlinked paths are refused (400 path_outside_root); nothing outside the root is opened', async () => {
    const cases: { task: string; group: Record<string, unknown> }[] = [
      { task: 'sql', group: { candidates: ['SELECT 1'], db: '../outside/secret.sqlite' } },
      { task: 'sql', group: { candidates: ['SELECT 1'], db: path.join(outside, 'secret.sqlite') } },
      { task: 'sql', group: { candidates: ['SELECT 1'], db: 'link.sqlite' } },
      { task: 'sql', group: { candidates: ['SELECT 1'], db: 'linkdir/secret.sqlite' } },
      { task: 'patch', group: { candidates: ['x'], files: ['../outside/secret.ts'] } },
      { task: 'patch', group: { candidates: ['x'], files: ['linkdir/secret.ts'] } },
      { task: 'chart', group: { candidates: ['{}'], data: 'linkdir/secret.ts' } },
      { task: 'chart', group: { candidates: ['{}'], reference: '../outside/ref.png' } },
    ];
    for (const c of cases) {
      const r = await req(`${s.url}/v1/score`, JSON.stringify({ task: c.task, groups: [c.group] }));
      assert.strictEqual(r.status, 400, `${JSON.stringify(c)} -> ${r.status} ${JSON.stringify(r.json)}`);
      assert.strictEqual(r.json.error.code, 'path_outside_root', JSON.stringify(r.json));
      assert.doesNotMatch(JSON.stringify(r.json), /do not read me/);
    }
    assert.strictEqual(s.sqlPool.state().databases, 0, 'no database outside the root was loaded');
    const ok = await req(`${s.url}/v1/score`, JSON.stringify({ task: 'sql', groups: [{ candidates: ['SELECT count(*) FROM products'], db: 'shop.sqlite' }] }));
    assert.strictEqual(ok.status, 200);
    assert.strictEqual(s.sqlPool.state().databases, 1);
    await alive(s);
  });

  it('10,000 candidates: 413 limit_exceeded naming --max-candidates', async () => {
    const groups = [{ candidates: Array.from({ length: 10_000 }, (_, i) => `SELECT ${i}`), db: 'shop.sqlite' }];
    const r = await req(`${s.url}/v1/score`, JSON.stringify({ task: 'sql', groups }));
    assert.strictEqual(r.status, 413);
    assert.strictEqual(r.json.error.code, 'limit_exceeded');
    assert.match(r.json.error.message, /10000 candidates .*\(--max-candidates/);
    const q = await req(`${s.url}/get_reward`, JSON.stringify({ query: Array(10_000).fill('x'), prompts: Array(10_000).fill(''), labels: Array(10_000).fill('') }));
    assert.strictEqual(q.status, 413);
    await alive(s);
  });

  it('a client sending one byte a second is cut off by the request timeout (408), the server keeps serving', async () => {
    const u = new URL(s.url);
    const body = JSON.stringify({ task: 'sql', groups: [] });
    const answer = await new Promise<string>((resolve) => {
      const sock = net.connect(Number(u.port), u.hostname);
      let got = '';
      let i = 0;
      sock.on('data', (d) => (got += d.toString()));
      sock.on('close', () => {
        clearInterval(timer);
        resolve(got);
      });
      sock.on('error', () => undefined);
      sock.write(`POST /v1/score HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
      const timer = setInterval(() => {
        if (i < body.length && !sock.destroyed) sock.write(body[i++]!);
      }, 1000);
      setTimeout(() => sock.destroy(), 15_000);
    });
    assert.match(answer, /^HTTP\/1\.1 408/, `got: ${answer.slice(0, 80)}`);
    await alive(s);
  });

  it('a runaway candidate stops at its time limit with its own error code; the others score; the server stays up', async () => {
    const runaway = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c';
    const r = await req(`${s.url}/v1/score`, JSON.stringify({ task: 'sql', groups: [{ candidates: ['SELECT count(*) FROM products', runaway, 'SELECT 2'], db: 'shop.sqlite' }], options: { timeoutMs: 300 } }));
    assert.strictEqual(r.status, 200, JSON.stringify(r.json));
    const cs = r.json.groups[0].candidates;
    assert.strictEqual(cs[1].error.code, 'sql_timeout');
    assert.strictEqual(cs[0].error, null);
    assert.strictEqual(cs[2].error, null);
    const m = await req(`${s.url}/metrics`, undefined, {}, 'GET');
    assert.match(String(m.json), /reward_lens_candidate_timeouts_total\{task="sql"\} [1-9]/);
    const over = await req(`${s.url}/v1/score`, JSON.stringify({ task: 'sql', groups: [{ candidates: ['SELECT 1'], db: 'shop.sqlite' }], options: { timeoutMs: 999_999 } }));
    assert.strictEqual(over.status, 413);
    assert.match(over.json.error.message, /--timeout-ms/);
    await alive(s);
  });

  it('a full queue answers 503 with Retry-After (never an unbounded queue)', async () => {
    const small = await startRewardServer({ port: 0, roots: [root], concurrency: 1, queue: 0, timeoutMs: 3000 });
    try {
      const runaway = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c';
      const slow = req(`${small.url}/v1/score`, JSON.stringify({ task: 'sql', groups: [{ candidates: [runaway], db: 'shop.sqlite' }], options: { timeoutMs: 2500 } }));
      // Wait until the slow request holds the only slot (health is not gated).
      for (let i = 0; i < 200; i++) {
        const h = await req(`${small.url}/health`, undefined, {}, 'GET');
        if (h.json.queue.inFlight === 1) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      const busy = await req(`${small.url}/v1/score`, JSON.stringify({ task: 'sql', groups: [{ candidates: ['SELECT 1'], db: 'shop.sqlite' }] }));
      assert.strictEqual(busy.status, 503);
      assert.strictEqual(busy.headers.get('retry-after'), '1');
      assert.match(busy.json.error.message, /--queue/);
      assert.strictEqual((await slow).status, 200);
      await alive(small);
    } finally {
      await small.close();
    }
  });

  it('wrong or missing bearer token: 401; a foreign Host without a token: 403; non-loopback without a token refused', async () => {
    const token = 'a-long-enough-test-token-1234567890';
    const t = await startRewardServer({ port: 0, roots: [root], token });
    try {
      for (const h of [{} as Record<string, string>, { authorization: 'Bearer wrong' }, { authorization: `Bearer ${token}x` }, { authorization: `Basic ${token}` }]) {
        const r = await req(`${t.url}/v1/score`, JSON.stringify({ task: 'sql', groups: [] }), h);
        assert.strictEqual(r.status, 401, JSON.stringify(h));
        assert.strictEqual(r.json.error.code, 'unauthorized');
        assert.strictEqual(r.headers.get('www-authenticate'), 'Bearer');
        const m = await req(`${t.url}/metrics`, undefined, h, 'GET');
        assert.strictEqual(m.status, 401);
      }
      await alive(t, { authorization: `Bearer ${token}` });
    } finally {
      await t.close();
    }
    const foreign = await new Promise<string>((resolve) => {
      const u = new URL(s.url);
      const sock = net.connect(Number(u.port), u.hostname, () => sock.write('GET /health HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n'));
      let got = '';
      sock.on('data', (d) => (got += d.toString()));
      sock.on('close', () => resolve(got));
    });
    assert.match(foreign, /^HTTP\/1\.1 403/);
    await assert.rejects(startRewardServer({ port: 0, host: '0.0.0.0' }), /without a token/);
    assert.throws(() => serveOptions(['--host', '0.0.0.0']), (e: unknown) => e instanceof UsageError && /--token-file/.test(e.message));
    assert.throws(() => serveOptions(['--port', 'abc']), (e: unknown) => e instanceof UsageError && /--port must be an integer/.test(e.message));
    await alive(s);
  });

  it('reward-lens serve as a process: --token-file, --root, URL on stdout, SIGTERM stops it', async () => {
    const tokenFile = path.join(dir, 'token');
    fs.writeFileSync(tokenFile, 'process-token-0123456789abcdef\n');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/cli/bin.ts'), 'serve', '--port=0', `--root=${root}`, '--token-file', tokenFile], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await servedUrl(child);
      const no = await req(`${url}/health`, undefined, {}, 'GET');
      assert.strictEqual(no.status, 401);
      const yes = await req(`${url}/v1/score`, JSON.stringify({ task: 'sql', groups: [{ candidates: ['SELECT count(*) FROM products'], db: 'shop.sqlite' }] }), { authorization: 'Bearer process-token-0123456789abcdef' });
      assert.strictEqual(yes.status, 200, JSON.stringify(yes.json));
      assert.strictEqual(yes.json.groups[0].candidates[0].result.rows[0][0], 24);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
