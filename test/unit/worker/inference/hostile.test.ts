/**
 * Hostile model folders (issue 15): each broken, mismatched or malicious folder gives a clear {code, message} within
 * its limit through the real forked worker, nothing outside the folder is quoted, and the same worker process keeps
 * serving afterwards.
 */
import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { WorkerClient } from '../../../../src/node/workerClient';
import { CodedError } from '../../../../src/core/errors';
import type { GenerateParams } from '../../../../src/core/sampling/request';
import { copyTiny, REPO, TINY } from './helpers';

const SECRET = 'TOP-SECRET-CONTENT-4f1c';
const readJ = (dir: string, f: string) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Record<string, unknown>;
const writeJ = (dir: string, f: string, v: unknown) => fs.writeFileSync(path.join(dir, f), typeof v === 'string' ? v : JSON.stringify(v));
const patchJ = (f: string, patch: Record<string, unknown>) => (dir: string) => writeJ(dir, f, { ...readJ(dir, f), ...patch });
const template = (t: string) => patchJ('tokenizer_config.json', { chat_template: t });
/** A file outside every model folder whose content must never show up in an error. */
function outsideFile(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-outside-'));
  const f = path.join(d, 'secret.json');
  fs.writeFileSync(f, `{"num_hidden_layers": "${SECRET}" nope`);
  return f;
}

interface Case {
  name: string;
  /** Breaks a scratch copy of the tiny model. */
  make(dir: string): void;
  code: string;
  message: RegExp;
  params?: Partial<GenerateParams>;
}

