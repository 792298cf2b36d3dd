/** The one channel over a real worker_threads MessageChannel: ids, progress, timeouts, cancel, close, guards. */
import * as assert from 'assert';
import { MessageChannel, type MessagePort } from 'worker_threads';
import { ChannelClient, ChannelError, messagePortTransport, serve, type Handlers, type LogLevel } from '../../../src/node/channel';
import { CodedError } from '../../../src/core/errors';
import { isInboundMessage, isOutboundMessage } from '../../../src/core/protocol/channel';

interface Methods {
  echo: { params: { text: string }; result: { text: string }; progress: never };
  count: { params: { n: number }; result: { total: number }; progress: { i: number } };
  wait: { params: { ms: number }; result: { waited: true }; progress: never };
  fail: { params: Record<string, never>; result: never; progress: never };
}
interface Events {
  ready: { pid: number };
}

const isReady = (x: unknown): x is Events['ready'] => typeof x === 'object' && x !== null && typeof (x as { pid?: unknown }).pid === 'number';

function pair() {
  const { port1, port2 } = new MessageChannel();
  const logs: Array<[LogLevel, string]> = [];
  const aborted: number[] = [];
  const handlers: Handlers<Methods> = {
    async echo(p) {
      return { text: (p as { text: string }).text };
    },
    async count(p, ctx) {
      const n = (p as { n: number }).n;
      for (let i = 0; i < n; i++) ctx.progress({ i });
      return { total: n };
    },
    wait(p, ctx) {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => resolve({ waited: true }), (p as { ms: number }).ms);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(t);
          aborted.push(Date.now());
          reject(new CodedError('cancelled', 'stopped'));
        });
      });
    },
    async fail() {
      throw new CodedError('bad_request', 'nope');
    },
  };
  const served = serve<Methods, Events>(messagePortTransport(port2), handlers, { log: (l, m) => logs.push([l, `served: ${m}`]) });
  const client = new ChannelClient<Methods, Events>(messagePortTransport(port1), {
    peer: 'the test peer',
    codes: { timeout: 'worker_timeout', cancelled: 'cancelled', closed: 'worker_exited' },
    events: { ready: isReady },
    log: (l, m) => logs.push([l, `client: ${m}`]),
  });
  return { port1, port2, client, served, logs, aborted };
}

let open: MessagePort[] = [];
afterEach(() => {
  for (const p of open) p.close();
  open = [];
});

function setup() {
  const p = pair();
  open.push(p.port1, p.port2);
  return p;
}

