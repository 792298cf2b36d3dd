/**
 * Encodes the corpus with the trained tokenizer (through @huggingface/tokenizers, the same library the worker uses)
 * into little-endian uint16 ids for the trainer, after checking that encode/decode round-trips.
 * Usage: npx tsx scripts/make-tiny-model/encode.ts MODEL_DIR CORPUS OUT.u16
 */
import * as fs from 'fs';
import * as path from 'path';
import { Tokenizer } from '@huggingface/tokenizers';

const [dir = 'build/tiny-model/out', corpus = 'build/tiny-model/corpus.txt', out = 'build/tiny-model/corpus.u16'] = process.argv.slice(2);
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
