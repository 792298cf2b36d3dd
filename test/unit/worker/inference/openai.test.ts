/** The OpenAI-compatible backend against a fake server on 127.0.0.1. */
import * as assert from 'assert';
import * as http from 'http';
import type { AddressInfo } from 'net';
import { endpointUrl, openaiGenerate } from '../../../../src/worker/inference/openai';
import { CodedError } from '../../../../src/core/errors';
import type { GenerateParams, GenerateResult, OpenAIBackendSpec } from '../../../../src/core/sampling/request';
import { generateCommand } from '../../../../src/cli/generate';

type Mode = 'ok' | 'ignore-n' | 'no-logprobs' | 'refuse-logprobs' | 'http500' | 'not-json' | 'no-choices' | 'hang';

describe('OpenAI-compatible backend', function () {
  let server: http.Server;
  let base: string;
  let mode: Mode = 'ok';
  const bodies: Record<string, unknown>[] = [];
  before(async () => {
    server = http.createServer((req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        const body = JSON.parse(data) as Record<string, unknown>;
        bodies.push({ ...body, _path: req.url, _auth: req.headers.authorization });
        if (mode === 'hang') return; // never answers
        if (mode === 'http500') return void res.writeHead(500).end('{"error":"model not loaded"}');
        if (mode === 'not-json') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>proxy</html>');
        if (mode === 'no-choices') return void res.writeHead(200).end('{"object":"chat.completion"}');
        if (mode === 'refuse-logprobs' && body.logprobs !== undefined) return void res.writeHead(400).end('{"error":"logprobs is not supported"}');
        const chat = req.url!.endsWith('/chat/completions');
        const n = mode === 'ignore-n' ? 1 : Number(body.n ?? 1);
        const withLp = body.logprobs !== undefined && mode !== 'no-logprobs';
        const choices = Array.from({ length: n }, (_, i) => {
          const text = `SELECT ${i} FROM t;${String(body.seed ?? '')}`;
          const lps = [-0.5, -1.5, -0.25 * (i + 1)];
          return chat
            ? { index: i, message: { role: 'assistant', content: text }, finish_reason: i === 0 ? 'length' : 'stop', logprobs: withLp ? { content: lps.map((l, j) => ({ token: `t${j}`, logprob: l })) } : null }
            : { index: i, text, finish_reason: 'stop', logprobs: withLp ? { tokens: ['a', 'b', 'c'], token_logprobs: lps } : null };
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ choices, usage: { completion_tokens: 3 } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  beforeEach(() => {
    mode = 'ok';
    bodies.length = 0;
  });
  const spec = (over: Partial<OpenAIBackendSpec> = {}): OpenAIBackendSpec => ({ kind: 'openai', url: base, model: 'qwen', apiKey: 'k', ...over });
  const params = (over: Partial<GenerateParams> = {}): GenerateParams => ({
    backend: spec(), messages: [{ role: 'user', content: 'q' }], n: 4, temperature: 0.8, topP: 0.9, maxNewTokens: 32, seed: 7, stop: [';;'], ...over,
  });
  const code = (c: string, re?: RegExp) => (e: unknown) => e instanceof CodedError && e.code === c && (!re || re.test(e.message));

  it('builds endpoint URLs', () => {
    assert.strictEqual(endpointUrl('http://h:1/v1', 'chat'), 'http://h:1/v1/chat/completions');
    assert.strictEqual(endpointUrl('http://h:1/', 'completions'), 'http://h:1/v1/completions');
    assert.strictEqual(endpointUrl('http://h:1/v1/chat/completions', 'completions'), 'http://h:1/v1/chat/completions');
  });

  it('asks for n chat candidates with log-probs in one request', async () => {
    const streamed: number[] = [];
    const r = await openaiGenerate(spec(), params(), { onCandidate: (c) => streamed.push(c.index) });
    assert.strictEqual(bodies.length, 1);
    const b = bodies[0]!;
    assert.strictEqual(b._path, '/v1/chat/completions');
    assert.strictEqual(b._auth, 'Bearer k');
    assert.deepStrictEqual([b.n, b.temperature, b.top_p, b.max_tokens, b.seed, b.logprobs, b.model], [4, 0.8, 0.9, 32, 7, true, 'qwen']);
    assert.deepStrictEqual(b.stop, [';;']);
    assert.deepStrictEqual(streamed, [0, 1, 2, 3]);
    assert.strictEqual(r.candidates.length, 4);
    assert.strictEqual(r.candidates[0]!.finishReason, 'length');
    assert.strictEqual(r.candidates[1]!.finishReason, 'stop');
    assert.deepStrictEqual(r.candidates[1]!.tokenLogprobs, [-0.5, -1.5, -0.5]);
    assert.deepStrictEqual(r.candidates[1]!.logprobs, { sum: -2.5, mean: -2.5 / 3, min: -1.5, count: 3 });
    assert.strictEqual(r.provider, 'openai');
  });

  it('uses /v1/completions for a raw prompt', async () => {
    const r = await openaiGenerate(spec(), params({ messages: undefined, prompt: '-- q\n' }));
    assert.strictEqual(bodies[0]!._path, '/v1/completions');
    assert.strictEqual(bodies[0]!.prompt, '-- q\n');
    assert.strictEqual(bodies[0]!.logprobs, 1);
    assert.strictEqual(r.candidates[2]!.tokenCount, 3);
  });

  it('fills up with parallel requests when the server ignores n', async () => {
    mode = 'ignore-n';
    const r = await openaiGenerate(spec(), params());
    assert.strictEqual(r.candidates.length, 4);
    assert.strictEqual(bodies.length, 4);
    assert.deepStrictEqual(bodies.slice(1).map((b) => Number(b.seed)).sort((x, y) => x - y), [8, 9, 10]); // distinct seeds so the answers differ
    assert.deepStrictEqual(r.candidates.map((c) => c.index), [0, 1, 2, 3]);
  });

  it('works without log-probs, and retries without them when the server refuses the field', async () => {
    mode = 'no-logprobs';
    const a = await openaiGenerate(spec(), params());
    assert.strictEqual(a.candidates[0]!.logprobs, null);
    mode = 'refuse-logprobs';
    bodies.length = 0;
    const b = await openaiGenerate(spec(), params());
    assert.strictEqual(bodies.length, 2);
    assert.strictEqual(bodies[1]!.logprobs, undefined);
    assert.strictEqual(b.candidates.length, 4);
  });

  it('a refused connection is endpoint_refused', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await assert.rejects(openaiGenerate(spec({ url: `http://127.0.0.1:${port}/v1` }), params()), code('endpoint_refused', /ECONNREFUSED/));
  });

  it('HTTP errors, non-JSON and answers without choices are typed errors', async () => {
    mode = 'http500';
    await assert.rejects(openaiGenerate(spec(), params()), code('endpoint_http', /HTTP 500: .*model not loaded/));
    mode = 'not-json';
    await assert.rejects(openaiGenerate(spec(), params()), code('endpoint_bad_response', /did not answer with JSON/));
    mode = 'no-choices';
    await assert.rejects(openaiGenerate(spec(), params()), code('endpoint_bad_response', /without a "choices" array/));
  });

  it('times out, and cancels', async () => {
    mode = 'hang';
    await assert.rejects(openaiGenerate(spec({ timeoutMs: 50 }), params()), code('endpoint_timeout', /within 50 ms/));
    const ctl = new AbortController();
    const p = openaiGenerate(spec(), params(), { signal: ctl.signal });
    setTimeout(() => ctl.abort(), 20);
    await assert.rejects(p, code('cancelled'));
  });

  it('reward-lens generate --endpoint prints candidates from the server', async () => {
    let out = '';
    const write = process.stdout.write.bind(process.stdout);
    (process.stdout as { write: unknown }).write = (x: string) => ((out += x), true);
    let rc: number;
    try {
      rc = await generateCommand(['--endpoint', base, '--endpoint-model', 'qwen', '--n', '3', '--prompt', 'top 3 products', '--json']);
    } finally {
      (process.stdout as { write: unknown }).write = write;
    }
    assert.strictEqual(rc, 0);
    const r = JSON.parse(out) as GenerateResult;
    assert.deepStrictEqual(r.candidates.map((c) => c.text.slice(0, 10)), ['SELECT 0 F', 'SELECT 1 F', 'SELECT 2 F']);
    assert.strictEqual(bodies[0]!._path, '/v1/chat/completions');
  });
});
