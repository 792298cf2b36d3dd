/**
 * Encodes the corpus with the trained tokenizer (through @huggingface/tokenizers, the same library the worker uses)
 * into little-endian uint16 ids for the trainer, after checking that encode/decode round-trips.
 * With OUT_MASK.u8, also writes one byte per token: 1 inside an assistant answer (after `<|im_start|>assistant`,
 * up to and including `<|im_end|>`; the newline after `assistant` can merge with the answer's leading whitespace), 0 elsewhere, so the trainer can weight the copy targets above the prompts.
 * Usage: npx tsx scripts/make-tiny-model/encode.ts MODEL_DIR CORPUS OUT.u16 [OUT_MASK.u8]
 */
import * as fs from 'fs';
import * as path from 'path';
import { Tokenizer } from '@huggingface/tokenizers';

const [dir = 'build/tiny-model/out', corpus = 'build/tiny-model/corpus.txt', out = 'build/tiny-model/corpus.u16', maskOut] = process.argv.slice(2);
const tok = new Tokenizer(
  JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')),
  JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8')),
);
for (const s of ['-- top 3 products by price\nSELECT * FROM products;\n<|endoftext|>', 'SELECT naïve, "日本" FROM t; -- 🚀']) {
  const back = tok.decode(tok.encode(s, { add_special_tokens: false }).ids);
  if (back !== s) throw new Error(`round trip failed: ${JSON.stringify(s)} -> ${JSON.stringify(back)}`);
}
const ids = tok.encode(fs.readFileSync(corpus, 'utf8'), { add_special_tokens: false }).ids;
fs.writeFileSync(out, Buffer.from(Uint16Array.from(ids).buffer));
console.log(`${ids.length} tokens -> ${out}`);
if (maskOut) {
  const start = tok.encode('<|im_start|>assistant', { add_special_tokens: false }).ids;
  const end = tok.encode('<|im_end|>', { add_special_tokens: false }).ids;
  if (end.length !== 1) throw new Error('<|im_end|> is not one token');
  const mask = new Uint8Array(ids.length);
  let inside = false;
  let answers = 0;
  for (let i = 0; i < ids.length; i++) {
    if (inside) {
      mask[i] = 1;
      if (ids[i] === end[0]) inside = false;
    } else if (i >= start.length && start.every((t, j) => ids[i - start.length + j] === t)) {
      inside = ids[i] !== end[0];
      mask[i] = 1;
      answers++;
    }
  }
  fs.writeFileSync(maskOut, mask);
  console.log(`${answers} answers, ${mask.reduce((a, b) => a + b, 0)} answer tokens -> ${maskOut}`);
}
