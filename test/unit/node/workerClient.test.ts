import * as assert from 'assert';
import { fork } from 'child_process';
import { WorkerClient, defaultWorkerEntry } from '../../../src/node/workerClient';
import { ChannelClient, childProcessTransport } from '../../../src/node/channel';
import { workerEventGuards, type WorkerEvents, type WorkerMethods } from '../../../src/core/protocol/worker';
import { CodedError } from '../../../src/core/errors';

function once<T>(subscribe: (l: (v: T) => void) => { dispose(): void }, pred: (v: T) => boolean): Promise<T> {
  return new Promise((resolve) => {
    const d = subscribe((v) => {
      if (pred(v)) {
        d.dispose();
        resolve(v);
      }
    });
  });
}

describe('WorkerClient (real forked worker)', function () {
  this.timeout(60000);
  let client: WorkerClient;
  beforeEach(() => {
    client = new WorkerClient();
  });
  afterEach(() => client.dispose());

  it('health round-trips with pid, node version and providers', async () => {
    const h = await client.call('health', {});
    assert.strictEqual(h.pid, client.pid);
    assert.notStrictEqual(h.pid, process.pid);
    assert.match(h.node, /^v\d+\./);
    assert.ok(h.executionProviders.includes('cpu'), `providers: ${JSON.stringify(h)}`);
  });

  it('rejects pending calls with worker_exited when the worker is SIGKILLed, and recovers', async () => {
    await client.call('health', {});
    const pid = client.pid!;
    const pending = client.call('sleep', { ms: 30000 });
    const t0 = Date.now();
    setTimeout(() => process.kill(pid, 'SIGKILL'), 100);
    await assert.rejects(pending, (e: unknown) => e instanceof CodedError && e.code === 'worker_exited');
    assert.ok(Date.now() - t0 < 1100, 'rejected within 1 s of the kill');
    await once((l) => client.onDidChangeState(l), (s) => s === 'ready');
    const h = await client.call('health', {});
    assert.notStrictEqual(h.pid, pid);
    assert.strictEqual(client.crashes, 1);
  });

  it('times out and cancels', async () => {
    await assert.rejects(client.call('sleep', { ms: 5000 }, { timeoutMs: 100 }), (e: unknown) => e instanceof CodedError && e.code === 'worker_timeout');
    const ac = new AbortController();
    const p = client.call('sleep', { ms: 5000 }, { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(p, (e: unknown) => e instanceof CodedError && e.code === 'cancelled');
    // the worker still serves
    assert.ok((await client.call('sleep', { ms: 1 })).sleptMs >= 0);
  });

  it('answers unknown methods with a typed error', async () => {
    await assert.rejects(client.call('no.such.method', {}), (e: unknown) => e instanceof CodedError && e.code === 'unknown_method');
  });

  for (const kind of ['exception', 'rejection'] as const) {
    const what = kind === 'exception' ? 'uncaught exception' : 'unhandled rejection';
    it(`an ${what} in the worker ends it: pending calls reject with worker_exited and the client restarts it`, async () => {
      client.dispose();
      const logs: string[] = [];
      client = new WorkerClient({ env: { REWARD_LENS_TEST_HOOKS: '1' }, log: (_l, m) => logs.push(m) });
      await client.call('health', {});
      const pid = client.pid!;
      const pending = client.call('sleep', { ms: 30000 });
      assert.deepStrictEqual(await client.call('debug.crash', { kind }), { scheduled: true });
      await assert.rejects(pending, (e: unknown) => e instanceof CodedError && e.code === 'worker_exited' && /code 70/.test(e.message));
      await once((l) => client.onDidChangeState(l), (s) => s === 'ready');
      const h = await client.call('health', {});
      assert.notStrictEqual(h.pid, pid);
      assert.strictEqual(client.crashes, 1);
      assert.ok(logs.some((m) => m.includes(`${what}: Error: debug.crash`)), logs.join('\n'));
    });
  }

  it('test hooks are off unless the worker is started with REWARD_LENS_TEST_HOOKS=1', async () => {
    await assert.rejects(client.call('debug.crash', { kind: 'exception' }), (e: unknown) => e instanceof CodedError && e.code === 'unknown_method');
    assert.ok((await client.call('sleep', { ms: 1 })).sleptMs >= 0);
    assert.strictEqual(client.crashes, 0);
  });

  it('the worker logs and drops malformed messages, and keeps serving', async () => {
    const entry = defaultWorkerEntry();
    const child = fork(entry.modulePath, [], { execArgv: entry.execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
    const logs: string[] = [];
    const channel = new ChannelClient<WorkerMethods, WorkerEvents>(childProcessTransport(child), { peer: 'worker under test', events: workerEventGuards, defaultTimeoutMs: 30000 });
    channel.on('log', (m) => logs.push(`${m.level}: ${m.message}`));
    try {
      await new Promise<void>((resolve) => channel.on('ready', () => resolve()));
      for (const junk of ['hello', { type: 'request', id: -1, method: 'health' }, { type: 'cancel' }, [1, 2, 3], null]) child.send(junk as object);
      const h = await channel.call('health', {});
      assert.strictEqual(h.pid, child.pid);
      await new Promise((r) => setTimeout(r, 100));
      assert.strictEqual(logs.filter((l) => l.startsWith('warn: dropped malformed message')).length, 5, logs.join('\n'));
      assert.strictEqual(child.exitCode, null, 'still running');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
