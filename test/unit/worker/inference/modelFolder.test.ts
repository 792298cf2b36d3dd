import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { loadModelFolder } from '../../../../src/worker/inference/modelFolder';
import { TextTokenizer } from '../../../../src/worker/inference/tokenizer';
import { CodedError } from '../../../../src/core/errors';
import { copyTiny, TINY } from './helpers';

function folderError(fn: () => unknown): CodedError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof CodedError);
    assert.strictEqual(e.code, 'model_folder');
    return e;
  }
  assert.fail('expected a model_folder error');
}

describe('model folder (Optimum layout)', () => {
  it('reads the tiny model: config, eos ids, defaults, chat template', () => {
    const f = loadModelFolder(TINY);
    assert.strictEqual(f.config.numLayers, 2);
    assert.strictEqual(f.config.numKeyValueHeads, 2);
    assert.strictEqual(f.config.headDim, 32);
    assert.strictEqual(f.config.vocabSize, 512);
    assert.deepStrictEqual(f.eosTokenIds, [509, 511]);
    assert.strictEqual(f.padTokenId, 509);
    assert.ok(f.chatTemplate?.includes('<|im_start|>'));
    assert.strictEqual(f.defaults.temperature, 0.7);
  });

  it('tokenizes, decodes and applies the chat template with a real Jinja engine', () => {
    const tok = new TextTokenizer(loadModelFolder(TINY));
    const s = 'SELECT name, "日本" FROM customers; -- ok';
    assert.strictEqual(tok.decode(tok.encode(s)), s);
    const text = tok.applyChatTemplate([{ role: 'system', content: 'S' }, { role: 'user', content: 'top 3 products' }]);
    assert.strictEqual(text, '<|im_start|>system\nS<|im_end|>\n<|im_start|>user\ntop 3 products<|im_end|>\n<|im_start|>assistant\n');
    const ids = tok.encode(text);
    assert.strictEqual(ids[0], 510); // <|im_start|> is one special token
  });

  for (const [file, expect] of [
    ['config.json', /config\.json is missing: expected the model configuration/],
    ['tokenizer.json', /tokenizer\.json is missing: expected a Hugging Face fast tokenizer/],
    ['tokenizer_config.json', /tokenizer_config\.json is missing: expected the tokenizer configuration with its chat_template/],
    ['onnx/model.onnx', /onnx\/model\.onnx is missing: expected the decoder graph with a KV cache/],
  ] as const) {
    it(`names a missing ${file} and what is expected`, () => {
      const dir = copyTiny();
      fs.rmSync(path.join(dir, file));
      const e = folderError(() => loadModelFolder(dir));
      assert.match(e.message, expect);
      assert.ok(e.message.includes(dir));
    });
  }

  it('takes a known variant when model.onnx is absent; lists the graphs when none is known', () => {
    const dir = copyTiny();
    fs.renameSync(path.join(dir, 'onnx', 'model.onnx'), path.join(dir, 'onnx', 'model_q4.onnx'));
    assert.strictEqual(loadModelFolder(dir).onnxPath, path.join(dir, 'onnx', 'model_q4.onnx'));
    assert.strictEqual(loadModelFolder(dir, 'model_q4.onnx').onnxPath, path.join(dir, 'onnx', 'model_q4.onnx'));
    fs.renameSync(path.join(dir, 'onnx', 'model_q4.onnx'), path.join(dir, 'onnx', 'decoder_model_merged.onnx'));
    assert.match(folderError(() => loadModelFolder(dir)).message, /model\.onnx is missing.*or one of its variants \(model_fp16\.onnx.*this folder has decoder_model_merged\.onnx/);
    assert.strictEqual(loadModelFolder(dir, 'decoder_model_merged.onnx').onnxPath, path.join(dir, 'onnx', 'decoder_model_merged.onnx'));
  });

  it('rejects a config without layer counts and invalid JSON', () => {
    const dir = copyTiny();
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'qwen2' }));
    assert.match(folderError(() => loadModelFolder(dir)).message, /no numeric "num_attention_heads"/);
    fs.writeFileSync(path.join(dir, 'config.json'), '{ nope');
    assert.match(folderError(() => loadModelFolder(dir)).message, /config\.json is not valid JSON/);
  });

  it('decodes an empty id list to empty text (a row whose first token is EOS)', () => {
    const tok = new TextTokenizer(loadModelFolder(TINY));
    assert.strictEqual(tok.decode([]), '');
  });

  it('reads the context length from max_position_embeddings', () => {
    assert.strictEqual(loadModelFolder(TINY).config.contextLength, 2048);
  });

  it('messages without a chat template fail with model_folder', () => {
    const dir = copyTiny();
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8'));
    delete cfg.chat_template;
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(cfg));
    const tok = new TextTokenizer(loadModelFolder(dir));
    assert.match(folderError(() => tok.applyChatTemplate([{ role: 'user', content: 'x' }])).message, /has no chat_template/);
  });
});
