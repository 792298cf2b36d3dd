/**
 * Prompt for chart candidates: the model writes a Vega-Lite spec whose data is `{"url": "<data file name>"}`; the
 * renderer binds that name to the file's rows inline (no fetch). With a reference image, the task is
 * ChartMimic/ChartMaster's chart-to-code: reproduce the chart.
 */
import type { ChatMessage } from '../preferences/record';

export interface ChartPromptInput {
  /** File name only, e.g. "sales.csv". */
  dataFileName: string;
  /** The first lines of the data file (header and a few rows), as text. */
  dataHead: string;
  instruction: string;
  hasReferenceImage?: boolean;
  matplotlib?: boolean;
}

export function buildChartPrompt(input: ChartPromptInput): ChatMessage[] {
  const fence = '```';
  const system = input.matplotlib
    ? `You write charts. Reply with one Vega-Lite v6 JSON spec in a ${fence}json block (data: {"url": "${input.dataFileName}"}), or matplotlib code in a ${fence}python block that reads "${input.dataFileName}" from the current folder. Nothing else.`
    : `You write Vega-Lite v6 charts. Reply with one Vega-Lite JSON spec in a ${fence}json block and nothing else. Use "data": {"url": "${input.dataFileName}"} and only the columns shown. Give the chart a title.`;
  const user = [
    `Data file ${input.dataFileName} (first lines):`,
    `${fence}\n${input.dataHead.trimEnd()}\n${fence}`,
    input.hasReferenceImage ? 'Reproduce the reference chart image as closely as possible (same chart type, texts, colours and layout).' : '',
    `Instruction: ${input.instruction.trim()}`,
  ].filter(Boolean).join('\n\n');
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}
