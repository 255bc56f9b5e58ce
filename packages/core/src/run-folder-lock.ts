import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as lockfile from 'proper-lockfile';
import { InputError } from './errors';
import { describeFsCode, writeFileAtomic } from './fs-util';

const LOCK_DIR = '.lock';
const LOCK_OWNER = '.lock-owner.json';
/** Run folders this process writes, with their release functions. */
const heldLocks = new Map<string, () => void>();

interface LockOwner {
  pid: number;
  host: string;
  since: string;
  command: string;
}

/**
 * One writer per run folder (two would interleave checkpoints, marks and the metrics log). The lock
 * is a directory inside the run folder (proper-lockfile: atomic mkdir, mtime kept fresh); the owner's
 * pid is written beside it, so a lock left by a killed process on this machine is taken over at once
 * instead of after the stale time. Returns false when this process already held it.
 */
export function lockFolder(dir: string): boolean {
  const abs = path.resolve(dir);
  if (heldLocks.has(abs)) return false;
  const release = takeOrTakeOver(abs);
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), since: new Date().toLocaleString('sv-SE'), command: process.argv.slice(2, 3).join(' ') || 'piano-lstm' };
  try {
    writeFileAtomic(path.join(abs, LOCK_OWNER), `${JSON.stringify(owner)}\n`, { force: true });
  } catch (e) {
    release();
    throw unwritableRunFolder(abs, e);
  }
  heldLocks.set(abs, () => {
    try {
      fs.rmSync(path.join(abs, LOCK_OWNER), { force: true });
      release();
    } catch {
      // already gone (the folder was removed): nothing to release
    }
  });
  return true;
}

function takeOrTakeOver(abs: string): () => void {
  const lockPath = path.join(abs, LOCK_DIR);
  const take = () =>
    lockfile.lockSync(abs, {
      lockfilePath: lockPath,
      realpath: false,
      // training blocks the event loop for whole batches: keep the refresh lenient, never crash on a late one
      stale: 120_000,
      update: 10_000,
      onCompromised: () => undefined,
    });
  try {
    return take();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw unwritableRunFolder(abs, e);
    const owner = readLockOwner(abs);
    if (owner && !ownerIsGone(owner)) {
      const who = owner.host === os.hostname() ? `pid ${owner.pid}` : `pid ${owner.pid} on ${owner.host}`;
      throw new InputError(
        `run folder ${abs} is in use by another piano-lstm process (${who}, ${owner.command}, since ${owner.since}); wait for it to finish or stop it, or train into a new run folder`,
      );
    }
    fs.rmSync(lockPath, { recursive: true, force: true });
    return take();
  }
}

/** Releases one run folder's lock (before removing the folder). */
/** When the writer lock of `dir` was last refreshed (its holder touches it while alive), or undefined when unlocked. */
export function lockRefreshedAt(dir: string): Date | undefined {
  try {
    return fs.statSync(path.join(path.resolve(dir), LOCK_DIR)).mtime;
  } catch {
    return undefined;
  }
}

export function releaseFolder(dir: string): void {
  const abs = path.resolve(dir);
  heldLocks.get(abs)?.();
  heldLocks.delete(abs);
}

/** Releases every run folder this process locked (the end of a command; exit releases them too). */
export function releaseRunFolders(): void {
  for (const release of heldLocks.values()) release();
  heldLocks.clear();
}

/**
 * The pid of a process on this machine that still holds `dir`'s lock (another process: a writer
 * killed a moment ago may still be exiting); undefined when the lock is free, its owner is gone or
 * runs on another machine.
 */
export function localLockHolder(dir: string): number | undefined {
  const owner = readLockOwner(path.resolve(dir));
  if (!owner || owner.host !== os.hostname() || typeof owner.pid !== 'number' || ownerIsGone(owner)) return undefined;
  return owner.pid;
}

function readLockOwner(dir: string): LockOwner | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, LOCK_OWNER), 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

/** The owner ran on this machine and its process no longer exists (killed, crashed, power cut). */
function ownerIsGone(owner: LockOwner): boolean {
  if (owner.host !== os.hostname()) return false;
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
  // killed but not yet reaped by its parent (a zombie) still answers kill(pid, 0)
  try {
    const stat = fs.readFileSync(`/proc/${owner.pid}/stat`, 'utf8');
    return /^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

/** A run folder (or where it would go) that cannot be written: read-only, no permission, disk full. */
export function unwritableRunFolder(dir: string, e: unknown, fix = 'free space or choose another --runs folder'): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (!code || !['EROFS', 'EACCES', 'EPERM', 'ENOSPC', 'EDQUOT'].includes(code)) return e as Error;
  return new InputError(`cannot write run folder ${dir}: ${describeFsCode(code)}; ${fix}`);
}