const cases: Case[] = [
  { name: 'config.json missing', make: (d) => fs.rmSync(path.join(d, 'config.json')), code: 'model_folder', message: /config\.json is missing: expected the model configuration/ },
  { name: 'config.json not JSON (no content quoted)', make: (d) => writeJ(d, 'config.json', `{ "vocab_size": ${SECRET}`), code: 'model_folder', message: /config\.json is not valid JSON/ },
  { name: 'config.json an array', make: (d) => writeJ(d, 'config.json', [1, 2]), code: 'model_folder', message: /config\.json must hold a JSON object/ },
  { name: 'absurd layer count (would run out of memory)', make: patchJ('config.json', { num_hidden_layers: 1e9 }), code: 'model_folder', message: /num_hidden_layers is 1000000000: expected an integer in \[1, 1024\]/ },
  { name: 'fractional layer count', make: patchJ('config.json', { num_hidden_layers: 2.5 }), code: 'model_folder', message: /num_hidden_layers is 2\.5/ },
  { name: 'layer count that does not match the graph', make: patchJ('config.json', { num_hidden_layers: 3 }), code: 'model_folder', message: /has 2 layers of KV-cache inputs but config\.json says num_hidden_layers 3/ },
  { name: 'huge vocabulary claim', make: patchJ('config.json', { vocab_size: 1e12 }), code: 'model_folder', message: /vocab_size is 1000000000000: expected an integer in \[2, 4194304\]/ },
  { name: 'vocabulary larger than the graph\'s logits', make: patchJ('config.json', { vocab_size: 1000 }), code: 'model_folder', message: /logits have 512 entries per token but config\.json says vocab_size 1000/ },
  { name: 'kv heads that do not match the graph', make: patchJ('config.json', { num_key_value_heads: 4 }), code: 'model_folder', message: /past_key_values\.0\.key has 2 at axis 1 but config\.json gives num_key_value_heads 4/ },
  { name: 'heads not a multiple of kv heads', make: patchJ('config.json', { num_key_value_heads: 3 }), code: 'model_folder', message: /num_attention_heads 4 is not a multiple of num_key_value_heads 3/ },
  { name: 'hidden size not divisible into heads', make: (d) => { const c = readJ(d, 'config.json'); delete c.head_dim; c.hidden_size = 130; writeJ(d, 'config.json', c); }, code: 'model_folder', message: /hidden_size 130 is not a multiple of num_attention_heads 4/ },
  { name: 'tokenizer with ids past the model\'s vocabulary', make: (d) => { const t = readJ(d, 'tokenizer.json'); (t.added_tokens as unknown[]).push({ id: 600, content: '<|extra|>', special: true, single_word: false, lstrip: false, rstrip: false, normalized: false }); writeJ(d, 'tokenizer.json', t); }, code: 'model_folder', message: /tokenizer\.json has token id 600 but config\.json says vocab_size 512: the tokenizer does not belong to this model/ },
  { name: 'eos id outside the vocabulary', make: patchJ('generation_config.json', { eos_token_id: 99999 }), code: 'model_folder', message: /eos_token_id 99999 is outside the vocabulary/ },
  { name: 'tokenizer.json garbage', make: (d) => writeJ(d, 'tokenizer.json', '\u0000\u0001garbage'), code: 'model_folder', message: /tokenizer\.json is not valid JSON/ },
  { name: 'tokenizer.json without a model', make: (d) => writeJ(d, 'tokenizer.json', { added_tokens: [] }), code: 'model_folder', message: /tokenizer\.json has no "model"/ },
  { name: 'tokenizer.json a FIFO (would block the read)', make: (d) => { fs.rmSync(path.join(d, 'tokenizer.json')); execFileSync('mkfifo', [path.join(d, 'tokenizer.json')]); }, code: 'model_folder', message: /tokenizer\.json in .* is not a regular file/ },
  { name: 'onnx/model.onnx missing', make: (d) => fs.rmSync(path.join(d, 'onnx', 'model.onnx')), code: 'model_folder', message: /model\.onnx is missing: expected the decoder graph/ },
  { name: 'onnx/model.onnx garbage', make: (d) => writeJ(d, 'onnx/model.onnx', 'not a model at all'), code: 'model_load', message: /model\.onnx could not be loaded by onnxruntime/ },
  { name: 'onnx/model.onnx truncated', make: (d) => { const p = path.join(d, 'onnx', 'model.onnx'); fs.truncateSync(p, Math.floor(fs.statSync(p).size / 2)); }, code: 'model_load', message: /model\.onnx could not be loaded by onnxruntime/ },
  { name: 'config.json a symlink out of the folder', make: (d) => { fs.rmSync(path.join(d, 'config.json')); fs.symlinkSync(outsideFile(), path.join(d, 'config.json')); }, code: 'model_folder', message: /config\.json in .* is a symbolic link that leaves the model folder/ },
  { name: 'onnx folder a symlink out of the folder', make: (d) => { const out = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-outside-')); fs.renameSync(path.join(d, 'onnx'), path.join(out, 'onnx')); fs.symlinkSync(path.join(out, 'onnx'), path.join(d, 'onnx')); }, code: 'model_folder', message: /onnx\/model\.onnx in .* is a symbolic link that leaves the model folder/ },
  { name: 'dangling symlink for tokenizer_config.json', make: (d) => { fs.rmSync(path.join(d, 'tokenizer_config.json')); fs.symlinkSync('/nonexistent/x', path.join(d, 'tokenizer_config.json')); }, code: 'model_folder', message: /tokenizer_config\.json in .* is a symbolic link to nothing/ },
  { name: 'chat template that never ends', make: template('{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}'), code: 'model_folder', message: /did not finish rendering within 2000 ms/ },
  { name: 'chat template that builds a billion-item range', make: template('{% for a in range(1000000000) %}x{% endfor %}'), code: 'limit_exceeded', message: /range\(\) of 1000000000 items, over the limit of 100000/ },
  { name: 'chat template with an output bomb', make: template('{% for a in range(1000) %}{% for m in messages %}{{ m.content }}{% endfor %}{% endfor %}'), code: 'limit_exceeded', message: /rendered \d+ characters, over the 4194304-character limit/, params: { messages: [{ role: 'user', content: 'x'.repeat(10000) }] } },
  { name: 'chat template that does not parse', make: template('{% for %}'), code: 'model_folder', message: /does not parse as Jinja/ },
  { name: 'chat template that raises', make: template("{{ raise_exception('no system role') }}"), code: 'model_folder', message: /failed to render: .*no system role/ },
  { name: 'prompt longer than the model\'s context', make: patchJ('config.json', { max_position_embeddings: 64 }), code: 'limit_exceeded', message: /the prompt is \d+ tokens but the model's context is 64 tokens \(max_position_embeddings/, params: { prompt: 'SELECT name FROM customers WHERE id = 1; '.repeat(20) } },
  { name: 'onnxFile that escapes the folder', make: () => undefined, code: 'bad_request', message: /must be a file name under onnx\//, params: { backend: { kind: 'onnx', modelPath: '', onnxFile: '../../config.json', executionProvider: 'cpu' } } },
];

describe('hostile model folders (through the forked worker)', function () {
  this.timeout(120000);
  let client: WorkerClient;
  let pid: number | undefined;
  before(async () => {
    client = new WorkerClient();
    await client.call('health', {});
    pid = client.pid;
  });
  after(() => client.dispose());

  for (const c of cases) {
    it(`${c.name}: ${c.code}`, async () => {
      const dir = copyTiny();
      c.make(dir);
      const backend = { kind: 'onnx' as const, modelPath: dir, executionProvider: 'cpu' as const, threads: 1 };
      const params: GenerateParams = { messages: [{ role: 'user', content: 'top 3 products' }], n: 2, temperature: 0.8, maxNewTokens: 4, seed: 1, ...c.params, backend: { ...backend, ...c.params?.backend } as GenerateParams['backend'] };
      if (c.params?.prompt) delete params.messages;
      if (params.backend.kind === 'onnx' && params.backend.modelPath === '') params.backend.modelPath = dir;
      // timeoutMs is this case's limit: past it the call fails with worker_timeout, not with the verdict.
      const err = await client.call('generate', params, { timeoutMs: 20000 }).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof CodedError, `expected a coded error, got ${String(err)}`);
      assert.strictEqual(err.code, c.code, err.message);
      assert.match(err.message, c.message);
      assert.ok(!err.message.includes(SECRET), 'the error quotes a file outside the folder');
      assert.strictEqual(client.pid, pid, 'the worker was restarted');
    });
  }

  it('the same worker still generates after every hostile folder', async () => {
    const r = await client.call('generate', { backend: { kind: 'onnx', modelPath: TINY, executionProvider: 'cpu', threads: 1 }, messages: [{ role: 'user', content: 'top 3 products' }], n: 2, temperature: 0, maxNewTokens: 8 });
    assert.strictEqual(r.candidates.length, 2);
    assert.strictEqual(client.pid, pid);
  });

  it('a 30 KB command-line argument does not crash onnxruntime session creation', () => {
    // onnxruntime's telemetry matched the command line with a recursive std::regex (segfault at ~29 KB of argv).
    const code = `require(${JSON.stringify(path.join(REPO, 'src/worker/inference/ortModel.ts'))}).OrtCausalLM.load(require(${JSON.stringify(path.join(REPO, 'src/worker/inference/modelFolder.ts'))}).loadModelFolder(${JSON.stringify(TINY)}), { executionProvider: 'cpu', threads: 1 }).then(() => console.log('loaded'))`;
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', code, 'x'.repeat(30000)], { cwd: REPO, encoding: 'utf8', timeout: 60000 });
    assert.strictEqual(r.signal, null, `killed by ${r.signal}`);
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stdout, /loaded/);
  });
});
