/**
 * Prompts for patch candidates. With a selection the model rewrites just that region (a whole-file rewrite of the
 * selection, scored against it); for a whole file it answers with SWE-RL search/replace blocks, the format the
 * SWE-RL reward parses (`### path` then SEARCH/REPLACE, one fenced block per edit: SWE-RL's regex reads several edits
 * in one fence as a single edit whose text carries the other edits' markers).
 */
import type { ChatMessage } from '../preferences/record';

export interface PatchPromptInput {
  /** Workspace-relative path, forward slashes. */
  path: string;
  languageId: string;
  fileText: string;
  instruction: string;
  /** The selected region, when the user selected code. */
  selection?: { start: number; end: number } | null;
}

const SEARCH_REPLACE_FORMAT = [
  'Answer with one or more search/replace edits, each in its own fenced block:',
  '```',
  '### path/to/file',
  '<<<<<<< SEARCH',
  'exact lines from the file',
  '=======',
  'the lines that replace them',
  '>>>>>>> REPLACE',
  '```',
  'For a second edit, start a new fenced block with its own ### line. The SEARCH text must appear in the file exactly once. Keep edits minimal.',
].join('\n');

export function buildPatchPrompt(input: PatchPromptInput): ChatMessage[] {
  const fence = '```';
  const sel = input.selection && input.selection.end > input.selection.start ? input.selection : null;
  if (sel) {
    const region = input.fileText.slice(sel.start, sel.end);
    return [
      { role: 'system', content: `You are an expert programmer. Rewrite the selected ${input.languageId} code as instructed. Reply with only the rewritten code in one ${fence}${input.languageId} block, nothing else.` },
      { role: 'user', content: `File: ${input.path}\n\n${fence}${input.languageId}\n${input.fileText}\n${fence}\n\nSelected code:\n${fence}${input.languageId}\n${region}\n${fence}\n\nInstruction: ${input.instruction.trim()}` },
    ];
  }
  return [
    { role: 'system', content: `You are an expert programmer. Edit the file as instructed.\n${SEARCH_REPLACE_FORMAT}` },
    { role: 'user', content: `File: ${input.path}\n\n${fence}${input.languageId}\n${input.fileText}\n${fence}\n\nInstruction: ${input.instruction.trim()}` },
  ];
}
