/**
 * The foundation's promises, checked inside a real VS Code: the extension activates, every command in
 * package.json is registered, the worker answers `health`, and a worker killed mid-call rejects that
 * call with `worker_exited` within 1 s and comes back for the next one.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { recordMetric } from './metrics';

const EXTENSION_ID = 'reward-lens.reward-lens';

/** What activate() returns; only the parts these tests touch. */
interface RewardLensApi {
  activationMs: number;
  worker: {
    call(method: string, params: unknown, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<unknown>;
    readonly pid: number | undefined;
    readonly onDidChangeState: vscode.Event<unknown>;
  };
}

interface Health { pid: number; node: string; executionProviders: string[]; onnxruntimeError: string | null }

function errorCode(e: unknown): unknown {
  return typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
}

/** Calls health until it succeeds, waiting for a worker state change between tries (no fixed sleeps). */
async function healthAfterRestart(api: RewardLensApi, deadlineMs: number): Promise<Health> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await api.worker.call('health', {}, { timeoutMs: Math.max(1000, deadline - Date.now()) }) as Health;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise<void>(resolve => {
        const sub = api.worker.onDidChangeState(() => { sub.dispose(); clearTimeout(t); resolve(); });
        const t = setTimeout(() => { sub.dispose(); resolve(); }, Math.max(0, deadline - Date.now()));
      });
    }
  }
}

describe('Reward Lens extension', () => {
  let ext: vscode.Extension<RewardLensApi>;
  let api: RewardLensApi;

  before(async () => {
    const found = vscode.extensions.getExtension<RewardLensApi>(EXTENSION_ID);
    assert.ok(found, `${EXTENSION_ID} is not installed in this VS Code`);
    ext = found;
    api = await ext.activate();
  });

  it('activates and reports its activation time', () => {
    assert.equal(ext.isActive, true);
    assert.equal(typeof api.activationMs, 'number');
    assert.ok(api.activationMs >= 0, `activationMs = ${api.activationMs}`);
    recordMetric('activationMs', Math.round(api.activationMs));
    recordMetric('extensionPath', ext.extensionPath);
    // The runner's .vsix pass sets this: the extension under test must be the installed package.
    const installedUnder = process.env.REWARD_LENS_EXPECT_INSTALLED_UNDER;
    if (installedUnder) {
      assert.ok(ext.extensionPath.startsWith(installedUnder),
        `expected the installed .vsix under ${installedUnder}, got ${ext.extensionPath}`);
    }
  });

  it('registers every command contributed in package.json', async () => {
    const contributed = (ext.packageJSON.contributes?.commands ?? []) as { command: string }[];
    assert.ok(contributed.length > 0, 'package.json contributes no commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.map(c => c.command).filter(c => !registered.has(c));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });

  it('round-trips health through the worker process', async () => {
    const health = await api.worker.call('health', {}, { timeoutMs: 30000 }) as Health;
    assert.equal(typeof health.pid, 'number');
    assert.notEqual(health.pid, process.pid, 'health must come from the worker child, not the extension host');
    assert.equal(health.pid, api.worker.pid);
    assert.match(health.node, /^v\d+\./);
    // In the .vsix pass this is the pruned onnxruntime-node under dist/node_modules: proof the native binary shipped.
    assert.equal(health.onnxruntimeError, null, `onnxruntime-node failed to load in the worker: ${health.onnxruntimeError}`);
    assert.ok(health.executionProviders.includes('cpu'), `execution providers: ${health.executionProviders.join(', ')}`);
  });

  it('rejects a pending call with worker_exited within 1 s when the worker is killed, then recovers', async () => {
    await api.worker.call('health', {}, { timeoutMs: 30000 }); // the worker is up and answering
    const pid = api.worker.pid;
    assert.ok(pid, 'worker has no pid');
    const pending = api.worker.call('sleep', { ms: 10000 }, { timeoutMs: 30000 });
    const settled = pending.then(() => ({ ok: true as const, at: Date.now() }), (e: unknown) => ({ ok: false as const, e, at: Date.now() }));
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    const outcome = await settled;
    assert.equal(outcome.ok, false, 'the sleep call resolved although its worker was killed');
    if (!outcome.ok) assert.equal(errorCode(outcome.e), 'worker_exited', `rejected with ${String(outcome.e)}`);
    const rejectMs = outcome.at - killedAt;
    recordMetric('workerExitRejectMs', rejectMs);
    assert.ok(rejectMs < 1000, `rejection took ${rejectMs} ms`);

    const health = await healthAfterRestart(api, 20000);
    recordMetric('workerRecoveryMs', Date.now() - killedAt);
    assert.notEqual(health.pid, pid, 'health answered by the killed pid');
    assert.equal(health.pid, api.worker.pid);
  });
});
