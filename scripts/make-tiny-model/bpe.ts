/**
 * Minimal byte-level BPE trainer that writes a Hugging Face `tokenizer.json` and `tokenizer_config.json`
 * (GPT-2 byte<->unicode table and pre-tokenizer regex, as Qwen2 uses), so the same loader serves it and real exports.
 * Usage: npx tsx scripts/make-tiny-model/bpe.ts CORPUS OUT_DIR [VOCAB_SIZE]
 */
import * as fs from 'fs';
import * as path from 'path';

export const SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;

/** ChatML, as Qwen2.5 uses (without its default system prompt, which would cost the tiny model's context). */
export const CHAT_TEMPLATE =
  "{%- for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{%- endif %}";

/** GPT-2 `bytes_to_unicode`: printable stand-ins for every byte so BPE works on visible characters. */
function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let i = 33; i <= 126; i++) bs.push(i);
  for (let i = 161; i <= 172; i++) bs.push(i);
  for (let i = 174; i <= 255; i++) bs.push(i);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) if (!bs.includes(b)) { bs.push(b); cs.push(256 + n++); }
  const m = new Array<string>(256);
  bs.forEach((b, i) => { m[b] = String.fromCodePoint(cs[i]!); });
  return m;
}

export function trainBpe(text: string, vocabSize: number): { tokenizer: object; config: object } {
  const b2u = bytesToUnicode();
  const pre = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
  const specialRe = new RegExp(SPECIAL_TOKENS.map((s) => s.replace(/[|]/g, '\\|')).join('|'), 'g');
  const counts = new Map<string, number>();
  for (const chunk of text.split(specialRe)) {
    for (const m of chunk.matchAll(pre)) {
      const w = Array.from(Buffer.from(m[0], 'utf8'), (b) => b2u[b]).join('\u0000');
      counts.set(w, (counts.get(w) ?? 0) + 1);
    }
  }
  const words = [...counts].map(([w, c]) => ({ syms: w.split('\u0000'), c }));
  const vocab: Record<string, number> = {};
  let next = 0;
  for (let b = 0; b < 256; b++) vocab[b2u[b]!] = next++;
  const merges: string[] = [];
  for (let it = 0; it < vocabSize - 256 - SPECIAL_TOKENS.length; it++) {
    const pairs = new Map<string, number>();
    for (const { syms, c } of words) for (let i = 0; i + 1 < syms.length; i++) {
      const k = `${syms[i]} ${syms[i + 1]}`;
      pairs.set(k, (pairs.get(k) ?? 0) + c);
    }
    let best: string | null = null;
    let bestCount = 1;
    for (const [k, c] of pairs) if (c > bestCount || (c === bestCount && best !== null && k < best)) { best = k; bestCount = c; }
    if (best === null) break;
    const [a, b] = best.split(' ') as [string, string];
    merges.push(best);
    vocab[a + b] = next++;
    for (const w of words) {
      const o: string[] = [];
      for (let i = 0; i < w.syms.length; i++) {
        if (i + 1 < w.syms.length && w.syms[i] === a && w.syms[i + 1] === b) { o.push(a + b); i++; } else o.push(w.syms[i]!);
      }
      w.syms = o;
    }
  }
  const added = SPECIAL_TOKENS.map((content) => ({ id: next++, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  for (const a of added) vocab[a.content] = a.id;
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: true };
  const tokenizer = {
    version: '1.0', truncation: null, padding: null, added_tokens: added, normalizer: null,
    pre_tokenizer: byteLevel, post_processor: { ...byteLevel, use_regex: false }, decoder: { ...byteLevel, use_regex: false },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges },
  };
  const config = {
    add_bos_token: false, add_prefix_space: false,
    added_tokens_decoder: Object.fromEntries(added.map((a) => [String(a.id), { content: a.content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true }])),
    bos_token: null, eos_token: '<|im_end|>', pad_token: '<|endoftext|>', unk_token: null,
    clean_up_tokenization_spaces: false, model_max_length: 1024, tokenizer_class: 'Qwen2Tokenizer',
    chat_template: CHAT_TEMPLATE,
  };
  return { tokenizer, config };
}

if (require.main === module) {
  const [corpus = 'build/tiny-model/corpus.txt', outDir = 'build/tiny-model/out', vocab = '512'] = process.argv.slice(2);
  const { tokenizer, config } = trainBpe(fs.readFileSync(corpus, 'utf8'), Number(vocab));
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'tokenizer.json'), JSON.stringify(tokenizer));
  fs.writeFileSync(path.join(outDir, 'tokenizer_config.json'), JSON.stringify(config, null, 2) + '\n');
  console.log(`tokenizer (${vocab} tokens) -> ${outDir}`);
}
