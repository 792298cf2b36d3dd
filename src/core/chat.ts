/** Chat messages as TRL's conversational format, chat templates and OpenAI-compatible chat APIs take them. */
export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export function isChatRole(x: unknown): x is ChatRole {
  return x === 'system' || x === 'user' || x === 'assistant';
}

export function isChatMessage(x: unknown): x is ChatMessage {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && isChatRole((x as ChatMessage).role) && typeof (x as ChatMessage).content === 'string';
}
