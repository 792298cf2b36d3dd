import * as assert from 'assert';
import { execFileSync } from 'child_process';
import { allocatorEnv, allocatorTunables, allocatorTuned, MALLOC_TUNABLES } from '../../../src/node/allocatorEnv';
import { workerEnv } from '../../../src/node/workerClient';

describe('glibc malloc settings of the processes that run onnxruntime', function () {
  this.timeout(60000);

  it('adds our keys to the user\'s GLIBC_TUNABLES; the user\'s value for a key wins; Linux only', () => {
    const ours = MALLOC_TUNABLES.map(([k, v]) => `${k}=${v}`);
    assert.strictEqual(allocatorTunables(undefined), ours.join(':'));
    assert.strictEqual(allocatorTunables(''), ours.join(':'));
    assert.strictEqual(allocatorTunables('glibc.malloc.arena_max=2'), ['glibc.malloc.arena_max=2', ...ours].join(':'));
    assert.strictEqual(allocatorTunables('glibc.malloc.trim_threshold=0'), ['glibc.malloc.trim_threshold=0', ours[0]].join(':'));
    assert.deepStrictEqual(allocatorEnv({}, 'darwin'), {});
    assert.deepStrictEqual(allocatorEnv({}, 'win32'), {});
    assert.deepStrictEqual(allocatorEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }, 'linux'), { GLIBC_TUNABLES: allocatorTunables('glibc.malloc.arena_max=2') });
    assert.strictEqual(allocatorTuned({}), false);
    assert.strictEqual(allocatorTuned(allocatorEnv({}, 'linux')), true);
    assert.strictEqual(allocatorTuned({ GLIBC_TUNABLES: ours[0] }), false);
  });

  it('under them, glibc reuses freed cache-sized buffers instead of faulting in fresh pages each time (Linux)', function () {
    const glibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime;
    if (process.platform !== 'linux' || !glibc) this.skip(); // GLIBC_TUNABLES is glibc's
    // the KV cache's pattern: each step four 10 MB tensors one position longer than the last step's, filled from
    // them while they are alive, then the old ones dropped (a forced GC)
    const script = 'const f0 = process.resourceUsage().minorPageFault; let prev = []; for (let i = 0; i < 40; i++) { const cur = []; for (let j = 0; j < 4; j++) { const b = new Float32Array(2.5e6 + i * 1024); b.set(prev[j] ? prev[j].subarray(0, 2.5e6) : []); cur.push(b); } prev = cur; gc(); } process.stdout.write(String(process.resourceUsage().minorPageFault - f0));';
    const faults = (env: NodeJS.ProcessEnv) => Number(execFileSync(process.execPath, ['--expose-gc', '-e', script], { env, encoding: 'utf8' }));
    const plain = { ...process.env };
    delete plain.GLIBC_TUNABLES;
    const before = faults(plain);
    const after = faults({ ...plain, ...allocatorEnv(plain, 'linux') });
    // a fresh mapping faults in page by page; reused heap does not (measured here: ~391,000 against ~41,000)
    assert.ok(after < before / 4, `tuned: ${after} faults, defaults: ${before}`);
  });

  it('the inference worker is started with them (a caller\'s own env wins)', () => {
    const base = { PATH: '/bin', GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' };
    const env = workerEnv(base, { REWARD_LENS_TEST_HOOKS: '1' }, 'linux');
    assert.strictEqual(env.GLIBC_TUNABLES, allocatorTunables('glibc.malloc.arena_max=2'));
    assert.strictEqual(env.PATH, '/bin');
    assert.strictEqual(env.REWARD_LENS_TEST_HOOKS, '1');
    assert.strictEqual(env.ELECTRON_RUN_AS_NODE, '1');
    assert.strictEqual(workerEnv(base, { GLIBC_TUNABLES: 'x=1' }, 'linux').GLIBC_TUNABLES, 'x=1');
    assert.strictEqual(workerEnv(base, undefined, 'darwin').GLIBC_TUNABLES, 'glibc.malloc.arena_max=2');
  });
});
