/**
 * Writes an export of the preference log: JSON Lines for TRL and OpenRLHF, parquet for verl (hyparquet-writer,
 * pure JS, maintained by the hyparquet authors; nested schema written explicitly so Arrow reads `prompt` as
 * list<struct<content, role>> and `reward_model` / `extra_info` as structs). Node only, used by the extension's
 * Export Preferences... command and by `reward-lens export`. Files are written to a temp name and renamed, so a
 * reader never sees half an export.
 */
import * as fs from 'fs/promises';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { CodedError } from '../../core/errors';
import { ByteWriter, parquetWrite } from 'hyparquet-writer';
import type { ExportFormat, ExportOptions, ExportStats, VerlRow } from '../../core/export';
import { exportRows } from '../../core/export';
import type { PreferenceRecord } from '../../core/preferences/record';
import { readPreferenceLog } from './logFile';

export interface ExportSummary {
  format: ExportFormat;
  file: string;
  stats: ExportStats;
  /** Log lines skipped: torn (crash mid-write) and invalid (other schema version, damaged). */
  torn: number;
  invalid: number;
}

type SchemaElement = Parameters<typeof parquetWrite>[0]['schema'] extends (infer E)[] | undefined ? E : never;

const str = (name: string, repetition_type: 'REQUIRED' | 'OPTIONAL' = 'OPTIONAL'): SchemaElement => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type });
const listOf = (name: string, element: SchemaElement[]): SchemaElement[] => [
  { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  ...element,
];

/** verl's columns (its data preparation doc), in Arrow's 3-level LIST layout. */
export const VERL_SCHEMA: SchemaElement[] = [
  { name: 'root', num_children: 5 },
  str('data_source', 'REQUIRED'),
  ...listOf('prompt', [{ name: 'element', repetition_type: 'OPTIONAL', num_children: 2 }, str('role'), str('content')]),
  str('ability', 'REQUIRED'),
  { name: 'reward_model', repetition_type: 'OPTIONAL', num_children: 2 },
  str('style'),
  str('ground_truth'),
  { name: 'extra_info', repetition_type: 'OPTIONAL', num_children: 8 },
  str('split'),
  { name: 'index', type: 'INT64', repetition_type: 'OPTIONAL' },
  str('record_id'),
  str('task'),
  str('reference_source'),
  str('db_path'),
  str('data_file'),
  ...listOf('files', [str('element')]),
];

export async function verlParquet(rows: readonly VerlRow[]): Promise<ArrayBuffer> {
  const writer = new ByteWriter();
  const col = <K extends keyof VerlRow>(name: K, f: (r: VerlRow) => unknown = (r) => r[name]) => ({ name, data: rows.map(f) });
  // void with the built-in (synchronous) snappy; a promise with async compressors.
  await parquetWrite({
    writer,
    schema: VERL_SCHEMA,
    columnData: [
      col('data_source'),
      col('prompt', (r) => r.prompt.map((m) => ({ role: m.role, content: m.content }))),
      col('ability'),
      col('reward_model', (r) => ({ style: r.reward_model.style, ground_truth: r.reward_model.ground_truth })),
      col('extra_info', (r) => ({ ...r.extra_info, index: BigInt(r.extra_info.index) })),
    ],
    kvMetadata: [{ key: 'created_by', value: 'reward-lens export --format verl' }],
  });
  return writer.getBuffer();
}

export function jsonLines(rows: readonly object[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length > 0 ? '\n' : '');
}

/** Data to write: bytes, or JSON rows written line by line (an export larger than one string can hold). */
type ExportData = Uint8Array | { rows: readonly object[] };

async function writeData(h: fs.FileHandle, data: ExportData): Promise<void> {
  if (data instanceof Uint8Array) {
    await h.writeFile(data);
    return;
  }
  let chunk: string[] = [];
  let size = 0;
  for (const r of data.rows) {
    const line = JSON.stringify(r) + '\n';
    chunk.push(line);
    size += line.length;
    if (size >= 1 << 20) {
      await h.write(chunk.join(''));
      chunk = [];
      size = 0;
    }
  }
  if (chunk.length) await h.write(chunk.join(''));
}

/**
 * Where the export goes, decided before anything is written:
 * - a regular file (or a new name): written to a temp file beside the real target and renamed over it, so a reader
 *   never sees half an export; a symlink is followed (the link stays a link);
 * - a character device or FIFO (`/dev/null`, `/dev/stdout`, a pipe): written through, never replaced (renaming over
 *   `/dev/null` as root would turn the device node into a regular file);
 * - anything else (a directory, a socket): refused.
 */
export async function exportTarget(file: string): Promise<{ path: string; kind: 'regular' | 'stream' }> {
  let st: import('fs').Stats;
  try {
    st = await fs.stat(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    return { path: file, kind: 'regular' };
  }
  if (st.isFile()) return { path: await fs.realpath(file), kind: 'regular' };
  if (st.isCharacterDevice() || st.isFIFO()) return { path: file, kind: 'stream' };
  throw new CodedError('bad_request', `--out ${file} is ${st.isDirectory() ? 'a directory' : 'not a regular file, device or pipe'}; give a file name`);
}

async function writeAtomically(file: string, data: ExportData): Promise<void> {
  const target = await exportTarget(file);
  if (target.kind === 'stream') {
    const h = await fs.open(target.path, 'w');
    try {
      await writeData(h, data);
    } finally {
      await h.close();
    }
    return;
  }
  await fs.mkdir(path.dirname(path.resolve(target.path)), { recursive: true });
  const tmp = `${target.path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const h = await fs.open(tmp, 'wx');
    try {
      await writeData(h, data);
      await h.sync();
    } finally {
      await h.close();
    }
    await fs.rename(tmp, target.path);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

export async function writeExport(format: ExportFormat, records: readonly PreferenceRecord[], file: string, opts: ExportOptions = {}): Promise<ExportStats> {
  const { rows, stats } = exportRows(format, records, opts);
  if (format === 'verl') await writeAtomically(file, new Uint8Array(await verlParquet(rows as VerlRow[])));
  else await writeAtomically(file, { rows });
  return stats;
}

/** Real path of `p`, or of its parent joined with its name when `p` does not exist yet. */
async function realTarget(p: string): Promise<string> {
  try {
    return await fs.realpath(p);
  } catch {
    try {
      return path.join(await fs.realpath(path.dirname(path.resolve(p))), path.basename(p));
    } catch {
      return path.resolve(p);
    }
  }
}

/** Refuses an output that is the log itself (same real path, or the same file through a hard link). */
export async function assertNotTheLog(logFile: string, outFile: string): Promise<void> {
  const [a, b] = await Promise.all([realTarget(logFile), realTarget(outFile)]);
  let same = a === b;
  if (!same) {
    const [sa, sb] = await Promise.all([fs.stat(logFile).catch(() => null), fs.stat(outFile).catch(() => null)]);
    same = !!sa && !!sb && sa.isFile() && sa.dev === sb.dev && sa.ino === sb.ino;
  }
  if (same) throw new CodedError('bad_request', `--out ${outFile} is the preference log itself (${a}); the export would replace it. Choose another file`);
}

/** Reads the log (skipping torn lines), converts and writes. */
export async function exportLog(format: ExportFormat, logFile: string, outFile: string, opts: ExportOptions = {}): Promise<ExportSummary> {
  await assertNotTheLog(logFile, outFile);
  const log = await readPreferenceLog(logFile);
  const stats = await writeExport(format, log.records, outFile, opts);
  return { format, file: outFile, stats, torn: log.torn, invalid: log.invalid };
}

/** One line for people: what was written and what was left out. */
export function describeExport(s: ExportSummary): string {
  const st = s.stats;
  const parts = [`${st.rows} row${st.rows === 1 ? '' : 's'} from ${st.records} group${st.records === 1 ? '' : 's'} written to ${s.file}`];
  if (st.fromHuman || st.fromRewards) parts.push(`${st.fromHuman} from your choices, ${st.fromRewards} from reward order`);
  if (st.allEqual) parts.push(`${st.allEqual} all-equal group${st.allEqual === 1 ? '' : 's'}${st.droppedAllEqual ? ` (${st.droppedAllEqual} dropped)` : ' (kept; --drop-all-equal leaves them out)'}`);
  const skipped = Object.entries(st.skipped).map(([why, n]) => `${n} skipped: ${why}`);
  parts.push(...skipped);
  if (st.withoutReference) parts.push(`${st.withoutReference} without a gold answer`);
  if (s.torn) parts.push(`${s.torn} torn log line${s.torn === 1 ? '' : 's'} skipped`);
  if (s.invalid) parts.push(`${s.invalid} unreadable log line${s.invalid === 1 ? '' : 's'} skipped`);
  return parts.join('; ');
}
