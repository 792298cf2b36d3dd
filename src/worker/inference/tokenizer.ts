/** Text <-> token ids and the chat template, from the files of a model folder (no network, pure JS). */
import * as vm from 'vm';
import { Environment, Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import { CodedError } from '../../core/errors';
import type { ModelFolder } from './modelFolder';
import type { ChatMessage } from '../../core/chat';

/** Bounds on rendering a chat template (it comes from the model folder, so it may be hostile). */
export interface TemplateLimits {
  /** Wall-clock limit of one render (default 2000 ms). */
  timeoutMs: number;
  /** Largest rendered prompt in characters (default 4 Mi). */
  maxChars: number;
  /** Largest range() a template may build (default 100000: chat templates iterate over messages). */
  maxRange: number;
}

export const DEFAULT_TEMPLATE_LIMITS: TemplateLimits = { timeoutMs: 2000, maxChars: 4 * 1024 * 1024, maxRange: 100_000 };

/** Largest prompt text encoded (characters); past this the tokenizer's time and memory grow without need. */
export const MAX_PROMPT_CHARS = 4 * 1024 * 1024;

export class TextTokenizer {
  private readonly tok: Tokenizer;
  private readonly template: Template | null;
  private readonly specials: Record<string, unknown>;

  constructor(private readonly folder: ModelFolder, private readonly limits: TemplateLimits = DEFAULT_TEMPLATE_LIMITS) {
    try {
      this.tok = new Tokenizer(folder.tokenizerJson, folder.tokenizerConfig);
    } catch (e) {
      throw new CodedError('model_folder', `${folder.dir}/tokenizer.json could not be loaded (${firstLine(e)}): expected a Hugging Face fast tokenizer`);
    }
    const maxId = maxTokenId(folder.tokenizerJson);
    if (maxId >= folder.config.vocabSize) {
      throw new CodedError('model_folder', `${folder.dir}/tokenizer.json has token id ${maxId} but config.json says vocab_size ${folder.config.vocabSize}: the tokenizer does not belong to this model`);
    }
    try {
      this.template = folder.chatTemplate === null ? null : new Template(folder.chatTemplate);
    } catch (e) {
      throw new CodedError('model_folder', `the chat_template in ${folder.dir}/tokenizer_config.json does not parse as Jinja (${firstLine(e)})`);
    }
    const tokenText = (t: unknown) => (typeof t === 'object' && t !== null ? (t as { content?: unknown }).content : t);
    const str = (t: unknown) => (typeof tokenText(t) === 'string' ? tokenText(t) : '');
    this.specials = {
      bos_token: str(folder.tokenizerConfig.bos_token),
      eos_token: str(folder.tokenizerConfig.eos_token),
      pad_token: str(folder.tokenizerConfig.pad_token),
      unk_token: str(folder.tokenizerConfig.unk_token),
    };
  }

  get hasChatTemplate(): boolean {
    return this.template !== null;
  }

  encode(text: string): number[] {
    if (text.length > MAX_PROMPT_CHARS) {
      throw new CodedError('limit_exceeded', `the prompt is ${text.length} characters, over the ${MAX_PROMPT_CHARS}-character limit of local generation`);
    }
    return this.tok.encode(text, { add_special_tokens: false }).ids;
  }

  decode(ids: readonly number[]): string {
    if (ids.length === 0) return ''; // the tokenizer refuses an empty list (a row whose first token was EOS)
    return this.tok.decode([...ids], { skip_special_tokens: true });
  }

  /**
   * Renders messages with the model's chat template, ending with the assistant turn's opening. The template is
   * untrusted: the render runs under a vm timeout (V8 stops whatever JavaScript runs when it expires, including
   * the Jinja interpreter's loops), range() is capped, and the output size is checked.
   */
  applyChatTemplate(messages: readonly ChatMessage[]): string {
    if (!this.template) {
      throw new CodedError('model_folder', `${this.folder.dir}/tokenizer_config.json has no chat_template: expected a Jinja chat template, or send a raw prompt instead of messages`);
    }
    const template = this.template;
    const { timeoutMs, maxChars, maxRange } = this.limits;
    const where = `the chat_template of ${this.folder.dir}`;
    let out: unknown;
    const restore = capRange(maxRange, where);
    try {
      out = vm.runInNewContext('render()', { render: () => template.render({ messages, add_generation_prompt: true, ...this.specials }) }, { timeout: timeoutMs });
    } catch (e) {
      if (e instanceof CodedError) throw e;
      const msg = firstLine(e);
      if ((e as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
        throw new CodedError('model_folder', `${where} did not finish rendering within ${timeoutMs} ms (a loop that never ends?)`);
      }
      throw new CodedError('model_folder', `${where} failed to render: ${msg}`);
    } finally {
      restore();
    }
    if (typeof out !== 'string') throw new CodedError('model_folder', `${where} did not render to text`);
    if (out.length > maxChars) throw new CodedError('limit_exceeded', `${where} rendered ${out.length} characters, over the ${maxChars}-character limit of a prompt`);
    return out;
  }
}

/**
 * @huggingface/jinja builds range() as a full array before the loop starts, so `range(10**9)` allocated gigabytes
 * before any timeout could fire. Template.render installs its globals with Environment.prototype.set; while our
 * (synchronous) render runs, `range` is swapped for one that refuses more than `max` items.
 */
function capRange(max: number, where: string): () => void {
  const proto = Environment.prototype as unknown as { set(name: string, value: unknown): unknown };
  const orig = proto.set;
  proto.set = function (this: unknown, name: string, value: unknown) {
    if (name !== 'range') return orig.call(this, name, value);
    return orig.call(this, name, (start: number, stop?: number, step = 1) => {
      if (stop === undefined) [start, stop] = [0, start];
      if (typeof start !== 'number' || typeof stop !== 'number' || typeof step !== 'number' || step === 0 || !Number.isFinite(start + stop + step)) {
        throw new Error('range() takes finite numbers and a non-zero step');
      }
      const n = Math.max(0, Math.ceil((stop - start) / step));
      if (n > max) throw new CodedError('limit_exceeded', `${where} asked for range() of ${n} items, over the limit of ${max}`);
      return Array.from({ length: n }, (_, i) => start + i * step);
    });
  };
  return () => {
    proto.set = orig;
  };
}

/** Largest id in the tokenizer's vocabulary and added tokens (-1 when it lists none). */
function maxTokenId(tj: Record<string, unknown>): number {
  let max = -1;
  const model = tj.model as { vocab?: unknown };
  const vocab = model.vocab;
  if (vocab && typeof vocab === 'object' && !Array.isArray(vocab)) {
    for (const v of Object.values(vocab)) if (typeof v === 'number' && v > max) max = v;
  } else if (Array.isArray(vocab)) max = vocab.length - 1; // Unigram: [[piece, score], ...], ids are positions
  if (Array.isArray(tj.added_tokens)) for (const a of tj.added_tokens as { id?: unknown }[]) if (typeof a?.id === 'number' && a.id > max) max = a.id;
  return max;
}

function firstLine(e: unknown): string {
  const s = e instanceof Error ? e.message : String(e);
  const line = s.split('\n')[0] ?? s;
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}
