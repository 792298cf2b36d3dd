/**
 * The one reader of candidate groups, shared by `reward-lens rank` (JSON lines, every task) and the reward server
 * (`POST /v1/score` groups, OpenRLHF labels). It knows the fields README documents, reports every unknown field
 * (a warning with its line) and every bad line (an error with its line), and never drops a line silently.
 *
 * Fields (README "Command line"):
 *   group       string | number   lines with the same group form one GRPO group, in order of first appearance
 *   prompt      string | chat messages
 *   candidate   string            one candidate per line ...
 *   candidates  string[]          ... or several
 *   reference   string | object   SQL: gold query; patch: oracle patch; chart: a Vega-Lite/Vega spec (object or JSON
 *                                 text) or the path of a reference image (.png/.jpg)
 *   db          path              SQL: the database of this group (else --db)
 *   files       {path: text} | [path]   patch: current file contents, or paths read from the root
 *   selection   {path, start, end}      patch: the region a whole-file rewrite replaces
 *   data        path              chart: the data file (else --data)
 *   tagged      boolean           SQL: whether <reasoning>/<answer> output was asked for (format reward)
 * Accepted spellings kept from earlier versions: chart `text`/`completion` (= candidate), `reference_spec`,
 * `reference_image`; `db_path` and `data_file` (the trl-grpo export's column names).
 * Pure TypeScript: paths are returned as written; the caller resolves them (relative to the file, or inside roots).
 */
import { isJsonObject } from '../guards';

export type InputTask = 'sql' | 'patch' | 'chart';
export const INPUT_TASKS: readonly InputTask[] = ['sql', 'patch', 'chart'];

export interface InputSelection {
  path: string;
  start: number;
  end: number;
}

export interface InputGroup {
  group: string;
  prompt: string;
  candidates: string[];
  /** The gold answer as text (chart: the spec's JSON text), or null. */
  reference: string | null;
  /** Chart: the reference spec (from `reference` as object or JSON text, or `reference_spec`). */
  referenceSpec?: Record<string, unknown>;
  /** Chart: a reference image path (from `reference` ending in an image extension, or `reference_image`). */
  referenceImage?: string;
  /** SQL: the database path as written. */
  db?: string;
  /** Chart: the data file path as written. */
  data?: string;
  /** Patch: path -> current text. */
  files?: Record<string, string>;
  /** Patch: paths to read from the root. */
  filePaths?: string[];
  selection?: InputSelection;
  tagged?: boolean;
}

export interface InputProblem {
  /** 1-based line of the input (JSONL), or the index of the group in a request (0-based, as `groups[i]`). */
  line?: number;
  where: string;
  message: string;
}

export interface InputReadResult {
  groups: InputGroup[];
  /** Unknown or unused fields: the input is read, the field is not. */
  warnings: InputProblem[];
  /** Lines that could not be read (not JSON, missing candidate, wrong types): every one of them, with its line. */
  errors: InputProblem[];
  /** Non-empty lines (or request groups) seen. */
  lines: number;
}

const COMMON = ['group', 'prompt', 'candidate', 'candidates', 'reference'] as const;
const BY_TASK: Record<InputTask, readonly string[]> = {
  sql: ['db', 'db_path', 'tagged'],
  patch: ['files', 'selection'],
  chart: ['data', 'data_file', 'text', 'completion', 'reference_spec', 'reference_image'],
};
/** Columns of our own exports that a reader may see and that carry nothing a reward needs: reported as unused. */
const ALL_KNOWN = new Set<string>([...COMMON, ...BY_TASK.sql, ...BY_TASK.patch, ...BY_TASK.chart]);
const IMAGE = /\.(png|jpe?g)$/i;

const own = (o: Record<string, unknown>, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

class LineError extends Error {}

function promptText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((m) => isJsonObject(m) && typeof m.content === 'string')) {
    return (v as { content: string }[]).map((m) => m.content).join('\n');
  }
  throw new LineError('"prompt" must be a string or a list of chat messages {role, content}');
}

function pathField(o: Record<string, unknown>, names: string[]): string | undefined {
  for (const n of names) {
    if (!own(o, n) || o[n] === null || o[n] === undefined || o[n] === '') continue;
    if (typeof o[n] !== 'string') throw new LineError(`"${n}" must be a path (string)`);
    return o[n] as string;
  }
  return undefined;
}

/** One input line: a group's fields (its key as written, or null) and whether it listed its candidates. */
type Row = Omit<InputGroup, 'group'> & {
  key: string | null;
  /** The line gave a list of candidates (`candidates`), not one. */
  list: boolean;
};

