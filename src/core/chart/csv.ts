/**
 * A small RFC 4180 CSV reader with per-column type inference (all non-empty cells numeric -> numbers,
 * all true/false -> booleans, else strings; empty -> null), like vega's `read(..., {parse: 'auto'})`.
 * Used for the workspace data file, which the parent reads and passes to the renderer inline.
 */
export type Row = Record<string, unknown>;

export function parseCsvRecords(text: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [], field = '', i = 0, quoted = false;
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  while (i < s.length) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"') {
        if (s[i + 1] === '"') { field += '"'; i += 2; continue; }
        quoted = false; i++; continue;
      }
      field += c; i++; continue;
    }
    if (c === '"' && field === '') { quoted = true; i++; continue; }
    if (c === delimiter) { row.push(field); field = ''; i++; continue; }
    if (c === '\n' || c === '\r') {
      row.push(field); field = '';
      if (!(row.length === 1 && row[0] === '')) rows.push(row);
      row = [];
      i += c === '\r' && s[i + 1] === '\n' ? 2 : 1;
      continue;
    }
    field += c; i++;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}

export function parseCsv(text: string, delimiter = ','): Row[] {
  const recs = parseCsvRecords(text, delimiter);
  if (!recs.length) return [];
  const header = recs[0]!.map((h, i) => h.trim() || `column_${i + 1}`);
  const body = recs.slice(1);
  const kinds = header.map((_, c) => {
    let num = true, bool = true, any = false;
    for (const r of body) {
      const v = (r[c] ?? '').trim();
      if (v === '') continue;
      any = true;
      if (num && !(v !== '' && Number.isFinite(Number(v)))) num = false;
      if (bool && !/^(true|false)$/i.test(v)) bool = false;
      if (!num && !bool) break;
    }
    return !any ? 'string' : num ? 'number' : bool ? 'boolean' : 'string';
  });
  return body.map((r) => {
    const o: Row = {};
    header.forEach((h, c) => {
      const raw = r[c] ?? '';
      const v = raw.trim();
      o[h] = v === '' ? null : kinds[c] === 'number' ? Number(v) : kinds[c] === 'boolean' ? /^true$/i.test(v) : raw;
    });
    return o;
  });
}

/** Parses a data file by extension: .csv, .tsv, .json (array of objects, or {values|data: [...]}). */
export function parseDataFile(name: string, text: string): Row[] {
  const lower = name.toLowerCase();
  if (lower.endsWith('.csv')) return parseCsv(text, ',');
  if (lower.endsWith('.tsv')) return parseCsv(text, '\t');
  const j: unknown = JSON.parse(text);
  const arr = Array.isArray(j) ? j : j && typeof j === 'object' ? ((j as Row).values ?? (j as Row).data) : undefined;
  if (!Array.isArray(arr) || !arr.every((r) => r && typeof r === 'object' && !Array.isArray(r))) {
    throw new Error(`${name}: expected a JSON array of objects`);
  }
  return arr as Row[];
}