describe('channel (src/node/channel.ts)', () => {
  it('round-trips calls with distinct ids, streams progress, and relays events through their guard', async () => {
    const { client, served } = setup();
    const readies: number[] = [];
    client.on('ready', (d) => readies.push(d.pid));
    served.emit('ready', { pid: 42 });
    const progress: number[] = [];
    const [a, b, c] = await Promise.all([
      client.call('echo', { text: 'a' }),
      client.call('echo', { text: 'b' }),
      client.call('count', { n: 3 }, { onProgress: (p) => progress.push(p.i) }),
    ]);
    assert.deepStrictEqual([a.text, b.text, c.total], ['a', 'b', 3]);
    assert.deepStrictEqual(progress, [0, 1, 2]);
    assert.deepStrictEqual(readies, [42]);
    assert.strictEqual(client.pendingCount, 0);
  });

  it('a timeout rejects with the boundary code and sends a cancel that aborts the handler', async () => {
    const { client, served, aborted } = setup();
    await assert.rejects(client.call('wait', { ms: 5000 }, { timeoutMs: 50 }), (e: unknown) => e instanceof ChannelError && e.code === 'worker_timeout' && e.reason === 'timeout');
    await new Promise((r) => setTimeout(r, 50));
    assert.strictEqual(aborted.length, 1, 'the served side saw the cancel');
    assert.strictEqual(served.inflight, 0);
  });

  it('an AbortSignal cancels the call and the handler; an already aborted signal never sends', async () => {
    const { client, aborted } = setup();
    const ac = new AbortController();
    const p = client.call('wait', { ms: 5000 }, { signal: ac.signal, timeoutMs: 10000 });
    setTimeout(() => ac.abort(), 20);
    await assert.rejects(p, (e: unknown) => e instanceof ChannelError && e.code === 'cancelled' && e.reason === 'cancelled');
    await new Promise((r) => setTimeout(r, 50));
    assert.strictEqual(aborted.length, 1);
    const pre = new AbortController();
    pre.abort();
    await assert.rejects(client.call('echo', { text: 'x' }, { signal: pre.signal }), (e: unknown) => e instanceof ChannelError && e.reason === 'cancelled');
  });

  it('close (the other side exited) rejects every pending call at once, and later calls too', async () => {
    const { client } = setup();
    const calls = [client.call('wait', { ms: 5000 }, { timeoutMs: 10000 }), client.call('wait', { ms: 5000 }, { timeoutMs: 10000 })];
    await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    client.close('the test peer exited with code 3');
    for (const c of calls) {
      await assert.rejects(c, (e: unknown) => e instanceof ChannelError && e.code === 'worker_exited' && e.reason === 'closed' && /exited with code 3 during "wait"/.test(e.message));
    }
    assert.ok(Date.now() - t0 < 100);
    await assert.rejects(client.call('echo', { text: 'late' }), (e: unknown) => e instanceof ChannelError && e.reason === 'closed');
  });

  it('remote errors keep their code; unknown methods answer unknown_method', async () => {
    const { client } = setup();
    await assert.rejects(client.call('fail', {}), (e: unknown) => e instanceof ChannelError && e.code === 'bad_request' && e.reason === 'remote' && e.message === 'nope');
    await assert.rejects(client.request('no.such', {}), (e: unknown) => e instanceof ChannelError && e.code === 'unknown_method');
  });

  it('malformed messages and events are logged and dropped on both sides, and the channel keeps serving', async () => {
    const { client, port1, port2, logs } = setup();
    const readies: unknown[] = [];
    client.on('ready', (d) => readies.push(d));
    // to the served side: not an envelope, a request without an id, a cancel with a string id
    port1.postMessage('hello');
    port1.postMessage({ type: 'request', method: 'echo', params: { text: 'x' } });
    port1.postMessage({ type: 'cancel', id: '1' });
    // to the client: a response for nobody, an unknown type, an event with bad data, an unknown event
    port2.postMessage({ type: 'response', id: 'x', ok: true, result: 1 });
    port2.postMessage({ type: 'shout' });
    port2.postMessage({ type: 'event', event: 'ready', data: { pid: 'not a number' } });
    port2.postMessage({ type: 'event', event: '__proto__', data: {} });
    port2.postMessage({ type: 'response', id: 1, ok: false, error: 'not an ErrorInfo' });
    assert.strictEqual((await client.call('echo', { text: 'still here' })).text, 'still here');
    await new Promise((r) => setTimeout(r, 20));
    assert.deepStrictEqual(readies, []);
    const served = logs.filter(([, m]) => m.startsWith('served: dropped'));
    const clientSide = logs.filter(([, m]) => m.startsWith('client: dropped'));
    assert.strictEqual(served.length, 3, JSON.stringify(logs));
    assert.strictEqual(clientSide.length, 5, JSON.stringify(logs));
    assert.ok(logs.every(([level]) => level === 'warn'));
  });

  it('guards accept exactly the envelope shapes', () => {
    assert.ok(isInboundMessage({ type: 'request', id: 1, method: 'm', params: null }));
    assert.ok(isInboundMessage({ type: 'cancel', id: 7 }));
    assert.ok(!isInboundMessage({ type: 'request', id: 0, method: 'm' }), 'ids start at 1');
    assert.ok(!isInboundMessage({ type: 'request', id: 1.5, method: 'm' }));
    assert.ok(!isInboundMessage({ type: 'request', id: 1, method: 3 }));
    assert.ok(!isInboundMessage(null));
    assert.ok(isOutboundMessage({ type: 'response', id: 1, ok: false, error: { code: 'x', message: 'y' } }));
    assert.ok(!isOutboundMessage({ type: 'response', id: 1, ok: false, error: { code: 'x' } }));
    assert.ok(!isOutboundMessage({ type: 'response', id: 1, ok: 'yes', result: 1 }));
    assert.ok(isOutboundMessage({ type: 'event', event: 'ready', data: {} }));
    assert.ok(!isOutboundMessage({ type: 'event', event: 1 }));
  });

  it('the handler table type requires every method with its result type (checked by the compiler)', () => {
    // @ts-expect-error -- `fail` is missing
    const missing: Handlers<Methods> = { echo: async () => ({ text: '' }), count: async () => ({ total: 0 }), wait: async () => ({ waited: true }) };
    // @ts-expect-error -- echo must resolve to {text: string}
    const wrongResult: Handlers<Methods> = { ...missing, fail: async () => { throw new Error('x'); }, echo: async () => ({ txt: '' }) };
    assert.ok(missing && wrongResult);
  });
});