/** Reads one record (a JSONL line or a request group) of `task`. Throws LineError; pushes warnings. */
function readRow(o: unknown, task: InputTask, warn: (m: string) => void): Row {
  if (!isJsonObject(o)) throw new LineError('expected a JSON object');
  const allowed = new Set<string>([...COMMON, ...BY_TASK[task]]);
  for (const k of Object.keys(o)) {
    if (allowed.has(k)) continue;
    if (k === 'task') {
      if (o.task !== task) warn(`"task" is ${JSON.stringify(o.task)} but this run ranks ${task}; the field is not used`);
      continue;
    }
    warn(ALL_KNOWN.has(k) ? `field "${k}" is not used by task ${task}` : `unknown field "${k}" ignored`);
  }
  // Candidates
  const candidates: string[] = [];
  const candKeys = task === 'chart' ? ['candidate', 'text', 'completion'] : ['candidate'];
  let found = false;
  for (const k of candKeys) {
    if (!own(o, k)) continue;
    if (typeof o[k] !== 'string') throw new LineError(`"${k}" must be a string`);
    candidates.push(o[k] as string);
    found = true;
    break;
  }
  if (own(o, 'candidates')) {
    const cs = o.candidates;
    if (!Array.isArray(cs) || !cs.every((c) => typeof c === 'string')) throw new LineError('"candidates" must be a list of strings');
    candidates.push(...(cs as string[]));
    found = true;
  }
  if (!found) throw new LineError('"candidate" (a string) or "candidates" (a list of strings) is required');
  // Group key
  let key: string | null = null;
  if (own(o, 'group') && o.group !== null && o.group !== undefined) {
    if (typeof o.group === 'string') key = o.group;
    else if (typeof o.group === 'number' && Number.isFinite(o.group)) key = String(o.group);
    else throw new LineError('"group" must be a string or a number');
  }
  const row: Row = { key, list: own(o, 'candidates'), prompt: promptText(o.prompt), candidates, reference: null };
  // Reference
  const ref = o.reference;
  if (ref !== undefined && ref !== null) {
    if (task === 'chart' && isJsonObject(ref)) {
      row.referenceSpec = ref;
      row.reference = JSON.stringify(ref);
    } else if (typeof ref !== 'string') {
      throw new LineError(task === 'chart' ? '"reference" must be a Vega-Lite spec (object or JSON text) or an image path' : '"reference" must be a string');
    } else if (ref.trim() !== '') {
      row.reference = ref;
      if (task === 'chart') {
        const t = ref.trim();
        if (t.startsWith('{')) {
          let spec: unknown;
          try {
            spec = JSON.parse(t);
          } catch (e) {
            throw new LineError(`"reference" is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
          }
          if (!isJsonObject(spec)) throw new LineError('"reference" must be a JSON object (a Vega-Lite spec)');
          row.referenceSpec = spec;
        } else if (IMAGE.test(t)) {
          row.referenceImage = t;
        } else {
          throw new LineError('"reference" for charts must be a Vega-Lite/Vega spec (object or JSON text) or a .png/.jpg path');
        }
      }
    }
  }
  if (task === 'sql') {
    const db = pathField(o, ['db', 'db_path']);
    if (db !== undefined) row.db = db;
    if (own(o, 'tagged') && o.tagged !== null) {
      if (typeof o.tagged !== 'boolean') throw new LineError('"tagged" must be true or false');
      row.tagged = o.tagged;
    }
  }
  if (task === 'patch') {
    const f = o.files;
    if (f !== undefined && f !== null) {
      if (Array.isArray(f)) {
        if (!f.every((p) => typeof p === 'string')) throw new LineError('"files" must be {path: text} or a list of paths');
        row.filePaths = f as string[];
      } else if (isJsonObject(f)) {
        const files: Record<string, string> = Object.create(null) as Record<string, string>;
        for (const [p, text] of Object.entries(f)) {
          if (typeof text !== 'string') throw new LineError(`"files"[${JSON.stringify(p)}] must be the file's text`);
          files[p] = text;
        }
        row.files = files;
      } else throw new LineError('"files" must be {path: text} or a list of paths');
    }
    const s = o.selection;
    if (s !== undefined && s !== null) {
      if (!isJsonObject(s) || typeof s.path !== 'string' || !Number.isInteger(s.start) || !Number.isInteger(s.end)) throw new LineError('"selection" must be {path, start, end}');
      row.selection = { path: s.path as string, start: s.start as number, end: s.end as number };
    }
  }
  if (task === 'chart') {
    const data = pathField(o, ['data', 'data_file']);
    if (data !== undefined) row.data = data;
    const spec = o.reference_spec;
    if (spec !== undefined && spec !== null) {
      if (!isJsonObject(spec)) throw new LineError('"reference_spec" must be a JSON object');
      if (!row.referenceSpec) {
        row.referenceSpec = spec;
        row.reference ??= JSON.stringify(spec);
      }
    }
    const img = pathField(o, ['reference_image']);
    if (img !== undefined && !row.referenceImage) row.referenceImage = img;
  }
  return row;
}

/** Merges rows into groups (first appearance order). Later lines add candidates and fill what is still missing. */
class Collector {
  private readonly groups = new Map<string, InputGroup>();
  private anonymous = 0;

  constructor(private readonly warn: (where: InputProblem) => void) {}

  add(row: Row, where: InputProblem): void {
    // A line with its own list of candidates and no group is a group of its own; lone candidates share group "".
    const key = row.key ?? (row.list ? `${this.anonymous++}` : '');
    let g = this.groups.get(key);
    if (!g) {
      g = { group: key, prompt: row.prompt, candidates: [], reference: null };
      this.groups.set(key, g);
    }
    g.candidates.push(...row.candidates);
    if (!g.prompt && row.prompt) g.prompt = row.prompt;
    const conflict = (field: string) => this.warn({ ...where, message: `group ${JSON.stringify(key)} already has a different ${field}; the first one is used` });
    if (row.reference !== null) {
      if (g.reference === null) {
        g.reference = row.reference;
        if (row.referenceSpec) g.referenceSpec = row.referenceSpec;
        if (row.referenceImage) g.referenceImage = row.referenceImage;
      } else if (g.reference !== row.reference) conflict('reference');
    } else if (row.referenceSpec && !g.referenceSpec) g.referenceSpec = row.referenceSpec;
    if (row.referenceImage && !g.referenceImage) g.referenceImage = row.referenceImage;
    if (row.db !== undefined) {
      if (g.db === undefined) g.db = row.db;
      else if (g.db !== row.db) conflict('db');
    }
    if (row.data !== undefined) {
      if (g.data === undefined) g.data = row.data;
      else if (g.data !== row.data) conflict('data');
    }
    if (row.files) g.files = Object.assign(g.files ?? (Object.create(null) as Record<string, string>), row.files);
    if (row.filePaths) g.filePaths = [...new Set([...(g.filePaths ?? []), ...row.filePaths])];
    if (row.selection && !g.selection) g.selection = row.selection;
    if (row.tagged !== undefined && g.tagged === undefined) g.tagged = row.tagged;
  }

  result(): InputGroup[] {
    return [...this.groups.values()];
  }
}

/** Reads JSON lines (one record per line; a UTF-8 BOM at the start is accepted; blank lines are skipped). */
export function readGroupLines(text: string, task: InputTask): InputReadResult {
  return readRows(task, (read) => {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      let line = lines[i]!;
      if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line.trim() === '') continue;
      read({ line: i + 1, where: `line ${i + 1}`, message: '' }, () => {
        try {
          return JSON.parse(line);
        } catch (e) {
          throw new LineError(`not JSON (${e instanceof Error ? e.message : String(e)})`);
        }
      });
    }
  });
}

