/**
 * The preference log on disk: JSON Lines, one `PreferenceRecord` per line, appended by the extension (any number of
 * windows) and read by the exporters (extension and CLI). Node only, no vscode.
 *
 * Durability contract:
 * - A record is serialised first and written whole with one `write` of one buffer, then fsynced before the lock is
 *   released; a new file's directory is fsynced too, so the file survives a power cut.
 * - Appenders take `<log>.lock` (see fileLock.ts), so records from several processes never interleave.
 * - A crash mid-write leaves a torn last line (no trailing newline). The next appender sees that the file does not
 *   end in '\n' and starts its record on a new line, so the torn bytes stay one bad line and never glue onto a good
 *   record; the reader skips and counts lines that do not parse.
 */
import { createReadStream } from 'fs';
import * as fs from 'fs/promises';
import * as path from 'path';
import { createInterface } from 'readline';
import type { PreferenceRecord } from '../../core/preferences/record';
import { checkPreferenceRecord } from '../../core/preferences/record';
import { acquireLock, type LockOptions } from './fileLock';

export const DEFAULT_LOG_RELATIVE_PATH = path.join('.reward-lens', 'preferences.jsonl');

export interface AppendOptions extends LockOptions {
  /**
   * Test hook: write in chunks of this many bytes, yielding between them, to widen the window in which a kill tears
   * a line (a large write that the kernel splits behaves the same). Production leaves it unset: one write.
   */
  testWriteChunkBytes?: number;
}

async function fsyncDir(dir: string): Promise<void> {
  // Windows cannot open a directory for fsync; NTFS journals the metadata itself.
  if (process.platform === 'win32') return;
  const h = await fs.open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Appends one record. Resolves after the bytes are on disk. */
export async function appendPreferenceRecord(file: string, record: PreferenceRecord, opts: AppendOptions = {}): Promise<void> {
  const problem = checkPreferenceRecord(record);
  if (problem) throw new Error(`refusing to log an invalid preference record: ${problem}`);
  await appendLine(file, JSON.stringify(record), opts);
}

/** Appends one line of JSON text (no newline inside; JSON.stringify guarantees that). */
export async function appendLine(file: string, json: string, opts: AppendOptions = {}): Promise<void> {
  if (json.includes('\n')) throw new Error('a log line cannot contain a newline');
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const lock = await acquireLock(`${file}.lock`, opts);
  try {
    const h = await fs.open(file, 'a+');
    let created = false;
    try {
      const { size } = await h.stat();
      created = size === 0;
      let prefix = '';
      if (size > 0) {
        const last = Buffer.alloc(1);
        await h.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) prefix = '\n'; // a torn line from a crash: keep it on its own line
      }
      const buf = Buffer.from(`${prefix}${json}\n`, 'utf8');
      // One write of the whole buffer; regular files complete it unless the process dies (then: a torn line).
      const chunk = opts.testWriteChunkBytes ?? buf.length;
      let off = 0;
      while (off < buf.length) {
        const { bytesWritten } = await h.write(buf, off, Math.min(chunk, buf.length - off));
        off += bytesWritten;
        if (opts.testWriteChunkBytes) await new Promise((r) => setImmediate(r));
      }
      await h.sync();
    } finally {
      await h.close();
    }
    if (created) await fsyncDir(dir);
  } finally {
    await lock.release();
  }
}

export interface LogReadResult {
  records: PreferenceRecord[];
  /** Lines that are not JSON (a write cut by a crash), skipped. */
  torn: number;
  /** Lines that are JSON but not a record this version reads (other schema or version, damaged fields), skipped. */
  invalid: number;
  /** First few reasons for invalid lines, `line N: why`. */
  problems: string[];
  lines: number;
}

/**
 * Line-by-line log reader state: one call per line, so a log of any size is read as a stream (a whole-file string
 * stops at V8's string limit, ~512 MB: "Invalid string length"). A UTF-8 BOM at the start of a line (an editor
 * that saved the file, or two logs concatenated) is not part of the JSON and is dropped.
 */
export class PreferenceLogParser {
  readonly result: LogReadResult = { records: [], torn: 0, invalid: 0, problems: [], lines: 0 };

  line(raw: string, lineNo: number): void {
    const out = this.result;
    let line = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') return;
    out.lines++;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      out.torn++;
      if (out.problems.length < 20) out.problems.push(`line ${lineNo}: not complete JSON (torn write)`);
      return;
    }
    const why = checkPreferenceRecord(value);
    if (why) {
      out.invalid++;
      if (out.problems.length < 20) out.problems.push(`line ${lineNo}: ${why}`);
      return;
    }
    out.records.push(value as PreferenceRecord);
  }
}

/** Parses log text. Pure apart from JSON.parse: used by tests and small inputs. */
export function parsePreferenceLog(text: string): LogReadResult {
  const p = new PreferenceLogParser();
  text.split('\n').forEach((line, i) => p.line(line, i + 1));
  return p.result;
}

/** Reads the log as a stream of lines (any size; memory grows with the records, not with one string). */
export async function readPreferenceLog(file: string): Promise<LogReadResult> {
  const p = new PreferenceLogParser();
  const input = createReadStream(file, { encoding: 'utf8' });
  // Surface open errors (ENOENT) as a rejection, as fs.readFile did.
  await new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve());
    input.once('error', reject);
  });
  const rl = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) p.line(line, ++n);
  return p.result;
}
