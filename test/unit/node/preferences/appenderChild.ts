/**
 * Child process for the durability test: appends records to a log and acknowledges each on stdout after
 * appendPreferenceRecord resolved (so the parent knows which records were promised durable).
 * argv: file writerId count sizeBytes chunkBytes(0 = one write)
 */
import { appendPreferenceRecord } from '../../../../src/node/preferences/logFile';
import { makeRecord } from '../../core/preferences/fixtures';

export function payload(id: string, size: number): string {
  const unit = `<${id}>`;
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

async function main(): Promise<void> {
  const [file, writer, countS, sizeS, chunkS] = process.argv.slice(2);
  const count = Number(countS);
  const size = Number(sizeS);
  const chunk = Number(chunkS);
  process.stdout.write('started\n');
  for (let i = 0; i < count; i++) {
    const id = `${writer}-${i}`;
    const rec = makeRecord({ id, texts: [payload(id, size), 'SELECT 1'], rewards: [{ syntax: 1 }, { syntax: 0 }], human: { note: String(size) } });
    await appendPreferenceRecord(file!, rec, chunk > 0 ? { testWriteChunkBytes: chunk } : {});
    process.stdout.write(`ok ${id}\n`);
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(String(e instanceof Error ? e.stack : e));
    process.exit(1);
  });
}
