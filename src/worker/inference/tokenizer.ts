/** Text <-> token ids and the chat template, from the files of a model folder (no network, pure JS). */
import { Tokenizer } from '@huggingface/tokenizers';
import { Template } from '@huggingface/jinja';
import { CodedError } from '../../core/errors';
import type { ModelFolder } from './modelFolder';
import type { ChatMessage } from '../../core/chat';

export class TextTokenizer {
  private readonly tok: Tokenizer;
  private readonly template: Template | null;
  private readonly specials: Record<string, unknown>;

  constructor(private readonly folder: ModelFolder) {
    try {
      this.tok = new Tokenizer(folder.tokenizerJson, folder.tokenizerConfig);
    } catch (e) {
      throw new CodedError('model_folder', `${folder.dir}/tokenizer.json could not be loaded (${e instanceof Error ? e.message : String(e)}): expected a Hugging Face fast tokenizer`);
    }
    try {
      this.template = folder.chatTemplate === null ? null : new Template(folder.chatTemplate);
    } catch (e) {
      throw new CodedError('model_folder', `the chat_template in ${folder.dir}/tokenizer_config.json does not parse as Jinja (${e instanceof Error ? e.message : String(e)})`);
    }
    const tokenText = (t: unknown) => (typeof t === 'object' && t !== null ? (t as { content?: unknown }).content : t);
    this.specials = {
      bos_token: tokenText(folder.tokenizerConfig.bos_token) ?? '',
      eos_token: tokenText(folder.tokenizerConfig.eos_token) ?? '',
      pad_token: tokenText(folder.tokenizerConfig.pad_token) ?? '',
      unk_token: tokenText(folder.tokenizerConfig.unk_token) ?? '',
    };
  }

  get hasChatTemplate(): boolean {
    return this.template !== null;
  }

  encode(text: string): number[] {
    return this.tok.encode(text, { add_special_tokens: false }).ids;
  }

  decode(ids: readonly number[]): string {
    return this.tok.decode([...ids], { skip_special_tokens: true });
  }

  /** Renders messages with the model's chat template, ending with the assistant turn's opening. */
  applyChatTemplate(messages: readonly ChatMessage[]): string {
    if (!this.template) {
      throw new CodedError('model_folder', `${this.folder.dir}/tokenizer_config.json has no chat_template: expected a Jinja chat template, or send a raw prompt instead of messages`);
    }
    return this.template.render({ messages, add_generation_prompt: true, ...this.specials });
  }
}
