/**
 * Where the preference log lives: `rewardLens.logLocation` when set (absolute, `~/...`, or relative to the first
 * workspace folder), else `.reward-lens/preferences.jsonl` in the first workspace folder, else (no folder open) the
 * extension's global storage. No vscode import: the extension passes the setting and folders in.
 */
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_LOG_RELATIVE_PATH } from '../../node/preferences/logFile';

export function resolveLogPath(setting: string, workspaceFolders: readonly string[], globalStorage: string): string {
  const s = setting.trim();
  const base = workspaceFolders[0] ?? null;
  if (s !== '') {
    if (s === '~' || s.startsWith('~/') || s.startsWith('~\\')) return path.join(os.homedir(), s.slice(1));
    if (path.isAbsolute(s)) return s;
    return path.resolve(base ?? globalStorage, s);
  }
  return base ? path.join(base, DEFAULT_LOG_RELATIVE_PATH) : path.join(globalStorage, 'preferences.jsonl');
}

/** How to show the path to the user: relative to the workspace when inside it. */
export function displayLogPath(file: string, workspaceFolders: readonly string[]): string {
  for (const f of workspaceFolders) {
    const rel = path.relative(f, file);
    if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
  }
  return file;
}
