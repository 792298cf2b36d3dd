/**
 * A cross-process lock file next to the file it guards (`<file>.lock`), for appenders in several VS Code windows,
 * the CLI and tests. Node has no flock(2), so the lock is a file that exists only while held.
 *
 * Why not proper-lockfile: its staleness is only by mtime (a holder refreshes the mtime on a timer; a lock is stale
 * after `stale` ms, 10 s by default), so a writer killed while holding the lock blocks every other writer for seconds,
 * and breaking a stale lock is check-then-remove, which can remove a lock another process just took. Here:
 * - Taking: the owner writes `{pid, host, token, time}` to a private temp file and `link(2)`s it to the lock path.
 *   link is atomic and fails with EEXIST, so a lock file never exists half written.
 * - Stale: on this host, when the owner pid is gone (immediate after a SIGKILL); for any host, when older than
 *   `staleMs` (a lock is held for one write + fsync, milliseconds).
 * - Breaking is race-free: a breaker first takes a tombstone lock `<lock>.broken-<token>` (taken like the lock), so
 *   one process at a time breaks a given lock instance; holding it, the breaker re-reads the lock and removes it only
 *   if it still carries that token. Nobody else removes a lock with that token (its owner is dead and other breakers
 *   wait on the tombstone), so the re-read cannot go stale; a late breaker re-reads a new token and leaves it alone.
 * - Releasing removes the lock only if it still carries the owner's token.
 */
import * as fs from 'fs/promises';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { CodedError } from '../../core/errors';

export interface LockOptions {
  /** Give up after this long (ms). */
  timeoutMs?: number;
  /** A lock older than this is stale whatever its pid says (ms). */
  staleMs?: number;
}

interface LockContent {
  pid: number;
  host: string;
  token: string;
  time: number;
}

export interface HeldLock {
  readonly path: string;
  readonly token: string;
  release(): Promise<void>;
}

const HOST = os.hostname();

function parseLock(text: string): LockContent | null {
  try {
    const x = JSON.parse(text) as Partial<LockContent>;
    if (typeof x.pid === 'number' && typeof x.host === 'string' && typeof x.token === 'string' && typeof x.time === 'number') return x as LockContent;
  } catch {
    // unreadable content: treated by age below
  }
  return null;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function errCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function readIfExists(p: string): Promise<string | null> {
  try {
    return await fs.readFile(p, 'utf8');
  } catch (e) {
    if (errCode(e) === 'ENOENT') return null;
    throw e;
  }
}

/** One attempt: true when the lock at `p` is now ours (content written to `tmp` beforehand). */
async function tryLink(tmp: string, p: string): Promise<boolean> {
  try {
    await fs.link(tmp, p);
    return true;
  } catch (e) {
    const code = errCode(e);
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV' && code !== 'ENOSYS') throw e;
  }
  // File systems without hard links (some network shares): O_EXCL create. A holder killed between create and
  // write leaves an empty lock, which goes stale by age (`staleMs`) instead of by pid.
  try {
    await fs.writeFile(p, await fs.readFile(tmp), { flag: 'wx' });
    return true;
  } catch (e) {
    if (errCode(e) === 'EEXIST') return false;
    throw e;
  }
}

async function writeOwnerFile(p: string, token: string): Promise<void> {
  const content: LockContent = { pid: process.pid, host: HOST, token, time: Date.now() };
  await fs.writeFile(p, JSON.stringify(content), { flag: 'wx' });
}

export async function acquireLock(lockPath: string, opts: LockOptions = {}): Promise<HeldLock> {
  const timeoutMs = opts.timeoutMs ?? 15000;
  const staleMs = opts.staleMs ?? 30000;
  const deadline = Date.now() + timeoutMs;
  const token = randomBytes(16).toString('hex');
  const tmp = `${lockPath}.${token}.tmp`;
  await writeOwnerFile(tmp, token);
  let delay = 2;
  try {
    for (;;) {
      if (await tryLink(tmp, lockPath)) return { path: lockPath, token, release: () => releaseLock(lockPath, token) };
      await breakIfStale(lockPath, staleMs, 0);
      if (Date.now() > deadline) {
        throw new CodedError('log_locked', `the preference log is locked by another process (${lockPath}); if no Reward Lens is writing, delete that file`);
      }
      // Jittered backoff: appenders hold the lock for milliseconds.
      await sleep(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 20);
    }
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

async function isStale(p: string, text: string, staleMs: number): Promise<{ stale: boolean; id: string }> {
  const owner = parseLock(text);
  if (owner) return { stale: Date.now() - owner.time > staleMs || (owner.host === HOST && !pidAlive(owner.pid)), id: owner.token };
  // Never happens with link-based taking; a foreign or damaged file: by age only.
  const st = await fs.stat(p).catch(() => null);
  return { stale: st !== null && Date.now() - st.mtimeMs > staleMs, id: `unparsed-${st?.ino ?? 'x'}` };
}

/**
 * Removes the lock at `p` if its owner is gone. The tombstone is itself a lock (same content, same staleness), so a
 * breaker killed while breaking leaves a tombstone that the next breaker breaks the same way, one level down.
 */
async function breakIfStale(p: string, staleMs: number, depth: number): Promise<void> {
  if (depth > 8) return;
  const text = await readIfExists(p);
  if (text === null) return;
  const { stale, id } = await isStale(p, text, staleMs);
  if (!stale) return;
  const tomb = `${p}.broken-${id}`;
  const token = randomBytes(16).toString('hex');
  const tmp = `${tomb}.${token}.tmp`;
  await writeOwnerFile(tmp, token);
  try {
    if (!(await tryLink(tmp, tomb))) {
      await breakIfStale(tomb, staleMs, depth + 1); // its breaker may have died
      return;
    }
    try {
      const again = await readIfExists(p);
      const same = again !== null && (again === text || (parseLock(again)?.token ?? null) === id);
      if (same) await fs.rm(p, { force: true });
    } finally {
      await releaseLock(tomb, token);
    }
  } finally {
    await fs.rm(tmp, { force: true });
  }
  if (depth === 0) await sweepLeftovers(p, staleMs * 4);
}

/**
 * Temp files of owners killed between writing and linking them, and tombstones of breakers killed while breaking
 * a lock instance that is gone now (a token never comes back, so such a tombstone guards nothing).
 */
async function sweepLeftovers(lockPath: string, maxAgeMs: number): Promise<void> {
  const dir = path.dirname(lockPath);
  const base = path.basename(lockPath);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  const current = await readIfExists(lockPath);
  const currentTomb = current === null ? null : `${base}.broken-${parseLock(current)?.token ?? 'unparsed'}`;
  const now = Date.now();
  for (const n of names) {
    const isTmp = n.startsWith(`${base}.`) && n.endsWith('.tmp');
    const isOldTomb = n.startsWith(`${base}.broken-`) && !(currentTomb !== null && n.startsWith(currentTomb));
    if (!isTmp && !isOldTomb) continue;
    const p = path.join(dir, n);
    const st = await fs.stat(p).catch(() => null);
    if (st && now - st.mtimeMs > maxAgeMs) await fs.rm(p, { force: true });
  }
}

async function releaseLock(lockPath: string, token: string): Promise<void> {
  const text = await readIfExists(lockPath);
  if (text !== null && parseLock(text)?.token === token) await fs.rm(lockPath, { force: true });
}