/** Reads the groups of a request body (`{"groups": [...]}` of POST /v1/score); problems name `groups[i]`. */
export function readGroupObjects(items: readonly unknown[], task: InputTask): InputReadResult {
  // A request group without a name is its own group, named by its position.
  return readRows(task, (read) => items.forEach((o, i) => read({ line: i, where: `groups[${i}]`, message: '' }, () => o, String(i))));
}

/**
 * Both readers: `each` calls `read` once per item with where it stands and how to get its value; a bad item becomes
 * an error at that place and the others are still read.
 */
function readRows(task: InputTask, each: (read: (where: InputProblem, value: () => unknown, defaultKey?: string) => void) => void): InputReadResult {
  const out: InputReadResult = { groups: [], warnings: [], errors: [], lines: 0 };
  const collector = new Collector((p) => out.warnings.push(p));
  each((where, value, defaultKey) => {
    out.lines++;
    try {
      const row = readRow(value(), task, (m) => out.warnings.push({ ...where, message: m }));
      if (defaultKey !== undefined && row.key === null) row.key = defaultKey;
      collector.add(row, where);
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      out.errors.push({ ...where, message: e.message });
    }
  });
  out.groups = collector.result();
  return out;
}

/** `where: message` lines for people (all of them: nothing is lost). */
export function describeProblems(ps: readonly InputProblem[]): string {
  return ps.map((p) => `${p.where}: ${p.message}`).join('\n');
}
